// A small blocking HTTP/1.1 client for fetching from an EHR's FHIR server (and a JWK Set):
// one GET per call, one connection per call, TLS through OpenSSL. Nothing of Boost shows.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "http/message.h"

namespace khe::http {

struct ClientOptions {
  std::chrono::milliseconds timeout{10000};  // whole exchange (resolve, connect, TLS, I/O)
  std::size_t max_body_bytes = 32u << 20;
  bool verify_tls = true;  // system CA store, hostname checked (SNI set)
};

struct ClientResponse {
  int status = 0;
  std::string content_type;
  std::string body;
};

// GET url (http:// or https://), with the given extra headers. Errors name the host only
// (never the path or query: they may carry patient ids). Redirects are not followed: a 3xx
// comes back as the response. Headers with CR, LF or NUL are refused, not sent.
Result<ClientResponse> get(std::string_view url, const std::vector<Header>& headers,
                           const ClientOptions& options = {});

}  // namespace khe::http

// CORS for browsers that call the CDS services or the API from another origin (a SMART
// app, a CDS Hooks sandbox). Only the origins given with --cors-origin are allowed; "*"
// allows any origin (never with credentials). Without any, no CORS header is ever sent and
// browsers keep cross-origin calls out.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "http/message.h"

namespace khe::serve {

class CorsPolicy {
 public:
  CorsPolicy() = default;
  explicit CorsPolicy(std::vector<std::string> origins) : origins_(std::move(origins)) {}

  // The value for Access-Control-Allow-Origin, or "" when `origin` is not allowed.
  std::string allow_origin(std::string_view origin) const;

  // Adds the CORS headers of an actual (non-preflight) response when its Origin is allowed.
  void decorate(const http::Request& request, http::Response& response) const {
    decorate(request.header("Origin"), response);
  }
  // The same for a request whose Origin header was `origin`.
  void decorate(std::string_view origin, http::Response& response) const;

  // The answer to a preflight (OPTIONS) on a route that accepts `methods` ("GET, POST").
  // 204 always; the Access-Control-* headers only when the origin is allowed, the method
  // asked for is one of `methods`, and every header asked for is one the services read.
  http::Response preflight(const http::Request& request, std::string_view methods) const;

 private:
  std::vector<std::string> origins_;
};

}  // namespace khe::serve

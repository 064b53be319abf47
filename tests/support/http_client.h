// A minimal HTTP/1.1 client for tests (Boost.Beast, synchronous, one connection per call),
// independent of the product's own client in src/http.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace khe::test_support {

struct HttpReply {
  int status = 0;  // 0 when the exchange failed (`error` says why)
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased
  std::string body;
  std::string error;

  std::string header(const std::string& lower_name) const;  // "" when absent
  bool has_header(const std::string& lower_name) const;
};

using HeaderList = std::vector<std::pair<std::string, std::string>>;

HttpReply http_call(std::uint16_t port, const std::string& method, const std::string& target,
                    const HeaderList& headers = {}, const std::string& body = {},
                    std::chrono::milliseconds timeout = std::chrono::seconds(30));

// Sends raw bytes, then reads until the server closes or `timeout` passes. Returns what
// was read ("" when nothing).
std::string raw_exchange(std::uint16_t port, const std::string& bytes,
                         std::chrono::milliseconds timeout = std::chrono::seconds(5));

}  // namespace khe::test_support

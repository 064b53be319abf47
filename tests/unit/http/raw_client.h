// A raw loopback TCP client for the HTTP server tests: plain POSIX sockets with a receive
// timeout, so a test fails instead of hanging, and sends exactly the bytes it is given.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace khe::http::test {

struct RawResponse {
  int status = 0;  // 0: no complete response (closed, timed out, unparsable)
  std::string status_line;
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased
  std::string body;

  std::string header(std::string_view lower_name) const;  // "" when absent
  bool has_header(std::string_view lower_name) const;
};

class RawConnection {
 public:
  explicit RawConnection(std::uint16_t port,
                         std::chrono::milliseconds recv_timeout = std::chrono::seconds(5));
  ~RawConnection();
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  bool connected() const { return fd_ >= 0; }
  bool send(std::string_view bytes);
  // Reads one response (Content-Length framed; without one, to the end of the stream);
  // `head`: the answer to a HEAD request, header only.
  RawResponse read_response(bool head = false);
  // Reads exactly "HTTP/1.1 100 Continue\r\n\r\n" (true) or something else (false).
  bool read_continue();
  // True when the server closes the connection (reset included) before the receive timeout;
  // whatever arrives before is dropped.
  bool wait_closed();

 private:
  bool fill();  // one recv into buffer_; false on close, error or timeout

  int fd_ = -1;
  std::string buffer_;
};

// "127.0.0.1:PORT"-style helpers for requests.
std::string get_request(std::string_view target, std::string_view extra_headers = "");
std::string post_request(std::string_view target, std::string_view body,
                         std::string_view extra_headers = "");

}  // namespace khe::http::test

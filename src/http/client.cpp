#include "http/client.h"

#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <array>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <charconv>
#include <cstdint>
#include <optional>
#include <utility>

namespace khe::http {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace ssl = boost::asio::ssl;
using tcp = net::ip::tcp;

constexpr std::uint32_t kMaxResponseHeaderBytes = 64 * 1024;

struct Url {
  bool tls = false;
  std::string host;  // without brackets
  std::uint16_t port = 0;
  std::string host_header;  // host[:port] as the Host header wants it
  std::string target;       // origin-form, "/" at least
};

bool is_bad_url_char(char c) {
  const auto u = static_cast<unsigned char>(c);
  return u <= 0x20 || u >= 0x7f || c == '"' || c == '<' || c == '>' || c == '\\' || c == '^' ||
         c == '`' || c == '{' || c == '|' || c == '}';
}

std::optional<Url> parse_url(std::string_view url) {
  Url out;
  if (url.substr(0, 7) == "http://") {
    url.remove_prefix(7);
    out.port = 80;
  } else if (url.substr(0, 8) == "https://") {
    url.remove_prefix(8);
    out.tls = true;
    out.port = 443;
  } else {
    return std::nullopt;
  }
  for (char c : url) {
    if (is_bad_url_char(c)) return std::nullopt;
  }
  const std::size_t end = url.find_first_of("/?#");
  std::string_view authority = url.substr(0, end);
  std::string_view rest = end == std::string_view::npos ? std::string_view{} : url.substr(end);
  rest = rest.substr(0, rest.find('#'));
  if (authority.find('@') != std::string_view::npos) return std::nullopt;  // no credentials
  std::string_view host;
  std::string_view port;
  if (!authority.empty() && authority.front() == '[') {
    const std::size_t close = authority.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    host = authority.substr(1, close - 1);
    const std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return std::nullopt;
      port = after.substr(1);
    }
  } else {
    const std::size_t colon = authority.find(':');
    host = authority.substr(0, colon);
    if (colon != std::string_view::npos) port = authority.substr(colon + 1);
  }
  if (host.empty()) return std::nullopt;
  if (!port.empty()) {
    unsigned value = 0;
    const auto [p, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (ec != std::errc() || p != port.data() + port.size() || value == 0 || value > 65535) {
      return std::nullopt;
    }
    out.port = static_cast<std::uint16_t>(value);
  }
  out.host = std::string(host);
  const bool v6 = host.find(':') != std::string_view::npos;
  out.host_header = v6 ? "[" + out.host + "]" : out.host;
  if (out.port != (out.tls ? 443 : 80)) out.host_header += ":" + std::to_string(out.port);
  if (rest.empty() || rest.front() != '/') {
    out.target = "/" + std::string(rest);
  } else {
    out.target = std::string(rest);
  }
  return out;
}

bool sendable(const Header& h) {
  if (h.name.empty()) return false;
  for (char c : h.name) {
    if (c == ':' || static_cast<unsigned char>(c) <= 0x20 ||
        static_cast<unsigned char>(c) >= 0x7f) {
      return false;
    }
  }
  for (char c : h.value) {
    if (c == '\r' || c == '\n' || c == '\0') return false;
  }
  return true;
}

// One GET on its own io_context. Every step runs inside run_until(deadline) on the calling
// thread, so the handlers may refer to this object freely.
class Exchange {
 public:
  Exchange(const Url& url, const ClientOptions& options)
      : url_(url), options_(options), resolver_(ioc_) {
    parser_.body_limit(options.max_body_bytes);
    parser_.header_limit(kMaxResponseHeaderBytes);
  }

  Result<ClientResponse> run(bhttp::request<bhttp::empty_body>& request) {
    request_ = &request;
    const auto deadline = std::chrono::steady_clock::now() + options_.timeout;
    if (url_.tls) {
      tls_context_.emplace(ssl::context::tls_client);
      if (options_.verify_tls) {
        beast::error_code ec;
        tls_context_->set_default_verify_paths(ec);
        tls_context_->set_verify_mode(ssl::verify_peer);
      } else {
        tls_context_->set_verify_mode(ssl::verify_none);
      }
      tls_.emplace(ioc_, *tls_context_);
      if (!configure_tls()) return failure("cannot set up TLS");
    } else {
      plain_.emplace(ioc_);
    }

    beast::error_code ec;
    const net::ip::address address = net::ip::make_address(url_.host, ec);
    if (!ec) {
      const std::array<tcp::endpoint, 1> endpoints{tcp::endpoint(address, url_.port)};
      connect(endpoints);
    } else {
      resolver_.async_resolve(url_.host, std::to_string(url_.port),
                              [this](beast::error_code e, const tcp::resolver::results_type& r) {
                                if (e) return finish("cannot resolve the host", e);
                                connect(r);
                              });
    }
    ioc_.run_until(deadline);
    if (!finished_) return failure("timed out");
    if (!message_.empty()) return failure(message_);
    ClientResponse response;
    auto& msg = parser_.get();
    response.status = static_cast<int>(msg.result_int());
    response.content_type = std::string(msg[bhttp::field::content_type]);
    response.body = std::move(msg.body());
    return response;
  }

 private:
  beast::tcp_stream& lowest() { return tls_ ? beast::get_lowest_layer(*tls_) : *plain_; }

  bool configure_tls() {
    SSL* handle = tls_->native_handle();
    beast::error_code ec;
    net::ip::make_address(url_.host, ec);
    const bool ip = !ec;
    if (!ip) {
      // SNI, and the name the certificate must carry.
      if (SSL_set_tlsext_host_name(handle, url_.host.c_str()) != 1) return false;
      if (options_.verify_tls && SSL_set1_host(handle, url_.host.c_str()) != 1) return false;
    } else if (options_.verify_tls) {
      if (X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(handle), url_.host.c_str()) != 1) {
        return false;
      }
    }
    return true;
  }

  template <class Endpoints>
  void connect(const Endpoints& endpoints) {
    lowest().async_connect(endpoints, [this](beast::error_code ec, const tcp::endpoint&) {
      if (ec) return finish("cannot connect", ec);
      beast::error_code ignored;
      lowest().socket().set_option(tcp::no_delay(true), ignored);
      if (tls_) {
        tls_->async_handshake(ssl::stream_base::client, [this](beast::error_code e) {
          if (e) return finish("TLS handshake failed", e);
          write();
        });
      } else {
        write();
      }
    });
  }

  void write() {
    auto done = [this](beast::error_code ec, std::size_t) {
      if (ec) return finish("cannot send the request", ec);
      read();
    };
    if (tls_) {
      bhttp::async_write(*tls_, *request_, done);
    } else {
      bhttp::async_write(*plain_, *request_, done);
    }
  }

  // The header first, then the body: Beast 1.74 loses a Content-Length over body_limit
  // when the parser runs eagerly through header and body in one call.
  void read() {
    auto header_done = [this](beast::error_code ec, std::size_t) {
      if (ec) return read_failed(ec);
      if (parser_.is_done()) return finish("", {});
      auto body_done = [this](beast::error_code e, std::size_t) {
        // A TLS peer that closes without close_notify ends a body that runs to EOF.
        if (e == ssl::error::stream_truncated && !parser_.is_done() && parser_.need_eof()) {
          beast::error_code eof;
          parser_.put_eof(eof);
          e = eof;
        }
        if (e) return read_failed(e);
        finish("", {});
      };
      if (tls_) {
        bhttp::async_read(*tls_, buffer_, parser_, body_done);
      } else {
        bhttp::async_read(*plain_, buffer_, parser_, body_done);
      }
    };
    if (tls_) {
      bhttp::async_read_header(*tls_, buffer_, parser_, header_done);
    } else {
      bhttp::async_read_header(*plain_, buffer_, parser_, header_done);
    }
  }

  void read_failed(beast::error_code ec) {
    if (ec == bhttp::error::body_limit) {
      return finish("response body over " + std::to_string(options_.max_body_bytes) + " bytes", {});
    }
    if (ec == bhttp::error::header_limit) return finish("response header too large", {});
    finish("cannot read the response", ec);
  }

  void finish(std::string message, beast::error_code ec) {
    finished_ = true;
    message_ = std::move(message);
    if (ec) message_ += ": " + ec.message();
    ioc_.stop();
  }

  Error failure(const std::string& message) const {
    return Error{url_.host, url_.host + ": " + message};
  }

  const Url& url_;
  const ClientOptions& options_;
  net::io_context ioc_;  // first: destroyed after everything bound to it
  tcp::resolver resolver_;
  std::optional<ssl::context> tls_context_;
  std::optional<beast::tcp_stream> plain_;
  std::optional<beast::ssl_stream<beast::tcp_stream>> tls_;
  beast::flat_buffer buffer_;
  bhttp::response_parser<bhttp::string_body> parser_;
  bhttp::request<bhttp::empty_body>* request_ = nullptr;
  bool finished_ = false;
  std::string message_;
};

}  // namespace

Result<ClientResponse> get(std::string_view url, const std::vector<Header>& headers,
                           const ClientOptions& options) {
  auto parsed = parse_url(url);
  if (!parsed) return Error{"", "invalid URL: only http:// or https:// with a host"};
  bhttp::request<bhttp::empty_body> request{bhttp::verb::get, parsed->target, 11};
  request.set(bhttp::field::host, parsed->host_header);
  request.set(bhttp::field::user_agent, "khe");
  for (const Header& h : headers) {
    if (!sendable(h)) {
      return Error{parsed->host, parsed->host + ": a request header has invalid characters"};
    }
    request.set(h.name, h.value);
  }
  request.set(bhttp::field::connection, "close");
  Exchange exchange(*parsed, options);
  return exchange.run(request);
}

}  // namespace khe::http

#include "support/http_client.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cctype>

namespace khe::test_support {
namespace beast = boost::beast;
namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {
std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}
}  // namespace

std::string HttpReply::header(const std::string& lower_name) const {
  for (const auto& [n, v] : headers) {
    if (n == lower_name) return v;
  }
  return {};
}

bool HttpReply::has_header(const std::string& lower_name) const {
  for (const auto& h : headers) {
    if (h.first == lower_name) return true;
  }
  return false;
}

HttpReply http_call(std::uint16_t port, const std::string& method, const std::string& target,
                    const HeaderList& headers, const std::string& body,
                    std::chrono::milliseconds timeout) {
  HttpReply reply;
  try {
    net::io_context io;
    beast::tcp_stream stream(io);
    stream.expires_after(timeout);
    stream.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
    beast::http::request<beast::http::string_body> req;
    req.method_string(method);
    req.target(target);
    req.version(11);
    req.set(beast::http::field::host, "127.0.0.1:" + std::to_string(port));
    for (const auto& [n, v] : headers) req.set(n, v);
    req.body() = body;
    if (!body.empty() || method == "POST" || method == "PUT") req.prepare_payload();
    beast::http::write(stream, req);
    beast::flat_buffer buffer;
    beast::http::response_parser<beast::http::string_body> parser;
    parser.body_limit(256u << 20);
    beast::http::read(stream, buffer, parser);
    auto& res = parser.get();
    reply.status = static_cast<int>(res.result_int());
    for (const auto& f : res) {
      reply.headers.emplace_back(lower(std::string(f.name_string())), std::string(f.value()));
    }
    reply.body = res.body();
    beast::error_code ec;
    stream.socket().shutdown(tcp::socket::shutdown_both, ec);
  } catch (const std::exception& e) {
    reply.status = 0;
    reply.error = e.what();
  }
  return reply;
}

std::string raw_exchange(std::uint16_t port, const std::string& bytes,
                         std::chrono::milliseconds timeout) {
  std::string got;
  try {
    net::io_context io;
    beast::tcp_stream stream(io);
    stream.expires_after(timeout);
    stream.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
    net::write(stream, net::buffer(bytes));
    char buf[4096];
    for (;;) {
      beast::error_code ec;
      const std::size_t n = stream.read_some(net::buffer(buf), ec);
      got.append(buf, n);
      if (ec) break;
    }
  } catch (const std::exception&) {
  }
  return got;
}

}  // namespace khe::test_support

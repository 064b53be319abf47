// http::get against the own server, a listener that never answers, a closed port, and a
// throwaway TLS server with a self-signed certificate made here.
#include "http/client.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <future>
#include <mutex>
#include <thread>

#include "http/server.h"

namespace khe::http {
namespace {

using namespace std::chrono_literals;

std::unique_ptr<Server> start_server(Handler h) {
  ServerOptions o;
  o.port = 0;
  o.workers = 2;
  auto s = Server::start(o, std::move(h));
  if (!s) {
    ADD_FAILURE() << s.error().to_string();
    return nullptr;
  }
  return std::move(s).value();
}

std::string url(std::uint16_t port, std::string_view target) {
  return "http://127.0.0.1:" + std::to_string(port) + std::string(target);
}

// A loopback socket held open for the test: listening (connections complete in the
// kernel, nobody ever answers) or only bound (connections are refused).
class PlainSocket {
 public:
  explicit PlainSocket(bool listening) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    if (listening) ::listen(fd_, 8);
    socklen_t len = sizeof addr;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
  }
  ~PlainSocket() { ::close(fd_); }
  PlainSocket(const PlainSocket&) = delete;
  PlainSocket& operator=(const PlainSocket&) = delete;
  std::uint16_t port() const { return port_; }

 private:
  int fd_ = -1;
  std::uint16_t port_ = 0;
};

TEST(HttpClient, GetsFromTheOwnServer) {
  std::mutex mu;
  Request seen;
  auto server = start_server([&](const Request& r) {
    {
      std::lock_guard<std::mutex> lock(mu);
      seen = r;
    }
    Response out;
    out.content_type = "application/fhir+json";
    out.body = R"({"resourceType":"Bundle"})";
    return out;
  });
  ASSERT_TRUE(server);
  auto r = get(url(server->port(), "/fhir/Observation?patient=p1&code=26515-7"),
               {{"Authorization", "Bearer abc"}, {"Accept", "application/fhir+json"}});
  ASSERT_TRUE(r) << r.error().to_string();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->content_type, "application/fhir+json");
  EXPECT_EQ(r->body, R"({"resourceType":"Bundle"})");
  std::lock_guard<std::mutex> lock(mu);
  EXPECT_EQ(seen.method, "GET");
  EXPECT_EQ(seen.path, "/fhir/Observation");
  EXPECT_EQ(seen.query_param("code"), "26515-7");
  EXPECT_EQ(seen.header("authorization"), "Bearer abc");
  EXPECT_EQ(seen.header("host"), "127.0.0.1:" + std::to_string(server->port()));
}

TEST(HttpClient, ReturnsErrorStatusesAndDoesNotFollowRedirects) {
  std::atomic<int> calls{0};
  auto server = start_server([&](const Request& r) {
    ++calls;
    if (r.path == "/moved") {
      Response out;
      out.status = 302;
      out.set_header("Location", "/elsewhere");
      return out;
    }
    return error_response(404, "not_found", "no");
  });
  ASSERT_TRUE(server);
  auto moved = get(url(server->port(), "/moved"), {});
  ASSERT_TRUE(moved) << moved.error().to_string();
  EXPECT_EQ(moved->status, 302);
  auto missing = get(url(server->port(), "/missing"), {});
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 404);
  EXPECT_EQ(missing->content_type, "application/json");
  EXPECT_EQ(calls.load(), 2);
}

TEST(HttpClient, EmptyPathBecomesRoot) {
  std::promise<std::string> target;
  auto server = start_server([&](const Request& r) {
    target.set_value(r.target);
    return json_response(200, "{}");
  });
  ASSERT_TRUE(server);
  auto r = get("http://127.0.0.1:" + std::to_string(server->port()) + "?a=1", {});
  ASSERT_TRUE(r) << r.error().to_string();
  EXPECT_EQ(target.get_future().get(), "/?a=1");
}

TEST(HttpClient, BodyOverTheLimitIsAnError) {
  auto server =
      start_server([](const Request&) { return json_response(200, std::string(100, ' ')); });
  ASSERT_TRUE(server);
  auto r = get(url(server->port(), "/big"), {}, {.max_body_bytes = 10});
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("over 10 bytes"), std::string::npos) << r.error().message;
  auto fits = get(url(server->port(), "/big"), {}, {.max_body_bytes = 100});
  EXPECT_TRUE(fits);
}

TEST(HttpClient, TimesOutAgainstAListenerThatNeverAnswers) {
  PlainSocket silent(/*listening=*/true);
  const auto started = std::chrono::steady_clock::now();
  auto r = get(url(silent.port(), "/Patient?identifier=SECRET-MRN"), {}, {.timeout = 200ms});
  const auto took = std::chrono::steady_clock::now() - started;
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("timed out"), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find("127.0.0.1"), std::string::npos);
  EXPECT_EQ(r.error().to_string().find("SECRET"), std::string::npos) << r.error().to_string();
  EXPECT_EQ(r.error().to_string().find("Patient"), std::string::npos) << r.error().to_string();
  EXPECT_LT(took, 3s);
}

TEST(HttpClient, RefusedConnectionIsAnError) {
  PlainSocket closed(/*listening=*/false);
  auto r = get(url(closed.port(), "/Patient/p1"), {});
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("cannot connect"), std::string::npos) << r.error().message;
  EXPECT_EQ(r.error().where, "127.0.0.1");
  EXPECT_EQ(r.error().to_string().find("p1"), std::string::npos);
}

TEST(HttpClient, RefusesInvalidUrlsAndHeaders) {
  for (const char* bad :
       {"ftp://x/", "http://", "http:///x", "http://user:pw@host/", "http://host:0/",
        "http://host:99999/", "http://host:8x/", "http://ho st/", "https://[::1/", "mailto:a@b"}) {
    auto r = get(bad, {});
    EXPECT_FALSE(r) << bad;
  }
  auto server = start_server([](const Request&) { return json_response(200, "{}"); });
  ASSERT_TRUE(server);
  auto injected = get(url(server->port(), "/x"), {{"Authorization", "Bearer a\r\nX-Evil: 1"}});
  ASSERT_FALSE(injected);
  EXPECT_NE(injected.error().message.find("invalid characters"), std::string::npos);
}

TEST(HttpClient, HttpsToAPlainServerFailsCleanly) {
  auto server = start_server([](const Request&) { return json_response(200, "{}"); });
  ASSERT_TRUE(server);
  auto r = get("https://127.0.0.1:" + std::to_string(server->port()) + "/x", {}, {.timeout = 2s});
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("TLS handshake failed"), std::string::npos) << r.error().message;
}

// ---- TLS ---------------------------------------------------------------------------------

struct Pem {
  std::string cert;
  std::string key;
};

// A self-signed P-256 certificate for "localhost" and 127.0.0.1, valid for a day.
Pem make_self_signed() {
  Pem out;
  EVP_PKEY* key = EVP_EC_gen("P-256");
  X509* x = X509_new();
  X509_set_version(x, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
  X509_gmtime_adj(X509_getm_notBefore(x), -60);
  X509_gmtime_adj(X509_getm_notAfter(x), 86400);
  X509_set_pubkey(x, key);
  X509_NAME* name = X509_get_subject_name(x);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("localhost"), -1, -1, 0);
  X509_set_issuer_name(x, name);
  X509V3_CTX v3;
  X509V3_set_ctx_nodb(&v3);
  X509V3_set_ctx(&v3, x, x, nullptr, nullptr, 0);
  X509_EXTENSION* san =
      X509V3_EXT_conf_nid(nullptr, &v3, NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1");
  X509_add_ext(x, san, -1);
  X509_EXTENSION_free(san);
  X509_sign(x, key, EVP_sha256());
  BIO* b = BIO_new(BIO_s_mem());
  PEM_write_bio_X509(b, x);
  PEM_write_bio_PrivateKey(b, key, nullptr, nullptr, 0, nullptr, nullptr);
  char* data = nullptr;
  const long n = BIO_get_mem_data(b, &data);
  const std::string both(data, static_cast<std::size_t>(n));
  const std::size_t split = both.find("-----BEGIN PRIVATE KEY-----");
  out.cert = both.substr(0, split);
  out.key = both.substr(split);
  BIO_free(b);
  X509_free(x);
  EVP_PKEY_free(key);
  return out;
}

// Serves one TLS connection with a fixed JSON answer; gives up after 5 s.
class TlsServer {
 public:
  TlsServer() : ctx_(boost::asio::ssl::context::tls_server), acceptor_(ioc_) {
    const Pem pem = make_self_signed();
    ctx_.use_certificate_chain(boost::asio::buffer(pem.cert));
    ctx_.use_private_key(boost::asio::buffer(pem.key), boost::asio::ssl::context::pem);
    namespace ip = boost::asio::ip;
    const ip::tcp::endpoint ep(ip::make_address("127.0.0.1"), 0);
    acceptor_.open(ep.protocol());
    acceptor_.bind(ep);
    acceptor_.listen();
    port_ = acceptor_.local_endpoint().port();
    acceptor_.async_accept([this](boost::system::error_code ec, ip::tcp::socket socket) {
      if (ec) return;
      stream_.emplace(std::move(socket), ctx_);
      stream_->async_handshake(boost::asio::ssl::stream_base::server,
                               [this](boost::system::error_code e) {
                                 if (e) return;
                                 read();
                               });
    });
    thread_ = std::thread([this] { ioc_.run_for(5s); });
  }
  ~TlsServer() {
    ioc_.stop();
    thread_.join();
  }
  TlsServer(const TlsServer&) = delete;
  TlsServer& operator=(const TlsServer&) = delete;
  std::uint16_t port() const { return port_; }
  std::string sni() const {
    std::lock_guard<std::mutex> lock(mu_);
    return sni_;
  }

 private:
  void read() {
    namespace bhttp = boost::beast::http;
    bhttp::async_read(
        *stream_, buffer_, request_, [this](boost::system::error_code ec, std::size_t) {
          if (ec) return;
          {
            std::lock_guard<std::mutex> lock(mu_);
            const char* name =
                SSL_get_servername(stream_->native_handle(), TLSEXT_NAMETYPE_host_name);
            sni_ = name != nullptr ? name : "";
          }
          response_.result(200);
          response_.version(11);
          response_.set(bhttp::field::content_type, "application/json");
          response_.body() = R"({"tls":true})";
          response_.keep_alive(false);
          response_.prepare_payload();
          bhttp::async_write(*stream_, response_, [this](boost::system::error_code, std::size_t) {
            stream_->async_shutdown([](boost::system::error_code) {});
          });
        });
  }

  boost::asio::io_context ioc_;
  boost::asio::ssl::context ctx_;
  boost::asio::ip::tcp::acceptor acceptor_;
  std::optional<boost::asio::ssl::stream<boost::asio::ip::tcp::socket>> stream_;
  boost::beast::flat_buffer buffer_;
  boost::beast::http::request<boost::beast::http::string_body> request_;
  boost::beast::http::response<boost::beast::http::string_body> response_;
  mutable std::mutex mu_;
  std::string sni_;
  std::uint16_t port_ = 0;
  std::thread thread_;
};

TEST(HttpClient, TlsWithoutVerificationReachesTheServerAndSendsSni) {
  TlsServer tls;
  auto r = get("https://localhost:" + std::to_string(tls.port()) + "/metadata", {},
               {.timeout = 3s, .verify_tls = false});
  ASSERT_TRUE(r) << r.error().to_string();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, R"({"tls":true})");
  EXPECT_EQ(tls.sni(), "localhost");
}

TEST(HttpClient, TlsVerificationRefusesAnUntrustedCertificate) {
  TlsServer tls;
  auto r =
      get("https://127.0.0.1:" + std::to_string(tls.port()) + "/metadata", {}, {.timeout = 3s});
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("TLS handshake failed"), std::string::npos) << r.error().message;
  EXPECT_EQ(r.error().message.find("metadata"), std::string::npos);
}

}  // namespace
}  // namespace khe::http

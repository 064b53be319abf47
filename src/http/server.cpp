#include "http/server.h"

#include <cxxabi.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <cctype>
#include <condition_variable>
#include <cstdlib>
#include <exception>
#include <limits>
#include <mutex>
#include <optional>
#include <thread>
#include <typeinfo>
#include <unordered_map>
#include <utility>
#include <vector>

#include "http/worker_pool.h"

namespace khe::http {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = net::ip::tcp;

namespace detail {

class Session;

constexpr std::size_t kReadSize = 8192;
// After a response that closes the connection the server stops sending and reads (and
// drops) what the client still sends for at most this long, so the client reads the
// response instead of a reset.
constexpr std::chrono::milliseconds kLingerMax{2000};
constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";

std::string_view view(beast::string_view s) { return {s.data(), s.size()}; }

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

// RFC 9110 token characters for a field name; a value may not carry CR, LF or NUL.
bool valid_header(const Header& h) {
  if (h.name.empty()) return false;
  for (char c : h.name) {
    const auto u = static_cast<unsigned char>(c);
    const bool ok = std::isalnum(u) != 0 ||
                    std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
    if (!ok) return false;
  }
  for (char c : h.value) {
    if (c == '\r' || c == '\n' || c == '\0') return false;
  }
  return true;
}

std::string exception_type(const std::exception& e) {
  const char* mangled = typeid(e).name();
  int status = 0;
  char* demangled = abi::__cxa_demangle(mangled, nullptr, nullptr, &status);
  std::string out = status == 0 && demangled != nullptr ? demangled : mangled;
  std::free(demangled);  // NOLINT(cppcoreguidelines-no-malloc)
  return out;
}

}  // namespace detail

struct Server::Impl : std::enable_shared_from_this<Server::Impl> {
  Impl(ServerOptions o, AsyncHandler h, ServerLog l)
      : options(std::move(o)),
        handler(std::move(h)),
        log_fn(std::move(l)),
        accept_strand(net::make_strand(ioc)),
        acceptor(accept_strand),
        grace_timer(accept_strand),
        retry_timer(accept_strand) {}

  ~Impl() {
    pool.stop();
    ioc.stop();
    for (std::thread& t : io_threads) {
      if (t.joinable()) t.join();
    }
  }

  void log(std::string_view level, std::string_view event, std::string_view detail) const {
    if (log_fn) log_fn(level, event, detail);
  }

  // Calls the handler; an exception before it answered is answered 500.
  void run_handler(const Request& request, const Responder& done) const;
  void do_accept();
  void on_accept(beast::error_code ec, tcp::socket socket);
  void remove(detail::Session* session);
  std::vector<std::shared_ptr<detail::Session>> live_sessions();
  void force_close_all();

  // Declared first, destroyed last: sessions still queued in the io_context when it is
  // destroyed unregister themselves here.
  const ServerOptions options;
  const AsyncHandler handler;
  const ServerLog log_fn;

  std::mutex mu;
  std::condition_variable cv;
  std::unordered_map<detail::Session*, std::weak_ptr<detail::Session>> sessions;
  bool shutdown_requested = false;
  bool forced = false;
  bool finished = false;
  std::chrono::steady_clock::time_point deadline{};
  std::atomic<bool> stopping{false};
  std::uint64_t refused_connections = 0;  // accept strand only
  std::mutex wait_mu;

  WorkerPool pool;
  net::io_context ioc;
  std::optional<net::executor_work_guard<net::io_context::executor_type>> guard;
  net::strand<net::io_context::executor_type> accept_strand;
  tcp::acceptor acceptor;
  net::steady_timer grace_timer;
  net::steady_timer retry_timer;
  std::vector<std::thread> io_threads;
  std::uint16_t bound_port = 0;
  // Sessions whose handler has not answered yet, kept alive here (not by the Responder):
  // an answer may come after the server is gone, and a session must never outlive the
  // io_context its socket belongs to. Declared after `ioc`, so destroyed before it. Under mu.
  std::unordered_map<detail::Session*, std::shared_ptr<detail::Session>> awaiting;
};

namespace detail {

// One connection: reads a request, hands it to the worker pool, writes the response, and
// only then reads the next one (so pipelined requests are answered in order). Every member
// function runs on the connection's strand.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket&& socket, Server::Impl& server)
      : stream_(std::move(socket)), server_(server) {
    beast::error_code ec;
    const tcp::endpoint ep = stream_.socket().remote_endpoint(ec);
    if (!ec) {
      const net::ip::address a = ep.address();
      remote_ = a.is_v6() ? "[" + a.to_string() + "]" : a.to_string();
      remote_ += ":" + std::to_string(ep.port());
    }
  }
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;
  ~Session() { server_.remove(this); }

  net::any_io_executor executor() { return stream_.get_executor(); }

  void start() { wait_for_request(); }

  // The server stops: a connection between requests closes now, one with a request in
  // progress finishes it (answered with "Connection: close").
  void on_shutdown() {
    if (state_ == State::idle || state_ == State::lingering) close_now();
  }
  void force_close() { close_now(); }

  // The handler's answer, posted back by a worker.
  void deliver(Response response) { send(std::move(response)); }

 private:
  enum class State { idle, reading, handling, writing, lingering, closed };

  const ServerOptions& opts() const { return server_.options; }

  void wait_for_request() {
    if (server_.stopping.load(std::memory_order_acquire)) {
      close_now();
      return;
    }
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(
        std::min<std::size_t>(opts().max_header_bytes, std::numeric_limits<std::uint32_t>::max())));
    parser_->body_limit(opts().max_body_bytes);
    if (buffer_.size() > 0) {  // a pipelined request is already here
      read_header();
      return;
    }
    state_ = State::idle;
    stream_.expires_after(opts().idle_timeout);
    stream_.async_read_some(
        buffer_.prepare(kReadSize),
        beast::bind_front_handler(&Session::on_first_bytes, shared_from_this()));
  }

  void on_first_bytes(beast::error_code ec, std::size_t n) {
    if (ec) {
      if (ec == beast::error::timeout) server_.log("debug", "idle_timeout", "");
      close_now();
      return;
    }
    buffer_.commit(n);
    read_header();
  }

  void read_header() {
    state_ = State::reading;
    stream_.expires_after(opts().request_timeout);  // the whole request from here on
    bhttp::async_read_header(stream_, buffer_, *parser_,
                             beast::bind_front_handler(&Session::on_header, shared_from_this()));
  }

  void on_header(beast::error_code ec, std::size_t) {
    if (ec) {
      on_read_error(ec);
      return;
    }
    if (parser_->is_done()) {
      dispatch_request();
      return;
    }
    const auto& msg = parser_->get();
    if (msg.version() >= 11 && iequals(view(msg[bhttp::field::expect]), "100-continue")) {
      net::async_write(stream_, net::buffer(kContinue.data(), kContinue.size()),
                       beast::bind_front_handler(&Session::on_continue, shared_from_this()));
      return;
    }
    read_body();
  }

  void on_continue(beast::error_code ec, std::size_t) {
    if (ec) {
      close_now();
      return;
    }
    read_body();
  }

  void read_body() {
    bhttp::async_read(stream_, buffer_, *parser_,
                      beast::bind_front_handler(&Session::on_body, shared_from_this()));
  }

  void on_body(beast::error_code ec, std::size_t) {
    if (ec) {
      on_read_error(ec);
      return;
    }
    dispatch_request();
  }

  void on_read_error(beast::error_code ec) {
    if (ec == bhttp::error::header_limit) {
      server_.log("info", "header_too_large", "");
      fail(431, "header_too_large", "the request header block is too large");
    } else if (ec == bhttp::error::body_limit) {
      server_.log("info", "body_too_large", "");
      fail(413, "body_too_large", "the request body is too large");
    } else if (ec == beast::error::timeout) {
      server_.log("info", "request_timeout", "");
      close_now();
    } else if (ec == bhttp::error::end_of_stream || ec == bhttp::error::partial_message) {
      close_now();
    } else if (ec.category() == bhttp::make_error_code(bhttp::error::bad_method).category()) {
      server_.log("info", "bad_request", ec.message());
      fail(400, "bad_request", "malformed HTTP request");
    } else {
      close_now();  // reset, aborted, ...
    }
  }

  // Answers a request that could not be read and closes the connection.
  void fail(int status, std::string_view code, std::string_view message) {
    keep_alive_ = false;
    head_ = false;
    version_ = 11;
    send(error_response(status, code, message));
  }

  void dispatch_request() {
    state_ = State::handling;
    stream_.expires_never();
    auto& msg = parser_->get();
    keep_alive_ = msg.keep_alive();
    version_ = msg.version();
    head_ = msg.method() == bhttp::verb::head;

    Request request;
    request.method = std::string(msg.method_string());
    request.target = std::string(msg.target());
    auto target = parse_target(request.target);
    if (!target) {
      send(error_response(400, "bad_target", "the request target is not acceptable"));
      return;
    }
    request.path = std::move(target->path);
    request.query = std::move(target->query);
    request.headers.reserve(static_cast<std::size_t>(std::distance(msg.begin(), msg.end())));
    for (const auto& field : msg) {
      request.headers.push_back({std::string(field.name_string()), std::string(field.value())});
    }
    request.body = std::move(msg.body());
    request.remote = remote_;

    WorkerPool::Task task = [self = shared_from_this(), request = std::move(request)]() {
      Server::Impl& server = self->server_;
      {
        std::lock_guard<std::mutex> lock(server.mu);
        server.awaiting.emplace(self.get(), self);
      }
      // The answer may come from any thread, even after the server is gone: it goes to the
      // session's strand while the server (and so its io_context) lives, else nowhere. The
      // Responder holds no session, only the key to find it in `awaiting`.
      Responder done([owner = server.weak_from_this(), key = self.get()](Response response) {
        auto alive = owner.lock();
        if (!alive) return;
        std::shared_ptr<Session> session;
        {
          std::lock_guard<std::mutex> lock(alive->mu);
          auto it = alive->awaiting.find(key);
          if (it == alive->awaiting.end()) return;
          session = std::move(it->second);
          alive->awaiting.erase(it);
        }
        // Moved into the posted function: this thread keeps no reference, so the session
        // is never destroyed here, racing the server's own destruction.
        auto executor = session->executor();
        net::post(executor,
                  [session = std::move(session), response = std::move(response)]() mutable {
                    session->deliver(std::move(response));
                  });
      });
      server.run_handler(request, done);
    };
    if (!server_.pool.try_submit(task)) {
      server_.log("warn", "queue_full", "");
      Response busy = error_response(503, "overloaded", "the server is busy; try again");
      busy.set_header("Retry-After", "1");
      send(std::move(busy));
    }
  }

  void send(Response r) {
    if (state_ == State::closed) return;
    state_ = State::writing;
    close_after_write_ = !keep_alive_ || server_.stopping.load(std::memory_order_acquire);
    if (r.status < 200 || r.status > 599) {
      server_.log("error", "bad_status", std::to_string(r.status));
      r = error_response(500, "internal_error", "the server could not answer this request");
    }
    res_ = {};
    res_.version(version_);
    res_.result(static_cast<unsigned>(r.status));
    res_.set(bhttp::field::server, "khe");
    if (!r.content_type.empty()) res_.set(bhttp::field::content_type, r.content_type);
    for (const Header& h : r.headers) {
      if (!valid_header(h)) {
        server_.log("error", "bad_response_header", "");
        continue;
      }
      if (iequals(h.name, "Content-Length") || iequals(h.name, "Transfer-Encoding") ||
          iequals(h.name, "Connection") || iequals(h.name, "Server")) {
        continue;
      }
      res_.insert(h.name, h.value);
    }
    if (r.status == 204 || r.status == 304) r.body.clear();
    res_.body() = std::move(r.body);
    res_.keep_alive(!close_after_write_);
    res_.prepare_payload();          // Content-Length (none for 204/304)
    if (head_) res_.body().clear();  // HEAD: the header names the length, no body
    stream_.expires_after(opts().request_timeout);
    bhttp::async_write(stream_, res_,
                       beast::bind_front_handler(&Session::on_write, shared_from_this()));
  }

  void on_write(beast::error_code ec, std::size_t) {
    res_ = {};
    if (ec) {
      close_now();
      return;
    }
    if (close_after_write_) {
      linger();
      return;
    }
    wait_for_request();
  }

  void linger() {
    state_ = State::lingering;
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    if (ec || server_.stopping.load(std::memory_order_acquire)) {
      close_now();
      return;
    }
    buffer_.clear();
    stream_.expires_after(std::min(opts().idle_timeout, kLingerMax));
    read_and_drop();
  }

  void read_and_drop() {
    stream_.async_read_some(buffer_.prepare(kReadSize),
                            [self = shared_from_this()](beast::error_code ec, std::size_t) {
                              if (ec) {
                                self->close_now();
                              } else {
                                self->read_and_drop();
                              }
                            });
  }

  void close_now() {
    state_ = State::closed;
    stream_.close();
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  bhttp::response<bhttp::string_body> res_;
  Server::Impl& server_;
  std::string remote_;
  State state_ = State::idle;
  bool keep_alive_ = false;
  bool close_after_write_ = true;
  bool head_ = false;
  unsigned version_ = 11;
};

}  // namespace detail

void Server::Impl::run_handler(const Request& request, const Responder& done) const {
  try {
    handler(request, done);
    return;
  } catch (const std::exception& e) {
    log("error", "handler_exception", detail::exception_type(e));
  } catch (...) {
    log("error", "handler_exception", "unknown exception");
  }
  done(error_response(500, "internal_error", "the server could not answer this request"));
}

void Server::Impl::do_accept() {
  acceptor.async_accept(net::make_strand(ioc), beast::bind_front_handler(&Impl::on_accept, this));
}

void Server::Impl::on_accept(beast::error_code ec, tcp::socket socket) {
  if (ec == net::error::operation_aborted || !acceptor.is_open()) return;
  if (ec) {
    // Out of descriptors and the like: try again a little later instead of spinning.
    log("warn", "accept_failed", ec.message());
    retry_timer.expires_after(std::chrono::milliseconds(50));
    retry_timer.async_wait([this](beast::error_code e) {
      if (!e && acceptor.is_open()) do_accept();
    });
    return;
  }
  if (stopping.load(std::memory_order_acquire)) {
    socket.close(ec);
    return;
  }
  bool full = false;
  {
    std::lock_guard<std::mutex> lock(mu);
    full = sessions.size() >= options.max_connections;
  }
  if (full) {
    if (refused_connections++ % 1000 == 0) {
      log("warn", "connection_limit",
          "connections refused so far: " + std::to_string(refused_connections));
    }
    socket.close(ec);
  } else {
    socket.set_option(tcp::no_delay(true), ec);
    auto session = std::make_shared<detail::Session>(std::move(socket), *this);
    {
      std::lock_guard<std::mutex> lock(mu);
      sessions.emplace(session.get(), session);
    }
    net::dispatch(session->executor(), [session] { session->start(); });
  }
  do_accept();
}

void Server::Impl::remove(detail::Session* session) {
  bool notify = false;
  {
    std::lock_guard<std::mutex> lock(mu);
    sessions.erase(session);
    notify = shutdown_requested && sessions.empty();
  }
  if (notify) cv.notify_all();
}

std::vector<std::shared_ptr<detail::Session>> Server::Impl::live_sessions() {
  std::vector<std::shared_ptr<detail::Session>> out;
  std::lock_guard<std::mutex> lock(mu);
  out.reserve(sessions.size());
  for (auto& [key, weak] : sessions) {
    if (auto s = weak.lock()) out.push_back(std::move(s));
  }
  return out;
}

void Server::Impl::force_close_all() {
  {
    std::lock_guard<std::mutex> lock(mu);
    forced = true;
  }
  cv.notify_all();
  for (auto& s : live_sessions()) {
    net::post(s->executor(), [s] { s->force_close(); });
  }
}

Server::Server(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}

Result<std::unique_ptr<Server>> Server::start(ServerOptions options, Handler handler,
                                              ServerLog log) {
  if (!handler)
    return Error{options.host + ":" + std::to_string(options.port), "no request handler"};
  return start(std::move(options),
               AsyncHandler([handler = std::move(handler)](
                                const Request& r, const Responder& done) { done(handler(r)); }),
               std::move(log));
}

Result<std::unique_ptr<Server>> Server::start(ServerOptions options, AsyncHandler handler,
                                              ServerLog log) {
  const std::string where = options.host + ":" + std::to_string(options.port);
  if (!handler) return Error{where, "no request handler"};
  auto impl = std::make_shared<Impl>(std::move(options), std::move(handler), std::move(log));
  const ServerOptions& o = impl->options;

  beast::error_code ec;
  tcp::endpoint endpoint;
  const net::ip::address address = net::ip::make_address(o.host, ec);
  if (!ec) {
    endpoint = tcp::endpoint(address, o.port);
  } else {
    tcp::resolver resolver(impl->ioc);
    auto results = resolver.resolve(o.host, std::to_string(o.port), ec);
    if (ec || results.empty()) return Error{where, "cannot resolve the host to listen on"};
    endpoint = results.begin()->endpoint();
  }
  tcp::acceptor& acceptor = impl->acceptor;
  if (acceptor.open(endpoint.protocol(), ec)) return Error{where, "cannot listen: " + ec.message()};
  acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (acceptor.bind(endpoint, ec)) return Error{where, "cannot bind: " + ec.message()};
  if (acceptor.listen(net::socket_base::max_listen_connections, ec)) {
    return Error{where, "cannot listen: " + ec.message()};
  }
  impl->bound_port = acceptor.local_endpoint(ec).port();

  unsigned workers = o.workers;
  if (workers == 0) workers = std::max(1u, std::thread::hardware_concurrency());
  impl->pool.start(workers, o.max_queued);
  impl->guard.emplace(impl->ioc.get_executor());
  Impl* raw = impl.get();
  net::post(impl->accept_strand, [raw] { raw->do_accept(); });
  const unsigned io_threads = std::max(1u, o.io_threads);
  for (unsigned i = 0; i < io_threads; ++i) {
    impl->io_threads.emplace_back([raw] { raw->ioc.run(); });
  }
  impl->log("info", "bound",
            endpoint.address().to_string() + ":" + std::to_string(impl->bound_port));
  return std::unique_ptr<Server>(new Server(std::move(impl)));
}

std::uint16_t Server::port() const { return impl_->bound_port; }

void Server::shutdown(std::chrono::milliseconds grace) {
  Impl* impl = impl_.get();
  const auto deadline = std::chrono::steady_clock::now() + std::max(grace, decltype(grace){0});
  bool first = false;
  {
    std::lock_guard<std::mutex> lock(impl->mu);
    if (impl->finished) return;
    if (!impl->shutdown_requested) {
      impl->shutdown_requested = true;
      impl->deadline = deadline;
      first = true;
    } else if (deadline < impl->deadline) {
      impl->deadline = deadline;
    } else {
      return;
    }
  }
  impl->stopping.store(true, std::memory_order_release);
  impl->cv.notify_all();
  net::post(impl->accept_strand, [impl, first, deadline] {
    if (first) {
      beast::error_code ec;
      impl->acceptor.close(ec);
      impl->retry_timer.cancel();
      impl->log("info", "draining", "");
      for (auto& s : impl->live_sessions()) {
        net::post(s->executor(), [s] { s->on_shutdown(); });
      }
    }
    impl->grace_timer.expires_at(deadline);
    impl->grace_timer.async_wait([impl](beast::error_code ec) {
      if (!ec) impl->force_close_all();
    });
  });
}

void Server::wait() {
  Impl* impl = impl_.get();
  std::lock_guard<std::mutex> waiting(impl->wait_mu);  // one waiter does the joining
  {
    std::unique_lock<std::mutex> lock(impl->mu);
    if (impl->finished) return;
    impl->cv.wait(lock, [impl] {
      return impl->shutdown_requested && (impl->sessions.empty() || impl->forced);
    });
  }
  // Handlers still running finish (their sessions are closed); queued ones are dropped.
  impl->pool.stop();
  impl->guard.reset();
  impl->ioc.stop();
  for (std::thread& t : impl->io_threads) {
    if (t.joinable()) t.join();
  }
  impl->io_threads.clear();
  {
    std::lock_guard<std::mutex> lock(impl->mu);
    impl->finished = true;
  }
  impl->log("info", "stopped", "");
}

Server::~Server() {
  shutdown(std::chrono::milliseconds(0));
  wait();
}

}  // namespace khe::http

// The HTTP server over real loopback sockets (port 0). Synchronisation by latches and
// futures only; every socket read has a receive timeout so a failure cannot hang.
#include "http/server.h"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <future>
#include <latch>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "http/raw_client.h"

namespace khe::http {
namespace {

using namespace std::chrono_literals;
using test::get_request;
using test::post_request;
using test::RawConnection;
using test::RawResponse;

// Collects the server's log lines (thread-safe).
struct LogSink {
  std::mutex mu;
  std::vector<std::string> lines;
  ServerLog fn() {
    return [this](std::string_view level, std::string_view event, std::string_view detail) {
      std::lock_guard<std::mutex> lock(mu);
      lines.push_back(std::string(level) + " " + std::string(event) + " " + std::string(detail));
    };
  }
  bool has(std::string_view event) {
    std::lock_guard<std::mutex> lock(mu);
    for (const auto& l : lines) {
      if (l.find(event) != std::string::npos) return true;
    }
    return false;
  }
  std::string all() {
    std::lock_guard<std::mutex> lock(mu);
    std::string out;
    for (const auto& l : lines) out += l + "\n";
    return out;
  }
};

ServerOptions small_options() {
  ServerOptions o;
  o.host = "127.0.0.1";
  o.port = 0;
  o.workers = 2;
  return o;
}

// Answers "METHOD PATH" plus the decoded query and the body.
Response echo(const Request& r) {
  Response out;
  out.content_type = "text/plain";
  out.body = r.method + " " + r.path;
  for (const auto& [k, v] : r.query) out.body += " " + k + "=" + v;
  if (!r.body.empty()) out.body += " body:" + std::to_string(r.body.size());
  if (!r.header("X-Echo").empty()) out.body += " x-echo:" + std::string(r.header("X-Echo"));
  out.set_header("X-Handled", "yes");
  return out;
}

// H: a Handler or an AsyncHandler (or a lambda that is one of them).
template <typename H>
std::unique_ptr<Server> start(ServerOptions o, H h, ServerLog log = {}) {
  auto s = Server::start(std::move(o), std::move(h), std::move(log));
  if (!s) {
    ADD_FAILURE() << s.error().to_string();
    return nullptr;
  }
  return std::move(s).value();
}

TEST(HttpServer, RoundTrip) {
  auto server = start(small_options(), echo);
  ASSERT_TRUE(server);
  ASSERT_NE(server->port(), 0);
  RawConnection c(server->port());
  ASSERT_TRUE(c.connected());
  ASSERT_TRUE(c.send(get_request("/api/x%20y?limit=5&q=a+b", "X-Echo: hi\r\n")));
  const RawResponse r = c.read_response();
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "GET /api/x y limit=5 q=a b x-echo:hi");
  EXPECT_EQ(r.header("server"), "khe");
  EXPECT_EQ(r.header("content-type"), "text/plain");
  EXPECT_EQ(r.header("content-length"), std::to_string(r.body.size()));
  EXPECT_EQ(r.header("x-handled"), "yes");
}

TEST(HttpServer, PassesRequestFieldsToTheHandler) {
  std::promise<Request> seen;
  auto server = start(small_options(), [&seen](const Request& r) {
    seen.set_value(r);
    return json_response(201, "{}");
  });
  ASSERT_TRUE(server);
  RawConnection c(server->port());
  ASSERT_TRUE(c.send(post_request("/p/%C3%A9?a=1", "hello", "Authorization: Bearer t\r\n")));
  EXPECT_EQ(c.read_response().status, 201);
  const Request r = seen.get_future().get();
  EXPECT_EQ(r.method, "POST");
  EXPECT_EQ(r.target, "/p/%C3%A9?a=1");
  EXPECT_EQ(r.path, "/p/\xC3\xA9");
  EXPECT_EQ(r.query_param("a"), "1");
  EXPECT_EQ(r.header("authorization"), "Bearer t");
  EXPECT_EQ(r.body, "hello");
  EXPECT_EQ(r.remote.rfind("127.0.0.1:", 0), 0u) << r.remote;
}

TEST(HttpServer, KeepAliveServesTwoRequestsOnOneConnection) {
  auto server = start(small_options(), echo);
  ASSERT_TRUE(server);
  RawConnection c(server->port());
  ASSERT_TRUE(c.send(get_request("/one")));
  const RawResponse a = c.read_response();
  ASSERT_TRUE(c.send(post_request("/two", "abc")));
  const RawResponse b = c.read_response();
  EXPECT_EQ(a.status, 200);
  EXPECT_EQ(a.body, "GET /one");
  EXPECT_FALSE(a.has_header("connection"));
  EXPECT_EQ(b.status, 200);
  EXPECT_EQ(b.body, "POST /two body:3");
}

TEST(HttpServer, PipelinedRequestsAreAnsweredInOrder) {
  ServerOptions o = small_options();
  o.workers = 4;
  auto server = start(o, echo);
  ASSERT_TRUE(server);
  RawConnection c(server->port());
  std::string batch;
  for (int i = 0; i < 8; ++i) batch += get_request("/" + std::to_string(i));
  ASSERT_TRUE(c.send(batch));
  for (int i = 0; i < 8; ++i) {
    const RawResponse r = c.read_response();
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, "GET /" + std::to_string(i));
  }
}

TEST(HttpServer, Http10ClosesAfterTheResponse) {
  auto server = start(small_options(), echo);
  ASSERT_TRUE(server);
  RawConnection c(server->port());
  ASSERT_TRUE(c.send("GET /old HTTP/1.0\r\n\r\n"));
  const RawResponse r = c.read_response();
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.status_line.substr(0, 8), "HTTP/1.0");
  EXPECT_EQ(r.body, "GET /old");
  EXPECT_TRUE(c.wait_closed());
}

TEST(HttpServer, ConnectionCloseIsHonoured) {
  auto server = start(small_options(), echo);
  ASSERT_TRUE(server);
  RawConnection c(server->port());
  ASSERT_TRUE(c.send(get_request("/bye", "Connection: close\r\n")));
  const RawResponse r = c.read_response();
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.header("connection"), "close");
  EXPECT_TRUE(c.wait_closed());
}

TEST(HttpServer, BodyAtTheLimitIsAcceptedOneByteOverIs413) {
  ServerOptions o = small_options();
  o.max_body_bytes = 1024;
  auto server = start(o, echo);
  ASSERT_TRUE(server);
  {
    RawConnection c(server->port());
    ASSERT_TRUE(c.send(post_request("/b", std::string(1024, 'a'))));
    const RawResponse r = c.read_response();
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, "POST /b body:1024");
  }
  {
    RawConnection c(server->port());
    ASSERT_TRUE(c.send(post_request("/b", std::string(1025, 'a'))));
    const RawResponse r = c.read_response();
    EXPECT_EQ(r.status, 413);
    EXPECT_NE(r.body.find("\"error\":\"body_too_large\""), std::string::npos);
    EXPECT_EQ(r.header("connection"), "close");
    EXPECT_TRUE(c.wait_closed());
  }
  {  // chunked, over the limit in the second chunk
    RawConnection c(server->port());
    ASSERT_TRUE(
        c.send("POST /b HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
               "200\r\n" +
               std::string(512, 'a') + "\r\n201\r\n" + std::string(513, 'a') + "\r\n0\r\n\r\n"));
    EXPECT_EQ(c.read_response().status, 413);
  }
}

TEST(HttpServer, HeaderBlockOver16KiBIs431) {
  auto server = start(small_options(), echo);
  ASSERT_TRUE(server);
  {
    RawConnection c(server->port());
    ASSERT_TRUE(c.send(get_request("/h", "X-Big: " + std::string(15 * 1024, 'a') + "\r\n")));
    EXPECT_EQ(c.read_response().status, 200);
  }
  RawConnection c(server->port());
  ASSERT_TRUE(c.send(get_request("/h", "X-Big: " + std::string(17 * 1024, 'a') + "\r\n")));
  const RawResponse r = c.read_response();
  EXPECT_EQ(r.status, 431);
  EXPECT_NE(r.body.find("header_too_large"), std::string::npos);
  EXPECT_TRUE(c.wait_closed());
}

TEST(HttpServer, GarbageIs400AndClosed) {
  LogSink log;
  auto server = start(small_options(), echo, log.fn());
  ASSERT_TRUE(server);
  for (const std::string& garbage :
       {std::string("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n", 15),
        std::string("GET / HTTP/9.x\r\n\r\n"), std::string("GET / HTTP/1.1\r\nBad Header\r\n\r\n"),
        std::string("POST / HTTP/1.1\r\nContent-Length: -4\r\n\r\n"),
        std::string("POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n")}) {
    RawConnection c(server->port());
    ASSERT_TRUE(c.send(garbage));
    const RawResponse r = c.read_response();
    EXPECT_EQ(r.status, 400) << garbage;
    EXPECT_EQ(r.header("connection"), "close");
    EXPECT_TRUE(c.wait_closed());
  }
  RawConnection c(server->port());
  ASSERT_TRUE(c.send(get_request("/still")));
  EXPECT_EQ(c.read_response().status, 200);
  EXPECT_TRUE(log.has("bad_request"));
}

TEST(HttpServer, RefusedTargetIs400BadTarget) {
  std::atomic<int> calls{0};
  auto server = start(small_options(), [&calls](const Request& r) {
    ++calls;
    return echo(r);
  });
  ASSERT_TRUE(server);
  RawConnection c(server->port());
  for (const char* target : {"/app/%2e%2e/secret", "/x%00", "/bad%zz", "//etc/passwd", "*"}) {
    ASSERT_TRUE(c.send(get_request(target)));
    const RawResponse r = c.read_response();
    EXPECT_EQ(r.status, 400) << target;
    EXPECT_NE(r.body.find("\"error\":\"bad_target\""), std::string::npos) << target;
  }
  ASSERT_TRUE(c.send(get_request("/ok")));  // the connection is still usable
  EXPECT_EQ(c.read_response().status, 200);
  EXPECT_EQ(calls.load(), 1);
}

TEST(HttpServer, SlowClientIsClosedAndOthersAreServed) {
  ServerOptions o = small_options();
  o.request_timeout = 200ms;
  LogSink log;
  auto server = start(o, echo, log.fn());
  ASSERT_TRUE(server);
  RawConnection slow(server->port());
  ASSERT_TRUE(slow.send("GET /slow HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Half: "));
  RawConnection other(server->port());
  ASSERT_TRUE(other.send(get_request("/other")));
  EXPECT_EQ(other.read_response().status, 200);
  EXPECT_TRUE(slow.wait_closed());
  RawConnection after(server->port());
  ASSERT_TRUE(after.send(get_request("/after")));
  EXPECT_EQ(after.read_response().status, 200);
  EXPECT_TRUE(log.has("request_timeout"));
}

TEST(HttpServer, SlowBodyIsClosed) {
  ServerOptions o = small_options();
  o.request_timeout = 200ms;
  auto server = start(o, echo);
  ASSERT_TRUE(server);
  RawConnection slow(server->port());
  ASSERT_TRUE(slow.send("POST /slow HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nabc"));
  EXPECT_TRUE(slow.wait_closed());
}

TEST(HttpServer, IdleKeepAliveConnectionIsClosed) {
  ServerOptions o = small_options();
  o.idle_timeout = 150ms;
  auto server = start(o, echo);
  ASSERT_TRUE(server);
  RawConnection c(server->port());
  ASSERT_TRUE(c.send(get_request("/first")));
  EXPECT_EQ(c.read_response().status, 200);
  EXPECT_TRUE(c.wait_closed());
  RawConnection silent(server->port());
  EXPECT_TRUE(silent.wait_closed());
}

TEST(HttpServer, ExpectContinueGetsA100ThenTheAnswer) {
  auto server = start(small_options(), echo);
  ASSERT_TRUE(server);
  RawConnection c(server->port());
  const std::string body(2000, 'b');
  ASSERT_TRUE(c.send(
      "POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 2000\r\nExpect: 100-continue\r\n\r\n"));
  ASSERT_TRUE(c.read_continue());
  ASSERT_TRUE(c.send(body));
  const RawResponse r = c.read_response();
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "POST /upload body:2000");
}

TEST(HttpServer, ExpectContinueOverTheLimitGets413WithoutA100) {
  ServerOptions o = small_options();
  o.max_body_bytes = 100;
  auto server = start(o, echo);
  ASSERT_TRUE(server);
  RawConnection c(server->port());
  ASSERT_TRUE(c.send(
      "POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 2000\r\nExpect: 100-continue\r\n\r\n"));
  EXPECT_EQ(c.read_response().status, 413);
}

TEST(HttpServer, HeadAnswersWithoutBody) {
  auto server = start(small_options(), echo);
  ASSERT_TRUE(server);
  RawConnection c(server->port());
  ASSERT_TRUE(c.send("HEAD /h HTTP/1.1\r\nHost: x\r\n\r\n" + get_request("/after")));
  const RawResponse head = c.read_response(/*head=*/true);
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.header("content-length"), "7");  // "HEAD /h"
  const RawResponse next = c.read_response();     // follows at once: no body in between
  EXPECT_EQ(next.status, 200);
  EXPECT_EQ(next.body, "GET /after");
}

TEST(HttpServer, QueueFullIs503WithRetryAfter) {
  ServerOptions o = small_options();
  o.workers = 1;
  o.max_queued = 1;
  std::latch entered(1);
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::atomic<int> calls{0};
  LogSink log;
  auto server = start(
      o,
      [&](const Request& r) {
        if (calls++ == 0) entered.count_down();
        released.wait();
        return echo(r);
      },
      log.fn());
  ASSERT_TRUE(server);

  RawConnection first(server->port());
  ASSERT_TRUE(first.send(get_request("/1")));
  entered.wait();  // the only worker is busy now

  // Two more: one waits in the queue, the other finds it full. The queued one cannot be
  // answered before the release, so the first answer to arrive is the 503.
  RawConnection a(server->port());
  RawConnection b(server->port());
  std::mutex mu;
  std::condition_variable cv;
  std::vector<int> order;
  auto reader = [&](RawConnection& c) {
    const RawResponse r = c.read_response();
    std::lock_guard<std::mutex> lock(mu);
    order.push_back(r.status == 503 && r.header("retry-after") == "1" ? 503 : r.status);
    cv.notify_all();
  };
  ASSERT_TRUE(a.send(get_request("/2")));
  ASSERT_TRUE(b.send(get_request("/3")));
  std::thread ta(reader, std::ref(a));
  std::thread tb(reader, std::ref(b));
  {
    std::unique_lock<std::mutex> lock(mu);
    EXPECT_TRUE(cv.wait_for(lock, 5s, [&] { return !order.empty(); }));
    if (!order.empty()) {
      EXPECT_EQ(order.front(), 503);
    }
  }
  release.set_value();
  ta.join();
  tb.join();
  EXPECT_EQ(order, (std::vector<int>{503, 200}));
  EXPECT_EQ(first.read_response().status, 200);
  EXPECT_EQ(calls.load(), 2);
  EXPECT_TRUE(log.has("queue_full"));
}

TEST(HttpServer, HandlerExceptionIs500AndTheServerKeepsServing) {
  LogSink log;
  auto server = start(
      small_options(),
      [](const Request& r) -> Response {
        if (r.path == "/throw") throw std::runtime_error("patient 12345 secret");
        if (r.path == "/throw-int") throw 42;
        return echo(r);
      },
      log.fn());
  ASSERT_TRUE(server);
  RawConnection c(server->port());
  ASSERT_TRUE(c.send(get_request("/throw")));
  const RawResponse r = c.read_response();
  EXPECT_EQ(r.status, 500);
  EXPECT_NE(r.body.find("internal_error"), std::string::npos);
  EXPECT_EQ(r.body.find("secret"), std::string::npos);
  ASSERT_TRUE(c.send(get_request("/throw-int")));
  EXPECT_EQ(c.read_response().status, 500);
  ASSERT_TRUE(c.send(get_request("/fine")));
  EXPECT_EQ(c.read_response().status, 200);
  EXPECT_TRUE(log.has("handler_exception"));
  EXPECT_TRUE(log.has("runtime_error")) << log.all();
  EXPECT_FALSE(log.has("secret")) << log.all();
}

TEST(HttpServer, InvalidResponseStatusAndHeadersAreNotSent) {
  auto server = start(small_options(), [](const Request& r) {
    Response out;
    if (r.path == "/status") out.status = 42;
    out.headers.push_back({"X-Injected", "a\r\nSet-Cookie: evil=1"});
    out.headers.push_back({"Content-Length", "999"});
    out.headers.push_back({"X-Fine", "ok"});
    return out;
  });
  ASSERT_TRUE(server);
  RawConnection c(server->port());
  ASSERT_TRUE(c.send(get_request("/status")));
  EXPECT_EQ(c.read_response().status, 500);
  ASSERT_TRUE(c.send(get_request("/headers")));
  const RawResponse r = c.read_response();
  EXPECT_EQ(r.status, 200);
  EXPECT_FALSE(r.has_header("x-injected"));
  EXPECT_FALSE(r.has_header("set-cookie"));
  EXPECT_EQ(r.header("content-length"), "0");
  EXPECT_EQ(r.header("x-fine"), "ok");
}

TEST(HttpServer, ShutdownFinishesTheRequestInFlightAndClosesIdleConnections) {
  std::latch entered(1);
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  auto server = start(small_options(), [&](const Request& r) {
    if (r.path == "/slow") {
      entered.count_down();
      released.wait();
    }
    return echo(r);
  });
  ASSERT_TRUE(server);
  const std::uint16_t port = server->port();

  RawConnection idle(port);
  ASSERT_TRUE(idle.send(get_request("/warm")));
  ASSERT_EQ(idle.read_response().status, 200);

  RawConnection busy(port);
  ASSERT_TRUE(busy.send(get_request("/slow")));
  entered.wait();

  server->shutdown(10s);
  EXPECT_TRUE(idle.wait_closed());  // idle keep-alive: closed at once
  auto waited = std::async(std::launch::async, [&] { server->wait(); });
  release.set_value();
  const RawResponse r = busy.read_response();
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "GET /slow");
  EXPECT_EQ(r.header("connection"), "close");
  EXPECT_EQ(waited.wait_for(5s), std::future_status::ready);
  server->shutdown(0ms);  // idempotent after the drain
  server->wait();

  RawConnection late(port);
  EXPECT_FALSE(late.connected());
}

TEST(HttpServer, ShutdownGraceEndsAHangingDrain) {
  std::latch entered(1);
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  auto server = start(small_options(), [&](const Request& r) {
    entered.count_down();
    released.wait();
    return echo(r);
  });
  ASSERT_TRUE(server);
  RawConnection busy(server->port());
  ASSERT_TRUE(busy.send(get_request("/hang")));
  entered.wait();
  RawConnection partial(server->port());
  ASSERT_TRUE(partial.send("GET /partial HTTP/1.1\r\n"));
  server->shutdown(100ms);
  // After the grace the connections are closed even though the handler still runs; wait()
  // still waits for the handler itself (no handler may outlive it).
  EXPECT_TRUE(partial.wait_closed());
  EXPECT_TRUE(busy.wait_closed());
  auto waited = std::async(std::launch::async, [&] { server->wait(); });
  release.set_value();
  EXPECT_EQ(waited.wait_for(5s), std::future_status::ready);
}

TEST(HttpServer, DestructorStopsAnIdleServer) {
  auto server = start(small_options(), echo);
  ASSERT_TRUE(server);
  RawConnection c(server->port());
  ASSERT_TRUE(c.send(get_request("/x")));
  EXPECT_EQ(c.read_response().status, 200);
  server.reset();
  EXPECT_TRUE(c.wait_closed());
}

TEST(HttpServer, ConnectionLimitClosesNewConnectionsAtOnce) {
  ServerOptions o = small_options();
  o.max_connections = 1;
  auto server = start(o, echo);
  ASSERT_TRUE(server);
  RawConnection first(server->port());
  ASSERT_TRUE(first.send(get_request("/a")));
  EXPECT_EQ(first.read_response().status, 200);
  RawConnection second(server->port());
  EXPECT_TRUE(second.wait_closed());
  ASSERT_TRUE(first.send(get_request("/b")));
  EXPECT_EQ(first.read_response().status, 200);
}

TEST(HttpServer, BindFailureIsAnError) {
  auto first = start(small_options(), echo);
  ASSERT_TRUE(first);
  ServerOptions o = small_options();
  o.port = first->port();
  auto second = Server::start(o, echo);
  ASSERT_FALSE(second);
  EXPECT_NE(second.error().to_string().find("cannot bind"), std::string::npos)
      << second.error().to_string();
  ServerOptions bad = small_options();
  bad.host = "256.1.1.1.invalid";
  EXPECT_FALSE(Server::start(bad, echo));
}

TEST(HttpServer, ManyConnectionsWithSeveralIoThreads) {
  ServerOptions o = small_options();
  o.io_threads = 2;
  o.workers = 3;
  auto server = start(o, echo);
  ASSERT_TRUE(server);
  std::vector<std::thread> clients;
  std::atomic<int> ok{0};
  for (int t = 0; t < 4; ++t) {
    clients.emplace_back([&, t] {
      RawConnection c(server->port());
      for (int i = 0; i < 50; ++i) {
        const std::string path = "/" + std::to_string(t) + "/" + std::to_string(i);
        if (!c.send(get_request(path))) return;
        const RawResponse r = c.read_response();
        if (r.status == 200 && r.body == "GET " + path) ++ok;
      }
    });
  }
  for (auto& t : clients) t.join();
  EXPECT_EQ(ok.load(), 200);
}

}  // namespace
}  // namespace khe::http

namespace khe::http {
namespace {

TEST(HttpServerAsync, AnswerFromAnotherThreadAfterTheHandlerReturned) {
  std::mutex mu;
  std::vector<std::pair<Request, Responder>> held;
  std::condition_variable cv;
  auto server = start(small_options(), [&](const Request& r, Responder done) {
    std::lock_guard lock(mu);
    held.emplace_back(r, std::move(done));
    cv.notify_all();
  });
  ASSERT_TRUE(server);
  RawConnection c(server->port());
  ASSERT_TRUE(c.send(get_request("/later")));
  {
    std::unique_lock lock(mu);
    ASSERT_TRUE(cv.wait_for(lock, 5s, [&] { return !held.empty(); }));
  }
  // The handler has returned and its worker is free: a second connection is served while
  // the first waits.
  RawConnection other(server->port());
  ASSERT_TRUE(other.send(get_request("/second")));
  {
    std::unique_lock lock(mu);
    ASSERT_TRUE(cv.wait_for(lock, 5s, [&] { return held.size() == 2; }));
  }
  std::thread answering([&] {
    std::lock_guard lock(mu);
    for (auto& [request, done] : held) {
      done(echo(request));
      EXPECT_TRUE(done.answered());
      done(json_response(500, "{}"));  // a second answer is ignored
    }
  });
  answering.join();
  EXPECT_EQ(c.read_response().body, "GET /later");
  EXPECT_EQ(other.read_response().body, "GET /second");
  // The connection stays usable after an asynchronous answer.
  ASSERT_TRUE(c.send(get_request("/again")));
  {
    std::unique_lock lock(mu);
    ASSERT_TRUE(cv.wait_for(lock, 5s, [&] { return held.size() == 3; }));
    held.back().second(echo(held.back().first));
  }
  EXPECT_EQ(c.read_response().body, "GET /again");
}

TEST(HttpServerAsync, ResponderDroppedUnansweredIs500) {
  LogSink log;
  auto server = start(
      small_options(), [](const Request&, const Responder&) {}, log.fn());
  ASSERT_TRUE(server);
  RawConnection c(server->port());
  ASSERT_TRUE(c.send(get_request("/forgotten")));
  const RawResponse r = c.read_response();
  EXPECT_EQ(r.status, 500);
  EXPECT_NE(r.body.find("internal_error"), std::string::npos);
}

TEST(HttpServerAsync, ExceptionBeforeAnsweringIs500AndAnAnswerBeforeTheThrowWins) {
  LogSink log;
  auto server = start(
      small_options(),
      [](const Request& r, const Responder& done) {
        if (r.path == "/answered") done(echo(r));
        throw std::runtime_error("bug");
      },
      log.fn());
  ASSERT_TRUE(server);
  RawConnection c(server->port());
  ASSERT_TRUE(c.send(get_request("/thrown")));
  EXPECT_EQ(c.read_response().status, 500);
  ASSERT_TRUE(c.send(get_request("/answered")));
  const RawResponse r = c.read_response();
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "GET /answered");
  EXPECT_TRUE(log.has("handler_exception"));
}

TEST(HttpServerAsync, DrainWaitsForPendingAnswers) {
  std::promise<Responder> handed;
  auto server = start(small_options(),
                      [&](const Request&, Responder done) { handed.set_value(std::move(done)); });
  ASSERT_TRUE(server);
  RawConnection c(server->port());
  ASSERT_TRUE(c.send(get_request("/pending")));
  Responder done = handed.get_future().get();
  server->shutdown(10s);
  auto waited = std::async(std::launch::async, [&] { server->wait(); });
  EXPECT_EQ(waited.wait_for(200ms), std::future_status::timeout);  // still answering
  done(json_response(200, R"({"late":true})"));
  const RawResponse r = c.read_response();
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.header("connection"), "close");
  EXPECT_EQ(waited.wait_for(5s), std::future_status::ready);
}

TEST(HttpServerAsync, AnAnswerAfterTheServerIsGoneIsDropped) {
  std::promise<Responder> handed;
  auto server = start(small_options(),
                      [&](const Request&, Responder done) { handed.set_value(std::move(done)); });
  ASSERT_TRUE(server);
  RawConnection c(server->port());
  ASSERT_TRUE(c.send(get_request("/orphan")));
  Responder done = handed.get_future().get();
  server->shutdown(0ms);
  server->wait();
  server.reset();
  done(json_response(200, "{}"));  // nowhere to go: no crash, no use of the freed server
  EXPECT_TRUE(done.answered());
  EXPECT_TRUE(c.wait_closed());
}

}  // namespace
}  // namespace khe::http

// The HTTP/1.1 server of `khe serve`: asynchronous Beast sessions on a few IO threads,
// handlers on a bounded pool of worker threads. See README.md for the limits and the
// thread model. Nothing of Boost shows here: callers see Request/Response/Handler only.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "core/result.h"
#include "http/message.h"

namespace khe::http {

struct ServerOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 8080;                         // 0: any free port; see Server::port()
  std::size_t max_header_bytes = 16 * 1024;          // larger header block -> 431, close
  std::size_t max_body_bytes = 10 * 1024 * 1024;     // larger body -> 413, close
  std::chrono::milliseconds idle_timeout{15000};     // keep-alive idle / slow client: close
  std::chrono::milliseconds request_timeout{30000};  // a whole request must arrive in this
  unsigned io_threads = 1;                           // threads running the io_context
  unsigned workers = 0;                              // handler threads; 0 = hardware threads
  std::size_t max_queued = 1024;                     // waiting for a worker beyond -> 503
  std::size_t max_connections = 10000;               // beyond: accept and close at once
};

// Connection-level events for the log: never request content, ids or values.
using ServerLog =
    std::function<void(std::string_view level, std::string_view event, std::string_view detail)>;

class Server {
 public:
  // Binds and starts serving on its own threads. Error (not exception) when it cannot bind.
  static Result<std::unique_ptr<Server>> start(ServerOptions options, Handler handler,
                                               ServerLog log = {});
  // The same with a handler that may answer after it returns (see Responder): its worker
  // is free as soon as it returns. An answer that comes after the server is gone is
  // dropped. wait() waits for the answers of the requests it drains.
  static Result<std::unique_ptr<Server>> start(ServerOptions options, AsyncHandler handler,
                                               ServerLog log = {});

  std::uint16_t port() const;  // the bound port (useful with port 0)

  // Stops accepting; requests already received are handled and answered (with
  // "Connection: close"); idle keep-alive connections are closed; after `grace` everything
  // is closed. Thread-safe, idempotent (a later call may only bring the deadline closer).
  // wait() returns when done.
  void shutdown(std::chrono::milliseconds grace);
  // Returns once shutdown() was called and the drain is over: no handler runs any more and
  // every thread of the server has been joined.
  void wait();

  ~Server();  // shutdown(0) + wait()

  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  struct Impl;

 private:
  explicit Server(std::shared_ptr<Impl> impl);
  std::shared_ptr<Impl> impl_;
};

}  // namespace khe::http

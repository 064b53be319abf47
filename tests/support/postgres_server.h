// A throwaway PostgreSQL 15 server on loopback, for the tests of a multi-centre
// deployment (several `khe serve` on one database). Each instance has its own cluster in
// a fresh folder and its own port, so test programs can run in parallel.
//
// The cluster: `initdb -A trust -U khe --encoding=UTF8 --locale=C` (trust: anyone on
// 127.0.0.1 may connect as any role; never reachable from outside, since it listens on
// 127.0.0.1 only), database `khe` owned by role `khe`. When the test runs as root the
// server runs as nobody:nogroup (PostgreSQL refuses root; see support/daemon.h).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <string>

#include "support/daemon.h"
#include "support/process.h"

namespace khe::test_support {

// True when the PostgreSQL server programs (initdb) are installed: in
// /usr/lib/postgresql/15/bin or in `pg_config --bindir`. Tests GTEST_SKIP otherwise.
bool postgres_available();

class PostgresServer {
 public:
  // initdb in a fresh folder, start the postmaster on a free port (another one when the
  // port is taken meanwhile), wait (up to 30 s) until it accepts connections, create the
  // database `khe`. nullptr on failure, `why` then says what happened (with the log).
  static std::unique_ptr<PostgresServer> start(std::string* why = nullptr);
  // Fast shutdown (stop()). The folder is removed unless the current test failed.
  ~PostgresServer();
  PostgresServer(const PostgresServer&) = delete;
  PostgresServer& operator=(const PostgresServer&) = delete;

  // "postgresql://khe@127.0.0.1:PORT/khe": no password (trust).
  std::string url() const;
  std::uint16_t port() const { return port_; }
  // The cluster's folder (PGDATA). Its parent holds the log and the Unix socket.
  const std::string& data_dir() const { return data_dir_; }
  bool running() const { return pid_ > 0; }

  // Fast shutdown (SIGINT: sessions are ended, open transactions rolled back, a
  // checkpoint written). True when the postmaster exited 0 within 30 s; otherwise it is
  // SIGKILLed with its backends and the result is false. True when not running.
  bool stop();
  // stop() when running, then the postmaster again on the same port and data folder,
  // waiting (up to 30 s) until it accepts connections. After kill9() this is crash
  // recovery, which first fsyncs the whole data folder: seconds, not milliseconds.
  // False with `why` on failure (then it is not running).
  bool restart(std::string* why = nullptr);
  // SIGKILL to the postmaster and every backend: a crash of the database machine as the
  // clients see it (committed transactions survive, through WAL replay at restart()).
  void kill9();

  // `psql -X -A -t -q -v ON_ERROR_STOP=1 -c SQL` on database khe as role khe: status 0
  // and one line per row (columns separated by '|') in `out`; command tags suppressed.
  // Several ;-separated statements run as one transaction.
  RunResult psql(const std::string& sql) const;
  // The same on another database of the cluster (e.g. one made by CREATE DATABASE).
  RunResult psql(const std::string& sql, const std::string& database) const;
  // What the server has logged so far (every start of it).
  std::string log_text() const;

 private:
  PostgresServer() = default;
  // Starts the postmaster on port_ and waits until it is ready. May pick another port
  // only when `may_change_port` (the first start: nobody knows the port yet).
  bool launch(bool may_change_port, std::string* why);
  bool ready() const;

  ServerAccount account_;
  std::string dir_;       // owned by account_; holds data/, postgres.log, the socket
  std::string data_dir_;  // dir_ + "/data"
  std::string log_path_;
  std::uint16_t port_ = 0;
  pid_t pid_ = -1;  // the postmaster, our child; -1 when not running
};

}  // namespace khe::test_support

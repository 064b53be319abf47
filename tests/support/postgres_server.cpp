#include "support/postgres_server.h"

#include <signal.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

namespace khe::test_support {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using Clock = std::chrono::steady_clock;

constexpr seconds kReadyLimit{30};

// On the command line rather than in postgresql.conf, so they hold at every start.
// logging_collector off: the log stays the postmaster's stderr, our log file.
constexpr const char* kSettings[] = {"fsync=on", "max_connections=100", "logging_collector=off"};

bool executable(const std::string& path) { return ::access(path.c_str(), X_OK) == 0; }

// The folder of initdb, postgres, pg_isready, createdb, psql; "" when not installed.
// Debian keeps the server programs out of PATH, hence the explicit places.
const std::string& bin_dir() {
  static const std::string dir = [] {
    const std::string debian = "/usr/lib/postgresql/15/bin";
    if (executable(debian + "/initdb")) return debian;
    std::string out;
    if (FILE* p = ::popen("pg_config --bindir 2>/dev/null", "r")) {
      std::array<char, 512> buf{};
      while (std::fgets(buf.data(), buf.size(), p) != nullptr) out += buf.data();
      ::pclose(p);
    }
    while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
    return !out.empty() && executable(out + "/initdb") ? out : std::string();
  }();
  return dir;
}

std::string file_from(const std::string& path, std::size_t offset) {
  const std::string text = read_file(path);
  return offset < text.size() ? text.substr(offset) : std::string();
}

std::size_t file_size(const std::string& path) { return read_file(path).size(); }

bool contains(const std::string& text, std::string_view what) {
  return text.find(what) != std::string::npos;
}

}  // namespace

bool postgres_available() { return !bin_dir().empty(); }

std::unique_ptr<PostgresServer> PostgresServer::start(std::string* why) {
  std::string ignored;
  if (why == nullptr) why = &ignored;
  if (!postgres_available()) {
    *why =
        "PostgreSQL is not installed (no initdb in /usr/lib/postgresql/15/bin nor in "
        "`pg_config --bindir`)";
    return nullptr;
  }
  std::unique_ptr<PostgresServer> s(new PostgresServer());
  if (!server_account(&s->account_, why)) return nullptr;
  s->dir_ = make_server_dir(s->account_, "postgres", why);
  if (s->dir_.empty()) return nullptr;
  s->data_dir_ = s->dir_ + "/data";
  s->log_path_ = s->dir_ + "/postgres.log";

  // --no-sync: a cluster that lives for one test need not survive a power cut before its
  // first checkpoint; the server itself runs with fsync on.
  const RunResult init =
      run_as(s->account_,
             {bin_dir() + "/initdb", "-D", s->data_dir_, "-A", "trust", "-U", "khe",
              "--encoding=UTF8", "--locale=C", "--no-sync", "--no-instructions"},
             s->dir_, seconds(120));
  if (init.status != 0) {
    *why = "initdb failed (status " + std::to_string(init.status) + "): " + init.err + init.out;
    return nullptr;
  }
  if (!s->launch(/*may_change_port=*/true, why)) return nullptr;
  const RunResult created = run_as(s->account_,
                                   {bin_dir() + "/createdb", "-h", "127.0.0.1", "-p",
                                    std::to_string(s->port_), "-U", "khe", "khe"},
                                   s->dir_, seconds(30));
  if (created.status != 0) {
    *why = "createdb failed: " + created.err + created.out + "; log: " + s->log_text();
    return nullptr;  // the destructor stops the server
  }
  return s;
}

PostgresServer::~PostgresServer() {
  stop();
  remove_server_dir(dir_);
}

std::string PostgresServer::url() const {
  return "postgresql://khe@127.0.0.1:" + std::to_string(port_) + "/khe";
}

bool PostgresServer::launch(bool may_change_port, std::string* why) {
  std::string ignored;
  if (why == nullptr) why = &ignored;
  const auto deadline = Clock::now() + kReadyLimit;
  int port_changes = 0;
  if (port_ == 0) port_ = free_loopback_port();
  for (;;) {
    const std::size_t log_start = file_size(log_path_);
    SpawnSpec spec;
    // -k: the Unix socket goes to our folder, not /var/run/postgresql (root's, and
    // shared); none when the path would exceed sun_path (the tests use TCP anyway).
    const std::string socket_dir = dir_.size() < 80 ? dir_ : "";
    spec.argv = {
        bin_dir() + "/postgres", "-D", data_dir_, "-k", socket_dir, "-h", "127.0.0.1", "-p",
        std::to_string(port_)};
    for (const char* setting : kSettings) {
      spec.argv.push_back("-c");
      spec.argv.push_back(setting);
    }
    spec.cwd = dir_;
    spec.output_path = log_path_;
    // Immediate shutdown (the postmaster then ends its backends) if the test dies.
    spec.parent_death_signal = SIGQUIT;
    pid_ = spawn_server(account_, spec);
    if (pid_ < 0) {
      *why = "fork failed";
      return false;
    }
    bool exited = false;
    while (Clock::now() < deadline) {
      int status = 0;
      if (child_exited(pid_, &status)) {
        exited = true;
        pid_ = -1;
        break;
      }
      if (ready()) return true;
      std::this_thread::sleep_for(milliseconds(50));
    }
    if (!exited) {
      stop_child(pid_, SIGQUIT, seconds(5));
      pid_ = -1;
      *why = "PostgreSQL not ready after 30 s; log: " + file_from(log_path_, log_start);
      return false;
    }
    const std::string log = file_from(log_path_, log_start);
    // Another process took the port between free_loopback_port() and the bind.
    const bool port_taken = contains(log, "could not create any TCP/IP sockets");
    // After kill9(): backends not yet gone still hold the old shared memory.
    const bool old_memory = contains(log, "is still in use");
    if (port_taken && may_change_port && port_changes < 5) {
      ++port_changes;
      port_ = free_loopback_port();
      continue;
    }
    if ((port_taken || old_memory) && Clock::now() < deadline) {
      std::this_thread::sleep_for(milliseconds(200));
      continue;
    }
    *why = "PostgreSQL exited at start; log: " + log;
    return false;
  }
}

// Ready when postmaster.pid names our child and says "ready" (line 8, written once the
// server accepts connections: so the port is ours, not another server's), and a
// connection over TCP is accepted.
bool PostgresServer::ready() const {
  std::ifstream f(data_dir_ + "/postmaster.pid");
  std::string line;
  std::vector<std::string> lines;
  while (std::getline(f, line)) lines.push_back(line);
  if (lines.size() < 8 || lines[0] != std::to_string(pid_) || !lines[7].starts_with("ready")) {
    return false;
  }
  const RunResult r = run_as(account_,
                             {bin_dir() + "/pg_isready", "-q", "-h", "127.0.0.1", "-p",
                              std::to_string(port_), "-U", "khe", "-d", "postgres", "-t", "2"},
                             dir_, seconds(5));
  return r.status == 0;
}

bool PostgresServer::stop() {
  if (pid_ <= 0) return true;
  const int status = stop_child(pid_, SIGINT, kReadyLimit);
  pid_ = -1;
  return status == 0;
}

bool PostgresServer::restart(std::string* why) {
  stop();
  return launch(/*may_change_port=*/false, why);
}

void PostgresServer::kill9() {
  if (pid_ <= 0) return;
  // The backends too: killed alone, the postmaster leaves them to notice its death, and
  // one busy in a query could still commit.
  kill_tree(pid_);
  pid_ = -1;
}

RunResult PostgresServer::psql(const std::string& sql) const { return psql(sql, "khe"); }

RunResult PostgresServer::psql(const std::string& sql, const std::string& database) const {
  return run_as(
      account_,
      {bin_dir() + "/psql", "-X", "-A", "-t", "-q", "-h", "127.0.0.1", "-p", std::to_string(port_),
       "-U", "khe", "-d", database, "-v", "ON_ERROR_STOP=1", "-c", sql},
      dir_, seconds(60));
}

std::string PostgresServer::log_text() const { return read_file(log_path_); }

}  // namespace khe::test_support

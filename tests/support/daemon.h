// What PostgresServer and NginxServer share: third-party servers run as child processes
// on loopback, in a folder of their own, as an account that may run them.
//
// PostgreSQL refuses to run as root, and a test run as root (a container, `sudo make
// test`) must not hand root to a server it starts. So when this process is root, every
// server program runs as nobody:nogroup, in a folder that account owns and can reach;
// otherwise as the current user. Nothing here is specific to either server.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "support/process.h"

namespace khe::test_support {

// The account the servers run as.
struct ServerAccount {
  uid_t uid = 0;
  gid_t gid = 0;
  bool switch_user = false;  // true when this process is root: then uid/gid are nobody's
};

// nobody:nogroup when geteuid() == 0, else the current user. switch_user false and `why`
// set when root and there is no such account (then nothing can be started).
bool server_account(ServerAccount* account, std::string* why);

// A fresh folder, unique per call, owned by `account` (mode 0700), whose every ancestor
// the account can traverse: under ::testing::TempDir() when that is reachable, else under
// /tmp. "" with `why` set on failure.
std::string make_server_dir(const ServerAccount& account, const std::string& name,
                            std::string* why);

// Chowns `path` to the account (a file written by this process for the server to read
// or write). No-op when the account is the current user.
void give_to(const ServerAccount& account, const std::string& path);

// How a server child is started.
struct SpawnSpec {
  std::vector<std::string> argv;  // argv[0] is the program's absolute path
  std::string cwd;                // a folder the account can enter
  std::string output_path;        // stdout and stderr are appended here
  // Sent to the child when the thread that started it exits (PR_SET_PDEATHSIG), so a
  // test that crashes or is interrupted leaves no server behind. 0 for none.
  int parent_death_signal = 0;
};

// Forks and execs as `account`, in a new process group (so a Ctrl-C at the terminal
// reaches the test only, which then stops its servers in order; or, if the test dies of
// it, the parent-death signal does). Standard input is /dev/null, every other inherited
// descriptor is closed, PG* variables are removed from the environment (so the caller's
// PGHOST etc. cannot redirect a command). -1 on fork failure; an exec failure shows as
// exit status 127 with a line in the output file.
pid_t spawn_server(const ServerAccount& account, const SpawnSpec& spec);

// Runs a short-lived program as `account` (same environment rules), capturing stdout and
// stderr; killed (status -1) after `timeout`.
RunResult run_as(const ServerAccount& account, const std::vector<std::string>& argv,
                 const std::string& cwd, std::chrono::milliseconds timeout);

// A TCP port free on 127.0.0.1 at the time of the call (bind to port 0). 0 on failure.
// Another process may take it before the server binds: callers retry on "Address already
// in use".
std::uint16_t free_loopback_port();

// True when a TCP connection to 127.0.0.1:port is accepted (then closed at once).
bool accepts_tcp(std::uint16_t port);

// Non-blocking check: true (and *status set, -1 when killed by a signal) when `pid` has
// exited and has been reaped.
bool child_exited(pid_t pid, int* status);

// Sends `first_signal` to `pid` and waits up to `patience` for it to exit; then
// kill_tree(). The exit status, -1 when killed by a signal.
int stop_child(pid_t pid, int first_signal, std::chrono::milliseconds patience);

// SIGKILLs `pid` (our child, not yet reaped) and every process descended from it, then
// reaps it. Its descendants are found through /proc, not by process group: PostgreSQL's
// backends each start a session of their own. `pid` is stopped first so it cannot fork
// meanwhile.
void kill_tree(pid_t pid);

// Removes a server's folder unless the current test has failed (then it is kept, with
// the server's log, for diagnosis). Errors are ignored.
void remove_server_dir(const std::string& dir);

}  // namespace khe::test_support

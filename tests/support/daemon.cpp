#include "support/daemon.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <grp.h>
#include <netinet/in.h>
#include <poll.h>
#include <pwd.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>

extern char** environ;

namespace khe::test_support {
namespace {

// Everything the child needs, built before fork: between fork and exec only
// async-signal-safe calls are allowed (the test program may have other threads).
struct ExecImage {
  std::vector<std::string> argv_text;
  std::vector<std::string> env_text;
  std::vector<char*> argv;
  std::vector<char*> envp;

  ExecImage(const std::vector<std::string>& args, const ServerAccount& account,
            const std::string& home)
      : argv_text(args) {
    for (char** e = environ; *e != nullptr; ++e) {
      const std::string_view v(*e);
      if (v.starts_with("PG")) continue;  // PGHOST, PGPORT, PGDATA, PGUSER, ...
      if (account.switch_user && v.starts_with("HOME=")) continue;
      env_text.emplace_back(v);
    }
    // The account's own HOME (nobody's) does not exist; libpq and psql look there.
    if (account.switch_user) env_text.push_back("HOME=" + home);
    for (std::string& a : argv_text) argv.push_back(a.data());
    argv.push_back(nullptr);
    for (std::string& e : env_text) envp.push_back(e.data());
    envp.push_back(nullptr);
  }
};

void write_stderr(const char* text) {
  const ssize_t ignored = ::write(STDERR_FILENO, text, std::strlen(text));
  (void)ignored;
}

// In the child, after its standard descriptors are in place: becomes the account,
// resets what exec would otherwise inherit, and execs. Never returns.
[[noreturn]] void become_and_exec(const ServerAccount& account, const std::string& cwd,
                                  int parent_death_signal, pid_t parent, ExecImage& image) {
  ::setpgid(0, 0);
  if (account.switch_user) {
    // Groups first: after setuid the process may no longer change them.
    if (::setgroups(0, nullptr) != 0 || ::setgid(account.gid) != 0 || ::setuid(account.uid) != 0) {
      write_stderr("khe test support: could not switch to the server account\n");
      ::_exit(127);
    }
  }
  // After the credential change: the kernel clears the parent-death signal on one.
  if (parent_death_signal != 0) {
    ::prctl(PR_SET_PDEATHSIG, parent_death_signal);
    if (::getppid() != parent) ::_exit(127);  // the parent died before prctl
  }
  if (::chdir(cwd.c_str()) != 0) {
    write_stderr("khe test support: could not enter the server folder\n");
    ::_exit(127);
  }
  // Ignored signals and the blocked mask survive exec; the servers expect defaults.
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  for (int s : {SIGPIPE, SIGINT, SIGTERM, SIGQUIT, SIGHUP, SIGCHLD, SIGUSR1, SIGUSR2}) {
    ::signal(s, SIG_DFL);
  }
  ::syscall(SYS_close_range, 3U, ~0U, 0U);  // no descriptor of the test leaks in
  ::execve(image.argv[0], image.argv.data(), image.envp.data());
  write_stderr("khe test support: exec failed: ");
  write_stderr(image.argv[0]);
  write_stderr("\n");
  ::_exit(127);
}

int decode(int raw) { return WIFEXITED(raw) ? WEXITSTATUS(raw) : -1; }

bool reachable_by_others(const std::filesystem::path& dir) {
  for (std::filesystem::path p = dir;; p = p.parent_path()) {
    struct stat st {};
    if (::stat(p.c_str(), &st) != 0 || (st.st_mode & S_IXOTH) == 0) return false;
    if (p == p.root_path() || p.parent_path() == p) return true;
  }
}

}  // namespace

bool server_account(ServerAccount* account, std::string* why) {
  *account = ServerAccount{::geteuid(), ::getegid(), false};
  if (account->uid != 0) return true;
  const passwd* user = ::getpwnam("nobody");
  const group* grp = ::getgrnam("nogroup");
  if (user == nullptr) {
    if (why != nullptr) *why = "running as root and there is no user `nobody` to run servers as";
    return false;
  }
  account->uid = user->pw_uid;
  account->gid = grp != nullptr ? grp->gr_gid : user->pw_gid;
  account->switch_user = true;
  return true;
}

std::string make_server_dir(const ServerAccount& account, const std::string& name,
                            std::string* why) {
  std::filesystem::path base = ::testing::TempDir();
  // Root's TMPDIR may be private (0700); nobody must still reach its folder.
  if (account.switch_user && !reachable_by_others(base)) base = "/tmp";
  std::string pattern =
      (base / ("khe_" + std::to_string(::getpid()) + "_" + name + "_XXXXXX")).string();
  if (::mkdtemp(pattern.data()) == nullptr) {
    if (why != nullptr) *why = "mkdtemp " + pattern + ": " + std::strerror(errno);
    return {};
  }
  if (account.switch_user && ::chown(pattern.c_str(), account.uid, account.gid) != 0) {
    if (why != nullptr) *why = "chown " + pattern + ": " + std::strerror(errno);
    return {};
  }
  return pattern;
}

void give_to(const ServerAccount& account, const std::string& path) {
  if (account.switch_user) {
    const int ignored = ::chown(path.c_str(), account.uid, account.gid);
    (void)ignored;
  }
}

pid_t spawn_server(const ServerAccount& account, const SpawnSpec& spec) {
  ExecImage image(spec.argv, account, spec.cwd);
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid != 0) return pid;
  // The output file is opened after fork but before the switch: as root it could be
  // opened anyway, and this way an unwritable file is reported the same in both cases.
  const int out = ::open(spec.output_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
  const int in = ::open("/dev/null", O_RDONLY);
  if (out < 0 || in < 0) ::_exit(127);
  if (account.switch_user) {
    const int ignored = ::fchown(out, account.uid, account.gid);
    (void)ignored;
  }
  ::dup2(in, STDIN_FILENO);
  ::dup2(out, STDOUT_FILENO);
  ::dup2(out, STDERR_FILENO);
  become_and_exec(account, spec.cwd, spec.parent_death_signal, parent, image);
}

RunResult run_as(const ServerAccount& account, const std::vector<std::string>& argv,
                 const std::string& cwd, std::chrono::milliseconds timeout) {
  RunResult r;
  int out_pipe[2], err_pipe[2];
  if (::pipe2(out_pipe, O_CLOEXEC) != 0) return r;
  if (::pipe2(err_pipe, O_CLOEXEC) != 0) {
    ::close(out_pipe[0]);
    ::close(out_pipe[1]);
    return r;
  }
  ExecImage image(argv, account, cwd);
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid == 0) {
    const int in = ::open("/dev/null", O_RDONLY);
    if (in >= 0) ::dup2(in, STDIN_FILENO);
    ::dup2(out_pipe[1], STDOUT_FILENO);  // dup2 clears O_CLOEXEC on the copy
    ::dup2(err_pipe[1], STDERR_FILENO);
    become_and_exec(account, cwd, SIGKILL, parent, image);
  }
  ::close(out_pipe[1]);
  ::close(err_pipe[1]);
  if (pid < 0) {
    ::close(out_pipe[0]);
    ::close(err_pipe[0]);
    r.err = "fork failed";
    return r;
  }
  // Read both pipes until both close: a full pipe would otherwise stall the child.
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
  std::string* sinks[2] = {&r.out, &r.err};
  int open_count = 2;
  bool timed_out = false;
  while (open_count > 0) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      timed_out = true;
      break;
    }
    const int n = ::poll(fds, 2, static_cast<int>(left.count()));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) continue;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      char buf[4096];
      const ssize_t got = ::read(fds[i].fd, buf, sizeof buf);
      if (got > 0) {
        sinks[i]->append(buf, static_cast<std::size_t>(got));
      } else if (got == 0 || errno != EINTR) {
        ::close(fds[i].fd);
        fds[i].fd = -1;
        --open_count;
      }
    }
  }
  for (pollfd& f : fds) {
    if (f.fd >= 0) ::close(f.fd);
  }
  if (timed_out) {
    kill_tree(pid);
    r.err += "\n(killed after " + std::to_string(timeout.count()) + " ms)";
  }
  if (timed_out) {
    r.status = -1;
    return r;
  }
  int raw = 0;
  while (::waitpid(pid, &raw, 0) < 0 && errno == EINTR) {
  }
  r.status = decode(raw);
  return r;
}

std::uint16_t free_loopback_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return 0;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  std::uint16_t port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  ::close(fd);
  return port;
}

bool accepts_tcp(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  // On loopback a connect is answered at once (accepted or refused): no timeout needed.
  const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

bool child_exited(pid_t pid, int* status) {
  int raw = 0;
  const pid_t r = ::waitpid(pid, &raw, WNOHANG);
  if (r == pid) {
    *status = decode(raw);
    return true;
  }
  if (r < 0 && errno == ECHILD) {  // not ours, or reaped already
    *status = -1;
    return true;
  }
  return false;
}

int stop_child(pid_t pid, int first_signal, std::chrono::milliseconds patience) {
  ::kill(pid, first_signal);
  const auto deadline = std::chrono::steady_clock::now() + patience;
  int status = -1;
  while (std::chrono::steady_clock::now() < deadline) {
    if (child_exited(pid, &status)) return status;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  kill_tree(pid);
  return -1;
}

void kill_tree(pid_t pid) {
  // Stopped, `pid` can neither fork nor reap; so no pid found below (all its descendants,
  // dead ones as zombies) is reused by another process before the kills.
  ::kill(pid, SIGSTOP);
  std::multimap<pid_t, pid_t> children;  // parent -> child
  std::error_code ec;
  for (auto it = std::filesystem::directory_iterator("/proc", ec);
       !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
    // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so after the last ')'.
    const std::string stat = read_file(it->path().string() + "/stat");
    const auto close = stat.rfind(')');
    if (close == std::string::npos) continue;
    std::istringstream rest(stat.substr(close + 1));
    std::string state;
    long ppid = 0;
    if (rest >> state >> ppid) children.emplace(static_cast<pid_t>(ppid), std::stoi(name));
  }
  std::vector<pid_t> todo{pid};
  while (!todo.empty()) {
    const pid_t parent = todo.back();
    todo.pop_back();
    const auto [begin, end] = children.equal_range(parent);
    for (auto it = begin; it != end; ++it) {
      ::kill(it->second, SIGKILL);
      todo.push_back(it->second);
    }
  }
  ::kill(pid, SIGKILL);
  int raw = 0;
  while (::waitpid(pid, &raw, 0) < 0 && errno == EINTR) {
  }
}

void remove_server_dir(const std::string& dir) {
  if (dir.empty()) return;
  const ::testing::TestInfo* test = ::testing::UnitTest::GetInstance()->current_test_info();
  if (test != nullptr && ::testing::Test::HasFailure()) return;
  std::error_code ignored;
  std::filesystem::remove_all(dir, ignored);
}

}  // namespace khe::test_support

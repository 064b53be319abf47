#include "support/server_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "support/process.h"

namespace khe::test_support {
namespace {

constexpr std::string_view kReady = "khe serve: listening on ";

int wait_exit(pid_t pid, std::chrono::seconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  for (;;) {
    int status = 0;
    const pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid) return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    if (r < 0) return -1;
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      return -1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

}  // namespace

std::unique_ptr<ServerProcess> ServerProcess::start(const std::vector<std::string>& args,
                                                    std::string* why) {
  std::unique_ptr<ServerProcess> p(new ServerProcess());
  p->stderr_path_ = make_temp_dir("serve_stderr") + "/stderr.log";
  int out_pipe[2];
  if (::pipe2(out_pipe, O_CLOEXEC) != 0) return nullptr;
  std::vector<std::string> argv_text{KHE_BINARY, "serve", "--port", "0"};
  argv_text.insert(argv_text.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& a : argv_text) argv.push_back(a.data());
  argv.push_back(nullptr);

  const pid_t pid = ::fork();
  if (pid < 0) return nullptr;
  if (pid == 0) {
    const int err_fd = ::open(p->stderr_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    ::dup2(out_pipe[1], STDOUT_FILENO);
    if (err_fd >= 0) ::dup2(err_fd, STDERR_FILENO);
    const int null_fd = ::open("/dev/null", O_RDONLY);
    if (null_fd >= 0) ::dup2(null_fd, STDIN_FILENO);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  ::close(out_pipe[1]);
  p->pid_ = pid;
  p->stdout_fd_ = out_pipe[0];

  // Read the ready line.
  std::string line;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (line.find('\n') == std::string::npos) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    pollfd fd{p->stdout_fd_, POLLIN, 0};
    if (::poll(&fd, 1, static_cast<int>(left.count())) <= 0) break;
    char buf[256];
    const ssize_t n = ::read(p->stdout_fd_, buf, sizeof buf);
    if (n <= 0) break;
    line.append(buf, static_cast<std::size_t>(n));
  }
  const auto at = line.find(kReady);
  const auto nl = line.find('\n');
  if (at != 0 || nl == std::string::npos) {
    if (why != nullptr) {
      *why = "khe serve did not start; stdout: " + line + "; stderr: " + p->stderr_text();
    }
    p->kill9();
    return nullptr;
  }
  p->url_ = line.substr(kReady.size(), nl - kReady.size());
  p->port_ = static_cast<std::uint16_t>(std::stoi(p->url_.substr(p->url_.rfind(':') + 1)));
  return p;
}

ServerProcess::~ServerProcess() {
  if (pid_ > 0) kill9();
  if (stdout_fd_ >= 0) ::close(stdout_fd_);
}

int ServerProcess::terminate() {
  if (pid_ <= 0) return -1;
  ::kill(pid_, SIGTERM);
  const int status = wait_exit(pid_, std::chrono::seconds(30));
  pid_ = -1;
  return status;
}

void ServerProcess::kill9() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
}

std::string ServerProcess::stderr_text() const { return read_file(stderr_path_); }

}  // namespace khe::test_support

// Crash consistency: tests/tools/store_writer stores resources (each with its audit entry,
// atomically) and prints each id after its commit. We SIGKILL it at a random moment
// (deterministic seed), reopen the database and check that every acknowledged write is
// there, that resources and audit entries match one for one, and that the chain is intact.
// 50 rounds; every tenth starts a fresh database so kills also land during creation and
// migration.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <random>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "store/store.h"
#include "store/store_test_util.h"

namespace khe::store {
namespace {

using Clock = std::chrono::steady_clock;
using testing::make_temp_dir;

std::string writer_path() {
  return (std::filesystem::path(KHE_BINARY).parent_path() / "tools" / "store_writer").string();
}

struct Child {
  pid_t pid = -1;
  int out_fd = -1;
};

Child spawn_writer(const std::string& db, const std::string& prefix, const std::string& err_path) {
  int fds[2];
  if (::pipe(fds) != 0) return {};
  const std::string exe = writer_path();
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(fds[1], STDOUT_FILENO);
    const int err = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (err >= 0) ::dup2(err, STDERR_FILENO);
    ::close(fds[0]);
    ::close(fds[1]);
    ::execl(exe.c_str(), exe.c_str(), db.c_str(), prefix.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::close(fds[1]);
  return {pid, fds[0]};
}

// Reads what is available until `deadline` (or EOF); stops early once `until_newline` and
// a full line has arrived.
void read_until(int fd, std::string& buf, Clock::time_point deadline, bool until_newline) {
  for (;;) {
    if (until_newline && buf.find('\n') != std::string::npos) return;
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) return;
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left)) <= 0) continue;
    char chunk[4096];
    const ssize_t n = ::read(fd, chunk, sizeof chunk);
    if (n <= 0) return;  // EOF: the writer died
    buf.append(chunk, static_cast<std::size_t>(n));
  }
}

void read_to_eof(int fd, std::string& buf) {
  char chunk[4096];
  ssize_t n = 0;
  while ((n = ::read(fd, chunk, sizeof chunk)) > 0) buf.append(chunk, static_cast<std::size_t>(n));
}

// Complete lines only: a line cut by the kill was never acknowledged.
std::vector<std::string> acknowledged(const std::string& out) {
  std::vector<std::string> ids;
  std::size_t start = 0;
  for (std::size_t nl; (nl = out.find('\n', start)) != std::string::npos; start = nl + 1) {
    ids.push_back(out.substr(start, nl - start));
  }
  return ids;
}

TEST(StoreCrash, EveryAcknowledgedWriteSurvivesKill9) {
  ASSERT_TRUE(std::filesystem::exists(writer_path())) << writer_path();
  const std::string dir = make_temp_dir("crash");
  std::mt19937 rng(20260803);
  std::uniform_int_distribution<int> delay_us(0, 20000);

  std::string db;
  std::set<std::string> acked;  // acknowledged ids of the current database
  int runs_on_db = 0;
  std::size_t total_acked = 0;
  const auto started = Clock::now();
  for (int round = 0; round < 50; ++round) {
    const bool fresh = round % 10 == 0;
    if (fresh) {
      db = dir + "/crash-" + std::to_string(round) + ".db";
      acked.clear();
      runs_on_db = 0;
    }
    ++runs_on_db;
    const std::string prefix = "r" + std::to_string(round);
    Child child = spawn_writer(db, prefix, dir + "/stderr");
    ASSERT_GT(child.pid, 0);
    std::string out;
    if (!fresh) {  // kill during the stream of writes: wait for the first acknowledgement
      read_until(child.out_fd, out, Clock::now() + std::chrono::seconds(10), true);
      ASSERT_NE(out.find('\n'), std::string::npos)
          << "round " << round << ": no write acknowledged; "
          << testing::read_file(dir + "/stderr");
    }
    read_until(child.out_fd, out, Clock::now() + std::chrono::microseconds(delay_us(rng)), false);
    ASSERT_EQ(::kill(child.pid, SIGKILL), 0);
    int status = 0;
    ASSERT_EQ(::waitpid(child.pid, &status, 0), child.pid);
    read_to_eof(child.out_fd, out);
    ::close(child.out_fd);
    ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
        << "round " << round << ": the writer stopped by itself; "
        << testing::read_file(dir + "/stderr");
    for (const std::string& id : acknowledged(out)) acked.insert(id);
    total_acked += acknowledged(out).size();

    if (!std::filesystem::exists(db)) {  // killed before the file was created
      ASSERT_TRUE(acked.empty());
      continue;
    }
    auto reopened = Store::open(db);
    ASSERT_TRUE(reopened.ok()) << "round " << round << ": " << reopened.error().to_string();
    Store& s = **reopened;
    auto resources = s.patient_resources("crash");
    ASSERT_TRUE(resources.ok());
    std::set<std::string> stored;
    for (const std::string& json : *resources) {
      stored.insert(nlohmann::json::parse(json).at("id").get<std::string>());
    }
    for (const std::string& id : acked) {
      ASSERT_TRUE(stored.count(id)) << "round " << round << ": acknowledged " << id << " lost";
    }
    // At most one write per run can be committed but not yet acknowledged.
    EXPECT_LE(stored.size(), acked.size() + static_cast<std::size_t>(runs_on_db));
    auto check = s.verify_audit();
    ASSERT_TRUE(check.ok());
    EXPECT_TRUE(check->intact()) << "round " << round << ": " << check->why;
    // Each resource was written with its audit entry in one transaction.
    EXPECT_EQ(check->entries, static_cast<std::int64_t>(stored.size())) << "round " << round;
  }
  EXPECT_GE(total_acked, 40u);  // each round after the first of a database acknowledged one
  EXPECT_LT(Clock::now() - started, std::chrono::seconds(60));
}

}  // namespace
}  // namespace khe::store

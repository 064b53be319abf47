// One `khe serve` per SQLite file: its JWT replay cache lives in the process, so a second
// server on the same file would accept a token the first already used. The second is
// refused at start (exit 3) with a message pointing to PostgreSQL; once the first is gone
// (even killed), the file can be served again.
#include <gtest/gtest.h>

#include "support/process.h"
#include "support/server_process.h"

namespace khe::serve {
namespace {

using test_support::ServerProcess;

TEST(SingleServerPerSqliteFile, SecondServerOnTheSameFileIsRefused) {
  const std::string db = test_support::make_temp_dir("single_server") + "/khe.db";
  const std::vector<std::string> args{"--db", db, "--insecure-no-auth", "--quiet"};
  std::string why;
  auto first = ServerProcess::start(args, &why);
  ASSERT_TRUE(first) << why;

  const auto second = test_support::run_binary(
      {"serve", "--port", "0", "--db", db, "--insecure-no-auth", "--quiet"});
  EXPECT_EQ(second.status, 3) << second.err;
  EXPECT_NE(second.err.find("another khe serve uses this SQLite file"), std::string::npos)
      << second.err;
  EXPECT_NE(second.err.find("postgresql://"), std::string::npos) << second.err;

  first->kill9();  // the lock goes with the process, however it ends
  auto again = ServerProcess::start(args, &why);
  ASSERT_TRUE(again) << why;
  EXPECT_EQ(again->terminate(), 0);
}

TEST(SingleServerPerSqliteFile, DifferentFilesServeSideBySide) {
  const std::string dir = test_support::make_temp_dir("single_server_two");
  std::string why;
  auto a = ServerProcess::start({"--db", dir + "/a.db", "--insecure-no-auth", "--quiet"}, &why);
  ASSERT_TRUE(a) << why;
  auto b = ServerProcess::start({"--db", dir + "/b.db", "--insecure-no-auth", "--quiet"}, &why);
  ASSERT_TRUE(b) << why;
  EXPECT_EQ(a->terminate(), 0);
  EXPECT_EQ(b->terminate(), 0);
}

}  // namespace
}  // namespace khe::serve

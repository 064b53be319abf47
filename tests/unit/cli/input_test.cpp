// Where `khe evaluate` may read its input from: files and pipes, nothing else.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "cli/input.h"

namespace khe::cli {
namespace {

std::filesystem::path temp_dir() {
  auto dir =
      std::filesystem::temp_directory_path() / ("khe-input-test-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  return dir;
}

// The --target of `khe tdm` and `khe tdm pta`: one parser, 0 <= LOW < HIGH, both finite.
TEST(cliInput, TargetRangeParsing) {
  double low = 0, high = 0;
  ASSERT_TRUE(parse_target_range("8-15", low, high));
  EXPECT_EQ(low, 8.0);
  EXPECT_EQ(high, 15.0);
  ASSERT_TRUE(parse_target_range("0-2.5", low, high));
  EXPECT_EQ(high, 2.5);
  for (const char* bad : {"", "15", "-8-15", "15-8", "8-8", "a-b", "8-", "-15", "8-15x", "8 -15",
                          "8-inf", "8-nan", "8-1e400"})
    EXPECT_FALSE(parse_target_range(bad, low, high)) << bad;
}

TEST(cliInput, ReadsARegularFile) {
  const auto path = temp_dir() / "bundle.json";
  std::ofstream(path) << "{\"resourceType\":\"Bundle\"}";
  std::istringstream none;
  EXPECT_EQ(read_input(path.string(), none, 1 << 20), "{\"resourceType\":\"Bundle\"}");
}

TEST(cliInput, ReadsANamedPipe) {
  const auto path = temp_dir() / "bundle.fifo";
  std::filesystem::remove(path);
  ASSERT_EQ(::mkfifo(path.c_str(), 0600), 0);
  std::thread writer([&] { std::ofstream(path) << "piped bytes"; });
  std::istringstream none;
  const auto bytes = read_input(path.string(), none, 1 << 20);
  writer.join();
  EXPECT_EQ(bytes, "piped bytes");
  std::filesystem::remove(path);
}

TEST(cliInput, RefusesDirectoriesDevicesAndMissingFiles) {
  std::istringstream none;
  EXPECT_FALSE(read_input(temp_dir().string(), none, 1 << 20));
  EXPECT_FALSE(read_input("/dev/zero", none, 1 << 20));
  EXPECT_FALSE(read_input((temp_dir() / "missing.json").string(), none, 1 << 20));
}

TEST(cliInput, StopsAtTheLimit) {
  const auto path = temp_dir() / "big.json";
  std::ofstream(path) << std::string(5000, 'x');
  std::istringstream none;
  EXPECT_EQ(read_input(path.string(), none, 100)->size(), 100u);
  std::istringstream in("standard input");
  EXPECT_EQ(read_input("-", in, 1 << 20), "standard input");
}

}  // namespace
}  // namespace khe::cli

// Test helpers: run `khe` as a real process (KHE_BINARY) or in-process through
// khe::cli::run, capturing exit status, stdout and stderr.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "support/process.h"

namespace khe::cli::testing {

using test_support::make_temp_dir;
using test_support::read_file;
using test_support::reference_sha256;
using test_support::run_binary;
using test_support::RunResult;
using test_support::write_file;

// Runs `khe` in-process through khe::cli::run, like run_binary does as a child process.
RunResult run_in_process(const std::vector<std::string>& args, const std::string& stdin_bytes = "");

std::string example_path(const std::string& file);

}  // namespace khe::cli::testing

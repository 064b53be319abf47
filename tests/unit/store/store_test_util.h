// Helpers for the store tests: fresh temp folders, fixed instants, a raw SQLite handle
// (to play the attacker who bypasses the store), and running the `khe` binary.
#pragma once

#include <sqlite3.h>

#include <string>
#include <vector>

#include "core/time.h"
#include "store/store.h"
#include "support/process.h"

namespace khe::store::testing {

using test_support::make_temp_dir;
using test_support::read_file;
using test_support::reference_sha256;
using test_support::RunResult;

// 2026-08-03T12:00:00Z plus `seconds`.
Instant at(std::int64_t seconds = 0);

// Opens the store at `path` (creating it) or fails the test.
std::unique_ptr<Store> open_or_die(const std::string& path);

// A Patient / Observation resource text with the given id.
std::string patient_json(const std::string& id);
std::string observation_json(const std::string& id, int value = 42);

// An audit record of `kind` for patient `patient`, stamped `t`.
AuditRecord audit_record(const std::string& kind, const std::string& patient, Instant t);

// A direct connection to the database file, bypassing the store.
class RawDb {
 public:
  explicit RawDb(const std::string& path);
  ~RawDb();
  RawDb(const RawDb&) = delete;
  RawDb& operator=(const RawDb&) = delete;

  // Runs constant SQL; returns the SQLite result code, and the message in *message.
  int exec(const std::string& sql, std::string* message = nullptr);
  // The first column of the first row as an integer (or -1 when there is no row).
  std::int64_t scalar(const std::string& sql);
  std::string text(const std::string& sql);
  sqlite3* get() const { return db_; }

 private:
  sqlite3* db_ = nullptr;
};

// Runs the built `khe` binary with `args` as a child process (empty standard input).
inline RunResult run_khe(const std::vector<std::string>& args) {
  return test_support::run_binary(args);
}

}  // namespace khe::store::testing

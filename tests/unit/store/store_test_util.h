// Helpers for the store tests: fresh temp folders, fixed instants, a raw SQLite handle
// (to play the attacker who bypasses the store), running the `khe` binary, and `Backend`:
// what the tests that run on both SQLite and PostgreSQL need of each (a fresh database,
// and a way around the store).
#pragma once

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <cstdint>
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

// ---- Both backends ------------------------------------------------------------------------

// What a statement run around the store did: ok, or the database's error message.
struct RawResult {
  bool ok = false;
  std::string message;
};

// One storage backend as the parameterised tests see it. The SQL given to raw_* is run as
// is, so it must be valid on the backend (the tests use SQL both dialects accept); what
// differs between the two (taking the audit log's guards away) has its own function.
class Backend {
 public:
  virtual ~Backend() = default;

  // The test parameters: "sqlite" and "postgresql".
  static std::vector<std::string> names();
  // The process-wide instance named `name`. PostgreSQL: the first call (from the main
  // thread: the fixtures' SetUp) starts one server (initdb in a temp folder) that every
  // test of the program shares; it is stopped after the last test, and its folder and the
  // SQLite backend's folders removed unless a test failed. nullptr, and *why, when it
  // cannot run; *skip is then true when PostgreSQL is not installed (not a failure).
  static Backend* get(const std::string& name, std::string* why, bool* skip);

  virtual std::string name() const = 0;
  // A new, empty database: SQLite, a path in a fresh temp folder (no file yet);
  // PostgreSQL, `CREATE DATABASE khe_t<N>` on the shared server and its URL
  // (postgresql://khe@127.0.0.1:PORT/khe_t<N>).
  virtual std::string fresh_location(const std::string& tag) = 0;

  // ---- Around the store (the attacker with direct access to the database) ----
  // Runs `sql` (one or more ;-separated statements, in one transaction).
  virtual RawResult raw_exec(const std::string& location, const std::string& sql) = 0;
  // The first column of the first row as an integer; -1 when there is no row or an error.
  virtual std::int64_t raw_scalar(const std::string& location, const std::string& sql) = 0;
  // The first column of the first row as text; "" when there is none.
  virtual std::string raw_text(const std::string& location, const std::string& sql) = 0;
  // Runs `sql`, which changes the audit table as its append-only guards forbid, with the
  // guards out of the way, and puts them back as they were, in one transaction: afterwards
  // the guards are all present and only the tampering itself is left to detect.
  //  SQLite: drops the audit triggers and creates them again from their stored SQL.
  //  PostgreSQL: ALTER TABLE audit DISABLE TRIGGER USER ... ENABLE TRIGGER USER.
  virtual RawResult tamper_audit(const std::string& location, const std::string& sql) = 0;
  // Takes one append-only guard away for good (e.g. "audit_append_only_delete").
  //  SQLite: DROP TRIGGER; PostgreSQL: ALTER TABLE audit DISABLE TRIGGER (still there, off).
  virtual RawResult remove_guard(const std::string& location, const std::string& trigger) = 0;
};

// For ASSERT_TRUE(succeeded(backend().raw_exec(...))): the message on failure.
inline ::testing::AssertionResult succeeded(const RawResult& r) {
  if (r.ok) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << r.message;
}

// The fixture of every test that runs on both backends (TEST_P): the parameter is the
// backend's name. Skips when PostgreSQL is not installed; fails when it is but will not
// start.
class BackendTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override;
  Backend& backend() { return *backend_; }
  // backend().fresh_location(tag).
  std::string fresh(const std::string& tag = "khe") { return backend_->fresh_location(tag); }

 private:
  Backend* backend_ = nullptr;
};

// The database name in a PostgreSQL URL ("khe_t7" of postgresql://khe@host:port/khe_t7?x=y).
std::string database_of(const std::string& url);

// The fixture of the PostgreSQL-only tests (TEST_F): the same skip-or-fail rule.
class PostgresTest : public ::testing::Test {
 protected:
  void SetUp() override;
  Backend& backend() { return *backend_; }
  std::string fresh(const std::string& tag = "khe") { return backend_->fresh_location(tag); }

 private:
  Backend* backend_ = nullptr;
};

}  // namespace khe::store::testing

// Instantiates the TEST_P tests of `suite` (a BackendTest) once per backend, named
// Backends/<suite>.<test>/sqlite and Backends/<suite>.<test>/postgresql.
#define KHE_ON_BOTH_BACKENDS(suite)                                                  \
  INSTANTIATE_TEST_SUITE_P(                                                          \
      Backends, suite, ::testing::ValuesIn(::khe::store::testing::Backend::names()), \
      [](const ::testing::TestParamInfo<std::string>& info) { return info.param; })

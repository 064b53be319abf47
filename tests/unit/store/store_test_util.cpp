#include "store/store_test_util.h"

#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <sstream>

#include <gtest/gtest.h>

#include "support/postgres_server.h"

namespace khe::store::testing {
Instant at(std::int64_t seconds) {
  return parse_fhir_datetime("2026-08-03T12:00:00Z").value().start + Seconds(seconds);
}

std::unique_ptr<Store> open_or_die(const std::string& path) {
  auto s = Store::open(path);
  EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error().to_string());
  if (!s.ok()) std::abort();
  return std::move(s).value();
}

std::string patient_json(const std::string& id) {
  return R"({"resourceType":"Patient","id":")" + id + R"(","birthDate":"2026-05-01"})";
}

std::string observation_json(const std::string& id, int value) {
  return R"({"resourceType":"Observation","id":")" + id +
         R"(","status":"final","valueQuantity":{"value":)" + std::to_string(value) +
         R"(,"unit":"10*9/L"}})";
}

AuditRecord audit_record(const std::string& kind, const std::string& patient, Instant t) {
  AuditRecord r;
  r.time = t;
  r.kind = kind;
  r.caller = "test-client";
  r.patient_id = patient;
  r.input_sha256 = sha256_hex("input " + patient);
  r.knowledge_version = "2026.08";
  r.profile = "default";
  r.report_sha256 = sha256_hex("report " + patient);
  return r;
}

RawDb::RawDb(const std::string& path) {
  if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) !=
      SQLITE_OK) {
    ADD_FAILURE() << "cannot open " << path;
  }
  sqlite3_busy_timeout(db_, 5000);
}

RawDb::~RawDb() { sqlite3_close_v2(db_); }

int RawDb::exec(const std::string& sql, std::string* message) {
  char* msg = nullptr;
  const int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &msg);
  if (message) *message = msg ? msg : "";
  sqlite3_free(msg);
  return rc;
}

std::int64_t RawDb::scalar(const std::string& sql) {
  sqlite3_stmt* st = nullptr;
  std::int64_t v = -1;
  if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &st, nullptr) == SQLITE_OK &&
      sqlite3_step(st) == SQLITE_ROW) {
    v = sqlite3_column_int64(st, 0);
  }
  sqlite3_finalize(st);
  return v;
}

std::string RawDb::text(const std::string& sql) {
  sqlite3_stmt* st = nullptr;
  std::string v;
  if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &st, nullptr) == SQLITE_OK &&
      sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0)) {
    v = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
  }
  sqlite3_finalize(st);
  return v;
}

// ---- Both backends --------------------------------------------------------------------------

namespace {

using test_support::PostgresServer;

std::string trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

std::int64_t to_int64(const std::string& text) {
  if (text.empty()) return -1;
  try {
    std::size_t used = 0;
    const std::int64_t v = std::stoll(text, &used);
    return used == text.size() ? v : -1;
  } catch (const std::exception&) {
    return -1;
  }
}

class SqliteBackend final : public Backend {
 public:
  std::string name() const override { return "sqlite"; }

  std::string fresh_location(const std::string& tag) override {
    const std::string dir = make_temp_dir(tag);
    std::lock_guard lock(mu_);
    folders_.push_back(dir);
    return dir + "/khe.db";
  }

  // The folders of every fresh_location.
  void remove_folders() {
    std::lock_guard lock(mu_);
    for (const std::string& dir : folders_) {
      std::error_code ignored;
      std::filesystem::remove_all(dir, ignored);
    }
    folders_.clear();
  }

  // Around the store on an existing file only: opening a missing one would create it.
  RawResult raw_exec(const std::string& location, const std::string& sql) override {
    if (!std::filesystem::exists(location)) return {false, "no such database file"};
    RawDb raw(location);
    RawResult r;
    // sqlite3_exec runs statement after statement: a transaction makes them all or none.
    r.ok = raw.exec("BEGIN IMMEDIATE; " + sql + "; COMMIT", &r.message) == SQLITE_OK;
    if (!r.ok) raw.exec("ROLLBACK");
    return r;
  }

  std::int64_t raw_scalar(const std::string& location, const std::string& sql) override {
    if (!std::filesystem::exists(location)) return -1;
    return RawDb(location).scalar(sql);
  }

  std::string raw_text(const std::string& location, const std::string& sql) override {
    if (!std::filesystem::exists(location)) return "";
    return RawDb(location).text(sql);
  }

  RawResult tamper_audit(const std::string& location, const std::string& sql) override {
    if (!std::filesystem::exists(location)) return {false, "no such database file"};
    RawDb raw(location);
    // The triggers' own SQL, to create them again afterwards exactly as they were.
    const std::string drop = raw.text(
        "SELECT group_concat('DROP TRIGGER ' || name, '; ') FROM sqlite_master"
        " WHERE type = 'trigger' AND tbl_name = 'audit'");
    const std::string create = raw.text(
        "SELECT group_concat(sql, '; ') FROM sqlite_master"
        " WHERE type = 'trigger' AND tbl_name = 'audit'");
    RawResult r;
    if (drop.empty() || create.empty()) {
      r.message = "the audit table has no triggers to take away";
      return r;
    }
    r.ok = raw.exec("BEGIN IMMEDIATE; " + drop + "; " + sql + "; " + create + "; COMMIT",
                    &r.message) == SQLITE_OK;
    if (!r.ok) raw.exec("ROLLBACK");
    return r;
  }

  RawResult remove_guard(const std::string& location, const std::string& trigger) override {
    return raw_exec(location, "DROP TRIGGER " + trigger);
  }

 private:
  std::mutex mu_;
  std::vector<std::string> folders_;
};

class PostgresBackend final : public Backend {
 public:
  explicit PostgresBackend(std::unique_ptr<PostgresServer> server) : server_(std::move(server)) {}

  std::string name() const override { return "postgresql"; }

  std::string fresh_location(const std::string& /*tag*/) override {
    const std::string database = "khe_t" + std::to_string(++databases_);
    const auto made = server_->psql("CREATE DATABASE " + database);
    EXPECT_EQ(made.status, 0) << "CREATE DATABASE " << database << ": " << made.err;
    return "postgresql://khe@127.0.0.1:" + std::to_string(server_->port()) + "/" + database;
  }

  RawResult raw_exec(const std::string& location, const std::string& sql) override {
    const auto run = server_->psql(sql, database_of(location));
    return {run.status == 0, trimmed(run.err)};
  }

  std::int64_t raw_scalar(const std::string& location, const std::string& sql) override {
    return to_int64(raw_text(location, sql));
  }

  std::string raw_text(const std::string& location, const std::string& sql) override {
    const auto run = server_->psql(sql, database_of(location));
    if (run.status != 0) return "";
    const std::string out = trimmed(run.out);
    return out.substr(0, out.find('\n'));  // the first row
  }

  RawResult tamper_audit(const std::string& location, const std::string& sql) override {
    return raw_exec(location, "ALTER TABLE audit DISABLE TRIGGER USER; " + sql +
                                  "; ALTER TABLE audit ENABLE TRIGGER USER");
  }

  RawResult remove_guard(const std::string& location, const std::string& trigger) override {
    return raw_exec(location, "ALTER TABLE audit DISABLE TRIGGER " + trigger);
  }

  // Stops the server; its folder (with the log) is kept when `keep_folder`.
  void stop(bool keep_folder) {
    if (!server_) return;
    server_->stop();
    if (keep_folder) {
      std::fprintf(stderr, "PostgreSQL's folder (and log) kept for diagnosis: %s\n",
                   std::filesystem::path(server_->data_dir()).parent_path().c_str());
      (void)server_.release();  // the destructor would remove the folder
    }
    server_.reset();
  }

 private:
  std::unique_ptr<PostgresServer> server_;
  std::atomic<int> databases_{0};
};

SqliteBackend& sqlite_backend() {
  static SqliteBackend backend;
  return backend;
}

// The shared PostgreSQL backend: started by the first test that needs it, stopped (its
// folder removed) by this environment's TearDown, after the last test. The SQLite
// backend's folders are removed then too, unless a test failed (they are kept to look at).
struct SharedPostgres {
  std::mutex mu;
  bool tried = false;
  std::string why;
  std::unique_ptr<PostgresBackend> backend;
};

SharedPostgres& shared_postgres() {
  static SharedPostgres shared;
  return shared;
}

class CleanUpBackends final : public ::testing::Environment {
 public:
  void TearDown() override {
    const bool failed = ::testing::UnitTest::GetInstance()->Failed();
    {
      std::lock_guard lock(shared_postgres().mu);
      if (shared_postgres().backend) shared_postgres().backend->stop(/*keep_folder=*/failed);
      shared_postgres().backend.reset();
    }
    if (!failed) sqlite_backend().remove_folders();
  }
};

[[maybe_unused]] ::testing::Environment* const clean_up_backends =
    ::testing::AddGlobalTestEnvironment(new CleanUpBackends);

PostgresBackend* postgres_backend(std::string* why) {
  SharedPostgres& shared = shared_postgres();
  std::lock_guard lock(shared.mu);
  if (!shared.tried) {
    shared.tried = true;
    // The server is told to quit when the thread that started it ends (parent-death
    // signal): that must be the main thread, which lives as long as the program.
    if (::syscall(SYS_gettid) != ::getpid()) {
      shared.why = "the shared PostgreSQL server must be first used from the main thread";
    } else if (auto server = PostgresServer::start(&shared.why)) {
      shared.backend = std::make_unique<PostgresBackend>(std::move(server));
    }
  }
  if (!shared.backend) *why = shared.why;
  return shared.backend.get();
}

}  // namespace

std::vector<std::string> Backend::names() { return {"sqlite", "postgresql"}; }

Backend* Backend::get(const std::string& name, std::string* why, bool* skip) {
  *skip = false;
  if (name == "sqlite") return &sqlite_backend();
  if (name != "postgresql") {
    *why = "no backend named " + name;
    return nullptr;
  }
  if (!test_support::postgres_available()) {
    *skip = true;
    *why = "PostgreSQL 15 is not installed: the PostgreSQL run of this test is skipped";
    return nullptr;
  }
  return postgres_backend(why);
}

void BackendTest::SetUp() {
  std::string why;
  bool skip = false;
  backend_ = Backend::get(GetParam(), &why, &skip);
  if (skip) GTEST_SKIP() << why;
  ASSERT_NE(backend_, nullptr) << why;
}

void PostgresTest::SetUp() {
  std::string why;
  bool skip = false;
  backend_ = Backend::get("postgresql", &why, &skip);
  if (skip) GTEST_SKIP() << why;
  ASSERT_NE(backend_, nullptr) << why;
}

std::string database_of(const std::string& url) {
  const std::size_t slash = url.rfind('/');
  const std::size_t query = url.find('?', slash);
  return url.substr(slash + 1, query == std::string::npos ? std::string::npos : query - slash - 1);
}

}  // namespace khe::store::testing

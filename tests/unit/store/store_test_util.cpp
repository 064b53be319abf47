#include "store/store_test_util.h"

#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

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

}  // namespace khe::store::testing

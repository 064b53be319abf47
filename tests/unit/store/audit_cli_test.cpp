// `khe audit verify` as a real process: intact (0), tampered (4), missing or unreadable (3),
// text and JSON, and no patient id in any output; on a SQLite file and on a PostgreSQL URL.
#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "store/store.h"
#include "store/store_test_util.h"

namespace khe::store {
namespace {

using testing::at;
using testing::audit_record;
using testing::make_temp_dir;
using testing::open_or_die;
using testing::PostgresTest;
using testing::RawDb;
using testing::run_khe;
using testing::succeeded;

class cliAuditPostgres : public PostgresTest {};

const std::string kSecretPatient = "secret-patient-7";

// A store at `db` (a new file when not given) with one patient and `entries` entries.
std::string make_db(int entries, std::string db = "") {
  if (db.empty()) db = make_temp_dir("cli") + "/khe.db";
  auto s = open_or_die(db);
  EXPECT_TRUE(s->create_patient(kSecretPatient,
                                R"({"resourceType":"Patient","id":")" + kSecretPatient + R"("})",
                                at())
                  .value());
  for (int i = 0; i < entries; ++i) {
    EXPECT_TRUE(s->append_audit(audit_record("evaluation", kSecretPatient, at(i))).ok());
  }
  return db;
}

TEST(cliAudit, IntactChainExitsZero) {
  const std::string db = make_db(12);
  auto r = run_khe({"audit", "verify", "--db", db});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out.rfind("audit: 12 entries, chain intact\n", 0), 0u) << r.out;
  EXPECT_EQ(r.out.find(kSecretPatient), std::string::npos);

  auto j = run_khe({"audit", "verify", "--db", db, "--format", "json"});
  EXPECT_EQ(j.status, 0) << j.err;
  const auto doc = nlohmann::json::parse(j.out);
  EXPECT_EQ(doc["entries"], 12);
  EXPECT_EQ(doc["intact"], true);
  EXPECT_EQ(doc["head"].get<std::string>().size(), 64u);
}

TEST(cliAudit, VerifyingDoesNotWriteTheFile) {
  const std::string db = make_db(3);
  {  // checkpoint so the main file holds everything, then note its bytes
    RawDb raw(db);
    ASSERT_EQ(raw.exec("PRAGMA wal_checkpoint(TRUNCATE)"), SQLITE_OK);
  }
  const std::string before = testing::read_file(db);
  auto r = run_khe({"audit", "verify", "--db", db});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(testing::read_file(db), before);
}

TEST(cliAudit, TamperedChainExitsFourAndNamesTheEntry) {
  const std::string db = make_db(30);
  {
    RawDb raw(db);
    ASSERT_EQ(raw.exec("DROP TRIGGER audit_append_only_update"), SQLITE_OK);
    ASSERT_EQ(raw.exec("UPDATE audit SET knowledge_version = 'forged' WHERE seq = 17"), SQLITE_OK);
  }
  auto r = run_khe({"audit", "verify", "--db", db});
  EXPECT_EQ(r.status, 4) << r.err;
  EXPECT_NE(r.out.find("audit: 30 entries, chain BROKEN at entry 17"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find(kSecretPatient), std::string::npos);
  EXPECT_EQ(r.out.find("forged"), std::string::npos);

  auto j = run_khe({"audit", "verify", "--db", db, "--format", "json"});
  EXPECT_EQ(j.status, 4);
  const auto doc = nlohmann::json::parse(j.out);
  EXPECT_EQ(doc["intact"], false);
  EXPECT_EQ(doc["first_bad_seq"], 17);
  EXPECT_FALSE(doc["why"].get<std::string>().empty());
}

TEST(cliAudit, MissingOrUnreadableDatabaseExitsThree) {
  const std::string dir = make_temp_dir("cli-missing");
  const std::string missing = dir + "/nope.db";
  auto r = run_khe({"audit", "verify", "--db", missing});
  EXPECT_EQ(r.status, 3);
  EXPECT_NE(r.err.find(missing), std::string::npos) << r.err;
  EXPECT_TRUE(r.out.empty());
  EXPECT_FALSE(std::filesystem::exists(missing));  // verify never creates a database

  const std::string junk = dir + "/junk.db";
  std::ofstream(junk) << std::string(2048, 'j');
  r = run_khe({"audit", "verify", "--db", junk});
  EXPECT_EQ(r.status, 3);
  EXPECT_NE(r.err.find(junk), std::string::npos) << r.err;
}

TEST(cliAudit, UsageErrorsExitTwo) {
  EXPECT_EQ(run_khe({"audit"}).status, 2);
  EXPECT_EQ(run_khe({"audit", "verify"}).status, 2);  // --db is required
  EXPECT_EQ(run_khe({"audit", "verify", "--db", "x.db", "--format", "xml"}).status, 2);
}

// ---- On PostgreSQL --------------------------------------------------------------------------

TEST_F(cliAuditPostgres, IntactAndTamperedChains) {
  const std::string db = make_db(12, fresh());
  auto r = run_khe({"audit", "verify", "--db", db});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out.rfind("audit: 12 entries, chain intact\n", 0), 0u) << r.out;
  EXPECT_EQ(r.out.find(kSecretPatient), std::string::npos);
  auto j = run_khe({"audit", "verify", "--db", db, "--format", "json"});
  EXPECT_EQ(j.status, 0) << j.err;
  const auto doc = nlohmann::json::parse(j.out);
  EXPECT_EQ(doc["entries"], 12);
  EXPECT_EQ(doc["intact"], true);
  EXPECT_EQ(doc["head"], open_or_die(db)->verify_audit().value().head);

  // The attacker disables the guards, changes entry 7 and enables them again.
  ASSERT_TRUE(succeeded(
      backend().tamper_audit(db, "UPDATE audit SET knowledge_version = 'forged' WHERE seq = 7")));
  r = run_khe({"audit", "verify", "--db", db});
  EXPECT_EQ(r.status, 4) << r.err;
  EXPECT_NE(r.out.find("audit: 12 entries, chain BROKEN at entry 7"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find(kSecretPatient), std::string::npos);
  EXPECT_EQ(r.out.find("forged"), std::string::npos);
  j = run_khe({"audit", "verify", "--db", db, "--format", "json"});
  EXPECT_EQ(j.status, 4) << j.err;
  EXPECT_EQ(nlohmann::json::parse(j.out)["first_bad_seq"], 7);
  // Verifying wrote nothing (the session is read-only): still 12 entries.
  EXPECT_EQ(backend().raw_scalar(db, "SELECT count(*) FROM audit"), 12);
}

TEST_F(cliAuditPostgres, EmptyOrUnreachableDatabaseExitsThree) {
  const std::string empty = fresh();
  auto r = run_khe({"audit", "verify", "--db", empty});
  EXPECT_EQ(r.status, 3) << r.out;
  EXPECT_NE(r.err.find(empty), std::string::npos) << r.err;
  EXPECT_TRUE(r.out.empty());
  // verify never creates a schema
  EXPECT_EQ(backend().raw_text(empty, "SELECT to_regclass('schema_migrations') IS NULL"), "t");

  r = run_khe({"audit", "verify", "--db", "postgresql://khe:secret@127.0.0.1:1/khe"});
  EXPECT_EQ(r.status, 3);
  EXPECT_NE(r.err.find("postgresql://khe:***@127.0.0.1:1/khe"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("secret"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace khe::store

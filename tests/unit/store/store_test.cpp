// The store on both backends (TEST_P over Backend: a SQLite file and a PostgreSQL
// database): opening and migrations, patients and their resources, id validation and
// injection attempts, feedback idempotency, the shared JWT replay cache, ping. Then what
// only one backend has: SQLite's connection settings and files, PostgreSQL's URLs.
#include <libpq-fe.h>
#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <map>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "store/ids.h"
#include "store/schema.h"
#include "store/store.h"
#include "store/store_test_util.h"

namespace khe::store {
namespace {

using testing::at;
using testing::audit_record;
using testing::BackendTest;
using testing::make_temp_dir;
using testing::observation_json;
using testing::open_or_die;
using testing::patient_json;
using testing::PostgresTest;
using testing::RawDb;

class StoreOpen : public BackendTest {};
class StorePatients : public BackendTest {};
class StoreFeedback : public BackendTest {};
class StoreTokens : public BackendTest {};
class StorePing : public BackendTest {};
KHE_ON_BOTH_BACKENDS(StoreOpen);
KHE_ON_BOTH_BACKENDS(StorePatients);
KHE_ON_BOTH_BACKENDS(StoreFeedback);
KHE_ON_BOTH_BACKENDS(StoreTokens);
KHE_ON_BOTH_BACKENDS(StorePing);
class StoreOpenPostgres : public PostgresTest {};
class StorePoolPostgres : public PostgresTest {};

// ---- Opening and migrations -------------------------------------------------------------

TEST_P(StoreOpen, MigratesOnceAndReopensIdempotently) {
  const std::string db = fresh("open");
  {
    auto s = open_or_die(db);
    ASSERT_TRUE(s->create_patient("p1", patient_json("p1"), at()).value());
  }
  {
    auto s = open_or_die(db);  // second open: nothing to migrate
    auto settings = s->settings();
    ASSERT_TRUE(settings.ok());
    EXPECT_EQ(settings->schema_version, Store::schema_version());
    auto p = s->patient("p1");
    ASSERT_TRUE(p.ok());
    ASSERT_TRUE(p->has_value());
    EXPECT_EQ((*p)->json, patient_json("p1"));
    EXPECT_EQ(settings->backend, GetParam());
  }
  EXPECT_EQ(backend().raw_scalar(db, "SELECT count(*) FROM schema_migrations"),
            Store::schema_version());
  EXPECT_EQ(backend().raw_scalar(db, "SELECT max(version) FROM schema_migrations"),
            Store::schema_version());
}

// schema_version n must mean the same logical schema on both backends: the two migration
// lists advance together, version by version, under the same names.
TEST(StoreSchema, BothBackendsHaveTheSameMigrations) {
  const auto sqlite = schema::migrations();
  const auto postgres = schema::postgres_migrations();
  ASSERT_EQ(sqlite.size(), postgres.size());
  EXPECT_EQ(static_cast<int>(sqlite.size()), Store::schema_version());
  for (std::size_t i = 0; i < sqlite.size(); ++i) {
    EXPECT_EQ(sqlite[i].version, static_cast<int>(i) + 1);
    EXPECT_EQ(postgres[i].version, sqlite[i].version);
    EXPECT_STREQ(postgres[i].name, sqlite[i].name);
  }
}

TEST(StoreOpenSqlite, SetsWalFullSyncForeignKeysAndBusyTimeout) {
  const std::string db = make_temp_dir("pragmas") + "/khe.db";
  auto s = open_or_die(db);
  auto settings = s->settings();
  ASSERT_TRUE(settings.ok()) << settings.error().to_string();
  EXPECT_EQ(settings->journal_mode, "wal");
  EXPECT_EQ(settings->synchronous, 2);  // FULL
  EXPECT_TRUE(settings->foreign_keys);
  EXPECT_GE(settings->busy_timeout_ms, 1000);
  // WAL is a property of the file: another connection sees it, and writes go to the -wal.
  ASSERT_TRUE(s->create_patient("p1", patient_json("p1"), at()).value());
  RawDb raw(db);
  EXPECT_EQ(raw.text("PRAGMA journal_mode"), "wal");
  EXPECT_TRUE(std::filesystem::exists(db + "-wal"));
}

TEST(StoreOpenSqlite, NewFileIsPrivateToItsOwner) {
  const std::string db = make_temp_dir("mode") + "/khe.db";
  auto s = open_or_die(db);
  struct stat st {};
  ASSERT_EQ(::stat(db.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST_P(StoreOpen, RefusesNewerSchemaVersion) {
  const std::string db = fresh("newer");
  { open_or_die(db); }
  {
    const auto r = backend().raw_exec(
        db, "INSERT INTO schema_migrations (version, name) VALUES (99, 'future')");
    ASSERT_TRUE(r.ok) << r.message;
  }
  for (bool read_only : {false, true}) {
    auto s = Store::open(db, {.create_if_missing = true, .read_only = read_only});
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().where, db);
    EXPECT_NE(s.error().message.find("schema version 99 is newer"), std::string::npos)
        << s.error().message;
  }
  // Nothing was changed.
  EXPECT_EQ(backend().raw_scalar(db, "SELECT max(version) FROM schema_migrations"), 99);
  EXPECT_EQ(backend().raw_scalar(db, "SELECT count(*) FROM schema_migrations"),
            Store::schema_version() + 1);
}

TEST(StoreOpenSqlite, RefusesSqliteFileThatIsNotAStoreWithoutTouchingIt) {
  const std::string db = make_temp_dir("foreign") + "/other.db";
  {
    RawDb raw(db);
    ASSERT_EQ(raw.exec("CREATE TABLE stuff (x INTEGER)"), SQLITE_OK);
  }
  auto s = Store::open(db);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("not a khe store"), std::string::npos);
  RawDb raw(db);
  EXPECT_EQ(raw.scalar("SELECT count(*) FROM sqlite_master"), 1);
}

TEST(StoreOpenSqlite, MissingOrGarbageFilesAreErrorsNamingTheFile) {
  const std::string dir = make_temp_dir("missing");
  auto missing = Store::open(dir + "/none.db", {.create_if_missing = false});
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().where, dir + "/none.db");
  EXPECT_FALSE(std::filesystem::exists(dir + "/none.db"));

  auto read_only = Store::open(dir + "/none.db", {.create_if_missing = true, .read_only = true});
  EXPECT_FALSE(read_only.ok());
  EXPECT_FALSE(std::filesystem::exists(dir + "/none.db"));

  const std::string garbage = dir + "/garbage.db";
  {
    std::FILE* f = std::fopen(garbage.c_str(), "wb");
    ASSERT_NE(f, nullptr);
    const std::string junk(4096, 'x');
    std::fwrite(junk.data(), 1, junk.size(), f);
    std::fclose(f);
  }
  auto bad = Store::open(garbage);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().where, garbage);
}

TEST_P(StoreOpen, ConcurrentFirstOpensMigrateExactlyOnce) {
  const std::string db = fresh("race");
  std::vector<std::thread> threads;
  std::vector<std::string> failures(6);
  for (std::size_t i = 0; i < failures.size(); ++i) {
    threads.emplace_back([&, i] {
      auto s = Store::open(db);
      if (!s) failures[i] = s.error().to_string();
    });
  }
  for (auto& t : threads) t.join();
  for (const std::string& f : failures) EXPECT_EQ(f, "");
  EXPECT_EQ(backend().raw_scalar(db, "SELECT count(*) FROM schema_migrations"),
            Store::schema_version());
  EXPECT_EQ(backend().raw_scalar(db, "SELECT max(version) FROM schema_migrations"),
            Store::schema_version());
  EXPECT_TRUE(open_or_die(db)->verify_audit().value().intact());  // the guards exist once
}

TEST_P(StoreOpen, ReadOnlyStoreReadsButRefusesWrites) {
  const std::string db = fresh("ro");
  {
    auto s = open_or_die(db);
    ASSERT_TRUE(s->create_patient("p1", patient_json("p1"), at()).value());
  }
  auto ro = Store::open(db, {.create_if_missing = false, .read_only = true});
  ASSERT_TRUE(ro.ok()) << ro.error().to_string();
  auto list = (*ro)->list_patients();
  ASSERT_TRUE(list.ok());
  EXPECT_EQ(list->size(), 1u);
  EXPECT_TRUE((*ro)->verify_audit().value().intact());
  EXPECT_TRUE((*ro)->ping().value());
  auto refused = (*ro)->create_patient("p2", patient_json("p2"), at());
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message.find("read-only"), std::string::npos)
      << refused.error().message;
  EXPECT_FALSE((*ro)->append_audit(audit_record("card", "p1", at())).ok());
  EXPECT_FALSE((*ro)->put_feedback("khe-kmp", "k", "{}", at()).ok());
  EXPECT_FALSE((*ro)->use_token("jti-1", at(60), at()).ok());
  EXPECT_FALSE((*ro)->delete_patient("p1").ok());
  // Nothing was written.
  EXPECT_EQ(backend().raw_scalar(db, "SELECT count(*) FROM patients"), 1);
  EXPECT_EQ(backend().raw_scalar(db, "SELECT count(*) FROM audit"), 0);
  EXPECT_EQ(backend().raw_scalar(db, "SELECT count(*) FROM feedback"), 0);
  EXPECT_EQ(backend().raw_scalar(db, "SELECT count(*) FROM used_tokens"), 0);
}

TEST_P(StoreOpen, EmptyDatabaseIsCreatedOnlyWhenAsked) {
  // SQLite: no file yet; PostgreSQL: a database without tables. Neither is a store to read.
  const std::string db = fresh("empty");
  auto ro = Store::open(db, {.create_if_missing = true, .read_only = true});
  ASSERT_FALSE(ro.ok());
  EXPECT_EQ(ro.error().where, db);
  auto refused = Store::open(db, {.create_if_missing = false});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().where, db);
  EXPECT_EQ(backend().raw_scalar(db, "SELECT count(*) FROM schema_migrations"), -1);  // none
  auto created = Store::open(db);
  ASSERT_TRUE(created.ok()) << created.error().to_string();
  EXPECT_EQ((*created)->path(), db);
  auto reopened = Store::open(db, {.create_if_missing = false});
  EXPECT_TRUE(reopened.ok()) << reopened.error().to_string();
}

// ---- Patients and resources ---------------------------------------------------------------

TEST_P(StorePatients, ResourcesRoundTripInInsertionOrderAndReplaceInPlace) {
  auto s = open_or_die(fresh("resources"));
  ASSERT_TRUE(s->create_patient("p1", patient_json("p1"), at()).value());
  EXPECT_FALSE(s->create_patient("p1", patient_json("p1"), at(1)).value());  // taken

  EXPECT_EQ(s->put_resource("p1", "Observation", "o3", observation_json("o3"), at(2)).value(),
            PutOutcome::inserted);
  EXPECT_EQ(s->put_resource("p1", "Observation", "o1", observation_json("o1"), at(3)).value(),
            PutOutcome::inserted);
  const std::string med = R"({"resourceType":"MedicationRequest","id":"o3","status":"active"})";
  EXPECT_EQ(s->put_resource("p1", "MedicationRequest", "o3", med, at(4)).value(),
            PutOutcome::inserted);  // same id, other type: another resource
  EXPECT_EQ(s->put_resource("p1", "Observation", "o3", observation_json("o3", 7), at(5)).value(),
            PutOutcome::replaced);

  auto got = s->patient_resources("p1");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(*got,
            (std::vector<std::string>{observation_json("o3", 7), observation_json("o1"), med}));
  auto p = s->patient("p1").value();
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->created, at());
  EXPECT_EQ(p->updated, at(5));  // the last change to any of its resources
  EXPECT_TRUE(s->patient_resources("nobody").value().empty());
  EXPECT_FALSE(s->patient("nobody").value().has_value());
}

TEST_P(StorePatients, ResourceOfUnknownPatientIsNotStoredNorAudited) {
  const std::string db = fresh("orphan");
  auto s = open_or_die(db);
  auto r = s->put_resource("ghost", "Observation", "o1", observation_json("o1"), at(),
                           audit_record("write", "ghost", at()));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, PutOutcome::no_such_patient);
  EXPECT_EQ(backend().raw_scalar(db, "SELECT count(*) FROM resources"), 0);
  EXPECT_EQ(backend().raw_scalar(db, "SELECT count(*) FROM audit"), 0);
}

TEST_P(StorePatients, ListIsOrderedById) {
  auto s = open_or_die(fresh("list"));
  for (const char* id : {"zeta", "alpha", "Mid-1.2"}) {
    ASSERT_TRUE(s->create_patient(id, patient_json(id), at()).value());
  }
  auto list = s->list_patients();
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 3u);
  EXPECT_EQ((*list)[0].id, "Mid-1.2");  // byte order
  EXPECT_EQ((*list)[1].id, "alpha");
  EXPECT_EQ((*list)[2].id, "zeta");
  EXPECT_EQ((*list)[1].json, patient_json("alpha"));
}

TEST_P(StorePatients, DeleteCascadesToResourcesAndKeepsAudit) {
  const std::string db = fresh("delete");
  auto s = open_or_die(db);
  ASSERT_TRUE(s->create_patient("p1", patient_json("p1"), at()).value());
  ASSERT_TRUE(s->create_patient("p2", patient_json("p2"), at()).value());
  for (int i = 0; i < 5; ++i) {
    const std::string id = "o" + std::to_string(i);
    ASSERT_TRUE(s->put_resource("p1", "Observation", id, observation_json(id), at(i),
                                audit_record("write", "p1", at(i)))
                    .ok());
    ASSERT_TRUE(s->put_resource("p2", "Observation", id, observation_json(id), at(i)).ok());
  }
  auto deleted = s->delete_patient("p1", audit_record("write", "p1", at(10)));
  ASSERT_TRUE(deleted.ok());
  EXPECT_TRUE(*deleted);
  EXPECT_FALSE(s->delete_patient("p1").value());  // already gone
  EXPECT_FALSE(s->patient("p1").value().has_value());
  EXPECT_TRUE(s->patient_resources("p1").value().empty());
  EXPECT_EQ(s->patient_resources("p2").value().size(), 5u);  // the other patient untouched

  EXPECT_EQ(backend().raw_scalar(db, "SELECT count(*) FROM resources WHERE patient_id = 'p1'"), 0);
  EXPECT_EQ(backend().raw_scalar(db, "SELECT count(*) FROM audit WHERE patient_id = 'p1'"), 6);
  auto check = s->verify_audit();
  ASSERT_TRUE(check.ok());
  EXPECT_TRUE(check->intact());
  EXPECT_EQ(check->entries, 6);
}

TEST_P(StorePatients, BatchIsAllOrNothing) {
  const std::string db = fresh("batch");
  auto s = open_or_die(db);
  ASSERT_TRUE(s->create_patient("p1", patient_json("p1"), at()).value());
  std::vector<Resource> batch{{"Observation", "a", observation_json("a")},
                              {"Observation", "b", "{not json"},
                              {"Observation", "c", observation_json("c")}};
  auto bad = s->put_resources("p1", batch, at(), audit_record("write", "p1", at()));
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().where, "json");
  EXPECT_TRUE(s->patient_resources("p1").value().empty());

  batch[1].json = observation_json("b");
  batch.push_back({"Observation", "a", observation_json("a", 9)});  // replaces within the batch
  auto ok = s->put_resources("p1", batch, at(1), audit_record("write", "p1", at(1)));
  ASSERT_TRUE(ok.ok()) << ok.error().to_string();
  EXPECT_TRUE(ok->patient_found);
  EXPECT_EQ(ok->inserted, 3u);
  EXPECT_EQ(ok->replaced, 1u);
  EXPECT_EQ(s->patient_resources("p1").value(),
            (std::vector<std::string>{observation_json("a", 9), observation_json("b"),
                                      observation_json("c")}));
  // One entry for the one write.
  EXPECT_EQ(backend().raw_scalar(db, "SELECT count(*) FROM audit"), 1);
}

TEST_P(StorePatients, ConcurrentCreatesOfOnePatientStoreItOnce) {
  // Two Stores (two replicas), four threads each, all creating the same patients with an
  // audit entry: each is created once, with one entry; the feedback likewise.
  const std::string db = fresh("create-race");
  auto a = open_or_die(db);
  auto b = open_or_die(db);
  constexpr int kThreads = 8, kPatients = 20;
  std::vector<std::atomic<int>> created(kPatients), stored(kPatients);
  std::atomic<int> failures{0};
  std::atomic<int> ready{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    Store* s = t % 2 ? a.get() : b.get();
    threads.emplace_back([&, s] {
      ready.fetch_add(1);
      while (ready.load() < kThreads) std::this_thread::yield();  // start together
      for (int i = 0; i < kPatients; ++i) {
        const std::string id = "p" + std::to_string(i);
        auto c = s->create_patient(id, patient_json(id), at(), audit_record("write", id, at()));
        auto f = s->put_feedback("khe-kmp", "card-" + id, R"({"outcome":"accepted"})", at());
        if (!c || !f) {
          failures.fetch_add(1);
          continue;
        }
        if (*c) created[static_cast<std::size_t>(i)].fetch_add(1);
        if (*f) stored[static_cast<std::size_t>(i)].fetch_add(1);
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  for (int i = 0; i < kPatients; ++i) {
    EXPECT_EQ(created[static_cast<std::size_t>(i)].load(), 1) << i;
    EXPECT_EQ(stored[static_cast<std::size_t>(i)].load(), 1) << i;
  }
  EXPECT_EQ(backend().raw_scalar(db, "SELECT count(*) FROM patients"), kPatients);
  EXPECT_EQ(backend().raw_scalar(db, "SELECT count(*) FROM feedback"), kPatients);
  EXPECT_EQ(backend().raw_scalar(db, "SELECT count(*) FROM audit"), kPatients);
  EXPECT_TRUE(a->verify_audit().value().intact());
}

TEST_P(StorePatients, InvalidIdsAreRefusedWithoutQuotingThem) {
  auto s = open_or_die(fresh("ids"));
  ASSERT_TRUE(s->create_patient("p1", patient_json("p1"), at()).value());
  const std::vector<std::string> bad_ids = {
      "",      std::string(65, 'a'), "x'; DROP TABLE resources; --", "a b", "a/b", "é", "a\nb",
      "../etc"};
  for (const std::string& id : bad_ids) {
    auto r = s->put_resource("p1", "Observation", id, observation_json(id), at());
    ASSERT_FALSE(r.ok()) << id;
    EXPECT_EQ(r.error().where, "resource_id");
    if (!id.empty()) {
      EXPECT_EQ(r.error().to_string().find(id), std::string::npos);
    }
    auto p = s->create_patient(id, patient_json(id), at());
    ASSERT_FALSE(p.ok()) << id;
    EXPECT_EQ(p.error().where, "patient_id");
    EXPECT_FALSE(s->patient(id).ok());
    EXPECT_FALSE(s->delete_patient(id).ok());
  }
  for (const std::string type : {"observation", "Obs1", "", "Observation; DROP"}) {
    auto r = s->put_resource("p1", type, "o1", observation_json("o1"), at());
    ASSERT_FALSE(r.ok()) << type;
    EXPECT_EQ(r.error().where, "resource_type");
  }
  // The longest valid id and every allowed character.
  const std::string longest = std::string(60, 'Z') + "a-.9";
  ASSERT_TRUE(valid_id(longest));
  EXPECT_EQ(s->put_resource("p1", "Observation", longest, observation_json(longest), at()).value(),
            PutOutcome::inserted);
  EXPECT_EQ(s->patient_resources("p1").value().size(), 1u);
}

TEST_P(StorePatients, JsonMustMatchItsKeyAndBeWellFormed) {
  auto s = open_or_die(fresh("json"));
  EXPECT_EQ(s->create_patient("p1", patient_json("p2"), at()).error().where, "json");  // id
  EXPECT_EQ(s->create_patient("p1", observation_json("p1"), at()).error().where, "json");
  ASSERT_TRUE(s->create_patient("p1", patient_json("p1"), at()).value());
  const std::vector<std::string> bad = {
      "",
      "{",
      "[1,2]",
      R"("just a string")",
      R"({"resourceType":"Observation"})",          // no id
      R"({"resourceType":"Observation","id":7})",   // id not a string
      R"({"resourceType":"Condition","id":"o1"})",  // other type
      std::string(R"({"resourceType":"Observation","id":"o1"})") + '\0' + "junk",
  };
  for (const std::string& json : bad) {
    auto r = s->put_resource("p1", "Observation", "o1", json, at());
    ASSERT_FALSE(r.ok()) << json;
    EXPECT_EQ(r.error().where, "json");
  }
  EXPECT_TRUE(s->patient_resources("p1").value().empty());
}

TEST_P(StorePatients, InjectionStringsInValuesAreStoredVerbatim) {
  const std::string db = fresh("inject");
  auto s = open_or_die(db);
  ASSERT_TRUE(s->create_patient("p1", patient_json("p1"), at()).value());
  // Quotes, escapes, SQL, non-ASCII and odd whitespace: stored and read back byte for byte.
  const std::string json =
      "{ \"resourceType\" : \"Observation\",\n\t\"id\":\"q1\",  \"note\": [{\"text\": "
      "\"Robert'); DROP TABLE resources; -- \\\"quoted\\\" \\\\ back \\u0000 \\n\"}],"
      " \"code\": {\"text\": \"plaquettes \u00e9\u65e5\"}, \"x\": \"' OR '1'='1\" }";
  ASSERT_EQ(s->put_resource("p1", "Observation", "q1", json, at()).value(), PutOutcome::inserted);
  auto got = s->patient_resources("p1");
  ASSERT_TRUE(got.ok());
  ASSERT_EQ(got->size(), 1u);
  EXPECT_EQ((*got)[0], json);
  // Feedback keys are free text: an injection string is just a key.
  const std::string key = "k'); DELETE FROM feedback; --";
  EXPECT_TRUE(s->put_feedback("khe-kmp", key, R"({"outcome":"accepted"})", at()).value());
  EXPECT_FALSE(s->put_feedback("khe-kmp", key, R"({"outcome":"accepted"})", at()).value());
  EXPECT_EQ(backend().raw_scalar(db, "SELECT count(*) FROM resources"), 1);
  EXPECT_EQ(backend().raw_scalar(db, "SELECT count(*) FROM feedback"), 1);
  EXPECT_EQ(backend().raw_scalar(db, "SELECT count(*) FROM patients"), 1);
}

// ---- Feedback -----------------------------------------------------------------------------

TEST_P(StoreFeedback, RepeatsAreIdempotent) {
  const std::string db = fresh("feedback");
  auto s = open_or_die(db);
  const std::string first = R"({"card":"c1","outcome":"accepted"})";
  EXPECT_TRUE(s->put_feedback("khe-kmp", "c1/accepted", first, at()).value());
  EXPECT_FALSE(s->put_feedback("khe-kmp", "c1/accepted", first, at(1)).value());
  EXPECT_FALSE(  // a repeat with other bytes does not overwrite the first
      s->put_feedback("khe-kmp", "c1/accepted", R"({"card":"c1","outcome":"x"})", at(2)).value());
  EXPECT_TRUE(s->put_feedback("khe-kmp", "c2/overridden", R"({"card":"c2"})", at(3)).value());
  EXPECT_TRUE(s->put_feedback("khe-dose-check", "c1/accepted", first, at(4)).value());

  EXPECT_EQ(s->feedback("khe-kmp").value(), (std::vector<std::string>{first, R"({"card":"c2"})"}));
  EXPECT_EQ(s->feedback("khe-dose-check").value().size(), 1u);
  EXPECT_TRUE(s->feedback("other").value().empty());
  // Reopened, the repeat is still recognised.
  s.reset();
  auto again = open_or_die(db);
  EXPECT_FALSE(again->put_feedback("khe-kmp", "c1/accepted", first, at(5)).value());
}

TEST_P(StoreFeedback, BadArgumentsAreRefused) {
  auto s = open_or_die(fresh("feedback-bad"));
  EXPECT_EQ(s->put_feedback("khe kmp", "k", "{}", at()).error().where, "service_id");
  EXPECT_EQ(s->put_feedback("khe-kmp", "", "{}", at()).error().where, "feedback_key");
  EXPECT_EQ(s->put_feedback("khe-kmp", std::string(513, 'k'), "{}", at()).error().where,
            "feedback_key");
  EXPECT_EQ(s->put_feedback("khe-kmp", "k", "{oops", at()).error().where, "json");
  EXPECT_EQ(s->put_feedback("khe-kmp", "k", "", at()).error().where, "json");
  EXPECT_TRUE(s->feedback("khe-kmp").value().empty());
}

// ---- The shared JWT replay cache ------------------------------------------------------------

TEST_P(StoreTokens, FirstUseIsFreshAndAReplayIsRefusedUntilItExpires) {
  const std::string db = fresh("tokens");
  auto s = open_or_die(db);
  EXPECT_TRUE(s->use_token("iss|jti-1", at(60), at()).value());
  EXPECT_FALSE(s->use_token("iss|jti-1", at(60), at()).value());     // replay
  EXPECT_FALSE(s->use_token("iss|jti-1", at(600), at(30)).value());  // still live at 30
  EXPECT_FALSE(s->use_token("iss|jti-1", at(60), at(59)).value());
  // Past its `until` the old use is over: the id is fresh again, and live again after.
  EXPECT_TRUE(s->use_token("iss|jti-1", at(200), at(61)).value());
  EXPECT_FALSE(s->use_token("iss|jti-1", at(200), at(62)).value());
  // Ids are independent.
  EXPECT_TRUE(s->use_token("iss|jti-2", at(60), at()).value());
  EXPECT_TRUE(s->use_token("other-iss|jti-1", at(60), at()).value());
  EXPECT_FALSE(s->use_token("iss|jti-2", at(60), at(1)).value());
  // Another Store on the same database (another replica) sees the same uses.
  auto replica = open_or_die(db);
  EXPECT_FALSE(replica->use_token("iss|jti-1", at(200), at(63)).value());
  EXPECT_TRUE(replica->use_token("iss|jti-3", at(60), at()).value());
  EXPECT_FALSE(s->use_token("iss|jti-3", at(60), at()).value());
  // Reopened, still used.
  s.reset();
  EXPECT_FALSE(open_or_die(db)->use_token("iss|jti-2", at(60), at(2)).value());
  // Only the ids' SHA-256 is stored, never the id.
  EXPECT_EQ(backend().raw_scalar(db, "SELECT count(*) FROM used_tokens"), 4);
  EXPECT_EQ(backend().raw_scalar(db, "SELECT count(*) FROM used_tokens WHERE key LIKE '%jti%'"), 0);
  EXPECT_EQ(backend().raw_scalar(db, "SELECT count(*) FROM used_tokens WHERE key = '" +
                                         sha256_hex("iss|jti-1") + "'"),
            1);
}

TEST_P(StoreTokens, BadIdsAreRefused) {
  auto s = open_or_die(fresh("tokens-bad"));
  EXPECT_EQ(s->use_token("", at(60), at()).error().where, "token_id");
  EXPECT_EQ(s->use_token(std::string(4097, 'j'), at(60), at()).error().where, "token_id");
  EXPECT_TRUE(s->use_token(std::string(4096, 'j'), at(60), at()).value());
}

TEST_P(StoreTokens, ExpiredUsesAreForgottenFromTimeToTime) {
  const std::string db = fresh("tokens-sweep");
  auto s = open_or_die(db);
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(s->use_token("old-" + std::to_string(i), at(10), at()).value());
  }
  // Every 1024th call of a Store forgets the uses that have expired by then.
  for (int i = 0; i < 1024; ++i) {
    ASSERT_TRUE(s->use_token("new-" + std::to_string(i), at(100000), at(20)).value());
  }
  EXPECT_EQ(backend().raw_scalar(db, "SELECT count(*) FROM used_tokens"), 1024);
  EXPECT_EQ(backend().raw_scalar(db, "SELECT count(*) FROM used_tokens WHERE until <= " +
                                         std::to_string(at(20).time_since_epoch().count())),
            0);
}

TEST_P(StoreTokens, ConcurrentUsesAcceptEachIdExactlyOnce) {
  // Two Stores on one database (two replicas), four threads each, 200 attempts per thread
  // on the same 50 ids: every id is accepted once in all.
  const std::string db = fresh("tokens-race");
  auto a = open_or_die(db);
  auto b = open_or_die(db);
  constexpr int kThreads = 8, kAttempts = 200, kIds = 50;
  std::vector<std::atomic<int>> accepted(kIds);
  std::atomic<int> failures{0};
  std::atomic<int> ready{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    Store* s = t % 2 ? a.get() : b.get();
    threads.emplace_back([&, s, t] {
      ready.fetch_add(1);
      while (ready.load() < kThreads) std::this_thread::yield();  // start together
      for (int i = 0; i < kAttempts; ++i) {
        const int id = (i * 7 + t * 13) % kIds;  // each thread in its own order
        auto fresh_use = s->use_token("iss|jti-" + std::to_string(id), at(3600), at());
        if (!fresh_use) {
          failures.fetch_add(1);
        } else if (*fresh_use) {
          accepted[static_cast<std::size_t>(id)].fetch_add(1);
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  for (int id = 0; id < kIds; ++id) {
    EXPECT_EQ(accepted[static_cast<std::size_t>(id)].load(), 1) << "id " << id;
  }
  EXPECT_EQ(backend().raw_scalar(db, "SELECT count(*) FROM used_tokens"), kIds);
}

// ---- Readiness ------------------------------------------------------------------------------

TEST_P(StorePing, AnsweredByAnOpenStore) {
  auto s = open_or_die(fresh("ping"));
  auto p = s->ping();
  ASSERT_TRUE(p.ok()) << p.error().to_string();
  EXPECT_TRUE(*p);
}

// ---- PostgreSQL only: URLs, foreign databases, the connection pool ---------------------------

TEST_F(StoreOpenPostgres, DatabaseWithOtherTablesIsRefusedWithoutBeingModified) {
  const std::string db = fresh();
  ASSERT_TRUE(
      backend().raw_exec(db, "CREATE TABLE stuff (x integer); INSERT INTO stuff VALUES (1)").ok);
  for (bool create : {true, false}) {
    auto s = Store::open(db, {.create_if_missing = create});
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().where, db);
    EXPECT_NE(s.error().message.find("not a khe store"), std::string::npos) << s.error().message;
  }
  auto ro = Store::open(db, {.create_if_missing = false, .read_only = true});
  ASSERT_FALSE(ro.ok());
  EXPECT_NE(ro.error().message.find("not a khe store"), std::string::npos) << ro.error().message;
  EXPECT_EQ(backend().raw_scalar(db, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"),
            1);
  EXPECT_EQ(backend().raw_text(db, "SELECT to_regclass('schema_migrations') IS NULL"), "t");
  EXPECT_EQ(backend().raw_scalar(db, "SELECT count(*) FROM pg_proc WHERE proname LIKE 'khe_%'"), 0);
  EXPECT_EQ(backend().raw_scalar(db, "SELECT x FROM stuff"), 1);
}

TEST_F(StoreOpenPostgres, PasswordInTheUrlIsNeverShown) {
  // Nothing listens on port 1: the error is about connecting, and names the URL.
  auto s = Store::open("postgresql://khe:secret@127.0.0.1:1/nodb");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().where, "postgresql://khe:***@127.0.0.1:1/nodb");
  EXPECT_EQ(s.error().to_string().find("secret"), std::string::npos) << s.error().to_string();
  EXPECT_NE(s.error().message.find("cannot connect"), std::string::npos) << s.error().message;
  // Other spellings: the other scheme, a password parameter, a malformed URL (which libpq
  // quotes whole in its error), a refused parameter.
  const std::vector<std::pair<std::string, std::string>> urls = {
      {"postgres://khe:secret@127.0.0.1:1/nodb?connect_timeout=2",
       "postgres://khe:***@127.0.0.1:1/nodb?connect_timeout=2"},
      {"postgresql://khe@127.0.0.1:1/nodb?connect_timeout=2&password=secret",
       "postgresql://khe@127.0.0.1:1/nodb?connect_timeout=2&password=***"},
      {"postgresql://khe:secret@[::1/nodb", "postgresql://khe:***@[::1/nodb"},
      {"postgresql://khe:secret@127.0.0.1:1/nodb?pool_size=0",
       "postgresql://khe:***@127.0.0.1:1/nodb?pool_size=0"},
  };
  for (const auto& [url, shown] : urls) {
    auto refused = Store::open(url);
    ASSERT_FALSE(refused.ok()) << shown;
    EXPECT_EQ(refused.error().where, shown);
    EXPECT_EQ(refused.error().to_string().find("secret"), std::string::npos)
        << refused.error().to_string();
  }

  // A server that takes it (trust authentication ignores the password): path() hides it,
  // and so do the errors of the open store.
  std::string url = fresh();
  url.replace(url.find("khe@"), 4, "khe:secret@");
  auto open = Store::open(url);
  ASSERT_TRUE(open.ok()) << open.error().to_string();
  EXPECT_EQ((*open)->path().find("secret"), std::string::npos) << (*open)->path();
  EXPECT_NE((*open)->path().find("khe:***@"), std::string::npos) << (*open)->path();
  ASSERT_TRUE(backend().raw_exec(url, "DROP TABLE audit").ok);
  auto failed = (*open)->append_audit(audit_record("card", "p1", at()));
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().where, (*open)->path());
  EXPECT_EQ(failed.error().to_string().find("secret"), std::string::npos);
}

TEST_F(StorePoolPostgres, PoolSizeMustBeAWholeNumberFromOneTo64) {
  const std::string db = fresh();
  for (const std::string bad : {"0", "abc", "65", "-1", "", "1x", "9999"}) {
    auto s = Store::open(db + "?pool_size=" + bad);
    ASSERT_FALSE(s.ok()) << bad;
    EXPECT_NE(s.error().message.find("pool_size"), std::string::npos) << s.error().message;
  }
  // Refused before connecting: nothing was created.
  EXPECT_EQ(backend().raw_text(db, "SELECT to_regclass('schema_migrations') IS NULL"), "t");

  // One connection, shared by four threads: every call waits its turn.
  auto one = Store::open(db + "?pool_size=1&connect_timeout=5");
  ASSERT_TRUE(one.ok()) << one.error().to_string();
  EXPECT_EQ((*one)->path(), db + "?pool_size=1&connect_timeout=5");
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 10; ++i) {
        if (!(*one)->append_audit(audit_record("card", "p" + std::to_string(t), at(i))).ok()) {
          failures.fetch_add(1);
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(
      backend().raw_scalar(db, "SELECT count(*) FROM pg_stat_activity WHERE datname = '" +
                                   testing::database_of(db) + "' AND application_name = 'khe'"),
      1);
  EXPECT_EQ((*one)->verify_audit().value().entries, 40);
}

TEST_F(StoreOpenPostgres, MissingDatabaseIsAnErrorNamingTheUrl) {
  const std::string db = fresh() + "_never_created";
  auto s = Store::open(db);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().where, db);
  EXPECT_NE(s.error().message.find("cannot connect"), std::string::npos) << s.error().message;
}

// The store's sessions on `db` (application_name khe) in pg_stat_activity, with `where`.
std::string khe_sessions(const std::string& db, const std::string& where = "true") {
  return "SELECT count(*) FROM pg_stat_activity WHERE datname = '" + testing::database_of(db) +
         "' AND application_name = 'khe' AND " + where;
}

TEST_F(StorePoolPostgres, ConnectionsTheServerEndedAreReplacedWithoutAnError) {
  // A server restart, a failover or an idle timeout ends every idle connection of the
  // pool at once; the next calls must not fail for it.
  const std::string db = fresh();
  auto s = open_or_die(db);

  // Four connections in the pool: four appends wait together behind a lock that another
  // session holds, until all four are waiting.
  PGconn* locker = PQconnectdb(db.c_str());
  ASSERT_EQ(PQstatus(locker), CONNECTION_OK) << PQerrorMessage(locker);
  PQclear(PQexec(locker, "BEGIN"));
  PGresult* locked = PQexec(locker, "LOCK TABLE audit IN ACCESS EXCLUSIVE MODE");
  ASSERT_EQ(PQresultStatus(locked), PGRES_COMMAND_OK) << PQerrorMessage(locker);
  PQclear(locked);
  constexpr int kWaiters = 4;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kWaiters; ++t) {
    threads.emplace_back([&, t] {
      if (!s->append_audit(audit_record("card", "p" + std::to_string(t), at(t))).ok()) {
        failures.fetch_add(1);
      }
    });
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  std::int64_t waiting = 0;
  while ((waiting = backend().raw_scalar(db, khe_sessions(db, "wait_event_type = 'Lock'"))) <
             kWaiters &&
         std::chrono::steady_clock::now() < deadline) {
  }
  EXPECT_EQ(waiting, kWaiters);
  PQclear(PQexec(locker, "COMMIT"));
  PQfinish(locker);
  for (auto& th : threads) th.join();
  ASSERT_EQ(failures.load(), 0);
  ASSERT_EQ(backend().raw_scalar(db, khe_sessions(db)), kWaiters);

  // The server ends them all.
  ASSERT_EQ(backend().raw_scalar(db,
                                 "SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM"
                                 " pg_stat_activity WHERE datname = '" +
                                     testing::database_of(db) +
                                     "' AND application_name = 'khe') AS ended"),
            kWaiters);
  auto ping = s->ping();
  EXPECT_TRUE(ping.ok()) << ping.error().to_string();
  auto seq = s->append_audit(audit_record("card", "p9", at(9)));
  ASSERT_TRUE(seq.ok()) << seq.error().to_string();
  EXPECT_EQ(*seq, kWaiters + 1);
  auto check = s->verify_audit();
  ASSERT_TRUE(check.ok()) << check.error().to_string();
  EXPECT_TRUE(check->intact());
}

}  // namespace
}  // namespace khe::store

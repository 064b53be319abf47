// The store on real files: opening and migrations, connection settings, patients and their
// resources, id validation and injection attempts, feedback idempotency.
#include <sys/stat.h>

#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "store/ids.h"
#include "store/store.h"
#include "store/store_test_util.h"

namespace khe::store {
namespace {

using testing::at;
using testing::audit_record;
using testing::make_temp_dir;
using testing::observation_json;
using testing::open_or_die;
using testing::patient_json;
using testing::RawDb;

// ---- Opening and migrations -------------------------------------------------------------

TEST(StoreOpen, MigratesOnceAndReopensIdempotently) {
  const std::string db = make_temp_dir("open") + "/khe.db";
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
  }
  RawDb raw(db);
  EXPECT_EQ(raw.scalar("SELECT count(*) FROM schema_migrations"), Store::schema_version());
  EXPECT_EQ(raw.scalar("SELECT max(version) FROM schema_migrations"), Store::schema_version());
}

TEST(StoreOpen, SetsWalFullSyncForeignKeysAndBusyTimeout) {
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

TEST(StoreOpen, NewFileIsPrivateToItsOwner) {
  const std::string db = make_temp_dir("mode") + "/khe.db";
  auto s = open_or_die(db);
  struct stat st {};
  ASSERT_EQ(::stat(db.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST(StoreOpen, RefusesNewerSchemaVersion) {
  const std::string db = make_temp_dir("newer") + "/khe.db";
  { open_or_die(db); }
  {
    RawDb raw(db);
    ASSERT_EQ(raw.exec("INSERT INTO schema_migrations (version, name) VALUES (99, 'future')"),
              SQLITE_OK);
  }
  for (bool read_only : {false, true}) {
    auto s = Store::open(db, {.create_if_missing = true, .read_only = read_only});
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().where, db);
    EXPECT_NE(s.error().message.find("schema version 99 is newer"), std::string::npos)
        << s.error().message;
  }
  RawDb raw(db);  // nothing was changed
  EXPECT_EQ(raw.scalar("SELECT max(version) FROM schema_migrations"), 99);
}

TEST(StoreOpen, RefusesSqliteFileThatIsNotAStoreWithoutTouchingIt) {
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

TEST(StoreOpen, MissingOrGarbageFilesAreErrorsNamingTheFile) {
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

TEST(StoreOpen, ConcurrentFirstOpensMigrateExactlyOnce) {
  const std::string db = make_temp_dir("race") + "/khe.db";
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
  RawDb raw(db);
  EXPECT_EQ(raw.scalar("SELECT count(*) FROM schema_migrations"), Store::schema_version());
}

TEST(StoreOpen, ReadOnlyStoreReadsButRefusesWrites) {
  const std::string db = make_temp_dir("ro") + "/khe.db";
  {
    auto s = open_or_die(db);
    ASSERT_TRUE(s->create_patient("p1", patient_json("p1"), at()).value());
  }
  auto ro = Store::open(db, {.create_if_missing = false, .read_only = true});
  ASSERT_TRUE(ro.ok()) << ro.error().to_string();
  auto list = (*ro)->list_patients();
  ASSERT_TRUE(list.ok());
  EXPECT_EQ(list->size(), 1u);
  EXPECT_FALSE((*ro)->create_patient("p2", patient_json("p2"), at()).ok());
  EXPECT_FALSE((*ro)->append_audit(audit_record("card", "p1", at())).ok());
}

// ---- Patients and resources ---------------------------------------------------------------

TEST(StorePatients, ResourcesRoundTripInInsertionOrderAndReplaceInPlace) {
  auto s = open_or_die(make_temp_dir("resources") + "/khe.db");
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

TEST(StorePatients, ResourceOfUnknownPatientIsNotStoredNorAudited) {
  const std::string db = make_temp_dir("orphan") + "/khe.db";
  auto s = open_or_die(db);
  auto r = s->put_resource("ghost", "Observation", "o1", observation_json("o1"), at(),
                           audit_record("write", "ghost", at()));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, PutOutcome::no_such_patient);
  RawDb raw(db);
  EXPECT_EQ(raw.scalar("SELECT count(*) FROM resources"), 0);
  EXPECT_EQ(raw.scalar("SELECT count(*) FROM audit"), 0);
}

TEST(StorePatients, ListIsOrderedById) {
  auto s = open_or_die(make_temp_dir("list") + "/khe.db");
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

TEST(StorePatients, DeleteCascadesToResourcesAndKeepsAudit) {
  const std::string db = make_temp_dir("delete") + "/khe.db";
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

  RawDb raw(db);
  EXPECT_EQ(raw.scalar("SELECT count(*) FROM resources WHERE patient_id = 'p1'"), 0);
  EXPECT_EQ(raw.scalar("SELECT count(*) FROM audit WHERE patient_id = 'p1'"), 6);
  auto check = s->verify_audit();
  ASSERT_TRUE(check.ok());
  EXPECT_TRUE(check->intact());
  EXPECT_EQ(check->entries, 6);
}

TEST(StorePatients, BatchIsAllOrNothing) {
  const std::string db = make_temp_dir("batch") + "/khe.db";
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
  RawDb raw(db);
  EXPECT_EQ(raw.scalar("SELECT count(*) FROM audit"), 1);  // one entry for the one write
}

TEST(StorePatients, InvalidIdsAreRefusedWithoutQuotingThem) {
  auto s = open_or_die(make_temp_dir("ids") + "/khe.db");
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

TEST(StorePatients, JsonMustMatchItsKeyAndBeWellFormed) {
  auto s = open_or_die(make_temp_dir("json") + "/khe.db");
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

TEST(StorePatients, InjectionStringsInValuesAreStoredVerbatim) {
  const std::string db = make_temp_dir("inject") + "/khe.db";
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
  RawDb raw(db);
  EXPECT_EQ(raw.scalar("SELECT count(*) FROM resources"), 1);
  EXPECT_EQ(raw.scalar("SELECT count(*) FROM feedback"), 1);
  EXPECT_EQ(raw.scalar("SELECT count(*) FROM patients"), 1);
}

// ---- Feedback -----------------------------------------------------------------------------

TEST(StoreFeedback, RepeatsAreIdempotent) {
  const std::string db = make_temp_dir("feedback") + "/khe.db";
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

TEST(StoreFeedback, BadArgumentsAreRefused) {
  auto s = open_or_die(make_temp_dir("feedback-bad") + "/khe.db");
  EXPECT_EQ(s->put_feedback("khe kmp", "k", "{}", at()).error().where, "service_id");
  EXPECT_EQ(s->put_feedback("khe-kmp", "", "{}", at()).error().where, "feedback_key");
  EXPECT_EQ(s->put_feedback("khe-kmp", std::string(513, 'k'), "{}", at()).error().where,
            "feedback_key");
  EXPECT_EQ(s->put_feedback("khe-kmp", "k", "{oops", at()).error().where, "json");
  EXPECT_EQ(s->put_feedback("khe-kmp", "k", "", at()).error().where, "json");
  EXPECT_TRUE(s->feedback("khe-kmp").value().empty());
}

}  // namespace
}  // namespace khe::store

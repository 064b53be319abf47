// The audit log: the chain hash (against an independent computation), append-only
// triggers, and tampering by someone who drops the triggers through a raw SQLite handle.
#include <openssl/sha.h>

#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "store/audit.h"
#include "store/store.h"
#include "store/store_test_util.h"

namespace khe::store {
namespace {

using testing::at;
using testing::audit_record;
using testing::make_temp_dir;
using testing::open_or_die;
using testing::RawDb;

using testing::reference_sha256;  // OpenSSL one-shot, independent of the store's EVP code

std::string be64_field(const std::string& s) {
  std::string out(8, '\0');
  std::uint64_t n = s.size();
  for (int i = 7; i >= 0; --i, n >>= 8) out[static_cast<std::size_t>(i)] = char(n & 0xFF);
  return out + s;
}

// A store with `n` audit entries (seq 1..n), each for patient "p<i % 7>".
std::unique_ptr<Store> store_with_entries(const std::string& db, int n) {
  auto s = open_or_die(db);
  for (int i = 1; i <= n; ++i) {
    auto seq = s->append_audit(
        audit_record(i % 2 ? "evaluation" : "card", "p" + std::to_string(i % 7), at(i)));
    EXPECT_TRUE(seq.ok());
    EXPECT_EQ(seq.ok() ? *seq : -1, i);
  }
  return s;
}

AuditCheck verify(Store& s) {
  auto c = s.verify_audit();
  EXPECT_TRUE(c.ok()) << (c.ok() ? "" : c.error().to_string());
  return c.ok() ? *c : AuditCheck{};
}

TEST(AuditChain, HashIsTheDocumentedEncoding) {
  const AuditFields f{"2026-08-03T12:00:00Z", "card", "ehr-1", "p1", "", "2026.08", "default", ""};
  std::string bytes(kGenesisHash);
  for (const std::string& field :
       {std::string("khe-audit/1"), std::string("1"), std::string(f.time), std::string(f.kind),
        std::string(f.caller), std::string(f.patient_id), std::string(f.input_sha256),
        std::string(f.knowledge_version), std::string(f.profile), std::string(f.report_sha256)}) {
    bytes += be64_field(field);
  }
  const std::string h1 = chain_hash(kGenesisHash, 1, f);
  EXPECT_EQ(h1, reference_sha256(bytes));
  EXPECT_EQ(h1.size(), 64u);
  EXPECT_NE(chain_hash(h1, 2, f), chain_hash(kGenesisHash, 2, f));  // depends on the link
  EXPECT_NE(chain_hash(kGenesisHash, 2, f), h1);                    // and on seq
}

TEST(AuditChain, FieldBoundariesCannotBeShifted) {
  const AuditFields a{"t", "card", "ab", "c", "", "", "", ""};
  const AuditFields b{"t", "card", "a", "bc", "", "", "", ""};
  const AuditFields c{"t", "card", "abc", "", "", "", "", ""};
  EXPECT_NE(chain_hash(kGenesisHash, 1, a), chain_hash(kGenesisHash, 1, b));
  EXPECT_NE(chain_hash(kGenesisHash, 1, a), chain_hash(kGenesisHash, 1, c));
  EXPECT_NE(chain_hash(kGenesisHash, 1, b), chain_hash(kGenesisHash, 1, c));
}

TEST(AuditLog, EmptyLogIsIntact) {
  auto s = open_or_die(make_temp_dir("empty") + "/khe.db");
  const AuditCheck c = verify(*s);
  EXPECT_TRUE(c.intact());
  EXPECT_EQ(c.entries, 0);
  EXPECT_EQ(c.head, kGenesisHash);
}

TEST(AuditLog, HundredEntriesChainAndRoundTrip) {
  const std::string db = make_temp_dir("hundred") + "/khe.db";
  auto s = store_with_entries(db, 100);
  const AuditCheck c = verify(*s);
  EXPECT_TRUE(c.intact()) << c.why;
  EXPECT_EQ(c.entries, 100);
  EXPECT_FALSE(c.first_bad_seq.has_value());

  auto all = s->audit_entries(0, 1000);
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 100u);
  std::string prev(kGenesisHash);
  for (std::size_t i = 0; i < all->size(); ++i) {
    const AuditEntry& e = (*all)[i];
    const int n = static_cast<int>(i) + 1;
    EXPECT_EQ(e.seq, n);
    const AuditRecord want =
        audit_record(n % 2 ? "evaluation" : "card", "p" + std::to_string(n % 7), at(n));
    EXPECT_EQ(e.record.time, want.time);
    EXPECT_EQ(e.record.kind, want.kind);
    EXPECT_EQ(e.record.patient_id, want.patient_id);
    EXPECT_EQ(e.record.input_sha256, want.input_sha256);
    EXPECT_EQ(e.record.report_sha256, want.report_sha256);
    const std::string time = format_instant(e.record.time);
    EXPECT_EQ(e.hash, chain_hash(prev, e.seq,
                                 {time, e.record.kind, e.record.caller, e.record.patient_id,
                                  e.record.input_sha256, e.record.knowledge_version,
                                  e.record.profile, e.record.report_sha256}));
    prev = e.hash;
  }
  EXPECT_EQ(c.head, prev);
  auto page = s->audit_entries(95, 3);
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->size(), 3u);
  EXPECT_EQ(page->front().seq, 96);
}

TEST(AuditLog, InvalidRecordsAreRefusedAndNotAppended) {
  auto s = open_or_die(make_temp_dir("invalid") + "/khe.db");
  auto base = audit_record("evaluation", "p1", at());
  std::vector<std::pair<std::string, AuditRecord>> cases;
  auto r = base;
  r.kind = "delete";
  cases.emplace_back("audit.kind", r);
  r = base;
  r.patient_id = "x'; DROP TABLE audit; --";
  cases.emplace_back("audit.patient_id", r);
  r = base;
  r.input_sha256 = "ABCDEF";
  cases.emplace_back("audit.input_sha256", r);
  r = base;
  r.report_sha256 = std::string(64, 'g');
  cases.emplace_back("audit.report_sha256", r);
  r = base;
  r.caller = "evil\nforged line";
  cases.emplace_back("audit.caller", r);
  r = base;
  r.profile = std::string(129, 'p');
  cases.emplace_back("audit.profile", r);
  for (const auto& [where, record] : cases) {
    auto seq = s->append_audit(record);
    ASSERT_FALSE(seq.ok()) << where;
    EXPECT_EQ(seq.error().where, where);
  }
  auto empty_fields = base;  // empty optional fields are fine
  empty_fields.patient_id = empty_fields.input_sha256 = empty_fields.report_sha256 = "";
  empty_fields.kind = "feedback";
  EXPECT_EQ(s->append_audit(empty_fields).value(), 1);
  EXPECT_EQ(verify(*s).entries, 1);
}

TEST(AuditLog, BatchAppendsChainInOrderAndIsAllOrNothing) {
  auto s = open_or_die(make_temp_dir("batch") + "/khe.db");
  EXPECT_EQ(s->append_audits({}).value(), 0);
  std::vector<AuditRecord> batch;
  for (int i = 1; i <= 5; ++i)
    batch.push_back(audit_record("card", "p" + std::to_string(i), at(i)));
  EXPECT_EQ(s->append_audits(batch).value(), 5);
  EXPECT_EQ(s->append_audit(audit_record("evaluation", "p9", at(9))).value(), 6);

  auto bad = batch;
  bad[3].kind = "delete";  // one invalid record: none of the batch is appended
  auto refused = s->append_audits(bad);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().where, "audit.kind");
  const AuditCheck c = verify(*s);
  EXPECT_TRUE(c.intact());
  EXPECT_EQ(c.entries, 6);
  auto entries = s->audit_entries(0, 10).value();
  ASSERT_EQ(entries.size(), 6u);
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(entries[static_cast<std::size_t>(i)].record.patient_id, "p" + std::to_string(i + 1));
  }
}

TEST(AuditLog, TriggersRefuseUpdateDeleteAndOutOfSequenceInsert) {
  const std::string db = make_temp_dir("triggers") + "/khe.db";
  auto s = store_with_entries(db, 10);
  RawDb raw(db);
  std::string msg;
  EXPECT_EQ(raw.exec("UPDATE audit SET caller = 'mallory' WHERE seq = 3", &msg), SQLITE_CONSTRAINT);
  EXPECT_NE(msg.find("append-only"), std::string::npos) << msg;
  EXPECT_EQ(raw.exec("DELETE FROM audit WHERE seq = 10", &msg), SQLITE_CONSTRAINT);
  EXPECT_NE(msg.find("append-only"), std::string::npos) << msg;
  EXPECT_EQ(raw.exec("DELETE FROM audit", &msg), SQLITE_CONSTRAINT);
  EXPECT_EQ(
      raw.exec("INSERT INTO audit VALUES (50, 't', 'card', '', '', '', '', '', '', '', '')", &msg),
      SQLITE_CONSTRAINT);
  EXPECT_EQ(
      raw.exec("INSERT INTO audit VALUES (5, 't', 'card', '', '', '', '', '', '', '', '')", &msg),
      SQLITE_CONSTRAINT);
  EXPECT_EQ(raw.scalar("SELECT count(*) FROM audit"), 10);
  EXPECT_EQ(raw.text("SELECT caller FROM audit WHERE seq = 3"), "test-client");
  const AuditCheck c = verify(*s);
  EXPECT_TRUE(c.intact());
  EXPECT_EQ(c.entries, 10);
}

TEST(AuditTamper, ChangedFieldIsFoundAtItsEntry) {
  const std::string db = make_temp_dir("changed") + "/khe.db";
  auto s = store_with_entries(db, 100);
  RawDb raw(db);
  ASSERT_EQ(raw.exec("DROP TRIGGER audit_append_only_update"), SQLITE_OK);
  ASSERT_EQ(raw.exec("UPDATE audit SET profile = 'other' WHERE seq = 37"), SQLITE_OK);
  const AuditCheck c = verify(*s);
  EXPECT_FALSE(c.intact());
  ASSERT_TRUE(c.first_bad_seq.has_value());
  EXPECT_EQ(*c.first_bad_seq, 37);
  EXPECT_EQ(c.entries, 100);
  EXPECT_NE(c.why.find("field was changed"), std::string::npos) << c.why;
  EXPECT_EQ(c.why.find("other"), std::string::npos);  // no values in the explanation
}

TEST(AuditTamper, ChangedTimeOrHashColumnIsFound) {
  const std::string db = make_temp_dir("changed-time") + "/khe.db";
  auto s = store_with_entries(db, 20);
  RawDb raw(db);
  ASSERT_EQ(raw.exec("DROP TRIGGER audit_append_only_update"), SQLITE_OK);
  ASSERT_EQ(raw.exec("UPDATE audit SET time = '2020-01-01T00:00:00Z' WHERE seq = 12"), SQLITE_OK);
  EXPECT_EQ(verify(*s).first_bad_seq, 12);
  ASSERT_EQ(raw.exec("UPDATE audit SET hash = prev_hash WHERE seq = 4"), SQLITE_OK);
  EXPECT_EQ(verify(*s).first_bad_seq, 4);
}

TEST(AuditTamper, RehashedEntryBreaksTheNextLink) {
  // The forger knows the algorithm and rewrites entry 37 with a correct hash for its new
  // contents: entry 38 no longer links to it.
  const std::string db = make_temp_dir("rehash") + "/khe.db";
  auto s = store_with_entries(db, 100);
  auto entries = s->audit_entries(36, 1).value();
  ASSERT_EQ(entries.size(), 1u);
  const AuditEntry& e = entries[0];
  const std::string prev = s->audit_entries(35, 1).value()[0].hash;
  const std::string time = format_instant(e.record.time);
  const std::string forged =
      chain_hash(prev, 37,
                 {time, e.record.kind, "mallory", e.record.patient_id, e.record.input_sha256,
                  e.record.knowledge_version, e.record.profile, e.record.report_sha256});
  RawDb raw(db);
  ASSERT_EQ(raw.exec("DROP TRIGGER audit_append_only_update"), SQLITE_OK);
  ASSERT_EQ(raw.exec("UPDATE audit SET caller = 'mallory', hash = '" + forged + "' WHERE seq = 37"),
            SQLITE_OK);
  const AuditCheck c = verify(*s);
  ASSERT_TRUE(c.first_bad_seq.has_value());
  EXPECT_EQ(*c.first_bad_seq, 38);
  EXPECT_NE(c.why.find("does not link"), std::string::npos) << c.why;
}

TEST(AuditTamper, DeletedEntryIsASequenceGap) {
  const std::string db = make_temp_dir("deleted") + "/khe.db";
  auto s = store_with_entries(db, 100);
  RawDb raw(db);
  ASSERT_EQ(raw.exec("DROP TRIGGER audit_append_only_delete"), SQLITE_OK);
  ASSERT_EQ(raw.exec("DELETE FROM audit WHERE seq = 50"), SQLITE_OK);
  const AuditCheck c = verify(*s);
  ASSERT_TRUE(c.first_bad_seq.has_value());
  EXPECT_EQ(*c.first_bad_seq, 50);
  EXPECT_EQ(c.entries, 99);
  EXPECT_NE(c.why.find("missing"), std::string::npos) << c.why;
}

TEST(AuditTamper, DeletedFirstEntryIsFound) {
  const std::string db = make_temp_dir("deleted-first") + "/khe.db";
  auto s = store_with_entries(db, 5);
  RawDb raw(db);
  ASSERT_EQ(raw.exec("DROP TRIGGER audit_append_only_delete"), SQLITE_OK);
  ASSERT_EQ(raw.exec("DELETE FROM audit WHERE seq = 1"), SQLITE_OK);
  EXPECT_EQ(verify(*s).first_bad_seq, 1);
}

TEST(AuditTamper, DeletedAndRenumberedEntriesAreFound) {
  // Delete entry 50 and renumber the rest to close the gap: 50 (old 51) does not link.
  const std::string db = make_temp_dir("renumber") + "/khe.db";
  auto s = store_with_entries(db, 100);
  RawDb raw(db);
  ASSERT_EQ(raw.exec("DROP TRIGGER audit_append_only_delete"), SQLITE_OK);
  ASSERT_EQ(raw.exec("DROP TRIGGER audit_append_only_update"), SQLITE_OK);
  ASSERT_EQ(raw.exec("DELETE FROM audit WHERE seq = 50"), SQLITE_OK);
  ASSERT_EQ(raw.exec("UPDATE audit SET seq = seq + 1000 WHERE seq > 50"), SQLITE_OK);
  ASSERT_EQ(raw.exec("UPDATE audit SET seq = seq - 1001 WHERE seq > 1000"), SQLITE_OK);
  const AuditCheck c = verify(*s);
  EXPECT_EQ(c.entries, 99);
  ASSERT_TRUE(c.first_bad_seq.has_value());
  EXPECT_EQ(*c.first_bad_seq, 50);
}

TEST(AuditTamper, SwappedEntriesAreFound) {
  const std::string db = make_temp_dir("swapped") + "/khe.db";
  auto s = store_with_entries(db, 100);
  RawDb raw(db);
  ASSERT_EQ(raw.exec("DROP TRIGGER audit_append_only_update"), SQLITE_OK);
  ASSERT_EQ(raw.exec("UPDATE audit SET seq = -20 WHERE seq = 20;"
                     "UPDATE audit SET seq = 20 WHERE seq = 21;"
                     "UPDATE audit SET seq = 21 WHERE seq = -20;"),
            SQLITE_OK);
  const AuditCheck c = verify(*s);
  ASSERT_TRUE(c.first_bad_seq.has_value());
  EXPECT_EQ(*c.first_bad_seq, 20);
  EXPECT_EQ(c.entries, 100);
  EXPECT_NE(c.why.find("reordered"), std::string::npos) << c.why;
}

TEST(AuditTamper, InsertedEntriesAreFound) {
  const std::string db = make_temp_dir("inserted") + "/khe.db";
  auto s = store_with_entries(db, 100);
  RawDb raw(db);
  ASSERT_EQ(raw.exec("DROP TRIGGER audit_append_only_update"), SQLITE_OK);
  ASSERT_EQ(raw.exec("DROP TRIGGER audit_append_only_insert"), SQLITE_OK);
  // Make room at 61 and insert a well-formed entry that links to 60: entry 62 (the old 61)
  // no longer links.
  ASSERT_EQ(raw.exec("UPDATE audit SET seq = seq + 1000 WHERE seq >= 61;"
                     "UPDATE audit SET seq = seq - 999 WHERE seq >= 1000;"),
            SQLITE_OK);
  const std::string prev = raw.text("SELECT hash FROM audit WHERE seq = 60");
  const std::string forged = chain_hash(
      prev, 61, {"2026-08-03T12:01:00Z", "card", "mallory", "p1", "", "2026.08", "default", ""});
  ASSERT_EQ(raw.exec("INSERT INTO audit VALUES (61, '2026-08-03T12:01:00Z', 'card', 'mallory',"
                     " 'p1', '', '2026.08', 'default', '', '" +
                     prev + "', '" + forged + "')"),
            SQLITE_OK);
  AuditCheck c = verify(*s);
  EXPECT_EQ(c.entries, 101);
  ASSERT_TRUE(c.first_bad_seq.has_value());
  EXPECT_EQ(*c.first_bad_seq, 62);

  // An entry appended at the end without a valid hash.
  const std::string db2 = make_temp_dir("appended") + "/khe.db";
  auto s2 = store_with_entries(db2, 10);
  RawDb raw2(db2);
  ASSERT_EQ(raw2.exec("INSERT INTO audit VALUES (11, 't', 'card', '', '', '', '', '', '',"
                      " (SELECT hash FROM audit WHERE seq = 10), 'feed')"),
            SQLITE_OK);  // the insert trigger allows the next seq: only the chain catches it
  c = verify(*s2);
  ASSERT_TRUE(c.first_bad_seq.has_value());
  EXPECT_EQ(*c.first_bad_seq, 11);
}

TEST(AuditTamper, DroppedTriggersAloneMakeTheLogUntrusted) {
  const std::string db = make_temp_dir("guards") + "/khe.db";
  auto s = store_with_entries(db, 5);
  RawDb raw(db);
  ASSERT_EQ(raw.exec("DROP TRIGGER audit_append_only_delete"), SQLITE_OK);
  const AuditCheck c = verify(*s);
  EXPECT_FALSE(c.first_bad_seq.has_value());
  EXPECT_FALSE(c.guards_present);
  EXPECT_FALSE(c.intact());
  EXPECT_NE(c.why.find("triggers"), std::string::npos);
}

TEST(AuditLog, ConcurrentAppendersNeverForkTheChain) {
  // Two connections (as two processes would have), two threads each.
  const std::string db = make_temp_dir("concurrent") + "/khe.db";
  auto a = open_or_die(db);
  auto b = open_or_die(db);
  std::vector<std::thread> threads;
  std::vector<int> failures(4, 0);
  for (int t = 0; t < 4; ++t) {
    Store* s = t % 2 ? a.get() : b.get();
    threads.emplace_back([s, t, &failures] {
      for (int i = 0; i < 25; ++i) {
        if (!s->append_audit(audit_record("card", "p" + std::to_string(t), at(i))).ok()) {
          ++failures[static_cast<std::size_t>(t)];
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int f : failures) EXPECT_EQ(f, 0);
  const AuditCheck c = verify(*a);
  EXPECT_TRUE(c.intact()) << c.why;
  EXPECT_EQ(c.entries, 100);
  EXPECT_EQ(verify(*b).head, c.head);
}

}  // namespace
}  // namespace khe::store

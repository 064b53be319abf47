// The audit log: the chain hash (against an independent computation), then on both
// backends (TEST_P over Backend): append-only triggers, concurrent appenders, and
// tampering by someone who goes around the store and its guards (SQLite: a raw handle that
// drops the triggers; PostgreSQL: psql that disables them).
#include <openssl/sha.h>

#include <atomic>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "store/audit.h"
#include "store/store.h"
#include "store/store_test_util.h"

namespace khe::store {
namespace {

using testing::at;
using testing::audit_record;
using testing::BackendTest;
using testing::open_or_die;
using testing::PostgresTest;
using testing::succeeded;

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

class AuditLog : public BackendTest {};
class AuditTamper : public BackendTest {};
KHE_ON_BOTH_BACKENDS(AuditLog);
KHE_ON_BOTH_BACKENDS(AuditTamper);
class AuditPostgres : public PostgresTest {};

TEST_P(AuditLog, EmptyLogIsIntact) {
  auto s = open_or_die(fresh("empty"));
  const AuditCheck c = verify(*s);
  EXPECT_TRUE(c.intact());
  EXPECT_TRUE(c.guards_present);
  EXPECT_EQ(c.entries, 0);
  EXPECT_EQ(c.head, kGenesisHash);
}

TEST_P(AuditLog, HundredEntriesChainAndRoundTrip) {
  const std::string db = fresh("hundred");
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
  EXPECT_TRUE(s->audit_entries(100, 10).value().empty());
}

TEST_P(AuditLog, InvalidRecordsAreRefusedAndNotAppended) {
  auto s = open_or_die(fresh("invalid"));
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

TEST_P(AuditLog, BatchAppendsChainInOrderAndIsAllOrNothing) {
  auto s = open_or_die(fresh("batch"));
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

TEST_P(AuditLog, TriggersRefuseUpdateDeleteAndOutOfSequenceInsert) {
  const std::string db = fresh("triggers");
  auto s = store_with_entries(db, 10);
  for (const char* sql : {"UPDATE audit SET caller = 'mallory' WHERE seq = 3",
                          "DELETE FROM audit WHERE seq = 10", "DELETE FROM audit"}) {
    const auto r = backend().raw_exec(db, sql);
    EXPECT_FALSE(r.ok) << sql;
    EXPECT_NE(r.message.find("append-only"), std::string::npos) << sql << ": " << r.message;
  }
  for (const char* sql :
       {"INSERT INTO audit VALUES (50, 't', 'card', '', '', '', '', '', '', '', '')",
        "INSERT INTO audit VALUES (5, 't', 'card', '', '', '', '', '', '', '', '')"}) {
    const auto r = backend().raw_exec(db, sql);
    EXPECT_FALSE(r.ok) << sql;
    EXPECT_NE(r.message.find("appended in sequence"), std::string::npos)
        << sql << ": " << r.message;
  }
  EXPECT_EQ(backend().raw_scalar(db, "SELECT count(*) FROM audit"), 10);
  EXPECT_EQ(backend().raw_text(db, "SELECT caller FROM audit WHERE seq = 3"), "test-client");
  const AuditCheck c = verify(*s);
  EXPECT_TRUE(c.intact());
  EXPECT_EQ(c.entries, 10);
}

TEST_P(AuditLog, ConcurrentAppendersNeverForkTheChain) {
  // Two Stores on one database (as two replicas or processes have), two threads each, 100
  // entries per thread in single appends and batches of 3 and 5.
  const std::string db = fresh("concurrent");
  auto a = open_or_die(db);
  auto b = open_or_die(db);
  constexpr int kThreads = 4, kPerThread = 100;
  constexpr int kChunks[] = {1, 3, 1, 5};  // 10 entries a round
  struct Range {
    std::int64_t first, last;
    int thread, first_k;
  };
  std::vector<std::vector<Range>> ranges(kThreads);
  std::vector<std::string> failures(kThreads);
  std::atomic<int> ready{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    Store* s = t % 2 ? a.get() : b.get();
    threads.emplace_back([&, s, t] {
      ready.fetch_add(1);
      while (ready.load() < kThreads) std::this_thread::yield();  // start together
      int k = 0;
      for (int chunk = 0; k < kPerThread; ++chunk) {
        const int n = kChunks[chunk % 4];
        std::vector<AuditRecord> records;
        for (int j = 0; j < n; ++j) {
          AuditRecord r = audit_record("card", "p" + std::to_string(t), at(k + j));
          r.caller = "thread-" + std::to_string(t);
          r.knowledge_version = std::to_string(k + j);  // the thread's own order
          records.push_back(std::move(r));
        }
        auto last = n == 1 ? s->append_audit(records[0]) : s->append_audits(records);
        if (!last) {
          failures[static_cast<std::size_t>(t)] = last.error().to_string();
          return;
        }
        ranges[static_cast<std::size_t>(t)].push_back({*last - n + 1, *last, t, k});
        k += n;
      }
    });
  }
  for (auto& th : threads) th.join();
  for (const std::string& f : failures) EXPECT_EQ(f, "");

  // Every seq 1..N was handed out exactly once, and each batch got consecutive seqs
  // holding its own entries in order.
  constexpr int kTotal = kThreads * kPerThread;
  auto entries = a->audit_entries(0, 10 * kTotal).value();
  ASSERT_EQ(entries.size(), static_cast<std::size_t>(kTotal));
  std::vector<int> handed_out(kTotal + 1, 0);
  for (const auto& thread_ranges : ranges) {
    std::int64_t previous_last = 0;
    for (const Range& r : thread_ranges) {
      EXPECT_GT(r.first, previous_last);  // a thread's appends are in its order
      previous_last = r.last;
      for (std::int64_t seq = r.first; seq <= r.last; ++seq) {
        ASSERT_GE(seq, 1);
        ASSERT_LE(seq, kTotal);
        handed_out[static_cast<std::size_t>(seq)] += 1;
        const AuditEntry& e = entries[static_cast<std::size_t>(seq - 1)];
        EXPECT_EQ(e.seq, seq);
        EXPECT_EQ(e.record.caller, "thread-" + std::to_string(r.thread));
        EXPECT_EQ(e.record.knowledge_version, std::to_string(r.first_k + (seq - r.first)));
      }
    }
  }
  for (int seq = 1; seq <= kTotal; ++seq) {
    EXPECT_EQ(handed_out[static_cast<std::size_t>(seq)], 1) << "seq " << seq;
  }
  const AuditCheck c = verify(*a);
  EXPECT_TRUE(c.intact()) << c.why;
  EXPECT_EQ(c.entries, kTotal);
  EXPECT_EQ(verify(*b).head, c.head);
}

TEST_P(AuditLog, LongLogIsVerifiedToItsLastEntry) {
  // Longer than one batch of the PostgreSQL verifier's cursor (10000 rows): the entries
  // after the first batch are checked too.
  const std::string db = fresh("long");
  auto s = open_or_die(db);
  constexpr int kEntries = 10001;
  std::vector<AuditRecord> records;
  for (int i = 1; i <= kEntries; ++i) {
    records.push_back(audit_record("evaluation", "p" + std::to_string(i % 7), at(i)));
  }
  ASSERT_EQ(s->append_audits(records).value(), kEntries);
  AuditCheck c = verify(*s);
  EXPECT_TRUE(c.intact()) << c.why;
  EXPECT_EQ(c.entries, kEntries);
  EXPECT_EQ(c.head, s->audit_entries(kEntries - 1, 1).value().at(0).hash);
  ASSERT_TRUE(succeeded(backend().tamper_audit(
      db, "UPDATE audit SET caller = 'mallory' WHERE seq = " + std::to_string(kEntries))));
  c = verify(*s);
  EXPECT_EQ(c.first_bad_seq, kEntries);
  EXPECT_EQ(c.entries, kEntries);
}

// ---- Tampering: the attacker takes the guards away, changes the log, and (unless said
// otherwise) puts the guards back, so that only the change itself is left to find.

TEST_P(AuditTamper, ChangedFieldIsFoundAtItsEntry) {
  const std::string db = fresh("changed");
  auto s = store_with_entries(db, 100);
  ASSERT_TRUE(
      succeeded(backend().tamper_audit(db, "UPDATE audit SET profile = 'other' WHERE seq = 37")));
  const AuditCheck c = verify(*s);
  EXPECT_FALSE(c.intact());
  EXPECT_TRUE(c.guards_present);
  ASSERT_TRUE(c.first_bad_seq.has_value());
  EXPECT_EQ(*c.first_bad_seq, 37);
  EXPECT_EQ(c.entries, 100);
  EXPECT_NE(c.why.find("field was changed"), std::string::npos) << c.why;
  EXPECT_EQ(c.why.find("other"), std::string::npos);  // no values in the explanation
}

TEST_P(AuditTamper, ChangedTimeOrHashColumnIsFound) {
  const std::string db = fresh("changed-time");
  auto s = store_with_entries(db, 20);
  ASSERT_TRUE(succeeded(
      backend().tamper_audit(db, "UPDATE audit SET time = '2020-01-01T00:00:00Z' WHERE seq = 12")));
  EXPECT_EQ(verify(*s).first_bad_seq, 12);
  ASSERT_TRUE(
      succeeded(backend().tamper_audit(db, "UPDATE audit SET hash = prev_hash WHERE seq = 4")));
  const AuditCheck c = verify(*s);
  EXPECT_EQ(c.first_bad_seq, 4);
  EXPECT_TRUE(c.guards_present);
}

TEST_P(AuditTamper, RehashedEntryBreaksTheNextLink) {
  // The forger knows the algorithm and rewrites entry 37 with a correct hash for its new
  // contents: entry 38 no longer links to it.
  const std::string db = fresh("rehash");
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
  ASSERT_TRUE(succeeded(backend().tamper_audit(
      db, "UPDATE audit SET caller = 'mallory', hash = '" + forged + "' WHERE seq = 37")));
  const AuditCheck c = verify(*s);
  ASSERT_TRUE(c.first_bad_seq.has_value());
  EXPECT_EQ(*c.first_bad_seq, 38);
  EXPECT_TRUE(c.guards_present);
  EXPECT_NE(c.why.find("does not link"), std::string::npos) << c.why;
}

TEST_P(AuditTamper, DeletedEntryIsASequenceGap) {
  const std::string db = fresh("deleted");
  auto s = store_with_entries(db, 100);
  ASSERT_TRUE(succeeded(backend().tamper_audit(db, "DELETE FROM audit WHERE seq = 50")));
  const AuditCheck c = verify(*s);
  ASSERT_TRUE(c.first_bad_seq.has_value());
  EXPECT_EQ(*c.first_bad_seq, 50);
  EXPECT_EQ(c.entries, 99);
  EXPECT_TRUE(c.guards_present);
  EXPECT_NE(c.why.find("missing"), std::string::npos) << c.why;
}

TEST_P(AuditTamper, DeletedFirstEntryIsFound) {
  const std::string db = fresh("deleted-first");
  auto s = store_with_entries(db, 5);
  ASSERT_TRUE(succeeded(backend().tamper_audit(db, "DELETE FROM audit WHERE seq = 1")));
  const AuditCheck c = verify(*s);
  EXPECT_EQ(c.first_bad_seq, 1);
  EXPECT_EQ(c.entries, 4);
}

TEST_P(AuditTamper, DeletedAndRenumberedEntriesAreFound) {
  // Delete entry 50 and renumber the rest to close the gap: 50 (old 51) does not link.
  const std::string db = fresh("renumber");
  auto s = store_with_entries(db, 100);
  ASSERT_TRUE(
      succeeded(backend().tamper_audit(db,
                                       "DELETE FROM audit WHERE seq = 50;"
                                       "UPDATE audit SET seq = seq + 1000 WHERE seq > 50;"
                                       "UPDATE audit SET seq = seq - 1001 WHERE seq > 1000")));
  const AuditCheck c = verify(*s);
  EXPECT_EQ(c.entries, 99);
  ASSERT_TRUE(c.first_bad_seq.has_value());
  EXPECT_EQ(*c.first_bad_seq, 50);
  EXPECT_TRUE(c.guards_present);
}

TEST_P(AuditTamper, SwappedEntriesAreFound) {
  const std::string db = fresh("swapped");
  auto s = store_with_entries(db, 100);
  ASSERT_TRUE(succeeded(backend().tamper_audit(db,
                                               "UPDATE audit SET seq = -20 WHERE seq = 20;"
                                               "UPDATE audit SET seq = 20 WHERE seq = 21;"
                                               "UPDATE audit SET seq = 21 WHERE seq = -20")));
  const AuditCheck c = verify(*s);
  ASSERT_TRUE(c.first_bad_seq.has_value());
  EXPECT_EQ(*c.first_bad_seq, 20);
  EXPECT_EQ(c.entries, 100);
  EXPECT_TRUE(c.guards_present);
  EXPECT_NE(c.why.find("reordered"), std::string::npos) << c.why;
}

TEST_P(AuditTamper, InsertedEntriesAreFound) {
  const std::string db = fresh("inserted");
  auto s = store_with_entries(db, 100);
  // Make room at 61 and insert a well-formed entry that links to 60: entry 62 (the old 61)
  // no longer links.
  const std::string prev = backend().raw_text(db, "SELECT hash FROM audit WHERE seq = 60");
  ASSERT_EQ(prev.size(), 64u);
  const std::string forged = chain_hash(
      prev, 61, {"2026-08-03T12:01:00Z", "card", "mallory", "p1", "", "2026.08", "default", ""});
  ASSERT_TRUE(succeeded(backend().tamper_audit(
      db,
      "UPDATE audit SET seq = seq + 1000 WHERE seq >= 61;"
      "UPDATE audit SET seq = seq - 999 WHERE seq >= 1000;"
      "INSERT INTO audit VALUES (61, '2026-08-03T12:01:00Z', 'card', 'mallory', 'p1', '',"
      " '2026.08', 'default', '', '" +
          prev + "', '" + forged + "')")));
  AuditCheck c = verify(*s);
  EXPECT_EQ(c.entries, 101);
  ASSERT_TRUE(c.first_bad_seq.has_value());
  EXPECT_EQ(*c.first_bad_seq, 62);
  EXPECT_TRUE(c.guards_present);

  // An entry appended at the end without a valid hash: the guards allow the next seq
  // (the attacker needs no tampering), only the chain catches it.
  const std::string db2 = fresh("appended");
  auto s2 = store_with_entries(db2, 10);
  ASSERT_TRUE(succeeded(
      backend().raw_exec(db2,
                         "INSERT INTO audit VALUES (11, 't', 'card', '', '', '', '', '', '',"
                         " (SELECT hash FROM audit WHERE seq = 10), 'feed')")));
  c = verify(*s2);
  ASSERT_TRUE(c.first_bad_seq.has_value());
  EXPECT_EQ(*c.first_bad_seq, 11);
  EXPECT_TRUE(c.guards_present);
}

TEST_P(AuditTamper, DroppedTriggersAloneMakeTheLogUntrusted) {
  for (const char* guard :
       {"audit_append_only_update", "audit_append_only_delete", "audit_append_only_insert"}) {
    const std::string db = fresh("guards");
    auto s = store_with_entries(db, 5);
    ASSERT_TRUE(succeeded(backend().remove_guard(db, guard)));
    const AuditCheck c = verify(*s);
    EXPECT_FALSE(c.first_bad_seq.has_value()) << guard;
    EXPECT_FALSE(c.guards_present) << guard;
    EXPECT_FALSE(c.intact()) << guard;
    EXPECT_NE(c.why.find("triggers"), std::string::npos) << guard << ": " << c.why;
  }
}

TEST_P(AuditTamper, GuardsLeftOffAreFoundWithTheChange) {
  // The attacker does not put the guards back: both the change and the missing guards show.
  const std::string db = fresh("guards-off");
  auto s = store_with_entries(db, 30);
  ASSERT_TRUE(succeeded(backend().remove_guard(db, "audit_append_only_update")));
  ASSERT_TRUE(
      succeeded(backend().raw_exec(db, "UPDATE audit SET patient_id = 'p0' WHERE seq = 17")));
  const AuditCheck c = verify(*s);
  EXPECT_FALSE(c.guards_present);
  EXPECT_EQ(c.first_bad_seq, 17);
  EXPECT_FALSE(c.intact());
  EXPECT_EQ(c.entries, 30);
}

// ---- PostgreSQL only ------------------------------------------------------------------------

TEST_F(AuditPostgres, TruncateOfTheAuditLogIsRefused) {
  const std::string db = fresh();
  auto s = store_with_entries(db, 5);
  const auto r = backend().raw_exec(db, "TRUNCATE audit");
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.message.find("append-only"), std::string::npos) << r.message;
  EXPECT_EQ(backend().raw_scalar(db, "SELECT count(*) FROM audit"), 5);
  EXPECT_TRUE(verify(*s).intact());
}

TEST_F(AuditPostgres, DisabledDroppedOrDefusedGuardsAreFound) {
  const std::vector<std::string> attacks = {
      // Every guard disabled at once, and left so.
      "ALTER TABLE audit DISABLE TRIGGER USER",
      // The TRUNCATE guard (PostgreSQL's own) disabled, or dropped.
      "ALTER TABLE audit DISABLE TRIGGER audit_append_only_truncate",
      "DROP TRIGGER audit_append_only_truncate ON audit",
      "DROP TRIGGER audit_append_only_update ON audit",
      // The triggers stay, but their function no longer refuses anything.
      "CREATE OR REPLACE FUNCTION khe_audit_append_only() RETURNS trigger LANGUAGE plpgsql"
      " AS $$ BEGIN RETURN OLD; END $$",
  };
  for (const std::string& attack : attacks) {
    const std::string db = fresh();
    auto s = store_with_entries(db, 5);
    ASSERT_TRUE(succeeded(backend().raw_exec(db, attack))) << attack;
    const AuditCheck c = verify(*s);
    EXPECT_FALSE(c.guards_present) << attack;
    EXPECT_FALSE(c.first_bad_seq.has_value()) << attack;
    EXPECT_FALSE(c.intact()) << attack;
  }
}

}  // namespace
}  // namespace khe::store

// The SQLite backend of store::Store: one file, WAL, synchronous=FULL. See backend.h for
// what every backend guarantees and README.md for the invariants; SQLite specifics:
//  - BEGIN IMMEDIATE takes the database's single write lock at once, so reading the audit
//    chain's last hash and inserting after it cannot interleave with another writer, in
//    this process or another.
//  - One connection per open store, its calls serialised by a mutex.
#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <utility>

#include "store/backend.h"
#include "store/schema.h"
#include "store/sqlite.h"

namespace khe::store::detail {
namespace {

constexpr int kBusyTimeoutMs = 5000;
constexpr std::chrono::milliseconds kMaxWalRetryPause{50};
// Expired token uses are deleted on every this many-th use_token call.
constexpr std::uint64_t kTokenSweepEvery = 1024;

// ---- Conn: the connection, its statement cache and transactions --------------------------

struct Conn {
  sqlite3* db = nullptr;
  std::string path;
  bool read_only = false;
  std::mutex mu;                  // serialises every call on the connection
  std::uint64_t token_calls = 0;  // use_token calls, for the periodic sweep
  // Keyed by the SQL literal (static storage), prepared once.
  std::unordered_map<std::string_view, sql::Statement> cache;

  ~Conn() {
    cache.clear();  // finalize before closing
    if (db) sqlite3_close_v2(db);
  }

  Error fail(std::string_view what) const {
    return Error{path, std::string(what) + ": " + (db ? sqlite3_errmsg(db) : "out of memory")};
  }

  Result<sql::Statement*> prepare(std::string_view text) {
    auto it = cache.find(text);
    if (it != cache.end()) return &it->second;
    sqlite3_stmt* s = nullptr;
    if (sqlite3_prepare_v3(db, text.data(), static_cast<int>(text.size()),
                           SQLITE_PREPARE_PERSISTENT, &s, nullptr) != SQLITE_OK) {
      sqlite3_finalize(s);
      return fail("preparing a statement");
    }
    return &cache.emplace(text, sql::Statement(s)).first->second;
  }

  // Constant SQL only (no values).
  Result<bool> exec(const char* text, std::string_view what) {
    if (sqlite3_exec(db, text, nullptr, nullptr, nullptr) != SQLITE_OK) return fail(what);
    return true;
  }

  Result<bool> writable() const {
    if (read_only) return Error{path, "the store was opened read-only"};
    return true;
  }
};

using Impl = Conn;

// One write transaction. begin() takes the write lock at once (BEGIN IMMEDIATE), so a
// read-then-write (the audit chain's last hash) cannot interleave with another writer.
// Rolls back on destruction unless committed.
class Transaction {
 public:
  explicit Transaction(Impl& impl) : impl_(impl) {}
  ~Transaction() {
    if (active_ && !sqlite3_get_autocommit(impl_.db)) {
      sqlite3_exec(impl_.db, "ROLLBACK", nullptr, nullptr, nullptr);
    }
  }
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;

  Result<bool> begin() {
    auto r = impl_.exec("BEGIN IMMEDIATE", "starting a transaction");
    active_ = r.ok();
    return r;
  }
  // Durable when OK (synchronous=FULL).
  Result<bool> commit() {
    auto r = impl_.exec("COMMIT", "committing");
    if (r.ok()) active_ = false;
    return r;
  }

 private:
  Impl& impl_;
  bool active_ = false;
};

// Steps a statement that returns no row.
Result<bool> run(Impl& impl, sql::Statement& st, std::string_view what) {
  const int rc = st.step();
  if (rc != SQLITE_DONE && rc != SQLITE_ROW) return impl.fail(what);
  return true;
}

Result<Instant> parse_time(const Impl& impl, std::string_view text) {
  auto t = parse_fhir_datetime(text);
  if (!t) return Error{impl.path, "a stored time is not a valid instant"};
  return t->start;
}

// What SQLite's JSON functions say about a text: well-formed, its type, and (for an object)
// its "resourceType" and "id" when they are strings.
Result<bool> patient_exists(Impl& impl, std::string_view id) {
  auto st = impl.prepare("SELECT 1 FROM patients WHERE id = ?1");
  if (!st) return st.error();
  sql::Use use(**st);
  use->bind(1, id);
  const int rc = use->step();
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return impl.fail("reading a patient");
}

Result<bool> touch_patient(Impl& impl, std::string_view id, std::string_view now) {
  auto st = impl.prepare("UPDATE patients SET updated_at = ?2 WHERE id = ?1");
  if (!st) return st.error();
  sql::Use use(**st);
  use->bind(1, id);
  use->bind(2, now);
  return run(impl, *use, "updating a patient");
}

// Inserts or replaces one resource; the caller holds a transaction and has checked the
// arguments and that the patient exists.
Result<PutOutcome> upsert_resource(Impl& impl, std::string_view patient_id, const Resource& r,
                                   std::string_view now) {
  auto sel = impl.prepare(
      "SELECT seq FROM resources WHERE patient_id = ?1 AND resource_type = ?2 AND"
      " resource_id = ?3");
  if (!sel) return sel.error();
  std::optional<std::int64_t> seq;
  {
    sql::Use use(**sel);
    use->bind(1, patient_id);
    use->bind(2, r.type);
    use->bind(3, r.id);
    const int rc = use->step();
    if (rc == SQLITE_ROW) {
      seq = use->int64(0);
    } else if (rc != SQLITE_DONE) {
      return impl.fail("reading a resource");
    }
  }
  if (seq) {
    auto up = impl.prepare("UPDATE resources SET json = ?2, updated_at = ?3 WHERE seq = ?1");
    if (!up) return up.error();
    sql::Use use(**up);
    use->bind(1, *seq);
    use->bind(2, r.json);
    use->bind(3, now);
    if (auto ok = run(impl, *use, "replacing a resource"); !ok) return ok.error();
    return PutOutcome::replaced;
  }
  auto ins = impl.prepare(
      "INSERT INTO resources (patient_id, resource_type, resource_id, json, created_at,"
      " updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?5)");
  if (!ins) return ins.error();
  sql::Use use(**ins);
  use->bind(1, patient_id);
  use->bind(2, r.type);
  use->bind(3, r.id);
  use->bind(4, r.json);
  use->bind(5, now);
  if (auto ok = run(impl, *use, "inserting a resource"); !ok) return ok.error();
  return PutOutcome::inserted;
}

// Appends one audit entry; the caller holds a write transaction and checked the record.
Result<std::int64_t> append_in_transaction(Impl& impl, const AuditRecord& r) {
  std::int64_t seq = 1;
  std::string prev(kGenesisHash);
  {
    auto last = impl.prepare("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1");
    if (!last) return last.error();
    sql::Use use(**last);
    const int rc = use->step();
    if (rc == SQLITE_ROW) {
      seq = use->int64(0) + 1;
      prev = std::string(use->text(1));
    } else if (rc != SQLITE_DONE) {
      return impl.fail("reading the audit log");
    }
  }
  const std::string time = format_instant(r.time);
  const AuditFields fields{time,         r.kind,         r.caller,
                           r.patient_id, r.input_sha256, r.knowledge_version,
                           r.profile,    r.report_sha256};
  const std::string hash = chain_hash(prev, seq, fields);
  auto ins = impl.prepare(
      "INSERT INTO audit (seq, time, kind, caller, patient_id, input_sha256,"
      " knowledge_version, profile, report_sha256, prev_hash, hash)"
      " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)");
  if (!ins) return ins.error();
  sql::Use use(**ins);
  use->bind(1, seq);
  use->bind(2, fields.time);
  use->bind(3, fields.kind);
  use->bind(4, fields.caller);
  use->bind(5, fields.patient_id);
  use->bind(6, fields.input_sha256);
  use->bind(7, fields.knowledge_version);
  use->bind(8, fields.profile);
  use->bind(9, fields.report_sha256);
  use->bind(10, prev);
  use->bind(11, hash);
  if (auto ok = run(impl, *use, "appending to the audit log"); !ok) return ok.error();
  return seq;
}

// The highest applied migration; 0 for an empty database. Errors for a SQLite file that
// is not a khe store. Whether schema_migrations exists and whether the file holds anything
// else are read in one statement, so one snapshot: read apart, a concurrent first open
// could commit in between and make a new store look foreign.
Result<int> applied_version(Impl& impl) {
  auto st = impl.prepare(
      "SELECT (SELECT count(*) FROM sqlite_master"
      "        WHERE type = 'table' AND name = 'schema_migrations'),"
      "       (SELECT count(*) FROM sqlite_master)");
  if (!st) return st.error();
  bool has_migrations = false;
  {
    sql::Use use(**st);
    if (use->step() != SQLITE_ROW) return impl.fail("reading the schema");
    has_migrations = use->int64(0) != 0;
    if (!has_migrations && use->int64(1) != 0) {
      return Error{impl.path, "not a khe store (a SQLite database without schema_migrations)"};
    }
  }
  if (!has_migrations) return 0;
  // Once created, schema_migrations only grows, so a second statement is safe here.
  auto max = impl.prepare("SELECT IFNULL(MAX(version), 0) FROM schema_migrations");
  if (!max) return max.error();
  sql::Use use(**max);
  if (use->step() != SQLITE_ROW) return impl.fail("reading the schema version");
  return static_cast<int>(use->int64(0));
}

Error newer_schema(const Impl& impl, int found) {
  return Error{impl.path, "schema version " + std::to_string(found) +
                              " is newer than this program supports (" +
                              std::to_string(Store::schema_version()) + "); use a newer khe"};
}

// Applies every missing migration, each in its own transaction. Safe against a concurrent
// opener: the version is read again under the write lock.
Result<bool> migrate(Impl& impl) {
  const auto all = schema::migrations();
  for (;;) {
    auto seen = applied_version(impl);
    if (!seen) return seen.error();
    if (*seen > Store::schema_version()) return newer_schema(impl, *seen);
    if (*seen == Store::schema_version()) return true;

    Transaction tx(impl);
    if (auto ok = tx.begin(); !ok) return ok.error();
    auto version = applied_version(impl);  // again, under the write lock
    if (!version) return version.error();
    if (*version > Store::schema_version()) return newer_schema(impl, *version);
    if (*version == Store::schema_version()) continue;  // another process got there first
    if (*version == 0) {
      if (auto ok = impl.exec(
              "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL)"
              " STRICT",
              "creating schema_migrations");
          !ok) {
        return ok.error();
      }
    }
    const schema::Migration& m = all[static_cast<std::size_t>(*version)];
    if (auto ok = impl.exec(m.sql, "migrating to schema version " + std::to_string(m.version));
        !ok) {
      return ok.error();
    }
    auto rec = impl.prepare("INSERT INTO schema_migrations (version, name) VALUES (?1, ?2)");
    if (!rec) return rec.error();
    {
      sql::Use use(**rec);
      use->bind(1, std::int64_t{m.version});
      use->bind(2, std::string_view(m.name));
      if (auto ok = run(impl, *use, "recording a migration"); !ok) return ok.error();
    }
    if (auto ok = tx.commit(); !ok) return ok.error();
  }
}

Result<std::string> pragma_text(Impl& impl, std::string_view text) {
  auto st = impl.prepare(text);
  if (!st) return st.error();
  sql::Use use(**st);
  if (use->step() != SQLITE_ROW) return impl.fail("reading a setting");
  return std::string(use->text(0));
}

Result<std::int64_t> pragma_int(Impl& impl, std::string_view text) {
  auto st = impl.prepare(text);
  if (!st) return st.error();
  sql::Use use(**st);
  if (use->step() != SQLITE_ROW) return impl.fail("reading a setting");
  return use->int64(0);
}

// Puts the database in WAL mode. The switch needs an exclusive lock and SQLite answers
// SQLITE_BUSY at once, without calling the busy handler, while another connection holds
// the file (two first opens at the same moment); so it is retried here, within the same
// budget as any other wait for a lock.
Result<bool> switch_to_wal(Impl& impl) {
  using Clock = std::chrono::steady_clock;
  const auto deadline = Clock::now() + std::chrono::milliseconds(kBusyTimeoutMs);
  for (auto pause = std::chrono::milliseconds(1);; pause = std::min(pause * 2, kMaxWalRetryPause)) {
    auto mode = pragma_text(impl, "PRAGMA journal_mode = WAL");
    if (mode) {
      if (*mode == "wal") return true;
      return Error{impl.path, "cannot switch the database to WAL mode"};
    }
    const int code = sqlite3_extended_errcode(impl.db) & 0xff;
    if ((code != SQLITE_BUSY && code != SQLITE_LOCKED) || Clock::now() >= deadline) {
      return mode.error();
    }
    std::this_thread::sleep_for(pause);
  }
}

// A patients row (id, json, created_at, updated_at) as a PatientEntry.
Result<PatientEntry> patient_row(Impl& impl, sql::Statement& row) {
  auto created = parse_time(impl, row.text(2));
  if (!created) return created.error();
  auto updated = parse_time(impl, row.text(3));
  if (!updated) return updated.error();
  return PatientEntry{std::string(row.text(0)), std::string(row.text(1)), *created, *updated};
}

// Every row's first column, as text, until the statement is done.
Result<std::vector<std::string>> first_column(Impl& impl, sql::Statement& st, const char* what) {
  std::vector<std::string> out;
  int rc = SQLITE_ROW;
  while ((rc = st.step()) == SQLITE_ROW) out.emplace_back(st.text(0));
  if (rc != SQLITE_DONE) return impl.fail(what);
  return out;
}

// Creates a missing database file readable by its owner only (it holds patient data).
Result<bool> create_private_file(const std::string& path) {
  const int fd = ::open(path.c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
  if (fd < 0) return Error{path, "cannot create the database file"};
  ::close(fd);
  return true;
}

}  // namespace

class SqliteBackend final : public Backend {
 public:
  explicit SqliteBackend(std::unique_ptr<Conn> c) : impl_(std::move(c)) {}

  Result<Settings> settings() override {
    std::lock_guard lock(impl_->mu);
    Settings s;
    s.backend = "sqlite";
    auto mode = pragma_text(*impl_, "PRAGMA journal_mode");
    if (!mode) return mode.error();
    s.journal_mode = *mode;
    auto sync = pragma_int(*impl_, "PRAGMA synchronous");
    if (!sync) return sync.error();
    s.synchronous = static_cast<int>(*sync);
    auto fk = pragma_int(*impl_, "PRAGMA foreign_keys");
    if (!fk) return fk.error();
    s.foreign_keys = *fk == 1;
    auto busy = pragma_int(*impl_, "PRAGMA busy_timeout");
    if (!busy) return busy.error();
    s.busy_timeout_ms = static_cast<int>(*busy);
    auto v = applied_version(*impl_);
    if (!v) return v.error();
    s.schema_version = *v;
    return s;
  }

  Result<bool> create_patient(std::string_view id, std::string_view patient_json,
                              std::string_view at, const AuditRecord* audit,
                              const std::vector<Resource>& resources) override {
    std::lock_guard lock(impl_->mu);
    if (auto ok = impl_->writable(); !ok) return ok.error();
    Transaction tx(*impl_);
    if (auto ok = tx.begin(); !ok) return ok.error();
    auto exists = patient_exists(*impl_, id);
    if (!exists) return exists.error();
    if (*exists) return false;
    auto st = impl_->prepare(
        "INSERT INTO patients (id, json, created_at, updated_at) VALUES (?1, ?2, ?3, ?3)");
    if (!st) return st.error();
    {
      sql::Use use(**st);
      use->bind(1, id);
      use->bind(2, patient_json);
      use->bind(3, at);
      if (auto ok = run(*impl_, *use, "inserting a patient"); !ok) return ok.error();
    }
    for (const Resource& r : resources) {
      if (auto outcome = upsert_resource(*impl_, id, r, at); !outcome) return outcome.error();
    }
    if (audit) {
      if (auto ok = append_in_transaction(*impl_, *audit); !ok) return ok.error();
    }
    if (auto ok = tx.commit(); !ok) return ok.error();
    return true;
  }

  Result<PutSummary> put_resources(std::string_view patient_id,
                                   const std::vector<Resource>& resources, std::string_view at,
                                   const AuditRecord* audit) override {
    std::lock_guard lock(impl_->mu);
    if (auto ok = impl_->writable(); !ok) return ok.error();
    Transaction tx(*impl_);
    if (auto ok = tx.begin(); !ok) return ok.error();
    PutSummary summary;
    auto exists = patient_exists(*impl_, patient_id);
    if (!exists) return exists.error();
    if (!*exists) return summary;  // rolled back: nothing stored
    summary.patient_found = true;
    for (const Resource& r : resources) {
      auto outcome = upsert_resource(*impl_, patient_id, r, at);
      if (!outcome) return outcome.error();
      (*outcome == PutOutcome::replaced ? summary.replaced : summary.inserted) += 1;
    }
    if (auto ok = touch_patient(*impl_, patient_id, at); !ok) return ok.error();
    if (audit) {
      if (auto ok = append_in_transaction(*impl_, *audit); !ok) return ok.error();
    }
    if (auto ok = tx.commit(); !ok) return ok.error();
    return summary;
  }

  Result<std::optional<PatientEntry>> patient(std::string_view id) override {
    std::lock_guard lock(impl_->mu);
    auto st = impl_->prepare("SELECT id, json, created_at, updated_at FROM patients WHERE id = ?1");
    if (!st) return st.error();
    sql::Use use(**st);
    use->bind(1, id);
    const int rc = use->step();
    if (rc == SQLITE_DONE) return std::optional<PatientEntry>();
    if (rc != SQLITE_ROW) return impl_->fail("reading a patient");
    auto entry = patient_row(*impl_, *use);
    if (!entry) return entry.error();
    return std::optional<PatientEntry>(std::move(entry).value());
  }

  Result<std::vector<std::string>> patient_resources(std::string_view patient_id) override {
    std::lock_guard lock(impl_->mu);
    auto st = impl_->prepare("SELECT json FROM resources WHERE patient_id = ?1 ORDER BY seq");
    if (!st) return st.error();
    sql::Use use(**st);
    use->bind(1, patient_id);
    return first_column(*impl_, *use, "reading resources");
  }

  Result<std::vector<PatientEntry>> list_patients() override {
    std::lock_guard lock(impl_->mu);
    auto st = impl_->prepare("SELECT id, json, created_at, updated_at FROM patients ORDER BY id");
    if (!st) return st.error();
    sql::Use use(**st);
    std::vector<PatientEntry> out;
    int rc = SQLITE_ROW;
    while ((rc = use->step()) == SQLITE_ROW) {
      auto entry = patient_row(*impl_, *use);
      if (!entry) return entry.error();
      out.push_back(std::move(entry).value());
    }
    if (rc != SQLITE_DONE) return impl_->fail("listing patients");
    return out;
  }

  Result<bool> delete_patient(std::string_view id, const AuditRecord* audit) override {
    std::lock_guard lock(impl_->mu);
    if (auto ok = impl_->writable(); !ok) return ok.error();
    Transaction tx(*impl_);
    if (auto ok = tx.begin(); !ok) return ok.error();
    auto st = impl_->prepare("DELETE FROM patients WHERE id = ?1");  // cascades to resources
    if (!st) return st.error();
    {
      sql::Use use(**st);
      use->bind(1, id);
      if (auto ok = run(*impl_, *use, "deleting a patient"); !ok) return ok.error();
    }
    if (sqlite3_changes(impl_->db) == 0) return false;  // rolled back: nothing to do
    if (audit) {
      if (auto ok = append_in_transaction(*impl_, *audit); !ok) return ok.error();
    }
    if (auto ok = tx.commit(); !ok) return ok.error();
    return true;
  }

  Result<bool> put_feedback(std::string_view service_id, std::string_view feedback_key,
                            std::string_view json, std::string_view at) override {
    std::lock_guard lock(impl_->mu);
    if (auto ok = impl_->writable(); !ok) return ok.error();
    // A single statement commits on its own (autocommit), durably.
    auto st = impl_->prepare(
        "INSERT INTO feedback (service_id, feedback_key, json, received_at)"
        " VALUES (?1, ?2, ?3, ?4) ON CONFLICT (service_id, feedback_key) DO NOTHING");
    if (!st) return st.error();
    sql::Use use(**st);
    use->bind(1, service_id);
    use->bind(2, feedback_key);
    use->bind(3, json);
    use->bind(4, at);
    if (auto ok = run(*impl_, *use, "storing feedback"); !ok) return ok.error();
    return sqlite3_changes(impl_->db) == 1;
  }

  Result<std::vector<std::string>> feedback(std::string_view service_id) override {
    std::lock_guard lock(impl_->mu);
    auto st = impl_->prepare("SELECT json FROM feedback WHERE service_id = ?1 ORDER BY seq");
    if (!st) return st.error();
    sql::Use use(**st);
    use->bind(1, service_id);
    return first_column(*impl_, *use, "reading feedback");
  }

  Result<std::int64_t> append_audits(const std::vector<AuditRecord>& records) override {
    std::lock_guard lock(impl_->mu);
    if (auto ok = impl_->writable(); !ok) return ok.error();
    if (records.empty()) return std::int64_t{0};
    Transaction tx(*impl_);
    if (auto ok = tx.begin(); !ok) return ok.error();
    std::int64_t last = 0;
    for (const AuditRecord& r : records) {
      auto seq = append_in_transaction(*impl_, r);
      if (!seq) return seq.error();
      last = *seq;
    }
    if (auto ok = tx.commit(); !ok) return ok.error();
    return last;
  }

  Result<std::vector<AuditEntry>> audit_entries(std::int64_t after_seq,
                                                std::size_t limit) override {
    std::lock_guard lock(impl_->mu);
    auto st = impl_->prepare(
        "SELECT seq, time, kind, caller, patient_id, input_sha256, knowledge_version, profile,"
        " report_sha256, hash FROM audit WHERE seq > ?1 ORDER BY seq LIMIT ?2");
    if (!st) return st.error();
    sql::Use use(**st);
    use->bind(1, after_seq);
    use->bind(2, static_cast<std::int64_t>(std::min<std::size_t>(limit, INT64_MAX)));
    std::vector<AuditEntry> out;
    int rc = SQLITE_ROW;
    while ((rc = use->step()) == SQLITE_ROW) {
      auto time = parse_time(*impl_, use->text(1));
      if (!time) return time.error();
      AuditEntry e;
      e.seq = use->int64(0);
      e.record = AuditRecord{*time,
                             std::string(use->text(2)),
                             std::string(use->text(3)),
                             std::string(use->text(4)),
                             std::string(use->text(5)),
                             std::string(use->text(6)),
                             std::string(use->text(7)),
                             std::string(use->text(8))};
      e.hash = std::string(use->text(9));
      out.push_back(std::move(e));
    }
    if (rc != SQLITE_DONE) return impl_->fail("reading the audit log");
    return out;
  }

  Result<AuditCheck> verify_audit() override {
    std::lock_guard lock(impl_->mu);
    // The append-only triggers must still be there (someone with the file could drop them).
    bool guards_present = false;
    {
      auto st = impl_->prepare(
          "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit' AND"
          " name IN ('audit_append_only_update', 'audit_append_only_delete',"
          " 'audit_append_only_insert') AND instr(sql, 'RAISE(ABORT') > 0");
      if (!st) return st.error();
      sql::Use use(**st);
      if (use->step() != SQLITE_ROW) return impl_->fail("reading the schema");
      guards_present = use->int64(0) == 3;
    }
    // One statement: a consistent snapshot even while others append (WAL).
    auto st = impl_->prepare(
        "SELECT seq, time, kind, caller, patient_id, input_sha256, knowledge_version, profile,"
        " report_sha256, prev_hash, hash FROM audit ORDER BY seq");
    if (!st) return st.error();
    sql::Use use(**st);
    ChainWalk walk;
    int rc = SQLITE_ROW;
    while ((rc = use->step()) == SQLITE_ROW) {
      const AuditFields fields{use->text(1), use->text(2), use->text(3), use->text(4),
                               use->text(5), use->text(6), use->text(7), use->text(8)};
      walk.row(use->int64(0), fields, use->text(9), use->text(10));
    }
    if (rc != SQLITE_DONE) return impl_->fail("reading the audit log");
    return walk.finish(guards_present);
  }

  // The use is committed without its own fsync (synchronous=NORMAL for this one
  // transaction): the caller's next durable commit (its audit entry, which every CDS
  // response waits for) syncs the WAL up to and including it. A crash before that loses
  // the use of a token whose response was never sent.
  Result<bool> use_token(std::string_view key, std::int64_t until, std::int64_t now) override {
    std::lock_guard lock(impl_->mu);
    if (auto ok = impl_->writable(); !ok) return ok.error();
    if (auto ok = impl_->exec("PRAGMA synchronous = NORMAL", "setting synchronous"); !ok) {
      return ok.error();
    }
    struct RestoreFull {
      Conn& c;
      ~RestoreFull() { sqlite3_exec(c.db, "PRAGMA synchronous = FULL", nullptr, nullptr, nullptr); }
    } restore{*impl_};
    if (++impl_->token_calls % kTokenSweepEvery == 0) {
      auto sweep = impl_->prepare("DELETE FROM used_tokens WHERE until <= ?1");
      if (!sweep) return sweep.error();
      sql::Use use(**sweep);
      use->bind(1, now);
      if (auto ok = run(*impl_, *use, "forgetting expired tokens"); !ok) return ok.error();
    }
    // One statement: insert, or take over a use that has expired; otherwise no change.
    auto st = impl_->prepare(
        "INSERT INTO used_tokens (key, until) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE"
        " SET until = excluded.until WHERE used_tokens.until <= ?3");
    if (!st) return st.error();
    sql::Use use(**st);
    use->bind(1, key);
    use->bind(2, until);
    use->bind(3, now);
    if (auto ok = run(*impl_, *use, "recording a token"); !ok) return ok.error();
    return sqlite3_changes(impl_->db) == 1;
  }

  Result<bool> ping() override {
    std::lock_guard lock(impl_->mu);
    auto v = pragma_int(*impl_, "SELECT 1");
    if (!v) return v.error();
    return true;
  }

 private:
  std::unique_ptr<Conn> impl_;
};

Result<std::unique_ptr<Backend>> open_sqlite(const std::string& path, const OpenOptions& options) {
  std::error_code ec;
  const bool exists = std::filesystem::exists(path, ec);
  if (!exists && (options.read_only || !options.create_if_missing)) {
    return Error{path, "no such database file"};
  }
  if (!exists) {
    if (auto ok = create_private_file(path); !ok) return ok.error();
  }

  auto impl = std::make_unique<Conn>();
  impl->path = path;
  impl->read_only = options.read_only;
  const int flags = options.read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE;
  if (sqlite3_open_v2(path.c_str(), &impl->db, flags, nullptr) != SQLITE_OK) {
    return impl->fail("cannot open the database");
  }
  sqlite3_busy_timeout(impl->db, kBusyTimeoutMs);
  if (!options.read_only) {
    if (auto ok = switch_to_wal(*impl); !ok) return ok.error();
  }
  if (auto ok = impl->exec("PRAGMA synchronous = FULL", "setting synchronous"); !ok) {
    return ok.error();
  }
  if (auto ok = impl->exec("PRAGMA foreign_keys = ON", "enabling foreign keys"); !ok) {
    return ok.error();
  }
  if (options.read_only) {
    auto v = applied_version(*impl);
    if (!v) return v.error();
    if (*v > Store::schema_version()) return newer_schema(*impl, *v);
    if (*v < 1) return Error{path, "not a khe store (no schema)"};
  } else {
    if (auto ok = migrate(*impl); !ok) return ok.error();
  }
  return std::unique_ptr<Backend>(new SqliteBackend(std::move(impl)));
}

}  // namespace khe::store::detail

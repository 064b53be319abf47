// The PostgreSQL backend of store::Store, through libpq. See backend.h for what every backend
// guarantees; PostgreSQL specifics:
//  - A pool of connections (pool_size, default 8), opened as needed. A call takes one for
//    its whole transaction. A connection the server dropped (a restart, a failover, an idle
//    timeout) is discarded, and the idle ones with it (most likely dropped too); when it
//    failed on the call's first statement nothing was done, so the call is retried on a
//    new connection: a restarted server costs no request an error. A failure later in a
//    transaction is returned (the transaction rolled back); a failure of COMMIT itself is
//    returned too, as the outcome is unknown.
//  - The audit chain: the writing transaction takes `LOCK TABLE audit IN EXCLUSIVE MODE`
//    (readers go on; every other writer, khe or not, waits) before reading the last hash,
//    so appends from all replicas are serialised and the chain cannot fork.
//  - Migrations run in one transaction under an advisory lock: replicas starting together
//    migrate once.
//  - Statements are prepared once per connection; values are always parameters.
//  - Errors carry the server's primary message and SQLSTATE, never its DETAIL (which can
//    quote a value, such as a duplicate id).
#include <libpq-fe.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <unordered_map>
#include <utility>

#include "store/backend.h"
#include "store/postgres.h"
#include "store/schema.h"

namespace khe::store::detail {
namespace {

constexpr int kDefaultPoolSize = 8;
constexpr int kMaxPoolSize = 64;
constexpr auto kAcquireWait = std::chrono::seconds(30);
constexpr std::uint64_t kTokenSweepEvery = 1024;
constexpr std::int64_t kMigrationLockKey = 0x6b68655f6d696772;  // "khe_migr"
constexpr int kVerifyBatch = 10000;

int newest_version() { return static_cast<int>(schema::postgres_migrations().size()); }

// The URL without khe's own parameter (pool_size), and that parameter.
struct Target {
  std::string url;
  int pool_size = kDefaultPoolSize;
};

Result<Target> parse_target(const std::string& url, const std::string& shown) {
  Target t;
  t.url = url;
  const std::size_t q = url.find('?');
  if (q == std::string::npos) return t;
  std::string kept;
  std::size_t start = q + 1;
  while (start <= url.size()) {
    std::size_t end = url.find('&', start);
    if (end == std::string::npos) end = url.size();
    const std::string pair = url.substr(start, end - start);
    if (pair.starts_with("pool_size=")) {
      const std::string value = pair.substr(10);
      int n = 0;
      const bool digits =
          !value.empty() && value.size() <= 3 &&
          std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; });
      if (digits) n = std::stoi(value);
      if (!digits || n < 1 || n > kMaxPoolSize) {
        return Error{shown,
                     "pool_size must be a whole number from 1 to " + std::to_string(kMaxPoolSize)};
      }
      t.pool_size = n;
    } else if (!pair.empty()) {
      kept += (kept.empty() ? "" : "&") + pair;
    }
    start = end + 1;
  }
  t.url = url.substr(0, q) + (kept.empty() ? "" : "?" + kept);
  return t;
}

// One server connection and the statements prepared on it.
struct Connection {
  pg::ConnPtr conn;
  std::unordered_map<std::string_view, std::string> prepared;  // SQL literal -> name

  bool lost() const { return PQstatus(conn.get()) != CONNECTION_OK; }
};

// The pool: at most `size` connections, handed out one per call.
class Pool {
 public:
  // `options`: server settings for every connection of this pool ("-c name=value ...").
  Pool(std::string url, std::string shown, int size, bool read_only, std::string options = "")
      : url_(std::move(url)),
        shown_(std::move(shown)),
        size_(size),
        read_only_(read_only),
        options_(read_only ? "-c default_transaction_read_only=on " + options : options) {}

  Result<std::unique_ptr<Connection>> acquire() {
    std::unique_lock lock(mu_);
    if (!free_.wait_for(lock, kAcquireWait, [&] { return !idle_.empty() || open_ < size_; })) {
      return Error{shown_, "no database connection became free within 30 s"};
    }
    if (!idle_.empty()) {
      auto c = std::move(idle_.back());
      idle_.pop_back();
      if (!c->lost()) return c;
      --open_;  // dropped while idle: replace it below
    }
    ++open_;
    lock.unlock();
    auto made = connect();
    if (!made) {
      std::lock_guard again(mu_);
      --open_;
      free_.notify_one();
    }
    return made;
  }

  // A lost connection is closed; its slot is free for a new one. The idle ones are closed
  // with it: they were opened to the same server, which has just dropped one (a restart, a
  // failover), so they are most likely dead too, and a call retried on one of them would
  // fail again (with a few idle, every try of the next call would).
  void release(std::unique_ptr<Connection> c) {
    std::vector<std::unique_ptr<Connection>> closed;  // closed after the lock is released
    std::lock_guard lock(mu_);
    if (c->lost()) {
      open_ -= 1 + static_cast<int>(idle_.size());
      closed.swap(idle_);
      closed.push_back(std::move(c));
      free_.notify_all();
    } else {
      idle_.push_back(std::move(c));
      free_.notify_one();
    }
  }

  const std::string& shown() const { return shown_; }
  bool read_only() const { return read_only_; }

 private:
  Result<std::unique_ptr<Connection>> connect() {
    // Defaults first: the URL's own parameters, expanded from dbname, override them.
    const char* keys[] = {"connect_timeout", "application_name", "client_encoding",
                          "options",         "dbname",           nullptr};
    const char* values[] = {"5",          "khe",
                            "UTF8",       read_only_ ? "-c default_transaction_read_only=on" : "",
                            url_.c_str(), nullptr};
    auto c = std::make_unique<Connection>();
    c->conn.reset(PQconnectdbParams(keys, values, 1));
    if (!c->conn) return Error{shown_, "cannot connect: out of memory"};
    if (PQstatus(c->conn.get()) != CONNECTION_OK) {
      std::string why = PQerrorMessage(c->conn.get());
      while (!why.empty() && (why.back() == '\n' || why.back() == ' ')) why.pop_back();
      return Error{shown_, "cannot connect: " + without_url(why)};
    }
    return c;
  }

  // libpq quotes the whole URL in some of its errors (a malformed URL): shown instead.
  std::string without_url(std::string text) const {
    const std::string shown_url = shown_location(url_);
    for (std::size_t at = text.find(url_); at != std::string::npos;
         at = text.find(url_, at + shown_url.size())) {
      text.replace(at, url_.size(), shown_url);
    }
    return text;
  }

  const std::string url_, shown_;
  const int size_;
  const bool read_only_;
  const std::string options_;
  std::mutex mu_;
  std::condition_variable free_;
  std::vector<std::unique_ptr<Connection>> idle_;
  int open_ = 0;
};

// One call's use of a connection. Rolls back an open transaction when it ends.
class Session {
 public:
  Session(Connection& c, const std::string& shown) : c_(c), shown_(shown) {}
  ~Session() {
    if (in_tx_ && !c_.lost()) PQclear(PQexec(c_.conn.get(), "ROLLBACK"));
  }
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // A statement with parameters; `sql` must be a literal (it keys the prepared cache).
  Result<pg::Rows> query(const char* sql, const pg::Params& params, std::string_view what) {
    auto it = c_.prepared.find(sql);
    if (it == c_.prepared.end()) {
      std::string name = "khe_" + std::to_string(c_.prepared.size());
      pg::Rows made(PQprepare(c_.conn.get(), name.c_str(), sql, params.count(), nullptr));
      if (!made.ok()) return fail(made, what);
      it = c_.prepared.emplace(sql, std::move(name)).first;
    }
    const auto values = params.values();
    const auto lengths = params.lengths();
    const std::vector<int> formats(values.size(), 0);
    return answered(PQexecPrepared(c_.conn.get(), it->second.c_str(), params.count(), values.data(),
                                   lengths.data(), formats.data(), 0),
                    what);
  }
  Result<pg::Rows> query(const char* sql, std::string_view what) {
    return query(sql, pg::Params(), what);
  }

  // Constant SQL, possibly several statements (migrations, transaction control).
  Result<pg::Rows> exec(const char* sql, std::string_view what) {
    return answered(PQexec(c_.conn.get(), sql), what);
  }

  Result<bool> begin(const char* sql = "BEGIN") {
    auto r = exec(sql, "starting a transaction");
    if (!r) return r.error();
    in_tx_ = true;
    return true;
  }
  Result<bool> commit() {
    in_tx_ = false;  // whatever happens, the transaction is over
    auto r = exec("COMMIT", "committing");
    if (!r) return r.error();
    return true;
  }
  Result<bool> rollback() {
    in_tx_ = false;
    auto r = exec("ROLLBACK", "rolling back");
    if (!r) return r.error();
    return true;
  }

  // The connection died before the server did anything of this call: safe to retry.
  bool lost_before_any_statement() const { return statements_ == 0 && c_.lost(); }

 private:
  // Takes the result of one statement sent to the server: its rows, or the error.
  Result<pg::Rows> answered(PGresult* result, std::string_view what) {
    pg::Rows rows(result);
    if (!rows.ok()) return fail(rows, what);
    statements_ += 1;
    return rows;
  }

  Error fail(const pg::Rows& rows, std::string_view what) {
    std::string why = rows.primary_message();
    if (why.empty()) {
      why = PQerrorMessage(c_.conn.get());
      while (!why.empty() && (why.back() == '\n' || why.back() == ' ')) why.pop_back();
    }
    const std::string state = rows.sqlstate();
    return Error{shown_,
                 std::string(what) + ": " + why + (state.empty() ? "" : " (" + state + ")")};
  }

  Connection& c_;
  const std::string& shown_;
  int statements_ = 0;
  bool in_tx_ = false;
};

Result<Instant> parse_time(const std::string& shown, std::string_view text) {
  auto t = parse_fhir_datetime(text);
  if (!t) return Error{shown, "a stored time is not a valid instant"};
  return t->start;
}

Result<PatientEntry> patient_row(const std::string& shown, const pg::Rows& rows, int row) {
  auto created = parse_time(shown, rows.text(row, 2));
  if (!created) return created.error();
  auto updated = parse_time(shown, rows.text(row, 3));
  if (!updated) return updated.error();
  return PatientEntry{std::string(rows.text(row, 0)), std::string(rows.text(row, 1)), *created,
                      *updated};
}

std::vector<std::string> first_column(const pg::Rows& rows) {
  std::vector<std::string> out;
  out.reserve(static_cast<std::size_t>(rows.size()));
  for (int i = 0; i < rows.size(); ++i) out.emplace_back(rows.text(i, 0));
  return out;
}

// Inserts or replaces one resource inside the caller's transaction. An update keeps the
// row (and so its place in insertion order); xmax = 0 tells a fresh row from an update.
Result<PutOutcome> upsert_resource(Session& s, std::string_view patient_id, const Resource& r,
                                   std::string_view now) {
  auto rows = s.query(
      "INSERT INTO resources (patient_id, resource_type, resource_id, json, created_at,"
      " updated_at) VALUES ($1, $2, $3, $4, $5, $5) ON CONFLICT (patient_id, resource_type,"
      " resource_id) DO UPDATE SET json = EXCLUDED.json, updated_at = EXCLUDED.updated_at"
      " RETURNING (xmax = 0)",
      pg::Params().add(patient_id).add(r.type).add(r.id).add(r.json).add(now),
      "storing a resource");
  if (!rows) return rows.error();
  return rows->text(0, 0) == "t" ? PutOutcome::inserted : PutOutcome::replaced;
}

// Appends `records` to the chain inside the caller's transaction. The table lock makes
// every other writer wait until this transaction ends, so the last hash read here is still
// the last when the new entries commit.
Result<std::int64_t> append_chain(Session& s, const std::vector<const AuditRecord*>& records) {
  if (auto ok = s.exec("LOCK TABLE audit IN EXCLUSIVE MODE", "locking the audit log"); !ok) {
    return ok.error();
  }
  auto last =
      s.query("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1", "reading the audit log");
  if (!last) return last.error();
  std::int64_t seq = 0;
  std::string prev(kGenesisHash);
  if (last->size() == 1) {
    seq = last->int64(0, 0);
    prev = std::string(last->text(0, 1));
  }
  for (const AuditRecord* r : records) {
    ++seq;
    const std::string time = format_instant(r->time);
    const AuditFields f{time,          r->kind,         r->caller,
                        r->patient_id, r->input_sha256, r->knowledge_version,
                        r->profile,    r->report_sha256};
    std::string hash = chain_hash(prev, seq, f);
    auto ins = s.query(
        "INSERT INTO audit (seq, time, kind, caller, patient_id, input_sha256,"
        " knowledge_version, profile, report_sha256, prev_hash, hash)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        pg::Params()
            .add(seq)
            .add(f.time)
            .add(f.kind)
            .add(f.caller)
            .add(f.patient_id)
            .add(f.input_sha256)
            .add(f.knowledge_version)
            .add(f.profile)
            .add(f.report_sha256)
            .add(prev)
            .add(hash),
        "appending to the audit log");
    if (!ins) return ins.error();
    prev = std::move(hash);
  }
  return seq;
}

Error newer_schema(const std::string& shown, int found) {
  return Error{shown, "schema version " + std::to_string(found) +
                          " is newer than this program supports (" +
                          std::to_string(newest_version()) + "); use a newer khe"};
}

// The applied version; 0 for a database without khe's tables. Errors for a database whose
// current schema holds tables but no schema_migrations: not a khe store.
Result<int> applied_version(Session& s, const std::string& shown) {
  auto facts = s.query(
      "SELECT to_regclass('schema_migrations') IS NOT NULL,"
      " (SELECT count(*) FROM pg_tables WHERE schemaname = current_schema())",
      "reading the schema");
  if (!facts) return facts.error();
  const bool has_migrations = facts->text(0, 0) == "t";
  if (!has_migrations) {
    if (facts->int64(0, 1) != 0) {
      return Error{shown,
                   "not a khe store (a database schema with tables but no schema_migrations)"};
    }
    return 0;
  }
  auto v = s.query("SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
                   "reading the schema version");
  if (!v) return v.error();
  return static_cast<int>(v->int64(0, 0));
}

}  // namespace

class PostgresBackend final : public Backend {
 public:
  // The token pool's connections commit without waiting for the WAL flush (see
  // use_token); nothing else is written through them.
  PostgresBackend(const std::string& url, const std::string& shown, int pool_size, bool read_only)
      : pool_(url, shown, pool_size, read_only),
        token_pool_(url, shown, std::max(1, pool_size / 2), read_only,
                    "-c synchronous_commit=off") {}

  // Runs `body(session)` on a pooled connection; retried (at most twice) when the
  // connection turned out to be dead before the first statement reached the server.
  template <typename Body>
  auto with_session(Body body) -> decltype(body(std::declval<Session&>())) {
    return with_session_on(pool_, std::move(body));
  }
  template <typename Body>
  auto with_session_on(Pool& pool, Body body) -> decltype(body(std::declval<Session&>())) {
    for (int attempt = 0;; ++attempt) {
      auto c = pool.acquire();
      if (!c) return c.error();
      bool retry = false;
      auto result = [&]() {
        Session s(**c, pool.shown());
        auto r = body(s);
        retry = !r && s.lost_before_any_statement() && attempt < 2;
        return r;
      }();
      pool.release(std::move(c).value());
      if (!retry) return result;
    }
  }

  Result<bool> writable() const {
    if (pool_.read_only()) return Error{pool_.shown(), "the store was opened read-only"};
    return true;
  }

  // Brings the schema to the newest version; `create` allows starting from an empty database.
  Result<bool> migrate(bool create) {
    return with_session([&](Session& s) -> Result<bool> {
      if (auto ok = s.begin(); !ok) return ok.error();
      if (auto ok = s.query("SELECT pg_advisory_xact_lock($1)", pg::Params().add(kMigrationLockKey),
                            "waiting for the migration lock");
          !ok) {
        return ok.error();
      }
      auto version = applied_version(s, pool_.shown());
      if (!version) return version.error();
      if (*version > newest_version()) return newer_schema(pool_.shown(), *version);
      if (*version == 0 && !create) return Error{pool_.shown(), "not a khe store (no schema)"};
      if (*version == 0) {
        if (auto ok = s.exec(
                "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL)",
                "creating schema_migrations");
            !ok) {
          return ok.error();
        }
      }
      const auto all = schema::postgres_migrations();
      for (int v = *version; v < newest_version(); ++v) {
        const schema::Migration& m = all[static_cast<std::size_t>(v)];
        const std::string what = "migrating to schema version " + std::to_string(m.version);
        if (auto ok = s.exec(m.sql, what); !ok) return ok.error();
        if (auto ok = s.query("INSERT INTO schema_migrations (version, name) VALUES ($1, $2)",
                              pg::Params().add(std::int64_t{m.version}).add(m.name),
                              "recording a migration");
            !ok) {
          return ok.error();
        }
      }
      return s.commit();
    });
  }

  Result<bool> check_version() {
    return with_session([&](Session& s) -> Result<bool> {
      auto version = applied_version(s, pool_.shown());
      if (!version) return version.error();
      if (*version > newest_version()) return newer_schema(pool_.shown(), *version);
      if (*version < 1) return Error{pool_.shown(), "not a khe store (no schema)"};
      return true;
    });
  }

  Result<Settings> settings() override {
    return with_session([&](Session& s) -> Result<Settings> {
      auto version = applied_version(s, pool_.shown());
      if (!version) return version.error();
      Settings out;
      out.backend = "postgresql";
      out.schema_version = *version;
      return out;
    });
  }

  Result<bool> create_patient(std::string_view id, std::string_view patient_json,
                              std::string_view at, const AuditRecord* audit,
                              const std::vector<Resource>& resources) override {
    if (auto ok = writable(); !ok) return ok.error();
    return with_session([&](Session& s) -> Result<bool> {
      if (auto ok = s.begin(); !ok) return ok.error();
      auto ins = s.query(
          "INSERT INTO patients (id, json, created_at, updated_at) VALUES ($1, $2, $3, $3)"
          " ON CONFLICT (id) DO NOTHING",
          pg::Params().add(id).add(patient_json).add(at), "inserting a patient");
      if (!ins) return ins.error();
      if (ins->changed() == 0) {
        if (auto ok = s.rollback(); !ok) return ok.error();
        return false;
      }
      for (const Resource& r : resources) {
        if (auto ok = upsert_resource(s, id, r, at); !ok) return ok.error();
      }
      if (audit) {
        if (auto ok = append_chain(s, {audit}); !ok) return ok.error();
      }
      if (auto ok = s.commit(); !ok) return ok.error();
      return true;
    });
  }

  Result<PutSummary> put_resources(std::string_view patient_id,
                                   const std::vector<Resource>& resources, std::string_view at,
                                   const AuditRecord* audit) override {
    if (auto ok = writable(); !ok) return ok.error();
    return with_session([&](Session& s) -> Result<PutSummary> {
      if (auto ok = s.begin(); !ok) return ok.error();
      PutSummary summary;
      // FOR UPDATE: a concurrent delete of the patient waits for this transaction.
      auto found = s.query("SELECT 1 FROM patients WHERE id = $1 FOR UPDATE",
                           pg::Params().add(patient_id), "reading a patient");
      if (!found) return found.error();
      if (found->size() == 0) {
        if (auto ok = s.rollback(); !ok) return ok.error();
        return summary;
      }
      summary.patient_found = true;
      for (const Resource& r : resources) {
        auto outcome = upsert_resource(s, patient_id, r, at);
        if (!outcome) return outcome.error();
        (*outcome == PutOutcome::replaced ? summary.replaced : summary.inserted) += 1;
      }
      if (auto ok = s.query("UPDATE patients SET updated_at = $2 WHERE id = $1",
                            pg::Params().add(patient_id).add(at), "updating a patient");
          !ok) {
        return ok.error();
      }
      if (audit) {
        if (auto ok = append_chain(s, {audit}); !ok) return ok.error();
      }
      if (auto ok = s.commit(); !ok) return ok.error();
      return summary;
    });
  }

  Result<std::optional<PatientEntry>> patient(std::string_view id) override {
    return with_session([&](Session& s) -> Result<std::optional<PatientEntry>> {
      auto rows = s.query("SELECT id, json, created_at, updated_at FROM patients WHERE id = $1",
                          pg::Params().add(id), "reading a patient");
      if (!rows) return rows.error();
      if (rows->size() == 0) return std::optional<PatientEntry>();
      auto entry = patient_row(pool_.shown(), *rows, 0);
      if (!entry) return entry.error();
      return std::optional<PatientEntry>(std::move(entry).value());
    });
  }

  Result<std::vector<std::string>> patient_resources(std::string_view patient_id) override {
    return with_session([&](Session& s) -> Result<std::vector<std::string>> {
      auto rows = s.query("SELECT json FROM resources WHERE patient_id = $1 ORDER BY seq",
                          pg::Params().add(patient_id), "reading resources");
      if (!rows) return rows.error();
      return first_column(*rows);
    });
  }

  // Ordered by the bytes of the id (COLLATE "C"), as SQLite orders them, whatever the
  // database's locale.
  Result<std::vector<PatientEntry>> list_patients() override {
    return with_session([&](Session& s) -> Result<std::vector<PatientEntry>> {
      auto rows =
          s.query("SELECT id, json, created_at, updated_at FROM patients ORDER BY id COLLATE \"C\"",
                  "listing patients");
      if (!rows) return rows.error();
      std::vector<PatientEntry> out;
      for (int i = 0; i < rows->size(); ++i) {
        auto entry = patient_row(pool_.shown(), *rows, i);
        if (!entry) return entry.error();
        out.push_back(std::move(entry).value());
      }
      return out;
    });
  }

  Result<bool> delete_patient(std::string_view id, const AuditRecord* audit) override {
    if (auto ok = writable(); !ok) return ok.error();
    return with_session([&](Session& s) -> Result<bool> {
      if (auto ok = s.begin(); !ok) return ok.error();
      auto del = s.query("DELETE FROM patients WHERE id = $1", pg::Params().add(id),
                         "deleting a patient");  // cascades to resources
      if (!del) return del.error();
      if (del->changed() == 0) {
        if (auto ok = s.rollback(); !ok) return ok.error();
        return false;
      }
      if (audit) {
        if (auto ok = append_chain(s, {audit}); !ok) return ok.error();
      }
      if (auto ok = s.commit(); !ok) return ok.error();
      return true;
    });
  }

  Result<bool> put_feedback(std::string_view service_id, std::string_view feedback_key,
                            std::string_view json, std::string_view at) override {
    if (auto ok = writable(); !ok) return ok.error();
    return with_session([&](Session& s) -> Result<bool> {
      auto ins = s.query(
          "INSERT INTO feedback (service_id, feedback_key, json, received_at)"
          " VALUES ($1, $2, $3, $4) ON CONFLICT (service_id, feedback_key) DO NOTHING",
          pg::Params().add(service_id).add(feedback_key).add(json).add(at), "storing feedback");
      if (!ins) return ins.error();
      return ins->changed() == 1;
    });
  }

  Result<std::vector<std::string>> feedback(std::string_view service_id) override {
    return with_session([&](Session& s) -> Result<std::vector<std::string>> {
      auto rows = s.query("SELECT json FROM feedback WHERE service_id = $1 ORDER BY seq",
                          pg::Params().add(service_id), "reading feedback");
      if (!rows) return rows.error();
      return first_column(*rows);
    });
  }

  Result<std::int64_t> append_audits(const std::vector<AuditRecord>& records) override {
    if (auto ok = writable(); !ok) return ok.error();
    if (records.empty()) return std::int64_t{0};
    std::vector<const AuditRecord*> pointers;
    for (const AuditRecord& r : records) pointers.push_back(&r);
    return with_session([&](Session& s) -> Result<std::int64_t> {
      if (auto ok = s.begin(); !ok) return ok.error();
      auto last = append_chain(s, pointers);
      if (!last) return last.error();
      if (auto ok = s.commit(); !ok) return ok.error();
      return *last;
    });
  }

  Result<std::vector<AuditEntry>> audit_entries(std::int64_t after_seq,
                                                std::size_t limit) override {
    return with_session([&](Session& s) -> Result<std::vector<AuditEntry>> {
      auto rows = s.query(
          "SELECT seq, time, kind, caller, patient_id, input_sha256, knowledge_version,"
          " profile, report_sha256, hash FROM audit WHERE seq > $1 ORDER BY seq LIMIT $2",
          pg::Params().add(after_seq).add(
              static_cast<std::int64_t>(std::min<std::size_t>(limit, INT64_MAX))),
          "reading the audit log");
      if (!rows) return rows.error();
      std::vector<AuditEntry> out;
      for (int i = 0; i < rows->size(); ++i) {
        auto time = parse_time(pool_.shown(), rows->text(i, 1));
        if (!time) return time.error();
        AuditEntry e;
        e.seq = rows->int64(i, 0);
        e.record = AuditRecord{*time,
                               std::string(rows->text(i, 2)),
                               std::string(rows->text(i, 3)),
                               std::string(rows->text(i, 4)),
                               std::string(rows->text(i, 5)),
                               std::string(rows->text(i, 6)),
                               std::string(rows->text(i, 7)),
                               std::string(rows->text(i, 8))};
        e.hash = std::string(rows->text(i, 9));
        out.push_back(std::move(e));
      }
      return out;
    });
  }

  // One REPEATABLE READ transaction (a snapshot, while others append) and a cursor read in
  // batches (constant memory).
  Result<AuditCheck> verify_audit() override {
    return with_session([&](Session& s) -> Result<AuditCheck> {
      if (auto ok = s.begin("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"); !ok) {
        return ok.error();
      }
      // The four guards must exist, be enabled and still raise (someone with the rights to
      // the database could drop, disable or replace them).
      auto guards = s.query(
          "SELECT count(*) FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid"
          " WHERE t.tgrelid = to_regclass('audit') AND t.tgenabled <> 'D' AND t.tgname IN"
          " ('audit_append_only_update', 'audit_append_only_delete',"
          " 'audit_append_only_truncate', 'audit_append_only_insert')"
          " AND p.prosrc LIKE '%RAISE EXCEPTION%'",
          "reading the schema");
      if (!guards) return guards.error();
      const bool guards_present = guards->int64(0, 0) == 4;
      if (auto ok = s.exec(
              "DECLARE khe_verify NO SCROLL CURSOR FOR SELECT seq, time, kind, caller,"
              " patient_id, input_sha256, knowledge_version, profile, report_sha256, prev_hash,"
              " hash FROM audit ORDER BY seq",
              "reading the audit log");
          !ok) {
        return ok.error();
      }
      ChainWalk walk;
      const std::string fetch =
          "FETCH FORWARD " + std::to_string(kVerifyBatch) + " FROM khe_verify";
      for (;;) {
        auto rows = s.exec(fetch.c_str(), "reading the audit log");
        if (!rows) return rows.error();
        for (int i = 0; i < rows->size(); ++i) {
          const AuditFields f{rows->text(i, 1), rows->text(i, 2), rows->text(i, 3),
                              rows->text(i, 4), rows->text(i, 5), rows->text(i, 6),
                              rows->text(i, 7), rows->text(i, 8)};
          walk.row(rows->int64(i, 0), f, rows->text(i, 9), rows->text(i, 10));
        }
        if (rows->size() < kVerifyBatch) break;
      }
      if (auto ok = s.commit(); !ok) return ok.error();
      return walk.finish(guards_present);
    });
  }

  // One statement, in autocommit, on the token pool, whose connections have
  // synchronous_commit off: the use commits without waiting for its WAL flush. The
  // caller's next durable commit (its audit entry, which every CDS response waits for) is
  // later in the WAL and flushes it too; a crash before that loses the use of a token
  // whose response was never sent.
  Result<bool> use_token(std::string_view key, std::int64_t until, std::int64_t now) override {
    if (auto ok = writable(); !ok) return ok.error();
    const bool sweep = ++token_calls_ % kTokenSweepEvery == 0;
    return with_session_on(token_pool_, [&](Session& s) -> Result<bool> {
      if (sweep) {
        if (auto ok = s.query("DELETE FROM used_tokens WHERE until <= $1", pg::Params().add(now),
                              "forgetting expired tokens");
            !ok) {
          return ok.error();
        }
      }
      // Insert, or take over a use that has expired; a live use is left alone. Two
      // replicas inserting the same key at once: the second waits for the first's row and
      // then sees it live.
      auto ins = s.query(
          "INSERT INTO used_tokens (key, until) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE"
          " SET until = EXCLUDED.until WHERE used_tokens.until <= $3",
          pg::Params().add(key).add(until).add(now), "recording a token");
      if (!ins) return ins.error();
      return ins->changed() == 1;
    });
  }

  Result<bool> ping() override {
    return with_session([&](Session& s) -> Result<bool> {
      if (auto ok = s.query("SELECT 1", "pinging the database"); !ok) return ok.error();
      return true;
    });
  }

 private:
  Pool pool_;
  Pool token_pool_;
  std::atomic<std::uint64_t> token_calls_{0};
};

std::string shown_location(const std::string& url) {
  std::string shown = url;
  // The password of the user information (postgresql://user:password@host/...).
  const std::size_t scheme = url.find("://");
  if (scheme != std::string::npos) {
    const std::size_t start = scheme + 3;
    const std::size_t authority_end = url.find_first_of("/?", start);
    const std::size_t at =
        url.rfind('@', authority_end == std::string::npos ? url.size() : authority_end);
    const std::size_t colon = url.find(':', start);
    if (at != std::string::npos && at >= start && colon != std::string::npos && colon < at) {
      shown = url.substr(0, colon) + ":***" + url.substr(at);
    }
  }
  // A password given as a parameter (...?password=...).
  const std::size_t q = shown.find('?');
  if (q == std::string::npos) return shown;
  std::string out = shown.substr(0, q + 1);
  std::size_t start = q + 1;
  while (start <= shown.size()) {
    std::size_t end = shown.find('&', start);
    if (end == std::string::npos) end = shown.size();
    const std::string pair = shown.substr(start, end - start);
    out += pair.starts_with("password=") ? "password=***" : pair;
    if (end < shown.size()) out += '&';
    start = end + 1;
  }
  return out;
}

Result<std::unique_ptr<Backend>> open_postgres(const std::string& url, const OpenOptions& options) {
  const std::string shown = shown_location(url);
  auto target = parse_target(url, shown);
  if (!target) return target.error();
  auto backend =
      std::make_unique<PostgresBackend>(target->url, shown, target->pool_size, options.read_only);
  if (options.read_only) {
    if (auto ok = backend->check_version(); !ok) return ok.error();
  } else {
    if (auto ok = backend->migrate(options.create_if_missing); !ok) return ok.error();
  }
  return std::unique_ptr<Backend>(std::move(backend));
}

}  // namespace khe::store::detail

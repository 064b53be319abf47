// The store: patients' FHIR resources, CDS Hooks feedback, the hash-chained, append-only
// audit log and the used JWT ids, in one SQLite file (the embedded default) or one
// PostgreSQL database (a network of `khe serve` replicas). One interface, two backends
// (backend.h); the same test suite runs on both. See README.md for the invariants; in short:
//
//  - Every call that returns OK has committed durably: it survives kill -9. A call that
//    returns an error has changed nothing.
//  - "Now" is always a parameter; the store reads no clock.
//  - Values are bound to prepared statements; SQL is never built from values.
//  - Errors are values. For a refused argument, Error::where names the argument
//    ("resource_id", "json", "audit.kind"); for a storage failure it is the database path.
//    Messages never quote an id or a value.
//  - Thread-safe. SQLite: calls are serialised on one connection. PostgreSQL: calls take a
//    connection from a pool; a connection the server dropped is replaced on the next call.
//
// Typical use (the server): open once, share the Store between workers.
//   auto store = Store::open("khe.db");
//   if (!store) { log(store.error().to_string()); return; }
//   (*store)->append_audit({.time = now, .kind = "evaluation", ...});
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "core/time.h"
#include "store/audit.h"

namespace khe::store {

namespace detail {
class Backend;  // backend.h
}

struct OpenOptions {
  // Create the file (mode 0600) and the schema when missing. When false a missing file is
  // an error naming it.
  bool create_if_missing = true;
  // Open without writing anything (no migration, no pragma that writes): for `khe audit
  // verify`. Accepts any schema version this program knows; every write call fails.
  bool read_only = false;
};

// The connection's settings, as the database reports them (for tests and diagnostics).
// The SQLite pragmas are empty/0 on PostgreSQL.
struct Settings {
  std::string backend;       // "sqlite" or "postgresql"
  std::string journal_mode;  // "wal"
  int synchronous = 0;       // 2 = FULL
  bool foreign_keys = false;
  int busy_timeout_ms = 0;
  int schema_version = 0;  // highest applied migration
};

struct PatientEntry {
  std::string id;
  std::string json;  // the Patient resource, verbatim
  Instant created{};
  Instant updated{};  // last change to the patient or any of its resources
};

// One FHIR resource of a patient, for put_resources.
struct Resource {
  std::string type;  // resourceType, e.g. "Observation"
  std::string id;    // FHIR id
  std::string json;  // the resource; its resourceType and id must equal type and id
};

enum class PutOutcome {
  inserted,         // a new (patient, type, id)
  replaced,         // an existing one was replaced; it keeps its place in insertion order
  no_such_patient,  // nothing stored
};

struct PutSummary {
  bool patient_found = false;  // false: nothing stored
  std::size_t inserted = 0;
  std::size_t replaced = 0;
};

class Store {
 public:
  // Opens (and, unless read-only, creates and migrates) the store at `location`:
  //  - a file path: SQLite. Sets journal_mode=WAL, synchronous=FULL, foreign_keys=ON and a
  //    5 s busy timeout. Refuses a SQLite file that is not a khe store.
  //  - a `postgresql://` (or `postgres://`) URL: PostgreSQL, any libpq connection URI, e.g.
  //    postgresql://khe@db.example.org:5432/khe?sslmode=verify-full&pool_size=8. The
  //    database must exist; create_if_missing creates the schema in it. `pool_size` (1..64,
  //    default 8) is read by khe and not passed to libpq.
  // Refuses a database whose schema is newer than this program. Errors name the location
  // (a URL without its password).
  static Result<std::unique_ptr<Store>> open(const std::string& location, OpenOptions options = {});

  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // The file path, or the URL without its password.
  const std::string& path() const { return path_; }
  // True for a database server that several processes on several machines share
  // (PostgreSQL); false for the embedded SQLite file.
  bool shared() const { return shared_; }
  // The newest schema version this program knows (and creates), on either backend: version
  // n is the same logical schema in SQLite and PostgreSQL.
  static int schema_version();
  Result<Settings> settings();

  // ---- Patients and their FHIR resources -------------------------------------------------
  // Stores a Patient resource (`resourceType` "Patient", `id` == id), and `resources` with
  // it (a Bundle import), in one transaction. Returns false, and changes nothing, when the
  // id is already taken.
  Result<bool> create_patient(std::string_view id, std::string_view patient_json, Instant now,
                              const std::optional<AuditRecord>& audit = std::nullopt,
                              const std::vector<Resource>& resources = {});
  // Inserts or replaces the resource (patient_id, type, id). When `audit` is given it is
  // appended in the same transaction: both are stored or neither is.
  Result<PutOutcome> put_resource(std::string_view patient_id, std::string_view resource_type,
                                  std::string_view resource_id, std::string_view json, Instant now,
                                  const std::optional<AuditRecord>& audit = std::nullopt);
  // Several resources of one patient (a Bundle import) in one transaction: all or nothing.
  Result<PutSummary> put_resources(std::string_view patient_id,
                                   const std::vector<Resource>& resources, Instant now,
                                   const std::optional<AuditRecord>& audit = std::nullopt);
  Result<std::optional<PatientEntry>> patient(std::string_view id);
  // The patient's resources (the Patient itself excluded), in first-insertion order.
  // An unknown patient has none.
  Result<std::vector<std::string>> patient_resources(std::string_view patient_id);
  // Every patient, ordered by id.
  Result<std::vector<PatientEntry>> list_patients();
  // Deletes the patient and its resources; audit entries stay. False when there was none.
  Result<bool> delete_patient(std::string_view id,
                              const std::optional<AuditRecord>& audit = std::nullopt);

  // ---- CDS Hooks feedback ---------------------------------------------------------------
  // Stores `json` (well-formed JSON) under (service_id, feedback_key). True when stored;
  // false when that key was already stored for the service (the repeat is not stored:
  // idempotent). service_id is a FHIR id; feedback_key 1..512 bytes.
  Result<bool> put_feedback(std::string_view service_id, std::string_view feedback_key,
                            std::string_view json, Instant now);
  // The service's feedback texts in arrival order.
  Result<std::vector<std::string>> feedback(std::string_view service_id);

  // ---- Audit log ------------------------------------------------------------------------
  // Appends one entry and returns its sequence number. Reads the last hash and inserts in
  // one BEGIN IMMEDIATE transaction, so the chain cannot fork.
  Result<std::int64_t> append_audit(const AuditRecord& record);
  // Appends several entries in one transaction (one fsync): all or none. Returns the last
  // entry's sequence number (0 for an empty list). For the server's group commit.
  Result<std::int64_t> append_audits(const std::vector<AuditRecord>& records);
  // Up to `limit` entries with seq > after_seq, in order.
  Result<std::vector<AuditEntry>> audit_entries(std::int64_t after_seq, std::size_t limit);
  // Recomputes the whole chain (streaming; constant memory).
  Result<AuditCheck> verify_audit();

  // ---- Shared JWT replay cache ----------------------------------------------------------
  // Records that the token `token_id` (e.g. issuer + jti; stored only as its SHA-256) was
  // used, until `until` (after which it could not be accepted anyway). True when it had not
  // been used (or only by a use that expired before `now`); false for a replay. Atomic
  // across every process sharing the database: of two replicas given the same token at the
  // same moment, exactly one gets true.
  Result<bool> use_token(std::string_view token_id, Instant until, Instant now);

  // One round trip to the database: for the readiness endpoint.
  Result<bool> ping();

 private:
  Store(std::string path, bool shared, std::unique_ptr<detail::Backend> backend);

  std::string path_;
  bool shared_ = false;
  std::unique_ptr<detail::Backend> backend_;
};

}  // namespace khe::store

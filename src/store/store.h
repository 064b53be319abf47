// The embedded store: one SQLite file with patients' FHIR resources, CDS Hooks feedback and
// the hash-chained, append-only audit log. See README.md for the invariants; in short:
//
//  - Every call that returns OK has committed (WAL, synchronous=FULL): it survives kill -9.
//    A call that returns an error has changed nothing.
//  - "Now" is always a parameter; the store reads no clock.
//  - Values are bound to prepared statements; SQL is never built from values.
//  - Errors are values. For a refused argument, Error::where names the argument
//    ("resource_id", "json", "audit.kind"); for a storage failure it is the database path.
//    Messages never quote an id or a value.
//  - Thread-safe: calls are serialised on one connection.
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
struct StoreImpl;  // the connection; defined in store.cpp
}

struct OpenOptions {
  // Create the file (mode 0600) and the schema when missing. When false a missing file is
  // an error naming it.
  bool create_if_missing = true;
  // Open without writing anything (no migration, no pragma that writes): for `khe audit
  // verify`. Accepts any schema version this program knows; every write call fails.
  bool read_only = false;
};

// The connection's settings, as SQLite reports them (for tests and diagnostics).
struct Settings {
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
  // Opens (and, unless read-only, creates and migrates) the store at `path`. Sets
  // journal_mode=WAL, synchronous=FULL, foreign_keys=ON and a 5 s busy timeout. Refuses a
  // database whose schema is newer than this program, or a SQLite file that is not a khe
  // store. Errors name the file.
  static Result<std::unique_ptr<Store>> open(const std::string& path, OpenOptions options = {});

  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  const std::string& path() const { return path_; }
  // The newest schema version this program knows (and creates).
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

 private:
  Store(std::string path, std::unique_ptr<detail::StoreImpl> impl);

  std::string path_;
  std::unique_ptr<detail::StoreImpl> impl_;
};

}  // namespace khe::store

// Internal: what a storage engine implements for store::Store (store.h). Store checks every
// argument (ids, JSON, audit records) before a backend sees it, so a backend only stores
// and reads; both backends keep the invariants of README.md in the same words:
//
//  - Durable on OK: every mutating call is one transaction, committed before it returns;
//    an error means nothing changed.
//  - The audit chain is appended under a lock that serialises every writer of the database
//    (all threads and processes), inside the writing transaction: no fork, no gap.
//  - Times arrive as format_instant text (fixed width, so text order is time order); token
//    expiries as seconds since the epoch.
//  - Thread-safe: Store calls a backend from any thread.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "store/audit.h"
#include "store/store.h"

namespace khe::store::detail {

class Backend {
 public:
  virtual ~Backend() = default;

  virtual Result<Settings> settings() = 0;
  // Nothing stored and false when the id is taken.
  virtual Result<bool> create_patient(std::string_view id, std::string_view patient_json,
                                      std::string_view now, const AuditRecord* audit,
                                      const std::vector<Resource>& resources) = 0;
  // patient_found false (and nothing stored) for an unknown patient.
  virtual Result<PutSummary> put_resources(std::string_view patient_id,
                                           const std::vector<Resource>& resources,
                                           std::string_view now, const AuditRecord* audit) = 0;
  virtual Result<std::optional<PatientEntry>> patient(std::string_view id) = 0;
  virtual Result<std::vector<std::string>> patient_resources(std::string_view patient_id) = 0;
  virtual Result<std::vector<PatientEntry>> list_patients() = 0;
  virtual Result<bool> delete_patient(std::string_view id, const AuditRecord* audit) = 0;
  virtual Result<bool> put_feedback(std::string_view service_id, std::string_view feedback_key,
                                    std::string_view json, std::string_view now) = 0;
  virtual Result<std::vector<std::string>> feedback(std::string_view service_id) = 0;
  // All or none, in one transaction; returns the last seq (0 for an empty list, once the
  // store is known to be writable).
  virtual Result<std::int64_t> append_audits(const std::vector<AuditRecord>& records) = 0;
  virtual Result<std::vector<AuditEntry>> audit_entries(std::int64_t after_seq,
                                                        std::size_t limit) = 0;
  virtual Result<AuditCheck> verify_audit() = 0;
  // Records `key` as used until `until` (epoch seconds). True when it was not in use at
  // `now` (an expired use is replaced); false when a live use exists. Atomic across every
  // process of the database. Forgets uses that expired before `now` from time to time.
  virtual Result<bool> use_token(std::string_view key, std::int64_t until, std::int64_t now) = 0;
  // One round trip to the database (readiness).
  virtual Result<bool> ping() = 0;
};

// The SQLite backend (sqlite_backend.cpp): `path` is a file.
Result<std::unique_ptr<Backend>> open_sqlite(const std::string& path, const OpenOptions& options);
// The PostgreSQL backend (postgres_backend.cpp): `url` is a libpq connection URI.
// shown_location is the URL as errors and logs show it: its password replaced by ***.
std::string shown_location(const std::string& url);
Result<std::unique_ptr<Backend>> open_postgres(const std::string& url, const OpenOptions& options);

}  // namespace khe::store::detail

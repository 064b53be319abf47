// The audit log's record and its hash chain. Pure functions: no database, no clock.
//
// Chain: hash_n = SHA-256(hash_{n-1} || enc(n)), written as 64 lowercase hex characters;
// the predecessor of entry 1 is kGenesisHash (64 '0'). hash_{n-1} enters as its 64 hex
// characters. enc(n) is, for each field in this order,
//   "khe-audit/1", seq (decimal), time, kind, caller, patient_id, input_sha256,
//   knowledge_version, profile, report_sha256,
// an 8-byte big-endian length followed by the field's bytes. Length prefixes make the
// encoding injective: no field boundary can be shifted ("ab"+"c" vs "a"+"bc").
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"
#include "core/time.h"

namespace khe::store {

inline constexpr std::string_view kGenesisHash =
    "0000000000000000000000000000000000000000000000000000000000000000";

// What is audited. Strings may be empty where they do not apply (e.g. no report for
// "feedback"). Never put patient data other than the patient id here.
struct AuditRecord {
  Instant time{};                 // when it happened (stored as format_instant text)
  std::string kind;               // "evaluation", "card", "feedback" or "write"
  std::string caller;             // who asked: a client id or JWT issuer/subject (<= 256 bytes)
  std::string patient_id;         // empty or a FHIR id
  std::string input_sha256;       // empty or lowercase hex SHA-256 of the input bytes
  std::string knowledge_version;  // <= 128 bytes
  std::string profile;            // <= 128 bytes
  std::string report_sha256;      // empty or lowercase hex SHA-256 of the report bytes
};

// An entry as stored: its sequence number (1, 2, 3, ... without gaps) and chain hash.
struct AuditEntry {
  std::int64_t seq = 0;
  AuditRecord record;
  std::string hash;
};

// The outcome of verify_audit. `intact()` when every entry chains and the append-only
// triggers are in place.
struct AuditCheck {
  std::int64_t entries = 0;                   // rows in the audit table
  std::optional<std::int64_t> first_bad_seq;  // first entry whose chain does not hold
  std::string why;                            // plain words; no field values
  bool guards_present = true;                 // the append-only triggers exist
  std::string head;  // hash of the last entry (kGenesisHash when empty); valid when intact

  bool intact() const { return !first_bad_seq && guards_present; }
};

bool valid_audit_kind(std::string_view kind);

// Checks the record's fields (kind, id and hash formats, lengths, no control characters).
// On failure the Error names the field, not its value.
Result<bool> check_audit_record(const AuditRecord& record);

// The text fields of an entry exactly as stored (time as its stored text).
struct AuditFields {
  std::string_view time, kind, caller, patient_id, input_sha256, knowledge_version, profile,
      report_sha256;
};

// hash_n from hash_{n-1}, n and the entry's fields (see the top of this file).
std::string chain_hash(std::string_view previous_hash, std::int64_t seq, const AuditFields& f);

// Walks the stored chain in seq order and records the first entry that breaks it: the one
// verifier of both backends (each streams its rows in one snapshot and feeds them here).
// After the last row, finish() returns the verdict with `guards_present` as given.
class ChainWalk {
 public:
  // One stored row, in ascending seq order.
  void row(std::int64_t seq, const AuditFields& fields, std::string_view stored_prev,
           std::string_view stored_hash);
  AuditCheck finish(bool guards_present);

 private:
  AuditCheck check_;
  std::string prev_{kGenesisHash};
  std::int64_t expected_ = 1;
};

// Lowercase hex SHA-256 of `bytes` (OpenSSL).
std::string sha256_hex(std::string_view bytes);

}  // namespace khe::store

#include "store/schema.h"

#include <array>

namespace khe::store::schema {
namespace {

// Version 1. STRICT tables enforce the column types. Times are format_instant text.
// audit.seq is 1, 2, 3, ... with no gap (the insert trigger); UPDATE and DELETE on audit
// abort. prev_hash repeats the previous entry's hash (redundant with the chain, it lets
// verify tell a broken link from a changed entry). Resources keep their first-insertion order in
// `seq` (an upsert keeps the row).
constexpr const char* kV1 = R"sql(
CREATE TABLE patients (
  id         TEXT NOT NULL PRIMARY KEY,
  json       TEXT NOT NULL CHECK (json_valid(json)),
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
) STRICT;

CREATE TABLE resources (
  seq           INTEGER PRIMARY KEY AUTOINCREMENT,
  patient_id    TEXT NOT NULL REFERENCES patients(id) ON DELETE CASCADE,
  resource_type TEXT NOT NULL,
  resource_id   TEXT NOT NULL,
  json          TEXT NOT NULL CHECK (json_valid(json)),
  created_at    TEXT NOT NULL,
  updated_at    TEXT NOT NULL,
  UNIQUE (patient_id, resource_type, resource_id)
) STRICT;

CREATE TABLE feedback (
  seq          INTEGER PRIMARY KEY AUTOINCREMENT,
  service_id   TEXT NOT NULL,
  feedback_key TEXT NOT NULL,
  json         TEXT NOT NULL CHECK (json_valid(json)),
  received_at  TEXT NOT NULL,
  UNIQUE (service_id, feedback_key)
) STRICT;

CREATE TABLE audit (
  seq               INTEGER PRIMARY KEY,
  time              TEXT NOT NULL,
  kind              TEXT NOT NULL,
  caller            TEXT NOT NULL,
  patient_id        TEXT NOT NULL,
  input_sha256      TEXT NOT NULL,
  knowledge_version TEXT NOT NULL,
  profile           TEXT NOT NULL,
  report_sha256     TEXT NOT NULL,
  prev_hash         TEXT NOT NULL,
  hash              TEXT NOT NULL
) STRICT;

CREATE TRIGGER audit_append_only_update BEFORE UPDATE ON audit
BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;

CREATE TRIGGER audit_append_only_delete BEFORE DELETE ON audit
BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;

CREATE TRIGGER audit_append_only_insert BEFORE INSERT ON audit
WHEN NEW.seq IS NOT (SELECT IFNULL(MAX(seq), 0) + 1 FROM audit)
BEGIN SELECT RAISE(ABORT, 'audit entries are appended in sequence'); END;
)sql";

// Version 2. The JWT ids (`jti`) already accepted, shared by every `khe serve` process of
// the database so that a token replayed against another replica is refused. `key` is the
// SHA-256 of issuer and jti (no token content is stored); `until` (seconds since the epoch)
// is when the token can no longer be accepted, after which the row may be deleted.
constexpr const char* kV2 = R"sql(
CREATE TABLE used_tokens (
  key   TEXT NOT NULL PRIMARY KEY,
  until INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

CREATE INDEX used_tokens_until ON used_tokens (until);
)sql";

constexpr std::array<Migration, 2> kMigrations{{
    {1, "patients, resources, feedback, audit", kV1},
    {2, "used_tokens (the shared JWT replay cache)", kV2},
}};

}  // namespace

std::span<const Migration> migrations() { return kMigrations; }

}  // namespace khe::store::schema

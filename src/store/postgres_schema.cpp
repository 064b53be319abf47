// The PostgreSQL form of the store's schema (schema.h): the same tables as schema.cpp, in
// the connection's current schema (normally `public`). JSON is kept as `text`, so it comes
// back byte for byte (Store checks it before it gets here). Times are format_instant text,
// token expiries epoch seconds, as on SQLite. The append-only guards are PL/pgSQL triggers;
// TRUNCATE, which skips row triggers, has its own.
#include <array>

#include "store/schema.h"

namespace khe::store::schema {
namespace {

constexpr const char* kV1 = R"sql(
CREATE TABLE patients (
  id         TEXT NOT NULL PRIMARY KEY,
  json       TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);

CREATE TABLE resources (
  seq           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  patient_id    TEXT NOT NULL REFERENCES patients(id) ON DELETE CASCADE,
  resource_type TEXT NOT NULL,
  resource_id   TEXT NOT NULL,
  json          TEXT NOT NULL,
  created_at    TEXT NOT NULL,
  updated_at    TEXT NOT NULL,
  UNIQUE (patient_id, resource_type, resource_id)
);

CREATE TABLE feedback (
  seq          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  service_id   TEXT NOT NULL,
  feedback_key TEXT NOT NULL,
  json         TEXT NOT NULL,
  received_at  TEXT NOT NULL,
  UNIQUE (service_id, feedback_key)
);

CREATE TABLE audit (
  seq               BIGINT NOT NULL PRIMARY KEY,
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
);

CREATE FUNCTION khe_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit log is append-only';
END $$;

CREATE FUNCTION khe_audit_in_sequence() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.seq IS DISTINCT FROM (SELECT COALESCE(MAX(seq), 0) + 1 FROM audit) THEN
    RAISE EXCEPTION 'audit entries are appended in sequence';
  END IF;
  RETURN NEW;
END $$;

CREATE TRIGGER audit_append_only_update BEFORE UPDATE ON audit
  FOR EACH ROW EXECUTE FUNCTION khe_audit_append_only();
CREATE TRIGGER audit_append_only_delete BEFORE DELETE ON audit
  FOR EACH ROW EXECUTE FUNCTION khe_audit_append_only();
CREATE TRIGGER audit_append_only_truncate BEFORE TRUNCATE ON audit
  FOR EACH STATEMENT EXECUTE FUNCTION khe_audit_append_only();
CREATE TRIGGER audit_append_only_insert BEFORE INSERT ON audit
  FOR EACH ROW EXECUTE FUNCTION khe_audit_in_sequence();
)sql";

constexpr const char* kV2 = R"sql(
CREATE TABLE used_tokens (
  key   TEXT NOT NULL PRIMARY KEY,
  until BIGINT NOT NULL
);

CREATE INDEX used_tokens_until ON used_tokens (until);
)sql";

constexpr std::array<Migration, 2> kMigrations{{
    {1, "patients, resources, feedback, audit", kV1},
    {2, "used_tokens (the shared JWT replay cache)", kV2},
}};

}  // namespace

std::span<const Migration> postgres_migrations() { return kMigrations; }

}  // namespace khe::store::schema

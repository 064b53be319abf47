// Internal: the store's versioned schema. Migration n turns schema n-1 into schema n; each
// is applied once, in its own transaction, and recorded in `schema_migrations`. Never edit
// a migration that has shipped: add the next one.
#pragma once

#include <span>

namespace khe::store::schema {

struct Migration {
  int version = 0;
  const char* name = "";
  const char* sql = "";  // one or more statements, run by sqlite3_exec
};

// In version order, starting at 1, without gaps. Version n of the two lists is the same
// logical schema (same tables, columns, keys and append-only guards), so a store's
// schema_version means the same on both backends.
std::span<const Migration> migrations();           // SQLite (schema.cpp)
std::span<const Migration> postgres_migrations();  // PostgreSQL (postgres_schema.cpp)

}  // namespace khe::store::schema

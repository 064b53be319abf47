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

// In version order, starting at 1, without gaps.
std::span<const Migration> migrations();

}  // namespace khe::store::schema

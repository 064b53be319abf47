// Internal: a thin RAII layer over the SQLite C API, for the store and the study file of
// `khe randomize` (src/randomize/study.cpp). Not part of the store's interface.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.h"

namespace khe::store::sql {

// A prepared statement. Bind values by 1-based index; reset() before reuse.
class Statement {
 public:
  Statement() = default;
  explicit Statement(sqlite3_stmt* s) : s_(s) {}
  // Prepares `sql` on `db`; ok() is false when it does not compile.
  Statement(sqlite3* db, std::string_view sql) {
    if (sqlite3_prepare_v2(db, sql.data(), static_cast<int>(sql.size()), &s_, nullptr) !=
        SQLITE_OK) {
      sqlite3_finalize(s_);
      s_ = nullptr;
    }
  }
  bool ok() const { return s_ != nullptr; }
  ~Statement() { sqlite3_finalize(s_); }
  Statement(Statement&& o) noexcept : s_(o.s_) { o.s_ = nullptr; }
  Statement& operator=(Statement&& o) noexcept {
    if (this != &o) {
      sqlite3_finalize(s_);
      s_ = o.s_;
      o.s_ = nullptr;
    }
    return *this;
  }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  // SQLITE_TRANSIENT: SQLite copies the bytes, so the caller's buffers may go away.
  void bind(int i, std::string_view v) {
    sqlite3_bind_text(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
  }
  void bind(int i, std::int64_t v) { sqlite3_bind_int64(s_, i, v); }
  int step() { return sqlite3_step(s_); }
  void reset() {
    sqlite3_reset(s_);
    sqlite3_clear_bindings(s_);
  }
  std::string_view text(int col) const {
    const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(s_, col));
    const int n = sqlite3_column_bytes(s_, col);
    return p ? std::string_view(p, static_cast<std::size_t>(n)) : std::string_view();
  }
  std::int64_t int64(int col) const { return sqlite3_column_int64(s_, col); }
  bool is_null(int col) const { return sqlite3_column_type(s_, col) == SQLITE_NULL; }
  sqlite3_stmt* get() const { return s_; }

 private:
  sqlite3_stmt* s_ = nullptr;
};

// Resets the statement (and clears its bindings) when leaving the scope, so a cached
// statement never holds a read transaction open.
class Use {
 public:
  explicit Use(Statement& s) : s_(s) {}
  ~Use() { s_.reset(); }
  Use(const Use&) = delete;
  Use& operator=(const Use&) = delete;
  Statement* operator->() { return &s_; }
  Statement& operator*() { return s_; }

 private:
  Statement& s_;
};

// Bytes are at most this long (1 GB, SQLite's default limit, minus headroom).
inline constexpr std::size_t kMaxBytes = 900u * 1024u * 1024u;

}  // namespace khe::store::sql

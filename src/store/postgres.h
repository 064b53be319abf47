// Internal: a thin RAII layer over libpq, for the PostgreSQL backend. Not part of the
// store's interface.
#pragma once

#include <libpq-fe.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace khe::store::pg {

struct ConnFree {
  void operator()(PGconn* c) const { PQfinish(c); }
};
using ConnPtr = std::unique_ptr<PGconn, ConnFree>;

// A query's result; ok() when the server answered with rows or a command tag.
class Rows {
 public:
  Rows() = default;
  explicit Rows(PGresult* r) : r_(r) {}
  bool ok() const {
    const auto s = PQresultStatus(r_.get());
    return r_ && (s == PGRES_TUPLES_OK || s == PGRES_COMMAND_OK);
  }
  int size() const { return PQntuples(r_.get()); }
  std::string_view text(int row, int col) const {
    return {PQgetvalue(r_.get(), row, col),
            static_cast<std::size_t>(PQgetlength(r_.get(), row, col))};
  }
  bool is_null(int row, int col) const { return PQgetisnull(r_.get(), row, col) == 1; }
  std::int64_t int64(int row, int col) const { return std::stoll(std::string(text(row, col))); }
  // Rows changed by an INSERT/UPDATE/DELETE.
  std::int64_t changed() const {
    const char* n = PQcmdTuples(r_.get());
    return (n && *n) ? std::stoll(n) : 0;
  }
  // SQLSTATE ("" when none) and the primary message: never the DETAIL, which can quote
  // values (a duplicate key's id).
  std::string sqlstate() const {
    const char* s = r_ ? PQresultErrorField(r_.get(), PG_DIAG_SQLSTATE) : nullptr;
    return s ? s : "";
  }
  std::string primary_message() const {
    const char* s = r_ ? PQresultErrorField(r_.get(), PG_DIAG_MESSAGE_PRIMARY) : nullptr;
    return s ? s : "";
  }

 private:
  struct Free {
    void operator()(PGresult* r) const { PQclear(r); }
  };
  std::unique_ptr<PGresult, Free> r_;
};

// Parameters of one statement, as text (libpq copies nothing: keep them alive until the
// call returns).
class Params {
 public:
  Params& add(std::string_view v) {
    owned_.emplace_back(v);
    return *this;
  }
  Params& add(std::int64_t v) {
    owned_.push_back(std::to_string(v));
    return *this;
  }
  int count() const { return static_cast<int>(owned_.size()); }
  // Valid until the next add().
  std::vector<const char*> values() const {
    std::vector<const char*> v;
    for (const std::string& s : owned_) v.push_back(s.c_str());
    return v;
  }
  std::vector<int> lengths() const {
    std::vector<int> v;
    for (const std::string& s : owned_) v.push_back(static_cast<int>(s.size()));
    return v;
  }

 private:
  std::vector<std::string> owned_;
};

}  // namespace khe::store::pg

// Shared helpers of the randomisation tests: seeds, designs and raw SQLite access to a
// study file (for tampering, as someone with the file and a SQLite shell would).
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <string>

#include "core/time.h"
#include "randomize/crypto.h"
#include "randomize/design.h"

namespace khe::randomize::testing {

// A seed whose bytes are all derived from `n` (synthetic, for tests only).
inline Seed seed_from(std::uint64_t n) {
  Seed s{};
  const std::string h = sha256("khe-randomize-test-seed/" + std::to_string(n));
  for (std::size_t i = 0; i < s.size(); ++i) s[i] = static_cast<unsigned char>(h[i]);
  return s;
}

// Two arms 1:1, blocks of 4 and 6, KMP severity x age band (4 strata).
inline Design trial_design(std::int64_t size_per_stratum = 30) {
  Design d;
  d.arms = {"sirolimus", "sirolimus_prednisolone"};
  d.ratio = {1, 1};
  d.block_sizes = {4, 6};
  d.factors = {Factor{"kmp", {"severe", "non_severe"}}, Factor{"age", {"lt6m", "ge6m"}}};
  d.size_per_stratum = size_per_stratum;
  return d;
}

inline Instant at(std::int64_t seconds = 0) {
  return start_of(Date(std::chrono::year(2026) / 8 / 3)) + Seconds(43200 + seconds);
}

class RawDb {
 public:
  explicit RawDb(const std::string& path) { sqlite3_open(path.c_str(), &db_); }
  ~RawDb() { sqlite3_close(db_); }
  RawDb(const RawDb&) = delete;
  RawDb& operator=(const RawDb&) = delete;
  int exec(const std::string& sql) {
    return sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, nullptr);
  }
  std::string text(const std::string& sql) {
    sqlite3_stmt* st = nullptr;
    std::string out;
    if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &st, nullptr) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0)) {
      out = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
    }
    sqlite3_finalize(st);
    return out;
  }
  const char* error() const { return sqlite3_errmsg(db_); }

 private:
  sqlite3* db_ = nullptr;
};

}  // namespace khe::randomize::testing

// A study's randomisation design: arms and their allocation ratio, permuted-block sizes,
// stratification factors and the list length per stratum; its checks, its canonical JSON
// text (whose SHA-256 binds every key and commitment to the design) and the strata.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace khe::randomize {

// Version tag of every construction in this module (docs/randomize.md).
inline constexpr std::string_view kFormat = "khe-randomize/1";

// Upper bounds that keep a list small enough to generate, seal and verify in seconds.
inline constexpr int kMaxArms = 8;
inline constexpr int kMaxRatio = 10;
inline constexpr int kMaxBlockSize = 64;
inline constexpr int kMaxStrata = 256;
inline constexpr std::int64_t kMaxListEntries = 200000;

struct Factor {
  std::string name;                 // e.g. "kmp"
  std::vector<std::string> levels;  // e.g. {"severe", "non_severe"}
};

struct Design {
  std::vector<std::string> arms;      // e.g. {"sirolimus", "sirolimus_prednisolone"}
  std::vector<int> ratio;             // one weight per arm, e.g. {1, 1}
  std::vector<int> block_sizes;       // each a multiple of the ratio's sum, e.g. {4, 6}
  std::vector<Factor> factors;        // stratification factors; none = one stratum
  std::int64_t size_per_stratum = 0;  // the list holds at least this many per stratum
};

// Names of arms, factors and levels: [A-Za-z0-9_.+-]{1,64}.
bool valid_name(std::string_view name);

// Every rule of the design (docs/randomize.md, "Design"); the Error names the field.
Result<bool> check_design(const Design& d);

// Canonical JSON text of a checked design (fixed key order, no spaces).
std::string design_json(const Design& d);
// Parses design_json output back (the study file keeps the text).
Result<Design> parse_design_json(std::string_view json);
// Lowercase hex SHA-256 of design_json(d).
std::string design_sha256_hex(const Design& d);

// Sum of the ratio.
int ratio_sum(const Design& d);

// Every stratum key in canonical order: the cartesian product of the factors' levels,
// the first factor varying slowest, written "kmp=severe,age=lt6m". With no factors the one
// stratum is "all".
std::vector<std::string> strata(const Design& d);

// A stratum given by the user ("age=lt6m,kmp=severe", any factor order) as its canonical
// key. Every factor exactly once, every level declared. With no factors: "" or "all".
Result<std::string> canonical_stratum(const Design& d, std::string_view spec);

// Command-line helpers. "A,B" -> {"A","B"}; "1:1" or "2:1" -> {1,1}/{2,1}; "4,6" -> {4,6};
// "kmp=severe,non_severe" -> Factor.
Result<std::vector<std::string>> parse_arms(std::string_view text);
Result<std::vector<int>> parse_ratio(std::string_view text);
Result<std::vector<int>> parse_block_sizes(std::string_view text);
Result<Factor> parse_factor(std::string_view text);

}  // namespace khe::randomize

#include "randomize/design.h"

#include <algorithm>
#include <charconv>
#include <limits>
#include <set>

#include <nlohmann/json.hpp>

#include "randomize/crypto.h"

namespace khe::randomize {
namespace {

std::vector<std::string_view> split(std::string_view text, char sep) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  while (true) {
    const std::size_t at = text.find(sep, start);
    out.push_back(
        text.substr(start, at == std::string_view::npos ? std::string_view::npos : at - start));
    if (at == std::string_view::npos) break;
    start = at + 1;
  }
  return out;
}

Result<int> parse_int(std::string_view text, std::string_view field) {
  int v = 0;
  const auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || p != text.data() + text.size() || text.empty()) {
    return Error{std::string(field), "not a whole number"};
  }
  return v;
}

template <typename T>
bool all_distinct(const std::vector<T>& v) {
  std::set<T> s(v.begin(), v.end());
  return s.size() == v.size();
}

}  // namespace

bool valid_name(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '.' || c == '+' || c == '-';
  });
}

int ratio_sum(const Design& d) {
  int s = 0;
  for (int r : d.ratio) s += r;
  return s;
}

Result<bool> check_design(const Design& d) {
  if (d.arms.size() < 2 || d.arms.size() > static_cast<std::size_t>(kMaxArms)) {
    return Error{"arms", "give 2 to " + std::to_string(kMaxArms) + " arms"};
  }
  for (const auto& a : d.arms) {
    if (!valid_name(a)) return Error{"arms", "an arm name is not [A-Za-z0-9_.+-]{1,64}"};
  }
  if (!all_distinct(d.arms)) return Error{"arms", "arm names repeat"};
  if (d.ratio.size() != d.arms.size()) {
    return Error{"ratio", "needs one weight per arm"};
  }
  for (int r : d.ratio) {
    if (r < 1 || r > kMaxRatio) {
      return Error{"ratio", "each weight must be 1 to " + std::to_string(kMaxRatio)};
    }
  }
  if (d.block_sizes.empty()) return Error{"block-sizes", "give at least one block size"};
  const int sum = ratio_sum(d);
  for (int b : d.block_sizes) {
    if (b < 1 || b > kMaxBlockSize || b % sum != 0) {
      return Error{"block-sizes", "each block size must be a multiple of the ratio's sum (" +
                                      std::to_string(sum) + ") and at most " +
                                      std::to_string(kMaxBlockSize)};
    }
  }
  if (!all_distinct(d.block_sizes)) return Error{"block-sizes", "block sizes repeat"};
  std::int64_t n_strata = 1;
  std::vector<std::string> names;
  for (const auto& f : d.factors) {
    if (!valid_name(f.name)) return Error{"strata", "a factor name is not [A-Za-z0-9_.+-]{1,64}"};
    names.push_back(f.name);
    if (f.levels.size() < 2) return Error{"strata", "a factor needs at least two levels"};
    for (const auto& l : f.levels) {
      if (!valid_name(l)) return Error{"strata", "a level is not [A-Za-z0-9_.+-]{1,64}"};
    }
    if (!all_distinct(f.levels)) return Error{"strata", "a factor's levels repeat"};
    n_strata *= static_cast<std::int64_t>(f.levels.size());
    if (n_strata > kMaxStrata) {
      return Error{"strata", "more than " + std::to_string(kMaxStrata) + " strata"};
    }
  }
  if (!all_distinct(names)) return Error{"strata", "factor names repeat"};
  if (d.size_per_stratum < 1) return Error{"size-per-stratum", "must be at least 1"};
  const int max_block = *std::max_element(d.block_sizes.begin(), d.block_sizes.end());
  if (n_strata * (d.size_per_stratum + max_block) > kMaxListEntries) {
    return Error{"size-per-stratum",
                 "the list would exceed " + std::to_string(kMaxListEntries) + " entries"};
  }
  return true;
}

std::string design_json(const Design& d) {
  nlohmann::ordered_json j;
  j["format"] = std::string(kFormat);
  j["arms"] = d.arms;
  j["ratio"] = d.ratio;
  j["block_sizes"] = d.block_sizes;
  j["strata"] = nlohmann::ordered_json::array();
  for (const auto& f : d.factors) {
    nlohmann::ordered_json fj;
    fj["factor"] = f.name;
    fj["levels"] = f.levels;
    j["strata"].push_back(fj);
  }
  j["size_per_stratum"] = d.size_per_stratum;
  return j.dump();
}

namespace {

// The JSON value's integers, when it is an array of integers (never a float: a float such
// as 6e113 converted to int would be undefined behaviour) within [lo, hi].
bool int_array(const nlohmann::json& v, std::int64_t lo, std::int64_t hi, std::vector<int>& out) {
  if (!v.is_array()) return false;
  for (const auto& x : v) {
    if (!x.is_number_integer()) return false;
    const auto n = x.get<std::int64_t>();
    if (x.is_number_unsigned() && x.get<std::uint64_t>() > static_cast<std::uint64_t>(hi))
      return false;
    if (n < lo || n > hi) return false;
    out.push_back(static_cast<int>(n));
  }
  return true;
}

bool string_array(const nlohmann::json& v, std::vector<std::string>& out) {
  if (!v.is_array()) return false;
  for (const auto& x : v) {
    if (!x.is_string()) return false;
    out.push_back(x.get<std::string>());
  }
  return true;
}

}  // namespace

Result<Design> parse_design_json(std::string_view json) {
  const auto j = nlohmann::json::parse(json, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return Error{"design", "not a JSON object"};
  auto field = [&](const char* name) -> const nlohmann::json* {
    auto it = j.find(name);
    return it == j.end() ? nullptr : &*it;
  };
  const Error wrong{"design", "a field is missing or of the wrong type"};
  const auto* format = field("format");
  if (!format || !format->is_string()) return wrong;
  if (format->get<std::string>() != kFormat)
    return Error{"design", "unknown format (made by a newer version?)"};
  Design d;
  const auto* arms = field("arms");
  const auto* ratio = field("ratio");
  const auto* blocks = field("block_sizes");
  const auto* strata_json = field("strata");
  const auto* size = field("size_per_stratum");
  constexpr std::int64_t kIntMax = std::numeric_limits<int>::max();
  if (!arms || !string_array(*arms, d.arms) || !ratio ||
      !int_array(*ratio, -kIntMax, kIntMax, d.ratio) || !blocks ||
      !int_array(*blocks, -kIntMax, kIntMax, d.block_sizes) || !strata_json ||
      !strata_json->is_array() || !size || !size->is_number_integer() ||
      (size->is_number_unsigned() &&
       size->get<std::uint64_t>() > static_cast<std::uint64_t>(kMaxListEntries)))
    return wrong;
  d.size_per_stratum = size->get<std::int64_t>();
  for (const auto& fj : *strata_json) {
    Factor f;
    if (!fj.is_object() || !fj.contains("factor") || !fj["factor"].is_string() ||
        !fj.contains("levels") || !string_array(fj["levels"], f.levels))
      return wrong;
    f.name = fj["factor"].get<std::string>();
    d.factors.push_back(std::move(f));
  }
  if (auto ok = check_design(d); !ok) return ok.error();
  return d;
}

std::string design_sha256_hex(const Design& d) { return to_hex(sha256(design_json(d))); }

std::vector<std::string> strata(const Design& d) {
  if (d.factors.empty()) return {"all"};
  std::vector<std::string> out{""};
  for (const auto& f : d.factors) {
    std::vector<std::string> next;
    for (const auto& prefix : out) {
      for (const auto& level : f.levels) {
        next.push_back(prefix + (prefix.empty() ? "" : ",") + f.name + "=" + level);
      }
    }
    out = std::move(next);
  }
  return out;
}

Result<std::string> canonical_stratum(const Design& d, std::string_view spec) {
  if (d.factors.empty()) {
    if (spec.empty() || spec == "all") return std::string("all");
    return Error{"stratum", "the study has no strata: give none (or \"all\")"};
  }
  if (spec.empty()) return Error{"stratum", "the study is stratified: give factor=level,..."};
  std::vector<std::string> chosen(d.factors.size());
  for (std::string_view part : split(spec, ',')) {
    const std::size_t eq = part.find('=');
    if (eq == std::string_view::npos) return Error{"stratum", "write factor=level,factor=level"};
    const std::string_view name = part.substr(0, eq);
    const std::string_view level = part.substr(eq + 1);
    std::size_t i = 0;
    while (i < d.factors.size() && d.factors[i].name != name) ++i;
    if (i == d.factors.size()) return Error{"stratum", "names a factor the study does not have"};
    if (!chosen[i].empty()) return Error{"stratum", "gives a factor twice"};
    const auto& levels = d.factors[i].levels;
    if (std::find(levels.begin(), levels.end(), level) == levels.end()) {
      return Error{"stratum", "gives a level the factor does not have"};
    }
    chosen[i] = std::string(level);
  }
  std::string key;
  for (std::size_t i = 0; i < d.factors.size(); ++i) {
    if (chosen[i].empty()) return Error{"stratum", "every factor needs a level"};
    key += (i ? "," : "") + d.factors[i].name + "=" + chosen[i];
  }
  return key;
}

Result<std::vector<std::string>> parse_arms(std::string_view text) {
  std::vector<std::string> out;
  for (auto part : split(text, ',')) out.emplace_back(part);
  return out;
}

Result<std::vector<int>> parse_ratio(std::string_view text) {
  std::vector<int> out;
  for (auto part : split(text, ':')) {
    auto v = parse_int(part, "ratio");
    if (!v) return v.error();
    out.push_back(*v);
  }
  return out;
}

Result<std::vector<int>> parse_block_sizes(std::string_view text) {
  std::vector<int> out;
  for (auto part : split(text, ',')) {
    auto v = parse_int(part, "block-sizes");
    if (!v) return v.error();
    out.push_back(*v);
  }
  return out;
}

Result<Factor> parse_factor(std::string_view text) {
  const std::size_t eq = text.find('=');
  if (eq == std::string_view::npos) return Error{"strata", "write factor=level1,level2"};
  Factor f;
  f.name = std::string(text.substr(0, eq));
  for (auto part : split(text.substr(eq + 1), ',')) f.levels.emplace_back(part);
  return f;
}

}  // namespace khe::randomize

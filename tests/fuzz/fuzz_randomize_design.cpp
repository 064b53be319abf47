// libFuzzer target: the randomisation design's parsers (the study file's design JSON and the
// command-line arms, ratio, block sizes, factor and stratum texts) on any bytes: a value or
// an Error, never a crash. A design that parses and passes check_design writes back to the
// same canonical text, and every one of its strata is its own canonical key.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "randomize/design.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace khe::randomize;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)parse_arms(text);
  (void)parse_ratio(text);
  (void)parse_block_sizes(text);
  (void)parse_factor(text);
  (void)valid_name(text);
  auto design = parse_design_json(text);
  if (!design || !check_design(design.value())) return 0;
  const Design& d = design.value();
  const std::string canonical = design_json(d);
  auto again = parse_design_json(canonical);
  if (!again || design_json(again.value()) != canonical) __builtin_trap();
  const auto keys = strata(d);
  if (keys.size() > static_cast<std::size_t>(kMaxStrata)) __builtin_trap();
  for (const auto& key : keys) {
    auto c = canonical_stratum(d, key);
    if (!c || c.value() != key) __builtin_trap();
  }
  (void)canonical_stratum(d, text);
  return 0;
}

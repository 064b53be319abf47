// libFuzzer target: any bytes as an aggregate file of `khe cohort --combine` (issue 7,
// federated analysis). read_aggregates must return an Error or aggregates that statistics()
// accepts (its preconditions throw std::invalid_argument, which would abort here); a file
// combined with itself must double every count; written back, it must read back the same.
// Never a crash, hang, leak or undefined behaviour.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "cohort/aggregates.h"
#include "cohort/combine.h"
#include "cohort/tally.h"
#include "cohort_write/aggregates_json.h"

namespace {

// Fisher's exact test walks the table's support: keep the fuzzer's cohorts small enough
// that an input runs in milliseconds (real files are checked the same way at any size).
constexpr long kMaxPatients = 20000;

long patients(const khe::cohort::Aggregates& a) {
  long n = 0;
  for (const auto& e : a.endpoints)
    for (const auto& g : e.groups) n += g.patients;
  return n;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto read = khe::cohort::read_aggregates(text);
  if (!read) {
    if (read.error().message.empty()) __builtin_trap();  // an error says what is wrong
    return 0;
  }
  const khe::cohort::Aggregates& a = read.value();
  if (a.endpoints.empty()) __builtin_trap();
  if (patients(a) > kMaxPatients) return 0;

  // Written back and read again: the same tallies (the writer and reader agree).
  const std::string again = khe::cohort_write::to_aggregates_json(a);
  auto reread = khe::cohort::read_aggregates(again);
  if (!reread || reread.value().endpoints.size() != a.endpoints.size()) __builtin_trap();
  for (std::size_t e = 0; e < a.endpoints.size(); ++e) {
    const auto& x = a.endpoints[e];
    const auto& y = reread.value().endpoints[e];
    if (x.groups.size() != y.groups.size() || x.reasons.size() != y.reasons.size())
      __builtin_trap();
    for (std::size_t g = 0; g < x.groups.size(); ++g) {
      if (x.groups[g].evaluable != y.groups[g].evaluable ||
          x.groups[g].responders != y.groups[g].responders ||
          x.groups[g].table.size() != y.groups[g].table.size())
        __builtin_trap();
      for (std::size_t t = 0; t < x.groups[g].table.size(); ++t)
        if (x.groups[g].table[t].time != y.groups[g].table[t].time) __builtin_trap();
    }
  }

  // Combined with itself: compatible, every group's count doubled, statistics computed.
  auto combined = khe::cohort::combine({{"a.json", a}, {"b.json", a}});
  if (!combined) return 0;  // only a sum too large may refuse
  const auto& r = combined.value();
  if (r.endpoints.size() != a.endpoints.size()) __builtin_trap();
  for (std::size_t e = 0; e < a.endpoints.size(); ++e) {
    if (r.endpoints[e].groups.size() != a.endpoints[e].groups.size()) __builtin_trap();
    for (std::size_t g = 0; g < a.endpoints[e].groups.size(); ++g)
      if (r.endpoints[e].groups[g].patients != 2 * a.endpoints[e].groups[g].patients)
        __builtin_trap();
    if (!r.endpoints[e].not_evaluable_counts || !r.endpoints[e].not_evaluable.empty())
      __builtin_trap();
  }
  return 0;
}

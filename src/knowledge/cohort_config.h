// The cohort analysis's knowledge (knowledge/cohort.json), read by src/cohort: how the
// first-line regimen actually given is named from a report's therapy episodes (`khe cohort
// --by regimen`). Data only: the window around day 0 and the drug sets of each regimen.
#pragma once

#include <string>
#include <vector>

namespace khe::knowledge {

struct Knowledge;
class Problems;

// A regimen: every slot must be filled by one of its drugs (alternatives, drugs.json ids).
struct CohortRegimen {
  std::string name;                             // "sirolimus_prednisolone"
  std::vector<std::vector<std::string>> drugs;  // slots of alternative drug ids
};

struct CohortConfig {
  // Episodes starting in [day 0 - before, day 0 + after] (days), or given on day 0, count.
  int window_before_days = 0;
  int window_after_days = 0;
  std::vector<std::string> sources;  // ids of sources.json
  bool local_default = false;
  std::vector<CohortRegimen> regimens;  // file order: the first match wins

  // Whether `drug` is in any regimen's slots (a KMP-directed drug the grouping counts).
  bool counts(const std::string& drug) const {
    for (const auto& r : regimens)
      for (const auto& slot : r.drugs)
        for (const auto& d : slot)
          if (d == drug) return true;
    return false;
  }
};

// Internal to the loader: reads cohort.json (`bytes`, null when the file is missing) into
// k.cohort. Sources and drugs must be loaded already (the file names them).
void load_cohort_config(const std::string* bytes, Knowledge& k, Problems& p);

}  // namespace khe::knowledge

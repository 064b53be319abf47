// Reads one patient's record from FHIR R4 JSON.
//
// Fatal problems (not JSON, no Patient, no birth date, several Patients without a choice,
// birth after as-of) make the whole input unusable: `problems` lists one line per problem,
// each naming the resource and JSON path. Everything else that cannot be read safely (a
// value without a usable unit, an impossible number, a bad date) is left out of the record
// and reported in `record.issues` with its resource and path; nothing is silently changed.
#pragma once

#include <simdjson.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "core/time.h"
#include "knowledge/codes.h"
#include "model/record.h"

namespace khe::fhir {

struct ReadOptions {
  std::optional<std::string> patient_id;  // --patient: pick this Patient when several
  Instant as_of{};                        // birth after as-of is refused
  std::size_t max_bytes = 64u << 20;      // larger input is refused, not parsed
};

struct ReadOutcome {
  std::optional<model::Record> record;   // set when the input is usable
  std::vector<Error> problems;           // set when it is not (one per problem)
  std::vector<std::string> patient_ids;  // every Patient id seen (for --patient hints)
};

ReadOutcome read(std::string_view bytes, const knowledge::Codes& codes, const ReadOptions& options);

// A resource its caller has already parsed and checked to be a JSON object with a
// resourceType (a CDS Hooks prefetch entry): read in place, with no second parse.
struct ParsedResource {
  simdjson::dom::element resource;  // lives as long as the caller's parser
  std::string_view full_url;        // the Bundle entry's fullUrl; "" when none
  std::string path;                 // names it in issues: "prefetch.labs.entry[3].resource"
};

// read() over resources given one by one, in order, exactly as read() reads the entries
// of a Bundle holding them; a resource without an id is named by its `path`.
ReadOutcome read_parsed(const std::vector<ParsedResource>& resources, const knowledge::Codes& codes,
                        const ReadOptions& options);

}  // namespace khe::fhir

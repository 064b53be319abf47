// Input framing: BOM, size limit, one JSON document (Bundle or single resource) or NDJSON,
// Bundle entry iteration, dispatch by resourceType, then patient choice and assembly.
//
// Invariants: one dom::parser per thread, reused for every call and every NDJSON line (a
// server reads thousands of records a second: allocating the parser's buffers per call
// cost more than parsing); a parser grown past kKeptParserCapacity by a large input is
// dropped after that call, so no thread keeps a large buffer. Every failure is a value
// (simdjson error codes, never exceptions); nothing here recurses over the JSON, so
// nesting depth is bounded by simdjson's max depth alone. read() is not re-entrant on one
// thread (it never calls itself).
#include "fhir/reader.h"

#include <simdjson.h>

#include "fhir/collector.h"
#include "fhir/patient.h"
#include "fhir/resource.h"
#include "fhir/text.h"

namespace khe::fhir {
namespace {

constexpr std::size_t kMaxProblems = 20;  // bad NDJSON lines listed one by one, then summed
constexpr std::size_t kKeptParserCapacity = 4u << 20;

// This thread's parser (see the invariants above).
simdjson::dom::parser& thread_parser() {
  thread_local simdjson::dom::parser parser;
  return parser;
}

std::string_view skip_bom(std::string_view s) {
  if (s.size() >= 3 && s.substr(0, 3) == "\xEF\xBB\xBF") s.remove_prefix(3);
  return s;
}

bool blank(std::string_view s) { return trim(s).empty(); }

// Plain words for simdjson's errors (the code's own text is appended for the technical reader).
std::string json_error(simdjson::error_code e) {
  std::string why;
  switch (e) {
    case simdjson::EMPTY:
      why = "empty input";
      break;
    case simdjson::UTF8_ERROR:
      why = "not valid UTF-8";
      break;
    case simdjson::DEPTH_ERROR:
      why = "JSON nested deeper than " + std::to_string(simdjson::DEFAULT_MAX_DEPTH) + " levels";
      break;
    case simdjson::UNCLOSED_STRING:
      why = "not valid JSON (truncated: a string is not closed)";
      break;
    case simdjson::NUMBER_ERROR:
      why = "not valid JSON (a number cannot be read)";
      break;
    case simdjson::CAPACITY:
    case simdjson::MEMALLOC:
      why = "input too large to parse";
      break;
    default:
      why = "not valid JSON (malformed or truncated)";
      break;
  }
  return why + " [" + simdjson::error_message(e) + "]";
}

// The first non-blank line, and whether anything non-blank follows it.
struct FirstLine {
  std::string_view text;
  bool more = false;
};

FirstLine first_line(std::string_view s) {
  FirstLine f;
  std::size_t pos = 0;
  while (pos < s.size()) {
    std::size_t nl = s.find('\n', pos);
    std::size_t end = nl == std::string_view::npos ? s.size() : nl;
    std::string_view line = s.substr(pos, end - pos);
    pos = end + 1;
    if (blank(line)) continue;
    f.text = trim(line);
    f.more = pos < s.size() && !blank(s.substr(pos));
    break;
  }
  return f;
}

// NDJSON when the first line holds a whole object and more lines follow. A pretty-printed
// document starts with a line that does not close ("{" or `{"resourceType": "Bundle",`).
bool looks_like_ndjson(std::string_view s) {
  FirstLine f = first_line(s);
  return f.more && f.text.size() >= 2 && f.text.front() == '{' && f.text.back() == '}';
}

Subject subject_of(Element resource) {
  auto s = member(resource, "subject");
  if (!s) s = member(resource, "patient");
  if (!s) return {};
  std::string_view ref = str(*s, "reference");
  if (trim(ref).empty()) return {Subject::Kind::unreadable, {}};
  std::size_t history = ref.find("/_history/");
  if (history != std::string_view::npos) ref = ref.substr(0, history);
  return {Subject::Kind::reference, ref};
}

// Where a resource sits, naming it in the label when it has no id: "input", "line 4",
// "entry 3" or "line 4 entry 3". The text is built only for resources without an id.
struct Place {
  static constexpr std::size_t kNoEntry = SIZE_MAX;
  std::string_view document;  // "input" or "line 4"
  std::size_t entry = kNoEntry;

  void append_to(std::string& s) const {
    if (entry == kNoEntry) {
      s += document;
      return;
    }
    if (document != "input") {
      s += document;
      s += ' ';
    }
    s += "entry ";
    append_number(s, entry);
  }
};

bool is_clinical(std::string_view type) {
  return type == "Observation" || type == "Condition" || type == "Procedure" ||
         type == "MedicationRequest" || type == "MedicationStatement" ||
         type == "MedicationAdministration";
}

class Reader {
 public:
  Reader(const knowledge::Codes& codes, const ReadOptions& options)
      : codes_(codes), options_(options), parser_(thread_parser()) {}
  ~Reader() {
    if (parser_.capacity() > kKeptParserCapacity) parser_ = simdjson::dom::parser();
  }
  Reader(const Reader&) = delete;
  Reader& operator=(const Reader&) = delete;

  ReadOutcome run(std::string_view bytes);
  ReadOutcome run(const std::vector<ParsedResource>& resources);

 private:
  void problem(std::string where, std::string message);
  void read_ndjson(std::string_view text);
  bool read_single(std::string_view text);
  // A parsed document: a Bundle (its entries are read) or one resource. `base`/`sep` locate
  // it ("" for the whole input, "line 4" + ": " for an NDJSON line); `place` names it in
  // labels of resources without an id ("line 4").
  void read_document(Element root, const std::string& base, std::string_view sep,
                     std::string_view place);
  void read_bundle(Element bundle, const std::string& base, std::string_view sep,
                   std::string_view place);
  // `type` is the resource's resourceType.
  void read_resource(Element resource, std::string_view type, std::string_view full_url,
                     std::string_view base, std::string_view sep, const Place& place);
  ReadOutcome assemble();

  const knowledge::Codes& codes_;
  const ReadOptions& options_;
  simdjson::dom::parser& parser_;  // this thread's; see thread_parser()
  Collector out_;
  Converter units_;
  std::vector<Error> problems_;
  std::size_t unlisted_problems_ = 0;
  std::string label_;       // scratch for read_resource (reused: no allocation per resource)
  std::string entry_base_;  // scratch for read_bundle: "entry[i].resource" after the base
};

void Reader::problem(std::string where, std::string message) {
  if (problems_.size() < kMaxProblems)
    problems_.push_back({std::move(where), std::move(message)});
  else
    ++unlisted_problems_;
}

ReadOutcome Reader::run(std::string_view bytes) {
  if (bytes.size() > options_.max_bytes) {
    problem("input", "input is " + std::to_string(bytes.size()) +
                         " bytes, more than the limit of " + std::to_string(options_.max_bytes) +
                         "; not read");
  } else {
    std::string_view text = skip_bom(bytes);
    if (blank(text))
      problem("input", "empty input");
    else if (looks_like_ndjson(text))
      read_ndjson(text);
    else
      read_single(text);
  }
  if (unlisted_problems_ > 0)
    problems_.push_back(
        {"input", std::to_string(unlisted_problems_) + " more problems not listed"});
  return assemble();
}

ReadOutcome Reader::run(const std::vector<ParsedResource>& resources) {
  out_.reserve(resources.size());
  for (const ParsedResource& r : resources) {
    std::string_view type = str(r.resource, "resourceType");
    if (!is_object(r.resource) || type.empty()) {
      problem(r.path, "not a FHIR resource (a JSON object with a resourceType)");
      continue;
    }
    read_resource(r.resource, type, r.full_url, r.path, ".", Place{r.path});
  }
  if (unlisted_problems_ > 0)
    problems_.push_back(
        {"input", std::to_string(unlisted_problems_) + " more problems not listed"});
  return assemble();
}

bool Reader::read_single(std::string_view text) {
  Element root;
  if (auto e = parser_.parse(text.data(), text.size()).get(root); e != simdjson::SUCCESS) {
    problem("input", json_error(e));
    return false;
  }
  if (!is_object(root) || str(root, "resourceType").empty()) {
    problem("input", "not a FHIR resource or Bundle (a JSON object with a resourceType)");
    return false;
  }
  read_document(root, "", "", "input");
  return true;
}

// One resource (or Bundle) per line; blank lines allowed. Every bad line is a problem of its
// own. If the very first line fails, the input may be one document after all.
void Reader::read_ndjson(std::string_view text) {
  std::size_t line_no = 0;
  bool first = true;
  for (std::size_t pos = 0; pos < text.size();) {
    std::size_t nl = text.find('\n', pos);
    std::size_t end = nl == std::string_view::npos ? text.size() : nl;
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    ++line_no;
    if (blank(line)) continue;
    std::string place = "line " + std::to_string(line_no);
    Element root;
    auto e = parser_.parse(line.data(), line.size()).get(root);
    if (e != simdjson::SUCCESS && first) {
      Element whole;
      if (parser_.parse(text.data(), text.size()).get(whole) == simdjson::SUCCESS &&
          is_object(whole)) {
        read_document(whole, "", "", "input");
        return;
      }
    }
    first = false;
    if (e != simdjson::SUCCESS) {
      problem(place, json_error(e));
      continue;
    }
    if (!is_object(root) || str(root, "resourceType").empty()) {
      problem(place, "not a FHIR resource (a JSON object with a resourceType)");
      continue;
    }
    read_document(root, place, ": ", place);
  }
}

void Reader::read_document(Element root, const std::string& base, std::string_view sep,
                           std::string_view place) {
  std::string_view type = str(root, "resourceType");
  if (type == "Bundle")
    read_bundle(root, base, sep, place);
  else
    read_resource(root, type, {}, base, sep, Place{place});
}

// Entries without a resource (a transaction's DELETE) are skipped; malformed entries are
// summed into one note, so a hostile input cannot create an issue per byte.
void Reader::read_bundle(Element bundle, const std::string& base, std::string_view sep,
                         std::string_view place) {
  std::size_t malformed = 0, nested = 0;
  std::string first_bad;
  simdjson::dom::array entries;
  if (bundle.at_key("entry").get(entries) == simdjson::SUCCESS) out_.reserve(entries.size());
  for_each(bundle, "entry", [&](Element entry, std::size_t i) {
    static constexpr std::array<std::string_view, 2> kKeys = {"resource", "fullUrl"};
    const auto [resource, full_url] = members(entry, kKeys);
    std::string_view type = resource ? str(*resource, "resourceType") : std::string_view();
    if (!is_object(entry) || (resource && (!is_object(*resource) || type.empty()))) {
      if (malformed++ == 0) first_bad = indexed("entry", i);
      return;
    }
    if (!resource) return;
    if (type == "Bundle") {
      ++nested;
      return;
    }
    std::string_view url;  // absent or not a string: no fullUrl
    if (full_url && full_url->get(url) != simdjson::SUCCESS) url = {};
    entry_base_.assign(base);
    if (!base.empty()) entry_base_ += sep;
    append_indexed(entry_base_, "entry", i);
    entry_base_ += ".resource";
    read_resource(*resource, type, url, entry_base_, ".", Place{place, i});
  });
  if (malformed > 0) {
    out_.add_input_issue(
        {"entry_malformed",
         model::IssueSeverity::warning,
         {"Bundle", base.empty() ? first_bad : base + std::string(sep) + first_bad},
         std::to_string(malformed) + " Bundle entr" + (malformed == 1 ? "y is" : "ies are") +
             " not an object with a resource that has a resourceType (first: " + first_bad +
             "); ignored"});
  }
  if (nested > 0) {
    out_.add_input_issue(
        {"nested_bundle_ignored",
         model::IssueSeverity::info,
         {"Bundle", base},
         std::to_string(nested) + " Bundle(s) nested inside entries were not read"});
  }
}

void Reader::read_resource(Element resource, std::string_view type, std::string_view full_url,
                           std::string_view base, std::string_view sep, const Place& place) {
  bool patient = type == "Patient";
  if (!patient && !is_clinical(type)) return;  // other resources are not ours to read
  std::string_view id = str(resource, "id");
  // Appends only: g++ 12 -O3 warns (-Wrestrict, a false positive) on "lit" + std::string&&.
  std::string& label = label_;
  label.assign(type);
  if (id.empty()) {
    label += '[';
    place.append_to(label);
    label += ']';
  } else {
    label += '/';
    label += id;
  }

  if (patient) {
    std::string birth_path(base);
    if (!base.empty()) birth_path += sep;
    birth_path += "birthDate";
    out_.patients().push_back(read_patient(resource, label, full_url, std::move(birth_path)));
    return;
  }
  std::string_view stored = out_.begin(label, subject_of(resource));
  Ctx c{codes_, out_, units_, resource, stored, base, sep};
  if (type == "Observation")
    read_observation(c);
  else if (type == "Condition")
    read_condition(c);
  else if (type == "Procedure")
    read_procedure(c);
  else
    read_medication(c, type);
}

ReadOutcome Reader::assemble() {
  ReadOutcome outcome;
  outcome.patient_ids = patient_ids(out_.patients());
  if (!problems_.empty()) {
    outcome.problems = std::move(problems_);
    return outcome;
  }
  const PatientEntry* chosen = choose_patient(out_.patients(), options_, outcome.problems);
  if (!chosen) return outcome;
  std::optional<model::Patient> patient = check_patient(*chosen, options_, outcome.problems);
  if (!patient) return outcome;
  model::Record record;
  record.patient = std::move(*patient);
  out_.finish(*chosen, record);
  outcome.record = std::move(record);
  return outcome;
}

}  // namespace

ReadOutcome read(std::string_view bytes, const knowledge::Codes& codes,
                 const ReadOptions& options) {
  return Reader(codes, options).run(bytes);
}

ReadOutcome read_parsed(const std::vector<ParsedResource>& resources, const knowledge::Codes& codes,
                        const ReadOptions& options) {
  return Reader(codes, options).run(resources);
}

}  // namespace khe::fhir

// Reading FHIR dates for clinical facts (see read_time in resource.h).
#include "fhir/resource.h"

namespace khe::fhir {

std::optional<Instant> read_time(const Ctx& c, Element value, std::string_view rel) {
  std::string_view text;
  if (value.get(text) != simdjson::SUCCESS) {
    c.issue("time_invalid", rel, "date/time is not a string; not used");
    return std::nullopt;
  }
  Result<ParsedTime> t = parse_fhir_datetime(text);
  if (!t) {
    c.issue("time_invalid", rel, t.error().message + "; not used");
    return std::nullopt;
  }
  if (t->precision == Precision::year || t->precision == Precision::month) {
    c.issue("time_imprecise", rel,
            "date '" + std::string(text) + "' is not precise to the day; not used");
    return std::nullopt;
  }
  return t->start;
}

std::optional<Instant> read_time_member(const Ctx& c, Element obj, std::string_view rel,
                                        std::string_view key) {
  auto v = member(obj, key);
  if (!v) return std::nullopt;
  return read_time(c, *v, join(rel, key));
}

}  // namespace khe::fhir

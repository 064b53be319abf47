#include "fhir/quantity.h"

#include <charconv>
#include <cmath>
#include <cstring>

#include "fhir/text.h"
#include "units/ucum.h"

namespace khe::fhir {
namespace {

Rejection reject(std::string code, std::string rel, std::string message) {
  return Rejection{std::move(code), std::move(rel), std::move(message)};
}

// A string member: `present` is false when absent; `ok` is false when present but not a string.
struct TextField {
  bool present = false;
  bool ok = true;
  std::string_view text;
};

TextField text_field(const std::optional<Element>& v) {
  TextField f;
  if (!v) return f;
  f.present = true;
  f.ok = v->get(f.text) == simdjson::SUCCESS;
  return f;
}

bool contains_ci(std::string_view haystack, std::string_view needle) {
  if (needle.empty() || needle.size() > haystack.size()) return false;
  for (std::size_t i = 0; i + needle.size() <= haystack.size(); ++i) {
    std::size_t k = 0;
    while (k < needle.size() && ascii_lower(haystack[i + k]) == ascii_lower(needle[k])) ++k;
    if (k == needle.size()) return true;
  }
  return false;
}

// Explains why free unit text was not trusted, with hints for the two classic failures.
std::string ambiguous_unit_message(std::string_view text) {
  std::string m =
      "unit text '" + std::string(text) +
      "' is not an unambiguous unit spelling and no UCUM code was given; value not used";
  if (text.find("109") != std::string_view::npos || text.find("103") != std::string_view::npos)
    m += " ('109' may be 10^9 with its superscript lost, or literally 109)";
  if (text.find("\xC3\x83") != std::string_view::npos ||
      text.find("\xC3\x82") != std::string_view::npos)
    m += " (the text looks mis-encoded: UTF-8 read as Latin-1)";
  return m;
}

// Paths of rejections are joined only when a value is refused: most values are used.
Rejection read_comparator(TextField c, std::string_view rel, bool allow, model::Comparator* out) {
  *out = model::Comparator::none;
  if (!c.present) return {};
  if (!c.ok)
    return reject("value_rejected", join(rel, "comparator"),
                  "comparator is not a string; value not used");
  if (!allow)
    return reject("value_rejected", join(rel, "comparator"),
                  "a comparator is not allowed here ('" + std::string(c.text) + "')");
  if (c.text == "<")
    *out = model::Comparator::lt;
  else if (c.text == "<=")
    *out = model::Comparator::le;
  else if (c.text == ">")
    *out = model::Comparator::gt;
  else if (c.text == ">=")
    *out = model::Comparator::ge;
  else
    return reject("value_rejected", join(rel, "comparator"),
                  "comparator '" + std::string(c.text) +
                      "' cannot be used (only <, <=, >, >=); value not used");
  return {};
}

Rejection read_value(const std::optional<Element>& v, std::string_view rel, double* out) {
  if (!v) return reject("value_missing", join(rel, "value"), "quantity has no value");
  if (v->get_double().get(*out) == simdjson::SUCCESS) return {};
  std::string_view s;
  if (v->get(s) == simdjson::SUCCESS)
    return reject("value_rejected", join(rel, "value"),
                  "value is the string \"" + std::string(s.substr(0, 40)) +
                      "\", not a JSON number; value not used");
  return reject("value_rejected", join(rel, "value"), "value is not a JSON number; value not used");
}

// Resolves the UCUM code of a Quantity (see read_raw_quantity).
Rejection read_unit(TextField system, TextField code, TextField unit, std::string_view rel,
                    const knowledge::Codes& codes, RawQuantity* out) {
  if (!system.ok)
    return reject("unit_invalid", join(rel, "system"), "system is not a string; value not used");
  if (!code.ok)
    return reject("unit_invalid", join(rel, "code"), "unit code is not a string; value not used");
  if (!unit.ok)
    return reject("unit_invalid", join(rel, "unit"), "unit is not a string; value not used");
  out->unit_text = unit.text;

  if (!code.text.empty()) {
    if (system.text == codes.ucum_system) {
      out->ucum = code.text;
      return {};
    }
    // A local code system may still spell an unambiguous unit ("x10E9/L").
    auto alias = codes.unit_text_aliases.find(code.text);
    if (alias != codes.unit_text_aliases.end()) {
      out->ucum = alias->second;
      return {};
    }
    return reject("unit_unsupported", join(rel, "code"),
                  "unit code '" + std::string(code.text) + "' of system '" +
                      std::string(system.text) +
                      "' is not UCUM and not a known unambiguous unit; value not used");
  }
  if (trim(unit.text).empty())
    return reject("unit_missing", std::string(rel),
                  "quantity has no unit (no UCUM code, no unit text); value not used");
  auto alias = codes.unit_text_aliases.find(unit.text);
  if (alias == codes.unit_text_aliases.end())
    return reject("unit_ambiguous", join(rel, "unit"), ambiguous_unit_message(unit.text));
  out->ucum = alias->second;
  return {};
}

// Annotation tokens that mark another kind of the same measurement (e.g. "DDU" when `def`
// requires "FEU"), found in the UCUM annotation or the unit text.
Rejection check_annotation(const RawQuantity& q, std::string_view rel,
                           const knowledge::AnalyteDef& def, const knowledge::Codes& codes) {
  if (def.required_annotation.empty()) return {};
  // A UCUM annotation is part of the code text, so searching the code finds it too.
  for (const knowledge::AnalyteDef& other : codes.analytes) {
    const std::string& token = other.required_annotation;
    if (token.empty() || contains_ci(token, def.required_annotation)) continue;
    if (contains_ci(q.unit_text, token) || contains_ci(q.ucum, token)) {
      return reject("unit_annotation_mismatch", std::string(rel),
                    "unit '" + (q.ucum.empty() ? std::string(q.unit_text) : q.ucum) + "' names " +
                        token + " but the code means a " + def.required_annotation + " value; " +
                        token + " and " + def.required_annotation +
                        " are never converted into each other; value not used");
    }
  }
  return {};
}

}  // namespace

Result<double> Converter::convert(double value, const std::string& from, const std::string& to,
                                  std::optional<double> molar_mass_g_per_mol) {
  key_.assign(from);
  key_ += '\0';
  key_ += to;
  key_ += '\0';
  if (molar_mass_g_per_mol) {
    char bits[sizeof(double)];
    std::memcpy(bits, &*molar_mass_g_per_mol, sizeof bits);
    key_.append(bits, sizeof bits);
  }
  auto it = factors_.find(key_);
  if (it == factors_.end()) {
    std::optional<double> factor;
    auto a = units::parse(from);
    auto b = units::parse(to);
    if (a && b && !a->special && !b->special && a->offset == 0 && b->offset == 0) {
      Result<double> one = units::convert(1.0, from, to, molar_mass_g_per_mol);
      if (one && std::isfinite(*one)) factor = *one;
    }
    it = factors_.emplace(key_, factor).first;
  }
  if (it->second) return value * *it->second;
  return units::convert(value, from, to, molar_mass_g_per_mol);
}

std::string format_number(double v) {
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  return r.ec == std::errc() ? std::string(buf, r.ptr) : std::string("?");
}

Rejection read_raw_quantity(Element q, std::string_view rel, const knowledge::Codes& codes,
                            bool allow_comparator, RawQuantity* out) {
  if (!is_object(q))
    return reject("value_rejected", std::string(rel), "quantity is not a JSON object");
  static constexpr std::array<std::string_view, 5> kKeys = {"value", "comparator", "system", "code",
                                                            "unit"};
  const auto [value, comparator, system, code, unit] = members(q, kKeys);
  if (Rejection r = read_value(value, rel, &out->value); !r.ok()) return r;
  if (Rejection r =
          read_comparator(text_field(comparator), rel, allow_comparator, &out->comparator);
      !r.ok())
    return r;
  return read_unit(text_field(system), text_field(code), text_field(unit), rel, codes, out);
}

Rejection to_canonical(const RawQuantity& q, std::string_view rel, const knowledge::AnalyteDef& def,
                       const knowledge::Codes& codes, Converter& units, bool check_plausible,
                       model::Measured* out) {
  if (Rejection r = check_annotation(q, rel, def, codes); !r.ok()) return r;
  // The usual units have factors precomputed from knowledge; others go through UCUM.
  std::optional<double> fast;
  for (const auto& [unit, factor] : def.unit_factors)
    if (unit == q.ucum) fast = q.value * factor;
  Result<double> v =
      fast ? Result<double>(*fast)
           : units.convert(q.value, q.ucum, def.canonical_unit, def.molar_mass_g_per_mol);
  if (!v) {
    if (!units::parse(q.ucum))
      return reject(
          "unit_invalid", std::string(rel),
          "'" + q.ucum + "' is not a valid UCUM unit (" + v.error().message + "); value not used");
    return reject("unit_incompatible", std::string(rel),
                  "unit '" + q.ucum + "' cannot be converted to " + def.canonical_unit + " for " +
                      std::string(model::analyte_name(def.analyte)) + " (" + v.error().message +
                      "); value not used");
  }
  double x = *v;
  bool finite = std::isfinite(x);
  if (!finite || (check_plausible && (x < def.plausible_min || x > def.plausible_max))) {
    return reject("implausible_value", join(rel, "value"),
                  format_number(q.value) + " " + q.ucum + " (" + format_number(x) + " " +
                      def.canonical_unit + ") is outside the plausible range " +
                      format_number(def.plausible_min) + "-" + format_number(def.plausible_max) +
                      " " + def.canonical_unit + " for " +
                      std::string(model::analyte_name(def.analyte)) + "; value not used");
  }
  out->value = x;
  out->comparator = q.comparator;
  return {};
}

Rejection to_milligrams(const RawQuantity& q, std::string_view rel, Converter& units, double* mg) {
  static const std::string kMg = "mg";
  Result<double> v = units.convert(q.value, q.ucum, kMg);
  if (!v) {
    if (!units::parse(q.ucum))
      return reject(
          "unit_invalid", std::string(rel),
          "'" + q.ucum + "' is not a valid UCUM unit (" + v.error().message + "); dose not used");
    return reject("dose_not_mass", std::string(rel),
                  "dose unit '" + q.ucum +
                      "' is not a mass; dose not read (only mg-convertible doses are used)");
  }
  if (!std::isfinite(*v) || *v <= 0 || *v > 1e6)
    return reject("implausible_value", join(rel, "value"),
                  "dose " + format_number(q.value) + " " + q.ucum +
                      " is not a plausible single dose; dose not used");
  *mg = *v;
  return {};
}

}  // namespace khe::fhir

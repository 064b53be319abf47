// The cards are written as JSON text straight into the response body, in exactly the bytes
// nlohmann's compact dump (dump(-1, ' ', false, replace)) gave for the ordered_json tree the
// cards once were: the same member order, escaping (write::append_json_string) and numbers.
// tests/unit/cds/cards_golden_test.cpp holds those bytes. Only the "update" suggestion's
// resource still goes through nlohmann: it is the client's draft order, parsed and written
// back as nlohmann writes any JSON.
#include "cds/cards.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <map>
#include <optional>
#include <string_view>

#include "cds/util.h"
#include "write/json_stream.h"
#include "write/number.h"
#include "write/summary.h"

namespace khe::cds::detail {
namespace {

constexpr std::size_t kSummaryLimit = 140;  // CDS Hooks: summary < 140 characters

const std::string& word(const std::map<std::string, std::string>& words, const std::string& key,
                        const std::string& fallback) {
  auto it = words.find(key);
  return it == words.end() ? fallback : it->second;
}

std::string trimmed(std::string s) {
  while (!s.empty() && s.back() == ' ') s.pop_back();
  return s;
}

// ---- Text -------------------------------------------------------------------------------

// A text template: each {name} of `tmpl` replaced by `value(name)`, left out when that is
// nullptr.
template <typename Value>
void append_filled(std::string& out, std::string_view tmpl, const Value& value) {
  std::size_t plain = 0;  // tmpl[plain, i) is waiting to be copied as is
  for (std::size_t i = 0; i < tmpl.size(); ++i) {
    if (tmpl[i] != '{') continue;
    const auto close = tmpl.find('}', i + 1);
    if (close == std::string_view::npos) continue;  // a '{' without '}' is text
    out.append(tmpl.substr(plain, i - plain));
    if (const std::string* v = value(tmpl.substr(i + 1, close - i - 1))) out += *v;
    i = close;
    plain = close + 1;
  }
  out.append(tmpl.substr(plain));
}

template <typename Value>
std::string filled(std::string_view tmpl, const Value& value) {
  std::string out;
  out.reserve(tmpl.size() + 32);
  append_filled(out, tmpl, value);
  return out;
}

// Markdown escaping, appended: a backslash before each character GitHub Flavored Markdown
// would interpret, and before a block marker that starts the text.
constexpr std::array<bool, 256> kMdSpecial = [] {
  std::array<bool, 256> t{};
  for (const char c : std::string_view("\\`*_[]<>|~")) t[static_cast<unsigned char>(c)] = true;
  return t;
}();

bool block_marker(char c) { return c == '#' || c == '-' || c == '+' || c == '='; }

void append_md(std::string& out, std::string_view text) {
  if (text.empty()) return;
  if (block_marker(text.front())) out += '\\';
  std::size_t plain = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (!kMdSpecial[static_cast<unsigned char>(text[i])]) continue;
    out.append(text.substr(plain, i - plain));
    out += '\\';
    plain = i;  // the character itself goes out with the next run
  }
  out.append(text.substr(plain));
}

// Where Markdown is written: text() as it is, md() escaped (append_md).
class PlainMarkdown {
 public:
  explicit PlainMarkdown(std::string& out) : out_(out) {}
  void text(std::string_view s) { out_ += s; }
  void md(std::string_view s) { append_md(out_, s); }

 private:
  std::string& out_;
};

// What a byte needs in JsonMarkdown: nothing, Markdown's backslash (and a backslash JSON's
// escape too), a JSON escape, or UTF-8 checking; in Markdown-escaped text, and in text.
enum ByteClass : unsigned char { kAsIs = 0, kMarkdown, kEscape, kNonAscii };
constexpr std::array<unsigned char, 256> byte_classes(bool markdown) {
  std::array<unsigned char, 256> t{};
  for (std::size_t c = 0; c < 0x20; ++c) t[c] = kEscape;
  t['"'] = kEscape;
  for (std::size_t c = 0x80; c < 0x100; ++c) t[c] = kNonAscii;
  for (std::size_t c = 0; c < 0x80; ++c) {
    if (kMdSpecial[c] && (markdown || c == '\\')) t[c] = kMarkdown;
  }
  return t;
}
constexpr std::array<unsigned char, 256> kMdBytes = byte_classes(true);
constexpr std::array<unsigned char, 256> kTextBytes = byte_classes(false);

// The same Markdown already escaped as the inside of a JSON string, in one pass over each
// text, so the long detail is neither scanned twice nor copied. Escapes are
// write::append_json_chars's (the one for a newline, "\n", is written here); valid() is false
// when some text was not UTF-8, and the caller then writes the whole string with
// write::append_json_string instead (nlohmann's replacement characters).
class JsonMarkdown {
 public:
  explicit JsonMarkdown(std::string& out) : out_(out) {}
  void text(std::string_view s) { write(s, kTextBytes, false); }
  void md(std::string_view s) {
    if (s.empty()) return;
    if (block_marker(s.front())) out_ += R"(\\)";  // Markdown's backslash, JSON-escaped
    write(s, kMdBytes, true);
  }
  bool valid() const { return valid_; }

 private:
  using Classes = std::array<unsigned char, 256>;
  void write(std::string_view s, const Classes& cls, bool markdown) {
    const char* p = s.data();
    const std::size_t n = s.size();
    const auto at = [&](std::size_t i) { return cls[static_cast<unsigned char>(p[i])]; };
    std::size_t plain = 0;  // s[plain, i) is waiting to be copied as is
    std::size_t i = 0;
    while (i < n) {
      while (i + 8 <= n && (at(i) | at(i + 1) | at(i + 2) | at(i + 3) | at(i + 4) | at(i + 5) |
                            at(i + 6) | at(i + 7)) == kAsIs) {
        i += 8;
      }
      if (i == n) break;
      if (at(i) == kAsIs) {
        ++i;
        continue;
      }
      out_.append(p + plain, i - plain);
      switch (at(i)) {
        case kMarkdown:  // "\\" and the character, itself escaped if it is a backslash
          if (markdown) out_ += R"(\\)";
          if (p[i] == '\\') {
            out_ += R"(\\)";
          } else {
            out_ += p[i];
          }
          ++i;
          break;
        case kEscape:
          if (p[i] == '\n') {
            out_ += R"(\n)";
          } else {
            valid_ = write::append_json_chars(out_, s.substr(i, 1)) && valid_;
          }
          ++i;
          break;
        default: {  // up to the next ASCII byte: UTF-8 sequences hold no ASCII bytes
          std::size_t end = i + 1;
          while (end < n && static_cast<unsigned char>(p[end]) >= 0x80) ++end;
          valid_ = write::append_json_chars(out_, s.substr(i, end - i)) && valid_;
          i = end;
        }
      }
      plain = i;
    }
    out_.append(p + plain, n - plain);
  }

  std::string& out_;
  bool valid_ = true;
};

// "\[KMP-1\] \[URG-1\]" for the non-empty IDs; with `space_first`, a space before each one
// (" \[KMP-1\] \[URG-1\]"), so nothing at all when there are none.
template <typename Markdown>
void tags(Markdown& md, const std::vector<std::string>& rules, bool space_first) {
  bool first = true;
  for (const auto& id : rules) {
    if (id.empty()) continue;
    md.text(space_first || !first ? " \\[" : "\\[");
    first = false;
    md.md(id);
    md.text("\\]");
  }
}

template <typename Markdown>
void md_line(Markdown& md, const write::SummaryLine& l, const std::vector<std::string>& rules) {
  const bool link = !l.link.empty() && l.link.find_first_of("<>\n") == std::string::npos;
  if (link) md.text("[");
  md.md(l.text);
  if (link) {
    md.text("](<");
    md.text(l.link);
    md.text(">)");
  }
  tags(md, rules, true);
}

// The report's summary (write::summarize) as GitHub Flavored Markdown: a bold headline,
// one bold title per section and its lines as a list; each line carries its rule IDs
// (a detail line without its own, those of the line it details).
template <typename Markdown>
void assessment_detail(Markdown& md, const write::Summary& s) {
  static const std::vector<std::string> kNoRules;
  md.text("**");
  md_line(md, s.headline, s.headline.rules);
  md.text("**\n");
  for (const auto& section : s.sections) {
    if (section.lines.empty()) continue;
    md.text("\n");
    if (!section.title.empty()) {
      md.text("**");
      md.md(section.title);
      md.text("**\n\n");
    }
    const std::vector<std::string>* parent_rules = &kNoRules;
    for (const auto& l : section.lines) {
      if (l.indent == 0) parent_rules = &l.rules;
      const auto& rules = l.rules.empty() && l.indent > 0 ? *parent_rules : l.rules;
      for (int i = 0; i < l.indent; ++i) md.text("  ");
      md.text("- ");
      md_line(md, l, rules);
      md.text("\n");
    }
  }
  md.text("\n");
  md.md(s.provenance);
  md.text("\n\n_");
  md.md(s.reminder);
  md.text("_\n");
}

// A rough size of assessment_detail's text, to reserve once.
std::size_t detail_size(const write::Summary& s) {
  std::size_t n = 256 + s.provenance.size() + s.reminder.size() + s.headline.text.size();
  for (const auto& section : s.sections) {
    n += section.title.size() + 8;
    for (const auto& l : section.lines)
      n += l.text.size() + l.link.size() + 16 * l.rules.size() + 16;
  }
  return n + n / 8;
}

bool graded(const engine::Report& r) {
  return r.kmp_severity && (r.kmp_status == engine::KmpStatus::present ||
                            r.kmp_status == engine::KmpStatus::suspected);
}

const std::string& indicator_of(const knowledge::Knowledge& k, engine::Urgency u) {
  static const std::string kCritical = "critical", kWarning = "warning", kInfo = "info";
  const std::string& fallback = u == engine::Urgency::emergent ? kCritical
                                : u == engine::Urgency::urgent ? kWarning
                                                               : kInfo;
  return word(k.cds.card.indicator, engine::name(u), fallback);
}

std::string volume_text(const engine::Dose& d) {
  if (d.volume && d.concentration) {
    return write::format_number(d.volume->value, 2) + " mL of " +
           (d.formulation.empty() ? write::format_number(d.concentration->value, 4) + " mg/mL"
                                  : d.formulation);
  }
  return d.formulation.empty() ? "mg dose" : d.formulation;
}

// The values of a dose's texts ({drug}, {dose}, ...); a dose check adds {ordered},
// {difference} and {direction}.
class DoseValues {
 public:
  explicit DoseValues(const engine::Dose& d)
      : d_(&d),
        dose_(write::format_number(d.dose.value, 4)),
        interval_(write::format_number(d.interval_h, 2)),
        volume_(volume_text(d)) {}

  void set_check(std::string ordered, std::string difference, const std::string& direction) {
    ordered_ = std::move(ordered);
    difference_ = std::move(difference);
    direction_ = &direction;
  }

  // The dose's own values only.
  const std::string* base(std::string_view name) const {
    if (name == "drug") return &d_->drug;
    if (name == "dose" || name == "computed") return &dose_;
    if (name == "interval") return &interval_;
    if (name == "route") return &d_->route;
    if (name == "volume") return &volume_;
    if (name == "formulation") return &d_->formulation;
    if (name == "rule") return &d_->why.rule_id;
    return nullptr;
  }

  // With the dose check's values, when set.
  const std::string* operator()(std::string_view name) const {
    if (direction_ != nullptr) {
      if (name == "ordered") return &ordered_;
      if (name == "difference") return &difference_;
      if (name == "direction") return direction_;
    }
    return base(name);
  }

 private:
  const engine::Dose* d_ = nullptr;
  std::string dose_, interval_, volume_;
  std::string ordered_, difference_;
  const std::string* direction_ = nullptr;
};

// The first key of `map` (sorted, so the choice is stable) whose value is `value`.
template <typename Map>
std::string first_key_of(const Map& map, const std::string& value) {
  std::string best;
  for (const auto& [key, v] : map) {
    if (v == value && (best.empty() || key < best)) best = key;
  }
  return best;
}

std::string ordered_text(const model::MedicationCourse& m) {
  std::string t = write::format_number(m.dose ? m.dose->value : 0, 4) + " mg";
  if (m.interval_h) t += ", every " + write::format_number(*m.interval_h, 2) + " h";
  if (!m.route.empty()) t += ", " + m.route;
  return t;
}

std::string computed_text(const engine::Dose& d) {
  std::string t = write::format_number(d.dose.value, 4) + " mg";
  if (d.volume && d.concentration) t += " = " + volume_text(d);
  t += ", every " + write::format_number(d.interval_h, 2) + " h, " + d.route;
  if (!d.basis.empty()) t += " (" + d.basis + ")";
  return t;
}

// ---- JSON text ----------------------------------------------------------------------------

void str(std::string& out, std::string_view s) { write::append_json_string(out, s); }

// A display-rounded number; whole numbers as integers ("12", not "12.0"), as nlohmann
// prints a number_integer; others (and null for a non-finite one) as it prints a double.
void append_number(std::string& out, double v, int decimals) {
  const double r = write::round_to(v, decimals);
  if (r == std::floor(r) && std::abs(r) < 1e15) {
    char buf[24];
    out.append(buf, std::to_chars(buf, buf + sizeof buf, static_cast<std::int64_t>(r)).ptr);
  } else {
    write::append_json_double(out, r);
  }
}

void append_ucum_mg(std::string& out, const knowledge::Knowledge& k, double mg) {
  out += R"({"value":)";
  append_number(out, mg, 4);
  out += R"(,"unit":"mg","system":)";
  str(out, k.codes.ucum_system);
  out += R"(,"code":"mg"})";
}

// The card's source: the first evidence source with a URL of `sources`, else the default.
void append_source(std::string& out, const knowledge::Knowledge& k,
                   const std::vector<std::string>& sources) {
  const std::string* url = nullptr;
  for (const auto& id : sources) {
    const knowledge::Source* s = k.source(id);
    if (s && s->evidence && !s->url.empty()) {
      url = &s->url;
      break;
    }
  }
  if (url == nullptr) {
    if (const knowledge::Source* s = k.source(k.cds.card.default_source)) url = &s->url;
  }
  out += R"({"label":)";
  str(out, k.cds.card.source_label);
  if (url != nullptr && !url->empty()) {
    out += R"(,"url":)";
    str(out, *url);
  }
  out += '}';
}

// A new draft MedicationRequest for `d` (CDS Hooks "create" suggestion).
void append_new_order(std::string& out, const knowledge::Knowledge& k, const engine::Dose& d,
                      const DoseValues& values, const std::string& patient_id) {
  out += R"({"resourceType":"MedicationRequest","status":"draft","intent":"order",)"
         R"("medicationCodeableConcept":{)";
  if (const std::string code = first_key_of(k.codes.rxnorm_to_drug, d.drug); !code.empty()) {
    out += R"("coding":[{"system":)";
    str(out, k.codes.rxnorm_system);
    out += R"(,"code":)";
    str(out, code);
    out += R"(,"display":)";
    str(out, d.drug);
    out += "}],";
  }
  out += R"("text":)";
  str(out, d.formulation.empty() ? d.drug : d.drug + ", " + d.formulation);
  out += R"(},"subject":{"reference":)";
  str(out, "Patient/" + patient_id);
  out += R"(},"dosageInstruction":[{"text":)";
  str(out, filled(k.cds.dose_check.dosage_text,
                  [&](std::string_view name) { return values.base(name); }));
  if (d.interval_h > 0) {
    out += R"(,"timing":{"repeat":{"frequency":1,"period":)";
    append_number(out, d.interval_h, 2);
    out += R"(,"periodUnit":"h"}})";
  }
  if (!d.route.empty()) {
    out += R"(,"route":{)";
    if (const std::string key = first_key_of(k.codes.route_codes, d.route); !key.empty()) {
      const auto bar = key.rfind('|');
      if (bar != std::string::npos && bar > 0 && bar + 1 < key.size()) {
        out += R"("coding":[{"system":)";
        str(out, std::string_view(key).substr(0, bar));
        out += R"(,"code":)";
        str(out, std::string_view(key).substr(bar + 1));
        out += "}],";
      }
    }
    out += R"("text":)";
    str(out, d.route);
    out += '}';
  }
  out += R"(,"doseAndRate":[{"doseQuantity":)";
  append_ucum_mg(out, k, d.dose.value);
  out += "}]}]}";
}

// ,"links":[...] when there is a public URL.
void append_links(std::string& out, const CardInput& in) {
  if (in.public_url.empty()) return;
  out += R"(,"links":[{"label":)";
  str(out, in.k.cds.card.link_label);
  out += R"(,"url":)";
  str(out, in.public_url + "/#/patients/" + in.patient_id);
  out += R"(,"type":"absolute"}])";
}

// The dose the report computes for `drug`: its start dose, else the trough's adjustment.
const engine::Dose* computed_dose(const engine::Report& r, const std::string& drug) {
  for (const auto& d : r.doses) {
    if (d.drug == drug) return &d;
  }
  if (r.sirolimus_trough && r.sirolimus_trough->adjustment &&
      r.sirolimus_trough->adjustment->drug == drug) {
    return &*r.sirolimus_trough->adjustment;
  }
  return nullptr;
}

// A display-rounded number as nlohmann stores it (see append_number).
Json number(double v, int decimals) {
  const double r = write::round_to(v, decimals);
  if (r == std::floor(r) && std::abs(r) < 1e15) return Json(static_cast<std::int64_t>(r));
  return Json(r);
}

// The draft order with dosageInstruction[0].doseAndRate[0].doseQuantity set to the computed
// dose (and its text, if it had one, restated), as JSON text; nullopt when the order is not
// shaped so. The client's order is parsed and written back by nlohmann.
std::optional<std::string> updated_order(const CardInput& in, const std::string& order_json,
                                         const engine::Dose& d, const DoseValues& values) {
  Json order = Json::parse(order_json, nullptr, /*allow_exceptions=*/false);
  if (!order.is_object()) return std::nullopt;
  auto di = order.find("dosageInstruction");
  if (di == order.end() || !di->is_array() || di->empty() || !(*di)[0].is_object()) {
    return std::nullopt;
  }
  Json& dosage = (*di)[0];
  auto dr = dosage.find("doseAndRate");
  if (dr == dosage.end() || !dr->is_array() || dr->empty() || !(*dr)[0].is_object()) {
    return std::nullopt;
  }
  Json quantity = Json::object();
  quantity["value"] = number(d.dose.value, 4);
  quantity["unit"] = "mg";
  quantity["system"] = in.k.codes.ucum_system;
  quantity["code"] = "mg";
  (*dr)[0]["doseQuantity"] = std::move(quantity);
  if (dosage.contains("text")) {
    dosage["text"] = filled(in.k.cds.dose_check.dosage_text,
                            [&](std::string_view name) { return values.base(name); });
  }
  return order.dump(-1, ' ', false, Json::error_handler_t::replace);
}

}  // namespace

std::string assessment_summary(const knowledge::Knowledge& k, const engine::Report& r) {
  const auto& c = k.cds.card;
  const std::string status = engine::name(r.kmp_status);
  const std::string urgency = engine::name(r.urgency);
  const std::string severity = graded(r) ? engine::name(*r.kmp_severity) : "none";
  const std::string regimen = r.regimen ? engine::name(*r.regimen) : "none";
  const std::string none;
  const std::string& status_word = word(c.status, status, status);
  const std::string& severity_word = word(c.severity, severity, none);
  const std::string& urgency_word = word(c.urgency, urgency, urgency);
  const std::string& regimen_word = word(c.regimen, regimen, none);
  std::string s = filled(c.summary, [&](std::string_view name) -> const std::string* {
    if (name == "status") return &status_word;
    if (name == "severity") return &severity_word;
    if (name == "urgency") return &urgency_word;
    if (name == "regimen") return &regimen_word;
    return nullptr;
  });
  return utf8_shorter_than(trimmed(std::move(s)), kSummaryLimit);
}

std::size_t assessment_cards(const CardInput& in, std::string& out) {
  const engine::Report& r = in.report;
  if (r.kmp_status == engine::KmpStatus::not_applicable) {
    out += "[]";
    return 0;
  }
  const write::Summary summary = write::summarize(r, in.k);
  out.reserve(out.size() + detail_size(summary) + 2048);

  const std::string uuid = uuid_from(in.report_sha256 + "#0");
  out += R"([{"uuid":)";
  str(out, uuid);
  out += R"(,"summary":)";
  str(out, assessment_summary(in.k, r));
  out += R"(,"detail":")";
  const std::size_t detail_at = out.size() - 1;  // its opening quote
  JsonMarkdown json_md(out);
  assessment_detail(json_md, summary);
  if (json_md.valid()) {
    out += '"';
  } else {  // some text is not UTF-8: nlohmann's replacement characters, as for any string
    out.resize(detail_at);
    std::string md;
    PlainMarkdown plain(md);
    assessment_detail(plain, summary);
    str(out, md);
  }
  out += R"(,"indicator":)";
  str(out, indicator_of(in.k, r.urgency));
  out += R"(,"source":)";
  static const std::vector<std::string> kNoSources;
  append_source(out, in.k, r.regimen_why ? r.regimen_why->sources : kNoSources);

  std::size_t suggestions = 0;
  const auto& drugs = in.k.cds.card.create_drugs;
  for (const auto& d : r.doses) {
    if (std::find(drugs.begin(), drugs.end(), d.drug) == drugs.end()) continue;
    const DoseValues values(d);
    out += suggestions == 0 ? R"(,"suggestions":[{"label":)" : R"(,{"label":)";
    str(out, filled(in.k.cds.card.create_label, values));
    out += R"(,"uuid":)";
    str(out, uuid_from(uuid + "#s" + std::to_string(suggestions)));
    out += R"(,"actions":[{"type":"create","description":)";
    str(out, filled(in.k.cds.card.create_description, values));
    out += R"(,"resource":)";
    append_new_order(out, in.k, d, values, in.patient_id);
    out += "}]}";
    ++suggestions;
  }
  if (suggestions > 0) out += R"(],"selectionBehavior":"at-most-one")";
  append_links(out, in);
  out += "}]";
  return 1;
}

std::size_t dose_cards(const CardInput& in, const std::vector<DraftOrder>& orders,
                       std::string& out) {
  const engine::Report& r = in.report;
  if (r.kmp_status == engine::KmpStatus::not_applicable) {
    out += "[]";
    return 0;
  }
  const auto& check = in.k.cds.dose_check;
  std::size_t cards = 0;
  out += '[';
  for (const DraftOrder& o : orders) {
    const auto& m = o.course;
    if (std::find(check.drugs.begin(), check.drugs.end(), m.drug) == check.drugs.end()) continue;
    if (!m.dose) continue;  // no dose in a mass unit: nothing to compare
    const engine::Dose* d = computed_dose(r, m.drug);
    if (!d || !(d->dose.value > 0)) continue;
    const double off = (m.dose->value - d->dose.value) / d->dose.value;
    if (!(std::abs(off) > check.tolerance + 1e-9)) continue;

    DoseValues values(*d);
    values.set_check(write::format_number(m.dose->value, 4),
                     write::format_number(std::abs(off) * 100, 1),
                     off > 0 ? check.above : check.below);

    const std::vector<std::string> rules = {d->why.rule_id};
    std::string detail;
    detail.reserve(1024);
    PlainMarkdown md(detail);
    md.text("**");
    md.md(filled(check.detail_title, values));
    md.text("** ");
    tags(md, rules, false);
    md.text("\n\n- ");
    md.md(check.ordered_label);
    md.text(": ");
    md.md(ordered_text(m));
    md.text("\n- ");
    md.md(check.computed_label);
    md.text(": ");
    md.md(computed_text(*d));
    md.text(" ");
    tags(md, rules, false);
    md.text("\n");
    for (const auto& n : d->notes) {
      md.text("  - ");
      md.md(n);
      md.text(" ");
      tags(md, rules, false);
      md.text("\n");
    }
    md.text("- ");
    md.md(check.tolerance_label);
    md.text(": ");
    md.text(write::format_number(check.tolerance * 100, 1));
    md.text(" %\n");

    const std::string uuid =
        uuid_from(in.report_sha256 + "#" + std::to_string(cards) + "#" + sha256_hex(o.json));
    if (cards > 0) out += ',';
    out += R"({"uuid":)";
    str(out, uuid);
    out += R"(,"summary":)";
    str(out, utf8_shorter_than(trimmed(filled(check.summary, values)), kSummaryLimit));
    out += R"(,"detail":)";
    str(out, detail);
    out += R"(,"indicator":)";
    str(out, check.indicator);
    out += R"(,"source":)";
    append_source(out, in.k, d->why.sources);
    if (auto updated = updated_order(in, o.json, *d, values)) {
      out += R"(,"suggestions":[{"label":)";
      str(out, filled(check.label, values));
      out += R"(,"uuid":)";
      str(out, uuid_from(uuid + "#s0"));
      out += R"(,"actions":[{"type":"update","description":)";
      str(out, filled(check.description, values));
      out += R"(,"resource":)";
      out += *updated;
      out += R"(}]}],"selectionBehavior":"at-most-one")";
    }
    append_links(out, in);
    out += '}';
    ++cards;
  }
  out += ']';
  return cards;
}

}  // namespace khe::cds::detail

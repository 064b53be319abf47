#include "cds/cards.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <map>
#include <optional>

#include "cds/util.h"
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

// The card's source: the first evidence source with a URL of `sources`, else the default.
Json source_of(const knowledge::Knowledge& k, const std::vector<std::string>& sources) {
  std::string url;
  for (const auto& id : sources) {
    const knowledge::Source* s = k.source(id);
    if (s && s->evidence && !s->url.empty()) {
      url = s->url;
      break;
    }
  }
  if (url.empty()) {
    if (const knowledge::Source* s = k.source(k.cds.card.default_source)) url = s->url;
  }
  Json j = Json::object();
  j["label"] = k.cds.card.source_label;
  if (!url.empty()) j["url"] = url;
  return j;
}

std::string tags(const std::vector<std::string>& rules) {
  std::string out;
  for (const auto& id : rules) {
    if (id.empty()) continue;
    out += (out.empty() ? "" : " ") + std::string("\\[") + md_escape(id) + "\\]";
  }
  return out;
}

std::string md_line(const write::SummaryLine& l, const std::vector<std::string>& rules) {
  std::string text = md_escape(l.text);
  if (!l.link.empty() && l.link.find_first_of("<>\n") == std::string::npos) {
    text = "[" + text + "](<" + l.link + ">)";
  }
  const std::string t = tags(rules);
  return t.empty() ? text : text + " " + t;
}

// The report's summary (write::summarize) as GitHub Flavored Markdown: a bold headline,
// one bold title per section and its lines as a list; each line carries its rule IDs
// (a detail line without its own, those of the line it details).
std::string assessment_detail(const knowledge::Knowledge& k, const engine::Report& r) {
  const write::Summary s = write::summarize(r, k);
  std::string md = "**" + md_line(s.headline, s.headline.rules) + "**\n";
  for (const auto& section : s.sections) {
    if (section.lines.empty()) continue;
    md += "\n";
    if (!section.title.empty()) md += "**" + md_escape(section.title) + "**\n\n";
    std::vector<std::string> parent_rules;
    for (const auto& l : section.lines) {
      if (l.indent == 0) parent_rules = l.rules;
      const auto& rules = l.rules.empty() && l.indent > 0 ? parent_rules : l.rules;
      md += std::string(static_cast<std::size_t>(std::max(l.indent, 0)) * 2, ' ') + "- " +
            md_line(l, rules) + "\n";
    }
  }
  md += "\n" + md_escape(s.provenance) + "\n\n_" + md_escape(s.reminder) + "_\n";
  return md;
}

bool graded(const engine::Report& r) {
  return r.kmp_severity && (r.kmp_status == engine::KmpStatus::present ||
                            r.kmp_status == engine::KmpStatus::suspected);
}

std::string indicator_of(const knowledge::Knowledge& k, engine::Urgency u) {
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

std::map<std::string, std::string> dose_values(const engine::Dose& d) {
  return {{"drug", d.drug},
          {"dose", write::format_number(d.dose.value, 4)},
          {"computed", write::format_number(d.dose.value, 4)},
          {"interval", write::format_number(d.interval_h, 2)},
          {"route", d.route},
          {"volume", volume_text(d)},
          {"formulation", d.formulation},
          {"rule", d.why.rule_id}};
}

// The first key of `map` (sorted, so the choice is stable) whose value is `value`.
template <typename Map>
std::string first_key_of(const Map& map, const std::string& value) {
  std::string best;
  for (const auto& [key, v] : map) {
    if (v == value && (best.empty() || key < best)) best = key;
  }
  return best;
}

// A display-rounded number; whole numbers as integers ("12", not "12.0").
Json number(double v, int decimals) {
  const double r = write::round_to(v, decimals);
  if (r == std::floor(r) && std::abs(r) < 1e15) return Json(static_cast<std::int64_t>(r));
  return Json(r);
}

Json ucum_mg(const knowledge::Knowledge& k, double mg) {
  Json q = Json::object();
  q["value"] = number(mg, 4);
  q["unit"] = "mg";
  q["system"] = k.codes.ucum_system;
  q["code"] = "mg";
  return q;
}

// A new draft MedicationRequest for `d` (CDS Hooks "create" suggestion).
Json new_order(const knowledge::Knowledge& k, const engine::Dose& d,
               const std::string& patient_id) {
  Json coding = Json::array();
  if (const std::string code = first_key_of(k.codes.rxnorm_to_drug, d.drug); !code.empty()) {
    Json c = Json::object();
    c["system"] = k.codes.rxnorm_system;
    c["code"] = code;
    c["display"] = d.drug;
    coding.push_back(std::move(c));
  }
  Json medication = Json::object();
  if (!coding.empty()) medication["coding"] = std::move(coding);
  medication["text"] = d.formulation.empty() ? d.drug : d.drug + ", " + d.formulation;

  Json dosage = Json::object();
  dosage["text"] = fill(k.cds.dose_check.dosage_text, dose_values(d));
  if (d.interval_h > 0) {
    Json repeat = Json::object();
    repeat["frequency"] = 1;
    repeat["period"] = number(d.interval_h, 2);
    repeat["periodUnit"] = "h";
    dosage["timing"] = Json{{"repeat", std::move(repeat)}};
  }
  if (!d.route.empty()) {
    Json route = Json::object();
    if (const std::string key = first_key_of(k.codes.route_codes, d.route); !key.empty()) {
      const auto bar = key.rfind('|');
      if (bar != std::string::npos && bar > 0 && bar + 1 < key.size()) {
        Json c = Json::object();
        c["system"] = key.substr(0, bar);
        c["code"] = key.substr(bar + 1);
        route["coding"] = Json::array({std::move(c)});
      }
    }
    route["text"] = d.route;
    dosage["route"] = std::move(route);
  }
  dosage["doseAndRate"] = Json::array({Json{{"doseQuantity", ucum_mg(k, d.dose.value)}}});

  Json order = Json::object();
  order["resourceType"] = "MedicationRequest";
  order["status"] = "draft";
  order["intent"] = "order";
  order["medicationCodeableConcept"] = std::move(medication);
  order["subject"] = Json{{"reference", "Patient/" + patient_id}};
  order["dosageInstruction"] = Json::array({std::move(dosage)});
  return order;
}

Json links(const CardInput& in) {
  if (in.public_url.empty()) return Json::array();
  Json link = Json::object();
  link["label"] = in.k.cds.card.link_label;
  link["url"] = in.public_url + "/#/patients/" + in.patient_id;
  link["type"] = "absolute";
  return Json::array({std::move(link)});
}

void finish(Json& card, Json suggestions, const CardInput& in) {
  if (!suggestions.empty()) {
    card["suggestions"] = std::move(suggestions);
    card["selectionBehavior"] = "at-most-one";
  }
  Json l = links(in);
  if (!l.empty()) card["links"] = std::move(l);
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

// The draft order with dosageInstruction[0].doseAndRate[0].doseQuantity set to the computed
// dose (and its text, if it had one, restated); nullopt when the order is not shaped so.
std::optional<Json> updated_order(const CardInput& in, const std::string& order_json,
                                  const engine::Dose& d) {
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
  (*dr)[0]["doseQuantity"] = ucum_mg(in.k, d.dose.value);
  if (dosage.contains("text"))
    dosage["text"] = fill(in.k.cds.dose_check.dosage_text, dose_values(d));
  return order;
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

}  // namespace

std::string assessment_summary(const knowledge::Knowledge& k, const engine::Report& r) {
  const auto& c = k.cds.card;
  const std::string status = engine::name(r.kmp_status);
  const std::string urgency = engine::name(r.urgency);
  const std::string severity = graded(r) ? engine::name(*r.kmp_severity) : "none";
  const std::string regimen = r.regimen ? engine::name(*r.regimen) : "none";
  const std::string none;
  std::string s = fill(c.summary, {{"status", word(c.status, status, status)},
                                   {"severity", word(c.severity, severity, none)},
                                   {"urgency", word(c.urgency, urgency, urgency)},
                                   {"regimen", word(c.regimen, regimen, none)}});
  return utf8_shorter_than(trimmed(std::move(s)), kSummaryLimit);
}

Json assessment_cards(const CardInput& in) {
  Json cards = Json::array();
  const engine::Report& r = in.report;
  if (r.kmp_status == engine::KmpStatus::not_applicable) return cards;

  Json card = Json::object();
  const std::string uuid = uuid_from(in.report_sha256 + "#0");
  card["uuid"] = uuid;
  card["summary"] = assessment_summary(in.k, r);
  card["detail"] = assessment_detail(in.k, r);
  card["indicator"] = indicator_of(in.k, r.urgency);
  card["source"] =
      source_of(in.k, r.regimen_why ? r.regimen_why->sources : std::vector<std::string>{});

  Json suggestions = Json::array();
  for (const auto& d : r.doses) {
    const auto& drugs = in.k.cds.card.create_drugs;
    if (std::find(drugs.begin(), drugs.end(), d.drug) == drugs.end()) continue;
    const auto values = dose_values(d);
    Json action = Json::object();
    action["type"] = "create";
    action["description"] = fill(in.k.cds.card.create_description, values);
    action["resource"] = new_order(in.k, d, in.patient_id);
    Json s = Json::object();
    s["label"] = fill(in.k.cds.card.create_label, values);
    s["uuid"] = uuid_from(uuid + "#s" + std::to_string(suggestions.size()));
    s["actions"] = Json::array({std::move(action)});
    suggestions.push_back(std::move(s));
  }
  finish(card, std::move(suggestions), in);
  cards.push_back(std::move(card));
  return cards;
}

Json dose_cards(const CardInput& in, const std::vector<DraftOrder>& orders) {
  Json cards = Json::array();
  const engine::Report& r = in.report;
  if (r.kmp_status == engine::KmpStatus::not_applicable) return cards;
  const auto& check = in.k.cds.dose_check;
  for (const DraftOrder& o : orders) {
    const auto& m = o.course;
    if (std::find(check.drugs.begin(), check.drugs.end(), m.drug) == check.drugs.end()) continue;
    if (!m.dose) continue;  // no dose in a mass unit: nothing to compare
    const engine::Dose* d = computed_dose(r, m.drug);
    if (!d || !(d->dose.value > 0)) continue;
    const double off = (m.dose->value - d->dose.value) / d->dose.value;
    if (!(std::abs(off) > check.tolerance + 1e-9)) continue;

    auto values = dose_values(*d);
    values["ordered"] = write::format_number(m.dose->value, 4);
    values["difference"] = write::format_number(std::abs(off) * 100, 1);
    values["direction"] = off > 0 ? check.above : check.below;

    Json card = Json::object();
    const std::string uuid =
        uuid_from(in.report_sha256 + "#" + std::to_string(cards.size()) + "#" + sha256_hex(o.json));
    card["uuid"] = uuid;
    card["summary"] = utf8_shorter_than(trimmed(fill(check.summary, values)), kSummaryLimit);
    const std::vector<std::string> rules = {d->why.rule_id};
    std::string md = "**" + md_escape(fill(check.detail_title, values)) + "** " + tags(rules) +
                     "\n\n- " + md_escape(check.ordered_label) + ": " + md_escape(ordered_text(m)) +
                     "\n- " + md_escape(check.computed_label) + ": " +
                     md_escape(computed_text(*d)) + " " + tags(rules) + "\n";
    for (const auto& n : d->notes) md += "  - " + md_escape(n) + " " + tags(rules) + "\n";
    md += "- " + md_escape(check.tolerance_label) + ": " +
          write::format_number(check.tolerance * 100, 1) + " %\n";
    card["detail"] = md;
    card["indicator"] = check.indicator;
    card["source"] = source_of(in.k, d->why.sources);

    Json suggestions = Json::array();
    if (auto updated = updated_order(in, o.json, *d)) {
      Json action = Json::object();
      action["type"] = "update";
      action["description"] = fill(check.description, values);
      action["resource"] = std::move(*updated);
      Json s = Json::object();
      s["label"] = fill(check.label, values);
      s["uuid"] = uuid_from(uuid + "#s0");
      s["actions"] = Json::array({std::move(action)});
      suggestions.push_back(std::move(s));
    }
    finish(card, std::move(suggestions), in);
    cards.push_back(std::move(card));
  }
  return cards;
}

}  // namespace khe::cds::detail

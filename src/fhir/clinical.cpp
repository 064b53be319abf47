// Condition -> Diagnosis and Procedure -> ProcedureEvent.
#include <algorithm>

#include "fhir/resource.h"
#include "fhir/text.h"

namespace khe::fhir {
namespace {

// The first coding of `cc` (a CodeableConcept) that has a code.
std::string_view first_code(Element cc) {
  std::string_view found;
  for_each(cc, "coding", [&](Element coding, std::size_t) {
    if (found.empty()) found = str(coding, "code");
  });
  return found;
}

struct DiagnosisMatch {
  std::string code;
  bool by_text = false;
  std::string rel;
};

// Coded match first ("system|code"); the free-text synonym list only as a fallback, exact
// text first, else the longest synonym found as a whole phrase (so "kaposiform
// hemangioendothelioma" beats a shorter synonym inside it).
std::optional<DiagnosisMatch> match_diagnosis(const Ctx& c) {
  auto code = member(c.json, "code");
  if (!code) return std::nullopt;
  std::optional<DiagnosisMatch> match;
  std::string key;
  for_each(*code, "coding", [&](Element coding, std::size_t i) {
    if (match) return;
    key.assign(str(coding, "system"));
    key += '|';
    key += str(coding, "code");
    auto it = c.codes.diagnosis_codes.find(key);
    if (it != c.codes.diagnosis_codes.end())
      match = DiagnosisMatch{it->second, false, indexed("code.coding", i)};
  });
  if (match) return match;
  std::string text = lower_trimmed(str(*code, "text"));
  if (text.empty()) return std::nullopt;
  const std::pair<std::string, std::string>* best = nullptr;
  for (const auto& syn : c.codes.diagnosis_synonyms) {
    if (syn.first == text) {
      best = &syn;
      break;
    }
    if ((!best || syn.first.size() > best->first.size()) && contains_phrase(text, syn.first))
      best = &syn;
  }
  if (!best) return std::nullopt;
  return DiagnosisMatch{best->second, true, "code.text"};
}

// FHIR verificationStatus -> certainty; nullopt = the condition is not to be used.
std::optional<model::Certainty> certainty(const Ctx& c) {
  auto vs = member(c.json, "verificationStatus");
  std::string_view v = vs ? first_code(*vs) : std::string_view();
  if (v == "confirmed") return model::Certainty::confirmed;
  if (v == "provisional" || v == "unconfirmed" || v == "differential")
    return model::Certainty::suspected;
  if (v == "refuted" || v == "entered-in-error") {
    c.info("status_ignored", "verificationStatus",
           "verificationStatus '" + std::string(v) + "'; condition not used");
    return std::nullopt;
  }
  // Unknown or absent: the diagnosis is kept, but never as more certain than suspected.
  c.info("verification_missing", "verificationStatus",
         v.empty()
             ? std::string("no verificationStatus; read as suspected")
             : "verificationStatus '" + std::string(v) + "' not recognised; read as suspected");
  return model::Certainty::suspected;
}

}  // namespace

void read_condition(const Ctx& c) {
  std::optional<DiagnosisMatch> match = match_diagnosis(c);
  if (!match) return;  // not a diagnosis we know
  std::optional<model::Certainty> cert = certainty(c);
  if (!cert) return;
  model::Diagnosis d;
  d.code = std::move(match->code);
  d.certainty = *cert;
  d.matched_by_text = match->by_text;
  d.source = c.source(match->rel);
  if (member(c.json, "recordedDate"))
    d.recorded = read_time_member(c, c.json, "", "recordedDate");
  else
    d.recorded = read_time_member(c, c.json, "", "onsetDateTime");
  for_each(c.json, "evidence", [&](Element ev, std::size_t) {
    for_each(ev, "code", [&](Element cc, std::size_t) {
      for_each(cc, "coding", [&](Element coding, std::size_t) {
        std::string_view code = str(coding, "code");
        if (!c.is_product(str(coding, "system"), "finding") || !code.starts_with("basis-")) return;
        if (std::find(d.basis.begin(), d.basis.end(), code) == d.basis.end())
          d.basis.emplace_back(code);
      });
    });
  });
  c.out.add(std::move(d));
}

void read_procedure(const Ctx& c) {
  std::string_view code;
  std::string code_rel;
  if (auto cc = member(c.json, "code")) {
    for_each(*cc, "coding", [&](Element coding, std::size_t i) {
      std::string_view v = str(coding, "code");
      if (code.empty() && !v.empty() && c.is_product(str(coding, "system"), "procedure") &&
          !v.starts_with("indication-")) {
        code = v;
        code_rel = indexed("code.coding", i);
      }
    });
  }
  if (code.empty()) return;  // not a procedure we know

  std::string_view status = str(c.json, "status");
  model::ProcedureEvent p;
  if (status == "preparation") {
    p.status = model::ProcedureStatus::planned;
  } else if (status == "completed" || status == "in-progress" || status == "stopped") {
    p.status = model::ProcedureStatus::done;
  } else if (status == "not-done" || status == "entered-in-error") {
    c.info("status_ignored", "status", "status '" + std::string(status) + "'; procedure not used");
    return;
  } else {
    // on-hold, unknown or absent: we cannot tell whether it happened.
    c.issue("status_unknown", "status",
            (status.empty() ? std::string("no status") : "status '" + std::string(status) + "'") +
                ": cannot tell whether the procedure was done; not used");
    return;
  }
  p.code = code;
  p.source = c.source(code_rel);
  // A performedDateTime is a point in time: `end` stays empty, as for any course not closed.
  if (member(c.json, "performedDateTime")) {
    p.start = read_time_member(c, c.json, "", "performedDateTime");
  } else if (auto period = member(c.json, "performedPeriod")) {
    p.start = read_time_member(c, *period, "performedPeriod", "start");
    p.end = read_time_member(c, *period, "performedPeriod", "end");
  }
  for_each(c.json, "reasonCode", [&](Element rc, std::size_t) {
    for_each(rc, "coding", [&](Element coding, std::size_t) {
      std::string_view v = str(coding, "code");
      if (p.indication.empty() && v.starts_with("indication-") &&
          c.is_product(str(coding, "system"), "procedure"))
        p.indication = v;
    });
  });
  c.out.add(std::move(p));
}

}  // namespace khe::fhir

// POST /cds-services/khe-kmp (patient-view): the example patients posted as prefetch, the
// cards' rules, and every way a request can be refused.
#include "cds_test_util.h"

namespace khe::cds::testing {
namespace {

struct Called {
  CallOutcome outcome;
  json body;
};

Called call(const std::string& service, const json& request, Instant now,
            FhirFetcher* fetcher = nullptr) {
  Called c{services().call(service, request.dump(), fetcher, now), json()};
  c.body = json::parse(c.outcome.response.body, nullptr, false);
  return c;
}

std::string indicator_for(const std::string& urgency) {
  return urgency == "emergent" ? "critical" : urgency == "urgent" ? "warning" : "info";
}

// Every example of shared/examples, posted as a CDS Client prefetches it: one card whose
// indicator and summary say the expected status and urgency.
TEST(CdsPatientView, ExamplePatientsGetTheirCard) {
  for (const auto& ex : expected_examples()) {
    SCOPED_TRACE(ex["id"].get<std::string>());
    const Patient p = as_prefetch(example(ex["file"]));
    const Called c = call("khe-kmp", patient_view(p), instant(ex["as_of"]));
    ASSERT_EQ(c.outcome.response.status, 200) << c.outcome.response.body;
    EXPECT_EQ(c.outcome.response.content_type.rfind("application/json", 0), 0u);
    EXPECT_TRUE(c.outcome.evaluated);
    EXPECT_EQ(c.outcome.patient_id, p.id);
    EXPECT_EQ(c.outcome.input_sha256.size(), 64u);
    EXPECT_EQ(c.outcome.report_sha256.size(), 64u);
    EXPECT_EQ(c.outcome.knowledge_version, kb().version);
    EXPECT_EQ(c.outcome.profile, "default");
    expect_no_empty_values(c.body);

    const json& e = ex["expected"];
    const std::string status = e["kmp.status"];
    ASSERT_EQ(c.body["cards"].size(), 1u);
    EXPECT_EQ(c.outcome.cards, 1u);
    const json& card = c.body["cards"][0];
    const std::string summary = card["summary"];
    EXPECT_LT(code_points(summary), 140u) << summary;
    EXPECT_NE(summary.find(kb().cds.card.status.at(status)), std::string::npos) << summary;
    if (e.contains("kmp.severity") && !e["kmp.severity"].is_null()) {
      EXPECT_NE(summary.find(e["kmp.severity"].get<std::string>()), std::string::npos);
    }
    if (e.contains("urgency")) {
      const std::string urgency = e["urgency"];
      EXPECT_EQ(card["indicator"], indicator_for(urgency));
      EXPECT_NE(summary.find(kb().cds.card.urgency.at(urgency)), std::string::npos) << summary;
    }
    if (e.contains("recommendation.regimen")) {
      const std::string regimen =
          e["recommendation.regimen"].is_null() ? "none" : e["recommendation.regimen"];
      EXPECT_NE(summary.find(kb().cds.card.regimen.at(regimen)), std::string::npos) << summary;
    }
    // Required fields, and the optional ones this service always fills.
    EXPECT_EQ(card["uuid"].get<std::string>().size(), 36u);
    EXPECT_EQ(card["source"]["label"], kb().cds.card.source_label);
    EXPECT_EQ(card["source"]["url"].get<std::string>().rfind("http", 0), 0u);
    const std::string detail = card["detail"];
    EXPECT_NE(detail.find("\\[KMP-1\\]"), std::string::npos) << detail;
    EXPECT_NE(detail.find("**Assessment**"), std::string::npos);
    EXPECT_NE(detail.find("**Alerts**"), std::string::npos);
    for (const auto& alert : e.value("alerts_include", json::array())) {
      std::string code = alert;  // Markdown-escaped in the detail
      for (auto at = code.find('_'); at != std::string::npos; at = code.find('_', at + 2)) {
        code.insert(at, "\\");
      }
      EXPECT_NE(detail.find(code), std::string::npos) << code;
    }
    ASSERT_EQ(card["links"].size(), 1u);
    EXPECT_EQ(card["links"][0]["type"], "absolute");
    EXPECT_EQ(card["links"][0]["url"], std::string(kPublicUrl) + "/#/patients/" + p.id);
    EXPECT_FALSE(card["links"][0]["label"].get<std::string>().empty());
    EXPECT_EQ(card.contains("suggestions"), card.contains("selectionBehavior"));
  }
}

// ex01: a severe KMP in a 5.6 kg infant; the regimen starts sirolimus, so the card offers a
// draft MedicationRequest of the computed 0.24 mg every 12 h.
TEST(CdsPatientView, SevereKmpCardIsCriticalAndSuggestsTheSirolimusOrder) {
  const Patient p = as_prefetch(example("ex01-khe-severe-kmp.json"));
  const Called c = call("khe-kmp", patient_view(p), instant("2026-08-03T12:00:00Z"));
  ASSERT_EQ(c.outcome.response.status, 200);
  const json& card = c.body["cards"][0];
  EXPECT_EQ(card["indicator"], "critical");
  EXPECT_EQ(card["summary"],
            "Kasabach-Merritt phenomenon present, severe; EMERGENT, act now. Suggested: "
            "sirolimus + prednisolone.");
  EXPECT_EQ(card["selectionBehavior"], "at-most-one");
  ASSERT_EQ(card["suggestions"].size(), 1u);
  const json& s = card["suggestions"][0];
  EXPECT_EQ(s["label"], "Draft order: sirolimus 0.24 mg every 12 h, oral");
  EXPECT_EQ(s["uuid"].get<std::string>().size(), 36u);
  ASSERT_EQ(s["actions"].size(), 1u);
  const json& a = s["actions"][0];
  EXPECT_EQ(a["type"], "create");
  EXPECT_FALSE(a["description"].get<std::string>().empty());
  const json& mr = a["resource"];
  EXPECT_EQ(mr["resourceType"], "MedicationRequest");
  EXPECT_EQ(mr["status"], "draft");
  EXPECT_EQ(mr["intent"], "order");
  EXPECT_EQ(mr["subject"]["reference"], "Patient/" + p.id);
  EXPECT_EQ(mr["medicationCodeableConcept"]["coding"][0]["code"], "35302");
  const json& dosage = mr["dosageInstruction"][0];
  EXPECT_EQ(dosage["doseAndRate"][0]["doseQuantity"], json({{"value", 0.24},
                                                            {"unit", "mg"},
                                                            {"system", "http://unitsofmeasure.org"},
                                                            {"code", "mg"}}));
  EXPECT_EQ(dosage["timing"]["repeat"],
            json({{"frequency", 1}, {"period", 12}, {"periodUnit", "h"}}));
  EXPECT_EQ(dosage["route"]["text"], "oral");
  const std::string detail = card["detail"];
  EXPECT_NE(detail.find("sirolimus 0.24 mg = 0.24 mL of 1 mg/mL"), std::string::npos) << detail;
  EXPECT_NE(detail.find("prednisolone 11.2 mg"), std::string::npos) << detail;
  EXPECT_NE(detail.find("\\[DOSE-SIR-1\\]"), std::string::npos);
  EXPECT_NE(detail.find("pjp\\_prophylaxis"), std::string::npos);
  EXPECT_NE(detail.find("](<http"), std::string::npos) << "evidence links";
  EXPECT_EQ(card["source"]["url"], kb().source("blood2022")->url);
}

// On treatment (ex06): sirolimus is already given, so no create suggestion — and then no
// selectionBehavior either (the spec requires it only with suggestions; never null).
TEST(CdsPatientView, NoSuggestionWhenNothingIsStarted) {
  const Patient p = as_prefetch(example("ex06-khe-on-treatment-durable-response.json"));
  const Called c = call("khe-kmp", patient_view(p), instant("2026-06-08T12:00:00Z"));
  ASSERT_EQ(c.outcome.response.status, 200);
  const json& card = c.body["cards"][0];
  EXPECT_EQ(card["indicator"], "info");
  EXPECT_FALSE(card.contains("suggestions"));
  EXPECT_FALSE(card.contains("selectionBehavior"));
}

TEST(CdsPatientView, NotApplicableGivesNoCard) {
  Patient p = as_prefetch(example("ex01-khe-severe-kmp.json"));
  p.prefetch["conditions"] = nullptr;  // no diagnosis: not our population
  const Called c = call("khe-kmp", patient_view(p), instant("2026-08-03T12:00:00Z"));
  ASSERT_EQ(c.outcome.response.status, 200);
  EXPECT_EQ(c.outcome.response.body, R"({"cards":[]})");
  EXPECT_EQ(c.outcome.cards, 0u);
  EXPECT_TRUE(c.outcome.evaluated);  // evaluated (and audited), nothing to say
}

TEST(CdsPatientView, IdenticalRequestsGiveIdenticalBytes) {
  const Patient p = as_prefetch(example("ex01-khe-severe-kmp.json"));
  const Called a = call("khe-kmp", patient_view(p), instant("2026-08-03T12:00:00Z"));
  const Called b = call("khe-kmp", patient_view(p), instant("2026-08-03T12:00:00Z"));
  EXPECT_EQ(a.outcome.response.body, b.outcome.response.body);
  EXPECT_EQ(a.outcome.report_sha256, b.outcome.report_sha256);
  EXPECT_EQ(a.outcome.input_sha256, b.outcome.input_sha256);
  // A later instant is another evaluation: another report, other card ids.
  const Called later = call("khe-kmp", patient_view(p), instant("2026-08-04T12:00:00Z"));
  EXPECT_NE(later.outcome.report_sha256, a.outcome.report_sha256);
  EXPECT_NE(later.body["cards"][0]["uuid"], a.body["cards"][0]["uuid"]);
}

// No identifier of the patient in any refusal: messages name JSON paths and keys only.
void expect_refused(const Called& c, int status, const std::string& message_part,
                    const std::string& patient_id) {
  EXPECT_EQ(c.outcome.response.status, status) << c.outcome.response.body;
  EXPECT_FALSE(c.outcome.evaluated);
  EXPECT_TRUE(c.body.is_object()) << c.outcome.response.body;
  EXPECT_TRUE(c.body["error"].is_string());
  const std::string message = c.body.value("message", "");
  EXPECT_NE(message.find(message_part), std::string::npos) << message;
  if (!patient_id.empty()) {
    EXPECT_EQ(c.outcome.response.body.find(patient_id), std::string::npos);
  }
}

TEST(CdsPatientView, WithoutPrefetchOrFhirServerIs412) {
  const Patient p = as_prefetch(example("ex01-khe-severe-kmp.json"));
  const Called c = call("khe-kmp", request("patient-view", p.id), instant("2026-08-03T12:00:00Z"));
  expect_refused(c, 412, "no fhirServer", p.id);
  EXPECT_EQ(c.body["error"], "prefetch_unavailable");
  for (const char* key : {"patient", "conditions", "observations", "procedures"}) {
    EXPECT_NE(c.body["message"].get<std::string>().find(key), std::string::npos) << key;
  }
  EXPECT_EQ(c.outcome.patient_id, p.id);  // for the audit of the refusal's caller

  // One key left out is enough; a key that is null is data ("none"), not missing.
  json r = patient_view(p);
  r["prefetch"].erase("procedures");
  const Called one = call("khe-kmp", r, instant("2026-08-03T12:00:00Z"));
  expect_refused(one, 412, "procedures", p.id);
  EXPECT_EQ(one.body["message"].get<std::string>().find("conditions"), std::string::npos);
}

TEST(CdsPatientView, PrefetchThatIsNotAFhirResourceIs400NamingTheKey) {
  const Patient p = as_prefetch(example("ex01-khe-severe-kmp.json"));
  const Instant now = instant("2026-08-03T12:00:00Z");
  json r = patient_view(p);
  r["prefetch"]["observations"] = "<html><body><h1>502 Bad Gateway</h1></body></html>";
  expect_refused(call("khe-kmp", r, now), 400, "prefetch.observations", p.id);

  r = patient_view(p);
  r["prefetch"]["conditions"] = p.prefetch["patient"];  // a resource of the wrong type
  expect_refused(call("khe-kmp", r, now), 400, "prefetch.conditions", p.id);

  r = patient_view(p);
  r["prefetch"]["patient"] = p.prefetch["conditions"];  // a Bundle where the Patient belongs
  expect_refused(call("khe-kmp", r, now), 400, "prefetch.patient: expected a Patient", p.id);

  r = patient_view(p);
  r["prefetch"]["observations"]["entry"][1]["resource"] = {{"resourceType", "Condition"}};
  expect_refused(call("khe-kmp", r, now), 400, "prefetch.observations.entry[1].resource", p.id);

  for (json bad : {json(42), json::array(), json(true), json::object()}) {
    r = patient_view(p);
    r["prefetch"]["procedures"] = bad;
    expect_refused(call("khe-kmp", r, now), 400, "prefetch.procedures", p.id);
  }

  r = patient_view(p);
  r["prefetch"]["patient"]["id"] = "someone-else";
  expect_refused(call("khe-kmp", r, now), 400, "does not match context.patientId", p.id);

  r = patient_view(p);
  r["prefetch"]["patient"].erase("id");
  expect_refused(call("khe-kmp", r, now), 400, "prefetch.patient.id", p.id);

  r = patient_view(p);
  r["prefetch"] = "everything";
  expect_refused(call("khe-kmp", r, now), 400, "prefetch: expected an object", p.id);
}

// CDS Hooks 2.0: an OperationOutcome in place of a prefetch value says the client could not
// prefetch it. Without a FHIR server to ask, the data cannot be had: 412 naming the key.
TEST(CdsPatientView, OperationOutcomePrefetchIsDataUnavailable) {
  const Patient p = as_prefetch(example("ex01-khe-severe-kmp.json"));
  json r = patient_view(p);
  r["prefetch"]["observations"] = {{"resourceType", "OperationOutcome"},
                                   {"issue", {{{"severity", "error"}, {"code", "timeout"}}}}};
  expect_refused(call("khe-kmp", r, instant("2026-08-03T12:00:00Z")), 412, "observations", p.id);
}

TEST(CdsPatientView, MalformedRequestsAre400) {
  const Patient p = as_prefetch(example("ex01-khe-severe-kmp.json"));
  const Instant now = instant("2026-08-03T12:00:00Z");
  auto with = [&](auto change) {
    json r = patient_view(p);
    change(r);
    return call("khe-kmp", r, now);
  };
  expect_refused(with([](json& r) { r["hook"] = "order-sign"; }), 400, "hook", p.id);
  expect_refused(with([](json& r) { r.erase("hook"); }), 400, "hook", p.id);
  expect_refused(with([](json& r) { r.erase("hookInstance"); }), 400, "hookInstance", p.id);
  expect_refused(with([](json& r) { r["hookInstance"] = "not-a-uuid"; }), 400, "hookInstance",
                 p.id);
  expect_refused(with([](json& r) { r.erase("context"); }), 400, "context", p.id);
  expect_refused(with([](json& r) { r["context"]["patientId"] = "../etc/passwd"; }), 400,
                 "context.patientId", "");
  expect_refused(with([](json& r) { r["context"]["patientId"] = 7; }), 400, "context.patientId",
                 "");
  expect_refused(with([](json& r) { r["fhirServer"] = "ftp://ehr.example.org"; }), 400,
                 "fhirServer", p.id);
  expect_refused(with([](json& r) {
                   r["fhirAuthorization"] = {{"access_token", "t"}, {"token_type", "Bearer"}};
                 }),
                 400, "fhirAuthorization", p.id);
  expect_refused(with([](json& r) {
                   r["fhirServer"] = kFhirServer;
                   r["fhirAuthorization"] = {{"access_token", "t"}, {"token_type", "MAC"}};
                 }),
                 400, "fhirAuthorization.token_type", p.id);

  for (const std::string body : {"", "{", "[]", "null", "<html></html>", "{\"hook\":"}) {
    const CallOutcome o = services().call("khe-kmp", body, nullptr, now);
    EXPECT_EQ(o.response.status, 400) << body;
    EXPECT_FALSE(o.evaluated);
  }
  // Nesting beyond the depth limit is refused, not a crash.
  std::string deep =
      R"({"hook":"patient-view","x":)" + std::string(5000, '[') + std::string(5000, ']') + "}";
  const CallOutcome o = services().call("khe-kmp", deep, nullptr, now);
  EXPECT_EQ(o.response.status, 400);
  EXPECT_NE(o.response.body.find("nested deeper"), std::string::npos) << o.response.body;
}

TEST(CdsPatientView, UnknownServiceIs404) {
  const Patient p = as_prefetch(example("ex01-khe-severe-kmp.json"));
  const Called c = call("khe-nothing", patient_view(p), instant("2026-08-03T12:00:00Z"));
  EXPECT_EQ(c.outcome.response.status, 404);
  EXPECT_EQ(c.body["error"], "unknown_service");
  EXPECT_TRUE(c.outcome.patient_id.empty());
}

TEST(CdsPatientView, UnusableRecordIs412WithoutPatientData) {
  Patient p = as_prefetch(example("ex01-khe-severe-kmp.json"));
  p.prefetch["patient"].erase("birthDate");
  const Called c = call("khe-kmp", patient_view(p), instant("2026-08-03T12:00:00Z"));
  expect_refused(c, 412, "cannot be evaluated", p.id);
  EXPECT_EQ(c.body["error"], "data_unusable");
}

}  // namespace
}  // namespace khe::cds::testing

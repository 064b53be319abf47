// The REST API, route by route, with its error paths, audit entries and the promise that a
// refused write stores nothing.
#include <thread>

#include "api_fixture.h"
#include "fhir/reader.h"
#include "write/json_writer.h"

namespace khe::api::testing {
namespace {

std::string header(const http::Response& r, const std::string& name) {
  for (const auto& h : r.headers) {
    if (h.name.size() == name.size() &&
        std::equal(h.name.begin(), h.name.end(), name.begin(), [](char a, char b) {
          return std::tolower(static_cast<unsigned char>(a)) ==
                 std::tolower(static_cast<unsigned char>(b));
        }))
      return h.value;
  }
  return "";
}

// The report of `khe evaluate` for the same bytes, through the same library calls.
json reference_report(const std::string& bytes, Instant as_of) {
  const auto& k = default_knowledge();
  fhir::ReadOptions o;
  o.as_of = as_of;
  auto outcome = fhir::read(bytes, k.codes, o);
  EXPECT_TRUE(outcome.record.has_value());
  auto report = engine::evaluate(*outcome.record, k, *k.profile("default"), as_of);
  report.input_sha256 = store::sha256_hex(bytes);
  return json::parse(write::to_json(report));
}

// ---- POST /api/evaluate ----------------------------------------------------------------------

TEST_F(ApiTest, EvaluateAnswersTheSameReportAsTheCommandAndAuditsIt) {
  const std::string bytes = example("ex01-khe-severe-kmp.json");
  const auto r = post("/api/evaluate?as_of=2026-08-03T12:00:00Z", bytes);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.content_type, "application/json");
  const json report = parse(r);
  EXPECT_EQ(report, reference_report(bytes, at()));
  EXPECT_EQ(report["kmp"]["status"], "present");
  EXPECT_EQ(report["urgency"], "emergent");
  EXPECT_EQ(report["provenance"]["input_sha256"], test_support::reference_sha256(bytes));

  const auto entries = audits();
  ASSERT_EQ(entries.size(), 1u);
  const auto& a = entries[0].record;
  EXPECT_EQ(a.kind, "evaluation");
  EXPECT_EQ(a.caller, "test-caller");
  EXPECT_EQ(a.patient_id, "e4bebee8-a216-71e7-1e98-7b039d9a16a1");
  EXPECT_EQ(a.input_sha256, test_support::reference_sha256(bytes));
  EXPECT_EQ(a.report_sha256, test_support::reference_sha256(r.body));
  EXPECT_EQ(a.knowledge_version, default_knowledge().version);
  EXPECT_EQ(a.profile, "default");
  EXPECT_EQ(a.time, at());
}

TEST_F(ApiTest, EvaluateFormatsAndProfiles) {
  const std::string bytes = example("ex01-khe-severe-kmp.json");
  const auto html = post("/api/evaluate?format=html&as_of=2026-08-03T12:00:00Z", bytes);
  ASSERT_EQ(html.status, 200);
  EXPECT_EQ(html.content_type, "text/html; charset=utf-8");
  EXPECT_NE(html.body.find("<!DOCTYPE html>"), std::string::npos);
  EXPECT_NE(header(html, "Content-Security-Policy").find("frame-ancestors 'none'"),
            std::string::npos);
  const auto text = post("/api/evaluate?format=text&as_of=2026-08-03T12:00:00Z", bytes);
  ASSERT_EQ(text.status, 200);
  EXPECT_EQ(text.content_type, "text/plain; charset=utf-8");
  const auto consensus =
      post("/api/evaluate?profile=consensus-2013&as_of=2026-08-03T12:00:00Z", bytes);
  ASSERT_EQ(consensus.status, 200);
  EXPECT_EQ(parse(consensus)["provenance"]["profile"], "consensus-2013");
  EXPECT_EQ(audit_count(), 3);
}

TEST_F(ApiTest, EvaluateReadsNdjson) {
  const json bundle = json::parse(example("ex01-khe-severe-kmp.json"));
  std::string nd;
  for (auto e : bundle["entry"]) {
    // NDJSON has no fullUrl: references name Patient/<id>.
    if (e["resource"].contains("subject")) {
      e["resource"]["subject"]["reference"] =
          "Patient/" + bundle["entry"][0]["resource"]["id"].get<std::string>();
    }
    nd += e["resource"].dump() + "\n";
  }
  const auto r = post("/api/evaluate?as_of=2026-08-03T12:00:00Z", nd, "application/fhir+ndjson");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(parse(r)["kmp"]["status"], "present");
  // NDJSON is only for /api/evaluate.
  EXPECT_EQ(post("/api/patients", nd, "application/fhir+ndjson").status, 415);
}

TEST_F(ApiTest, EvaluateRefusals) {
  const std::string bytes = example("ex01-khe-severe-kmp.json");
  EXPECT_EQ(post("/api/evaluate", bytes, "text/plain").status, 415);
  EXPECT_EQ(post("/api/evaluate", bytes, "").status, 415);
  EXPECT_EQ(post("/api/evaluate", bytes, "application/xml").status, 415);
  EXPECT_EQ(post("/api/evaluate", bytes, "Application/FHIR+JSON; charset=utf-8").status, 200);
  EXPECT_EQ(post("/api/evaluate", "{\"resourceType\":", "application/json").status, 400);
  EXPECT_EQ(post("/api/evaluate", std::string(100, '[') + std::string(100, ']')).status, 400);
  EXPECT_EQ(post("/api/evaluate?as_of=yesterday", bytes).status, 400);
  EXPECT_EQ(post("/api/evaluate?as_of=2026-08-03", bytes).status, 400);
  EXPECT_EQ(post("/api/evaluate?profile=nope", bytes).status, 400);
  EXPECT_EQ(post("/api/evaluate?format=pdf", bytes).status, 400);
  const auto bad = post("/api/evaluate?format=pdf", bytes);
  EXPECT_EQ(parse(bad)["error"], "invalid_parameter");
  EXPECT_NE(parse(bad)["message"].get<std::string>().find("format"), std::string::npos);

  // Well-formed JSON without a usable patient: 422 naming resource and path.
  const auto none = post("/api/evaluate", R"({"resourceType":"Observation","id":"o1"})");
  EXPECT_EQ(none.status, 422);
  EXPECT_EQ(parse(none)["error"], "unprocessable");
  EXPECT_FALSE(parse(none)["problems"].empty());
  const auto no_birth = post("/api/evaluate", R"({"resourceType":"Patient","id":"p"})");
  ASSERT_EQ(no_birth.status, 422);
  EXPECT_NE(no_birth.body.find("birthDate"), std::string::npos);
  EXPECT_EQ(audit_count(), 1);  // only the one report served
}

// ---- patients ---------------------------------------------------------------------------------

TEST_F(ApiTest, CreatePatientStoresItVerbatimWithLocationAndAudit) {
  const std::string body =
      R"({"resourceType":"Patient","id":"p-1","birthDate":"2026-06-01","gender":"male"})";
  const auto r = post("/api/patients", body);
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(header(r, "Location"), "/api/patients/p-1");
  EXPECT_EQ(r.body, body);
  auto stored = store_->patient("p-1");
  ASSERT_TRUE(stored.ok() && stored->has_value());
  EXPECT_EQ((*stored)->json, body);
  const auto entries = audits();
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].record.kind, "write");
  EXPECT_EQ(entries[0].record.patient_id, "p-1");
  EXPECT_EQ(entries[0].record.input_sha256, test_support::reference_sha256(body));

  // Taken: 409, nothing more stored.
  EXPECT_EQ(post("/api/patients", body).status, 409);
  EXPECT_EQ(audit_count(), 1);
}

TEST_F(ApiTest, CreatePatientGeneratesAnIdWhenAbsent) {
  const auto r = post("/api/patients", R"({"resourceType":"Patient","birthDate":"2026-06-01"})");
  ASSERT_EQ(r.status, 201) << r.body;
  const auto p = nlohmann::ordered_json::parse(r.body);
  const std::string id = p["id"];
  EXPECT_EQ(id.size(), 36u);
  EXPECT_EQ(id[14], '4');  // UUID v4
  EXPECT_EQ(header(r, "Location"), "/api/patients/" + id);
  EXPECT_EQ(p.begin().key(), "resourceType");
  EXPECT_EQ(get("/api/patients/" + id).status, 200);
  const auto other =
      post("/api/patients", R"({"resourceType":"Patient","birthDate":"2026-06-01"})");
  EXPECT_NE(parse(other)["id"], id);
}

TEST_F(ApiTest, CreatePatientRefusals) {
  EXPECT_EQ(
      post("/api/patients", R"({"resourceType":"Patient","birthDate":"2026-06-01"})", "text/plain")
          .status,
      415);
  EXPECT_EQ(post("/api/patients", "not json").status, 400);
  EXPECT_EQ(post("/api/patients", R"({"resourceType":"Observation"})").status, 422);
  EXPECT_EQ(post("/api/patients", "[]").status, 422);
  const auto no_birth = post("/api/patients", R"({"resourceType":"Patient","id":"a"})");
  EXPECT_EQ(no_birth.status, 422);
  EXPECT_NE(no_birth.body.find("birthDate"), std::string::npos);
  // Born after now.
  EXPECT_EQ(post("/api/patients", R"({"resourceType":"Patient","id":"a","birthDate":"2027-01-01"})")
                .status,
            422);
  const auto bad_id =
      post("/api/patients", R"({"resourceType":"Patient","id":"a b","birthDate":"2026-06-01"})");
  EXPECT_EQ(bad_id.status, 422);
  EXPECT_EQ(parse(bad_id)["problems"][0]["path"], "id");
  EXPECT_EQ(
      post("/api/patients", R"({"resourceType":"Patient","id":7,"birthDate":"2026-06-01"})").status,
      422);
  EXPECT_EQ(
      post("/api/patients", R"({"resourceType":"Patient","id":"import","birthDate":"2026-06-01"})")
          .status,
      422);
  auto list = store_->list_patients();
  ASSERT_TRUE(list.ok());
  EXPECT_TRUE(list->empty());
  EXPECT_EQ(audit_count(), 0);
}

TEST_F(ApiTest, InjectionStringsAreRefusedAsIdsOrStoredVerbatim) {
  // In a path: not a FHIR id, refused before the store sees it.
  const std::vector<std::string> targets = {
      "/api/patients/1'%20OR%20'1'='1", "/api/patients/x;DROP%20TABLE%20patients",
      "/api/patients/%3Cscript%3E", "/api/patients/" + std::string(65, 'a')};
  for (const std::string& target : targets) {
    const auto r = get(target);
    EXPECT_EQ(r.status, 400) << target;
    EXPECT_EQ(parse(r)["error"], "invalid_id");
    EXPECT_EQ(r.body.find("DROP"), std::string::npos);
    EXPECT_EQ(del(target).status, 400);
    EXPECT_EQ(post(target + "/observations", platelets(15).dump()).status, 400);
  }
  // In a value: stored and returned byte for byte.
  const std::string body =
      R"({"resourceType":"Patient","id":"inj","birthDate":"2026-06-01",)"
      R"("name":[{"family":"Robert'); DROP TABLE patients;--","given":["<script>alert(1)</script>"]}]})";
  ASSERT_EQ(post("/api/patients", body).status, 201);
  const auto r = get("/api/patients/inj");
  ASSERT_EQ(r.status, 200);
  EXPECT_NE(r.body.find(body), std::string::npos);
  // In a query parameter: refused by its check, never echoed.
  const auto q = get("/api/patients/inj/report?profile=x'%20OR%201=1--");
  EXPECT_EQ(q.status, 400);
  EXPECT_EQ(q.body.find("OR 1=1"), std::string::npos);
  EXPECT_TRUE(store_->verify_audit()->intact());
}

TEST_F(ApiTest, ListShowsStatusAndUrgencyFromAFreshEvaluation) {
  create("quiet");
  create("sick");
  ASSERT_EQ(post("/api/patients/sick/findings", diagnosis().dump()).status, 201);
  ASSERT_EQ(post("/api/patients/sick/observations", platelets(15).dump()).status, 201);
  const std::int64_t before = audit_count();
  const auto r = get("/api/patients");
  ASSERT_EQ(r.status, 200) << r.body;
  const json body = parse(r);
  EXPECT_EQ(body["as_of"], "2026-08-03T12:00:00Z");
  ASSERT_EQ(body["patients"].size(), 2u);
  const json& quiet = body["patients"][0];
  const json& sick = body["patients"][1];
  EXPECT_EQ(quiet["id"], "quiet");
  EXPECT_EQ(quiet["birthDate"], "2026-06-01");
  EXPECT_EQ(quiet["gender"], "female");
  EXPECT_EQ(quiet["kmp_status"], "not_applicable");
  EXPECT_EQ(quiet["urgency"], "routine");
  EXPECT_EQ(sick["kmp_status"], "present");
  EXPECT_EQ(sick["kmp_severity"], "severe");
  EXPECT_NE(sick["urgency"], "routine");
  EXPECT_EQ(sick["updated"], "2026-08-03T12:00:00Z");
  // One evaluation entry per patient, in one transaction.
  const auto entries = audits();
  ASSERT_EQ(static_cast<std::int64_t>(entries.size()), before + 2);
  EXPECT_EQ(entries.back().record.kind, "evaluation");
  EXPECT_EQ(entries.back().record.patient_id, "sick");
}

TEST_F(ApiTest, ImportKeepsTheRecordsMeaning) {
  const std::string bytes = example("ex01-khe-severe-kmp.json");
  const auto r = post("/api/patients/import", bytes);
  ASSERT_EQ(r.status, 201) << r.body;
  const json body = parse(r);
  const std::string id = body["id"];
  EXPECT_EQ(id, "e4bebee8-a216-71e7-1e98-7b039d9a16a1");
  EXPECT_EQ(header(r, "Location"), "/api/patients/" + id);
  const std::size_t resources = json::parse(bytes)["entry"].size() - 1;
  EXPECT_EQ(body["resources"], resources);
  EXPECT_EQ(resource_count(id), resources);
  ASSERT_EQ(audit_count(), 1);
  EXPECT_EQ(audits()[0].record.kind, "write");
  EXPECT_EQ(audits()[0].record.input_sha256, test_support::reference_sha256(bytes));

  // The stored record gives the report of the original file (but for the input hash).
  const auto rep = get("/api/patients/" + id + "/report?as_of=2026-08-03T12:00:00Z");
  ASSERT_EQ(rep.status, 200) << rep.body;
  json got = parse(rep);
  json want = reference_report(bytes, at());
  got["provenance"].erase("input_sha256");
  want["provenance"].erase("input_sha256");
  for (auto* j : {&got, &want}) {
    for (auto& v : (*j)["values_used"]) v.erase("resource");
  }
  EXPECT_EQ(got["kmp"], want["kmp"]);
  EXPECT_EQ(got["urgency"], want["urgency"]);
  EXPECT_EQ(got["recommendation"], want["recommendation"]);
  EXPECT_EQ(got["alerts"], want["alerts"]);
  EXPECT_EQ(got["timeline"], want["timeline"]);
  EXPECT_EQ(got["data_quality"], want["data_quality"]);

  // The report's input hash is that of the stored Bundle GET /api/patients/{id} returns.
  const auto bundle = get("/api/patients/" + id);
  ASSERT_EQ(bundle.status, 200);
  EXPECT_EQ(bundle.content_type, "application/fhir+json");
  EXPECT_EQ(parse(rep)["provenance"]["input_sha256"], test_support::reference_sha256(bundle.body));
  EXPECT_EQ(parse(bundle)["entry"].size(), resources + 1);
  // Subjects now name the stored patient.
  EXPECT_EQ(parse(bundle)["entry"][1]["resource"]["subject"]["reference"], "Patient/" + id);

  // Again: the id is taken.
  EXPECT_EQ(post("/api/patients/import", bytes).status, 409);
  EXPECT_EQ(resource_count(id), resources);
}

TEST_F(ApiTest, ImportIsAllOrNothing) {
  json bundle = json::parse(example("ex01-khe-severe-kmp.json"));
  bundle["entry"][3]["resource"]["id"] = "not an id";
  const auto r = post("/api/patients/import", bundle.dump());
  ASSERT_EQ(r.status, 422) << r.body;
  EXPECT_EQ(parse(r)["problems"][0]["path"], "entry[3].resource.id");
  EXPECT_TRUE(store_->list_patients()->empty());
  EXPECT_EQ(audit_count(), 0);

  json two = json::parse(example("ex01-khe-severe-kmp.json"));
  two["entry"].push_back(
      {{"resource", {{"resourceType", "Patient"}, {"id", "second"}, {"birthDate", "2026-01-01"}}}});
  EXPECT_EQ(post("/api/patients/import", two.dump()).status, 422);
  EXPECT_EQ(post("/api/patients/import", R"({"resourceType":"Bundle","entry":[]})").status, 422);
  EXPECT_EQ(post("/api/patients/import", R"({"resourceType":"Patient","id":"x"})").status, 422);
  json foreign = json::parse(example("ex01-khe-severe-kmp.json"));
  foreign["entry"][2]["resource"]["subject"]["reference"] = "Patient/someone-else";
  const auto f = post("/api/patients/import", foreign.dump());
  EXPECT_EQ(f.status, 422);
  EXPECT_EQ(parse(f)["problems"][0]["path"], "entry[2].resource.subject.reference");
  EXPECT_EQ(post("/api/patients/import", "{", "application/json").status, 400);
  EXPECT_EQ(post("/api/patients/import", bundle.dump(), "text/html").status, 415);
  EXPECT_TRUE(store_->list_patients()->empty());
  EXPECT_EQ(audit_count(), 0);
}

TEST_F(ApiTest, ImportGivesIdsAndSubjects) {
  const json bundle = {{"resourceType", "Bundle"},
                       {"type", "collection"},
                       {"entry",
                        {{{"fullUrl", "urn:uuid:11111111-2222-4333-8444-555555555555"},
                          {"resource", {{"resourceType", "Patient"}, {"birthDate", "2026-06-01"}}}},
                         {{"resource", platelets(20)}},
                         {{"resource", diagnosis()}}}}};
  json with_ref = bundle;
  with_ref["entry"][1]["resource"]["subject"] = {
      {"reference", "urn:uuid:11111111-2222-4333-8444-555555555555"}};
  const auto r = post("/api/patients/import", with_ref.dump());
  ASSERT_EQ(r.status, 201) << r.body;
  const std::string id = parse(r)["id"];
  const auto rep = get("/api/patients/" + id + "/report");
  ASSERT_EQ(rep.status, 200);
  EXPECT_EQ(parse(rep)["kmp"]["status"], "present");
  EXPECT_EQ(parse(rep)["kmp"]["platelets_10e9_per_L"], 20);
}

TEST_F(ApiTest, GetAndDeletePatient) {
  EXPECT_EQ(get("/api/patients/nobody").status, 404);
  EXPECT_EQ(del("/api/patients/nobody").status, 404);
  create("p");
  ASSERT_EQ(post("/api/patients/p/observations", platelets(15).dump()).status, 201);
  const auto bundle = get("/api/patients/p");
  ASSERT_EQ(bundle.status, 200);
  EXPECT_EQ(parse(bundle)["resourceType"], "Bundle");
  EXPECT_EQ(parse(bundle)["entry"].size(), 2u);
  const std::int64_t before = audit_count();
  const auto d = del("/api/patients/p");
  EXPECT_EQ(d.status, 204);
  EXPECT_TRUE(d.body.empty());
  EXPECT_EQ(get("/api/patients/p").status, 404);
  EXPECT_EQ(del("/api/patients/p").status, 404);
  ASSERT_EQ(audit_count(), before + 1);  // the delete; the old entries stay
  EXPECT_EQ(audits().back().record.kind, "write");
  EXPECT_TRUE(store_->verify_audit()->intact());
}

// ---- adding resources ---------------------------------------------------------------------

TEST_F(ApiTest, AddingAPlateletCountChangesTheAssessment) {
  create("p");
  ASSERT_EQ(post("/api/patients/p/findings", diagnosis().dump()).status, 201);
  const json before = parse(get("/api/patients/p/report"));
  EXPECT_EQ(before["kmp"]["status"], "indeterminate");

  const std::int64_t audits_before = audit_count();
  const auto r = post("/api/patients/p/observations", platelets(15).dump());
  ASSERT_EQ(r.status, 201) << r.body;
  const json added = parse(r);
  ASSERT_EQ(added["stored"].size(), 1u);
  EXPECT_EQ(added["stored"][0]["resourceType"], "Observation");
  EXPECT_EQ(added["inserted"], 1);
  ASSERT_EQ(audit_count(), audits_before + 1);
  const auto write = audits().back().record;
  EXPECT_EQ(write.kind, "write");
  EXPECT_EQ(write.patient_id, "p");

  const json after = parse(get("/api/patients/p/report"));
  EXPECT_EQ(after["kmp"]["status"], "present");
  EXPECT_EQ(after["kmp"]["severity"], "severe");
  EXPECT_EQ(after["kmp"]["platelets_10e9_per_L"], 15);
  EXPECT_NE(after["urgency"], "routine");
  EXPECT_EQ(after["timeline"]["series"][0]["analyte"], "platelets");
  EXPECT_EQ(after["timeline"]["series"][0]["points"].size(), 1u);
  // The stored Observation got its id and subject.
  const json bundle = parse(get("/api/patients/p"));
  const json& obs = bundle["entry"][2]["resource"];
  EXPECT_EQ(obs["subject"]["reference"], "Patient/p");
  EXPECT_EQ(obs["id"], added["stored"][0]["id"]);
}

TEST_F(ApiTest, EachRouteTakesItsKinds) {
  create("p");
  EXPECT_EQ(post("/api/patients/p/findings", finding_bool("active-bleeding", true).dump()).status,
            201);
  EXPECT_EQ(post("/api/patients/p/findings", diagnosis().dump()).status, 201);
  EXPECT_EQ(post("/api/patients/p/medications", sirolimus_statement().dump()).status, 201);
  EXPECT_EQ(post("/api/patients/p/procedures", transfusion().dump()).status, 201);
  EXPECT_EQ(post("/api/patients/p/observations", lab("29463-7", 5.2, "kg").dump()).status, 201);
  const std::size_t stored = resource_count("p");
  EXPECT_EQ(stored, 5u);

  // The wrong kind for the route: 422 naming the path, nothing stored.
  struct Case {
    std::string route;
    json resource;
    std::string path;
  };
  const std::vector<Case> wrong = {
      {"observations", finding_bool("infection", true), "code"},
      {"observations", transfusion(), "resourceType"},
      {"observations", lab("1234-5", 3, "g/L"), "code"},
      {"findings", platelets(15), "code"},
      {"findings", sirolimus_statement(), "resourceType"},
      {"medications", platelets(15), "resourceType"},
      {"procedures", diagnosis(), "resourceType"},
  };
  for (const Case& c : wrong) {
    const auto r = post("/api/patients/p/" + c.route, c.resource.dump());
    EXPECT_EQ(r.status, 422) << c.route << " " << r.body;
    EXPECT_EQ(parse(r)["problems"][0]["path"], c.path) << c.route << " " << r.body;
  }
  EXPECT_EQ(resource_count("p"), stored);
}

TEST_F(ApiTest, ARefusedWriteStoresNothing) {
  create("p");
  const std::int64_t audits_before = audit_count();
  // A unit the reader refuses ("109/L" could be 109 per litre).
  json ambiguous = platelets(15);
  ambiguous["valueQuantity"] = {{"value", 15}, {"unit", "109/L"}};
  const auto r = post("/api/patients/p/observations", ambiguous.dump());
  ASSERT_EQ(r.status, 422) << r.body;
  const json problem = parse(r)["problems"][0];
  EXPECT_EQ(problem["resource"].get<std::string>().rfind("Observation/", 0), 0u);
  EXPECT_EQ(problem["path"].get<std::string>().rfind("valueQuantity", 0), 0u);

  // An impossible value, a bad date, a subject of another patient, a bad id, no value:
  json impossible = platelets(100000);
  json bad_date = platelets(15);
  bad_date["effectiveDateTime"] = "2026-02-30T10:00:00Z";
  json other = platelets(15);
  other["subject"] = {{"reference", "Patient/q"}};
  json bad_id = platelets(15);
  bad_id["id"] = "a/b";
  json no_value = platelets(15);
  no_value.erase("valueQuantity");
  for (const json& j : {impossible, bad_date, other, bad_id, no_value}) {
    const auto x = post("/api/patients/p/observations", j.dump());
    EXPECT_EQ(x.status, 422) << j.dump() << " " << x.body;
  }
  // A Bundle where one entry is refused: none stored.
  const json bundle = {{"resourceType", "Bundle"},
                       {"type", "collection"},
                       {"entry", {{{"resource", platelets(15)}}, {{"resource", impossible}}}}};
  const auto b = post("/api/patients/p/observations", bundle.dump());
  EXPECT_EQ(b.status, 422);
  EXPECT_EQ(parse(b)["problems"][0]["index"], 1);
  EXPECT_EQ(resource_count("p"), 0u);
  EXPECT_EQ(audit_count(), audits_before);

  // 404, 415 and 400 store nothing either.
  EXPECT_EQ(post("/api/patients/nobody/observations", platelets(15).dump()).status, 404);
  EXPECT_EQ(post("/api/patients/p/observations", platelets(15).dump(), "text/plain").status, 415);
  EXPECT_EQ(post("/api/patients/p/observations", "{\"a\":").status, 400);
  EXPECT_EQ(resource_count("p"), 0u);
  EXPECT_EQ(audit_count(), audits_before);
}

TEST_F(ApiTest, ABundleOfResourcesIsStoredTogether) {
  create("p");
  const json bundle = {{"resourceType", "Bundle"},
                       {"type", "collection"},
                       {"entry",
                        {{{"resource", platelets(40, "2026-08-01T09:00:00Z")}},
                         {{"resource", platelets(25, "2026-08-02T09:00:00Z")}}}}};
  const auto r = post("/api/patients/p/observations", bundle.dump());
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(parse(r)["stored"].size(), 2u);
  EXPECT_EQ(resource_count("p"), 2u);
  // Posting a stored id again replaces it.
  json again = platelets(30, "2026-08-02T09:00:00Z");
  again["id"] = parse(r)["stored"][1]["id"];
  const auto replaced = post("/api/patients/p/observations", again.dump());
  ASSERT_EQ(replaced.status, 201) << replaced.body;
  EXPECT_EQ(parse(replaced)["replaced"], 1);
  EXPECT_EQ(resource_count("p"), 2u);
  // Twice in one request: refused.
  const json twice = {{"resourceType", "Bundle"},
                      {"entry", {{{"resource", again}}, {{"resource", again}}}}};
  EXPECT_EQ(post("/api/patients/p/observations", twice.dump()).status, 422);
}

// ---- reports ------------------------------------------------------------------------------

TEST_F(ApiTest, ReportFormatsAsOfAndAudit) {
  create("p");
  ASSERT_EQ(post("/api/patients/p/findings", diagnosis().dump()).status, 201);
  ASSERT_EQ(post("/api/patients/p/observations", platelets(15).dump()).status, 201);
  const std::int64_t before = audit_count();
  const auto json_report = get("/api/patients/p/report?as_of=2026-08-03T10:00:00Z");
  ASSERT_EQ(json_report.status, 200);
  EXPECT_EQ(parse(json_report)["provenance"]["as_of"], "2026-08-03T10:00:00Z");
  EXPECT_EQ(header(json_report, "Cache-Control"), "no-store");
  const auto html = get("/api/patients/p/report?format=html");
  ASSERT_EQ(html.status, 200);
  EXPECT_EQ(html.content_type, "text/html; charset=utf-8");
  EXPECT_NE(html.body.find("khe-course-chart"), std::string::npos);
  ASSERT_EQ(audit_count(), before + 2);
  const auto last = audits().back().record;
  EXPECT_EQ(last.kind, "evaluation");
  EXPECT_EQ(last.patient_id, "p");
  EXPECT_EQ(last.report_sha256, test_support::reference_sha256(html.body));
  EXPECT_EQ(last.input_sha256, test_support::reference_sha256(get("/api/patients/p").body));

  // Before the platelets were taken: no value yet.
  EXPECT_EQ(parse(get("/api/patients/p/report?as_of=2026-08-03T08:00:00Z"))["kmp"]["status"],
            "indeterminate");
  EXPECT_EQ(get("/api/patients/nobody/report").status, 404);
  EXPECT_EQ(get("/api/patients/p/report?format=xml").status, 400);
  EXPECT_EQ(get("/api/patients/p/report?as_of=2026-13-01T00:00:00Z").status, 400);
  // Before birth: the record cannot be evaluated then.
  EXPECT_EQ(get("/api/patients/p/report?as_of=2026-01-01T00:00:00Z").status, 422);
}

// ---- routing ------------------------------------------------------------------------------

TEST_F(ApiTest, UnknownRoutesAndMethods) {
  EXPECT_EQ(get("/api/nothing").status, 404);
  EXPECT_EQ(get("/api").status, 404);
  EXPECT_EQ(get("/api/patients/").status, 404);
  EXPECT_EQ(get("/api/patients/p/labs").status, 404);
  EXPECT_EQ(get("/api/patients/p/report/x").status, 404);
  EXPECT_EQ(parse(get("/api/nothing"))["error"], "not_found");

  const auto r = call(request("PUT", "/api/patients/p", "{}"));
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(header(r, "Allow"), "GET, DELETE");
  EXPECT_EQ(header(del("/api/patients"), "Allow"), "GET, POST");
  EXPECT_EQ(get("/api/evaluate").status, 405);
  EXPECT_EQ(header(get("/api/evaluate"), "Allow"), "POST");
  EXPECT_EQ(post("/api/inputs", "{}").status, 405);
  EXPECT_EQ(get("/api/patients/import").status, 405);
  EXPECT_EQ(get("/api/patients/p/observations").status, 405);
  EXPECT_EQ(del("/api/patients/p/report").status, 405);
}

TEST_F(ApiTest, RouteTemplatesCarryNoIds) {
  EXPECT_EQ(Api::route_of("GET", "/api/patients/abc/report"), "/api/patients/{id}/report");
  EXPECT_EQ(Api::route_of("POST", "/api/patients/abc/observations"),
            "/api/patients/{id}/observations");
  EXPECT_EQ(Api::route_of("DELETE", "/api/patients/abc"), "/api/patients/{id}");
  EXPECT_EQ(Api::route_of("POST", "/api/patients/import"), "/api/patients/import");
  EXPECT_EQ(Api::route_of("GET", "/api/patients"), "/api/patients");
  EXPECT_EQ(Api::route_of("GET", "/api/inputs"), "/api/inputs");
  EXPECT_EQ(Api::route_of("POST", "/api/evaluate"), "/api/evaluate");
  EXPECT_EQ(Api::route_of("GET", "/api/evaluate"), "");
  EXPECT_EQ(Api::route_of("GET", "/api/elsewhere"), "");
  EXPECT_EQ(Api::route_of("GET", "/index.html"), "");
}

// ---- inputs -------------------------------------------------------------------------------

TEST_F(ApiTest, InputsComeFromTheKnowledge) {
  const auto r = get("/api/inputs");
  ASSERT_EQ(r.status, 200);
  const json in = parse(r);
  EXPECT_EQ(in["knowledge_version"], default_knowledge().version);
  const auto find = [](const json& list, const std::string& key, const std::string& value) {
    for (const auto& x : list) {
      if (x.contains(key) && x[key] == value) return x;
    }
    return json();
  };
  const json plt = find(in["analytes"], "analyte", "platelets");
  ASSERT_FALSE(plt.is_null());
  EXPECT_EQ(plt["loinc"], "777-3");
  EXPECT_EQ(plt["unit"], "10*9/L");
  EXPECT_EQ(plt["category"], "laboratory");
  EXPECT_FALSE(find(plt["units"], "code", "10*3/uL").is_null());
  EXPECT_EQ(find(plt["units"], "code", "10*9/L")["max"], 5000);
  EXPECT_EQ(find(in["analytes"], "analyte", "weight")["category"], "vital-signs");
  EXPECT_TRUE(find(in["analytes"], "analyte", "lesion_diameter").is_null());

  const json sir = find(in["drugs"], "id", "sirolimus");
  EXPECT_EQ(sir["rxnorm"], "35302");
  EXPECT_TRUE(sir["kmp_therapy"]);
  EXPECT_FALSE(find(sir["formulations"], "name", "oral solution 1 mg/mL").is_null());
  EXPECT_EQ(find(sir["formulations"], "name", "oral solution 1 mg/mL")["concentration_mg_per_mL"],
            1);

  EXPECT_EQ(find(in["findings"], "code", "lesion-site")["value"], "code");
  EXPECT_EQ(find(in["findings"], "code", "lesion-largest-diameter")["unit"], "cm");
  EXPECT_EQ(find(in["findings"], "code", "ae-constipation")["value"], "grade");
  EXPECT_FALSE(find(in["diagnoses"], "code", "khe").is_null());
  EXPECT_FALSE(find(in["procedures"], "code", "platelet-transfusion").is_null());
  EXPECT_FALSE(find(in["routes"], "name", "oral").is_null());
  EXPECT_FALSE(find(in["profiles"], "id", "consensus-2013").is_null());
  EXPECT_FALSE(find(in["sources"], "id", "blood2022").is_null());
  EXPECT_EQ(in["systems"]["finding"], "http://khe-cds.org/fhir/CodeSystem/finding");
}

// ---- threads ------------------------------------------------------------------------------

TEST_F(ApiTest, ConcurrentWritesAllLandAndTheChainHolds) {
  create("p");
  std::vector<std::thread> threads;
  std::atomic<int> created{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 5; ++i) {
        const auto time = "2026-08-0" + std::to_string(1 + (i % 3)) + "T0" + std::to_string(t) +
                          ":0" + std::to_string(i) + ":00Z";
        const auto r = api_->handle(
            request("POST", "/api/patients/p/observations", platelets(20 + i, time).dump()), at(),
            "thread");
        if (r.status == 201) ++created;
        (void)api_->handle(request("GET", "/api/patients/p/report", "", ""), at(), "thread");
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(created.load(), 20);
  EXPECT_EQ(resource_count("p"), 20u);
  EXPECT_EQ(audit_count(), 1 + 20 + 20);
  EXPECT_TRUE(store_->verify_audit()->intact());
}

}  // namespace
}  // namespace khe::api::testing

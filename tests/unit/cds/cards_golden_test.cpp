// The CDS Hooks responses byte for byte: every example's patient-view card, the load test's
// request (tests/tools/hook_load, saved with the `now` it was made for) and a set of
// order-sign / order-select dose checks, each compared with its file under golden/. The
// cards are built for speed without a JSON tree; these files hold the bytes the tree-based
// serializer (nlohmann's compact dump) printed. A change of what a card says (knowledge
// texts or version, engine, summary) changes them too: check the difference, then
// `KHE_UPDATE_GOLDEN=1 ./build/tests/khe_cds_tests --gtest_filter='CdsCardsGolden*'`
// rewrites them. Independently of the files, every body must be what nlohmann prints for it.
#include <cstdlib>
#include <filesystem>

#include "cds_test_util.h"

namespace khe::cds::testing {
namespace {

const std::string kGolden = std::string(KHE_SOURCE_DIR) + "/tests/unit/cds/golden/";

void expect_golden(const std::string& name, const std::string& body) {
  const std::string path = kGolden + name;
  const char* update = std::getenv("KHE_UPDATE_GOLDEN");
  if (update != nullptr && std::string(update) == "1") {
    std::filesystem::create_directories(kGolden);
    std::ofstream(path, std::ios::binary) << body;
    return;
  }
  ASSERT_TRUE(std::filesystem::exists(path)) << path << " (KHE_UPDATE_GOLDEN=1 writes it)";
  const std::string want = read_file(path);
  EXPECT_EQ(body, want) << name << ": differs from golden/" << name
                        << " (KHE_UPDATE_GOLDEN=1 rewrites it if the change is intended)";
}

std::string body_of(const Services& s, const std::string& service, const std::string& request,
                    Instant now) {
  const CallOutcome o = s.call(service, request, nullptr, now);
  EXPECT_EQ(o.response.status, 200) << o.response.body;
  // Whatever the knowledge says: the bytes nlohmann prints for the same JSON.
  EXPECT_EQ(nlohmann::ordered_json::parse(o.response.body)
                .dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace),
            o.response.body);
  return o.response.body;
}

TEST(CdsCardsGolden, ExamplePatientViews) {
  for (const auto& ex : expected_examples()) {
    const std::string id = ex["id"];
    SCOPED_TRACE(id);
    const Patient p = as_prefetch(example(ex["file"]));
    const Instant now = instant(ex["as_of"]);
    expect_golden(id + ".patient-view.json",
                  body_of(services(), "khe-kmp", patient_view(p).dump(), now));
  }
  // Without a public URL: no link.
  static const Services no_link(kb(), profile(), "");
  const Patient p = as_prefetch(example("ex01-khe-severe-kmp.json"));
  expect_golden(
      "ex01-no-link.patient-view.json",
      body_of(no_link, "khe-kmp", patient_view(p).dump(), instant("2026-08-03T12:00:00Z")));
}

// bench/http and bench_serve's request: example 1 plus a fortnight of 6-hourly counts,
// made at 2026-11-28T04:08:51Z.
TEST(CdsCardsGolden, LoadTestRequest) {
  const std::string request = read_file(kGolden + "load-request.json");
  ASSERT_FALSE(request.empty());
  expect_golden("load.patient-view.json",
                body_of(services(), "khe-kmp", request, instant("2026-11-28T04:08:51Z")));
}

const Instant kNow = parse_fhir_datetime("2026-08-03T12:00:00Z")->start;

TEST(CdsCardsGolden, DoseChecks) {
  const auto sign = [](const std::vector<json>& orders) {
    return body_of(services(), "khe-dose-sign", dose_hook("order-sign", orders).dump(), kNow);
  };
  expect_golden("dose-sign-sirolimus-high.json", sign({sirolimus(0.288)}));
  expect_golden("dose-sign-sirolimus-low.json", sign({sirolimus(0.2)}));
  expect_golden("dose-sign-within.json", sign({sirolimus(0.25)}));
  expect_golden("dose-sign-ug.json", sign({order("a", "35302", "sirolimus", 288, "ug")}));
  expect_golden("dose-sign-three.json",
                sign({order("pred", "8638", "prednisolone", 8.0, "mg", 24),
                      order("asp", "1191", "aspirin", 100, "mg", 24), sirolimus(0.5)}));

  // Orders whose bytes nlohmann writes back differently (escapes, numbers, key order,
  // no dosage text, extra members) and one that is not shaped for an update.
  json odd = sirolimus(0.5, "odd");
  odd["dosageInstruction"][0].erase("text");
  odd["note"] = {{{"text", "Tab\there, \"quoted\", caf\xC3\xA9 \\ \x01 \xE2\x80\xA6"}}};
  odd["extension"] = {{{"url", "http://example.org/x"}, {"valueDecimal", 1e-7}},
                      {{"url", "http://example.org/y"}, {"valueInteger", -12}},
                      {{"url", "http://example.org/z"}, {"valueDecimal", 2.5e16}}};
  json no_dose_and_rate = sirolimus(0.5, "bare");
  no_dose_and_rate["dosageInstruction"][0]["doseAndRate"][0] = json::array();
  expect_golden("dose-sign-odd.json", sign({odd, no_dose_and_rate}));

  // A hand-written order: keys out of order, spaces, escapes nlohmann writes back as UTF-8.
  json r = dose_hook("order-sign", {});
  const std::string written =
      R"({ "intent":"order", "resourceType" : "MedicationRequest", "id":"hand", "status":"draft",)"
      R"( "subject":{"reference":"Patient/)" +
      ex01().id +
      R"("}, "medicationCodeableConcept":{"coding":[{"system":"http://www.nlm.nih.gov/research/umls/rxnorm","code":"35302"}],"text":"sirolimus \u00e9 \/"},)"
      R"( "dosageInstruction":[{"text":"old \ud83d\ude00","doseAndRate":[{"doseQuantity":{"value":4.0E-1,"unit":"mg","system":"http://unitsofmeasure.org","code":"mg"}}],)"
      R"( "timing":{"repeat":{"frequency":1,"period":12.0,"periodUnit":"h"}}}]})";
  std::string body = r.dump();
  const std::string empty_entry = R"("entry":[])";
  body.replace(body.find(empty_entry), empty_entry.size(),
               R"("entry":[{"resource":)" + written + "}]");
  expect_golden("dose-sign-hand-written.json", body_of(services(), "khe-dose-sign", body, kNow));

  const json a = sirolimus(0.5, "first");
  const json b = sirolimus(0.6, "second");
  const auto select = [&](const std::vector<std::string>& selections) {
    return body_of(services(), "khe-dose-check",
                   dose_hook("order-select", {a, b}, selections).dump(), kNow);
  };
  expect_golden("dose-select-none.json", select({}));
  expect_golden("dose-select-second.json", select({"MedicationRequest/second"}));
  expect_golden("dose-select-both.json",
                select({"MedicationRequest/first", "MedicationRequest/second"}));

  json no_dx = dose_hook("order-sign", {sirolimus(0.4)});
  no_dx["prefetch"]["conditions"] = nullptr;
  expect_golden("dose-sign-not-applicable.json",
                body_of(services(), "khe-dose-sign", no_dx.dump(), kNow));
}

}  // namespace
}  // namespace khe::cds::testing

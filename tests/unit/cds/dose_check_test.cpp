// order-select / order-sign: draft orders of the checked drugs against the computed dose.
#include "cds_test_util.h"

namespace khe::cds::testing {
namespace {

const Instant kNow = parse_fhir_datetime("2026-08-03T12:00:00Z")->start;

json cards_of(const std::string& service, const json& request) {
  const CallOutcome o = services().call(service, request.dump(), nullptr, kNow);
  EXPECT_EQ(o.response.status, 200) << o.response.body;
  const json body = json::parse(o.response.body, nullptr, false);
  expect_no_empty_values(body);
  return body.value("cards", json::array());
}

TEST(CdsDoseCheck, OrderTwentyPercentOffGetsAWarningWithTheComputedDose) {
  const json draft = sirolimus(0.288);  // 0.24 mg x 1.2
  const json cards = cards_of("khe-dose-sign", dose_hook("order-sign", {draft}));
  ASSERT_EQ(cards.size(), 1u);
  const json& card = cards[0];
  EXPECT_EQ(card["indicator"], "warning");
  const std::string summary = card["summary"];
  EXPECT_LT(code_points(summary), 140u);
  EXPECT_EQ(summary, "sirolimus dose check: ordered 0.288 mg, computed 0.24 mg (20 % too high)");
  const std::string detail = card["detail"];
  EXPECT_NE(detail.find("\\[DOSE-SIR-1\\]"), std::string::npos) << detail;
  EXPECT_NE(detail.find("0.8 mg/m2 x 0.3055 m2"), std::string::npos) << detail;
  EXPECT_EQ(card["selectionBehavior"], "at-most-one");
  ASSERT_EQ(card["suggestions"].size(), 1u);
  const json& action = card["suggestions"][0]["actions"][0];
  EXPECT_EQ(action["type"], "update");
  // The draft order itself, the computed dose in place of the ordered one.
  json want = draft;
  want["dosageInstruction"][0]["doseAndRate"][0]["doseQuantity"] = {
      {"value", 0.24}, {"unit", "mg"}, {"system", "http://unitsofmeasure.org"}, {"code", "mg"}};
  want["dosageInstruction"][0]["text"] = action["resource"]["dosageInstruction"][0]["text"];
  EXPECT_EQ(action["resource"], want);
  EXPECT_NE(want["dosageInstruction"][0]["text"].get<std::string>().find("0.24 mg"),
            std::string::npos);
  ASSERT_EQ(card["links"].size(), 1u);
  EXPECT_EQ(card["source"]["label"], kb().cds.card.source_label);
}

TEST(CdsDoseCheck, WithinTenPercentNoWarning) {
  for (double mg : {0.24, 0.25, 0.22, 0.264}) {
    EXPECT_TRUE(cards_of("khe-dose-sign", dose_hook("order-sign", {sirolimus(mg)})).empty()) << mg;
  }
  EXPECT_EQ(cards_of("khe-dose-sign", dose_hook("order-sign", {sirolimus(0.2)})).size(), 1u);
}

TEST(CdsDoseCheck, UnitsAreConvertedThroughUcum) {
  // 288 ug = 0.288 mg; 0.24 mg in grams is within tolerance.
  auto cards = cards_of("khe-dose-sign",
                        dose_hook("order-sign", {order("a", "35302", "sirolimus", 288, "ug")}));
  ASSERT_EQ(cards.size(), 1u);
  EXPECT_NE(cards[0]["summary"].get<std::string>().find("ordered 0.288 mg"), std::string::npos);
  EXPECT_TRUE(cards_of("khe-dose-sign",
                       dose_hook("order-sign", {order("b", "35302", "sirolimus", 0.00024, "g")}))
                  .empty());
  // A dose that is not a mass (mL) cannot be compared: no card.
  EXPECT_TRUE(cards_of("khe-dose-sign",
                       dose_hook("order-sign", {order("c", "35302", "sirolimus", 3, "mL")}))
                  .empty());
}

TEST(CdsDoseCheck, EachCheckedDrugIsComparedToItsOwnDose) {
  const json pred = order("pred", "8638", "prednisolone", 8.0, "mg", 24);  // 11.2 computed
  const json other = order("asp", "1191", "aspirin", 100, "mg", 24);       // not checked
  const json cards =
      cards_of("khe-dose-sign", dose_hook("order-sign", {pred, other, sirolimus(0.5)}));
  ASSERT_EQ(cards.size(), 2u);
  EXPECT_NE(cards[0]["summary"].get<std::string>().find("prednisolone"), std::string::npos);
  EXPECT_NE(cards[0]["summary"].get<std::string>().find("too low"), std::string::npos);
  EXPECT_NE(cards[0]["detail"].get<std::string>().find("DOSE-PRED-1"), std::string::npos);
  EXPECT_NE(cards[1]["summary"].get<std::string>().find("sirolimus"), std::string::npos);
  EXPECT_NE(cards[0]["uuid"], cards[1]["uuid"]);
}

TEST(CdsDoseCheck, OrderSelectChecksOnlyTheSelectedOrders) {
  const json a = sirolimus(0.5, "first");
  const json b = sirolimus(0.6, "second");
  EXPECT_TRUE(cards_of("khe-dose-check", dose_hook("order-select", {a, b}, {})).empty());
  const json one =
      cards_of("khe-dose-check", dose_hook("order-select", {a, b}, {"MedicationRequest/second"}));
  ASSERT_EQ(one.size(), 1u);
  EXPECT_EQ(one[0]["suggestions"][0]["actions"][0]["resource"]["id"], "second");
  EXPECT_EQ(
      cards_of("khe-dose-check", dose_hook("order-select", {a, b},
                                           {"MedicationRequest/first", "MedicationRequest/second"}))
          .size(),
      2u);
}

TEST(CdsDoseCheck, ByteIdenticalAndNotForOtherPopulations) {
  const json r = dose_hook("order-sign", {sirolimus(0.4)});
  const CallOutcome a = services().call("khe-dose-sign", r.dump(), nullptr, kNow);
  const CallOutcome b = services().call("khe-dose-sign", r.dump(), nullptr, kNow);
  EXPECT_EQ(a.response.body, b.response.body);
  EXPECT_TRUE(a.evaluated);
  EXPECT_EQ(a.cards, 1u);

  json no_dx = r;
  no_dx["prefetch"]["conditions"] = nullptr;
  EXPECT_TRUE(cards_of("khe-dose-sign", no_dx).empty());  // not_applicable: no card
}

TEST(CdsDoseCheck, MalformedContextIs400) {
  json r = dose_hook("order-sign", {sirolimus(0.4)});
  r["context"].erase("draftOrders");
  EXPECT_EQ(services().call("khe-dose-sign", r.dump(), nullptr, kNow).response.status, 400);
  r = dose_hook("order-select", {sirolimus(0.4)}, {"MedicationRequest/draft-sir"});
  r["context"]["selections"] = "MedicationRequest/draft-sir";
  EXPECT_EQ(services().call("khe-dose-check", r.dump(), nullptr, kNow).response.status, 400);
  r = dose_hook("order-sign", {sirolimus(0.4)});
  r["context"]["draftOrders"] = "<html></html>";
  const CallOutcome o = services().call("khe-dose-sign", r.dump(), nullptr, kNow);
  EXPECT_EQ(o.response.status, 400);
  EXPECT_NE(o.response.body.find("context.draftOrders"), std::string::npos);
  // The hook must be the service's: order-select is not order-sign.
  r = dose_hook("order-select", {sirolimus(0.4)}, {});
  EXPECT_EQ(services().call("khe-dose-sign", r.dump(), nullptr, kNow).response.status, 400);
}

}  // namespace
}  // namespace khe::cds::testing

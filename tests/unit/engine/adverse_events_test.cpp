// Adverse events graded by CTCAE v5 (AE-1), with the KMP attribution rule.
#include "builder.h"

namespace khe::test {
namespace {

using model::Analyte;

const engine::AdverseEvent* event(const engine::Report& r, const std::string& term) {
  for (const auto& e : r.adverse_events)
    if (e.term == term) return &e;
  return nullptr;
}

Builder on_sirolimus() {
  Builder b;
  b.age_days(300).dx("khe").platelets(200).body(8, 70).med("sirolimus", 30, 0.3, 12);
  return b;
}

TEST(AE_1, GradesByCtcaeCutPoints) {
  auto r = on_sirolimus()
               .lab(Analyte::neutrophils, 0.8)
               .lab(Analyte::triglycerides, 620)
               .lab(Analyte::alt, 130)
               .ref_high(40)
               .lab(Analyte::cholesterol, 310)
               .eval();
  ASSERT_NE(event(r, "neutrophil_count_decreased"), nullptr);
  EXPECT_EQ(event(r, "neutrophil_count_decreased")->grade, 3);  // < 1.0
  EXPECT_EQ(event(r, "hypertriglyceridemia")->grade, 3);        // > 500
  EXPECT_EQ(event(r, "alt_increased")->grade, 2);               // > 3 x 40, not > 5 x 40
  EXPECT_EQ(event(r, "cholesterol_high")->grade, 2);            // > 300
  EXPECT_EQ(event(r, "neutrophil_count_decreased")->attribution,
            std::vector<std::string>{"sirolimus"});
  EXPECT_EQ(event(r, "alt_increased")->why.evidence_tag, "UNVERIFIED");

  auto mild = on_sirolimus().lab(Analyte::triglycerides, 160).lab(Analyte::neutrophils, 1.6).eval();
  EXPECT_EQ(event(mild, "hypertriglyceridemia")->grade, 1);
  EXPECT_EQ(event(mild, "neutrophil_count_decreased"), nullptr);  // no LLN known: not graded 1
  auto liver = on_sirolimus().lab(Analyte::alt, 250).ref_high(40).eval();
  EXPECT_EQ(event(liver, "alt_increased")->grade, 3);  // > 5 x 40
}

TEST(AE_1, NothingWithoutTherapy) {
  auto r = Builder().dx("khe").platelets(200).lab(Analyte::neutrophils, 0.4).eval();
  EXPECT_TRUE(r.adverse_events.empty());
}

TEST(AE_1, PlateletsAndFibrinogenOnlyAfterResolution) {
  // Active KMP on sirolimus: the low count is the disease, not an adverse event.
  Builder active;
  active.dx("khe")
      .body(5, 58)
      .med("sirolimus", 20, 0.2, 12)
      .platelets(20, 21 * 24)
      .platelets(40, 2);
  EXPECT_EQ(event(active.eval(), "platelet_count_decreased"), nullptr);
  // Resolved (two counts > 100 a week apart), then a drop to 60: graded, and TMP-SMX started
  // 5 days ago is listed as a possible cause.
  Builder resolved;
  resolved.dx("khe").body(5, 58).med("sirolimus", 60, 0.2, 12).med("tmp_smx", 5);
  resolved.platelets(20, 61 * 24).platelets(130, 30 * 24).platelets(150, 20 * 24).platelets(60, 2);
  auto r = resolved.eval();
  const auto* e = event(r, "platelet_count_decreased");
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->grade, 2);  // < 75
  EXPECT_NE(std::find(e->attribution.begin(), e->attribution.end(), "tmp_smx"),
            e->attribution.end());
  resolved.fibrinogen(0.9, 2);
  EXPECT_EQ(event(resolved.eval(), "fibrinogen_decreased")->grade, 3);  // < 0.5 x 2.0 g/L
}

TEST(AE_1, AnemiaDuringKmpListsTheDisease) {
  auto r = on_sirolimus().platelets(60, 1).lab(Analyte::hemoglobin, 7.5).eval();
  const auto* e = event(r, "anemia");
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->grade, 3);  // < 8
  EXPECT_NE(std::find(e->attribution.begin(), e->attribution.end(), "kmp"), e->attribution.end());
}

}  // namespace
}  // namespace khe::test

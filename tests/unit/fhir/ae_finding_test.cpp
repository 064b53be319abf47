// Clinician-recorded adverse events: product `ae-` findings carry their CTCAE grade as
// valueInteger 1..5; anything else is refused with the resource and JSON path.
#include "fhir/fhir_test_util.h"

namespace khe::test {
namespace {

using testing::HasSubstr;

const char* kFindingSystem = "http://khe-cds.org/fhir/CodeSystem/finding";
const std::string kTime = R"("effectiveDateTime":"2026-08-01T09:00:00Z")";

TEST(AdverseEventFindings, GradeIsReadFromValueInteger) {
  model::Record r = read_ok(bundle({
      observation("ae-peripheral-neuropathy", R"("valueInteger":2)", "a1", kTime, kFindingSystem),
      observation("ae-constipation", R"("valueInteger":5)", "a2", kTime, kFindingSystem),
      observation("ae-oral-mucositis", R"("valueBoolean":true)", "a3", kTime, kFindingSystem),
  }));
  ASSERT_EQ(r.findings.size(), 3u) << all_issues(r);
  EXPECT_EQ(r.findings[0].code, "ae-peripheral-neuropathy");
  EXPECT_EQ(r.findings[0].grade, std::optional<int>(2));
  EXPECT_FALSE(r.findings[0].flag.has_value());
  EXPECT_EQ(r.findings[0].time, at("2026-08-01T09:00:00Z"));
  EXPECT_EQ(r.findings[0].source.resource, "Observation/a1");
  EXPECT_EQ(r.findings[0].source.path, "entry[1].resource.valueInteger");
  EXPECT_EQ(r.findings[1].grade, std::optional<int>(5));
  EXPECT_EQ(r.findings[2].flag, std::optional<bool>(true));  // present, grade not recorded
  EXPECT_FALSE(r.findings[2].grade.has_value());
  EXPECT_TRUE(r.issues.empty()) << all_issues(r);
}

TEST(AdverseEventFindings, GradeOutsideOneToFiveIsRefused) {
  const char* bad[] = {"0", "6", "-1", "2.5", "\"3\"", "true", "1e0"};
  for (const char* v : bad) {
    model::Record r = read_ok(bundle({observation(
        "ae-pneumonitis", std::string(R"("valueInteger":)") + v, "p9", kTime, kFindingSystem)}));
    EXPECT_TRUE(r.findings.empty()) << v;
    const model::DataIssue* i = find_issue(r, "value_rejected");
    ASSERT_NE(i, nullptr) << v << "\n" << all_issues(r);
    EXPECT_EQ(i->source.resource, "Observation/p9");
    EXPECT_EQ(i->source.path, "entry[1].resource.valueInteger");
    EXPECT_THAT(i->message, HasSubstr("1 to 5"));
  }
}

TEST(AdverseEventFindings, ValueIntegerOnlyForAdverseEventCodes) {
  model::Record r = read_ok(
      bundle({observation("active-bleeding", R"("valueInteger":2)", "b1", kTime, kFindingSystem)}));
  EXPECT_TRUE(r.findings.empty());
  const model::DataIssue* i = find_issue(r, "value_missing");
  ASSERT_NE(i, nullptr) << all_issues(r);
  EXPECT_EQ(i->source.resource, "Observation/b1");
  // An `ae-` finding without any value names valueInteger among the values it accepts.
  model::Record none =
      read_ok(bundle({observation("ae-constipation", "", "b2", kTime, kFindingSystem)}));
  ASSERT_NE(find_issue(none, "value_missing"), nullptr);
  EXPECT_THAT(find_issue(none, "value_missing")->message, HasSubstr("valueInteger"));
}

}  // namespace
}  // namespace khe::test

// Lab order and resource labels, which the reader builds without sorting whole records or
// formatting labels eagerly: the results must read as a stable sort by time and the
// documented label forms.
#include "fhir/fhir_test_util.h"

namespace khe::test {
namespace {

std::string platelets(const std::string& id, const std::string& time, const std::string& value) {
  return observation("777-3", ucum(value, "10*9/L"), id, R"("effectiveDateTime":")" + time + "\"");
}

TEST(LabOrder, SortedByTimeWithTiesInInputOrder) {
  model::Record r = read_ok(bundle({
      platelets("late", "2026-08-03T09:00:00Z", "30"),
      platelets("tie-a", "2026-08-01T09:00:00Z", "10"),
      platelets("early", "2026-07-30T09:00:00Z", "5"),
      platelets("tie-b", "2026-08-01T09:00:00Z", "20"),
      platelets("tie-c", "2026-08-01T09:00:00Z", "15"),
  }));
  std::vector<std::string> order;
  for (const auto& lab : r.labs) order.push_back(lab.source.resource);
  EXPECT_THAT(order,
              ::testing::ElementsAre("Observation/early", "Observation/tie-a", "Observation/tie-b",
                                     "Observation/tie-c", "Observation/late"));
  EXPECT_EQ(r.labs[1].source.path, "entry[2].resource.valueQuantity");
}

TEST(Labels, ResourcesWithoutIdAreNamedByPlace) {
  const std::string no_id = observation("777-3", ucum("\"x\"", "10*9/L"), "");
  const std::string unnamed =
      std::string(R"({"resourceType":"Observation",)") + no_id.substr(no_id.find("\"status\""));
  model::Record b = read_ok(bundle({unnamed}));
  ASSERT_NE(find_issue(b, "value_rejected"), nullptr) << all_issues(b);
  EXPECT_EQ(find_issue(b, "value_rejected")->source.resource, "Observation[entry 1]");

  const std::string nested_bundle = R"({"resourceType":"Bundle","type":"collection","entry":[)"
                                    R"({"resource":)" +
                                    unnamed + "}]}";
  model::Record n = read_ok(std::string(kPatient) + "\n" + nested_bundle + "\n");
  ASSERT_NE(find_issue(n, "value_rejected"), nullptr) << all_issues(n);
  EXPECT_EQ(find_issue(n, "value_rejected")->source.resource, "Observation[line 2 entry 0]");
  EXPECT_EQ(find_issue(n, "value_rejected")->source.path,
            "line 2: entry[0].resource.valueQuantity.value");
}

}  // namespace
}  // namespace khe::test

// knowledge/cohort.json (how `khe cohort --by regimen` names the first-line regimen given):
// the default file loads; each problem with an edited file is refused with file and path.
#include <gtest/gtest.h>

#include "engine/evaluate.h"
#include "knowledge/knowledge.h"
#include "knowledge/knowledge_test_util.h"

namespace khe::knowledge {
namespace {

using testing::load_error;

std::string error_with(const std::string& from, const std::string& to) {
  auto files = default_files();
  auto& text = files["cohort.json"];
  const auto pos = text.find(from);
  EXPECT_NE(pos, std::string::npos) << from;
  if (pos == std::string::npos) return "";
  text.replace(pos, from.size(), to);
  return load_error(files);
}

#define EXPECT_PROBLEM(error, problem)                \
  EXPECT_NE((error).find(problem), std::string::npos) \
      << "want: " << (problem) << "\ngot: " << (error)

TEST(KnowledgeCohort, DefaultFileLoads) {
  auto k = load_default(engine::parameter_specs());
  ASSERT_TRUE(k.ok()) << k.error().to_string();
  const CohortConfig& c = k->cohort;
  EXPECT_EQ(c.window_before_days, 7);
  EXPECT_EQ(c.window_after_days, 7);
  EXPECT_TRUE(c.local_default);
  EXPECT_EQ(c.sources, (std::vector<std::string>{"blood2022", "local"}));
  ASSERT_GE(c.regimens.size(), 3u);
  EXPECT_EQ(c.regimens[0].name, "sirolimus_prednisolone");
  ASSERT_EQ(c.regimens[0].drugs.size(), 2u);
  EXPECT_EQ(c.regimens[0].drugs[0], (std::vector<std::string>{"sirolimus"}));
  EXPECT_EQ(c.regimens[1].name, "sirolimus");
  EXPECT_EQ(c.regimens[2].name, "vincristine_corticosteroid");
  EXPECT_TRUE(c.counts("prednisolone"));
  EXPECT_TRUE(c.counts("vincristine"));
  EXPECT_FALSE(c.counts("propranolol"));
}

// Regimen names that the report contract also uses are spelled as it spells them.
TEST(KnowledgeCohort, NamesFollowTheReportContract) {
  auto k = load_default(engine::parameter_specs());
  ASSERT_TRUE(k.ok());
  for (const char* name : {"sirolimus_prednisolone", "sirolimus", "vincristine_corticosteroid"}) {
    bool found = false;
    for (const auto& r : k->cohort.regimens) found = found || r.name == name;
    EXPECT_TRUE(found) << name;
  }
}

TEST(KnowledgeCohort, MissingFileIsRefused) {
  auto files = default_files();
  files.erase("cohort.json");
  EXPECT_PROBLEM(load_error(files), "cohort.json: $: file missing");
}

TEST(KnowledgeCohort, NotJsonIsRefused) {
  auto files = default_files();
  files["cohort.json"] = "[1, 2";
  EXPECT_PROBLEM(load_error(files), "cohort.json: $: not a JSON object");
}

TEST(KnowledgeCohort, UnknownDrugIsRefusedWithItsPath) {
  EXPECT_PROBLEM(error_with("[[\"sirolimus\"]]", "[[\"sirolimuss\"]]"),
                 "cohort.json: regimen.regimens[1].drugs[0][0]: unknown drug 'sirolimuss'");
}

TEST(KnowledgeCohort, DuplicateRegimenIsRefused) {
  EXPECT_PROBLEM(error_with("{\"name\": \"vincristine\",", "{\"name\": \"sirolimus\","),
                 "cohort.json: regimen.regimens[4].name: duplicate regimen 'sirolimus'");
}

TEST(KnowledgeCohort, DrugNamedTwiceInARegimenIsRefused) {
  EXPECT_PROBLEM(
      error_with("[[\"sirolimus\"], [\"vincristine\"]]", "[[\"sirolimus\"], [\"sirolimus\"]]"),
      "regimen.regimens[3].drugs[1][0]: drug 'sirolimus' is named twice");
}

TEST(KnowledgeCohort, BadWindowIsRefused) {
  EXPECT_PROBLEM(error_with("\"window_before_days\": 7", "\"window_before_days\": -1"),
                 "cohort.json: regimen.window_before_days: expected a whole number of days");
  EXPECT_PROBLEM(error_with("\"window_after_days\": 7", "\"window_after_days\": 1.5"),
                 "cohort.json: regimen.window_after_days: expected a whole number of days");
}

TEST(KnowledgeCohort, UnknownSourceIsRefused) {
  EXPECT_PROBLEM(
      error_with("\"sources\": [\"blood2022\", \"local\"]", "\"sources\": [\"blood2099\"]"),
      "cohort.json: regimen.sources[0]: unknown source 'blood2099'");
}

TEST(KnowledgeCohort, LocalDefaultMarkingIsRequired) {
  EXPECT_PROBLEM(error_with("\"local_default\": true,", ""),
                 "cohort.json: regimen.local_default: expected true or false");
}

TEST(KnowledgeCohort, EmptySlotIsRefused) {
  EXPECT_PROBLEM(error_with("{\"name\": \"sirolimus\", \"drugs\": [[\"sirolimus\"]]}",
                            "{\"name\": \"sirolimus\", \"drugs\": [[]]}"),
                 "cohort.json: regimen.regimens[1].drugs[0]: expected a non-empty array");
}

}  // namespace
}  // namespace khe::knowledge

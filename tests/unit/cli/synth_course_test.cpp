// The synthetic two-year course (tests/tools/synth_course.h) that the benchmark measures:
// deterministic, of the size the performance issue asks for, read without a data-quality
// issue, and evaluated by the real binary to a durable response. Suite names start with
// lowercase "cli" so `ctest -R cli` selects them.
#include <stdexcept>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "../../tools/synth_course.h"
#include "cli/run_khe.h"
#include "core/time.h"
#include "engine/builder.h"
#include "engine/evaluate.h"
#include "fhir/reader.h"
#include "knowledge/knowledge.h"

namespace khe::cli::testing {
namespace {

using khe::test::default_knowledge;
using nlohmann::json;
using synth::SynthCourse;
using synth::SynthOptions;

const SynthCourse& two_years() {
  static const SynthCourse course = synth::synth_course(SynthOptions{});
  return course;
}

fhir::ReadOutcome read_course(const SynthCourse& course) {
  fhir::ReadOptions options;
  options.as_of = course.as_of;
  return fhir::read(course.bundle, default_knowledge().codes, options);
}

TEST(cliSynthCourse, IsDeterministic) {
  const SynthCourse again = synth::synth_course(SynthOptions{});
  EXPECT_EQ(again.bundle, two_years().bundle);
  EXPECT_EQ(again.as_of, two_years().as_of);
  EXPECT_EQ(synth::synth_course_bundle(SynthOptions{}), two_years().bundle);

  // Another seed changes the values, never the counts or the dates.
  SynthOptions other;
  other.seed = 7;
  const SynthCourse seeded = synth::synth_course(other);
  EXPECT_NE(seeded.bundle, two_years().bundle);
  EXPECT_EQ(seeded.as_of, two_years().as_of);
  EXPECT_EQ(seeded.labs, two_years().labs);
  EXPECT_EQ(seeded.medication_changes, two_years().medication_changes);
}

TEST(cliSynthCourse, HasTheSizeOfTheIssue) {
  const SynthCourse& c = two_years();
  EXPECT_EQ(format_instant(c.as_of), "2026-03-05T12:00:00Z");
  EXPECT_EQ(format_date(c.therapy_start), "2024-03-04");
  EXPECT_NEAR(c.labs, 400, 5);
  EXPECT_GE(c.comparator_values, 3);
  EXPECT_EQ(c.medication_changes, 30);
  EXPECT_GE(c.sirolimus_requests, 15);
  EXPECT_EQ(c.administrations, 10);
  EXPECT_EQ(c.procedures, 4);  // three platelet transfusions and the biopsy
  EXPECT_GT(c.body_measurements, 60);

  SynthOptions smaller;
  smaller.years = 1;
  smaller.labs = 200;
  smaller.medication_changes = 20;
  const SynthCourse one = synth::synth_course(smaller);
  EXPECT_NEAR(one.labs, 200, 5);
  EXPECT_EQ(one.medication_changes, 20);
  EXPECT_EQ(format_instant(one.as_of), "2025-03-04T12:00:00Z");
}

TEST(cliSynthCourse, ReaderKeepsEveryResource) {
  const SynthCourse& c = two_years();
  const fhir::ReadOutcome outcome = read_course(c);
  ASSERT_TRUE(outcome.record.has_value());
  const model::Record& r = *outcome.record;
  for (const auto& issue : r.issues) ADD_FAILURE() << issue.code << ": " << issue.message;
  EXPECT_EQ(r.labs.size(),
            static_cast<std::size_t>(c.labs + c.body_measurements + c.lesion_measurements));
  EXPECT_EQ(r.medications.size(),
            static_cast<std::size_t>(c.medication_changes + c.administrations));
  EXPECT_EQ(r.procedures.size(), static_cast<std::size_t>(c.procedures));
  EXPECT_EQ(r.findings.size(), static_cast<std::size_t>(c.findings));
  ASSERT_EQ(r.diagnoses.size(), 1u);
  EXPECT_EQ(r.diagnoses[0].code, "khe");
}

TEST(cliSynthCourse, EvaluateFindsTheDurableResponse) {
  const SynthCourse& c = two_years();
  ASSERT_EQ(c.days_to_platelet_response, 14);
  const RunResult run = run_binary({"evaluate", "-", "--as-of", format_instant(c.as_of)}, c.bundle);
  ASSERT_EQ(run.status, 0) << run.err;
  const json report = json::parse(run.out);
  EXPECT_TRUE(report["data_quality"].empty()) << report["data_quality"].dump(1);
  const json& response = report["response"];
  ASSERT_TRUE(response.is_object()) << response.dump();
  EXPECT_EQ(response["therapy_start"], "2024-03-04");
  EXPECT_EQ(response["platelet_response"], true);
  EXPECT_EQ(response["durable_platelet_response_week4"], true);
  EXPECT_EQ(response["days_to_platelet_response"], c.days_to_platelet_response);
  EXPECT_EQ(response["relapse"], false);
  EXPECT_EQ(response["fibrinogen_stabilized"], true);
  EXPECT_EQ(report["kmp"]["status"], "absent");

  // In-process evaluation agrees with the binary on the course.
  const fhir::ReadOutcome outcome = read_course(c);
  ASSERT_TRUE(outcome.record.has_value());
  const knowledge::Knowledge& k = default_knowledge();
  const engine::Report r = engine::evaluate(*outcome.record, k, *k.profile("default"), c.as_of);
  ASSERT_TRUE(r.response.has_value());
  EXPECT_EQ(r.response->days_to_platelet_response.value_or(-1), c.days_to_platelet_response);
}

}  // namespace
}  // namespace khe::cli::testing

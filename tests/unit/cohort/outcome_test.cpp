// outcome_of(): an engine report reduced to the study's endpoints, with the reason for every
// endpoint that cannot be counted, and the patient's group (arm, regimen given, or all).
#include "cohort/outcome.h"

#include <gtest/gtest.h>

#include "engine/builder.h"

namespace khe::cohort {
namespace {

using test::Builder;
using test::default_knowledge;

const EndpointValue& at(const PatientOutcome& o, Endpoint e) {
  return o.endpoints[static_cast<int>(e)];
}

GroupInput by(Grouping g) {
  GroupInput in;
  in.by = g;
  in.config = &default_knowledge().cohort;
  return in;
}

// A child on sirolimus + prednisolone from day 0 (40 days before as-of) with KMP at
// baseline, a response on day 10, a durable count on day 28 (KMP resolved), a relapse two
// days before as-of, and fibrinogen back above 1.5 g/L.
Builder responder_who_relapsed() {
  Builder b;
  b.dx("khe").body(6, 62, 41 * 24);
  b.platelets(20, 41 * 24).fibrinogen(1.0, 41 * 24);
  b.med("sirolimus", 40, 0.4, 12).med("prednisolone", 40, 12, 24);
  b.platelets(150, 30 * 24).platelets(160, 12 * 24).fibrinogen(2.0, 12 * 24);
  b.platelets(50, 2 * 24);
  return b;
}

TEST(CohortOutcome, EndpointsOfAnEvaluatedRecord) {
  const engine::Report r = responder_who_relapsed().eval();
  ASSERT_TRUE(r.response && r.response->therapy_start);
  const PatientOutcome o = outcome_of("p1", r, by(Grouping::regimen));
  EXPECT_EQ(o.patient_id, "p1");
  EXPECT_EQ(o.group, "sirolimus_prednisolone");
  EXPECT_EQ(at(o, Endpoint::durable_platelet_response_week4).responder, true);
  EXPECT_EQ(at(o, Endpoint::platelet_response).responder, true);
  EXPECT_EQ(at(o, Endpoint::fibrinogen_stabilized).responder, true);
  EXPECT_EQ(at(o, Endpoint::relapse).responder, true);
  const auto& t = at(o, Endpoint::time_to_platelet_response);
  ASSERT_TRUE(t.time);
  EXPECT_EQ(t.time->time, 10.0);
  EXPECT_TRUE(t.time->event);
  for (const auto& v : o.endpoints) EXPECT_TRUE(v.not_evaluable.empty());
}

TEST(CohortOutcome, SirolimusAloneIsTheSirolimusRegimen) {
  Builder b;
  b.dx("khe").body(6, 62, 41 * 24).platelets(20, 41 * 24).med("sirolimus", 40, 0.4, 12);
  b.platelets(80, 30 * 24);
  const PatientOutcome o = outcome_of("p2", b.eval(), by(Grouping::regimen));
  EXPECT_EQ(o.group, "sirolimus");
  // No response: censored at the last count after day 0 (day 10).
  const auto& t = at(o, Endpoint::time_to_platelet_response);
  ASSERT_TRUE(t.time);
  EXPECT_EQ(t.time->time, 10.0);
  EXPECT_FALSE(t.time->event);
  EXPECT_EQ(at(o, Endpoint::platelet_response).responder, false);
  EXPECT_EQ(at(o, Endpoint::durable_platelet_response_week4).not_evaluable, kNoWeek4Count);
  EXPECT_EQ(at(o, Endpoint::fibrinogen_stabilized).not_evaluable, kNoFibrinogenAfterDay0);
  EXPECT_EQ(at(o, Endpoint::relapse).not_evaluable, kNotResolved);
}

TEST(CohortOutcome, NoTherapyStartMakesEveryEndpointNotEvaluable) {
  const engine::Report r = Builder::khe_kmp().eval();
  ASSERT_FALSE(r.response && r.response->therapy_start);
  for (Grouping g : {Grouping::none, Grouping::regimen}) {
    const PatientOutcome o = outcome_of("p3", r, by(g));
    for (const auto& v : o.endpoints) {
      EXPECT_EQ(v.not_evaluable, kNoTherapyStart);
      EXPECT_FALSE(v.responder);
      EXPECT_FALSE(v.time);
    }
    if (g == Grouping::none) {
      EXPECT_EQ(o.group, "all");
    }
    if (g == Grouping::regimen) {
      EXPECT_EQ(o.group, "");
      EXPECT_EQ(o.no_group, kNoTherapyStart);
    }
  }
}

// A report with a therapy start and the response fields set by hand.
engine::Report with_response(engine::Response resp) {
  engine::Report r;
  if (!resp.therapy_start) resp.therapy_start = parse_date("2026-05-01").value();
  r.response = resp;
  return r;
}

void add_platelets(engine::Report& r, std::initializer_list<const char*> times) {
  engine::Series s;
  s.analyte = "platelets";
  for (const char* t : times) s.points.push_back({test::at(t), {50}, false});
  r.timeline.series.push_back(s);
}

TEST(CohortOutcome, ACourseThatDoesNotQualifyIsNoTherapyStart) {
  engine::Report r;
  r.response = engine::Response{};  // courses seen, none with KMP at baseline
  const PatientOutcome o = outcome_of("p", r, by(Grouping::none));
  for (const auto& v : o.endpoints) EXPECT_EQ(v.not_evaluable, kNoTherapyStart);
}

TEST(CohortOutcome, NullValuesGiveTheirReasons) {
  engine::Report r = with_response({});
  const PatientOutcome o = outcome_of("p", r, by(Grouping::none));
  EXPECT_EQ(at(o, Endpoint::durable_platelet_response_week4).not_evaluable, kNoWeek4Count);
  EXPECT_EQ(at(o, Endpoint::platelet_response).not_evaluable, kNoPlateletAfterDay0);
  EXPECT_EQ(at(o, Endpoint::fibrinogen_stabilized).not_evaluable, kNoFibrinogenAfterDay0);
  EXPECT_EQ(at(o, Endpoint::relapse).not_evaluable, kNotResolved);
  EXPECT_EQ(at(o, Endpoint::time_to_platelet_response).not_evaluable, kNoPlateletAfterDay0);
}

TEST(CohortOutcome, RelapseIsCountedOnlyAfterResolution) {
  engine::Response resp;
  resp.resolution_date = parse_date("2026-05-20").value();
  resp.relapse = false;
  PatientOutcome o = outcome_of("p", with_response(resp), by(Grouping::none));
  EXPECT_EQ(at(o, Endpoint::relapse).responder, false);
  resp.relapse = true;
  o = outcome_of("p", with_response(resp), by(Grouping::none));
  EXPECT_EQ(at(o, Endpoint::relapse).responder, true);
  resp.resolution_date.reset();
  resp.relapse = false;
  o = outcome_of("p", with_response(resp), by(Grouping::none));
  EXPECT_EQ(at(o, Endpoint::relapse).not_evaluable, kNotResolved);
}

TEST(CohortOutcome, TimeToResponseIsCensoredAtTheLastCountAfterDayZero) {
  engine::Report r = with_response({});
  // Day 0 counts are baseline; the latest count after day 0 is day 12 (in the later series).
  add_platelets(r, {"2026-05-01T08:00:00Z", "2026-05-05T08:00:00Z"});
  add_platelets(r, {"2026-05-13T23:00:00Z"});
  engine::Series fib;
  fib.analyte = "fibrinogen";
  fib.points.push_back({test::at("2026-06-30T08:00:00Z"), {1}, false});
  r.timeline.series.push_back(fib);
  const PatientOutcome o = outcome_of("p", r, by(Grouping::none));
  const auto& t = at(o, Endpoint::time_to_platelet_response);
  ASSERT_TRUE(t.time);
  EXPECT_EQ(t.time->time, 12.0);
  EXPECT_FALSE(t.time->event);

  engine::Report only_day0 = with_response({});
  add_platelets(only_day0, {"2026-05-01T08:00:00Z", "2026-04-28T08:00:00Z"});
  const PatientOutcome o0 = outcome_of("p", only_day0, by(Grouping::none));
  EXPECT_EQ(at(o0, Endpoint::time_to_platelet_response).not_evaluable, kNoPlateletAfterDay0);
}

TEST(CohortOutcome, TimeToResponseIsTheEventDay) {
  engine::Response resp;
  resp.days_to_platelet_response = 21;
  resp.platelet_response = true;
  engine::Report r = with_response(resp);
  add_platelets(r, {"2026-06-30T08:00:00Z"});  // later counts do not move the event
  const PatientOutcome o = outcome_of("p", r, by(Grouping::none));
  const auto& t = at(o, Endpoint::time_to_platelet_response);
  ASSERT_TRUE(t.time);
  EXPECT_EQ(t.time->time, 21.0);
  EXPECT_TRUE(t.time->event);
}

TEST(CohortOutcome, ArmIsActualArmElseAssignedArm) {
  std::string why;
  EXPECT_EQ(arm_of({{"on-study", "sirolimus", "sirolimus_prednisolone"}}, &why), "sirolimus");
  EXPECT_EQ(arm_of({{"on-study", "", "sirolimus_prednisolone"}}, &why), "sirolimus_prednisolone");
  // A withdrawn subject keeps the arm it was allocated (intention to treat).
  EXPECT_EQ(arm_of({{"withdrawn", "", "A"}}, &why), "A");
  EXPECT_EQ(arm_of({{"off-study", "B", "A"}}, &why), "B");
  // The same arm twice is one arm.
  EXPECT_EQ(arm_of({{"on-study", "A", ""}, {"follow-up", "", "A"}}, &why), "A");
}

TEST(CohortOutcome, NoArmSaysWhy) {
  std::string why;
  EXPECT_EQ(arm_of({}, &why), "");
  EXPECT_EQ(why, "no ResearchSubject");
  EXPECT_EQ(arm_of({{"on-study", "", ""}}, &why), "");
  EXPECT_EQ(why, "ResearchSubject without actualArm or assignedArm");
  EXPECT_EQ(arm_of({{"screening", "", "A"}}, &why), "");
  EXPECT_EQ(why, "ResearchSubject not enrolled (status)");
  EXPECT_EQ(arm_of({{"on-study", "A", ""}, {"on-study", "B", ""}}, &why), "");
  EXPECT_EQ(why, "ResearchSubjects with different arms (A, B)");
}

TEST(CohortOutcome, ArmGroupsTheOutcome) {
  GroupInput g = by(Grouping::arm);
  g.subjects = {{"on-study", "sirolimus", ""}};
  const PatientOutcome o = outcome_of("p", Builder::khe_kmp().eval(), g);
  EXPECT_EQ(o.group, "sirolimus");
  EXPECT_TRUE(o.no_group.empty());
}

engine::TherapyEpisode episode(const std::string& drug, const char* start,
                               const char* end = nullptr) {
  engine::TherapyEpisode e;
  e.drug = drug;
  e.start = test::at(start);
  if (end) e.end = test::at(end);
  return e;
}

TEST(CohortOutcome, RegimenCountsDrugsStartedWithinTheWindowOrGivenOnDayZero) {
  const auto& config = default_knowledge().cohort;
  engine::Report r = with_response({});  // day 0 = 2026-05-01
  r.therapy = {episode("sirolimus", "2026-05-01T09:00:00Z"),
               episode("prednisolone", "2026-05-08T09:00:00Z"),  // day 7: in the window
               episode("propranolol", "2026-05-01T09:00:00Z"),   // not KMP-directed
               episode("vincristine", "2026-05-09T09:00:00Z")};  // day 8: later therapy
  std::string why;
  EXPECT_EQ(first_line_regimen(r, config, &why), "sirolimus_prednisolone");

  // A corticosteroid started before the window and still given on day 0 counts.
  r.therapy = {episode("methylprednisolone", "2026-04-10T09:00:00Z"),
               episode("sirolimus", "2026-05-01T09:00:00Z")};
  EXPECT_EQ(first_line_regimen(r, config, &why), "sirolimus_prednisolone");
  // ... but not one that ended before day 0.
  r.therapy = {episode("prednisolone", "2026-04-10T09:00:00Z", "2026-04-20T09:00:00Z"),
               episode("sirolimus", "2026-05-01T09:00:00Z")};
  EXPECT_EQ(first_line_regimen(r, config, &why), "sirolimus");
}

TEST(CohortOutcome, RegimenMatchingNoneSaysWhichDrugs) {
  const auto& config = default_knowledge().cohort;
  engine::Report r = with_response({});
  r.therapy = {episode("sirolimus", "2026-05-01T09:00:00Z"),
               episode("vincristine", "2026-05-01T09:00:00Z"),
               episode("prednisolone", "2026-05-01T09:00:00Z")};
  std::string why;
  EXPECT_EQ(first_line_regimen(r, config, &why), "");
  EXPECT_EQ(why,
            "first-line drugs match no regimen of knowledge/cohort.json (prednisolone, "
            "sirolimus, vincristine)");
  r.therapy = {episode("vincristine", "2026-05-01T09:00:00Z"),
               episode("dexamethasone", "2026-05-02T09:00:00Z")};
  EXPECT_EQ(first_line_regimen(r, config, &why), "vincristine_corticosteroid");
}

TEST(CohortOutcome, UnreadableRecordKeepsItsArm) {
  GroupInput g = by(Grouping::arm);
  g.subjects = {{"on-study", "A", ""}};
  PatientOutcome o = unreadable_outcome("p", "record unreadable: no birth date", g);
  EXPECT_EQ(o.group, "A");
  for (const auto& v : o.endpoints) EXPECT_EQ(v.not_evaluable, "record unreadable: no birth date");
  o = unreadable_outcome("p", "record unreadable", by(Grouping::regimen));
  EXPECT_EQ(o.group, "");
  EXPECT_EQ(o.no_group, "record unreadable");
}

}  // namespace
}  // namespace khe::cohort

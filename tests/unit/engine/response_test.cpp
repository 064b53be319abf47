// Course endpoints of spec §8 (RESP-1): therapy start, platelet response, the week-4 durable
// response, KMP resolution and relapse, fibrinogen stabilization — their edge cases.
// Confounding by transfusion follows §2: a confounded value never establishes a response or
// a better status, but it can show worsening.
#include "builder.h"

namespace khe::test {
namespace {

using engine::KmpStatus;

// A KHE infant whose sirolimus started `start_days_ago` days before as-of, at 12:00 UTC (the
// builder's as-of time of day). Values are placed by course day (day 0 = start date) and
// hour of the day (UTC).
struct Course {
  Builder b;
  int start_ago;

  explicit Course(int start_days_ago = 60, const std::string& drug = "sirolimus")
      : start_ago(start_days_ago) {
    b.dx("khe").body(5, 58).med(drug, start_days_ago, 0.2, 12);
  }
  double ago(double day, double hour = 13) const { return (start_ago - day) * 24.0 - (hour - 12); }
  Course& plt(double day, double value, double hour = 13) {
    b.platelets(value, ago(day, hour));
    return *this;
  }
  Course& fib(double day, double value, double hour = 13) {
    b.fibrinogen(value, ago(day, hour));
    return *this;
  }
  Course& transfusion(double day, const std::string& code = "platelet-transfusion",
                      double hour = 10) {
    b.procedure(code, ago(day, hour), "indication-active-bleeding");
    return *this;
  }
  std::string date(int day) const {
    return format_date(date_of(b.as_of()) - std::chrono::days(start_ago - day));
  }
  engine::Response eval(const std::string& profile = "default") const {
    auto r = b.eval(profile);
    EXPECT_TRUE(r.response);
    return r.response.value_or(engine::Response{});
  }
};

std::string fmt(const std::optional<Date>& d) { return d ? format_date(*d) : "null"; }

// ---------------------------------------------------------------- therapy start (day 0)

TEST(RESP_1, TherapyStartSkipsACourseWithoutALowBaseline) {
  Builder b;
  b.dx("khe").body(5, 58);
  b.med("sirolimus", 90, 0.2, 12).ended(70).platelets(150, 92 * 24);  // baseline not < 100
  b.med("sirolimus", 40, 0.2, 12).platelets(60, 41 * 24);
  auto r = b.eval();
  ASSERT_TRUE(r.response);
  EXPECT_EQ(fmt(r.response->therapy_start),
            format_date(date_of(b.as_of()) - std::chrono::days(40)));

  // Neither course qualifies: a response object (therapy was given) without a day 0.
  Builder none;
  none.dx("khe").body(5, 58).med("sirolimus", 40, 0.2, 12).platelets(150, 41 * 24);
  none.platelets(60, 20 * 24);  // low later in the course, not at its start
  auto n = none.eval();
  ASSERT_TRUE(n.response);
  EXPECT_FALSE(n.response->therapy_start);
  EXPECT_FALSE(n.response->platelet_response);
  EXPECT_FALSE(n.response->resolution_date);
}

TEST(RESP_1, BaselineWindowRunsFromDayMinus7ToTheEndOfDay0) {
  // Day -7 just after midnight is inside; day -8 just before midnight is outside.
  EXPECT_EQ(fmt(Course().plt(-7, 50, 0.5).eval().therapy_start), Course().date(0));
  EXPECT_EQ(fmt(Course().plt(-8, 50, 23.5).eval().therapy_start), "null");
  // The LATEST count in the window decides, including one later on day 0 than the start.
  EXPECT_EQ(fmt(Course().plt(-3, 50).plt(0, 120, 23).eval().therapy_start), "null");
  EXPECT_EQ(fmt(Course().plt(-3, 120).plt(0, 80, 23).eval().therapy_start), Course().date(0));
  // A count of exactly 100 is not < 100: the course does not start the response clock.
  EXPECT_EQ(fmt(Course().plt(-1, 100).eval().therapy_start), "null");
  EXPECT_EQ(fmt(Course().plt(-1, 99).eval().therapy_start), Course().date(0));
}

TEST(RESP_1, PlannedCourseIsNoTherapy) {
  Course c;
  c.plt(-1, 40).plt(10, 150);
  c.b.record().medications.back().status = model::MedicationStatus::planned;
  EXPECT_FALSE(c.b.eval().response);
}

TEST(RESP_1, TransfusedBaselineStillStartsTheCourse) {
  // §2: a count raised by a platelet transfusion never establishes a better status, so a
  // post-transfusion 120 before the first dose does not hide the KMP that was there.
  Course c;
  c.plt(-2, 15, 8).transfusion(-2).plt(-1, 120);
  EXPECT_EQ(fmt(c.eval().therapy_start), c.date(0));
  // Every count in the window confounded: the last count before that transfusion decides
  // when it is at most 30 days old (CONF-1 fallback).
  Course all;
  all.plt(-9, 15, 8).transfusion(-9).plt(-3, 110);
  EXPECT_EQ(fmt(all.eval().therapy_start), all.date(0));
  // Without a transfusion the same 120 is a real count and the course does not qualify.
  EXPECT_EQ(fmt(Course().plt(-2, 15, 8).plt(-1, 120).eval().therapy_start), "null");
}

TEST(RESP_1, ConsensusProfileStartsWithVincristineOrCorticosteroid) {
  Builder b;
  b.dx("khe").body(5, 58);
  b.med("sirolimus", 50, 0.2, 12).platelets(40, 51 * 24);
  b.med("vincristine", 30, 0.25, 168).platelets(45, 31 * 24);
  auto day = [&](int ago) { return format_date(date_of(b.as_of()) - std::chrono::days(ago)); };
  EXPECT_EQ(fmt(b.eval("default").response->therapy_start), day(50));
  EXPECT_EQ(fmt(b.eval("consensus-2013").response->therapy_start), day(30));

  Course pred(30, "prednisolone");
  pred.plt(-1, 40);
  EXPECT_EQ(fmt(pred.eval("consensus-2013").therapy_start), pred.date(0));
  EXPECT_FALSE(pred.b.eval("default").response);  // not KMP-directed in the default profile
}

// ---------------------------------------------------------------- platelet response

TEST(RESP_1, DayZeroCountsAreBaselineNotResponse) {
  Course c;
  c.plt(0, 130, 8).plt(0, 60, 20);  // a day-0 count above 100, then the baseline
  auto r = c.eval();
  EXPECT_EQ(fmt(r.therapy_start), c.date(0));
  EXPECT_FALSE(r.platelet_response);  // null: no count after day 0
  EXPECT_FALSE(r.days_to_platelet_response);
  c.plt(1, 120, 9);
  r = c.eval();
  EXPECT_EQ(r.platelet_response, std::optional<bool>(true));
  EXPECT_EQ(r.days_to_platelet_response, std::optional<int>(1));
}

TEST(RESP_1, DaysToResponseAreCalendarDays) {
  // Day 9 at 01:00 is 8 days 13 hours after the 12:00 start: still day 9.
  auto r = Course().plt(-1, 40).plt(3, 60).plt(9, 130, 1).plt(12, 160).eval();
  EXPECT_EQ(r.days_to_platelet_response, std::optional<int>(9));
  EXPECT_EQ(r.platelet_response, std::optional<bool>(true));
  // Counts after day 0, none above 100: false, not null.
  auto none = Course().plt(-1, 40).plt(3, 60).plt(9, 90).eval();
  EXPECT_EQ(none.platelet_response, std::optional<bool>(false));
  EXPECT_FALSE(none.days_to_platelet_response);
}

TEST(RESP_1, ConfoundedCountIsNotAResponse) {
  Course c;
  c.plt(-1, 40).transfusion(10).plt(12, 150);  // the only count after day 0 is confounded
  auto r = c.eval();
  EXPECT_EQ(r.platelet_response, std::optional<bool>(false));
  EXPECT_FALSE(r.days_to_platelet_response);
  c.plt(18, 140);  // 8 days after the transfusion: transfusion-independent
  r = c.eval();
  EXPECT_EQ(r.platelet_response, std::optional<bool>(true));
  EXPECT_EQ(r.days_to_platelet_response, std::optional<int>(18));
}

TEST(RESP_1, ExactlyOneHundredIsAbsentKmpButNoResponse) {
  // KMP-1: a count of exactly 100 is "absent" (present needs < 100), but a response needs > 100.
  Course c(12);
  c.plt(-1, 40).plt(10, 100);
  auto r = c.b.eval();
  EXPECT_EQ(r.kmp_status, KmpStatus::absent);
  ASSERT_TRUE(r.response);
  EXPECT_EQ(r.response->platelet_response, std::optional<bool>(false));
  EXPECT_FALSE(r.response->days_to_platelet_response);
  EXPECT_EQ(Course(12).plt(-1, 40).plt(10, 99).b.eval().kmp_status, KmpStatus::present);

  // A count of 100 between two counts above 100 breaks the run toward resolution...
  auto broken = Course().plt(-1, 40).plt(10, 130).plt(14, 100).plt(17, 130).eval();
  EXPECT_EQ(fmt(broken.resolution_date), "null");
  // ...but after resolution it is not a relapse (< 100 is).
  Course after;
  after.plt(-1, 40).plt(10, 130).plt(17, 130).plt(25, 100);
  auto a = after.eval();
  EXPECT_EQ(fmt(a.resolution_date), after.date(17));
  EXPECT_FALSE(a.relapse);
  after.plt(30, 99);
  EXPECT_TRUE(after.eval().relapse);
}

// ---------------------------------------------------------------- durable response, week 4

TEST(RESP_1, Week4WindowIsDays25To31Inclusive) {
  auto base = [] {
    Course c;
    c.plt(-1, 40).plt(14, 150);
    return c;
  };
  // Day 24 and day 32 are outside the window: not evaluable.
  EXPECT_FALSE(base().plt(24, 160).plt(32, 170).eval().durable_platelet_response_week4);
  EXPECT_FALSE(base().plt(24, 160, 23.9).plt(32, 170, 0.1).eval().durable_platelet_response_week4);
  EXPECT_EQ(base().plt(25, 160, 0.1).eval().durable_platelet_response_week4,
            std::optional<bool>(true));
  EXPECT_EQ(base().plt(31, 160, 23.9).eval().durable_platelet_response_week4,
            std::optional<bool>(true));
  // A low count on day 32 is after the window; on day 31 it is the week-4 count.
  EXPECT_EQ(base().plt(28, 160).plt(32, 60).eval().durable_platelet_response_week4,
            std::optional<bool>(true));
  EXPECT_EQ(base().plt(28, 160).plt(31, 60).eval().durable_platelet_response_week4,
            std::optional<bool>(false));
}

TEST(RESP_1, LastCountInTheWindowDecides) {
  EXPECT_EQ(Course()
                .plt(-1, 40)
                .plt(14, 150)
                .plt(26, 160)
                .plt(30, 90)
                .eval()
                .durable_platelet_response_week4,
            std::optional<bool>(false));
  // The first response may come inside the window: nothing before it is held against it.
  auto late = Course().plt(-1, 40).plt(14, 60).plt(26, 90).plt(30, 150).eval();
  EXPECT_EQ(late.durable_platelet_response_week4, std::optional<bool>(true));
  EXPECT_EQ(late.days_to_platelet_response, std::optional<int>(30));
  // A confounded week-4 count is not achieved, however high (transfusion independence).
  Course conf;
  conf.plt(-1, 40).plt(14, 150).plt(26, 160).transfusion(28).plt(30, 200);
  EXPECT_EQ(conf.eval().durable_platelet_response_week4, std::optional<bool>(false));
  // No response at all and a low week-4 count: false, not null.
  EXPECT_EQ(Course().plt(-1, 40).plt(27, 80).eval().durable_platelet_response_week4,
            std::optional<bool>(false));
}

TEST(RESP_1, LaterCountsDoNotChangeTheWeek4Endpoint) {
  Course good;
  good.plt(-1, 40).plt(14, 150).plt(28, 160).plt(40, 50).plt(45, 40);
  auto g = good.eval();
  EXPECT_EQ(g.durable_platelet_response_week4, std::optional<bool>(true));
  EXPECT_TRUE(g.relapse);  // the later fall is a relapse, not a lost week-4 endpoint
  Course dip;
  dip.plt(-1, 40).plt(14, 150).plt(21, 90).plt(28, 160).plt(35, 200).plt(42, 210);
  EXPECT_EQ(dip.eval().durable_platelet_response_week4, std::optional<bool>(false));
}

TEST(RESP_1, DipAfterFirstResponseIsNotDurableAndRestartsResolution) {
  Course c;
  c.plt(-1, 30).plt(10, 130).plt(14, 90).plt(18, 140).plt(24, 150).plt(26, 150);
  auto r = c.eval();
  EXPECT_EQ(r.platelet_response, std::optional<bool>(true));
  EXPECT_EQ(r.days_to_platelet_response, std::optional<int>(10));
  EXPECT_EQ(r.durable_platelet_response_week4, std::optional<bool>(false));
  // Without the dip KMP would have resolved on day 18; the run restarts on day 18 and
  // day 24 is only 6 days later, so it resolves on day 25 at the earliest.
  EXPECT_EQ(fmt(r.resolution_date), c.date(26));
  c.plt(25, 150);
  EXPECT_EQ(fmt(c.eval().resolution_date), c.date(25));
  EXPECT_FALSE(c.eval().relapse);  // the dip came before resolution
}

TEST(RESP_1, DipEarlierOnTheDayOfTheFirstResponseDoesNotCount) {
  // "Every non-confounded count since the first response": a count earlier the same day,
  // before the first response, is not since it.
  Course c;
  c.plt(-1, 30).plt(14, 90, 8).plt(14, 130, 20).plt(28, 150);
  auto r = c.eval();
  EXPECT_EQ(r.days_to_platelet_response, std::optional<int>(14));
  EXPECT_EQ(r.durable_platelet_response_week4, std::optional<bool>(true));
}

TEST(RESP_1, ConfoundedLowCountShowsWorsening) {
  // §2: a count within 7 days after a platelet transfusion can show worsening. A count not
  // above 100 even with transfused platelets is not a durable response (clinically safer
  // reading of "every non-confounded count since the first response").
  Course c;
  c.plt(-1, 30).plt(14, 150).transfusion(18).plt(20, 90).plt(28, 160);
  EXPECT_EQ(c.eval().durable_platelet_response_week4, std::optional<bool>(false));
  // A confounded count above 100 is simply ignored: it neither helps nor hurts.
  Course high;
  high.plt(-1, 30).plt(14, 150).transfusion(18).plt(20, 300).plt(28, 160);
  EXPECT_EQ(high.eval().durable_platelet_response_week4, std::optional<bool>(true));
}

// ---------------------------------------------------------------- resolution and relapse

TEST(RESP_1, ResolutionNeedsTwoCountsAbove100SevenDaysApart) {
  Course c;
  c.plt(-1, 30).plt(10, 130).plt(16, 140);  // 6 days apart: not yet
  EXPECT_EQ(fmt(c.eval().resolution_date), "null");
  c.plt(17, 150);  // 7 days after day 10, with every count between above 100
  EXPECT_EQ(fmt(c.eval().resolution_date), c.date(17));
  // "At least 7 days" is read as 7 x 24 h (the safer reading: resolution is never early):
  // day 10 at 13:00 to day 17 at 12:00 is 6 days 23 hours.
  EXPECT_EQ(fmt(Course().plt(-1, 30).plt(10, 130).plt(17, 150, 12).eval().resolution_date), "null");
  // A confounded count above 100 cannot open the run.
  Course conf;
  conf.plt(-1, 30).transfusion(8).plt(10, 200).plt(16, 130).plt(17, 140);
  EXPECT_EQ(fmt(conf.eval().resolution_date), "null");
  conf.plt(23, 140);
  EXPECT_EQ(fmt(conf.eval().resolution_date), conf.date(23));
}

TEST(RESP_1, RelapseAfterStoppingSirolimus) {
  Builder b;
  b.dx("khe").body(5, 58).med("sirolimus", 100, 0.2, 12).ended(30);  // stopped on day 70
  for (auto [day, value] :
       std::vector<std::pair<int, double>>{{-1, 20}, {14, 130}, {21, 150}, {60, 160}, {98, 70}})
    b.platelets(value, (100 - day) * 24.0 - 1);
  auto r = b.eval();
  ASSERT_TRUE(r.response);
  EXPECT_EQ(fmt(r.response->therapy_start),
            format_date(date_of(b.as_of()) - std::chrono::days(100)));
  EXPECT_EQ(fmt(r.response->resolution_date),
            format_date(date_of(b.as_of()) - std::chrono::days(100 - 21)));
  EXPECT_TRUE(r.response->relapse);
  const engine::Alert* a = find_alert(r, "kmp_relapse");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->severity, engine::AlertSeverity::critical);
  EXPECT_EQ(a->details, default_knowledge().profile("default")->list("RESP-1", "relapse_checks"));
  EXPECT_EQ(a->why.rule_id, "RESP-1");
  EXPECT_TRUE(std::any_of(r.findings.begin(), r.findings.end(), [](const engine::Finding& f) {
    return f.why.rule_id == "RESP-1" && f.statement.find("relapse") != std::string::npos;
  }));

  // The same course without the fall: no relapse, no alert.
  b.record().labs.pop_back();
  auto ok = b.eval();
  EXPECT_FALSE(ok.response->relapse);
  EXPECT_FALSE(has_alert(ok, "kmp_relapse"));
}

TEST(RESP_1, NoRelapseWithoutResolution) {
  // Counts fall after a first response, but KMP never resolved: not a relapse.
  Course c;
  c.plt(-1, 30).plt(10, 130).plt(14, 60);
  auto r = c.b.eval();
  EXPECT_FALSE(r.response->relapse);
  EXPECT_FALSE(has_alert(r, "kmp_relapse"));
}

TEST(RESP_1, ConfoundedLowAfterResolutionIsARelapse) {
  // §2: a count below 100 even after a platelet transfusion shows worsening; the safer
  // reading raises the relapse (transfusion after resolution is itself a warning sign).
  Course c;
  c.plt(-1, 30).plt(10, 130).plt(17, 150).transfusion(40).plt(41, 80);
  auto r = c.b.eval();
  EXPECT_TRUE(r.response->relapse);
  EXPECT_TRUE(has_alert(r, "kmp_relapse"));
  // A confounded count above 100 after resolution is no relapse.
  Course high;
  high.plt(-1, 30).plt(10, 130).plt(17, 150).transfusion(40).plt(41, 180);
  EXPECT_FALSE(high.eval().relapse);
}

// ---------------------------------------------------------------- fibrinogen stabilization

TEST(RESP_1, FibrinogenStabilizedWhenNoneFallsBelow1_5AfterTheFirst) {
  Course c;
  c.plt(-1, 30).fib(0, 0.8).fib(5, 1.2).fib(10, 1.5).fib(20, 1.8);  // 1.5 itself counts
  EXPECT_EQ(c.eval().fibrinogen_stabilized, std::optional<bool>(true));
  c.fib(25, 1.4);
  EXPECT_EQ(c.eval().fibrinogen_stabilized, std::optional<bool>(false));
  // A fall after the first stable value is not undone by a later recovery.
  auto fell = Course().plt(-1, 30).fib(0, 0.8).fib(5, 1.6).fib(10, 1.3).fib(15, 1.7).eval();
  EXPECT_EQ(fell.fibrinogen_stabilized, std::optional<bool>(false));
  // Never reached 1.5: false.
  auto low = Course().plt(-1, 30).fib(0, 0.8).fib(5, 1.2).eval();
  EXPECT_EQ(low.fibrinogen_stabilized, std::optional<bool>(false));
}

TEST(RESP_1, FibrinogenNullWithoutAValueAfterDayZero) {
  EXPECT_FALSE(Course().plt(-1, 30).eval().fibrinogen_stabilized);
  // A baseline value alone says nothing about the treatment ("null without a fibrinogen
  // after day 0"), even when it is normal.
  EXPECT_FALSE(Course().plt(-1, 30).fib(0, 2.0, 20).eval().fibrinogen_stabilized);
  EXPECT_FALSE(Course().plt(-1, 30).fib(-3, 2.0).eval().fibrinogen_stabilized);
  // Day 0 still counts as the first value at or above 1.5 once a later value exists.
  EXPECT_EQ(Course().plt(-1, 30).fib(0, 1.6).fib(3, 1.7).eval().fibrinogen_stabilized,
            std::optional<bool>(true));
}

TEST(RESP_1, ConfoundedFibrinogenCannotShowStabilization) {
  // Within 72 h after cryoprecipitate or fibrinogen concentrate a value is confounded.
  Course only;
  only.plt(-1, 30).fib(0, 0.8).transfusion(5, "cryoprecipitate-transfusion").fib(6, 2.0);
  EXPECT_FALSE(only.eval().fibrinogen_stabilized);  // the only value after day 0: ignored
  Course c;
  c.plt(-1, 30).fib(0, 0.8).fib(4, 1.2);
  c.transfusion(5, "fibrinogen-concentrate").fib(6, 2.0);
  EXPECT_EQ(c.eval().fibrinogen_stabilized, std::optional<bool>(false));  // latest clean: 1.2
  c.fib(9, 1.6);  // 4 days after the concentrate: clean again
  EXPECT_EQ(c.eval().fibrinogen_stabilized, std::optional<bool>(true));
  // A confounded value below 1.5 shows a fall (§2: confounded values can show worsening).
  Course fall;
  fall.plt(-1, 30).fib(0, 0.8).fib(3, 1.6).transfusion(5, "cryoprecipitate-transfusion");
  fall.fib(6, 1.2);
  EXPECT_EQ(fall.eval().fibrinogen_stabilized, std::optional<bool>(false));
}

}  // namespace
}  // namespace khe::test

// Dose history from a Record's medications: administrations at actual times, courses
// expanded, never double counted.
#include "pk/doses.h"

#include <gtest/gtest.h>

namespace khe::pk {
namespace {

using model::MedicationSource;
using model::MedicationStatus;

const Instant kT0 = start_of(Date(std::chrono::year(2026) / 3 / 1));

model::MedicationCourse course(MedicationSource kind, double start_h, double mg, double tau_h,
                               std::optional<double> end_h = std::nullopt) {
  model::MedicationCourse m;
  m.drug = "sirolimus";
  m.source_kind = kind;
  m.status = MedicationStatus::active;
  m.start = kT0 + Seconds(std::int64_t(start_h * 3600));
  if (end_h) m.end = kT0 + Seconds(std::int64_t(*end_h * 3600));
  m.dose = Milligrams(mg);
  if (tau_h > 0) m.interval_h = tau_h;
  m.route = "oral";
  return m;
}

model::MedicationCourse admin(double at_h, double mg) {
  auto m = course(MedicationSource::administration, at_h, mg, 0);
  m.status = MedicationStatus::completed;
  m.end = m.start;
  return m;
}

Instant as_of(double h) { return kT0 + Seconds(std::int64_t(h * 3600)); }

TEST(PkDoseHistory, RequestExpandedUpToAsOf) {
  model::Record r;
  r.medications.push_back(course(MedicationSource::request, 0, 0.5, 12));
  auto h = dose_history(r, as_of(48), {});
  ASSERT_TRUE(h.ok());
  ASSERT_EQ(h->doses.size(), 5u);  // 0, 12, 24, 36, 48 (as_of inclusive)
  EXPECT_EQ(h->origin, kT0);
  EXPECT_DOUBLE_EQ(h->doses[4].time.count(), 48);
  EXPECT_DOUBLE_EQ(h->doses[0].amount.value, 0.5);
}

TEST(PkDoseHistory, EndIsExclusiveAndLaterCourseSupersedes) {
  model::Record r;
  r.medications.push_back(course(MedicationSource::request, 0, 0.5, 12, 240));
  r.medications.push_back(course(MedicationSource::request, 48, 0.8, 24));
  auto h = dose_history(r, as_of(96), {});
  ASSERT_TRUE(h.ok());
  // 0,12,24,36 at 0.5; then 48,72,96 at 0.8.
  ASSERT_EQ(h->doses.size(), 7u);
  EXPECT_DOUBLE_EQ(h->doses[3].amount.value, 0.5);
  EXPECT_DOUBLE_EQ(h->doses[4].amount.value, 0.8);
  EXPECT_DOUBLE_EQ(h->doses[4].time.count(), 48);
  model::Record closed;
  closed.medications.push_back(course(MedicationSource::statement, 0, 1, 24, 48));
  auto c = dose_history(closed, as_of(200), {});
  ASSERT_EQ(c->doses.size(), 2u);  // 0 and 24; the end at 48 h is exclusive
}

TEST(PkDoseHistory, AdministrationReplacesPlannedSlot) {
  model::Record r;
  r.medications.push_back(course(MedicationSource::request, 0, 0.5, 12));
  r.medications.push_back(admin(12.5, 0.5));   // given half an hour late: replaces 12 h
  r.medications.push_back(admin(23.0, 0.75));  // replaces 24 h, different amount
  auto h = dose_history(r, as_of(36), {});
  ASSERT_TRUE(h.ok());
  ASSERT_EQ(h->doses.size(), 4u);  // 0, 12.5, 23, 36
  EXPECT_DOUBLE_EQ(h->doses[1].time.count(), 12.5);
  EXPECT_DOUBLE_EQ(h->doses[2].amount.value, 0.75);
  EXPECT_DOUBLE_EQ(h->doses[3].time.count(), 36);
}

TEST(PkDoseHistory, RequestAndStatementOfSameCourseCountOnce) {
  model::Record r;
  r.medications.push_back(course(MedicationSource::statement, 0, 0.5, 12));
  r.medications.push_back(course(MedicationSource::request, 0, 0.5, 12));
  auto h = dose_history(r, as_of(24), {});
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->doses.size(), 3u);
  EXPECT_FALSE(h->notes.empty());
}

TEST(PkDoseHistory, ExcludesOtherDrugsRoutesPlannedAndFuture) {
  model::Record r;
  auto other = course(MedicationSource::request, 0, 1, 12);
  other.drug = "prednisolone";
  r.medications.push_back(other);
  auto iv = course(MedicationSource::request, 0, 1, 12);
  iv.route = "intravenous";
  r.medications.push_back(iv);
  auto planned = course(MedicationSource::request, 0, 1, 12);
  planned.status = MedicationStatus::planned;
  r.medications.push_back(planned);
  r.medications.push_back(admin(100, 1));  // after as_of
  auto h = dose_history(r, as_of(50), {});
  ASSERT_TRUE(h.ok());
  EXPECT_TRUE(h->doses.empty());
  EXPECT_EQ(h->origin, as_of(50));
  EXPECT_EQ(h->notes.size(), 2u);
}

TEST(PkDoseHistory, SteadyStateAtStartMarksFirstPlannedDose) {
  model::Record r;
  r.medications.push_back(course(MedicationSource::statement, 0, 0.5, 12));
  DoseHistoryOptions o;
  o.steady_state_at_start = true;
  auto h = dose_history(r, as_of(24), o);
  ASSERT_TRUE(h.ok());
  ASSERT_TRUE(h->doses[0].steady_state_interval.has_value());
  EXPECT_DOUBLE_EQ(h->doses[0].steady_state_interval->count(), 12);
  EXPECT_FALSE(h->doses[1].steady_state_interval.has_value());
}

TEST(PkDoseHistory, GuardsAgainstTooManyDoses) {
  model::Record r;
  r.medications.push_back(course(MedicationSource::request, 0, 0.5, 12));
  DoseHistoryOptions o;
  o.max_doses = 10;
  EXPECT_FALSE(dose_history(r, as_of(24 * 30), o).ok());
}

}  // namespace
}  // namespace khe::pk

// Monitoring (§7, MON-1..5): for each phase the child is in, which tests are due and when,
// from the latest result of each. Local defaults: no guideline defines a schedule.
#include <algorithm>

#include "engine/rules.h"

namespace khe::engine {
namespace {

class Planner {
 public:
  explicit Planner(Ctx& c) : c_(c) { c_.out.monitoring.reserve(kTypicalItems); }

  // Adds `test` due `interval` after its latest result (now, when never done). A test
  // already planned by an earlier (more urgent) phase keeps the shorter interval.
  void add(const std::string& test, Seconds interval, std::string_view rule,
           std::optional<Instant> not_before = std::nullopt) {
    auto analyte = model::analyte_from_name(test);
    if (!analyte) return;
    const auto& results = c_.labs(*analyte);
    std::optional<Instant> last;
    if (!results.empty()) last = results.back()->time;
    Instant due = last ? *last + interval : c_.as_of;
    if (not_before && (!last || *last < *not_before)) due = std::max(due, *not_before);
    for (auto& item : c_.out.monitoring)
      if (item.test == test) {
        if (due < item.due) {
          item.due = due;
          item.interval_h = static_cast<double>(interval.count()) / 3600.0;
          item.overdue = due < c_.as_of;
          item.why = c_.prov(rule);
        }
        return;
      }
    MonitoringItem item;
    item.test = test;
    item.last = last;
    item.due = due;
    item.interval_h = static_cast<double>(interval.count()) / 3600.0;
    item.overdue = due < c_.as_of;
    item.why = c_.prov(rule);
    c_.out.monitoring.push_back(std::move(item));
  }

  void add_all(const std::vector<std::string>& tests, Seconds interval, std::string_view rule) {
    for (const auto& t : tests) add(t, interval, rule);
  }

 private:
  static constexpr std::size_t kTypicalItems = 16;  // every phase together stays below this
  Ctx& c_;
};

bool recently_transfused(const Ctx& c, Seconds window) {
  return std::any_of(c.rec.procedures.begin(), c.rec.procedures.end(), [&](const auto& e) {
    return e.status == model::ProcedureStatus::done && e.start && *e.start <= c.as_of &&
           c.as_of - *e.start <= window && c.in_list("MON-1", "transfusion_products", e.code);
  });
}

}  // namespace

void plan_monitoring(Ctx& c) {
  const auto& P = c.p;
  const Report& r = c.out;
  Planner plan(c);
  const bool kmp = r.kmp_status == KmpStatus::present || r.kmp_status == KmpStatus::suspected;

  if (r.urgency == Urgency::emergent) {  // MON-1
    const bool tight =
        c.acute("active-bleeding") ||
        recently_transfused(c, seconds_of_hours(P.num("MON-1", "transfusion_recent")));
    plan.add_all(P.list("MON-1", "tests"),
                 seconds_of_hours(P.num("MON-1", tight ? "every_bleeding" : "every")), "MON-1");
  }
  if (kmp) {  // MON-2: twice weekly in the first weeks of therapy, weekly after
    bool early =
        !r.response || !r.response->therapy_start ||
        days_between(*r.response->therapy_start, date_of(c.as_of)) < P.num("MON-2", "first_period");
    plan.add_all(P.list("MON-2", "tests"),
                 seconds_of_hours(P.num("MON-2", early ? "every_first" : "every_after")), "MON-2");
  }
  if (const auto* sirolimus = c.latest_active("sirolimus")) {  // MON-3
    const bool infant = c.corrected_age_days < P.num("MON-3", "infant_below");
    const Instant first_trough =
        *sirolimus->start +
        seconds_of_days(P.num("MON-3", infant ? "first_trough_infant" : "first_trough"));
    plan.add("sirolimus_level", seconds_of_days(P.num("MON-3", "trough_every")), "MON-3",
             first_trough);
    const Instant first = *c.first_start("sirolimus");  // set: sirolimus is active
    const bool early_months =
        c.as_of - first < seconds_of_days(P.num("MON-3", "safety_first_period"));
    plan.add_all(
        P.list("MON-3", "safety_tests"),
        seconds_of_days(P.num("MON-3", early_months ? "safety_every_first" : "safety_every_after")),
        "MON-3");
  }
  if (c.active("corticosteroid"))  // MON-4
    plan.add_all(P.list("MON-4", "tests"), seconds_of_days(P.num("MON-4", "every")), "MON-4");
  if (r.regimen == Regimen::observation && c.age_days < P.num("MON-5", "below_age"))  // MON-5
    plan.add_all(P.list("MON-5", "tests"), seconds_of_days(P.num("MON-5", "every")), "MON-5");

  // Overdue first, then by due time, so the list reads as a to-do list.
  std::stable_sort(c.out.monitoring.begin(), c.out.monitoring.end(),
                   [](const MonitoringItem& a, const MonitoringItem& b) {
                     if (a.overdue != b.overdue) return a.overdue;
                     return a.due < b.due;
                   });
}

}  // namespace khe::engine

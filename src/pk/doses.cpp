#include "pk/doses.h"

#include <algorithm>
#include <cmath>

namespace khe::pk {

Hours hours_since(Instant origin, Instant t) {
  return std::chrono::duration_cast<Hours>(t - origin);
}

namespace {

bool oral(const std::string& route) {
  return route.empty() || route == "oral" || route.find("oral") != std::string::npos ||
         route == "26643006" || route == "po";
}

struct Planned {
  Instant start{};
  Instant stop{};
  double interval_h = 0.0;
  Milligrams dose{0.0};
  int priority = 0;  // request 0, statement 1
  std::size_t order = 0;
};

}  // namespace

Result<DoseHistory> dose_history(const model::Record& record, Instant as_of,
                                 const DoseHistoryOptions& options) {
  using model::MedicationSource;
  using model::MedicationStatus;
  DoseHistory h;
  struct Timed {
    Instant time{};
    Milligrams dose{0.0};
    double ss_interval_h = 0.0;  // > 0: planned dose (its course interval)
  };
  std::vector<Timed> admins;
  std::vector<Planned> courses;
  for (std::size_t i = 0; i < record.medications.size(); ++i) {
    const model::MedicationCourse& m = record.medications[i];
    if (m.drug != options.drug) continue;
    const std::string what = "medication " + std::to_string(i);
    if (m.status == MedicationStatus::planned || m.status == MedicationStatus::on_hold) {
      h.notes.push_back(what + ": planned or on hold, not counted");
      continue;
    }
    if (!oral(m.route)) {
      h.notes.push_back(what + ": route '" + m.route + "' is not oral, not counted");
      continue;
    }
    if (!m.start || !m.dose || !std::isfinite(m.dose->value) || m.dose->value < 0) {
      h.notes.push_back(what + ": no time or dose, not counted");
      continue;
    }
    if (m.source_kind == MedicationSource::administration) {
      if (*m.start <= as_of) admins.push_back({*m.start, *m.dose, 0.0});
      continue;
    }
    if (!m.interval_h || !std::isfinite(*m.interval_h) || *m.interval_h <= 0) {
      h.notes.push_back(what + ": no dosing interval, not counted");
      continue;
    }
    Planned p;
    p.start = *m.start;
    p.stop = m.end ? std::min(*m.end, as_of + Seconds(1)) : as_of + Seconds(1);
    p.interval_h = *m.interval_h;
    p.dose = *m.dose;
    p.priority = m.source_kind == MedicationSource::request ? 0 : 1;
    p.order = i;
    courses.push_back(p);
  }
  std::stable_sort(courses.begin(), courses.end(), [](const Planned& a, const Planned& b) {
    if (a.start != b.start) return a.start < b.start;
    return a.priority < b.priority;
  });
  std::vector<Timed> planned;
  for (std::size_t c = 0; c < courses.size(); ++c) {
    const Planned& p = courses[c];
    Instant stop = p.stop;
    // A later course supersedes this one from its start; at equal start the first in
    // priority order (a request) is kept and the others are empty.
    for (std::size_t n = c + 1; n < courses.size(); ++n)
      if (courses[n].start > p.start) stop = std::min(stop, courses[n].start);
    if (c > 0 && courses[c - 1].start == p.start) {
      h.notes.push_back("medication " + std::to_string(p.order) +
                        ": same start as another course, superseded");
      continue;
    }
    const double tau_s = p.interval_h * 3600.0;
    for (std::size_t k = 0;; ++k) {
      Instant t = p.start + Seconds(static_cast<std::int64_t>(std::llround(double(k) * tau_s)));
      if (t >= stop) break;
      if (planned.size() >= options.max_doses)
        return Error{"pk/doses", "more than " + std::to_string(options.max_doses) + " doses"};
      planned.push_back({t, p.dose, p.interval_h});
    }
  }
  std::vector<Timed> all = admins;
  for (const Timed& d : planned) {
    const auto half = Seconds(static_cast<std::int64_t>(std::llround(d.ss_interval_h * 1800.0)));
    bool replaced = std::any_of(admins.begin(), admins.end(), [&](const Timed& a) {
      return a.time >= d.time - half && a.time < d.time + half;
    });
    if (!replaced) all.push_back(d);
  }
  std::stable_sort(all.begin(), all.end(),
                   [](const Timed& a, const Timed& b) { return a.time < b.time; });
  h.origin = all.empty() ? as_of : all.front().time;
  for (std::size_t i = 0; i < all.size(); ++i) {
    Dose d{hours_since(h.origin, all[i].time), all[i].dose};
    if (i == 0 && options.steady_state_at_start && all[i].ss_interval_h > 0)
      d.steady_state_interval = Hours(all[i].ss_interval_h);
    h.doses.push_back(d);
  }
  return h;
}

}  // namespace khe::pk

// The course of treatment as data (COURSE-1): therapy episodes built from every medication
// record without double counting, and the timeline the course chart draws (series,
// thresholds, sirolimus target bands, transfusions). Decides nothing clinical itself: the
// thresholds and bands are the rules' own parameters.
#include <algorithm>

#include "engine/rules.h"

namespace khe::engine {
namespace {

using model::MedicationCourse;
using model::MedicationSource;

bool is_administration(const MedicationCourse& m) {
  return m.source_kind == MedicationSource::administration;
}

// One record placed on the time axis: [from, to]. `open` when the record says the drug is
// still given at as-of and no later record of the same drug supersedes it.
struct Span {
  const MedicationCourse* m = nullptr;
  Instant from{};
  Instant to{};
  bool open = false;
};

// The spans of one drug's records, oldest first. A course record that is still active is
// superseded by the next course record of the same drug (a dose change or a stop recorded
// as a new request or statement), so an old request nobody closed does not run forever.
std::vector<Span> spans_of(const Ctx& c, std::vector<const MedicationCourse*> records) {
  std::stable_sort(records.begin(), records.end(),
                   [](auto* a, auto* b) { return *a->start < *b->start; });
  std::vector<Span> spans;
  for (std::size_t i = 0; i < records.size(); ++i) {
    const MedicationCourse& m = *records[i];
    Span s{&m, *m.start, *m.start, false};
    if (is_administration(m)) {
      s.open = c.course_active(m);
    } else if (c.course_active(m)) {
      const MedicationCourse* next = nullptr;
      for (std::size_t j = i + 1; j < records.size() && !next; ++j)
        if (!is_administration(*records[j])) next = records[j];
      s.open = next == nullptr;
      s.to = next ? *next->start : c.as_of;
    } else if (m.end) {
      s.to = std::min(std::max(*m.end, *m.start), c.as_of);
    }
    spans.push_back(s);
  }
  return spans;
}

bool same_dose(const DoseStep& a, const MedicationCourse& m) {
  auto eq = [](const auto& x, const auto& y) {
    return x.has_value() == y.has_value() && (!x || *x == *y);
  };
  return eq(a.dose, m.dose) && eq(a.interval_h, m.interval_h);
}

// Dose steps: from the course records when there are any (administrations confirm that
// doses were given), else from the administrations themselves.
std::vector<DoseStep> dose_steps(const std::vector<Span>& group) {
  const bool has_course = std::any_of(group.begin(), group.end(),
                                      [](const Span& s) { return !is_administration(*s.m); });
  std::vector<DoseStep> steps;
  steps.reserve(group.size());
  for (const Span& s : group) {
    const MedicationCourse& m = *s.m;
    if (has_course == is_administration(m)) continue;
    if (!m.dose && !m.interval_h && !steps.empty()) continue;  // silent about the dose
    if (!steps.empty() && same_dose(steps.back(), m)) continue;
    steps.push_back(DoseStep{*m.start, m.dose, m.interval_h});
  }
  return steps;
}

TherapyEpisode episode_of(const Ctx& c, const std::string& drug, const std::vector<Span>& group) {
  TherapyEpisode e;
  e.drug = drug;
  e.resources.reserve(group.size());
  e.counts_for_therapy_start = c.kmp_directed(drug);
  e.start = group.front().from;
  bool open = false;
  Instant end = group.front().to;
  for (const Span& s : group) {
    open = open || s.open;
    end = std::max(end, s.to);
    if (is_administration(*s.m)) ++e.administrations;
    e.resources.push_back(s.m->source.resource);
  }
  if (!open) e.end = end;
  e.doses = dose_steps(group);
  return e;
}

}  // namespace

void build_episodes(Ctx& c) {
  const Seconds gap = seconds_of_days(c.p.num("COURSE-1", "merge_gap"));
  std::vector<const MedicationCourse*> given;
  for (const auto& m : c.rec.medications)
    if (m.start && *m.start <= c.as_of && m.status != model::MedicationStatus::planned)
      given.push_back(&m);
  std::stable_sort(given.begin(), given.end(), [](auto* a, auto* b) { return a->drug < b->drug; });
  for (auto first = given.begin(); first != given.end();) {
    auto last =
        std::find_if(first, given.end(), [&](auto* m) { return m->drug != (*first)->drug; });
    const std::string& drug = (*first)->drug;
    std::vector<Span> spans = spans_of(c, {first, last});
    first = last;
    std::vector<Span> group;
    Instant reach{};
    for (const Span& s : spans) {
      if (!group.empty() && s.from > reach + gap) {
        c.out.therapy.push_back(episode_of(c, drug, group));
        group.clear();
      }
      reach = group.empty() ? s.to : std::max(reach, s.to);
      group.push_back(s);
    }
    if (!group.empty()) c.out.therapy.push_back(episode_of(c, drug, group));
  }
  std::stable_sort(c.out.therapy.begin(), c.out.therapy.end(),
                   [](const TherapyEpisode& a, const TherapyEpisode& b) {
                     return a.start != b.start ? a.start < b.start : a.drug < b.drug;
                   });
}

namespace {

void build_series(Ctx& c) {
  const auto& names = c.p.list("COURSE-1", "chart_analytes");
  c.out.timeline.series.reserve(names.size());
  for (const auto& name : names) {
    auto a = model::analyte_from_name(name);
    if (!a) continue;  // the knowledge loader validates names; an unknown one draws nothing
    Series s;
    s.analyte = name;
    s.unit = c.kb.codes.analyte(*a).canonical_unit;
    s.points.reserve(c.labs(*a).size());
    for (const LabResult* l : c.labs(*a)) {
      bool confounded = *a == Analyte::platelets    ? c.platelet_confounded(*l)
                        : *a == Analyte::fibrinogen ? c.fibrinogen_confounded(*l)
                                                    : false;
      s.points.push_back(SeriesPoint{l->time, l->value, confounded});
    }
    c.out.timeline.series.push_back(std::move(s));
  }
}

void build_thresholds(Ctx& c) {
  struct Line {
    const char* analyte;
    const char* rule;
    const char* param;
    const char* meaning;
  };
  static constexpr Line kLines[] = {
      {"platelets", "KMP-1", "response_above", "response"},
      {"platelets", "KMP-2", "severe_below", "severe"},
      {"fibrinogen", "KMP-3", "fibrinogen_below", "low"},
      {"fibrinogen", "KMP-3", "severe_fibrinogen_below", "severe"},
  };
  for (const Line& l : kLines)
    c.out.timeline.thresholds.push_back(
        ThresholdLine{l.analyte, c.p.num(l.rule, l.param), l.meaning, c.prov(l.rule)});
}

// The TARGET-1 range in force at each time since sirolimus began. KMP is taken as present
// from a count below the KMP-1 threshold (a transfused count can show worsening, §2) until
// a non-confounded count above it; without KMP the long-term range follows after
// `long_term_after`. The stretch that reaches as-of takes the phase the trough assessment
// uses, so the chart and the report never disagree about today's target.
void build_target_bands(Ctx& c) {
  const auto first = c.first_start("sirolimus");
  if (!first || *first >= c.as_of) return;
  const auto& P = c.p;
  const Instant long_term = *first + seconds_of_days(P.num("TARGET-1", "long_term_after"));
  const double kmp_below = P.num("KMP-1", "present_below");
  const std::string& long_term_range = P.text("TARGET-1", "long_term_range");
  static const std::string kKmp = "kmp", kNoKmp = "no_kmp";
  auto phase_at = [&](bool kmp, Instant t) -> const std::string& {
    return kmp ? kKmp : t >= long_term ? long_term_range : kNoKmp;
  };

  bool kmp = c.out.response && c.out.response->therapy_start;  // KMP at day 0
  std::vector<std::pair<Instant, std::string>> marks;          // phase from this instant
  auto mark = [&](Instant t) {
    const std::string& phase = phase_at(kmp, t);
    if (marks.empty() || marks.back().second != phase) marks.emplace_back(t, phase);
  };
  mark(*first);
  bool long_term_marked = false;
  for (const LabResult* l : c.labs(Analyte::platelets)) {
    if (l->time <= *first) continue;
    if (!long_term_marked && l->time > long_term) {
      mark(long_term);
      long_term_marked = true;
    }
    if (below(l->value, kmp_below).value_or(false))
      kmp = true;
    else if (!c.platelet_confounded(*l) && !below(l->value, kmp_below).value_or(true))
      kmp = false;
    mark(l->time);
  }
  if (!long_term_marked && c.as_of > long_term) mark(long_term);

  const std::string today = target_phase(c, *first);
  if (marks.back().second != today) marks.back().second = today;
  c.out.timeline.target_bands.reserve(marks.size());
  for (std::size_t i = 0; i < marks.size(); ++i) {
    const Instant from = marks[i].first;
    const Instant to = i + 1 < marks.size() ? marks[i + 1].first : c.as_of;
    if (to <= from) continue;
    const auto& range = P.numbers("TARGET-1", marks[i].second);
    c.out.timeline.target_bands.push_back(
        TargetBand{from, to, range.front(), range.back(), marks[i].second, c.prov("TARGET-1")});
  }
}

void build_events(Ctx& c) {
  for (const auto& proc : c.rec.procedures)
    if (proc.status == model::ProcedureStatus::done && proc.start && *proc.start <= c.as_of)
      c.out.timeline.events.push_back(CourseEvent{proc.code, *proc.start, proc.source});
  std::stable_sort(c.out.timeline.events.begin(), c.out.timeline.events.end(),
                   [](const CourseEvent& a, const CourseEvent& b) { return a.time < b.time; });
}

}  // namespace

void build_timeline(Ctx& c) {
  build_series(c);
  build_thresholds(c);
  build_target_bands(c);
  build_events(c);
}

}  // namespace khe::engine

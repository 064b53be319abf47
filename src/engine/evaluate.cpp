#include "engine/evaluate.h"

#include <algorithm>

#include "engine/rules.h"

namespace khe::engine {

#ifndef KHE_ENGINE_VERSION
#define KHE_ENGINE_VERSION "0.0.0-dev"
#endif

const char* engine_version() { return KHE_ENGINE_VERSION; }

Report evaluate(const model::Record& record, const knowledge::Knowledge& knowledge,
                const knowledge::Profile& profile, Instant as_of, const EvaluateOptions& options) {
  Report report;
  report.engine_version = engine_version();
  report.knowledge_version = knowledge.version;
  report.profile = profile.id;
  report.as_of = as_of;
  Ctx c(record, knowledge, profile, as_of, report, options);
  report.age_days = c.age_days;
  report.corrected_age_days = c.corrected_age_days;

  data_quality(c);
  classify_diagnosis(c);
  Assessment a = assess(c);
  build_episodes(c);
  compute_response(c);
  assess_lesion(c);
  assess_urgency(c, a);
  recommend(c, a);
  compute_doses(c);
  assess_trough(c);
  plan_monitoring(c);
  grade_adverse_events(c);
  build_timeline(c);
  drug_safety(c, a);
  supportive_care(c, a);
  newer_values_refused(c);

  // Alerts: most severe first, then by code, so the order never depends on rule order.
  std::stable_sort(report.alerts.begin(), report.alerts.end(), [](const Alert& x, const Alert& y) {
    if (x.severity != y.severity) return x.severity > y.severity;
    return x.code < y.code;
  });
  return report;
}

}  // namespace khe::engine

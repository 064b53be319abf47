// Lesion response (RESP-2): percent change of the lesion's largest diameter from its
// baseline at therapy start, with the profile's categories. Runs after compute_response,
// whose day 0 it needs; without a day 0 there is no baseline and nothing to say.
#include "engine/rules.h"

namespace khe::engine {
namespace {

bool plain(const Measured& m) { return m.comparator == model::Comparator::none; }

}  // namespace

void assess_lesion(Ctx& c) {
  auto& resp = c.out.response;
  if (!resp || !resp->therapy_start) return;
  const auto& P = c.p;
  const Date day0 = *resp->therapy_start;
  const Instant end_of_day0 = start_of(day0 + std::chrono::days(1));
  const Instant baseline_until =
      end_of_day0 + seconds_of_days(P.num("RESP-2", "baseline_after_start"));

  // Baseline: the latest size on or before day 0, else the first one soon after it.
  const LabResult* baseline = nullptr;
  for (const LabResult* l : c.labs(Analyte::lesion_diameter)) {
    if (!plain(l->value)) continue;  // "< 1 cm" cannot anchor a percent change
    if (l->time < end_of_day0)
      baseline = l;
    else if (!baseline && l->time < baseline_until)
      baseline = l;
  }
  if (!baseline || baseline->value.value <= 0) return;

  const LabResult* latest = nullptr;
  for (const LabResult* l : c.labs(Analyte::lesion_diameter))
    if (plain(l->value) && l->time > baseline->time && l->time >= end_of_day0) latest = l;
  if (!latest) return;

  LesionResponse lr;
  lr.baseline = baseline->value;
  lr.baseline_time = baseline->time;
  lr.latest = latest->value;
  lr.latest_time = latest->time;
  lr.change_percent = (latest->value.value - baseline->value.value) / baseline->value.value * 100;
  lr.category = latest->value.value <= 0                                          ? "resolved"
                : lr.change_percent <= P.num("RESP-2", "regression_at_or_below")  ? "regression"
                : lr.change_percent >= P.num("RESP-2", "progression_at_or_above") ? "progression"
                                                                                  : "stable";
  lr.why = c.prov("RESP-2");
  c.use_value("lesion_diameter_baseline", *baseline, false);
  c.finding("RESP-2", "Lesion largest diameter " + fmt_num(baseline->value.value) + " -> " +
                          fmt_num(latest->value.value) + " cm (" +
                          (lr.change_percent > 0 ? "+" : "") + fmt_num(lr.change_percent, 0) +
                          "%): " + lr.category + ".");
  resp->lesion = std::move(lr);
}

}  // namespace khe::engine

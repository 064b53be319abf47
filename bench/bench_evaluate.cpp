// Throughput of `khe evaluate` on one realistic record, against the floor set by JSON
// parsing alone. The input is generated in memory, deterministically: one KHE infant with
// 200 Observations over 60 days and 5 MedicationStatements.
//
// The TwoYear benchmarks (end of file) measure a child followed for two years (about 400
// labs and 30 medication changes, tests/tools/synth_course.h) and what the course stages
// add to the evaluation of the current time point.
#include <benchmark/benchmark.h>
#include <simdjson.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <ctime>
#include <optional>
#include <stdexcept>
#include <string>

#include "../tests/tools/synth_course.h"
#include "core/time.h"
#include "engine/evaluate.h"
#include "engine/rules.h"
#include "fhir/reader.h"
#include "knowledge/knowledge.h"
#include "write/html_writer.h"
#include "write/json_writer.h"

namespace {

using namespace khe;

const Instant kAsOf = start_of(Date(std::chrono::year{2026} / 8 / 3)) + hours(12);
const std::string kPatientRef = R"("subject":{"reference":"Patient/bench-1"})";

std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", v);
  return buf;
}

class BundleBuilder {
 public:
  void add(const std::string& resource) {
    out_ += (count_++ ? ",\n" : "") + std::string(R"({"resource":)") + resource + "}";
  }
  void observation(const std::string& loinc, double value, const std::string& ucum, Instant t) {
    const std::string id = "obs-" + std::to_string(count_);
    add(R"({"resourceType":"Observation","id":")" + id + R"(","status":"final",)" + kPatientRef +
        R"(,"code":{"coding":[{"system":"http://loinc.org","code":")" + loinc +
        R"("}]},"effectiveDateTime":")" + format_instant(t) + R"(","valueQuantity":{"value":)" +
        num(value) + R"(,"unit":")" + ucum + R"(","system":"http://unitsofmeasure.org","code":")" +
        ucum + R"("}})");
  }
  void medication(const std::string& rxnorm, const std::string& name, double mg, int period_h,
                  const std::string& start) {
    add(R"({"resourceType":"MedicationStatement","id":"med-)" + name + R"(","status":"active",)" +
        kPatientRef +
        R"(,"medicationCodeableConcept":{"coding":[{"system":"http://www.nlm.nih.gov/research/umls/rxnorm","code":")" +
        rxnorm + R"("}],"text":")" + name + R"("},"effectivePeriod":{"start":")" + start +
        R"("},"dosage":[{"timing":{"repeat":{"frequency":1,"period":)" + std::to_string(period_h) +
        R"(,"periodUnit":"h"}},"route":{"text":"oral"},)" +
        R"("doseAndRate":[{"doseQuantity":{"value":)" + num(mg) +
        R"(,"unit":"mg","system":"http://unitsofmeasure.org","code":"mg"}}]}]})");
  }
  std::string finish() const {
    return R"({"resourceType":"Bundle","type":"collection","entry":[)"
           "\n" +
           out_ + "\n]}\n";
  }
  int count() const { return count_; }

 private:
  std::string out_;
  int count_ = 0;
};

// 200 Observations: platelets 60, fibrinogen 40, D-dimer 30, Hb 30, weight 15, height 10,
// sirolimus troughs 15 — every day for 60 days with a recovering KMP course.
std::string make_bundle() {
  BundleBuilder b;
  b.add(R"({"resourceType":"Patient","id":"bench-1","gender":"female","birthDate":"2026-04-01"})");
  b.add(
      R"({"resourceType":"Condition","id":"dx-1",)" + kPatientRef +
      R"(,"verificationStatus":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/condition-ver-status","code":"confirmed"}]},"code":{"coding":[{"system":"http://khe-cds.org/fhir/CodeSystem/diagnosis","code":"khe"}]}})");
  const Instant day0 = kAsOf - days(60);
  auto at = [&](int i, int n) { return day0 + Seconds(60LL * 86400 * i / n) + hours(1); };
  for (int i = 0; i < 60; ++i) b.observation("777-3", 15 + 2.5 * i, "10*9/L", at(i, 60));
  for (int i = 0; i < 40; ++i) b.observation("3255-7", 60 + 3.0 * i, "mg/dL", at(i, 40));
  for (int i = 0; i < 30; ++i) b.observation("48065-7", 12.0 - 0.35 * i, "mg/L", at(i, 30));
  for (int i = 0; i < 30; ++i) b.observation("718-7", 8.5 + 0.08 * i, "g/dL", at(i, 30));
  for (int i = 0; i < 15; ++i) b.observation("29463-7", 5.2 + 0.04 * i, "kg", at(i, 15));
  for (int i = 0; i < 10; ++i) b.observation("8306-3", 57 + 0.4 * i, "cm", at(i, 10));
  for (int i = 0; i < 15; ++i) b.observation("29247-4", 6 + 0.4 * i, "ng/mL", at(i, 15));
  const std::string start = format_date(date_of(day0));
  b.medication("35302", "sirolimus", 0.24, 12, start);
  b.medication("8638", "prednisolone", 10, 24, start);
  b.medication("8787", "propranolol", 2, 8, start);
  b.medication("1191", "aspirin", 5, 24, start);
  b.medication("6902", "methylprednisolone", 8, 24, start);
  return b.finish();
}

const std::string& bundle() {
  static const std::string bytes = make_bundle();
  return bytes;
}

const knowledge::Knowledge& default_knowledge() {
  static const knowledge::Knowledge k = [] {
    auto loaded = knowledge::load_default(engine::parameter_specs());
    if (!loaded) throw std::runtime_error(loaded.error().to_string());
    return std::move(loaded).value();
  }();
  return k;
}

void set_counters(benchmark::State& state) {
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(bundle().size()));
  state.SetItemsProcessed(state.iterations());  // one patient per iteration
  state.counters["bundle_bytes"] = static_cast<double>(bundle().size());
}

// (a) The floor: simdjson DOM parse of the same bytes, nothing else.
void BM_RawParse(benchmark::State& state) {
  simdjson::dom::parser parser;
  const simdjson::padded_string padded(bundle());
  for (auto _ : state) {
    simdjson::dom::element doc;
    if (parser.parse(padded).get(doc) != simdjson::SUCCESS) state.SkipWithError("parse failed");
    benchmark::DoNotOptimize(doc);
  }
  set_counters(state);
}
BENCHMARK(BM_RawParse);

// (b) The whole evaluate command in-process: read + evaluate + JSON report.
void BM_Evaluate(benchmark::State& state) {
  const knowledge::Knowledge& k = default_knowledge();
  const knowledge::Profile* profile = k.profile("default");
  fhir::ReadOptions options;
  options.as_of = kAsOf;
  // The generated record must be read in full, or the figure would measure less work.
  const fhir::ReadOutcome check = fhir::read(bundle(), k.codes, options);
  if (!check.record || !check.record->issues.empty() || check.record->labs.size() < 200) {
    state.SkipWithError("bench bundle not fully read: fix the generator");
    return;
  }
  for (auto _ : state) {
    const fhir::ReadOutcome outcome = fhir::read(bundle(), k.codes, options);
    if (!outcome.record) {
      state.SkipWithError("bench bundle refused by the reader");
      break;
    }
    const engine::Report report = engine::evaluate(*outcome.record, k, *profile, kAsOf);
    std::string json = write::to_json(report);
    benchmark::DoNotOptimize(json);
  }
  set_counters(state);
}
BENCHMARK(BM_Evaluate);

// Where (b)'s time goes: each stage alone, on the same record.
void BM_StageRead(benchmark::State& state) {
  const knowledge::Knowledge& k = default_knowledge();
  fhir::ReadOptions options;
  options.as_of = kAsOf;
  for (auto _ : state) {
    fhir::ReadOutcome outcome = fhir::read(bundle(), k.codes, options);
    benchmark::DoNotOptimize(outcome);
  }
  set_counters(state);
}
BENCHMARK(BM_StageRead);

void BM_StageEvaluate(benchmark::State& state) {
  const knowledge::Knowledge& k = default_knowledge();
  fhir::ReadOptions options;
  options.as_of = kAsOf;
  const model::Record record = *fhir::read(bundle(), k.codes, options).record;
  for (auto _ : state) {
    engine::Report report = engine::evaluate(record, k, *k.profile("default"), kAsOf);
    benchmark::DoNotOptimize(report);
  }
  set_counters(state);
}
BENCHMARK(BM_StageEvaluate);

void BM_StageWriteJson(benchmark::State& state) {
  const knowledge::Knowledge& k = default_knowledge();
  fhir::ReadOptions options;
  options.as_of = kAsOf;
  const engine::Report report = engine::evaluate(*fhir::read(bundle(), k.codes, options).record, k,
                                                 *k.profile("default"), kAsOf);
  for (auto _ : state) {
    std::string json = write::to_json(report);
    benchmark::DoNotOptimize(json);
  }
  set_counters(state);
}
BENCHMARK(BM_StageWriteJson);

// ---------------------------------------------------------------------------------------
// Two years of data: does the course cost more than half the core evaluation?

// The stages of engine::evaluate(), in the order of src/engine/evaluate.cpp, each marked as
// core (assesses the current time point) or course (looks back over the treatment). This
// is the one list to keep in sync with evaluate.cpp: BM_TwoYear_Stages refuses to run when
// running it does not give evaluate()'s report byte for byte.
struct Stage {
  const char* name;
  bool course;
  void (*run)(engine::Ctx&, engine::Assessment&);
};

// clang-format off
const Stage kStages[] = {
    {"data_quality",         false, [](engine::Ctx& c, engine::Assessment&) { engine::data_quality(c); }},
    {"classify_diagnosis",   false, [](engine::Ctx& c, engine::Assessment&) { engine::classify_diagnosis(c); }},
    {"assess",               false, [](engine::Ctx& c, engine::Assessment& a) { a = engine::assess(c); }},
    {"build_episodes",       true,  [](engine::Ctx& c, engine::Assessment&) { engine::build_episodes(c); }},
    {"compute_response",     true,  [](engine::Ctx& c, engine::Assessment&) { engine::compute_response(c); }},
    {"assess_lesion",        true,  [](engine::Ctx& c, engine::Assessment&) { engine::assess_lesion(c); }},
    {"assess_urgency",       false, [](engine::Ctx& c, engine::Assessment& a) { engine::assess_urgency(c, a); }},
    {"recommend",            false, [](engine::Ctx& c, engine::Assessment& a) { engine::recommend(c, a); }},
    {"compute_doses",        false, [](engine::Ctx& c, engine::Assessment&) { engine::compute_doses(c); }},
    {"assess_trough",        true,  [](engine::Ctx& c, engine::Assessment&) { engine::assess_trough(c); }},
    {"plan_monitoring",      true,  [](engine::Ctx& c, engine::Assessment&) { engine::plan_monitoring(c); }},
    {"grade_adverse_events", true,  [](engine::Ctx& c, engine::Assessment&) { engine::grade_adverse_events(c); }},
    {"build_timeline",       true,  [](engine::Ctx& c, engine::Assessment&) { engine::build_timeline(c); }},
    {"drug_safety",          false, [](engine::Ctx& c, engine::Assessment& a) { engine::drug_safety(c, a); }},
    {"supportive_care",      false, [](engine::Ctx& c, engine::Assessment& a) { engine::supportive_care(c, a); }},
    {"newer_values_refused", false, [](engine::Ctx& c, engine::Assessment&) { engine::newer_values_refused(c); }},
};
// clang-format on
constexpr std::size_t kStageCount = std::size(kStages);

// What evaluate() does around the stages: the report header, the context, the alert order.
struct Evaluation {
  engine::Report report;
  engine::Ctx ctx;
  engine::Assessment assessment;
  Evaluation(const model::Record& r, const knowledge::Knowledge& k, const knowledge::Profile& p,
             Instant as_of)
      : ctx(r, k, p, as_of, report) {
    report.engine_version = engine::engine_version();
    report.knowledge_version = k.version;
    report.profile = p.id;
    report.as_of = as_of;
    report.age_days = ctx.age_days;
    report.corrected_age_days = ctx.corrected_age_days;
  }
  Evaluation(const Evaluation&) = delete;
  Evaluation& operator=(const Evaluation&) = delete;
  void finish() {
    std::stable_sort(report.alerts.begin(), report.alerts.end(),
                     [](const engine::Alert& x, const engine::Alert& y) {
                       if (x.severity != y.severity) return x.severity > y.severity;
                       return x.code < y.code;
                     });
  }
};

// Runs the core stages, or every stage, as evaluate() would.
engine::Report run_stages(const model::Record& r, const knowledge::Knowledge& k,
                          const knowledge::Profile& p, Instant as_of, bool with_course) {
  Evaluation e(r, k, p, as_of);
  for (const Stage& s : kStages)
    if (with_course || !s.course) s.run(e.ctx, e.assessment);
  e.finish();
  return std::move(e.report);
}

const synth::SynthCourse& two_year_course() {
  static const synth::SynthCourse course = synth::synth_course(synth::SynthOptions{});
  return course;
}

fhir::ReadOutcome read_two_years() {
  fhir::ReadOptions options;
  options.as_of = two_year_course().as_of;
  return fhir::read(two_year_course().bundle, default_knowledge().codes, options);
}

// The record, read once. Empty when the reader did not keep every resource of the
// generated course, which would make every TwoYear figure measure less work.
const std::optional<model::Record>& two_year_record() {
  static const std::optional<model::Record> record = []() -> std::optional<model::Record> {
    const synth::SynthCourse& c = two_year_course();
    fhir::ReadOutcome outcome = read_two_years();
    if (!outcome.record || !outcome.record->issues.empty() ||
        outcome.record->labs.size() !=
            static_cast<std::size_t>(c.labs + c.body_measurements + c.lesion_measurements) ||
        outcome.record->medications.size() !=
            static_cast<std::size_t>(c.medication_changes + c.administrations))
      return std::nullopt;
    return std::move(outcome.record);
  }();
  return record;
}

bool two_year_ready(benchmark::State& state) {
  if (two_year_record()) return true;
  state.SkipWithError("two-year course not fully read: fix tests/tools/synth_course.h");
  return false;
}

void set_two_year_counters(benchmark::State& state) {
  const synth::SynthCourse& c = two_year_course();
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(c.bundle.size()));
  state.SetItemsProcessed(state.iterations());
  state.counters["labs"] = c.labs;
  state.counters["med_changes"] = c.medication_changes;
}

const knowledge::Profile& default_profile() { return *default_knowledge().profile("default"); }

void BM_TwoYear_Read(benchmark::State& state) {
  if (!two_year_ready(state)) return;
  for (auto _ : state) {
    fhir::ReadOutcome outcome = read_two_years();
    benchmark::DoNotOptimize(outcome);
  }
  set_two_year_counters(state);
}
BENCHMARK(BM_TwoYear_Read);

// The core stages only: the current time point, without the course.
void BM_TwoYear_Core(benchmark::State& state) {
  if (!two_year_ready(state)) return;
  const model::Record& record = *two_year_record();
  for (auto _ : state) {
    engine::Report report =
        run_stages(record, default_knowledge(), default_profile(), two_year_course().as_of, false);
    benchmark::DoNotOptimize(report);
  }
  set_two_year_counters(state);
}
BENCHMARK(BM_TwoYear_Core);

// The full engine::evaluate(): core and course.
void BM_TwoYear_Evaluate(benchmark::State& state) {
  if (!two_year_ready(state)) return;
  const model::Record& record = *two_year_record();
  for (auto _ : state) {
    engine::Report report =
        engine::evaluate(record, default_knowledge(), default_profile(), two_year_course().as_of);
    benchmark::DoNotOptimize(report);
  }
  set_two_year_counters(state);
}
BENCHMARK(BM_TwoYear_Evaluate);

// This thread's CPU time in ns: unlike a wall clock, it does not count the time the
// thread waits while other work runs on a busy machine.
double thread_cpu_ns() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e9 + static_cast<double>(ts.tv_nsec);
}

// What one thread_cpu_ns() call costs, to be taken off each stage's time.
double clock_cost_ns() {
  double best = 1e9;
  for (int i = 0; i < 1000; ++i) {
    const double t0 = thread_cpu_ns();
    best = std::min(best, thread_cpu_ns() - t0);
  }
  return best;
}

// Each stage timed on its own inside one evaluation (this thread's CPU time around each
// call, less the cost of reading that clock): per-stage ns per evaluation, the core and
// course totals (the core includes building the context, once per evaluation; freeing the
// report, free_report, is in neither) and course_over_core, the figure the issue sets at
// most 0.5. /course:0 runs the core stages
// only, as BM_TwoYear_Core does. Checks first that kStages is evaluate.cpp's list.
void BM_TwoYear_Stages(benchmark::State& state) {
  if (!two_year_ready(state)) return;
  const model::Record& record = *two_year_record();
  const knowledge::Knowledge& k = default_knowledge();
  const Instant as_of = two_year_course().as_of;
  if (write::to_json(run_stages(record, k, default_profile(), as_of, true)) !=
      write::to_json(engine::evaluate(record, k, default_profile(), as_of))) {
    state.SkipWithError("kStages is out of step with src/engine/evaluate.cpp: update the list");
    return;
  }
  const bool with_course = state.range(0) != 0;
  const double cost = clock_cost_ns();
  std::array<double, kStageCount> stage_ns{};
  double context_ns = 0, teardown_ns = 0;
  for (auto _ : state) {
    std::optional<Evaluation> e;
    double t0 = thread_cpu_ns();
    e.emplace(record, k, default_profile(), as_of);
    double t1 = thread_cpu_ns();
    context_ns += t1 - t0 - cost;
    for (std::size_t i = 0; i < kStageCount; ++i) {
      if (!with_course && kStages[i].course) continue;
      t0 = t1;
      kStages[i].run(e->ctx, e->assessment);
      t1 = thread_cpu_ns();
      stage_ns[i] += std::max(0.0, t1 - t0 - cost);
    }
    e->finish();
    benchmark::DoNotOptimize(e->report);
    t0 = thread_cpu_ns();
    e.reset();  // freeing the report is part of every evaluation's cost
    teardown_ns += thread_cpu_ns() - t0 - cost;
  }
  const double n = static_cast<double>(state.iterations());
  double core = context_ns, course = 0;
  for (std::size_t i = 0; i < kStageCount; ++i) {
    if (!with_course && kStages[i].course) continue;
    (kStages[i].course ? course : core) += stage_ns[i];
    state.counters[kStages[i].name] = stage_ns[i] / n;
  }
  state.counters["ctx"] = context_ns / n;
  state.counters["free_report"] = teardown_ns / n;
  state.counters["core_ns"] = core / n;
  state.counters["course_ns"] = course / n;
  state.counters["course_over_core"] = core > 0 ? course / core : 0;
  state.counters["clock_ns"] = cost;
}
BENCHMARK(BM_TwoYear_Stages)->ArgName("course")->Arg(1)->Arg(0);

void BM_TwoYear_WriteJson(benchmark::State& state) {
  if (!two_year_ready(state)) return;
  const engine::Report report = engine::evaluate(*two_year_record(), default_knowledge(),
                                                 default_profile(), two_year_course().as_of);
  std::size_t bytes = 0;
  for (auto _ : state) {
    std::string json = write::to_json(report);
    bytes = json.size();
    benchmark::DoNotOptimize(json);
  }
  set_two_year_counters(state);
  state.counters["out_bytes"] = static_cast<double>(bytes);
}
BENCHMARK(BM_TwoYear_WriteJson);

void BM_TwoYear_WriteHtml(benchmark::State& state) {
  if (!two_year_ready(state)) return;
  const engine::Report report = engine::evaluate(*two_year_record(), default_knowledge(),
                                                 default_profile(), two_year_course().as_of);
  std::size_t bytes = 0;
  for (auto _ : state) {
    std::string html = write::to_html(report, default_knowledge());
    bytes = html.size();
    benchmark::DoNotOptimize(html);
  }
  set_two_year_counters(state);
  state.counters["out_bytes"] = static_cast<double>(bytes);
}
BENCHMARK(BM_TwoYear_WriteHtml);

// The whole `khe evaluate` in-process on the two-year course: read + evaluate + JSON.
void BM_TwoYear_EndToEnd(benchmark::State& state) {
  if (!two_year_ready(state)) return;
  for (auto _ : state) {
    const fhir::ReadOutcome outcome = read_two_years();
    const engine::Report report = engine::evaluate(*outcome.record, default_knowledge(),
                                                   default_profile(), two_year_course().as_of);
    std::string json = write::to_json(report);
    benchmark::DoNotOptimize(json);
  }
  set_two_year_counters(state);
}
BENCHMARK(BM_TwoYear_EndToEnd);

}  // namespace

BENCHMARK_MAIN();

// Throughput of `khe evaluate` on one realistic record, against the floor set by JSON
// parsing alone. The input is generated in memory, deterministically: one KHE infant with
// 200 Observations over 60 days and 5 MedicationStatements.
#include <benchmark/benchmark.h>
#include <simdjson.h>

#include <cstdio>
#include <stdexcept>
#include <string>

#include "core/time.h"
#include "engine/evaluate.h"
#include "fhir/reader.h"
#include "knowledge/knowledge.h"
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

}  // namespace

BENCHMARK_MAIN();

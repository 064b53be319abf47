// run(): NDJSON split by resource type over files and folders, Bundles, a khe store;
// orphans and unusable lines counted; the input hashed; the same outcomes whatever the
// number of threads, buckets and block size.
#include "cohort/run.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <map>

#include <nlohmann/json.hpp>

#include "cohort/outcome.h"
#include "engine/builder.h"
#include "store/store.h"
#include "support/cohort_gen.h"
#include "support/process.h"

namespace khe::cohort {
namespace {

using json = nlohmann::json;
using test::default_knowledge;
using test_support::make_temp_dir;
using test_support::read_file;
using test_support::write_file;

constexpr const char* kExample = "ex06-khe-on-treatment-durable-response.json";
constexpr const char* kExampleId = "d73ed7e5-c83b-4df3-e711-54c7000ad671";
constexpr int kDurable = static_cast<int>(Endpoint::durable_platelet_response_week4);
constexpr int kTime = static_cast<int>(Endpoint::time_to_platelet_response);

std::string example_path(const char* name) {
  return std::string(KHE_SHARED_DIR) + "/examples/" + name;
}

json example_bundle() { return json::parse(read_file(example_path(kExample))); }

void replace_all(std::string& s, const std::string& from, const std::string& to) {
  for (std::size_t p = s.find(from); p != std::string::npos; p = s.find(from, p + to.size()))
    s.replace(p, from.size(), to);
}

// The example child (sirolimus + prednisolone from 2026-05-01, durable response at week 4)
// as NDJSON lines by resource type, under the id `id`, referring to it as Patient/<id>.
std::map<std::string, std::vector<std::string>> example_lines(const std::string& id,
                                                              bool with_medications = true) {
  std::map<std::string, std::vector<std::string>> by_type;
  const json bundle = example_bundle();
  for (const auto& e : bundle["entry"]) {
    const std::string type = e["resource"]["resourceType"];
    if (!with_medications && type.starts_with("Medication")) continue;
    std::string line = e["resource"].dump();
    replace_all(line, std::string("urn:uuid:") + kExampleId, std::string("Patient/") + kExampleId);
    replace_all(line, kExampleId, id);
    by_type[type].push_back(line);
  }
  return by_type;
}

std::string research_subject(const std::string& patient, const std::string& actual,
                             const std::string& assigned, const std::string& status = "on-study") {
  json rs = {{"resourceType", "ResearchSubject"},
             {"id", "rs-" + patient},
             {"status", status},
             {"study", {{"reference", "ResearchStudy/khe-trial"}}},
             {"individual", {{"reference", "Patient/" + patient}}}};
  if (!actual.empty()) rs["actualArm"] = actual;
  if (!assigned.empty()) rs["assignedArm"] = assigned;
  return rs.dump();
}

Instant as_of() { return test::at("2026-08-03T12:00:00Z"); }

RunOptions options_for(std::vector<std::string> inputs, Grouping by = Grouping::arm) {
  RunOptions o;
  o.inputs = std::move(inputs);
  o.as_of = as_of();
  o.by = by;
  o.threads = 2;
  return o;
}

RunOutput run_ok(const RunOptions& o) {
  const auto& k = default_knowledge();
  auto r = run(o, k, *k.profile("default"));
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().to_string());
  return r.ok() ? std::move(r).value() : RunOutput{};
}

const PatientOutcome* find(const RunOutput& out, const std::string& id) {
  for (const auto& o : out.outcomes)
    if (o.patient_id == id) return &o;
  return nullptr;
}

// A Bulk Data export: one file per type; pa and pb are the example child, pc the same child
// without medications (no therapy start); orphans, a garbage line and a line without
// resourceType mixed in; a README that is not read.
struct Export {
  std::string dir;
  std::string bytes;  // every file's bytes in sorted path order
};

Export bulk_export() {
  Export e;
  e.dir = make_temp_dir("cohort-bulk");
  std::map<std::string, std::string> files;
  for (const auto& [id, meds] :
       std::vector<std::pair<std::string, bool>>{{"pa", true}, {"pb", true}, {"pc", false}})
    for (const auto& [type, lines] : example_lines(id, meds))
      for (const auto& l : lines) files[type + ".ndjson"] += l + "\n";
  files["ResearchSubject.ndjson"] =
      research_subject("pa", "A", "") + "\r\n" + research_subject("pb", "", "B") + "\r\n\r\n";
  files["Observation.ndjson"] +=
      R"({"resourceType":"Observation","id":"ghost-obs","subject":{"reference":"Patient/ghost"}})"
      "\n"
      "this is not JSON {\n"
      R"({"id":"no-type"})"
      "\n";
  files["Practitioner.ndjson"] = R"({"resourceType":"Practitioner","id":"dr1"})"
                                 "\n";
  for (const auto& [name, text] : files) {
    write_file(e.dir + "/" + name, text);
    e.bytes += text;
  }
  write_file(e.dir + "/README.txt", "not an input");
  return e;
}

TEST(CohortRun, BulkExportSplitByType) {
  const Export e = bulk_export();
  const RunOutput out = run_ok(options_for({e.dir}));
  EXPECT_EQ(out.input.files, 6);  // the README is not read
  EXPECT_EQ(out.input.bytes, e.bytes.size());
  EXPECT_EQ(out.input.sha256, test_support::reference_sha256(e.bytes));
  EXPECT_EQ(out.input.patients, 3);
  EXPECT_EQ(out.input.unreadable, 0);
  EXPECT_EQ(out.input.orphans, 2u);  // Observation of Patient/ghost, the Practitioner
  EXPECT_EQ(out.problems, 2u);
  ASSERT_EQ(out.problem_examples.size(), 2u);
  EXPECT_NE(out.problem_examples[0].where.find("Observation.ndjson:"), std::string::npos)
      << out.problem_examples[0].where;
  EXPECT_EQ(out.problem_examples[0].message, "not JSON");
  EXPECT_EQ(out.problem_examples[1].message, "no resourceType");

  ASSERT_EQ(out.outcomes.size(), 3u);
  EXPECT_EQ(out.outcomes[0].patient_id, "pa");
  EXPECT_EQ(out.outcomes[1].patient_id, "pb");
  EXPECT_EQ(out.outcomes[2].patient_id, "pc");
  EXPECT_EQ(out.outcomes[0].group, "A");  // actualArm
  EXPECT_EQ(out.outcomes[1].group, "B");  // assignedArm
  EXPECT_EQ(out.outcomes[2].group, "");
  EXPECT_EQ(out.outcomes[2].no_group, "no ResearchSubject");
  for (int i = 0; i < 2; ++i) {
    EXPECT_EQ(out.outcomes[i].endpoints[kDurable].responder, true);
    ASSERT_TRUE(out.outcomes[i].endpoints[kTime].time);
    EXPECT_EQ(out.outcomes[i].endpoints[kTime].time->time, 21.0);
  }
  EXPECT_EQ(out.outcomes[2].endpoints[kDurable].not_evaluable, kNoTherapyStart);
}

TEST(CohortRun, FilesGivenOneByOneAreHashedInTheOrderGiven) {
  const Export e = bulk_export();
  const std::string a = e.dir + "/Patient.ndjson", b = e.dir + "/Condition.ndjson";
  const RunOutput out = run_ok(options_for({a, b}));
  EXPECT_EQ(out.input.files, 2);
  EXPECT_EQ(out.input.sha256, test_support::reference_sha256(read_file(a) + read_file(b)));
  EXPECT_EQ(out.input.patients, 3);
  // Without observations and medications nobody has a therapy start.
  for (const auto& o : out.outcomes)
    EXPECT_EQ(o.endpoints[kDurable].not_evaluable, kNoTherapyStart);
}

TEST(CohortRun, RegimenGivenGroupsTheExample) {
  const Export e = bulk_export();
  const RunOutput out = run_ok(options_for({e.dir}, Grouping::regimen));
  ASSERT_EQ(out.outcomes.size(), 3u);
  EXPECT_EQ(out.outcomes[0].group, "sirolimus_prednisolone");
  EXPECT_EQ(out.outcomes[2].group, "");
  EXPECT_EQ(out.outcomes[2].no_group, kNoTherapyStart);
  const RunOutput all = run_ok(options_for({e.dir}, Grouping::none));
  for (const auto& o : all.outcomes) EXPECT_EQ(o.group, "all");
}

// One patient's resources in three files, and another's in lines of one mixed file.
TEST(CohortRun, MixedFilesAndAPatientInThreeFiles) {
  const std::string dir = make_temp_dir("cohort-mixed");
  auto lines = example_lines("p1");
  std::string f1, f2, f3;
  f1 += lines["Patient"][0] + "\n";
  for (std::size_t i = 0; i < lines["Observation"].size(); ++i)
    (i % 2 ? f2 : f3) += lines["Observation"][i] + "\n";
  for (const auto& l : lines["Condition"]) f1 += l + "\n";
  for (const auto& l : lines["MedicationStatement"]) f2 += l + "\n";
  f3 += research_subject("p1", "A", "");
  write_file(dir + "/1.ndjson", f1);
  write_file(dir + "/2.jsonl", f2);
  std::filesystem::create_directories(dir + "/sub");
  write_file(dir + "/sub/3.json", f3);  // no final newline; a sub-folder
  const RunOutput out = run_ok(options_for({dir}));
  EXPECT_EQ(out.input.files, 3);
  ASSERT_EQ(out.outcomes.size(), 1u);
  EXPECT_EQ(out.outcomes[0].group, "A");
  EXPECT_EQ(out.outcomes[0].endpoints[kDurable].responder, true);
  EXPECT_EQ(out.problems, 0u);
}

TEST(CohortRun, BundleInputs) {
  const std::string dir = make_temp_dir("cohort-bundles");
  // The example as given (pretty-printed, urn:uuid references), and a Bundle of two more
  // children on one line, one referring by urn:uuid to a Patient without an id.
  write_file(dir + "/a.json", read_file(example_path(kExample)));
  json two = example_bundle();
  json second = example_bundle();
  for (auto& e : second["entry"]) {
    std::string text = e.dump();
    replace_all(text, kExampleId, "second");
    e = json::parse(text);
  }
  second["entry"][0]["resource"].erase("id");  // known only by its fullUrl
  for (const auto& e : second["entry"]) two["entry"].push_back(e);
  write_file(dir + "/b.ndjson", two.dump() + "\n" + research_subject(kExampleId, "A", "") + "\n");
  const RunOutput out = run_ok(options_for({dir + "/a.json", dir + "/b.ndjson"}));
  EXPECT_EQ(out.input.files, 2);
  EXPECT_EQ(out.input.patients, 2);
  EXPECT_EQ(out.input.orphans, 0u);
  EXPECT_EQ(out.problems, 0u);
  ASSERT_EQ(out.outcomes.size(), 2u);
  // The example child twice (file a and file b): the same id, so one patient with both
  // copies of its resources.
  const PatientOutcome* first = find(out, kExampleId);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->group, "A");
  EXPECT_EQ(first->endpoints[kDurable].responder, true) << first->endpoints[kDurable].not_evaluable;
  const PatientOutcome* unnamed = find(out, "urn:uuid:second");
  ASSERT_TRUE(unnamed);
  EXPECT_EQ(unnamed->endpoints[kDurable].responder, true);
  EXPECT_EQ(unnamed->no_group, "no ResearchSubject");
}

TEST(CohortRun, ABundleOfSeveralPatients) {
  const std::string dir = make_temp_dir("cohort-bundle2");
  json two = example_bundle();
  json second = example_bundle();
  for (auto& e : second["entry"]) {
    std::string text = e.dump();
    replace_all(text, kExampleId, "child-2");
    e = json::parse(text);
  }
  for (const auto& e : second["entry"]) two["entry"].push_back(e);
  write_file(dir + "/two.json", two.dump(2));
  const RunOutput out = run_ok(options_for({dir + "/two.json"}, Grouping::regimen));
  ASSERT_EQ(out.outcomes.size(), 2u);
  EXPECT_EQ(out.outcomes[0].patient_id, "child-2");
  for (const auto& o : out.outcomes) {
    EXPECT_EQ(o.group, "sirolimus_prednisolone");
    EXPECT_EQ(o.endpoints[kDurable].responder, true);
  }
}

TEST(CohortRun, StoreInput) {
  const std::string dir = make_temp_dir("cohort-store");
  const std::string db = dir + "/khe.db";
  {
    auto st = store::Store::open(db);
    ASSERT_TRUE(st.ok()) << st.error().to_string();
    for (const std::string id : {"s1", "s2"}) {
      auto lines = example_lines(id);
      std::vector<store::Resource> resources;
      int n = 0;
      for (const auto& [type, list] : lines) {
        if (type == "Patient") continue;
        for (const auto& l : list) {
          json r = json::parse(l);
          r["id"] = id + "-" + std::to_string(n++);
          resources.push_back({type, r["id"], r.dump(2)});  // pretty: the store keeps it so
        }
      }
      auto made = (*st)->create_patient(id, lines["Patient"][0], as_of(), std::nullopt, resources);
      ASSERT_TRUE(made.ok()) << made.error().to_string();
    }
  }
  const RunOutput out = run_ok(options_for({db}, Grouping::regimen));
  EXPECT_EQ(out.input.files, 1);
  EXPECT_EQ(out.input.sha256, test_support::reference_sha256(read_file(db)));
  ASSERT_EQ(out.outcomes.size(), 2u);
  EXPECT_EQ(out.outcomes[0].patient_id, "s1");
  for (const auto& o : out.outcomes) {
    EXPECT_EQ(o.group, "sirolimus_prednisolone");
    EXPECT_EQ(o.endpoints[kDurable].responder, true);
  }
}

TEST(CohortRun, UnreadableRecordIsCountedAndListed) {
  const std::string dir = make_temp_dir("cohort-unreadable");
  write_file(dir + "/p.ndjson", R"({"resourceType":"Patient","id":"nobirth"})"
                                "\n" +
                                    research_subject("nobirth", "A", "") + "\n");
  const RunOutput out = run_ok(options_for({dir}));
  EXPECT_EQ(out.input.unreadable, 1);
  ASSERT_EQ(out.outcomes.size(), 1u);
  EXPECT_EQ(out.outcomes[0].group, "A");
  EXPECT_TRUE(out.outcomes[0].endpoints[kDurable].not_evaluable.starts_with("record unreadable"))
      << out.outcomes[0].endpoints[kDurable].not_evaluable;
}

TEST(CohortRun, MissingInputIsAnError) {
  const auto& k = default_knowledge();
  auto r = run(options_for({"/nonexistent/export.ndjson"}), k, *k.profile("default"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().where, "/nonexistent/export.ndjson");
}

TEST(CohortRun, EmptyInputGivesNoPatients) {
  const std::string dir = make_temp_dir("cohort-empty");
  write_file(dir + "/empty.ndjson", "");
  write_file(dir + "/blank.ndjson", "\n\n  \n");
  const RunOutput out = run_ok(options_for({dir}));
  EXPECT_EQ(out.input.files, 2);
  EXPECT_TRUE(out.outcomes.empty());
  EXPECT_EQ(out.problems, 0u);
}

TEST(CohortRun, ProgressReportsBothPhases) {
  const Export e = bulk_export();
  std::vector<Progress> seen;
  const auto& k = default_knowledge();
  auto r = run(options_for({e.dir}), k, *k.profile("default"),
               [&](const Progress& p) { seen.push_back(p); });
  ASSERT_TRUE(r.ok());
  ASSERT_GE(seen.size(), 2u);
  EXPECT_EQ(std::string(seen.front().phase), "reading");
  EXPECT_TRUE(seen.front().unit_is_bytes);
  EXPECT_EQ(std::string(seen.back().phase), "evaluating");
  EXPECT_FALSE(seen.back().unit_is_bytes);
  EXPECT_EQ(seen.back().done, 3u);
  EXPECT_EQ(seen.back().total, 3u);
}

void expect_same(const std::vector<PatientOutcome>& a, const std::vector<PatientOutcome>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].patient_id, b[i].patient_id);
    EXPECT_EQ(a[i].group, b[i].group);
    for (int e = 0; e < kEndpointCount; ++e) {
      EXPECT_EQ(a[i].endpoints[e].responder, b[i].endpoints[e].responder);
      EXPECT_EQ(a[i].endpoints[e].not_evaluable, b[i].endpoints[e].not_evaluable);
      EXPECT_EQ(a[i].endpoints[e].time.has_value(), b[i].endpoints[e].time.has_value());
      if (a[i].endpoints[e].time && b[i].endpoints[e].time) {
        EXPECT_EQ(a[i].endpoints[e].time->time, b[i].endpoints[e].time->time);
        EXPECT_EQ(a[i].endpoints[e].time->event, b[i].endpoints[e].time->event);
      }
    }
  }
}

// A generated export (tests/support/cohort_gen): the outcomes match the generator's truth,
// and neither threads, buckets nor the block size change them.
TEST(CohortRun, GeneratedCohortSameOutcomesWhateverTheThreads) {
  cohort_gen::Options g;
  g.arms = {{"sirolimus_prednisolone", 14, 12}, {"sirolimus", 13, 8}};
  g.interleave = true;
  g.interleave_window = 8;
  g.out_dir = make_temp_dir("cohort-gen");
  auto summary = cohort_gen::generate(g);
  ASSERT_TRUE(summary.ok()) << summary.error().to_string();
  RunOptions o = options_for({g.out_dir});
  o.as_of = parse_fhir_datetime(summary->as_of).value().start;
  o.threads = 1;
  const RunOutput one = run_ok(o);
  ASSERT_EQ(one.outcomes.size(), 27u);
  EXPECT_EQ(one.input.orphans, 0u);
  EXPECT_EQ(one.problems, 0u);
  std::map<std::string, const cohort_gen::PatientTruth*> truth;
  for (const auto& t : summary->truth) truth[t.id] = &t;
  for (const auto& out : one.outcomes) {
    ASSERT_TRUE(truth.count(out.patient_id)) << out.patient_id;
    const auto& t = *truth[out.patient_id];
    EXPECT_EQ(out.group, t.arm);
    EXPECT_EQ(out.endpoints[kDurable].responder, t.durable_week4) << t.pattern;
  }
  for (auto [threads, buckets, block] : std::vector<std::tuple<int, int, std::size_t>>{
           {4, 0, 8u << 20}, {4, 1, 8u << 20}, {3, 7, 4096}, {1, 3, 5000}}) {
    RunOptions v = o;
    v.threads = threads;
    v.buckets = buckets;
    v.block_bytes = block;
    const RunOutput other = run_ok(v);
    SCOPED_TRACE(testing::Message()
                 << threads << " threads, " << buckets << " buckets, " << block << " bytes");
    EXPECT_EQ(other.input.sha256, one.input.sha256);
    EXPECT_EQ(other.input.resources, one.input.resources);
    expect_same(one.outcomes, other.outcomes);
  }
}

// An export grouped by patient (lines of a child next to each other: read in spans) and the
// same export interleaved (each line read alone) give the same outcomes.
TEST(CohortRun, GroupedAndInterleavedExportsGiveTheSameOutcomes) {
  cohort_gen::Options g;
  g.arms = {{"sirolimus_prednisolone", 9, 7}, {"sirolimus", 9, 5}};
  g.observations_per_patient = 30;
  g.out_dir = make_temp_dir("cohort-grouped");
  auto grouped = cohort_gen::generate(g);
  ASSERT_TRUE(grouped.ok()) << grouped.error().to_string();
  const std::string grouped_dir = g.out_dir;
  g.interleave = true;
  g.interleave_window = 18;
  g.out_dir = make_temp_dir("cohort-interleaved");
  ASSERT_TRUE(cohort_gen::generate(g).ok());
  RunOptions o = options_for({grouped_dir});
  o.as_of = parse_fhir_datetime(grouped->as_of).value().start;
  const RunOutput a = run_ok(o);
  o.inputs = {g.out_dir};
  const RunOutput b = run_ok(o);
  ASSERT_EQ(a.outcomes.size(), 18u);
  EXPECT_EQ(a.input.resources, b.input.resources);
  EXPECT_NE(a.input.sha256, b.input.sha256);  // the same lines in another order
  expect_same(a.outcomes, b.outcomes);
  std::map<std::string, const cohort_gen::PatientTruth*> truth;
  for (const auto& t : grouped->truth) truth[t.id] = &t;
  for (const auto& out : a.outcomes)
    EXPECT_EQ(out.endpoints[kDurable].responder, truth.at(out.patient_id)->durable_week4);
}

// The run leaves out the engine's model-based dosing (run.h): the outcomes are those of the
// full evaluation. Every generated child has sirolimus troughs, so the MAP fit runs for each.
TEST(CohortRun, LeavingOutModelBasedDosingChangesNoOutcome) {
  cohort_gen::Options g;
  g.arms = {{"sirolimus_prednisolone", 12, 9}, {"sirolimus", 12, 6}};
  g.observations_per_patient = 40;
  g.out_dir = make_temp_dir("cohort-full");
  auto summary = cohort_gen::generate(g);
  ASSERT_TRUE(summary.ok()) << summary.error().to_string();
  RunOptions o = options_for({g.out_dir});
  o.as_of = parse_fhir_datetime(summary->as_of).value().start;
  ASSERT_FALSE(o.model_based_dosing);
  const RunOutput fast = run_ok(o);
  o.model_based_dosing = true;
  const RunOutput full = run_ok(o);
  ASSERT_EQ(fast.outcomes.size(), 24u);
  expect_same(full.outcomes, fast.outcomes);
}

TEST(CohortRun, TemporaryFilesAreRemoved) {
  const Export e = bulk_export();
  const std::string tmp = make_temp_dir("cohort-tmp");
  RunOptions o = options_for({e.dir});
  o.temp_dir = tmp;
  run_ok(o);
  EXPECT_TRUE(std::filesystem::is_empty(tmp));
}

}  // namespace
}  // namespace khe::cohort

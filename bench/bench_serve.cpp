// Google Benchmark of the CDS Hooks path in-process, without sockets: the patient-view
// request of the load test (build/tools/hook_load; its path in $KHE_HOOK_REQUEST) through
// cds::Services::call (parse, prefetch -> Bundle, read, evaluate, cards) and through
// serve::App::handle (plus routing, headers and the audit's group commit on a temporary
// store). `make bench` generates the request; see docs/performance.md.
#include <benchmark/benchmark.h>
#include <stdlib.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <variant>

#include "cds/cards.h"
#include "cds/cds.h"
#include "cds/prefetch.h"
#include "cds/util.h"
#include "engine/evaluate.h"
#include "fhir/reader.h"
#include "knowledge/knowledge.h"
#include "serve/app.h"
#include "serve/log.h"
#include "store/store.h"
#include "write/json_writer.h"

namespace {

const khe::knowledge::Knowledge& knowledge() {
  static const khe::knowledge::Knowledge k =
      khe::knowledge::load_default(khe::engine::parameter_specs()).value();
  return k;
}

const std::string& request_body() {
  static const std::string body = [] {
    const char* path = std::getenv("KHE_HOOK_REQUEST");
    if (path == nullptr) return std::string();
    std::ifstream in(path, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }();
  return body;
}

khe::Instant now() {
  return std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
}

void BM_CdsPatientView(benchmark::State& state) {
  if (request_body().empty()) {
    state.SkipWithError("set KHE_HOOK_REQUEST to build/tools/hook_load's request.json");
    return;
  }
  const khe::cds::Services services(knowledge(), *knowledge().profile("default"),
                                    "http://127.0.0.1:8080");
  const khe::Instant at = now();
  for (auto _ : state) {
    auto outcome = services.call("khe-kmp", request_body(), nullptr, at);
    if (outcome.response.status != 200) state.SkipWithError("not 200");
    benchmark::DoNotOptimize(outcome);
  }
}
BENCHMARK(BM_CdsPatientView)->Unit(benchmark::kMicrosecond);

// Only the cards of that request (cds/cards.h, as Services::call builds them): the card,
// its Markdown detail (write::summarize) and the response body's bytes. The report is
// evaluated once, from the same resources Services::call reads.
void BM_CdsCards(benchmark::State& state) {
  if (request_body().empty()) {
    state.SkipWithError("set KHE_HOOK_REQUEST to build/tools/hook_load's request.json");
    return;
  }
  const khe::cds::Services services(knowledge(), *knowledge().profile("default"),
                                    "http://127.0.0.1:8080");
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  simdjson::dom::element prefetch;
  std::string_view patient_id;
  if (parser.parse(request_body()).get(root) != simdjson::SUCCESS ||
      root["prefetch"].get(prefetch) != simdjson::SUCCESS ||
      root["context"]["patientId"].get(patient_id) != simdjson::SUCCESS) {
    state.SkipWithError("request.json is not a patient-view request");
    return;
  }
  khe::cds::detail::Sha256 input_hash;
  input_hash.update(request_body());
  const auto gathered = khe::cds::detail::gather(services.prefetch(), prefetch,
                                                 std::string(patient_id), {}, nullptr, input_hash);
  const auto* g = std::get_if<khe::cds::detail::Gathered>(&gathered);
  if (g == nullptr) {
    state.SkipWithError("prefetch refused");
    return;
  }
  khe::fhir::ReadOptions options;
  options.as_of = now();
  const khe::fhir::ReadOutcome read =
      khe::fhir::read_parsed(g->resources, knowledge().codes, options);
  if (!read.record) {
    state.SkipWithError("record unusable");
    return;
  }
  khe::engine::Report report = khe::engine::evaluate(
      *read.record, knowledge(), *knowledge().profile("default"), options.as_of);
  report.input_sha256 = input_hash.hex();
  const std::string report_sha256 = khe::cds::detail::sha256_hex(khe::write::to_json(report));
  const std::string id(patient_id);
  const std::string public_url = "http://127.0.0.1:8080";
  const khe::cds::detail::CardInput in{knowledge(), report, report_sha256, id, public_url};
  for (auto _ : state) {
    std::string body = R"({"cards":)";
    khe::cds::detail::assessment_cards(in, body);
    body += '}';
    benchmark::DoNotOptimize(body);
  }
}
BENCHMARK(BM_CdsCards)->Unit(benchmark::kMicrosecond);

// App::handle from several threads at once (as the server's workers call it), including the
// audit entry each response waits for.
void BM_AppPatientView(benchmark::State& state) {
  if (request_body().empty()) {
    state.SkipWithError("set KHE_HOOK_REQUEST to build/tools/hook_load's request.json");
    return;
  }
  static khe::serve::App* app = [] {
    char dir[] = "/tmp/khe_bench_serve_XXXXXX";
    if (::mkdtemp(dir) == nullptr) std::abort();
    static auto store = khe::store::Store::open(std::string(dir) + "/khe.db").value().release();
    khe::serve::set_request_logging(false);
    return khe::serve::App::create(
               {.public_url = "http://127.0.0.1:8080",
                .insecure_no_auth = true,
                .cors_origins = {}},
               *store, knowledge(), *knowledge().profile("default"),
               [] { return std::chrono::system_clock::now(); }, nullptr, nullptr)
        .value()
        .release();
  }();
  khe::http::Request r;
  r.method = "POST";
  r.target = r.path = "/cds-services/khe-kmp";
  r.headers.push_back({"Content-Type", "application/json"});
  r.body = request_body();
  for (auto _ : state) {
    auto response = app->handle(r);
    if (response.status != 200) state.SkipWithError("not 200");
    benchmark::DoNotOptimize(response);
  }
}
BENCHMARK(BM_AppPatientView)->Unit(benchmark::kMicrosecond)->Threads(1)->Threads(16)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();

// libFuzzer target: any bytes as a `khe cohort` input file (NDJSON lines, a Bundle or a
// single resource) must give a run with every line counted (used, orphan or problem) and the
// outcomes sorted by patient id, or an Error; never a crash, hang, leak or undefined
// behaviour. Small blocks and few buckets exercise the line splitting across blocks and the
// bucket sort; both 1 and 2 threads must give the same outcomes.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "cohort/run.h"
#include "engine/evaluate.h"
#include "knowledge/knowledge.h"

namespace {

const khe::knowledge::Knowledge& knowledge() {
  static const khe::knowledge::Knowledge k = [] {
    auto loaded = khe::knowledge::load_default(khe::engine::parameter_specs());
    if (!loaded) std::abort();
    return std::move(loaded).value();
  }();
  return k;
}

std::string scratch_dir() {
  static const std::string dir = [] {
    std::string tmpl = (std::filesystem::temp_directory_path() / "khe-fuzz-cohort-XXXXXX").string();
    if (!::mkdtemp(tmpl.data())) std::abort();
    return tmpl;
  }();
  return dir;
}

khe::Result<khe::cohort::RunOutput> run(const std::string& path, int threads) {
  khe::cohort::RunOptions o;
  o.inputs = {path};
  o.as_of = khe::Instant(std::chrono::seconds(1786104000));  // 2026-08-07T12:00:00Z
  o.threads = threads;
  o.buckets = 2;
  o.block_bytes = 256;
  o.temp_dir = scratch_dir();
  const auto& k = knowledge();
  return khe::cohort::run(o, k, *k.profile("default"));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string path = scratch_dir() + "/input.ndjson";
  {
    std::ofstream f(path, std::ios::binary | std::ios::trunc);
    f.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  }
  auto one = run(path, 1);
  if (!one) return 0;  // an Error is an answer (e.g. an unreadable store)
  const auto& out = one.value();
  for (std::size_t i = 1; i < out.outcomes.size(); ++i)
    if (!(out.outcomes[i - 1].patient_id <= out.outcomes[i].patient_id)) __builtin_trap();
  if (out.input.patients != static_cast<int>(out.outcomes.size())) __builtin_trap();
  auto two = run(path, 2);
  if (!two || two.value().outcomes.size() != out.outcomes.size() ||
      two.value().input.sha256 != out.input.sha256)
    __builtin_trap();
  for (std::size_t i = 0; i < out.outcomes.size(); ++i) {
    const auto& a = out.outcomes[i];
    const auto& b = two.value().outcomes[i];
    if (a.patient_id != b.patient_id || a.group != b.group) __builtin_trap();
    for (std::size_t e = 0; e < a.endpoints.size(); ++e)
      if (a.endpoints[e].responder != b.endpoints[e].responder ||
          a.endpoints[e].not_evaluable != b.endpoints[e].not_evaluable)
        __builtin_trap();
  }
  return 0;
}

// libFuzzer target for the whole `khe evaluate` pipeline with the real default knowledge:
// any bytes -> FHIR reader -> engine (both profiles) -> JSON, text and HTML writers. The
// engine must never crash or trip a sanitizer on whatever record the reader lets through,
// and the JSON it writes must always be valid JSON.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include <nlohmann/json.hpp>

#include "engine/evaluate.h"
#include "fhir/reader.h"
#include "knowledge/knowledge.h"
#include "write/html_writer.h"
#include "write/json_writer.h"
#include "write/text_writer.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const khe::knowledge::Knowledge knowledge =
      khe::knowledge::load_default(khe::engine::parameter_specs()).value();
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  khe::fhir::ReadOptions options;
  options.as_of = khe::Instant(std::chrono::seconds(1786104000));  // 2026-08-07T12:00:00Z
  khe::fhir::ReadOutcome out = khe::fhir::read(bytes, knowledge.codes, options);
  if (!out.record) return 0;
  for (const char* id : {"default", "consensus-2013"}) {
    khe::engine::Report report =
        khe::engine::evaluate(*out.record, knowledge, *knowledge.profile(id), options.as_of);
    std::string json = khe::write::to_json(report);
    if (!nlohmann::json::accept(json)) __builtin_trap();
    (void)khe::write::to_text(report, knowledge);
    (void)khe::write::to_html(report, knowledge);
  }
  return 0;
}

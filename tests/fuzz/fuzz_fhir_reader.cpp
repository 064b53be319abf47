// libFuzzer target: any bytes through the FHIR reader must give a record or problems, never
// a crash, hang, leak or undefined behaviour. Half of the inputs are read with a patient id
// chosen, so the multi-patient paths are exercised too.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "../unit/fhir/codes_fixture.h"
#include "fhir/reader.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const khe::knowledge::Codes codes = khe::test::make_test_codes();
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  khe::fhir::ReadOptions options;
  options.as_of = khe::Instant(std::chrono::seconds(1786104000));  // 2026-08-07T12:00:00Z
  khe::fhir::ReadOutcome out = khe::fhir::read(bytes, codes, options);
  // Invariant: exactly one of record / problems.
  if (out.record.has_value() == !out.problems.empty()) __builtin_trap();
  if (out.patient_ids.size() > 1) {
    options.patient_id = out.patient_ids.back();
    out = khe::fhir::read(bytes, codes, options);
    if (out.record.has_value() == !out.problems.empty()) __builtin_trap();
  }
  return 0;
}

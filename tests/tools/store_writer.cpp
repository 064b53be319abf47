// Crash-test helper for the store (tests/unit/store/crash_test.cpp).
// Usage: store_writer DB PREFIX
// Opens (creating) the store at DB, makes sure patient "crash" exists, then loops forever:
// stores Observation PREFIX-N together with its audit entry in one transaction, and after
// the commit returns prints "PREFIX-N\n" on standard output with one write(2) call. A line
// on standard output is therefore an acknowledged, durable write. The test kills it with
// SIGKILL at a random moment. Exit status 1 (and a line on stderr) if a call fails.
#include <unistd.h>

#include <cstdio>
#include <string>

#include "store/store.h"

namespace {

int fail(const khe::Error& e) {
  std::fprintf(stderr, "store_writer: %s\n", e.to_string().c_str());
  return 1;
}

bool write_all(const std::string& line) {
  std::size_t done = 0;
  while (done < line.size()) {
    const ssize_t n = ::write(STDOUT_FILENO, line.data() + done, line.size() - done);
    if (n <= 0) return false;
    done += static_cast<std::size_t>(n);
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: store_writer DB PREFIX\n");
    return 2;
  }
  const std::string prefix = argv[2];
  auto store = khe::store::Store::open(argv[1]);
  if (!store) return fail(store.error());
  // A fixed synthetic time: the store reads no clock, and neither does this helper.
  const khe::Instant t0 = khe::parse_fhir_datetime("2026-01-01T00:00:00Z").value().start;
  auto created = (*store)->create_patient(
      "crash", R"({"resourceType":"Patient","id":"crash","birthDate":"2025-06-01"})", t0);
  if (!created) return fail(created.error());
  for (long n = 0;; ++n) {
    const std::string id = prefix + "-" + std::to_string(n);
    const std::string json = R"({"resourceType":"Observation","id":")" + id +
                             R"(","status":"final","valueQuantity":{"value":)" +
                             std::to_string(100 + n % 300) + R"(,"unit":"10*9/L"}})";
    const khe::Instant now = t0 + khe::Seconds(n);
    khe::store::AuditRecord audit{.time = now,
                                  .kind = "write",
                                  .caller = "store_writer",
                                  .patient_id = "crash",
                                  .input_sha256 = khe::store::sha256_hex(json),
                                  .knowledge_version = "",
                                  .profile = "",
                                  .report_sha256 = ""};
    auto put = (*store)->put_resource("crash", "Observation", id, json, now, audit);
    if (!put) return fail(put.error());
    if (*put != khe::store::PutOutcome::inserted) {
      std::fprintf(stderr, "store_writer: unexpected outcome\n");
      return 1;
    }
    if (!write_all(id + "\n")) return 1;
  }
}

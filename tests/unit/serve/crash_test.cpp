// Crash consistency of `khe serve`: a client streams writes (lab results) through the REST
// API; the server is killed with SIGKILL at a random moment; on restart every write it had
// acknowledged (201) is there, and `khe audit verify` finds the chain intact. 50 rounds.
#include <atomic>
#include <random>
#include <set>
#include <thread>

#include <gtest/gtest.h>

#include "serve/serve_fixture.h"
#include "support/process.h"

namespace khe::serve {
namespace {

using namespace khe::serve::testing;
using test_support::http_call;

json platelet_count(const std::string& id, const std::string& patient, int value) {
  return {
      {"resourceType", "Observation"},
      {"id", id},
      {"status", "final"},
      {"code", {{"coding", json::array({{{"system", "http://loinc.org"}, {"code", "777-3"}}})}}},
      {"subject", {{"reference", "Patient/" + patient}}},
      {"effectiveDateTime", "2026-11-01T08:00:00Z"},
      {"valueQuantity",
       {{"value", value},
        {"unit", "10*9/L"},
        {"system", "http://unitsofmeasure.org"},
        {"code", "10*9/L"}}}};
}

std::set<std::string> stored_ids(std::uint16_t port, const std::string& patient) {
  const HttpReply r = http_call(port, "GET", "/api/patients/" + patient);
  EXPECT_EQ(r.status, 200) << r.body;
  std::set<std::string> ids;
  const json bundle = json::parse(r.body, nullptr, false);
  if (!bundle.is_object()) return ids;
  for (const auto& e : bundle.value("entry", json::array())) {
    const json& res = e.value("resource", json::object());
    if (res.value("resourceType", "") == "Observation") ids.insert(res.value("id", ""));
  }
  return ids;
}

TEST(ServeCrash, EveryAcknowledgedWriteSurvivesKill9) {
  const std::string dir = test_support::make_temp_dir("serve_crash");
  const std::string db = dir + "/khe.db";
  const std::vector<std::string> args{"--db", db, "--insecure-no-auth", "--quiet"};
  std::mt19937 random(20261128);
  std::set<std::string> acknowledged;
  int next = 0;
  for (int round = 0; round < 50; ++round) {
    SCOPED_TRACE(round);
    std::string why;
    auto server = test_support::ServerProcess::start(args, &why);
    ASSERT_TRUE(server) << why;
    if (round == 0) {
      const json patient{
          {"resourceType", "Patient"}, {"id", "crash-1"}, {"birthDate", "2026-09-01"}};
      const HttpReply r = http_call(server->port(), "POST", "/api/patients",
                                    {{"Content-Type", "application/fhir+json"}}, patient.dump());
      ASSERT_EQ(r.status, 201) << r.body;
    }
    // Everything acknowledged before (and in) the last round is there.
    const std::set<std::string> present = stored_ids(server->port(), "crash-1");
    for (const std::string& id : acknowledged) ASSERT_TRUE(present.count(id)) << id;

    std::atomic<bool> stop{false};
    std::atomic<int> acked_count{0};
    std::vector<std::string> acked_now;
    std::thread writer([&] {
      while (!stop.load()) {
        const std::string id = "obs-" + std::to_string(next++);
        const HttpReply r = http_call(server->port(), "POST", "/api/patients/crash-1/observations",
                                      {{"Content-Type", "application/fhir+json"}},
                                      platelet_count(id, "crash-1", 100 + next % 200).dump(),
                                      std::chrono::seconds(5));
        if (r.status == 201) {
          acked_now.push_back(id);
          ++acked_count;
        }
        if (r.status == 0) break;  // the server is gone
      }
    });
    // Kill only once this round's stream is under way (a loaded machine, e.g. a sanitizer
    // build sharing its cores, can take longer than the random delay to answer the first
    // write), then at a random moment inside the stream.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (acked_count.load() == 0 && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    std::this_thread::sleep_for(std::chrono::milliseconds(20 + random() % 60));
    server->kill9();
    stop = true;
    writer.join();
    acknowledged.insert(acked_now.begin(), acked_now.end());
  }
  std::string why;
  auto server = test_support::ServerProcess::start(args, &why);
  ASSERT_TRUE(server) << why;
  const std::set<std::string> present = stored_ids(server->port(), "crash-1");
  for (const std::string& id : acknowledged) EXPECT_TRUE(present.count(id)) << id;
  EXPECT_GE(acknowledged.size(), 50u) << "every round acknowledged writes before the kill";
  EXPECT_EQ(server->terminate(), 0);
  const auto verify = test_support::run_binary({"audit", "verify", "--db", db});
  EXPECT_EQ(verify.status, 0) << verify.out << verify.err;
}

}  // namespace
}  // namespace khe::serve

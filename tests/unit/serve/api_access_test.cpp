// Who may use the REST API: behind the hospital's authenticating proxy the user comes in
// --api-user-header (401 without it; audited as "user NAME"); a non-loopback --host without
// it is refused at start. Real `khe serve` processes on loopback.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "store/store.h"
#include "support/http_client.h"
#include "support/process.h"
#include "support/server_process.h"

namespace khe::serve {
namespace {

using nlohmann::json;
using test_support::http_call;
using test_support::HttpReply;

std::unique_ptr<test_support::ServerProcess> start(const std::string& db,
                                                   std::vector<std::string> extra) {
  std::vector<std::string> args{"--db", db, "--insecure-no-auth"};
  args.insert(args.end(), extra.begin(), extra.end());
  std::string why;
  auto server = test_support::ServerProcess::start(args, &why);
  if (!server) ADD_FAILURE() << why;
  return server;
}

TEST(ServeApiAccess, TheProxysUserHeaderIsRequiredAndAudited) {
  const std::string db = test_support::make_temp_dir("api-access") + "/khe.db";
  auto server = start(db, {"--api-user-header", "X-Remote-User"});
  ASSERT_TRUE(server);
  const auto port = server->port();

  const HttpReply anonymous = http_call(port, "GET", "/api/patients");
  EXPECT_EQ(anonymous.status, 401) << anonymous.body;
  EXPECT_NE(anonymous.body.find("unauthorized"), std::string::npos);
  EXPECT_EQ(http_call(port, "GET", "/api/patients", {{"X-Remote-User", ""}}).status, 401);
  EXPECT_EQ(
      http_call(port, "GET", "/api/patients", {{"X-Remote-User", std::string(300, 'a')}}).status,
      401);

  const json patient{{"resourceType", "Patient"}, {"id", "access-1"}, {"birthDate", "2026-09-01"}};
  const HttpReply refused = http_call(port, "POST", "/api/patients",
                                      {{"Content-Type", "application/fhir+json"}}, patient.dump());
  EXPECT_EQ(refused.status, 401);
  const HttpReply created = http_call(
      port, "POST", "/api/patients",
      {{"Content-Type", "application/fhir+json"}, {"X-Remote-User", "dr.alice"}}, patient.dump());
  EXPECT_EQ(created.status, 201) << created.body;
  const HttpReply listed = http_call(port, "GET", "/api/patients", {{"x-remote-user", "dr.bob"}});
  EXPECT_EQ(listed.status, 200);
  EXPECT_NE(listed.body.find("access-1"), std::string::npos);

  // The web app's own files hold no patient data: served without the header.
  EXPECT_EQ(http_call(port, "GET", "/").status, 200);
  EXPECT_EQ(http_call(port, "GET", "/healthz").status, 200);
  EXPECT_EQ(server->terminate(), 0);

  auto store = store::Store::open(db);
  ASSERT_TRUE(store) << store.error().to_string();
  auto entries = (*store)->audit_entries(0, 100);
  ASSERT_TRUE(entries);
  std::vector<std::string> callers;
  for (const auto& e : *entries) callers.push_back(e.record.caller);
  EXPECT_NE(std::find(callers.begin(), callers.end(), "user dr.alice"), callers.end());
  EXPECT_EQ(std::find(callers.begin(), callers.end(), "local"), callers.end());
  EXPECT_TRUE((*store)->verify_audit()->intact());
}

TEST(ServeApiAccess, WithoutTheOptionOnLoopbackTheCallerIsLocal) {
  const std::string db = test_support::make_temp_dir("api-local") + "/khe.db";
  auto server = start(db, {});
  ASSERT_TRUE(server);
  EXPECT_EQ(http_call(server->port(), "GET", "/api/patients").status, 200);
}

TEST(ServeApiAccess, ANetworkHostWithoutALoginIsRefusedAtStart) {
  const std::string dir = test_support::make_temp_dir("api-host");
  const auto r = test_support::run_binary(
      {"serve", "--host", "0.0.0.0", "--port", "0", "--db", dir + "/khe.db", "--insecure-no-auth"});
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("--api-user-header"), std::string::npos) << r.err;

  const auto bad =
      test_support::run_binary({"serve", "--port", "0", "--db", dir + "/khe.db",
                                "--insecure-no-auth", "--api-user-header", "X Remote: User"});
  EXPECT_EQ(bad.status, 2);
  EXPECT_NE(bad.err.find("not an HTTP header name"), std::string::npos) << bad.err;

  // Knowingly open: it starts (and answers on loopback too).
  auto open = start(dir + "/open.db", {"--host", "0.0.0.0", "--insecure-open-api"});
  ASSERT_TRUE(open);
  EXPECT_EQ(http_call(open->port(), "GET", "/api/patients").status, 200);
}

}  // namespace
}  // namespace khe::serve

// Who may use the REST API: behind the hospital's authenticating proxy the user comes in
// --api-user-header (401 without it; audited as "user NAME"); a non-loopback --host without
// it is refused at start. Real `khe serve` processes on loopback.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "serve/serve_fixture.h"
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
  const std::string db = dir + "/khe.db";
  // Names are not loopback, however they look: they resolve wherever DNS says.
  for (const std::string host : {"0.0.0.0", "192.0.2.10", "127.0.0.1.example.org", "::"}) {
    const auto r = test_support::run_binary({"serve", "--host", host, "--port", "0", "--db", db});
    EXPECT_EQ(r.status, 2) << host;
    EXPECT_NE(r.err.find("--api-user-header"), std::string::npos) << host << ": " << r.err;
  }
  // Without tokens, only on loopback (the CDS routes would be open and fetch anywhere).
  const auto no_auth =
      test_support::run_binary({"serve", "--host", "0.0.0.0", "--port", "0", "--db", db,
                                "--insecure-no-auth", "--insecure-open-api"});
  EXPECT_EQ(no_auth.status, 2);
  EXPECT_NE(no_auth.err.find("--insecure-no-auth is for local use only"), std::string::npos)
      << no_auth.err;

  const auto bad =
      test_support::run_binary({"serve", "--port", "0", "--db", db, "--insecure-no-auth",
                                "--api-user-header", "X Remote: User"});
  EXPECT_EQ(bad.status, 2);
  EXPECT_NE(bad.err.find("not an HTTP header name"), std::string::npos) << bad.err;

  // Knowingly open (tokens still required on the CDS routes): it starts.
  auto open = testing::start_server({"--host", "0.0.0.0", "--insecure-open-api"});
  ASSERT_TRUE(open.process);
  EXPECT_EQ(http_call(open.process->port(), "GET", "/api/patients").status, 200);
}

TEST(ServeApiAccess, TheUserHeaderSentTwiceIsNotBelieved) {
  const std::string db = test_support::make_temp_dir("api-twice") + "/khe.db";
  auto server = start(db, {"--api-user-header", "X-Remote-User"});
  ASSERT_TRUE(server);
  // Raw bytes: the test client would fold the two into one.
  const std::string twice = test_support::raw_exchange(
      server->port(),
      "GET /api/patients HTTP/1.1\r\nHost: localhost\r\nX-Remote-User: mallory\r\n"
      "x-remote-user: dr.alice\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(twice.rfind("HTTP/1.1 401", 0), 0u) << twice;
  const std::string once = test_support::raw_exchange(
      server->port(),
      "GET /api/patients HTTP/1.1\r\nHost: localhost\r\nX-Remote-User: dr.alice\r\n"
      "Connection: close\r\n\r\n");
  EXPECT_EQ(once.rfind("HTTP/1.1 200", 0), 0u) << once;
}

TEST(ServeApiAccess, ImportAtStartWorksWithTheUserHeader) {
  const std::string db = test_support::make_temp_dir("api-import") + "/khe.db";
  const std::string bundle = std::string(KHE_SHARED_DIR) + "/examples/ex02-ta-mild-kmp.json";
  auto server = start(db, {"--api-user-header", "X-Remote-User", "--import", bundle});
  ASSERT_TRUE(server);
  const HttpReply listed =
      http_call(server->port(), "GET", "/api/patients", {{"X-Remote-User", "dr.alice"}});
  ASSERT_EQ(listed.status, 200);
  EXPECT_EQ(json::parse(listed.body)["patients"].size(), 1u) << listed.body;
  EXPECT_EQ(server->terminate(), 0);
  auto store = store::Store::open(db);
  ASSERT_TRUE(store);
  auto entries = (*store)->audit_entries(0, 100);
  ASSERT_TRUE(entries);
  ASSERT_FALSE(entries->empty());
  EXPECT_EQ(entries->front().record.caller, "user khe-serve-import");
}

}  // namespace
}  // namespace khe::serve

// Our CDS Hooks 2.0 conformance suite (none official exists for 2.0), against a running
// deployment: discovery, cards for every example patient, the 412 path, the FHIR-server
// fallback, every JWT refusal, CORS, feedback idempotency and the order-select dose check.
// https://cds-hooks.hl7.org/2.0/
//
// The suite is value-parameterised on the deployment it talks to (a CdsTarget), so the
// same tests run against
//  - one `khe serve` on a SQLite file (serve/cds_conformance_test.cpp, khe_serve_tests),
//  - nginx in front of two replicas on one PostgreSQL database
//    (deploy/balanced_conformance_test.cpp, khe_deploy_tests).
// Include this header in ONE source file of a test program (it defines the tests), and
// instantiate the suite there with INSTANTIATE_TEST_SUITE_P(Name, CdsConformance, ...).
// Tests of what only one process shows (its own HTTP parser's answers, ...) are TEST_Ps
// of the instantiating file, not of this header.
#pragma once

#include <atomic>
#include <fstream>
#include <functional>
#include <memory>
#include <ostream>
#include <regex>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "http/message.h"
#include "http/server.h"
#include "serve/serve_fixture.h"
#include "store/store.h"
#include "support/process.h"

namespace khe::serve {

// What the suite talks to. Every request goes to port(); tokens are issued for url() (the
// servers' --public-url) by the test issuer testing::kIssuer with the test keys, and
// testing::kOrigin is an allowed CORS origin.
class CdsEnvironment {
 public:
  virtual ~CdsEnvironment() = default;
  // Where the suite's requests go (the server, or the balancer in front of several).
  virtual std::uint16_t port() const = 0;
  // The public URL: tokens' audience prefix, and the prefix of absolute card links.
  virtual std::string url() const = 0;
  // The store's location (a SQLite file or a postgresql:// URL), opened read-only by tests.
  virtual std::string db() const = 0;
  // Stops every server — each must drain and exit 0 on SIGTERM — and checks that
  // `khe audit verify` finds the chain intact. Failures are reported to GoogleTest.
  virtual void stop_and_verify() = 0;
};

struct CdsTarget {
  std::string name;  // the instantiation's test-name suffix
  // Starts the environment. nullptr with `why` when it failed; with `*skip` set too when
  // this machine cannot run it at all (a server program is not installed).
  std::function<std::unique_ptr<CdsEnvironment>(std::string* why, bool* skip)> start;
};
inline void PrintTo(const CdsTarget& t, std::ostream* out) { *out << t.name; }
inline std::string target_name(const ::testing::TestParamInfo<CdsTarget>& info) {
  return info.param.name;
}

namespace {

using namespace khe::serve::testing;
namespace forge = khe::auth::testing;
using test_support::http_call;

class CdsConformance : public ::testing::TestWithParam<CdsTarget> {
 protected:
  // The environment is started by the suite's first test (only a test knows the parameter)
  // and shared by the others; TearDownTestSuite stops it and verifies the audit chain.
  void SetUp() override {
    if (!skipped_.empty()) GTEST_SKIP() << skipped_;
    if (env_ == nullptr && !failed_) {
      std::string why;
      bool skip = false;
      auto started = GetParam().start(&why, &skip);
      if (!started && skip) {
        skipped_ = why;
        GTEST_SKIP() << why;
      }
      if (!started) {
        failed_ = true;
        FAIL() << GetParam().name << " did not start: " << why;
      }
      env_ = started.release();
      const HttpReply d =
          http_call(port(), "GET", "/cds-services",
                    {{"Authorization", bearer(claims_for(url(), "/cds-services"))}});
      if (d.status != 200) {
        failed_ = true;
        FAIL() << "discovery: " << d.status << " " << d.error << d.body;
      }
      discovery_ = new json(json::parse(d.body));
    }
    ASSERT_TRUE(env_ != nullptr && discovery_ != nullptr)
        << GetParam().name << " did not start (see the first test)";
  }
  static void TearDownTestSuite() {
    // Every card served was audited, and the chain is intact.
    if (env_ != nullptr) env_->stop_and_verify();
    delete env_;
    delete discovery_;
    env_ = nullptr;
    discovery_ = nullptr;
  }
  static CdsEnvironment& env() { return *env_; }
  static std::uint16_t port() { return env_->port(); }
  static std::string url() { return env_->url(); }
  static const json& discovery() { return *discovery_; }

  static HttpReply call(const std::string& service, const json& body) {
    const std::string path = "/cds-services/" + service;
    return post_json(port(), path, body, bearer(claims_for(url(), path)));
  }
  static std::string service_for(const std::string& hook) {
    for (const auto& s : discovery()["services"]) {
      if (s["hook"] == hook) return s["id"];
    }
    return {};
  }

  static inline CdsEnvironment* env_ = nullptr;
  static inline json* discovery_ = nullptr;
  static inline bool failed_ = false;
  static inline std::string skipped_;
};

struct Example {
  std::string file, as_of, status, urgency;
};

std::vector<Example> examples() {
  std::ifstream in(std::string(KHE_SHARED_DIR) + "/examples/expected.json");
  const json all = json::parse(in);
  std::vector<Example> out;
  for (const auto& e : all) {
    out.push_back(
        {e["file"], e["as_of"], e["expected"]["kmp.status"], e["expected"].value("urgency", "")});
  }
  return out;
}

std::string indicator_for(const std::string& urgency) {
  if (urgency == "emergent") return "critical";
  if (urgency == "urgent") return "warning";
  return "info";
}

// ---- discovery -----------------------------------------------------------------------

TEST_P(CdsConformance, DiscoveryListsTheServicesWithTheRequiredFields) {
  ASSERT_TRUE(discovery().contains("services"));
  std::set<std::string> hooks;
  for (const auto& s : discovery()["services"]) {
    for (const char* field : {"hook", "description", "id"}) {
      ASSERT_TRUE(s.contains(field) && s[field].is_string() && !s[field].get<std::string>().empty())
          << field;
    }
    hooks.insert(s["hook"]);
    if (s.contains("prefetch")) {
      ASSERT_TRUE(s["prefetch"].is_object());
      for (const auto& [key, tmpl] : s["prefetch"].items()) {
        EXPECT_TRUE(tmpl.is_string());
        EXPECT_NE(tmpl.get<std::string>().find("{{context.patientId}}"), std::string::npos) << key;
      }
    }
  }
  EXPECT_TRUE(hooks.count("patient-view"));
  EXPECT_TRUE(hooks.count("order-select"));
  EXPECT_TRUE(hooks.count("order-sign"));
  std::string where;
  EXPECT_TRUE(no_empty_fields(discovery(), where)) << where;

  // The patient-view service asks for the patient, conditions, observations, medications
  // and procedures.
  const std::string kmp = service_for("patient-view");
  std::set<std::string> types;
  for (const auto& s : discovery()["services"]) {
    if (s["id"] != kmp) continue;
    for (const auto& [key, tmpl] : s["prefetch"].items()) {
      const std::string t = tmpl;
      types.insert(t.substr(0, t.find_first_of("/?")));
    }
  }
  for (const char* t : {"Patient", "Condition", "Observation", "MedicationRequest", "Procedure"}) {
    EXPECT_TRUE(types.count(t)) << t;
  }
}

// ---- cards for the example patients --------------------------------------------------

TEST_P(CdsConformance, EveryExamplePatientGetsTheCardItsAssessmentCallsFor) {
  const std::string service = service_for("patient-view");
  for (const Example& ex : examples()) {
    SCOPED_TRACE(ex.file);
    const json bundle = example_bundle(ex.file, ex.as_of);
    const HttpReply r = call(service, hook_request(discovery(), service, "patient-view", bundle));
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.header("content-type").substr(0, 16), "application/json");
    const json body = json::parse(r.body);
    ASSERT_TRUE(body.contains("cards") && body["cards"].is_array());
    if (ex.status == "not_applicable") {
      EXPECT_TRUE(body["cards"].empty()) << "no card for not_applicable";
      continue;
    }
    ASSERT_FALSE(body["cards"].empty());
    std::string where;
    EXPECT_TRUE(no_empty_fields(body, where)) << where;
    const json& card = body["cards"][0];
    EXPECT_EQ(card["indicator"], indicator_for(ex.urgency)) << card.dump();
    for (const json& c : body["cards"]) {
      const std::string summary = c.at("summary");
      EXPECT_LT(summary.size(), 140u) << summary;
      EXPECT_FALSE(summary.empty());
      EXPECT_TRUE(c["indicator"] == "info" || c["indicator"] == "warning" ||
                  c["indicator"] == "critical");
      ASSERT_TRUE(c.contains("source"));
      EXPECT_FALSE(c["source"].at("label").get<std::string>().empty());
      if (c["source"].contains("url")) {
        EXPECT_EQ(c["source"]["url"].get<std::string>().rfind("http", 0), 0u) << c["source"].dump();
      }
      if (c.contains("uuid")) {
        EXPECT_EQ(c["uuid"].get<std::string>().size(), 36u);
      }
      if (c.contains("detail")) {
        // Markdown with the rule IDs that produced it.
        EXPECT_NE(c["detail"].get<std::string>().find("KMP-"), std::string::npos);
      }
      if (c.contains("links")) {
        for (const auto& l : c["links"]) {
          EXPECT_TRUE(l["type"] == "absolute" || l["type"] == "smart");
          if (l["type"] == "absolute") {
            EXPECT_EQ(l["url"].get<std::string>().rfind(url(), 0), 0u) << l.dump();
            EXPECT_NE(l["url"].get<std::string>().find(patient_id_of(bundle)), std::string::npos);
          }
        }
      }
      if (c.contains("suggestions")) {
        EXPECT_TRUE(c.contains("selectionBehavior"));
        for (const auto& s : c["suggestions"]) {
          EXPECT_FALSE(s.at("label").get<std::string>().empty());
          for (const auto& a : s.value("actions", json::array())) {
            EXPECT_TRUE(a["type"] == "create" || a["type"] == "update" || a["type"] == "delete");
            EXPECT_FALSE(a.at("description").get<std::string>().empty());
          }
        }
      }
    }
  }
}

TEST_P(CdsConformance, SevereKmpCardSuggestsTheSirolimusOrderAndIsReproducible) {
  const std::string service = service_for("patient-view");
  const json bundle = example_bundle("ex01-khe-severe-kmp.json", "2026-08-03T12:00:00Z");
  const json request = hook_request(discovery(), service, "patient-view", bundle);
  const HttpReply a = call(service, request);
  ASSERT_EQ(a.status, 200) << a.body;
  const json body = json::parse(a.body);
  bool suggested = false;
  for (const auto& c : body["cards"]) {
    for (const auto& s : c.value("suggestions", json::array())) {
      for (const auto& act : s.value("actions", json::array())) {
        if (act["type"] != "create") continue;
        const json& res = act.at("resource");
        EXPECT_EQ(res["resourceType"], "MedicationRequest");
        EXPECT_EQ(res["subject"]["reference"], "Patient/" + patient_id_of(bundle));
        const std::string dump = res.dump();
        if (dump.find("35302") != std::string::npos) suggested = true;
      }
    }
  }
  EXPECT_TRUE(suggested) << "a MedicationRequest for the computed sirolimus dose";
  // The same request gives the same cards.
  const HttpReply b = call(service, request);
  ASSERT_EQ(b.status, 200);
  const json again = json::parse(b.body);
  EXPECT_EQ(again["cards"].size(), body["cards"].size());
  // (Byte-identical output for the same instant is tested in-process in tests/unit/cds; two
  // calls here may straddle a second.)
  ASSERT_EQ(again["cards"].size(), body["cards"].size());
  // The detail's provenance line names the instant of the call ("as of ...Z"): the rest
  // must be identical.
  const auto without_instant = [](const json& detail) {
    static const std::regex as_of("as of [0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z");
    return std::regex_replace(detail.get<std::string>(), as_of, "as of (now)");
  };
  for (std::size_t i = 0; i < body["cards"].size(); ++i) {
    EXPECT_EQ(again["cards"][i]["summary"], body["cards"][i]["summary"]);
    EXPECT_EQ(without_instant(again["cards"][i]["detail"]),
              without_instant(body["cards"][i]["detail"]));
  }
}

// ---- the 412 path and the FHIR-server fallback ---------------------------------------

TEST_P(CdsConformance, NoPrefetchAndNoFhirServerIs412) {
  const std::string service = service_for("patient-view");
  const json bundle = example_bundle("ex01-khe-severe-kmp.json", "2026-08-03T12:00:00Z");
  const HttpReply r =
      call(service, hook_request(discovery(), service, "patient-view", bundle, false));
  EXPECT_EQ(r.status, 412) << r.body;
}

TEST_P(CdsConformance, MissingPrefetchIsFetchedFromTheFhirServerWithItsToken) {
  const std::string service = service_for("patient-view");
  const json bundle = example_bundle("ex01-khe-severe-kmp.json", "2026-08-03T12:00:00Z");
  json request = hook_request(discovery(), service, "patient-view", bundle);
  const json prefetch = request["prefetch"];
  request.erase("prefetch");

  // A FHIR server in this process answering every prefetch query from the same data, one
  // resource per page (so paging is followed), and checking the access token.
  std::atomic<int> calls{0}, unauthorized{0};
  auto fhir = http::Server::start(
      {.host = "127.0.0.1", .port = 0, .workers = 2}, [&](const http::Request& r) {
        ++calls;
        if (r.header("Authorization") != "Bearer fhir-token-123") {
          ++unauthorized;
          return http::error_response(401, "unauthorized", "token");
        }
        // Patient read
        if (r.path.rfind("/fhir/Patient/", 0) == 0) {
          for (const auto& [k, v] : prefetch.items()) {
            if (v.value("resourceType", "") == "Patient") {
              http::Response res = http::json_response(200, v.dump());
              res.content_type = "application/fhir+json";
              return res;
            }
          }
        }
        const std::string type = r.path.substr(6);  // after "/fhir/"
        json all = json::array();
        for (const auto& [k, v] : prefetch.items()) {
          if (v.value("resourceType", "") != "Bundle") continue;
          for (const auto& e : v["entry"]) {
            if (e["resource"]["resourceType"] == type) all.push_back(e);
          }
        }
        std::size_t page = 0;
        if (auto p = r.query_param("page")) page = std::stoul(std::string(*p));
        json out{{"resourceType", "Bundle"}, {"type", "searchset"}, {"total", all.size()}};
        out["entry"] = json::array();
        if (page < all.size()) out["entry"].push_back(all[page]);
        if (page + 1 < all.size()) {
          const auto port = r.header("Host");
          out["link"] = json::array({{{"relation", "next"},
                                      {"url", "http://" + std::string(port) + "/fhir/" + type +
                                                  "?page=" + std::to_string(page + 1)}}});
        }
        http::Response res = http::json_response(200, out.dump());
        res.content_type = "application/fhir+json";
        return res;
      });
  ASSERT_TRUE(fhir.ok());
  const std::string base = "http://127.0.0.1:" + std::to_string((*fhir)->port()) + "/fhir";
  request["fhirServer"] = base;
  request["fhirAuthorization"] = {{"access_token", "fhir-token-123"},
                                  {"token_type", "Bearer"},
                                  {"expires_in", 300},
                                  {"scope", "patient/*.read"},
                                  {"subject", "khe-cds"}};
  const HttpReply r = call(service, request);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_GT(calls.load(), 5) << "one call per prefetch key and page";
  EXPECT_EQ(unauthorized.load(), 0);
  const json body = json::parse(r.body);
  ASSERT_FALSE(body["cards"].empty());
  EXPECT_EQ(body["cards"][0]["indicator"], "critical");

  // The same without the token: the FHIR server refuses, the service says 412.
  request.erase("fhirAuthorization");
  const HttpReply refused = call(service, request);
  EXPECT_EQ(refused.status, 412) << refused.body;
}

// ---- bad requests --------------------------------------------------------------------

TEST_P(CdsConformance, BadHookRequestsAreRefusedAndTheServerKeepsServing) {
  const std::string service = service_for("patient-view");
  const std::string path = "/cds-services/" + service;
  const json bundle = example_bundle("ex02-ta-mild-kmp.json", "2026-08-03T12:00:00Z");
  json good = hook_request(discovery(), service, "patient-view", bundle);

  // An HTML error page where a prefetch Bundle belongs.
  json html = good;
  for (auto& [k, v] : html["prefetch"].items()) {
    if (v.value("resourceType", "") == "Bundle") {
      v = "<html><body>502 Bad Gateway</body></html>";
      break;
    }
  }
  EXPECT_EQ(call(service, html).status, 400);
  // The wrong hook for the service.
  json wrong = good;
  wrong["hook"] = "order-sign";
  EXPECT_EQ(call(service, wrong).status, 400);
  // Not JSON; JSON that is not an object; a missing context.
  for (const std::string& body : {std::string("{\"hook\":"), std::string("[1,2]"),
                                  std::string(R"({"hook":"patient-view","hookInstance":"x"})")}) {
    const HttpReply r = test_support::http_call(
        port(), "POST", path,
        {{"Content-Type", "application/json"}, {"Authorization", bearer(claims_for(url(), path))}},
        body);
    EXPECT_EQ(r.status, 400) << body;
    EXPECT_TRUE(json::accept(r.body)) << "errors are JSON";
  }
  // Wrong content type.
  const HttpReply text = test_support::http_call(
      port(), "POST", path,
      {{"Content-Type", "text/plain"}, {"Authorization", bearer(claims_for(url(), path))}},
      good.dump());
  EXPECT_EQ(text.status, 415);
  // Unknown service; wrong method.
  EXPECT_EQ(call("no-such-service", good).status, 404);
  EXPECT_EQ(http_call(port(), "GET", path).status, 405);
  // Still serving.
  EXPECT_EQ(call(service, good).status, 200);
}

TEST_P(CdsConformance, AbusiveRequestsGetA4xxAndTheServerKeepsServing) {
  const std::string service = service_for("patient-view");
  const std::string path = "/cds-services/" + service;
  // A body over 10 MB.
  const HttpReply big = test_support::http_call(
      port(), "POST", path,
      {{"Content-Type", "application/json"}, {"Authorization", bearer(claims_for(url(), path))}},
      std::string((10u << 20) + 1, ' '));
  EXPECT_TRUE(big.status == 413 || big.status == 0) << big.status;  // 413, or reset mid-send
  // Path traversal on the web app's files; injection-looking ids.
  for (const std::string target : {"/../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd",
                                   "/app.js/../../khe.db", "/%00", "/index.html%00.js"}) {
    const HttpReply r = http_call(port(), "GET", target);
    EXPECT_TRUE(r.status == 400 || r.status == 404) << target << " " << r.status;
    EXPECT_EQ(r.body.find("root:"), std::string::npos);
  }
  const HttpReply inj = http_call(port(), "GET", "/api/patients/x'%20OR%20'1'='1/report");
  EXPECT_TRUE(inj.status == 400 || inj.status == 404) << inj.status;
  // Still serving.
  EXPECT_EQ(http_call(port(), "GET", "/healthz").status, 200);
}

// ---- authentication ------------------------------------------------------------------

TEST_P(CdsConformance, EveryBadTokenIsRefusedWith401) {
  const std::string service = service_for("patient-view");
  const std::string path = "/cds-services/" + service;
  const json request =
      hook_request(discovery(), service, "patient-view",
                   example_bundle("ex02-ta-mild-kmp.json", "2026-08-03T12:00:00Z"));
  const std::int64_t now = unix_now();
  auto with = [&](auto change) {
    json c = claims_for(url(), path);
    change(c);
    return c;
  };
  struct Case {
    std::string name, authorization;
  };
  std::vector<Case> cases{
      {"missing", ""},
      {"not bearer", "Basic dXNlcjpwYXNz"},
      {"garbage", "Bearer not.a.jwt"},
      {"expired", bearer(with([&](json& c) {
         c["iat"] = now - 600;
         c["exp"] = now - 300;
       }))},
      {"issued in the future", bearer(with([&](json& c) {
         c["iat"] = now + 600;
         c["exp"] = now + 900;
       }))},
      {"wrong audience (another endpoint)",
       bearer(with([&](json& c) { c["aud"] = url() + "/cds-services"; }))},
      {"wrong audience (another host)",
       bearer(with([&](json& c) { c["aud"] = "https://evil.example.org" + path; }))},
      {"untrusted issuer", bearer(with([&](json& c) { c["iss"] = "https://evil.example.org"; }))},
      {"no jti", bearer(with([&](json& c) { c.erase("jti"); }))},
      {"alg none",
       "Bearer " + forge::make_jwt_text(R"({"alg":"none","typ":"JWT","kid":"k"})",
                                        claims_for(url(), path).dump(), forge::ec_key())},
      {"HS256", "Bearer " + forge::make_jwt_text(R"({"alg":"HS256","typ":"JWT","kid":"k"})",
                                                 claims_for(url(), path).dump(), forge::ec_key())},
      {"key not in the JWKS",
       "Bearer " + forge::make_jwt(forge::header_for(forge::other_ec_key()),
                                   claims_for(url(), path), forge::other_ec_key())},
  };
  // A replayed token: accepted once, refused the second time.
  const std::string once = bearer(claims_for(url(), path));
  EXPECT_EQ(post_json(port(), path, request, once).status, 200);
  cases.push_back({"replayed jti", once});
  for (const Case& c : cases) {
    const HttpReply r = post_json(port(), path, request, c.authorization);
    EXPECT_EQ(r.status, 401) << c.name << ": " << r.body;
    EXPECT_TRUE(r.has_header("www-authenticate")) << c.name;
    const json body = json::parse(r.body, nullptr, false);
    EXPECT_TRUE(body.is_object() && body.contains("error")) << c.name;
  }
  // Discovery needs a token too.
  EXPECT_EQ(http_call(port(), "GET", "/cds-services").status, 401);
  // RS384 is accepted as well as ES384.
  EXPECT_EQ(post_json(port(), path, request, bearer_rsa(claims_for(url(), path))).status, 200);
}

// ---- CORS ------------------------------------------------------------------------------

TEST_P(CdsConformance, CorsPreflightIsAnsweredOnEveryRouteForAllowedOriginsOnly) {
  const std::string service = service_for("patient-view");
  for (const std::string& path :
       {std::string("/cds-services"), "/cds-services/" + service,
        "/cds-services/" + service + "/feedback", std::string("/api/patients"), std::string("/")}) {
    SCOPED_TRACE(path);
    const std::string method = path == "/cds-services" || path == "/" ? "GET" : "POST";
    const HttpReply ok =
        http_call(port(), "OPTIONS", path,
                  {{"Origin", kOrigin},
                   {"Access-Control-Request-Method", method},
                   {"Access-Control-Request-Headers", "authorization, content-type"}});
    EXPECT_EQ(ok.status, 204);
    EXPECT_EQ(ok.header("access-control-allow-origin"), kOrigin);
    EXPECT_NE(ok.header("access-control-allow-methods").find(method), std::string::npos);
    EXPECT_NE(ok.header("access-control-allow-headers").find("Authorization"), std::string::npos);
    const HttpReply other = http_call(
        port(), "OPTIONS", path,
        {{"Origin", "https://evil.example.org"}, {"Access-Control-Request-Method", method}});
    EXPECT_EQ(other.status, 204);
    EXPECT_FALSE(other.has_header("access-control-allow-origin"));
  }
  // An actual cross-origin call carries the header too.
  const HttpReply d = http_call(
      port(), "GET", "/cds-services",
      {{"Origin", kOrigin}, {"Authorization", bearer(claims_for(url(), "/cds-services"))}});
  EXPECT_EQ(d.header("access-control-allow-origin"), kOrigin);
}

// ---- feedback --------------------------------------------------------------------------

TEST_P(CdsConformance, FeedbackIsStoredOnceHoweverOftenItIsSent) {
  const std::string service = service_for("patient-view");
  const std::string path = "/cds-services/" + service + "/feedback";
  const json feedback = {
      {"feedback",
       json::array({{{"card", "9368d37b-283f-44a0-93ea-547cebab93ed"},
                     {"outcome", "overridden"},
                     {"overrideReason",
                      {{"reason", {{"code", "other"}, {"system", "http://example.org/reasons"}}},
                       {"userComment", "platelets rechecked"}}},
                     {"outcomeTimestamp", "2026-11-28T10:00:00Z"}}})}};
  for (int i = 0; i < 3; ++i) {
    const HttpReply r = post_json(port(), path, feedback, bearer(claims_for(url(), path)));
    EXPECT_EQ(r.status, 200) << r.body;
  }
  const HttpReply bad =
      post_json(port(), path, json{{"feedback", "yes"}}, bearer(claims_for(url(), path)));
  EXPECT_EQ(bad.status, 400);
  auto store = store::Store::open(env().db(), {.create_if_missing = false, .read_only = true});
  ASSERT_TRUE(store.ok()) << store.error().to_string();
  auto stored = (*store)->feedback(service);
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->size(), 1u);
}

// ---- the dose check on order-select / order-sign --------------------------------------

json draft_sirolimus(const std::string& id, const std::string& patient, double mg) {
  return {{"resourceType", "MedicationRequest"},
          {"id", id},
          {"status", "draft"},
          {"intent", "order"},
          {"subject", {{"reference", "Patient/" + patient}}},
          {"medicationCodeableConcept",
           {{"coding", json::array({{{"system", "http://www.nlm.nih.gov/research/umls/rxnorm"},
                                     {"code", "35302"},
                                     {"display", "sirolimus"}}})}}},
          {"dosageInstruction",
           json::array(
               {{{"timing", {{"repeat", {{"frequency", 1}, {"period", 12}, {"periodUnit", "h"}}}}},
                 {"doseAndRate", json::array({{{"doseQuantity",
                                                {{"value", mg},
                                                 {"unit", "mg"},
                                                 {"system", "http://unitsofmeasure.org"},
                                                 {"code", "mg"}}}}})}}})}};
}

TEST_P(CdsConformance, OrderSelectFlagsADraftDoseMoreThanTenPercentOff) {
  const json bundle = example_bundle("ex01-khe-severe-kmp.json", "2026-08-03T12:00:00Z");
  const std::string patient = patient_id_of(bundle);
  for (const std::string& hook : {std::string("order-select"), std::string("order-sign")}) {
    SCOPED_TRACE(hook);
    const std::string service = service_for(hook);
    ASSERT_FALSE(service.empty());
    for (const auto& [mg, flagged] : {std::pair{0.30, true}, std::pair{0.25, false}}) {
      json request = hook_request(discovery(), service, hook, bundle);
      request["context"]["draftOrders"] = {
          {"resourceType", "Bundle"},
          {"type", "collection"},
          {"entry", json::array({{{"resource", draft_sirolimus("draft-1", patient, mg)}}})}};
      if (hook == "order-select") {
        request["context"]["selections"] = json::array({"MedicationRequest/draft-1"});
      }
      const HttpReply r = call(service, request);
      ASSERT_EQ(r.status, 200) << r.body;
      const json body = json::parse(r.body);
      std::string where;
      EXPECT_TRUE(no_empty_fields(body, where)) << where;
      bool update = false;
      for (const auto& c : body["cards"]) {
        for (const auto& s : c.value("suggestions", json::array())) {
          for (const auto& a : s.value("actions", json::array())) {
            if (a["type"] != "update") continue;
            update = true;
            EXPECT_EQ(c["indicator"], "warning");
            const json& res = a.at("resource");
            EXPECT_EQ(res["id"], "draft-1");
            const double dose =
                res["dosageInstruction"][0]["doseAndRate"][0]["doseQuantity"]["value"];
            EXPECT_NEAR(dose, 0.2444, 0.2444 * 0.05) << "the computed dose";
          }
        }
      }
      EXPECT_EQ(update, flagged) << mg << " mg: " << r.body;
    }
  }
}

}  // namespace
}  // namespace khe::serve

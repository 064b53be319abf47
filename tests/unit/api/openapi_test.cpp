// openapi.json against the implementation: the same (method, path) pairs both ways, every
// status a request of each route can get is documented (api_fixture.h checks it on every
// call of every test; here each route is driven through its error paths once more), and
// every response and body schema it names exists.
#include <set>

#include "api_fixture.h"

namespace khe::api::testing {
namespace {

const json& doc() {
  static const json d = json::parse(Api::openapi_json());
  return d;
}

std::set<std::pair<std::string, std::string>> documented_routes() {
  std::set<std::pair<std::string, std::string>> out;
  for (const auto& [path, item] : doc()["paths"].items()) {
    for (const auto& [method, op] : item.items()) {
      std::string m = method;
      for (char& c : m) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      out.insert({m, path});
    }
  }
  return out;
}

TEST(OpenApi, IsOpenApi303WithInfoAndPaths) {
  EXPECT_EQ(doc()["openapi"], "3.0.3");
  EXPECT_TRUE(doc()["info"].contains("title"));
  EXPECT_TRUE(doc()["info"].contains("version"));
  EXPECT_FALSE(doc()["paths"].empty());
}

TEST(OpenApi, DocumentsExactlyTheRoutesTheApiAnswers) {
  std::set<std::pair<std::string, std::string>> implemented;
  for (const auto& r : Api::routes()) implemented.insert({r.method, r.path});
  EXPECT_EQ(implemented, documented_routes());
  // And the router really answers each documented pair (the template's {id} filled in).
  for (const auto& [method, path] : documented_routes()) {
    std::string concrete = path;
    if (auto at = concrete.find("{id}"); at != std::string::npos) concrete.replace(at, 4, "p-1");
    EXPECT_EQ(Api::route_of(method, concrete), path) << method << " " << path;
  }
}

TEST(OpenApi, EveryOperationHasAnIdAndTheIdParameterWhereThePathHasOne) {
  std::set<std::string> ids;
  for (const auto& [path, item] : doc()["paths"].items()) {
    for (const auto& [method, op] : item.items()) {
      ASSERT_TRUE(op.contains("operationId")) << method << " " << path;
      EXPECT_TRUE(ids.insert(op["operationId"]).second) << "duplicate " << op["operationId"];
      bool has_id = false;
      for (const auto& p : op.value("parameters", json::array())) {
        if (p["name"] == "id" && p["in"] == "path" && p["required"] == true) has_id = true;
      }
      EXPECT_EQ(has_id, path.find("{id}") != std::string::npos) << method << " " << path;
      EXPECT_FALSE(op["responses"].empty());
    }
  }
}

// Every $ref points at something that exists.
void check_refs(const json& j, const std::string& where) {
  if (j.is_object()) {
    for (const auto& [k, v] : j.items()) {
      if (k == "$ref") {
        const std::string ref = v;
        ASSERT_EQ(ref.rfind("#/", 0), 0u) << where;
        const json::json_pointer ptr(ref.substr(1));
        EXPECT_TRUE(doc().contains(ptr)) << "dangling " << ref << " at " << where;
      } else {
        check_refs(v, where + "/" + k);
      }
    }
  } else if (j.is_array()) {
    for (std::size_t i = 0; i < j.size(); ++i) check_refs(j[i], where + "/" + std::to_string(i));
  }
}

TEST(OpenApi, EveryReferenceResolves) { check_refs(doc(), ""); }

// Each route driven through the statuses it can answer; call() fails on an undocumented
// one, and here each expected status must also be the one observed.
TEST_F(ApiTest, EveryStatusEachRouteAnswersIsDocumented) {
  const std::string ex = example("ex01-khe-severe-kmp.json");
  const std::string patient = R"({"resourceType":"Patient","id":"p","birthDate":"2026-06-01"})";
  struct Case {
    std::string method, target, body, content_type;
    int status;
  };
  const std::vector<Case> cases = {
      {"POST", "/api/evaluate", ex, "application/fhir+json", 200},
      {"POST", "/api/evaluate", "{", "application/json", 400},
      {"POST", "/api/evaluate", ex, "text/plain", 415},
      {"POST", "/api/evaluate", R"({"resourceType":"Basic"})", "application/json", 422},
      {"GET", "/api/patients", "", "", 200},
      {"POST", "/api/patients", patient, "application/fhir+json", 201},
      {"POST", "/api/patients", patient, "application/fhir+json", 409},
      {"POST", "/api/patients", "nope", "application/json", 400},
      {"POST", "/api/patients", patient, "text/csv", 415},
      {"POST", "/api/patients", R"({"resourceType":"Patient"})", "application/json", 422},
      {"POST", "/api/patients/import", ex, "application/fhir+json", 201},
      {"POST", "/api/patients/import", ex, "application/fhir+json", 409},
      {"POST", "/api/patients/import", "[", "application/json", 400},
      {"POST", "/api/patients/import", ex, "text/plain", 415},
      {"POST", "/api/patients/import", patient, "application/json", 422},
      {"GET", "/api/patients/p", "", "", 200},
      {"GET", "/api/patients/q", "", "", 404},
      {"GET", "/api/patients/a%20b", "", "", 400},
      {"POST", "/api/patients/p/observations", platelets(15).dump(), "application/json", 201},
      {"POST", "/api/patients/p/observations", "x", "application/json", 400},
      {"POST", "/api/patients/q/observations", platelets(15).dump(), "application/json", 404},
      {"POST", "/api/patients/p/observations", platelets(15).dump(), "text/plain", 415},
      {"POST", "/api/patients/p/observations", transfusion().dump(), "application/json", 422},
      {"POST", "/api/patients/p/findings", diagnosis().dump(), "application/json", 201},
      {"POST", "/api/patients/p/findings", "x", "application/json", 400},
      {"POST", "/api/patients/q/findings", diagnosis().dump(), "application/json", 404},
      {"POST", "/api/patients/p/findings", diagnosis().dump(), "text/plain", 415},
      {"POST", "/api/patients/p/findings", platelets(1).dump(), "application/json", 422},
      {"POST", "/api/patients/p/medications", sirolimus_statement().dump(), "application/json",
       201},
      {"POST", "/api/patients/p/medications", "x", "application/json", 400},
      {"POST", "/api/patients/q/medications", sirolimus_statement().dump(), "application/json",
       404},
      {"POST", "/api/patients/p/medications", sirolimus_statement().dump(), "text/plain", 415},
      {"POST", "/api/patients/p/medications", platelets(1).dump(), "application/json", 422},
      {"POST", "/api/patients/p/procedures", transfusion().dump(), "application/json", 201},
      {"POST", "/api/patients/p/procedures", "x", "application/json", 400},
      {"POST", "/api/patients/q/procedures", transfusion().dump(), "application/json", 404},
      {"POST", "/api/patients/p/procedures", transfusion().dump(), "text/plain", 415},
      {"POST", "/api/patients/p/procedures", platelets(1).dump(), "application/json", 422},
      {"GET", "/api/patients/p/report", "", "", 200},
      {"GET", "/api/patients/p/report?format=doc", "", "", 400},
      {"GET", "/api/patients/q/report", "", "", 404},
      {"GET", "/api/patients/p/report?as_of=2020-01-01T00:00:00Z", "", "", 422},
      {"GET", "/api/inputs", "", "", 200},
      {"GET", "/api/openapi.json", "", "", 200},
      {"DELETE", "/api/patients/p", "", "", 204},
      {"DELETE", "/api/patients/p", "", "", 404},
      {"DELETE", "/api/patients/a%20b", "", "", 400},
  };
  std::set<std::pair<std::string, std::string>> covered;
  for (const Case& c : cases) {
    const auto r = call(request(c.method, c.target, c.body, c.content_type));
    EXPECT_EQ(r.status, c.status) << c.method << " " << c.target << ": " << r.body;
    covered.insert({c.method, Api::route_of(c.method, request(c.method, c.target).path)});
  }
  EXPECT_EQ(covered, documented_routes()) << "a route without a case here";
}

TEST_F(ApiTest, OpenApiIsServedAsJson) {
  const auto r = get("/api/openapi.json");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.content_type, "application/json");
  EXPECT_EQ(r.body, Api::openapi_json());
}

}  // namespace
}  // namespace khe::api::testing

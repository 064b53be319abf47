// The router of the REST API: path templates, methods, 404 / 405, and the dispatch to the
// handlers (patients.cpp, evaluation.cpp, inputs.cpp).
#include "api/api.h"

#include <array>
#include <string>

#include "api/internal.h"
#include "store/ids.h"

namespace khe::api {
namespace {

// One route: its template and the methods it answers.
struct Route {
  std::string_view path;     // template, "{id}" for the patient id segment
  std::string_view methods;  // "GET, DELETE" (the Allow header of a 405)
};

// Every route of the API. tests/unit/api checks this list against openapi.json.
constexpr std::array<Route, 9> kRoutes = {{
    {"/api/evaluate", "POST"},
    {"/api/patients", "GET, POST"},
    {"/api/patients/import", "POST"},
    {"/api/patients/{id}", "GET, DELETE"},
    {"/api/patients/{id}/observations", "POST"},
    {"/api/patients/{id}/medications", "POST"},
    {"/api/patients/{id}/findings", "POST"},
    {"/api/patients/{id}/procedures", "POST"},
    {"/api/patients/{id}/report", "GET"},
}};
constexpr std::array<Route, 2> kStaticRoutes = {{
    {"/api/inputs", "GET"},
    {"/api/openapi.json", "GET"},
}};

struct Match {
  const Route* route = nullptr;
  std::string_view id;  // the {id} segment, decoded, unchecked
};

// The route whose template `path` fits, if any. "/api/patients/import" is the import route,
// never a patient id.
Match match(std::string_view path) {
  for (const Route& r : kStaticRoutes) {
    if (path == r.path) return {&r, {}};
  }
  if (path == "/api/evaluate") return {&kRoutes[0], {}};
  constexpr std::string_view kPatients = "/api/patients";
  if (!path.starts_with(kPatients)) return {};
  std::string_view rest = path.substr(kPatients.size());
  if (rest.empty()) return {&kRoutes[1], {}};
  if (rest.front() != '/') return {};
  rest.remove_prefix(1);
  if (rest == "import") return {&kRoutes[2], {}};
  const auto slash = rest.find('/');
  const std::string_view id = rest.substr(0, slash);
  if (id.empty()) return {};
  if (slash == std::string_view::npos) return {&kRoutes[3], id};
  const std::string_view tail = rest.substr(slash);
  for (std::size_t i = 4; i < kRoutes.size(); ++i) {
    const std::string_view t = kRoutes[i].path;
    if (t.substr(t.rfind('/')) == tail) return {&kRoutes[i], id};
  }
  return {};
}

bool allows(const Route& r, std::string_view method) {
  std::string_view m = r.methods;
  while (!m.empty()) {
    const auto comma = m.find(',');
    const std::string_view one = m.substr(0, comma);
    if (one == method) return true;
    if (comma == std::string_view::npos) break;
    m.remove_prefix(comma + 1);
    while (!m.empty() && m.front() == ' ') m.remove_prefix(1);
  }
  return false;
}

std::string_view segment_after_id(std::string_view route) {
  const auto at = route.rfind('/');
  return route.substr(at + 1);
}

}  // namespace

std::vector<Api::RouteEntry> Api::routes() {
  std::vector<RouteEntry> out;
  auto add = [&](const Route& r) {
    std::string_view m = r.methods;
    while (!m.empty()) {
      const auto comma = m.find(',');
      out.push_back({std::string(m.substr(0, comma)), std::string(r.path)});
      if (comma == std::string_view::npos) break;
      m.remove_prefix(comma + 1);
      while (!m.empty() && m.front() == ' ') m.remove_prefix(1);
    }
  };
  for (const Route& r : kRoutes) add(r);
  for (const Route& r : kStaticRoutes) add(r);
  return out;
}

Api::Api(store::Store& store, const knowledge::Knowledge& k,
         const knowledge::Profile& default_profile)
    : store_(store), k_(k), profile_(default_profile) {}

std::string Api::route_of(std::string_view method, std::string_view path) {
  const Match m = match(path);
  if (m.route == nullptr || !allows(*m.route, method)) return "";
  return std::string(m.route->path);
}

http::Response Api::handle(const http::Request& r, Instant now, std::string_view caller) const {
  const Match m = match(r.path);
  if (m.route == nullptr) return http::error_response(404, "not_found", "no such API route");
  if (!allows(*m.route, r.method)) {
    http::Response out = http::error_response(
        405, "method_not_allowed", "method not allowed on this route; see the Allow header");
    out.set_header("Allow", std::string(m.route->methods));
    return out;
  }
  const detail::Ctx c{store_, k_, profile_, now, caller};
  const std::string_view route = m.route->path;

  if (route == "/api/openapi.json") {
    http::Response out = http::json_response(200, openapi_json());
    out.set_header("Cache-Control", "no-cache");
    return out;
  }
  if (route == "/api/inputs") return detail::get_inputs(c);
  if (route == "/api/evaluate") return detail::post_evaluate(r, c);
  if (route == "/api/patients") {
    return r.method == "GET" ? detail::list_patients(c) : detail::create_patient(r, c);
  }
  if (route == "/api/patients/import") return detail::import_patient(r, c);

  // Routes with a patient id: ids that are not FHIR ids never reach the store.
  if (!store::valid_id(m.id)) {
    return http::error_response(400, "invalid_id",
                                "path parameter id: not a FHIR id ([A-Za-z0-9-.]{1,64})");
  }
  if (route == "/api/patients/{id}") {
    return r.method == "GET" ? detail::get_patient(m.id, c) : detail::delete_patient(m.id, c);
  }
  if (route == "/api/patients/{id}/report") return detail::get_report(r, m.id, c);
  return detail::add_resources(r, m.id, segment_after_id(route), c);
}

}  // namespace khe::api

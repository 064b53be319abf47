#include "serve/serve_fixture.h"

#include <atomic>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <gtest/gtest.h>

#include "support/process.h"

namespace khe::serve::testing {

namespace forge = khe::auth::testing;

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string fresh_jti() {
  static std::atomic<int> n{0};
  return "jti-" + std::to_string(::getpid()) + "-" + std::to_string(unix_now()) + "-" +
         std::to_string(n++);
}

json claims_for(const std::string& url, const std::string& path) {
  const std::int64_t now = unix_now();
  return json{{"iss", kIssuer}, {"sub", "ehr-client-1"}, {"aud", url + path},
              {"iat", now - 5}, {"exp", now + 240},      {"jti", fresh_jti()}};
}

std::string bearer(const json& claims) {
  return "Bearer " + forge::make_jwt(forge::header_for(forge::ec_key()), claims, forge::ec_key());
}

std::string bearer_rsa(const json& claims) {
  return "Bearer " + forge::make_jwt(forge::header_for(forge::rsa_key()), claims, forge::rsa_key());
}

Server start_server(const std::vector<std::string>& extra) {
  Server s;
  s.dir = test_support::make_temp_dir("serve");
  s.db = s.dir + "/khe.db";
  const std::string jwks = s.dir + "/jwks.json";
  test_support::write_file(
      jwks, forge::jwks_text(json::array(
                {forge::public_jwk(forge::ec_key()), forge::public_jwk(forge::rsa_key())})));
  std::vector<std::string> args{"--db",     s.db,    "--jwks",        jwks,
                                "--issuer", kIssuer, "--cors-origin", kOrigin};
  args.insert(args.end(), extra.begin(), extra.end());
  std::string why;
  s.process = ServerProcess::start(args, &why);
  if (!s.process) ADD_FAILURE() << why;
  return s;
}

json example_bundle(const std::string& file, const std::string& as_of) {
  const std::string path = std::string(KHE_SHARED_DIR) + "/examples/" + file;
  const auto now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  const std::string to = format_instant(Instant(now.time_since_epoch()));
  const auto r = test_support::run_binary_path(std::string(KHE_BUILD_DIR) + "/tools/rebase_dates",
                                               {path, as_of, to});
  if (r.status != 0) throw std::runtime_error("rebase_dates failed: " + r.err);
  return json::parse(r.out);
}

std::string patient_id_of(const json& bundle) {
  for (const auto& e : bundle.at("entry")) {
    if (e.at("resource").at("resourceType") == "Patient") return e["resource"]["id"];
  }
  return {};
}

namespace {

// References to the patient by its bundle fullUrl become "Patient/<id>", as an EHR's FHIR
// server would return them.
void rewrite_references(json& j, const std::string& from, const std::string& to) {
  if (j.is_object()) {
    for (auto& [k, v] : j.items()) {
      if (k == "reference" && v.is_string() && v == from) {
        v = to;
      } else {
        rewrite_references(v, from, to);
      }
    }
  } else if (j.is_array()) {
    for (auto& v : j) rewrite_references(v, from, to);
  }
}

std::string type_of_template(const std::string& t) {
  const auto end = t.find_first_of("/?");
  return t.substr(0, end);
}

}  // namespace

json hook_request(const json& discovery, const std::string& service, const std::string& hook,
                  const json& bundle, bool with_prefetch) {
  const std::string pid = patient_id_of(bundle);
  json copy = bundle;
  for (const auto& e : copy["entry"]) {
    if (e["resource"]["resourceType"] == "Patient" && e.contains("fullUrl")) {
      rewrite_references(copy, e["fullUrl"], "Patient/" + pid);
      break;
    }
  }
  json request{{"hook", hook},
               {"hookInstance", "d1577c69-dfbe-44ad-ba6d-3e05e953b2ea"},
               {"context", {{"userId", "Practitioner/p1"}, {"patientId", pid}}}};
  if (!with_prefetch) return request;
  json prefetch = json::object();
  for (const auto& s : discovery.at("services")) {
    if (s.at("id") != service || !s.contains("prefetch")) continue;
    for (const auto& [key, tmpl] : s["prefetch"].items()) {
      const std::string type = type_of_template(tmpl.get<std::string>());
      if (type == "Patient") {
        for (const auto& e : copy["entry"]) {
          if (e["resource"]["resourceType"] == "Patient") prefetch[key] = e["resource"];
        }
        continue;
      }
      json set{{"resourceType", "Bundle"}, {"type", "searchset"}, {"entry", json::array()}};
      for (const auto& e : copy["entry"]) {
        if (e["resource"]["resourceType"] == type)
          set["entry"].push_back({{"resource", e["resource"]}});
      }
      set["total"] = set["entry"].size();
      prefetch[key] = set;
    }
  }
  request["prefetch"] = prefetch;
  return request;
}

HttpReply post_json(const Server& s, const std::string& path, const json& body,
                    const std::string& authorization, HeaderList extra) {
  return post_json(s.process->port(), path, body, authorization, std::move(extra));
}

HttpReply post_json(std::uint16_t port, const std::string& path, const json& body,
                    const std::string& authorization, HeaderList extra) {
  HeaderList h{{"Content-Type", "application/json"}};
  if (!authorization.empty()) h.emplace_back("Authorization", authorization);
  h.insert(h.end(), extra.begin(), extra.end());
  return test_support::http_call(port, "POST", path, h, body.dump());
}

bool no_empty_fields(const json& j, std::string& where, const std::string& path) {
  if (j.is_null() || (j.is_string() && j.get<std::string>().empty()) ||
      ((j.is_array() || j.is_object()) && j.empty() && !path.empty() && path != "/cards")) {
    where = path.empty() ? "/" : path;
    return false;
  }
  if (j.is_object()) {
    for (const auto& [k, v] : j.items()) {
      if (!no_empty_fields(v, where, path + "/" + k)) return false;
    }
  } else if (j.is_array()) {
    for (std::size_t i = 0; i < j.size(); ++i) {
      if (!no_empty_fields(j[i], where, path + "/" + std::to_string(i))) return false;
    }
  }
  return true;
}

}  // namespace khe::serve::testing

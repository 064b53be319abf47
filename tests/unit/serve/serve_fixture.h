// Shared by the tests that talk to a real `khe serve` on loopback: a server started once
// per test suite with a JWK Set of the test keys, tokens signed as an EHR signs them (at the
// real clock: the server reads it), and the example patients as CDS Hooks requests.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "support/http_client.h"
#include "support/server_process.h"
#include "support/token_forge.h"

namespace khe::serve::testing {

using nlohmann::json;
using test_support::HeaderList;
using test_support::HttpReply;
using test_support::ServerProcess;

inline constexpr const char* kOrigin = "https://app.example.org";
inline constexpr const char* kIssuer = "https://ehr.example.org";

// Seconds since the epoch, now.
std::int64_t unix_now();
// A unique jti for this process.
std::string fresh_jti();

// Claims for the endpoint `url + path`, valid now (iat now-5 s, exp now+240 s).
json claims_for(const std::string& url, const std::string& path);
// "Bearer <jwt>" signed with the test EC key (ES384) unless another key is given.
std::string bearer(const json& claims);
std::string bearer_rsa(const json& claims);

// A running server: jwks file, db, and args of the suite.
struct Server {
  std::string dir;
  std::string db;
  std::unique_ptr<ServerProcess> process;
};
// Starts `khe serve` with the test keys, issuer kIssuer, CORS origin kOrigin and `extra`.
Server start_server(const std::vector<std::string>& extra = {});

// The example `file` (under shared/examples) with its dates moved so that its as-of is now,
// as a FHIR Bundle.
json example_bundle(const std::string& file, const std::string& as_of);
// A CDS Hooks request for `hook` on the patient of `bundle`, with the prefetch filled from
// the bundle for every prefetch template of `service` in `discovery` (unless no_prefetch).
json hook_request(const json& discovery, const std::string& service, const std::string& hook,
                  const json& bundle, bool with_prefetch = true);
// The Patient id of a bundle.
std::string patient_id_of(const json& bundle);

HttpReply post_json(const Server& s, const std::string& path, const json& body,
                    const std::string& authorization, HeaderList extra = {});
// The same to any server on loopback (a replica, or the balancer in front of several).
HttpReply post_json(std::uint16_t port, const std::string& path, const json& body,
                    const std::string& authorization, HeaderList extra = {});

// True when the JSON has no null, no empty string and no empty array or object anywhere
// below the top level (CDS Hooks: empty optional fields are omitted; `cards` is required,
// so `{"cards": []}` is fine). `where` names the first offender.
bool no_empty_fields(const json& j, std::string& where, const std::string& path = "");

}  // namespace khe::serve::testing

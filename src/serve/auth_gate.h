// Who may call the CDS routes: a bearer JWT verified per CDS Hooks 2.0 (auth/), whose
// audience is the exact endpoint URL under --public-url. Keys come from the --jwks file or,
// for a token whose `jku` is allow-listed, from that URL (fetched through `JwksFetch`,
// kept for five minutes).
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "auth/jwks.h"
#include "auth/jwt.h"
#include "auth/replay_cache.h"
#include "core/result.h"
#include "core/time.h"

namespace khe::serve {

// Fetches the body of a JWK Set URL (the server adapts http::get; tests fake it).
using JwksFetch = std::function<Result<std::string>(const std::string& url)>;

struct AuthSettings {
  std::string public_url;                  // e.g. "https://khe.example.org" (no trailing /)
  std::vector<std::string> issuers;        // --issuer
  std::vector<std::string> jku_allowlist;  // --jku
  auth::Jwks jwks;                         // --jwks
  Seconds clock_skew{60};
  // Where used token ids are remembered: the store's table in `khe serve` (shared by the
  // replicas); an in-process auth::ReplayCache when null (tests, a single process).
  std::shared_ptr<auth::ReplayGuard> replay;
};

class AuthGate {
 public:
  // Errors for settings that accept nothing (no issuer) or anything.
  static Result<std::unique_ptr<AuthGate>> create(AuthSettings settings, JwksFetch fetch);

  // Verifies `authorization` (the header value) for the endpoint `path` at `now`. The
  // error's message is safe to send to the caller.
  Result<auth::Claims> check(std::string_view path, std::string_view authorization, Instant now);

 private:
  AuthGate(AuthSettings settings, JwksFetch fetch)
      : settings_(std::move(settings)), fetch_(std::move(fetch)) {
    if (!settings_.replay) settings_.replay = std::make_shared<auth::ReplayCache>();
  }
  Result<const auth::Verifier*> verifier_for(std::string_view path);
  Result<auth::Jwks> jku_keys(const std::string& url);

  AuthSettings settings_;
  JwksFetch fetch_;
  std::mutex mu_;  // guards the two maps
  std::map<std::string, std::unique_ptr<auth::Verifier>, std::less<>> verifiers_;
  struct CachedJwks {
    auth::Jwks keys;
    std::chrono::steady_clock::time_point fetched;
  };
  std::map<std::string, CachedJwks, std::less<>> jku_cache_;
};

}  // namespace khe::serve

#include "serve/auth_gate.h"

namespace khe::serve {
namespace {
constexpr auto kJwksCacheTime = std::chrono::minutes(5);
constexpr std::size_t kMaxVerifiers = 256;  // endpoints are few; bounded all the same

// The audience is the exact endpoint URL: public URL + path.
auth::VerifierOptions verifier_options(const AuthSettings& s, std::string_view path) {
  auth::VerifierOptions o;
  o.issuers = s.issuers;
  o.audience = s.public_url + std::string(path);
  o.jku_allowlist = s.jku_allowlist;
  o.clock_skew = s.clock_skew;
  return o;
}
}  // namespace

Result<std::unique_ptr<AuthGate>> AuthGate::create(AuthSettings settings, JwksFetch fetch) {
  if (settings.issuers.empty()) {
    return Error{"--issuer", "at least one trusted issuer is required (or --insecure-no-auth)"};
  }
  if (settings.jwks.size() == 0 && settings.jku_allowlist.empty()) {
    return Error{"--jwks", "no keys: give --jwks FILE or allow-list a --jku URL"};
  }
  // Check the options once, with the discovery endpoint as audience.
  auto probe = auth::Verifier::create(verifier_options(settings, "/cds-services"));
  if (!probe) return probe.error();
  return std::unique_ptr<AuthGate>(new AuthGate(std::move(settings), std::move(fetch)));
}

Result<const auth::Verifier*> AuthGate::verifier_for(std::string_view path) {
  std::lock_guard lock(mu_);
  if (auto it = verifiers_.find(path); it != verifiers_.end()) return it->second.get();
  if (verifiers_.size() >= kMaxVerifiers) return Error{"auth", "too many endpoints"};
  auto v = auth::Verifier::create(verifier_options(settings_, path));
  if (!v) return v.error();
  auto [it, inserted] =
      verifiers_.emplace(std::string(path), std::make_unique<auth::Verifier>(std::move(*v)));
  return it->second.get();
}

Result<auth::Jwks> AuthGate::jku_keys(const std::string& url) {
  const auto now = std::chrono::steady_clock::now();
  {
    std::lock_guard lock(mu_);
    if (auto it = jku_cache_.find(url);
        it != jku_cache_.end() && now - it->second.fetched < kJwksCacheTime) {
      return it->second.keys;
    }
  }
  if (!fetch_) return Error{"auth/unknown_key", "no key for this token"};
  auto text = fetch_(url);
  if (!text) return Error{"auth/unknown_key", "the token's key set could not be fetched"};
  auto keys = auth::parse_jwks(*text, url);
  if (!keys) return Error{"auth/unknown_key", "the token's key set is not a usable JWK Set"};
  std::lock_guard lock(mu_);
  jku_cache_[url] = CachedJwks{*keys, now};
  return *keys;
}

Result<auth::Claims> AuthGate::check(std::string_view path, std::string_view authorization,
                                     Instant now) {
  auto verifier = verifier_for(path);
  if (!verifier) return verifier.error();
  auto claims = (*verifier)->verify(authorization, settings_.jwks, now, *settings_.replay);
  if (claims || auth::auth_code_of(claims.error()) != auth::AuthCode::jku_keys_needed) {
    return claims;
  }
  auto url = (*verifier)->jku_to_fetch(authorization);
  if (!url) return url.error();
  auto keys = jku_keys(*url);
  if (!keys) return keys.error();
  return (*verifier)->verify(authorization, *keys, now, *settings_.replay);
}

}  // namespace khe::serve

// Verification of the bearer JWT that a CDS Client (the EHR) sends with every CDS Hooks 2.0
// call (https://cds-hooks.hl7.org/2.0/#trusting-cds-clients). See README.md for the rules.
//
// Typical use (the server; one Verifier per endpoint URL, since `aud` is the exact URL):
//   auto v = Verifier::create({.issuers = {...}, .audience = public_url + "/cds-services/x"});
//   auto claims = v->verify(request["Authorization"], jwks, now, replay_cache);
//   if (!claims) return http_401(claims.error().message);  // message is safe to send
//   if (auth_code_of(claims.error()) == AuthCode::jku_keys_needed) {
//     // fetch *v->jku_to_fetch(header), parse_jwks(text, url), verify again
//   }
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "auth/jwks.h"
#include "auth/replay_cache.h"
#include "core/result.h"
#include "core/time.h"

namespace khe::auth {

// Why a token was refused. Error::where is "auth/" + auth_code_name(code); the message is a
// fixed short text per code.
enum class AuthCode {
  missing,            // no Authorization value, or not the Bearer scheme
  too_large,          // longer than max_token_bytes
  malformed,          // not three strict base64url parts; header or claims not a JSON object;
                      // typ not JWT; kid missing; a crit header; empty signature
  unsupported_alg,    // alg other than ES384 / RS384 (none, HS*, ES256, RS256, PS*, ...)
  jku_untrusted,      // jku not in the allow-list
  jku_keys_needed,    // jku allow-listed, but the Jwks passed was not fetched from it
  unknown_key,        // no key with this kid for this alg in the Jwks passed
  bad_signature,      // the signature does not verify
  invalid_claims,     // iss/sub/aud/exp/iat/jti missing or mistyped; exp ≤ iat; lifetime
                      // over max_lifetime
  untrusted_issuer,   // iss not in the allow-list
  untrusted_subject,  // sub not in the subject allow-list (when one is given)
  wrong_audience,     // aud is not (and does not contain) the expected audience
  expired,            // exp ≤ now − skew
  not_yet_valid,      // iat or nbf > now + skew
  replayed,           // this iss + jti was accepted before and has not expired
  replay_cache_full,  // the replay cache holds `capacity` live ids: refused, fail closed
  replay_check_unavailable,  // the shared replay cache (the database) could not be asked
};

std::string_view auth_code_name(AuthCode code);
// The code of an Error returned by this module; nullopt for any other Error.
std::optional<AuthCode> auth_code_of(const Error& error);

struct VerifierOptions {
  std::vector<std::string> issuers;        // accepted `iss` values (exact); required
  std::string audience;                    // the exact endpoint URL; required
  std::vector<std::string> subjects;       // accepted `sub` values; empty: any
  std::vector<std::string> jku_allowlist;  // accepted `jku` URLs (exact); empty: none
  Seconds clock_skew{60};                  // tolerance for exp, iat, nbf; 0..3600 s
  Seconds max_lifetime = hours(1);         // refuse exp − iat beyond this; bounds the cache
  std::size_t max_token_bytes = 8192;      // the header value's token; 256 B..1 MiB
};

// What a verified token says. Every field is from a token whose signature verified.
struct Claims {
  std::string iss;
  std::string sub;  // the CDS Client's client_id
  std::string aud;  // the expected audience it matched
  std::string jti;
  std::string tenant;  // optional claim; empty when absent
  Instant exp{};
  Instant iat{};
  std::string alg;  // "ES384" or "RS384"
  std::string kid;
};

// Immutable; verify() is const and safe to call from several threads at once.
class Verifier {
 public:
  // Refuses options that would accept too much or nothing: no issuer, an empty issuer or
  // audience, a skew outside 0..3600 s, a non-positive lifetime, a token limit outside
  // 256 B..1 MiB. Error.where = "auth.options".
  static Result<Verifier> create(VerifierOptions options);

  const VerifierOptions& options() const { return o_; }

  // `authorization`: the Authorization header value ("" when the header is absent).
  // Checks, in this order: size, Bearer scheme, three parts, header (alg, typ, crit, kid,
  // jku), strict base64url of claims and signature, key lookup, signature, then the claims,
  // and last the replay cache — so a token refused for any other reason does not use up its
  // jti. OK means: accept the request.
  Result<Claims> verify(std::string_view authorization, const Jwks& jwks, Instant now,
                        ReplayGuard& replay) const;

  // The allow-listed `jku` of the token in `authorization` (after a jku_keys_needed
  // refusal): the URL of the key set to fetch. Checks only the token's syntax and header,
  // never the signature: use the URL to fetch, then verify(). Errors: those of verify() for
  // the header; unknown_key when the token names no jku.
  Result<std::string> jku_to_fetch(std::string_view authorization) const;

 private:
  explicit Verifier(VerifierOptions o) : o_(std::move(o)) {}
  VerifierOptions o_;
};

}  // namespace khe::auth

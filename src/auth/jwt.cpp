#include "auth/jwt.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>

#include "auth/base64url.h"
#include "auth/json.h"
#include "auth/keys.h"

namespace khe::auth {
namespace {

using nlohmann::json;

constexpr int kMaxJsonDepth = 16;
constexpr std::size_t kMaxJtiBytes = 256;
constexpr std::int64_t kMaxNumericDate = 253402300799;  // 9999-12-31T23:59:59Z
constexpr std::string_view kPrefix = "auth/";

struct CodeText {
  AuthCode code;
  std::string_view name;
  std::string_view message;  // sent to the client: fixed, echoes nothing
};

constexpr std::array<CodeText, 17> kCodes = {{
    {AuthCode::missing, "missing", "bearer token required"},
    {AuthCode::too_large, "too_large", "token too large"},
    {AuthCode::malformed, "malformed", "malformed token"},
    {AuthCode::unsupported_alg, "unsupported_alg", "signing algorithm not accepted"},
    {AuthCode::jku_untrusted, "jku_untrusted", "key set URL not trusted"},
    {AuthCode::jku_keys_needed, "jku_keys_needed", "key set not loaded"},
    {AuthCode::unknown_key, "unknown_key", "signing key not known"},
    {AuthCode::bad_signature, "bad_signature", "invalid signature"},
    {AuthCode::invalid_claims, "invalid_claims", "required claim missing or invalid"},
    {AuthCode::untrusted_issuer, "untrusted_issuer", "issuer not trusted"},
    {AuthCode::untrusted_subject, "untrusted_subject", "client not trusted"},
    {AuthCode::wrong_audience, "wrong_audience", "token not issued for this service"},
    {AuthCode::expired, "expired", "token expired"},
    {AuthCode::not_yet_valid, "not_yet_valid", "token not yet valid"},
    {AuthCode::replayed, "replayed", "token already used"},
    {AuthCode::replay_cache_full, "replay_cache_full", "too many live tokens, retry later"},
    {AuthCode::replay_check_unavailable, "replay_check_unavailable",
     "the token could not be checked against earlier uses, retry later"},
}};

const CodeText& text_of(AuthCode code) {
  for (const auto& c : kCodes) {
    if (c.code == code) return c;
  }
  return kCodes[2];  // unreachable: every code is in the table
}

Error refuse(AuthCode code) {
  const CodeText& t = text_of(code);
  return Error{std::string(kPrefix) + std::string(t.name), std::string(t.message)};
}

bool contains(const std::vector<std::string>& list, std::string_view value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

bool is_ows(char c) { return c == ' ' || c == '\t'; }

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const auto lower = [](char c) {
      return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
    };
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

// A JWS in compact serialization, its header checked; the signature not yet.
struct Token {
  std::string_view signing_input;  // BASE64URL(header) '.' BASE64URL(payload)
  std::string payload;             // decoded, not yet parsed (that waits for the signature)
  std::string signature;           // decoded, non-empty
  std::string alg;
  std::string kid;
  std::optional<std::string> jku;
};

// The token of a "Bearer <token>" value (RFC 6750 §2.1; the scheme in any case).
Result<std::string_view> bearer_token(std::string_view value, std::size_t max_bytes) {
  if (value.size() > max_bytes + 64) return refuse(AuthCode::too_large);
  while (!value.empty() && is_ows(value.front())) value.remove_prefix(1);
  while (!value.empty() && is_ows(value.back())) value.remove_suffix(1);
  if (value.empty()) return refuse(AuthCode::missing);
  std::size_t sp = 0;
  while (sp < value.size() && !is_ows(value[sp])) ++sp;
  if (!iequals(value.substr(0, sp), "Bearer")) return refuse(AuthCode::missing);
  std::string_view token = value.substr(sp);
  while (!token.empty() && is_ows(token.front())) token.remove_prefix(1);
  if (token.empty()) return refuse(AuthCode::missing);
  if (token.size() > max_bytes) return refuse(AuthCode::too_large);
  return token;
}

Result<Token> parse_token(std::string_view authorization, const VerifierOptions& o) {
  auto bearer = bearer_token(authorization, o.max_token_bytes);
  if (!bearer) return bearer.error();
  const std::string_view text = *bearer;

  // Exactly two dots; header and payload non-empty (anything else, whitespace included,
  // fails the strict base64url decoding below).
  const std::size_t dot1 = text.find('.');
  if (dot1 == std::string_view::npos) return refuse(AuthCode::malformed);
  const std::size_t dot2 = text.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos || text.find('.', dot2 + 1) != std::string_view::npos) {
    return refuse(AuthCode::malformed);
  }
  Token t;
  const std::string_view header_b64 = text.substr(0, dot1);
  const std::string_view payload_b64 = text.substr(dot1 + 1, dot2 - dot1 - 1);
  const std::string_view signature_b64 = text.substr(dot2 + 1);
  t.signing_input = text.substr(0, dot2);
  if (header_b64.empty() || payload_b64.empty()) return refuse(AuthCode::malformed);

  const auto header_text = base64url_decode(header_b64);
  if (!header_text) return refuse(AuthCode::malformed);
  const auto header = detail::parse_object(*header_text, kMaxJsonDepth);
  if (!header) return refuse(AuthCode::malformed);

  // alg first, so that "none" and HS* are reported as such whatever else is wrong.
  const auto alg = header->find("alg");
  if (alg == header->end() || !alg->is_string()) return refuse(AuthCode::malformed);
  t.alg = alg->get<std::string>();
  if (t.alg != "ES384" && t.alg != "RS384") return refuse(AuthCode::unsupported_alg);

  const auto typ = header->find("typ");
  if (typ == header->end() || !typ->is_string() ||
      !iequals(typ->get_ref<const std::string&>(), "JWT")) {
    return refuse(AuthCode::malformed);
  }
  // RFC 7515 §4.1.11: extensions we do not understand must be refused; we implement none.
  if (header->contains("crit")) return refuse(AuthCode::malformed);
  const auto kid = header->find("kid");
  if (kid == header->end() || !kid->is_string() || kid->get_ref<const std::string&>().empty()) {
    return refuse(AuthCode::malformed);
  }
  t.kid = kid->get<std::string>();
  if (const auto jku = header->find("jku"); jku != header->end()) {
    if (!jku->is_string()) return refuse(AuthCode::malformed);
    t.jku = jku->get<std::string>();
    if (!contains(o.jku_allowlist, *t.jku)) return refuse(AuthCode::jku_untrusted);
  }
  auto payload = base64url_decode(payload_b64);
  auto signature = base64url_decode(signature_b64);
  if (!payload || !signature || signature->empty()) return refuse(AuthCode::malformed);
  t.payload = std::move(*payload);
  t.signature = std::move(*signature);
  return t;
}

// A NumericDate (RFC 7519 §2) as seconds, fractions rounded up or down; nullopt when not a
// number in [0, 9999-12-31].
std::optional<std::int64_t> numeric_date(const json& v, bool round_up) {
  if (v.is_number_unsigned()) {
    const auto u = v.get<std::uint64_t>();
    if (u > static_cast<std::uint64_t>(kMaxNumericDate)) return std::nullopt;
    return static_cast<std::int64_t>(u);
  }
  if (v.is_number_integer()) {
    const auto i = v.get<std::int64_t>();
    if (i < 0 || i > kMaxNumericDate) return std::nullopt;
    return i;
  }
  if (v.is_number_float()) {
    const double d = v.get<double>();
    if (!std::isfinite(d) || d < 0 || d > static_cast<double>(kMaxNumericDate)) {
      return std::nullopt;
    }
    return static_cast<std::int64_t>(round_up ? std::ceil(d) : std::floor(d));
  }
  return std::nullopt;
}

const std::string* nonempty_string(const json& obj, const char* name) {
  const auto it = obj.find(name);
  if (it == obj.end() || !it->is_string() || it->get_ref<const std::string&>().empty()) {
    return nullptr;
  }
  return &it->get_ref<const std::string&>();
}

}  // namespace

std::string_view auth_code_name(AuthCode code) { return text_of(code).name; }

std::optional<AuthCode> auth_code_of(const Error& error) {
  const std::string_view where = error.where;
  if (where.substr(0, kPrefix.size()) != kPrefix) return std::nullopt;
  for (const auto& c : kCodes) {
    if (where.substr(kPrefix.size()) == c.name) return c.code;
  }
  return std::nullopt;
}

Result<Verifier> Verifier::create(VerifierOptions o) {
  const auto bad = [](const char* what) { return Error{"auth.options", what}; };
  if (o.issuers.empty()) return bad("at least one issuer is required");
  for (const auto& iss : o.issuers) {
    if (iss.empty()) return bad("an issuer is empty");
  }
  if (o.audience.empty()) return bad("the audience is required");
  if (o.clock_skew < Seconds(0) || o.clock_skew > Seconds(3600)) {
    return bad("clock skew must be 0 to 3600 s");
  }
  if (o.max_lifetime <= Seconds(0)) return bad("max lifetime must be positive");
  if (o.max_token_bytes < 256 || o.max_token_bytes > (std::size_t{1} << 20)) {
    return bad("max token size must be 256 B to 1 MiB");
  }
  return Verifier(std::move(o));
}

Result<std::string> Verifier::jku_to_fetch(std::string_view authorization) const {
  auto t = parse_token(authorization, o_);
  if (!t) return t.error();
  if (!t->jku) return refuse(AuthCode::unknown_key);
  return *t->jku;
}

Result<Claims> Verifier::verify(std::string_view authorization, const Jwks& jwks, Instant now,
                                ReplayGuard& replay) const {
  auto parsed = parse_token(authorization, o_);
  if (!parsed) return parsed.error();
  const Token& t = *parsed;

  // The key: from the set of the token's jku, or from the out-of-band set.
  if (t.jku ? jwks.source() != *t.jku : !jwks.source().empty()) {
    return refuse(t.jku ? AuthCode::jku_keys_needed : AuthCode::unknown_key);
  }
  const PublicKey* key = jwks.find(t.kid, t.alg);
  if (key == nullptr) return refuse(AuthCode::unknown_key);

  if (!detail::verify_sha384(*key, t.signing_input, t.signature)) {
    return refuse(AuthCode::bad_signature);
  }

  // Claims, only now that the signature holds.
  const auto payload = detail::parse_object(t.payload, kMaxJsonDepth);
  if (!payload) return refuse(AuthCode::malformed);
  const json& p = *payload;

  Claims c;
  c.alg = t.alg;
  c.kid = t.kid;
  const std::string* iss = nonempty_string(p, "iss");
  const std::string* sub = nonempty_string(p, "sub");
  const std::string* jti = nonempty_string(p, "jti");
  const auto aud = p.find("aud");
  const auto exp_it = p.find("exp");
  const auto iat_it = p.find("iat");
  if (iss == nullptr || sub == nullptr || jti == nullptr || jti->size() > kMaxJtiBytes ||
      aud == p.end() || exp_it == p.end() || iat_it == p.end()) {
    return refuse(AuthCode::invalid_claims);
  }
  const auto exp = numeric_date(*exp_it, /*round_up=*/false);
  const auto iat = numeric_date(*iat_it, /*round_up=*/true);
  if (!exp || !iat) return refuse(AuthCode::invalid_claims);
  std::optional<std::int64_t> nbf;
  if (const auto it = p.find("nbf"); it != p.end()) {
    nbf = numeric_date(*it, /*round_up=*/true);
    if (!nbf) return refuse(AuthCode::invalid_claims);
  }
  if (const auto it = p.find("tenant"); it != p.end()) {
    if (!it->is_string()) return refuse(AuthCode::invalid_claims);
    c.tenant = it->get<std::string>();
  }
  bool audience_ok = false;
  if (aud->is_string()) {
    audience_ok = *aud == o_.audience;
  } else if (aud->is_array()) {
    for (const auto& a : *aud) {
      if (!a.is_string()) return refuse(AuthCode::invalid_claims);
      audience_ok = audience_ok || a == o_.audience;
    }
  } else {
    return refuse(AuthCode::invalid_claims);
  }
  c.exp = Instant(Seconds(*exp));
  c.iat = Instant(Seconds(*iat));
  if (c.exp <= c.iat || c.exp - c.iat > o_.max_lifetime) return refuse(AuthCode::invalid_claims);

  if (!contains(o_.issuers, *iss)) return refuse(AuthCode::untrusted_issuer);
  if (!o_.subjects.empty() && !contains(o_.subjects, *sub)) {
    return refuse(AuthCode::untrusted_subject);
  }
  if (!audience_ok) return refuse(AuthCode::wrong_audience);
  // Accepted while now < exp + skew; issued (and valid from) no later than now + skew.
  if (c.exp <= now - o_.clock_skew) return refuse(AuthCode::expired);
  if (c.iat > now + o_.clock_skew) return refuse(AuthCode::not_yet_valid);
  if (nbf && Instant(Seconds(*nbf)) > now + o_.clock_skew) return refuse(AuthCode::not_yet_valid);

  c.iss = *iss;
  c.sub = *sub;
  c.aud = o_.audience;
  c.jti = *jti;
  // Last: a token refused above never uses up its jti. Keyed by issuer and jti, remembered
  // as long as the token could pass the exp check.
  std::string replay_key = c.iss;
  replay_key += '\0';
  replay_key += c.jti;
  switch (replay.remember(replay_key, c.exp + o_.clock_skew, now)) {
    case ReplayGuard::Verdict::fresh:
      return c;
    case ReplayGuard::Verdict::replayed:
      return refuse(AuthCode::replayed);
    case ReplayGuard::Verdict::full:
      return refuse(AuthCode::replay_cache_full);
    case ReplayGuard::Verdict::unavailable:
      break;
  }
  return refuse(AuthCode::replay_check_unavailable);
}

}  // namespace khe::auth

// Verifying CDS Hooks 2.0 bearer JWTs: valid ES384 and RS384 tokens, and every way a token
// must be refused (algorithm, key, signature, syntax, claims, time, replay, jku).
#include <openssl/evp.h>

#include <algorithm>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "auth/base64url.h"
#include "auth/jwt.h"
#include "support/token_forge.h"

namespace khe::auth {
namespace {

using testing::claims;
using testing::ec_key;
using testing::header_for;
using testing::json;
using testing::kAudience;
using testing::kIssuer;
using testing::make_jwt;
using testing::make_jwt_text;
using testing::other_ec_key;
using testing::other_rsa_key;
using testing::public_jwk;
using testing::rsa_key;
using testing::test_now;
using testing::TestKey;

constexpr std::int64_t kSkew = 60;

std::int64_t now_s() { return test_now().time_since_epoch().count(); }
Instant at(std::int64_t s) { return Instant(Seconds(s)); }

VerifierOptions default_options() {
  VerifierOptions o;
  o.issuers = {std::string(kIssuer), "https://other-ehr.example.org"};
  o.audience = std::string(kAudience);
  o.jku_allowlist = {"https://ehr.example.org/.well-known/jwks.json"};
  o.clock_skew = Seconds(kSkew);
  return o;
}

// Splits a compact JWS into its three base64url parts.
std::vector<std::string> parts(const std::string& token) {
  std::vector<std::string> out(1);
  for (char c : token) {
    if (c == '.') {
      out.emplace_back();
    } else {
      out.back() += c;
    }
  }
  return out;
}

std::string join(const std::vector<std::string>& p) { return p[0] + "." + p[1] + "." + p[2]; }

// The token with its signature bytes replaced.
std::string with_signature(const std::string& token, const std::string& sig_bytes) {
  auto p = parts(token);
  p[2] = base64url_encode(sig_bytes);
  return join(p);
}

std::string signature_bytes(const std::string& token) {
  return base64url_decode(parts(token)[2]).value();
}

class JwtTest : public ::testing::Test {
 protected:
  Jwks jwks =
      parse_jwks(testing::jwks_text(json::array({public_jwk(ec_key()), public_jwk(rsa_key())})))
          .value();
  Verifier verifier = Verifier::create(default_options()).value();
  ReplayCache cache;

  Result<Claims> check(const std::string& token, Instant now = test_now()) {
    return verifier.verify("Bearer " + token, jwks, now, cache);
  }

  // Refused with `code`, and with a short fixed message that echoes none of the token.
  static void expect_refused(const Result<Claims>& r, AuthCode code, const std::string& token) {
    ASSERT_FALSE(r.ok()) << "accepted a token that must be refused";
    EXPECT_EQ(auth_code_of(r.error()), code)
        << r.error().to_string() << " (wanted " << auth_code_name(code) << ")";
    EXPECT_LT(r.error().message.size(), 60u);
    for (const auto& part : parts(token)) {
      if (part.size() >= 4) {
        EXPECT_EQ(r.error().to_string().find(part), std::string::npos);
      }
    }
  }
  void refused(const std::string& token, AuthCode code, Instant now = test_now()) {
    expect_refused(check(token, now), code, token);
  }
  void accepted(const std::string& token, Instant now = test_now()) {
    auto r = check(token, now);
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().to_string());
  }
  // A token for `key` with the default claims changed by `edit`.
  template <typename Edit>
  static std::string token_with(const TestKey& key, Edit edit, std::string jti = "jti-edit") {
    json c = claims(std::move(jti));
    edit(c);
    return make_jwt(header_for(key), c, key);
  }
};

// ---- valid tokens ----------------------------------------------------------------------

TEST_F(JwtTest, ValidEs384IsAcceptedWithItsClaims) {
  json c = claims("jti-es-1");
  c["tenant"] = "hospital-3";
  auto r = check(make_jwt(header_for(ec_key()), c, ec_key()));
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(r->iss, kIssuer);
  EXPECT_EQ(r->sub, "ehr-client-7");
  EXPECT_EQ(r->aud, kAudience);
  EXPECT_EQ(r->jti, "jti-es-1");
  EXPECT_EQ(r->tenant, "hospital-3");
  EXPECT_EQ(r->exp, at(now_s() + 290));
  EXPECT_EQ(r->iat, at(now_s() - 10));
  EXPECT_EQ(r->alg, "ES384");
  EXPECT_EQ(r->kid, "ehr-ec-1");
}

TEST_F(JwtTest, ValidRs384IsAcceptedWithItsClaims) {
  auto r = check(make_jwt(header_for(rsa_key()), claims("jti-rs-1"), rsa_key()));
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(r->jti, "jti-rs-1");
  EXPECT_EQ(r->alg, "RS384");
  EXPECT_EQ(r->kid, "ehr-rsa-1");
  EXPECT_EQ(r->tenant, "");
}

TEST_F(JwtTest, BearerSchemeIsCaseInsensitiveAndSurroundingSpaceIgnored) {
  const auto t1 = make_jwt(header_for(ec_key()), claims("case-1"), ec_key());
  const auto t2 = make_jwt(header_for(ec_key()), claims("case-2"), ec_key());
  const auto t3 = make_jwt(header_for(ec_key()), claims("case-3"), ec_key());
  EXPECT_TRUE(verifier.verify("bearer " + t1, jwks, test_now(), cache).ok());
  EXPECT_TRUE(verifier.verify("BEARER   " + t2, jwks, test_now(), cache).ok());
  EXPECT_TRUE(verifier.verify(" \tBearer " + t3 + " ", jwks, test_now(), cache).ok());
}

TEST_F(JwtTest, TypIsComparedCaseInsensitively) {
  json h = header_for(ec_key());
  h["typ"] = "jwt";
  accepted(make_jwt(h, claims("typ-lower"), ec_key()));
}

TEST_F(JwtTest, AudienceArrayContainingOursIsAccepted) {
  accepted(token_with(ec_key(), [](json& c) {
    c["aud"] = json::array({"https://elsewhere.example.org", kAudience});
  }));
}

TEST_F(JwtTest, FractionalTimesAreRoundedToTheStricterSide) {
  // exp = now − skew + 0.5 rounds down to now − skew: expired.
  refused(token_with(ec_key(),
                     [](json& c) {
                       c["exp"] = static_cast<double>(now_s() - kSkew) + 0.5;
                       c["iat"] = now_s() - 100;
                     }),
          AuthCode::expired);
  // iat = now + skew + 0.25 rounds up to now + skew + 1: not yet valid.
  refused(token_with(ec_key(),
                     [](json& c) {
                       c["iat"] = static_cast<double>(now_s() + kSkew) + 0.25;
                       c["exp"] = now_s() + 600;
                     }),
          AuthCode::not_yet_valid);
  accepted(token_with(ec_key(), [](json& c) {
    c["iat"] = static_cast<double>(now_s()) - 0.5;
    c["exp"] = static_cast<double>(now_s()) + 100.75;
  }));
}

// ---- algorithms ------------------------------------------------------------------------

TEST_F(JwtTest, AlgNoneIsRefused) {
  for (const char* alg : {"none", "None", "NONE"}) {
    const json h = {{"alg", alg}, {"typ", "JWT"}, {"kid", "ehr-ec-1"}};
    const auto unsigned_token =
        base64url_encode(h.dump()) + "." + base64url_encode(claims("none-1").dump()) + ".";
    refused(unsigned_token, AuthCode::unsupported_alg);
    // ... and with a (valid ES384) signature attached.
    refused(make_jwt(h, claims("none-2"), ec_key()), AuthCode::unsupported_alg);
  }
}

TEST_F(JwtTest, HmacIsRefusedEvenWithASymmetricKeyInTheSet) {
  const std::string secret = "a shared secret the EHR and the service both know";
  json keys = json::array({public_jwk(ec_key()), public_jwk(rsa_key())});
  keys.push_back({{"kty", "oct"}, {"kid", "hmac-1"}, {"k", base64url_encode(secret)}});
  jwks = parse_jwks(testing::jwks_text(keys)).value();
  EXPECT_EQ(jwks.size(), 2u);
  EXPECT_EQ(jwks.skipped(), 1u);
  for (const char* alg : {"HS256", "HS384", "HS512"}) {
    const json h = {{"alg", alg}, {"typ", "JWT"}, {"kid", "hmac-1"}};
    const std::string input =
        base64url_encode(h.dump()) + "." + base64url_encode(claims("hs-1").dump());
    unsigned char mac[64];
    std::size_t mac_len = 0;
    const std::string digest = std::string("SHA") + (alg + 2);
    ASSERT_NE(EVP_Q_mac(nullptr, "HMAC", nullptr, digest.c_str(), nullptr, secret.data(),
                        secret.size(), reinterpret_cast<const unsigned char*>(input.data()),
                        input.size(), mac, sizeof mac, &mac_len),
              nullptr);
    const std::string token =
        input + "." + base64url_encode(std::string(reinterpret_cast<char*>(mac), mac_len));
    refused(token, AuthCode::unsupported_alg);
  }
}

TEST_F(JwtTest, OtherAsymmetricAlgorithmsAreRefused) {
  for (const char* alg : {"ES256", "ES512", "RS256", "RS512", "PS256", "PS384", "PS512", "EdDSA",
                          "es384", "rs384", ""}) {
    json h = header_for(ec_key());
    h["alg"] = alg;
    refused(make_jwt(h, claims("alg-1"), ec_key()), AuthCode::unsupported_alg);
  }
  json h = header_for(ec_key());
  h["alg"] = 384;
  refused(make_jwt(h, claims("alg-2"), ec_key()), AuthCode::malformed);
  h.erase("alg");
  refused(make_jwt(h, claims("alg-3"), ec_key()), AuthCode::malformed);
}

TEST_F(JwtTest, AKeyServesOnlyTheAlgorithmOfItsType) {
  // RS384 naming the EC key's kid, and ES384 naming the RSA key's kid.
  json h = header_for(ec_key());
  h["alg"] = "RS384";
  refused(make_jwt(h, claims("cross-1"), rsa_key()), AuthCode::unknown_key);
  h = header_for(rsa_key());
  h["alg"] = "ES384";
  refused(make_jwt(h, claims("cross-2"), ec_key()), AuthCode::unknown_key);
}

TEST_F(JwtTest, AJwkNamingAnotherAlgIsNotUsed) {
  json ec = public_jwk(ec_key());
  ec["alg"] = "ES384";
  json rsa = public_jwk(rsa_key());
  rsa["alg"] = "RS256";  // this RSA key may only make RS256 signatures
  jwks = parse_jwks(testing::jwks_text(json::array({ec, rsa}))).value();
  accepted(make_jwt(header_for(ec_key()), claims("jwk-alg-1"), ec_key()));
  refused(make_jwt(header_for(rsa_key()), claims("jwk-alg-2"), rsa_key()), AuthCode::unknown_key);
}

// ---- keys and signatures ---------------------------------------------------------------

TEST_F(JwtTest, UnknownKidIsRefused) {
  json h = header_for(ec_key());
  h["kid"] = "no-such-key";
  refused(make_jwt(h, claims("kid-1"), ec_key()), AuthCode::unknown_key);
  h.erase("kid");
  refused(make_jwt(h, claims("kid-2"), ec_key()), AuthCode::malformed);
  h["kid"] = "";
  refused(make_jwt(h, claims("kid-3"), ec_key()), AuthCode::malformed);
}

TEST_F(JwtTest, SignatureOfAnotherKeyUnderTheSameKidIsRefused) {
  refused(make_jwt(header_for(other_ec_key()), claims("other-1"), other_ec_key()),
          AuthCode::bad_signature);
  refused(make_jwt(header_for(other_rsa_key()), claims("other-2"), other_rsa_key()),
          AuthCode::bad_signature);
}

TEST_F(JwtTest, FlippedSignatureByteIsRefused) {
  for (const TestKey* key : {&ec_key(), &rsa_key()}) {
    const std::string token = make_jwt(header_for(*key), claims("flip-" + key->alg()), *key);
    const std::string sig = signature_bytes(token);
    for (std::size_t i : {std::size_t{0}, sig.size() / 2, sig.size() - 1}) {
      for (unsigned char bit : {0x01, 0x80}) {
        std::string bad = sig;
        bad[i] = static_cast<char>(bad[i] ^ bit);
        refused(with_signature(token, bad), AuthCode::bad_signature);
      }
    }
    accepted(token);  // the refusals did not use up its jti
  }
}

TEST_F(JwtTest, TruncatedOrExtendedSignatureIsRefused) {
  for (const TestKey* key : {&ec_key(), &rsa_key()}) {
    const std::string token = make_jwt(header_for(*key), claims("trunc-" + key->alg()), *key);
    const std::string sig = signature_bytes(token);
    refused(with_signature(token, sig.substr(0, sig.size() - 1)), AuthCode::bad_signature);
    refused(with_signature(token, sig.substr(0, sig.size() / 2)), AuthCode::bad_signature);
    refused(with_signature(token, sig + '\0'), AuthCode::bad_signature);
    // Cutting the text itself: one character leaves a length ≡ 1 (mod 4) or bad bits.
    std::string cut = token;
    cut.pop_back();
    EXPECT_FALSE(check(cut).ok());
  }
}

TEST_F(JwtTest, Es384SignatureMustBe96BytesOfRAndS) {
  const std::string token = make_jwt(header_for(ec_key()), claims("rs-1"), ec_key());
  const std::string sig = signature_bytes(token);
  ASSERT_EQ(sig.size(), 96u);
  refused(with_signature(token, sig.substr(1)), AuthCode::bad_signature);               // 95
  refused(with_signature(token, std::string(1, '\0') + sig), AuthCode::bad_signature);  // 97
  // r and s of 47 bytes each (one leading byte dropped from each half).
  refused(with_signature(token, sig.substr(1, 47) + sig.substr(49, 47)), AuthCode::bad_signature);
  // The DER encoding that OpenSSL produces is not a JWS signature.
  const auto p = parts(token);
  refused(with_signature(token, testing::sign_der(ec_key(), p[0] + "." + p[1])),
          AuthCode::bad_signature);
  // r||s swapped, and all zeros.
  refused(with_signature(token, sig.substr(48) + sig.substr(0, 48)), AuthCode::bad_signature);
  refused(with_signature(token, std::string(96, '\0')), AuthCode::bad_signature);
  accepted(token);
}

TEST_F(JwtTest, PayloadOrHeaderChangedAfterSigningIsRefused) {
  const std::string token = make_jwt(header_for(ec_key()), claims("changed-1"), ec_key());
  auto p = parts(token);
  json c = claims("changed-1");
  c["sub"] = "someone-else";
  p[1] = base64url_encode(c.dump());
  refused(join(p), AuthCode::bad_signature);

  p = parts(token);
  json h = header_for(ec_key());
  h["x-extra"] = true;
  p[0] = base64url_encode(h.dump());
  refused(join(p), AuthCode::bad_signature);

  // The same claims re-serialised (other member order) are other bytes: refused too.
  p = parts(token);
  p[1] = base64url_encode(claims("changed-1").dump(2));
  refused(join(p), AuthCode::bad_signature);
  accepted(token);
}

// ---- syntax ----------------------------------------------------------------------------

TEST_F(JwtTest, MalformedBase64urlIsRefused) {
  const std::string token = make_jwt(header_for(ec_key()), claims("b64-1"), ec_key());
  const auto p = parts(token);
  refused(p[0] + "=." + p[1] + "." + p[2], AuthCode::malformed);               // padding
  refused(p[0] + "." + p[1] + "." + p[2] + "==", AuthCode::malformed);         // padding
  refused(p[0] + "." + p[1].substr(0, 8) + "+" + p[1].substr(9) + "." + p[2],  // base64, not
          AuthCode::malformed);                                                // base64url
  refused(p[0] + "." + p[1].substr(0, 8) + " " + p[1].substr(8) + "." + p[2],  // whitespace
          AuthCode::malformed);
  refused(p[0] + "." + p[1] + "." + p[2].substr(0, 10) + "/" + p[2].substr(11),
          AuthCode::malformed);
  // A payload whose length no base64url text can have.
  std::string long_payload = p[1];
  do {
    long_payload += 'A';
  } while (long_payload.size() % 4 != 1);
  refused(p[0] + "." + long_payload + "." + p[2], AuthCode::malformed);  // length ≡ 1 (mod 4)
  accepted(token);
}

TEST_F(JwtTest, NonCanonicalBase64urlIsRefused) {
  // A header whose length is not a multiple of 3 ends in a character with unused bits;
  // setting one of them gives another text for the same bytes, which must be refused.
  for (int pad = 0; pad < 3; ++pad) {
    json h = header_for(ec_key());
    h["x"] = std::string(static_cast<std::size_t>(pad), 'a');
    const std::string header_text = h.dump();
    if (header_text.size() % 3 == 0) continue;
    const std::string payload = base64url_encode(claims("canon-1").dump());
    std::string header_b64 = base64url_encode(header_text);
    const std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    const auto v = alphabet.find(header_b64.back());
    header_b64.back() = alphabet[v | 1];  // set the lowest (unused) bit
    const std::string input = header_b64 + "." + payload;
    const std::string token = input + "." + base64url_encode(testing::sign(ec_key(), input));
    refused(token, AuthCode::malformed);
  }
}

TEST_F(JwtTest, WrongNumberOfPartsIsRefused) {
  const std::string token = make_jwt(header_for(ec_key()), claims("dots-1"), ec_key());
  refused(token + ".", AuthCode::malformed);
  refused(token + ".AAAA", AuthCode::malformed);
  refused("a.b.c.d", AuthCode::malformed);
  const auto p = parts(token);
  refused(p[0] + "." + p[1], AuthCode::malformed);
  refused(p[0], AuthCode::malformed);
  // A JWE-looking five-part token.
  refused(p[0] + "." + p[1] + "." + p[2] + "." + p[1] + "." + p[2], AuthCode::malformed);
}

TEST_F(JwtTest, EmptyPartsAreRefused) {
  const std::string token = make_jwt(header_for(ec_key()), claims("empty-1"), ec_key());
  const auto p = parts(token);
  refused("." + p[1] + "." + p[2], AuthCode::malformed);
  refused(p[0] + ".." + p[2], AuthCode::malformed);
  refused(p[0] + "." + p[1] + ".", AuthCode::malformed);
  refused("..", AuthCode::malformed);
  refused(".", AuthCode::malformed);
}

TEST_F(JwtTest, HeaderThatIsNotAJsonObjectIsRefused) {
  const std::string payload = claims("hdr-1").dump();
  for (const char* header : {"[]", "\"ES384\"", "42", "null", "not json",
                             R"({"alg":"ES384","typ":"JWT","kid":"ehr-ec-1")",
                             R"({"alg":"ES384","typ":"JWT","kid":"ehr-ec-1"} x)", ""}) {
    refused(make_jwt_text(header, payload, ec_key()), AuthCode::malformed);
  }
}

TEST_F(JwtTest, ClaimsThatAreNotAJsonObjectAreRefused) {
  for (const char* payload : {"[]", "\"claims\"", "{", "true", "{\"iss\":\"x\"}}"}) {
    refused(make_jwt_text(header_for(ec_key()).dump(), payload, ec_key()), AuthCode::malformed);
  }
}

TEST_F(JwtTest, DuplicateMemberNamesAreRefused) {
  // A second "alg" that one parser would read and another ignore.
  refused(make_jwt_text(R"({"alg":"ES384","typ":"JWT","kid":"ehr-ec-1","alg":"none"})",
                        claims("dup-1").dump(), ec_key()),
          AuthCode::malformed);
  const std::string c = claims("dup-2").dump();
  const std::string two_auds = c.substr(0, c.size() - 1) + R"(,"aud":"https://evil.example"})";
  refused(make_jwt_text(header_for(ec_key()).dump(), two_auds, ec_key()), AuthCode::malformed);
}

TEST_F(JwtTest, DeeplyNestedJsonIsRefused) {
  json c = claims("deep-1");
  json deep = 1;
  for (int i = 0; i < 40; ++i) deep = json::array({deep});
  c["x-deep"] = deep;
  refused(make_jwt(header_for(ec_key()), c, ec_key()), AuthCode::malformed);
}

TEST_F(JwtTest, TypOtherThanJwtOrMissingIsRefused) {
  json h = header_for(ec_key());
  h["typ"] = "at+jwt";
  refused(make_jwt(h, claims("typ-1"), ec_key()), AuthCode::malformed);
  h.erase("typ");
  refused(make_jwt(h, claims("typ-2"), ec_key()), AuthCode::malformed);
}

TEST_F(JwtTest, CritHeaderIsRefused) {
  json h = header_for(ec_key());
  h["crit"] = json::array({"b64"});
  h["b64"] = false;
  refused(make_jwt(h, claims("crit-1"), ec_key()), AuthCode::malformed);
}

TEST_F(JwtTest, TokenOverTheSizeLimitIsRefusedBeforeDecoding) {
  json c = claims("big-1");
  c["x-padding"] = std::string(9000, 'p');
  refused(make_jwt(header_for(ec_key()), c, ec_key()), AuthCode::too_large);
  // A huge header value of junk is refused for size, not parsed.
  refused(std::string(1 << 20, 'A'), AuthCode::too_large);
  // Just under the limit is fine.
  c["x-padding"] = std::string(5000, 'p');
  accepted(make_jwt(header_for(ec_key()), c, ec_key()));
}

TEST_F(JwtTest, OtherSchemesAndMissingValuesAreRefused) {
  const std::string token = make_jwt(header_for(ec_key()), claims("scheme-1"), ec_key());
  for (const std::string& value : {"Basic " + base64url_encode("user:password"), "Basic " + token,
                                   "Token " + token, "Bearer" + token, token, std::string("Bearer"),
                                   std::string("Bearer   "), std::string(""), std::string("   ")}) {
    expect_refused(verifier.verify(value, jwks, test_now(), cache), AuthCode::missing, token);
  }
  // Two tokens after the scheme.
  expect_refused(verifier.verify("Bearer " + token + " " + token, jwks, test_now(), cache),
                 AuthCode::malformed, token);
  accepted(token);
}

// ---- claims ----------------------------------------------------------------------------

TEST_F(JwtTest, IssuerOutsideTheAllowListIsRefused) {
  refused(token_with(ec_key(), [](json& c) { c["iss"] = "https://evil.example.org"; }),
          AuthCode::untrusted_issuer);
  refused(token_with(ec_key(), [](json& c) { c["iss"] = std::string(kIssuer) + "/"; }),
          AuthCode::untrusted_issuer);
  refused(token_with(ec_key(), [](json& c) { c["iss"] = json::array({kIssuer}); }),
          AuthCode::invalid_claims);
}

TEST_F(JwtTest, WrongAudienceIsRefused) {
  refused(token_with(ec_key(), [](json& c) { c["aud"] = "https://cds.example.org"; }),
          AuthCode::wrong_audience);
  refused(token_with(ec_key(), [](json& c) { c["aud"] = std::string(kAudience) + "/"; }),
          AuthCode::wrong_audience);
  refused(
      token_with(ec_key(),
                 [](json& c) { c["aud"] = "https://cds.example.org/cds-services/khe-dose-check"; }),
      AuthCode::wrong_audience);
  refused(token_with(ec_key(), [](json& c) { c["aud"] = 7; }), AuthCode::invalid_claims);
}

TEST_F(JwtTest, AudienceArrayWithoutOursIsRefused) {
  refused(token_with(ec_key(),
                     [](json& c) {
                       c["aud"] = json::array({"https://a.example.org", "https://b.example.org"});
                     }),
          AuthCode::wrong_audience);
  refused(token_with(ec_key(), [](json& c) { c["aud"] = json::array(); }),
          AuthCode::wrong_audience);
  refused(token_with(ec_key(),
                     [](json& c) {
                       c["aud"] = json::array({kAudience, 1});
                     }),
          AuthCode::invalid_claims);
}

TEST_F(JwtTest, ExpiryHonouredWithTheSkewOnBothSidesOfTheBoundary) {
  // Accepted while now < exp + skew.
  const auto token_exp = [](std::int64_t exp, const char* jti) {
    return token_with(
        ec_key(),
        [exp](json& c) {
          c["exp"] = exp;
          c["iat"] = exp - 300;
        },
        jti);
  };
  const std::int64_t exp = now_s();
  accepted(token_exp(exp, "exp-1"), at(exp + kSkew - 1));
  refused(token_exp(exp, "exp-2"), AuthCode::expired, at(exp + kSkew));
  refused(token_exp(exp, "exp-3"), AuthCode::expired, at(exp + kSkew + 1));
  refused(token_exp(exp - 3600, "exp-4"), AuthCode::expired);
  accepted(token_exp(exp, "exp-5"), at(exp - 1));
}

TEST_F(JwtTest, IssuedInTheFutureBeyondTheSkewIsRefused) {
  const auto token_iat = [](std::int64_t iat, const char* jti) {
    return token_with(
        ec_key(),
        [iat](json& c) {
          c["iat"] = iat;
          c["exp"] = iat + 300;
        },
        jti);
  };
  accepted(token_iat(now_s() + kSkew, "iat-1"));
  refused(token_iat(now_s() + kSkew + 1, "iat-2"), AuthCode::not_yet_valid);
  refused(token_iat(now_s() + 86400, "iat-3"), AuthCode::not_yet_valid);
  accepted(token_iat(now_s() - 120, "iat-4"));
}

TEST_F(JwtTest, NotBeforeInTheFutureIsRefused) {
  refused(token_with(ec_key(), [](json& c) { c["nbf"] = now_s() + kSkew + 1; }),
          AuthCode::not_yet_valid);
  refused(token_with(ec_key(), [](json& c) { c["nbf"] = "soon"; }), AuthCode::invalid_claims);
  accepted(token_with(ec_key(), [](json& c) { c["nbf"] = now_s() + kSkew; }));
}

TEST_F(JwtTest, MissingOrMistypedRequiredClaimsAreRefused) {
  for (const char* name : {"iss", "sub", "aud", "exp", "iat", "jti"}) {
    refused(token_with(ec_key(), [name](json& c) { c.erase(name); }), AuthCode::invalid_claims);
    refused(token_with(ec_key(), [name](json& c) { c[name] = nullptr; }), AuthCode::invalid_claims);
    refused(token_with(ec_key(), [name](json& c) { c[name] = json::object(); }),
            AuthCode::invalid_claims);
  }
  refused(token_with(ec_key(), [](json& c) { c["exp"] = std::to_string(now_s() + 60); }),
          AuthCode::invalid_claims);
  refused(token_with(ec_key(), [](json& c) { c["exp"] = true; }), AuthCode::invalid_claims);
  refused(token_with(ec_key(), [](json& c) { c["iat"] = -5; }), AuthCode::invalid_claims);
  refused(token_with(ec_key(), [](json& c) { c["exp"] = 1e300; }), AuthCode::invalid_claims);
  refused(token_with(ec_key(), [](json& c) { c["jti"] = ""; }), AuthCode::invalid_claims);
  refused(token_with(ec_key(), [](json& c) { c["jti"] = std::string(257, 'j'); }),
          AuthCode::invalid_claims);
  refused(token_with(ec_key(), [](json& c) { c["sub"] = ""; }), AuthCode::invalid_claims);
  refused(token_with(ec_key(), [](json& c) { c["tenant"] = 5; }), AuthCode::invalid_claims);
}

TEST_F(JwtTest, LifetimeMustBePositiveAndBounded) {
  refused(token_with(ec_key(), [](json& c) { c["exp"] = c["iat"]; }), AuthCode::invalid_claims);
  refused(token_with(ec_key(), [](json& c) { c["exp"] = c["iat"].get<std::int64_t>() - 1; }),
          AuthCode::invalid_claims);
  refused(token_with(ec_key(), [](json& c) { c["exp"] = c["iat"].get<std::int64_t>() + 3601; }),
          AuthCode::invalid_claims);
  accepted(token_with(ec_key(), [](json& c) { c["exp"] = c["iat"].get<std::int64_t>() + 3600; }));
}

TEST_F(JwtTest, SubjectAllowListWhenGiven) {
  VerifierOptions o = default_options();
  o.subjects = {"ehr-client-7"};
  verifier = Verifier::create(o).value();
  accepted(make_jwt(header_for(ec_key()), claims("sub-1"), ec_key()));
  refused(token_with(ec_key(), [](json& c) { c["sub"] = "ehr-client-8"; }),
          AuthCode::untrusted_subject);
}

// ---- replay ----------------------------------------------------------------------------

TEST_F(JwtTest, ReplayedJtiIsRefusedUntilItsExpiry) {
  const std::string token = make_jwt(header_for(ec_key()), claims("replay-1"), ec_key());
  accepted(token);
  refused(token, AuthCode::replayed);
  // Still refused later, as long as the token would otherwise pass.
  refused(token, AuthCode::replayed, test_now() + Seconds(200));
  refused(token, AuthCode::replayed, at(now_s() + 290 + kSkew - 1));
  // A new token reusing the jti (other exp, other signature) is refused as well.
  refused(token_with(
              ec_key(), [](json& c) { c["exp"] = now_s() + 200; }, "replay-1"),
          AuthCode::replayed);
  EXPECT_EQ(cache.size(), 1u);
  accepted(make_jwt(header_for(ec_key()), claims("replay-2"), ec_key()));  // other jtis: fine
  EXPECT_EQ(cache.size(), 2u);
  // Past exp + skew the token is refused as expired, and the next call evicts its jti.
  const std::int64_t later = now_s() + 290 + kSkew;
  refused(token, AuthCode::expired, at(later));
  const auto fresh_at = [](std::int64_t t, const char* jti) {
    return token_with(
        ec_key(),
        [t](json& c) {
          c["iat"] = t - 10;
          c["exp"] = t + 290;
        },
        jti);
  };
  accepted(fresh_at(later, "replay-3"), at(later));
  EXPECT_EQ(cache.size(), 1u);  // only replay-3 is live
  // Only then may the EHR issue a new token with that jti (the old one can no longer pass).
  accepted(fresh_at(later, "replay-1"), at(later));
}

TEST_F(JwtTest, ARefusedTokenDoesNotUseUpItsJti) {
  const std::string good = make_jwt(header_for(ec_key()), claims("burn-1"), ec_key());
  refused(make_jwt(header_for(other_ec_key()), claims("burn-1"), other_ec_key()),
          AuthCode::bad_signature);
  refused(token_with(
              ec_key(), [](json& c) { c["aud"] = "https://elsewhere.example"; }, "burn-1"),
          AuthCode::wrong_audience);
  EXPECT_EQ(cache.size(), 0u);
  accepted(good);
}

TEST_F(JwtTest, JtiIsPerIssuer) {
  accepted(make_jwt(header_for(ec_key()), claims("shared-jti"), ec_key()));
  accepted(token_with(
      ec_key(), [](json& c) { c["iss"] = "https://other-ehr.example.org"; }, "shared-jti"));
  refused(make_jwt(header_for(rsa_key()), claims("shared-jti"), rsa_key()), AuthCode::replayed);
}

TEST_F(JwtTest, FullReplayCacheFailsClosed) {
  ReplayCache tiny(2);
  const auto verify = [&](const char* jti) {
    return verifier.verify("Bearer " + make_jwt(header_for(ec_key()), claims(jti), ec_key()), jwks,
                           test_now(), tiny);
  };
  EXPECT_TRUE(verify("full-1").ok());
  EXPECT_TRUE(verify("full-2").ok());
  auto r = verify("full-3");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(auth_code_of(r.error()), AuthCode::replay_cache_full);
}

// A shared replay cache that cannot be asked (its database is down): the token is refused
// with its own code (the server answers 503, retry), and a later check still counts it once.
TEST_F(JwtTest, UnavailableReplayCheckFailsClosed) {
  struct Down final : ReplayGuard {
    int asked = 0;
    Verdict remember(std::string_view, Instant, Instant) override {
      ++asked;
      return Verdict::unavailable;
    }
  } down;
  auto r = verifier.verify("Bearer " + make_jwt(header_for(ec_key()), claims("down-1"), ec_key()),
                           jwks, test_now(), down);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(auth_code_of(r.error()), AuthCode::replay_check_unavailable);
  EXPECT_EQ(down.asked, 1);
}

// ---- jku -------------------------------------------------------------------------------

TEST_F(JwtTest, JkuOutsideTheAllowListIsRefused) {
  json h = header_for(ec_key());
  h["jku"] = "https://evil.example.org/jwks.json";
  const std::string token = make_jwt(h, claims("jku-1"), ec_key());
  refused(token, AuthCode::jku_untrusted);
  auto url = verifier.jku_to_fetch("Bearer " + token);
  ASSERT_FALSE(url.ok());
  EXPECT_EQ(auth_code_of(url.error()), AuthCode::jku_untrusted);
  h["jku"] = 5;
  refused(make_jwt(h, claims("jku-2"), ec_key()), AuthCode::malformed);
}

TEST_F(JwtTest, AllowListedJkuAsksForItsKeySetThenVerifies) {
  const std::string url = "https://ehr.example.org/.well-known/jwks.json";
  json h = header_for(ec_key());
  h["jku"] = url;
  const std::string token = make_jwt(h, claims("jku-3"), ec_key());
  // Against the out-of-band set: the caller is told to fetch, and which URL.
  refused(token, AuthCode::jku_keys_needed);
  auto fetch = verifier.jku_to_fetch("Bearer " + token);
  ASSERT_TRUE(fetch.ok()) << fetch.error().to_string();
  EXPECT_EQ(*fetch, url);
  EXPECT_EQ(cache.size(), 0u);
  // With the set fetched from that URL it verifies.
  const Jwks fetched =
      parse_jwks(testing::jwks_text(json::array({public_jwk(ec_key())})), url).value();
  auto r = verifier.verify("Bearer " + token, fetched, test_now(), cache);
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(r->jti, "jku-3");
  // A token without jku is not checked against a fetched set.
  const std::string plain = make_jwt(header_for(ec_key()), claims("jku-4"), ec_key());
  expect_refused(verifier.verify("Bearer " + plain, fetched, test_now(), cache),
                 AuthCode::unknown_key, plain);
  auto none = verifier.jku_to_fetch("Bearer " + plain);
  EXPECT_FALSE(none.ok());
}

// ---- errors and options ----------------------------------------------------------------

TEST_F(JwtTest, RefusalsEchoNoTokenContent) {
  const std::string secret = "SECRET-VALUE-1234";
  json h = header_for(ec_key());
  h["kid"] = secret;
  std::vector<std::string> tokens = {
      make_jwt(h, claims(secret), ec_key()),
      token_with(ec_key(), [&](json& c) { c["iss"] = secret; }),
      token_with(ec_key(), [&](json& c) { c["aud"] = secret; }),
      token_with(
          ec_key(),
          [&](json& c) {
            c["sub"] = secret;
            c["aud"] = "https://elsewhere.example.org";
          },
          secret),
  };
  h = header_for(ec_key());
  h["alg"] = secret;
  tokens.push_back(make_jwt(h, claims(secret), ec_key()));
  for (const auto& t : tokens) {
    auto r = check(t);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().to_string().find(secret), std::string::npos) << r.error().to_string();
    EXPECT_TRUE(auth_code_of(r.error()).has_value());
  }
}

TEST(AuthCodes, EveryCodeHasADistinctNameAndRoundTrips) {
  std::vector<std::string> names;
  for (int i = 0; i <= static_cast<int>(AuthCode::replay_check_unavailable); ++i) {
    const auto code = static_cast<AuthCode>(i);
    const std::string name(auth_code_name(code));
    EXPECT_FALSE(name.empty());
    EXPECT_EQ(std::count(names.begin(), names.end(), name), 0) << name;
    names.push_back(name);
    EXPECT_EQ(auth_code_of(Error{"auth/" + name, "x"}), code);
  }
  EXPECT_FALSE(auth_code_of(Error{"jwks", "x"}).has_value());
  EXPECT_FALSE(auth_code_of(Error{"auth/nonsense", "x"}).has_value());
}

TEST(VerifierOptionsCheck, OptionsThatAcceptTooMuchOrNothingAreRefused) {
  EXPECT_TRUE(Verifier::create(default_options()).ok());
  const auto refused_with = [](auto edit) {
    VerifierOptions o = default_options();
    edit(o);
    auto v = Verifier::create(o);
    EXPECT_FALSE(v.ok());
    if (!v.ok()) {
      EXPECT_EQ(v.error().where, "auth.options");
    }
  };
  refused_with([](VerifierOptions& o) { o.issuers.clear(); });
  refused_with([](VerifierOptions& o) { o.issuers.push_back(""); });
  refused_with([](VerifierOptions& o) { o.audience.clear(); });
  refused_with([](VerifierOptions& o) { o.clock_skew = Seconds(-1); });
  refused_with([](VerifierOptions& o) { o.clock_skew = Seconds(3601); });
  refused_with([](VerifierOptions& o) { o.max_lifetime = Seconds(0); });
  refused_with([](VerifierOptions& o) { o.max_token_bytes = 10; });
  refused_with([](VerifierOptions& o) { o.max_token_bytes = std::size_t{2} << 20; });
}

TEST_F(JwtTest, ZeroSkewMeansExactBoundaries) {
  VerifierOptions o = default_options();
  o.clock_skew = Seconds(0);
  verifier = Verifier::create(o).value();
  const auto t = [](std::int64_t exp, std::int64_t iat, const char* jti) {
    return token_with(
        ec_key(),
        [=](json& c) {
          c["exp"] = exp;
          c["iat"] = iat;
        },
        jti);
  };
  accepted(t(now_s() + 1, now_s(), "zero-1"));
  refused(t(now_s(), now_s() - 10, "zero-2"), AuthCode::expired);
  refused(t(now_s() + 100, now_s() + 1, "zero-3"), AuthCode::not_yet_valid);
}

}  // namespace
}  // namespace khe::auth

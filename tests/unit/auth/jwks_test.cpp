// JWK Sets: EC P-384 and RSA keys in, unusable keys skipped, broken or private keys refused.
#include <openssl/evp.h>

#include <string>

#include <gtest/gtest.h>

#include "auth/base64url.h"
#include "auth/jwks.h"
#include "support/token_forge.h"

namespace khe::auth {
namespace {

using testing::ec_key;
using testing::json;
using testing::jwks_text;
using testing::public_jwk;
using testing::rsa_key;

Result<Jwks> parse_keys(const json& keys) { return parse_jwks(jwks_text(keys)); }

void expect_refused(const Result<Jwks>& r, const std::string& fragment) {
  ASSERT_FALSE(r.ok()) << "accepted a key set that must be refused";
  EXPECT_EQ(r.error().where, "jwks");
  EXPECT_NE(r.error().message.find(fragment), std::string::npos) << r.error().message;
}

TEST(Jwks, EcP384AndRsaKeysAreLoadedAndFoundByKidAndAlg) {
  auto set = parse_keys(json::array({public_jwk(ec_key()), public_jwk(rsa_key())}));
  ASSERT_TRUE(set.ok()) << set.error().to_string();
  EXPECT_EQ(set->size(), 2u);
  EXPECT_EQ(set->skipped(), 0u);
  EXPECT_EQ(set->source(), "");
  const auto keys = set->keys();
  ASSERT_EQ(keys.size(), 2u);
  EXPECT_EQ(keys[0].kid, "ehr-ec-1");
  EXPECT_EQ(keys[0].type, KeyType::ec_p384);
  EXPECT_EQ(keys[0].bits, 384);
  EXPECT_EQ(keys[1].kid, "ehr-rsa-1");
  EXPECT_EQ(keys[1].type, KeyType::rsa);
  EXPECT_EQ(keys[1].bits, 2048);
  EXPECT_NE(set->find("ehr-ec-1", "ES384"), nullptr);
  EXPECT_NE(set->find("ehr-rsa-1", "RS384"), nullptr);
  EXPECT_EQ(set->find("ehr-ec-1", "RS384"), nullptr);
  EXPECT_EQ(set->find("ehr-rsa-1", "ES384"), nullptr);
  EXPECT_EQ(set->find("ehr-ec-1", "ES256"), nullptr);
  EXPECT_EQ(set->find("nope", "ES384"), nullptr);
}

TEST(Jwks, SourceIsRecorded) {
  auto set = parse_jwks(jwks_text(json::array({public_jwk(ec_key())})), "https://ehr/jwks");
  ASSERT_TRUE(set.ok());
  EXPECT_EQ(set->source(), "https://ehr/jwks");
}

TEST(Jwks, KeysThatCanNeverBeUsedAreSkipped) {
  json ec = public_jwk(ec_key());
  json p256 = ec;
  p256["crv"] = "P-256";
  p256["kid"] = "p256";
  json enc = ec;
  enc["use"] = "enc";
  enc["kid"] = "enc";
  json ops = ec;
  ops["key_ops"] = json::array({"encrypt"});
  ops["kid"] = "ops";
  json no_kid = ec;
  no_kid.erase("kid");
  json rs256 = public_jwk(rsa_key());
  rs256["alg"] = "RS256";
  const json oct = {{"kty", "oct"}, {"kid", "hmac"}, {"k", base64url_encode("secret")}};
  const json okp = {{"kty", "OKP"}, {"crv", "Ed25519"}, {"kid", "ed"}, {"x", "AAAA"}};
  json sig = ec;
  sig["use"] = "sig";
  sig["key_ops"] = json::array({"verify"});
  sig["alg"] = "ES384";
  sig["kid"] = "good";
  auto set = parse_keys(json::array({p256, enc, ops, no_kid, rs256, oct, okp, sig}));
  ASSERT_TRUE(set.ok()) << set.error().to_string();
  EXPECT_EQ(set->size(), 1u);
  EXPECT_EQ(set->skipped(), 7u);
  EXPECT_NE(set->find("good", "ES384"), nullptr);
  EXPECT_EQ(set->keys()[0].alg, "ES384");
  EXPECT_EQ(set->find("hmac", "ES384"), nullptr);
}

TEST(Jwks, PrivateKeyMaterialRefusesTheSet) {
  json ec = public_jwk(ec_key());
  ec["d"] = base64url_encode(std::string(48, '\x01'));
  expect_refused(parse_keys(json::array({ec})), "private");
  json rsa = public_jwk(rsa_key());
  rsa["p"] = "AQAB";
  expect_refused(parse_keys(json::array({public_jwk(ec_key()), rsa})), "private");
}

TEST(Jwks, MalformedEcKeysRefuseTheSet) {
  const json good = public_jwk(ec_key());
  json k = good;
  const std::string x = base64url_decode(good["x"].get<std::string>()).value();
  k["x"] = base64url_encode(x.substr(1));  // 47 bytes
  expect_refused(parse_keys(json::array({k})), "48 bytes");
  k = good;
  k["x"] = good["x"].get<std::string>() + "=";
  expect_refused(parse_keys(json::array({k})), "base64url");
  k = good;
  k.erase("y");
  expect_refused(parse_keys(json::array({k})), "\"y\"");
  k = good;
  std::string y = base64url_decode(good["y"].get<std::string>()).value();
  y[20] = static_cast<char>(y[20] ^ 0x10);  // no longer on the curve
  k["y"] = base64url_encode(y);
  expect_refused(parse_keys(json::array({k})), "public key");
  k = good;
  k.erase("crv");
  expect_refused(parse_keys(json::array({k})), "crv");
}

TEST(Jwks, MalformedOrWeakRsaKeysRefuseTheSet) {
  const json good = public_jwk(rsa_key());
  json k = good;
  k.erase("e");
  expect_refused(parse_keys(json::array({k})), "\"e\"");
  k = good;
  k["n"] = "not base64url!";
  expect_refused(parse_keys(json::array({k})), "base64url");
  EVP_PKEY* small = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(1024));
  ASSERT_NE(small, nullptr);
  testing::TestKey small_key{std::unique_ptr<EVP_PKEY, testing::KeyFree>(small), "small", false};
  expect_refused(parse_keys(json::array({public_jwk(small_key)})), "2048");
}

TEST(Jwks, DuplicateKidOfTheSameTypeRefusesTheSet) {
  json k1 = public_jwk(ec_key());
  json k2 = public_jwk(testing::other_ec_key());
  expect_refused(parse_keys(json::array({k1, k2})), "duplicate kid");
  // The same kid on an EC and an RSA key is fine: the alg tells them apart.
  json r = public_jwk(rsa_key());
  r["kid"] = k1["kid"];
  auto set = parse_keys(json::array({k1, r}));
  ASSERT_TRUE(set.ok()) << set.error().to_string();
  EXPECT_NE(set->find("ehr-ec-1", "RS384"), nullptr);
}

TEST(Jwks, TextThatIsNotAJwkSetIsRefused) {
  for (const char* text : {"", "[]", "{}", "{\"keys\":{}}", "{\"keys\":[1]}", "{\"keys\":[{}]}",
                           "not json", "{\"keys\":[]", "{\"keys\":[],\"keys\":[]}"}) {
    auto r = parse_jwks(text);
    EXPECT_FALSE(r.ok()) << text;
    if (!r.ok()) {
      EXPECT_EQ(r.error().where, "jwks");
    }
  }
  EXPECT_TRUE(parse_jwks("{\"keys\":[]}").ok());
}

TEST(Jwks, LimitsOnSizeAndKeyCount) {
  json many = json::array();
  for (int i = 0; i < 65; ++i) many.push_back({{"kty", "oct"}, {"kid", std::to_string(i)}});
  expect_refused(parse_keys(many), "64");
  const std::string huge = "{\"keys\":[],\"x\":\"" + std::string(1 << 20, 'a') + "\"}";
  expect_refused(parse_jwks(huge), "1 MiB");
}

}  // namespace
}  // namespace khe::auth

#include "support/token_forge.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>

#include <stdexcept>

#include "auth/base64url.h"

namespace khe::auth::testing {
namespace {

[[noreturn]] void fail(const char* what) { throw std::runtime_error(what); }

std::string bn_bytes(const BIGNUM* bn, int pad) {
  std::string out(static_cast<std::size_t>(pad > 0 ? pad : BN_num_bytes(bn)), '\0');
  if (BN_bn2binpad(bn, reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(out.size())) <
      0) {
    fail("BN_bn2binpad");
  }
  return out;
}

std::string bn_param(const EVP_PKEY* key, const char* name, int pad) {
  BIGNUM* bn = nullptr;
  if (EVP_PKEY_get_bn_param(key, name, &bn) != 1) fail("EVP_PKEY_get_bn_param");
  std::string out = bn_bytes(bn, pad);
  BN_free(bn);
  return out;
}

}  // namespace

TestKey make_ec_key(std::string kid) {
  EVP_PKEY* k = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-384");
  if (k == nullptr) fail("EC keygen");
  return TestKey{std::unique_ptr<EVP_PKEY, KeyFree>(k), std::move(kid), true};
}

TestKey make_rsa_key(std::string kid) {
  EVP_PKEY* k = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(2048));
  if (k == nullptr) fail("RSA keygen");
  return TestKey{std::unique_ptr<EVP_PKEY, KeyFree>(k), std::move(kid), false};
}

const TestKey& ec_key() {
  static const TestKey k = make_ec_key("ehr-ec-1");
  return k;
}
const TestKey& other_ec_key() {
  static const TestKey k = make_ec_key("ehr-ec-1");
  return k;
}
const TestKey& rsa_key() {
  static const TestKey k = make_rsa_key("ehr-rsa-1");
  return k;
}
const TestKey& other_rsa_key() {
  static const TestKey k = make_rsa_key("ehr-rsa-1");
  return k;
}

json public_jwk(const TestKey& key) {
  if (key.ec) {
    return {{"kty", "EC"},
            {"crv", "P-384"},
            {"kid", key.kid},
            {"x", base64url_encode(bn_param(key.pkey.get(), OSSL_PKEY_PARAM_EC_PUB_X, 48))},
            {"y", base64url_encode(bn_param(key.pkey.get(), OSSL_PKEY_PARAM_EC_PUB_Y, 48))}};
  }
  return {{"kty", "RSA"},
          {"kid", key.kid},
          {"n", base64url_encode(bn_param(key.pkey.get(), OSSL_PKEY_PARAM_RSA_N, 0))},
          {"e", base64url_encode(bn_param(key.pkey.get(), OSSL_PKEY_PARAM_RSA_E, 0))}};
}

std::string jwks_text(const json& keys_array) { return json{{"keys", keys_array}}.dump(); }

std::string sign_der(const TestKey& key, std::string_view input) {
  EVP_MD_CTX* md = EVP_MD_CTX_new();
  if (md == nullptr || EVP_DigestSignInit_ex(md, nullptr, "SHA384", nullptr, nullptr,
                                             key.pkey.get(), nullptr) != 1) {
    fail("EVP_DigestSignInit_ex");
  }
  const auto* in = reinterpret_cast<const unsigned char*>(input.data());
  std::size_t len = 0;
  if (EVP_DigestSign(md, nullptr, &len, in, input.size()) != 1) fail("EVP_DigestSign size");
  std::string sig(len, '\0');
  if (EVP_DigestSign(md, reinterpret_cast<unsigned char*>(sig.data()), &len, in, input.size()) !=
      1) {
    fail("EVP_DigestSign");
  }
  EVP_MD_CTX_free(md);
  sig.resize(len);
  return sig;
}

std::string sign(const TestKey& key, std::string_view input) {
  const std::string der = sign_der(key, input);  // RSA: the PKCS#1 v1.5 block (default)
  if (!key.ec) return der;
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  ECDSA_SIG* sig = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size()));
  if (sig == nullptr) fail("d2i_ECDSA_SIG");
  const BIGNUM* r = nullptr;
  const BIGNUM* s = nullptr;
  ECDSA_SIG_get0(sig, &r, &s);
  std::string out = bn_bytes(r, 48) + bn_bytes(s, 48);
  ECDSA_SIG_free(sig);
  return out;
}

std::string make_jwt_text(std::string_view header, std::string_view payload, const TestKey& key) {
  const std::string input = base64url_encode(header) + "." + base64url_encode(payload);
  return input + "." + base64url_encode(sign(key, input));
}

std::string make_jwt(const json& header, const json& payload, const TestKey& key) {
  return make_jwt_text(header.dump(), payload.dump(), key);
}

json header_for(const TestKey& key) {
  return {{"alg", key.alg()}, {"typ", "JWT"}, {"kid", key.kid}};
}

Instant test_now() { return parse_fhir_datetime("2026-08-03T12:00:00Z").value().start; }

json claims(std::string jti) {
  const auto now = test_now().time_since_epoch().count();
  return {{"iss", kIssuer},   {"sub", "ehr-client-7"}, {"aud", kAudience},
          {"exp", now + 290}, {"iat", now - 10},       {"jti", std::move(jti)}};
}

}  // namespace khe::auth::testing

// Test helpers: key pairs generated with OpenSSL, their public halves as JWKs, and JWTs
// signed the way a CDS Client signs them (ES384 as JOSE r||s, RS384 as PKCS#1 v1.5).
// Synthetic data only.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include <openssl/evp.h>
#include <nlohmann/json.hpp>

#include "core/time.h"

namespace khe::auth::testing {

using nlohmann::json;

struct KeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};

struct TestKey {
  std::unique_ptr<EVP_PKEY, KeyFree> pkey;
  std::string kid;
  bool ec = true;  // P-384 (ES384) when true, RSA-2048 (RS384) otherwise
  std::string alg() const { return ec ? "ES384" : "RS384"; }
};

// Fresh key pairs (RSA generation takes a moment: the fixtures below are shared).
TestKey make_ec_key(std::string kid);
TestKey make_rsa_key(std::string kid);
// Shared keys for the whole test program: two EC and two RSA keys.
const TestKey& ec_key();
const TestKey& other_ec_key();  // a different key pair under the SAME kid as ec_key()
const TestKey& rsa_key();
const TestKey& other_rsa_key();  // a different key pair under the SAME kid as rsa_key()

// The public JWK of a key ({"kty","kid", "crv","x","y" | "n","e"}).
json public_jwk(const TestKey& key);
// {"keys": [...]} as text.
std::string jwks_text(const json& keys_array);

// The raw JWS signature of `input`: r||s (96 bytes) for EC, the RSA block for RSA.
std::string sign(const TestKey& key, std::string_view input);
// The DER ECDSA-Sig-Value of `input` (EC keys only), as OpenSSL makes it.
std::string sign_der(const TestKey& key, std::string_view input);

// A compact JWS: base64url(header).base64url(payload).base64url(sign(...)).
std::string make_jwt(const json& header, const json& payload, const TestKey& key);
std::string make_jwt_text(std::string_view header, std::string_view payload, const TestKey& key);

// The header a CDS Client sends for `key`: {"alg","typ":"JWT","kid"}.
json header_for(const TestKey& key);

constexpr std::string_view kIssuer = "https://ehr.example.org";
constexpr std::string_view kAudience = "https://cds.example.org/cds-services/khe-kmp";
// 2026-08-03T12:00:00Z
Instant test_now();
// Claims valid at test_now(): iat = now − 10 s, exp = now + 290 s.
json claims(std::string jti);

}  // namespace khe::auth::testing

// libFuzzer target for bearer-token verification (src/auth). The first byte picks what the
// rest of the input is:
//   0: an Authorization header value, verified against a fixed JWK Set;
//   1: a JWK Set text;
//   2: base64url text (decoding must be the exact inverse of encoding);
//   3: "HEADER\nCLAIMS": two JSON texts made into a token correctly signed with the fixed
//      ES384 key, so that the header and claims checks behind the signature are reached.
// Checks that nothing crashes, every refusal carries an auth code and a short message, and
// every accepted token has the expected audience and is refused when replayed.
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "auth/base64url.h"
#include "auth/jwks.h"
#include "auth/jwt.h"

namespace {

using namespace khe;
using namespace khe::auth;

void check(bool condition) {
  if (!condition) std::abort();
}

constexpr const char* kAudience = "https://cds.example.org/cds-services/khe-kmp";

EVP_PKEY* fuzz_key() {
  static EVP_PKEY* key = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-384");
  return key;
}

std::string coordinate(const char* name) {
  BIGNUM* bn = nullptr;
  check(EVP_PKEY_get_bn_param(fuzz_key(), name, &bn) == 1);
  std::string out(48, '\0');
  check(BN_bn2binpad(bn, reinterpret_cast<unsigned char*>(out.data()), 48) == 48);
  BN_free(bn);
  return base64url_encode(out);
}

const Jwks& fuzz_jwks() {
  static const Jwks set = parse_jwks(R"({"keys":[{"kty":"EC","crv":"P-384","kid":"fuzz-ec","x":")" +
                                     coordinate(OSSL_PKEY_PARAM_EC_PUB_X) + R"(","y":")" +
                                     coordinate(OSSL_PKEY_PARAM_EC_PUB_Y) + R"("}]})")
                              .value();
  return set;
}

const Verifier& fuzz_verifier() {
  static const Verifier v = [] {
    VerifierOptions o;
    o.issuers = {"https://ehr.example.org"};
    o.audience = kAudience;
    o.jku_allowlist = {"https://ehr.example.org/jwks"};
    return Verifier::create(o).value();
  }();
  return v;
}

// JOSE r||s signature of `input` with the fuzz key.
std::string sign(std::string_view input) {
  EVP_MD_CTX* md = EVP_MD_CTX_new();
  check(EVP_DigestSignInit_ex(md, nullptr, "SHA384", nullptr, nullptr, fuzz_key(), nullptr) == 1);
  const auto* in = reinterpret_cast<const unsigned char*>(input.data());
  std::size_t len = 0;
  check(EVP_DigestSign(md, nullptr, &len, in, input.size()) == 1);
  std::string der(len, '\0');
  check(EVP_DigestSign(md, reinterpret_cast<unsigned char*>(der.data()), &len, in, input.size()) ==
        1);
  EVP_MD_CTX_free(md);
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  ECDSA_SIG* sig = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(len));
  check(sig != nullptr);
  std::string out(96, '\0');
  auto* o = reinterpret_cast<unsigned char*>(out.data());
  check(BN_bn2binpad(ECDSA_SIG_get0_r(sig), o, 48) == 48);
  check(BN_bn2binpad(ECDSA_SIG_get0_s(sig), o + 48, 48) == 48);
  ECDSA_SIG_free(sig);
  return out;
}

void verify(const std::string& authorization) {
  ReplayCache cache;
  const Instant now = Instant(Seconds(1785758400));  // 2026-08-03T12:00:00Z
  const auto r = fuzz_verifier().verify(authorization, fuzz_jwks(), now, cache);
  if (r) {
    check(r->aud == kAudience && r->iss == "https://ehr.example.org" && !r->jti.empty());
    check(r->exp > r->iat);
    const auto again = fuzz_verifier().verify(authorization, fuzz_jwks(), now, cache);
    check(!again && auth_code_of(again.error()) == AuthCode::replayed);
  } else {
    check(auth_code_of(r.error()).has_value());
    check(!r.error().message.empty() && r.error().message.size() < 60);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 4) {
    case 0:
      verify(std::string(input));
      break;
    case 1: {
      const auto set = parse_jwks(input);
      if (set) {
        check(set->size() <= 64);
        for (const auto& k : set->keys()) check(!k.kid.empty());
      } else {
        check(set.error().where == "jwks");
      }
      break;
    }
    case 2: {
      const auto bytes = base64url_decode(input);
      if (bytes) check(base64url_encode(*bytes) == input);
      break;
    }
    default: {
      const std::size_t newline = input.find('\n');
      if (newline == std::string_view::npos) return 0;
      const std::string signing_input = base64url_encode(input.substr(0, newline)) + "." +
                                        base64url_encode(input.substr(newline + 1));
      verify("Bearer " + signing_input + "." + base64url_encode(sign(signing_input)));
      break;
    }
  }
  return 0;
}

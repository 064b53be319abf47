// Internal: OpenSSL 3 public keys and JWS signature checks. Only libcrypto's
// non-deprecated API (EVP_PKEY_fromdata, EVP_DigestVerify) is used.
#pragma once

#include <memory>
#include <string_view>

#include <openssl/evp.h>

#include "auth/jwks.h"
#include "core/result.h"

namespace khe::auth {

struct PkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;

// Invariant: `pkey` is a public key that passed EVP_PKEY_public_check, of type `type`.
struct PublicKey {
  PkeyPtr pkey;
  KeyType type = KeyType::ec_p384;
};

namespace detail {

// x and y: 48 big-endian bytes each. Refuses a point that is not on P-384.
Result<PublicKey> ec_p384_key(std::string_view x, std::string_view y);
// n and e: big-endian unsigned. Refuses a modulus outside 2048–8192 bits.
Result<PublicKey> rsa_key(std::string_view n, std::string_view e);

// True when `signature` (JWS bytes: r||s for ES384, the RSA block for RS384) is a valid
// signature of `signing_input` under `key` with SHA-384. Never throws; leaves OpenSSL's
// error queue empty.
bool verify_sha384(const PublicKey& key, std::string_view signing_input,
                   std::string_view signature);

}  // namespace detail
}  // namespace khe::auth

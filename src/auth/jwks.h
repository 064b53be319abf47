// JWK Sets (RFC 7517) holding the EHRs' public keys: EC P-384 keys for ES384 and RSA keys
// for RS384, selected by `kid`.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace khe::auth {

enum class KeyType { ec_p384, rsa };

// Opaque: an OpenSSL public key (defined in keys.h, freed when the last Jwks holding it
// goes away).
struct PublicKey;

struct KeyInfo {
  std::string kid;
  KeyType type = KeyType::ec_p384;
  std::string alg;  // the JWK's `alg` ("ES384" / "RS384"), or empty when it names none
  int bits = 0;     // 384 for P-384, the modulus size for RSA
};

// An immutable set of public keys. Copies share the keys; safe to share between threads.
class Jwks {
 public:
  Jwks() = default;

  // "" for the out-of-band set (the --jwks file); the `jku` URL the set was fetched from
  // otherwise. Tokens are matched against a set of the same origin (see jwt.h).
  const std::string& source() const { return source_; }

  std::size_t size() const { return keys_.size(); }
  // Keys that were in the text but are never usable here (other kty or curve, `use` not
  // "sig", `alg` not ES384/RS384, no `kid`, symmetric keys): for the caller's log.
  std::size_t skipped() const { return skipped_; }
  std::vector<KeyInfo> keys() const;

  // The key with this kid usable for `alg` ("ES384" needs an EC P-384 key, "RS384" an RSA
  // key; a JWK that names an `alg` serves only that one). nullptr when there is none.
  const PublicKey* find(std::string_view kid, std::string_view alg) const;

 private:
  friend Result<Jwks> parse_jwks(std::string_view text, std::string source);
  struct Entry {
    KeyInfo info;
    std::shared_ptr<const PublicKey> key;
  };
  std::vector<Entry> keys_;
  std::size_t skipped_ = 0;
  std::string source_;
};

// Parses a JWK Set: {"keys": [...]}. Limits: 1 MiB of text, 64 keys, JSON depth 16.
// Refuses the whole set (Error.where = "jwks") when the text is not a JWK Set, when a key
// of a supported type is malformed (coordinates not 48 bytes, point not on the curve, RSA
// modulus outside 2048–8192 bits, bad base64url), when any key carries private material
// (`d`, `p`, `q`, ...), or when two usable keys share a kid and type. Keys of other types
// are skipped (counted in skipped()). `source` is recorded as Jwks::source().
Result<Jwks> parse_jwks(std::string_view text, std::string source = {});

}  // namespace khe::auth

#include "auth/jwks.h"

#include <array>
#include <optional>

#include "auth/base64url.h"
#include "auth/json.h"
#include "auth/keys.h"

namespace khe::auth {
namespace {

using nlohmann::json;

constexpr std::size_t kMaxJwksBytes = 1 << 20;
constexpr std::size_t kMaxKeys = 64;
constexpr int kMaxDepth = 16;

// Members that only a private (or symmetric) JWK has (RFC 7518 §6.2.2, §6.3.2, §6.4).
constexpr std::array<const char*, 7> kPrivateMembers = {"d", "p", "q", "dp", "dq", "qi", "oth"};

Error jwks_error(std::size_t index, const std::string& message) {
  return Error{"jwks", "key " + std::to_string(index) + ": " + message};
}

const std::string* string_member(const json& obj, const char* name) {
  const auto it = obj.find(name);
  if (it == obj.end() || !it->is_string()) return nullptr;
  return &it->get_ref<const std::string&>();
}

// A base64url member decoded, or nullopt when missing or malformed.
std::optional<std::string> bytes_member(const json& obj, const char* name) {
  const std::string* s = string_member(obj, name);
  if (s == nullptr) return std::nullopt;
  return base64url_decode(*s);
}

// Whether a JWK restricts itself to something other than verifying signatures.
bool usable_for_verification(const json& key) {
  if (const auto it = key.find("use"); it != key.end()) {
    if (!it->is_string() || *it != "sig") return false;
  }
  if (const auto it = key.find("key_ops"); it != key.end()) {
    if (!it->is_array()) return false;
    bool verify = false;
    for (const auto& op : *it) verify = verify || (op.is_string() && op == "verify");
    if (!verify) return false;
  }
  return true;
}

}  // namespace

std::vector<KeyInfo> Jwks::keys() const {
  std::vector<KeyInfo> out;
  out.reserve(keys_.size());
  for (const auto& e : keys_) out.push_back(e.info);
  return out;
}

const PublicKey* Jwks::find(std::string_view kid, std::string_view alg) const {
  KeyType wanted;
  if (alg == "ES384") {
    wanted = KeyType::ec_p384;
  } else if (alg == "RS384") {
    wanted = KeyType::rsa;
  } else {
    return nullptr;
  }
  for (const auto& e : keys_) {
    if (e.info.kid == kid && e.info.type == wanted && (e.info.alg.empty() || e.info.alg == alg)) {
      return e.key.get();
    }
  }
  return nullptr;
}

Result<Jwks> parse_jwks(std::string_view text, std::string source) {
  if (text.size() > kMaxJwksBytes) return Error{"jwks", "key set larger than 1 MiB"};
  const auto doc = detail::parse_object(text, kMaxDepth);
  if (!doc) return Error{"jwks", "not a JSON object (or duplicate member names)"};
  const auto keys = doc->find("keys");
  if (keys == doc->end() || !keys->is_array()) return Error{"jwks", "no \"keys\" array"};
  if (keys->size() > kMaxKeys) return Error{"jwks", "more than 64 keys"};

  Jwks set;
  set.source_ = std::move(source);
  for (std::size_t i = 0; i < keys->size(); ++i) {
    const json& key = (*keys)[i];
    if (!key.is_object()) return jwks_error(i, "not an object");
    for (const char* member : kPrivateMembers) {
      if (key.contains(member)) return jwks_error(i, "private key material in a public key set");
    }
    const std::string* kty = string_member(key, "kty");
    if (kty == nullptr) return jwks_error(i, "\"kty\" missing");
    const std::string* kid = string_member(key, "kid");
    const std::string* alg = string_member(key, "alg");
    if (key.contains("alg") && alg == nullptr) return jwks_error(i, "\"alg\" is not a string");

    KeyInfo info;
    if (*kty == "EC") {
      const std::string* crv = string_member(key, "crv");
      if (crv == nullptr) return jwks_error(i, "\"crv\" missing");
      if (*crv != "P-384" || (alg != nullptr && *alg != "ES384")) {
        ++set.skipped_;
        continue;
      }
      info.type = KeyType::ec_p384;
    } else if (*kty == "RSA") {
      if (alg != nullptr && *alg != "RS384") {
        ++set.skipped_;
        continue;
      }
      info.type = KeyType::rsa;
    } else {  // oct (symmetric: never trusted), OKP, ...
      ++set.skipped_;
      continue;
    }
    if (kid == nullptr || kid->empty() || !usable_for_verification(key)) {
      ++set.skipped_;
      continue;
    }

    Result<PublicKey> pk = Error{};
    if (info.type == KeyType::ec_p384) {
      const auto x = bytes_member(key, "x");
      const auto y = bytes_member(key, "y");
      if (!x || !y) return jwks_error(i, "\"x\" or \"y\" missing or not base64url");
      pk = detail::ec_p384_key(*x, *y);
      info.bits = 384;
    } else {
      const auto n = bytes_member(key, "n");
      const auto e = bytes_member(key, "e");
      if (!n || !e || n->empty() || e->empty()) {
        return jwks_error(i, "\"n\" or \"e\" missing or not base64url");
      }
      pk = detail::rsa_key(*n, *e);
      if (pk) info.bits = EVP_PKEY_get_bits(pk->pkey.get());
    }
    if (!pk) return jwks_error(i, pk.error().message);
    info.kid = *kid;
    if (alg != nullptr) info.alg = *alg;
    for (const auto& existing : set.keys_) {
      if (existing.info.kid == info.kid && existing.info.type == info.type) {
        return jwks_error(i, "duplicate kid");
      }
    }
    set.keys_.push_back(
        {std::move(info), std::make_shared<const PublicKey>(std::move(pk).value())});
  }
  return set;
}

}  // namespace khe::auth

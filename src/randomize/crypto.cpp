#include "randomize/crypto.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <memory>
#include <stdexcept>

namespace khe::randomize {
namespace {

const unsigned char* u8(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

struct CipherCtxFree {
  void operator()(EVP_CIPHER_CTX* c) const { EVP_CIPHER_CTX_free(c); }
};
using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, CipherCtxFree>;

constexpr std::size_t kTagBytes = 16;

void require(bool ok, const char* what) {
  if (!ok) throw std::runtime_error(what);
}

}  // namespace

std::string sha256(std::string_view bytes) {
  std::string out(32, '\0');
  unsigned int n = 0;
  require(EVP_Digest(bytes.data(), bytes.size(), reinterpret_cast<unsigned char*>(out.data()), &n,
                     EVP_sha256(), nullptr) == 1 &&
              n == 32,
          "sha256 failed");
  return out;
}

std::string hmac_sha256(std::string_view key, std::string_view message) {
  std::string out(32, '\0');
  unsigned int n = 0;
  const unsigned char* r = HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), u8(message),
                                message.size(), reinterpret_cast<unsigned char*>(out.data()), &n);
  require(r != nullptr && n == 32, "hmac-sha256 failed");
  return out;
}

std::string hkdf_sha256(std::string_view ikm, std::string_view salt, std::string_view info,
                        std::size_t length) {
  require(length <= 255 * 32, "hkdf: output too long");
  // Extract. An absent salt is 32 zero bytes (RFC 5869, 2.2).
  const std::string prk =
      hmac_sha256(salt.empty() ? std::string(32, '\0') : std::string(salt), ikm);
  // Expand.
  std::string okm;
  std::string t;
  for (unsigned char i = 1; okm.size() < length; ++i) {
    std::string m = t;
    m.append(info);
    m.push_back(static_cast<char>(i));
    t = hmac_sha256(prk, m);
    okm += t;
  }
  okm.resize(length);
  return okm;
}

std::string aes256gcm_seal(std::string_view key, std::string_view nonce, std::string_view aad,
                           std::string_view plaintext) {
  require(key.size() == 32 && nonce.size() == 12, "aes-256-gcm: bad key or nonce length");
  CipherCtx ctx(EVP_CIPHER_CTX_new());
  require(ctx != nullptr, "aes-256-gcm: no context");
  require(EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) == 1,
          "aes-256-gcm: init");
  require(EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, 12, nullptr) == 1,
          "aes-256-gcm: iv length");
  require(EVP_EncryptInit_ex(ctx.get(), nullptr, nullptr, u8(key), u8(nonce)) == 1,
          "aes-256-gcm: key");
  int n = 0;
  if (!aad.empty()) {
    require(EVP_EncryptUpdate(ctx.get(), nullptr, &n, u8(aad), static_cast<int>(aad.size())) == 1,
            "aes-256-gcm: aad");
  }
  std::string out(plaintext.size() + kTagBytes, '\0');
  auto* o = reinterpret_cast<unsigned char*>(out.data());
  int written = 0;
  if (!plaintext.empty()) {
    require(
        EVP_EncryptUpdate(ctx.get(), o, &n, u8(plaintext), static_cast<int>(plaintext.size())) == 1,
        "aes-256-gcm: encrypt");
    written = n;
  }
  require(EVP_EncryptFinal_ex(ctx.get(), o + written, &n) == 1, "aes-256-gcm: final");
  written += n;
  require(static_cast<std::size_t>(written) == plaintext.size(), "aes-256-gcm: length");
  require(EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, static_cast<int>(kTagBytes),
                              o + written) == 1,
          "aes-256-gcm: tag");
  return out;
}

std::optional<std::string> aes256gcm_open(std::string_view key, std::string_view nonce,
                                          std::string_view aad, std::string_view sealed) {
  if (key.size() != 32 || nonce.size() != 12 || sealed.size() < kTagBytes) return std::nullopt;
  const std::string_view ciphertext = sealed.substr(0, sealed.size() - kTagBytes);
  std::string tag(sealed.substr(sealed.size() - kTagBytes));
  CipherCtx ctx(EVP_CIPHER_CTX_new());
  require(ctx != nullptr, "aes-256-gcm: no context");
  require(EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) == 1,
          "aes-256-gcm: init");
  require(EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, 12, nullptr) == 1,
          "aes-256-gcm: iv length");
  require(EVP_DecryptInit_ex(ctx.get(), nullptr, nullptr, u8(key), u8(nonce)) == 1,
          "aes-256-gcm: key");
  int n = 0;
  if (!aad.empty()) {
    require(EVP_DecryptUpdate(ctx.get(), nullptr, &n, u8(aad), static_cast<int>(aad.size())) == 1,
            "aes-256-gcm: aad");
  }
  std::string out(ciphertext.size(), '\0');
  auto* o = reinterpret_cast<unsigned char*>(out.data());
  int written = 0;
  if (!ciphertext.empty()) {
    require(EVP_DecryptUpdate(ctx.get(), o, &n, u8(ciphertext),
                              static_cast<int>(ciphertext.size())) == 1,
            "aes-256-gcm: decrypt");
    written = n;
  }
  require(EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, static_cast<int>(kTagBytes),
                              tag.data()) == 1,
          "aes-256-gcm: set tag");
  if (EVP_DecryptFinal_ex(ctx.get(), o + written, &n) != 1) return std::nullopt;
  out.resize(static_cast<std::size_t>(written + n));
  return out;
}

std::string random_bytes(std::size_t n) {
  std::string out(n, '\0');
  require(RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(n)) == 1,
          "RAND_bytes failed");
  return out;
}

std::string to_hex(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (char c : bytes) {
    const auto u = static_cast<unsigned char>(c);
    out += kHex[u >> 4];
    out += kHex[u & 0xF];
  }
  return out;
}

std::optional<std::string> from_hex(std::string_view hex) {
  if (hex.size() % 2 != 0) return std::nullopt;
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out;
  out.reserve(hex.size() / 2);
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    const int hi = nibble(hex[i]);
    const int lo = nibble(hex[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out.push_back(static_cast<char>(hi * 16 + lo));
  }
  return out;
}

void append_u64(std::string& out, std::uint64_t v) {
  for (int shift = 56; shift >= 0; shift -= 8) {
    out.push_back(static_cast<char>((v >> shift) & 0xFF));
  }
}

void append_field(std::string& out, std::string_view bytes) {
  append_u64(out, bytes.size());
  out.append(bytes);
}

bool equal_ct(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace khe::randomize

// The cryptographic primitives of the randomisation (OpenSSL libcrypto underneath):
// SHA-256, HMAC-SHA256, HKDF-SHA256 (RFC 5869), AES-256-GCM, and hex. Pure functions of
// their arguments except random_bytes. OpenSSL failures other than a failed GCM tag are
// environment faults and throw (std::runtime_error); a tag that does not verify is a value.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace khe::randomize {

// 32 secret bytes: the study's seed. Everything secret is derived from it.
using Seed = std::array<unsigned char, 32>;

// Bytes are carried in std::string (binary-safe).
std::string sha256(std::string_view bytes);
std::string hmac_sha256(std::string_view key, std::string_view message);
// RFC 5869 with SHA-256; `length` <= 255 * 32.
std::string hkdf_sha256(std::string_view ikm, std::string_view salt, std::string_view info,
                        std::size_t length);

// AES-256-GCM: returns ciphertext || 16-byte tag. key: 32 bytes, nonce: 12 bytes.
std::string aes256gcm_seal(std::string_view key, std::string_view nonce, std::string_view aad,
                           std::string_view plaintext);
// nullopt when the tag does not verify (wrong key, changed ciphertext, nonce or aad).
std::optional<std::string> aes256gcm_open(std::string_view key, std::string_view nonce,
                                          std::string_view aad, std::string_view sealed);

// Fills `n` bytes from OpenSSL's CSPRNG (RAND_bytes).
std::string random_bytes(std::size_t n);

std::string to_hex(std::string_view bytes);
// nullopt unless `hex` is an even number of [0-9a-fA-F].
std::optional<std::string> from_hex(std::string_view hex);

// Appends an 8-byte big-endian length and then the bytes: an injective encoding of a
// sequence of fields ("ab"+"c" and "a"+"bc" differ).
void append_field(std::string& out, std::string_view bytes);
// Appends the 8-byte big-endian encoding of `v`.
void append_u64(std::string& out, std::uint64_t v);

// Constant-time comparison of equal-length byte strings (false when lengths differ).
bool equal_ct(std::string_view a, std::string_view b);

}  // namespace khe::randomize

// Sealing the allocation list and chaining the log (docs/randomize.md, "Sealed list" and
// "Log"). Pure functions. F(x) is an 8-byte big-endian length followed by x's bytes;
// D is the design's SHA-256 (64 hex); integers enter as decimal text.
//
//   opening(s, p)    = hex HMAC-SHA256(K_opening, F(s) || u64be(p))          (32 bytes)
//   commitment(s, p) = hex SHA-256(F("khe-randomize/1/commit") F(D) F(s) F(p) F(arm)
//                                  F(opening))
//   nonce(s, p)      = first 12 bytes of HMAC-SHA256(K_nonce, F(s) || u64be(p))
//   sealed(s, p)     = AES-256-GCM(K_seal, nonce, aad = F("khe-randomize/1/seal") F(D) F(s)
//                                  F(p), plaintext = {"arm","block","block_size","opening"})
//   link_i           = hex SHA-256(link_{i-1} (hex) || F("khe-randomize/1/list") F(i) F(s)
//                                  F(p) F(nonce hex) F(sealed hex) F(commitment)),
//                      link_0 = D; the list commitment is the last link.
//   log hash_n       = hex SHA-256(hash_{n-1} (hex) || F("khe-randomize-log/1") F(n) F(time)
//                                  F(kind) F(by) F(subject) F(stratum) F(position) F(arm)
//                                  F(opening) F(detail)), hash_0 = 64 '0'.
// The opening is a secret salt: without it the commitment of a two-arm entry could be
// opened by trying both arms. Revealing an entry publishes its opening in the log, so
// anyone can check the revealed arm against the commitment sealed at the start.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "randomize/generator.h"

namespace khe::randomize {

inline constexpr std::string_view kGenesisHash =
    "0000000000000000000000000000000000000000000000000000000000000000";

// One row of the sealed list as stored (hex text).
struct SealedEntry {
  std::int64_t index = 0;  // 1, 2, ... over the whole list
  std::string stratum;
  std::int64_t position = 0;
  std::string nonce_hex;
  std::string sealed_hex;
  std::string commitment;  // hex
  std::string link;        // hex
};

// What a sealed entry holds.
struct Opened {
  std::string arm;
  std::int64_t block = 0;
  int block_size = 0;
  std::string opening;  // hex
};

std::string opening_hex(const Keys& keys, std::string_view stratum, std::int64_t position);
std::string commitment_hex(std::string_view design_sha, std::string_view stratum,
                           std::int64_t position, std::string_view arm,
                           std::string_view opening_hex);

// Seals `a` as list entry `index`, linked to `previous_link`.
SealedEntry seal_entry(const Keys& keys, std::string_view design_sha, const Allocation& a,
                       std::int64_t index, std::string_view previous_link);

// nullopt when the entry does not decrypt under these keys (wrong seed or changed bytes).
std::optional<Opened> open_entry(const Keys& keys, std::string_view design_sha,
                                 std::string_view stratum, std::int64_t position,
                                 std::string_view nonce_hex, std::string_view sealed_hex);

std::string list_link(std::string_view previous_link, std::int64_t index, std::string_view stratum,
                      std::int64_t position, std::string_view nonce_hex,
                      std::string_view sealed_hex, std::string_view commitment);

// The hashed fields of a log entry, as stored.
struct LogFields {
  std::string_view time, kind, by, subject, stratum;
  std::int64_t position = 0;
  std::string_view arm, opening, detail;
};

std::string log_hash(std::string_view previous_hash, std::int64_t seq, const LogFields& f);

}  // namespace khe::randomize

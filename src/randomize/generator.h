// The allocation list: permuted blocks per stratum drawn from a deterministic generator
// keyed by the seed (docs/randomize.md, "Generator"). Pure: the same seed and design give
// the same list on every machine.
//
// Keys: K_label = HKDF-SHA256(ikm = seed, salt = "khe-randomize/1",
//                             info = label || 0x00 || design_sha256 (64 hex)), 32 bytes,
// for label in {"generator", "seal", "nonce", "opening", "key-check"}.
// Stream of a stratum: block j (j = 0, 1, ...) is
//   HMAC-SHA256(K_generator, F("khe-randomize/1/stream") || F(stratum) || u64be(j)),
// read as big-endian 64-bit words (F = 8-byte big-endian length, then the bytes).
// uniform(n): draw x until x >= 2^64 mod n (rejection), return x mod n; exactly uniform.
// A block: its size uniform over block_sizes (in the order given), holding size/sum(ratio)
// times ratio[a] copies of arm a, shuffled by Fisher-Yates (i from size-1 down to 1,
// j = uniform(i+1)). Blocks follow one another until the stratum holds size_per_stratum
// entries; the last block is kept whole, so a stratum may hold up to max(block)-1 more.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "randomize/crypto.h"
#include "randomize/design.h"

namespace khe::randomize {

struct Keys {
  std::string generator, seal, nonce, opening;  // 32 bytes each
  std::string key_check_hex;  // 64 hex: lets a study refuse the wrong seed, reveals nothing
};

Keys derive_keys(const Seed& seed, std::string_view design_sha256_hex);

// The deterministic random stream of one stratum.
class Stream {
 public:
  Stream(std::string_view generator_key, std::string_view stratum);
  std::uint64_t next_u64();
  // Uniform on [0, n), n >= 1, by rejection.
  std::uint64_t uniform(std::uint64_t n);

 private:
  void refill();
  std::string key_;
  std::string prefix_;  // F("khe-randomize/1/stream") || F(stratum)
  std::uint64_t counter_ = 0;
  std::string block_;
  std::size_t used_ = 32;
};

struct Allocation {
  std::string stratum;        // canonical key
  std::int64_t position = 0;  // 1, 2, ... within the stratum
  std::int64_t block = 0;     // 1, 2, ... within the stratum
  int block_size = 0;
  int arm_index = 0;
  std::string arm;
};

// One stratum's list (the design must pass check_design).
std::vector<Allocation> generate_stratum(const Keys& keys, const Design& d,
                                         std::string_view stratum);
// Every stratum in canonical order (strata(d)), each from position 1.
std::vector<Allocation> generate_list(const Keys& keys, const Design& d);

}  // namespace khe::randomize

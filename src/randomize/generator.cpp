#include "randomize/generator.h"

#include <utility>

namespace khe::randomize {
namespace {

std::string derive(const Seed& seed, std::string_view label, std::string_view design_sha) {
  std::string info(label);
  info.push_back('\0');
  info.append(design_sha);
  return hkdf_sha256(std::string_view(reinterpret_cast<const char*>(seed.data()), seed.size()),
                     kFormat, info, 32);
}

}  // namespace

Keys derive_keys(const Seed& seed, std::string_view design_sha256_hex) {
  Keys k;
  k.generator = derive(seed, "generator", design_sha256_hex);
  k.seal = derive(seed, "seal", design_sha256_hex);
  k.nonce = derive(seed, "nonce", design_sha256_hex);
  k.opening = derive(seed, "opening", design_sha256_hex);
  k.key_check_hex = to_hex(derive(seed, "key-check", design_sha256_hex));
  return k;
}

Stream::Stream(std::string_view generator_key, std::string_view stratum) : key_(generator_key) {
  append_field(prefix_, "khe-randomize/1/stream");
  append_field(prefix_, stratum);
}

void Stream::refill() {
  std::string m = prefix_;
  append_u64(m, counter_++);
  block_ = hmac_sha256(key_, m);
  used_ = 0;
}

std::uint64_t Stream::next_u64() {
  if (used_ + 8 > block_.size()) refill();
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<unsigned char>(block_[used_++]);
  return v;
}

std::uint64_t Stream::uniform(std::uint64_t n) {
  if (n <= 1) return 0;
  const std::uint64_t threshold = (0 - n) % n;  // 2^64 mod n
  while (true) {
    const std::uint64_t x = next_u64();
    if (x >= threshold) return x % n;
  }
}

std::vector<Allocation> generate_stratum(const Keys& keys, const Design& d,
                                         std::string_view stratum) {
  Stream s(keys.generator, stratum);
  const int sum = ratio_sum(d);
  std::vector<Allocation> out;
  std::int64_t block = 0;
  while (static_cast<std::int64_t>(out.size()) < d.size_per_stratum) {
    ++block;
    const int size = d.block_sizes[static_cast<std::size_t>(s.uniform(d.block_sizes.size()))];
    const int times = size / sum;
    std::vector<int> arms;
    for (std::size_t a = 0; a < d.arms.size(); ++a) {
      for (int i = 0; i < times * d.ratio[a]; ++i) arms.push_back(static_cast<int>(a));
    }
    for (std::size_t i = arms.size() - 1; i >= 1; --i) {
      const auto j = static_cast<std::size_t>(s.uniform(i + 1));
      std::swap(arms[i], arms[j]);
    }
    for (int a : arms) {
      Allocation x;
      x.stratum = std::string(stratum);
      x.position = static_cast<std::int64_t>(out.size()) + 1;
      x.block = block;
      x.block_size = size;
      x.arm_index = a;
      x.arm = d.arms[static_cast<std::size_t>(a)];
      out.push_back(std::move(x));
    }
  }
  return out;
}

std::vector<Allocation> generate_list(const Keys& keys, const Design& d) {
  std::vector<Allocation> out;
  for (const auto& stratum : strata(d)) {
    auto part = generate_stratum(keys, d, stratum);
    out.insert(out.end(), std::make_move_iterator(part.begin()),
               std::make_move_iterator(part.end()));
  }
  return out;
}

}  // namespace khe::randomize

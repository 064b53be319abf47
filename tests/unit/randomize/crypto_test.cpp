// The primitives against published vectors (RFC 4231, RFC 5869, NIST GCM) and the
// uniform sampler's rejection bound.
#include "randomize/crypto.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>

#include "randomize/generator.h"
#include "randomize/test_util.h"

namespace khe::randomize {
namespace {

std::string unhex(std::string_view h) { return from_hex(h).value(); }

TEST(RandomizeCrypto, HmacSha256MatchesRfc4231Case2) {
  EXPECT_EQ(to_hex(hmac_sha256("Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(RandomizeCrypto, HkdfMatchesRfc5869Case1) {
  const std::string okm =
      hkdf_sha256(unhex("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b"),
                  unhex("000102030405060708090a0b0c"), unhex("f0f1f2f3f4f5f6f7f8f9"), 42);
  EXPECT_EQ(to_hex(okm),
            "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865");
}

TEST(RandomizeCrypto, AesGcmMatchesNistVectorAndRejectsTampering) {
  // NIST GCM test case 14 (AES-256, zero key, zero IV, one zero block).
  const std::string key(32, '\0'), iv(12, '\0'), pt(16, '\0');
  const std::string sealed = aes256gcm_seal(key, iv, "", pt);
  EXPECT_EQ(to_hex(sealed), "cea7403d4d606b6e074ec5d3baf39d18d0d1c8a799996bf0265b98b5d48ab919");
  EXPECT_EQ(aes256gcm_open(key, iv, "", sealed), pt);

  const std::string k2 = random_bytes(32), n2 = random_bytes(12);
  const std::string s2 = aes256gcm_seal(k2, n2, "aad", "sirolimus");
  EXPECT_EQ(aes256gcm_open(k2, n2, "aad", s2), std::optional<std::string>("sirolimus"));
  std::string flipped = s2;
  flipped[0] = static_cast<char>(flipped[0] ^ 1);
  EXPECT_FALSE(aes256gcm_open(k2, n2, "aad", flipped));
  EXPECT_FALSE(aes256gcm_open(k2, n2, "other aad", s2));
  EXPECT_FALSE(aes256gcm_open(random_bytes(32), n2, "aad", s2));
}

TEST(RandomizeCrypto, FieldEncodingIsInjective) {
  std::string a, b;
  append_field(a, "ab");
  append_field(a, "c");
  append_field(b, "a");
  append_field(b, "bc");
  EXPECT_NE(a, b);
  EXPECT_EQ(from_hex("0aFf"), std::optional<std::string>(std::string("\x0a\xff", 2)));
  EXPECT_FALSE(from_hex("abc"));
  EXPECT_FALSE(from_hex("zz"));
}

TEST(RandomizeCrypto, UniformCoversEveryValueEvenly) {
  // 60,000 draws on [0, 3) and [0, 6): each value within 5 standard deviations of n/k.
  const Keys keys = derive_keys(testing::seed_from(1), std::string(64, 'a'));
  for (std::uint64_t k : {2u, 3u, 5u, 6u}) {
    Stream s(keys.generator, "uniform");
    std::map<std::uint64_t, int> counts;
    const int n = 60000;
    for (int i = 0; i < n; ++i) {
      const auto v = s.uniform(k);
      ASSERT_LT(v, k);
      ++counts[v];
    }
    ASSERT_EQ(counts.size(), k);
    const double p = 1.0 / static_cast<double>(k);
    const double sd = std::sqrt(n * p * (1 - p));
    for (auto [v, c] : counts) EXPECT_NEAR(c, n * p, 5 * sd) << "k=" << k << " v=" << v;
  }
}

TEST(RandomizeCrypto, KeysAreSeparatedByLabelSeedAndDesign) {
  const Keys a = derive_keys(testing::seed_from(1), std::string(64, 'a'));
  const Keys b = derive_keys(testing::seed_from(2), std::string(64, 'a'));
  const Keys c = derive_keys(testing::seed_from(1), std::string(64, 'b'));
  EXPECT_NE(a.generator, a.seal);
  EXPECT_NE(a.seal, a.nonce);
  EXPECT_NE(a.nonce, a.opening);
  EXPECT_NE(a.generator, b.generator);
  EXPECT_NE(a.generator, c.generator);
  EXPECT_NE(a.key_check_hex, b.key_check_hex);
  EXPECT_EQ(a.generator, derive_keys(testing::seed_from(1), std::string(64, 'a')).generator);
}

}  // namespace
}  // namespace khe::randomize

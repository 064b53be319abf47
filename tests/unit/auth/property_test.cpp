// Properties over many generated tokens: a verified token is refused on replay, and no
// single-character change of a valid token is accepted.
#include <random>
#include <string>

#include <gtest/gtest.h>

#include "auth/jwt.h"
#include "support/token_forge.h"

namespace khe::auth {
namespace {

using testing::json;

VerifierOptions options() {
  VerifierOptions o;
  o.issuers = {std::string(testing::kIssuer)};
  o.audience = std::string(testing::kAudience);
  return o;
}

Jwks both_keys() {
  return parse_jwks(testing::jwks_text(json::array({testing::public_jwk(testing::ec_key()),
                                                    testing::public_jwk(testing::rsa_key())})))
      .value();
}

TEST(JwtProperty, AVerifiedTokenIsAlwaysRefusedOnReplay) {
  const Verifier v = Verifier::create(options()).value();
  const Jwks jwks = both_keys();
  ReplayCache cache;
  std::mt19937_64 rng(7);
  const std::int64_t base = testing::test_now().time_since_epoch().count();
  for (int i = 0; i < 60; ++i) {
    const auto& key = (i % 2 == 0) ? testing::ec_key() : testing::rsa_key();
    // Random issue time within the skew, random lifetime up to the maximum, random jti.
    const std::int64_t iat = base - static_cast<std::int64_t>(rng() % 120) + 30;
    const std::int64_t exp = iat + 1 + static_cast<std::int64_t>(rng() % 3599);
    json c = testing::claims("p-" + std::to_string(rng()));
    c["iat"] = iat;
    c["exp"] = exp;
    const std::string header = "Bearer " + testing::make_jwt(testing::header_for(key), c, key);
    const Instant now(Seconds(base + static_cast<std::int64_t>(rng() % 60)));
    if (exp <= now.time_since_epoch().count() - 60) continue;  // expired: not this property
    auto first = v.verify(header, jwks, now, cache);
    ASSERT_TRUE(first.ok()) << first.error().to_string();
    // Replayed at once, or later while the token is otherwise still acceptable.
    const std::int64_t span = exp + 60 - now.time_since_epoch().count();
    const Instant later =
        now + Seconds(static_cast<std::int64_t>(rng() % static_cast<std::uint64_t>(span)));
    for (const Instant when : {now, later}) {
      auto again = v.verify(header, jwks, when, cache);
      ASSERT_FALSE(again.ok());
      EXPECT_EQ(auth_code_of(again.error()), AuthCode::replayed);
    }
  }
}

TEST(JwtProperty, NoSingleCharacterChangeOfAValidTokenIsAccepted) {
  const Verifier v = Verifier::create(options()).value();
  const Jwks jwks = both_keys();
  const std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.";
  for (const auto* key : {&testing::ec_key(), &testing::rsa_key()}) {
    ReplayCache cache;
    const std::string token =
        testing::make_jwt(testing::header_for(*key), testing::claims("mutate-1"), *key);
    std::mt19937 rng(11);
    int checked = 0;
    for (std::size_t i = 0; i < token.size(); ++i) {
      std::string changed = token;
      char c = token[i];
      while (c == token[i]) c = alphabet[rng() % alphabet.size()];
      changed[i] = c;
      auto r = v.verify("Bearer " + changed, jwks, testing::test_now(), cache);
      EXPECT_FALSE(r.ok()) << "position " << i;
      ++checked;
    }
    EXPECT_EQ(checked, static_cast<int>(token.size()));
    EXPECT_EQ(cache.size(), 0u);
    // The original still verifies: none of the refusals used up its jti.
    EXPECT_TRUE(v.verify("Bearer " + token, jwks, testing::test_now(), cache).ok());
  }
}

}  // namespace
}  // namespace khe::auth

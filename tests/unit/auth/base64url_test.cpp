// Strict base64url: RFC 4648 vectors, round trips, and every non-canonical form refused.
#include <random>
#include <string>

#include <gtest/gtest.h>

#include "auth/base64url.h"

namespace khe::auth {
namespace {

TEST(Base64url, Rfc4648Vectors) {
  const std::pair<const char*, const char*> vectors[] = {
      {"", ""},           {"f", "Zg"},          {"fo", "Zm8"},          {"foo", "Zm9v"},
      {"foob", "Zm9vYg"}, {"fooba", "Zm9vYmE"}, {"foobar", "Zm9vYmFy"},
  };
  for (const auto& [plain, encoded] : vectors) {
    EXPECT_EQ(base64url_encode(plain), encoded);
    EXPECT_EQ(base64url_decode(encoded), std::optional<std::string>(plain)) << encoded;
  }
  // The two characters where base64url differs from base64.
  EXPECT_EQ(base64url_encode("\xfb\xff"), "-_8");
  EXPECT_EQ(base64url_decode("-_8"), std::optional<std::string>("\xfb\xff"));
}

TEST(Base64url, RandomBytesRoundTrip) {
  std::mt19937 rng(42);
  for (std::size_t len = 0; len < 300; ++len) {
    std::string bytes(len, '\0');
    for (auto& b : bytes) b = static_cast<char>(rng() & 0xFF);
    const std::string text = base64url_encode(bytes);
    EXPECT_EQ(text.find_first_of("+/="), std::string::npos);
    EXPECT_EQ(base64url_decode(text), std::optional<std::string>(bytes));
  }
}

TEST(Base64url, NonCanonicalAndForeignFormsAreRefused) {
  for (const char* bad : {"Zg==", "Zm8=", "Zh", "Zm9", "Z", "Zm9vY", "Zm9v YmFy", "Zm9v\nYmFy",
                          "Zm+v", "Zm/v", "Zm9v.", "Zm\xc3\xa9v", " Zm9v"}) {
    EXPECT_FALSE(base64url_decode(bad).has_value()) << bad;
  }
  // "Zh" and "Zm9" only differ from "Zg" / "Zm8" in bits that carry no data.
  EXPECT_FALSE(base64url_decode(std::string("Zm9v\0", 5)).has_value());
}

}  // namespace
}  // namespace khe::auth

// Formatting of dates and instants: the report's bytes depend on it.
#include <gtest/gtest.h>

#include <cstdio>
#include <random>

#include "core/time.h"

namespace khe {
namespace {

// The formatting the fast path must reproduce exactly.
std::string reference(Instant t) {
  const Date d = date_of(t);
  const std::chrono::year_month_day ymd{d};
  const auto secs = (t - Instant(d)).count();
  char buf[48];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02lld:%02lld:%02lldZ",
                static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                static_cast<unsigned>(ymd.day()), static_cast<long long>(secs / 3600),
                static_cast<long long>(secs / 60 % 60), static_cast<long long>(secs % 60));
  return buf;
}

TEST(TimeFormat, KnownInstantsAndDates) {
  const Instant t = parse_fhir_datetime("2026-03-05T07:08:09Z").value().start;
  EXPECT_EQ(format_instant(t), "2026-03-05T07:08:09Z");
  EXPECT_EQ(format_date(date_of(t)), "2026-03-05");
  EXPECT_EQ(format_instant(parse_fhir_datetime("2024-02-29T23:59:59+00:00").value().start),
            "2024-02-29T23:59:59Z");
  EXPECT_EQ(format_instant(parse_fhir_datetime("2026-01-01T00:30:00+01:00").value().start),
            "2025-12-31T23:30:00Z");
}

TEST(TimeFormat, MatchesTheReferenceOverManyInstantsAndAtTheEdges) {
  std::mt19937_64 rng(11);
  std::uniform_int_distribution<std::int64_t> secs(-62135596800LL, 253402300799LL);  // 0001..9999
  for (int i = 0; i < 20000; ++i) {
    const Instant t{Seconds(secs(rng))};
    ASSERT_EQ(format_instant(t), reference(t));
    ASSERT_EQ(format_date(date_of(t)), reference(t).substr(0, 10));
  }
  const Instant last{Seconds(253402300799LL)};  // 9999-12-31T23:59:59Z
  EXPECT_EQ(format_instant(last), "9999-12-31T23:59:59Z");
  const Instant beyond = last + Seconds(1);  // year 10000: the snprintf fallback
  EXPECT_EQ(format_instant(beyond), reference(beyond));
}

}  // namespace
}  // namespace khe

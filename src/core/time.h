// Explicit UTC time. `Instant` is seconds since the Unix epoch; `Date` is a calendar day.
// Nothing here reads a clock: "now" is always a parameter supplied by the caller.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.h"

namespace khe {

using Seconds = std::chrono::seconds;
using Instant = std::chrono::sys_seconds;
using Date = std::chrono::sys_days;

constexpr Seconds hours(std::int64_t n) { return Seconds(n * 3600); }
constexpr Seconds days(std::int64_t n) { return Seconds(n * 86400); }

// How precise the source text was. A FHIR date "2026-05" is a month; "2026-05-01" a day.
enum class Precision { year, month, day, second };

struct ParsedTime {
  Instant start;  // the earliest instant the text can denote, in UTC
  Precision precision;
};

// Parses FHIR R4 `date` / `dateTime` / `instant` text: YYYY, YYYY-MM, YYYY-MM-DD, or
// YYYY-MM-DDThh:mm:ss[.fff](Z|+hh:mm|-hh:mm). Rejects impossible dates (2026-02-30),
// out-of-range fields and trailing junk. A date-time without a zone is refused (FHIR
// requires one when time is given).
Result<ParsedTime> parse_fhir_datetime(std::string_view text);

// Parses a calendar date "YYYY-MM-DD" exactly.
Result<Date> parse_date(std::string_view text);

Date date_of(Instant t);
Instant start_of(Date d);

// "2026-08-03T12:00:00Z"
std::string format_instant(Instant t);
// "2026-08-03"
std::string format_date(Date d);

// Whole days from a to b (b - a), floor.
std::int64_t days_between(Date a, Date b);

}  // namespace khe

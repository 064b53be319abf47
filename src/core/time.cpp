#include "core/time.h"

#include <charconv>
#include <cstdio>

namespace khe {
namespace {

// Reads exactly `n` decimal digits at `pos`; advances `pos`.
bool read_digits(std::string_view s, std::size_t& pos, int n, int& out) {
  if (pos + static_cast<std::size_t>(n) > s.size()) return false;
  int v = 0;
  for (int i = 0; i < n; ++i) {
    char c = s[pos + static_cast<std::size_t>(i)];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  pos += static_cast<std::size_t>(n);
  out = v;
  return true;
}

bool expect(std::string_view s, std::size_t& pos, char c) {
  if (pos >= s.size() || s[pos] != c) return false;
  ++pos;
  return true;
}

Error bad(std::string_view text, const char* why) {
  return Error{"", "invalid date/time '" + std::string(text.substr(0, 40)) + "': " + why};
}

}  // namespace

Result<ParsedTime> parse_fhir_datetime(std::string_view text) {
  using namespace std::chrono;
  std::size_t pos = 0;
  int y = 0, mo = 1, d = 1;
  if (!read_digits(text, pos, 4, y)) return bad(text, "expected a 4-digit year");
  Precision precision = Precision::year;
  if (pos < text.size()) {
    if (!expect(text, pos, '-') || !read_digits(text, pos, 2, mo)) return bad(text, "expected -MM");
    precision = Precision::month;
    if (pos < text.size()) {
      if (!expect(text, pos, '-') || !read_digits(text, pos, 2, d))
        return bad(text, "expected -DD");
      precision = Precision::day;
    }
  }
  year_month_day ymd{year{y}, month{static_cast<unsigned>(mo)}, day{static_cast<unsigned>(d)}};
  if (y < 1800 || !ymd.ok()) return bad(text, "no such calendar date");
  Instant t = sys_days(ymd);
  if (pos == text.size()) return ParsedTime{t, precision};

  int hh = 0, mm = 0, ss = 0;
  if (!expect(text, pos, 'T') || !read_digits(text, pos, 2, hh) || !expect(text, pos, ':') ||
      !read_digits(text, pos, 2, mm))
    return bad(text, "expected Thh:mm");
  if (pos < text.size() && text[pos] == ':') {
    ++pos;
    if (!read_digits(text, pos, 2, ss)) return bad(text, "expected seconds");
    if (pos < text.size() && text[pos] == '.') {
      ++pos;
      std::size_t digits = 0;
      while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') ++pos, ++digits;
      if (digits == 0) return bad(text, "empty fraction of a second");
    }
  }
  if (hh > 23 || mm > 59 || ss > 60) return bad(text, "time of day out of range");
  if (ss == 60) ss = 59;  // a leap second is kept within its minute
  int offset_min = 0;
  if (pos >= text.size()) return bad(text, "a time needs a zone (Z or +hh:mm)");
  char z = text[pos++];
  if (z == 'Z') {
    offset_min = 0;
  } else if (z == '+' || z == '-') {
    int oh = 0, om = 0;
    if (!read_digits(text, pos, 2, oh) || !expect(text, pos, ':') || !read_digits(text, pos, 2, om))
      return bad(text, "bad zone offset");
    if (oh > 14 || om > 59) return bad(text, "zone offset out of range");
    offset_min = (oh * 60 + om) * (z == '-' ? -1 : 1);
  } else {
    return bad(text, "bad zone");
  }
  if (pos != text.size()) return bad(text, "trailing characters");
  t += hours(hh) + minutes(mm) + Seconds(ss) - minutes(offset_min);
  return ParsedTime{t, Precision::second};
}

Result<Date> parse_date(std::string_view text) {
  auto r = parse_fhir_datetime(text);
  if (!r) return r.error();
  if (r->precision != Precision::day) return bad(text, "expected YYYY-MM-DD");
  return Date(std::chrono::floor<std::chrono::days>(r->start));
}

Date date_of(Instant t) { return std::chrono::floor<std::chrono::days>(t); }
Instant start_of(Date d) { return Instant(d); }

namespace {

// Writes `v` as exactly `width` decimal digits (zero-padded) at `out`. Reports format
// hundreds of instants, so this avoids snprintf's format parsing.
char* put_digits(char* out, long long v, int width) {
  for (int i = width - 1; i >= 0; --i, v /= 10) out[i] = static_cast<char>('0' + v % 10);
  return out + width;
}

// "YYYY-MM-DD" for years 0..9999; other years (never in a valid record) fall back to snprintf.
bool put_date(char* out, Date d) {
  const std::chrono::year_month_day ymd{d};
  const int y = static_cast<int>(ymd.year());
  if (y < 0 || y > 9999) return false;
  char* p = put_digits(out, y, 4);
  *p++ = '-';
  p = put_digits(p, static_cast<unsigned>(ymd.month()), 2);
  *p++ = '-';
  put_digits(p, static_cast<unsigned>(ymd.day()), 2);
  return true;
}

}  // namespace

std::string format_date(Date d) {
  char buf[16];
  if (put_date(buf, d)) return std::string(buf, 10);
  std::chrono::year_month_day ymd{d};
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
  return buf;
}

std::string format_instant(Instant t) {
  Date d = date_of(t);
  auto secs = (t - Instant(d)).count();
  char buf[32];
  if (put_date(buf, d)) {
    char* p = buf + 10;
    *p++ = 'T';
    p = put_digits(p, secs / 3600, 2);
    *p++ = ':';
    p = put_digits(p, secs / 60 % 60, 2);
    *p++ = ':';
    p = put_digits(p, secs % 60, 2);
    *p++ = 'Z';
    return std::string(buf, static_cast<std::size_t>(p - buf));
  }
  std::snprintf(buf, sizeof buf, "%sT%02lld:%02lld:%02lldZ", format_date(d).c_str(),
                static_cast<long long>(secs / 3600), static_cast<long long>(secs / 60 % 60),
                static_cast<long long>(secs % 60));
  return buf;
}

std::int64_t days_between(Date a, Date b) { return (b - a).count(); }

}  // namespace khe

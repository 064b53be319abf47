#include "write/json_stream.h"

#include <charconv>
#include <cmath>
#include <cstddef>

#include <nlohmann/json.hpp>

#include "write/number.h"

namespace khe::write {
namespace {

constexpr int kIndent = 2;  // dump(2)

bool is_continuation(unsigned char c) { return (c & 0xC0) == 0x80; }

// Length of the well-formed UTF-8 sequence starting at s[i] (a byte >= 0x80), or 0 if it is
// ill-formed (Unicode Table 3-7: no overlongs, surrogates or code points past U+10FFFF).
std::size_t utf8_length(std::string_view s, std::size_t i) {
  const auto at = [&](std::size_t k) { return static_cast<unsigned char>(s[i + k]); };
  const unsigned char c = at(0);
  std::size_t n;
  unsigned char lo = 0x80, hi = 0xBF;  // allowed range of the second byte
  if (c >= 0xC2 && c <= 0xDF) {
    n = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
    if (c == 0xE0) lo = 0xA0;
    if (c == 0xED) hi = 0x9F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;
  } else {
    return 0;
  }
  if (s.size() - i < n || at(1) < lo || at(1) > hi) return 0;
  for (std::size_t k = 2; k < n; ++k) {
    if (!is_continuation(at(k))) return 0;
  }
  return n;
}

// The escape nlohmann writes for an ASCII byte that cannot appear raw in a JSON string.
void append_escape(std::string& out, unsigned char c) {
  switch (c) {
    case '"':
      out += "\\\"";
      return;
    case '\\':
      out += "\\\\";
      return;
    case '\b':
      out += "\\b";
      return;
    case '\t':
      out += "\\t";
      return;
    case '\n':
      out += "\\n";
      return;
    case '\f':
      out += "\\f";
      return;
    case '\r':
      out += "\\r";
      return;
    default:
      break;
  }
  static constexpr char kHex[] = "0123456789abcdef";  // nlohmann prints lowercase
  const char u[] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 0xF]};
  out.append(u, sizeof u);
}

bool needs_escape(unsigned char c) { return c < 0x20 || c == '"' || c == '\\'; }

}  // namespace

bool append_json_chars(std::string& out, std::string_view s) {
  std::size_t plain = 0;  // s[plain, i) is waiting to be copied as is
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80 && !needs_escape(c)) {
      ++i;
      continue;
    }
    out.append(s.substr(plain, i - plain));
    if (c < 0x80) {
      append_escape(out, c);
      ++i;
    } else if (const std::size_t n = utf8_length(s, i)) {
      out.append(s.substr(i, n));  // valid UTF-8 is written unescaped (ensure_ascii off)
      i += n;
    } else {
      return false;
    }
    plain = i;
  }
  out.append(s.substr(plain));
  return true;
}

void append_json_string(std::string& out, std::string_view s) {
  const std::size_t start = out.size();
  out += '"';
  if (!append_json_chars(out, s)) {
    // Invalid UTF-8 is rare (the reader validates its input) and nlohmann's rule for
    // where replacement characters go is subtle, so let nlohmann write this string.
    out.resize(start);
    out += nlohmann::json(std::string(s))
               .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    return;
  }
  out += '"';
}

void append_json_double(std::string& out, double d) {
  // nlohmann prints doubles with its own grisu2, which is not always the shortest
  // round-trip form (0.005473 prints as 0.0054729999999999996): std::to_chars differs on
  // about 1% of values. So this calls what dump() calls for a finite double
  // (serializer::dump_float: nlohmann::detail::to_chars into a 64-byte buffer), without
  // building a json value and a string per number. Not public API: the tests compare the
  // two on 50,000 values, so a Debian upgrade that changed it would be caught.
  if (!std::isfinite(d)) {
    out += "null";
    return;
  }
  char buf[64];
  out.append(buf, nlohmann::detail::to_chars(buf, buf + sizeof buf, d));
}

void JsonStream::key(std::string_view name) {
  begin_value();
  out_ += '"';
  out_ += name;
  out_ += "\": ";
  after_key_ = true;
}

void JsonStream::value(std::string_view s) {
  begin_value();
  append_json_string(out_, s);
}

void JsonStream::value(bool b) {
  begin_value();
  out_ += b ? "true" : "false";
}

void JsonStream::value(std::int64_t n) {
  begin_value();
  char buf[24];
  out_.append(buf, std::to_chars(buf, buf + sizeof buf, n).ptr);
}

void JsonStream::value(double d) {
  begin_value();
  append_json_double(out_, d);
}

void JsonStream::rounded(double d, int decimals) {
  const double r = round_to(d, decimals);
  if (std::isfinite(r) && std::abs(r) < 1e15 && r == std::floor(r)) {
    value(static_cast<std::int64_t>(r));
  } else {
    value(r);
  }
}

void JsonStream::null() {
  begin_value();
  out_ += "null";
}

void JsonStream::open(char bracket) {
  begin_value();
  out_ += bracket;
  levels_.push_back(Level{});
}

void JsonStream::close(char bracket) {
  const bool empty = levels_.back().empty;
  levels_.pop_back();
  if (!empty) {
    out_ += '\n';
    indent();
  }
  out_ += bracket;
}

// nlohmann puts every member and element on its own line, indented one level deeper than
// its container, with ",\n" between them; the break comes before the first, not after it.
void JsonStream::begin_value() {
  if (after_key_) {  // the key already started this member's line
    after_key_ = false;
    return;
  }
  if (levels_.empty()) return;  // the top-level value
  Level& level = levels_.back();
  out_ += level.empty ? "\n" : ",\n";
  level.empty = false;
  indent();
}

void JsonStream::indent() { out_.append(levels_.size() * kIndent, ' '); }

}  // namespace khe::write

// Small, total accessors over simdjson's DOM. Every accessor returns "absent" for a missing
// member *and* for a member of the wrong JSON type, so a resource of any shape can be walked
// without a failure path at each step; callers that must tell the two apart use member().
// Nothing here throws: simdjson is used through its error-code API only.
#pragma once

#include <simdjson.h>

#include <array>
#include <charconv>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace khe::fhir {

using Element = simdjson::dom::element;
using simdjson::dom::element_type;

// Member `key` of `e`; nullopt when `e` is not an object or has no such member.
inline std::optional<Element> member(Element e, std::string_view key) {
  Element v;
  if (e.at_key(key).get(v) != simdjson::SUCCESS) return std::nullopt;
  return v;
}

// String member; empty when absent or not a string (where both mean "not given").
inline std::string_view str(Element e, std::string_view key) {
  Element v;
  std::string_view s;
  if (e.at_key(key).get(v) != simdjson::SUCCESS || v.get(s) != simdjson::SUCCESS) return {};
  return s;
}

// The first value of each of `keys` in `obj` (nullopt where absent, all nullopt when `obj`
// is not an object), found in one pass over its fields: at_key() walks the fields once per
// key. The first occurrence of a repeated key wins, exactly as with at_key().
template <std::size_t N>
std::array<std::optional<Element>, N> members(Element obj,
                                              const std::array<std::string_view, N>& keys) {
  std::array<std::optional<Element>, N> found{};
  simdjson::dom::object o;
  if (obj.get(o) != simdjson::SUCCESS) return found;
  std::size_t missing = N;
  for (auto field = o.begin(); field != o.end(); ++field) {
    for (std::size_t i = 0; i < N; ++i) {
      if (found[i] || !field.key_equals(keys[i])) continue;  // key_equals: length first
      found[i] = field.value();
      if (--missing == 0) return found;
      break;
    }
  }
  return found;
}

inline bool is_object(Element e) { return e.type() == element_type::OBJECT; }
inline bool is_string(Element e) { return e.type() == element_type::STRING; }
inline bool is_number(Element e) {
  auto t = e.type();
  return t == element_type::DOUBLE || t == element_type::INT64 || t == element_type::UINT64;
}

// Calls f(element, index) for each element of the array member `key` of `e` (nothing when
// it is absent or not an array).
template <typename F>
void for_each(Element e, std::string_view key, F&& f) {
  Element v;
  simdjson::dom::array arr;
  if (e.at_key(key).get(v) != simdjson::SUCCESS || v.get(arr) != simdjson::SUCCESS) return;
  std::size_t i = 0;
  for (Element x : arr) f(x, i++);
}

// The first element of array member `key`, if any.
inline std::optional<Element> first(Element e, std::string_view key) {
  Element v;
  simdjson::dom::array arr;
  if (e.at_key(key).get(v) != simdjson::SUCCESS || v.get(arr) != simdjson::SUCCESS)
    return std::nullopt;
  for (Element x : arr) return x;
  return std::nullopt;
}

// Appends the decimal digits of `i` to `s`.
inline void append_number(std::string& s, std::size_t i) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, i);
  s.append(buf, r.ptr);
}

// Appends the "key[i]" path segment to `s`.
inline void append_indexed(std::string& s, std::string_view key, std::size_t i) {
  s += key;
  s += '[';
  append_number(s, i);
  s += ']';
}

// "key[i]" path segment.
inline std::string indexed(std::string_view key, std::size_t i) {
  std::string s;
  append_indexed(s, key, i);
  return s;
}

// Joins relative path segments with '.'.
inline std::string join(std::string_view a, std::string_view b) {
  std::string s;
  s.reserve(a.size() + b.size() + 1);
  s += a;
  if (!a.empty() && !b.empty()) s += '.';
  s += b;
  return s;
}

}  // namespace khe::fhir

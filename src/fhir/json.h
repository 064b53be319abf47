// Small, total accessors over simdjson's DOM. Every accessor returns "absent" for a missing
// member *and* for a member of the wrong JSON type, so a resource of any shape can be walked
// without a failure path at each step; callers that must tell the two apart use member().
// Nothing here throws: simdjson is used through its error-code API only.
#pragma once

#include <simdjson.h>

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

// "key[i]" path segment.
inline std::string indexed(std::string_view key, std::size_t i) {
  std::string s(key);
  s += '[';
  s += std::to_string(i);
  s += ']';
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

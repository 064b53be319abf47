// Reading fields of a knowledge file's JSON (nlohmann) while collecting problems: shared by
// the loaders so a missing or mistyped field reads the same in every file's messages.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "knowledge/problems.h"

namespace khe::knowledge::json_fields {

// obj[key], or null when obj is not an object or has no such member.
inline const nlohmann::json* member(const nlohmann::json& obj, const char* key) {
  if (!obj.is_object()) return nullptr;
  auto it = obj.find(key);
  return it == obj.end() ? nullptr : &*it;
}

// The non-empty string at obj[key]; otherwise a problem at "path.key" and "".
inline std::string nonempty_text(const nlohmann::json& obj, const char* key,
                                 const std::string& file, const std::string& path, Problems& p) {
  const nlohmann::json* v = member(obj, key);
  if (!v || !v->is_string() || v->get_ref<const std::string&>().empty()) {
    p.add(file, path + "." + key, "expected a non-empty string");
    return {};
  }
  return v->get<std::string>();
}

}  // namespace khe::knowledge::json_fields

#include "auth/json.h"

#include <string>
#include <unordered_set>
#include <vector>

namespace khe::auth::detail {

std::optional<nlohmann::json> parse_object(std::string_view text, int max_depth) {
  using json = nlohmann::json;
  std::vector<std::unordered_set<std::string>> names;  // one set per open object
  bool refused = false;
  auto callback = [&](int depth, json::parse_event_t event, json& parsed) {
    if (depth > max_depth) refused = true;
    switch (event) {
      case json::parse_event_t::object_start:
        names.emplace_back();
        break;
      case json::parse_event_t::object_end:
        if (!names.empty()) names.pop_back();
        break;
      case json::parse_event_t::key:
        if (names.empty() || !parsed.is_string() ||
            !names.back().insert(parsed.get_ref<const std::string&>()).second) {
          refused = true;
        }
        break;
      default:
        break;
    }
    return true;
  };
  json doc = json::parse(text.begin(), text.end(), callback, /*allow_exceptions=*/false);
  if (refused || doc.is_discarded() || !doc.is_object()) return std::nullopt;
  return doc;
}

}  // namespace khe::auth::detail

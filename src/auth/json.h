// Internal: strict JSON for JOSE headers, JWT claims and JWK Sets.
#pragma once

#include <optional>
#include <string_view>

#include <nlohmann/json.hpp>

namespace khe::auth::detail {

// Parses `text` as one JSON object. Returns nullopt when the text is not well-formed JSON
// (including ill-formed UTF-8), is not an object, repeats a member name in any object
// (RFC 7515 §5.2 allows refusing; we do, so no two parsers can disagree on a value), or
// nests deeper than `max_depth`. Never throws for bad input.
std::optional<nlohmann::json> parse_object(std::string_view text, int max_depth);

}  // namespace khe::auth::detail

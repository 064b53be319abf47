// Base64url without padding (RFC 4648 §5, as JOSE uses it: RFC 7515 §2).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace khe::auth {

// Encodes bytes; the result has no padding.
std::string base64url_encode(std::string_view bytes);

// Decodes strictly: only [A-Za-z0-9_-], no '=', no whitespace, a length that is not 1 mod
// 4, and zero unused bits in the last character (so every byte string has exactly one
// encoding). Returns nullopt for anything else. The empty text decodes to the empty string.
std::optional<std::string> base64url_decode(std::string_view text);

}  // namespace khe::auth

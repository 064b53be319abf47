#include "store/ids.h"

namespace khe::store {
namespace {

bool is_alpha(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

bool valid_id(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id) {
    if (!is_alpha(c) && !is_digit(c) && c != '-' && c != '.') return false;
  }
  return true;
}

bool valid_resource_type(std::string_view type) {
  if (type.empty() || type.size() > 64 || !(type[0] >= 'A' && type[0] <= 'Z')) return false;
  for (char c : type) {
    if (!is_alpha(c)) return false;
  }
  return true;
}

bool valid_sha256_hex(std::string_view text) {
  if (text.size() != 64) return false;
  for (char c : text) {
    if (!is_digit(c) && !(c >= 'a' && c <= 'f')) return false;
  }
  return true;
}

}  // namespace khe::store

#include "serve/cors.h"

#include <algorithm>
#include <cctype>

namespace khe::serve {
namespace {

// The request headers a cross-origin caller may send (lower case).
constexpr std::string_view kAllowedHeaders[] = {"authorization", "content-type", "accept",
                                                "prefer"};
constexpr std::string_view kAllowedHeadersValue = "Authorization, Content-Type, Accept, Prefer";

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Every comma-separated item of `list` satisfies `ok`.
template <typename Pred>
bool all_items(std::string_view list, Pred ok) {
  while (!list.empty()) {
    const auto comma = list.find(',');
    const std::string_view item = trim(list.substr(0, comma));
    if (!item.empty() && !ok(item)) return false;
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return true;
}

}  // namespace

std::string CorsPolicy::allow_origin(std::string_view origin) const {
  if (origin.empty()) return {};
  for (const std::string& o : origins_) {
    if (o == "*") return "*";
    if (o == origin) return std::string(origin);
  }
  return {};
}

void CorsPolicy::decorate(std::string_view origin, http::Response& response) const {
  const std::string allowed = allow_origin(origin);
  if (allowed.empty()) return;
  response.set_header("Access-Control-Allow-Origin", allowed);
  if (allowed != "*") response.set_header("Vary", "Origin");
}

http::Response CorsPolicy::preflight(const http::Request& request, std::string_view methods) const {
  http::Response r;
  r.status = 204;
  r.set_header("Allow", std::string(methods) + ", OPTIONS");
  const std::string allowed = allow_origin(request.header("Origin"));
  if (allowed.empty()) return r;
  const std::string_view method = request.header("Access-Control-Request-Method");
  const bool method_ok =
      !method.empty() && !all_items(methods, [&](std::string_view m) { return m != method; });
  const bool headers_ok =
      all_items(request.header("Access-Control-Request-Headers"), [](std::string_view h) {
        const std::string l = lower(h);
        return std::find(std::begin(kAllowedHeaders), std::end(kAllowedHeaders), l) !=
               std::end(kAllowedHeaders);
      });
  if (!method_ok || !headers_ok) return r;
  r.set_header("Access-Control-Allow-Origin", allowed);
  if (allowed != "*") r.set_header("Vary", "Origin");
  r.set_header("Access-Control-Allow-Methods", std::string(methods));
  r.set_header("Access-Control-Allow-Headers", std::string(kAllowedHeadersValue));
  r.set_header("Access-Control-Max-Age", "600");
  return r;
}

}  // namespace khe::serve

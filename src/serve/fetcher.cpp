#include "serve/fetcher.h"

#include <cctype>

#include "http/client.h"

namespace khe::serve {
namespace {

bool is_json(std::string_view content_type) {
  const std::string media = http::media_type(content_type);
  return http::is_json_media(media) || media == "application/jwk-set+json";
}

Result<std::string> get_json(const std::string& url, std::vector<http::Header> headers,
                             std::chrono::milliseconds timeout, const char* what) {
  auto response = http::get(url, headers, {.timeout = timeout});
  if (!response) return Error{what, response.error().message};
  if (response->status < 200 || response->status > 299) {
    return Error{what, "answered HTTP " + std::to_string(response->status)};
  }
  if (!is_json(response->content_type)) return Error{what, "answered with a non-JSON body"};
  return std::move(response->body);
}

}  // namespace

Result<std::string> HttpFhirFetcher::get(const std::string& url, const std::string& access_token) {
  std::vector<http::Header> headers{{"Accept", "application/fhir+json"}};
  if (!access_token.empty()) headers.push_back({"Authorization", "Bearer " + access_token});
  return get_json(url, std::move(headers), timeout_, "fhirServer");
}

Result<std::string> fetch_jwks(const std::string& url) {
  return get_json(url, {{"Accept", "application/json"}}, std::chrono::seconds(5), "jku");
}

}  // namespace khe::serve

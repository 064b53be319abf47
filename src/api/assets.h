// The files compiled into the API (cmake/webapp.cmake): web/app/* under their names
// ("index.html", "app.js", ...) and src/api/openapi.json under "openapi.json".
#pragma once

#include <string_view>
#include <vector>

namespace khe::api::detail {

struct Asset {
  std::string_view name;
  std::string_view bytes;
};

const std::vector<Asset>& embedded_assets();
// The asset of that exact name; nullptr when there is none.
const Asset* find_asset(std::string_view name);

}  // namespace khe::api::detail

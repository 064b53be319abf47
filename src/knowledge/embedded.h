// The default knowledge files, compiled into the binary (see cmake/embed.cmake).
#pragma once

#include <string_view>
#include <vector>

namespace khe::knowledge {

struct EmbeddedFile {
  std::string_view path;  // relative to knowledge/, e.g. "rules.json"
  std::string_view bytes;
};

const std::vector<EmbeddedFile>& embedded_files();

}  // namespace khe::knowledge

// `khe knowledge`: prints every rule of a profile with its parameters and sources, for a
// centre to review what the engine will do.
#pragma once

#include <iosfwd>
#include <optional>
#include <string>

namespace khe::cli {

struct KnowledgeOptions {
  std::string profile = "default";
  std::string format = "text";  // text | json
  std::optional<std::string> knowledge_dir;
};

int knowledge_command(const KnowledgeOptions& options, std::ostream& out, std::ostream& err);

}  // namespace khe::cli

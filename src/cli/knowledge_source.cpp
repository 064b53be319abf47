#include "cli/knowledge_source.h"

#include "engine/evaluate.h"

namespace khe::cli {

Result<knowledge::Knowledge> load_knowledge(const std::optional<std::string>& dir) {
  // Validated against the engine's parameter list, so evaluation never meets a missing one.
  return dir ? knowledge::load_dir(*dir, engine::parameter_specs())
             : knowledge::load_default(engine::parameter_specs());
}

std::string profile_list(const knowledge::Knowledge& k) {
  std::string out;
  for (const auto& [id, profile] : k.profiles) {
    if (!out.empty()) out += ", ";
    out += id;
  }
  return out;
}

}  // namespace khe::cli

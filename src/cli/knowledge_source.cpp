#include "cli/knowledge_source.h"

#include <ostream>

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

const knowledge::Profile* find_profile(const knowledge::Knowledge& k, const std::string& id,
                                       std::ostream& err) {
  const knowledge::Profile* profile = k.profile(id);
  if (profile == nullptr) {
    err << "error: unknown profile '" << id << "'; available: " << profile_list(k) << "\n";
  }
  return profile;
}

std::unique_ptr<CommandKnowledge> load_command_knowledge(const std::optional<std::string>& dir,
                                                         const std::string& profile_id,
                                                         std::ostream& err) {
  auto knowledge = load_knowledge(dir);
  if (!knowledge) {
    err << "error: " << knowledge.error().to_string() << "\n";
    return nullptr;
  }
  auto loaded = std::make_unique<CommandKnowledge>();
  loaded->knowledge = std::move(knowledge).value();
  loaded->profile = find_profile(loaded->knowledge, profile_id, err);
  if (loaded->profile == nullptr) return nullptr;
  return loaded;
}

}  // namespace khe::cli

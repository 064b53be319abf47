// Where the clinical knowledge comes from: the set compiled into the binary, or a centre's
// own folder given with --knowledge DIR.
#pragma once

#include <iosfwd>
#include <memory>
#include <optional>
#include <string>

#include "core/result.h"
#include "knowledge/knowledge.h"

namespace khe::cli {

Result<knowledge::Knowledge> load_knowledge(const std::optional<std::string>& dir);

// "default, consensus-2013": the profiles a --profile may name.
std::string profile_list(const knowledge::Knowledge& k);

// The profile `id` of `k`, or nullptr after writing "error: unknown profile ..." with the
// available ones to `err` (the command then exits with kUsageError).
const knowledge::Profile* find_profile(const knowledge::Knowledge& k, const std::string& id,
                                       std::ostream& err);

// The knowledge (embedded, or from `dir`) and its profile `profile_id`, as every command
// that evaluates needs them. nullptr after writing the error to `err` (the command then
// exits with kUsageError). `profile` points into `knowledge`.
struct CommandKnowledge {
  knowledge::Knowledge knowledge;
  const knowledge::Profile* profile = nullptr;
};
std::unique_ptr<CommandKnowledge> load_command_knowledge(const std::optional<std::string>& dir,
                                                         const std::string& profile_id,
                                                         std::ostream& err);

}  // namespace khe::cli

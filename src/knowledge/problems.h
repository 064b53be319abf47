// Collects the problems found while loading data files, each as "file: JSON path: what",
// so a centre fixing its knowledge sees every problem at once, not one per run.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "core/result.h"

namespace khe::knowledge {

class Problems {
 public:
  explicit Problems(std::string source) : source_(std::move(source)) {}

  void add(const std::string& file, const std::string& path, const std::string& what) {
    items_.push_back(file + ": " + path + ": " + what);
  }
  bool ok() const { return items_.empty(); }
  // Every problem, one per line. Meaningful only when !ok().
  Error error() const {
    std::string msg;
    for (const auto& s : items_) msg += (msg.empty() ? "" : "\n") + s;
    return Error{source_, msg};
  }

 private:
  std::string source_;  // Error's source: "knowledge", "pk"
  std::vector<std::string> items_;
};

}  // namespace khe::knowledge

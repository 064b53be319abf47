// Helpers for the knowledge loader's tests: load an edited file set and read its refusal.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "engine/evaluate.h"
#include "knowledge/knowledge.h"

namespace khe::knowledge::testing {

// The loader's message for `files`, which the test expects to be refused ("" if loaded).
inline std::string load_error(const FileSet& files) {
  auto r = load(files, engine::parameter_specs());
  EXPECT_FALSE(r.ok());
  return r.ok() ? "" : r.error().message;
}

}  // namespace khe::knowledge::testing

// Internal to the knowledge module: the PK-model loader, collecting into the same Problems
// as the rest of the knowledge so that a centre sees every problem of its folder at once.
#pragma once

#include "knowledge/knowledge.h"
#include "knowledge/problems.h"

namespace khe::knowledge {

// Reads "pk/*.json" of `files` (other entries ignored). `k.sources` must be loaded already.
PkModels load_pk_models(const FileSet& files, const Knowledge& k, Problems& p);

}  // namespace khe::knowledge

// The population PK models the computations of this module work on. The models are
// knowledge data (knowledge/pk/*.json), loaded and validated with the rest of the knowledge
// into `Knowledge::pk_models` (src/knowledge/pk_model.h); these are their names here.
#pragma once

#include "knowledge/knowledge.h"
#include "knowledge/pk_model.h"

namespace khe::pk {

using Structure = knowledge::PkStructure;
using CovariateEffect = knowledge::PkCovariateEffect;
using Parameter = knowledge::PkParameter;
using ErrorModel = knowledge::PkErrorModel;
using Residual = knowledge::PkResidual;
using Range = knowledge::PkRange;
using Model = knowledge::PkModel;
using Models = knowledge::PkModels;

}  // namespace khe::pk

#include "cli/tdm_pta_command.h"

#include <charconv>
#include <cmath>
#include <ostream>
#include <string>
#include <string_view>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "cli/cli.h"
#include "cli/input.h"
#include "cli/knowledge_source.h"
#include "pk/model.h"
#include "pk/pta.h"
#include "write/number.h"

namespace khe::cli {
namespace {

using Json = nlohmann::ordered_json;

std::string quantile_key(double p) {
  const int pct = int(std::lround(p * 100));
  return std::string("p") + (pct < 10 ? "0" : "") + std::to_string(pct);
}

std::string model_list(const pk::Models& models) {
  std::string out;
  for (const auto& [id, m] : models.by_id) out += (out.empty() ? "" : ", ") + id;
  return out;
}

}  // namespace

CLI::App* add_tdm_pta_subcommand(CLI::App& tdm, TdmPtaOptions& o) {
  CLI::App* pta = tdm.add_subcommand(
      "pta", "Target attainment of a mg/kg/day dosing rule, simulated under a PK model");
  pta->add_option("--model", o.model, "PK model id (default: the default model)");
  pta->add_option("--weight-min-kg", o.weight_min_kg, "Lowest body weight (kg)")->required();
  pta->add_option("--weight-max-kg", o.weight_max_kg, "Highest body weight (kg)")->required();
  pta->add_option("--mg-per-kg-day", o.mg_per_kg_day, "Daily dose (mg/kg/day)")->required();
  pta->add_option("--interval-h", o.interval_h, "Dosing interval (h)")->required();
  pta->add_option("--target", o.target, "Trough target LOW-HIGH in ng/mL, e.g. 8-15")->required();
  pta->add_option("--n", o.n, "Simulated children (default 100000)")->check(CLI::PositiveNumber);
  pta->add_option("--seed", o.seed, "Random seed (default 1)")->check(CLI::NonNegativeNumber);
  pta->add_option("--format", o.format, "json (default) or text")
      ->check(CLI::IsMember({"json", "text"}));
  pta->add_option("--knowledge", o.knowledge_dir, "Folder of knowledge files to use (PK models)");
  return pta;
}

int tdm_pta_command(const TdmPtaOptions& o, std::ostream& out, std::ostream& err) {
  pk::PtaOptions p;
  if (!parse_target_range(o.target, p.target_low_ng_per_ml, p.target_high_ng_per_ml)) {
    err << "error: --target must be LOW-HIGH in ng/mL, e.g. 8-15\n";
    return kUsageError;
  }
  // A centre's folder that does not load is a usage error (2), as for every command.
  auto k = load_knowledge(o.knowledge_dir);
  if (!k) {
    print_error(err, k.error());
    return kUsageError;
  }
  const pk::Models* models = &k->pk_models;
  if (models->by_id.empty()) {
    err << "error: the knowledge has no PK model (pk/*.json)\n";
    return kUsageError;
  }
  const pk::Model* model = o.model ? models->find(*o.model) : models->default_model();
  if (!model) {
    err << "error: unknown model; available: " << model_list(*models) << "\n";
    return kUsageError;
  }
  p.weight_min_kg = o.weight_min_kg;
  p.weight_max_kg = o.weight_max_kg;
  p.mg_per_kg_day = o.mg_per_kg_day;
  p.interval_h = o.interval_h;
  p.n = o.n;
  p.seed = o.seed;
  auto r = pk::simulate_pta(*model, p);
  if (!r) {
    err << "error: " << r.error().to_string() << "\n";
    return kUsageError;
  }

  std::vector<std::string> warnings;
  if ((model->weight_kg.low && o.weight_min_kg < *model->weight_kg.low) ||
      (model->weight_kg.high && o.weight_max_kg > *model->weight_kg.high))
    warnings.push_back("weights outside the validity domain of model " + model->id + " (" +
                       write::format_number(model->weight_kg.low.value_or(0), 2) + "-" +
                       write::format_number(model->weight_kg.high.value_or(0), 2) +
                       " kg): extrapolation");

  auto rd = [](double v) { return write::round_to(v, 4); };
  if (o.format == "text") {
    out << "Target attainment, model " << model->id << " (knowledge " << k->version << ")\n";
    out << "  " << write::format_number(o.weight_min_kg, 3) << "-"
        << write::format_number(o.weight_max_kg, 3) << " kg, "
        << write::format_number(o.mg_per_kg_day, 4) << " mg/kg/day every "
        << write::format_number(o.interval_h, 3) << " h, target " << o.target
        << " ng/mL, n = " << r->n << ", seed " << o.seed << "\n";
    out << "  below " << write::format_number(r->below_pct, 2) << " %, within "
        << write::format_number(r->within_pct, 2) << " %, above "
        << write::format_number(r->above_pct, 2) << " %\n";
    out << "  steady-state trough (ng/mL):";
    for (const auto& q : r->quantiles)
      out << " " << quantile_key(q.p) << " " << write::format_number(q.ng_per_ml, 2);
    out << "\n";
    for (const auto& w : warnings) out << "  warning: " << w << "\n";
    return kOk;
  }
  Json j;
  j["model"] = model->id;
  j["knowledge_version"] = k->version;
  j["weight_min_kg"] = o.weight_min_kg;
  j["weight_max_kg"] = o.weight_max_kg;
  j["mg_per_kg_day"] = o.mg_per_kg_day;
  j["interval_h"] = o.interval_h;
  j["target"] = {{"low_ng_per_mL", p.target_low_ng_per_ml},
                 {"high_ng_per_mL", p.target_high_ng_per_ml}};
  j["n"] = r->n;
  j["seed"] = o.seed;
  j["below_pct"] = rd(r->below_pct);
  j["within_pct"] = rd(r->within_pct);
  j["above_pct"] = rd(r->above_pct);
  j["trough_mean_ng_per_mL"] = rd(r->mean_ng_per_ml);
  Json q = Json::object();
  for (const auto& x : r->quantiles) q[quantile_key(x.p)] = rd(x.ng_per_ml);
  j["trough_quantiles_ng_per_mL"] = q;
  j["warnings"] = warnings;
  out << j.dump(2) << "\n";
  return kOk;
}

}  // namespace khe::cli

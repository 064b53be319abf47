#include "cli/cli.h"

#include <exception>
#include <istream>
#include <ostream>

#include <CLI/CLI.hpp>

#include "cli/audit_command.h"
#include "cli/cohort_command.h"
#include "cli/evaluate_command.h"
#include "cli/knowledge_command.h"
#include "cli/knowledge_source.h"
#include "cli/randomize_command.h"
#include "cli/serve_command.h"
#include "cli/tdm_command.h"
#include "cli/tdm_pta_command.h"
#include "engine/evaluate.h"

namespace khe::cli {
namespace {

int print_version(std::ostream& out, std::ostream& err) {
  out << "khe engine " << engine::engine_version() << "\n";
  auto k = load_knowledge(std::nullopt);
  if (!k) {
    err << "error: " << k.error().to_string() << "\n";
    return kUsageError;
  }
  out << "knowledge " << k->version << "\n";
  return kOk;
}

int run_unchecked(int argc, const char* const* argv, std::istream& in, std::ostream& out,
                  std::ostream& err) {
  CLI::App app{
      "khe-cds: decision support for KHE and Kasabach-Merritt phenomenon.\n"
      "It suggests and explains; the clinician decides."};
  app.name("khe");
  app.require_subcommand(0, 1);
  bool version = false;
  app.add_flag("--version", version, "Print the engine and knowledge versions");

  EvaluateOptions eval;
  CLI::App* evaluate = app.add_subcommand("evaluate", "Evaluate one patient's FHIR R4 record");
  evaluate->add_option("INPUT", eval.input, "FHIR R4 JSON file (Bundle or NDJSON), or - for stdin")
      ->required();
  evaluate->add_option("--as-of", eval.as_of, "Evaluation time, FHIR dateTime (default: now)");
  evaluate->add_option("--profile", eval.profile, "Knowledge profile (default: default)");
  evaluate->add_option("--patient", eval.patient, "Patient id when INPUT holds several");
  evaluate->add_option("--format", eval.format, "json (default), text or html")
      ->check(CLI::IsMember({"json", "text", "html"}));
  evaluate->add_option("--knowledge", eval.knowledge_dir, "Folder of knowledge files to use");

  KnowledgeOptions know;
  CLI::App* knowledge = app.add_subcommand("knowledge", "List the rules of a knowledge profile");
  knowledge->add_option("--profile", know.profile, "Knowledge profile (default: default)");
  knowledge->add_option("--format", know.format, "text (default) or json")
      ->check(CLI::IsMember({"text", "json"}));
  knowledge->add_option("--knowledge", know.knowledge_dir, "Folder of knowledge files to use");

  // `khe tdm INPUT` (MAP fit and dose recommendation); INPUT is checked after parsing so
  // that `khe tdm pta` needs none.
  TdmCommandOptions tdm_fit;
  CLI::App* tdm_main = app.add_subcommand("tdm", "Sirolimus therapeutic drug monitoring");
  tdm_main->add_option("INPUT", tdm_fit.input,
                       "FHIR R4 JSON file (Bundle or NDJSON), or - for stdin");
  tdm_main->add_option("--as-of", tdm_fit.as_of, "Evaluation time, FHIR dateTime (default: now)");
  tdm_main->add_option("--model", tdm_fit.model, "PK model id (default: the default model)");
  tdm_main->add_option("--target", tdm_fit.target,
                       "Trough target LOW-HIGH in ng/mL (default: TARGET-1 of the phase)");
  tdm_main->add_option("--profile", tdm_fit.profile, "Knowledge profile (default: default)");
  tdm_main->add_option("--patient", tdm_fit.patient, "Patient id when INPUT holds several");
  tdm_main->add_option("--knowledge", tdm_fit.knowledge_dir,
                       "Folder of knowledge files to use (rules and PK models)");
  tdm_main->add_option("--format", tdm_fit.format, "json (default) or text")
      ->check(CLI::IsMember({"json", "text"}));

  // `khe tdm pta` (target attainment). If `tdm` already exists (khe tdm INPUT), reuse it.
  CLI::App* tdm = nullptr;
  try {
    tdm = app.get_subcommand("tdm");
  } catch (const CLI::OptionNotFound&) {
    tdm = app.add_subcommand("tdm", "Sirolimus therapeutic drug monitoring");
  }
  TdmPtaOptions tdm_pta_options;
  CLI::App* tdm_pta = add_tdm_pta_subcommand(*tdm, tdm_pta_options);

  RandomizeOptions randomize_options;
  CLI::App* randomize = add_randomize_subcommand(app, randomize_options);

  CohortCommandOptions cohort_options;
  CLI::App* cohort = add_cohort_subcommand(app, cohort_options);

  AuditOptions audit_options;
  CLI::App* audit_verify = add_audit_subcommand(app, audit_options);

  ServeCommandOptions serve_options;
  CLI::App* serve = add_serve_subcommand(app, serve_options);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help is a successful exit; every other parse failure is a usage error (exit 2).
    const int code = app.exit(e, out, err);
    return code == 0 ? kOk : kUsageError;
  }

  if (version) return print_version(out, err);
  if (*evaluate) return evaluate_command(eval, in, out, err);
  if (*knowledge) return knowledge_command(know, out, err);
  if (*tdm_pta) return tdm_pta_command(tdm_pta_options, out, err);
  if (*audit_verify) return audit_verify_command(audit_options, out, err);
  if (*cohort) return cohort_command(cohort_options, out, err);
  if (*randomize) return randomize_command(*randomize, randomize_options, out, err);
  if (*serve) return serve_command(serve_options, out, err);
  if (*tdm_main) {
    if (tdm_fit.input.empty()) {
      err << "error: khe tdm: INPUT is required\n";
      return kUsageError;
    }
    return tdm_command(tdm_fit, in, out, err);
  }
  err << app.help();
  return kUsageError;
}

}  // namespace

int run(int argc, const char* const* argv, std::istream& in, std::ostream& out, std::ostream& err) {
  try {
    return run_unchecked(argc, argv, in, out, err);
  } catch (...) {
    // Nothing about the input or the exception text is printed: it may hold patient data.
    err << "error: internal error\n";
    return kInternalError;
  }
}

}  // namespace khe::cli

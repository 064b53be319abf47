#include "cli/evaluate_command.h"

#include <chrono>
#include <ostream>

#include "cli/cli.h"
#include "cli/input.h"
#include "cli/knowledge_source.h"
#include "cli/sha256.h"
#include "core/time.h"
#include "engine/evaluate.h"
#include "fhir/reader.h"
#include "write/html_writer.h"
#include "write/json_writer.h"
#include "write/text_writer.h"

namespace khe::cli {

int evaluate_command(const EvaluateOptions& o, std::istream& in, std::ostream& out,
                     std::ostream& err) {
  if (o.format != "json" && o.format != "text" && o.format != "html") {
    err << "error: --format must be json, text or html\n";
    return kUsageError;
  }
  const auto resolved = resolve_as_of(o.as_of, err);
  if (!resolved) return kUsageError;
  const Instant as_of = *resolved;

  const auto loaded = load_command_knowledge(o.knowledge_dir, o.profile, err);
  if (!loaded) return kUsageError;
  const knowledge::Knowledge* knowledge = &loaded->knowledge;
  const knowledge::Profile* profile = loaded->profile;

  const auto input = read_record(o.input, o.patient, as_of, *knowledge, in, err);
  if (!input) return kInputUnusable;
  const fhir::ReadOutcome& outcome = input->outcome;

  engine::Report report = engine::evaluate(*outcome.record, *knowledge, *profile, as_of);
  report.input_sha256 = sha256_hex(input->bytes);
  if (o.format == "json") {
    out << write::to_json(report);
  } else if (o.format == "text") {
    out << write::to_text(report, *knowledge);
  } else {
    out << write::to_html(report, *knowledge);
  }
  out.flush();
  return out ? kOk : kInternalError;
}

}  // namespace khe::cli

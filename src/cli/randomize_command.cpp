#include "cli/randomize_command.h"

#include <chrono>
#include <filesystem>
#include <ostream>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "cli/cli.h"
#include "randomize/design.h"
#include "randomize/seed.h"
#include "randomize/study.h"

namespace khe::cli {
namespace {

using randomize::LogEntry;
using randomize::NextOutcome;
using randomize::Seed;
using randomize::Study;
using randomize::StudyCheck;

Instant now() { return std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()); }

int fail(std::ostream& err, const Error& e, int code) {
  err << "error: " << e.to_string() << "\n";
  return code;
}

Result<Seed> load_seed(const std::string& path, std::ostream& err) {
  auto seed = randomize::read_seed_file(path);
  if (seed && randomize::seed_file_is_shared(path)) {
    err << "warning: " << path << ": the seed file can be read by others (chmod 600 it)\n";
  }
  return seed;
}

nlohmann::ordered_json entry_json(const LogEntry& e) {
  nlohmann::ordered_json j;
  j["seq"] = e.seq;
  j["time"] = e.time;
  j["kind"] = e.kind;
  j["by"] = e.by;
  if (e.kind == "init") {
    j["detail"] = nlohmann::ordered_json::parse(e.detail, nullptr, false);
  } else {
    j["subject"] = e.subject;
    j["stratum"] = e.stratum;
    j["position"] = e.position;
    j["arm"] = e.arm;
    j["opening"] = e.opening;
  }
  j["prev_hash"] = e.prev_hash;
  j["hash"] = e.hash;
  return j;
}

Result<randomize::Design> design_from(const RandomizeOptions& o) {
  randomize::Design d;
  auto arms = randomize::parse_arms(o.arms);
  if (!arms) return arms.error();
  d.arms = *arms;
  if (o.ratio.empty()) {
    d.ratio.assign(d.arms.size(), 1);
  } else {
    auto ratio = randomize::parse_ratio(o.ratio);
    if (!ratio) return ratio.error();
    d.ratio = *ratio;
  }
  auto blocks = randomize::parse_block_sizes(o.block_sizes);
  if (!blocks) return blocks.error();
  d.block_sizes = *blocks;
  for (const auto& s : o.strata) {
    auto f = randomize::parse_factor(s);
    if (!f) return f.error();
    d.factors.push_back(*f);
  }
  d.size_per_stratum = o.size_per_stratum;
  if (auto ok = randomize::check_design(d); !ok) return ok.error();
  return d;
}

int init_command(const RandomizeOptions& o, std::ostream& out, std::ostream& err) {
  auto design = design_from(o);
  if (!design) return fail(err, design.error(), kUsageError);
  if (!randomize::valid_user(o.by)) {
    return fail(err, Error{"by", "1 to 128 bytes without control characters"}, kUsageError);
  }
  std::error_code ec;
  if (std::filesystem::exists(o.study, ec)) {
    return fail(err, Error{o.study, "the study file exists already; init never overwrites"},
                kUsageError);
  }
  bool created_seed = false;
  Result<Seed> seed = Error{};
  if (std::filesystem::exists(o.seed_file, ec)) {
    seed = load_seed(o.seed_file, err);
  } else {
    seed = randomize::create_seed_file(o.seed_file);
    created_seed = seed.ok();
  }
  if (!seed) return fail(err, seed.error(), kInputUnusable);
  auto s = Study::create(o.study, *design, *seed, now(), o.by);
  if (!s) return fail(err, s.error(), kInputUnusable);
  if (o.format == "json") {
    nlohmann::ordered_json j;
    j["study"] = o.study;
    j["seed_file_created"] = created_seed;
    j["design"] = nlohmann::ordered_json::parse(randomize::design_json(*design));
    j["design_sha256"] = s->design_sha256;
    j["strata"] = s->strata;
    j["list_entries"] = s->list_entries;
    j["list_commitment"] = s->list_commitment;
    j["head"] = s->head;
    out << j.dump(2) << "\n";
  } else {
    if (created_seed) {
      out << "seed: " << o.seed_file
          << " created (mode 0600). Keep it apart from the study file and back it up.\n";
    }
    out << "study: " << o.study << ": " << s->list_entries << " sealed allocations in " << s->strata
        << " strata\n";
    out << "design sha256: " << s->design_sha256 << "\n";
    out << "list commitment: " << s->list_commitment << "\n";
    out << "head: " << s->head << "\n";
    out << "Record the list commitment outside this file (protocol, trial master file) before"
           " the first randomisation.\n";
  }
  return kOk;
}

int next_command(const RandomizeOptions& o, std::ostream& out, std::ostream& err) {
  if (!randomize::valid_subject(o.subject)) {
    return fail(err, Error{"subject", "a trial subject number: [A-Za-z0-9._-]{1,64}"}, kUsageError);
  }
  if (!randomize::valid_user(o.by)) {
    return fail(err, Error{"by", "1 to 128 bytes without control characters"}, kUsageError);
  }
  auto study = Study::open(o.study, false);
  if (!study) return fail(err, study.error(), kInputUnusable);
  if (auto st = randomize::canonical_stratum((*study)->design(), o.stratum); !st) {
    return fail(err, st.error(), kUsageError);
  }
  auto seed = load_seed(o.seed_file, err);
  if (!seed) return fail(err, seed.error(), kInputUnusable);
  auto r = (*study)->next(*seed, o.subject, o.stratum, o.by, now());
  if (!r) return fail(err, r.error(), kInputUnusable);
  switch (r->status) {
    case NextOutcome::Status::broken:
      err << "error: " << o.study
          << ": the study file fails verification, nothing revealed: " << r->check.why << "\n";
      return kAuditBroken;
    case NextOutcome::Status::already_randomised:
      err << "error: subject: already randomised (log entry " << r->entry.seq
          << "); a subject is randomised once\n";
      return kInputUnusable;
    case NextOutcome::Status::list_exhausted:
      err << "error: stratum: its allocation list is used up; extend the study with a new list\n";
      return kInputUnusable;
    case NextOutcome::Status::allocated:
      break;
  }
  const LogEntry& e = r->entry;
  if (o.format == "json") {
    out << entry_json(e).dump(2) << "\n";
  } else {
    out << "subject " << e.subject << ": " << e.arm << "\n";
    out << "stratum " << e.stratum << ", position " << e.position << ", log entry " << e.seq << ", "
        << e.time << ", by " << e.by << "\n";
    out << "hash: " << e.hash << "\n";
  }
  return kOk;
}

int log_command(const RandomizeOptions& o, std::ostream& out, std::ostream& err) {
  auto study = Study::open(o.study, true);
  if (!study) return fail(err, study.error(), kInputUnusable);
  auto log = (*study)->log();
  if (!log) return fail(err, log.error(), kInputUnusable);
  if (o.format == "json") {
    nlohmann::ordered_json j = nlohmann::ordered_json::array();
    for (const auto& e : *log) j.push_back(entry_json(e));
    out << j.dump(2) << "\n";
    return kOk;
  }
  out << "seq\ttime\tby\tsubject\tstratum\tposition\tarm\thash\n";
  for (const auto& e : *log) {
    if (e.kind == "init") {
      out << e.seq << "\t" << e.time << "\t" << e.by << "\t(init)\t-\t-\t-\t" << e.hash << "\n";
    } else {
      out << e.seq << "\t" << e.time << "\t" << e.by << "\t" << e.subject << "\t" << e.stratum
          << "\t" << e.position << "\t" << e.arm << "\t" << e.hash << "\n";
    }
  }
  return kOk;
}

}  // namespace

int randomize_verify_report(const std::string& study_path,
                            const std::optional<std::string>& seed_file, const std::string& format,
                            std::ostream& out, std::ostream& err) {
  auto study = Study::open(study_path, true);
  if (!study) return fail(err, study.error(), kInputUnusable);
  std::optional<Seed> seed;
  if (seed_file) {
    auto s = load_seed(*seed_file, err);
    if (!s) return fail(err, s.error(), kInputUnusable);
    if (auto ok = (*study)->check_seed(*s); !ok) return fail(err, ok.error(), kInputUnusable);
    seed = *s;
  }
  auto check = (*study)->verify(seed ? &*seed : nullptr);
  if (!check) return fail(err, check.error(), kInputUnusable);
  const StudyCheck& c = *check;
  if (format == "json") {
    nlohmann::ordered_json j;
    j["kind"] = "randomization";
    j["entries"] = c.log_entries;
    j["list_entries"] = c.list_entries;
    j["revealed"] = c.revealed;
    j["seed_checked"] = c.seed_checked;
    j["intact"] = c.intact();
    if (c.intact()) {
      j["head"] = c.head;
      j["list_commitment"] = c.list_commitment;
    } else {
      j["first_bad_seq"] = c.first_bad_seq ? nlohmann::ordered_json(*c.first_bad_seq) : nullptr;
      j["first_bad_list_index"] =
          c.first_bad_list_index ? nlohmann::ordered_json(*c.first_bad_list_index) : nullptr;
      j["why"] = c.why;
    }
    out << j.dump(2) << "\n";
  } else if (c.intact()) {
    out << "randomization log: " << c.log_entries << " entries, chain intact\n";
    out << "allocation list: " << c.list_entries << " sealed entries, " << c.revealed
        << " revealed, commitment intact"
        << (c.seed_checked ? ", identical to the list the seed generates" : "") << "\n";
    out << "head: " << c.head << "\n";
    out << "list commitment: " << c.list_commitment << "\n";
  } else {
    out << "randomization log: " << c.log_entries << " entries, BROKEN at ";
    if (c.first_bad_seq) {
      out << "log entry " << *c.first_bad_seq;
    } else if (c.first_bad_list_index) {
      out << "list entry " << *c.first_bad_list_index;
    } else {
      out << "the schema";
    }
    out << ": " << c.why << "\n";
  }
  return c.intact() ? kOk : kAuditBroken;
}

CLI::App* add_randomize_subcommand(CLI::App& app, RandomizeOptions& o) {
  CLI::App* r = app.add_subcommand(
      "randomize", "Stratified permuted-block randomisation with a sealed list and a chained log");
  r->require_subcommand(1);
  auto format = [&o](CLI::App* sub) {
    sub->add_option("--format", o.format, "text (default) or json")
        ->check(CLI::IsMember({"text", "json"}));
  };

  CLI::App* init = r->add_subcommand("init", "Create a study file with its sealed allocation list");
  init->add_option("--study", o.study, "The study file to create (SQLite)")->required();
  init->add_option("--arms", o.arms, "Arm names, comma-separated (e.g. A,B)")->required();
  init->add_option("--ratio", o.ratio, "Allocation ratio, colon-separated (default 1:1:...)");
  init->add_option("--block-sizes", o.block_sizes,
                   "Block sizes, comma-separated multiples of the ratio's sum (e.g. 4,6)")
      ->required();
  init->add_option("--strata", o.strata,
                   "A stratification factor and its levels, e.g. kmp=severe,non_severe"
                   " (repeatable)")
      ->allow_extra_args(false);
  init->add_option("--size-per-stratum", o.size_per_stratum,
                   "Allocations per stratum (the last block is kept whole)")
      ->required();
  init->add_option("--seed-file", o.seed_file,
                   "32-byte secret seed (64 hex); created with mode 0600 when absent")
      ->required();
  init->add_option("--by", o.by, "Who creates the list")->required();
  format(init);

  CLI::App* next =
      r->add_subcommand("next", "Randomise one subject: reveal its stratum's next arm");
  next->add_option("--study", o.study, "The study file")->required();
  next->add_option("--seed-file", o.seed_file, "The study's seed file")->required();
  next->add_option("--subject", o.subject, "The trial subject number (not a patient identifier)")
      ->required();
  next->add_option("--stratum", o.stratum, "factor=level,... (e.g. kmp=severe,age=lt6m)");
  next->add_option("--by", o.by, "Who randomises")->required();
  format(next);

  CLI::App* log = r->add_subcommand("log", "Print the allocation log");
  log->add_option("--study", o.study, "The study file")->required();
  format(log);

  CLI::App* verify = r->add_subcommand(
      "verify", "Check the log's chain, the list commitment and every revealed allocation");
  verify->add_option("--study", o.study, "The study file")->required();
  verify->add_option("--seed-file", o.seed_file,
                     "Also regenerate the whole list from the seed and compare");
  format(verify);
  return r;
}

int randomize_command(CLI::App& r, const RandomizeOptions& o, std::ostream& out,
                      std::ostream& err) {
  if (r.got_subcommand("init")) return init_command(o, out, err);
  if (r.got_subcommand("next")) return next_command(o, out, err);
  if (r.got_subcommand("log")) return log_command(o, out, err);
  if (r.got_subcommand("verify")) {
    return randomize_verify_report(
        o.study, o.seed_file.empty() ? std::nullopt : std::optional<std::string>(o.seed_file),
        o.format, out, err);
  }
  err << r.help();
  return kUsageError;
}

}  // namespace khe::cli

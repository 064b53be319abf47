// khe_gen_cohort: writes a synthetic FHIR R4 Bulk Data export of a KHE/KMP study cohort
// (tests/support/cohort_gen.h), for `khe cohort` tests and its benchmark (bench/cohort).
//
//   khe_gen_cohort --out DIR [--patients N | --arm NAME:N:RESPONDERS ... | --size-mb MB]
//                  [--observations-per-patient M] [--seed S] [--interleave [--window W]]
//                  [--no-troughs] [--truth FILE] [--quiet]
//
// Without --patients, --arm or --size-mb: the trial replica (37 + 36 children, 35 and 24
// durable responders at week 4). --patients N splits N children over the trial's arms with
// the trial's response rates; --size-mb picks N so that the export is about that size.
// Prints what it wrote (files, bytes, resources, MB/s, a suggested --as-of) on standard
// error. All data are synthetic.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "support/cohort_gen.h"

namespace {

int usage(const std::string& message) {
  std::cerr << "khe_gen_cohort: " << message
            << "\nusage: khe_gen_cohort --out DIR [--patients N | --arm NAME:N:RESPONDERS ... | "
               "--size-mb MB]\n"
               "                      [--observations-per-patient M] [--seed S] [--interleave "
               "[--window W]]\n"
               "                      [--no-troughs] [--truth FILE] [--quiet]\n";
  return 2;
}

bool to_long(const std::string& s, long long& out) {
  char* end = nullptr;
  out = std::strtoll(s.c_str(), &end, 10);
  return !s.empty() && end && *end == '\0';
}

}  // namespace

int main(int argc, char** argv) {
  using namespace khe::cohort_gen;
  Options o;
  long long patients = -1;
  double size_mb = -1;
  std::string truth_path;
  bool quiet = false;
  const std::vector<std::string> args(argv + 1, argv + argc);
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&](std::string& v) {
      if (i + 1 >= args.size()) return false;
      v = args[++i];
      return true;
    };
    std::string v;
    long long n = 0;
    if (a == "--out") {
      if (!value(o.out_dir)) return usage("--out needs a folder");
    } else if (a == "--patients") {
      if (!value(v) || !to_long(v, patients) || patients < 1 || patients > 100'000'000)
        return usage("--patients needs a number from 1 to 100000000");
    } else if (a == "--size-mb") {
      if (!value(v)) return usage("--size-mb needs a number");
      size_mb = std::atof(v.c_str());
      if (!(size_mb > 0)) return usage("--size-mb needs a positive number");
    } else if (a == "--observations-per-patient") {
      if (!value(v) || !to_long(v, n) || n < 0 || n > 1'000'000)
        return usage("--observations-per-patient needs a number from 0 to 1000000");
      o.observations_per_patient = static_cast<int>(n);
    } else if (a == "--arm") {
      if (!value(v)) return usage("--arm needs NAME:N:RESPONDERS");
      auto arm = parse_arm(v);
      if (!arm) return usage(arm.error().to_string());
      o.arms.push_back(*arm);
    } else if (a == "--seed") {
      if (!value(v) || !to_long(v, n)) return usage("--seed needs a number");
      o.seed = static_cast<std::uint64_t>(n);
    } else if (a == "--interleave") {
      o.interleave = true;
    } else if (a == "--window") {
      if (!value(v) || !to_long(v, n) || n < 1 || n > 10'000'000)
        return usage("--window needs a number of patients");
      o.interleave_window = static_cast<int>(n);
    } else if (a == "--no-troughs") {
      o.troughs = false;
    } else if (a == "--truth") {
      if (!value(truth_path)) return usage("--truth needs a file");
    } else if (a == "--quiet") {
      quiet = true;
    } else {
      return usage("unknown argument '" + a + "'");
    }
  }
  if (o.out_dir.empty()) return usage("--out is required");
  if (!o.arms.empty() && (patients > 0 || size_mb > 0))
    return usage("--arm cannot be combined with --patients or --size-mb");
  o.keep_truth = !truth_path.empty();

  if (size_mb > 0) {
    // Calibrate: the bytes of 256 children with the same options, scaled.
    Options probe = o;
    probe.arms = scaled_trial_arms(256);
    probe.keep_truth = false;
    probe.interleave = false;
    probe.out_dir = o.out_dir + "/.calibration";
    auto s = generate(probe);
    if (!s) {
      std::cerr << "khe_gen_cohort: " << s.error().to_string() << "\n";
      return 1;
    }
    std::error_code ec;
    std::filesystem::remove_all(probe.out_dir, ec);
    const double per_patient = static_cast<double>(s->bytes) / 256;
    patients = std::max(1LL, static_cast<long long>(size_mb * 1e6 / per_patient + 0.5));
  }
  if (patients > 0) o.arms = scaled_trial_arms(static_cast<int>(patients));

  const auto t0 = std::chrono::steady_clock::now();
  auto summary = generate(o);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (!summary) {
    std::cerr << "khe_gen_cohort: " << summary.error().to_string() << "\n";
    return 1;
  }
  if (!truth_path.empty()) {
    std::ofstream t(truth_path);
    t << "patient_id,arm,durable_platelet_response_week4,days_to_response,pattern,therapy_start\n";
    for (const auto& p : summary->truth)
      t << p.id << ',' << p.arm << ',' << (p.durable_week4 ? "true" : "false") << ','
        << p.days_to_response << ',' << p.pattern << ',' << p.therapy_start << '\n';
    if (!t) {
      std::cerr << "khe_gen_cohort: cannot write " << truth_path << "\n";
      return 1;
    }
  }
  if (!quiet) {
    for (const auto& f : summary->files)
      std::fprintf(stderr, "%-40s %12llu resources %14llu bytes\n", f.path.c_str(),
                   static_cast<unsigned long long>(f.resources),
                   static_cast<unsigned long long>(f.bytes));
    std::fprintf(stderr,
                 "khe_gen_cohort: %llu patients, %llu resources, %.1f MB in %.2f s (%.0f MB/s); "
                 "as-of %s\n",
                 static_cast<unsigned long long>(summary->patients),
                 static_cast<unsigned long long>(summary->resources), summary->bytes / 1e6, seconds,
                 seconds > 0 ? summary->bytes / 1e6 / seconds : 0.0, summary->as_of.c_str());
  }
  std::printf("%s\n", summary->as_of.c_str());
  return 0;
}

// Prints the synthetic two-year course (tests/tools/synth_course.h) as a FHIR R4 Bundle on
// standard output, and on standard error the as-of time it implies and what it holds:
//
//   build/tools/synth_course [--years Y] [--labs N] [--medication-changes N]
//                            [--administrations N] [--seed S] [--print-as-of]
//   build/khe evaluate <(build/tools/synth_course) --as-of "$(build/tools/synth_course
//   --print-as-of)"
//
// --print-as-of prints only the as-of time, on standard output.
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>

#include "synth_course.h"

namespace {

int usage() {
  std::cerr << "usage: synth_course [--years Y] [--labs N] [--medication-changes N]\n"
               "                    [--administrations N] [--seed S] [--print-as-of]\n";
  return 2;
}

bool to_double(const char* text, double& out) {
  char* end = nullptr;
  out = std::strtod(text, &end);
  return end != text && *end == '\0';
}

bool to_long(const char* text, long long& out) {
  char* end = nullptr;
  out = std::strtoll(text, &end, 10);
  return end != text && *end == '\0' && out >= 0;
}

}  // namespace

int main(int argc, char** argv) {
  khe::synth::SynthOptions options;
  bool print_as_of = false;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--print-as-of") {
      print_as_of = true;
      continue;
    }
    if (i + 1 >= argc) return usage();
    const char* value = argv[++i];
    long long n = 0;
    double y = 0;
    if (arg == "--years" && to_double(value, y) && y >= 0.5 && y <= 20)
      options.years = y;
    else if (arg == "--labs" && to_long(value, n) && n <= 100000)
      options.labs = static_cast<int>(n);
    else if (arg == "--medication-changes" && to_long(value, n) && n <= 1000)
      options.medication_changes = static_cast<int>(n);
    else if (arg == "--administrations" && to_long(value, n) && n <= 1000)
      options.administrations = static_cast<int>(n);
    else if (arg == "--seed" && to_long(value, n) && n <= 0xffffffffLL)
      options.seed = static_cast<std::uint32_t>(n);
    else
      return usage();
  }
  const khe::synth::SynthCourse course = khe::synth::synth_course(options);
  const std::string as_of = khe::format_instant(course.as_of);
  if (print_as_of) {
    std::cout << as_of << "\n";
    return 0;
  }
  std::cout << course.bundle;
  std::cerr << "as-of " << as_of << "; therapy start " << khe::format_date(course.therapy_start)
            << "; " << course.labs << " labs (" << course.comparator_values
            << " with a comparator), " << course.body_measurements << " weights and lengths, "
            << course.lesion_measurements << " lesion sizes, " << course.medication_changes
            << " medication changes (" << course.sirolimus_requests << " sirolimus requests), "
            << course.administrations << " administrations, " << course.procedures
            << " procedures; " << course.bundle.size() << " bytes\n";
  return 0;
}

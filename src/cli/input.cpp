#include "cli/input.h"

#include <charconv>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <istream>
#include <ostream>
#include <string_view>

namespace khe::cli {
namespace {

bool parse_number(std::string_view s, double& out) {
  if (s.empty()) return false;
  const char* end = s.data() + s.size();
  auto [ptr, ec] = std::from_chars(s.data(), end, out);
  return ec == std::errc() && ptr == end && std::isfinite(out);
}

std::optional<std::string> read_stream(std::istream& s, std::size_t limit) {
  std::string bytes;
  char buf[1 << 16];
  while (bytes.size() < limit && s) {
    const std::size_t want = std::min(sizeof buf, limit - bytes.size());
    s.read(buf, static_cast<std::streamsize>(want));
    bytes.append(buf, static_cast<std::size_t>(s.gcount()));
  }
  if (s.bad()) return std::nullopt;
  return bytes;
}

}  // namespace

std::optional<std::string> read_input(const std::string& path, std::istream& in,
                                      std::size_t limit) {
  if (path == "-") return read_stream(in, limit);
  // A file, or a pipe given by name (`khe evaluate <(fetch-bundle)`, a named FIFO);
  // never a directory or a device, which could block or never end.
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  if (ec || !(std::filesystem::is_regular_file(status) || std::filesystem::is_fifo(status)))
    return std::nullopt;
  std::ifstream file(path, std::ios::binary);
  if (!file) return std::nullopt;
  return read_stream(file, limit);
}

bool parse_target_range(const std::string& text, double& low, double& high) {
  const auto dash = text.find('-', 1);
  if (dash == std::string::npos) return false;
  const std::string_view s(text);
  return parse_number(s.substr(0, dash), low) && parse_number(s.substr(dash + 1), high) &&
         low >= 0.0 && low < high;
}

std::optional<Instant> resolve_as_of(const std::optional<std::string>& option, std::ostream& err) {
  if (!option) return std::chrono::floor<Seconds>(std::chrono::system_clock::now());
  auto parsed = parse_fhir_datetime(*option);
  if (!parsed) {
    err << "error: --as-of: " << parsed.error().to_string() << "\n";
    return std::nullopt;
  }
  return parsed->start;
}

void print_error(std::ostream& err, const Error& e) { err << "error: " << e.to_string() << "\n"; }

std::optional<InputRecord> read_record(const std::string& path,
                                       const std::optional<std::string>& patient, Instant as_of,
                                       const knowledge::Knowledge& knowledge, std::istream& in,
                                       std::ostream& err) {
  fhir::ReadOptions options;
  options.patient_id = patient;
  options.as_of = as_of;
  // One byte over the limit lets the reader see (and refuse) oversized input.
  auto bytes = read_input(path, in, options.max_bytes + 1);
  if (!bytes) {
    err << "error: " << (path == "-" ? "standard input" : path) << ": cannot read the input\n";
    return std::nullopt;
  }
  fhir::ReadOutcome outcome = fhir::read(*bytes, knowledge.codes, options);
  if (!outcome.record) {
    for (const auto& p : outcome.problems) print_error(err, p);
    if (outcome.problems.empty()) err << "error: input: no usable patient record\n";
    return std::nullopt;
  }
  return InputRecord{std::move(*bytes), std::move(outcome)};
}

}  // namespace khe::cli

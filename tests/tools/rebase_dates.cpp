// rebase_dates IN FROM TO: prints the FHIR JSON of IN with its dates moved by the time from
// FROM to TO. `rebase_dates --examples DIR OUT_DIR TO` does so for every example listed in
// DIR/expected.json, from its own as-of. Used by `make run` to load the example patients as
// if their as-of were now, and by the server tests, whose server evaluates at the real
// clock. Synthetic example data only.
//
// Strings that are a FHIR date (YYYY-MM-DD) move by the nearest whole number of days;
// dateTimes (YYYY-MM-DDThh:mm:ss...) by the exact difference, written in UTC. Partial
// dates (YYYY, YYYY-MM) and every other string are left as they are.
#include <cstdio>
#include <fstream>
#include <functional>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "core/time.h"

namespace {

bool looks_like_date(const std::string& s) {
  if (s.size() < 10) return false;
  for (std::size_t i : {0u, 1u, 2u, 3u, 5u, 6u, 8u, 9u}) {
    if (s[i] < '0' || s[i] > '9') return false;
  }
  return s[4] == '-' && s[7] == '-' && (s.size() == 10 || s[10] == 'T');
}

// Moves the dates of `in` (FROM -> TO) and writes the result to `out` (stdout when empty).
int rebase(const std::string& in_path, const std::string& from_text, const std::string& to_text,
           const std::string& out_path) {
  auto from = khe::parse_fhir_datetime(from_text);
  auto to = khe::parse_fhir_datetime(to_text);
  if (!from || !to) {
    std::cerr << "error: FROM and TO must be FHIR dateTimes\n";
    return 2;
  }
  std::ifstream in(in_path, std::ios::binary);
  if (!in) {
    std::cerr << "error: cannot read " << in_path << "\n";
    return 3;
  }
  nlohmann::ordered_json doc;
  try {
    doc = nlohmann::ordered_json::parse(in);
  } catch (const nlohmann::json::exception&) {
    std::cerr << "error: " << in_path << " is not JSON\n";
    return 3;
  }
  // dateTimes move by the exact difference (so FROM lands on TO), written in UTC; dates
  // by the nearest whole number of days.
  const khe::Seconds delta = to->start - from->start;
  const auto whole_days = std::chrono::days((delta.count() + 43200) / 86400);
  std::function<void(nlohmann::ordered_json&)> walk = [&](nlohmann::ordered_json& j) {
    if (j.is_object() || j.is_array()) {
      for (auto& child : j) walk(child);
      return;
    }
    if (!j.is_string()) return;
    const std::string s = j.get<std::string>();
    if (!looks_like_date(s)) return;
    if (s.size() == 10) {
      if (auto day = khe::parse_date(s)) j = khe::format_date(*day + whole_days);
      return;
    }
    auto t = khe::parse_fhir_datetime(s);
    if (t && t->precision == khe::Precision::second) j = khe::format_instant(t->start + delta);
  };
  walk(doc);
  if (out_path.empty()) {
    std::cout << doc.dump(2) << "\n";
    return 0;
  }
  std::ofstream out(out_path, std::ios::binary | std::ios::trunc);
  out << doc.dump(2) << "\n";
  return out ? 0 : 3;
}

// Every example listed in DIR/expected.json, from its own as-of to TO, into OUT_DIR.
int rebase_examples(const std::string& dir, const std::string& out_dir, const std::string& to) {
  std::ifstream in(dir + "/expected.json");
  nlohmann::json expected;
  try {
    expected = nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception&) {
    std::cerr << "error: " << dir << "/expected.json is not readable JSON\n";
    return 3;
  }
  for (const auto& e : expected) {
    const std::string file = e.value("file", "");
    const std::string as_of = e.value("as_of", "");
    if (file.empty() || as_of.empty() || file.find('/') != std::string::npos) continue;
    if (int rc = rebase(dir + "/" + file, as_of, to, out_dir + "/" + file); rc != 0) return rc;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 5 && std::string(argv[1]) == "--examples") {
    return rebase_examples(argv[2], argv[3], argv[4]);
  }
  if (argc != 4) {
    std::cerr << "usage: rebase_dates IN FROM TO            (FROM, TO: FHIR dateTimes)\n"
                 "       rebase_dates --examples DIR OUT_DIR TO\n";
    return 2;
  }
  return rebase(argv[1], argv[2], argv[3], "");
}

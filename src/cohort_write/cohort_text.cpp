#include "cohort_write/cohort_text.h"

#include <algorithm>
#include <sstream>
#include <vector>

#include "cohort_write/format.h"
#include "write/number.h"

namespace khe::cohort_write {
namespace {

// Characters, not bytes, so UTF-8 group names line up.
std::size_t display_width(const std::string& s) {
  return static_cast<std::size_t>(
      std::count_if(s.begin(), s.end(), [](char c) { return (c & 0xC0) != 0x80; }));
}

// A table: the first column left-aligned, the others right-aligned, two spaces apart.
std::string table(const std::vector<std::vector<std::string>>& rows) {
  std::vector<std::size_t> width;
  for (const auto& r : rows) {
    if (width.size() < r.size()) width.resize(r.size(), 0);
    for (std::size_t c = 0; c < r.size(); ++c) width[c] = std::max(width[c], display_width(r[c]));
  }
  std::string out;
  for (const auto& r : rows) {
    std::string line = "  ";
    for (std::size_t c = 0; c < r.size(); ++c) {
      const std::string pad(width[c] - display_width(r[c]), ' ');
      if (c > 0) line += "  ";
      line += c == 0 ? r[c] + pad : pad + r[c];
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + "\n";
  }
  return out;
}

std::string interval(double low, double high) { return percent(low) + " to " + percent(high); }

std::string signed_percent(double d) {
  const std::string p = percent(d);
  return d > 0 && p != "0.0%" ? "+" + p : p;
}

void binary_endpoint(std::ostringstream& s, const cohort::EndpointResult& e, double confidence) {
  const std::string ci = confidence_text(confidence) + " CI (Wilson)";
  std::vector<std::vector<std::string>> rows = {
      {"group", "patients", "not evaluable", "n", responders_label(e.endpoint), "proportion", ci}};
  for (const auto& g : e.groups) {
    std::vector<std::string> r = {g.group, std::to_string(g.patients),
                                  std::to_string(g.not_evaluable), std::to_string(evaluable(g)),
                                  std::to_string(responders(g))};
    if (g.proportion) {
      r.push_back(percent(g.proportion->estimate));
      r.push_back(interval(g.proportion->ci.low, g.proportion->ci.high));
    } else {
      r.push_back("-");
      r.push_back("-");
    }
    rows.push_back(std::move(r));
  }
  s << table(rows);
  for (const auto& c : e.comparisons) {
    s << "  " << c.group1 << " vs " << c.group2 << ": difference "
      << signed_percent(c.difference.difference) << " (" << confidence_text(confidence) << " CI "
      << interval(c.difference.ci.low, c.difference.ci.high) << ", " << c.method
      << "); Fisher's exact p = " << p_text(c.fisher_p) << "\n";
  }
}

void km_endpoint(std::ostringstream& s, const cohort::EndpointResult& e, double confidence) {
  const std::string ci = confidence_text(confidence) + " CI";
  std::vector<std::vector<std::string>> rows = {{"group", "patients", "not evaluable", "n",
                                                 responders_label(e.endpoint), "censored",
                                                 "median (days)", ci}};
  for (const auto& g : e.groups) {
    const stats::KaplanMeier km = g.kaplan_meier ? *g.kaplan_meier : stats::KaplanMeier{};
    rows.push_back({g.group, std::to_string(g.patients), std::to_string(g.not_evaluable),
                    std::to_string(km.n), std::to_string(km.events),
                    std::to_string(km.n - km.events), days_text(km.median), median_ci_text(km)});
  }
  s << table(rows);
  if (e.log_rank) {
    s << "  Log-rank test: chi-square " << write::format_number(e.log_rank->chi_square, 2)
      << ", df " << e.log_rank->df << ", p = " << p_text(e.log_rank->p) << "\n";
  }
}

void not_evaluable(std::ostringstream& s, const cohort::EndpointResult& e) {
  const std::int64_t total = not_evaluable_total(e);
  if (total == 0) {
    s << "  Not evaluable: none\n";
    return;
  }
  s << "  Not evaluable: " << total << "\n";
  for (const auto& [reason, count] : reason_counts(e)) {
    s << "    " << count << " x " << reason << "\n";
  }
  if (e.not_evaluable_counts) {
    s << "    (combined from centres' aggregates: the patients are listed at each centre)\n";
    return;
  }
  const std::size_t listed = std::min(e.not_evaluable.size(), kTextNotEvaluableListed);
  for (std::size_t i = 0; i < listed; ++i) {
    const auto& n = e.not_evaluable[i];
    s << "    - " << n.patient_id << " (" << (n.group.empty() ? "no group" : n.group)
      << "): " << n.reason << "\n";
  }
  if (listed < e.not_evaluable.size()) {
    s << "    ... and " << e.not_evaluable.size() - listed
      << " more (--format json or html lists every one)\n";
  }
}

}  // namespace

std::string to_text(const cohort::CohortResult& r) {
  std::ostringstream s;
  const auto& p = r.provenance;
  const auto& in = r.input;
  s << "Cohort analysis, " << grouping_label(r.by) << "\n";
  s << "As of " << format_instant(p.as_of) << "; profile " << p.profile << "; knowledge "
    << p.knowledge_version << "; engine " << p.engine_version << "\n";
  s << "Input: " << in.files << (in.files == 1 ? " file, " : " files, ") << bytes_text(in.bytes)
    << ", " << in.resources << " resources, " << in.patients << " patients (" << in.unreadable
    << " unreadable), " << in.orphans << " orphan resources\n";
  s << "Input SHA-256: " << in.sha256 << "\n";
  for (const auto& c : r.combined_from) {
    s << "Combined from " << c.file << ": as of " << format_instant(c.as_of) << ", input SHA-256 "
      << c.input_sha256 << "\n";
  }
  for (const auto& e : r.endpoints) {
    s << "\n" << endpoint_label(e.endpoint) << " (" << cohort::name(e.endpoint) << ")";
    if (cohort::is_time_to_event(e.endpoint)) s << ", days from day 0 (Kaplan-Meier)";
    s << "\n";
    if (e.groups.empty()) s << "  No group has a patient.\n";
    if (cohort::is_time_to_event(e.endpoint)) {
      if (!e.groups.empty()) km_endpoint(s, e, r.confidence);
    } else if (!e.groups.empty()) {
      binary_endpoint(s, e, r.confidence);
    }
    not_evaluable(s, e);
  }
  s << "\nStatistics describe the cohort; they decide nothing for any one patient.\n";
  return s.str();
}

}  // namespace khe::cohort_write

// Cross-check against R (Debian r-base-core, r-cran-survival): random proportions, 2x2
// tables and survival data sets made here with a fixed seed, R's prop.test, fisher.test,
// survfit and survdiff run on them by r/crosscheck.R, every number compared to 1e-6.
// Without Rscript this fails (not skips): `make deps` installs it.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "stats/proportion.h"
#include "stats/survival.h"
#include "support/process.h"

namespace khe::stats {
namespace {

using Row = std::map<std::string, std::string>;
namespace ts = khe::test_support;

std::string g17(double v) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

// R's write.csv output (unquoted, no commas in fields) as rows keyed by column name.
std::vector<Row> read_csv(const std::string& path) {
  std::istringstream in(ts::read_file(path));
  std::string line;
  std::vector<std::string> header;
  std::vector<Row> rows;
  while (std::getline(in, line)) {
    std::vector<std::string> fields;
    std::string field;
    std::istringstream ls(line);
    while (std::getline(ls, field, ',')) fields.push_back(field);
    if (!line.empty() && line.back() == ',') fields.emplace_back();
    if (header.empty()) {
      header = fields;
      continue;
    }
    Row r;
    for (std::size_t i = 0; i < header.size() && i < fields.size(); ++i) r[header[i]] = fields[i];
    rows.push_back(r);
  }
  return rows;
}

std::optional<double> num(const Row& r, const std::string& col) {
  const auto it = r.find(col);
  if (it == r.end() || it->second.empty() || it->second == "NA") return std::nullopt;
  return std::stod(it->second);
}
double need(const Row& r, const std::string& col) {
  const auto v = num(r, col);
  if (!v) ADD_FAILURE() << "R gave NA for " << col;
  return v.value_or(std::nan(""));
}
int integer(const Row& r, const std::string& col) { return static_cast<int>(need(r, col)); }

// Equal to 1e-6, absolute or relative (whichever is looser), for values of any scale.
::testing::AssertionResult close(double ours, double r) {
  const double diff = std::fabs(ours - r);
  if (diff <= 1e-6 || diff <= 1e-6 * std::fabs(r)) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "ours " << g17(ours) << " vs R " << g17(r);
}
// p values: relative 1e-6 so that tiny p are compared too.
::testing::AssertionResult close_relative(double ours, double r) {
  if (std::fabs(ours - r) <= 1e-6 * std::fabs(r) + 1e-300) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "ours " << g17(ours) << " vs R " << g17(r);
}
::testing::AssertionResult same_optional(const std::optional<double>& ours,
                                         const std::optional<double>& r) {
  if (ours.has_value() != r.has_value()) {
    return ::testing::AssertionFailure()
           << "ours " << (ours ? g17(*ours) : "NA") << " vs R " << (r ? g17(*r) : "NA");
  }
  return ours ? close(*ours, *r) : ::testing::AssertionSuccess();
}

struct PropCase {
  int x = 0, n = 0;
  double conf = 0.95;
};
struct NewcombeCase {
  int x1 = 0, n1 = 0, x2 = 0, n2 = 0;
  double conf = 0.95;
};
struct FisherCase {
  int a = 0, b = 0, c = 0, d = 0;
};
struct SurvSet {
  double conf = 0.95;
  std::vector<std::vector<Survival>> groups;
};

// The random cases, the same on every run (mt19937_64 is fully specified; the draws below
// use only its raw output).
struct Cases {
  std::vector<PropCase> props;
  std::vector<NewcombeCase> newcombes;
  std::vector<FisherCase> fishers;
  std::vector<SurvSet> sets;
};

Cases make_cases() {
  std::mt19937_64 rng(0x6b6865);  // "khe"
  auto below = [&](unsigned long long k) { return static_cast<int>(rng() % k); };
  auto uniform = [&] { return static_cast<double>(rng() >> 11) * 0x1.0p-53; };
  const double confs[] = {0.8, 0.9, 0.95, 0.99};
  Cases c;
  for (int i = 0; i < 400; ++i) {
    PropCase p;
    p.n = 1 + (i % 4 == 0 ? below(2000) : below(60));
    p.x = i % 10 == 0 ? 0 : i % 10 == 1 ? p.n : below(static_cast<unsigned>(p.n) + 1);
    p.conf = confs[below(4)];
    c.props.push_back(p);
  }
  for (int i = 0; i < 300; ++i) {
    NewcombeCase d;
    d.n1 = 1 + below(80);
    d.n2 = 1 + below(80);
    d.x1 = i % 7 == 0 ? d.n1 : below(static_cast<unsigned>(d.n1) + 1);
    d.x2 = i % 9 == 0 ? 0 : below(static_cast<unsigned>(d.n2) + 1);
    d.conf = confs[below(4)];
    c.newcombes.push_back(d);
  }
  for (int i = 0; i < 400; ++i) {
    const int top = i % 10 == 0 ? 3000 : i % 3 == 0 ? 200 : 15;
    c.fishers.push_back({below(top), below(top), below(top), below(top)});
  }
  for (int i = 0; i < 300; ++i) {
    SurvSet s;
    s.conf = i % 5 == 0 ? 0.9 : 0.95;
    const int groups = 2 + below(2);
    const int kind = i % 6;
    // 0: few distinct times (ties); 1: heavy censoring (median not reached); 2: no
    // censoring, even n, distinct times (curve exactly at 0.5); 3: small groups (CI bounds
    // not reached); 4: quarter-day times; 5: times from 0 with mixed censoring.
    for (int g = 0; g < groups; ++g) {
      int n = kind == 3 ? 2 + below(7) : 5 + below(45);
      if (kind == 2) n += n % 2;
      if (i % 37 == 5 && g == groups - 1) n = 0;  // an empty group now and then
      std::vector<Survival> subjects;
      for (int k = 0; k < n; ++k) {
        Survival su;
        switch (kind) {
          case 0:
            su = {static_cast<double>(1 + below(6)), uniform() < 0.7};
            break;
          case 1:
            su = {static_cast<double>(1 + below(100)), uniform() < 0.25};
            break;
          case 2:
            su = {static_cast<double>(1 + k * 3 + g), true};
            break;
          case 3:
            su = {static_cast<double>(1 + below(20)), uniform() < 0.6};
            break;
          case 4:
            su = {0.25 * (1 + below(200)), uniform() < 0.5 + 0.1 * g};
            break;
          default:
            su = {static_cast<double>(below(40)), uniform() < 0.8};
            break;
        }
        subjects.push_back(su);
      }
      s.groups.push_back(subjects);
    }
    // Now and then a group all censored at time 0: no one at risk at the events, expected 0,
    // which R leaves out of the degrees of freedom.
    if (i % 50 == 7) s.groups.back().assign(4, Survival{0.0, false});
    c.sets.push_back(s);
  }
  return c;
}

struct RResult {
  bool ran = false;
  std::string why;
  std::vector<Row> prop, newcombe, fisher, steps, table, test, groups;
};

RResult run_r(const Cases& c, const std::string& section) {
  const std::string dir = ts::make_temp_dir("stats-r");
  std::string prop = "id,x,n,conf\n", newc = "id,x1,n1,x2,n2,conf\n", fisher = "id,a,b,c,d\n";
  for (std::size_t i = 0; i < c.props.size(); ++i) {
    const auto& p = c.props[i];
    prop += std::to_string(i) + "," + std::to_string(p.x) + "," + std::to_string(p.n) + "," +
            g17(p.conf) + "\n";
  }
  for (std::size_t i = 0; i < c.newcombes.size(); ++i) {
    const auto& d = c.newcombes[i];
    newc += std::to_string(i) + "," + std::to_string(d.x1) + "," + std::to_string(d.n1) + "," +
            std::to_string(d.x2) + "," + std::to_string(d.n2) + "," + g17(d.conf) + "\n";
  }
  for (std::size_t i = 0; i < c.fishers.size(); ++i) {
    const auto& f = c.fishers[i];
    fisher += std::to_string(i) + "," + std::to_string(f.a) + "," + std::to_string(f.b) + "," +
              std::to_string(f.c) + "," + std::to_string(f.d) + "\n";
  }
  std::string surv = "set,group,time,event\n", sets = "set,conf\n";
  for (std::size_t i = 0; i < c.sets.size(); ++i) {
    sets += std::to_string(i) + "," + g17(c.sets[i].conf) + "\n";
    for (std::size_t g = 0; g < c.sets[i].groups.size(); ++g) {
      for (const Survival& s : c.sets[i].groups[g]) {
        surv += std::to_string(i) + "," + std::to_string(g + 1) + "," + g17(s.time) + "," +
                (s.event ? "1" : "0") + "\n";
      }
    }
  }
  ts::write_file(dir + "/prop.csv", prop);
  ts::write_file(dir + "/newcombe.csv", newc);
  ts::write_file(dir + "/fisher.csv", fisher);
  ts::write_file(dir + "/surv.csv", surv);
  ts::write_file(dir + "/surv_sets.csv", sets);

  RResult r;
  const ts::RunResult which = ts::run_binary_path("sh", {"-c", "command -v Rscript"});
  if (which.status != 0) {
    r.why = "Rscript not found: run `make deps` (installs r-base-core r-cran-survival)";
    return r;
  }
  const std::string script = std::string(KHE_SOURCE_DIR) + "/tests/unit/stats/r/crosscheck.R";
  const ts::RunResult run = ts::run_binary_path("Rscript", {script, dir, section});
  if (run.status != 0) {
    r.why = "Rscript " + script + " failed (status " + std::to_string(run.status) +
            "); run `make deps` if R or its survival package is missing:\n" + run.err;
    return r;
  }
  r.ran = true;
  const auto out = [&](const std::string& name) {
    return std::filesystem::exists(dir + "/" + name) ? read_csv(dir + "/" + name)
                                                     : std::vector<Row>{};
  };
  r.prop = out("prop_out.csv");
  r.newcombe = out("newcombe_out.csv");
  r.fisher = out("fisher_out.csv");
  r.steps = out("km_steps_out.csv");
  r.table = out("km_table_out.csv");
  r.test = out("logrank_out.csv");
  r.groups = out("logrank_groups_out.csv");
  std::filesystem::remove_all(dir);  // kept on failure, for a look
  return r;
}

const Cases& cases() {
  static const Cases c = make_cases();
  return c;
}

// R is run once per section and test process: "proportions", "fisher", "km", "logrank" (ctest
// runs each test in a process of its own, so each runs only the R it needs).
const RResult& r_section(const std::string& section) {
  static std::map<std::string, RResult> cache;
  auto it = cache.find(section);
  if (it == cache.end()) it = cache.emplace(section, run_r(cases(), section)).first;
  return it->second;
}

TEST(StatsVersusR, WilsonEqualsPropTest) {
  const RResult& ref = r_section("proportions");
  ASSERT_TRUE(ref.ran) << ref.why;
  ASSERT_EQ(ref.prop.size(), cases().props.size());
  for (const Row& row : ref.prop) {
    const auto& c = cases().props.at(static_cast<std::size_t>(integer(row, "id")));
    const Proportion p = proportion(c.x, c.n, c.conf);
    EXPECT_TRUE(close(p.ci.low, need(row, "low"))) << c.x << "/" << c.n << " conf " << c.conf;
    EXPECT_TRUE(close(p.ci.high, need(row, "high"))) << c.x << "/" << c.n << " conf " << c.conf;
  }
}

TEST(StatsVersusR, NewcombeFromRsWilson) {
  const RResult& ref = r_section("proportions");
  ASSERT_TRUE(ref.ran) << ref.why;
  ASSERT_EQ(ref.newcombe.size(), cases().newcombes.size());
  for (const Row& row : ref.newcombe) {
    const auto& c = cases().newcombes.at(static_cast<std::size_t>(integer(row, "id")));
    const Difference d = newcombe_difference(c.x1, c.n1, c.x2, c.n2, c.conf);
    EXPECT_TRUE(close(d.difference, need(row, "diff")));
    EXPECT_TRUE(close(d.ci.low, need(row, "low")))
        << c.x1 << "/" << c.n1 << " " << c.x2 << "/" << c.n2;
    EXPECT_TRUE(close(d.ci.high, need(row, "high")))
        << c.x1 << "/" << c.n1 << " " << c.x2 << "/" << c.n2;
  }
}

TEST(StatsVersusR, FisherEqualsFisherTest) {
  const RResult& ref = r_section("fisher");
  ASSERT_TRUE(ref.ran) << ref.why;
  ASSERT_EQ(ref.fisher.size(), cases().fishers.size());
  for (const Row& row : ref.fisher) {
    const auto& c = cases().fishers.at(static_cast<std::size_t>(integer(row, "id")));
    EXPECT_TRUE(close_relative(fisher_exact_two_sided(c.a, c.b, c.c, c.d), need(row, "p")))
        << c.a << " " << c.b << " " << c.c << " " << c.d;
  }
}

TEST(StatsVersusR, KaplanMeierEqualsSurvfit) {
  const RResult& ref = r_section("km");
  ASSERT_TRUE(ref.ran) << ref.why;
  // R's rows per (set, group), in order.
  std::map<std::pair<int, int>, std::vector<const Row*>> steps;
  for (const Row& row : ref.steps) {
    steps[{integer(row, "set"), integer(row, "group")}].push_back(&row);
  }
  std::size_t groups_seen = 0, medians = 0, not_reached = 0, ucl_not_reached = 0, halves = 0;
  for (const Row& row : ref.table) {
    const int set = integer(row, "set"), group = integer(row, "group");
    const SurvSet& s = cases().sets.at(static_cast<std::size_t>(set));
    const KaplanMeier km =
        kaplan_meier(tabulate(s.groups.at(static_cast<std::size_t>(group - 1))), s.conf);
    ++groups_seen;
    SCOPED_TRACE("set " + std::to_string(set) + " group " + std::to_string(group));
    EXPECT_EQ(km.n, integer(row, "n"));
    EXPECT_EQ(km.events, integer(row, "events"));
    const auto& rs = steps[{set, group}];
    ASSERT_EQ(km.steps.size(), rs.size());
    for (std::size_t i = 0; i < rs.size(); ++i) {
      const KmStep& k = km.steps[i];
      const Row& r = *rs[i];
      EXPECT_EQ(k.time, need(r, "time"));
      EXPECT_EQ(k.at_risk, integer(r, "n_risk"));
      EXPECT_EQ(k.events, integer(r, "n_event"));
      EXPECT_TRUE(close(k.survival, need(r, "surv")));
      if (k.survival > 0) {
        EXPECT_TRUE(close(k.std_err, need(r, "std_err")));
        EXPECT_TRUE(close(k.ci.low, need(r, "lower")));
        EXPECT_TRUE(close(k.ci.high, need(r, "upper")));
      } else {  // R: NA band where S = 0; ours [0, 0] with std_err 0
        EXPECT_FALSE(num(r, "lower").has_value());
        EXPECT_EQ(k.ci.low, 0.0);
        EXPECT_EQ(k.ci.high, 0.0);
      }
    }
    EXPECT_TRUE(same_optional(km.median, num(row, "median"))) << "median";
    EXPECT_TRUE(same_optional(km.median_low, num(row, "lcl"))) << "lower bound";
    EXPECT_TRUE(same_optional(km.median_high, num(row, "ucl"))) << "upper bound";
    medians += km.median.has_value();
    not_reached += !km.median.has_value();
    ucl_not_reached += km.median.has_value() && !km.median_high.has_value();
    halves += km.median && std::floor(*km.median) != *km.median;
  }
  EXPECT_GE(groups_seen, 600u);
  // The data must exercise every branch of the median rule.
  EXPECT_GE(medians, 50u);
  EXPECT_GE(not_reached, 50u);
  EXPECT_GE(ucl_not_reached, 20u);
  EXPECT_GE(halves, 20u);
}

TEST(StatsVersusR, LogRankEqualsSurvdiff) {
  const RResult& ref = r_section("logrank");
  ASSERT_TRUE(ref.ran) << ref.why;
  std::map<int, std::vector<const Row*>> groups;
  for (const Row& row : ref.groups) groups[integer(row, "set")].push_back(&row);
  std::size_t compared = 0;
  for (const Row& row : ref.test) {
    const int set = integer(row, "set");
    SCOPED_TRACE("set " + std::to_string(set));
    const SurvSet& s = cases().sets.at(static_cast<std::size_t>(set));
    std::vector<SurvivalTable> tables;
    for (const auto& g : s.groups) tables.push_back(tabulate(g));
    const LogRank lr = log_rank(tables);
    const auto chisq = num(row, "chisq");
    if (!chisq) {  // R's solve() failed on a singular variance
      EXPECT_EQ(lr.chi_square, 0.0);
      EXPECT_EQ(lr.p, 1.0);
      continue;
    }
    ++compared;
    EXPECT_TRUE(close(lr.chi_square, *chisq));
    const int df = integer(row, "df");
    EXPECT_EQ(lr.df, std::max(0, df));
    if (df >= 1) {
      EXPECT_TRUE(close(lr.p, need(row, "p")));
    } else {
      EXPECT_EQ(lr.p, 1.0);
    }
    for (const Row* g : groups[set]) {
      const auto i = static_cast<std::size_t>(integer(*g, "group") - 1);
      EXPECT_EQ(lr.observed.at(i), integer(*g, "observed"));
      EXPECT_TRUE(close(lr.expected.at(i), need(*g, "expected")));
    }
  }
  EXPECT_GE(compared, 250u);
}

}  // namespace
}  // namespace khe::stats

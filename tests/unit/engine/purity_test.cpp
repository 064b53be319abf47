// The engine is a pure function: same inputs, same report; every rule of the knowledge has
// a test in this folder named after it (the coverage check that keeps it so).
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "builder.h"

namespace khe::test {
namespace {

TEST(Engine, DeterministicForSameInput) {
  auto b = Builder::khe_kmp(20).med("voriconazole", 2).flag("infection");
  auto x = b.eval();
  auto y = b.eval();
  ASSERT_EQ(x.alerts.size(), y.alerts.size());
  for (std::size_t i = 0; i < x.alerts.size(); ++i) {
    EXPECT_EQ(x.alerts[i].code, y.alerts[i].code);
    EXPECT_EQ(x.alerts[i].details, y.alerts[i].details);
  }
  EXPECT_EQ(x.findings.size(), y.findings.size());
  EXPECT_EQ(x.doses.size(), y.doses.size());
}

TEST(Engine, EveryAlertAndFindingCarriesRuleAndSource) {
  auto r = Builder::khe_kmp(20)
               .med("voriconazole", 2)
               .flag("infection")
               .procedure("platelet-transfusion", 30)
               .eval();
  for (const auto& a : r.alerts) {
    EXPECT_FALSE(a.why.rule_id.empty()) << a.code;
    EXPECT_FALSE(a.why.sources.empty()) << a.code;
  }
  for (const auto& f : r.findings) EXPECT_FALSE(f.why.rule_id.empty());
  for (const auto& d : r.doses) EXPECT_FALSE(d.why.sources.empty());
}

TEST(Engine, ProvenanceNamesVersionsAndProfile) {
  auto r = Builder::khe_kmp(20).eval("consensus-2013");
  EXPECT_FALSE(r.engine_version.empty());
  EXPECT_EQ(r.knowledge_version, default_knowledge().version);
  EXPECT_EQ(r.profile, "consensus-2013");
}

// Every rule ID in the knowledge must appear as a test suite name (dashes as underscores)
// in this folder, so a rule cannot be added without a test.
TEST(Coverage, EveryRuleIdHasATest) {
  std::string all;
  for (const auto& entry :
       std::filesystem::directory_iterator(KHE_SOURCE_DIR "/tests/unit/engine")) {
    std::ifstream in(entry.path());
    std::stringstream s;
    s << in.rdbuf();
    all += s.str();
  }
  for (const auto& rule : default_knowledge().profile("default")->rules) {
    std::string suite = rule.id;
    std::replace(suite.begin(), suite.end(), '-', '_');
    EXPECT_NE(all.find("TEST(" + suite + ","), std::string::npos) << "no test for rule " << rule.id;
  }
}

}  // namespace
}  // namespace khe::test

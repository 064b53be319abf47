// `khe randomize` and `khe audit verify` on a study file, as real processes.
#include <sys/stat.h>

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "randomize/test_util.h"
#include "support/process.h"

namespace khe::randomize {
namespace {

using test_support::run_binary;
using testing::RawDb;

struct Files {
  std::string dir, study, seed;
};

Files init_study(const std::vector<std::string>& extra = {}) {
  Files f;
  f.dir = test_support::make_temp_dir("randcli");
  f.study = f.dir + "/trial.db";
  f.seed = f.dir + "/trial.key";
  std::vector<std::string> args = {"randomize", "init",          "--study",
                                   f.study,     "--arms",        "sirolimus,sirolimus_prednisolone",
                                   "--ratio",   "1:1",           "--block-sizes",
                                   "4,6",       "--strata",      "kmp=severe,non_severe",
                                   "--strata",  "age=lt6m,ge6m", "--size-per-stratum",
                                   "20",        "--seed-file",   f.seed,
                                   "--by",      "statistician"};
  args.insert(args.end(), extra.begin(), extra.end());
  auto r = run_binary(args);
  EXPECT_EQ(r.status, 0) << r.err;
  return f;
}

test_support::RunResult next(const Files& f, const std::string& subject,
                             const std::string& stratum = "kmp=severe,age=lt6m",
                             const std::string& seed = "") {
  return run_binary({"randomize", "next", "--study", f.study, "--seed-file",
                     seed.empty() ? f.seed : seed, "--subject", subject, "--stratum", stratum,
                     "--by", "research-nurse", "--format", "json"});
}

TEST(RandomizeCli, InitCreatesAPrivateSeedAndASealedStudy) {
  const Files f = init_study();
  struct stat st {};
  ASSERT_EQ(::stat(f.seed.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(::stat(f.study.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto v = run_binary({"randomize", "verify", "--study", f.study, "--seed-file", f.seed});
  EXPECT_EQ(v.status, 0) << v.err;
  EXPECT_NE(v.out.find("randomization log: 1 entries, chain intact"), std::string::npos) << v.out;
  EXPECT_NE(v.out.find("identical to the list the seed generates"), std::string::npos) << v.out;
  // init refuses to overwrite the study.
  auto again =
      run_binary({"randomize", "init", "--study", f.study, "--arms", "A,B", "--block-sizes", "2",
                  "--size-per-stratum", "4", "--seed-file", f.seed, "--by", "x"});
  EXPECT_EQ(again.status, 2);
}

TEST(RandomizeCli, SameSeedFileGivesTheSameAllocations) {
  const Files a = init_study();
  // A second study from the same seed file and design: the same arms, subject by subject.
  Files b;
  b.dir = test_support::make_temp_dir("randcli");
  b.study = b.dir + "/copy.db";
  b.seed = a.seed;
  auto r = run_binary({"randomize",
                       "init",
                       "--study",
                       b.study,
                       "--arms",
                       "sirolimus,sirolimus_prednisolone",
                       "--ratio",
                       "1:1",
                       "--block-sizes",
                       "4,6",
                       "--strata",
                       "kmp=severe,non_severe",
                       "--strata",
                       "age=lt6m,ge6m",
                       "--size-per-stratum",
                       "20",
                       "--seed-file",
                       b.seed,
                       "--by",
                       "s"});
  ASSERT_EQ(r.status, 0) << r.err;
  for (int i = 0; i < 6; ++i) {
    const std::string id = "S-" + std::to_string(i);
    auto ra = next(a, id);
    auto rb = next(b, id);
    ASSERT_EQ(ra.status, 0) << ra.err;
    ASSERT_EQ(rb.status, 0) << rb.err;
    EXPECT_EQ(nlohmann::json::parse(ra.out)["arm"], nlohmann::json::parse(rb.out)["arm"]);
  }
}

TEST(RandomizeCli, NextLogAndAuditVerify) {
  const Files f = init_study();
  auto r = next(f, "KHE-001");
  ASSERT_EQ(r.status, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["seq"], 2);
  EXPECT_EQ(j["subject"], "KHE-001");
  EXPECT_EQ(j["stratum"], "kmp=severe,age=lt6m");
  EXPECT_EQ(j["position"], 1);
  EXPECT_EQ(j["by"], "research-nurse");
  EXPECT_TRUE(j["arm"] == "sirolimus" || j["arm"] == "sirolimus_prednisolone");

  // Stratum in any factor order; text output names the arm.
  auto t = run_binary({"randomize", "next", "--study", f.study, "--seed-file", f.seed, "--subject",
                       "KHE-002", "--stratum", "age=ge6m,kmp=non_severe", "--by", "nurse"});
  ASSERT_EQ(t.status, 0) << t.err;
  EXPECT_EQ(t.out.rfind("subject KHE-002: sirolimus", 0), 0u) << t.out;

  auto log = run_binary({"randomize", "log", "--study", f.study, "--format", "json"});
  ASSERT_EQ(log.status, 0) << log.err;
  const auto lj = nlohmann::json::parse(log.out);
  ASSERT_EQ(lj.size(), 3u);
  EXPECT_EQ(lj[0]["kind"], "init");
  EXPECT_EQ(lj[2]["stratum"], "kmp=non_severe,age=ge6m");
  auto text_log = run_binary({"randomize", "log", "--study", f.study});
  EXPECT_NE(text_log.out.find("KHE-001\tkmp=severe,age=lt6m\t1\t"), std::string::npos)
      << text_log.out;

  auto a = run_binary({"audit", "verify", "--db", f.study});
  EXPECT_EQ(a.status, 0) << a.err;
  EXPECT_NE(a.out.find("randomization log: 3 entries, chain intact"), std::string::npos) << a.out;
  auto aj = run_binary({"audit", "verify", "--db", f.study, "--format", "json"});
  const auto ajd = nlohmann::json::parse(aj.out);
  EXPECT_EQ(ajd["kind"], "randomization");
  EXPECT_EQ(ajd["intact"], true);
  EXPECT_EQ(ajd["revealed"], 2);
}

TEST(RandomizeCli, RefusalsAndTheirExitStatuses) {
  const Files f = init_study();
  ASSERT_EQ(next(f, "KHE-001").status, 0);
  auto twice = next(f, "KHE-001", "kmp=non_severe,age=ge6m");
  EXPECT_EQ(twice.status, 3);
  EXPECT_NE(twice.err.find("already randomised (log entry 2)"), std::string::npos) << twice.err;

  const std::string wrong = f.dir + "/wrong.key";
  test_support::write_file(wrong, std::string(64, 'a') + "\n");
  ::chmod(wrong.c_str(), 0600);
  auto w = next(f, "KHE-002", "kmp=severe,age=lt6m", wrong);
  EXPECT_EQ(w.status, 3);
  EXPECT_NE(w.err.find("does not belong to the study"), std::string::npos) << w.err;
  EXPECT_EQ(run_binary({"randomize", "verify", "--study", f.study, "--seed-file", wrong}).status,
            3);

  EXPECT_EQ(next(f, "KHE-003", "kmp=severe").status, 2);
  EXPECT_EQ(next(f, "bad id!", "kmp=severe,age=lt6m").status, 2);
  EXPECT_EQ(run_binary({"randomize", "log", "--study", f.dir + "/missing.db"}).status, 3);
  EXPECT_EQ(
      run_binary({"randomize", "init", "--study", f.dir + "/x.db", "--arms", "A,B", "--block-sizes",
                  "3", "--size-per-stratum", "4", "--seed-file", f.dir + "/x.key", "--by", "x"})
          .status,
      2);
  EXPECT_EQ(run_binary({"randomize"}).status, 2);
}

TEST(RandomizeCli, TamperedLogExitsFourNamingTheEntry) {
  const Files f = init_study();
  for (int i = 0; i < 5; ++i) ASSERT_EQ(next(f, "T-" + std::to_string(i)).status, 0);
  {
    RawDb raw(f.study);
    ASSERT_EQ(raw.exec("DROP TRIGGER rand_log_no_update"), SQLITE_OK);
    ASSERT_EQ(raw.exec("UPDATE rand_log SET subject = 'T-9' WHERE seq = 4"), SQLITE_OK);
  }
  for (const std::vector<std::string>& cmd :
       {std::vector<std::string>{"randomize", "verify", "--study", f.study},
        std::vector<std::string>{"audit", "verify", "--db", f.study}}) {
    auto r = run_binary(cmd);
    EXPECT_EQ(r.status, 4) << r.err;
    EXPECT_NE(r.out.find("BROKEN at log entry 4"), std::string::npos) << r.out;
  }
  auto j = run_binary({"audit", "verify", "--db", f.study, "--format", "json"});
  EXPECT_EQ(nlohmann::json::parse(j.out)["first_bad_seq"], 4);
  // Nothing more is revealed from a broken file.
  auto n = next(f, "T-100");
  EXPECT_EQ(n.status, 4);
  EXPECT_NE(n.err.find("nothing revealed"), std::string::npos) << n.err;
}

}  // namespace
}  // namespace khe::randomize

// The allocation list: reproducible from the seed, balanced within every block and stratum,
// strata independent, block sizes and arms drawn evenly (property tests over many seeds).
#include "randomize/generator.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "randomize/test_util.h"

namespace khe::randomize {
namespace {

using testing::seed_from;
using testing::trial_design;

std::vector<Allocation> list_for(std::uint64_t seed, const Design& d) {
  return generate_list(derive_keys(seed_from(seed), design_sha256_hex(d)), d);
}

std::vector<std::string> arms_of(const std::vector<Allocation>& l) {
  std::vector<std::string> out;
  for (const auto& a : l) out.push_back(a.stratum + "/" + a.arm);
  return out;
}

// Checks every block's contents and every prefix's imbalance in every stratum.
void expect_balanced(const std::vector<Allocation>& list, const Design& d) {
  const int sum = ratio_sum(d);
  const int max_block = *std::max_element(d.block_sizes.begin(), d.block_sizes.end());
  std::map<std::string, std::vector<const Allocation*>> by_stratum;
  for (const auto& a : list) by_stratum[a.stratum].push_back(&a);
  ASSERT_EQ(by_stratum.size(), strata(d).size());
  for (const auto& [stratum, entries] : by_stratum) {
    ASSERT_GE(static_cast<std::int64_t>(entries.size()), d.size_per_stratum);
    ASSERT_LT(static_cast<std::int64_t>(entries.size()), d.size_per_stratum + max_block);
    // Blocks: consecutive, each complete with exactly ratio[a] * size/sum of arm a.
    std::map<std::int64_t, std::vector<int>> blocks;
    std::map<std::int64_t, int> sizes;
    for (std::size_t i = 0; i < entries.size(); ++i) {
      ASSERT_EQ(entries[i]->position, static_cast<std::int64_t>(i) + 1);
      blocks[entries[i]->block].push_back(entries[i]->arm_index);
      sizes[entries[i]->block] = entries[i]->block_size;
    }
    for (const auto& [b, arms] : blocks) {
      ASSERT_EQ(static_cast<int>(arms.size()), sizes[b]) << stratum << " block " << b;
      ASSERT_NE(std::find(d.block_sizes.begin(), d.block_sizes.end(), sizes[b]),
                d.block_sizes.end());
      for (std::size_t a = 0; a < d.arms.size(); ++a) {
        EXPECT_EQ(std::count(arms.begin(), arms.end(), static_cast<int>(a)),
                  d.ratio[a] * sizes[b] / sum)
            << stratum << " block " << b << " arm " << a;
      }
    }
    // Prefixes: no arm strays from its share by more than half the largest block.
    std::vector<int> n(d.arms.size(), 0);
    for (std::size_t i = 0; i < entries.size(); ++i) {
      ++n[static_cast<std::size_t>(entries[i]->arm_index)];
      for (std::size_t a = 0; a < d.arms.size(); ++a) {
        const double share = static_cast<double>(i + 1) * d.ratio[a] / sum;
        ASSERT_LE(std::abs(n[a] - share), max_block / 2.0) << stratum << " at " << i + 1;
      }
      if (d.arms.size() == 2 && d.ratio[0] == d.ratio[1]) {  // |nA - nB| <= max block / 2
        ASSERT_LE(std::abs(n[0] - n[1]), max_block / 2);
      }
    }
  }
}

TEST(RandomizeGenerator, SameSeedAndDesignGiveTheSameList) {
  const Design d = trial_design();
  const auto a = list_for(7, d);
  const auto b = list_for(7, d);
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].stratum, b[i].stratum);
    EXPECT_EQ(a[i].position, b[i].position);
    EXPECT_EQ(a[i].block, b[i].block);
    EXPECT_EQ(a[i].block_size, b[i].block_size);
    EXPECT_EQ(a[i].arm, b[i].arm);
  }
}

TEST(RandomizeGenerator, AnotherSeedOrDesignGivesAnotherList) {
  const Design d = trial_design();
  const auto base = arms_of(list_for(7, d));
  EXPECT_NE(base, arms_of(list_for(8, d)));
  Design bigger = d;
  bigger.size_per_stratum = 31;  // another design: other keys, another list
  const auto other = arms_of(list_for(7, bigger));
  EXPECT_FALSE(std::equal(base.begin(), base.begin() + 20, other.begin()));
  // 50 seeds: all different lists.
  std::set<std::vector<std::string>> seen;
  for (std::uint64_t s = 100; s < 150; ++s) seen.insert(arms_of(list_for(s, d)));
  EXPECT_EQ(seen.size(), 50u);
}

TEST(RandomizeGenerator, FixedSeedGivesTheDocumentedList) {
  // A regression anchor: the construction of docs/randomize.md must not drift silently
  // (a change here changes every list made from a seed, and must bump kFormat).
  Design d;
  d.arms = {"A", "B"};
  d.ratio = {1, 1};
  d.block_sizes = {2, 4};
  d.size_per_stratum = 16;
  EXPECT_EQ(design_json(d),
            R"({"format":"khe-randomize/1","arms":["A","B"],"ratio":[1,1],"block_sizes":[2,4],)"
            R"("strata":[],"size_per_stratum":16})");
  std::string got;
  for (const auto& a : list_for(42, d)) got += a.arm + std::to_string(a.block_size);
  // Computed independently from the documentation by reference_generator.py (Python's
  // hashlib/hmac only): arm then block size, for each of the 16 entries.
  EXPECT_EQ(got, "B2A2B2A2A2B2A2B2A2B2A4B4B4A4B2A2");
}

TEST(RandomizeGenerator, BalancedWithinBlocksAndStrataOverManySeeds) {
  Design two = trial_design(40);
  Design uneven = trial_design(40);
  uneven.ratio = {2, 1};
  uneven.block_sizes = {3, 6, 9};
  Design three;
  three.arms = {"A", "B", "C"};
  three.ratio = {1, 2, 1};
  three.block_sizes = {4, 8};
  three.factors = {Factor{"site", {"s1", "s2", "s3"}}};
  three.size_per_stratum = 50;
  for (const Design* d : {&two, &uneven, &three}) {
    ASSERT_TRUE(check_design(*d).ok());
    for (std::uint64_t s = 0; s < 60; ++s) {
      SCOPED_TRACE("seed " + std::to_string(s));
      expect_balanced(list_for(s, *d), *d);
      if (::testing::Test::HasFatalFailure()) return;
    }
  }
}

TEST(RandomizeGenerator, StrataAreIndependentStreams) {
  const Design d = trial_design();
  const Keys keys = derive_keys(seed_from(3), design_sha256_hex(d));
  const auto all = generate_list(keys, d);
  // Each stratum's part of the list is exactly its own stream, whatever comes before it.
  for (const auto& stratum : strata(d)) {
    const auto own = generate_stratum(keys, d, stratum);
    std::vector<std::string> from_all;
    for (const auto& a : all) {
      if (a.stratum == stratum) from_all.push_back(a.arm);
    }
    std::vector<std::string> from_own;
    for (const auto& a : own) from_own.push_back(a.arm);
    EXPECT_EQ(from_all, from_own) << stratum;
  }
  // And the strata's sequences differ from one another.
  std::set<std::vector<std::string>> seqs;
  for (const auto& stratum : strata(d)) {
    std::vector<std::string> v;
    for (const auto& a : generate_stratum(keys, d, stratum)) v.push_back(a.arm);
    seqs.insert(v);
  }
  EXPECT_EQ(seqs.size(), strata(d).size());
}

TEST(RandomizeGenerator, BlockSizesAndFirstArmsAreEvenOverSeeds) {
  // Over 2000 seeds: the first block's size is 4 or 6 about equally often, and the first
  // allocation is each arm about equally often (within 5 standard deviations).
  Design d = trial_design(4);
  d.factors.clear();
  const int n = 2000;
  int size4 = 0, first_a = 0;
  for (int s = 0; s < n; ++s) {
    const auto l = list_for(static_cast<std::uint64_t>(s) + 1000, d);
    size4 += l[0].block_size == 4;
    first_a += l[0].arm_index == 0;
  }
  const double sd = std::sqrt(n * 0.25);
  EXPECT_NEAR(size4, n / 2.0, 5 * sd);
  EXPECT_NEAR(first_a, n / 2.0, 5 * sd);
}

TEST(RandomizeDesign, ChecksAndParses) {
  EXPECT_TRUE(check_design(trial_design()).ok());
  Design d = trial_design();
  d.block_sizes = {3};
  EXPECT_EQ(check_design(d).error().where, "block-sizes");
  d = trial_design();
  d.arms = {"A"};
  d.ratio = {1};
  EXPECT_EQ(check_design(d).error().where, "arms");
  d = trial_design();
  d.arms = {"A", "A"};
  EXPECT_EQ(check_design(d).error().where, "arms");
  d = trial_design();
  d.ratio = {1};
  EXPECT_EQ(check_design(d).error().where, "ratio");
  d = trial_design();
  d.factors[0].levels = {"only"};
  EXPECT_EQ(check_design(d).error().where, "strata");
  d = trial_design();
  d.size_per_stratum = 0;
  EXPECT_EQ(check_design(d).error().where, "size-per-stratum");
  d = trial_design();
  d.arms[0] = "bad,name";
  EXPECT_EQ(check_design(d).error().where, "arms");

  const Design t = trial_design();
  auto back = parse_design_json(design_json(t));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(design_json(*back), design_json(t));

  // A study file's design text that is not what design_json writes is refused, whatever
  // the type of a field (found by fuzz_randomize_design: a float ratio was converted to int).
  const std::string good = design_json(t);
  auto with = [&](const std::string& from, const std::string& to) {
    std::string text = good;
    text.replace(text.find(from), from.size(), to);
    return parse_design_json(text);
  };
  EXPECT_FALSE(with("\"ratio\":[1,1]", "\"ratio\":[6.3e113,1]").ok());
  EXPECT_FALSE(with("\"ratio\":[1,1]", "\"ratio\":[1.5,1]").ok());
  EXPECT_FALSE(with("\"ratio\":[1,1]", "\"ratio\":[18446744073709551615,1]").ok());
  EXPECT_FALSE(with("\"ratio\":[1,1]", "\"ratio\":\"1:1\"").ok());
  EXPECT_FALSE(with("\"arms\":[", "\"arms\":[7,").ok());
  EXPECT_FALSE(with("\"format\":\"khe-randomize/1\"", "\"format\":1").ok());
  EXPECT_FALSE(with("\"factor\":\"kmp\"", "\"factor\":null").ok());
  EXPECT_FALSE(parse_design_json("[]").ok());
  EXPECT_FALSE(parse_design_json("{\"format\":\"khe-randomize/2\"}").ok());

  EXPECT_EQ(strata(t),
            (std::vector<std::string>{"kmp=severe,age=lt6m", "kmp=severe,age=ge6m",
                                      "kmp=non_severe,age=lt6m", "kmp=non_severe,age=ge6m"}));
  EXPECT_EQ(canonical_stratum(t, "age=ge6m,kmp=severe").value(), "kmp=severe,age=ge6m");
  EXPECT_FALSE(canonical_stratum(t, "kmp=severe").ok());
  EXPECT_FALSE(canonical_stratum(t, "kmp=severe,age=old").ok());
  EXPECT_FALSE(canonical_stratum(t, "kmp=severe,kmp=severe,age=ge6m").ok());
  EXPECT_FALSE(canonical_stratum(t, "site=x,kmp=severe,age=ge6m").ok());
  Design none = t;
  none.factors.clear();
  EXPECT_EQ(canonical_stratum(none, "").value(), "all");

  EXPECT_EQ(parse_ratio("2:1").value(), (std::vector<int>{2, 1}));
  EXPECT_FALSE(parse_ratio("2:x").ok());
  EXPECT_EQ(parse_block_sizes("4,6").value(), (std::vector<int>{4, 6}));
  EXPECT_EQ(parse_factor("kmp=severe,non_severe").value().levels.size(), 2u);
}

}  // namespace
}  // namespace khe::randomize

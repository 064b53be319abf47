// The study file: init, reveal one subject at a time, the log, and verification that
// catches every kind of tampering (through the SQLite C API, as a person with the file
// could), naming the first bad entry.
#include "randomize/study.h"

#include <sys/stat.h>

#include <gtest/gtest.h>

#include <map>
#include <thread>

#include "randomize/generator.h"
#include "randomize/seal.h"
#include "randomize/seed.h"
#include "randomize/test_util.h"
#include "support/process.h"

namespace khe::randomize {
namespace {

using testing::at;
using testing::RawDb;
using testing::seed_from;
using testing::trial_design;

const std::string kStratum = "kmp=severe,age=lt6m";

std::string new_study(const Design& d = trial_design(), std::uint64_t seed = 1) {
  const std::string path = test_support::make_temp_dir("rand") + "/study.db";
  auto s = Study::create(path, d, seed_from(seed), at(), "statistician");
  EXPECT_TRUE(s.ok()) << (s ? "" : s.error().to_string());
  return path;
}

std::unique_ptr<Study> open_rw(const std::string& path) {
  auto s = Study::open(path, false);
  EXPECT_TRUE(s.ok()) << (s ? "" : s.error().to_string());
  if (!s) return nullptr;
  return std::move(s).value();
}

// Randomises `n` subjects S-001... alternating over the four strata.
void randomise(const std::string& path, int n, std::uint64_t seed = 1) {
  auto s = open_rw(path);
  const auto all = strata(s->design());
  for (int i = 0; i < n; ++i) {
    char id[16];
    std::snprintf(id, sizeof id, "S-%03d", i + 1);
    auto r = s->next(seed_from(seed), id, all[static_cast<std::size_t>(i) % all.size()], "nurse",
                     at(60 * (i + 1)));
    ASSERT_TRUE(r.ok()) << r.error().to_string();
    ASSERT_EQ(r->status, NextOutcome::Status::allocated) << r->check.why;
  }
}

StudyCheck verify(const std::string& path, const Seed* seed = nullptr) {
  auto s = Study::open(path, true);
  EXPECT_TRUE(s.ok()) << (s ? "" : s.error().to_string());
  auto c = (*s)->verify(seed);
  EXPECT_TRUE(c.ok()) << (c ? "" : c.error().to_string());
  return *c;
}

TEST(RandomizeStudy, InitSealsTheListAndCommitsToIt) {
  const std::string path = new_study();
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  RawDb raw(path);
  EXPECT_EQ(raw.text("PRAGMA journal_mode"), "wal");
  EXPECT_EQ(raw.text("SELECT kind FROM rand_log WHERE seq = 1"), "init");
  // No arm name appears anywhere in the list table: it is sealed.
  EXPECT_EQ(raw.text("SELECT count(*) FROM rand_list WHERE sealed LIKE '%sirolimus%' OR"
                     " instr(nonce || sealed || commitment, 'sirolimus') > 0"),
            "0");
  const StudyCheck c = verify(path);
  EXPECT_TRUE(c.intact()) << c.why;
  EXPECT_EQ(c.log_entries, 1);
  EXPECT_GE(c.list_entries, 4 * 30);
  EXPECT_EQ(c.revealed, 0);
  EXPECT_EQ(c.list_commitment, raw.text("SELECT list_commitment FROM rand_study"));
  const Seed seed = seed_from(1);
  EXPECT_TRUE(verify(path, &seed).seed_checked);
  EXPECT_TRUE(verify(path, &seed).intact());
  // init never overwrites.
  EXPECT_FALSE(Study::create(path, trial_design(), seed_from(1), at(), "x").ok());
}

TEST(RandomizeStudy, RevealsTheListInOrderAndLogsEveryAllocation) {
  const std::string path = new_study();
  const Design d = trial_design();
  const auto expected =
      generate_stratum(derive_keys(seed_from(1), design_sha256_hex(d)), d, kStratum);
  auto s = open_rw(path);
  for (int i = 0; i < 12; ++i) {
    auto r = s->next(seed_from(1), "K-" + std::to_string(i), "age=lt6m,kmp=severe", "nurse",
                     at(100 + i));
    ASSERT_TRUE(r.ok()) << r.error().to_string();
    ASSERT_EQ(r->status, NextOutcome::Status::allocated);
    EXPECT_EQ(r->entry.seq, i + 2);
    EXPECT_EQ(r->entry.stratum, kStratum);
    EXPECT_EQ(r->entry.position, i + 1);
    EXPECT_EQ(r->entry.arm, expected[static_cast<std::size_t>(i)].arm);
    // The revealed arm opens the commitment sealed at init.
    RawDb raw(path);
    EXPECT_EQ(commitment_hex(design_sha256_hex(d), kStratum, i + 1, r->entry.arm, r->entry.opening),
              raw.text("SELECT commitment FROM rand_list WHERE stratum = '" + kStratum +
                       "' AND position = " + std::to_string(i + 1)));
  }
  auto log = s->log();
  ASSERT_TRUE(log.ok());
  ASSERT_EQ(log->size(), 13u);
  EXPECT_EQ((*log)[5].subject, "K-4");
  EXPECT_EQ((*log)[5].by, "nurse");
  EXPECT_EQ((*log)[5].time, format_instant(at(104)));
  EXPECT_EQ((*log)[5].prev_hash, (*log)[4].hash);
  const StudyCheck c = verify(path);
  EXPECT_TRUE(c.intact()) << c.why;
  EXPECT_EQ(c.revealed, 12);
  EXPECT_EQ(c.head, log->back().hash);
}

TEST(RandomizeStudy, StrataAreRevealedIndependently) {
  const std::string path = new_study();
  const Design d = trial_design();
  const Keys keys = derive_keys(seed_from(1), design_sha256_hex(d));
  auto s = open_rw(path);
  // Interleave two strata; each follows its own list from position 1.
  std::map<std::string, int> pos;
  for (int i = 0; i < 10; ++i) {
    const std::string st = i % 3 == 0 ? "kmp=non_severe,age=ge6m" : kStratum;
    auto r = s->next(seed_from(1), "P" + std::to_string(i), st, "nurse", at(i));
    ASSERT_TRUE(r.ok());
    ASSERT_EQ(r->status, NextOutcome::Status::allocated);
    const int p = ++pos[st];
    EXPECT_EQ(r->entry.position, p);
    EXPECT_EQ(r->entry.arm, generate_stratum(keys, d, st)[static_cast<std::size_t>(p - 1)].arm);
  }
}

TEST(RandomizeStudy, SameSubjectTwiceIsRefused) {
  const std::string path = new_study();
  auto s = open_rw(path);
  auto first = s->next(seed_from(1), "S-1", kStratum, "nurse", at(1));
  ASSERT_EQ(first->status, NextOutcome::Status::allocated);
  for (const std::string& st : {kStratum, std::string("kmp=non_severe,age=ge6m")}) {
    auto again = s->next(seed_from(1), "S-1", st, "nurse", at(2));
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(again->status, NextOutcome::Status::already_randomised);
    EXPECT_EQ(again->entry.seq, 2);
  }
  EXPECT_EQ(verify(path).log_entries, 2);
}

TEST(RandomizeStudy, WrongSeedIsRefusedAndNothingIsRevealed) {
  const std::string path = new_study();
  auto s = open_rw(path);
  auto r = s->next(seed_from(2), "S-1", kStratum, "nurse", at(1));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().where, "seed-file");
  EXPECT_FALSE(s->check_seed(seed_from(2)).ok());
  EXPECT_TRUE(s->check_seed(seed_from(1)).ok());
  auto ro = Study::open(path, true);
  const Seed wrong = seed_from(2);
  EXPECT_FALSE((*ro)->verify(&wrong).ok());
  EXPECT_EQ(verify(path).log_entries, 1);
}

TEST(RandomizeStudy, BadArgumentsAreRefused) {
  const std::string path = new_study();
  auto s = open_rw(path);
  EXPECT_EQ(s->next(seed_from(1), "", kStratum, "nurse", at()).error().where, "subject");
  EXPECT_EQ(s->next(seed_from(1), "a b", kStratum, "nurse", at()).error().where, "subject");
  EXPECT_EQ(s->next(seed_from(1), "S1", "kmp=severe", "nurse", at()).error().where, "stratum");
  EXPECT_EQ(s->next(seed_from(1), "S1", kStratum, "", at()).error().where, "by");
  EXPECT_EQ(s->next(seed_from(1), "S1", kStratum, "a\nb", at()).error().where, "by");
  const std::string other = test_support::make_temp_dir("rand") + "/x.db";
  test_support::write_file(other, "not sqlite at all, just text that is long enough......");
  EXPECT_FALSE(Study::open(other, true).ok());
  EXPECT_FALSE(Study::open(other + ".missing", true).ok());
}

TEST(RandomizeStudy, ExhaustedStratumIsRefused) {
  Design d = trial_design(2);
  d.block_sizes = {2};
  const std::string path = new_study(d);
  auto s = open_rw(path);
  for (int i = 0; i < 2; ++i) {
    EXPECT_EQ(s->next(seed_from(1), "E" + std::to_string(i), kStratum, "n", at(i))->status,
              NextOutcome::Status::allocated);
  }
  EXPECT_EQ(s->next(seed_from(1), "E9", kStratum, "n", at(9))->status,
            NextOutcome::Status::list_exhausted);
  EXPECT_TRUE(verify(path).intact());
}

TEST(RandomizeStudy, TriggersKeepTheLogAppendOnlyAndTheListSealed) {
  const std::string path = new_study();
  randomise(path, 3);
  RawDb raw(path);
  EXPECT_NE(raw.exec("UPDATE rand_log SET arm = 'x' WHERE seq = 2"), SQLITE_OK);
  EXPECT_NE(raw.exec("DELETE FROM rand_log WHERE seq = 3"), SQLITE_OK);
  EXPECT_NE(raw.exec("UPDATE rand_list SET sealed = '00' WHERE list_index = 9"), SQLITE_OK);
  EXPECT_NE(raw.exec("UPDATE rand_list SET revealed_seq = NULL WHERE revealed_seq = 2"), SQLITE_OK);
  EXPECT_NE(raw.exec("DELETE FROM rand_list WHERE list_index = 9"), SQLITE_OK);
  EXPECT_NE(raw.exec("INSERT INTO rand_list VALUES (99999, 's', 1, '', '', '', '', NULL)"),
            SQLITE_OK);
  EXPECT_NE(raw.exec("UPDATE rand_study SET list_commitment = 'x'"), SQLITE_OK);
  EXPECT_TRUE(verify(path).intact());
}

// ---- Tampering (the triggers dropped first, as someone with the file could) --------------

std::string tampered_study() {
  const std::string path = new_study();
  randomise(path, 8);  // log entries 2..9
  RawDb raw(path);
  for (const char* t : {"rand_log_no_update", "rand_log_no_delete", "rand_log_in_sequence",
                        "rand_list_reveal_only", "rand_list_no_delete", "rand_list_no_insert",
                        "rand_study_no_update", "rand_study_no_delete"}) {
    EXPECT_EQ(raw.exec(std::string("DROP TRIGGER ") + t), SQLITE_OK) << raw.error();
  }
  return path;
}

TEST(RandomizeStudy, DroppedTriggersAloneAreReported) {
  const std::string path = tampered_study();
  const StudyCheck c = verify(path);
  EXPECT_FALSE(c.intact());
  EXPECT_FALSE(c.guards_present);
  EXPECT_FALSE(c.first_bad_seq);
}

TEST(RandomizeStudy, EditedArmInTheLogIsDetected) {
  const std::string path = tampered_study();
  RawDb raw(path);
  ASSERT_EQ(raw.exec("UPDATE rand_log SET arm = CASE arm WHEN 'sirolimus' THEN"
                     " 'sirolimus_prednisolone' ELSE 'sirolimus' END WHERE seq = 5"),
            SQLITE_OK);
  const StudyCheck c = verify(path);
  EXPECT_EQ(c.first_bad_seq, 5);
  EXPECT_NE(c.why.find("log entry 5 does not match its hash"), std::string::npos) << c.why;
}

TEST(RandomizeStudy, EditedArmWithARecomputedChainIsCaughtByTheCommitment) {
  const std::string path = tampered_study();
  // Change entry 5's arm and rewrite every hash after it, so the chain is consistent.
  auto log = open_rw(path)->log().value();
  auto& e = log[4];
  e.arm = e.arm == "sirolimus" ? "sirolimus_prednisolone" : "sirolimus";
  std::string prev = log[3].hash;
  RawDb raw(path);
  for (std::size_t i = 4; i < log.size(); ++i) {
    log[i].prev_hash = prev;
    log[i].hash =
        log_hash(prev, log[i].seq,
                 LogFields{log[i].time, log[i].kind, log[i].by, log[i].subject, log[i].stratum,
                           log[i].position, log[i].arm, log[i].opening, log[i].detail});
    prev = log[i].hash;
    ASSERT_EQ(raw.exec("UPDATE rand_log SET arm = '" + log[i].arm + "', prev_hash = '" +
                       log[i].prev_hash + "', hash = '" + log[i].hash +
                       "' WHERE seq = " + std::to_string(log[i].seq)),
              SQLITE_OK);
  }
  const StudyCheck c = verify(path);
  EXPECT_EQ(c.first_bad_seq, 5);
  EXPECT_NE(c.why.find("sealed commitment"), std::string::npos) << c.why;
}

TEST(RandomizeStudy, DeletedLogEntryIsDetected) {
  const std::string path = tampered_study();
  RawDb raw(path);
  ASSERT_EQ(raw.exec("DELETE FROM rand_log WHERE seq = 4"), SQLITE_OK);
  const StudyCheck c = verify(path);
  EXPECT_EQ(c.first_bad_seq, 4);
  EXPECT_NE(c.why.find("deleted"), std::string::npos) << c.why;
}

TEST(RandomizeStudy, DeletedLastLogEntryIsCaughtByTheRevealedMark) {
  const std::string path = tampered_study();
  RawDb raw(path);
  ASSERT_EQ(raw.exec("DELETE FROM rand_log WHERE seq = 9"), SQLITE_OK);
  const StudyCheck c = verify(path);
  EXPECT_FALSE(c.intact());
  EXPECT_TRUE(c.first_bad_list_index.has_value());
  EXPECT_NE(c.why.find("no log entry revealed it"), std::string::npos) << c.why;
}

TEST(RandomizeStudy, ReorderedLogEntriesAreDetected) {
  const std::string path = tampered_study();
  RawDb raw(path);
  ASSERT_EQ(raw.exec("UPDATE rand_log SET seq = 100 WHERE seq = 6;"
                     "UPDATE rand_log SET seq = 6 WHERE seq = 7;"
                     "UPDATE rand_log SET seq = 7 WHERE seq = 100;"),
            SQLITE_OK);
  const StudyCheck c = verify(path);
  EXPECT_EQ(c.first_bad_seq, 6);
  EXPECT_NE(c.why.find("reordered"), std::string::npos) << c.why;
}

TEST(RandomizeStudy, EditedSealedEntryIsDetected) {
  const std::string path = tampered_study();
  RawDb raw(path);
  // Flip the first hex digit of an unrevealed sealed entry.
  ASSERT_EQ(raw.exec("UPDATE rand_list SET sealed = (CASE substr(sealed, 1, 1) WHEN 'a' THEN 'b'"
                     " ELSE 'a' END) || substr(sealed, 2) WHERE list_index = 40"),
            SQLITE_OK);
  const StudyCheck c = verify(path);
  EXPECT_EQ(c.first_bad_list_index, 40);
  EXPECT_NE(c.why.find("list entry 40"), std::string::npos) << c.why;
}

TEST(RandomizeStudy, SwappedSealedEntriesAreDetected) {
  const std::string path = tampered_study();
  RawDb raw(path);
  // Swap the sealed bytes of two entries (an attempt to move an arm).
  ASSERT_EQ(raw.exec("CREATE TEMP TABLE t AS SELECT list_index, nonce, sealed, commitment FROM"
                     " rand_list WHERE list_index IN (20, 21);"
                     "UPDATE rand_list SET nonce = (SELECT nonce FROM t WHERE list_index = 41 -"
                     " rand_list.list_index), sealed = (SELECT sealed FROM t WHERE list_index ="
                     " 41 - rand_list.list_index), commitment = (SELECT commitment FROM t WHERE"
                     " list_index = 41 - rand_list.list_index) WHERE list_index IN (20, 21);"),
            SQLITE_OK)
      << raw.error();
  const StudyCheck c = verify(path);
  EXPECT_EQ(c.first_bad_list_index, 20);
}

TEST(RandomizeStudy, ChangedCommitmentIsDetected) {
  {
    const std::string path = tampered_study();
    RawDb raw(path);
    ASSERT_EQ(raw.exec("UPDATE rand_study SET list_commitment = '" + std::string(64, 'f') + "'"),
              SQLITE_OK);
    const StudyCheck c = verify(path);
    EXPECT_EQ(c.first_bad_seq, 1);
    EXPECT_NE(c.why.find("does not match the study record"), std::string::npos) << c.why;
  }
  {  // the commitment inside log entry 1
    const std::string path = tampered_study();
    RawDb raw(path);
    ASSERT_EQ(raw.exec("UPDATE rand_log SET detail = replace(detail, substr(json_extract(detail,"
                       " '$.list_commitment'), 1, 8), 'ffffffff') WHERE seq = 1"),
              SQLITE_OK);
    EXPECT_EQ(verify(path).first_bad_seq, 1);
  }
  {  // one entry's commitment in the list
    const std::string path = tampered_study();
    RawDb raw(path);
    ASSERT_EQ(raw.exec("UPDATE rand_list SET commitment = '" + std::string(64, '0') +
                       "' WHERE list_index = 2"),
              SQLITE_OK);
    EXPECT_EQ(verify(path).first_bad_list_index, 2);
  }
  {  // the design (e.g. another block size) behind the list
    const std::string path = tampered_study();
    RawDb raw(path);
    ASSERT_EQ(raw.exec("UPDATE rand_study SET design = replace(design, '[4,6]', '[4,8]')"),
              SQLITE_OK);
    EXPECT_EQ(verify(path).first_bad_seq, 1);
  }
}

TEST(RandomizeStudy, RelinkedListIsCaughtByTheCommitment) {
  // Someone replaces an unrevealed entry by a validly sealed one of their own making and
  // recomputes every link: the end no longer matches log entry 1.
  const std::string path = tampered_study();
  RawDb raw(path);
  const Design d = trial_design();
  const std::string sha = design_sha256_hex(d);
  const Keys other = derive_keys(seed_from(99), sha);
  Allocation a;
  a.stratum = raw.text("SELECT stratum FROM rand_list WHERE list_index = 50");
  a.position = std::stoll(raw.text("SELECT position FROM rand_list WHERE list_index = 50"));
  a.arm = "sirolimus";
  a.block = 1;
  a.block_size = 4;
  std::string link = raw.text("SELECT link FROM rand_list WHERE list_index = 49");
  const SealedEntry forged = seal_entry(other, sha, a, 50, link);
  ASSERT_EQ(raw.exec("UPDATE rand_list SET nonce = '" + forged.nonce_hex + "', sealed = '" +
                     forged.sealed_hex + "', commitment = '" + forged.commitment + "', link = '" +
                     forged.link + "' WHERE list_index = 50"),
            SQLITE_OK);
  link = forged.link;
  const int n = std::stoi(raw.text("SELECT count(*) FROM rand_list"));
  for (int i = 51; i <= n; ++i) {
    const std::string w = " WHERE list_index = " + std::to_string(i);
    link = list_link(link, i, raw.text("SELECT stratum FROM rand_list" + w),
                     std::stoll(raw.text("SELECT position FROM rand_list" + w)),
                     raw.text("SELECT nonce FROM rand_list" + w),
                     raw.text("SELECT sealed FROM rand_list" + w),
                     raw.text("SELECT commitment FROM rand_list" + w));
    ASSERT_EQ(raw.exec("UPDATE rand_list SET link = '" + link + "'" + w), SQLITE_OK);
  }
  const StudyCheck c = verify(path);
  EXPECT_FALSE(c.intact());
  EXPECT_NE(c.why.find("list commitment of log entry 1"), std::string::npos) << c.why;
}

TEST(RandomizeStudy, ReadingTheWholeListWithTheSeedMatchesTheGenerator) {
  const std::string path = new_study();
  randomise(path, 5);
  const Seed seed = seed_from(1);
  const StudyCheck c = verify(path, &seed);
  EXPECT_TRUE(c.intact()) << c.why;
  EXPECT_TRUE(c.seed_checked);
}

TEST(RandomizeStudy, BrokenFileRevealsNothing) {
  const std::string path = tampered_study();
  {
    RawDb raw(path);
    ASSERT_EQ(raw.exec("UPDATE rand_log SET by_user = 'someone else' WHERE seq = 3"), SQLITE_OK);
  }
  auto s = open_rw(path);
  auto r = s->next(seed_from(1), "NEW-1", kStratum, "nurse", at(1000));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, NextOutcome::Status::broken);
  EXPECT_EQ(r->check.first_bad_seq, 3);
  RawDb raw(path);
  EXPECT_EQ(raw.text("SELECT count(*) FROM rand_log"), "9");
}

TEST(RandomizeStudy, ConcurrentRevealsKeepOneChainAndTheListOrder) {
  // Four connections (as four processes would) randomise 10 subjects each at once.
  const std::string path = new_study(trial_design(60));
  std::vector<std::thread> threads;
  std::vector<int> allocated(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      auto s = Study::open(path, false);
      if (!s) {
        ADD_FAILURE() << s.error().to_string();
        return;
      }
      for (int i = 0; i < 10; ++i) {
        auto r = (*s)->next(seed_from(1), "C" + std::to_string(t) + "-" + std::to_string(i),
                            kStratum, "nurse", at(i));
        if (!r) ADD_FAILURE() << r.error().to_string();
        if (r && r->status == NextOutcome::Status::allocated) ++allocated[t];
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(allocated, (std::vector<int>{10, 10, 10, 10}));
  const Seed seed = seed_from(1);
  const StudyCheck c = verify(path, &seed);
  EXPECT_TRUE(c.intact()) << c.why;
  EXPECT_EQ(c.log_entries, 41);
  EXPECT_EQ(c.revealed, 40);
}

TEST(RandomizeSeed, CreatedPrivateAndReadBack) {
  const std::string dir = test_support::make_temp_dir("seed");
  auto s = create_seed_file(dir + "/k");
  ASSERT_TRUE(s.ok());
  struct stat st {};
  ASSERT_EQ(::stat((dir + "/k").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(test_support::read_file(dir + "/k").size(), 65u);
  EXPECT_EQ(read_seed_file(dir + "/k").value(), *s);
  EXPECT_FALSE(create_seed_file(dir + "/k").ok());  // never overwritten
  test_support::write_file(dir + "/raw", std::string(32, '\x07'));
  EXPECT_EQ(read_seed_file(dir + "/raw").value()[0], 7);
  test_support::write_file(dir + "/short", "abcd\n");
  EXPECT_FALSE(read_seed_file(dir + "/short").ok());
  EXPECT_FALSE(read_seed_file(dir + "/missing").ok());
}

}  // namespace
}  // namespace khe::randomize

// The study file: one SQLite file (WAL, synchronous=FULL, mode 0600) holding the design,
// the sealed allocation list and the append-only, hash-chained allocation log.
// Tables rand_study, rand_list and rand_log (docs/randomize.md); PRAGMA application_id
// 0x4B484552 ("KHER") marks the file. "Now" is always a parameter.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "core/time.h"
#include "randomize/crypto.h"
#include "randomize/design.h"

namespace khe::randomize {

inline constexpr std::int32_t kApplicationId = 0x4B484552;

// A log entry as stored. Entry 1 is "init" (the commitments in `detail`); every later one is
// an "allocation". No patient data: `subject` is the trial's own subject number.
struct LogEntry {
  std::int64_t seq = 0;
  std::string time;  // format_instant text
  std::string kind;  // "init" or "allocation"
  std::string by;    // who: the user who created the list or randomised the subject
  std::string subject;
  std::string stratum;
  std::int64_t position = 0;  // within the stratum; 0 for init
  std::string arm;
  std::string opening;  // hex; lets anyone check `arm` against the sealed commitment
  std::string detail;   // init: JSON of the commitments; allocation: ""
  std::string prev_hash;
  std::string hash;
};

struct InitSummary {
  std::int64_t strata = 0;
  std::int64_t list_entries = 0;
  std::string design_sha256;
  std::string list_commitment;
  std::string head;  // hash of log entry 1
};

// The outcome of verify. Problems name the first bad log entry (seq) or list entry (index).
struct StudyCheck {
  std::int64_t log_entries = 0;
  std::int64_t list_entries = 0;
  std::int64_t revealed = 0;
  std::optional<std::int64_t> first_bad_seq;
  std::optional<std::int64_t> first_bad_list_index;
  std::string why;  // plain words; no subject, arm or other value
  bool guards_present = true;
  bool seed_checked = false;  // the list was also regenerated from the seed and compared
  std::string head;           // hash of the last log entry; valid when intact
  std::string list_commitment;

  bool intact() const { return why.empty(); }
};

struct NextOutcome {
  enum class Status { allocated, already_randomised, list_exhausted, broken };
  Status status = Status::allocated;
  LogEntry entry;    // allocated: the new entry; already_randomised: the earlier one
  StudyCheck check;  // broken: why nothing was revealed
};

// True when `path` is a SQLite file with this module's schema (read-only look; never
// creates or changes anything). An Error when the file cannot be read at all.
Result<bool> is_study_file(const std::string& path);

class Study {
 public:
  // Creates a new study file (refuses an existing path): generates and seals the whole list
  // and writes log entry 1, in one transaction. `by` is who made the list.
  static Result<InitSummary> create(const std::string& path, const Design& design, const Seed& seed,
                                    Instant now, std::string_view by);
  static Result<std::unique_ptr<Study>> open(const std::string& path, bool read_only);
  ~Study();
  Study(const Study&) = delete;
  Study& operator=(const Study&) = delete;

  const Design& design() const;

  // Refuses a seed that is not this study's (its key check differs).
  Result<bool> check_seed(const Seed& seed) const;

  // Reveals the next sealed allocation of the subject's stratum: checks the whole file
  // (as verify), then in one transaction appends the log entry and marks the list entry
  // revealed. A subject is randomised once; the same subject again gets
  // already_randomised with the earlier entry.
  Result<NextOutcome> next(const Seed& seed, std::string_view subject,
                           std::string_view stratum_spec, std::string_view by, Instant now);

  Result<std::vector<LogEntry>> log();

  // Recomputes the log chain, the list chain and its commitment, and every revealed
  // allocation against its commitment. With the seed, also regenerates the whole list and
  // compares every sealed entry with it.
  Result<StudyCheck> verify(const Seed* seed = nullptr);

  struct Impl;

 private:
  explicit Study(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Subject numbers: [A-Za-z0-9._-]{1,64}. `by`: 1 to 128 bytes, no control characters.
bool valid_subject(std::string_view subject);
bool valid_user(std::string_view by);

}  // namespace khe::randomize

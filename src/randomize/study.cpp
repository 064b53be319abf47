#include "randomize/study.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <map>
#include <set>
#include <thread>
#include <utility>

#include <nlohmann/json.hpp>

#include "randomize/generator.h"
#include "randomize/seal.h"
#include "store/sqlite.h"

namespace khe::randomize {
namespace {

constexpr int kBusyTimeoutMs = 5000;
constexpr int kSchemaVersion = 1;

// Version 1. STRICT tables; times are format_instant text; hashes and sealed bytes are
// lowercase hex. Triggers make the study record immutable, the list sealed (the only
// change allowed is marking a sealed entry revealed, once) and the log append-only.
constexpr const char* kSchema = R"sql(
CREATE TABLE rand_study (
  id              INTEGER PRIMARY KEY CHECK (id = 1),
  format          TEXT NOT NULL,
  design          TEXT NOT NULL,
  design_sha256   TEXT NOT NULL,
  key_check       TEXT NOT NULL,
  list_commitment TEXT NOT NULL,
  list_entries    INTEGER NOT NULL,
  created_at      TEXT NOT NULL
) STRICT;

CREATE TABLE rand_list (
  list_index   INTEGER PRIMARY KEY,
  stratum      TEXT NOT NULL,
  position     INTEGER NOT NULL,
  nonce        TEXT NOT NULL,
  sealed       TEXT NOT NULL,
  commitment   TEXT NOT NULL,
  link         TEXT NOT NULL,
  revealed_seq INTEGER,
  UNIQUE (stratum, position)
) STRICT;

CREATE TABLE rand_log (
  seq       INTEGER PRIMARY KEY,
  time      TEXT NOT NULL,
  kind      TEXT NOT NULL,
  by_user   TEXT NOT NULL,
  subject   TEXT NOT NULL,
  stratum   TEXT NOT NULL,
  position  INTEGER NOT NULL,
  arm       TEXT NOT NULL,
  opening   TEXT NOT NULL,
  detail    TEXT NOT NULL,
  prev_hash TEXT NOT NULL,
  hash      TEXT NOT NULL
) STRICT;

CREATE UNIQUE INDEX rand_log_subject ON rand_log (subject) WHERE kind = 'allocation';

CREATE TRIGGER rand_study_no_update BEFORE UPDATE ON rand_study
BEGIN SELECT RAISE(ABORT, 'the study record is immutable'); END;
CREATE TRIGGER rand_study_no_delete BEFORE DELETE ON rand_study
BEGIN SELECT RAISE(ABORT, 'the study record is immutable'); END;

CREATE TRIGGER rand_list_no_insert BEFORE INSERT ON rand_list
WHEN (SELECT count(*) FROM rand_log) > 0
BEGIN SELECT RAISE(ABORT, 'the allocation list is sealed'); END;
CREATE TRIGGER rand_list_no_delete BEFORE DELETE ON rand_list
BEGIN SELECT RAISE(ABORT, 'the allocation list is sealed'); END;
CREATE TRIGGER rand_list_reveal_only BEFORE UPDATE ON rand_list
WHEN OLD.revealed_seq IS NOT NULL OR NEW.revealed_seq IS NULL
  OR NEW.list_index IS NOT OLD.list_index OR NEW.stratum IS NOT OLD.stratum
  OR NEW.position IS NOT OLD.position OR NEW.nonce IS NOT OLD.nonce
  OR NEW.sealed IS NOT OLD.sealed OR NEW.commitment IS NOT OLD.commitment
  OR NEW.link IS NOT OLD.link
BEGIN SELECT RAISE(ABORT, 'the allocation list is sealed'); END;

CREATE TRIGGER rand_log_no_update BEFORE UPDATE ON rand_log
BEGIN SELECT RAISE(ABORT, 'the allocation log is append-only'); END;
CREATE TRIGGER rand_log_no_delete BEFORE DELETE ON rand_log
BEGIN SELECT RAISE(ABORT, 'the allocation log is append-only'); END;
CREATE TRIGGER rand_log_in_sequence BEFORE INSERT ON rand_log
WHEN NEW.seq IS NOT (SELECT IFNULL(MAX(seq), 0) + 1 FROM rand_log)
BEGIN SELECT RAISE(ABORT, 'log entries are appended in sequence'); END;
)sql";

constexpr const char* kGuardQuery =
    "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name IN ("
    "'rand_study_no_update', 'rand_study_no_delete', 'rand_list_no_insert',"
    " 'rand_list_no_delete', 'rand_list_reveal_only', 'rand_log_no_update',"
    " 'rand_log_no_delete', 'rand_log_in_sequence') AND instr(sql, 'RAISE(ABORT') > 0";
constexpr std::int64_t kGuards = 8;

// Prepared statements (store/sqlite.h): values are always bound, never spliced.
using Stmt = store::sql::Statement;

struct Db {
  sqlite3* db = nullptr;
  std::string path;
  ~Db() {
    if (db) sqlite3_close_v2(db);
  }
  Error fail(std::string_view what) const {
    return Error{path, std::string(what) + ": " + (db ? sqlite3_errmsg(db) : "out of memory")};
  }
  Result<bool> exec(const char* sql, std::string_view what) {
    if (sqlite3_exec(db, sql, nullptr, nullptr, nullptr) != SQLITE_OK) return fail(what);
    return true;
  }
  Result<std::int64_t> scalar(const char* sql, std::string_view what) {
    Stmt st(db, sql);
    if (!st.ok() || st.step() != SQLITE_ROW) return fail(what);
    return st.int64(0);
  }
};

Result<bool> open_db(Db& d, const std::string& path, bool read_only) {
  d.path = path;
  const int flags = read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE;
  if (sqlite3_open_v2(path.c_str(), &d.db, flags, nullptr) != SQLITE_OK) {
    return d.fail("cannot open the study file");
  }
  sqlite3_busy_timeout(d.db, kBusyTimeoutMs);
  if (!read_only) {
    // The switch answers SQLITE_BUSY at once (no busy handler) while another connection
    // opens the file at the same moment: retry within the busy timeout.
    for (int waited_ms = 0;; waited_ms += 10) {
      Stmt st(d.db, "PRAGMA journal_mode = WAL");
      if (st.ok() && st.step() == SQLITE_ROW && st.text(0) == "wal") break;
      const int code = sqlite3_extended_errcode(d.db) & 0xff;
      if ((code != SQLITE_BUSY && code != SQLITE_LOCKED) || waited_ms >= kBusyTimeoutMs) {
        return d.fail("cannot switch the study file to WAL mode");
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  return d.exec("PRAGMA synchronous = FULL", "setting synchronous");
}

// Rolls back unless committed.
class Transaction {
 public:
  explicit Transaction(Db& d) : d_(d) {}
  ~Transaction() {
    if (active_ && !sqlite3_get_autocommit(d_.db)) {
      sqlite3_exec(d_.db, "ROLLBACK", nullptr, nullptr, nullptr);
    }
  }
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  Result<bool> begin() {
    auto r = d_.exec("BEGIN IMMEDIATE", "starting a transaction");
    active_ = r.ok();
    return r;
  }
  Result<bool> commit() {
    auto r = d_.exec("COMMIT", "committing");
    if (r.ok()) active_ = false;
    return r;
  }

 private:
  Db& d_;
  bool active_ = false;
};

struct StudyRow {
  std::string format, design, design_sha256, key_check, list_commitment, created_at;
  std::int64_t list_entries = 0;
};

Result<std::optional<StudyRow>> read_study_row(Db& d) {
  Stmt st(d.db,
          "SELECT format, design, design_sha256, key_check, list_commitment, list_entries,"
          " created_at FROM rand_study WHERE id = 1");
  if (!st.ok()) return d.fail("reading the study record");
  const int rc = st.step();
  if (rc == SQLITE_DONE) return std::optional<StudyRow>();
  if (rc != SQLITE_ROW) return d.fail("reading the study record");
  StudyRow r;
  r.format = st.text(0);
  r.design = st.text(1);
  r.design_sha256 = st.text(2);
  r.key_check = st.text(3);
  r.list_commitment = st.text(4);
  r.list_entries = st.int64(5);
  r.created_at = st.text(6);
  return std::optional<StudyRow>(std::move(r));
}

constexpr const char* kLogColumns =
    "SELECT seq, time, kind, by_user, subject, stratum, position, arm, opening, detail,"
    " prev_hash, hash FROM rand_log";

LogEntry log_row(const Stmt& st) {
  LogEntry e;
  e.seq = st.int64(0);
  e.time = st.text(1);
  e.kind = st.text(2);
  e.by = st.text(3);
  e.subject = st.text(4);
  e.stratum = st.text(5);
  e.position = st.int64(6);
  e.arm = st.text(7);
  e.opening = st.text(8);
  e.detail = st.text(9);
  e.prev_hash = st.text(10);
  e.hash = st.text(11);
  return e;
}

Result<std::vector<LogEntry>> read_log(Db& d) {
  const std::string sql = std::string(kLogColumns) + " ORDER BY seq";
  Stmt st(d.db, sql.c_str());
  if (!st.ok()) return d.fail("reading the log");
  std::vector<LogEntry> out;
  int rc = SQLITE_ROW;
  while ((rc = st.step()) == SQLITE_ROW) out.push_back(log_row(st));
  if (rc != SQLITE_DONE) return d.fail("reading the log");
  return out;
}

struct ListRow {
  SealedEntry e;
  std::optional<std::int64_t> revealed_seq;
};

Result<std::vector<ListRow>> read_list(Db& d) {
  Stmt st(d.db,
          "SELECT list_index, stratum, position, nonce, sealed, commitment, link, revealed_seq"
          " FROM rand_list ORDER BY list_index");
  if (!st.ok()) return d.fail("reading the allocation list");
  std::vector<ListRow> out;
  int rc = SQLITE_ROW;
  while ((rc = st.step()) == SQLITE_ROW) {
    ListRow r;
    r.e.index = st.int64(0);
    r.e.stratum = st.text(1);
    r.e.position = st.int64(2);
    r.e.nonce_hex = st.text(3);
    r.e.sealed_hex = st.text(4);
    r.e.commitment = st.text(5);
    r.e.link = st.text(6);
    if (!st.is_null(7)) r.revealed_seq = st.int64(7);
    out.push_back(std::move(r));
  }
  if (rc != SQLITE_DONE) return d.fail("reading the allocation list");
  return out;
}

LogFields fields_of(const LogEntry& e) {
  return LogFields{e.time,     e.kind, e.by,      e.subject, e.stratum,
                   e.position, e.arm,  e.opening, e.detail};
}

std::string init_detail(const InitSummary& s, std::string_view key_check) {
  nlohmann::ordered_json j;
  j["design_sha256"] = s.design_sha256;
  j["key_check"] = std::string(key_check);
  j["list_commitment"] = s.list_commitment;
  j["list_entries"] = s.list_entries;
  j["strata"] = s.strata;
  return j.dump();
}

struct Committed {
  std::string design_sha256, key_check, list_commitment;
  std::int64_t list_entries = -1;
};

std::optional<Committed> parse_detail(std::string_view detail) {
  const auto j = nlohmann::json::parse(detail, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return std::nullopt;
  try {
    Committed c;
    c.design_sha256 = j.at("design_sha256").get<std::string>();
    c.key_check = j.at("key_check").get<std::string>();
    c.list_commitment = j.at("list_commitment").get<std::string>();
    c.list_entries = j.at("list_entries").get<std::int64_t>();
    return c;
  } catch (const nlohmann::json::exception&) {
    return std::nullopt;
  }
}

Result<bool> insert_log(Db& d, const LogEntry& e) {
  Stmt st(d.db,
          "INSERT INTO rand_log (seq, time, kind, by_user, subject, stratum, position, arm,"
          " opening, detail, prev_hash, hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10,"
          " ?11, ?12)");
  if (!st.ok()) return d.fail("preparing the log insert");
  st.bind(1, e.seq);
  st.bind(2, e.time);
  st.bind(3, e.kind);
  st.bind(4, e.by);
  st.bind(5, e.subject);
  st.bind(6, e.stratum);
  st.bind(7, e.position);
  st.bind(8, e.arm);
  st.bind(9, e.opening);
  st.bind(10, e.detail);
  st.bind(11, e.prev_hash);
  st.bind(12, e.hash);
  if (st.step() != SQLITE_DONE) return d.fail("appending to the log");
  return true;
}

void remove_study_files(const std::string& path) {
  std::error_code ec;
  for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
    std::filesystem::remove(path + suffix, ec);
  }
}

bool has_control_character(std::string_view s) {
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7F) return true;
  }
  return false;
}

}  // namespace

bool valid_subject(std::string_view subject) {
  if (subject.empty() || subject.size() > 64) return false;
  for (char c : subject) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

bool valid_user(std::string_view by) {
  return !by.empty() && by.size() <= 128 && !has_control_character(by);
}

// ---- Impl ---------------------------------------------------------------------------------

struct Study::Impl {
  Db d;
  bool read_only = false;
  StudyRow row;
  Design design;
};

namespace {

// The whole check (see Study::verify). Runs on `d` as it is (inside the caller's
// transaction when there is one).
Result<StudyCheck> verify_db(Db& d, const Seed* seed) {
  StudyCheck c;
  auto bad_seq = [&c](std::int64_t seq, const std::string& why) {
    if (!c.why.empty()) return;
    c.first_bad_seq = seq;
    c.why = "log entry " + std::to_string(seq) + " " + why;
  };
  auto bad_index = [&c](std::int64_t index, const std::string& why) {
    if (!c.why.empty()) return;
    c.first_bad_list_index = index;
    c.why = "list entry " + std::to_string(index) + " " + why;
  };

  auto guards = d.scalar(kGuardQuery, "reading the schema");
  if (!guards) return guards.error();
  c.guards_present = *guards == kGuards;

  auto study = read_study_row(d);
  if (!study) return study.error();
  auto log = read_log(d);
  if (!log) return log.error();
  auto list = read_list(d);
  if (!list) return list.error();
  c.log_entries = static_cast<std::int64_t>(log->size());
  c.list_entries = static_cast<std::int64_t>(list->size());

  // 1. The log's hash chain.
  std::string prev(kGenesisHash);
  std::int64_t expected = 1;
  for (const LogEntry& e : *log) {
    const std::string n = std::to_string(expected);
    if (e.seq > expected) {
      bad_seq(expected, "is missing (sequence gap): an entry was deleted");
      break;
    }
    if (e.seq < expected) {
      bad_seq(e.seq, "has a sequence number out of range");
      break;
    }
    if (e.prev_hash != prev) {
      bad_seq(e.seq,
              "does not link to the entry before it: an entry was inserted, deleted or reordered");
      break;
    }
    if (log_hash(prev, e.seq, fields_of(e)) != e.hash) {
      bad_seq(e.seq, "does not match its hash: a field was changed");
      break;
    }
    prev = e.hash;
    ++expected;
  }
  if (log->empty()) bad_seq(1, "(init) is missing");

  // 2. Entry 1 commits to the design, the key check and the sealed list.
  std::optional<Committed> committed;
  if (!log->empty() && (*log)[0].seq == 1) {
    const LogEntry& init = (*log)[0];
    if (init.kind != "init") {
      bad_seq(1, "is not the init entry");
    } else {
      committed = parse_detail(init.detail);
      if (!committed) bad_seq(1, "does not hold the list commitment");
    }
  }
  if (!study->has_value()) {
    bad_seq(1, "has no study record to go with it (the study record was deleted)");
  } else if (committed) {
    const StudyRow& s = **study;
    if (to_hex(sha256(s.design)) != committed->design_sha256 ||
        s.design_sha256 != committed->design_sha256 || s.key_check != committed->key_check ||
        s.list_commitment != committed->list_commitment ||
        s.list_entries != committed->list_entries) {
      bad_seq(1, "does not match the study record: the design or a commitment was changed");
    }
  }

  // 3. The sealed list: every link, then the end against the commitment of entry 1.
  const std::string genesis = committed            ? committed->design_sha256
                              : study->has_value() ? (*study)->design_sha256
                                                   : std::string(kGenesisHash);
  std::string link = genesis;
  std::int64_t index = 1;
  for (const ListRow& r : *list) {
    if (r.e.index != index) {
      bad_index(index, "is missing: a sealed entry was deleted");
      break;
    }
    if (list_link(link, r.e.index, r.e.stratum, r.e.position, r.e.nonce_hex, r.e.sealed_hex,
                  r.e.commitment) != r.e.link) {
      bad_index(r.e.index, "does not match its link: a sealed entry was changed");
      break;
    }
    link = r.e.link;
    ++index;
  }
  if (committed &&
      (link != committed->list_commitment || c.list_entries != committed->list_entries)) {
    if (c.why.empty()) {
      c.first_bad_list_index = std::max<std::int64_t>(c.list_entries, 1);
      c.why =
          "the allocation list does not end at the list commitment of log entry 1: sealed"
          " entries were added, removed or re-linked";
    }
  }

  // 4. Every revealed allocation against its commitment, in order, once per subject.
  std::map<std::pair<std::string, std::int64_t>, const ListRow*> slots;
  for (const ListRow& r : *list) slots[{r.e.stratum, r.e.position}] = &r;
  std::map<std::string, std::int64_t> next_position;
  std::set<std::string> subjects;
  std::map<std::int64_t, const LogEntry*> by_seq;
  const std::string design_sha = committed ? committed->design_sha256 : genesis;
  for (std::size_t i = 1; i < log->size() && c.why.empty(); ++i) {
    const LogEntry& e = (*log)[i];
    by_seq[e.seq] = &e;
    if (e.kind != "allocation") {
      bad_seq(e.seq, "is not an allocation");
      break;
    }
    auto slot = slots.find({e.stratum, e.position});
    if (slot == slots.end()) {
      bad_seq(e.seq, "reveals a list entry that does not exist");
      break;
    }
    auto [np, inserted] = next_position.try_emplace(e.stratum, 1);
    if (e.position != np->second) {
      bad_seq(e.seq, "reveals its stratum's list out of order");
      break;
    }
    ++np->second;
    if (!subjects.insert(e.subject).second) {
      bad_seq(e.seq, "randomises a subject a second time");
      break;
    }
    if (commitment_hex(design_sha, e.stratum, e.position, e.arm, e.opening) !=
        slot->second->e.commitment) {
      bad_seq(e.seq, "does not match the sealed commitment of its list entry: the arm was changed");
      break;
    }
    if (slot->second->revealed_seq != e.seq) {
      bad_seq(e.seq, "revealed a list entry that is not marked as revealed by it");
      break;
    }
  }
  for (const ListRow& r : *list) {
    if (!r.revealed_seq) continue;
    ++c.revealed;
    if (!c.why.empty()) continue;
    auto it = by_seq.find(*r.revealed_seq);
    if (it == by_seq.end() || it->second->stratum != r.e.stratum ||
        it->second->position != r.e.position) {
      bad_index(r.e.index, "is marked revealed but no log entry revealed it");
    }
  }

  // 5. With the seed: the list is the one the documented generator makes.
  if (seed && c.why.empty() && committed) {
    const Keys keys = derive_keys(*seed, committed->design_sha256);
    if (keys.key_check_hex != committed->key_check) {
      return Error{"seed-file", "this seed does not belong to the study"};
    }
    auto design = parse_design_json((*study)->design);
    if (!design) return Error{d.path, "the stored design cannot be read"};
    const auto generated = generate_list(keys, *design);
    std::string l = committed->design_sha256;
    for (std::size_t i = 0; i < generated.size() && c.why.empty(); ++i) {
      const SealedEntry e = seal_entry(keys, committed->design_sha256, generated[i],
                                       static_cast<std::int64_t>(i) + 1, l);
      l = e.link;
      if (i >= list->size()) {
        bad_index(static_cast<std::int64_t>(i) + 1, "is missing from the list");
        break;
      }
      const SealedEntry& s = (*list)[i].e;
      if (s.stratum != e.stratum || s.position != e.position || s.nonce_hex != e.nonce_hex ||
          s.sealed_hex != e.sealed_hex || s.commitment != e.commitment || s.link != e.link) {
        bad_index(s.index, "differs from the list the seed generates");
      }
    }
    if (c.why.empty() && generated.size() != list->size()) {
      bad_index(static_cast<std::int64_t>(generated.size()) + 1,
                "is not in the list the seed generates");
    }
    c.seed_checked = true;
  }

  if (c.why.empty() && !c.guards_present) {
    c.why = "the append-only and sealing triggers of the study file are missing or altered";
  }
  if (c.intact()) {
    c.head = prev;
    c.list_commitment = link;
  }
  return c;
}

}  // namespace

Result<bool> is_study_file(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) return Error{path, "no such file"};
  Db d;
  d.path = path;
  if (sqlite3_open_v2(path.c_str(), &d.db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    return d.fail("cannot open the file");
  }
  sqlite3_busy_timeout(d.db, kBusyTimeoutMs);
  auto n = d.scalar(
      "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN ('rand_study',"
      " 'rand_list', 'rand_log')",
      "reading the schema");
  if (!n) return n.error();
  return *n == 3;
}

Result<InitSummary> Study::create(const std::string& path, const Design& design, const Seed& seed,
                                  Instant now, std::string_view by) {
  if (path.empty()) return Error{"study", "no study file given"};
  if (auto ok = check_design(design); !ok) return ok.error();
  if (!valid_user(by)) return Error{"by", "1 to 128 bytes without control characters"};
  {
    const int fd = ::open(path.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0600);
    if (fd < 0) return Error{path, "cannot create the study file (does it exist already?)"};
    ::close(fd);
  }
  auto result = [&]() -> Result<InitSummary> {
    Db d;
    if (auto ok = open_db(d, path, false); !ok) return ok.error();
    Transaction tx(d);
    if (auto ok = tx.begin(); !ok) return ok.error();
    if (auto ok = d.exec(kSchema, "creating the schema"); !ok) return ok.error();
    const std::string pragmas = "PRAGMA application_id = " + std::to_string(kApplicationId) +
                                "; PRAGMA user_version = " + std::to_string(kSchemaVersion);
    if (auto ok = d.exec(pragmas.c_str(), "marking the file"); !ok) return ok.error();

    InitSummary s;
    s.design_sha256 = design_sha256_hex(design);
    s.strata = static_cast<std::int64_t>(strata(design).size());
    const Keys keys = derive_keys(seed, s.design_sha256);
    const auto list = generate_list(keys, design);
    s.list_entries = static_cast<std::int64_t>(list.size());
    Stmt ins(d.db,
             "INSERT INTO rand_list (list_index, stratum, position, nonce, sealed, commitment,"
             " link) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
    if (!ins.ok()) return d.fail("preparing the list insert");
    std::string link = s.design_sha256;
    for (std::size_t i = 0; i < list.size(); ++i) {
      const SealedEntry e =
          seal_entry(keys, s.design_sha256, list[i], static_cast<std::int64_t>(i) + 1, link);
      link = e.link;
      ins.bind(1, e.index);
      ins.bind(2, e.stratum);
      ins.bind(3, e.position);
      ins.bind(4, e.nonce_hex);
      ins.bind(5, e.sealed_hex);
      ins.bind(6, e.commitment);
      ins.bind(7, e.link);
      if (ins.step() != SQLITE_DONE) return d.fail("writing the allocation list");
      ins.reset();
    }
    s.list_commitment = link;

    const std::string at = format_instant(now);
    Stmt study(d.db,
               "INSERT INTO rand_study (id, format, design, design_sha256, key_check,"
               " list_commitment, list_entries, created_at) VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6,"
               " ?7)");
    if (!study.ok()) return d.fail("preparing the study record");
    study.bind(1, kFormat);
    study.bind(2, design_json(design));
    study.bind(3, s.design_sha256);
    study.bind(4, keys.key_check_hex);
    study.bind(5, s.list_commitment);
    study.bind(6, s.list_entries);
    study.bind(7, at);
    if (study.step() != SQLITE_DONE) return d.fail("writing the study record");

    LogEntry e;
    e.seq = 1;
    e.time = at;
    e.kind = "init";
    e.by = std::string(by);
    e.detail = init_detail(s, keys.key_check_hex);
    e.prev_hash = std::string(kGenesisHash);
    e.hash = log_hash(e.prev_hash, 1, fields_of(e));
    if (auto ok = insert_log(d, e); !ok) return ok.error();
    if (auto ok = tx.commit(); !ok) return ok.error();
    s.head = e.hash;
    return s;
  }();
  if (!result) remove_study_files(path);
  return result;
}

Study::Study(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Study::~Study() = default;

Result<std::unique_ptr<Study>> Study::open(const std::string& path, bool read_only) {
  auto is = is_study_file(path);
  if (!is) return is.error();
  if (!*is) return Error{path, "not a khe randomisation study file"};
  auto impl = std::make_unique<Impl>();
  impl->read_only = read_only;
  if (auto ok = open_db(impl->d, path, read_only); !ok) return ok.error();
  auto version = impl->d.scalar("PRAGMA user_version", "reading the schema version");
  if (!version) return version.error();
  if (*version > kSchemaVersion) {
    return Error{path, "the study file was made by a newer version of khe"};
  }
  auto row = read_study_row(impl->d);
  if (!row) return row.error();
  if (!row->has_value()) return Error{path, "the study record is missing"};
  impl->row = **row;
  auto design = parse_design_json(impl->row.design);
  if (!design) return Error{path, "the stored design cannot be read"};
  impl->design = *design;
  return std::unique_ptr<Study>(new Study(std::move(impl)));
}

const Design& Study::design() const { return impl_->design; }

Result<bool> Study::check_seed(const Seed& seed) const {
  const Keys keys = derive_keys(seed, impl_->row.design_sha256);
  if (!equal_ct(keys.key_check_hex, impl_->row.key_check)) {
    return Error{"seed-file", "this seed does not belong to the study"};
  }
  return true;
}

Result<std::vector<LogEntry>> Study::log() { return read_log(impl_->d); }

Result<StudyCheck> Study::verify(const Seed* seed) {
  // One read transaction: a consistent snapshot even while `next` appends (WAL).
  if (auto ok = impl_->d.exec("BEGIN", "starting a read transaction"); !ok) return ok.error();
  auto check = verify_db(impl_->d, seed);
  sqlite3_exec(impl_->d.db, "COMMIT", nullptr, nullptr, nullptr);
  return check;
}

Result<NextOutcome> Study::next(const Seed& seed, std::string_view subject,
                                std::string_view stratum_spec, std::string_view by, Instant now) {
  if (impl_->read_only) return Error{impl_->d.path, "the study file was opened read-only"};
  if (!valid_subject(subject)) {
    return Error{"subject", "a trial subject number: [A-Za-z0-9._-]{1,64}"};
  }
  if (!valid_user(by)) return Error{"by", "1 to 128 bytes without control characters"};
  auto stratum = canonical_stratum(impl_->design, stratum_spec);
  if (!stratum) return stratum.error();
  if (auto ok = check_seed(seed); !ok) return ok.error();
  const Keys keys = derive_keys(seed, impl_->row.design_sha256);
  const std::string& design_sha = impl_->row.design_sha256;
  Db& d = impl_->d;

  Transaction tx(d);
  if (auto ok = tx.begin(); !ok) return ok.error();
  auto check = verify_db(d, nullptr);
  if (!check) return check.error();
  NextOutcome out;
  if (!check->intact()) {
    out.status = NextOutcome::Status::broken;
    out.check = *check;
    return out;
  }

  {
    const std::string sql =
        std::string(kLogColumns) + " WHERE kind = 'allocation' AND subject = ?1";
    Stmt st(d.db, sql.c_str());
    if (!st.ok()) return d.fail("reading the log");
    st.bind(1, subject);
    const int rc = st.step();
    if (rc == SQLITE_ROW) {
      out.status = NextOutcome::Status::already_randomised;
      out.entry = log_row(st);
      return out;
    }
    if (rc != SQLITE_DONE) return d.fail("reading the log");
  }

  ListRow row;
  {
    Stmt st(d.db,
            "SELECT list_index, position, nonce, sealed, commitment FROM rand_list"
            " WHERE stratum = ?1 AND revealed_seq IS NULL ORDER BY position LIMIT 1");
    if (!st.ok()) return d.fail("reading the allocation list");
    st.bind(1, *stratum);
    const int rc = st.step();
    if (rc == SQLITE_DONE) {
      out.status = NextOutcome::Status::list_exhausted;
      return out;
    }
    if (rc != SQLITE_ROW) return d.fail("reading the allocation list");
    row.e.index = st.int64(0);
    row.e.stratum = *stratum;
    row.e.position = st.int64(1);
    row.e.nonce_hex = st.text(2);
    row.e.sealed_hex = st.text(3);
    row.e.commitment = st.text(4);
  }
  auto broken = [&](const std::string& why) {
    out.status = NextOutcome::Status::broken;
    out.check = *check;
    out.check.first_bad_list_index = row.e.index;
    out.check.why = "list entry " + std::to_string(row.e.index) + " " + why;
    return out;
  };
  const auto opened = open_entry(keys, design_sha, row.e.stratum, row.e.position, row.e.nonce_hex,
                                 row.e.sealed_hex);
  if (!opened) return broken("cannot be opened with the study's key: its sealed bytes changed");
  if (opened->opening != opening_hex(keys, row.e.stratum, row.e.position) ||
      commitment_hex(design_sha, row.e.stratum, row.e.position, opened->arm, opened->opening) !=
          row.e.commitment) {
    return broken("does not match its commitment");
  }
  const auto generated = generate_stratum(keys, impl_->design, row.e.stratum);
  if (row.e.position < 1 || row.e.position > static_cast<std::int64_t>(generated.size()) ||
      generated[static_cast<std::size_t>(row.e.position - 1)].arm != opened->arm) {
    return broken("differs from the list the seed generates");
  }

  LogEntry e;
  e.seq = check->log_entries + 1;
  e.time = format_instant(now);
  e.kind = "allocation";
  e.by = std::string(by);
  e.subject = std::string(subject);
  e.stratum = row.e.stratum;
  e.position = row.e.position;
  e.arm = opened->arm;
  e.opening = opened->opening;
  e.prev_hash = check->head;
  e.hash = log_hash(e.prev_hash, e.seq, fields_of(e));
  if (auto ok = insert_log(d, e); !ok) return ok.error();
  {
    Stmt st(d.db, "UPDATE rand_list SET revealed_seq = ?1 WHERE list_index = ?2");
    if (!st.ok()) return d.fail("marking the list entry revealed");
    st.bind(1, e.seq);
    st.bind(2, row.e.index);
    if (st.step() != SQLITE_DONE || sqlite3_changes(d.db) != 1) {
      return d.fail("marking the list entry revealed");
    }
  }
  if (auto ok = tx.commit(); !ok) return ok.error();
  out.status = NextOutcome::Status::allocated;
  out.entry = std::move(e);
  return out;
}

}  // namespace khe::randomize

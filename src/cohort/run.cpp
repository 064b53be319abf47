// run(): a cohort read at scale and every patient evaluated (run.h). Two passes:
//
// Pass 1 (index): the inputs are read in order in large blocks (pread, never mmap: mapped
// pages count in RSS) by the calling thread, which hashes them (SHA-256) and hands each
// block of whole lines to the workers. A worker finds each line's resourceType and patient
// key with simdjson On Demand (no allocation per line) and appends a 32-byte index entry
// (key hash, file, offset, length, flags) to one of B temporary bucket files chosen by the
// key hash. Bundles (in a document, or on one NDJSON line) and the resources of a khe store
// are written, one per line, to a spool file in the same temporary folder and indexed the
// same way.
//
// Pass 2 (evaluate): the workers take buckets one at a time, sort its entries by key, read
// each patient's lines back (pread), read them as one record (fhir::read), evaluate it
// (engine::evaluate) and keep only the PatientOutcome. Memory is bounded by the buffers of
// pass 1 (about threads + 2 blocks), a bucket's entries per worker, one patient's record per
// worker, and the outcomes.
#include "cohort/run.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <simdjson.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <filesystem>
#include <memory>
#include <mutex>
#include <thread>
#include <tuple>
#include <unordered_map>

#include "cohort/outcome.h"
#include "engine/evaluate.h"
#include "fhir/reader.h"
#include "store/store.h"

namespace khe::cohort {
namespace {

namespace fs = std::filesystem;

// ---- index entries ----------------------------------------------------------------------

constexpr std::uint32_t kPatient = 1u << 31;  // a Patient resource
constexpr std::uint32_t kSubject = 1u << 30;  // a ResearchSubject
constexpr std::uint32_t kEntry = 1u << 29;    // a Bundle entry {"fullUrl", "resource"}
constexpr std::uint32_t kLengthMask = kEntry - 1;
constexpr std::size_t kMaxLine = kLengthMask;  // 512 MiB: a longer line is a problem

struct Entry {
  std::uint64_t h1 = 0;  // two independent 64-bit hashes of the patient key: a collision of
  std::uint64_t h2 = 0;  // both among a million keys is beyond any practical chance
  std::uint64_t offset = 0;
  std::uint32_t file = 0;
  std::uint32_t length_flags = 0;
  std::uint32_t length() const { return length_flags & kLengthMask; }
};
static_assert(sizeof(Entry) == 32);

std::uint64_t mix(std::uint64_t x) {  // murmur3's finaliser
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ULL;
  x ^= x >> 33;
  return x;
}

std::uint64_t hash_key(std::string_view s, std::uint64_t seed) {
  std::uint64_t h = seed ^ (s.size() * 0x9e3779b97f4a7c15ULL);
  std::size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    std::uint64_t w;
    std::memcpy(&w, s.data() + i, 8);
    h = (h ^ mix(w + seed)) * 0x100000001b3ULL;
  }
  std::uint64_t tail = 0;
  std::memcpy(&tail, s.data() + i, s.size() - i);
  h = (h ^ mix(tail + seed + s.size())) * 0x100000001b3ULL;
  return mix(h);
}

// The patient id a reference names: "Patient/<id>", an absolute ".../Patient/<id>", with
// any "/_history/<v>" removed; "" when it names no Patient.
std::string_view patient_of(std::string_view ref) {
  if (auto h = ref.find("/_history/"); h != std::string_view::npos) ref = ref.substr(0, h);
  if (ref.starts_with("Patient/")) return ref.substr(8);
  if (auto p = ref.rfind("/Patient/"); p != std::string_view::npos && ref.find("://") != ref.npos)
    return ref.substr(p + 9);
  return {};
}

// ---- files ------------------------------------------------------------------------------

struct Fd {
  int fd = -1;
  Fd() = default;
  explicit Fd(int f) : fd(f) {}
  Fd(Fd&& o) noexcept : fd(std::exchange(o.fd, -1)) {}
  Fd& operator=(Fd&& o) noexcept {
    if (this != &o) {
      if (fd >= 0) ::close(fd);
      fd = std::exchange(o.fd, -1);
    }
    return *this;
  }
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

bool pread_all(int fd, char* dst, std::size_t n, std::uint64_t offset) {
  while (n > 0) {
    ssize_t r = ::pread(fd, dst, n, static_cast<off_t>(offset));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
    dst += r;
    n -= static_cast<std::size_t>(r);
    offset += static_cast<std::uint64_t>(r);
  }
  return true;
}

bool pwrite_all(int fd, const char* src, std::size_t n, std::uint64_t offset) {
  while (n > 0) {
    ssize_t r = ::pwrite(fd, src, n, static_cast<off_t>(offset));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
    src += r;
    n -= static_cast<std::size_t>(r);
    offset += static_cast<std::uint64_t>(r);
  }
  return true;
}

// The temporary folder of one run, removed with everything in it at the end.
struct TempDir {
  std::string path;
  ~TempDir() {
    if (path.empty()) return;
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

Result<std::string> make_temp_dir(const std::string& wanted) {
  std::string base = wanted;
  if (base.empty()) {
    const char* env = std::getenv("TMPDIR");
    base = env && *env ? env : "/tmp";
  }
  std::string tmpl = base + "/khe-cohort-XXXXXX";
  std::vector<char> buf(tmpl.begin(), tmpl.end());
  buf.push_back('\0');
  if (!::mkdtemp(buf.data())) return Error{base, "cannot create a temporary folder"};
  return std::string(buf.data());
}

struct InputFile {
  std::string path;
  std::uint64_t size = 0;
};

bool indexable_extension(const fs::path& p) {
  std::string ext = p.extension().string();
  for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return ext == ".ndjson" || ext == ".jsonl" || ext == ".json";
}

Result<std::vector<InputFile>> expand(const std::vector<std::string>& inputs) {
  std::vector<InputFile> out;
  for (const auto& in : inputs) {
    std::error_code ec;
    auto st = fs::status(in, ec);
    if (ec || !fs::exists(st)) return Error{in, "no such file or folder"};
    if (fs::is_directory(st)) {
      std::vector<std::string> found;
      for (auto it = fs::recursive_directory_iterator(in, ec);
           !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
        if (it->is_regular_file(ec) && indexable_extension(it->path()))
          found.push_back(it->path().string());
      }
      if (ec) return Error{in, "cannot list the folder"};
      std::sort(found.begin(), found.end());
      for (auto& f : found) out.push_back({std::move(f), 0});
    } else {
      out.push_back({in, 0});
    }
  }
  for (auto& f : out) {
    std::error_code ec;
    f.size = fs::file_size(f.path, ec);
    if (ec) return Error{f.path, "cannot read the file"};
  }
  return out;
}

// The newlines in p[0, n): memchr runs on the CPU's widest vectors, where a counting loop
// over bytes is not vectorised at -O2 (it was a tenth of a run's time).
std::uint64_t count_newlines(const char* p, std::size_t n) {
  std::uint64_t count = 0;
  const char* const end = p + n;
  while (p < end) {
    const void* nl = std::memchr(p, '\n', static_cast<std::size_t>(end - p));
    if (!nl) break;
    ++count;
    p = static_cast<const char*>(nl) + 1;
  }
  return count;
}

// ---- progress ---------------------------------------------------------------------------

class Throttle {
 public:
  explicit Throttle(const ProgressCallback& cb) : cb_(cb) {}
  void report(const char* phase, std::uint64_t done, std::uint64_t total, bool bytes,
              bool force = false) {
    if (!cb_) return;
    std::lock_guard<std::mutex> lock(m_);
    const auto now = std::chrono::steady_clock::now();  // rate only; never in the output
    if (!force && now - last_ < std::chrono::milliseconds(100)) return;
    last_ = now;
    cb_(Progress{phase, done, total, bytes});
  }

 private:
  const ProgressCallback& cb_;
  std::mutex m_;
  std::chrono::steady_clock::time_point last_{};
};

// ---- pass 1 -----------------------------------------------------------------------------

struct Buckets {
  std::vector<Fd> fds;
  std::unique_ptr<std::atomic<std::uint64_t>[]> sizes;
  int count = 0;

  int of(std::uint64_t h1) const {
    return static_cast<int>(((h1 >> 32) * static_cast<std::uint64_t>(count)) >> 32);
  }
};

struct Problem {
  std::uint32_t file = 0;
  std::uint64_t at = 0;  // line number (NDJSON) or entry index
  InputProblem p;
};

// What pass 1 shares between threads.
struct Shared {
  Buckets buckets;
  std::vector<InputFile> files;  // the inputs; files.size() is the spool's index
  Fd spool;
  std::mutex spool_mutex;
  std::uint64_t spool_size = 0;
  std::atomic<std::uint64_t> resources{0}, orphans{0}, patients{0}, problems{0};
  std::mutex problem_mutex;
  std::vector<Problem> examples;  // the first few by (file, place): deterministic
  std::atomic<bool> failed{false};
  Error failure;
  std::mutex failure_mutex;

  void fail(Error e) {
    std::lock_guard<std::mutex> lock(failure_mutex);
    if (!failed.exchange(true)) failure = std::move(e);
  }

  void problem(std::uint32_t file, std::uint64_t at, const std::string& place,
               std::string message) {
    problems.fetch_add(1, std::memory_order_relaxed);
    constexpr std::size_t kKeep = 10;
    std::lock_guard<std::mutex> lock(problem_mutex);
    Problem p{
        file, at, {file < files.size() ? files[file].path + place : place, std::move(message)}};
    auto pos = std::upper_bound(examples.begin(), examples.end(), p,
                                [](const Problem& a, const Problem& b) {
                                  return std::tie(a.file, a.at) < std::tie(b.file, b.at);
                                });
    if (examples.size() < kKeep || pos != examples.end()) {
      examples.insert(pos, std::move(p));
      if (examples.size() > kKeep) examples.pop_back();
    }
  }
};

// One thread's buffers of index entries, flushed to the bucket files in chunks.
class BucketWriter {
 public:
  explicit BucketWriter(Shared& s) : s_(s), bufs_(static_cast<std::size_t>(s.buckets.count)) {}
  ~BucketWriter() { flush_all(); }

  void add(std::string_view key, std::uint32_t file, std::uint64_t offset, std::uint32_t len,
           std::uint32_t flags) {
    Entry e{hash_key(key, 0x6b68652d636f686fULL), hash_key(key, 0x72742d6b65793221ULL), offset,
            file, len | flags};
    auto& b = bufs_[static_cast<std::size_t>(s_.buckets.of(e.h1))];
    if (b.capacity() == 0) b.reserve(kChunk);
    b.push_back(e);
    if (b.size() >= kChunk) flush(b, s_.buckets.of(e.h1));
  }

  void flush_all() {
    for (std::size_t i = 0; i < bufs_.size(); ++i)
      if (!bufs_[i].empty()) flush(bufs_[i], static_cast<int>(i));
  }

 private:
  static constexpr std::size_t kChunk = 1024;  // 32 KiB per write

  void flush(std::vector<Entry>& b, int bucket) {
    const std::size_t n = b.size() * sizeof(Entry);
    const std::uint64_t at = s_.buckets.sizes[bucket].fetch_add(n);
    if (!pwrite_all(s_.buckets.fds[static_cast<std::size_t>(bucket)].fd,
                    reinterpret_cast<const char*>(b.data()), n, at))
      s_.fail(Error{"cohort", "cannot write a temporary index file (disk full?)"});
    b.clear();
  }

  Shared& s_;
  std::vector<std::vector<Entry>> bufs_;
};

// Reads the patient key of a parsed resource (DOM): Patient -> id (or its fullUrl), else the
// subject/patient/individual reference, resolved through `urns` (a Bundle's fullUrls).
struct DomKey {
  std::string_view type;
  std::string key;
  bool known = false;  // a patient key was found
};

std::string_view dom_str(simdjson::dom::element e, const char* key) {
  std::string_view v;
  if (e.at_key(key).get(v) != simdjson::SUCCESS) return {};
  return v;
}

DomKey dom_key(simdjson::dom::element r, std::string_view full_url,
               const std::unordered_map<std::string, std::string>* urns) {
  DomKey k;
  k.type = dom_str(r, "resourceType");
  if (k.type == "Patient") {
    std::string_view id = dom_str(r, "id");
    k.key = id.empty() ? std::string(full_url) : std::string(id);
    k.known = !k.key.empty();
    return k;
  }
  for (const char* field : {"subject", "patient", "individual"}) {
    simdjson::dom::element ref;
    if (r.at_key(field).get(ref) != simdjson::SUCCESS) continue;
    std::string_view text = dom_str(ref, "reference");
    if (urns) {
      if (auto it = urns->find(std::string(text)); it != urns->end()) {
        k.key = it->second;
        k.known = true;
        return k;
      }
    }
    std::string_view id = patient_of(text);
    k.key = std::string(id);
    k.known = !id.empty();
    return k;
  }
  return k;
}

// `v` as a JSON string literal.
void append_json_string(std::string& out, std::string_view v) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  for (char ch : v) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += ch;
    } else if (c < 0x20) {
      out += "\\u00";
      out += kHex[c >> 4];
      out += kHex[c & 15];
    } else {
      out += ch;
    }
  }
  out += '"';
}

// One worker's state in pass 1.
class Indexer {
 public:
  explicit Indexer(Shared& s) : s_(s), writer_(s) {}

  // Lines of `text` (whole lines; the buffer has SIMDJSON_PADDING readable bytes after
  // `size`), `text` starting at `offset` of `file`, its first line being `line_no`.
  void index_block(const char* text, std::size_t size, std::uint32_t file, std::uint64_t offset,
                   std::uint64_t line_no) {
    std::size_t pos = 0;
    while (pos < size) {
      const char* nl = static_cast<const char*>(std::memchr(text + pos, '\n', size - pos));
      const std::size_t end = nl ? static_cast<std::size_t>(nl - text) : size;
      index_line(text + pos, end - pos, file, offset + pos, line_no);
      ++line_no;
      pos = end + 1;
    }
  }

  // A document (Bundle, or one resource) read whole: its resources go to the spool.
  void index_document(const char* text, std::size_t size, std::uint32_t file) {
    simdjson::dom::element root;
    if (dom_.parse(text, size, true).get(root) != simdjson::SUCCESS || !root.is_object()) {
      s_.problem(file, 0, "", "not JSON");
      return;
    }
    std::string_view type = dom_str(root, "resourceType");
    if (type.empty()) {
      s_.problem(file, 0, "", "no resourceType");
    } else if (type == "Bundle") {
      spool_bundle(root, file, 0);
    } else {
      s_.resources.fetch_add(1, std::memory_order_relaxed);
      DomKey k = dom_key(root, {}, nullptr);
      spool_resource(root, {}, k, file, 0);
    }
  }

  // A resource of a khe store, whose patient the store names.
  void index_stored(std::string_view json, const std::string& patient_id, std::uint32_t file,
                    std::uint64_t at) {
    simdjson::dom::element r;
    if (dom_.parse(json.data(), json.size(), true).get(r) != simdjson::SUCCESS || !r.is_object() ||
        dom_str(r, "resourceType").empty()) {
      s_.problem(file, at, "#" + std::to_string(at), "a stored resource that is not FHIR JSON");
      return;
    }
    s_.resources.fetch_add(1, std::memory_order_relaxed);
    DomKey k;
    k.type = dom_str(r, "resourceType");
    k.key = patient_id;
    k.known = true;
    spool_resource(r, {}, k, file, at);
  }

  void flush() { writer_.flush_all(); }

 private:
  void index_line(const char* p, std::size_t len, std::uint32_t file, std::uint64_t offset,
                  std::uint64_t line_no) {
    if (len >= 3 && std::memcmp(p, "\xEF\xBB\xBF", 3) == 0) {
      p += 3, len -= 3, offset += 3;
    }
    while (len > 0 && (*p == ' ' || *p == '\t' || *p == '\r')) ++p, --len, ++offset;
    while (len > 0 && (p[len - 1] == ' ' || p[len - 1] == '\t' || p[len - 1] == '\r')) --len;
    if (len == 0) return;
    if (len > kMaxLine) {
      s_.problem(file, line_no, ":" + std::to_string(line_no), "line longer than 512 MiB");
      return;
    }
    // The DOM parser dispatches to the CPU's best kernels at run time (On Demand would be
    // compiled for the baseline CPU here) and validates the whole line.
    simdjson::dom::element root;
    const bool bad = dom_.parse(p, len, false).get(root) != simdjson::SUCCESS || !root.is_object();
    std::string_view type, id, ref;
    if (!bad) {
      type = dom_str(root, "resourceType");
      id = dom_str(root, "id");
      for (const char* field : {"subject", "patient", "individual"}) {
        simdjson::dom::element r;
        if (root.at_key(field).get(r) != simdjson::SUCCESS) continue;
        ref = dom_str(r, "reference");
        break;
      }
    }
    if (bad) {
      s_.problem(file, line_no, ":" + std::to_string(line_no), "not JSON");
      return;
    }
    if (type.empty()) {
      s_.problem(file, line_no, ":" + std::to_string(line_no), "no resourceType");
      return;
    }
    if (type == "Bundle") {
      spool_bundle(root, file, line_no);
      return;
    }
    s_.resources.fetch_add(1, std::memory_order_relaxed);
    std::uint32_t flags = 0;
    std::string_view key;
    if (type == "Patient") {
      key = id;
      flags = kPatient;
      if (key.empty()) {
        s_.problem(file, line_no, ":" + std::to_string(line_no), "Patient without id");
        return;
      }
      s_.patients.fetch_add(1, std::memory_order_relaxed);
    } else {
      key = patient_of(ref);
      if (type == "ResearchSubject") flags = kSubject;
    }
    if (key.empty()) {
      s_.orphans.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    writer_.add(key, file, offset, static_cast<std::uint32_t>(len), flags);
  }

  void spool_bundle(simdjson::dom::element bundle, std::uint32_t file, std::uint64_t at) {
    simdjson::dom::array entries;
    if (bundle.at_key("entry").get(entries) != simdjson::SUCCESS) return;
    // The Patients' fullUrls first: entries may refer to a Patient by its urn:uuid.
    std::unordered_map<std::string, std::string> urns;
    for (simdjson::dom::element e : entries) {
      simdjson::dom::element r;
      if (e.at_key("resource").get(r) != simdjson::SUCCESS) continue;
      std::string_view url = dom_str(e, "fullUrl");
      if (url.empty() || dom_str(r, "resourceType") != "Patient") continue;
      std::string_view id = dom_str(r, "id");
      urns.emplace(std::string(url), id.empty() ? std::string(url) : std::string(id));
    }
    std::uint64_t index = 0;
    for (simdjson::dom::element e : entries) {
      ++index;
      simdjson::dom::element r;
      // An entry without a resource (a transaction's DELETE) has nothing to read.
      if (!e.is_object() || e.at_key("resource").get(r) != simdjson::SUCCESS) continue;
      if (!r.is_object() || dom_str(r, "resourceType").empty()) {
        s_.problem(file, at, " entry " + std::to_string(index), "no resourceType");
        continue;
      }
      if (dom_str(r, "resourceType") == "Bundle") {
        s_.problem(file, at, " entry " + std::to_string(index), "nested Bundle not read");
        continue;
      }
      s_.resources.fetch_add(1, std::memory_order_relaxed);
      std::string_view url = dom_str(e, "fullUrl");
      DomKey k = dom_key(r, url, &urns);
      spool_resource(r, url, k, file, at);
    }
  }

  // Writes one resource to the spool (as a Bundle entry when it has a fullUrl) and indexes
  // it under its patient key.
  void spool_resource(simdjson::dom::element r, std::string_view full_url, const DomKey& k,
                      std::uint32_t file, std::uint64_t at) {
    if (!k.known) {
      if (k.type == "Patient") {
        s_.problem(file, at, "", "Patient without id");
        return;
      }
      s_.orphans.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    line_.clear();
    std::uint32_t flags = k.type == "Patient"           ? kPatient
                          : k.type == "ResearchSubject" ? kSubject
                                                        : 0;
    if (!full_url.empty()) {
      flags |= kEntry;
      line_ += "{\"fullUrl\":";
      append_json_string(line_, full_url);
      line_ += ",\"resource\":";
      line_ += simdjson::minify(r);
      line_ += "}";
    } else {
      line_ += simdjson::minify(r);
    }
    if (k.type == "Patient") s_.patients.fetch_add(1, std::memory_order_relaxed);
    const auto spool_file = static_cast<std::uint32_t>(s_.files.size());
    std::uint64_t offset;
    {
      std::lock_guard<std::mutex> lock(s_.spool_mutex);
      offset = s_.spool_size;
      s_.spool_size += line_.size() + 1;
      line_ += '\n';
      if (!pwrite_all(s_.spool.fd, line_.data(), line_.size(), offset))
        s_.fail(Error{"cohort", "cannot write the temporary spool file (disk full?)"});
    }
    writer_.add(k.key, spool_file, offset, static_cast<std::uint32_t>(line_.size() - 1), flags);
  }

  Shared& s_;
  BucketWriter writer_;
  simdjson::dom::parser dom_;
  std::string line_;
};

// A block of whole lines for a worker.
struct Block {
  std::vector<char> data;  // size() >= used + SIMDJSON_PADDING
  std::size_t used = 0;
  std::uint32_t file = 0;
  std::uint64_t offset = 0;
  std::uint64_t line_no = 1;
};

// The blocks in flight: a fixed pool (bounded memory) and a queue to the workers.
class Pipeline {
 public:
  Pipeline(Shared& s, int workers, std::size_t block_bytes) : s_(s) {
    for (int i = 0; i < workers + 2; ++i) {
      auto b = std::make_unique<Block>();
      b->data.resize(block_bytes + simdjson::SIMDJSON_PADDING);
      free_.push_back(std::move(b));
    }
    if (workers > 1)
      for (int i = 0; i < workers; ++i) threads_.emplace_back([this] { work(); });
    else
      inline_ = std::make_unique<Indexer>(s_);
  }
  ~Pipeline() { finish(); }

  std::unique_ptr<Block> take() {
    std::unique_lock<std::mutex> lock(m_);
    free_cv_.wait(lock, [this] { return !free_.empty(); });
    auto b = std::move(free_.back());
    free_.pop_back();
    return b;
  }

  void give(std::unique_ptr<Block> b) {
    if (inline_) {
      run(*inline_, *b);
      put_back(std::move(b));
      return;
    }
    {
      std::lock_guard<std::mutex> lock(m_);
      queue_.push_back(std::move(b));
    }
    queue_cv_.notify_one();
  }

  void put_back(std::unique_ptr<Block> b) {
    {
      std::lock_guard<std::mutex> lock(m_);
      free_.push_back(std::move(b));
    }
    free_cv_.notify_one();
  }

  // The indexer of the calling thread (documents and stores are indexed there).
  Indexer& local() {
    if (!local_) local_ = std::make_unique<Indexer>(s_);
    return *local_;
  }

  void finish() {
    {
      std::lock_guard<std::mutex> lock(m_);
      done_ = true;
    }
    queue_cv_.notify_all();
    for (auto& t : threads_) t.join();
    threads_.clear();
    if (inline_) inline_->flush();
    if (local_) local_->flush();
  }

 private:
  static void run(Indexer& ix, const Block& b) {
    ix.index_block(b.data.data(), b.used, b.file, b.offset, b.line_no);
  }

  void work() {
    Indexer ix(s_);
    for (;;) {
      std::unique_ptr<Block> b;
      {
        std::unique_lock<std::mutex> lock(m_);
        queue_cv_.wait(lock, [this] { return done_ || !queue_.empty(); });
        if (queue_.empty()) break;
        b = std::move(queue_.front());
        queue_.pop_front();
      }
      run(ix, *b);
      put_back(std::move(b));
    }
    ix.flush();
  }

  Shared& s_;
  std::mutex m_;
  std::condition_variable free_cv_, queue_cv_;
  std::vector<std::unique_ptr<Block>> free_;
  std::deque<std::unique_ptr<Block>> queue_;
  std::vector<std::thread> threads_;
  std::unique_ptr<Indexer> inline_, local_;
  bool done_ = false;
};

class Sha256 {
 public:
  Sha256() : ctx_(EVP_MD_CTX_new()) { EVP_DigestInit_ex(ctx_, EVP_sha256(), nullptr); }
  ~Sha256() { EVP_MD_CTX_free(ctx_); }
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  void update(const char* p, std::size_t n) { EVP_DigestUpdate(ctx_, p, n); }
  std::string hex() {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    EVP_DigestFinal_ex(ctx_, md, &n);
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    for (unsigned int i = 0; i < n; ++i) {
      out += kHex[md[i] >> 4];
      out += kHex[md[i] & 15];
    }
    return out;
  }

 private:
  EVP_MD_CTX* ctx_;
};

bool is_sqlite(const char* p, std::size_t n) {
  return n >= 16 && std::memcmp(p, "SQLite format 3\0", 16) == 0;
}

// NDJSON when the first non-blank line is a whole JSON object on its own line.
bool looks_like_ndjson(const char* p, std::size_t n, bool eof) {
  std::size_t i = 0;
  if (n >= 3 && std::memcmp(p, "\xEF\xBB\xBF", 3) == 0) i = 3;
  while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' || p[i] == '\n')) ++i;
  if (i == n) return true;  // blank so far: nothing to read either way
  const char* nl = static_cast<const char*>(std::memchr(p + i, '\n', n - i));
  if (!nl && !eof) return true;  // a first line longer than a block: not pretty-printed
  std::size_t end = nl ? static_cast<std::size_t>(nl - p) : n;
  while (end > i && (p[end - 1] == ' ' || p[end - 1] == '\t' || p[end - 1] == '\r')) --end;
  return p[i] == '{' && end > i && p[end - 1] == '}';
}

// Reads one input in order: hashes every byte and indexes its resources.
Result<bool> read_input(std::uint32_t index, Shared& s, Pipeline& pipe, Sha256& sha,
                        std::uint64_t& done, std::uint64_t total, Throttle& throttle,
                        std::size_t block_bytes) {
  const InputFile& f = s.files[index];
  Fd fd(::open(f.path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.fd < 0) return Error{f.path, "cannot open the file"};
  auto b = pipe.take();
  b->file = index;
  b->offset = 0;
  b->line_no = 1;
  std::uint64_t pos = 0;  // file offset of the next read
  std::size_t carry = 0;  // bytes of a partial line at the start of b
  bool first = true;
  bool document = false, store = false;
  std::string whole;                  // a document or store read whole (only those)
  std::uint64_t skip_to_newline = 0;  // >0: discarding a line too long
  for (;;) {
    const std::size_t room = b->data.size() - simdjson::SIMDJSON_PADDING - carry;
    ssize_t r = 0;
    do r = ::pread(fd.fd, b->data.data() + carry, room, static_cast<off_t>(pos));
    while (r < 0 && errno == EINTR);
    if (r < 0) {
      pipe.put_back(std::move(b));
      return Error{f.path, "cannot read the file"};
    }
    const std::size_t n = static_cast<std::size_t>(r);
    const bool eof = n == 0 || pos + n >= f.size;
    sha.update(b->data.data() + carry, n);
    pos += n;
    done += n;
    throttle.report("reading", done, total, true);
    if (first) {
      first = false;
      store = is_sqlite(b->data.data(), n);
      document = !store && !looks_like_ndjson(b->data.data(), n, eof);
    }
    if (store || document) {
      whole.append(b->data.data(), n);
      if (eof) break;
      continue;
    }
    std::size_t size = carry + n;
    if (skip_to_newline) {
      const char* nl = static_cast<const char*>(std::memchr(b->data.data(), '\n', size));
      if (!nl) {
        carry = 0;
        b->offset = pos;
        if (eof) break;
        continue;
      }
      const std::size_t cut = static_cast<std::size_t>(nl - b->data.data()) + 1;
      std::memmove(b->data.data(), b->data.data() + cut, size - cut);
      b->offset += cut;
      ++b->line_no;
      size -= cut;
      skip_to_newline = 0;
    }
    // Whole lines go to a worker; the partial last line starts the next block.
    std::size_t whole_lines = size;
    if (!eof) {
      const void* last = ::memrchr(b->data.data(), '\n', size);
      whole_lines =
          last ? static_cast<std::size_t>(static_cast<const char*>(last) - b->data.data()) + 1 : 0;
    }
    if (whole_lines == 0 && !eof) {
      // One line fills the block: grow it up to the longest line allowed, then give up.
      if (b->data.size() - simdjson::SIMDJSON_PADDING >= kMaxLine) {
        s.problem(index, b->line_no, ":" + std::to_string(b->line_no), "line longer than 512 MiB");
        skip_to_newline = 1;
        carry = 0;
        b->offset = pos;
        continue;
      }
      b->data.resize(
          std::min<std::size_t>((b->data.size() - simdjson::SIMDJSON_PADDING) * 2, kMaxLine) +
          simdjson::SIMDJSON_PADDING);
      carry = size;
      continue;
    }
    auto next = eof ? nullptr : pipe.take();
    if (next) {
      if (next->data.size() < block_bytes + simdjson::SIMDJSON_PADDING)
        next->data.resize(block_bytes + simdjson::SIMDJSON_PADDING);
      carry = size - whole_lines;
      if (next->data.size() - simdjson::SIMDJSON_PADDING < carry + block_bytes / 2)
        next->data.resize(carry + block_bytes + simdjson::SIMDJSON_PADDING);
      std::memcpy(next->data.data(), b->data.data() + whole_lines, carry);
      next->file = index;
      next->offset = b->offset + whole_lines;
      next->line_no = b->line_no + count_newlines(b->data.data(), whole_lines);
    }
    b->used = whole_lines;
    // The padding after the used bytes is readable (SIMDJSON_PADDING); zero it so a parser
    // never reads a stale byte as part of a line.
    std::memset(b->data.data() + whole_lines, 0,
                std::min(b->data.size() - whole_lines, simdjson::SIMDJSON_PADDING));
    pipe.give(std::move(b));
    if (!next) break;
    b = std::move(next);
  }
  if (b) pipe.put_back(std::move(b));
  if (document) {
    whole.reserve(whole.size() + simdjson::SIMDJSON_PADDING);
    pipe.local().index_document(whole.data(), whole.size(), index);
  } else if (store) {
    whole.clear();
    whole.shrink_to_fit();
    store::OpenOptions o;
    o.create_if_missing = false;
    o.read_only = true;
    auto st = store::Store::open(f.path, o);
    if (!st) return st.error();
    auto patients = (*st)->list_patients();
    if (!patients) return patients.error();
    std::uint64_t at = 0;
    for (const auto& p : *patients) {
      pipe.local().index_stored(p.json, p.id, index, at++);
      auto resources = (*st)->patient_resources(p.id);
      if (!resources) return resources.error();
      for (const auto& json : *resources) pipe.local().index_stored(json, p.id, index, at++);
    }
  }
  return true;
}

// ---- pass 2 -----------------------------------------------------------------------------

struct Pass2 {
  Pass2(const RunOptions& o, const knowledge::Knowledge& k, const knowledge::Profile& p, Shared& sh,
        Throttle& t)
      : options(o), knowledge(k), profile(p), s(sh), throttle(t) {}
  const RunOptions& options;
  const knowledge::Knowledge& knowledge;
  const knowledge::Profile& profile;
  Shared& s;
  Throttle& throttle;
  std::vector<Fd> fds;  // inputs opened for reading back (NDJSON files), and the spool
  std::mutex fd_mutex;
  std::atomic<int> next_bucket{0};
  std::atomic<std::uint64_t> done{0}, orphans{0};
  std::atomic<int> unreadable{0}, patients{0};

  int fd_of(std::uint32_t file) {
    std::lock_guard<std::mutex> lock(fd_mutex);
    Fd& f = fds[file];
    if (f.fd < 0) f = Fd(::open(s.files[file].path.c_str(), O_RDONLY | O_CLOEXEC));
    return f.fd;
  }
};

std::string_view resource_of(simdjson::dom::element e, std::uint32_t flags,
                             simdjson::dom::element* out) {
  if (flags & kEntry) {
    if (e.at_key("resource").get(*out) != simdjson::SUCCESS) return {};
  } else {
    *out = e;
  }
  return dom_str(*out, "resourceType");
}

// Two lines of a patient in one file at most kSpanGap bytes apart are read together, up to
// kSpanMax bytes a read.
constexpr std::uint64_t kSpanGap = 512;
constexpr std::uint64_t kSpanMax = 1u << 20;

void evaluate_bucket(Pass2& p2, int bucket, std::vector<PatientOutcome>& out,
                     simdjson::dom::parser& dom, std::string& text, std::string& line,
                     std::string& span) {
  Shared& s = p2.s;
  const std::uint64_t bytes = s.buckets.sizes[bucket].load();
  std::vector<Entry> entries(bytes / sizeof(Entry));
  if (!entries.empty() &&
      !pread_all(s.buckets.fds[static_cast<std::size_t>(bucket)].fd,
                 reinterpret_cast<char*>(entries.data()), entries.size() * sizeof(Entry), 0)) {
    s.fail(Error{"cohort", "cannot read a temporary index file"});
    return;
  }
  std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
    return std::tie(a.h1, a.h2, a.file, a.offset) < std::tie(b.h1, b.h2, b.file, b.offset);
  });
  const auto spool = static_cast<std::uint32_t>(s.files.size());
  for (std::size_t i = 0; i < entries.size();) {
    std::size_t j = i;
    bool has_patient = false, bundle = false;
    while (j < entries.size() && entries[j].h1 == entries[i].h1 && entries[j].h2 == entries[i].h2) {
      has_patient = has_patient || (entries[j].length_flags & kPatient);
      bundle = bundle || (entries[j].length_flags & kEntry);
      ++j;
    }
    if (!has_patient) {
      p2.orphans.fetch_add(j - i, std::memory_order_relaxed);
      i = j;
      continue;
    }
    text.clear();
    if (bundle) text += "{\"resourceType\":\"Bundle\",\"type\":\"collection\",\"entry\":[";
    std::string patient_id, full_url;
    GroupInput group;
    group.by = p2.options.by;
    group.config = &p2.knowledge.cohort;
    bool io_error = false;
    // Lines of one file close together (an export grouped by patient) are read with one
    // pread: `span` holds bytes [span_at, span_at + span.size()) of input `span_file`.
    std::uint32_t span_file = UINT32_MAX;
    std::uint64_t span_at = 0;
    for (std::size_t k = i; k < j; ++k) {
      const Entry& e = entries[k];
      const int fd = e.file == spool ? s.spool.fd : p2.fd_of(e.file);
      if (fd < 0) {
        io_error = true;
        break;
      }
      if (span_file != e.file || e.offset < span_at ||
          e.offset + e.length() > span_at + span.size()) {
        std::uint64_t end = e.offset + e.length();
        for (std::size_t n = k + 1;
             n < j && entries[n].file == e.file && entries[n].offset >= end &&
             entries[n].offset - end <= kSpanGap &&
             entries[n].offset + entries[n].length() - e.offset <= kSpanMax;
             ++n)
          end = entries[n].offset + entries[n].length();
        span.resize(end - e.offset);
        span_file = e.file;
        span_at = e.offset;
        if (!pread_all(fd, span.data(), span.size(), e.offset)) {
          io_error = true;
          break;
        }
      }
      line.assign(span.data() + (e.offset - span_at), e.length());
      if (e.length_flags & (kPatient | kSubject)) {
        simdjson::dom::element root, r;
        if (dom.parse(line.data(), line.size(), true).get(root) == simdjson::SUCCESS) {
          resource_of(root, e.length_flags, &r);
          if (e.length_flags & kPatient) {
            std::string_view id = dom_str(r, "id");
            if (patient_id.empty()) {
              patient_id = id;
              if (e.length_flags & kEntry) full_url = dom_str(root, "fullUrl");
            }
          } else {
            group.subjects.push_back({std::string(dom_str(r, "status")),
                                      std::string(dom_str(r, "actualArm")),
                                      std::string(dom_str(r, "assignedArm"))});
          }
        }
      }
      if (bundle) {
        if (k > i) text += ',';
        if (e.length_flags & kEntry) {
          text += line;
        } else {
          text += "{\"resource\":";
          text += line;
          text += '}';
        }
      } else {
        text += line;
        text += '\n';
      }
    }
    if (bundle) text += "]}";
    i = j;
    if (io_error) {
      s.fail(Error{"cohort", "cannot read an input back (was it changed during the run?)"});
      return;
    }
    fhir::ReadOptions ro;
    ro.as_of = p2.options.as_of;
    if (!patient_id.empty()) ro.patient_id = patient_id;
    const std::string shown = patient_id.empty() ? full_url : patient_id;
    auto read = fhir::read(text, p2.knowledge.codes, ro);
    p2.patients.fetch_add(1, std::memory_order_relaxed);
    if (!read.record) {
      p2.unreadable.fetch_add(1, std::memory_order_relaxed);
      std::string reason = "record unreadable";
      if (!read.problems.empty()) reason += ": " + read.problems.front().message;
      out.push_back(unreadable_outcome(shown, reason, group));
    } else {
      engine::EvaluateOptions eo;
      eo.model_based_dosing = p2.options.model_based_dosing;
      const engine::Report report =
          engine::evaluate(*read.record, p2.knowledge, p2.profile, p2.options.as_of, eo);
      out.push_back(outcome_of(shown, report, group));
    }
    const std::uint64_t d = p2.done.fetch_add(1, std::memory_order_relaxed) + 1;
    p2.throttle.report("evaluating", d, s.patients.load(), false);
  }
}

void raise_open_file_limit() {
  rlimit r{};
  if (::getrlimit(RLIMIT_NOFILE, &r) == 0 && r.rlim_cur < r.rlim_max) {
    r.rlim_cur = r.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &r);
  }
}

}  // namespace

Result<RunOutput> run(const RunOptions& options, const knowledge::Knowledge& knowledge,
                      const knowledge::Profile& profile, const ProgressCallback& progress) {
  auto files = expand(options.inputs);
  if (!files) return files.error();
  const int threads = std::max(1, options.threads);
  const std::size_t block_bytes = std::max<std::size_t>(options.block_bytes, 4096);
  raise_open_file_limit();

  Shared s;
  s.files = std::move(*files);
  std::uint64_t total = 0;
  for (const auto& f : s.files) total += f.size;

  auto dir = make_temp_dir(options.temp_dir);
  if (!dir) return dir.error();
  TempDir temp{*dir};

  int buckets = options.buckets;
  if (buckets <= 0) {
    constexpr std::uint64_t kBucketInput = 32ull << 20;
    buckets =
        static_cast<int>(std::min<std::uint64_t>(512, (total + kBucketInput - 1) / kBucketInput));
    buckets = std::max(buckets, std::min(4 * threads, 512));
  }
  s.buckets.count = buckets;
  s.buckets.sizes =
      std::make_unique<std::atomic<std::uint64_t>[]>(static_cast<std::size_t>(buckets));
  for (int b = 0; b < buckets; ++b) {
    s.buckets.sizes[b] = 0;
    const std::string path = temp.path + "/bucket-" + std::to_string(b);
    Fd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
    if (fd.fd < 0) return Error{temp.path, "cannot create a temporary index file"};
    s.buckets.fds.push_back(std::move(fd));
  }
  {
    const std::string path = temp.path + "/spool.ndjson";
    s.spool = Fd(::open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
    if (s.spool.fd < 0) return Error{temp.path, "cannot create a temporary file"};
  }

  Throttle throttle(progress);
  Sha256 sha;
  {
    Pipeline pipe(s, threads, block_bytes);
    std::uint64_t done = 0;
    throttle.report("reading", 0, total, true, true);
    for (std::uint32_t i = 0; i < s.files.size(); ++i) {
      auto r = read_input(i, s, pipe, sha, done, total, throttle, block_bytes);
      if (!r) return r.error();
      if (s.failed) break;
    }
    pipe.finish();
    throttle.report("reading", done, total, true, true);
  }
  if (s.failed) return s.failure;

  Pass2 p2(options, knowledge, profile, s, throttle);
  p2.fds.resize(s.files.size());
  std::vector<std::vector<PatientOutcome>> per_thread(static_cast<std::size_t>(threads));
  auto work = [&](int t) {
    simdjson::dom::parser dom;
    std::string text, line, span;
    for (int b; (b = p2.next_bucket.fetch_add(1)) < buckets && !s.failed;)
      evaluate_bucket(p2, b, per_thread[static_cast<std::size_t>(t)], dom, text, line, span);
  };
  throttle.report("evaluating", 0, s.patients.load(), false, true);
  if (threads == 1) {
    work(0);
  } else {
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t) pool.emplace_back(work, t);
    for (auto& t : pool) t.join();
  }
  if (s.failed) return s.failure;
  throttle.report("evaluating", p2.done.load(), s.patients.load(), false, true);

  RunOutput out;
  std::size_t n = 0;
  for (const auto& v : per_thread) n += v.size();
  out.outcomes.reserve(n);
  for (auto& v : per_thread) {
    std::move(v.begin(), v.end(), std::back_inserter(out.outcomes));
    std::vector<PatientOutcome>().swap(v);
  }
  std::sort(
      out.outcomes.begin(), out.outcomes.end(),
      [](const PatientOutcome& a, const PatientOutcome& b) { return a.patient_id < b.patient_id; });
  out.input.files = static_cast<int>(s.files.size());
  out.input.bytes = total;
  out.input.resources = s.resources.load();
  out.input.patients = p2.patients.load();
  out.input.unreadable = p2.unreadable.load();
  out.input.orphans = s.orphans.load() + p2.orphans.load();
  out.input.sha256 = sha.hex();
  out.problems = s.problems.load();
  for (auto& e : s.examples) out.problem_examples.push_back(std::move(e.p));
  return out;
}

}  // namespace khe::cohort

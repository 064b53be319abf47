#include "store/audit.h"

#include <openssl/evp.h>

#include <array>
#include <memory>
#include <stdexcept>

#include "store/ids.h"

namespace khe::store {
namespace {

std::string to_hex(const unsigned char* bytes, unsigned int n) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * n);
  for (unsigned int i = 0; i < n; ++i) {
    out += kHex[bytes[i] >> 4];
    out += kHex[bytes[i] & 0xF];
  }
  return out;
}

struct MdCtxFree {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};

// Incremental SHA-256; OpenSSL failures are programming/environment errors (thrown).
class Sha256 {
 public:
  Sha256() : ctx_(EVP_MD_CTX_new()) {
    if (!ctx_ || EVP_DigestInit_ex(ctx_.get(), EVP_sha256(), nullptr) != 1) {
      throw std::runtime_error("sha256 init failed");
    }
  }
  void update(std::string_view bytes) {
    if (EVP_DigestUpdate(ctx_.get(), bytes.data(), bytes.size()) != 1) {
      throw std::runtime_error("sha256 update failed");
    }
  }
  // An 8-byte big-endian length, then the bytes.
  void field(std::string_view bytes) {
    std::array<char, 8> len{};
    std::uint64_t n = bytes.size();
    for (int i = 7; i >= 0; --i) {
      len[static_cast<std::size_t>(i)] = static_cast<char>(n & 0xFF);
      n >>= 8;
    }
    update(std::string_view(len.data(), len.size()));
    update(bytes);
  }
  std::string hex() {
    std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
    unsigned int length = 0;
    if (EVP_DigestFinal_ex(ctx_.get(), digest.data(), &length) != 1) {
      throw std::runtime_error("sha256 final failed");
    }
    return to_hex(digest.data(), length);
  }

 private:
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx_;
};

bool has_control_character(std::string_view s) {
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7F) return true;
  }
  return false;
}

Result<bool> refuse(const std::string& field, const std::string& message) {
  return Error{"audit." + field, message};
}

}  // namespace

bool valid_audit_kind(std::string_view kind) {
  return kind == "evaluation" || kind == "card" || kind == "feedback" || kind == "write";
}

Result<bool> check_audit_record(const AuditRecord& r) {
  if (!valid_audit_kind(r.kind)) {
    return refuse("kind", "must be evaluation, card, feedback or write");
  }
  if (!r.patient_id.empty() && !valid_id(r.patient_id)) {
    return refuse("patient_id", "not a valid FHIR id ([A-Za-z0-9-.]{1,64})");
  }
  if (!r.input_sha256.empty() && !valid_sha256_hex(r.input_sha256)) {
    return refuse("input_sha256", "not a lowercase hex SHA-256");
  }
  if (!r.report_sha256.empty() && !valid_sha256_hex(r.report_sha256)) {
    return refuse("report_sha256", "not a lowercase hex SHA-256");
  }
  if (r.caller.size() > 256 || has_control_character(r.caller)) {
    return refuse("caller", "longer than 256 bytes or holds control characters");
  }
  if (r.knowledge_version.size() > 128 || has_control_character(r.knowledge_version)) {
    return refuse("knowledge_version", "longer than 128 bytes or holds control characters");
  }
  if (r.profile.size() > 128 || has_control_character(r.profile)) {
    return refuse("profile", "longer than 128 bytes or holds control characters");
  }
  return true;
}

std::string chain_hash(std::string_view previous_hash, std::int64_t seq, const AuditFields& f) {
  Sha256 h;
  h.update(previous_hash);
  h.field("khe-audit/1");
  h.field(std::to_string(seq));
  for (std::string_view v : {f.time, f.kind, f.caller, f.patient_id, f.input_sha256,
                             f.knowledge_version, f.profile, f.report_sha256}) {
    h.field(v);
  }
  return h.hex();
}

void ChainWalk::row(std::int64_t seq, const AuditFields& fields, std::string_view stored_prev,
                    std::string_view stored_hash) {
  ++check_.entries;
  if (check_.first_bad_seq) return;  // count the rest
  const std::string n = std::to_string(expected_);
  if (seq > expected_) {
    check_.first_bad_seq = expected_;
    check_.why = "entry " + n + " is missing (sequence gap): an entry was deleted";
    return;
  }
  if (seq < expected_) {
    check_.first_bad_seq = seq;
    check_.why = "entry " + std::to_string(seq) + " has a sequence number out of range";
    return;
  }
  if (stored_prev != prev_) {
    check_.first_bad_seq = seq;
    check_.why = "entry " + n +
                 " does not link to the entry before it: an entry was inserted, deleted or"
                 " reordered";
    return;
  }
  if (chain_hash(prev_, seq, fields) != stored_hash) {
    check_.first_bad_seq = seq;
    check_.why = "entry " + n + " does not match its hash: a field was changed";
    return;
  }
  prev_ = std::string(stored_hash);
  ++expected_;
}

AuditCheck ChainWalk::finish(bool guards_present) {
  AuditCheck check = check_;
  check.guards_present = guards_present;
  check.head = std::string(kGenesisHash);
  if (!check.first_bad_seq && !check.guards_present) {
    check.why = "the append-only triggers of the audit table are missing or altered";
  }
  if (check.intact()) check.head = prev_;
  return check;
}

std::string sha256_hex(std::string_view bytes) {
  Sha256 h;
  h.update(bytes);
  return h.hex();
}

}  // namespace khe::store

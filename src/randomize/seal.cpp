#include "randomize/seal.h"

#include <nlohmann/json.hpp>

namespace khe::randomize {
namespace {

std::string slot(std::string_view stratum, std::int64_t position) {
  std::string m;
  append_field(m, stratum);
  append_u64(m, static_cast<std::uint64_t>(position));
  return m;
}

std::string aad(std::string_view design_sha, std::string_view stratum, std::int64_t position) {
  std::string m;
  append_field(m, "khe-randomize/1/seal");
  append_field(m, design_sha);
  append_field(m, stratum);
  append_field(m, std::to_string(position));
  return m;
}

std::string nonce(const Keys& keys, std::string_view stratum, std::int64_t position) {
  return hmac_sha256(keys.nonce, slot(stratum, position)).substr(0, 12);
}

}  // namespace

std::string opening_hex(const Keys& keys, std::string_view stratum, std::int64_t position) {
  return to_hex(hmac_sha256(keys.opening, slot(stratum, position)));
}

std::string commitment_hex(std::string_view design_sha, std::string_view stratum,
                           std::int64_t position, std::string_view arm,
                           std::string_view opening_hex) {
  std::string m;
  append_field(m, "khe-randomize/1/commit");
  append_field(m, design_sha);
  append_field(m, stratum);
  append_field(m, std::to_string(position));
  append_field(m, arm);
  append_field(m, opening_hex);
  return to_hex(sha256(m));
}

SealedEntry seal_entry(const Keys& keys, std::string_view design_sha, const Allocation& a,
                       std::int64_t index, std::string_view previous_link) {
  SealedEntry e;
  e.index = index;
  e.stratum = a.stratum;
  e.position = a.position;
  const std::string open = opening_hex(keys, a.stratum, a.position);
  nlohmann::ordered_json p;
  p["arm"] = a.arm;
  p["block"] = a.block;
  p["block_size"] = a.block_size;
  p["opening"] = open;
  const std::string n = nonce(keys, a.stratum, a.position);
  e.nonce_hex = to_hex(n);
  e.sealed_hex =
      to_hex(aes256gcm_seal(keys.seal, n, aad(design_sha, a.stratum, a.position), p.dump()));
  e.commitment = commitment_hex(design_sha, a.stratum, a.position, a.arm, open);
  e.link = list_link(previous_link, index, e.stratum, e.position, e.nonce_hex, e.sealed_hex,
                     e.commitment);
  return e;
}

std::optional<Opened> open_entry(const Keys& keys, std::string_view design_sha,
                                 std::string_view stratum, std::int64_t position,
                                 std::string_view nonce_hex, std::string_view sealed_hex) {
  const auto n = from_hex(nonce_hex);
  const auto s = from_hex(sealed_hex);
  if (!n || !s) return std::nullopt;
  const auto plain = aes256gcm_open(keys.seal, *n, aad(design_sha, stratum, position), *s);
  if (!plain) return std::nullopt;
  const auto j = nlohmann::json::parse(*plain, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return std::nullopt;
  try {
    Opened o;
    o.arm = j.at("arm").get<std::string>();
    o.block = j.at("block").get<std::int64_t>();
    o.block_size = j.at("block_size").get<int>();
    o.opening = j.at("opening").get<std::string>();
    return o;
  } catch (const nlohmann::json::exception&) {
    return std::nullopt;
  }
}

std::string list_link(std::string_view previous_link, std::int64_t index, std::string_view stratum,
                      std::int64_t position, std::string_view nonce_hex,
                      std::string_view sealed_hex, std::string_view commitment) {
  std::string m(previous_link);
  append_field(m, "khe-randomize/1/list");
  append_field(m, std::to_string(index));
  append_field(m, stratum);
  append_field(m, std::to_string(position));
  append_field(m, nonce_hex);
  append_field(m, sealed_hex);
  append_field(m, commitment);
  return to_hex(sha256(m));
}

std::string log_hash(std::string_view previous_hash, std::int64_t seq, const LogFields& f) {
  std::string m(previous_hash);
  append_field(m, "khe-randomize-log/1");
  append_field(m, std::to_string(seq));
  for (std::string_view v : {f.time, f.kind, f.by, f.subject, f.stratum}) append_field(m, v);
  append_field(m, std::to_string(f.position));
  for (std::string_view v : {f.arm, f.opening, f.detail}) append_field(m, v);
  return to_hex(sha256(m));
}

}  // namespace khe::randomize

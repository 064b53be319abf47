// Small helpers of the CDS services (internal to src/cds): hashing, deterministic UUIDs,
// identifier checks, UTF-8 lengths, URLs and JSON parsing limits.
#pragma once

#include <simdjson.h>

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace khe::cds::detail {

// The member `key` of object `e`; nullopt when absent (or `e` is not an object).
std::optional<simdjson::dom::element> member(simdjson::dom::element e, std::string_view key);
// The member `key` when it is a string; nullopt otherwise.
std::optional<std::string_view> string_member(simdjson::dom::element e, std::string_view key);

// JSON nesting the services accept (request, prefetch resources, fetched pages).
constexpr std::size_t kMaxDepth = 128;
// Pages fetched per prefetch key when following Bundle.link "next".
constexpr int kMaxPages = 50;

// A simdjson DOM parser limited to kMaxDepth. One per document: elements live as long as
// their parser.
std::unique_ptr<simdjson::dom::parser> make_parser(std::size_t bytes);

std::string sha256_hex(std::string_view bytes);

// SHA-256 over several pieces, as if they were one string.
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  void update(std::string_view bytes);
  // Lowercase hex of everything added; the hasher is then spent.
  std::string hex();

 private:
  struct Ctx;
  std::unique_ptr<Ctx> ctx_;
};
// A name-based UUID (RFC 4122 layout, version 5 bits) from the SHA-256 of `seed`: the same
// seed always gives the same UUID, so a response is reproducible byte for byte.
std::string uuid_from(std::string_view seed);
// 8-4-4-4-12 hexadecimal digits.
bool is_uuid(std::string_view s);
// FHIR id: [A-Za-z0-9\-\.]{1,64}.
bool is_fhir_id(std::string_view s);

// Code points of UTF-8 text, and the text cut to fewer than `max` code points (an ellipsis
// marks the cut).
std::size_t utf8_length(std::string_view s);
std::string utf8_shorter_than(std::string_view s, std::size_t max);

// "scheme://host:port" of an http(s) URL, lowercased, with the default port made explicit;
// nullopt for anything else (another scheme, no host, user info, spaces or controls).
std::optional<std::string> origin_of(std::string_view url);
// Percent-encodes the bytes a URL may not hold as they are ('|', spaces, non-ASCII, ...).
std::string encode_url(std::string_view url);

}  // namespace khe::cds::detail

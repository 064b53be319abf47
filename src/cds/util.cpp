#include "cds/util.h"

#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdio>
#include <new>

namespace khe::cds::detail {

std::optional<simdjson::dom::element> member(simdjson::dom::element e, std::string_view key) {
  simdjson::dom::element v;
  if (e.at_key(key).get(v) != simdjson::SUCCESS) return std::nullopt;
  return v;
}

std::optional<std::string_view> string_member(simdjson::dom::element e, std::string_view key) {
  auto v = member(e, key);
  std::string_view s;
  if (!v || v->get(s) != simdjson::SUCCESS) return std::nullopt;
  return s;
}

std::unique_ptr<simdjson::dom::parser> make_parser(std::size_t bytes) {
  auto parser = std::make_unique<simdjson::dom::parser>();
  // A failed allocation leaves the parser to fail the parse itself (MEMALLOC): no throw.
  if (parser->allocate(std::max<std::size_t>(bytes, 64), kMaxDepth) != simdjson::SUCCESS) {
    parser = std::make_unique<simdjson::dom::parser>(0);  // parses nothing: MEMALLOC/CAPACITY
  }
  return parser;
}

namespace {

std::array<unsigned char, 32> sha256(std::string_view bytes) {
  std::array<unsigned char, 32> digest{};
  unsigned int len = 0;
  EVP_Digest(bytes.data(), bytes.size(), digest.data(), &len, EVP_sha256(), nullptr);
  return digest;
}

bool is_hex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

std::string hex_of(const unsigned char* digest, std::size_t n) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * n);
  for (std::size_t i = 0; i < n; ++i) {
    out += kHex[digest[i] >> 4];
    out += kHex[digest[i] & 15];
  }
  return out;
}

}  // namespace

std::string sha256_hex(std::string_view bytes) {
  const auto digest = sha256(bytes);
  return hex_of(digest.data(), digest.size());
}

struct Sha256::Ctx {
  EVP_MD_CTX* md = EVP_MD_CTX_new();
  ~Ctx() { EVP_MD_CTX_free(md); }
};

Sha256::Sha256() : ctx_(std::make_unique<Ctx>()) {
  // Only allocation can fail here, and a hasher that silently hashed nothing would corrupt
  // the audit trail: that is a programming-environment failure, not an input error.
  if (ctx_->md == nullptr || EVP_DigestInit_ex(ctx_->md, EVP_sha256(), nullptr) != 1) {
    throw std::bad_alloc();
  }
}

Sha256::~Sha256() = default;

void Sha256::update(std::string_view bytes) {
  if (EVP_DigestUpdate(ctx_->md, bytes.data(), bytes.size()) != 1) throw std::bad_alloc();
}

std::string Sha256::hex() {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_DigestFinal_ex(ctx_->md, digest, &len) != 1) throw std::bad_alloc();
  return hex_of(digest, len);
}

std::string uuid_from(std::string_view seed) {
  auto d = sha256(seed);
  d[6] = static_cast<unsigned char>((d[6] & 0x0f) | 0x50);  // version 5 (name-based, SHA)
  d[8] = static_cast<unsigned char>((d[8] & 0x3f) | 0x80);  // RFC 4122 variant
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out += '-';
    out += kHex[d[static_cast<std::size_t>(i)] >> 4];
    out += kHex[d[static_cast<std::size_t>(i)] & 15];
  }
  return out;
}

bool is_uuid(std::string_view s) {
  if (s.size() != 36) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? s[i] != '-' : !is_hex(s[i])) return false;
  }
  return true;
}

bool is_fhir_id(std::string_view s) {
  if (s.empty() || s.size() > 64) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.';
  });
}

std::size_t utf8_length(std::string_view s) {
  return static_cast<std::size_t>(
      std::count_if(s.begin(), s.end(), [](char c) { return (c & 0xC0) != 0x80; }));
}

std::string utf8_shorter_than(std::string_view s, std::size_t max) {
  if (utf8_length(s) < max || max < 2) return std::string(s);
  // Keep max - 2 code points and add the ellipsis (one code point).
  std::size_t kept = 0;
  std::size_t i = 0;
  for (; i < s.size(); ++i) {
    if ((s[i] & 0xC0) != 0x80) {
      if (kept == max - 2) break;
      ++kept;
    }
  }
  std::string out(s.substr(0, i));
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out + "\xE2\x80\xA6";
}

std::optional<std::string> origin_of(std::string_view url) {
  std::string scheme;
  if (url.size() > 8 && std::equal(url.begin(), url.begin() + 8, "https://", [](char a, char b) {
        return std::tolower(static_cast<unsigned char>(a)) == b;
      })) {
    scheme = "https";
    url.remove_prefix(8);
  } else if (url.size() > 7 &&
             std::equal(url.begin(), url.begin() + 7, "http://", [](char a, char b) {
               return std::tolower(static_cast<unsigned char>(a)) == b;
             })) {
    scheme = "http";
    url.remove_prefix(7);
  } else {
    return std::nullopt;
  }
  for (char c : url) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f || c == '\\') return std::nullopt;
  }
  const std::string_view authority = url.substr(0, url.find_first_of("/?#"));
  if (authority.empty() || authority.find('@') != std::string_view::npos) return std::nullopt;
  std::string host;
  std::string port = scheme == "https" ? "443" : "80";
  if (authority.front() == '[') {  // IPv6 literal
    const auto close = authority.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    host = authority.substr(0, close + 1);
    std::string_view rest = authority.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':' || rest.size() < 2) return std::nullopt;
      port = rest.substr(1);
    }
  } else {
    const auto colon = authority.find(':');
    host = authority.substr(0, colon);
    if (colon != std::string_view::npos) {
      if (colon + 1 == authority.size()) return std::nullopt;
      port = authority.substr(colon + 1);
    }
  }
  if (host.empty() || port.size() > 5) return std::nullopt;
  if (!std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return std::nullopt;
  port.erase(0, std::min(port.find_first_not_of('0'), port.size() - 1));  // "0443" = "443"
  for (auto& c : host) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return scheme + "://" + host + ":" + port;
}

std::string encode_url(std::string_view url) {
  static constexpr std::string_view kKeep =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~:/?#[]@!$&'()*+,;=%";
  std::string out;
  out.reserve(url.size() + 16);
  for (char c : url) {
    if (kKeep.find(c) != std::string_view::npos) {
      out += c;
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", static_cast<unsigned char>(c));
      out += buf;
    }
  }
  return out;
}

}  // namespace khe::cds::detail

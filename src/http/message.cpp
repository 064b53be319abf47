#include "http/message.h"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cstdint>

namespace khe::http {
namespace {

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool is_control(unsigned char c) { return c < 0x20 || c == 0x7f; }

// Percent-decodes `in` into `out`; `plus_is_space` for the query. False for a bad escape or
// a control byte (raw or decoded).
bool decode(std::string_view in, bool plus_is_space, std::string& out) {
  out.clear();
  out.reserve(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c == '%') {
      if (i + 2 >= in.size()) return false;
      const int hi = hex_value(in[i + 1]);
      const int lo = hex_value(in[i + 2]);
      if (hi < 0 || lo < 0) return false;
      c = static_cast<char>(hi * 16 + lo);
      i += 2;
    } else if (c == '+' && plus_is_space) {
      c = ' ';
    }
    if (is_control(static_cast<unsigned char>(c))) return false;
    out.push_back(c);
  }
  return true;
}

// A decoded path is refused when it has an empty segment ("//") or a "." / ".." segment.
bool path_is_clean(std::string_view path) {
  std::size_t start = 1;  // path[0] == '/'
  while (start <= path.size()) {
    std::size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    const std::string_view segment = path.substr(start, end - start);
    if (segment == "." || segment == "..") return false;
    if (segment.empty() && end != path.size()) return false;  // "//"
    start = end + 1;
  }
  return true;
}

// Appends `s` as the inside of a JSON string: quotes, backslashes and control characters
// escaped; bytes that are not valid UTF-8 replaced by U+FFFD so the document stays valid.
void append_json_string(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      switch (c) {
        case '"':
          out += "\\\"";
          break;
        case '\\':
          out += "\\\\";
          break;
        case '\n':
          out += "\\n";
          break;
        case '\r':
          out += "\\r";
          break;
        case '\t':
          out += "\\t";
          break;
        default:
          if (c < 0x20 || c == 0x7f) {
            out += "\\u00";
            out.push_back(kHex[c >> 4]);
            out.push_back(kHex[c & 0xf]);
          } else {
            out.push_back(static_cast<char>(c));
          }
      }
      ++i;
      continue;
    }
    // Multi-byte UTF-8: length from the lead byte, then continuation bytes and range checks.
    std::size_t len = 0;
    std::uint32_t cp = 0;
    if (c >= 0xc2 && c <= 0xdf) {
      len = 2;
      cp = c & 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
      len = 3;
      cp = c & 0x0f;
    } else if (c >= 0xf0 && c <= 0xf4) {
      len = 4;
      cp = c & 0x07;
    }
    bool valid = len != 0 && i + len <= s.size();
    for (std::size_t k = 1; valid && k < len; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xc0) != 0x80) valid = false;
      cp = (cp << 6) | (cc & 0x3f);
    }
    if (valid) {
      if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
          (len == 4 && (cp < 0x10000 || cp > 0x10ffff))) {
        valid = false;
      }
    }
    if (valid) {
      out.append(s.substr(i, len));
      i += len;
    } else {
      out += "\xef\xbf\xbd";
      ++i;
    }
  }
}

}  // namespace

std::string_view Request::header(std::string_view name) const {
  for (const Header& h : headers) {
    if (iequals(h.name, name)) return h.value;
  }
  return {};
}

std::optional<std::string_view> Request::query_param(std::string_view name) const {
  for (const auto& [key, value] : query) {
    if (key == name) return std::string_view(value);
  }
  return std::nullopt;
}

void Response::set_header(std::string name, std::string value) {
  const auto same = [&name](const Header& h) { return iequals(h.name, name); };
  const auto first = std::find_if(headers.begin(), headers.end(), same);
  if (first == headers.end()) {
    headers.push_back({std::move(name), std::move(value)});
    return;
  }
  const auto index = first - headers.begin();
  headers.erase(std::remove_if(first + 1, headers.end(), same), headers.end());
  headers[static_cast<std::size_t>(index)] = {std::move(name), std::move(value)};
}

Response error_response(int status, std::string_view code, std::string_view message) {
  std::string body;
  body.reserve(32 + code.size() + message.size());
  body += "{\"error\":\"";
  append_json_string(body, code);
  body += "\",\"message\":\"";
  append_json_string(body, message);
  body += "\"}";
  return json_response(status, std::move(body));
}

Response json_response(int status, std::string body) {
  Response r;
  r.status = status;
  r.content_type = "application/json";
  r.body = std::move(body);
  return r;
}

std::optional<Target> parse_target(std::string_view target) {
  if (target.empty() || target.front() != '/') return std::nullopt;
  if (target.find('#') != std::string_view::npos) return std::nullopt;
  const std::size_t q = target.find('?');
  const std::string_view raw_path = target.substr(0, q);
  Target out;
  if (!decode(raw_path, false, out.path)) return std::nullopt;
  if (!path_is_clean(out.path)) return std::nullopt;
  if (q == std::string_view::npos) return out;

  std::string_view rest = target.substr(q + 1);
  while (!rest.empty()) {
    const std::size_t amp = rest.find('&');
    const std::string_view pair = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view{} : rest.substr(amp + 1);
    if (pair.empty()) continue;
    const std::size_t eq = pair.find('=');
    std::string key;
    std::string value;
    if (!decode(pair.substr(0, eq), true, key)) return std::nullopt;
    if (eq != std::string_view::npos && !decode(pair.substr(eq + 1), true, value)) {
      return std::nullopt;
    }
    out.query.emplace_back(std::move(key), std::move(value));
  }
  return out;
}

std::string media_type(std::string_view content_type) {
  std::string_view m = content_type.substr(0, content_type.find(';'));
  while (!m.empty() && (m.front() == ' ' || m.front() == '\t')) m.remove_prefix(1);
  while (!m.empty() && (m.back() == ' ' || m.back() == '\t')) m.remove_suffix(1);
  std::string out(m);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool is_json_media(std::string_view media) {
  return media == "application/json" || media == "application/fhir+json";
}

struct Responder::State {
  explicit State(Send s) : send(std::move(s)) {}
  ~State() {
    if (!done.exchange(true) && send) {  // never answered: a handler bug
      send(error_response(500, "internal_error", "the server could not answer this request"));
    }
  }
  Send send;
  std::atomic<bool> done{false};
};

Responder::Responder(Send send) : state_(std::make_shared<State>(std::move(send))) {}

void Responder::operator()(Response response) const {
  if (!state_ || state_->done.exchange(true)) return;
  // Only this thread gets here: the sender (and what it holds, such as the connection) is
  // let go once used, even while copies of this Responder live on.
  Send send = std::move(state_->send);
  state_->send = nullptr;
  if (send) send(std::move(response));
}

bool Responder::answered() const { return state_ && state_->done.load(); }

}  // namespace khe::http

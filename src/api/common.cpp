// Helpers shared by the handlers: content types, bodies, query parameters, error answers,
// report rendering and audit records.
#include <openssl/rand.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdio>

#include "api/internal.h"
#include "engine/evaluate.h"
#include "store/audit.h"
#include "store/ids.h"
#include "write/html_writer.h"
#include "write/json_writer.h"
#include "write/text_writer.h"

namespace khe::api::detail {
namespace {

// The Content-Security-Policy of the HTML report (its own meta policy, plus the headers-only
// directives a meta element cannot carry).
constexpr std::string_view kReportPolicy =
    "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
    "img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

}  // namespace

bool is_ndjson_media(std::string_view media) {
  return media == "application/fhir+ndjson" || media == "application/x-ndjson" ||
         media == "application/ndjson";
}

std::optional<http::Response> check_content_type(const http::Request& r, bool ndjson_ok) {
  const std::string media = media_type(r.header("Content-Type"));
  if (is_json_media(media) || (ndjson_ok && is_ndjson_media(media))) return std::nullopt;
  return http::error_response(
      415, "unsupported_media_type",
      ndjson_ok ? "header Content-Type: expected application/json, application/fhir+json or "
                  "application/fhir+ndjson"
                : "header Content-Type: expected application/json or application/fhir+json");
}

bool too_deep(std::string_view text, int limit) {
  int depth = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char ch = text[i];
    if (in_string) {
      if (ch == '\\') {
        ++i;
      } else if (ch == '"') {
        in_string = false;
      }
    } else if (ch == '"') {
      in_string = true;
    } else if (ch == '{' || ch == '[') {
      if (++depth > limit) return true;
    } else if (ch == '}' || ch == ']') {
      --depth;
    }
  }
  return false;
}

std::optional<Json> parse_body(std::string_view body, http::Response& error) {
  if (too_deep(body, kMaxJsonDepth)) {
    error = http::error_response(
        400, "invalid_json",
        "body: JSON nested deeper than " + std::to_string(kMaxJsonDepth) + " levels");
    return std::nullopt;
  }
  Json parsed = Json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) {
    error = http::error_response(400, "invalid_json", "body: not well-formed JSON");
    return std::nullopt;
  }
  return parsed;
}

std::optional<ReportQuery> report_query(const http::Request& r, const Ctx& c,
                                        const std::vector<std::string_view>& formats,
                                        http::Response& error) {
  ReportQuery q;
  q.as_of = c.now;
  q.profile = &c.default_profile;
  if (auto as_of = r.query_param("as_of")) {
    auto parsed = parse_fhir_datetime(*as_of);
    if (!parsed || parsed->precision != Precision::second) {
      error = http::error_response(
          400, "invalid_parameter",
          "query parameter as_of: expected a FHIR dateTime with a time zone, e.g. "
          "2026-08-03T12:00:00Z");
      return std::nullopt;
    }
    q.as_of = parsed->start;
  }
  if (auto profile = r.query_param("profile")) {
    q.profile = c.k.profile(*profile);
    if (q.profile == nullptr) {
      std::string names;
      for (const auto& [id, p] : c.k.profiles) names += (names.empty() ? "" : ", ") + id;
      error = http::error_response(400, "invalid_parameter",
                                   "query parameter profile: unknown profile; available: " + names);
      return std::nullopt;
    }
  }
  if (auto format = r.query_param("format")) {
    if (std::find(formats.begin(), formats.end(), *format) == formats.end()) {
      std::string names;
      for (std::string_view f : formats) names += (names.empty() ? "" : ", ") + std::string(f);
      error = http::error_response(400, "invalid_parameter",
                                   "query parameter format: expected one of " + names);
      return std::nullopt;
    }
    q.format = std::string(*format);
  }
  return q;
}

http::Response unprocessable(std::string_view message, const std::vector<Problem>& problems) {
  Json list = Json::array();
  for (const Problem& p : problems) {
    Json one = Json::object();
    if (p.index) one["index"] = *p.index;
    if (!p.resource.empty()) one["resource"] = p.resource;
    if (!p.path.empty()) one["path"] = p.path;
    if (!p.code.empty()) one["code"] = p.code;
    one["message"] = p.message;
    list.push_back(std::move(one));
  }
  Json body = Json::object();
  body["error"] = "unprocessable";
  body["message"] = std::string(message);
  body["problems"] = std::move(list);
  return json_body(422, body);
}

http::Response store_failure(const Error&) {
  // The store's error names the database file; a client learns nothing from it.
  return http::error_response(500, "storage_error", "the record store failed; nothing changed");
}

http::Response json_body(int status, const Json& body, std::string_view content_type) {
  http::Response r = http::json_response(
      status, body.dump(-1, ' ', /*ensure_ascii=*/false, Json::error_handler_t::replace));
  r.content_type = std::string(content_type);
  return r;
}

std::string bundle_of(std::string_view patient_json, const std::vector<std::string>& resources) {
  std::size_t size = 64 + patient_json.size();
  for (const auto& r : resources) size += r.size() + 16;
  std::string out;
  out.reserve(size);
  out += R"({"resourceType":"Bundle","type":"collection","entry":[{"resource":)";
  out += patient_json;
  out += '}';
  for (const auto& r : resources) {
    out += R"(,{"resource":)";
    out += r;
    out += '}';
  }
  out += "]}";
  return out;
}

Served render_report(const fhir::ReadOutcome& outcome, std::string_view input_bytes, const Ctx& c,
                     const ReportQuery& q) {
  Served s;
  s.report = engine::evaluate(*outcome.record, c.k, *q.profile, q.as_of);
  s.report.input_sha256 = store::sha256_hex(input_bytes);
  if (q.format == "html") {
    s.body = write::to_html(s.report, c.k);
    s.content_type = "text/html; charset=utf-8";
  } else if (q.format == "text") {
    s.body = write::to_text(s.report, c.k);
    s.content_type = "text/plain; charset=utf-8";
  } else {
    s.body = write::to_json(s.report);
    s.content_type = "application/json";
  }
  return s;
}

store::AuditRecord evaluation_audit(const Ctx& c, std::string_view patient_id,
                                    const Served& served) {
  store::AuditRecord a;
  a.time = c.now;
  a.kind = "evaluation";
  a.caller = std::string(c.caller);
  a.patient_id = store::valid_id(patient_id) ? std::string(patient_id) : std::string();
  a.input_sha256 = served.report.input_sha256;
  a.knowledge_version = c.k.version;
  a.profile = served.report.profile.empty() ? std::string() : served.report.profile;
  a.report_sha256 = store::sha256_hex(served.body);
  return a;
}

store::AuditRecord write_audit(const Ctx& c, std::string_view patient_id,
                               std::string_view input_bytes) {
  store::AuditRecord a;
  a.time = c.now;
  a.kind = "write";
  a.caller = std::string(c.caller);
  a.patient_id = std::string(patient_id);
  if (!input_bytes.empty()) a.input_sha256 = store::sha256_hex(input_bytes);
  a.knowledge_version = c.k.version;
  return a;
}

std::vector<Problem> read_problems(const std::vector<Error>& problems) {
  std::vector<Problem> out;
  for (const Error& e : problems) out.push_back({"", e.where, "input_unusable", e.message});
  if (out.empty()) out.push_back({"", "", "input_unusable", "no usable patient record"});
  return out;
}

std::string new_id() {
  std::array<unsigned char, 16> b{};
  if (RAND_bytes(b.data(), static_cast<int>(b.size())) != 1) {
    // No randomness from OpenSSL: refuse to invent an id that could collide.
    return "";
  }
  b[6] = static_cast<unsigned char>((b[6] & 0x0F) | 0x40);  // version 4
  b[8] = static_cast<unsigned char>((b[8] & 0x3F) | 0x80);  // RFC 4122 variant
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < b.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out += '-';
    out += kHex[b[i] >> 4];
    out += kHex[b[i] & 0x0F];
  }
  return out;
}

http::Response report_response(const Served& s) {
  http::Response r;
  r.status = 200;
  r.content_type = s.content_type;
  r.body = s.body;
  r.set_header("Cache-Control", "no-store");
  if (s.content_type.starts_with("text/html"))
    r.set_header("Content-Security-Policy", std::string(kReportPolicy));
  return r;
}

}  // namespace khe::api::detail

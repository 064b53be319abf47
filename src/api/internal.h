// Shared pieces of the API's handlers (not part of the module's interface).
#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/assets.h"
#include "core/result.h"
#include "core/time.h"
#include "engine/report.h"
#include "fhir/reader.h"
#include "http/message.h"
#include "knowledge/knowledge.h"
#include "store/store.h"

namespace khe::api::detail {

using Json = nlohmann::ordered_json;

// What every handler needs.
struct Ctx {
  store::Store& store;
  const knowledge::Knowledge& k;
  const knowledge::Profile& default_profile;
  Instant now{};
  std::string_view caller;
};

// ---- requests ------------------------------------------------------------------------------

// Deepest nesting of arrays and objects accepted in a request body.
inline constexpr int kMaxJsonDepth = 64;
// Most resources in one posted Bundle.
inline constexpr std::size_t kMaxResources = 5000;

using http::is_json_media;
using http::media_type;
// NDJSON bodies (POST /api/evaluate only): application/fhir+ndjson, application/x-ndjson,
// application/ndjson.
bool is_ndjson_media(std::string_view media);

// The 415 answer when the request's Content-Type is not one of JSON (or NDJSON when
// `ndjson_ok`); nullopt when it is.
std::optional<http::Response> check_content_type(const http::Request& r, bool ndjson_ok);
// Parses a JSON body: nullopt with `error` set to the 400 answer when it is not well-formed
// JSON or nests deeper than kMaxJsonDepth.
std::optional<Json> parse_body(std::string_view body, http::Response& error);
// True when `text` nests arrays/objects deeper than `limit` (strings skipped).
bool too_deep(std::string_view text, int limit);

// Query parameters shared by the report routes.
struct ReportQuery {
  Instant as_of{};
  const knowledge::Profile* profile = nullptr;
  std::string format = "json";
};
// Reads as_of (FHIR dateTime with a zone; default now), profile (default the Api's) and
// format (one of `formats`). nullopt with `error` set to the 400 answer naming the parameter.
std::optional<ReportQuery> report_query(const http::Request& r, const Ctx& c,
                                        const std::vector<std::string_view>& formats,
                                        http::Response& error);

// ---- responses -----------------------------------------------------------------------------

// {"error": code, "message": message, "problems": [...]} with status 422. Each problem:
// {"resource", "path", "code", "message"} (empty fields left out).
struct Problem {
  std::string resource;  // "Observation/abc", or "" for the request as a whole
  std::string path;      // JSON path within the resource (or the body)
  std::string code;      // "value_rejected", "invalid", ...
  std::string message;   // no patient values quoted by us
  std::optional<std::size_t> index = std::nullopt;  // entry index when a Bundle was posted
};
http::Response unprocessable(std::string_view message, const std::vector<Problem>& problems);
http::Response store_failure(const Error& e);  // 500, says nothing of the cause
http::Response json_body(int status, const Json& body,
                         std::string_view content_type = "application/json");

// ---- records and reports -------------------------------------------------------------------

// The patient and its stored resources as one FHIR Bundle (type collection), the stored
// texts verbatim. These bytes are what a report of the patient evaluates (input_sha256).
std::string bundle_of(std::string_view patient_json, const std::vector<std::string>& resources);

// A report and the bytes served for it.
struct Served {
  engine::Report report;
  std::string body;          // in the requested format
  std::string content_type;  // of body
};
// Evaluates `outcome.record` and renders it (json, html or text). input_sha256 is set from
// `input_bytes`.
Served render_report(const fhir::ReadOutcome& outcome, std::string_view input_bytes, const Ctx& c,
                     const ReportQuery& q);
// The 200 answer carrying a report (no-store; the HTML report's CSP as a header too).
http::Response report_response(const Served& s);
// The audit entry of a report served.
store::AuditRecord evaluation_audit(const Ctx& c, std::string_view patient_id,
                                    const Served& served);
// The audit entry of a write.
store::AuditRecord write_audit(const Ctx& c, std::string_view patient_id,
                               std::string_view input_bytes);
// The reader's fatal problems as 422 problems.
std::vector<Problem> read_problems(const std::vector<Error>& problems);

// A fresh random FHIR id (a UUID v4, OpenSSL's RAND_bytes).
std::string new_id();

// ---- handlers (one per route) --------------------------------------------------------------

http::Response post_evaluate(const http::Request& r, const Ctx& c);
http::Response list_patients(const Ctx& c);
http::Response create_patient(const http::Request& r, const Ctx& c);
http::Response import_patient(const http::Request& r, const Ctx& c);
http::Response get_patient(std::string_view id, const Ctx& c);
http::Response delete_patient(std::string_view id, const Ctx& c);
// kind: "observations", "medications", "findings" or "procedures".
http::Response add_resources(const http::Request& r, std::string_view id, std::string_view kind,
                             const Ctx& c);
http::Response get_report(const http::Request& r, std::string_view id, const Ctx& c);
http::Response get_inputs(const Ctx& c);

}  // namespace khe::api::detail

// Reports: POST /api/evaluate (a FHIR record in, a report out) and
// GET /api/patients/{id}/report (the stored patient's report). Each report served is
// audited (kind "evaluation") before it is sent; when the audit cannot be written the
// report is not sent (500).
#include "api/internal.h"

namespace khe::api::detail {
namespace {

const std::vector<std::string_view> kFormats = {"json", "html", "text"};

http::Response serve(const fhir::ReadOutcome& outcome, std::string_view bytes,
                     std::string_view patient_id, const Ctx& c, const ReportQuery& q) {
  const Served s = render_report(outcome, bytes, c, q);
  if (auto ok = c.store.append_audit(evaluation_audit(c, patient_id, s)); !ok) {
    return store_failure(ok.error());
  }
  return report_response(s);
}

}  // namespace

http::Response post_evaluate(const http::Request& r, const Ctx& c) {
  if (auto refused = check_content_type(r, /*ndjson_ok=*/true)) return *refused;
  if (is_json_media(media_type(r.header("Content-Type")))) {
    if (too_deep(r.body, kMaxJsonDepth)) {
      return http::error_response(
          400, "invalid_json",
          "body: JSON nested deeper than " + std::to_string(kMaxJsonDepth) + " levels");
    }
    if (!Json::accept(r.body)) {
      return http::error_response(400, "invalid_json", "body: not well-formed JSON");
    }
  }
  http::Response error;
  auto q = report_query(r, c, kFormats, error);
  if (!q) return error;
  fhir::ReadOptions o;
  o.as_of = q->as_of;
  if (auto patient = r.query_param("patient")) o.patient_id = std::string(*patient);
  const fhir::ReadOutcome outcome = fhir::read(r.body, c.k.codes, o);
  if (!outcome.record) {
    return unprocessable("the input is unusable", read_problems(outcome.problems));
  }
  return serve(outcome, r.body, outcome.record->patient.id, c, *q);
}

http::Response get_report(const http::Request& r, std::string_view id, const Ctx& c) {
  http::Response error;
  auto q = report_query(r, c, kFormats, error);
  if (!q) return error;
  auto entry = c.store.patient(id);
  if (!entry) return store_failure(entry.error());
  if (!*entry) return http::error_response(404, "not_found", "no patient with this id");
  auto resources = c.store.patient_resources(id);
  if (!resources) return store_failure(resources.error());
  const std::string bytes = bundle_of((*entry)->json, *resources);
  fhir::ReadOptions o;
  o.as_of = q->as_of;
  o.patient_id = std::string(id);
  const fhir::ReadOutcome outcome = fhir::read(bytes, c.k.codes, o);
  if (!outcome.record) {
    return unprocessable("the patient's record cannot be evaluated at as_of",
                         read_problems(outcome.problems));
  }
  return serve(outcome, bytes, id, c, *q);
}

}  // namespace khe::api::detail

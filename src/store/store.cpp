// Store: the checks every backend shares, then the backend (backend.h) chosen by the
// location. Arguments are refused here, before any SQL sees them, so both backends refuse
// exactly the same inputs with the same messages.
#include "store/store.h"

#include <simdjson.h>

#include <algorithm>
#include <cstdint>
#include <utility>

#include "store/backend.h"
#include "store/ids.h"
#include "store/schema.h"
#include "store/sqlite.h"

namespace khe::store {
namespace {

// A refused argument: `where` names it; the message never quotes its value.
Error argument_error(const char* argument, const char* message) { return Error{argument, message}; }

// Raw JSON bytes the store will accept: bounded and without NUL (JSON never holds a raw NUL,
// and neither SQLite's JSON functions nor PostgreSQL's text accept one).
bool plausible_json_bytes(std::string_view json) {
  return !json.empty() && json.size() <= sql::kMaxBytes &&
         json.find('\0') == std::string_view::npos;
}

// What a JSON text is: well-formed (RFC 8259, UTF-8), an object, and (for an object) its
// "resourceType" and "id" when they are strings.
struct JsonFacts {
  bool valid = false;
  bool object = false;
  std::optional<std::string> resource_type;
  std::optional<std::string> id;
};

JsonFacts json_facts(std::string_view json) {
  simdjson::dom::parser parser;
  const simdjson::padded_string padded(json);
  simdjson::dom::element doc;
  JsonFacts f;
  if (parser.parse(padded).get(doc) != simdjson::SUCCESS) return f;
  f.valid = true;
  simdjson::dom::object object;
  if (doc.get_object().get(object) != simdjson::SUCCESS) return f;
  f.object = true;
  std::string_view text;
  if (object["resourceType"].get_string().get(text) == simdjson::SUCCESS) {
    f.resource_type = std::string(text);
  }
  if (object["id"].get_string().get(text) == simdjson::SUCCESS) f.id = std::string(text);
  return f;
}

// A FHIR resource text stored under (type, id): well-formed JSON object whose resourceType
// and id are exactly those.
Result<bool> check_resource_json(std::string_view json, std::string_view type,
                                 std::string_view id) {
  if (!plausible_json_bytes(json)) {
    return argument_error("json", "empty, too large, or holds a NUL byte");
  }
  const JsonFacts f = json_facts(json);
  if (!f.valid || !f.object) return argument_error("json", "not a well-formed JSON object");
  if (f.resource_type != type) {
    return argument_error("json", "its resourceType differs from the resource type given");
  }
  if (f.id != id) return argument_error("json", "its id differs from the resource id given");
  return true;
}

Result<bool> check_resource_keys(const std::vector<Resource>& resources) {
  for (const Resource& r : resources) {
    if (!valid_resource_type(r.type)) {
      return argument_error("resource_type", "not a FHIR resource type ([A-Z][A-Za-z]{0,63})");
    }
    if (!valid_id(r.id)) return argument_error("resource_id", "not a valid FHIR id");
  }
  return true;
}

Result<bool> check_resources_json(const std::vector<Resource>& resources) {
  for (const Resource& r : resources) {
    if (auto ok = check_resource_json(r.json, r.type, r.id); !ok) return ok.error();
  }
  return true;
}

Result<bool> check_optional_audit(const std::optional<AuditRecord>& audit) {
  if (!audit) return true;
  return check_audit_record(*audit);
}

const AuditRecord* pointer(const std::optional<AuditRecord>& audit) {
  return audit ? &*audit : nullptr;
}

bool is_postgres_url(std::string_view location) {
  return location.starts_with("postgresql://") || location.starts_with("postgres://");
}

std::int64_t epoch_seconds(Instant t) { return t.time_since_epoch().count(); }

}  // namespace

Store::Store(std::string path, bool shared, std::unique_ptr<detail::Backend> backend)
    : path_(std::move(path)), shared_(shared), backend_(std::move(backend)) {}

Store::~Store() = default;

int Store::schema_version() { return static_cast<int>(schema::migrations().size()); }

Result<std::unique_ptr<Store>> Store::open(const std::string& location, OpenOptions options) {
  if (location.empty()) return Error{"db", "no database path given"};
  if (is_postgres_url(location)) {
    auto backend = detail::open_postgres(location, options);
    if (!backend) return backend.error();
    return std::unique_ptr<Store>(
        new Store(detail::shown_location(location), true, std::move(backend).value()));
  }
  auto backend = detail::open_sqlite(location, options);
  if (!backend) return backend.error();
  return std::unique_ptr<Store>(new Store(location, false, std::move(backend).value()));
}

Result<Settings> Store::settings() { return backend_->settings(); }

Result<bool> Store::create_patient(std::string_view id, std::string_view patient_json, Instant now,
                                   const std::optional<AuditRecord>& audit,
                                   const std::vector<Resource>& resources) {
  if (!valid_id(id)) return argument_error("patient_id", "not a valid FHIR id");
  if (auto ok = check_resource_keys(resources); !ok) return ok.error();
  if (auto ok = check_optional_audit(audit); !ok) return ok.error();
  if (auto ok = check_resource_json(patient_json, "Patient", id); !ok) return ok.error();
  if (auto ok = check_resources_json(resources); !ok) return ok.error();
  return backend_->create_patient(id, patient_json, format_instant(now), pointer(audit), resources);
}

Result<PutOutcome> Store::put_resource(std::string_view patient_id, std::string_view resource_type,
                                       std::string_view resource_id, std::string_view json,
                                       Instant now, const std::optional<AuditRecord>& audit) {
  auto summary = put_resources(
      patient_id,
      {Resource{std::string(resource_type), std::string(resource_id), std::string(json)}}, now,
      audit);
  if (!summary) return summary.error();
  if (!summary->patient_found) return PutOutcome::no_such_patient;
  return summary->replaced > 0 ? PutOutcome::replaced : PutOutcome::inserted;
}

Result<PutSummary> Store::put_resources(std::string_view patient_id,
                                        const std::vector<Resource>& resources, Instant now,
                                        const std::optional<AuditRecord>& audit) {
  if (!valid_id(patient_id)) return argument_error("patient_id", "not a valid FHIR id");
  if (auto ok = check_resource_keys(resources); !ok) return ok.error();
  if (auto ok = check_optional_audit(audit); !ok) return ok.error();
  if (auto ok = check_resources_json(resources); !ok) return ok.error();
  return backend_->put_resources(patient_id, resources, format_instant(now), pointer(audit));
}

Result<std::optional<PatientEntry>> Store::patient(std::string_view id) {
  if (!valid_id(id)) return argument_error("patient_id", "not a valid FHIR id");
  return backend_->patient(id);
}

Result<std::vector<std::string>> Store::patient_resources(std::string_view patient_id) {
  if (!valid_id(patient_id)) return argument_error("patient_id", "not a valid FHIR id");
  return backend_->patient_resources(patient_id);
}

Result<std::vector<PatientEntry>> Store::list_patients() { return backend_->list_patients(); }

Result<bool> Store::delete_patient(std::string_view id, const std::optional<AuditRecord>& audit) {
  if (!valid_id(id)) return argument_error("patient_id", "not a valid FHIR id");
  if (auto ok = check_optional_audit(audit); !ok) return ok.error();
  return backend_->delete_patient(id, pointer(audit));
}

Result<bool> Store::put_feedback(std::string_view service_id, std::string_view feedback_key,
                                 std::string_view json, Instant now) {
  if (!valid_id(service_id)) return argument_error("service_id", "not a valid id");
  if (feedback_key.empty() || feedback_key.size() > 512 ||
      feedback_key.find('\0') != std::string_view::npos) {
    return argument_error("feedback_key", "empty, longer than 512 bytes, or holds a NUL byte");
  }
  if (!plausible_json_bytes(json)) {
    return argument_error("json", "empty, too large, or holds a NUL byte");
  }
  if (!json_facts(json).valid) return argument_error("json", "not well-formed JSON");
  return backend_->put_feedback(service_id, feedback_key, json, format_instant(now));
}

Result<std::vector<std::string>> Store::feedback(std::string_view service_id) {
  if (!valid_id(service_id)) return argument_error("service_id", "not a valid id");
  return backend_->feedback(service_id);
}

Result<std::int64_t> Store::append_audit(const AuditRecord& record) {
  return append_audits({record});
}

Result<std::int64_t> Store::append_audits(const std::vector<AuditRecord>& records) {
  for (const AuditRecord& r : records) {
    if (auto ok = check_audit_record(r); !ok) return ok.error();
  }
  return backend_->append_audits(records);
}

Result<std::vector<AuditEntry>> Store::audit_entries(std::int64_t after_seq, std::size_t limit) {
  return backend_->audit_entries(after_seq, limit);
}

Result<AuditCheck> Store::verify_audit() { return backend_->verify_audit(); }

Result<bool> Store::use_token(std::string_view token_id, Instant until, Instant now) {
  if (token_id.empty() || token_id.size() > 4096) {
    return argument_error("token_id", "empty or longer than 4096 bytes");
  }
  return backend_->use_token(sha256_hex(token_id), epoch_seconds(until), epoch_seconds(now));
}

Result<bool> Store::ping() { return backend_->ping(); }

}  // namespace khe::store

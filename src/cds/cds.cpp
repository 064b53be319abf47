// CDS Hooks 2.0 services: discovery, hook calls and feedback (see cds.h and README.md).
#include "cds/cds.h"

#include <algorithm>
#include <cctype>
#include <set>
#include <utility>
#include <variant>

#include "cds/cards.h"
#include "cds/prefetch.h"
#include "cds/util.h"
#include "engine/evaluate.h"
#include "fhir/reader.h"
#include "write/json_writer.h"

namespace khe::cds {
namespace {

using detail::Json;
using simdjson::dom::element;
using simdjson::dom::element_type;

constexpr std::string_view kObservationCodes = "<observation-codes>";

using detail::member;
using detail::string_member;

// Every LOINC code of the knowledge's analytes, then the product's finding code system
// (any code of it: "system|"), as one FHIR token list.
std::string observation_codes(const knowledge::Codes& c) {
  std::string out;
  std::set<std::string> seen;
  for (const auto& a : c.analytes) {
    for (const auto& code : a.loinc) {
      if (!seen.insert(code).second) continue;
      out += (out.empty() ? "" : ",") + c.loinc_system + "|" + code;
    }
  }
  out += (out.empty() ? "" : ",") + c.product_base + "finding|";
  return out;
}

std::vector<PrefetchTemplate> expand(const knowledge::Knowledge& k) {
  std::vector<PrefetchTemplate> out;
  const std::string codes = observation_codes(k.codes);
  for (const auto& p : k.cds.prefetch) {
    PrefetchTemplate t;
    t.key = p.key;
    t.query = p.query;
    for (auto at = t.query.find(kObservationCodes); at != std::string::npos;
         at = t.query.find(kObservationCodes, at + codes.size())) {
      t.query.replace(at, kObservationCodes.size(), codes);
    }
    const auto cut = t.query.find_first_of("/?");
    t.resource_type = t.query.substr(0, cut);
    t.search = cut != std::string::npos && t.query[cut] == '?';
    out.push_back(std::move(t));
  }
  return out;
}

std::string discovery(const knowledge::Knowledge& k, const std::vector<PrefetchTemplate>& pf) {
  Json prefetch = Json::object();
  for (const auto& t : pf) prefetch[t.key] = t.query;
  Json services = Json::array();
  for (const auto& s : k.cds.services) {
    Json j = Json::object();
    j["hook"] = s.hook;
    j["title"] = s.title;
    j["description"] = s.description;
    j["id"] = s.id;
    if (!prefetch.empty()) j["prefetch"] = prefetch;
    services.push_back(std::move(j));
  }
  return Json{{"services", std::move(services)}}.dump(-1, ' ', false,
                                                      Json::error_handler_t::replace);
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Hook bodies are parsed with one parser per thread: a server answers thousands of calls
// a second, and allocating a parser's buffers per call cost more than the parse. A parser
// grown past kKeptParserCapacity by a large body is dropped when its call ends. Calls do
// not nest on one thread (fetched pages use parsers of their own), so the document stays
// valid for the whole call.
constexpr std::size_t kKeptParserCapacity = 4u << 20;

simdjson::dom::parser& thread_parser() {
  thread_local simdjson::dom::parser parser = [] {
    simdjson::dom::parser p;
    // kMaxDepth from the start; capacity grows with the first larger body (depth kept).
    // A failed allocation is retried by parse(), which then reports MEMALLOC: a 400.
    if (p.allocate(64u << 10, detail::kMaxDepth) != simdjson::SUCCESS)
      return simdjson::dom::parser();
    return p;
  }();
  return parser;
}

// A parsed request body, or the 400 to send.
struct Parsed {
  Parsed() : parser(&thread_parser()) {}
  ~Parsed() {
    if (parser->capacity() > kKeptParserCapacity) {
      *parser = simdjson::dom::parser();
      if (parser->allocate(64u << 10, detail::kMaxDepth) != simdjson::SUCCESS) {
        *parser = simdjson::dom::parser();  // parse() allocates again (MEMALLOC: a 400)
      }
    }
  }
  Parsed(const Parsed&) = delete;
  Parsed& operator=(const Parsed&) = delete;
  simdjson::dom::parser* parser;
  element root;
};

std::optional<std::string> parse_body(std::string_view body, Parsed& out) {
  if (body.empty()) return "the request body is empty";
  auto error = out.parser->parse(body.data(), body.size(), true).get(out.root);
  if (error == simdjson::DEPTH_ERROR) {
    return "the JSON is nested deeper than " + std::to_string(detail::kMaxDepth) + " levels";
  }
  if (error != simdjson::SUCCESS) return "the request body is not valid JSON";
  if (out.root.type() != element_type::OBJECT) return "expected a JSON object";
  return std::nullopt;
}

// The hook request's own fields (CDS Hooks 2.0 "HTTP Request"); nullopt when valid.
struct Request {
  std::string patient_id;
  detail::FhirAccess access;
  std::optional<element> prefetch;
  std::optional<element> context;
};

std::optional<std::string> check_request(element root, const knowledge::CdsService& svc,
                                         Request& req) {
  auto hook = string_member(root, "hook");
  if (!hook) return "hook: expected a string";
  if (*hook != svc.hook) return "hook: this service answers the " + svc.hook + " hook";
  auto instance = string_member(root, "hookInstance");
  if (!instance || !detail::is_uuid(*instance)) return "hookInstance: expected a UUID";

  if (auto server = member(root, "fhirServer");
      server && server->type() != element_type::NULL_VALUE) {
    std::string_view s;
    if (server->get(s) != simdjson::SUCCESS || !detail::origin_of(s)) {
      return "fhirServer: expected an http or https URL";
    }
    req.access.server = std::string(s);
    while (!req.access.server.empty() && req.access.server.back() == '/') {
      req.access.server.pop_back();
    }
  }
  if (auto auth = member(root, "fhirAuthorization");
      auth && auth->type() != element_type::NULL_VALUE) {
    if (auth->type() != element_type::OBJECT) return "fhirAuthorization: expected an object";
    if (req.access.server.empty()) return "fhirAuthorization: given without fhirServer";
    auto token = string_member(*auth, "access_token");
    if (!token || token->empty()) return "fhirAuthorization.access_token: expected a string";
    auto type = string_member(*auth, "token_type");
    if (!type || lower(*type) != "bearer") return "fhirAuthorization.token_type: expected Bearer";
    if (auto e = member(*auth, "expires_in");
        e && e->type() != element_type::INT64 && e->type() != element_type::UINT64) {
      return "fhirAuthorization.expires_in: expected an integer";
    }
    for (const char* key : {"scope", "subject", "patient"}) {
      if (auto v = member(*auth, key); v && v->type() != element_type::STRING) {
        return "fhirAuthorization." + std::string(key) + ": expected a string";
      }
    }
    req.access.access_token = std::string(*token);
  }

  auto context = member(root, "context");
  if (!context || context->type() != element_type::OBJECT) return "context: expected an object";
  auto patient = string_member(*context, "patientId");
  if (!patient || !detail::is_fhir_id(*patient)) return "context.patientId: expected a FHIR id";
  if (auto user = member(*context, "userId"); user && user->type() != element_type::STRING) {
    return "context.userId: expected a string";
  }
  req.patient_id = std::string(*patient);
  req.context = context;
  if (auto p = member(root, "prefetch"); p && p->type() != element_type::NULL_VALUE) {
    if (p->type() != element_type::OBJECT) return "prefetch: expected an object";
    req.prefetch = p;
  }
  return std::nullopt;
}

// A draft MedicationRequest of the request's context, with the JSON path that names it.
struct DraftElement {
  element resource;
  std::string path;
};

// The draft MedicationRequests to check (order-select: only those in context.selections);
// nullopt when valid.
std::optional<std::string> draft_orders(element context, const knowledge::CdsService& svc,
                                        std::vector<DraftElement>& out) {
  auto bundle = member(context, "draftOrders");
  auto type = bundle ? string_member(*bundle, "resourceType") : std::nullopt;
  if (!bundle || bundle->type() != element_type::OBJECT || !type || *type != "Bundle") {
    return "context.draftOrders: expected a Bundle";
  }
  std::set<std::string, std::less<>> selected;
  const bool select = svc.hook == "order-select";
  if (select) {
    auto selections = member(context, "selections");
    simdjson::dom::array list;
    if (!selections || selections->get(list) != simdjson::SUCCESS) {
      return "context.selections: expected an array of strings";
    }
    for (element s : list) {
      std::string_view v;
      if (s.get(v) != simdjson::SUCCESS) return "context.selections: expected an array of strings";
      selected.emplace(v);
    }
  }
  auto entries = member(*bundle, "entry");
  if (!entries) return std::nullopt;
  simdjson::dom::array list;
  if (entries->get(list) != simdjson::SUCCESS)
    return "context.draftOrders.entry: expected an array";
  std::size_t i = 0;
  for (element entry : list) {
    const std::string path = "context.draftOrders.entry[" + std::to_string(i++) + "]";
    auto resource = member(entry, "resource");
    if (!resource || resource->type() != element_type::OBJECT) {
      return path + ".resource: expected a FHIR resource";
    }
    auto rtype = string_member(*resource, "resourceType");
    if (!rtype) return path + ".resource.resourceType: expected a string";
    if (*rtype != "MedicationRequest") continue;  // other orders are not dose-checked
    if (select) {
      auto id = string_member(*resource, "id");
      if (!id || !selected.count("MedicationRequest/" + std::string(*id))) continue;
    }
    out.push_back({*resource, path + ".resource"});
  }
  return std::nullopt;
}

http::Response bad_request(std::string_view code, const std::string& message) {
  return http::error_response(400, code, message);
}

}  // namespace

Services::Services(const knowledge::Knowledge& k, const knowledge::Profile& p,
                   std::string public_url)
    : k_(k), p_(p), public_url_(std::move(public_url)) {
  while (!public_url_.empty() && public_url_.back() == '/') public_url_.pop_back();
  prefetch_ = expand(k_);
  discovery_ = discovery(k_, prefetch_);
}

bool Services::has_service(std::string_view id) const {
  return std::any_of(k_.cds.services.begin(), k_.cds.services.end(),
                     [&](const knowledge::CdsService& s) { return s.id == id; });
}

CallOutcome Services::call(std::string_view service_id, std::string_view body, FhirFetcher* fetcher,
                           Instant now) const {
  CallOutcome out;
  out.knowledge_version = k_.version;
  out.profile = p_.id;
  const knowledge::CdsService* svc = nullptr;
  for (const auto& s : k_.cds.services) {
    if (s.id == service_id) svc = &s;
  }
  if (svc == nullptr) {
    out.response = http::error_response(404, "unknown_service", "no CDS service with this id");
    return out;
  }

  Parsed parsed;
  if (auto problem = parse_body(body, parsed)) {
    out.response = bad_request("invalid_request", *problem);
    return out;
  }
  Request req;
  if (auto problem = check_request(parsed.root, *svc, req)) {
    out.response = bad_request("invalid_request", *problem);
    return out;
  }
  out.patient_id = req.patient_id;
  std::vector<DraftElement> orders;
  const bool dose_check = svc->kind == "dose_check";
  if (dose_check) {
    if (auto problem = draft_orders(*req.context, *svc, orders)) {
      out.response = bad_request("invalid_request", *problem);
      return out;
    }
  }

  // The input is what came over the wire: the request's bytes, then every page fetched.
  detail::Sha256 input_hash;
  input_hash.update(body);
  auto gathered =
      detail::gather(prefetch_, req.prefetch, req.patient_id, req.access, fetcher, input_hash);
  if (auto* f = std::get_if<detail::Failure>(&gathered)) {
    out.needs_fetch = f->needs_fetch;
    out.response = http::error_response(f->status, f->code, f->message);
    return out;
  }
  const auto& g = std::get<detail::Gathered>(gathered);

  fhir::ReadOptions options;
  options.as_of = now;
  const fhir::ReadOutcome read = fhir::read_parsed(g.resources, k_.codes, options);
  if (!read.record) {
    out.response = http::error_response(
        412, "data_unusable",
        "the record cannot be evaluated: " + std::to_string(read.problems.size()) +
            " problem(s) in the Patient or the prefetched data (e.g. no birth date)");
    return out;
  }
  engine::Report report = engine::evaluate(*read.record, k_, p_, now);
  out.input_sha256 = input_hash.hex();
  report.input_sha256 = out.input_sha256;
  out.report_sha256 = detail::sha256_hex(write::to_json(report));
  out.evaluated = true;

  const detail::CardInput in{k_, report, out.report_sha256, out.patient_id, public_url_};
  std::string response = R"({"cards":)";
  if (dose_check) {
    std::vector<detail::DraftOrder> drafts;
    std::vector<fhir::ParsedResource> one(2);
    one[0] = g.resources.front();  // the Patient
    for (auto& order : orders) {
      one[1] = {order.resource, {}, std::move(order.path)};
      fhir::ReadOutcome r = fhir::read_parsed(one, k_.codes, options);
      if (!r.record || r.record->medications.size() != 1) continue;
      drafts.push_back(
          {simdjson::to_string(order.resource), std::move(r.record->medications.front())});
    }
    out.cards = detail::dose_cards(in, drafts, response);
  } else {
    out.cards = detail::assessment_cards(in, response);
  }
  response += '}';
  out.response = http::json_response(200, std::move(response));
  return out;
}

Result<std::vector<FeedbackItem>> Services::parse_feedback(std::string_view body) const {
  Parsed parsed;
  if (auto problem = parse_body(body, parsed)) return Error{"$", *problem};
  auto list_el = member(parsed.root, "feedback");
  simdjson::dom::array list;
  if (!list_el || list_el->get(list) != simdjson::SUCCESS) {
    return Error{"feedback", "expected an array"};
  }
  std::vector<FeedbackItem> items;
  std::set<std::string> keys;
  std::size_t i = 0;
  for (element f : list) {
    const std::string path = "feedback[" + std::to_string(i++) + "]";
    if (f.type() != element_type::OBJECT) return Error{path, "expected an object"};
    auto card = string_member(f, "card");
    if (!card || !detail::is_uuid(*card)) return Error{path + ".card", "expected a card uuid"};
    auto outcome = string_member(f, "outcome");
    if (!outcome || (*outcome != "accepted" && *outcome != "overridden")) {
      return Error{path + ".outcome", "expected accepted or overridden"};
    }
    auto accepted = member(f, "acceptedSuggestions");
    if (accepted) {
      simdjson::dom::array suggestions;
      if (accepted->get(suggestions) != simdjson::SUCCESS) {
        return Error{path + ".acceptedSuggestions", "expected an array"};
      }
      std::size_t j = 0;
      for (element s : suggestions) {
        auto id = string_member(s, "id");
        if (!id || id->empty()) {
          return Error{path + ".acceptedSuggestions[" + std::to_string(j) + "].id",
                       "expected a suggestion uuid"};
        }
        ++j;
      }
      if (*outcome == "accepted" && j == 0) {
        return Error{path + ".acceptedSuggestions", "required for an accepted outcome"};
      }
    } else if (*outcome == "accepted") {
      return Error{path + ".acceptedSuggestions", "required for an accepted outcome"};
    }
    if (auto reason = member(f, "overrideReason")) {
      if (reason->type() != element_type::OBJECT) {
        return Error{path + ".overrideReason", "expected an object"};
      }
      if (auto coding = member(*reason, "reason");
          coding && coding->type() != element_type::OBJECT) {
        return Error{path + ".overrideReason.reason", "expected a Coding"};
      }
      if (auto comment = member(*reason, "userComment");
          comment && comment->type() != element_type::STRING) {
        return Error{path + ".overrideReason.userComment", "expected a string"};
      }
    }
    auto when = string_member(f, "outcomeTimestamp");
    auto parsed_time = when ? parse_fhir_datetime(*when) : Result<ParsedTime>(Error{});
    if (!parsed_time || parsed_time->precision != Precision::second) {
      return Error{path + ".outcomeTimestamp", "expected an instant with a time zone"};
    }
    std::string key = std::string(*card) + "|" + std::string(*outcome) + "|" + std::string(*when);
    if (!keys.insert(key).second) continue;  // the same feedback twice in one post
    items.push_back({std::move(key), simdjson::to_string(f)});
  }
  return items;
}

}  // namespace khe::cds

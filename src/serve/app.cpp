#include "serve/app.h"

#include <cctype>
#include <chrono>
#include <utility>

#include "serve/log.h"

namespace khe::serve {
namespace {

constexpr std::string_view kCdsPrefix = "/cds-services";
constexpr std::size_t kMaxCallerBytes = 256;

bool starts_with_segment(std::string_view path, std::string_view prefix) {
  return path.substr(0, prefix.size()) == prefix &&
         (path.size() == prefix.size() || path[prefix.size()] == '/');
}

http::Response method_not_allowed(std::string_view allow) {
  http::Response r = http::error_response(405, "method_not_allowed", "method not allowed here");
  r.set_header("Allow", std::string(allow) + ", OPTIONS");
  return r;
}

bool printable(std::string_view s) {
  for (unsigned char c : s) {
    if (c < 0x20 || c == 0x7f) return false;
  }
  return true;
}

// The audit's caller: "iss sub" of the verified token (both allow-listed or signed by the
// issuer), shortened to the issuer when too long or not printable.
std::string caller_of(const auth::Claims& c) {
  std::string both = c.iss + " " + c.sub;
  if (both.size() <= kMaxCallerBytes && printable(both)) return both;
  return c.iss.substr(0, kMaxCallerBytes);
}

}  // namespace

App::App(AppOptions options, store::Store& store, const knowledge::Knowledge& knowledge,
         const knowledge::Profile& profile, Clock clock, std::unique_ptr<AuthGate> auth,
         std::unique_ptr<cds::FhirFetcher> fetcher)
    : options_(std::move(options)),
      store_(store),
      clock_(std::move(clock)),
      auth_(std::move(auth)),
      fetcher_(std::move(fetcher)),
      cors_(options_.cors_origins),
      services_(knowledge, profile, options_.public_url),
      api_(store, knowledge, profile),
      audit_(store) {}

Result<std::unique_ptr<App>> App::create(AppOptions options, store::Store& store,
                                         const knowledge::Knowledge& knowledge,
                                         const knowledge::Profile& profile, Clock clock,
                                         std::unique_ptr<AuthGate> auth,
                                         std::unique_ptr<cds::FhirFetcher> fetcher) {
  if (!options.insecure_no_auth && !auth) {
    return Error{"auth", "authentication is required unless --insecure-no-auth is given"};
  }
  if (!clock) return Error{"clock", "no clock"};
  while (!options.public_url.empty() && options.public_url.back() == '/') {
    options.public_url.pop_back();
  }
  return std::unique_ptr<App>(new App(std::move(options), store, knowledge, profile,
                                      std::move(clock), std::move(auth), std::move(fetcher)));
}

http::Response App::handle(const http::Request& request) {
  const auto started = std::chrono::steady_clock::now();
  std::string route_name;
  std::string service;
  http::Response r = route(request, route_name, service);
  if (request.method != "OPTIONS") cors_.decorate(request, r);
  r.set_header("X-Content-Type-Options", "nosniff");
  bool has_cache_control = false;
  for (const auto& h : r.headers) {
    if (h.name == "Cache-Control") has_cache_control = true;
  }
  // The web app's files set their own caching; nothing else (cards, reports) is cached.
  if (!has_cache_control) r.set_header("Cache-Control", "no-store");
  if (request_logging()) {
    const auto us = std::chrono::duration_cast<std::chrono::microseconds>(
                        std::chrono::steady_clock::now() - started)
                        .count();
    log_event(r.status >= 500 ? Level::error : Level::info, "request",
              {{"method", std::string_view(request.method.size() <= 16 ? request.method : "?")},
               {"route", std::string_view(route_name.empty() ? "(none)" : route_name)},
               {"service", std::string_view(service)},
               {"status", std::int64_t{r.status}},
               {"us", std::int64_t{us}},
               {"bytes", static_cast<std::int64_t>(r.body.size())}});
  }
  return r;
}

Result<std::string> App::authenticate(const http::Request& request, Instant now) {
  if (options_.insecure_no_auth) return std::string("insecure-no-auth");
  auto claims = auth_->check(request.path, request.header("Authorization"), now);
  if (!claims) return claims.error();
  return caller_of(*claims);
}

http::Response App::route(const http::Request& request, std::string& route_name,
                          std::string& service) {
  const std::string_view path = request.path;
  if (starts_with_segment(path, kCdsPrefix)) {
    return cds_route(request, path.substr(kCdsPrefix.size()), route_name, service);
  }
  if (path == "/healthz") {
    route_name = "/healthz";
    if (request.method == "OPTIONS") return cors_.preflight(request, "GET");
    if (request.method != "GET" && request.method != "HEAD") return method_not_allowed("GET");
    return http::json_response(200, R"({"status":"ok"})");
  }
  if (starts_with_segment(path, "/api")) {
    route_name = api::Api::route_of(request.method, path);
    if (route_name.empty()) route_name = "/api/(unknown)";
    if (request.method == "OPTIONS") return cors_.preflight(request, "GET, POST, DELETE");
    const Instant now = std::chrono::floor<std::chrono::seconds>(clock_());
    return api_.handle(request, now, "local");
  }
  route_name = "(static)";
  if (request.method == "OPTIONS") return cors_.preflight(request, "GET");
  if (request.method != "GET" && request.method != "HEAD") return method_not_allowed("GET");
  return api::static_file(request);
}

http::Response App::cds_route(const http::Request& request, std::string_view rest,
                              std::string& route_name, std::string& service) {
  const Instant now = std::chrono::floor<std::chrono::seconds>(clock_());
  auto unauthorized = [](const Error& e) {
    http::Response r = http::error_response(401, "unauthorized", e.message);
    r.set_header("WWW-Authenticate", R"(Bearer error="invalid_token")");
    log_event(Level::warn, "auth_refused", {{"code", std::string_view(e.where)}});
    return r;
  };

  if (rest.empty() || rest == "/") {
    route_name = "/cds-services";
    if (request.method == "OPTIONS") return cors_.preflight(request, "GET");
    if (request.method != "GET" && request.method != "HEAD") return method_not_allowed("GET");
    auto caller = authenticate(request, now);
    if (!caller) return unauthorized(caller.error());
    return http::json_response(200, services_.discovery_json());
  }

  rest.remove_prefix(1);  // the '/'
  const auto slash = rest.find('/');
  const std::string_view id = rest.substr(0, slash);
  const std::string_view tail = slash == std::string_view::npos ? "" : rest.substr(slash);
  const bool feedback = tail == "/feedback";
  if (!tail.empty() && !feedback) {
    route_name = "/cds-services/(unknown)";
    return http::error_response(404, "not_found", "no such CDS route");
  }
  route_name = feedback ? "/cds-services/{id}/feedback" : "/cds-services/{id}";
  const bool known = services_.has_service(id);
  service = known ? std::string(id) : "(unknown)";
  if (request.method == "OPTIONS") return cors_.preflight(request, "POST");
  if (request.method != "POST") return method_not_allowed("POST");
  if (!known) return http::error_response(404, "unknown_service", "no CDS service with this id");

  auto caller = authenticate(request, now);
  if (!caller) return unauthorized(caller.error());
  if (!http::is_json_media(http::media_type(request.header("Content-Type")))) {
    return http::error_response(415, "unsupported_media_type",
                                "send the request as application/json");
  }

  if (feedback) {
    auto items = services_.parse_feedback(request.body);
    if (!items) return http::error_response(400, "invalid_feedback", items.error().to_string());
    std::int64_t stored = 0;
    for (const cds::FeedbackItem& item : *items) {
      auto put = store_.put_feedback(id, item.key, item.json, now);
      if (!put) {
        log_event(Level::error, "store_failed", {{"what", "feedback"}});
        return http::error_response(500, "store_failed", "the feedback could not be stored");
      }
      stored += *put ? 1 : 0;
    }
    store::AuditRecord record;
    record.time = now;
    record.kind = "feedback";
    record.caller = *caller;
    auto logged = audit_.append(std::move(record));
    if (!logged) {
      log_event(Level::error, "audit_failed", {{"what", "feedback"}});
      return http::error_response(500, "audit_failed", "the feedback could not be audited");
    }
    log_event(Level::info, "feedback", {{"service", id}, {"stored", stored}});
    return http::json_response(200, "{}");
  }

  cds::CallOutcome outcome = services_.call(id, request.body, fetcher_.get(), now);
  if (outcome.evaluated) {
    store::AuditRecord record;
    record.time = now;
    record.kind = "card";
    record.caller = *caller;
    record.patient_id = outcome.patient_id;
    record.input_sha256 = outcome.input_sha256;
    record.knowledge_version = outcome.knowledge_version;
    record.profile = outcome.profile;
    record.report_sha256 = outcome.report_sha256;
    auto logged = audit_.append(std::move(record));
    if (!logged) {
      // No card leaves without its audit entry.
      log_event(Level::error, "audit_failed", {{"what", "card"}});
      return http::error_response(500, "audit_failed", "the evaluation could not be audited");
    }
  }
  return std::move(outcome.response);
}

}  // namespace khe::serve

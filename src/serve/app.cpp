#include "serve/app.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <future>
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

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
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
      audit_(store) {
  blocking_.start(std::max(1u, options_.blocking_workers), options_.max_blocking_queued);
}

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

void App::finish(std::string_view method, std::string_view origin, http::Response& r) const {
  if (method != "OPTIONS") cors_.decorate(origin, r);
  r.set_header("X-Content-Type-Options", "nosniff");
  bool has_cache_control = false;
  for (const auto& h : r.headers) {
    if (h.name == "Cache-Control") has_cache_control = true;
  }
  // The web app's files set their own caching; nothing else (cards, reports) is cached.
  if (!has_cache_control) r.set_header("Cache-Control", "no-store");
}

namespace {

// The request log line: route templates, never ids or values.
void log_request(std::string_view method, std::string_view route_name, std::string_view service,
                 const http::Response& r, std::chrono::steady_clock::time_point started) {
  if (!request_logging()) return;
  const auto us = std::chrono::duration_cast<std::chrono::microseconds>(
                      std::chrono::steady_clock::now() - started)
                      .count();
  log_event(r.status >= 500 ? Level::error : Level::info, "request",
            {{"method", method.size() <= 16 ? method : std::string_view("?")},
             {"route", route_name.empty() ? std::string_view("(none)") : route_name},
             {"service", service},
             {"status", std::int64_t{r.status}},
             {"us", std::int64_t{us}},
             {"bytes", static_cast<std::int64_t>(r.body.size())}});
}

}  // namespace

void App::handle(const http::Request& request, http::Responder done) {
  Asked asked{request.method.substr(0, 17), std::string(request.header("Origin")),
              std::chrono::steady_clock::now()};
  Routed routed;
  route(request, routed);
  if (!routed.blocking) {
    complete(std::move(routed), asked, std::move(done));
    return;
  }
  http::WorkerPool::Task task = [this, routed = std::move(routed), asked, done]() mutable {
    // Nothing around this task catches: a programming error answers 500 here (the
    // Responder ignores a second answer) instead of ending the process.
    try {
      auto step = std::move(routed.blocking);
      routed.blocking = nullptr;
      step(routed);
      complete(std::move(routed), asked, done);
    } catch (const std::exception&) {
      log_event(Level::error, "handler_exception", {{"where", "blocking"}});
      done(http::error_response(500, "internal_error", "the server could not answer this request"));
    }
  };
  if (!blocking_.try_submit(task)) {
    log_event(Level::warn, "blocking_queue_full");
    Routed busy;
    busy.route_name = "(busy)";
    busy.response = http::error_response(503, "overloaded", "the server is busy; try again");
    busy.response.set_header("Retry-After", "1");
    complete(std::move(busy), asked, std::move(done));
  }
}

void App::complete(Routed routed, const Asked& asked, http::Responder done) {
  finish(asked.method, asked.origin, routed.response);
  if (!routed.audit) {
    log_request(asked.method, routed.route_name, routed.service, routed.response, asked.started);
    done(std::move(routed.response));
    return;
  }
  // Answered on the audit writer's thread once the entry committed.
  audit_.append(std::move(*routed.audit),
                [this, done = std::move(done), response = std::move(routed.response), asked,
                 route_name = std::move(routed.route_name), service = std::move(routed.service),
                 what = routed.audit_what](Result<std::int64_t> logged) mutable {
                  // On the audit writer's thread: nothing may escape (see the task above).
                  try {
                    if (!logged) {
                      // No card leaves without its audit entry.
                      log_event(Level::error, "audit_failed", {{"what", what}});
                      response = http::error_response(500, "audit_failed",
                                                      what == "card"
                                                          ? "the evaluation could not be audited"
                                                          : "the feedback could not be audited");
                      finish(asked.method, asked.origin, response);
                    }
                    log_request(asked.method, route_name, service, response, asked.started);
                    done(std::move(response));
                  } catch (const std::exception&) {
                    done(http::error_response(500, "internal_error",
                                              "the server could not answer this request"));
                  }
                });
}

http::Response App::handle(const http::Request& request) {
  std::promise<http::Response> answered;
  auto answer = answered.get_future();
  handle(request,
         http::Responder([&answered](http::Response r) { answered.set_value(std::move(r)); }));
  return answer.get();
}

Result<std::string> App::authenticate(const http::Request& request, Instant now) {
  if (options_.insecure_no_auth) return std::string("insecure-no-auth");
  auto claims = auth_->check(request.path, request.header("Authorization"), now);
  if (!claims) return claims.error();
  return caller_of(*claims);
}

void App::route(const http::Request& request, Routed& out) {
  const std::string_view path = request.path;
  http::Response& r = out.response;
  if (starts_with_segment(path, kCdsPrefix)) {
    if (auth_ && store_.shared()) {
      // On a shared database the token check is a round trip to it (the replay table):
      // the whole route runs on the blocking pool, so no CPU worker waits for the network.
      out.blocking = [this, request](Routed& done) {
        const std::string_view rest = std::string_view(request.path).substr(kCdsPrefix.size());
        done.response = cds_route(request, rest, done);
        if (done.blocking) {  // the route's own blocking step: already on the pool
          auto next = std::move(done.blocking);
          done.blocking = nullptr;
          next(done);
        }
      };
      return;
    }
    r = cds_route(request, path.substr(kCdsPrefix.size()), out);
  } else if (path == "/healthz") {
    out.route_name = "/healthz";
    if (request.method == "OPTIONS") {
      r = cors_.preflight(request, "GET");
    } else if (request.method != "GET" && request.method != "HEAD") {
      r = method_not_allowed("GET");
    } else {
      r = http::json_response(200, R"({"status":"ok"})");
    }
  } else if (path == "/readyz") {
    // Ready: not draining and the database answers (asked on the blocking pool: a round
    // trip to a database server may wait).
    out.route_name = "/readyz";
    if (request.method == "OPTIONS") {
      r = cors_.preflight(request, "GET");
    } else if (request.method != "GET" && request.method != "HEAD") {
      r = method_not_allowed("GET");
    } else if (draining_.load(std::memory_order_relaxed)) {
      r = http::error_response(503, "draining", "the server is shutting down");
    } else {
      out.blocking = [this](Routed& done) {
        auto ping = store_.ping();
        if (!ping) {
          log_event(Level::error, "store_unavailable", {{"error", ping.error().to_string()}});
          done.response =
              http::error_response(503, "store_unavailable", "the database does not answer");
          return;
        }
        done.response = http::json_response(200, R"({"status":"ready"})");
      };
    }
  } else if (starts_with_segment(path, "/api")) {
    out.route_name = api::Api::route_of(request.method, path);
    if (out.route_name.empty()) out.route_name = "/api/(unknown)";
    if (request.method == "OPTIONS") {
      r = cors_.preflight(request, "GET, POST, DELETE");
    } else {
      std::string caller = "local";
      if (!options_.api_user_header.empty()) {
        const std::string_view user = request.header(options_.api_user_header);
        // Sent twice: a proxy that adds rather than replaces would let a client's own
        // header through, so neither is believed.
        const auto copies = std::count_if(
            request.headers.begin(), request.headers.end(),
            [&](const http::Header& h) { return iequals(h.name, options_.api_user_header); });
        if (user.empty() || copies != 1 || user.size() + 5 > kMaxCallerBytes || !printable(user)) {
          log_event(Level::warn, "api_user_missing");
          r = http::error_response(401, "unauthorized",
                                   "sign in through the hospital's login to use the API");
          return;
        }
        caller = "user " + std::string(user);
      }
      // Every API call uses the store, whose writers wait for an fsync.
      const Instant now = std::chrono::floor<std::chrono::seconds>(clock_());
      out.blocking = [this, request, now, caller = std::move(caller)](Routed& done) {
        done.response = api_.handle(request, now, caller);
      };
    }
  } else {
    out.route_name = "(static)";
    if (request.method == "OPTIONS") {
      r = cors_.preflight(request, "GET");
    } else if (request.method != "GET" && request.method != "HEAD") {
      r = method_not_allowed("GET");
    } else {
      r = api::static_file(request);
    }
  }
}

http::Response App::cds_route(const http::Request& request, std::string_view rest, Routed& out) {
  std::string& route_name = out.route_name;
  std::string& service = out.service;
  const Instant now = std::chrono::floor<std::chrono::seconds>(clock_());
  auto unauthorized = [](const Error& e) {
    if (auth::auth_code_of(e) == auth::AuthCode::replay_check_unavailable) {
      // Not the caller's fault: the database is down. Retry, possibly on another replica.
      http::Response r = http::error_response(503, "unavailable", e.message);
      r.set_header("Retry-After", "1");
      log_event(Level::error, "auth_unavailable", {{"code", std::string_view(e.where)}});
      return r;
    }
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
    // Stored on the blocking pool (a store write), audited, then answered.
    out.blocking = [this, items = std::move(items).value(), id = std::string(id),
                    caller = std::move(caller).value(), now](Routed& done) {
      std::int64_t stored = 0;
      for (const cds::FeedbackItem& item : items) {
        auto put = store_.put_feedback(id, item.key, item.json, now);
        if (!put) {
          log_event(Level::error, "store_failed", {{"what", "feedback"}});
          done.response =
              http::error_response(500, "store_failed", "the feedback could not be stored");
          return;
        }
        stored += *put ? 1 : 0;
      }
      store::AuditRecord& record = done.audit.emplace();
      record.time = now;
      record.kind = "feedback";
      record.caller = caller;
      done.audit_what = "feedback";
      log_event(Level::info, "feedback", {{"service", id}, {"stored", stored}});
      done.response = http::json_response(200, "{}");
    };
    return {};
  }

  // First from the prefetch alone, on this worker; a request that needs its FHIR server
  // is called again on the blocking pool, where waiting for the network costs no core.
  cds::CallOutcome outcome = services_.call(id, request.body, nullptr, now);
  if (outcome.needs_fetch && fetcher_) {
    out.blocking = [this, body = request.body, id = std::string(id),
                    caller = std::move(caller).value(), now](Routed& done) {
      done.response =
          cards_answer(services_.call(id, body, fetcher_.get(), now), caller, now, done);
    };
    return {};
  }
  return cards_answer(std::move(outcome), *caller, now, out);
}

http::Response App::cards_answer(cds::CallOutcome outcome, const std::string& caller, Instant now,
                                 Routed& out) {
  if (outcome.evaluated) {
    store::AuditRecord& record = out.audit.emplace();
    record.time = now;
    record.kind = "card";
    record.caller = caller;
    record.patient_id = std::move(outcome.patient_id);
    record.input_sha256 = std::move(outcome.input_sha256);
    record.knowledge_version = std::move(outcome.knowledge_version);
    record.profile = std::move(outcome.profile);
    record.report_sha256 = std::move(outcome.report_sha256);
    out.audit_what = "card";  // sent only once this entry committed (App::complete)
  }
  return std::move(outcome.response);
}

}  // namespace khe::serve

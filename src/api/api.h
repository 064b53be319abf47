// The REST API of the web app (issue 4, item 3) and the web app's embedded files (item 5).
// Plain request -> response handlers over http::Request / http::Response: no sockets, no
// clock (the caller passes `now`), no file system. See README.md for the routes.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/time.h"
#include "http/message.h"
#include "knowledge/knowledge.h"
#include "store/store.h"

namespace khe::api {

class Api {
 public:
  // Everything passed must outlive the Api.
  Api(store::Store& store, const knowledge::Knowledge& k,
      const knowledge::Profile& default_profile);

  // Every route under /api/ . `now`: the clock (the server reads it); `caller`: who asks,
  // for the audit ("local" when unauthenticated). Thread-safe (Store is).
  http::Response handle(const http::Request& r, Instant now, std::string_view caller) const;

  // The route template a request matches, for logs that must not carry ids:
  // "/api/patients/{id}/report"; "" when none (unknown path or method).
  static std::string route_of(std::string_view method, std::string_view path);

  // GET /api/openapi.json body (OpenAPI 3.0.3).
  static const std::string& openapi_json();

  // Every (method, path template) the API answers, e.g. {"GET", "/api/patients/{id}"}: what
  // the tests check openapi.json against.
  struct RouteEntry {
    std::string method;
    std::string path;
  };
  static std::vector<RouteEntry> routes();

 private:
  store::Store& store_;
  const knowledge::Knowledge& k_;
  const knowledge::Profile& profile_;
};

// The web app's embedded files: GET "/" -> index.html, "/app.js", ... (exact-match table;
// no file system access, so no traversal); 404 otherwise. Sets content types, a strict
// Content-Security-Policy (no CDN, no inline script), nosniff, no-referrer,
// frame-ancestors 'none', and caching headers. HEAD is answered like GET.
http::Response static_file(const http::Request& r);

}  // namespace khe::api

// The web app's files and the OpenAPI document, from the table compiled into the binary.
// A request path is looked up by exact match: nothing is ever resolved on a file system.
#include <string>

#include "api/api.h"
#include "api/assets.h"
#include "store/audit.h"
#include "write/chart_assets.h"

namespace khe::api {
namespace detail {

const Asset* find_asset(std::string_view name) {
  for (const Asset& a : embedded_assets()) {
    if (a.name == name) return &a;
  }
  return nullptr;
}

}  // namespace detail

namespace {

// Scripts and styles only from this origin, no inline script or style, data: images (the
// favicon), fetch() only to this origin; no framing, no plugins, no <base>.
constexpr std::string_view kAppPolicy =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

struct File {
  std::string_view path;          // the request path
  std::string_view content_type;  // of the body
  std::string_view bytes;
  std::string etag;  // "sha256 prefix", quoted
};

std::string etag_of(std::string_view bytes) {
  return "\"" + store::sha256_hex(bytes).substr(0, 32) + "\"";
}

std::string_view asset(std::string_view name) {
  const detail::Asset* a = detail::find_asset(name);
  return a != nullptr ? a->bytes : std::string_view();
}

// The exact-match table, built once (thread-safe static initialisation).
const std::vector<File>& files() {
  static const std::vector<File> table = [] {
    std::vector<File> t = {
        {"/", "text/html; charset=utf-8", asset("index.html"), ""},
        {"/index.html", "text/html; charset=utf-8", asset("index.html"), ""},
        {"/app.js", "text/javascript; charset=utf-8", asset("app.js"), ""},
        {"/app.css", "text/css; charset=utf-8", asset("app.css"), ""},
        {"/khe-chart.js", "text/javascript; charset=utf-8", write::chart_module_js(), ""},
        {"/chart.umd.min.js", "text/javascript; charset=utf-8", write::chart_library_js(), ""},
    };
    for (File& f : t) f.etag = etag_of(f.bytes);
    return t;
  }();
  return table;
}

void security_headers(http::Response& r) {
  r.set_header("Content-Security-Policy", std::string(kAppPolicy));
  r.set_header("X-Content-Type-Options", "nosniff");
  r.set_header("Referrer-Policy", "no-referrer");
  r.set_header("X-Frame-Options", "DENY");
  r.set_header("Cross-Origin-Opener-Policy", "same-origin");
  r.set_header("Cross-Origin-Resource-Policy", "same-origin");
}

}  // namespace

const std::string& Api::openapi_json() {
  static const std::string doc(detail::find_asset("openapi.json") != nullptr
                                   ? detail::find_asset("openapi.json")->bytes
                                   : std::string_view("{}"));
  return doc;
}

http::Response static_file(const http::Request& r) {
  http::Response out;
  if (r.method != "GET" && r.method != "HEAD") {
    out = http::error_response(405, "method_not_allowed", "only GET and HEAD serve files");
    out.set_header("Allow", "GET, HEAD");
    security_headers(out);
    return out;
  }
  for (const File& f : files()) {
    if (f.path != r.path || f.bytes.empty()) continue;
    out.set_header("ETag", f.etag);
    // Revalidated on every use, so a new binary's files are picked up at once.
    out.set_header("Cache-Control", "no-cache");
    security_headers(out);
    if (r.header("If-None-Match") == f.etag) {
      out.status = 304;
      return out;
    }
    out.status = 200;
    out.content_type = std::string(f.content_type);
    out.body = std::string(f.bytes);
    return out;
  }
  out = http::error_response(404, "not_found", "no such file");
  security_headers(out);
  return out;
}

}  // namespace khe::api

// The web app's embedded files: exact-match table, content types, security headers, no
// traversal, no inline script, nothing from another origin.
#include <regex>

#include "api_fixture.h"
#include "write/chart_assets.h"

namespace khe::api::testing {
namespace {

http::Response fetch(const std::string& target, const std::string& method = "GET") {
  return static_file(request(method, target, "", ""));
}

std::string header(const http::Response& r, const std::string& name) {
  for (const auto& h : r.headers) {
    if (h.name == name) return h.value;
  }
  return "";
}

TEST(StaticFiles, ServesTheAppWithItsContentTypes) {
  const struct {
    const char* path;
    const char* type;
  } files[] = {
      {"/", "text/html; charset=utf-8"},
      {"/index.html", "text/html; charset=utf-8"},
      {"/app.js", "text/javascript; charset=utf-8"},
      {"/app.css", "text/css; charset=utf-8"},
      {"/khe-chart.js", "text/javascript; charset=utf-8"},
      {"/chart.umd.min.js", "text/javascript; charset=utf-8"},
  };
  for (const auto& f : files) {
    const auto r = fetch(f.path);
    EXPECT_EQ(r.status, 200) << f.path;
    EXPECT_EQ(r.content_type, f.type) << f.path;
    EXPECT_FALSE(r.body.empty()) << f.path;
    EXPECT_EQ(header(r, "X-Content-Type-Options"), "nosniff");
    EXPECT_EQ(header(r, "Referrer-Policy"), "no-referrer");
    EXPECT_EQ(header(r, "Cache-Control"), "no-cache");
    EXPECT_FALSE(header(r, "ETag").empty());
  }
  EXPECT_EQ(fetch("/").body, fetch("/index.html").body);
  // The chart scripts are the very ones the HTML report inlines.
  EXPECT_EQ(fetch("/khe-chart.js").body, std::string(write::chart_module_js()));
  EXPECT_EQ(fetch("/chart.umd.min.js").body, std::string(write::chart_library_js()));
  EXPECT_EQ(fetch("/app.js", "HEAD").status, 200);
}

TEST(StaticFiles, StrictContentSecurityPolicy) {
  const std::string csp = header(fetch("/"), "Content-Security-Policy");
  EXPECT_NE(csp.find("default-src 'none'"), std::string::npos);
  EXPECT_NE(csp.find("script-src 'self'"), std::string::npos);
  EXPECT_NE(csp.find("frame-ancestors 'none'"), std::string::npos);
  EXPECT_NE(csp.find("connect-src 'self'"), std::string::npos);
  EXPECT_EQ(csp.find("unsafe-inline"), std::string::npos);
  EXPECT_EQ(csp.find("unsafe-eval"), std::string::npos);
  EXPECT_EQ(csp.find("http"), std::string::npos);  // no other origin
  EXPECT_EQ(header(fetch("/missing"), "Content-Security-Policy"), csp);
}

TEST(StaticFiles, IndexHasNoInlineScriptAndNoOtherOrigin) {
  const std::string html = fetch("/").body;
  // Every <script> has a src on this origin; no event-handler attributes; no style attribute.
  const std::regex script("<script([^>]*)>");
  for (auto it = std::sregex_iterator(html.begin(), html.end(), script);
       it != std::sregex_iterator(); ++it) {
    const std::string attrs = (*it)[1];
    EXPECT_NE(attrs.find("src=\"/"), std::string::npos) << "inline script: " << it->str();
  }
  EXPECT_FALSE(std::regex_search(html, std::regex(R"(\son[a-z]+=)")));
  EXPECT_FALSE(std::regex_search(html, std::regex(R"(\sstyle=)")));
  EXPECT_EQ(html.find("http://"), std::string::npos);
  EXPECT_EQ(html.find("https://"), std::string::npos);
  EXPECT_EQ(html.find("//cdn"), std::string::npos);
  // app.js reaches only this origin.
  const std::string js = fetch("/app.js").body;
  EXPECT_FALSE(std::regex_search(js, std::regex(R"(fetch\(\s*['"`]https?:)")));
  EXPECT_EQ(js.find("innerHTML"), std::string::npos);
  EXPECT_EQ(js.find("eval("), std::string::npos);
}

TEST(StaticFiles, UnknownAndTraversalLookingTargets404) {
  for (const std::string path :
       {"/missing", "/app.js/", "/APP.JS", "/index.htm", "/../etc/passwd", "/..%2f..%2fetc/passwd",
        "/%2e%2e/%2e%2e/etc/passwd", "//etc/passwd", "/web/app/app.js", "/app.js%00", "/./app.js",
        "/node_modules/chart.js/dist/chart.umd.min.js", "/openapi.json", "/api/openapi.json",
        "/.git/config", "/CMakeLists.txt", "/\\..\\..\\etc\\passwd"}) {
    // The path as the server hands it over (decoded when the target parses, else raw).
    const auto r = fetch(path);
    EXPECT_EQ(r.status, 404) << path;
    EXPECT_EQ(r.body.find("root:"), std::string::npos);
  }
}

TEST(StaticFiles, ConditionalGetAndMethods) {
  const auto first = fetch("/app.js");
  auto again = request("GET", "/app.js", "", "");
  again.headers.push_back({"If-None-Match", header(first, "ETag")});
  const auto r = static_file(again);
  EXPECT_EQ(r.status, 304);
  EXPECT_TRUE(r.body.empty());
  const auto post = fetch("/app.js", "POST");
  EXPECT_EQ(post.status, 405);
  EXPECT_EQ(header(post, "Allow"), "GET, HEAD");
}

}  // namespace
}  // namespace khe::api::testing

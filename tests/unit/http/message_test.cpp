#include "http/message.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace khe::http {
namespace {

using Query = std::vector<std::pair<std::string, std::string>>;

TEST(HttpParseTarget, SplitsAndDecodesPathAndQuery) {
  auto t = parse_target("/api/patients%20x?limit=5&name=a+b%2Bc&flag&empty=&=v");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->path, "/api/patients x");
  EXPECT_EQ(t->query,
            (Query{{"limit", "5"}, {"name", "a b+c"}, {"flag", ""}, {"empty", ""}, {"", "v"}}));
}

TEST(HttpParseTarget, PlusIsLiteralInThePath) {
  auto t = parse_target("/a+b");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->path, "/a+b");
}

TEST(HttpParseTarget, RootTrailingSlashAndEmptyQuery) {
  auto root = parse_target("/");
  ASSERT_TRUE(root);
  EXPECT_EQ(root->path, "/");
  EXPECT_TRUE(root->query.empty());
  auto trailing = parse_target("/app/?");
  ASSERT_TRUE(trailing);
  EXPECT_EQ(trailing->path, "/app/");
  EXPECT_TRUE(trailing->query.empty());
  auto skipped = parse_target("/x?a=1&&b=2&");
  ASSERT_TRUE(skipped);
  EXPECT_EQ(skipped->query, (Query{{"a", "1"}, {"b", "2"}}));
}

TEST(HttpParseTarget, KeepsRepeatedParametersInOrder) {
  auto t = parse_target("/x?code=1&code=2");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->query, (Query{{"code", "1"}, {"code", "2"}}));
}

TEST(HttpParseTarget, RefusesTraversal) {
  for (const char* target :
       {"/..", "/../etc/passwd", "/app/../x", "/app/./x", "/.", "/app/..", "/app/%2e%2e/x",
        "/app/%2E%2E", "/%2e/x", "/app/.%2e/x", "/a%2f..%2fb", "/app%2F%2E%2E%2Fx"}) {
    EXPECT_FALSE(parse_target(target)) << target;
  }
}

TEST(HttpParseTarget, AllowsDotsInsideNames) {
  auto t = parse_target("/app/chart.min.js");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->path, "/app/chart.min.js");
  EXPECT_TRUE(parse_target("/app/...x"));
  EXPECT_TRUE(parse_target("/app/..x"));
}

TEST(HttpParseTarget, RefusesEmptySegments) {
  EXPECT_FALSE(parse_target("//"));
  EXPECT_FALSE(parse_target("//etc/passwd"));
  EXPECT_FALSE(parse_target("/app//x"));
  EXPECT_FALSE(parse_target("/app/%2F/x"));
}

TEST(HttpParseTarget, RefusesNulAndControlBytes) {
  EXPECT_FALSE(parse_target("/app%00.html"));
  EXPECT_FALSE(parse_target("/x?a=%00"));
  EXPECT_FALSE(parse_target("/x?a%0a=1"));
  EXPECT_FALSE(parse_target("/x%0d%0aSet-Cookie:%20a"));
  EXPECT_FALSE(parse_target("/x%7f"));
  EXPECT_FALSE(parse_target(std::string_view("/x\0y", 4)));
  EXPECT_FALSE(parse_target("/x\ty"));
}

TEST(HttpParseTarget, RefusesBadPercentEncoding) {
  for (const char* target : {"/%", "/%2", "/%zz", "/a%g0", "/x?a=%", "/x?a=%4", "/x?%xx=1"}) {
    EXPECT_FALSE(parse_target(target)) << target;
  }
}

TEST(HttpParseTarget, RefusesNonOriginForms) {
  for (const char* target : {"", "*", "http://example.org/", "api/patients", "?a=1", "/x#frag"}) {
    EXPECT_FALSE(parse_target(target)) << target;
  }
}

TEST(HttpParseTarget, DecodesUtf8) {
  auto t = parse_target("/p/%C3%A9?q=%E2%9C%93");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->path, "/p/\xC3\xA9");
  EXPECT_EQ(t->query, (Query{{"q", "\xE2\x9C\x93"}}));
}

TEST(HttpRequest, HeaderLookupIsCaseInsensitiveAndFirstWins) {
  Request r;
  r.headers = {{"Content-Type", "application/json"}, {"X-A", "1"}, {"x-a", "2"}};
  EXPECT_EQ(r.header("content-type"), "application/json");
  EXPECT_EQ(r.header("CONTENT-TYPE"), "application/json");
  EXPECT_EQ(r.header("X-a"), "1");
  EXPECT_EQ(r.header("Authorization"), "");
}

TEST(HttpRequest, QueryParam) {
  Request r;
  r.query = {{"a", "1"}, {"b", ""}, {"a", "2"}};
  EXPECT_EQ(r.query_param("a"), "1");
  ASSERT_TRUE(r.query_param("b"));
  EXPECT_EQ(*r.query_param("b"), "");
  EXPECT_FALSE(r.query_param("A"));
  EXPECT_FALSE(r.query_param("c"));
}

TEST(HttpResponse, SetHeaderReplacesCaseInsensitively) {
  Response r;
  r.set_header("Vary", "Origin");
  r.set_header("Cache-Control", "no-store");
  r.headers.push_back({"vary", "Accept"});
  r.set_header("VARY", "Authorization");
  ASSERT_EQ(r.headers.size(), 2u);
  EXPECT_EQ(r.headers[0].name, "VARY");
  EXPECT_EQ(r.headers[0].value, "Authorization");
  EXPECT_EQ(r.headers[1].name, "Cache-Control");
}

TEST(HttpResponse, ErrorResponseIsEscapedJson) {
  const Response r =
      error_response(400, "bad\"code", "line1\nline2 \\ \"quoted\" \x01 tab\t \xff end \xC3\xA9");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.content_type, "application/json");
  const auto j = nlohmann::json::parse(r.body);  // throws when not valid JSON (or UTF-8)
  EXPECT_EQ(j.at("error"), "bad\"code");
  EXPECT_EQ(j.at("message"), "line1\nline2 \\ \"quoted\" \x01 tab\t \xEF\xBF\xBD end \xC3\xA9");
  EXPECT_EQ(j.size(), 2u);
}

TEST(HttpResponse, ErrorResponseReplacesInvalidUtf8) {
  // Truncated sequence, overlong encoding, surrogate, beyond U+10FFFF.
  const Response r = error_response(400, "x", "\xC3 \xC0\xAF \xED\xA0\x80 \xF4\x90\x80\x80");
  EXPECT_TRUE(nlohmann::json::accept(r.body)) << r.body;
}

TEST(HttpResponse, JsonResponse) {
  const Response r = json_response(201, R"({"id":"p1"})");
  EXPECT_EQ(r.status, 201);
  EXPECT_EQ(r.content_type, "application/json");
  EXPECT_EQ(r.body, R"({"id":"p1"})");
}

}  // namespace
}  // namespace khe::http

namespace khe::http {
namespace {

TEST(HttpMessage, MediaTypeDropsParametersBlanksAndCase) {
  EXPECT_EQ(media_type("Application/JSON; charset=utf-8"), "application/json");
  EXPECT_EQ(media_type(" application/fhir+json "), "application/fhir+json");
  EXPECT_EQ(media_type(""), "");
  EXPECT_TRUE(is_json_media(media_type("application/fhir+json;fhirVersion=4.0")));
  EXPECT_FALSE(is_json_media(media_type("text/plain")));
  EXPECT_FALSE(is_json_media(media_type("application/jsonx")));
}

}  // namespace
}  // namespace khe::http

// What is not prefetched is fetched from fhirServer with fhirAuthorization's token,
// following searchset "next" links on the same origin only, at most 50 pages a key.
#include <regex>

#include "cds/util.h"
#include "cds_test_util.h"

namespace khe::cds::testing {
namespace {

const Instant kNow = parse_fhir_datetime("2026-08-03T12:00:00Z")->start;

json with_server(json r) {
  r["fhirServer"] = std::string(kFhirServer) + "/";  // a trailing '/' is allowed
  r["fhirAuthorization"] = {{"access_token", "opaque-token"},
                            {"token_type", "Bearer"},
                            {"expires_in", 300},
                            {"scope", "patient/*.read"},
                            {"subject", "khe-cds"}};
  return r;
}

// The cards without what depends on the input's hash (the uuids, and the hash quoted in
// the detail's provenance line): what a record gives, however it arrived.
json without_input_hash(const std::string& body) {
  json cards = json::parse(body);
  for (json& card : cards["cards"]) {
    card.erase("uuid");
    for (json& s : card["suggestions"]) s.erase("uuid");
    static const std::regex kHash("input sha256 [0-9a-f]+");
    card["detail"] = std::regex_replace(card["detail"].get<std::string>(), kHash, "input sha256 -");
  }
  return cards;
}

// The input's hash covers the request's bytes, then each fetched page's, in fetch order.
std::string expected_input_sha256(const std::string& request, const FakeFetcher& f) {
  std::string all = request;
  for (const auto& [url, token] : f.calls) all += f.pages.at(url);
  return detail::sha256_hex(all);
}

// Serves every key of `p` as the FHIR server would answer its template (null -> an empty
// searchset).
void serve(FakeFetcher& f, const Patient& p) {
  for (const auto& [key, value] : p.prefetch.items()) {
    json answer = value.is_null()
                      ? json{{"resourceType", "Bundle"}, {"type", "searchset"}, {"total", 0}}
                      : value;
    f.pages[fetch_url(key, p.id)] = answer.dump();
  }
}

TEST(CdsFetch, MissingPrefetchIsFetchedWithTheAccessToken) {
  const Patient p = as_prefetch(example("ex01-khe-severe-kmp.json"));
  FakeFetcher f;
  serve(f, p);
  const std::string r = with_server(request("patient-view", p.id)).dump();
  const CallOutcome fetched = services().call("khe-kmp", r, &f, kNow);
  ASSERT_EQ(fetched.response.status, 200) << fetched.response.body;
  EXPECT_EQ(f.calls.size(), p.prefetch.size());
  for (const auto& [url, token] : f.calls) {
    EXPECT_EQ(token, "opaque-token");
    EXPECT_EQ(url.rfind(std::string(kFhirServer) + "/", 0), 0u) << url;
    EXPECT_EQ(url.find('|'), std::string::npos) << "encoded: " << url;
    EXPECT_EQ(url.find("fhir//"), std::string::npos) << url;
  }
  EXPECT_NE(f.calls[0].first.find("/Patient/" + p.id), std::string::npos);

  // Empty results are answered as data, and a fetched record gives the same cards as the
  // same record prefetched (empty searchsets read like nulls).
  json pre = patient_view(p);
  const CallOutcome prefetched = services().call("khe-kmp", pre.dump(), nullptr, kNow);
  ASSERT_EQ(prefetched.response.status, 200);
  EXPECT_EQ(without_input_hash(fetched.response.body),
            without_input_hash(prefetched.response.body));
  EXPECT_EQ(fetched.input_sha256, expected_input_sha256(r, f));
  EXPECT_EQ(prefetched.input_sha256, detail::sha256_hex(pre.dump()));
  EXPECT_NE(fetched.input_sha256, prefetched.input_sha256);
}

TEST(CdsFetch, OnlyTheMissingKeysAreFetched) {
  const Patient p = as_prefetch(example("ex01-khe-severe-kmp.json"));
  FakeFetcher f;
  serve(f, p);
  json r = with_server(patient_view(p));
  r["prefetch"].erase("observations");
  r["prefetch"]["procedures"] = {{"resourceType", "OperationOutcome"}};  // client failed
  r.erase("fhirAuthorization");  // an open FHIR server: no token
  const CallOutcome o = services().call("khe-kmp", r.dump(), &f, kNow);
  ASSERT_EQ(o.response.status, 200) << o.response.body;
  ASSERT_EQ(f.calls.size(), 2u);
  EXPECT_EQ(f.calls[0].first, fetch_url("observations", p.id));
  EXPECT_EQ(f.calls[1].first, fetch_url("procedures", p.id));
  EXPECT_EQ(f.calls[0].second, "");
}

TEST(CdsFetch, FollowsNextLinksOnTheSameOrigin) {
  const Patient p = as_prefetch(example("ex01-khe-severe-kmp.json"));
  FakeFetcher f;
  serve(f, p);
  // Observations in pages of one entry, chained by "next" links.
  const json all = p.prefetch["observations"];
  const std::size_t n = all["entry"].size();
  ASSERT_GE(n, 3u);
  for (std::size_t i = 0; i < n; ++i) {
    json page = {{"resourceType", "Bundle"},
                 {"type", "searchset"},
                 {"entry", json::array({all["entry"][i]})}};
    const std::string next =
        std::string(kFhirServer) + "/Observation?_page=" + std::to_string(i + 1);
    if (i + 1 < n)
      page["link"] = {{{"relation", "self"}, {"url", "x"}}, {{"relation", "next"}, {"url", next}}};
    const std::string url =
        i == 0 ? fetch_url("observations", p.id)
               : std::string(kFhirServer) + "/Observation?_page=" + std::to_string(i);
    f.pages[url] = page.dump();
  }
  const std::string r = with_server(request("patient-view", p.id)).dump();
  const CallOutcome paged = services().call("khe-kmp", r, &f, kNow);
  ASSERT_EQ(paged.response.status, 200) << paged.response.body;
  const CallOutcome whole = services().call("khe-kmp", patient_view(p).dump(), nullptr, kNow);
  EXPECT_EQ(without_input_hash(paged.response.body), without_input_hash(whole.response.body));
  EXPECT_EQ(paged.input_sha256, expected_input_sha256(r, f));
  EXPECT_EQ(f.calls.size(), p.prefetch.size() - 1 + n);
}

TEST(CdsFetch, NextLinkToAnotherOriginIsRefused) {
  const Patient p = as_prefetch(example("ex01-khe-severe-kmp.json"));
  for (const std::string evil :
       {"https://evil.example.org/fhir/Observation?_page=2",
        "http://ehr.example.org/fhir/Observation?_page=2",
        "https://ehr.example.org:8443/fhir/Observation?_page=2",
        "https://attacker@ehr.example.org/fhir/Observation", "javascript:alert(1)"}) {
    FakeFetcher f;
    serve(f, p);
    json page = p.prefetch["observations"];
    page["link"] = {{{"relation", "next"}, {"url", evil}}};
    f.pages[fetch_url("observations", p.id)] = page.dump();
    f.pages[evil] = page.dump();
    const CallOutcome o =
        services().call("khe-kmp", with_server(request("patient-view", p.id)).dump(), &f, kNow);
    EXPECT_EQ(o.response.status, 412) << evil;
    EXPECT_NE(o.response.body.find("observations: a next link to another origin"),
              std::string::npos)
        << o.response.body;
    for (const auto& [url, token] : f.calls) EXPECT_NE(url, evil);
    EXPECT_FALSE(o.evaluated);
  }
  // The same origin spelled differently is the same origin.
  FakeFetcher f;
  serve(f, p);
  json page = p.prefetch["observations"];
  page["link"] = {{{"relation", "next"}, {"url", "HTTPS://EHR.example.org:443/fhir/Obs?p=2"}}};
  f.pages[fetch_url("observations", p.id)] = page.dump();
  f.pages["HTTPS://EHR.example.org:443/fhir/Obs?p=2"] =
      json({{"resourceType", "Bundle"}, {"type", "searchset"}}).dump();
  const CallOutcome o =
      services().call("khe-kmp", with_server(request("patient-view", p.id)).dump(), &f, kNow);
  EXPECT_EQ(o.response.status, 200) << o.response.body;
}

TEST(CdsFetch, AtMostFiftyPages) {
  const Patient p = as_prefetch(example("ex01-khe-severe-kmp.json"));
  FakeFetcher f;
  serve(f, p);
  json page = p.prefetch["observations"];
  const std::string loop = std::string(kFhirServer) + "/Observation?_page=again";
  page["link"] = {{{"relation", "next"}, {"url", loop}}};
  f.pages[fetch_url("observations", p.id)] = page.dump();
  f.pages[loop] = page.dump();
  const CallOutcome o =
      services().call("khe-kmp", with_server(request("patient-view", p.id)).dump(), &f, kNow);
  EXPECT_EQ(o.response.status, 412);
  EXPECT_NE(o.response.body.find("more than 50 pages"), std::string::npos) << o.response.body;
  std::size_t observation_calls = 0;
  for (const auto& [url, token] : f.calls)
    observation_calls += url.find("/Observation") != std::string::npos;
  EXPECT_LE(observation_calls, 50u);
}

TEST(CdsFetch, FailedOrUnreadableFetchIs412) {
  const Patient p = as_prefetch(example("ex01-khe-severe-kmp.json"));
  const json r = with_server(request("patient-view", p.id));
  {
    FakeFetcher f;  // the server answers nothing
    const CallOutcome o = services().call("khe-kmp", r.dump(), &f, kNow);
    EXPECT_EQ(o.response.status, 412);
    EXPECT_NE(o.response.body.find("patient: could not be fetched"), std::string::npos);
    EXPECT_EQ(o.response.body.find(p.id), std::string::npos);
  }
  {
    FakeFetcher f;
    serve(f, p);
    f.pages[fetch_url("conditions", p.id)] = "<html>Service Unavailable</html>";
    const CallOutcome o = services().call("khe-kmp", r.dump(), &f, kNow);
    EXPECT_EQ(o.response.status, 412);
    EXPECT_NE(o.response.body.find("conditions: the FHIR server's answer is not a FHIR resource"),
              std::string::npos)
        << o.response.body;
  }
  {
    FakeFetcher f;
    serve(f, p);
    f.pages[fetch_url("patient", p.id)] =
        json({{"resourceType", "OperationOutcome"}, {"issue", json::array()}}).dump();
    const CallOutcome o = services().call("khe-kmp", r.dump(), &f, kNow);
    EXPECT_EQ(o.response.status, 412);
    EXPECT_NE(o.response.body.find("expected a Patient"), std::string::npos) << o.response.body;
  }
  {
    // A fhirServer but no fetcher (the server runs without outgoing HTTP): 412.
    const CallOutcome o = services().call("khe-kmp", r.dump(), nullptr, kNow);
    EXPECT_EQ(o.response.status, 412);
  }
}

}  // namespace
}  // namespace khe::cds::testing

namespace khe::cds::testing {
namespace {

// Called without a fetcher, a request that names a fhirServer for what is missing says
// so (serve then calls again where blocking on the network is allowed); one without a
// fhirServer is simply unobtainable.
TEST(CdsFetch, WithoutAFetcherTheCallSaysItNeedsOne) {
  const Patient p = as_prefetch(example("ex01-khe-severe-kmp.json"));
  const std::string with = with_server(request("patient-view", p.id)).dump();
  const CallOutcome o = services().call("khe-kmp", with, nullptr, kNow);
  EXPECT_EQ(o.response.status, 412);
  EXPECT_TRUE(o.needs_fetch);
  EXPECT_FALSE(o.evaluated);

  const CallOutcome without =
      services().call("khe-kmp", request("patient-view", p.id).dump(), nullptr, kNow);
  EXPECT_EQ(without.response.status, 412);
  EXPECT_FALSE(without.needs_fetch);

  const CallOutcome prefetched =
      services().call("khe-kmp", with_server(patient_view(p)).dump(), nullptr, kNow);
  EXPECT_EQ(prefetched.response.status, 200);
  EXPECT_FALSE(prefetched.needs_fetch);
}

}  // namespace
}  // namespace khe::cds::testing

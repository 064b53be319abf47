// POST /cds-services/{id}/feedback: validated, one item per distinct card/outcome/time.
#include "cds_test_util.h"

namespace khe::cds::testing {
namespace {

constexpr const char* kCard = "4e0a3a1e-3283-4575-ab82-028d55fe2719";

json accepted() {
  return {{"card", kCard},
          {"outcome", "accepted"},
          {"acceptedSuggestions", {{{"id", "e56e1945-20b3-4393-8503-a1a20fd73152"}}}},
          {"outcomeTimestamp", "2020-12-11T00:00:00Z"}};
}

json overridden() {
  return {{"card", kCard},
          {"outcome", "overridden"},
          {"overrideReason",
           {{"reason", {{"code", "contraindicated"}, {"system", "http://example.org"}}},
            {"userComment", "platelets recovering"}}},
          {"outcomeTimestamp", "2020-12-11T00:05:00Z"}};
}

Result<std::vector<FeedbackItem>> parse(const json& body) {
  return services().parse_feedback(body.dump());
}

TEST(CdsFeedback, ValidFeedbackGivesOneItemPerKey) {
  auto items = parse({{"feedback", {accepted(), overridden(), accepted()}}});
  ASSERT_TRUE(items.ok()) << items.error().to_string();
  ASSERT_EQ(items->size(), 2u);  // the repeat in the same post counts once
  EXPECT_EQ((*items)[0].key, std::string(kCard) + "|accepted|2020-12-11T00:00:00Z");
  EXPECT_EQ((*items)[1].key, std::string(kCard) + "|overridden|2020-12-11T00:05:00Z");
  EXPECT_EQ(json::parse((*items)[0].json), accepted());
  // Posting again gives the same keys: the store keeps one of each.
  auto again = parse({{"feedback", {accepted()}}});
  ASSERT_TRUE(again.ok());
  EXPECT_EQ((*again)[0].key, (*items)[0].key);
  // Overridden without a reason is valid.
  json plain = overridden();
  plain.erase("overrideReason");
  EXPECT_TRUE(parse({{"feedback", {plain}}}).ok());
}

TEST(CdsFeedback, InvalidFeedbackNamesThePath) {
  auto error_of = [](const json& entry) {
    auto r = parse({{"feedback", {overridden(), entry}}});
    return r.ok() ? std::string() : r.error().to_string();
  };
  json e = accepted();
  e.erase("acceptedSuggestions");
  EXPECT_EQ(error_of(e).rfind("feedback[1].acceptedSuggestions", 0), 0u) << error_of(e);
  e = accepted();
  e["acceptedSuggestions"] = json::array();
  EXPECT_EQ(error_of(e).rfind("feedback[1].acceptedSuggestions", 0), 0u);
  e = accepted();
  e["acceptedSuggestions"][0].erase("id");
  EXPECT_EQ(error_of(e).rfind("feedback[1].acceptedSuggestions[0].id", 0), 0u);
  e = accepted();
  e["outcome"] = "ignored";
  EXPECT_EQ(error_of(e).rfind("feedback[1].outcome", 0), 0u);
  e = accepted();
  e.erase("outcomeTimestamp");
  EXPECT_EQ(error_of(e).rfind("feedback[1].outcomeTimestamp", 0), 0u);
  e = accepted();
  e["outcomeTimestamp"] = "2020-12-11";  // a date is not an instant
  EXPECT_EQ(error_of(e).rfind("feedback[1].outcomeTimestamp", 0), 0u);
  e = accepted();
  e["card"] = "card-1";
  EXPECT_EQ(error_of(e).rfind("feedback[1].card", 0), 0u);
  e = overridden();
  e["overrideReason"] = "because";
  EXPECT_EQ(error_of(e).rfind("feedback[1].overrideReason", 0), 0u);
  EXPECT_EQ(error_of(json("text")).rfind("feedback[1]", 0), 0u);

  for (const std::string body :
       {"", "[]", "{}", R"({"feedback":{}})", "<html>", "{\"feedback\":["}) {
    EXPECT_FALSE(services().parse_feedback(body).ok()) << body;
  }
  EXPECT_TRUE(services().parse_feedback(R"({"feedback":[]})").ok());
}

}  // namespace
}  // namespace khe::cds::testing

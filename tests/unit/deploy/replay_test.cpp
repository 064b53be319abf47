// A CDS token is good for one call in the whole deployment, not once per replica: its jti
// is recorded in the shared database (serve/store_replay_guard.h), so a token accepted by
// one replica is refused (401 "token already used") by any other — directly, through the
// balancer, and when two replicas get the same token at the same moment.
#include <atomic>
#include <cstdio>
#include <thread>

#include <gtest/gtest.h>

#include "deploy/deployment.h"

namespace khe::deploy::testing {
namespace {

using test_support::http_call;

class DeployReplay : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!deployment_unavailable().empty()) return;
    std::string why;
    deployment_ = Deployment::start(&why).release();
    if (deployment_ == nullptr) {
      why_ = why;
      return;
    }
    discovery_ = new json(discover(deployment_->port(), deployment_->url()));
  }
  static void TearDownTestSuite() {
    if (deployment_ != nullptr) deployment_->stop_and_verify();
    delete deployment_;
    delete discovery_;
    deployment_ = nullptr;
    discovery_ = nullptr;
  }
  void SetUp() override {
    if (std::string no = deployment_unavailable(); !no.empty()) GTEST_SKIP() << no;
    ASSERT_NE(deployment_, nullptr) << why_;
    ASSERT_TRUE(discovery_->is_object()) << "discovery failed";
    service_ = patient_view_service(*discovery_);
    path_ = "/cds-services/" + service_;
    request_ = patient_view_request(*discovery_);
  }

  static Deployment& d() { return *deployment_; }
  HttpReply post(std::uint16_t port, const std::string& authorization) const {
    return http_call(port, "POST", path_,
                     {{"Content-Type", "application/json"}, {"Authorization", authorization}},
                     request_.dump());
  }
  static void expect_replay_refusal(const HttpReply& r, const std::string& what) {
    EXPECT_EQ(r.status, 401) << what << ": " << r.error << r.body;
    const json body = json::parse(r.body, nullptr, false);
    ASSERT_TRUE(body.is_object()) << what << ": " << r.body;
    EXPECT_EQ(body.value("message", ""), "token already used") << what << ": " << r.body;
    EXPECT_TRUE(r.has_header("www-authenticate")) << what;
  }

  static inline Deployment* deployment_ = nullptr;
  static inline json* discovery_ = nullptr;
  static inline std::string why_;
  std::string service_, path_;
  json request_;
};

TEST_F(DeployReplay, ATokenUsedOnOneReplicaIsRefusedByTheOther) {
  const std::uint16_t a = d().replica(0).port(), b = d().replica(1).port();
  // Either way round: A then B, B then A.
  for (const auto& [first, second] : {std::pair{a, b}, std::pair{b, a}}) {
    const std::string token = fresh_token(d().url(), path_);
    const HttpReply ok = post(first, token);
    ASSERT_EQ(ok.status, 200) << ok.error << ok.body;
    expect_replay_refusal(post(second, token), "the other replica");
    expect_replay_refusal(post(first, token), "the same replica");
  }
}

TEST_F(DeployReplay, ATokenSentTwiceThroughTheBalancerIsRefusedTheSecondTime) {
  // Round robin sends the second try to the other replica as often as to the same one;
  // either way it is refused.
  for (int i = 0; i < 8; ++i) {
    SCOPED_TRACE(i);
    const std::string token = fresh_token(d().url(), path_);
    const HttpReply ok = post(d().port(), token);
    ASSERT_EQ(ok.status, 200) << ok.error << ok.body;
    expect_replay_refusal(post(d().port(), token), "through nginx");
  }
}

TEST_F(DeployReplay, TwoReplicasGivenTheSameTokenAtOnceAcceptItExactlyOnce) {
  const std::uint16_t ports[2] = {d().replica(0).port(), d().replica(1).port()};
  // Discovery (the token check alone) for many rounds, hook calls (a token check, an
  // evaluation and an audit entry) for some.
  constexpr int kRounds = 120;
  int accepted_by[2] = {0, 0};
  for (int round = 0; round < kRounds; ++round) {
    SCOPED_TRACE(round);
    const bool hook = round % 6 == 0;
    const std::string path = hook ? path_ : "/cds-services";
    const std::string token = fresh_token(d().url(), path);
    std::atomic<int> ready{0};
    HttpReply replies[2];
    auto send = [&](int i) {
      ++ready;
      while (ready.load() < 2) {
      }  // both threads start their request together
      replies[i] = hook ? post(ports[i], token)
                        : http_call(ports[i], "GET", "/cds-services", {{"Authorization", token}});
    };
    std::thread other(send, 1);
    send(0);
    other.join();
    int ok = 0;
    for (int i = 0; i < 2; ++i) {
      if (replies[i].status == 200) {
        ++ok;
        ++accepted_by[i];
      } else {
        expect_replay_refusal(replies[i], "replica " + std::to_string(i));
      }
    }
    ASSERT_EQ(ok, 1) << replies[0].status << " " << replies[1].status;
  }
  // Which replica wins is up to the race (not asserted): shown for the record.
  std::printf("[ info     ] accepted by replica 0: %d, by replica 1: %d\n", accepted_by[0],
              accepted_by[1]);
}

}  // namespace
}  // namespace khe::deploy::testing

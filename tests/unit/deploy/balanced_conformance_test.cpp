// The CDS Hooks conformance suite (serve/cds_conformance_suite.h) through nginx in front of
// two `khe serve` replicas on one PostgreSQL database: what an EHR sees of a multi-centre
// deployment must be what it sees of one server. At the end both replicas drain and exit
// 0 and `khe audit verify` finds the shared chain intact.
//
// Not run here (single-server only, in khe_serve_tests): the answers of khe's own HTTP
// parser to malformed HTTP and oversized headers, which behind the balancer nginx gives.
#include <gtest/gtest.h>

#include "deploy/deployment.h"
#include "serve/cds_conformance_suite.h"

namespace khe::serve {
namespace {

using deploy::testing::Deployment;

class Balanced final : public CdsEnvironment {
 public:
  static std::unique_ptr<CdsEnvironment> start(std::string* why, bool* skip) {
    if (std::string no = deploy::testing::deployment_unavailable(); !no.empty()) {
      *skip = true;
      *why = no;
      return nullptr;
    }
    auto env = std::make_unique<Balanced>();
    env->deployment_ = Deployment::start(why);
    if (!env->deployment_) return nullptr;
    return env;
  }
  std::uint16_t port() const override { return deployment_->port(); }
  std::string url() const override { return deployment_->url(); }
  std::string db() const override { return deployment_->db(); }
  void stop_and_verify() override { deployment_->stop_and_verify(); }

 private:
  std::unique_ptr<Deployment> deployment_;
};

INSTANTIATE_TEST_SUITE_P(Nginx, CdsConformance,
                         ::testing::Values(CdsTarget{"TwoReplicasOnPostgres", &Balanced::start}),
                         target_name);

}  // namespace
}  // namespace khe::serve

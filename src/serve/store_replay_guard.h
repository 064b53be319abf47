// The JWT replay cache of `khe serve`, kept in the store (table used_tokens) so that every
// replica sharing the database refuses a token another replica has already accepted.
#pragma once

#include <string_view>

#include "auth/replay_cache.h"
#include "store/store.h"

namespace khe::serve {

// Thread-safe (the store is). A store error is `unavailable`: the token is refused (503,
// retry) rather than accepted unchecked — fail closed.
class StoreReplayGuard final : public auth::ReplayGuard {
 public:
  explicit StoreReplayGuard(store::Store& store) : store_(store) {}  // store outlives this
  Verdict remember(std::string_view id, Instant until, Instant now) override;

 private:
  store::Store& store_;
};

}  // namespace khe::serve

// The memory of used JWT ids (`jti`), so that no token is accepted twice.
#pragma once

#include <cstddef>
#include <functional>
#include <mutex>
#include <queue>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/time.h"

namespace khe::auth {

// Thread-safe (one mutex): the server shares one cache between its workers.
// Invariants:
//  - an id is remembered from the call that admitted it until its `until` instant (the
//    verifier passes exp + skew: as long as the token itself could still be accepted);
//  - entries whose `until` is ≤ now are evicted at the start of every call, so memory holds
//    live entries only;
//  - at most `capacity` live entries; when full the cache refuses new ids (fails closed)
//    rather than forgetting a live one.
class ReplayCache {
 public:
  static constexpr std::size_t kDefaultCapacity = std::size_t{1} << 20;

  explicit ReplayCache(std::size_t capacity = kDefaultCapacity) : capacity_(capacity) {}
  ReplayCache(const ReplayCache&) = delete;
  ReplayCache& operator=(const ReplayCache&) = delete;

  enum class Verdict {
    fresh,     // not seen: remembered now (or already past `until`: nothing to remember)
    replayed,  // remembered and live: refuse the token
    full,      // not seen, but `capacity` live entries are held: refuse the token
  };

  Verdict remember(std::string_view id, Instant until, Instant now);

  // True only for Verdict::fresh.
  bool check_and_remember(std::string_view id, Instant until, Instant now) {
    return remember(id, until, now) == Verdict::fresh;
  }

  // Live entries after the last call's eviction.
  std::size_t size() const;

 private:
  void evict_expired(Instant now);  // requires mu_ held

  using Slot = std::pair<Instant, std::string>;  // (until, id), earliest first in queue_
  const std::size_t capacity_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, Instant> until_;
  std::priority_queue<Slot, std::vector<Slot>, std::greater<>> queue_;
};

}  // namespace khe::auth

// The memory of used JWT ids (`jti`), so that no token is accepted twice: the interface
// (ReplayGuard) and its in-process form (ReplayCache). `khe serve` uses the database's form
// (serve/store_replay_guard.h), shared by every replica.
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

// Remembers that a token id was used, until an instant. Implementations are thread-safe.
class ReplayGuard {
 public:
  enum class Verdict {
    fresh,        // not seen: remembered now (or already past `until`: nothing to remember)
    replayed,     // remembered and live: refuse the token
    full,         // not seen, but no room to remember it: refuse the token (fail closed)
    unavailable,  // could not be checked (the database is down): refuse, retry later
  };
  virtual ~ReplayGuard() = default;
  virtual Verdict remember(std::string_view id, Instant until, Instant now) = 0;
};

// Thread-safe (one mutex): the server shares one cache between its workers.
// Invariants:
//  - an id is remembered from the call that admitted it until its `until` instant (the
//    verifier passes exp + skew: as long as the token itself could still be accepted);
//  - entries whose `until` is ≤ now are evicted at the start of every call, so memory holds
//    live entries only;
//  - at most `capacity` live entries; when full the cache refuses new ids (fails closed)
//    rather than forgetting a live one.
class ReplayCache final : public ReplayGuard {
 public:
  static constexpr std::size_t kDefaultCapacity = std::size_t{1} << 20;

  explicit ReplayCache(std::size_t capacity = kDefaultCapacity) : capacity_(capacity) {}
  ReplayCache(const ReplayCache&) = delete;
  ReplayCache& operator=(const ReplayCache&) = delete;

  // Never `unavailable`; `full` when `capacity` live entries are held.
  Verdict remember(std::string_view id, Instant until, Instant now) override;

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

#include "auth/replay_cache.h"

namespace khe::auth {

void ReplayCache::evict_expired(Instant now) {
  while (!queue_.empty() && queue_.top().first <= now) {
    const auto it = until_.find(queue_.top().second);
    // An id is in queue_ once per admission; the map holds the same `until`.
    if (it != until_.end() && it->second <= now) until_.erase(it);
    queue_.pop();
  }
}

ReplayCache::Verdict ReplayCache::remember(std::string_view id, Instant until, Instant now) {
  std::lock_guard lock(mu_);
  evict_expired(now);
  std::string key(id);
  if (until_.contains(key)) return Verdict::replayed;
  if (until <= now) return Verdict::fresh;  // would be evicted at once
  if (until_.size() >= capacity_) return Verdict::full;
  until_.emplace(key, until);
  queue_.emplace(until, std::move(key));
  return Verdict::fresh;
}

std::size_t ReplayCache::size() const {
  std::lock_guard lock(mu_);
  return until_.size();
}

}  // namespace khe::auth

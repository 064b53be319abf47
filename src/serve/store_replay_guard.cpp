#include "serve/store_replay_guard.h"

#include "serve/log.h"

namespace khe::serve {

auth::ReplayGuard::Verdict StoreReplayGuard::remember(std::string_view id, Instant until,
                                                      Instant now) {
  if (until <= now) return Verdict::fresh;  // could not be accepted again anyway
  auto fresh = store_.use_token(id, until, now);
  if (!fresh) {
    // The message names the database and the failure, never the token.
    log_event(Level::error, "replay_check_failed", {{"error", fresh.error().to_string()}});
    return Verdict::unavailable;
  }
  return *fresh ? Verdict::fresh : Verdict::replayed;
}

}  // namespace khe::serve

// Structured logs of `khe serve`: one JSON object per line on standard error, e.g.
//   {"time":"2026-11-28T01:02:03.456Z","level":"info","event":"request","method":"POST",
//    "route":"/cds-services/{id}","service":"khe-kmp","status":200,"us":812}
// Fields are chosen by the caller from a closed vocabulary of non-identifying facts: route
// templates, service ids, status codes, durations, counts, error codes. Never a patient
// id, a resource, a value, a path with an id in it, a query string or a token.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string_view>
#include <utility>
#include <variant>

namespace khe::serve {

enum class Level { debug, info, warn, error };

using LogValue = std::variant<std::string_view, std::int64_t, bool>;
using LogField = std::pair<std::string_view, LogValue>;

// Thread-safe. Lines below the threshold (set_log_level; default info) are dropped.
void log_event(Level level, std::string_view event, std::initializer_list<LogField> fields = {});
void set_log_level(Level level);
// Request lines (event "request") can be switched off for load tests (--quiet).
void set_request_logging(bool on);
bool request_logging();

}  // namespace khe::serve

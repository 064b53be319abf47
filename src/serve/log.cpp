#include "serve/log.h"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "core/time.h"

namespace khe::serve {
namespace {

std::atomic<int> g_level{static_cast<int>(Level::info)};
std::atomic<bool> g_requests{true};

std::shared_ptr<spdlog::logger> logger() {
  static const std::shared_ptr<spdlog::logger> l = [] {
    auto made = std::make_shared<spdlog::logger>("khe-serve",
                                                 std::make_shared<spdlog::sinks::stderr_sink_mt>());
    made->set_pattern("%v");  // the line is already a complete JSON object
    made->set_level(spdlog::level::trace);
    made->flush_on(spdlog::level::trace);
    return made;
  }();
  return l;
}

const char* level_name(Level level) {
  switch (level) {
    case Level::debug:
      return "debug";
    case Level::info:
      return "info";
    case Level::warn:
      return "warn";
    case Level::error:
      return "error";
  }
  return "info";
}

// UTC with milliseconds; the log is the one place that reads the wall clock for itself.
std::string now_text() {
  const auto now = std::chrono::system_clock::now();
  const auto seconds = std::chrono::floor<std::chrono::seconds>(now);
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now - seconds).count();
  std::string text = format_instant(Instant(seconds.time_since_epoch()));  // ...:SSZ
  char frac[5] = {'.', char('0' + ms / 100), char('0' + ms / 10 % 10), char('0' + ms % 10), 0};
  if (!text.empty() && text.back() == 'Z') text.insert(text.size() - 1, frac);
  return text;
}

}  // namespace

void log_event(Level level, std::string_view event, std::initializer_list<LogField> fields) {
  if (static_cast<int>(level) < g_level.load(std::memory_order_relaxed)) return;
  nlohmann::ordered_json line;
  line["time"] = now_text();
  line["level"] = level_name(level);
  line["event"] = event;
  for (const LogField& field : fields) {  // (clang 14 cannot capture structured bindings)
    std::visit([&](const auto& v) { line[std::string(field.first)] = v; }, field.second);
  }
  logger()->info(line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

void set_log_level(Level level) { g_level.store(static_cast<int>(level)); }
void set_request_logging(bool on) { g_requests.store(on); }
bool request_logging() { return g_requests.load(std::memory_order_relaxed); }

}  // namespace khe::serve

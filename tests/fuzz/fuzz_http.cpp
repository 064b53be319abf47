// libFuzzer target for the request-to-handler path of `khe serve`: any bytes -> Beast's
// HTTP/1.1 parser with the server's limits -> http::Request (parse_target, as the server
// does) -> serve::App::handle (routing, CORS, CDS Hooks, the REST API over a real SQLite
// store, the web app's files). Nothing may crash or trip a sanitizer, every status must be
// a valid HTTP status, and every JSON body must be valid JSON.
#include <stdlib.h>
#include <unistd.h>

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "engine/evaluate.h"
#include "http/message.h"
#include "knowledge/knowledge.h"
#include "serve/app.h"
#include "serve/log.h"
#include "store/store.h"

namespace {

namespace beast = boost::beast;

struct World {
  khe::knowledge::Knowledge knowledge;
  std::unique_ptr<khe::store::Store> store;
  std::unique_ptr<khe::serve::App> app;
};

World& world() {
  static World* w = [] {
    auto* made = new World{khe::knowledge::load_default(khe::engine::parameter_specs()).value(),
                           nullptr, nullptr};
    char dir[] = "/tmp/khe_fuzz_http_XXXXXX";
    if (::mkdtemp(dir) == nullptr) __builtin_trap();
    made->store = std::move(khe::store::Store::open(std::string(dir) + "/khe.db").value());
    khe::serve::set_request_logging(false);
    made->app = std::move(
        khe::serve::App::create(
            {.public_url = "http://127.0.0.1:8080",
             .insecure_no_auth = true,
             .cors_origins = {"https://app.example.org"}},
            *made->store, made->knowledge, *made->knowledge.profile("default"),
            [] { return std::chrono::system_clock::time_point(std::chrono::seconds(1786104000)); },
            nullptr, nullptr)
            .value());
    return made;
  }();
  return *w;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  World& w = world();
  beast::http::request_parser<beast::http::string_body> parser;
  parser.header_limit(16 * 1024);
  parser.body_limit(1u << 20);
  parser.eager(true);
  beast::error_code ec;
  parser.put(boost::asio::buffer(data, size), ec);
  if (ec || !parser.is_done()) return 0;  // the server answers 400 or waits for more
  const auto& m = parser.get();

  khe::http::Request request;
  request.method = std::string(m.method_string());
  request.target = std::string(m.target());
  auto target = khe::http::parse_target(request.target);
  if (!target) return 0;  // the server answers 400
  request.path = std::move(target->path);
  request.query = std::move(target->query);
  for (const auto& field : m) {
    request.headers.push_back({std::string(field.name_string()), std::string(field.value())});
  }
  request.body = m.body();

  const khe::http::Response r = w.app->handle(request);
  if (r.status < 100 || r.status > 599) __builtin_trap();
  if (r.content_type.rfind("application/json", 0) == 0 && !nlohmann::json::accept(r.body)) {
    __builtin_trap();
  }
  return 0;
}

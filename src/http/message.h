// HTTP requests and responses as handlers see them: plain values, no sockets, no Beast.
// The server (server.h) turns wire bytes into a Request and a Response into wire bytes;
// everything above it (cds/, api/, serve/) is written against these types only, so it is
// testable and fuzzable without a network.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace khe::http {

struct Header {
  std::string name;  // as sent; compared case-insensitively
  std::string value;
};

struct Request {
  std::string method;  // "GET", "POST", "OPTIONS", ... exactly as sent
  std::string target;  // the raw request-target, e.g. "/api/patients?limit=5"
  std::string path;    // the target's path, percent-decoded ("/api/patients")
  std::vector<std::pair<std::string, std::string>> query;  // decoded, in order
  std::vector<Header> headers;
  std::string body;
  std::string remote;  // peer address, for connection logs only

  // The first header with this name (case-insensitive); empty when absent.
  std::string_view header(std::string_view name) const;
  // The first query parameter with this name; nullopt when absent.
  std::optional<std::string_view> query_param(std::string_view name) const;
};

struct Response {
  int status = 200;
  std::string content_type;     // e.g. "application/json"; empty for no body
  std::vector<Header> headers;  // extra headers (CORS, WWW-Authenticate, caching, ...)
  std::string body;

  void set_header(std::string name, std::string value);  // replaces one of the same name
};

// {"error": code, "message": message} with the status. `message` must not quote patient
// data; it may name a JSON path or a parameter.
Response error_response(int status, std::string_view code, std::string_view message);
Response json_response(int status, std::string body);

// Splits a request-target into a decoded path and query. nullopt for a target that is not
// origin-form ("/..."), has invalid percent-encoding, decodes to a NUL or control byte, or
// whose path has a "." or ".." segment (never resolved: refused).
struct Target {
  std::string path;
  std::vector<std::pair<std::string, std::string>> query;
};
std::optional<Target> parse_target(std::string_view target);

// The media type of a Content-Type value: lowercase, without parameters or surrounding
// blanks ("Application/JSON; charset=utf-8" -> "application/json").
std::string media_type(std::string_view content_type);
// application/json or application/fhir+json.
bool is_json_media(std::string_view media);

// Handlers run on the server's worker threads, several at once: they must be thread-safe.
// They never throw for bad input (an exception reaching the server is answered 500 and
// logged as a programming error).
using Handler = std::function<Response(const Request&)>;

// The answer to one request, for handlers that finish later (after an audit commit, say):
// call it once, from any thread; later calls are ignored. Copies share one answer. When
// the last copy goes without an answer, the request is answered 500 — a handler bug may
// not leave a client waiting. Thread-safe.
class Responder {
 public:
  using Send = std::function<void(Response)>;
  Responder() = default;  // answers nothing (a default Responder is for tests only)
  explicit Responder(Send send);
  void operator()(Response response) const;
  bool answered() const;

 private:
  struct State;
  std::shared_ptr<State> state_;
};

// An asynchronous handler: it may answer before it returns or hand the Responder on.
// Same rules as Handler otherwise; an exception before answering is answered 500.
using AsyncHandler = std::function<void(const Request&, Responder)>;

}  // namespace khe::http

#include "serve/run.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <fstream>
#include <iterator>
#include <optional>
#include <ostream>
#include <sstream>
#include <thread>
#include <utility>

#include "auth/jwks.h"
#include "http/server.h"
#include "serve/app.h"
#include "serve/fetcher.h"
#include "serve/log.h"
#include "serve/store_replay_guard.h"
#include "store/store.h"

namespace khe::serve {
namespace {

// An address literal in 127.0.0.0/8, ::1 or ::ffff:127.x.y.z, or the name localhost:
// reachable from this machine only. Any other name is not (a name can resolve anywhere,
// "127.0.0.1.example.org" included).
bool is_loopback(std::string host) {
  for (auto& c : host) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (host == "localhost" || host == "localhost.") return true;
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  unsigned char v4[4];
  if (inet_pton(AF_INET, host.c_str(), v4) == 1) return v4[0] == 127;
  unsigned char v6[16];
  if (inet_pton(AF_INET6, host.c_str(), v6) != 1) return false;
  static constexpr unsigned char kLoopback[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
  static constexpr unsigned char kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  return std::equal(v6, v6 + 16, kLoopback) || (std::equal(v6, v6 + 12, kMapped) && v6[12] == 127);
}

// An RFC 9110 token: the characters a header name may hold.
bool valid_header_name(const std::string& name) {
  static constexpr std::string_view kSpecial = "!#$%&'*+-.^_`|~";
  return !name.empty() && name.size() <= 64 && std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) ||
           kSpecial.find(c) != std::string_view::npos;
  });
}

constexpr int kOk = 0;
constexpr int kFailure = 1;
constexpr int kUsage = 2;
constexpr int kUnreadable = 3;
constexpr std::size_t kMaxJwksFileBytes = 1u << 20;
constexpr std::size_t kMaxImportBytes = 64u << 20;

std::optional<std::string> read_file(const std::string& path, std::size_t limit) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::string bytes;
  bytes.resize(limit + 1);
  in.read(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  bytes.resize(static_cast<std::size_t>(in.gcount()));
  if (bytes.size() > limit || in.bad()) return std::nullopt;
  return bytes;
}

bool is_http_url(std::string_view url) {
  return url.substr(0, 7) == "http://" || url.substr(0, 8) == "https://";
}

// Loads the example Bundles given with --import (make run); a patient already stored is
// kept as it is.
bool import_bundles(App& app, const std::vector<std::string>& files, const std::string& user_header,
                    std::ostream& err) {
  for (const std::string& file : files) {
    auto bytes = read_file(file, kMaxImportBytes);
    if (!bytes) {
      err << "error: " << file << ": cannot read the file\n";
      return false;
    }
    http::Request request;
    request.method = "POST";
    request.target = request.path = "/api/patients/import";
    request.headers.push_back({"Content-Type", "application/fhir+json"});
    // The operator who started the server, in the audit as "user khe-serve-import".
    if (!user_header.empty()) request.headers.push_back({user_header, "khe-serve-import"});
    request.body = std::move(*bytes);
    const http::Response r = app.handle(request);
    if (r.status == 409) continue;
    if (r.status < 200 || r.status > 299) {
      err << "error: " << file << ": import refused (HTTP " << r.status << "): " << r.body << "\n";
      return false;
    }
  }
  return true;
}

// An exclusive flock on a file beside the SQLite database, held while the server runs, so a
// second `khe serve` on the same file refuses to start. A lock file of its own, not the
// database: closing any descriptor of the database would drop SQLite's POSIX locks.
class SingleServerLock {
 public:
  SingleServerLock() = default;
  static Result<SingleServerLock> take(const std::string& path) {
    SingleServerLock lock;
    lock.fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (lock.fd_ < 0) return Error{path, "cannot create the lock file"};
    if (::flock(lock.fd_, LOCK_EX | LOCK_NB) != 0) {
      return Error{path,
                   "another khe serve uses this SQLite file (one process per file; for several "
                   "replicas use a postgresql:// database, see docs/deployment.md)"};
    }
    return lock;
  }
  SingleServerLock(SingleServerLock&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  SingleServerLock& operator=(SingleServerLock&& o) noexcept {
    if (this != &o) {
      if (fd_ >= 0) ::close(fd_);
      fd_ = std::exchange(o.fd_, -1);
    }
    return *this;
  }
  ~SingleServerLock() {
    if (fd_ >= 0) ::close(fd_);
  }

 private:
  int fd_ = -1;
};

}  // namespace

int run(const ServeOptions& o, const knowledge::Knowledge& knowledge,
        const knowledge::Profile& profile, std::ostream& out, std::ostream& err) {
  set_request_logging(!o.quiet);
  if (!o.public_url.empty() && !is_http_url(o.public_url)) {
    err << "error: --public-url must start with http:// or https://\n";
    return kUsage;
  }
  // The API reads and changes patients' records and has no login of its own: off the
  // loopback interface it needs the user from an authenticating proxy, or an explicit
  // override.
  if (o.insecure_no_auth && !is_loopback(o.host)) {
    err << "error: --insecure-no-auth is for local use only: with --host " << o.host
        << " anyone on the network could call the CDS services (and make the server fetch "
           "from any fhirServer they name)\n";
    return kUsage;
  }
  if (!is_loopback(o.host) && o.api_user_header.empty() && !o.insecure_open_api) {
    err << "error: --host " << o.host
        << " exposes the patients' API to the network without a login: put the server behind "
           "the hospital's authenticating proxy and give --api-user-header (or, knowingly, "
           "--insecure-open-api)\n";
    return kUsage;
  }
  if (!o.api_user_header.empty() && !valid_header_name(o.api_user_header)) {
    err << "error: --api-user-header: not an HTTP header name\n";
    return kUsage;
  }
  for (const std::string& url : o.jku_allowlist) {
    if (url.substr(0, 8) != "https://") {
      err << "error: --jku URLs must be https://\n";
      return kUsage;
    }
  }

  // Signals: blocked here, before any thread starts, so every thread inherits the mask and
  // only sigwait below sees them. SIGPIPE is ignored (a peer closing mid-write is an error
  // value, not a death).
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  ::signal(SIGPIPE, SIG_IGN);

  auto store = store::Store::open(o.db);
  if (!store) {
    err << "error: " << store.error().to_string() << "\n";
    return kUnreadable;
  }
  // A SQLite file serves one process: its replay cache is in that process's memory (a
  // shared table would put a write on every request's path, behind the audit's fsync).
  // Several replicas share a PostgreSQL database instead.
  SingleServerLock sqlite_lock;
  if (!(*store)->shared()) {
    auto locked = SingleServerLock::take(o.db + ".serve-lock");
    if (!locked) {
      err << "error: " << locked.error().to_string() << "\n";
      return kUnreadable;
    }
    sqlite_lock = std::move(locked).value();
  }

  auth::Jwks jwks;
  if (!o.jwks_file.empty()) {
    auto text = read_file(o.jwks_file, kMaxJwksFileBytes);
    if (!text) {
      err << "error: " << o.jwks_file << ": cannot read the JWK Set (or over 1 MiB)\n";
      return kUnreadable;
    }
    auto parsed = auth::parse_jwks(*text);
    if (!parsed) {
      err << "error: " << o.jwks_file << ": " << parsed.error().message << "\n";
      return kUsage;
    }
    jwks = std::move(*parsed);
  }
  if (!o.insecure_no_auth && o.issuers.empty()) {
    err << "error: the CDS routes need --issuer and --jwks (or --jku); --insecure-no-auth "
           "turns authentication off for local use\n";
    return kUsage;
  }

  // The server needs the App and the App needs the public URL, which by default names the
  // bound port: so the handler forwards to an App created right after the bind.
  std::unique_ptr<App> app;
  std::atomic<App*> ready{nullptr};
  http::ServerOptions server_options;
  server_options.host = o.host;
  server_options.port = o.port;
  // The workers only compute (App::handle moves what may block to its own pool, and no
  // handler waits for the audit's fsync), so one per core: more would only take turns.
  server_options.workers = o.workers;  // 0: one per hardware thread
  auto server = http::Server::start(
      server_options, http::AsyncHandler([&ready](const http::Request& r, http::Responder done) {
        App* a = ready.load(std::memory_order_acquire);
        if (a == nullptr) {
          done(http::error_response(503, "starting", "the server is starting"));
          return;
        }
        a->handle(r, std::move(done));
      }),
      [](std::string_view level, std::string_view event, std::string_view detail) {
        const Level l = level == "error"   ? Level::error
                        : level == "warn"  ? Level::warn
                        : level == "debug" ? Level::debug
                                           : Level::info;
        log_event(l, event, {{"detail", detail}});
      });
  if (!server) {
    err << "error: " << server.error().to_string() << "\n";
    return kFailure;
  }
  const std::string local_url = "http://" + o.host + ":" + std::to_string((*server)->port());
  const std::string public_url = o.public_url.empty() ? local_url : o.public_url;

  std::unique_ptr<AuthGate> gate;
  if (!o.insecure_no_auth) {
    // On PostgreSQL used token ids live in the database: a token replayed against another
    // replica is refused there too. On SQLite (one process) in this process's memory.
    auto made = AuthGate::create(
        {.public_url = public_url,
         .issuers = o.issuers,
         .jku_allowlist = o.jku_allowlist,
         .jwks = jwks,
         .replay = (*store)->shared() ? std::make_shared<StoreReplayGuard>(**store) : nullptr},
        fetch_jwks);
    if (!made) {
      err << "error: " << made.error().to_string() << "\n";
      return kUsage;
    }
    gate = std::move(made).value();
  }
  AppOptions app_options;
  app_options.public_url = public_url;
  app_options.insecure_no_auth = o.insecure_no_auth;
  app_options.cors_origins = o.cors_origins;
  app_options.blocking_workers = o.blocking_workers;
  app_options.api_user_header = o.api_user_header;
  auto created = App::create(
      std::move(app_options), **store, knowledge, profile,
      [] { return std::chrono::system_clock::now(); }, std::move(gate),
      std::make_unique<HttpFhirFetcher>());
  if (!created) {
    err << "error: " << created.error().to_string() << "\n";
    return kUsage;
  }
  app = std::move(created).value();
  if (!import_bundles(*app, o.imports, o.api_user_header, err)) return kUnreadable;
  ready.store(app.get(), std::memory_order_release);

  if (o.insecure_no_auth) {
    log_event(Level::warn, "insecure_no_auth",
              {{"detail", "CDS routes accept calls WITHOUT authentication: local use only"}});
    err << "WARNING: --insecure-no-auth: the CDS Hooks routes accept unauthenticated calls. "
           "Never use this outside a local machine.\n";
  }
  log_event(Level::info, "listening", {{"url", std::string_view(local_url)}});
  out << "khe serve: listening on " << local_url << std::endl;

  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  log_event(Level::info, "draining", {{"signal", std::int64_t{signal_number}}});
  app->start_draining();
  (*server)->shutdown(std::chrono::seconds(o.drain_seconds));
  (*server)->wait();
  server.value().reset();  // no handler runs past this point; the App and store may go
  ready.store(nullptr);
  log_event(Level::info, "stopped");
  return kOk;
}

}  // namespace khe::serve

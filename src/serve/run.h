// `khe serve`: the process around App — store, authentication, HTTP server, signals.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

#include "knowledge/knowledge.h"

namespace khe::serve {

struct ServeOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 8080;  // 0: any free port (printed)
  std::string db = "khe.db";
  std::string public_url;  // default http://HOST:PORT (the bound port)
  std::string jwks_file;
  std::vector<std::string> issuers;
  std::vector<std::string> jku_allowlist;
  std::vector<std::string> cors_origins;
  bool insecure_no_auth = false;
  std::string api_user_header;       // set by an authenticating proxy: required on /api
  bool insecure_open_api = false;    // allow an API without login on a non-loopback host
  unsigned workers = 0;              // CPU workers; 0: one per hardware thread
  unsigned blocking_workers = 32;    // threads for store writes and FHIR fetches
  std::vector<std::string> imports;  // FHIR Bundles loaded at start when not yet stored
  bool quiet = false;                // no per-request log lines (load tests)
  int drain_seconds = 10;            // SIGTERM: time in-flight requests get to finish
};

// Runs until SIGTERM or SIGINT, then drains. Prints one line on `out` when ready:
//   khe serve: listening on http://HOST:PORT
// Returns the exit status: 0 after a clean drain, 2 for unusable options (written to
// `err`), 3 when the database or a file cannot be opened, 1 for other failures.
int run(const ServeOptions& options, const knowledge::Knowledge& knowledge,
        const knowledge::Profile& profile, std::ostream& out, std::ostream& err);

}  // namespace khe::serve

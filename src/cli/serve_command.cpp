#include "cli/serve_command.h"

#include <ostream>

#include <CLI/CLI.hpp>

#include "cli/cli.h"
#include "cli/input.h"
#include "cli/knowledge_source.h"

namespace khe::cli {

CLI::App* add_serve_subcommand(CLI::App& app, ServeCommandOptions& o) {
  CLI::App* s =
      app.add_subcommand("serve", "Serve CDS Hooks 2.0, the REST API and the web app over HTTP");
  serve::ServeOptions& v = o.serve;
  s->add_option("--host", v.host, "Address to listen on (default 127.0.0.1)");
  s->add_option("--port", v.port, "TCP port (default 8080; 0 = any free port)");
  s->add_option("--db", v.db,
                "The store: a SQLite file (created when missing; default khe.db) or a "
                "postgresql:// URL (the database must exist; its tables are created)");
  s->add_option("--public-url", v.public_url,
                "URL clients use to reach this server: the JWT audience and the cards' links "
                "(default http://HOST:PORT)");
  s->add_option("--jwks", v.jwks_file, "JWK Set file with the EHRs' public keys");
  s->add_option("--issuer", v.issuers, "Trusted JWT issuer (repeatable)");
  s->add_option("--jku", v.jku_allowlist, "Trusted JWK Set URL for a token's jku (repeatable)");
  s->add_option("--cors-origin", v.cors_origins,
                "Origin allowed to call from a browser (repeatable; none by default)");
  s->add_option("--api-user-header", v.api_user_header,
                "Header in which the hospital's authenticating proxy names the user (e.g. "
                "X-Remote-User): the API and web app then require it, and audit the user");
  s->add_flag("--insecure-open-api", v.insecure_open_api,
              "Serve the API without --api-user-header on a non-loopback --host");
  s->add_flag("--insecure-no-auth", v.insecure_no_auth,
              "Accept CDS calls without a token: local use only");
  s->add_option("--workers", v.workers, "Threads that evaluate (default: one per hardware thread)");
  s->add_option("--blocking-workers", v.blocking_workers,
                "Threads for store writes and FHIR-server fetches (default 32)")
      ->check(CLI::Range(1, 1024));
  s->add_option("--import", v.imports,
                "FHIR Bundle to load at start when its patient is not stored (repeatable)");
  s->add_flag("--quiet", v.quiet, "No per-request log lines (load tests)");
  s->add_option("--drain-seconds", v.drain_seconds,
                "On SIGTERM, time in-flight requests get to finish (default 10)")
      ->check(CLI::Range(0, 600));
  s->add_option("--knowledge", o.knowledge_dir, "Folder of knowledge files to use");
  s->add_option("--profile", o.profile, "Knowledge profile (default: default)");
  return s;
}

int serve_command(const ServeCommandOptions& o, std::ostream& out, std::ostream& err) {
  const auto loaded = load_command_knowledge(o.knowledge_dir, o.profile, err);
  if (!loaded) return kUsageError;
  const knowledge::Knowledge* knowledge = &loaded->knowledge;
  const knowledge::Profile* profile = loaded->profile;
  return serve::run(o.serve, *knowledge, *profile, out, err);
}

}  // namespace khe::cli

// `khe serve`: CDS Hooks 2.0, the REST API and the web app (src/serve). This file only
// declares the options and loads the knowledge; src/serve/run.cpp runs the server.
#pragma once

#include <iosfwd>
#include <optional>
#include <string>

#include "serve/run.h"

namespace CLI {
class App;
}

namespace khe::cli {

struct ServeCommandOptions {
  serve::ServeOptions serve;
  std::optional<std::string> knowledge_dir;
  std::string profile = "default";
};

CLI::App* add_serve_subcommand(CLI::App& app, ServeCommandOptions& options);
int serve_command(const ServeCommandOptions& options, std::ostream& out, std::ostream& err);

}  // namespace khe::cli

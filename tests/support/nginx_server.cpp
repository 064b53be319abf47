#include "support/nginx_server.h"

#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <stdexcept>
#include <thread>

#include "support/process.h"

namespace khe::test_support {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using Clock = std::chrono::steady_clock;

constexpr const char* kNginx = "/usr/sbin/nginx";

// "http://127.0.0.1:8080/" -> "127.0.0.1:8080".
std::string upstream_address(const std::string& url) {
  constexpr std::string_view kScheme = "http://";
  if (!url.starts_with(kScheme) || url.size() == kScheme.size()) {
    throw std::invalid_argument("nginx_config: not an http:// URL: " + url);
  }
  std::string address = url.substr(kScheme.size());
  while (!address.empty() && address.back() == '/') address.pop_back();
  if (address.find('/') != std::string::npos) {
    throw std::invalid_argument("nginx_config: an upstream is a host and port: " + url);
  }
  return address;
}

void replace_all(std::string& text, std::string_view from, const std::string& to) {
  for (std::size_t at = text.find(from); at != std::string::npos;
       at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
}

bool contains(const std::string& text, std::string_view what) {
  return text.find(what) != std::string::npos;
}

}  // namespace

std::string nginx_config(const std::string& dir, std::uint16_t port,
                         const std::vector<std::string>& upstream_urls) {
  // No `user` directive: the master is not root (support/daemon.h), so nginx would only
  // warn that it is ignored. (Started as root without one, nginx would look for a group
  // "nobody", which Debian lacks.)
  std::string conf = R"(# nginx in front of several `khe serve` replicas (khe test harness).
daemon off;
master_process on;
worker_processes 2;
pid @DIR@/nginx.pid;
error_log @DIR@/error.log warn;

events {
  worker_connections 1024;
}

http {
  access_log off;
  # The built-in temp paths are under /var/lib/nginx: keep everything in this folder.
  client_body_temp_path @DIR@/client_body_temp;
  proxy_temp_path @DIR@/proxy_temp;
  fastcgi_temp_path @DIR@/fastcgi_temp;
  uwsgi_temp_path @DIR@/uwsgi_temp;
  scgi_temp_path @DIR@/scgi_temp;

  upstream khe {
    # max_fails=1: one failed attempt takes a replica out for fail_timeout, so a dead
    # replica costs one retried request per 2 s, not one per request.
@SERVERS@    keepalive 32;  # idle connections kept open to the replicas, per worker
  }

  server {
    listen 127.0.0.1:@PORT@;
    location / {
      proxy_pass http://khe;
      # HTTP/1.1 and an empty Connection header: needed for the upstream keepalive.
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
      # A request is passed to the next replica when one refuses the connection, times
      # out or answers 502/503. Not `non_idempotent`: a POST (a hook call, a write) that
      # already reached a replica is never sent again, since the replica may have acted on
      # it (used the token's jti, stored the write) before it died; the client gets the
      # 502 and retries with a new token. A POST whose connection was refused did not
      # reach anyone and still goes to the next replica.
      proxy_next_upstream error timeout http_502 http_503;
      proxy_next_upstream_tries 2;
      proxy_connect_timeout 1s;
      proxy_read_timeout 60s;
      client_max_body_size 64m;
    }
  }
}
)";
  std::string servers;
  for (const std::string& url : upstream_urls) {
    servers += "    server " + upstream_address(url) + " max_fails=1 fail_timeout=2s;\n";
  }
  replace_all(conf, "@SERVERS@", servers);
  replace_all(conf, "@PORT@", std::to_string(port));
  replace_all(conf, "@DIR@", dir);
  return conf;
}

std::unique_ptr<NginxServer> NginxServer::start(const std::vector<std::string>& upstream_urls,
                                                std::string* why, std::uint16_t port) {
  std::string ignored;
  if (why == nullptr) why = &ignored;
  if (::access(kNginx, X_OK) != 0) {
    *why = std::string("nginx is not installed (") + kNginx + ")";
    return nullptr;
  }
  if (upstream_urls.empty()) {
    *why = "nginx needs at least one upstream";
    return nullptr;
  }
  std::unique_ptr<NginxServer> s(new NginxServer());
  if (!server_account(&s->account_, why)) return nullptr;
  s->dir_ = make_server_dir(s->account_, "nginx", why);
  if (s->dir_.empty()) return nullptr;
  const std::string conf = s->dir_ + "/nginx.conf";
  const std::string output = s->dir_ + "/nginx.out";  // stdout/stderr before the log opens

  // A port given by the caller is tried once (see nginx_server.h).
  const int attempts = port == 0 ? 5 : 1;
  for (int attempt = 0; attempt < attempts; ++attempt) {
    s->port_ = port == 0 ? free_loopback_port() : port;
    try {
      write_file(conf, nginx_config(s->dir_, s->port_, upstream_urls));
    } catch (const std::invalid_argument& e) {
      *why = e.what();
      return nullptr;
    }
    give_to(s->account_, conf);
    ::unlink((s->dir_ + "/nginx.pid").c_str());
    SpawnSpec spec;
    // -e: the error log before the configuration is read (default: stderr or /var/log).
    spec.argv = {kNginx, "-p", s->dir_, "-c", conf, "-e", s->dir_ + "/error.log"};
    spec.cwd = s->dir_;
    spec.output_path = output;
    // Fast shutdown (the master ends its workers) if the test dies.
    spec.parent_death_signal = SIGTERM;
    s->pid_ = spawn_server(s->account_, spec);
    if (s->pid_ < 0) {
      *why = "fork failed";
      return nullptr;
    }
    const auto deadline = Clock::now() + seconds(20);
    while (Clock::now() < deadline) {
      int status = 0;
      if (child_exited(s->pid_, &status)) {
        s->pid_ = -1;
        break;
      }
      if (s->ready()) return s;
      std::this_thread::sleep_for(milliseconds(20));
    }
    const std::string log = s->error_log() + read_file(output);
    if (s->pid_ > 0) {
      *why = "nginx not ready after 20 s; log: " + log;
      return nullptr;  // the destructor stops it
    }
    // Another process took the port between free_loopback_port() and the bind (nginx
    // itself retries the bind for 2.5 s first).
    if (!contains(log, "Address already in use")) {
      *why = "nginx exited at start; log: " + log;
      return nullptr;
    }
  }
  *why = "nginx could not bind " +
         (port == 0 ? std::string("a port in 5 attempts") : "port " + std::to_string(port)) +
         "; log: " + s->error_log();
  return nullptr;
}

NginxServer::~NginxServer() {
  stop();
  remove_server_dir(dir_);
}

std::string NginxServer::url() const { return "http://127.0.0.1:" + std::to_string(port_); }

// Ready when the pid file names our master (nginx writes it after binding its listening
// socket: the port is ours, not another server's) and a TCP connection is accepted.
bool NginxServer::ready() const {
  std::string pid = read_file(dir_ + "/nginx.pid");
  while (!pid.empty() && (pid.back() == '\n' || pid.back() == ' ')) pid.pop_back();
  return pid == std::to_string(pid_) && accepts_tcp(port_);
}

bool NginxServer::stop() {
  if (pid_ <= 0) return true;
  const int status = stop_child(pid_, SIGQUIT, seconds(10));
  pid_ = -1;
  return status == 0;
}

std::string NginxServer::error_log() const { return read_file(dir_ + "/error.log"); }

}  // namespace khe::test_support

// The HTTP/1.1 server (Boost.Beast over Asio): keep-alive, limits, timeouts,
// request ids, JSON access logs, security headers, static UI files, errors as
// problem+json. Handlers are plain functions of Request -> Response run on
// the server's thread pool.
#pragma once

#include <atomic>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "http/router.hpp"

namespace churnwatch::http {

struct ServerOptions {
  std::string host = "127.0.0.1";
  unsigned short port = 8080;          // 0: pick a free port (see Server::port)
  int threads = 0;                     // 0: hardware concurrency (at least 2)
  // Body limits (413 beyond): a route reads at most `default_body_bytes`
  // unless its BodyLimit says more, and never more than `max_body_bytes`.
  // A body is read only after the route's admission passed, and a
  // Content-Length over the limit is refused before any body byte is read.
  std::size_t max_body_bytes = 64 << 20;
  std::size_t default_body_bytes = 1 << 20;  // capped at max_body_bytes
  std::size_t max_header_bytes = 16 << 10; // larger header block: 431
  // Where bodies of BodyLimit::to_file routes are written; empty: the
  // system's temporary folder.
  std::string spool_dir;
  // Open connections, in total and per client address; a connection over
  // either is answered 503 and closed at once. 0: no cap.
  int max_connections = 1024;
  int max_connections_per_address = 128;
  // Peers the per-address cap does not apply to (a reverse proxy, which
  // carries every client's connections); null: none.
  std::function<bool(const std::string& address)> uncapped_address;
  int read_timeout_seconds = 30;       // to receive a whole request
  int idle_timeout_seconds = 60;       // keep-alive connection idle
  std::string static_dir;              // built web UI; empty: none
  // Origins allowed to call /api/ from a browser (CORS); empty: closed.
  std::vector<std::string> cors_origins;
  // PEM certificate chain and private key; both set: serve HTTPS only (TLS
  // 1.2+) and send Strict-Transport-Security.
  std::string tls_cert_file;
  std::string tls_key_file;
};

// Called for every routed request after request id assignment and route
// matching (so req.params is filled), before the handler; not for 404/405,
// server-answered OPTIONS or static files. May throw core::Error (e.g.
// Unauthorized) which becomes a problem response.
using Middleware = std::function<void(Request&)>;

class Server {
 public:
  Server(ServerOptions options, Router router);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  void set_middleware(Middleware m);
  // Binds and starts accepting; returns once listening. Throws Unavailable
  // when the address cannot be bound.
  void start();
  // The bound port (useful with port 0).
  unsigned short port() const;
  // Stops accepting, lets in-flight requests finish (up to `drain_seconds`),
  // then closes connections. Safe to call from a signal-handling thread.
  void stop(int drain_seconds = 10);
  // Blocks until stop() completes.
  void wait();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace churnwatch::http

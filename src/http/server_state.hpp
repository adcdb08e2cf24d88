// Private to the server: what the listening side (server.cpp) and the
// connections (connection.cpp) share. Asio only; Beast stays in
// connection.cpp.
#pragma once

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/thread_pool.hpp>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "http/server.hpp"
#include "http/static_files.hpp"

namespace spdlog {
class logger;
}

namespace churnwatch::http {

// What the server may ask of a live connection during shutdown. Both calls
// are asynchronous and safe from any thread.
class Connection {
 public:
  virtual ~Connection() = default;
  // Closes the connection unless a request is being served.
  virtual void close_if_idle() = 0;
  virtual void close_now() = 0;
};

struct ServerState {
  ServerOptions options;
  Router router;
  Middleware middleware;
  std::optional<StaticFiles> static_files;
  std::optional<boost::asio::ssl::context> tls;  // set: connections speak TLS
  std::shared_ptr<spdlog::logger> access_log;

  std::mutex mu;
  std::condition_variable cv;  // signals changes of busy, connections, stopped
  std::map<const Connection*, std::weak_ptr<Connection>> connections;
  int busy = 0;  // connections with a request between header and response end
  std::atomic<bool> stopping{false};
  // Open connections, for the caps (ServerOptions::max_connections...).
  int open_connections = 0;
  std::map<std::string, int> connections_per_address;

  // Declared after the registry: destroyed first, so the handlers they
  // still own may release connections while the registry is alive.
  boost::asio::io_context ioc;
  std::unique_ptr<boost::asio::thread_pool> pool;  // runs handlers

  std::vector<std::shared_ptr<Connection>> live_connections() {
    std::lock_guard lock(mu);
    std::vector<std::shared_ptr<Connection>> out;
    for (auto& [key, weak] : connections) {
      if (auto c = weak.lock()) out.push_back(std::move(c));
    }
    return out;
  }
  // Counts a new connection from `address`; false (and nothing counted)
  // when that would pass a cap.
  bool admit_address(const std::string& address) {
    std::lock_guard lock(mu);
    const int total_cap = options.max_connections;
    if (total_cap > 0 && open_connections >= total_cap) return false;
    const int per_cap = options.max_connections_per_address;
    const bool capped = per_cap > 0 && !(options.uncapped_address && options.uncapped_address(address));
    auto& mine = connections_per_address[address];
    if (capped && mine >= per_cap) return false;
    ++mine;
    ++open_connections;
    return true;
  }
  // Called with `mu` held, once per admitted connection.
  void release_address(const std::string& address) {
    --open_connections;
    auto it = connections_per_address.find(address);
    if (it != connections_per_address.end() && --it->second <= 0) connections_per_address.erase(it);
  }
  void add_busy(int delta) {
    std::lock_guard lock(mu);
    busy += delta;
    cv.notify_all();
  }
};

// Serves HTTP/1.1 on an accepted socket (whose executor is a strand) until
// the peer leaves, a timeout fires or the server stops.
void start_connection(boost::asio::ip::tcp::socket socket, ServerState& state);

}  // namespace churnwatch::http

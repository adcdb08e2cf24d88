// The listening side: binding, accepting, the I/O and handler threads, and
// graceful shutdown. Connections live in connection.cpp.
#include "http/server.hpp"

#include <algorithm>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <chrono>
#include <future>
#include <spdlog/spdlog.h>
#include <thread>

#include "core/errors.hpp"
#include "http/server_state.hpp"

namespace churnwatch::http {

namespace net = boost::asio;
using tcp = net::ip::tcp;
using error_code = boost::system::error_code;

struct Server::Impl : ServerState {
  // Keeps the I/O threads running while handlers are on the pool and no
  // socket operation is pending (otherwise run() would return mid-drain).
  std::optional<net::executor_work_guard<net::io_context::executor_type>> work;
  std::optional<tcp::acceptor> acceptor;
  std::optional<net::steady_timer> retry_timer;
  std::vector<std::thread> threads;
  unsigned short port = 0;
  bool started = false;
  bool stopped = false;
  std::mutex stop_mu;  // serialises stop()

  void accept() {
    acceptor->async_accept(net::make_strand(ioc), [this](error_code ec, tcp::socket socket) {
      if (!acceptor->is_open() || stopping) return;
      if (ec) {
        // Typically out of file descriptors: back off instead of spinning.
        spdlog::warn("accept failed: {}", ec.message());
        retry_timer->expires_after(std::chrono::milliseconds(100));
        retry_timer->async_wait([this](error_code) {
          if (!stopping) accept();
        });
        return;
      }
      start_connection(std::move(socket), *this);
      accept();
    });
  }
};

Server::Server(ServerOptions options, Router router) : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
  impl_->router = std::move(router);
  if (!impl_->options.static_dir.empty()) impl_->static_files.emplace(impl_->options.static_dir);
  const auto& o = impl_->options;
  if (o.tls_cert_file.empty() != o.tls_key_file.empty())
    throw core::Invalid("TLS needs both a certificate and a key file");
  if (!o.tls_cert_file.empty()) {
    auto& tls = impl_->tls.emplace(net::ssl::context::tls_server);
    tls.set_options(net::ssl::context::default_workarounds | net::ssl::context::no_sslv2 |
                    net::ssl::context::no_sslv3 | net::ssl::context::no_tlsv1 | net::ssl::context::no_tlsv1_1 |
                    net::ssl::context::single_dh_use);
    try {
      tls.use_certificate_chain_file(o.tls_cert_file);
      tls.use_private_key_file(o.tls_key_file, net::ssl::context::pem);
    } catch (const boost::system::system_error& e) {
      throw core::Invalid("cannot load the TLS certificate '" + o.tls_cert_file + "' or key '" + o.tls_key_file +
                          "': " + e.code().message());
    }
  }
}

Server::~Server() { stop(0); }

void Server::set_middleware(Middleware m) { impl_->middleware = std::move(m); }

void Server::start() {
  auto& s = *impl_;
  if (s.started) return;
  s.access_log = spdlog::get("access");
  if (!s.access_log) s.access_log = spdlog::default_logger();
  try {
    const tcp::endpoint endpoint(net::ip::make_address(s.options.host), s.options.port);
    auto strand = net::make_strand(s.ioc);
    s.acceptor.emplace(strand);
    s.retry_timer.emplace(strand);
    s.acceptor->open(endpoint.protocol());
    s.acceptor->set_option(net::socket_base::reuse_address(true));
    s.acceptor->bind(endpoint);
    s.acceptor->listen(net::socket_base::max_listen_connections);
    s.port = s.acceptor->local_endpoint().port();
  } catch (const boost::system::system_error& e) {
    s.acceptor.reset();
    throw core::Unavailable("cannot listen on " + s.options.host + ":" +
                            std::to_string(s.options.port) + ": " + e.code().message());
  }
  const int threads = s.options.threads > 0
                          ? s.options.threads
                          : std::max(2, static_cast<int>(std::thread::hardware_concurrency()));
  // Handlers may block for seconds (imports, training): they run on their
  // own pool so the I/O threads keep serving other connections.
  s.pool = std::make_unique<net::thread_pool>(static_cast<std::size_t>(std::max(4, 2 * threads)));
  s.work.emplace(s.ioc.get_executor());
  s.accept();
  for (int i = 0; i < threads; ++i) {
    s.threads.emplace_back([&s] {
      for (;;) {
        try {
          s.ioc.run();
          return;
        } catch (const std::exception& e) {
          spdlog::error("http I/O thread: {}", e.what());
        }
      }
    });
  }
  s.started = true;
}

unsigned short Server::port() const { return impl_->port; }

void Server::stop(int drain_seconds) {
  auto& s = *impl_;
  std::lock_guard stop_lock(s.stop_mu);
  if (!s.started || s.stopped) return;
  s.stopping = true;

  std::promise<void> closed;
  net::post(s.acceptor->get_executor(), [&s, &closed] {
    error_code ec;
    s.acceptor->close(ec);
    s.retry_timer->cancel();
    closed.set_value();
  });
  closed.get_future().wait();

  for (auto& c : s.live_connections()) c->close_if_idle();
  {
    std::unique_lock lock(s.mu);
    s.cv.wait_until(lock, std::chrono::steady_clock::now() + std::chrono::seconds(drain_seconds),
                    [&s] { return s.busy == 0; });
  }
  for (auto& c : s.live_connections()) c->close_now();
  // Let the close handlers run before the I/O threads go.
  {
    std::unique_lock lock(s.mu);
    s.cv.wait_for(lock, std::chrono::milliseconds(200), [&s] { return s.connections.empty(); });
  }
  s.work.reset();
  s.ioc.stop();
  for (auto& t : s.threads) t.join();
  s.threads.clear();
  s.pool->stop();
  s.pool->join();

  std::lock_guard lock(s.mu);
  s.stopped = true;
  s.cv.notify_all();
}

void Server::wait() {
  auto& s = *impl_;
  std::unique_lock lock(s.mu);
  s.cv.wait(lock, [&s] { return s.stopped; });
}

}  // namespace churnwatch::http

// churnwatch serve: the API, the web UI, the embedded worker pool and the
// scheduler, in one process. This is the composition
// root: backends are chosen here, once, from the configuration.
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <iostream>

#include "cli/cache_runtime.hpp"
#include "cli/commands.hpp"
#include "cli/job_runtime.hpp"
#include "cli/ml_runtime.hpp"
#include "cli/runtime.hpp"
#include "http/api/routes.hpp"
#include "http/api/security.hpp"
#include "http/cors.hpp"
#include "http/server.hpp"
#include "services/redis_lockout_counters.hpp"
#include "services/redis_rate_limiter.hpp"

namespace churnwatch::cli {
namespace {

namespace fs = std::filesystem;

// The built UI: the configured folder, else web/dist beside the source tree
// the binary was built from, else beside the binary.
std::string find_web_dir(const core::Config& config) {
  if (!config.web_dir.empty()) return config.web_dir;
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  for (const fs::path& candidate : {exe.parent_path().parent_path() / "web" / "dist", exe.parent_path() / "web"}) {
    if (!ec && fs::exists(candidate / "index.html")) return candidate.string();
  }
  return "";
}

int run_serve(const core::Config& config) {
  // Block the stop signals in every thread; this thread waits for them below.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  // Every service gets the wrapped store, so any change it makes (here or in
  // a job) invalidates the cached reads.
  auto cached = open_cached_runtime(config);
  auto& store = cached.store;
  services::TokenSigner signer(load_jwt_secret(config), config.access_token_ttl_seconds);
  services::Accounts accounts(*store, signer, config.refresh_token_ttl_seconds);
  services::Customers customers(*store);
  services::SchemaService schema(*store);
  auto tracker = open_training_tracker(config);
  auto model_opts = model_options(config);
  model_opts.tracker = tracker.get();
  services::ModelService models(*store, models_dir(config), model_opts);
  services::TrainingRuns runs(tracker.get());
  services::ScoringService scoring(*store, models, scoring_options(config));
  scoring.set_cache(cached.reads.get());

  if (auto pw = accounts.ensure_admin(config.admin_password)) {
    std::cout << "created the first user: admin / " << (config.admin_password.empty() ? *pw : "(CHURNWATCH_ADMIN_PASSWORD)")
              << "  (shown once; change it with churnwatch user set-password)\n";
  }

  auto jobs = open_job_runtime(config, *store, models, scoring, config.workers);
  http::ApiContext ctx{*store, accounts, customers, schema, models, scoring};
  ctx.jobs = jobs.queue.get();
  ctx.transfers = jobs.transfers.get();
  // Schedules are readable and editable on every server; only those with
  // CHURNWATCH_SCHEDULER on (the default) also enqueue their ticks, and the
  // queue's idempotency keys keep that to one job per tick across servers.
  services::SchedulerOptions scheduler_options;
  if (jobs.pool) scheduler_options.runnable_kinds = jobs.pool->kinds();
  services::Scheduler scheduler(*store, *jobs.queue, scheduler_options);
  ctx.scheduler = &scheduler;
  // Other parts add their own readiness checks here (e.g. a cache, optional).
  core::ReadinessChecks readiness;
  ctx.readiness = &readiness;
  // Optional: without its cache the server still answers, from the database.
  readiness.add("cache", false, [&cached] { return cached.cache->check(); });
  ctx.metrics_token = config.metrics_token;
  ctx.model_jobs = jobs.model_jobs.get();
  ctx.runs = &runs;
  ctx.alert_rules = jobs.alert_rules.get();
  ctx.alert_dispatcher = jobs.dispatcher.get();
  ctx.monitoring = jobs.monitoring.get();
  ctx.reads = cached.reads.get();
  http::ServerOptions options;
  options.cors_origins = http::parse_origin_list(config.cors_origins);
  // Shared buckets and sign-in lockout counters when Redis is configured, so
  // limits hold across servers.
  std::unique_ptr<services::RateLimiter> limiter_owner;
  std::shared_ptr<services::LockoutCounters> lockout_counters;
  if (!config.redis_url.empty()) {
    auto redis = std::make_shared<cache::RedisClient>(cache::parse_redis_url(config.redis_url));
    limiter_owner = std::make_unique<services::RedisRateLimiter>(redis);
    lockout_counters = std::make_shared<services::RedisLockoutCounters>(redis);
  } else {
    limiter_owner = std::make_unique<services::InProcessRateLimiter>();
  }
  services::RateLimiter &limiter = *limiter_owner;
  services::Audit audit(*store);
  http::SecurityOptions security_options;
  security_options.requests_per_minute_per_user = config.rate_limit_per_user;
  security_options.requests_per_minute_per_ip = config.rate_limit_per_ip;
  security_options.logins_per_minute_per_ip = config.login_rate_limit;
  security_options.trusted_proxies = http::parse_address_list(config.trusted_proxies);
  security_options.lockout.pair_failures = config.lockout_threshold;
  security_options.lockout.address_failures = 4 * config.lockout_threshold;
  security_options.lockout.first_lock_seconds = config.lockout_seconds;
  security_options.allowed_origins = options.cors_origins;
  security_options.secure_cookies = config.secure_cookies != 0 || !config.tls_cert.empty();
  core::split_listen(config.listen, options.host, options.port);
  security_options.public_origins =
      http::own_origins(config.public_url, options.host, options.port, !config.tls_cert.empty());
  http::ApiSecurity security(security_options, limiter, &audit, lockout_counters);
  ctx.security = &security;
  options.threads = config.threads;
  options.max_body_bytes = config.max_body_bytes;
  options.default_body_bytes = config.max_json_body_bytes;
  options.spool_dir = (fs::path(config.data_dir) / "uploads" / "incoming").string();
  options.max_connections = config.max_connections;
  options.max_connections_per_address = config.max_connections_per_address;
  // A trusted proxy carries every client's connections.
  if (!security_options.trusted_proxies.empty())
    options.uncapped_address = [proxies = security_options.trusted_proxies](const std::string& address) {
      return http::is_listed_address(address, proxies);
    };
  options.static_dir = find_web_dir(config);
  options.tls_cert_file = config.tls_cert;
  options.tls_key_file = config.tls_key;
  http::Server server(options, http::build_api_router(ctx));
  server.start();
  if (jobs.pool) jobs.pool->start();
  if (config.scheduler) scheduler.start();
  jobs.dispatcher->start();

  const std::string host = options.host == "0.0.0.0" ? "127.0.0.1" : options.host;
  std::cout << "churnwatch is serving on " << (config.tls_cert.empty() ? "http" : "https") << "://" << host << ':' << server.port() << "/  (API: /api/v1, "
            << "description: /api/v1/openapi.json, data: " << config.store_url() << ")" << std::endl;
  if (options.static_dir.empty())
    spdlog::warn(R"({"msg":"web UI not found; serving the API only","hint":"make build builds web/dist"})");

  int sig = 0;
  sigwait(&signals, &sig);
  std::cout << "received " << (sig == SIGINT ? "SIGINT" : "SIGTERM") << ", draining requests and stopping" << std::endl;
  server.stop(10);
  server.wait();
  scheduler.stop();
  if (jobs.pool) jobs.pool->stop(std::chrono::seconds(10));
  jobs.dispatcher->stop();
  return 0;
}

}  // namespace

void add_serve_command(CLI::App& app, core::Config& config, Action& action) {
  auto* serve = app.add_subcommand("serve", "Serve the API and web UI");
  add_store_options(*serve, config);
  serve->add_option("--listen", config.listen, "host:port to listen on (env CHURNWATCH_LISTEN)")->capture_default_str();
  serve->add_option("--web-dir", config.web_dir, "Built web UI folder (env CHURNWATCH_WEB_DIR)");
  serve->add_option("--tls-cert", config.tls_cert, "PEM certificate chain; with --tls-key serves HTTPS (env CHURNWATCH_TLS_CERT)");
  serve->add_option("--tls-key", config.tls_key, "PEM private key for --tls-cert (env CHURNWATCH_TLS_KEY)");
  serve->add_option("--threads", config.threads, "Server threads; 0 = all cores (env CHURNWATCH_THREADS)");
  serve->add_option("--workers", config.workers,
                    "Background job threads in this process; 0 = none, run `churnwatch worker` (env CHURNWATCH_WORKERS)")
      ->capture_default_str();
  serve->callback([&config, &action] { action = [&config] { return run_serve(config); }; });
}

}  // namespace churnwatch::cli

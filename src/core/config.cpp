#include "core/config.hpp"

#include <charconv>
#include <cstdlib>

#include "core/errors.hpp"

namespace churnwatch::core {
namespace {

const char* env(const char* name) {
  const char* v = std::getenv(name);
  return (v && *v) ? v : nullptr;
}

template <typename T>
void env_number(const char* name, T& out) {
  const char* v = env(name);
  if (!v) return;
  std::string_view s(v);
  T parsed{};
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), parsed);
  if (ec != std::errc() || ptr != s.data() + s.size())
    throw Invalid(std::string("environment variable ") + name + " must be a whole number, got '" +
                  v + "'");
  out = parsed;
}

void env_string(const char* name, std::string& out) {
  if (const char* v = env(name)) out = v;
}

void env_bool(const char* name, bool& out) {
  const char* v = env(name);
  if (!v) return;
  const std::string s(v);
  if (s == "1" || s == "true" || s == "yes" || s == "on") out = true;
  else if (s == "0" || s == "false" || s == "no" || s == "off") out = false;
  else throw Invalid(std::string("environment variable ") + name + " must be true or false, got '" + s + "'");
}

void env_probability(const char* name, double& out) {
  const char* v = env(name);
  if (!v) return;
  char* end = nullptr;
  const double parsed = std::strtod(v, &end);
  if (end == v || *end != '\0' || !(parsed > 0 && parsed <= 1))
    throw Invalid(std::string("environment variable ") + name + " must be a number in (0, 1], got '" + v + "'");
  out = parsed;
}

}  // namespace

std::string Config::cache_redis_url() const {
  if (cache_backend == "memory" || (cache_backend.empty() && redis_url.empty())) return "";
  if (redis_url.empty())
    throw Invalid("CHURNWATCH_CACHE=redis needs CHURNWATCH_REDIS_URL (redis://host:port)");
  return redis_url;
}

std::string Config::queue_url() const {
  if (queue_backend == "redis" || (queue_backend.empty() && !redis_url.empty())) {
    if (redis_url.empty())
      throw Invalid("CHURNWATCH_QUEUE=redis needs CHURNWATCH_REDIS_URL (redis://host:port)");
    return redis_url;
  }
  if (!jobs_database_url.empty()) return jobs_database_url;
  const std::string store = store_url();
  const bool sqlite = store.rfind("sqlite://", 0) == 0 || store.find("://") == std::string::npos;
  return sqlite ? "sqlite://" + data_dir + "/jobs.db" : store;
}

std::string Config::store_url() const {
  if (!database_url.empty()) return database_url;
  return "sqlite://" + data_dir + "/churnwatch.db";
}

Config config_from_env() {
  Config c;
  env_string("CHURNWATCH_LISTEN", c.listen);
  env_string("CHURNWATCH_DATA_DIR", c.data_dir);
  env_string("CHURNWATCH_DATABASE_URL", c.database_url);
  env_string("CHURNWATCH_DATABASE_REPLICA_URL", c.database_replica_url);
  env_string("CHURNWATCH_WEB_DIR", c.web_dir);
  env_string("CHURNWATCH_JWT_SECRET", c.jwt_secret);
  env_string("CHURNWATCH_LOG_LEVEL", c.log_level);
  env_string("CHURNWATCH_ADMIN_PASSWORD", c.admin_password);
  env_number("CHURNWATCH_ACCESS_TOKEN_TTL", c.access_token_ttl_seconds);
  env_number("CHURNWATCH_MAX_BODY_BYTES", c.max_body_bytes);
  env_number("CHURNWATCH_MAX_JSON_BODY_BYTES", c.max_json_body_bytes);
  env_number("CHURNWATCH_MAX_CONNECTIONS", c.max_connections);
  env_number("CHURNWATCH_MAX_CONNECTIONS_PER_ADDRESS", c.max_connections_per_address);
  env_number("CHURNWATCH_THREADS", c.threads);
  env_number("CHURNWATCH_WORKERS", c.workers);
  env_number("CHURNWATCH_JOB_LEASE_SECONDS", c.job_lease_seconds);
  env_string("CHURNWATCH_JOBS_DATABASE_URL", c.jobs_database_url);
  env_string("CHURNWATCH_REDIS_URL", c.redis_url);
  env_string("CHURNWATCH_QUEUE", c.queue_backend);
  env_string("CHURNWATCH_CACHE", c.cache_backend);
  if (!c.cache_backend.empty() && c.cache_backend != "memory" && c.cache_backend != "redis")
    throw Invalid("environment variable CHURNWATCH_CACHE must be 'memory' or 'redis', got '" +
                  c.cache_backend + "'");
  if (!c.queue_backend.empty() && c.queue_backend != "sql" && c.queue_backend != "redis")
    throw Invalid("environment variable CHURNWATCH_QUEUE must be 'sql' or 'redis', got '" +
                  c.queue_backend + "'");
  env_bool("CHURNWATCH_SCHEDULER", c.scheduler);
  env_string("CHURNWATCH_METRICS_TOKEN", c.metrics_token);
  env_bool("CHURNWATCH_AUTO_PROMOTE", c.auto_promote);
  env_probability("CHURNWATCH_HIGH_RISK_THRESHOLD", c.high_risk_threshold);
  env_string("CHURNWATCH_RISK_LEVELS", c.risk_levels);
  env_string("MLFLOW_TRACKING_URI", c.mlflow_tracking_uri);
  env_number("CHURNWATCH_RATE_LIMIT", c.rate_limit_per_user);
  env_number("CHURNWATCH_RATE_LIMIT_IP", c.rate_limit_per_ip);
  env_number("CHURNWATCH_LOGIN_RATE_LIMIT", c.login_rate_limit);
  env_number("CHURNWATCH_LOCKOUT_THRESHOLD", c.lockout_threshold);
  env_number("CHURNWATCH_LOCKOUT_SECONDS", c.lockout_seconds);
  env_string("CHURNWATCH_TRUSTED_PROXIES", c.trusted_proxies);
  env_string("CHURNWATCH_CORS_ORIGINS", c.cors_origins);
  env_number("CHURNWATCH_REFRESH_TOKEN_TTL", c.refresh_token_ttl_seconds);
  env_number("CHURNWATCH_SECURE_COOKIES", c.secure_cookies);
  env_string("CHURNWATCH_SECRET_KEY", c.secret_key);
  env_string("CHURNWATCH_PUBLIC_URL", c.public_url);
  env_string("CHURNWATCH_TLS_CERT", c.tls_cert);
  env_string("CHURNWATCH_TLS_KEY", c.tls_key);
  env_number("CHURNWATCH_CACHE_MAX_BYTES", c.cache_max_bytes);
  env_number("CHURNWATCH_CACHE_RESPONSE_TTL", c.cache_response_ttl_seconds);
  env_number("CHURNWATCH_CACHE_PREDICTION_TTL", c.cache_prediction_ttl_seconds);
  return c;
}

void split_listen(const std::string& listen, std::string& host, unsigned short& port) {
  auto colon = listen.rfind(':');
  if (colon == std::string::npos || colon + 1 == listen.size())
    throw Invalid("listen address must be host:port, got '" + listen + "'");
  host = listen.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  if (host.empty()) host = "0.0.0.0";
  std::string_view p(listen.data() + colon + 1, listen.size() - colon - 1);
  unsigned value = 0;
  auto [ptr, ec] = std::from_chars(p.data(), p.data() + p.size(), value);
  if (ec != std::errc() || ptr != p.data() + p.size() || value > 65535)
    throw Invalid("listen port must be 0..65535, got '" + std::string(p) + "'");
  port = static_cast<unsigned short>(value);
}

}  // namespace churnwatch::core

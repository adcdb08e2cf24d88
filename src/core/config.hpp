// Runtime configuration. Every option has a documented default, can be set by
// an environment variable, and (for serve) by a command-line flag that wins
// over the variable. The full list lives in docs/CONFIGURATION.md.
#pragma once

#include <cstddef>
#include <string>

namespace churnwatch::core {

struct Config {
  std::string listen = "127.0.0.1:8080";  // CHURNWATCH_LISTEN
  std::string data_dir = "data";           // CHURNWATCH_DATA_DIR
  // CHURNWATCH_DATABASE_URL; empty: sqlite://<data_dir>/churnwatch.db
  std::string database_url;
  // CHURNWATCH_DATABASE_REPLICA_URL: a PostgreSQL read replica for customer
  // lists, exports and risk summaries; empty: everything reads the primary.
  std::string database_replica_url;
  // CHURNWATCH_WEB_DIR: the built UI; empty: <dir of the binary>/web/dist when it exists.
  std::string web_dir;
  // CHURNWATCH_JWT_SECRET; empty: generated once and kept in <data_dir>/jwt.secret (0600).
  std::string jwt_secret;
  int access_token_ttl_seconds = 900;               // CHURNWATCH_ACCESS_TOKEN_TTL
  // CHURNWATCH_MAX_BODY_BYTES: the largest body any route takes (an import,
  // read to a file once its sender is signed in as an analyst).
  std::size_t max_body_bytes = 256u << 20;
  // CHURNWATCH_MAX_JSON_BODY_BYTES: the body limit of every other route.
  std::size_t max_json_body_bytes = 1u << 20;
  int max_connections = 1024;             // CHURNWATCH_MAX_CONNECTIONS: open connections; 0: no cap
  int max_connections_per_address = 128;  // CHURNWATCH_MAX_CONNECTIONS_PER_ADDRESS (not for trusted proxies)
  int threads = 0;                                  // CHURNWATCH_THREADS; 0: all cores
  int workers = 2;                    // CHURNWATCH_WORKERS: job threads in serve; 0: none
  int job_lease_seconds = 60;         // CHURNWATCH_JOB_LEASE_SECONDS: a silent worker's job is retried after
  // CHURNWATCH_JOBS_DATABASE_URL; empty: sqlite://<data_dir>/jobs.db beside a
  // SQLite store (its long import transactions must not block job updates),
  // the store's own database otherwise.
  std::string jobs_database_url;
  // CHURNWATCH_REDIS_URL: redis://[:password@]host[:port][/db]; empty: no Redis.
  // When set, rate limits are shared through it and (see queue_backend) jobs go to
  // Redis Streams.
  std::string redis_url;
  // CHURNWATCH_QUEUE: "sql" or "redis"; empty: redis when redis_url is set, else sql.
  std::string queue_backend;
  // CHURNWATCH_CACHE: "memory" or "redis"; empty: redis when redis_url is set, else memory.
  std::string cache_backend;
  std::string log_level = "info";                   // CHURNWATCH_LOG_LEVEL
  // CHURNWATCH_SCHEDULER: serve runs the scheduler (periodic monitoring and
  // retraining jobs); false on servers that should only answer requests.
  bool scheduler = true;
  // CHURNWATCH_METRICS_TOKEN: when set, GET /metrics needs "Authorization:
  // Bearer <token>"; empty: /metrics is open like /healthz.
  std::string metrics_token;
  // CHURNWATCH_ADMIN_PASSWORD: the first admin's password; empty: random, printed once.
  std::string admin_password;
  // CHURNWATCH_AUTO_PROMOTE: a newly trained model replaces production only
  // when it beats it on the same test rows; false: it always stays a candidate.
  bool auto_promote = true;
  double high_risk_threshold = 0.7;  // CHURNWATCH_HIGH_RISK_THRESHOLD, in (0, 1]
  // CHURNWATCH_RISK_LEVELS: JSON bands like [{"name":"low","upper":0.3},
  // {"name":"high","upper":1}]; empty: five bands (very_low .. very_high).
  std::string risk_levels;
  // MLFLOW_TRACKING_URI: where training runs are recorded; empty: the
  // MLflow-format folder <data_dir>/mlruns; http(s)://: an MLflow server.
  std::string mlflow_tracking_uri;

  // Security; see docs/CONFIGURATION.md, "Security".
  int rate_limit_per_user = 600;      // CHURNWATCH_RATE_LIMIT: API requests/min per user; 0: off
  int rate_limit_per_ip = 1200;       // CHURNWATCH_RATE_LIMIT_IP: API requests/min per client address
  int login_rate_limit = 10;          // CHURNWATCH_LOGIN_RATE_LIMIT: sign-in attempts/min per address
  int lockout_threshold = 5;          // CHURNWATCH_LOCKOUT_THRESHOLD: failed sign-ins in 15 min that lock
  int lockout_seconds = 60;           // CHURNWATCH_LOCKOUT_SECONDS: first lock; doubles, capped at 1 h
  std::string trusted_proxies;        // CHURNWATCH_TRUSTED_PROXIES: addresses/CIDRs whose X-Forwarded-For counts
  std::string cors_origins;           // CHURNWATCH_CORS_ORIGINS: origins allowed cross-origin; empty: none
  int refresh_token_ttl_seconds = 7 * 24 * 3600;  // CHURNWATCH_REFRESH_TOKEN_TTL
  int secure_cookies = 0;             // CHURNWATCH_SECURE_COOKIES=1 behind a TLS proxy (on with --tls-cert)
  // CHURNWATCH_SECRET_KEY: 64 hex characters encrypting secrets at rest; empty: <data_dir>/secret.key (0600).
  std::string secret_key;
  // CHURNWATCH_PUBLIC_URL: the address users open the UI at, for links in
  // alert messages (https://churn.example.com); empty: messages carry no links.
  std::string public_url;
  std::string tls_cert;               // CHURNWATCH_TLS_CERT: PEM certificate chain; with tls_key, serve HTTPS
  std::string tls_key;                // CHURNWATCH_TLS_KEY: PEM private key

  // Cache (cache/, services/read_cache.hpp).
  std::size_t cache_max_bytes = 64u << 20;  // CHURNWATCH_CACHE_MAX_BYTES: in-process cache bound
  int cache_response_ttl_seconds = 300;     // CHURNWATCH_CACHE_RESPONSE_TTL; 0: responses not cached
  int cache_prediction_ttl_seconds = 3600;  // CHURNWATCH_CACHE_PREDICTION_TTL; 0: predictions not cached

  // The store URL to open: database_url, or SQLite in the data dir.
  std::string store_url() const;
  // The job queue URL to open (see jobs_database_url).
  std::string queue_url() const;
  // The Redis URL of a shared response cache; empty for the in-process one.
  std::string cache_redis_url() const;
};

// Defaults overridden by the CHURNWATCH_* environment variables. Throws
// Invalid naming the variable when a value does not parse.
Config config_from_env();

// Splits "host:port" ("[::1]:8080" for IPv6). Throws Invalid when malformed.
void split_listen(const std::string& listen, std::string& host, unsigned short& port);

}  // namespace churnwatch::core

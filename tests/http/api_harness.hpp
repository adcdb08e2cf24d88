// A real churnwatch API for tests: a SQLite store in a temporary folder, the
// production router, a Server on a loopback port, and one signed-in user per
// role. Suites talk to it over real sockets with TestClient.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <sstream>
#include <string>

#include "alerts/discord_client.hpp"
#include "cache/cache_memory.hpp"
#include "cache/cache_resilient.hpp"
#include "http/api/routes.hpp"
#include "http/server.hpp"
#include "http/test_client.hpp"
#include "queue/worker_pool.hpp"
#include "services/accounts.hpp"
#include "services/alert_dispatcher.hpp"
#include "services/alert_rules.hpp"
#include "services/customers.hpp"
#include "services/invalidating_store.hpp"
#include "services/model_jobs.hpp"
#include "services/model_service.hpp"
#include "services/monitoring.hpp"
#include "services/scheduler.hpp"
#include "services/schema_service.hpp"
#include "services/scoring_service.hpp"
#include "services/secret_box.hpp"
#include "services/training_runs.hpp"
#include "services/transfer_jobs.hpp"
#include "storage/store.hpp"
#include "tracking/file_tracker.hpp"

namespace churnwatch::test_support {

inline std::string fixture_text(const std::string& name) {
  std::ifstream in(std::string(CHURNWATCH_SOURCE_DIR) + "/tests/fixtures/" + name, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Lets a suite adjust the context (say, ApiContext::security) and the server
// options before the server starts.
using HarnessSetup = std::function<void(http::ApiContext&, http::ServerOptions&)>;

class ApiHarness {
 public:
  // `jobs_url`: where the job queue lives (open_job_queue); empty: a SQLite
  // file in the harness's folder. Reads are cached as serve caches them: in
  // `cache` (default: an in-process LRU), invalidated through the wrapped store.
  explicit ApiHarness(const HarnessSetup& setup = {}, const std::string& jobs_url = {},
                      std::unique_ptr<cache::Cache> cache = nullptr) {
    dir_ = std::filesystem::temp_directory_path() /
           ("churnwatch-api-" + std::to_string(::getpid()) + "-" + std::to_string(counter()++));
    std::filesystem::create_directories(dir_);
    database_ = storage::open_store((dir_ / "test.db").string());
    cache_ = std::make_unique<cache::ResilientCache>(cache ? std::move(cache)
                                                           : std::make_unique<cache::MemoryCache>());
    reads_ = std::make_unique<services::ReadCache>(*cache_);
    store_ = std::make_unique<services::InvalidatingStore>(*database_, *reads_);
    signer_ = std::make_unique<services::TokenSigner>(std::string(48, 'k'), 900);
    accounts_ = std::make_unique<services::Accounts>(*store_, *signer_);
    customers_ = std::make_unique<services::Customers>(*store_);
    schema_ = std::make_unique<services::SchemaService>(*store_);
    tracker_ = std::make_unique<tracking::FileTracker>(dir_ / "mlruns");
    services::ModelServiceOptions model_options;
    model_options.tracker = tracker_.get();
    models_ = std::make_unique<services::ModelService>(*store_, dir_ / "models", model_options);
    runs_ = std::make_unique<services::TrainingRuns>(tracker_.get());
    scoring_ = std::make_unique<services::ScoringService>(*store_, *models_);
    scoring_->set_cache(reads_.get());
    ctx_ = std::make_unique<http::ApiContext>(http::ApiContext{*store_, *accounts_, *customers_, *schema_, *models_, *scoring_});
    // Background jobs with a worker pool in the process, as serve runs them.
    jobs_ = queue::open_job_queue(jobs_url.empty() ? (dir_ / "jobs.db").string() : jobs_url);
    transfers_ = std::make_unique<services::TransferJobs>(*store_, *jobs_, dir_);
    pool_ = std::make_unique<queue::WorkerPool>(*jobs_, queue::WorkerOptions{.threads = 2, .poll_interval = std::chrono::milliseconds(20)});
    transfers_->register_handlers(*pool_);
    model_jobs_ = std::make_unique<services::ModelJobs>(*store_, *jobs_, *models_, *scoring_);
    model_jobs_->register_handlers(*pool_);
    ctx_->jobs = jobs_.get();
    ctx_->transfers = transfers_.get();
    // The schedules' routes work without the scheduler's thread running.
    scheduler_ = std::make_unique<services::Scheduler>(*store_, *jobs_);
    ctx_->scheduler = scheduler_.get();
    ctx_->model_jobs = model_jobs_.get();
    ctx_->runs = runs_.get();
    // Alert rules; webhooks may point at a stand-in on loopback.
    box_ = std::make_unique<services::SecretBox>(services::SecretBox::from_hex(std::string(64, 'a')));
    alerts::WebhookUrlPolicy policy;
    policy.allowed_hosts.push_back("127.0.0.1");
    alert_rules_ = std::make_unique<services::AlertRules>(*store_, *box_, policy);
    ctx_->alert_rules = alert_rules_.get();
    discord_ = std::make_unique<alerts::DiscordClient>();
    dispatcher_ = std::make_unique<services::AlertDispatcher>(*store_, *alert_rules_, *discord_);
    monitoring_ = std::make_unique<services::Monitoring>(*store_, *scoring_, *alert_rules_, jobs_.get());
    monitoring_->register_handler(*pool_);
    ctx_->alert_dispatcher = dispatcher_.get();
    ctx_->monitoring = monitoring_.get();
    ctx_->reads = reads_.get();
    http::ServerOptions options;
    options.port = 0;
    options.threads = 2;
    if (setup) setup(*ctx_, options);
    server_ = std::make_unique<http::Server>(options, http::build_api_router(*ctx_, &access_));
    server_->start();
    pool_->start();
    for (const char* role : {"admin", "analyst", "viewer"}) {
      accounts_->create_user(std::string(role) + "-user", "password-" + std::string(role), role);
      tokens_[role] = login(std::string(role) + "-user", "password-" + std::string(role));
    }
  }
  ~ApiHarness() {
    server_->stop(2);
    server_->wait();
    server_.reset();
    pool_->stop(std::chrono::seconds(2));
    pool_.reset();
    scheduler_.reset();
    transfers_.reset();
    model_jobs_.reset();
    monitoring_.reset();
    dispatcher_.reset();
    discord_.reset();
    alert_rules_.reset();
    jobs_.reset();
    store_.reset();
    database_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  unsigned short port() const { return server_->port(); }
  storage::Store& store() { return *store_; }
  services::ReadCache& reads() { return *reads_; }
  queue::JobQueue& jobs() { return *jobs_; }
  const std::filesystem::path& dir() const { return dir_; }
  services::Accounts& accounts() { return *accounts_; }
  services::ModelService& models() { return *models_; }
  services::ScoringService& scoring() { return *scoring_; }
  tracking::FileTracker& tracker() { return *tracker_; }
  services::AlertRules& alert_rules() { return *alert_rules_; }
  const services::SecretBox& secret_box() { return *box_; }
  const std::vector<http::RouteAccess>& access() const { return access_; }
  const std::string& token(const std::string& role) { return tokens_.at(role); }

  std::string login(const std::string& user, const std::string& password) {
    TestClient c(port());
    auto r = c.request("POST", "/api/v1/auth/login",
                       nlohmann::json{{"username", user}, {"password", password}}.dump(),
                       {{"Content-Type", "application/json"}});
    if (r.status != 200) throw std::runtime_error("login failed: " + r.body);
    return r.json()["access_token"];
  }

  // A request as `role` ("" for none) with a JSON or CSV body.
  TestResponse call(const std::string& role, std::string_view method, std::string_view target,
                    std::string_view body = {}, std::string content_type = "application/json") {
    TestClient c(port());
    Headers h;
    if (!role.empty()) h.emplace_back("Authorization", "Bearer " + token(role));
    if (!body.empty()) h.emplace_back("Content-Type", content_type);
    return c.request(method, target, body, h);
  }

  TestResponse import_fixture(const std::string& name, const std::string& mode = "insert") {
    return call("analyst", "POST", "/api/v1/customers/import?mode=" + mode, fixture_text(name), "text/csv");
  }

 private:
  static int& counter() {
    static int n = 0;
    return n;
  }
  std::filesystem::path dir_;
  std::unique_ptr<storage::Store> database_;
  std::unique_ptr<cache::ResilientCache> cache_;
  std::unique_ptr<services::ReadCache> reads_;
  std::unique_ptr<storage::Store> store_;  // database_ wrapped: changes invalidate reads_
  std::unique_ptr<services::TokenSigner> signer_;
  std::unique_ptr<services::Accounts> accounts_;
  std::unique_ptr<services::Customers> customers_;
  std::unique_ptr<services::SchemaService> schema_;
  std::unique_ptr<services::ModelService> models_;
  std::unique_ptr<services::ScoringService> scoring_;
  std::unique_ptr<services::SecretBox> box_;
  std::unique_ptr<services::AlertRules> alert_rules_;
  std::unique_ptr<alerts::DiscordClient> discord_;
  std::unique_ptr<services::AlertDispatcher> dispatcher_;
  std::unique_ptr<services::Monitoring> monitoring_;
  std::unique_ptr<queue::JobQueue> jobs_;
  std::unique_ptr<services::TransferJobs> transfers_;
  std::unique_ptr<tracking::FileTracker> tracker_;
  std::unique_ptr<services::TrainingRuns> runs_;
  std::unique_ptr<services::ModelJobs> model_jobs_;
  std::unique_ptr<queue::WorkerPool> pool_;
  std::unique_ptr<services::Scheduler> scheduler_;
  std::unique_ptr<http::ApiContext> ctx_;
  std::vector<http::RouteAccess> access_;
  std::unique_ptr<http::Server> server_;
  std::map<std::string, std::string> tokens_;
};

}  // namespace churnwatch::test_support

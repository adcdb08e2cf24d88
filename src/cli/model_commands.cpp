// churnwatch train | score | predict | outcomes | models list | models promote
#include <chrono>
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/commands.hpp"
#include "cli/ml_runtime.hpp"
#include "cli/progress_bar.hpp"
#include "cli/runtime.hpp"
#include "core/clock.hpp"
#include "core/errors.hpp"
#include "services/customers.hpp"
#include "services/model_service.hpp"
#include "services/scoring_service.hpp"

namespace churnwatch::cli {
namespace {

struct ModelArgs {
  std::string algorithm = "gbdt";
  bool no_promote = false;
  double cost_ratio = 0;  // 0: unset (maximise F1)
  int search_budget = 6;
  std::uint64_t seed = 42;
  std::vector<std::string> filters;
  std::string customer;
  std::string attributes;
  std::int64_t version = 0;
  std::string since, until;
};

std::string fmt_number(double v, int digits = 4) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

void print_reasons(const nlohmann::json& reasons) {
  for (const auto& r : reasons) std::cout << "  - " << r.value("text", r.value("attribute", "")) << '\n';
}

int run_train(const core::Config& config, const ModelArgs& args) {
  auto store = open_runtime_store(config);
  auto tracker = open_training_tracker(config);
  auto options = model_options(config);
  options.tracker = tracker.get();
  services::ModelService models(*store, models_dir(config), options);
  services::TrainRequest request;
  request.source = "cli";
  request.algorithm = args.algorithm;
  if (args.cost_ratio > 0) request.cost_ratio = args.cost_ratio;
  request.search_budget = args.search_budget;
  request.seed = args.seed;
  if (args.no_promote) request.auto_promote = false;
  ProgressBar bar("train");
  auto outcome = models.train(request, [&bar](double f, std::string_view m) { bar.update(f, m); });
  bar.finish();
  const auto& test = outcome.model.metrics.at("test");
  std::cout << "model v" << outcome.model.version << " (" << outcome.model.algorithm << ") trained in "
            << fmt_number(outcome.seconds, 1) << " s\n"
            << "  test: roc_auc " << fmt_number(test.value("roc_auc", 0.0)) << ", pr_auc "
            << fmt_number(test.value("pr_auc", 0.0)) << ", f1 " << fmt_number(test.value("f1", 0.0))
            << ", precision " << fmt_number(test.value("precision", 0.0)) << ", recall "
            << fmt_number(test.value("recall", 0.0)) << ", threshold " << fmt_number(test.value("threshold", 0.0))
            << " (" << test.value("rows", 0) << " rows)\n"
            << (outcome.promoted ? "  promoted to production: " : "  kept as candidate: ") << outcome.reason << '\n';
  if (!outcome.run_id.empty()) std::cout << "  run " << outcome.run_id << " recorded at " << tracker->location() << '\n';
  return 0;
}

int run_score(const core::Config& config, const ModelArgs& args) {
  auto store = open_runtime_store(config);
  auto schema = store->current_schema();
  if (!schema) throw core::Invalid("nothing to score: no customers were imported yet");
  auto query = filter_query(*schema, args.filters);
  services::ModelService models(*store, models_dir(config), model_options(config));
  services::ScoringService scoring(*store, models, scoring_options(config));
  ProgressBar bar("score");
  auto r = scoring.score_all(query, [&bar](double f, std::string_view m) { bar.update(f, m); });
  bar.finish();
  std::cout << "scored " << r.scored << " active customers with model v" << r.model_version << " in "
            << fmt_number(r.seconds, 2) << " s\n";
  for (const auto& band : scoring.options().levels.bands())
    std::cout << "  " << band.name << ": " << r.by_level[band.name] << '\n';
  return 0;
}

int run_predict(const core::Config& config, const ModelArgs& args) {
  if (args.customer.empty() == args.attributes.empty())
    throw core::Invalid("give either --customer ID or --attributes JSON");
  auto store = open_runtime_store(config);
  services::ModelService models(*store, models_dir(config), model_options(config));
  services::ScoringService scoring(*store, models, scoring_options(config));
  nlohmann::json out;
  if (!args.customer.empty()) {
    out = services::risk_record_to_json(scoring.score_customer(args.customer));
  } else {
    nlohmann::json attrs;
    try {
      attrs = nlohmann::json::parse(args.attributes);
    } catch (const nlohmann::json::parse_error& e) {
      throw core::Invalid(std::string("--attributes is not valid JSON: ") + e.what());
    }
    out = services::predict_result_to_json(scoring.predict(attrs));
  }
  std::cout << "probability " << fmt_number(out["probability"].get<double>()) << " (" << out["risk_level"].get<std::string>()
            << "), model v" << out["model_version"] << (args.customer.empty() ? " — what-if, not stored" : "") << '\n';
  if (!args.customer.empty() && !out["change"].is_null())
    std::cout << "change since the previous score: " << fmt_number(out["change"].get<double>()) << '\n';
  std::cout << "reasons:\n";
  print_reasons(out["reasons"]);
  return 0;
}

// A window bound as the store compares it; `fallback` when not given.
std::string window_bound(const std::string& text, const char* option,
                         std::chrono::system_clock::time_point fallback) {
  if (text.empty()) return core::to_iso8601(fallback);
  auto t = core::parse_iso8601(text);
  if (!t)
    throw core::Invalid(std::string(option) +
                        " must be a UTC date (YYYY-MM-DD) or time (YYYY-MM-DDTHH:MM:SSZ)");
  return core::to_iso8601(*t);
}

std::string fmt_optional(const std::optional<double>& v, int digits) {
  return v ? fmt_number(*v, digits) : std::string("-");
}

int run_outcomes(const core::Config& config, const ModelArgs& args) {
  auto store = open_runtime_store(config);
  services::ModelService models(*store, models_dir(config), model_options(config));
  services::ScoringService scoring(*store, models, scoring_options(config));
  const auto now = std::chrono::system_clock::now();
  const auto until = window_bound(args.until, "--until", now);
  const auto since = window_bound(args.since, "--since", now - std::chrono::hours(24 * 90));
  std::optional<std::int64_t> version;
  if (args.version > 0) version = args.version;
  auto r = scoring.outcomes(since, until, version);
  std::cout << "departures known from " << since.substr(0, 10) << " to " << until.substr(0, 10) << ": "
            << r.departed << " scored before they left, against " << r.active_compared
            << " active customers of the same runs\n";
  if (r.departed == 0) return 0;
  std::cout << "  flagged before leaving (probability >= " << fmt_number(r.high_risk_threshold, 2)
            << "): " << r.flagged_departed << " of " << r.departed << " (recall " << fmt_optional(r.recall, 3)
            << ")\n"
            << "  flagged in all: " << r.flagged << " (precision " << fmt_optional(r.precision, 3) << ")\n"
            << "  roc_auc of the scores before leaving: " << fmt_optional(r.roc_auc, 4) << '\n'
            << "  median lead, first high-risk score to departure: " << fmt_optional(r.median_lead_days, 1)
            << " days\n";
  for (const auto& w : r.weekly)
    std::cout << "  week of " << w.week_start << ": " << w.departed << " departed, " << w.flagged_departed
              << " flagged\n";
  return 0;
}

int run_models_list(const core::Config& config) {
  auto store = open_runtime_store(config);
  services::ModelService models(*store, models_dir(config), model_options(config));
  auto list = models.list();
  if (list.empty()) {
    std::cout << "no models yet: run churnwatch train\n";
    return 0;
  }
  std::printf("%-8s %-14s %-11s %-8s %-8s %-8s %s\n", "VERSION", "ALGORITHM", "STAGE", "ROC_AUC", "PR_AUC", "F1",
              "CREATED");
  for (const auto& m : list) {
    const auto test = m.metrics.value("test", nlohmann::json::object());
    std::printf("v%-7lld %-14s %-11s %-8.4f %-8.4f %-8.4f %s\n", static_cast<long long>(m.version),
                m.algorithm.c_str(), m.stage.c_str(), test.value("roc_auc", 0.0), test.value("pr_auc", 0.0),
                test.value("f1", 0.0), m.created_at.c_str());
  }
  return 0;
}

int run_models_promote(const core::Config& config, std::int64_t version) {
  auto store = open_runtime_store(config);
  services::ModelService models(*store, models_dir(config), model_options(config));
  auto m = models.promote(version);
  std::cout << "model v" << m.version << " is production now\n";
  return 0;
}

}  // namespace

void add_model_commands(CLI::App& app, core::Config& config, Action& action) {
  auto args = std::make_shared<ModelArgs>();

  auto* train = app.add_subcommand("train", "Train a churn model on the labelled customers and register it");
  add_store_options(*train, config);
  train->add_option("--algorithm", args->algorithm, "gbdt, random_forest or logistic")
      ->capture_default_str()
      ->check(CLI::IsMember({"gbdt", "random_forest", "logistic"}));
  train->add_flag("--no-promote", args->no_promote, "Keep the new model a candidate even when it wins");
  train->add_option("--cost-ratio", args->cost_ratio,
                    "Cost of a missed churner / cost of a needless retention action (default: maximise F1)")
      ->check(CLI::PositiveNumber);
  train->add_option("--search-budget", args->search_budget, "Parameter sets to try (1 = defaults only)")
      ->capture_default_str()
      ->check(CLI::Range(1, 50));
  train->add_option("--seed", args->seed, "Same seed and data, same model")->capture_default_str();
  train->callback([&config, &action, args] { action = [&config, args] { return run_train(config, *args); }; });

  auto* score = app.add_subcommand("score", "Score all (or filtered) customers with the production model");
  add_store_options(*score, config);
  score->add_option("--filter", args->filters, "Filter like the API: Geography=France, Age[gte]=40 (repeatable)");
  score->callback([&config, &action, args] { action = [&config, args] { return run_score(config, *args); }; });

  auto* predict = app.add_subcommand("predict", "Churn probability, risk level and reasons for one customer");
  add_store_options(*predict, config);
  predict->add_option("--customer", args->customer, "A stored customer's id (the score is stored)");
  predict->add_option("--attributes", args->attributes, R"(A what-if as JSON, e.g. '{"Age": 52}' (not stored))");
  predict->callback([&config, &action, args] { action = [&config, args] { return run_predict(config, *args); }; });

  auto* outcomes = app.add_subcommand(
      "outcomes",
      "How well the scores made before customers left predicted it (departures known in a window)");
  add_store_options(*outcomes, config);
  outcomes->add_option("--since", args->since,
                       "Departures known from this UTC date or time (default: 90 days ago)");
  outcomes->add_option("--until", args->until, "... and before this one (default: now)");
  outcomes->add_option("--model-version", args->version, "Only scores of this model version")
      ->check(CLI::PositiveNumber);
  outcomes->callback(
      [&config, &action, args] { action = [&config, args] { return run_outcomes(config, *args); }; });

  auto* models = app.add_subcommand("models", "List model versions or promote one (also how to roll back)");
  models->require_subcommand(1);
  auto* list = models->add_subcommand("list", "Model versions, newest first, with test metrics");
  add_store_options(*list, config);
  list->callback([&config, &action] { action = [&config] { return run_models_list(config); }; });
  auto* promote = models->add_subcommand("promote", "Make VERSION the production model");
  add_store_options(*promote, config);
  promote->add_option("version", args->version, "Model version, e.g. 3")->required()->check(CLI::PositiveNumber);
  promote->callback(
      [&config, &action, args] { action = [&config, args] { return run_models_promote(config, args->version); }; });
}

}  // namespace churnwatch::cli

// ModelService: training on stored customers, the registry's stages,
// promotion and rollback, and the shared production model.
#include <gtest/gtest.h>

#include <fstream>

#include "core/errors.hpp"
#include "ml/trainer.hpp"
#include "services/customers.hpp"
#include "services/model_service.hpp"
#include "services/services_test_support.hpp"
#include "services/ml_test_support.hpp"

namespace churnwatch::services {
namespace {

using testing::DemoWorkspace;
using testing::quick_request;

TEST(ModelService, FirstModelLearnsAndBecomesProduction) {
  DemoWorkspace ws(3000);
  ModelService models(ws.store(), ws.models_dir());
  std::vector<double> fractions;
  auto out = models.train(quick_request(), [&](double f, std::string_view) { fractions.push_back(f); });

  EXPECT_TRUE(out.promoted);
  EXPECT_EQ(out.reason, "no production model yet");
  EXPECT_EQ(out.model.version, 1);
  EXPECT_EQ(out.model.stage, "production");
  EXPECT_FALSE(out.model.promoted_at.empty());
  EXPECT_EQ(out.model.artifact, "models/v1");
  EXPECT_TRUE(std::filesystem::exists(ws.models_dir() / "v1" / "bundle.json"));
  // No temporary folder is left behind.
  int entries = 0;
  for (const auto& e : std::filesystem::directory_iterator(ws.models_dir())) {
    (void)e;
    ++entries;
  }
  EXPECT_EQ(entries, 1);

  const auto& test = out.model.metrics.at("test");
  EXPECT_GE(test.at("roc_auc").get<double>(), 0.80);
  EXPECT_GT(test.at("pr_auc").get<double>(), 0.3);
  EXPECT_GT(test.at("f1").get<double>(), 0.3);
  EXPECT_EQ(test.at("rows").get<int>(), 600);  // 20% of 3,000 held out
  EXPECT_TRUE(out.model.metrics.at("validation").contains("roc_auc"));
  EXPECT_FALSE(test.contains("roc_curve"));  // curves live in details

  const auto stored = models.get(1);
  EXPECT_GT(stored.details.at("roc_curve").size(), 10u);
  EXPECT_GT(stored.details.at("pr_curve").size(), 10u);
  EXPECT_EQ(stored.details.at("calibration_curve").size(), 10u);
  EXPECT_FALSE(stored.details.at("importance").empty());
  EXPECT_EQ(stored.details.at("search").size(), 1u);
  EXPECT_FALSE(stored.details.at("history").empty());
  EXPECT_EQ(stored.params.at("algorithm"), "gbdt");

  ASSERT_FALSE(fractions.empty());
  EXPECT_DOUBLE_EQ(fractions.back(), 1.0);
  EXPECT_TRUE(std::is_sorted(fractions.begin(), fractions.end()));

  auto bundle = models.production_bundle();
  ASSERT_TRUE(bundle);
  EXPECT_EQ(models.production()->version, 1);
  EXPECT_EQ(bundle.get(), models.production_bundle().get());  // cached, not reloaded
}

TEST(ModelService, WeakerModelStaysCandidateThenPromoteAndRollBack) {
  DemoWorkspace ws(3000);
  ModelService models(ws.store(), ws.models_dir());
  ASSERT_TRUE(models.train(quick_request("gbdt")).promoted);

  // A linear model cannot follow the demo table's non-linear churn mechanism.
  auto weaker = models.train(quick_request("logistic"));
  EXPECT_FALSE(weaker.promoted);
  EXPECT_EQ(weaker.model.version, 2);
  EXPECT_EQ(weaker.model.stage, "candidate");
  EXPECT_NE(weaker.reason.find("does not beat production v1"), std::string::npos) << weaker.reason;
  EXPECT_EQ(models.get(2).details.at("comparison").at("production_version"), 1);
  EXPECT_EQ(models.production()->version, 1);

  auto before = models.production_bundle();
  models.promote(2);
  EXPECT_EQ(models.production()->version, 2);
  EXPECT_NE(models.production_bundle().get(), before.get());  // swapped at once
  EXPECT_EQ(models.get(1).stage, "archived");
  EXPECT_EQ(models.get(2).stage, "production");

  // Rolling back is promoting the earlier version.
  models.promote(1);
  EXPECT_EQ(models.production()->version, 1);
  EXPECT_EQ(models.get(2).stage, "archived");
  auto list = models.list();
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0].version, 2);  // newest first

  EXPECT_THROW(models.promote(9), core::NotFound);
  EXPECT_THROW(models.get(9), core::NotFound);
}

TEST(ModelService, AutoPromoteOffKeepsEveryModelCandidate) {
  DemoWorkspace ws(1500);
  ModelServiceOptions options;
  options.auto_promote = false;
  ModelService models(ws.store(), ws.models_dir(), options);
  auto out = models.train(quick_request());
  EXPECT_FALSE(out.promoted);
  EXPECT_EQ(out.model.stage, "candidate");
  try {
    models.production();
    FAIL() << "expected Conflict";
  } catch (const core::Conflict& e) {
    EXPECT_NE(std::string(e.what()).find("no production model: train one first"), std::string::npos);
  }
  // The request can override the service's setting.
  auto req = quick_request();
  req.auto_promote = true;
  EXPECT_TRUE(models.train(req).promoted);
}

TEST(ModelService, SeesAPromotionMadeByAnotherProcess) {
  DemoWorkspace ws(1500);
  ModelService trainer(ws.store(), ws.models_dir());
  ModelServiceOptions eager;
  eager.reload_check = std::chrono::milliseconds(0);
  ModelService server(ws.store(), ws.models_dir(), eager);
  ModelServiceOptions lazy;
  lazy.reload_check = std::chrono::hours(1);
  ModelService slow_server(ws.store(), ws.models_dir(), lazy);

  trainer.train(quick_request());
  EXPECT_EQ(server.production()->version, 1);
  EXPECT_EQ(slow_server.production()->version, 1);
  auto req = quick_request("random_forest");
  req.auto_promote = false;
  trainer.train(req);
  trainer.promote(2);
  EXPECT_EQ(server.production()->version, 2);       // reloaded from the folder
  EXPECT_EQ(slow_server.production()->version, 1);  // still within its check interval
}

TEST(ModelService, TrainsOnLabelledCustomersOnly) {
  DemoWorkspace ws(1500);
  Customers customers(ws.store());
  auto schema = customers.schema();
  const auto& id = schema.id_attribute();
  for (int i = 0; i < 5; ++i) {
    nlohmann::json attrs = ws.store().list_customers({}).items.at(0).attributes;
    attrs.erase(schema.label_attribute()->name);
    attrs[id.name] = id.type == core::AttrType::kText ? nlohmann::json("unlabelled-" + std::to_string(i))
                                                      : nlohmann::json(990000000 + i);
    customers.create(attrs);
  }
  ModelService models(ws.store(), ws.models_dir());
  auto out = models.train(quick_request());
  const auto details = models.get(out.model.version).details;
  ASSERT_TRUE(details.contains("rows")) << details.dump().substr(0, 2000);
  const auto& rows = details.at("rows");
  EXPECT_EQ(rows.at("train").get<int>() + rows.at("validation").get<int>() + rows.at("test").get<int>(), 1500);
}

TEST(ModelService, RejectsBadRequestsAndEmptyStores) {
  DemoWorkspace empty(0);
  ModelService models(empty.store(), empty.models_dir());
  EXPECT_THROW(models.train(quick_request()), core::Invalid);

  auto e = testing::expect_invalid([] {
    parse_train_request({{"algorithm", "svm"}, {"search_budget", 0}, {"cost_ratio", -1}, {"colour", 1}});
  });
  ASSERT_EQ(e.errors().size(), 4u);
  auto r = parse_train_request({{"algorithm", "logistic"}, {"cost_ratio", 4}, {"auto_promote", false}});
  EXPECT_EQ(r.algorithm, "logistic");
  EXPECT_EQ(*r.cost_ratio, 4);
  EXPECT_FALSE(*r.auto_promote);
}

// The acceptance floor on the real bank table, through the service.
TEST(ModelService, BankTableMeetsTheAcceptanceFloor) {
  const auto path = testing::shared_bank_csv_path();
  if (path.empty())
    GTEST_SKIP() << "bank demo file Churn_Modelling.csv not found (set CHURNWATCH_SHARED_DATA to its folder)";
  DemoWorkspace ws(0);
  std::ifstream in(path);
  ImportOptions options;
  options.source = path;
  import_csv(ws.store(), in, options);
  ModelService models(ws.store(), ws.models_dir());
  TrainRequest request;  // the product defaults
  auto out = models.train(request);
  const auto& test = out.model.metrics.at("test");
  std::cout << "bank table: trained v" << out.model.version << " in " << out.seconds << " s, test roc_auc "
            << test.at("roc_auc") << ", f1 " << test.at("f1") << '\n';
  EXPECT_EQ(test.at("rows").get<int>(), 2000);
  EXPECT_GE(test.at("roc_auc").get<double>(), 0.86);
  EXPECT_GE(test.at("f1").get<double>(), 0.60);
  EXPECT_TRUE(out.promoted);
}

}  // namespace
}  // namespace churnwatch::services

// Cross-fitted scores: a customer the final model was fitted on is scored by
// the fold model that never saw it, everyone else by the final model.
#include <gtest/gtest.h>

#include <unistd.h>
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <thread>

#include "core/errors.hpp"
#include "ml/metrics.hpp"
#include "ml/ml_fixtures.hpp"
#include "ml/trainer.hpp"
#include "ml/xgb.hpp"

namespace churnwatch::ml {
namespace {

std::string key_of(const nlohmann::json& row) { return std::to_string(row.at("CustomerId").get<int>()); }

std::filesystem::path temp_dir(const std::string& name) {
  auto dir = std::filesystem::temp_directory_path() /
             ("churnwatch_crossfit_" + name + "_" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  return dir;
}

// Rows of a table picked by index, encoded, with their keys and labels.
struct Rows {
  FeatureMatrix x;
  std::vector<std::string> keys;
  std::vector<int> y;
  std::vector<nlohmann::json> json;
};

Rows pick(const ModelBundle& bundle, const testing::Table& t, const std::vector<std::size_t>& idx) {
  Rows r;
  for (const auto i : idx) {
    r.json.push_back(t.rows[i]);
    r.keys.push_back(key_of(t.rows[i]));
    r.y.push_back(t.labels[i]);
  }
  r.x = bundle.preprocessor().transform(r.json);
  return r;
}

// One trained bank-like model whose training customers are members.
class CrossFitTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    table_ = new testing::Table(testing::bank_like(3000, 31));
    TrainOptions o;
    o.search_budget = 2;
    o.cv_folds = 3;
    o.max_rounds = 300;
    o.early_stopping_rounds = 20;
    result_ = new TrainResult(train(table_->schema, table_->rows, table_->labels, o));
    std::unordered_map<std::string, int> members;
    for (std::size_t i = 0; i < result_->train_rows.size(); ++i) {
      members[key_of(table_->rows[result_->train_rows[i]])] = result_->train_folds[i];
    }
    result_->bundle.set_cross_fit_members(std::move(members));
  }
  static void TearDownTestSuite() {
    delete result_;
    delete table_;
  }
  static const ModelBundle& bundle() { return result_->bundle; }
  static std::vector<std::size_t> all_rows() {
    std::vector<std::size_t> idx(table_->rows.size());
    for (std::size_t i = 0; i < idx.size(); ++i) idx[i] = i;
    return idx;
  }

  static testing::Table* table_;
  static TrainResult* result_;
};
testing::Table* CrossFitTest::table_ = nullptr;
TrainResult* CrossFitTest::result_ = nullptr;

TEST_F(CrossFitTest, TrainingCustomersAreMembersOfTheFoldTheSearchHeldThemOutIn) {
  const auto& r = *result_;
  EXPECT_EQ(bundle().metadata().cross_fit_folds, 3);
  ASSERT_EQ(r.train_folds.size(), r.train_rows.size());
  std::vector<int> per_fold(3, 0);
  for (std::size_t i = 0; i < r.train_rows.size(); ++i) {
    ASSERT_GE(r.train_folds[i], 0);
    ASSERT_LT(r.train_folds[i], 3);
    ++per_fold[static_cast<std::size_t>(r.train_folds[i])];
    EXPECT_EQ(bundle().cross_fit_fold(key_of(table_->rows[r.train_rows[i]])), r.train_folds[i]);
  }
  for (const int n : per_fold) EXPECT_NEAR(n, 600, 3);  // 1,800 training rows in 3 folds
  for (const auto i : r.validation_rows) EXPECT_EQ(bundle().cross_fit_fold(key_of(table_->rows[i])), -1);
  for (const auto i : r.test_rows) EXPECT_EQ(bundle().cross_fit_fold(key_of(table_->rows[i])), -1);
  EXPECT_EQ(bundle().cross_fit_fold("no such customer"), -1);
}

TEST_F(CrossFitTest, FoldModelsRunTheWinnersCrossValidatedRounds) {
  const auto dir = temp_dir("rounds");
  bundle().save(dir);
  const int rounds = result_->search[result_->best_candidate].rounds;
  for (int f = 0; f < 3; ++f) {
    const auto fold = xgb::Booster::load_file(dir / ("fold_" + std::to_string(f) + ".json"));
    EXPECT_EQ(fold.rounds(), rounds) << f;
  }
  std::filesystem::remove_all(dir);
}

TEST_F(CrossFitTest, MembersGetOutOfFoldScoresNoBetterThanCrossValidation) {
  const auto train = pick(bundle(), *table_, result_->train_rows);
  const double cv_auc = result_->search[result_->best_candidate].cv_auc;
  const double out_of_fold = roc_auc(bundle().predict_matrix(train.x, train.keys), train.y);
  const double in_sample = roc_auc(bundle().predict_matrix(train.x), train.y);
  std::printf(
      "training rows: out-of-fold AUC %.4f, cross-validated AUC %.4f, in-sample AUC %.4f; "
      "test AUC %.4f\n",
      out_of_fold, cv_auc, in_sample, bundle().metadata().test.roc_auc);
  EXPECT_LE(out_of_fold, cv_auc + 0.02) << "members must not be scored by a model fitted on them";
  EXPECT_GT(out_of_fold, cv_auc - 0.03) << "out-of-fold scores are as good as cross-validation says";
  EXPECT_GT(in_sample, out_of_fold + 0.03) << "the final model's own training rows look easier";
}

TEST_F(CrossFitTest, NonMembersGetExactlyTheFinalModel) {
  auto idx = result_->validation_rows;
  idx.insert(idx.end(), result_->test_rows.begin(), result_->test_rows.end());
  const auto outside = pick(bundle(), *table_, idx);
  EXPECT_EQ(bundle().predict_matrix(outside.x, outside.keys), bundle().predict_matrix(outside.x));
  EXPECT_EQ(bundle().contributions(outside.x, outside.keys), bundle().contributions(outside.x));
  for (std::size_t i = 0; i < 20; ++i) {
    const auto a = bundle().predict(outside.json[i], 3, outside.keys[i]);
    const auto b = bundle().predict(outside.json[i], 3);
    EXPECT_EQ(a.probability, b.probability) << i;
    ASSERT_EQ(a.reasons.size(), b.reasons.size());
    for (std::size_t k = 0; k < a.reasons.size(); ++k) EXPECT_EQ(a.reasons[k].text, b.reasons[k].text);
  }
  // In a mixed batch each row keeps the score it gets on its own.
  const auto everyone = pick(bundle(), *table_, all_rows());
  const auto mixed = bundle().predict_matrix(everyone.x, everyone.keys);
  const auto final_model = bundle().predict_matrix(everyone.x);
  int members_differing = 0;
  for (std::size_t i = 0; i < everyone.keys.size(); ++i) {
    if (bundle().cross_fit_fold(everyone.keys[i]) < 0) {
      ASSERT_EQ(mixed[i], final_model[i]) << i;
    } else {
      members_differing += mixed[i] != final_model[i];
      ASSERT_NEAR(mixed[i], bundle().predict(everyone.json[i], 0, everyone.keys[i]).probability, 1e-9) << i;
      ASSERT_NEAR(mixed[i], bundle().predict(everyone.json[i], 3, everyone.keys[i]).probability, 1e-5) << i;
    }
  }
  EXPECT_GT(members_differing, 1700) << "members are scored by their fold model, not the final one";
}

TEST_F(CrossFitTest, MemberContributionsAddUpToTheirFoldModelsLogOdds) {
  const auto dir = temp_dir("contributions");
  bundle().save(dir);
  std::vector<std::size_t> idx(result_->train_rows.begin(), result_->train_rows.begin() + 60);
  const auto rows = pick(bundle(), *table_, idx);
  const auto contribs = bundle().contributions(rows.x, rows.keys);
  const auto final_contribs = bundle().contributions(rows.x);
  const auto p = bundle().predict_matrix(rows.x, rows.keys);
  const std::size_t width = rows.x.cols + 1;
  ASSERT_EQ(contribs.size(), rows.x.rows * width);
  double largest_gap_to_final = 0;
  for (std::size_t r = 0; r < rows.x.rows; ++r) {
    const int fold = bundle().cross_fit_fold(rows.keys[r]);
    ASSERT_GE(fold, 0);
    const auto fold_model = xgb::Booster::load_file(dir / ("fold_" + std::to_string(fold) + ".json"));
    const double fold_margin = fold_model.predict_dense(rows.x.row(r), 1, rows.x.cols, true, true)[0];
    double sum = 0, final_sum = 0;
    for (std::size_t c = 0; c < width; ++c) {
      sum += contribs[r * width + c];
      final_sum += final_contribs[r * width + c];
    }
    EXPECT_NEAR(sum, fold_margin, 1e-4) << r;
    EXPECT_NEAR(bundle().calibrator().apply(1.0 / (1.0 + std::exp(-sum))), p[r], 1e-5) << r;
    largest_gap_to_final = std::max(largest_gap_to_final, std::abs(sum - final_sum));
  }
  EXPECT_GT(largest_gap_to_final, 0.05) << "the fold model explains the row, not the final model";
  std::filesystem::remove_all(dir);
}

TEST_F(CrossFitTest, SaveLoadKeepsFoldModelsAndMembers) {
  const auto dir = temp_dir("roundtrip");
  bundle().save(dir);
  for (const char* f : {"fold_0.json", "fold_1.json", "fold_2.json", "cross_fit.json"}) {
    EXPECT_TRUE(std::filesystem::exists(dir / f)) << f;
  }
  EXPECT_FALSE(std::filesystem::exists(dir / "fold_3.json"));
  const auto loaded = ModelBundle::load(dir);
  EXPECT_EQ(loaded.metadata().cross_fit_folds, 3);
  const auto everyone = pick(bundle(), *table_, all_rows());
  for (const auto& k : everyone.keys) ASSERT_EQ(loaded.cross_fit_fold(k), bundle().cross_fit_fold(k)) << k;
  EXPECT_EQ(loaded.predict_matrix(everyone.x, everyone.keys),
            bundle().predict_matrix(everyone.x, everyone.keys));
  EXPECT_EQ(loaded.contributions(everyone.x, everyone.keys),
            bundle().contributions(everyone.x, everyone.keys));
  for (const auto i : {result_->train_rows[0], result_->validation_rows[0]}) {
    const auto a = loaded.predict(table_->rows[i], 3, key_of(table_->rows[i]));
    const auto b = bundle().predict(table_->rows[i], 3, key_of(table_->rows[i]));
    EXPECT_EQ(a.probability, b.probability);
    ASSERT_EQ(a.reasons.size(), b.reasons.size());
    for (std::size_t k = 0; k < a.reasons.size(); ++k) EXPECT_EQ(a.reasons[k].text, b.reasons[k].text);
  }
  std::filesystem::remove_all(dir);
}

TEST_F(CrossFitTest, BundleWithoutCrossFitFilesScoresEveryoneWithTheFinalModel) {
  const auto dir = temp_dir("older");
  bundle().save(dir);
  // What a bundle saved before cross-fitting looks like.
  for (const char* f : {"fold_0.json", "fold_1.json", "fold_2.json", "cross_fit.json"}) {
    std::filesystem::remove(dir / f);
  }
  auto doc = nlohmann::json::parse(std::ifstream(dir / "bundle.json"));
  doc["metadata"].erase("cross_fit_folds");
  std::ofstream(dir / "bundle.json") << doc.dump(1);

  const auto loaded = ModelBundle::load(dir);
  EXPECT_EQ(loaded.metadata().cross_fit_folds, 0);
  const auto everyone = pick(bundle(), *table_, all_rows());
  for (const auto& k : everyone.keys) ASSERT_EQ(loaded.cross_fit_fold(k), -1) << k;
  const auto final_model = bundle().predict_matrix(everyone.x);
  EXPECT_EQ(loaded.predict_matrix(everyone.x, everyone.keys), final_model);
  EXPECT_EQ(loaded.predict_matrix(everyone.x), final_model);
  EXPECT_EQ(loaded.contributions(everyone.x, everyone.keys), bundle().contributions(everyone.x));
  const auto& member = table_->rows[result_->train_rows[0]];
  EXPECT_EQ(loaded.predict(member, 3, key_of(member)).probability, bundle().predict(member, 3).probability);
  std::filesystem::remove_all(dir);
}

TEST_F(CrossFitTest, LoadRejectsIncompleteOrMalformedCrossFitFiles) {
  const auto dir = temp_dir("broken");
  bundle().save(dir);
  std::filesystem::remove(dir / "fold_1.json");
  EXPECT_THROW(ModelBundle::load(dir), core::NotFound);
  bundle().save(dir);
  for (const char* text :
       {"{\"folds\":3,\"keys\":[\"a\",\"b\"],\"fold\":[0]}", "{\"folds\":3,\"keys\":[\"a\"],\"fold\":[3]}",
        "{\"folds\":3,\"keys\":[\"a\",\"a\"],\"fold\":[0,1]}", "{\"keys\":[],\"fold\":[]}",
        "{\"folds\":3,\"keys\":[1],\"fold\":[0]}", "{\"folds\":3,\"keys\":[\"a\"],\"fold\":[0],\"extra\":1}",
        "[]", "{\"folds\":3,"}) {
    std::ofstream(dir / "cross_fit.json", std::ios::trunc) << text;
    EXPECT_THROW(ModelBundle::load(dir), core::Invalid) << text;
  }
  std::filesystem::remove_all(dir);
}

TEST_F(CrossFitTest, SavingWithoutFoldModelsOverAnOlderSaveLeavesNoneBehind) {
  const auto dir = temp_dir("resave");
  bundle().save(dir);
  auto plain = ModelBundle::load(dir);
  plain.set_cross_fit({});
  EXPECT_EQ(plain.metadata().cross_fit_folds, 0);
  plain.save(dir);
  EXPECT_FALSE(std::filesystem::exists(dir / "cross_fit.json"));
  EXPECT_FALSE(std::filesystem::exists(dir / "fold_0.json"));
  const auto loaded = ModelBundle::load(dir);
  EXPECT_EQ(loaded.metadata().cross_fit_folds, 0);
  EXPECT_EQ(loaded.cross_fit_fold(key_of(table_->rows[result_->train_rows[0]])), -1);
  std::filesystem::remove_all(dir);
}

TEST_F(CrossFitTest, MembersNamingAMissingFoldAreRejectedAndChangeNothing) {
  const auto dir = temp_dir("members");
  bundle().save(dir);
  auto copy = ModelBundle::load(dir);
  std::filesystem::remove_all(dir);
  const auto member = key_of(table_->rows[result_->train_rows[0]]);
  const int fold = copy.cross_fit_fold(member);
  ASSERT_GE(fold, 0);
  EXPECT_THROW(copy.set_cross_fit_members({{"x", 0}, {"y", 3}}), core::Invalid);
  EXPECT_THROW(copy.set_cross_fit_members({{"x", -1}}), core::Invalid);
  EXPECT_EQ(copy.cross_fit_fold(member), fold);
  EXPECT_EQ(copy.cross_fit_fold("x"), -1);
  copy.set_cross_fit_members({{"x", 2}});
  EXPECT_EQ(copy.cross_fit_fold("x"), 2);
  EXPECT_EQ(copy.cross_fit_fold(member), -1) << "the members are replaced, not added to";
  copy.set_cross_fit({});
  EXPECT_EQ(copy.cross_fit_fold("x"), -1) << "without fold models nobody is a member";
  EXPECT_THROW(copy.set_cross_fit_members({{"x", 0}}), core::Invalid);
}

TEST_F(CrossFitTest, KeysMustMatchTheRows) {
  const auto rows = pick(bundle(), *table_, {0, 1, 2});
  EXPECT_THROW(bundle().predict_matrix(rows.x, {"a", "b"}), core::Invalid);
  EXPECT_THROW(bundle().contributions(rows.x, {"a"}), core::Invalid);
}

TEST_F(CrossFitTest, ConcurrentKeyedPredictionsEqualSequential) {
  const auto everyone = pick(bundle(), *table_, all_rows());
  const auto expected = bundle().predict_matrix(everyone.x, everyone.keys);
  const auto expected_contribs = bundle().contributions(everyone.x, everyone.keys);
  constexpr std::size_t kSingles = 200;
  std::vector<double> expected_plain(kSingles), expected_reasoned(kSingles);
  for (std::size_t i = 0; i < kSingles; ++i) {
    expected_plain[i] = bundle().predict(everyone.json[i], 0, everyone.keys[i]).probability;
    expected_reasoned[i] = bundle().predict(everyone.json[i], 3, everyone.keys[i]).probability;
  }
  constexpr int kThreads = 8;
  std::vector<int> batches_ok(kThreads, 0), contribs_ok(kThreads, 0), singles_ok(kThreads, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      int ok = 1;
      for (int round = 0; round < 3; ++round)
        ok &= bundle().predict_matrix(everyone.x, everyone.keys) == expected;
      batches_ok[t] = ok;
      contribs_ok[t] = bundle().contributions(everyone.x, everyone.keys) == expected_contribs;
      ok = 1;
      const std::size_t reasons = t % 2 ? 3 : 0;
      const auto& want = t % 2 ? expected_reasoned : expected_plain;
      for (std::size_t k = 0; k < kSingles; ++k) {
        const std::size_t i = (k * 7 + static_cast<std::size_t>(t) * 13) % kSingles;
        ok &= bundle().predict(everyone.json[i], reasons, everyone.keys[i]).probability == want[i];
      }
      singles_ok[t] = ok;
    });
  }
  for (auto& th : threads) th.join();
  for (int t = 0; t < kThreads; ++t) {
    EXPECT_TRUE(batches_ok[t]) << t;
    EXPECT_TRUE(contribs_ok[t]) << t;
    EXPECT_TRUE(singles_ok[t]) << t;
  }
}

// Random forests (one round of many trees) and the linear booster (no fast
// evaluator) are cross-fitted by the same rule.
TEST(CrossFit, EveryAlgorithmScoresMembersOutOfFold) {
  const auto t = testing::bank_like(1500, 32);
  for (auto a : {Algorithm::kRandomForest, Algorithm::kLogistic}) {
    TrainOptions o;
    o.algorithm = a;
    o.search_budget = 1;
    o.max_rounds = 300;
    o.early_stopping_rounds = 20;
    auto r = train(t.schema, t.rows, t.labels, o);
    ASSERT_EQ(r.bundle.metadata().cross_fit_folds, 3) << to_string(a);
    std::unordered_map<std::string, int> members;
    for (std::size_t i = 0; i < r.train_rows.size(); ++i)
      members[key_of(t.rows[r.train_rows[i]])] = r.train_folds[i];
    r.bundle.set_cross_fit_members(std::move(members));
    const auto train = pick(r.bundle, t, r.train_rows);
    const auto p = r.bundle.predict_matrix(train.x, train.keys);
    const double cv_auc = r.search[0].cv_auc;
    EXPECT_LE(roc_auc(p, train.y), cv_auc + 0.02) << to_string(a);
    EXPECT_GT(roc_auc(r.bundle.predict_matrix(train.x), train.y), roc_auc(p, train.y)) << to_string(a);
    for (std::size_t i = 0; i < 20; ++i) {
      EXPECT_NEAR(r.bundle.predict(train.json[i], 0, train.keys[i]).probability, p[i], 1e-9) << to_string(a);
      EXPECT_NEAR(r.bundle.predict(train.json[i], 3, train.keys[i]).probability, p[i], 1e-5) << to_string(a);
    }
    const auto dir = temp_dir(std::string(to_string(a)));
    r.bundle.save(dir);
    const int rounds = a == Algorithm::kRandomForest ? 1 : r.search[0].rounds;
    EXPECT_EQ(xgb::Booster::load_file(dir / "fold_0.json").rounds(), rounds) << to_string(a);
    EXPECT_EQ(ModelBundle::load(dir).predict_matrix(train.x, train.keys), p) << to_string(a);
    std::filesystem::remove_all(dir);
  }
}

}  // namespace
}  // namespace churnwatch::ml

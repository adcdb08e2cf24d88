#include "ml/search_space.hpp"

#include <algorithm>
#include <random>

#include "core/errors.hpp"

namespace churnwatch::ml {
namespace {

using Grid = std::vector<std::pair<const char*, std::vector<const char*>>>;

const Grid& grid(Algorithm a) {
  static const Grid gbdt{{"max_depth", {"3", "4", "5", "6"}},
                         {"eta", {"0.03", "0.05", "0.1"}},
                         {"min_child_weight", {"1", "3", "5", "10"}},
                         {"subsample", {"0.7", "0.8", "0.9", "1"}},
                         {"colsample_bytree", {"0.6", "0.8", "1"}},
                         {"lambda", {"1", "3", "10"}}};
  static const Grid forest{{"num_parallel_tree", {"100", "200"}},
                           {"max_depth", {"6", "8", "10", "12"}},
                           {"min_child_weight", {"1", "2", "5"}},
                           {"subsample", {"0.6", "0.8"}},
                           {"colsample_bynode", {"0.5", "0.7", "0.9"}}};
  static const Grid linear{{"lambda", {"0", "0.01", "0.1", "1"}},
                           {"alpha", {"0", "0.001", "0.01"}},
                           {"eta", {"0.3", "0.5"}}};
  switch (a) {
    case Algorithm::kRandomForest: return forest;
    case Algorithm::kLogistic: return linear;
    default: return gbdt;
  }
}

nlohmann::json default_candidate(Algorithm a) {
  switch (a) {
    case Algorithm::kRandomForest:
      return {{"num_parallel_tree", "200"}, {"max_depth", "8"}, {"min_child_weight", "2"},
              {"subsample", "0.8"}, {"colsample_bynode", "0.7"}};
    case Algorithm::kLogistic: return {{"lambda", "0.01"}, {"alpha", "0"}, {"eta", "0.5"}};
    default:
      return {{"max_depth", "4"}, {"eta", "0.05"}, {"min_child_weight", "3"},
              {"subsample", "0.8"}, {"colsample_bytree", "0.8"}, {"lambda", "1"}};
  }
}

}  // namespace

nlohmann::json fixed_params(Algorithm a) {
  nlohmann::json p = {{"objective", "binary:logistic"}, {"verbosity", "0"}};
  switch (a) {
    case Algorithm::kRandomForest:
      p["booster"] = "gbtree";
      p["tree_method"] = "hist";
      p["eta"] = "1";
      break;
    case Algorithm::kLogistic:
      p["booster"] = "gblinear";
      p["updater"] = "coord_descent";
      p["feature_selector"] = "cyclic";
      break;
    default:
      p["booster"] = "gbtree";
      p["tree_method"] = "hist";
      break;
  }
  return p;
}

bool uses_boosting_rounds(Algorithm a) { return a != Algorithm::kRandomForest; }

std::vector<nlohmann::json> search_candidates(Algorithm algorithm, int budget, std::uint64_t seed) {
  if (budget < 1) throw core::Invalid("the search budget must be at least 1 candidate");
  std::vector<nlohmann::json> out{default_candidate(algorithm)};
  const auto& g = grid(algorithm);
  std::size_t space = 1;
  for (const auto& [name, values] : g) space *= values.size();
  std::mt19937_64 rng(seed ^ 0x5eedULL);
  while (out.size() < static_cast<std::size_t>(budget) && out.size() < space) {
    nlohmann::json c = nlohmann::json::object();
    for (const auto& [name, values] : g) {
      c[name] = values[std::uniform_int_distribution<std::size_t>(0, values.size() - 1)(rng)];
    }
    if (std::find(out.begin(), out.end(), c) == out.end()) out.push_back(std::move(c));
  }
  return out;
}

}  // namespace churnwatch::ml

// The budgeted hyperparameter search: which XGBoost parameter sets are tried.
//
// Candidate 0 is a hand-picked default that works well on tabular churn data;
// candidates 1..budget-1 are drawn by a seeded random search from a small grid
// per algorithm (tree depth, learning rate, child weight, row and column
// sampling, L2 regularisation; forest size and depth; linear penalties).
// Random search finds good settings in far fewer trials than a full grid
// because only a few parameters matter on any given table. Same seed, same
// candidates.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <vector>

#include "ml/model_bundle.hpp"

namespace churnwatch::ml {

// XGBoost parameters (as strings, ready for XGBoosterSetParam) for up to
// `budget` candidates, without duplicates; at least one.
std::vector<nlohmann::json> search_candidates(Algorithm algorithm, int budget, std::uint64_t seed);

// Parameters every candidate of `algorithm` shares (objective, booster, ...).
nlohmann::json fixed_params(Algorithm algorithm);

// Training rounds: random forests grow all their trees in one round.
bool uses_boosting_rounds(Algorithm algorithm);

}  // namespace churnwatch::ml

// Reproducible, stratified row splits: every split and fold keeps the
// churn rate of the whole table, and the same seed gives the same rows.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace churnwatch::ml {

struct Split {
  std::vector<std::size_t> train, validation, test;  // row indices, ascending
};

// Splits rows by label into train / validation / test (default 60/20/20).
// Throws Invalid when a fraction is out of range or a class is too small to
// appear in every split.
Split stratified_split(const std::vector<int>& labels, double validation_fraction,
                       double test_fraction, std::uint64_t seed);

// Assigns each of `labels` a fold in [0, k), stratified by label.
std::vector<int> stratified_folds(const std::vector<int>& labels, int k, std::uint64_t seed);

}  // namespace churnwatch::ml

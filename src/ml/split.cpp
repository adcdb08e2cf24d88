#include "ml/split.hpp"

#include <algorithm>
#include <cmath>
#include <random>
#include <string>

#include "core/errors.hpp"

namespace churnwatch::ml {
namespace {

// Members of each class, shuffled by `seed`.
std::vector<std::vector<std::size_t>> shuffled_classes(const std::vector<int>& labels,
                                                       std::uint64_t seed) {
  std::vector<std::vector<std::size_t>> classes(2);
  for (std::size_t i = 0; i < labels.size(); ++i) classes[labels[i] ? 1 : 0].push_back(i);
  std::mt19937_64 rng(seed);
  for (auto& c : classes) std::shuffle(c.begin(), c.end(), rng);
  return classes;
}

}  // namespace

Split stratified_split(const std::vector<int>& labels, double validation_fraction,
                       double test_fraction, std::uint64_t seed) {
  if (!(validation_fraction > 0 && test_fraction > 0 && validation_fraction + test_fraction < 0.9)) {
    throw core::Invalid("validation and test fractions must be positive and leave at least 10% for training");
  }
  Split s;
  for (const auto& members : shuffled_classes(labels, seed)) {
    const auto n = members.size();
    const auto n_test = static_cast<std::size_t>(std::llround(static_cast<double>(n) * test_fraction));
    const auto n_valid =
        static_cast<std::size_t>(std::llround(static_cast<double>(n) * validation_fraction));
    if (n_test == 0 || n_valid == 0 || n_test + n_valid >= n) {
      throw core::Invalid("too few rows of one class (" + std::to_string(n) +
                          ") to split into training, validation and test sets");
    }
    s.test.insert(s.test.end(), members.begin(), members.begin() + static_cast<long>(n_test));
    s.validation.insert(s.validation.end(), members.begin() + static_cast<long>(n_test),
                        members.begin() + static_cast<long>(n_test + n_valid));
    s.train.insert(s.train.end(), members.begin() + static_cast<long>(n_test + n_valid), members.end());
  }
  for (auto* v : {&s.train, &s.validation, &s.test}) std::sort(v->begin(), v->end());
  return s;
}

std::vector<int> stratified_folds(const std::vector<int>& labels, int k, std::uint64_t seed) {
  if (k < 2) throw core::Invalid("cross-validation needs at least 2 folds");
  std::vector<int> fold(labels.size(), 0);
  for (const auto& members : shuffled_classes(labels, seed)) {
    for (std::size_t j = 0; j < members.size(); ++j) fold[members[j]] = static_cast<int>(j % static_cast<std::size_t>(k));
  }
  return fold;
}

}  // namespace churnwatch::ml

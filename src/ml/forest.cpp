#include "ml/forest.hpp"

#include <cmath>
#include <limits>
#include <string>

#include "core/errors.hpp"

namespace churnwatch::ml {

std::optional<Forest> Forest::from_model_json(const nlohmann::json& model) {
  const auto& learner = model.at("learner");
  if (learner.at("objective").at("name") != "binary:logistic") return std::nullopt;
  const auto& booster = learner.at("gradient_booster");
  if (booster.at("name") != "gbtree") return std::nullopt;
  Forest f;
  const double base = std::stod(learner.at("learner_model_param").at("base_score").get<std::string>());
  f.base_margin_ = std::log(base / (1.0 - base));
  for (const auto& tree : booster.at("model").at("trees")) {
    const auto& left = tree.at("left_children");
    const auto& right = tree.at("right_children");
    const auto& feature = tree.at("split_indices");
    const auto& cond = tree.at("split_conditions");
    const auto& default_left = tree.at("default_left");
    if (tree.contains("split_type")) {
      for (const auto& t : tree.at("split_type")) {
        if (t.get<int>() != 0) return std::nullopt;  // categorical split
      }
    }
    // Renumber breadth-first so that every right child directly follows its
    // left sibling: the walk then picks a child with arithmetic, not a branch.
    const auto offset = static_cast<std::int32_t>(f.nodes_.size());
    f.roots_.push_back(offset);
    std::vector<std::size_t> order{0};  // original ids in new order
    std::vector<std::int32_t> depth{0};
    std::int32_t tree_depth = 0;
    f.nodes_.push_back(Node{});
    f.leaf_values_.push_back(0.0f);
    for (std::size_t k = 0; k < order.size(); ++k) {
      const auto i = order[k];
      const auto l = left.at(i).get<std::int32_t>();
      const auto self = offset + static_cast<std::int32_t>(k);
      Node n{0, std::numeric_limits<float>::quiet_NaN(), self - 1, 0};
      if (l < 0) {
        f.leaf_values_[static_cast<std::size_t>(self)] = cond.at(i).get<float>();
        tree_depth = std::max(tree_depth, depth[k]);
      } else {
        n.value = cond.at(i).get<float>();
        n.feature = feature.at(i).get<std::int32_t>();
        n.left = offset + static_cast<std::int32_t>(order.size());
        order.push_back(static_cast<std::size_t>(l));
        order.push_back(right.at(i).get<std::size_t>());
        depth.push_back(depth[k] + 1);
        depth.push_back(depth[k] + 1);
        f.nodes_.push_back(Node{});
        f.nodes_.push_back(Node{});
        f.leaf_values_.push_back(0.0f);
        f.leaf_values_.push_back(0.0f);
        const bool dl = default_left[i].is_boolean() ? default_left[i].get<bool>()
                                                      : default_left[i].get<int>() != 0;
        n.nan_left = dl ? 1 : 0;
        f.max_feature_ = std::max(f.max_feature_, n.feature);
      }
      f.nodes_[static_cast<std::size_t>(self)] = n;
    }
    f.depths_.push_back(tree_depth);
  }
  return f;
}

namespace {

constexpr std::size_t kLanes = 8;

}  // namespace

// The child a row moves to: right when not (v < threshold). NaN compares
// false, so it goes right unless the node sends missing values left.
inline std::int32_t Forest::step(const Node& n, const float* row) {
  const float v = row[n.feature];
  const std::int32_t nan = v != v;
  return n.left + (static_cast<std::int32_t>(!(v < n.value)) & ~(nan & n.nan_left));
}

void Forest::margins(const float* x, std::size_t rows, std::size_t cols, double* out) const {
  if (static_cast<std::int64_t>(cols) <= max_feature_) {
    throw core::Invalid("the model needs " + std::to_string(max_feature_ + 1) + " columns, got " +
                        std::to_string(cols));
  }
  // Tree-major over small blocks: a tree's nodes stay in cache while it
  // scores every row of the block.
  constexpr std::size_t kBlock = 64;
  const Node* nodes = nodes_.data();
  const float* leaves = leaf_values_.data();
  for (std::size_t begin = 0; begin < rows; begin += kBlock) {
    const std::size_t end = std::min(rows, begin + kBlock);
    for (std::size_t r = begin; r < end; ++r) out[r] = base_margin_;
    for (std::size_t t = 0; t < roots_.size(); ++t) {
      const std::int32_t root = roots_[t];
      const std::int32_t depth = depths_[t];
      // Eight walks side by side give the CPU independent work while each
      // waits for its next node.
      std::size_t r = begin;
      for (; r + kLanes <= end; r += kLanes) {
        std::int32_t idx[kLanes];
        for (std::size_t j = 0; j < kLanes; ++j) idx[j] = root;
        for (std::int32_t d = 0; d < depth; ++d) {
          for (std::size_t j = 0; j < kLanes; ++j) idx[j] = step(nodes[idx[j]], x + (r + j) * cols);
        }
        for (std::size_t j = 0; j < kLanes; ++j) out[r + j] += leaves[idx[j]];
      }
      for (; r < end; ++r) {
        std::int32_t idx = root;
        for (std::int32_t d = 0; d < depth; ++d) idx = step(nodes[idx], x + r * cols);
        out[r] += leaves[idx];
      }
    }
  }
}

}  // namespace churnwatch::ml

#include "ml/calibration.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>

#include "core/errors.hpp"
#include "ml/metrics.hpp"

namespace churnwatch::ml {
namespace {

constexpr double kEdge = 1e-4;  // calibrated values stay inside [kEdge, 1 - kEdge]

double logit(double p) {
  p = std::clamp(p, 1e-7, 1.0 - 1e-7);
  return std::log(p / (1.0 - p));
}
double sigmoid(double z) { return 1.0 / (1.0 + std::exp(-z)); }

void fit_platt(std::span<const double> p, std::span<const int> y, double& a, double& b) {
  // Newton's method on the logistic log-likelihood with a tiny ridge term.
  a = 1.0;
  b = 0.0;
  for (int iter = 0; iter < 50; ++iter) {
    double ga = 0, gb = 0, haa = 1e-6, hab = 0, hbb = 1e-6;
    for (std::size_t i = 0; i < p.size(); ++i) {
      const double z = logit(p[i]);
      const double q = sigmoid(a * z + b);
      const double r = q - y[i];
      const double w = q * (1.0 - q);
      ga += r * z;
      gb += r;
      haa += w * z * z;
      hab += w * z;
      hbb += w;
    }
    const double det = haa * hbb - hab * hab;
    if (std::abs(det) < 1e-12) break;
    const double da = (hbb * ga - hab * gb) / det;
    const double db = (haa * gb - hab * ga) / det;
    a -= da;
    b -= db;
    if (std::abs(da) + std::abs(db) < 1e-9) break;
  }
}

void fit_isotonic(std::span<const double> p, std::span<const int> y, std::vector<double>& xs,
                  std::vector<double>& ys) {
  std::vector<std::size_t> idx(p.size());
  std::iota(idx.begin(), idx.end(), 0);
  std::sort(idx.begin(), idx.end(), [&](auto a, auto b) { return p[a] < p[b]; });
  // Pool adjacent violators; each block keeps its sum, weight and x-range.
  struct Block {
    double sum, weight, lo, hi;
  };
  std::vector<Block> blocks;
  for (auto i : idx) {
    blocks.push_back({static_cast<double>(y[i]), 1.0, p[i], p[i]});
    while (blocks.size() > 1) {
      auto& last = blocks[blocks.size() - 1];
      auto& prev = blocks[blocks.size() - 2];
      if (prev.sum / prev.weight < last.sum / last.weight && prev.hi != last.lo) break;
      prev.sum += last.sum;
      prev.weight += last.weight;
      prev.hi = last.hi;
      blocks.pop_back();
    }
  }
  xs.clear();
  ys.clear();
  for (const auto& blk : blocks) {
    const double v = std::clamp(blk.sum / blk.weight, kEdge, 1.0 - kEdge);
    xs.push_back(blk.lo);
    ys.push_back(v);
    if (blk.hi > blk.lo) {
      xs.push_back(blk.hi);
      ys.push_back(v);
    }
  }
}

double cross_fitted_log_loss(CalibrationMethod method, std::span<const double> p,
                             std::span<const int> y, std::uint64_t seed) {
  // Stratified halves.
  std::vector<int> half(p.size());
  std::mt19937_64 rng(seed);
  for (int cls = 0; cls < 2; ++cls) {
    std::vector<std::size_t> members;
    for (std::size_t i = 0; i < p.size(); ++i) {
      if (y[i] == cls) members.push_back(i);
    }
    std::shuffle(members.begin(), members.end(), rng);
    for (std::size_t k = 0; k < members.size(); ++k) half[members[k]] = static_cast<int>(k % 2);
  }
  std::vector<double> out(p.size());
  for (int h = 0; h < 2; ++h) {
    std::vector<double> fp;
    std::vector<int> fy;
    for (std::size_t i = 0; i < p.size(); ++i) {
      if (half[i] != h) {
        fp.push_back(p[i]);
        fy.push_back(y[i]);
      }
    }
    const auto cal = Calibrator::fit(method, fp, fy);
    for (std::size_t i = 0; i < p.size(); ++i) {
      if (half[i] == h) out[i] = cal.apply(p[i]);
    }
  }
  return log_loss(out, y);
}

}  // namespace

std::string_view to_string(CalibrationMethod m) {
  switch (m) {
    case CalibrationMethod::kPlatt: return "platt";
    case CalibrationMethod::kIsotonic: return "isotonic";
    default: return "none";
  }
}

Calibrator Calibrator::fit(CalibrationMethod method, std::span<const double> p,
                           std::span<const int> y) {
  if (p.size() != y.size()) throw core::Invalid("predictions and labels differ in length");
  Calibrator c;
  c.method_ = method;
  if (method == CalibrationMethod::kPlatt) fit_platt(p, y, c.a_, c.b_);
  if (method == CalibrationMethod::kIsotonic) {
    fit_isotonic(p, y, c.xs_, c.ys_);
    if (c.xs_.empty()) c.method_ = CalibrationMethod::kNone;
  }
  return c;
}

double Calibrator::apply(double p) const {
  switch (method_) {
    case CalibrationMethod::kPlatt: return sigmoid(a_ * logit(p) + b_);
    case CalibrationMethod::kIsotonic: {
      if (p <= xs_.front()) return ys_.front();
      if (p >= xs_.back()) return ys_.back();
      const auto hi = static_cast<std::size_t>(std::upper_bound(xs_.begin(), xs_.end(), p) - xs_.begin());
      const auto lo = hi - 1;
      const double t = (p - xs_[lo]) / (xs_[hi] - xs_[lo]);
      return ys_[lo] + t * (ys_[hi] - ys_[lo]);
    }
    default: return p;
  }
}

void to_json(nlohmann::json& j, const Calibrator& c) {
  j = {{"method", to_string(c.method_)}};
  if (c.method_ == CalibrationMethod::kPlatt) {
    j["a"] = c.a_;
    j["b"] = c.b_;
  }
  if (c.method_ == CalibrationMethod::kIsotonic) {
    j["x"] = c.xs_;
    j["y"] = c.ys_;
  }
}

void from_json(const nlohmann::json& j, Calibrator& c) {
  const auto m = j.at("method").get<std::string>();
  c = Calibrator{};
  if (m == "platt") {
    c.method_ = CalibrationMethod::kPlatt;
    c.a_ = j.at("a").get<double>();
    c.b_ = j.at("b").get<double>();
  } else if (m == "isotonic") {
    c.method_ = CalibrationMethod::kIsotonic;
    c.xs_ = j.at("x").get<std::vector<double>>();
    c.ys_ = j.at("y").get<std::vector<double>>();
    if (c.xs_.empty() || c.xs_.size() != c.ys_.size()) {
      throw core::Invalid("isotonic calibration in model bundle is malformed");
    }
  } else if (m != "none") {
    throw core::Invalid("unknown calibration method '" + m + "' in model bundle");
  }
}

CalibrationChoice choose_calibration(std::span<const double> p, std::span<const int> y,
                                     std::uint64_t seed) {
  CalibrationChoice choice;
  choice.raw_log_loss = log_loss(p, y);
  choice.platt_log_loss = cross_fitted_log_loss(CalibrationMethod::kPlatt, p, y, seed);
  choice.isotonic_log_loss = cross_fitted_log_loss(CalibrationMethod::kIsotonic, p, y, seed);
  auto best = CalibrationMethod::kNone;
  double best_loss = choice.raw_log_loss;
  if (choice.platt_log_loss < best_loss) {
    best = CalibrationMethod::kPlatt;
    best_loss = choice.platt_log_loss;
  }
  if (choice.isotonic_log_loss < best_loss) best = CalibrationMethod::kIsotonic;
  if (best != CalibrationMethod::kNone) choice.calibrator = Calibrator::fit(best, p, y);
  return choice;
}

}  // namespace churnwatch::ml

#include "ml/metrics.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "core/errors.hpp"

namespace churnwatch::ml {
namespace {

void check_sizes(std::span<const double> p, std::span<const int> y) {
  if (p.size() != y.size()) throw core::Invalid("predictions and labels differ in length");
}

// Indices sorted by descending probability.
std::vector<std::size_t> by_score_desc(std::span<const double> p) {
  std::vector<std::size_t> idx(p.size());
  std::iota(idx.begin(), idx.end(), 0);
  std::stable_sort(idx.begin(), idx.end(), [&](auto a, auto b) { return p[a] > p[b]; });
  return idx;
}

// One point per distinct threshold, highest first: cumulative tp and fp when
// every row with probability >= threshold is flagged.
struct Cut {
  double threshold;
  std::int64_t tp, fp;
};
std::vector<Cut> cuts(std::span<const double> p, std::span<const int> y) {
  const auto idx = by_score_desc(p);
  std::vector<Cut> out;
  std::int64_t tp = 0, fp = 0;
  for (std::size_t i = 0; i < idx.size(); ++i) {
    (y[idx[i]] ? tp : fp) += 1;
    if (i + 1 == idx.size() || p[idx[i + 1]] != p[idx[i]]) out.push_back({p[idx[i]], tp, fp});
  }
  return out;
}

std::vector<CurvePoint> downsample(std::vector<CurvePoint> pts) {
  if (pts.size() <= kMaxCurvePoints) return pts;
  std::vector<CurvePoint> out;
  const double step = static_cast<double>(pts.size() - 1) / static_cast<double>(kMaxCurvePoints - 1);
  for (std::size_t k = 0; k < kMaxCurvePoints; ++k) {
    out.push_back(pts[static_cast<std::size_t>(std::llround(static_cast<double>(k) * step))]);
  }
  return out;
}

double f1_of(const ConfusionMatrix& c) {
  const double d = 2.0 * static_cast<double>(c.tp) + static_cast<double>(c.fp + c.fn);
  return d > 0 ? 2.0 * static_cast<double>(c.tp) / d : 0.0;
}

}  // namespace

double roc_auc(std::span<const double> p, std::span<const int> y) {
  check_sizes(p, y);
  std::vector<std::size_t> idx(p.size());
  std::iota(idx.begin(), idx.end(), 0);
  std::sort(idx.begin(), idx.end(), [&](auto a, auto b) { return p[a] < p[b]; });
  // Mann-Whitney U with average ranks for ties.
  double rank_sum = 0;
  std::int64_t pos = 0;
  for (std::size_t i = 0; i < idx.size();) {
    std::size_t j = i;
    while (j < idx.size() && p[idx[j]] == p[idx[i]]) ++j;
    const double avg_rank = (static_cast<double>(i + 1) + static_cast<double>(j)) / 2.0;
    for (std::size_t k = i; k < j; ++k) {
      if (y[idx[k]]) {
        rank_sum += avg_rank;
        ++pos;
      }
    }
    i = j;
  }
  const auto neg = static_cast<std::int64_t>(p.size()) - pos;
  if (pos == 0 || neg == 0) return 0.5;
  const double u = rank_sum - static_cast<double>(pos) * static_cast<double>(pos + 1) / 2.0;
  return u / (static_cast<double>(pos) * static_cast<double>(neg));
}

double pr_auc(std::span<const double> p, std::span<const int> y) {
  check_sizes(p, y);
  const auto total_pos = std::count(y.begin(), y.end(), 1);
  if (total_pos == 0) return 0.0;
  double ap = 0, prev_recall = 0;
  for (const auto& c : cuts(p, y)) {
    const double recall = static_cast<double>(c.tp) / static_cast<double>(total_pos);
    const double precision = static_cast<double>(c.tp) / static_cast<double>(c.tp + c.fp);
    ap += (recall - prev_recall) * precision;
    prev_recall = recall;
  }
  return ap;
}

double log_loss(std::span<const double> p, std::span<const int> y) {
  check_sizes(p, y);
  if (p.empty()) return 0.0;
  double sum = 0;
  for (std::size_t i = 0; i < p.size(); ++i) {
    const double q = std::clamp(p[i], 1e-15, 1.0 - 1e-15);
    sum -= y[i] ? std::log(q) : std::log(1.0 - q);
  }
  return sum / static_cast<double>(p.size());
}

double brier(std::span<const double> p, std::span<const int> y) {
  check_sizes(p, y);
  if (p.empty()) return 0.0;
  double sum = 0;
  for (std::size_t i = 0; i < p.size(); ++i) sum += (p[i] - y[i]) * (p[i] - y[i]);
  return sum / static_cast<double>(p.size());
}

ConfusionMatrix confusion_at(std::span<const double> p, std::span<const int> y, double threshold) {
  check_sizes(p, y);
  ConfusionMatrix c;
  for (std::size_t i = 0; i < p.size(); ++i) {
    const bool flagged = p[i] >= threshold;
    if (y[i]) {
      (flagged ? c.tp : c.fn) += 1;
    } else {
      (flagged ? c.fp : c.tn) += 1;
    }
  }
  return c;
}

Metrics evaluate(std::span<const double> p, std::span<const int> y, double threshold) {
  check_sizes(p, y);
  Metrics m;
  m.rows = static_cast<std::int64_t>(p.size());
  m.positives = std::count(y.begin(), y.end(), 1);
  m.roc_auc = roc_auc(p, y);
  m.pr_auc = pr_auc(p, y);
  m.log_loss = log_loss(p, y);
  m.brier = brier(p, y);
  m.threshold = threshold;
  m.confusion = confusion_at(p, y, threshold);
  const auto& c = m.confusion;
  m.accuracy = m.rows ? static_cast<double>(c.tp + c.tn) / static_cast<double>(m.rows) : 0.0;
  m.precision = c.tp + c.fp ? static_cast<double>(c.tp) / static_cast<double>(c.tp + c.fp) : 0.0;
  m.recall = c.tp + c.fn ? static_cast<double>(c.tp) / static_cast<double>(c.tp + c.fn) : 0.0;
  m.f1 = f1_of(c);

  const auto neg = m.rows - m.positives;
  std::vector<CurvePoint> roc{{0, 0, 1.0}}, pr;
  for (const auto& cut : cuts(p, y)) {
    roc.push_back({neg ? static_cast<double>(cut.fp) / static_cast<double>(neg) : 0.0,
                   m.positives ? static_cast<double>(cut.tp) / static_cast<double>(m.positives) : 0.0,
                   cut.threshold});
    pr.push_back({m.positives ? static_cast<double>(cut.tp) / static_cast<double>(m.positives) : 0.0,
                  static_cast<double>(cut.tp) / static_cast<double>(cut.tp + cut.fp), cut.threshold});
  }
  m.roc = downsample(std::move(roc));
  m.pr = downsample(std::move(pr));

  m.calibration.resize(kCalibrationBins);
  std::vector<double> sum_p(kCalibrationBins, 0.0), sum_y(kCalibrationBins, 0.0);
  for (std::size_t i = 0; i < p.size(); ++i) {
    const auto b = std::min(kCalibrationBins - 1,
                            static_cast<std::size_t>(std::max(0.0, p[i]) * kCalibrationBins));
    sum_p[b] += p[i];
    sum_y[b] += y[i];
    ++m.calibration[b].count;
  }
  for (std::size_t b = 0; b < kCalibrationBins; ++b) {
    auto& bin = m.calibration[b];
    bin.lower = static_cast<double>(b) / kCalibrationBins;
    bin.upper = static_cast<double>(b + 1) / kCalibrationBins;
    if (bin.count) {
      bin.mean_predicted = sum_p[b] / static_cast<double>(bin.count);
      bin.fraction_positive = sum_y[b] / static_cast<double>(bin.count);
    }
  }
  return m;
}

double choose_threshold(std::span<const double> p, std::span<const int> y,
                        const ThresholdRule& rule) {
  check_sizes(p, y);
  if (rule.cost_ratio && !(*rule.cost_ratio > 0)) {
    throw core::Invalid("cost ratio must be positive", {{"cost_ratio", "must be > 0", {}, {}}});
  }
  const auto total_pos = std::count(y.begin(), y.end(), 1);
  // The cost rule starts from flagging nobody (a threshold above every probability).
  double best_threshold = rule.cost_ratio ? std::nextafter(1.0, 2.0) : 0.5;
  double best_score = rule.cost_ratio ? -static_cast<double>(total_pos) * *rule.cost_ratio : -1.0;
  for (const auto& c : cuts(p, y)) {
    const ConfusionMatrix cm{c.tp, c.fp, 0, total_pos - c.tp};
    const double score = rule.cost_ratio
                             ? -(static_cast<double>(cm.fn) * *rule.cost_ratio + static_cast<double>(cm.fp))
                             : f1_of(cm);
    if (score > best_score) {
      best_score = score;
      best_threshold = c.threshold;
    }
  }
  return best_threshold;
}

bool beats(const Metrics& candidate, const Metrics& production) {
  const double d_auc = candidate.roc_auc - production.roc_auc;
  if (std::abs(d_auc) > kAucTie) return d_auc > 0;
  const double d_pr = candidate.pr_auc - production.pr_auc;
  if (std::abs(d_pr) > kAucTie) return d_pr > 0;
  return candidate.log_loss < production.log_loss - 1e-6;
}

void to_json(nlohmann::json& j, const Metrics& m) {
  auto curve = [](const std::vector<CurvePoint>& pts) {
    auto a = nlohmann::json::array();
    for (const auto& p : pts) a.push_back({{"x", p.x}, {"y", p.y}, {"threshold", p.threshold}});
    return a;
  };
  auto bins = nlohmann::json::array();
  for (const auto& b : m.calibration) {
    bins.push_back({{"lower", b.lower},
                    {"upper", b.upper},
                    {"mean_predicted", b.mean_predicted},
                    {"fraction_positive", b.fraction_positive},
                    {"count", b.count}});
  }
  j = {{"rows", m.rows},
       {"positives", m.positives},
       {"roc_auc", m.roc_auc},
       {"pr_auc", m.pr_auc},
       {"log_loss", m.log_loss},
       {"brier", m.brier},
       {"threshold", m.threshold},
       {"accuracy", m.accuracy},
       {"precision", m.precision},
       {"recall", m.recall},
       {"f1", m.f1},
       {"confusion", {{"tp", m.confusion.tp}, {"fp", m.confusion.fp}, {"tn", m.confusion.tn}, {"fn", m.confusion.fn}}},
       {"roc_curve", curve(m.roc)},
       {"pr_curve", curve(m.pr)},
       {"calibration", bins}};
}

void from_json(const nlohmann::json& j, Metrics& m) {
  m.rows = j.at("rows").get<std::int64_t>();
  m.positives = j.at("positives").get<std::int64_t>();
  for (auto [key, field] : {std::pair{"roc_auc", &m.roc_auc}, {"pr_auc", &m.pr_auc},
                            {"log_loss", &m.log_loss}, {"brier", &m.brier},
                            {"threshold", &m.threshold}, {"accuracy", &m.accuracy},
                            {"precision", &m.precision}, {"recall", &m.recall}, {"f1", &m.f1}}) {
    *field = j.at(key).get<double>();
  }
  const auto& c = j.at("confusion");
  m.confusion = {c.at("tp").get<std::int64_t>(), c.at("fp").get<std::int64_t>(),
                 c.at("tn").get<std::int64_t>(), c.at("fn").get<std::int64_t>()};
  auto curve = [](const nlohmann::json& a) {
    std::vector<CurvePoint> pts;
    for (const auto& p : a) pts.push_back({p.at("x").get<double>(), p.at("y").get<double>(), p.at("threshold").get<double>()});
    return pts;
  };
  m.roc = curve(j.value("roc_curve", nlohmann::json::array()));
  m.pr = curve(j.value("pr_curve", nlohmann::json::array()));
  m.calibration.clear();
  for (const auto& b : j.value("calibration", nlohmann::json::array())) {
    m.calibration.push_back({b.at("lower").get<double>(), b.at("upper").get<double>(),
                             b.at("mean_predicted").get<double>(),
                             b.at("fraction_positive").get<double>(), b.at("count").get<std::int64_t>()});
  }
}

}  // namespace churnwatch::ml

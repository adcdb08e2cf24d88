#include "ml/model_bundle.hpp"

#include <algorithm>
#include <cmath>
#include <exception>
#include <fstream>
#include <optional>
#include <sstream>
#include <thread>

#include "core/errors.hpp"
#include "ml/cross_fit_file.hpp"
#include "ml/forest.hpp"
#include "ml/xgb.hpp"

namespace churnwatch::ml {
namespace {

constexpr int kBundleFormat = 1;
constexpr const char* kBoosterFile = "booster.json";
constexpr const char* kBundleFile = "bundle.json";
constexpr const char* kCrossFitFile = "cross_fit.json";

std::string fold_file(std::size_t fold) { return "fold_" + std::to_string(fold) + ".json"; }

void write_atomically(const std::filesystem::path& path, const std::string& text) {
  auto tmp = path;
  tmp += ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << text;
    if (!out) throw core::Unavailable("cannot write " + tmp.string());
  }
  std::filesystem::rename(tmp, path);
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw core::NotFound("model file " + path.string() + " not found");
  std::ostringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

double sigmoid(double z) { return 1.0 / (1.0 + std::exp(-z)); }

// A booster and, for tree models, the same trees in the faster evaluator.
struct FittedModel {
  // Runs single-threaded inside XGBoost: concurrent requests each use their
  // own thread, and large batches are split over cores here, never through
  // OpenMP teams (whose spinning barriers collapse when cores are shared).
  xgb::Booster booster;
  // The same trees in a faster evaluator, for probabilities without reasons.
  std::optional<Forest> forest;
  bool inplace = true;  // the linear booster has no in-place prediction
};

FittedModel fit_model(xgb::Booster booster, Algorithm algorithm) {
  FittedModel m;
  if (algorithm != Algorithm::kLogistic) {
    m.forest = Forest::from_model_json(nlohmann::json::parse(booster.save_json()));
  }
  m.booster = std::move(booster);
  m.booster.set_param("nthread", "1");
  m.inplace = algorithm != Algorithm::kLogistic;
  return m;
}

std::vector<double> raw_probabilities(const FittedModel& model, const float* x, std::size_t rows,
                                      std::size_t cols) {
  if (model.forest) {
    std::vector<double> out(rows);
    model.forest->margins(x, rows, cols, out.data());
    for (auto& v : out) v = sigmoid(v);
    return out;
  }
  const auto p = model.booster.predict_dense(x, rows, cols, false, model.inplace);
  return std::vector<double>(p.begin(), p.end());
}

// Uncalibrated probabilities for every row of `m`, large matrices split over cores.
std::vector<double> raw_probabilities(const FittedModel& model, const FeatureMatrix& m) {
  std::vector<double> out(m.rows);
  auto run = [&](std::size_t begin, std::size_t end) {
    const auto p = raw_probabilities(model, m.row(begin), end - begin, m.cols);
    std::copy(p.begin(), p.end(), out.begin() + static_cast<long>(begin));
  };
  constexpr std::size_t kMinRowsPerThread = 8192;
  const auto threads = std::clamp<std::size_t>(m.rows / kMinRowsPerThread, 1,
                                               std::max(1u, std::thread::hardware_concurrency()));
  if (threads == 1) {
    run(0, m.rows);
    return out;
  }
  const std::size_t chunk = (m.rows + threads - 1) / threads;
  std::vector<std::thread> pool;
  std::vector<std::exception_ptr> errors(threads);
  for (std::size_t t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      try {
        if (t * chunk < m.rows) run(t * chunk, std::min(m.rows, (t + 1) * chunk));
      } catch (...) {
        errors[t] = std::current_exception();
      }
    });
  }
  for (auto& th : pool) th.join();
  for (const auto& e : errors) {
    if (e) std::rethrow_exception(e);
  }
  return out;
}

std::vector<float> contributions_of(const FittedModel& model, const FeatureMatrix& m) {
  if (m.rows == 0) return {};
  const xgb::DMatrix d(m.values.data(), m.rows, m.cols, 1);
  return model.booster.contributions(d);
}

FeatureMatrix select_rows(const FeatureMatrix& m, const std::vector<std::size_t>& rows) {
  FeatureMatrix out;
  out.rows = rows.size();
  out.cols = m.cols;
  out.values.reserve(rows.size() * m.cols);
  for (const auto r : rows) out.values.insert(out.values.end(), m.row(r), m.row(r) + m.cols);
  return out;
}

}  // namespace

std::string_view to_string(Algorithm a) {
  switch (a) {
    case Algorithm::kRandomForest: return "random_forest";
    case Algorithm::kLogistic: return "logistic";
    default: return "gbdt";
  }
}

Algorithm parse_algorithm(std::string_view s) {
  if (s == "gbdt") return Algorithm::kGbdt;
  if (s == "random_forest") return Algorithm::kRandomForest;
  if (s == "logistic") return Algorithm::kLogistic;
  throw core::Invalid("unknown algorithm '" + std::string(s) + "'",
                      {{"algorithm", "must be one of gbdt, random_forest, logistic", {}, {}}});
}

void to_json(nlohmann::json& j, const ModelMetadata& m) {
  j = {{"algorithm", to_string(m.algorithm)},
       {"params", m.params},
       {"schema_version", m.schema_version},
       {"validation", m.validation},
       {"test", m.test},
       {"threshold", m.threshold},
       {"training_data_hash", m.training_data_hash},
       {"training_rows", m.training_rows},
       {"importance", m.importance},
       {"created_at", m.created_at},
       {"cross_fit_folds", m.cross_fit_folds}};
}

void from_json(const nlohmann::json& j, ModelMetadata& m) {
  m.algorithm = parse_algorithm(j.at("algorithm").get<std::string>());
  m.params = j.at("params");
  m.schema_version = j.at("schema_version").get<int>();
  m.validation = j.at("validation").get<Metrics>();
  m.test = j.at("test").get<Metrics>();
  m.threshold = j.at("threshold").get<double>();
  m.training_data_hash = j.at("training_data_hash").get<std::string>();
  m.training_rows = j.at("training_rows").get<std::int64_t>();
  m.importance = j.at("importance").get<std::vector<AttributeImportance>>();
  m.created_at = j.at("created_at").get<std::string>();
  m.cross_fit_folds = j.value("cross_fit_folds", 0);  // absent before cross-fitting
}

struct ModelBundle::Impl {
  Preprocessor pre;
  FittedModel model;               // the final model
  std::vector<FittedModel> folds;  // cross-fit models; folds[f] never saw fold f
  CrossFitMembers members;         // customer key -> fold
  Calibrator calibrator;
  ModelMetadata meta;

  void check_columns(const FeatureMatrix& m) const {
    if (m.cols != pre.cols()) {
      throw core::Invalid("feature matrix has " + std::to_string(m.cols) + " columns, the model " +
                          std::to_string(pre.cols()));
    }
  }

  int fold_of(std::string_view key) const {
    if (folds.empty()) return -1;
    const auto it = members.find(key);
    return it == members.end() ? -1 : it->second;
  }

  const FittedModel& model_for(std::string_view key) const {
    const int f = fold_of(key);
    return f < 0 ? model : folds[static_cast<std::size_t>(f)];
  }

  // Scores every row of `m` with the model of its key: `score(model, rows)`
  // gives `width` values per row, which land at the row's place in the result.
  template <typename T, typename Score>
  std::vector<T> by_model(const FeatureMatrix& m, const std::vector<std::string>& keys, std::size_t width,
                          const Score& score) const {
    check_columns(m);
    if (keys.size() != m.rows) {
      throw core::Invalid("got " + std::to_string(keys.size()) + " keys for " + std::to_string(m.rows) +
                          " rows");
    }
    // groups[0]: rows of the final model; groups[f + 1]: rows of fold model f.
    std::vector<std::vector<std::size_t>> groups(folds.size() + 1);
    for (std::size_t r = 0; r < m.rows; ++r)
      groups[static_cast<std::size_t>(fold_of(keys[r]) + 1)].push_back(r);
    for (std::size_t g = 0; g < groups.size(); ++g) {
      if (groups[g].size() == m.rows) return score(g == 0 ? model : folds[g - 1], m);
    }
    std::vector<T> out(m.rows * width);
    for (std::size_t g = 0; g < groups.size(); ++g) {
      if (groups[g].empty()) continue;
      const std::vector<T> part = score(g == 0 ? model : folds[g - 1], select_rows(m, groups[g]));
      for (std::size_t i = 0; i < groups[g].size(); ++i) {
        std::copy_n(part.begin() + static_cast<long>(i * width), width,
                    out.begin() + static_cast<long>(groups[g][i] * width));
      }
    }
    return out;
  }

  std::vector<double> calibrated(std::vector<double> p) const {
    if (calibrator.method() != CalibrationMethod::kNone) {
      for (auto& v : p) v = calibrator.apply(v);
    }
    return p;
  }

  Prediction predict(const FittedModel& m, const nlohmann::json& attributes, std::size_t top_reasons) const {
    std::vector<float> row(pre.cols());
    pre.transform_row(attributes, row.data());
    Prediction out;
    if (top_reasons == 0) {
      out.probability = calibrator.apply(raw_probabilities(m, row.data(), 1, row.size())[0]);
      return out;
    }
    const xgb::DMatrix d(row.data(), 1, row.size(), 1);
    const auto contribs = m.booster.contributions(d);
    double margin = 0;
    for (const float c : contribs) margin += c;
    const double bias = contribs.back();
    out.probability = calibrator.apply(sigmoid(margin));
    const double base = calibrator.apply(sigmoid(bias));
    out.reasons = ml::top_reasons(pre, attributes, contribs.data(), out.probability, base, top_reasons);
    return out;
  }
};

ModelBundle::ModelBundle(Preprocessor pre, xgb::Booster booster, Calibrator calibrator,
                         ModelMetadata meta)
    : impl_(std::make_unique<Impl>()) {
  impl_->model = fit_model(std::move(booster), meta.algorithm);
  impl_->pre = std::move(pre);
  impl_->calibrator = std::move(calibrator);
  impl_->meta = std::move(meta);
  impl_->meta.cross_fit_folds = 0;
}

ModelBundle::ModelBundle(ModelBundle&&) noexcept = default;
ModelBundle& ModelBundle::operator=(ModelBundle&&) noexcept = default;
ModelBundle::~ModelBundle() = default;

void ModelBundle::save(const std::filesystem::path& dir) const {
  std::filesystem::create_directories(dir);
  // The fold models first: a cross_fit.json always names fold files that exist.
  for (std::size_t f = 0; f < impl_->folds.size(); ++f) {
    write_atomically(dir / fold_file(f), impl_->folds[f].booster.save_json());
  }
  if (impl_->folds.empty()) {
    std::filesystem::remove(dir / kCrossFitFile);
  } else {
    write_atomically(dir / kCrossFitFile,
                     encode_cross_fit({static_cast<int>(impl_->folds.size()), impl_->members}));
  }
  // Fold files of an earlier save with more folds would only mislead.
  for (auto f = impl_->folds.size(); std::filesystem::exists(dir / fold_file(f)); ++f) {
    std::filesystem::remove(dir / fold_file(f));
  }
  write_atomically(dir / kBoosterFile, impl_->model.booster.save_json());
  const nlohmann::json bundle = {{"format", kBundleFormat},
                                 {"metadata", impl_->meta},
                                 {"preprocessor", impl_->pre},
                                 {"calibration", impl_->calibrator}};
  write_atomically(dir / kBundleFile, bundle.dump(1));
}

ModelBundle ModelBundle::load(const std::filesystem::path& dir) {
  if (!std::filesystem::is_directory(dir)) {
    throw core::NotFound("model folder " + dir.string() + " not found");
  }
  nlohmann::json bundle;
  try {
    bundle = nlohmann::json::parse(read_file(dir / kBundleFile));
    if (bundle.at("format").get<int>() != kBundleFormat) {
      throw core::Invalid("model bundle format " + bundle.at("format").dump() + " is not supported");
    }
    auto booster = xgb::Booster::load_json(read_file(dir / kBoosterFile));
    ModelBundle out(bundle.at("preprocessor").get<Preprocessor>(), std::move(booster),
                    bundle.at("calibration").get<Calibrator>(), bundle.at("metadata").get<ModelMetadata>());
    if (std::filesystem::exists(dir / kCrossFitFile)) {
      auto cross_fit = decode_cross_fit(read_file(dir / kCrossFitFile));
      std::vector<xgb::Booster> folds;
      for (int f = 0; f < cross_fit.folds; ++f) {
        folds.push_back(xgb::Booster::load_json(read_file(dir / fold_file(static_cast<std::size_t>(f)))));
      }
      out.set_cross_fit(std::move(folds));
      out.impl_->members = std::move(cross_fit.members);
    }
    return out;
  } catch (const nlohmann::json::exception& e) {
    throw core::Invalid("model bundle in " + dir.string() + " is malformed: " + e.what());
  }
}

void ModelBundle::set_cross_fit(std::vector<xgb::Booster> folds) {
  std::vector<FittedModel> fitted;
  fitted.reserve(folds.size());
  for (auto& b : folds) fitted.push_back(fit_model(std::move(b), impl_->meta.algorithm));
  impl_->folds = std::move(fitted);
  impl_->members.clear();
  impl_->meta.cross_fit_folds = static_cast<int>(impl_->folds.size());
}

void ModelBundle::set_cross_fit_members(std::unordered_map<std::string, int> members) {
  const auto folds = static_cast<int>(impl_->folds.size());
  for (const auto& [key, fold] : members) {
    if (fold < 0 || fold >= folds) {
      throw core::Invalid("customer '" + key + "' is assigned to cross-fit fold " + std::to_string(fold) +
                              " but the model has " + std::to_string(folds),
                          {{"fold", "must be in [0, " + std::to_string(folds) + ")", {}, {}}});
    }
  }
  CrossFitMembers moved;
  moved.reserve(members.size());
  while (!members.empty()) {
    auto node = members.extract(members.begin());
    moved.try_emplace(std::move(node.key()), node.mapped());
  }
  impl_->members = std::move(moved);
}

int ModelBundle::cross_fit_fold(std::string_view key) const { return impl_->fold_of(key); }

Prediction ModelBundle::predict(const nlohmann::json& attributes, std::size_t top_reasons) const {
  return impl_->predict(impl_->model, attributes, top_reasons);
}

Prediction ModelBundle::predict(const nlohmann::json& attributes, std::size_t top_reasons,
                                std::string_view key) const {
  return impl_->predict(impl_->model_for(key), attributes, top_reasons);
}

std::vector<double> ModelBundle::predict_batch(const std::vector<nlohmann::json>& rows) const {
  return predict_matrix(impl_->pre.transform(rows));
}

std::vector<double> ModelBundle::predict_raw(const FeatureMatrix& m) const {
  impl_->check_columns(m);
  return raw_probabilities(impl_->model, m);
}

std::vector<double> ModelBundle::predict_matrix(const FeatureMatrix& m) const {
  return impl_->calibrated(predict_raw(m));
}

std::vector<double> ModelBundle::predict_matrix(const FeatureMatrix& m,
                                                const std::vector<std::string>& keys) const {
  return impl_->calibrated(impl_->by_model<double>(
      m, keys, 1,
      [](const FittedModel& model, const FeatureMatrix& rows) { return raw_probabilities(model, rows); }));
}

std::vector<float> ModelBundle::contributions(const FeatureMatrix& m) const {
  return contributions_of(impl_->model, m);
}

std::vector<float> ModelBundle::contributions(const FeatureMatrix& m,
                                              const std::vector<std::string>& keys) const {
  return impl_->by_model<float>(m, keys, m.cols + 1, contributions_of);
}

std::vector<double> ModelBundle::predict_xgboost(const FeatureMatrix& m) const {
  const auto& model = impl_->model;
  const auto p = model.booster.predict_dense(m.values.data(), m.rows, m.cols, false, model.inplace);
  return std::vector<double>(p.begin(), p.end());
}

const ModelMetadata& ModelBundle::metadata() const { return impl_->meta; }
ModelMetadata& ModelBundle::metadata() { return impl_->meta; }
const Preprocessor& ModelBundle::preprocessor() const { return impl_->pre; }
const Calibrator& ModelBundle::calibrator() const { return impl_->calibrator; }
void ModelBundle::set_calibrator(Calibrator c) { impl_->calibrator = std::move(c); }

std::string training_data_hash(const std::vector<nlohmann::json>& rows,
                               const std::vector<int>& labels) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  auto mix = [&h](std::string_view s) {
    for (const unsigned char c : s) {
      h ^= c;
      h *= 0x100000001b3ULL;
    }
  };
  for (std::size_t i = 0; i < rows.size(); ++i) {
    mix(rows[i].dump());
    mix(i < labels.size() && labels[i] ? "\x1f" "1\n" : "\x1f" "0\n");
  }
  std::ostringstream out;
  out << std::hex;
  out.width(16);
  out.fill('0');
  out << h;
  return out.str();
}

}  // namespace churnwatch::ml

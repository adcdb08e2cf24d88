#include "ml/model_bundle.hpp"

#include <algorithm>
#include <cmath>
#include <exception>
#include <fstream>
#include <optional>
#include <sstream>
#include <thread>

#include "core/errors.hpp"
#include "ml/forest.hpp"
#include "ml/xgb.hpp"

namespace churnwatch::ml {
namespace {

constexpr int kBundleFormat = 1;
constexpr const char* kBoosterFile = "booster.json";
constexpr const char* kBundleFile = "bundle.json";

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
       {"created_at", m.created_at}};
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
}

struct ModelBundle::Impl {
  Preprocessor pre;
  // Runs single-threaded inside XGBoost: concurrent requests each use their
  // own thread, and large batches are split over cores here, never through
  // OpenMP teams (whose spinning barriers collapse when cores are shared).
  xgb::Booster booster;
  // The same trees in a faster evaluator, for probabilities without reasons.
  std::optional<Forest> forest;
  Calibrator calibrator;
  ModelMetadata meta;
  bool inplace = true;  // the linear booster has no in-place prediction
};

ModelBundle::ModelBundle(Preprocessor pre, xgb::Booster booster, Calibrator calibrator,
                         ModelMetadata meta)
    : impl_(std::make_unique<Impl>()) {
  if (meta.algorithm != Algorithm::kLogistic) {
    impl_->forest = Forest::from_model_json(nlohmann::json::parse(booster.save_json()));
  }
  impl_->booster = std::move(booster);
  impl_->booster.set_param("nthread", "1");
  impl_->pre = std::move(pre);
  impl_->calibrator = std::move(calibrator);
  impl_->inplace = meta.algorithm != Algorithm::kLogistic;
  impl_->meta = std::move(meta);
}

ModelBundle::ModelBundle(ModelBundle&&) noexcept = default;
ModelBundle& ModelBundle::operator=(ModelBundle&&) noexcept = default;
ModelBundle::~ModelBundle() = default;

void ModelBundle::save(const std::filesystem::path& dir) const {
  std::filesystem::create_directories(dir);
  write_atomically(dir / kBoosterFile, impl_->booster.save_json());
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
    return ModelBundle(bundle.at("preprocessor").get<Preprocessor>(), std::move(booster),
                       bundle.at("calibration").get<Calibrator>(),
                       bundle.at("metadata").get<ModelMetadata>());
  } catch (const nlohmann::json::exception& e) {
    throw core::Invalid("model bundle in " + dir.string() + " is malformed: " + e.what());
  }
}

Prediction ModelBundle::predict(const nlohmann::json& attributes, std::size_t top_reasons) const {
  const auto& pre = impl_->pre;
  std::vector<float> row(pre.cols());
  pre.transform_row(attributes, row.data());
  Prediction out;
  if (top_reasons == 0) {
    out.probability = impl_->calibrator.apply(raw_probabilities(row.data(), 1, row.size())[0]);
    return out;
  }
  const xgb::DMatrix m(row.data(), 1, row.size(), 1);
  const auto contribs = impl_->booster.contributions(m);
  double margin = 0;
  for (const float c : contribs) margin += c;
  const double bias = contribs.back();
  out.probability = impl_->calibrator.apply(sigmoid(margin));
  const double base = impl_->calibrator.apply(sigmoid(bias));
  out.reasons = ml::top_reasons(pre, attributes, contribs.data(), out.probability, base, top_reasons);
  return out;
}

std::vector<double> ModelBundle::raw_probabilities(const float* x, std::size_t rows,
                                                   std::size_t cols) const {
  if (impl_->forest) {
    std::vector<double> out(rows);
    impl_->forest->margins(x, rows, cols, out.data());
    for (auto& v : out) v = sigmoid(v);
    return out;
  }
  const auto p = impl_->booster.predict_dense(x, rows, cols, false, impl_->inplace);
  return std::vector<double>(p.begin(), p.end());
}

std::vector<double> ModelBundle::predict_batch(const std::vector<nlohmann::json>& rows) const {
  return predict_matrix(impl_->pre.transform(rows));
}

std::vector<double> ModelBundle::predict_raw(const FeatureMatrix& m) const {
  if (m.cols != impl_->pre.cols()) {
    throw core::Invalid("feature matrix has " + std::to_string(m.cols) + " columns, the model " +
                        std::to_string(impl_->pre.cols()));
  }
  std::vector<double> out(m.rows);
  auto run = [&](std::size_t begin, std::size_t end) {
    const auto p = raw_probabilities(m.row(begin), end - begin, m.cols);
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

std::vector<double> ModelBundle::predict_matrix(const FeatureMatrix& m) const {
  auto p = predict_raw(m);
  if (impl_->calibrator.method() != CalibrationMethod::kNone) {
    for (auto& v : p) v = impl_->calibrator.apply(v);
  }
  return p;
}

std::vector<float> ModelBundle::contributions(const FeatureMatrix& m) const {
  if (m.rows == 0) return {};
  const xgb::DMatrix d(m.values.data(), m.rows, m.cols, 1);
  return impl_->booster.contributions(d);
}

std::vector<double> ModelBundle::predict_xgboost(const FeatureMatrix& m) const {
  const auto p = impl_->booster.predict_dense(m.values.data(), m.rows, m.cols, false, impl_->inplace);
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

#include "ml/xgb.hpp"

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "core/errors.hpp"

namespace churnwatch::ml::xgb {

void check(int rc, const char* what) {
  if (rc != 0) {
    throw core::Unavailable(std::string("XGBoost ") + what + " failed: " + XGBGetLastError());
  }
}

DMatrix::DMatrix(const float* data, std::size_t rows, std::size_t cols, int threads) {
  check(XGDMatrixCreateFromMat_omp(data, static_cast<bst_ulong>(rows), static_cast<bst_ulong>(cols),
                                   std::nanf(""), &handle_, threads),
        "DMatrix creation");
}

DMatrix::~DMatrix() {
  if (handle_ != nullptr) XGDMatrixFree(handle_);
}

void DMatrix::set_labels(const std::vector<float>& labels) {
  check(XGDMatrixSetFloatInfo(handle_, "label", labels.data(), static_cast<bst_ulong>(labels.size())),
        "setting labels");
}

Booster::Booster(const std::vector<const DMatrix*>& cache) {
  std::vector<DMatrixHandle> handles;
  for (const auto* m : cache) handles.push_back(m->handle());
  check(XGBoosterCreate(handles.data(), static_cast<bst_ulong>(handles.size()), &handle_),
        "booster creation");
}

Booster::~Booster() {
  if (handle_ != nullptr) XGBoosterFree(handle_);
}

Booster& Booster::operator=(Booster&& other) noexcept {
  if (this != &other) {
    if (handle_ != nullptr) XGBoosterFree(handle_);
    handle_ = other.handle_;
    other.handle_ = nullptr;
  }
  return *this;
}

void Booster::set_param(const std::string& name, const std::string& value) {
  check(XGBoosterSetParam(handle_, name.c_str(), value.c_str()), "setting a parameter");
}

void Booster::update(int iteration, const DMatrix& train) {
  check(XGBoosterUpdateOneIter(handle_, iteration, train.handle()), "training round");
}

std::vector<float> Booster::predict(const DMatrix& data) const {
  const bst_ulong* shape = nullptr;
  bst_ulong dim = 0;
  const float* result = nullptr;
  const char* config =
      "{\"type\": 0, \"training\": false, \"iteration_begin\": 0, \"iteration_end\": 0, "
      "\"strict_shape\": false}";
  check(XGBoosterPredictFromDMatrix(handle_, data.handle(), config, &shape, &dim, &result),
        "prediction");
  bst_ulong rows = 0;
  check(XGDMatrixNumRow(data.handle(), &rows), "counting rows");
  return std::vector<float>(result, result + rows);
}

int Booster::rounds() const {
  int out = 0;
  check(XGBoosterBoostedRounds(handle_, &out), "counting rounds");
  return out;
}

Booster Booster::slice(int end) const {
  Booster out;
  XGBoosterFree(out.handle_);
  out.handle_ = nullptr;
  check(XGBoosterSlice(handle_, 0, end, 1, &out.handle_), "slicing");
  return out;
}

std::vector<float> Booster::predict_dense(const float* data, std::size_t rows, std::size_t cols,
                                          bool margin, bool inplace) const {
  if (rows == 0) return {};
  const bst_ulong* shape = nullptr;
  bst_ulong dim = 0;
  const float* result = nullptr;
  const std::string config = std::string("{\"type\": ") + (margin ? "1" : "0") +
                             ", \"training\": false, \"iteration_begin\": 0, "
                             "\"iteration_end\": 0, \"strict_shape\": false, \"missing\": NaN, \"cache_id\": 0}";
  if (inplace) {
    std::ostringstream array;
    array << "{\"data\": [" << reinterpret_cast<std::uintptr_t>(data) << ", true], \"shape\": ["
          << rows << ", " << cols << "], \"typestr\": \"<f4\", \"version\": 3}";
    check(XGBoosterPredictFromDense(handle_, array.str().c_str(), config.c_str(), nullptr, &shape,
                                    &dim, &result),
          "prediction");
  } else {
    DMatrix m(data, rows, cols, 1);
    check(XGBoosterPredictFromDMatrix(handle_, m.handle(), config.c_str(), &shape, &dim, &result),
          "prediction");
  }
  return std::vector<float>(result, result + rows);
}

std::vector<float> Booster::contributions(const DMatrix& data) const {
  const bst_ulong* shape = nullptr;
  bst_ulong dim = 0;
  const float* result = nullptr;
  const char* config =
      "{\"type\": 2, \"training\": false, \"iteration_begin\": 0, \"iteration_end\": 0, "
      "\"strict_shape\": false}";
  check(XGBoosterPredictFromDMatrix(handle_, data.handle(), config, &shape, &dim, &result),
        "SHAP contributions");
  std::size_t n = 1;
  for (bst_ulong i = 0; i < dim; ++i) n *= shape[i];
  return std::vector<float>(result, result + n);
}

std::vector<double> Booster::feature_scores(const std::string& type, std::size_t cols) const {
  const std::string config = "{\"importance_type\": \"" + type + "\"}";
  bst_ulong n_features = 0;
  const char** names = nullptr;
  bst_ulong dim = 0;
  const bst_ulong* shape = nullptr;
  const float* scores = nullptr;
  check(XGBoosterFeatureScore(handle_, config.c_str(), &n_features, &names, &dim, &shape, &scores),
        "feature importance");
  std::vector<double> out(cols, 0.0);
  if (n_features == cols && type == "weight" && dim == 2) {
    // Linear models report one weight per column, in column order.
    for (std::size_t i = 0; i < cols; ++i) out[i] = scores[i];
    return out;
  }
  for (bst_ulong i = 0; i < n_features; ++i) {
    // Columns are unnamed, so XGBoost reports them as "f<index>".
    const char* name = names[i];
    if (name[0] != 'f') continue;
    const auto index = std::strtoul(name + 1, nullptr, 10);
    if (index < cols) out[index] = scores[i];
  }
  return out;
}

std::string Booster::save_json() const {
  bst_ulong len = 0;
  const char* buf = nullptr;
  check(XGBoosterSaveModelToBuffer(handle_, "{\"format\": \"json\"}", &len, &buf), "saving");
  return std::string(buf, len);
}

Booster Booster::load_json(const std::string& json) {
  Booster out;
  check(XGBoosterLoadModelFromBuffer(out.handle_, json.data(), static_cast<bst_ulong>(json.size())),
        "loading");
  return out;
}

void Booster::save_file(const std::filesystem::path& path) const {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << save_json();
  if (!out) throw core::Unavailable("cannot write " + path.string());
}

Booster Booster::load_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw core::NotFound("model file " + path.string() + " not found");
  std::ostringstream buf;
  buf << in.rdbuf();
  return load_json(buf.str());
}

}  // namespace churnwatch::ml::xgb

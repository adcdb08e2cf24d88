// ML engine benchmark: training time, quality, single-row latency and batch
// throughput, compared with scikit-learn references measured in the same run
// (bench/ml.sh drives both sides).
//
//   ml_bench export CSV DIR    encode CSV with the schema inferred from it and
//                              write DIR/features.f32 + DIR/split.json for the
//                              Python reference (same split as training uses)
//   ml_bench run CSV DIR       train, measure, and print the comparison with
//                              DIR/reference.json when present
//   ml_bench generate N SEED CSV   write generated bank customers as CSV
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/values.hpp"
#include "ml/split.hpp"
#include "ml/trainer.hpp"
#include "services/csv_reader.hpp"
#include "services/demo_data.hpp"
#include "services/schema_inference.hpp"

namespace ml = churnwatch::ml;
namespace core = churnwatch::core;
namespace services = churnwatch::services;
using Clock = std::chrono::steady_clock;

namespace {

struct Data {
  core::DatasetSchema schema;
  std::vector<nlohmann::json> rows;
  std::vector<int> labels;
};

Data load_csv(const std::string& path) {
  Data d;
  {
    std::ifstream in(path);
    if (!in) throw std::runtime_error("cannot open " + path);
    d.schema = services::infer_schema_from_csv(in);
  }
  const auto* label = d.schema.label_attribute();
  if (label == nullptr) throw std::runtime_error("no label column inferred in " + path);
  std::ifstream in(path);
  services::CsvReader reader(in, path);
  services::CsvRecord rec;
  reader.next(rec);
  const auto header = rec.cells;
  while (reader.next(rec)) {
    nlohmann::json row = nlohmann::json::object();
    for (std::size_t c = 0; c < header.size() && c < rec.cells.size(); ++c) {
      const auto* attr = d.schema.find(header[c]);
      std::string error;
      const auto v = core::parse_cell(*attr, rec.cells[c], error);
      if (!v) throw std::runtime_error(fmt::format("line {}: {}", rec.line, error));
      row[attr->name] = *v;
    }
    const auto& y = row.at(label->name);
    if (y.is_null()) continue;
    d.labels.push_back(y.is_boolean() ? (y.get<bool>() ? 1 : 0) : y.get<int>());
    d.rows.push_back(std::move(row));
  }
  return d;
}

double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

// The training options the product uses by default.
ml::TrainOptions options() { return ml::TrainOptions{}; }

int export_data(const std::string& csv, const std::filesystem::path& dir) {
  const auto d = load_csv(csv);
  const auto o = options();
  const auto split = ml::stratified_split(d.labels, o.validation_fraction, o.test_fraction, o.seed);
  std::vector<nlohmann::json> train_rows;
  for (auto i : split.train) train_rows.push_back(d.rows[i]);
  const auto pre = ml::Preprocessor::fit(d.schema, train_rows, ml::MissingPolicy::kKeepMissing);
  const auto x = pre.transform(d.rows);
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "features.f32", std::ios::binary)
      .write(reinterpret_cast<const char*>(x.values.data()),
             static_cast<std::streamsize>(x.values.size() * sizeof(float)));
  std::vector<std::string> names;
  for (const auto& c : pre.columns()) names.push_back(c.name);
  const nlohmann::json meta = {{"rows", x.rows},         {"cols", x.cols},
                               {"columns", names},       {"labels", d.labels},
                               {"train", split.train},   {"validation", split.validation},
                               {"test", split.test}};
  std::ofstream(dir / "split.json") << meta.dump();
  std::cerr << fmt::format("exported {} rows x {} features to {}\n", x.rows, x.cols, dir.string());
  return 0;
}

struct Ours {
  double train_seconds = 0, roc_auc = 0, f1 = 0, threshold = 0;
  double p50_ms = 0, p99_ms = 0, p50_plain_ms = 0;
  double batch_dense = 0, batch_json = 0;
  double load_ms = 0;
};

std::pair<double, double> percentiles(std::vector<double> t) {
  std::sort(t.begin(), t.end());
  return {t[t.size() / 2], t[static_cast<std::size_t>(static_cast<double>(t.size()) * 0.99) - 1]};
}

Ours measure(const Data& d) {
  Ours o;
  const auto start = Clock::now();
  const auto r = ml::train(d.schema, d.rows, d.labels, options());
  o.train_seconds = seconds_since(start);
  const auto& bundle = r.bundle;
  const auto& m = bundle.metadata();
  o.roc_auc = m.test.roc_auc;
  o.f1 = m.test.f1;
  o.threshold = m.threshold;
  std::cerr << fmt::format("ours: {} rounds, params {}, calibration {}, cv AUC {:.4f}\n",
                           m.params.at("rounds").get<int>(), r.search[r.best_candidate].params.dump(),
                           ml::to_string(bundle.calibrator().method()), r.search[r.best_candidate].cv_auc);

  const auto saved = std::filesystem::temp_directory_path() / "churnwatch_ml_bench_bundle";
  bundle.save(saved);
  const auto load_start = Clock::now();
  const auto loaded = ml::ModelBundle::load(saved);
  o.load_ms = seconds_since(load_start) * 1000;
  std::filesystem::remove_all(saved);

  std::vector<nlohmann::json> test_rows;
  for (auto i : r.test_rows) test_rows.push_back(d.rows[i]);
  std::vector<double> with_reasons, plain;
  for (int i = 0; i < 3000; ++i) {
    const auto& row = test_rows[static_cast<std::size_t>(i) % test_rows.size()];
    auto t = Clock::now();
    auto p = bundle.predict(row, 3);
    with_reasons.push_back(seconds_since(t) * 1000);
    t = Clock::now();
    p = bundle.predict(row, 0);
    plain.push_back(seconds_since(t) * 1000);
  }
  std::tie(o.p50_ms, o.p99_ms) = percentiles(with_reasons);
  o.p50_plain_ms = percentiles(plain).first;

  // Dense batch: 1M encoded rows, best of 3.
  const auto test_x = bundle.preprocessor().transform(test_rows);
  ml::FeatureMatrix big;
  big.cols = test_x.cols;
  big.rows = 1'000'000;
  big.values.resize(big.rows * big.cols);
  for (std::size_t r0 = 0; r0 < big.rows; ++r0) {
    std::copy_n(test_x.row(r0 % test_x.rows), big.cols, big.values.data() + r0 * big.cols);
  }
  double best = 1e9;
  for (int k = 0; k < 3; ++k) {
    const auto t = Clock::now();
    const auto p = bundle.predict_matrix(big);
    best = std::min(best, seconds_since(t));
  }
  o.batch_dense = static_cast<double>(big.rows) / best;

  // JSON rows, encoding included: 200k rows.
  std::vector<nlohmann::json> json_rows;
  for (std::size_t i = 0; i < 200'000; ++i) json_rows.push_back(test_rows[i % test_rows.size()]);
  best = 1e9;
  for (int k = 0; k < 2; ++k) {
    const auto t = Clock::now();
    const auto p = bundle.predict_batch(json_rows);
    best = std::min(best, seconds_since(t));
  }
  o.batch_json = static_cast<double>(json_rows.size()) / best;
  return o;
}

// "12.3x faster" / "4.0x slower" for a quantity where larger `better` wins.
std::string compare(double better, double worse, const char* up, const char* down) {
  if (better <= 0 || worse <= 0) return "-";
  return better >= worse ? fmt::format("{:.1f}x {}", better / worse, up)
                         : fmt::format("{:.1f}x {}", worse / better, down);
}

int run(const std::string& csv, const std::filesystem::path& dir) {
  const auto d = load_csv(csv);
  std::cerr << fmt::format("{} rows, churn rate {:.3f}\n", d.rows.size(),
                           static_cast<double>(std::count(d.labels.begin(), d.labels.end(), 1)) /
                               static_cast<double>(d.labels.size()));
  const auto o = measure(d);
  nlohmann::json ref = {{"results", nlohmann::json::array()}};
  if (std::ifstream in(dir / "reference.json"); in) in >> ref;

  std::cout << fmt::format("\n{:<26}{:>10}{:>9}{:>7}{:>10}{:>10}{:>14}\n", "model", "train s", "ROC-AUC",
                           "F1", "p50 ms", "p99 ms", "batch rows/s");
  std::cout << fmt::format("{:<26}{:>10.2f}{:>9.4f}{:>7.3f}{:>10.3f}{:>10.3f}{:>14.0f}\n",
                           "churnwatch gbdt", o.train_seconds, o.roc_auc, o.f1, o.p50_ms, o.p99_ms,
                           o.batch_dense);
  for (const auto& r : ref["results"]) {
    std::cout << fmt::format("{:<26}{:>10.2f}{:>9.4f}{:>7.3f}{:>10.3f}{:>10.3f}{:>14.0f}\n",
                             "sklearn " + r["name"].get<std::string>(), r["train_seconds"].get<double>(),
                             r["roc_auc"].get<double>(), r["f1"].get<double>(),
                             r["latency_p50_ms"].get<double>(), r["latency_p99_ms"].get<double>(),
                             r["batch_rows_per_second"].get<double>());
  }
  std::cout << fmt::format("\nchurnwatch: threshold {:.3f} (chosen on validation; references use 0.5); "
                           "p50 without reasons {:.3f} ms; batch incl. JSON encoding {:.0f} rows/s; "
                           "bundle load {:.1f} ms\n",
                           o.threshold, o.p50_plain_ms, o.batch_json, o.load_ms);
  for (const auto& r : ref["results"]) {
    const auto name = r["name"].get<std::string>();
    std::cout << fmt::format(
        "vs {:<8} training {}, AUC {:+.4f}, F1 {:+.3f}, latency p50 {}, batch {}\n", name,
        compare(r["train_seconds"].get<double>(), o.train_seconds, "faster", "slower"),
        o.roc_auc - r["roc_auc"].get<double>(), o.f1 - r["f1"].get<double>(),
        compare(r["latency_p50_ms"].get<double>(), o.p50_ms, "lower", "higher"),
        compare(o.batch_dense, r["batch_rows_per_second"].get<double>(), "higher", "lower"));
  }
  double best_auc = 0, rf_seconds = 0;
  for (const auto& r : ref["results"]) {
    best_auc = std::max(best_auc, r["roc_auc"].get<double>());
    if (r["name"] == "rf_grid") rf_seconds = r["train_seconds"].get<double>();
  }
  std::cout << "\ntargets: AUC >= best reference: "
            << (ref["results"].empty() ? "n/a" : o.roc_auc >= best_auc ? "met" : "NOT met")
            << "; training >= 10x faster than RF grid: "
            << (rf_seconds == 0 ? "n/a" : rf_seconds / o.train_seconds >= 10 ? "met" : "NOT met")
            << "; batch >= 1M rows/s: " << (o.batch_dense >= 1e6 ? "met" : "NOT met") << "\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const std::vector<std::string> args(argv + 1, argv + argc);
    if (args.size() == 3 && args[0] == "export") return export_data(args[1], args[2]);
    if (args.size() == 3 && args[0] == "run") return run(args[1], args[2]);
    if (args.size() == 4 && args[0] == "generate") {
      std::ofstream out(args[3]);
      services::write_demo_csv(out, std::stoll(args[1]), std::stoull(args[2]));
      return 0;
    }
    std::cerr << "usage: ml_bench export CSV DIR | run CSV DIR | generate ROWS SEED CSV\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "ml_bench: " << e.what() << "\n";
    return 1;
  }
}

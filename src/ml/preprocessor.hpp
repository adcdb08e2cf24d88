// Turns customers' attribute objects into the dense float matrix the booster
// sees, driven only by the dataset schema. Fitted on training rows, saved as
// JSON inside the model bundle, and applied identically at prediction time.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/schema.hpp"

namespace churnwatch::ml {

// How missing values reach the model.
//  kKeepMissing: missing stays NaN (trees learn a default direction).
//  kImputeScale: missing becomes the training mean and every numeric column is
//                standardised (the linear booster treats NaN as 0 and is
//                sensitive to scale).
enum class MissingPolicy { kKeepMissing, kImputeScale };

// One model input column and the attribute it came from.
struct Column {
  std::string name;       // "Age", or "Geography=France" for a one-hot column
  std::size_t attribute;  // index into Preprocessor::attributes()
  std::string category;   // the category a one-hot column stands for; empty otherwise
  double mean = 0.0;      // training mean (kImputeScale only)
  double scale = 1.0;     // training standard deviation (kImputeScale only)
};

// A row-major matrix of model inputs.
struct FeatureMatrix {
  std::size_t rows = 0;
  std::size_t cols = 0;
  std::vector<float> values;
  const float* row(std::size_t r) const { return values.data() + r * cols; }
};

class Preprocessor {
 public:
  // Categories beyond this many (by training frequency) share the all-zero encoding.
  static constexpr std::size_t kMaxCategories = 64;

  Preprocessor() = default;

  // Learns the columns from `rows` (attribute objects). Feature attributes of
  // type number, integer, boolean, category and date become columns; text and
  // every non-feature role are left out. Throws Invalid when no column results.
  static Preprocessor fit(const core::DatasetSchema& schema, const std::vector<nlohmann::json>& rows,
                          MissingPolicy policy);

  // Encodes rows. Missing or null values become NaN (or the mean); an unseen
  // category becomes all zeros; a value of the wrong JSON type throws Invalid
  // naming the attribute. Uses up to `threads` threads (0: all cores).
  FeatureMatrix transform(const std::vector<nlohmann::json>& rows, unsigned threads = 0) const;
  // Encodes one row into `out` (size cols()).
  void transform_row(const nlohmann::json& row, float* out) const;

  std::size_t cols() const { return columns_.size(); }
  const std::vector<Column>& columns() const { return columns_; }
  // The schema attributes that feed at least one column, in schema order.
  const std::vector<core::Attribute>& attributes() const { return attributes_; }
  MissingPolicy policy() const { return policy_; }

  friend void to_json(nlohmann::json& j, const Preprocessor& p);
  friend void from_json(const nlohmann::json& j, Preprocessor& p);

 private:
  // Per attribute: its first column and how many columns it spans.
  struct Span {
    std::size_t first = 0;
    std::size_t count = 0;
  };
  void index_spans();
  void encode_attribute(std::size_t a, const nlohmann::json* value, float* out) const;

  MissingPolicy policy_ = MissingPolicy::kKeepMissing;
  std::vector<core::Attribute> attributes_;
  std::vector<Column> columns_;
  std::vector<Span> spans_;
};

// Days since 1970-01-01 for "YYYY-MM-DD" (an optional time part is ignored).
// Returns NaN when the text is not such a date.
double days_since_epoch(const std::string& text);

}  // namespace churnwatch::ml

#include "ml/cross_fit_file.hpp"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <utility>
#include <vector>

#include "core/errors.hpp"

namespace churnwatch::ml {
namespace {

// Reads the file straight into `keys` and `fold` through nlohmann's SAX interface:
// a JSON tree of 600,000 strings would cost several times the memory and time.
class Reader {
 public:
  using json = nlohmann::json;

  bool null() { return fail("unexpected null"); }
  bool boolean(bool) { return fail("unexpected boolean"); }
  bool number_integer(json::number_integer_t v) { return number(v); }
  bool number_unsigned(json::number_unsigned_t v) {
    return number(v > kLargest ? std::int64_t{kLargest} + 1 : static_cast<std::int64_t>(v));
  }
  bool number_float(json::number_float_t, const json::string_t&) { return fail("unexpected fraction"); }
  bool string(json::string_t& s) {
    if (depth_ != 2 || field_ != Field::kKeys) return fail("unexpected string");
    keys.push_back(std::move(s));
    return true;
  }
  bool binary(json::binary_t&) { return fail("unexpected binary value"); }
  bool start_object(std::size_t) {
    if (depth_ != 0) return fail("unexpected object");
    depth_ = 1;
    return true;
  }
  bool end_object() {
    depth_ = 0;
    return true;
  }
  bool start_array(std::size_t) {
    if (depth_ != 1 || (field_ != Field::kKeys && field_ != Field::kFold)) return fail("unexpected array");
    if ((field_ == Field::kKeys ? seen_keys_ : seen_fold_)++) return fail("repeated field");
    depth_ = 2;
    return true;
  }
  bool end_array() {
    depth_ = 1;
    return true;
  }
  bool key(json::string_t& k) {
    if (k == "folds") {
      field_ = Field::kFolds;
    } else if (k == "keys") {
      field_ = Field::kKeys;
    } else if (k == "fold") {
      field_ = Field::kFold;
    } else {
      return fail("unexpected field \"" + k + "\"");
    }
    return true;
  }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception& e) {
    return fail(e.what());
  }

  std::optional<int> folds;
  std::vector<std::string> keys;
  std::vector<int> fold;
  std::string error;

 private:
  enum class Field { kNone, kFolds, kKeys, kFold };

  static constexpr int kLargest = std::numeric_limits<int>::max();

  // Folds are checked against "folds" once the whole file is read.
  bool number(std::int64_t v) {
    if (depth_ == 1 && field_ == Field::kFolds && !folds) {
      if (v < 1 || v > kLargest) return fail("\"folds\" must be a positive integer");
      folds = static_cast<int>(v);
      return true;
    }
    if (depth_ == 2 && field_ == Field::kFold) {
      if (v < 0 || v > kLargest) return fail("fold " + std::to_string(v) + " is out of range");
      fold.push_back(static_cast<int>(v));
      return true;
    }
    return fail("unexpected number");
  }
  bool fail(std::string why) {
    if (error.empty()) error = std::move(why);
    return false;
  }

  int depth_ = 0;
  Field field_ = Field::kNone;
  int seen_keys_ = 0, seen_fold_ = 0;
};

}  // namespace

std::string encode_cross_fit(const CrossFitFile& file) {
  std::vector<const CrossFitMembers::value_type*> sorted;
  sorted.reserve(file.members.size());
  for (const auto& m : file.members) sorted.push_back(&m);
  std::sort(sorted.begin(), sorted.end(), [](const auto* a, const auto* b) { return a->first < b->first; });
  std::string out = "{\"folds\":" + std::to_string(file.folds) + ",\"keys\":[";
  for (std::size_t i = 0; i < sorted.size(); ++i) {
    if (i > 0) out += ',';
    out += nlohmann::json(sorted[i]->first).dump();
  }
  out += "],\"fold\":[";
  for (std::size_t i = 0; i < sorted.size(); ++i) {
    if (i > 0) out += ',';
    out += std::to_string(sorted[i]->second);
  }
  out += "]}";
  return out;
}

CrossFitFile decode_cross_fit(std::string_view text) {
  Reader r;
  if (!nlohmann::json::sax_parse(text.begin(), text.end(), &r) || !r.error.empty()) {
    throw core::Invalid("cross-fit file is malformed: " + (r.error.empty() ? "not JSON" : r.error));
  }
  if (!r.folds) throw core::Invalid("cross-fit file has no \"folds\"");
  if (r.keys.size() != r.fold.size()) {
    throw core::Invalid("cross-fit file has " + std::to_string(r.keys.size()) + " keys but " +
                        std::to_string(r.fold.size()) + " folds");
  }
  CrossFitFile out;
  out.folds = *r.folds;
  out.members.reserve(r.keys.size());
  for (std::size_t i = 0; i < r.keys.size(); ++i) {
    if (r.fold[i] >= out.folds) {
      throw core::Invalid("cross-fit file assigns \"" + r.keys[i] + "\" to fold " +
                          std::to_string(r.fold[i]) + " of " + std::to_string(out.folds));
    }
    if (!out.members.try_emplace(std::move(r.keys[i]), r.fold[i]).second) {  // moves only when new
      throw core::Invalid("cross-fit file lists \"" + r.keys[i] + "\" twice");
    }
  }
  return out;
}

}  // namespace churnwatch::ml

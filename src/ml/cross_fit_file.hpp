// The membership file of a cross-fitted model bundle, cross_fit.json: which
// fold model scores which customer. It holds one entry per training customer
// (hundreds of thousands), so it is two parallel arrays rather than an object
// per customer, written without indentation and read without building a JSON
// tree:
//   {"folds":3,"keys":["15600001","15600007",...],"fold":[0,2,...]}
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace churnwatch::ml {

// Hashes std::string and std::string_view alike, so members are looked up by
// a string_view without building a std::string.
struct KeyHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
};

// Customer key -> the fold whose model was fitted without that customer.
using CrossFitMembers = std::unordered_map<std::string, int, KeyHash, std::equal_to<>>;

struct CrossFitFile {
  int folds = 0;  // number of fold models
  CrossFitMembers members;
};

// The file's text; keys are sorted, so the same members give the same bytes.
std::string encode_cross_fit(const CrossFitFile& file);

// Throws Invalid when `text` is not such a file: malformed JSON, a missing or
// unexpected field, arrays of different lengths, a repeated key, or a fold
// outside [0, folds).
CrossFitFile decode_cross_fit(std::string_view text);

}  // namespace churnwatch::ml

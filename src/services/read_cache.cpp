#include "services/read_cache.hpp"

#include <sodium.h>

#include <algorithm>

#include "core/metrics.hpp"

namespace churnwatch::services {
namespace {

core::Counter& requests(std::string_view cache, std::string_view outcome) {
  static auto& family =
      core::default_metrics().counter("churnwatch_cache_requests_total",
                                      "Cache lookups by cache (prediction, customers, risk_summary) and "
                                      "outcome (hit, miss, bypass: cache "
                                      "unavailable).",
                                      {"cache", "outcome"});
  return family.with({std::string(cache), std::string(outcome)});
}

std::string percent_encode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || c == '[' || c == ']' || c == ',') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

}  // namespace

std::string ReadCache::response(std::string_view kind, std::string_view key,
                                const std::function<std::string()>& render) {
  if (options_.response_ttl.count() <= 0) return render();
  const auto generation = cache_.generation("data");
  if (!generation) {
    requests(kind, "bypass").inc();
    return render();
  }
  const std::string full =
      "resp:" + std::string(kind) + ":g" + std::to_string(*generation) + ":" + key_digest(key);
  if (auto hit = cache_.get(full)) {
    requests(kind, "hit").inc();
    return std::move(*hit);
  }
  requests(kind, "miss").inc();
  auto body = render();
  cache_.set(full, body, options_.response_ttl);
  return body;
}

std::optional<std::string> ReadCache::prediction(const std::string& key) {
  if (options_.prediction_ttl.count() <= 0) return std::nullopt;
  auto v = cache_.get(key);
  requests("prediction", v ? "hit" : (cache_.available() ? "miss" : "bypass")).inc();
  return v;
}

void ReadCache::store_prediction(const std::string& key, std::string_view body) {
  if (options_.prediction_ttl.count() > 0) cache_.set(key, body, options_.prediction_ttl);
}

void ReadCache::data_changed() { cache_.bump("data"); }

std::string prediction_key(std::int64_t model_version, int schema_version,
                           std::string_view canonical_attributes) {
  return "predict:m" + std::to_string(model_version) + ":s" + std::to_string(schema_version) + ":" +
         key_digest(canonical_attributes);
}

std::string normalized_query(std::vector<std::pair<std::string, std::string>> params) {
  std::sort(params.begin(), params.end());
  std::string out;
  for (const auto& [name, value] : params) {
    if (!out.empty()) out += '&';
    out += percent_encode(name);
    out += '=';
    out += percent_encode(value);
  }
  return out;
}

std::string key_digest(std::string_view text) {
  unsigned char hash[16];
  crypto_generichash(hash, sizeof hash, reinterpret_cast<const unsigned char*>(text.data()), text.size(),
                     nullptr, 0);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char b : hash) {
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 15]);
  }
  return out;
}

}  // namespace churnwatch::services

// Seeded synthetic customer tables for the ML tests: a bank-like table and a
// differently shaped subscription table, each with a known churn mechanism.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "core/schema.hpp"

namespace churnwatch::ml::testing {

struct Table {
  core::DatasetSchema schema;
  std::vector<nlohmann::json> rows;
  std::vector<int> labels;
};

inline core::Attribute attr(std::string name, core::AttrType type, core::Role role,
                            std::vector<std::string> categories = {}) {
  core::Attribute a;
  a.name = std::move(name);
  a.type = type;
  a.role = role;
  a.categories = std::move(categories);
  return a;
}

inline double sigmoid(double z) { return 1.0 / (1.0 + std::exp(-z)); }

// Bank-like: older, inactive, German customers with many products churn.
inline Table bank_like(std::size_t n, std::uint64_t seed) {
  using core::AttrType;
  using core::Role;
  Table t;
  t.schema.version = 1;
  t.schema.attributes = {
      attr("CustomerId", AttrType::kInteger, Role::kId),
      attr("Surname", AttrType::kText, Role::kDisplay),
      attr("Age", AttrType::kInteger, Role::kFeature),
      attr("Balance", AttrType::kNumber, Role::kFeature),
      attr("Geography", AttrType::kCategory, Role::kFeature, {"France", "Spain", "Germany"}),
      attr("IsActiveMember", AttrType::kBoolean, Role::kFeature),
      attr("NumOfProducts", AttrType::kInteger, Role::kFeature),
      attr("Tenure", AttrType::kInteger, Role::kFeature),
      attr("Exited", AttrType::kBoolean, Role::kLabel),
  };
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> age(40, 10), balance(70000, 50000);
  std::uniform_real_distribution<double> u(0, 1);
  const char* countries[] = {"France", "Spain", "Germany"};
  for (std::size_t i = 0; i < n; ++i) {
    const int a = std::clamp(static_cast<int>(age(rng)), 18, 90);
    const double bal = std::max(0.0, balance(rng));
    const int country = static_cast<int>(u(rng) * 3) % 3;
    const bool active = u(rng) < 0.5;
    const int products = 1 + static_cast<int>(u(rng) * u(rng) * 4);
    const int tenure = static_cast<int>(u(rng) * 11);
    const double z = -2.2 + 0.09 * (a - 40) + (country == 2 ? 0.9 : 0.0) - (active ? 1.0 : 0.0) +
                     (products >= 3 ? 2.0 : 0.0) + (products == 2 ? -0.8 : 0.0) + bal / 200000.0;
    const int y = u(rng) < sigmoid(z) ? 1 : 0;
    t.rows.push_back({{"CustomerId", 15600000 + static_cast<int>(i)},
                      {"Surname", "Name" + std::to_string(i)},
                      {"Age", a},
                      {"Balance", std::round(bal * 100) / 100},
                      {"Geography", countries[country]},
                      {"IsActiveMember", active},
                      {"NumOfProducts", products},
                      {"Tenure", tenure},
                      {"Exited", y == 1}});
    t.labels.push_back(y);
  }
  return t;
}

// Subscription table: text id, text categories, a yes/no label, missing
// spend values, a date and a free-text column the model must ignore.
inline Table subscriptions(std::size_t n, std::uint64_t seed) {
  using core::AttrType;
  using core::Role;
  Table t;
  t.schema.version = 3;
  auto label = attr("cancelled", AttrType::kBoolean, Role::kLabel);
  label.true_text = "yes";
  label.false_text = "no";
  auto autopay = attr("autopay", AttrType::kBoolean, Role::kFeature);
  autopay.true_text = "yes";
  autopay.false_text = "no";
  t.schema.attributes = {
      attr("customer_code", AttrType::kText, Role::kId),
      attr("plan", AttrType::kCategory, Role::kFeature, {"basic", "pro", "enterprise"}),
      attr("region", AttrType::kCategory, Role::kFeature, {"north", "south", "east", "west"}),
      attr("monthly_spend", AttrType::kNumber, Role::kFeature),
      attr("support_tickets", AttrType::kInteger, Role::kFeature),
      attr("signup_date", AttrType::kDate, Role::kFeature),
      autopay,
      attr("notes", AttrType::kText, Role::kFeature),
      attr("account_manager", AttrType::kText, Role::kDisplay),
      attr("legacy_score", AttrType::kNumber, Role::kIgnored),
      label,
  };
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(0, 1);
  const char* plans[] = {"basic", "pro", "enterprise"};
  const char* regions[] = {"north", "south", "east", "west"};
  for (std::size_t i = 0; i < n; ++i) {
    const int plan = static_cast<int>(u(rng) * 3) % 3;
    const int region = static_cast<int>(u(rng) * 4) % 4;
    const bool spend_missing = u(rng) < 0.15;
    const double spend = 20 + 200 * u(rng);
    const int tickets = static_cast<int>(u(rng) * u(rng) * 12);
    const int days = static_cast<int>(u(rng) * 1500);
    const bool pay = u(rng) < 0.6;
    const double z = -1.0 + (plan == 0 ? 0.8 : plan == 2 ? -1.0 : 0.0) + 0.35 * tickets -
                     (pay ? 1.2 : 0.0) - days / 1000.0 + (spend_missing ? 0.8 : -spend / 400.0);
    const int y = u(rng) < sigmoid(z) ? 1 : 0;
    char code[32];
    std::snprintf(code, sizeof code, "C-%05zu", i);
    char date[32];
    const int year = 2024 - days / 365, month = 1 + (days / 30) % 12, day = 1 + days % 28;
    std::snprintf(date, sizeof date, "%04d-%02d-%02d", year, month, day);
    t.rows.push_back({{"customer_code", code},
                      {"plan", plans[plan]},
                      {"region", regions[region]},
                      {"monthly_spend", spend_missing ? nlohmann::json(nullptr) : nlohmann::json(spend)},
                      {"support_tickets", tickets},
                      {"signup_date", date},
                      {"autopay", pay},
                      {"notes", "called " + std::to_string(tickets) + " times"},
                      {"account_manager", "AM" + std::to_string(i % 7)},
                      {"legacy_score", u(rng)},
                      {"cancelled", y == 1}});
    t.labels.push_back(y);
  }
  return t;
}

}  // namespace churnwatch::ml::testing

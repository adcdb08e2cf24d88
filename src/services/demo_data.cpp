#include "services/demo_data.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <random>
#include <string>
#include <string_view>

namespace churnwatch::services {
namespace {

constexpr std::size_t kFlushBytes = 256 * 1024;
constexpr std::int64_t kFirstCustomerId = 15565701;

constexpr std::array<std::string_view, 96> kSurnames{
    "Abbott",   "Achterberg", "Adams",   "Alexander", "Allen",     "Anderson", "Bailey",   "Baker",
    "Barnes",   "Bell",       "Bennett", "Brooks",    "Brown",     "Bruno",    "Butler",   "Campbell",
    "Carter",   "Castillo",   "Chen",    "Clark",     "Collins",   "Cook",     "Cooper",   "Costa",
    "Cox",      "Davies",     "Dubois",  "Edwards",   "Evans",     "Fischer",  "Fontaine", "Fraser",
    "Garcia",   "Gomez",      "Gray",    "Green",     "Hall",      "Harris",   "Hartmann", "Hill",
    "Hoffmann", "Howard",     "Hughes",  "Jackson",   "James",     "Johnson",  "Jones",    "Kelly",
    "Keller",   "King",       "Klein",   "Lambert",   "Lee",       "Lewis",    "Lopez",    "Martin",
    "Martinez", "Meyer",      "Miller",  "Mitchell",  "Moore",     "Moreau",   "Morgan",   "Morris",
    "Muller",   "Murphy",     "Nguyen",  "Onio",      "Parker",    "Perez",    "Phillips", "Price",
    "Reed",     "Richard",    "Roberts", "Robinson",  "Rodriguez", "Rossi",    "Ruiz",     "Sanchez",
    "Schmidt",  "Schneider",  "Scott",   "Simon",     "Smith",     "Stewart",  "Taylor",   "Thomas",
    "Thompson", "Turner",     "Walker",  "Ward",      "Watson",    "Weber",    "White",    "Wright"};

// Distributions written out by hand: the standard library's are not required
// to give the same numbers everywhere, and the same seed must give the same
// bytes.
class Draw {
 public:
  explicit Draw(std::uint64_t seed) : engine_(seed) {}
  double uniform() { return static_cast<double>(engine_() >> 11) * 0x1.0p-53; }
  double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }
  int integer(int lo, int hi) { return lo + static_cast<int>(uniform() * (hi - lo + 1)); }
  bool chance(double p) { return uniform() < p; }
  double normal(double mean, double sd) {
    double u1 = 1.0 - uniform(), u2 = uniform();  // u1 in (0, 1]
    return mean + sd * std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * M_PI * u2);
  }
  // Gamma with a whole-number shape: a sum of exponentials.
  double gamma(int shape, double scale) {
    double product = 1.0;
    for (int i = 0; i < shape; ++i) product *= 1.0 - uniform();
    return -scale * std::log(product);
  }

 private:
  std::mt19937_64 engine_;
};

void append_int(std::string& out, std::int64_t v) {
  char buf[24];
  auto [p, ec] = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, p);
}

void append_money(std::string& out, double v) {
  char buf[32];
  auto [p, ec] = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed, 2);
  out.append(buf, p);
}

// The churn mechanism: risk peaks for ages 45-60, rises with inactivity and
// with 3-4 products (2 products protect), and is higher in Germany, for
// women and for customers with a balance. Tuned for ~20% churn.
double churn_probability(int age, bool inactive, int products, bool germany, bool female, bool has_balance,
                         int credit_score) {
  static constexpr double kProductEffect[] = {0.0, 0.0, -1.5, 2.5, 4.5};
  double logit = -3.7;
  logit += 3.6 * std::exp(-((age - 53.0) * (age - 53.0)) / (2.0 * 9.0 * 9.0));
  if (age < 45) logit += 0.02 * (age - 38);
  if (inactive) logit += 1.1;
  logit += kProductEffect[products];
  if (germany) logit += 0.8;
  if (female) logit += 0.5;
  if (has_balance) logit += 0.35;
  logit -= 0.0008 * (credit_score - 650);
  return 1.0 / (1.0 + std::exp(-logit));
}

}  // namespace

void write_demo_csv(std::ostream& out, std::int64_t rows, std::uint64_t seed) {
  Draw draw(seed);
  std::string buf =
      "RowNumber,CustomerId,Surname,CreditScore,Geography,Gender,Age,Tenure,Balance,"
      "NumOfProducts,HasCrCard,IsActiveMember,EstimatedSalary,Exited\n";
  buf.reserve(kFlushBytes + 256);
  std::int64_t customer_id = kFirstCustomerId;
  for (std::int64_t row = 1; row <= rows; ++row) {
    customer_id += draw.integer(1, 7);  // increasing, hence unique
    const auto surname = kSurnames[static_cast<std::size_t>(draw.integer(0, kSurnames.size() - 1))];
    const int credit = static_cast<int>(std::lround(std::clamp(draw.normal(650, 97), 350.0, 850.0)));
    const double g = draw.uniform();
    const std::string_view geography = g < 0.5 ? "France" : g < 0.75 ? "Germany" : "Spain";
    const bool female = draw.chance(0.45);
    const int age = static_cast<int>(std::min(92.0, 18.0 + draw.gamma(4, 5.25)));
    const int tenure = draw.integer(0, 10);
    const double balance = draw.chance(0.36) ? 0.0 : std::max(1000.0, draw.normal(120000, 30000));
    const double p = draw.uniform();
    const int products = p < 0.5 ? 1 : p < 0.96 ? 2 : p < 0.99 ? 3 : 4;
    const bool card = draw.chance(0.70);
    const bool active = draw.chance(0.52);
    const double salary = draw.uniform(11.58, 199992.48);
    const bool exited = draw.chance(
        churn_probability(age, !active, products, g >= 0.5 && g<0.75, female, balance> 0, credit));

    append_int(buf, row);
    buf.push_back(',');
    append_int(buf, customer_id);
    buf.push_back(',');
    buf.append(surname);
    buf.push_back(',');
    append_int(buf, credit);
    buf.push_back(',');
    buf.append(geography);
    buf.append(female ? ",Female," : ",Male,");
    append_int(buf, age);
    buf.push_back(',');
    append_int(buf, tenure);
    buf.push_back(',');
    append_money(buf, balance);
    buf.push_back(',');
    append_int(buf, products);
    buf.append(card ? ",1" : ",0");
    buf.append(active ? ",1," : ",0,");
    append_money(buf, salary);
    buf.append(exited ? ",1\n" : ",0\n");
    if (buf.size() >= kFlushBytes) {
      out.write(buf.data(), static_cast<std::streamsize>(buf.size()));
      buf.clear();
    }
  }
  out.write(buf.data(), static_cast<std::streamsize>(buf.size()));
}

}  // namespace churnwatch::services

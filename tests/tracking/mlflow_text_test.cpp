// MLflow's text formats and key rules, as Python MLflow writes and checks them.
#include <gtest/gtest.h>

#include <cmath>

#include "core/errors.hpp"
#include "tracking/mlflow_text.hpp"
#include "tracking/open_tracker.hpp"
#include "tracking/validation.hpp"
#include "tracking_test_support.hpp"

namespace churnwatch::tracking {
namespace {

TEST(PythonFloat, MatchesPythonRepr) {
  EXPECT_EQ(python_float(0.5), "0.5");
  EXPECT_EQ(python_float(1.0), "1.0");
  EXPECT_EQ(python_float(-0.0), "-0.0");
  EXPECT_EQ(python_float(0.1 + 0.2), "0.30000000000000004");
  EXPECT_EQ(python_float(0.0001), "0.0001");
  EXPECT_EQ(python_float(0.00001), "1e-05");
  EXPECT_EQ(python_float(1.5e-7), "1.5e-07");
  EXPECT_EQ(python_float(123456789.0), "123456789.0");
  EXPECT_EQ(python_float(1e15), "1000000000000000.0");
  EXPECT_EQ(python_float(1e16), "1e+16");
  EXPECT_EQ(python_float(2.5e100), "2.5e+100");
  EXPECT_EQ(python_float(std::nan("")), "nan");
  EXPECT_EQ(python_float(-INFINITY), "-inf");
  for (double v : {0.5, 1e-05, 0.30000000000000004, 2.5e100, -3.75})
    EXPECT_EQ(parse_python_float(python_float(v)), v);
  EXPECT_THROW(parse_python_float("0.5x"), core::Invalid);
}

TEST(Yaml, QuotesLikePyYamlAndReadsBack) {
  YamlMap m{{"a_id", std::string("0")},
            {"b_name", std::string("churn model")},
            {"c_bool", std::string("yes")},
            {"d_colon", std::string("a: b")},
            {"e_empty", std::string()},
            {"f_quote", std::string("it's")},
            {"g_newline", std::string("two\nlines")},
            {"h_int", std::int64_t{1700000000000}},
            {"i_null", YamlNull{}},
            {"j_list", YamlEmptyList{}},
            {"k_float", std::string("1.5")},
            {"l_hash", std::string("#x")},
            {"m_hex", std::string("4f1c0e5bd3a84f0f")}};
  std::string text = write_yaml(m);
  EXPECT_EQ(text,
            "a_id: '0'\nb_name: churn model\nc_bool: 'yes'\nd_colon: 'a: b'\ne_empty: ''\nf_quote: it's\n"
            "g_newline: \"two\\nlines\"\nh_int: 1700000000000\ni_null: null\nj_list: []\nk_float: '1.5'\n"
            "l_hash: '#x'\nm_hex: 4f1c0e5bd3a84f0f\n");
  auto back = read_yaml(text);
  EXPECT_EQ(back["a_id"], "0");
  EXPECT_EQ(back["d_colon"], "a: b");
  EXPECT_EQ(back["e_empty"], "");
  EXPECT_EQ(back["g_newline"], "two\nlines");
  EXPECT_EQ(back["i_null"], "null");
  EXPECT_EQ(read_yaml("name: 'it''s'\nlong: a folded\n  value\n")["long"], "a folded value");
  EXPECT_EQ(read_yaml("name: 'it''s'\n")["name"], "it's");
  EXPECT_THROW(read_yaml("no colon here\n"), core::Invalid);
}

TEST(FileUri, EncodesAndDecodesLikePathlib) {
  EXPECT_EQ(file_uri("/data/ml runs/0"), "file:///data/ml%20runs/0");
  EXPECT_EQ(path_from_file_uri("file:///data/ml%20runs/0")->string(), "/data/ml runs/0");
  EXPECT_EQ(path_from_file_uri("file:/x/y")->string(), "/x/y");
  EXPECT_EQ(path_from_file_uri("file://localhost/x")->string(), "/x");
  EXPECT_FALSE(path_from_file_uri("s3://bucket/x"));
  EXPECT_FALSE(path_from_file_uri("file://otherhost/x"));
}

TEST(Keys, FollowMlflowsRules) {
  for (const std::string& ok : std::vector<std::string>{"auc", "val/auc", "learning_rate", "a-b.c d", "x.y/z_1", std::string(250, 'k')})
    EXPECT_NO_THROW(validate_key("param", ok)) << ok;
  for (const std::string& bad : std::vector<std::string>{"", "a|b", "a:b", "/abs", "trail/", "a//b", "./a", "a/./b", "a/../b", "..", "..a", "é",
                          std::string(251, 'k')})
    EXPECT_THROW(validate_key("param", bad), core::Invalid) << bad;
  try {
    validate_params({{"notes", std::string(6001, 'x')}});
    FAIL();
  } catch (const core::Invalid& e) {
    EXPECT_NE(std::string(e.what()).find("6000"), std::string::npos) << e.what();
    ASSERT_EQ(e.errors().size(), 1u);
    EXPECT_EQ(e.errors()[0].field, "param.notes");
  }
  EXPECT_EQ(run_status_from_string("KILLED"), RunStatus::kKilled);
  EXPECT_EQ(static_cast<int>(RunStatus::kFailed), 4);
  EXPECT_THROW(run_status_from_string("DONE"), core::Invalid);
}

TEST(OpenTracker, ChoosesTheBackendFromTheUri) {
  test_support::ScratchDir dir;
  auto file = open_tracker("", dir.path() / "mlruns");
  EXPECT_EQ(file->location(), file_uri(dir.path() / "mlruns"));
  EXPECT_TRUE(std::filesystem::exists(dir.path() / "mlruns" / "0" / "meta.yaml"));
  auto explicit_file = open_tracker(file_uri(dir.path() / "elsewhere"), dir.path() / "mlruns");
  EXPECT_EQ(explicit_file->location(), file_uri(dir.path() / "elsewhere"));
  auto rest = open_tracker("http://127.0.0.1:5000/", dir.path() / "mlruns");
  EXPECT_EQ(rest->location(), "http://127.0.0.1:5000");
  EXPECT_THROW(open_tracker("databricks", dir.path()), core::Invalid);
  EXPECT_THROW(open_tracker("sqlite:///mlflow.db", dir.path()), core::Invalid);
}

}  // namespace
}  // namespace churnwatch::tracking

// --filter on `churnwatch export` and `churnwatch score`: the list API's
// NAME[op]=VALUE syntax selects customers; anything else is refused with the
// option named, before any work is done.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

namespace churnwatch {
namespace {

namespace fs = std::filesystem;

struct Output {
  int status = 0;
  std::string text; // stdout and stderr
};

Output run(const std::string &args) {
  const std::string cmd = std::string(CHURNWATCH_BINARY) + " " + args + " 2>&1";
  Output out;
  FILE *pipe = ::popen(cmd.c_str(), "r");
  if (!pipe)
    return {-1, "popen failed"};
  std::array<char, 4096> buf{};
  size_t n = 0;
  while ((n = std::fread(buf.data(), 1, buf.size(), pipe)) > 0)
    out.text.append(buf.data(), n);
  out.status = ::pclose(pipe);
  return out;
}

TEST(FilterOptionTest, SelectsCustomersAndRefusesMalformedFilters) {
  const fs::path dir = fs::temp_directory_path() /
                       ("churnwatch-cli-filter-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  const std::string data = " --data-dir " + (dir / "data").string();
  const std::string csv = (dir / "customers.csv").string();
  ASSERT_EQ(run("demo-data --rows 200 --seed 3 --output " + csv).status, 0)
      << run("demo-data --help").text;
  ASSERT_EQ(run("import " + csv + data).status, 0);

  const auto all = run("export" + data);
  const auto older = run("export --filter 'Age[gte]=50'" + data);
  ASSERT_EQ(all.status, 0) << all.text;
  ASSERT_EQ(older.status, 0) << older.text;
  const auto lines = [](const std::string &s) {
    return std::count(s.begin(), s.end(), '\n');
  };
  EXPECT_EQ(lines(all.text), 201); // header + 200 customers
  EXPECT_GT(lines(older.text), 1);
  EXPECT_LT(lines(older.text), lines(all.text));

  for (const char *command : {"export", "score"}) {
    const auto bad = run(std::string(command) + " --filter Age50" + data);
    EXPECT_NE(bad.status, 0) << command;
    EXPECT_NE(bad.text.find(
                  "--filter takes NAME=VALUE or NAME[op]=VALUE, got 'Age50'"),
              std::string::npos)
        << bad.text;
  }
  fs::remove_all(dir);
}

} // namespace
} // namespace churnwatch

// Import throughput: churnwatch's import_csv (libcsv + typed cells + SQLite
// store) on a demo CSV. bench/import.sh runs it beside the Python reference
// (bench/reference/import_reference.py) and prints the ratio.
//
//   import_bench generate <rows> <seed> <out.csv>   write demo data
//   import_bench import <in.csv> <store.db>         import, print rows/s
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>

#include "core/errors.hpp"
#include "services/customer_io.hpp"
#include "services/demo_data.hpp"
#include "storage/store.hpp"

namespace {

int usage() {
  std::cerr << "usage: import_bench generate <rows> <seed> <out.csv>\n"
               "       import_bench import <in.csv> <store.db>\n";
  return 2;
}

int generate(std::int64_t rows, std::uint64_t seed, const std::string& path) {
  std::ofstream out(path, std::ios::binary);
  if (!out) {
    std::cerr << "cannot write " << path << "\n";
    return 1;
  }
  churnwatch::services::write_demo_csv(out, rows, seed);
  return out.good() ? 0 : 1;
}

int import(const std::string& csv, const std::string& db) {
  std::filesystem::remove(db);
  std::filesystem::remove(db + "-wal");
  std::filesystem::remove(db + "-shm");
  auto store = churnwatch::storage::open_store(db);
  std::ifstream in(csv, std::ios::binary);
  if (!in) {
    std::cerr << "cannot read " << csv << "\n";
    return 1;
  }
  churnwatch::services::ImportOptions options;
  options.source = csv;
  options.total_bytes = static_cast<std::size_t>(std::filesystem::file_size(csv));
  const auto start = std::chrono::steady_clock::now();
  auto result = churnwatch::services::import_csv(*store, in, options);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const auto rows = result.created + result.updated;
  std::printf("churnwatch import: %lld rows in %.2f s = %.0f rows/s\n", static_cast<long long>(rows), seconds,
              rows / seconds);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const std::string cmd = argc > 1 ? argv[1] : "";
    if (cmd == "generate" && argc == 5)
      return generate(std::atoll(argv[2]), std::strtoull(argv[3], nullptr, 10), argv[4]);
    if (cmd == "import" && argc == 4) return import(argv[2], argv[3]);
    return usage();
  } catch (const churnwatch::core::Error& e) {
    std::cerr << "error: " << e.what() << "\n";
    for (const auto& fe : e.errors())
      std::cerr << "  line " << fe.line.value_or(0) << " column " << fe.column.value_or(0) << " " << fe.field
                << ": " << fe.message << "\n";
    return 1;
  }
}

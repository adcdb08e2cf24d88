// churnwatch import | export | demo-data
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/commands.hpp"
#include "cli/progress_bar.hpp"
#include "cli/runtime.hpp"
#include "core/errors.hpp"
#include "services/customer_io.hpp"
#include "services/customers.hpp"
#include "services/demo_data.hpp"

namespace churnwatch::cli {
namespace {

struct DataArgs {
  std::string file = "-";
  std::string mode = "insert";
  std::string schema_file;
  std::string format = "csv";
  std::string output = "-";
  std::vector<std::string> filters;
  std::int64_t rows = 10000;
  std::uint64_t seed = 42;
};

storage::WriteMode parse_mode(const std::string& mode) {
  if (mode == "insert") return storage::WriteMode::kInsert;
  if (mode == "upsert") return storage::WriteMode::kUpsert;
  if (mode == "replace") return storage::WriteMode::kReplace;
  throw core::Invalid("--mode must be insert, upsert or replace, got '" + mode + "'");
}

int run_import(const core::Config& config, const DataArgs& args) {
  services::ImportOptions options;
  options.mode = parse_mode(args.mode);
  if (!args.schema_file.empty()) {
    std::ifstream in(args.schema_file);
    if (!in) throw core::Invalid("cannot read schema file '" + args.schema_file + "'");
    auto schema = nlohmann::json::parse(in).get<core::DatasetSchema>();
    schema.validate();
    options.schema = std::move(schema);
  }
  std::ifstream file;
  std::istream* in = &std::cin;
  options.source = "standard input";
  if (args.file != "-") {
    file.open(args.file, std::ios::binary);
    if (!file) throw core::Invalid("cannot read '" + args.file + "'");
    in = &file;
    options.source = args.file;
    std::error_code ec;
    options.total_bytes = std::filesystem::file_size(args.file, ec);
  }
  auto store = open_runtime_store(config);
  ProgressBar bar("import");
  options.progress = [&bar](double f, std::string_view m) { bar.update(f, m); };
  auto r = services::import_csv(*store, *in, options);
  bar.finish();
  std::cout << "imported " << options.source << ": " << r.created << " created, " << r.updated
            << " updated, " << r.skipped << " skipped; schema version " << r.schema_version
            << (r.schema_created ? " (inferred)" : "") << '\n';
  return 0;
}

int run_export(const core::Config& config, const DataArgs& args) {
  auto store = open_runtime_store(config);
  auto schema = store->current_schema();
  if (!schema) throw core::Invalid("nothing to export: no customers were imported yet");
  auto query = filter_query(*schema, args.filters);
  std::ofstream file;
  std::ostream* out = &std::cout;
  if (args.output != "-") {
    file.open(args.output, std::ios::binary | std::ios::trunc);
    if (!file) throw core::Invalid("cannot write '" + args.output + "'");
    out = &file;
  }
  services::export_customers(*store, query, services::parse_export_format(args.format),
                             [out](std::string_view piece) {
                               out->write(piece.data(), static_cast<std::streamsize>(piece.size()));
                               return static_cast<bool>(*out);
                             });
  out->flush();
  if (!*out) throw core::Unavailable("writing the export failed");
  return 0;
}

}  // namespace

void add_data_commands(CLI::App& app, core::Config& config, Action& action) {
  auto args = std::make_shared<DataArgs>();

  auto* imp = app.add_subcommand("import", "Import a customer CSV in one transaction (all or nothing)");
  add_store_options(*imp, config);
  imp->add_option("file", args->file, "CSV file, or - for standard input")->required();
  imp->add_option("--mode", args->mode, "insert (default), upsert or replace")->capture_default_str();
  imp->add_option("--schema", args->schema_file, "Dataset schema JSON to use instead of the stored or inferred one");
  imp->callback([&config, &action, args] { action = [&config, args] { return run_import(config, *args); }; });

  auto* exp = app.add_subcommand("export", "Export customers as CSV or JSON Lines");
  add_store_options(*exp, config);
  exp->add_option("--format", args->format, "csv or jsonl")->capture_default_str();
  exp->add_option("--output,-o", args->output, "File to write, or - for standard output")->capture_default_str();
  exp->add_option("--filter", args->filters, "Filter like the API: Geography=France, Age[gte]=40 (repeatable)");
  exp->callback([&config, &action, args] { action = [&config, args] { return run_export(config, *args); }; });

  auto* demo = app.add_subcommand("demo-data", "Write realistic generated bank customers as CSV");
  demo->add_option("--rows", args->rows, "How many customers")->capture_default_str()->check(CLI::Range(1, 100000000));
  demo->add_option("--seed", args->seed, "Same seed, same file")->capture_default_str();
  demo->add_option("--output,-o", args->output, "File to write, or - for standard output")->capture_default_str();
  demo->callback([&action, args] {
    action = [args] {
      std::ofstream file;
      std::ostream* out = &std::cout;
      if (args->output != "-") {
        file.open(args->output, std::ios::binary | std::ios::trunc);
        if (!file) throw core::Invalid("cannot write '" + args->output + "'");
        out = &file;
      }
      services::write_demo_csv(*out, args->rows, args->seed);
      out->flush();
      return *out ? 0 : 1;
    };
  });
}

}  // namespace churnwatch::cli

#include "services/transfer_jobs.hpp"

#include <fstream>

#include "core/errors.hpp"

namespace churnwatch::services {

namespace fs = std::filesystem;

namespace {

// Progress of an export is reported every this many lines.
constexpr std::int64_t kExportProgressLines = 2000;

std::string_view mode_name(storage::WriteMode m) {
  switch (m) {
  case storage::WriteMode::kInsert:
    return "insert";
  case storage::WriteMode::kUpsert:
    return "upsert";
  case storage::WriteMode::kReplace:
    return "replace";
  }
  return "insert";
}

storage::WriteMode parse_mode(const std::string &s) {
  if (s == "upsert")
    return storage::WriteMode::kUpsert;
  if (s == "replace")
    return storage::WriteMode::kReplace;
  if (s == "insert")
    return storage::WriteMode::kInsert;
  throw core::Invalid("unknown import mode '" + s + "'",
                      {{"mode", "must be insert, upsert or replace"}});
}

void make_dir(const fs::path &dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec)
    throw core::Unavailable("cannot create folder '" + dir.string() +
                            "': " + ec.message());
}

} // namespace

TransferJobs::TransferJobs(storage::Store &store, queue::JobQueue &jobs,
                           fs::path data_dir)
    : store_(store), jobs_(jobs), data_dir_(std::move(data_dir)) {}

queue::Job TransferJobs::start_import(std::string_view csv, storage::WriteMode mode,
                                      const std::string& source,
                                      const std::optional<core::DatasetSchema>& schema,
                                      const JobRequest& request) {
  const std::string id = queue::new_job_id();
  const fs::path dir = data_dir_ / "uploads";
  make_dir(dir);
  const fs::path path = dir / (id + ".csv");
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(csv.data(), static_cast<std::streamsize>(csv.size()));
    if (!out.flush())
      throw core::Unavailable("cannot write the upload to '" + path.string() +
                              "'");
  }
  nlohmann::json payload = {{"mode", mode_name(mode)},
                            {"source", source},
                            {"path", fs::relative(path, data_dir_).string()},
                            {"bytes", csv.size()},
                            {"schema", schema ? nlohmann::json(*schema) : nlohmann::json()}};
  queue::Job job;
  try {
    job = jobs_.enqueue(kImportJobKind, payload,
                        {.idempotency_key = request.idempotency_key,
                         .created_by = request.created_by,
                         .id = id});
  } catch (...) {
    std::error_code ec;
    fs::remove(path, ec);
    throw;
  }
  if (job.id != id) { // the key named an earlier job: this upload is not needed
    std::error_code ec;
    fs::remove(path, ec);
  }
  return job;
}

queue::Job TransferJobs::start_export(ExportFormat format,
                                      const QueryParams &filters,
                                      const JobRequest &request) {
  if (auto schema = store_.current_schema())
    parse_customer_query(*schema, filters, false);
  nlohmann::json f = nlohmann::json::array();
  for (const auto &[name, value] : filters)
    f.push_back({name, value});
  nlohmann::json payload = {
      {"format", format == ExportFormat::kCsv ? "csv" : "jsonl"},
      {"filters", f}};
  return jobs_.enqueue(kExportJobKind, payload,
                       {.idempotency_key = request.idempotency_key,
                        .created_by = request.created_by});
}

fs::path TransferJobs::export_file(std::string_view job_id) {
  auto job = jobs_.get(job_id);
  if (!job || job->kind != kExportJobKind)
    throw core::NotFound("no export job has id '" + std::string(job_id) + "'");
  if (job->state != queue::JobState::kSucceeded) {
    throw core::Conflict("export job '" + job->id + "' is " +
                         std::string(queue::to_string(job->state)) +
                         "; its file is ready once it succeeded");
  }
  fs::path path = data_dir_ / job->result.value("path", "");
  if (!fs::is_regular_file(path))
    throw core::NotFound("the file of export job '" + job->id + "' is gone");
  return path;
}

int TransferJobs::sweep_uploads() {
  const fs::path dir = data_dir_ / "uploads";
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return 0;
  int removed = 0;
  const auto now = fs::file_time_type::clock::now();
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const fs::path& path = entry.path();
    if (path.extension() != ".csv" || !entry.is_regular_file(ec)) continue;
    std::optional<queue::Job> job;
    try {
      job = jobs_.get(path.stem().string());
    } catch (const core::Error&) {
      continue;  // the queue is unreachable: try again next time
    }
    bool ended = false;
    if (!job) {
      const auto written = fs::last_write_time(path, ec);
      ended = !ec && now - written > std::chrono::minutes(1);
    } else {
      ended = job->state != queue::JobState::kQueued && job->state != queue::JobState::kRunning;
    }
    if (ended && fs::remove(path, ec)) ++removed;
  }
  return removed;
}

void TransferJobs::register_handlers(queue::WorkerPool &pool) {
  sweep_uploads();
  pool.add(kImportJobKind,
           [this](const queue::Job &job, queue::JobContext &ctx) {
             return run_import(job, ctx);
           });
  pool.add(kExportJobKind,
           [this](const queue::Job &job, queue::JobContext &ctx) {
             return run_export(job, ctx);
           });
}

nlohmann::json TransferJobs::run_import(const queue::Job &job,
                                        queue::JobContext &ctx) {
  const fs::path path = data_dir_ / job.payload.at("path").get<std::string>();
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw core::Invalid("the uploaded file of job '" + job.id + "' is gone");
  ImportOptions options;
  options.mode = parse_mode(job.payload.value("mode", "insert"));
  options.source = job.payload.value("source", "upload");
  std::error_code ec;
  options.total_bytes = static_cast<std::size_t>(fs::file_size(path, ec));
  options.progress = [&ctx](double fraction, std::string_view message) {
    ctx.progress(fraction, message);
  };
  sweep_uploads();
  ImportResult result;
  // No attempt reads the file again after the last one, nor after a
  // cancellation or an error that is not retried.
  const bool last_attempt = job.attempts >= job.max_attempts;
  try {
    if (job.payload.contains("schema") && !job.payload["schema"].is_null()) {
      auto schema = job.payload["schema"].get<core::DatasetSchema>();
      schema.validate();
      options.schema = std::move(schema);
    }
    result = import_csv(store_, in, options);
  } catch (const core::Invalid &) {
    in.close();
    fs::remove(path, ec);
    throw;
  } catch (const queue::JobCancelled&) {
    in.close();
    fs::remove(path, ec);
    throw;
  } catch (...) {
    in.close();
    if (last_attempt) fs::remove(path, ec);
    throw;
  }
  in.close();
  fs::remove(path, ec);
  return {{"created", result.created},
          {"updated", result.updated},
          {"skipped", result.skipped},
          {"schema_version", result.schema_version},
          {"schema_created", result.schema_created}};
}

nlohmann::json TransferJobs::run_export(const queue::Job &job,
                                        queue::JobContext &ctx) {
  const auto format = parse_export_format(job.payload.value("format", "csv"));
  QueryParams filters;
  for (const auto &f : job.payload.value("filters", nlohmann::json::array())) {
    filters.emplace_back(f.at(0).get<std::string>(),
                         f.at(1).get<std::string>());
  }
  auto schema = store_.current_schema();
  if (!schema)
    throw core::Invalid(
        "there is nothing to export: no customers were imported yet");
  auto query = parse_customer_query(*schema, filters, false);
  auto counting = query;
  counting.limit = 1;
  const std::int64_t total = store_.list_customers(counting).total;

  const fs::path dir = data_dir_ / "exports";
  make_dir(dir);
  const std::string name =
      job.id + (format == ExportFormat::kCsv ? ".csv" : ".jsonl");
  const fs::path part = dir / (name + ".part");
  std::int64_t lines = 0, bytes = 0;
  {
    std::ofstream out(part, std::ios::binary | std::ios::trunc);
    if (!out)
      throw core::Unavailable("cannot write '" + part.string() + "'");
    try {
      export_customers(store_, query, format, [&](std::string_view piece) {
        out.write(piece.data(), static_cast<std::streamsize>(piece.size()));
        bytes += static_cast<std::int64_t>(piece.size());
        for (char c : piece) {
          if (c == '\n' && ++lines % kExportProgressLines == 0 && total > 0) {
            ctx.progress(std::min(1.0, static_cast<double>(lines) /
                                           static_cast<double>(total)),
                         "exported " + std::to_string(lines) + " rows");
          }
        }
        return static_cast<bool>(out);
      });
    } catch (...) {
      out.close();
      std::error_code ec;
      fs::remove(part, ec);
      throw;
    }
    if (!out.flush())
      throw core::Unavailable("cannot write '" + part.string() + "'");
  }
  fs::rename(part, dir / name);
  return {{"path", "exports/" + name},
          {"format", job.payload.value("format", "csv")},
          {"customers", total},
          {"bytes", bytes}};
}

} // namespace churnwatch::services

// Import and export as background jobs (kinds "import" and "export"): the
// API starts them and returns at once; a worker pool (embedded in serve, or
// `churnwatch worker`) runs them through the same import_csv and
// export_customers as the synchronous routes.
//
// Files: an upload is spooled to <data_dir>/uploads/<job id>.csv before the
// job is visible to workers and removed once the import succeeded, failed
// for good or was cancelled. An upload whose job ended without its handler
// finishing (the worker died on the last attempt, the job was cancelled
// while queued) is removed by sweep_uploads, which every import job and
// register_handlers run. An export is written to
// <data_dir>/exports/<job id>.<csv|jsonl>.
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "queue/job_queue.hpp"
#include "queue/worker_pool.hpp"
#include "services/customer_io.hpp"
#include "services/customers.hpp"
#include "storage/store.hpp"

namespace churnwatch::services {

inline constexpr const char *kImportJobKind = "import";
inline constexpr const char *kExportJobKind = "export";

// Who asks, and the client's Idempotency-Key ("" when none): a repeated
// request with the same key gets the first request's job.
struct JobRequest {
  std::string idempotency_key;
  std::string created_by;
};

class TransferJobs {
public:
  TransferJobs(storage::Store &store, queue::JobQueue &jobs,
               std::filesystem::path data_dir);

  // Spools `csv` and enqueues its import. `schema` (validated by the caller)
  // replaces the stored one as in ImportOptions::schema; the job carries it
  // as this service writes it, never as the client sent it.
  queue::Job start_import(std::string_view csv, storage::WriteMode mode, const std::string& source,
                          const std::optional<core::DatasetSchema>& schema, const JobRequest& request);
  // Enqueues an export of the customers matching `filters` (query
  // parameters as parse_customer_query reads them; checked now, and again
  // against the schema current when the job runs).
  queue::Job start_export(ExportFormat format, const QueryParams &filters,
                          const JobRequest &request);

  // The file a succeeded export job wrote. NotFound when the job is unknown,
  // not an export or its file is gone; Conflict when it has not succeeded.
  std::filesystem::path export_file(std::string_view job_id);

  // Registers the "import" and "export" handlers; sweeps the uploads.
  void register_handlers(queue::WorkerPool &pool);

  // Removes uploads whose job has ended (succeeded, failed, dead,
  // cancelled) or is unknown to the queue (and older than a minute, so an
  // upload whose job is being enqueued stays). Returns how many.
  int sweep_uploads();

 private:
  nlohmann::json run_import(const queue::Job &job, queue::JobContext &ctx);
  nlohmann::json run_export(const queue::Job &job, queue::JobContext &ctx);

  storage::Store &store_;
  queue::JobQueue &jobs_;
  std::filesystem::path data_dir_;
};

} // namespace churnwatch::services

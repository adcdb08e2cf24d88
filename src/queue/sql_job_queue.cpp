#include "queue/sql_job_queue.hpp"

#include <random>

#include "core/clock.hpp"
#include "core/errors.hpp"
#include "core/random.hpp"
#include "storage/customer_sql.hpp"
#include "storage/db_errors.hpp"

namespace churnwatch::queue {

namespace {

using storage::SqlParam;
using storage::SqlParams;
using Clock = std::chrono::system_clock;

constexpr const char* kColumns =
    "id, kind, state, progress, message, attempts, max_attempts, payload, "
    "result, error, error_details,"
    " idempotency_key, created_by, created_at, started_at, finished_at, "
    "run_after,"
    " cancel_requested, lease_owner, lease_expires_at";

struct JobRow {
  std::string id, kind, state;
  double progress = 0;
  std::string message;
  int attempts = 0, max_attempts = 0;
  std::string payload, result, error, error_details, idempotency_key, created_by;
  std::string created_at, started_at, finished_at, run_after;
  int cancel_requested = 0;
  std::string lease_owner, lease_expires_at;

  void bind(soci::statement &st) {
    st.exchange(soci::into(id));
    st.exchange(soci::into(kind));
    st.exchange(soci::into(state));
    st.exchange(soci::into(progress));
    st.exchange(soci::into(message));
    st.exchange(soci::into(attempts));
    st.exchange(soci::into(max_attempts));
    st.exchange(soci::into(payload));
    st.exchange(soci::into(result));
    st.exchange(soci::into(error));
    st.exchange(soci::into(error_details));
    st.exchange(soci::into(idempotency_key));
    st.exchange(soci::into(created_by));
    st.exchange(soci::into(created_at));
    st.exchange(soci::into(started_at));
    st.exchange(soci::into(finished_at));
    st.exchange(soci::into(run_after));
    st.exchange(soci::into(cancel_requested));
    st.exchange(soci::into(lease_owner));
    st.exchange(soci::into(lease_expires_at));
  }

  Job to_job() const {
    Job j;
    j.id = id;
    j.kind = kind;
    j.state = parse_job_state(state);
    j.progress = progress;
    j.message = message;
    j.attempts = attempts;
    j.max_attempts = max_attempts;
    j.payload = nlohmann::json::parse(payload);
    j.result = nlohmann::json::parse(result);
    j.error = error;
    j.error_details = nlohmann::json::parse(error_details);
    j.idempotency_key = idempotency_key;
    j.created_by = created_by;
    j.created_at = created_at;
    j.started_at = started_at;
    j.finished_at = finished_at;
    j.run_after = run_after;
    j.cancel_requested = cancel_requested != 0;
    j.lease_owner = lease_owner;
    j.lease_expires_at = lease_expires_at;
    return j;
  }
};

std::vector<Job> query_jobs(soci::session &sql, const std::string &text,
                            SqlParams &params) {
  std::vector<Job> out;
  JobRow row;
  soci::statement st(sql);
  row.bind(st);
  storage::bind_params(st, params.values());
  st.alloc();
  st.prepare(text);
  st.define_and_bind();
  st.execute(false);
  while (st.fetch())
    out.push_back(row.to_job());
  return out;
}

// Runs a write statement; returns the rows it changed.
long long exec(soci::session &sql, const std::string &text, SqlParams &params) {
  soci::statement st(sql);
  storage::bind_params(st, params.values());
  st.alloc();
  st.prepare(text);
  st.define_and_bind();
  st.execute(true);
  return st.get_affected_rows();
}

// `lock`: the dialect's row lock (SqlDialect::for_update), held until the
// transaction ends, for reads that decide an update.
std::optional<Job> find(soci::session &sql, std::string_view id,
                        const std::string &lock = "") {
  SqlParams p;
  auto jobs = query_jobs(sql,
                         std::string("SELECT ") + kColumns +
                             " FROM jobs WHERE id = " +
                             p.add(std::string(id)) + lock,
                         p);
  if (jobs.empty())
    return std::nullopt;
  return jobs.front();
}

std::string iso(Clock::time_point t) { return core::to_iso8601(t); }

double jitter() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return std::uniform_real_distribution<double>(0.0, 1.0)(rng);
}

class SqlJobQueue final : public JobQueue {
public:
  SqlJobQueue(storage::SqlDialect dialect,
              std::unique_ptr<storage::SessionPool> sessions)
      : dialect_(dialect), sessions_(std::move(sessions)) {}

  Job enqueue(std::string_view kind, const nlohmann::json &payload,
              const EnqueueOptions &o) override {
    if (kind.empty())
      throw core::Invalid("a job needs a kind",
                          {{"kind", "must not be empty"}});
    if (o.max_attempts < 1)
      throw core::Invalid("max_attempts must be at least 1",
                          {{"max_attempts", ">= 1"}});
    return guarded("enqueuing a job", [&](soci::session &sql) {
      if (!o.idempotency_key.empty()) {
        if (auto existing = find_by_key(sql, kind, o.idempotency_key))
          return *existing;
      }
      const auto now = Clock::now();
      SqlParams p;
      const std::string id = o.id.empty() ? new_job_id() : o.id;
      std::string text =
          "INSERT INTO jobs (id, kind, state, max_attempts, payload, "
          "idempotency_key, created_by,"
          " created_at, run_after) VALUES (" +
          p.add(id) + ", " + p.add(std::string(kind)) + ", 'queued', " +
          p.add(static_cast<long long>(o.max_attempts)) + ", " +
          p.add(payload.dump()) + ", " + p.add(o.idempotency_key) + ", " +
          p.add(o.created_by) + ", " + p.add(iso(now)) + ", " +
          p.add(iso(o.run_after.value_or(now))) + ")";
      if (o.idempotency_key.empty()) {
        exec(sql, text, p);
        return *find(sql, id);
      }
      // A concurrent enqueue with the same key (PostgreSQL runs them at once)
      // makes this insert a no-op; both then return the one stored job.
      exec(sql,
           text + " ON CONFLICT (kind, idempotency_key) WHERE "
                  "idempotency_key <> '' DO NOTHING",
           p);
      return *find_by_key(sql, kind, o.idempotency_key);
    });
  }

  std::optional<Job> get(std::string_view id) override {
    try {
      auto sql = sessions_->borrow();
      return find(*sql, id);
    } catch (...) {
      storage::rethrow_as_store_error("reading a job");
    }
  }

  JobPage list(const JobFilter &f) override {
    try {
      auto sql = sessions_->borrow();
      SqlParams p;
      std::string where = " WHERE 1 = 1";
      if (f.state)
        where += " AND state = " + p.add(std::string(to_string(*f.state)));
      if (!f.kind.empty())
        where += " AND kind = " + p.add(f.kind);
      JobPage page;
      {
        SqlParams cp = p;
        soci::statement st(*sql);
        long long total = 0;
        st.exchange(soci::into(total));
        storage::bind_params(st, cp.values());
        st.alloc();
        st.prepare("SELECT COUNT(*) FROM jobs" + where);
        st.define_and_bind();
        st.execute(true);
        page.total = total;
      }
      std::string text = std::string("SELECT ") + kColumns + " FROM jobs" +
                         where + " ORDER BY seq DESC";
      text += dialect_.limit_offset(f.limit, f.offset, p);
      page.items = query_jobs(*sql, text, p);
      return page;
    } catch (...) {
      storage::rethrow_as_store_error("listing jobs");
    }
  }

  std::optional<Job> claim(std::string_view worker_id,
                           const std::vector<std::string> &kinds,
                           std::chrono::milliseconds lease) override {
    return guarded(
        "claiming a job", [&](soci::session &sql) -> std::optional<Job> {
          const auto now = Clock::now();
          const std::string now_s = iso(now);
          for (;;) {
            SqlParams p;
            std::string text =
                std::string("SELECT ") + kColumns +
                " FROM jobs WHERE ((state = 'queued' AND run_after <= " +
                p.add(now_s) +
                ") OR (state = 'running' AND lease_expires_at < " +
                p.add(now_s) + "))";
            if (!kinds.empty()) {
              text += " AND kind IN (";
              for (std::size_t i = 0; i < kinds.size(); ++i)
                text += (i ? ", " : "") + p.add(kinds[i]);
              text += ")";
            }
            text += " ORDER BY seq LIMIT 1" + claim_lock();
            auto found = query_jobs(sql, text, p);
            if (found.empty())
              return std::nullopt;
            const Job &job = found.front();
            SqlParams u;
            if (job.state == JobState::kRunning && job.cancel_requested) {
              exec(sql,
                   "UPDATE jobs SET state = 'cancelled', finished_at = " +
                       u.add(now_s) +
                       ", lease_owner = '', lease_expires_at = '' WHERE id = " +
                       u.add(job.id),
                   u);
              continue;
            }
            if (job.state == JobState::kRunning &&
                job.attempts >= job.max_attempts) {
              exec(sql,
                   "UPDATE jobs SET state = 'dead', finished_at = " +
                       u.add(now_s) + ", error = " +
                       u.add(std::string("its worker stopped responding on the "
                                         "last attempt")) +
                       ", lease_owner = '', lease_expires_at = '' WHERE id = " +
                       u.add(job.id),
                   u);
              continue;
            }
            exec(sql,
                 "UPDATE jobs SET state = 'running', attempts = attempts + 1, "
                 "lease_owner = " +
                     u.add(std::string(worker_id)) +
                     ", lease_expires_at = " + u.add(iso(now + lease)) +
                     ", started_at = CASE WHEN started_at = '' THEN " +
                     u.add(now_s) +
                     " ELSE started_at END WHERE id = " + u.add(job.id),
                 u);
            return find(sql, job.id);
          }
        });
  }

  bool heartbeat(std::string_view id, std::string_view worker_id,
                 double progress, std::string_view message,
                 std::chrono::milliseconds lease) override {
    return guarded("recording job progress", [&](soci::session &sql) {
      SqlParams p;
      std::string text =
          "UPDATE jobs SET progress = " +
          p.add(std::clamp(progress, 0.0, 1.0)) +
          ", message = " + p.add(std::string(message)) +
          ", lease_expires_at = " + p.add(iso(Clock::now() + lease)) +
          held_by(id, worker_id, p);
      if (exec(sql, text, p) == 0)
        throw_not_held(sql, id, worker_id);
      return find(sql, id)->cancel_requested;
    });
  }

  void complete(std::string_view id, std::string_view worker_id,
                const nlohmann::json &result) override {
    guarded("completing a job", [&](soci::session &sql) {
      SqlParams p;
      std::string text =
          "UPDATE jobs SET state = 'succeeded', progress = 1, result = " +
          p.add(result.dump()) +
          ", finished_at = " + p.add(core::now_iso8601()) +
          ", lease_owner = '', lease_expires_at = ''" +
          held_by(id, worker_id, p);
      if (exec(sql, text, p) == 0)
        throw_not_held(sql, id, worker_id);
      return 0;
    });
  }

  Job fail(std::string_view id, std::string_view worker_id, std::string_view error, bool retryable,
           const nlohmann::json& details) override {
    return guarded("recording a job failure", [&](soci::session &sql) {
      auto job = find(sql, id, dialect_.for_update());
      if (!job || job->state != JobState::kRunning ||
          job->lease_owner != worker_id) {
        throw_not_held(sql, id, worker_id);
      }
      const auto now = Clock::now();
      SqlParams p;
      std::string set = "error = " + p.add(std::string(error)) +
                        ", error_details = " + p.add(details.dump()) +
                        ", lease_owner = '', lease_expires_at = ''";
      if (retryable && job->attempts < job->max_attempts) {
        set += ", state = 'queued', run_after = " +
               p.add(iso(now + retry_delay(job->attempts, jitter())));
      } else {
        set += std::string(", state = '") + (retryable ? "dead" : "failed") +
               "', finished_at = " + p.add(iso(now));
      }
      exec(sql,
           "UPDATE jobs SET " + set + " WHERE id = " + p.add(std::string(id)),
           p);
      return *find(sql, id);
    });
  }

  void finish_cancelled(std::string_view id,
                        std::string_view worker_id) override {
    guarded("cancelling a job", [&](soci::session &sql) {
      SqlParams p;
      std::string text = "UPDATE jobs SET state = 'cancelled', finished_at = " +
                         p.add(core::now_iso8601()) +
                         ", lease_owner = '', lease_expires_at = ''" +
                         held_by(id, worker_id, p);
      if (exec(sql, text, p) == 0)
        throw_not_held(sql, id, worker_id);
      return 0;
    });
  }

  void release(std::string_view id, std::string_view worker_id) override {
    guarded("releasing a job", [&](soci::session &sql) {
      SqlParams p;
      const std::string now = core::now_iso8601();
      // A job asked to cancel is not handed to another worker: it ends here.
      std::string text = "UPDATE jobs SET state = CASE WHEN cancel_requested = "
                         "1 THEN 'cancelled' ELSE 'queued' END,"
                         " finished_at = CASE WHEN cancel_requested = 1 THEN " +
                         p.add(now) +
                         " ELSE '' END,"
                         " attempts = attempts - 1, run_after = " +
                         p.add(now) +
                         ", lease_owner = '', lease_expires_at = ''" +
                         held_by(id, worker_id, p);
      if (exec(sql, text, p) == 0)
        throw_not_held(sql, id, worker_id);
      return 0;
    });
  }

  Job cancel(std::string_view id) override {
    return guarded("cancelling a job", [&](soci::session &sql) {
      auto job = find(sql, id, dialect_.for_update());
      if (!job)
        throw core::NotFound("no job has id '" + std::string(id) + "'");
      if (is_terminal(job->state)) {
        throw core::Conflict("job '" + job->id + "' already finished (" +
                             std::string(to_string(job->state)) + ")");
      }
      SqlParams p;
      if (job->state == JobState::kQueued) {
        exec(sql,
             "UPDATE jobs SET state = 'cancelled', cancel_requested = 1, "
             "finished_at = " +
                 p.add(core::now_iso8601()) + " WHERE id = " + p.add(job->id),
             p);
      } else {
        exec(sql,
             "UPDATE jobs SET cancel_requested = 1 WHERE id = " +
                 p.add(job->id),
             p);
      }
      return *find(sql, id);
    });
  }

  std::map<JobState, std::int64_t> counts() override {
    std::map<JobState, std::int64_t> out;
    for (auto s : {JobState::kQueued, JobState::kRunning, JobState::kSucceeded,
                   JobState::kFailed, JobState::kCancelled, JobState::kDead}) {
      out[s] = 0;
    }
    try {
      auto sql = sessions_->borrow();
      std::string state;
      long long n = 0;
      soci::statement st =
          (sql->prepare << "SELECT state, COUNT(*) FROM jobs GROUP BY state",
           soci::into(state), soci::into(n));
      st.execute(false);
      while (st.fetch())
        out[parse_job_state(state)] = n;
      return out;
    } catch (...) {
      storage::rethrow_as_store_error("counting jobs");
    }
  }

  std::int64_t depth() override { return counts()[JobState::kQueued]; }

private:
  // Runs `fn` in one write transaction on a borrowed session; database
  // failures become Conflict/Unavailable naming `action`.
  template <typename Fn>
  auto guarded(const char *action, Fn &&fn)
      -> decltype(fn(std::declval<soci::session &>())) {
    try {
      auto sql = sessions_->borrow();
      *sql << dialect_.begin_write();
      try {
        auto out = fn(*sql);
        *sql << "COMMIT";
        return out;
      } catch (...) {
        try {
          *sql << "ROLLBACK";
        } catch (...) {
        }
        throw;
      }
    } catch (...) {
      storage::rethrow_as_store_error(action);
    }
  }

  std::optional<Job> find_by_key(soci::session &sql, std::string_view kind,
                                 const std::string &key) {
    SqlParams p;
    auto jobs =
        query_jobs(sql,
                   std::string("SELECT ") + kColumns +
                       " FROM jobs WHERE kind = " + p.add(std::string(kind)) +
                       " AND idempotency_key = " + p.add(key),
                   p);
    if (jobs.empty())
      return std::nullopt;
    return jobs.front();
  }

  static std::string held_by(std::string_view id, std::string_view worker_id,
                             SqlParams &p) {
    return " WHERE id = " + p.add(std::string(id)) +
           " AND state = 'running' AND lease_owner = " +
           p.add(std::string(worker_id));
  }

  [[noreturn]] static void throw_not_held(soci::session &sql,
                                          std::string_view id,
                                          std::string_view worker_id) {
    if (!find(sql, id))
      throw core::NotFound("no job has id '" + std::string(id) + "'");
    throw core::Conflict("worker '" + std::string(worker_id) +
                         "' no longer holds job '" + std::string(id) +
                         "' (its lease expired or the job finished)");
  }

  // Row lock for the claim's SELECT: PostgreSQL lets concurrent claimers skip
  // each other's rows; SQLite's BEGIN IMMEDIATE already serialises them.
  std::string claim_lock() const { return dialect_.for_update(true); }

  storage::SqlDialect dialect_;
  std::unique_ptr<storage::SessionPool> sessions_;
};

} // namespace

std::unique_ptr<JobQueue>
make_sql_job_queue(storage::SqlDialect dialect,
                   std::unique_ptr<storage::SessionPool> sessions) {
  return std::make_unique<SqlJobQueue>(dialect, std::move(sessions));
}

std::string new_job_id() { return core::random_hex(16); }

} // namespace churnwatch::queue

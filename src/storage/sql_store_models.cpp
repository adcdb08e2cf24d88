// SqlStore: the model registry.
#include "core/clock.hpp"
#include "core/errors.hpp"
#include "storage/db_errors.hpp"
#include "storage/sql_query.hpp"
#include "storage/sql_store.hpp"

namespace churnwatch::storage {

namespace {

const char* const kModelColumns =
    "version, algorithm, stage, schema_version, artifact, training_data_hash, params, metrics,"
    " details, created_at, promoted_at, source";

struct ModelRow {
  long long version = 0;
  std::string algorithm, stage;
  int schema_version = 0;
  std::string artifact, training_data_hash, params, metrics, details, created_at, promoted_at;
  soci::indicator promoted_ind = soci::i_null;
  std::string source;
  soci::indicator source_ind = soci::i_null;

  void bind(soci::statement& st) {
    st.exchange(soci::into(version));
    st.exchange(soci::into(algorithm));
    st.exchange(soci::into(stage));
    st.exchange(soci::into(schema_version));
    st.exchange(soci::into(artifact));
    st.exchange(soci::into(training_data_hash));
    st.exchange(soci::into(params));
    st.exchange(soci::into(metrics));
    st.exchange(soci::into(details));
    st.exchange(soci::into(created_at));
    st.exchange(soci::into(promoted_at, promoted_ind));
    st.exchange(soci::into(source, source_ind));
  }
  ModelRecord to_model() const {
    ModelRecord m;
    m.version = version;
    m.algorithm = algorithm;
    m.stage = stage;
    m.schema_version = schema_version;
    m.artifact = artifact;
    m.training_data_hash = training_data_hash;
    m.params = nlohmann::json::parse(params);
    m.metrics = nlohmann::json::parse(metrics);
    m.details = nlohmann::json::parse(details);
    m.created_at = created_at;
    if (promoted_ind == soci::i_ok) m.promoted_at = promoted_at;
    if (source_ind == soci::i_ok) m.source = source;
    return m;
  }
};

std::vector<ModelRecord> query_models(soci::session& sql, const std::string& rest,
                                      std::vector<SqlParam> params) {
  std::vector<ModelRecord> out;
  ModelRow row;
  run_query(sql, std::string("SELECT ") + kModelColumns + " FROM models" + rest, params, row,
            [&] { out.push_back(row.to_model()); });
  return out;
}

std::optional<ModelRecord> first(std::vector<ModelRecord> models) {
  if (models.empty()) return std::nullopt;
  return std::move(models.front());
}

}  // namespace

ModelRecord SqlStore::create_model(const ModelRecord& m) { return register_model(m, {}).model; }

ModelRegistration SqlStore::register_model(const ModelRecord& m,
                                           const std::function<std::string(std::int64_t)>& artifact_for) {
  if (m.stage != "candidate" && m.stage != "archived") {
    std::string why = m.stage == "production"
                          ? "a new model becomes production only by promotion"
                          : "stage must be candidate, production or archived";
    throw core::Invalid("cannot store a model with stage '" + m.stage + "': " + why,
                        {{"stage", why, std::nullopt, std::nullopt}});
  }
  ModelRegistration out;
  out.model = m;
  out.model.created_at = core::now_iso8601();
  out.model.promoted_at.clear();
  std::string params = m.params.dump(), metrics = m.metrics.dump(), details = m.details.dump();
  try {
    auto sql = readers_->borrow();
    in_write_transaction(*sql, dialect_, [&](soci::session& s) {
      if (!m.source.empty()) {
        auto existing = query_models(s, " WHERE source = :p1", {m.source});
        if (!existing.empty()) {
          out.model = std::move(existing.front());
          return;
        }
      }
      long long next = 0;
      s << "SELECT COALESCE(MAX(version), 0) + 1 FROM models", soci::into(next);
      if (artifact_for) out.model.artifact = artifact_for(next);
      soci::indicator source_ind = m.source.empty() ? soci::i_null : soci::i_ok;
      s << "INSERT INTO models (version, algorithm, stage, schema_version, artifact,"
           " training_data_hash, params, metrics, details, created_at, source)"
           " VALUES (:p1, :p2, :p3, :p4, :p5, :p6, :p7, :p8, :p9, :p10, :p11)",
          soci::use(next), soci::use(out.model.algorithm), soci::use(out.model.stage),
          soci::use(out.model.schema_version), soci::use(out.model.artifact),
          soci::use(out.model.training_data_hash), soci::use(params), soci::use(metrics),
          soci::use(details), soci::use(out.model.created_at), soci::use(m.source, source_ind);
      out.model.version = next;
      out.created = true;
    });
  } catch (...) {
    rethrow_as_store_error("storing a model");
  }
  return out;
}

std::optional<ModelRecord> SqlStore::find_model(std::int64_t version) {
  try {
    auto sql = readers_->borrow();
    return first(query_models(*sql, " WHERE version = :p1", {static_cast<long long>(version)}));
  } catch (...) {
    rethrow_as_store_error("reading a model");
  }
}

std::optional<ModelRecord> SqlStore::production_model() {
  try {
    auto sql = readers_->borrow();
    return first(query_models(*sql, " WHERE stage = :p1", {std::string("production")}));
  } catch (...) {
    rethrow_as_store_error("reading the production model");
  }
}

std::vector<ModelRecord> SqlStore::list_models() {
  try {
    auto sql = readers_->borrow();
    return query_models(*sql, " ORDER BY version DESC", {});
  } catch (...) {
    rethrow_as_store_error("listing models");
  }
}

ModelRecord SqlStore::promote_model(std::int64_t version) {
  std::optional<ModelRecord> promoted;
  try {
    auto sql = readers_->borrow();
    in_write_transaction(*sql, dialect_, [&](soci::session& s) {
      auto found = query_models(s, " WHERE version = :p1", {static_cast<long long>(version)});
      if (found.empty()) return;
      if (found.front().stage == "production") {
        promoted = std::move(found.front());
        return;
      }
      long long v = version;
      std::string now = core::now_iso8601();
      // Archive first: the index allows one production row at a time.
      s << "UPDATE models SET stage = 'archived' WHERE stage = 'production'";
      s << "UPDATE models SET stage = 'production', promoted_at = :p1 WHERE version = :p2",
          soci::use(now), soci::use(v);
      promoted = first(query_models(s, " WHERE version = :p1", {v}));
    });
  } catch (...) {
    rethrow_as_store_error("promoting a model");
  }
  if (!promoted) throw core::NotFound("no model version " + std::to_string(version));
  return *promoted;
}

}  // namespace churnwatch::storage

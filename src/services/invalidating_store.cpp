#include "services/invalidating_store.hpp"

namespace churnwatch::services {
namespace {

class InvalidatingWriter final : public storage::CustomerWriter {
 public:
  InvalidatingWriter(std::unique_ptr<storage::CustomerWriter> inner, ReadCache& reads)
      : inner_(std::move(inner)), reads_(reads) {}
  storage::PutOutcome put(const core::Customer& c) override { return inner_->put(c); }
  bool remove(std::string_view id) override { return inner_->remove(id); }
  core::DatasetSchema save_schema(core::DatasetSchema schema) override {
    return inner_->save_schema(std::move(schema));
  }
  void commit() override {
    inner_->commit();
    reads_.data_changed();
  }

 private:
  std::unique_ptr<storage::CustomerWriter> inner_;
  ReadCache& reads_;
};

}  // namespace

std::unique_ptr<storage::CustomerWriter> InvalidatingStore::begin_write(storage::WriteMode mode) {
  return std::make_unique<InvalidatingWriter>(inner_.begin_write(mode), reads_);
}

storage::ModelRecord InvalidatingStore::promote_model(std::int64_t version) {
  auto m = inner_.promote_model(version);
  reads_.data_changed();
  return m;
}

void InvalidatingStore::append_risk(std::vector<storage::RiskRecord> records) {
  inner_.append_risk(std::move(records));
  reads_.data_changed();
}

}  // namespace churnwatch::services

// export_customers: the stored customers as CSV (importable again, byte for
// byte) or JSON Lines, streamed to a sink in pieces.
#include "core/errors.hpp"
#include "core/values.hpp"
#include "services/customer_io.hpp"
#include "services/formula_guard.hpp"

namespace churnwatch::services {
namespace {

constexpr std::size_t kPieceSize = 64 * 1024;

// Thrown from inside for_each_customer when the sink asks to stop.
struct StopExport {};

void append_csv_field(std::string& out, std::string_view v) {
  if (v.find_first_of(",\"\r\n") == std::string_view::npos) {
    out.append(v);
    return;
  }
  out.push_back('"');
  for (char c : v) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
}

class PieceWriter {
 public:
  explicit PieceWriter(const std::function<bool(std::string_view)>& sink) : sink_(sink) {
    buffer_.reserve(kPieceSize + 4096);
  }
  std::string& buffer() { return buffer_; }
  // Hands a full piece to the sink; throws StopExport when it declines more.
  void maybe_flush() {
    if (buffer_.size() >= kPieceSize) flush();
  }
  void flush() {
    if (buffer_.empty()) return;
    bool more = sink_(buffer_);
    buffer_.clear();
    if (!more) throw StopExport{};
  }

 private:
  const std::function<bool(std::string_view)>& sink_;
  std::string buffer_;
};

}  // namespace

ExportFormat parse_export_format(std::string_view s) {
  if (s == "csv") return ExportFormat::kCsv;
  if (s == "jsonl") return ExportFormat::kJsonl;
  throw core::Invalid("unknown export format '" + std::string(s) + "'",
                      {core::FieldError{"format", "must be one of: csv, jsonl"}});
}

void export_customers(storage::Store& store, const storage::CustomerQuery& query, ExportFormat format,
                      const std::function<bool(std::string_view)>& sink) {
  auto schema = store.current_schema();
  if (!schema) throw core::NotFound("there is no dataset schema yet: import customers first");
  storage::CustomerQuery all = query;
  all.limit = 0;
  all.offset = 0;

  std::vector<std::string> json_keys;  // "\"name\":" per attribute, in schema order
  for (const auto& a : schema->attributes) json_keys.push_back(nlohmann::json(a.name).dump() + ":");

  PieceWriter out(sink);
  try {
    if (format == ExportFormat::kCsv) {
      for (std::size_t i = 0; i < schema->attributes.size(); ++i) {
        if (i) out.buffer().push_back(',');
        append_csv_field(out.buffer(), guard_formula(schema->attributes[i].name));
      }
      out.buffer().push_back('\n');
    }
    const nlohmann::json null_value;
    store.for_each_customer(all, [&](const core::Customer& c) {
      std::string& buf = out.buffer();
      if (format == ExportFormat::kCsv) {
        for (std::size_t i = 0; i < schema->attributes.size(); ++i) {
          const auto& attr = schema->attributes[i];
          auto it = c.attributes.find(attr.name);
          const nlohmann::json& v = it == c.attributes.end() ? null_value : *it;
          // Every cell: booleans print their true_text/false_text, which
          // may be anything.
          const std::string text = guard_formula(core::format_cell(attr, v));
          if (i) buf.push_back(',');
          append_csv_field(buf, text);
        }
        buf.push_back('\n');
      } else {
        buf.push_back('{');
        for (std::size_t i = 0; i < schema->attributes.size(); ++i) {
          auto it = c.attributes.find(schema->attributes[i].name);
          if (i) buf.push_back(',');
          buf += json_keys[i];
          buf += it == c.attributes.end() ? std::string("null") : it->dump();
        }
        buf += "}\n";
      }
      out.maybe_flush();
    });
    out.flush();
  } catch (const StopExport&) {
    // The sink has what it wanted.
  }
}

}  // namespace churnwatch::services

#include "services/csv_reader.hpp"

#include <exception>
#include <utility>

#include <csv.h>

#include <cstring>
#include <deque>

#include "core/errors.hpp"
#include "core/text.hpp"

namespace churnwatch::services {
namespace {

constexpr std::size_t kChunkSize = 64 * 1024;
// libcsv's parser state for "no record in progress" (ROW_NOT_BEGUN in libcsv.c).
constexpr int kRowNotBegun = 0;

// Spaces are data: strict RFC 4180 keeps them, libcsv would trim them.
int never_space(unsigned char) { return 0; }

bool is_line_break(char c) { return c == '\n' || c == '\r'; }

}  // namespace

// The reader feeds libcsv one physical line at a time. Between lines it can
// see whether a record is in progress or a quoted field is open, which gives
// exact start lines for records (blank lines and embedded newlines included)
// and exact line/column positions for errors.
struct CsvReader::Impl {
  std::istream& in;
  std::string source;
  csv_parser parser{};
  std::string buffer;        // unparsed bytes; always starts at a physical line start
  std::size_t consumed = 0;  // bytes taken from the stream
  bool eof = false;
  bool finished = false;
  // Malformed input found while complete records are still queued: raised
  // once those records have been handed out, so their errors come first.
  std::exception_ptr pending_error;
  bool first_chunk = true;

  long line = 1;         // physical line of the next segment
  long record_line = 1;  // line on which the record in progress started
  bool prev_ended_cr = false;
  long open_quote_line = 0;  // where an unterminated quoted field was opened
  long open_quote_column = 0;

  CsvRecord building;
  std::deque<CsvRecord> ready;
  std::vector<CsvRecord> spare;  // recycled records, to keep their capacity

  Impl(std::istream& s, std::string src, char delim) : in(s), source(std::move(src)) {
    csv_init(&parser, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL);
    csv_set_delim(&parser, static_cast<unsigned char>(delim));
    csv_set_space_func(&parser, never_space);
  }
  ~Impl() { csv_free(&parser); }

  static void on_field(void* data, std::size_t len, void* self) {
    auto* impl = static_cast<Impl*>(self);
    impl->building.cells.emplace_back(static_cast<const char*>(data), len);
  }
  static void on_record(int, void* self) {
    auto* impl = static_cast<Impl*>(self);
    impl->building.line = impl->record_line;
    impl->ready.push_back(std::move(impl->building));
    if (!impl->spare.empty()) {
      impl->building = std::move(impl->spare.back());
      impl->spare.pop_back();
    } else {
      impl->building = CsvRecord{};
    }
    impl->building.cells.clear();
  }

  [[noreturn]] void fail(long at_line, long column, const std::string& message) {
    throw core::Invalid("malformed CSV in " + source + " at line " + std::to_string(at_line) + ", column " +
                            std::to_string(column) + ": " + message,
                        {core::FieldError{"", message, at_line, column}});
  }

  // The column (1-based) of the quote opening the field still open at the end
  // of `text`, a line that started outside any quoted field (or at 1).
  long find_open_quote(std::string_view text, bool started_quoted) const {
    const char delim = static_cast<char>(parser.delim_char);
    bool quoted = started_quoted, field_start = !started_quoted;
    long open = 1;
    for (std::size_t i = 0; i < text.size(); ++i) {
      char c = text[i];
      if (quoted) {
        if (c == '"') {
          if (i + 1 < text.size() && text[i + 1] == '"')
            ++i;
          else
            quoted = false;
        }
      } else if (c == '"' && field_start) {
        quoted = true;
        open = static_cast<long>(i) + 1;
      } else {
        field_start = c == delim;
      }
    }
    return open;
  }

  // Parses one physical line (including its line break, if any).
  void parse_line(std::string_view text) {
    // Every cell is stored as JSON text later, which must be UTF-8; a
    // sequence never spans a line break, so each line is checked alone.
    if (const auto bad = core::invalid_utf8_at(text); bad != std::string_view::npos)
      fail(line, static_cast<long>(bad) + 1, "the text is not valid UTF-8 (save the file as UTF-8)");
    bool crlf_tail = prev_ended_cr && text.size() == 1 && text[0] == '\n';
    if (parser.pstate == kRowNotBegun && !crlf_tail) record_line = line;
    bool was_quoted = parser.pstate != kRowNotBegun && parser.quoted;
    std::size_t done = csv_parse(&parser, text.data(), text.size(), on_field, on_record, this);
    if (done < text.size() || csv_error(&parser) != CSV_SUCCESS) {
      bool stray_quote =
          done < text.size() && text[done] == static_cast<char>(parser.quote_char) && !parser.quoted;
      fail(line, static_cast<long>(done) + 1,
           stray_quote ? "quote inside an unquoted field (quote the whole field and write \"\")"
                       : "unexpected character after a closing quote (expected a delimiter or "
                         "line end)");
    }
    if (parser.quoted && parser.pstate != kRowNotBegun && !was_quoted) {
      open_quote_line = line;
      open_quote_column = find_open_quote(text, false);
    }
    if (!text.empty() && is_line_break(text.back()) && !crlf_tail) ++line;
    prev_ended_cr = !text.empty() && text.back() == '\r';
  }

  void read_chunk() {
    std::size_t old = buffer.size();
    buffer.resize(old + kChunkSize);
    in.read(buffer.data() + old, static_cast<std::streamsize>(kChunkSize));
    std::size_t got = static_cast<std::size_t>(in.gcount());
    buffer.resize(old + got);
    consumed += got;
    if (got < kChunkSize) eof = true;
    if (first_chunk && buffer.size() >= 3 && buffer.compare(0, 3, "\xEF\xBB\xBF") == 0) {
      buffer.erase(0, 3);
    }
    if (first_chunk && (buffer.size() >= 3 || eof)) first_chunk = false;
  }

  // Parses every complete line in the buffer; at end of input, the rest too.
  void pump() {
    read_chunk();
    if (first_chunk) return;  // fewer than 3 bytes yet; the BOM check needs them
    std::size_t start = 0;
    const char* data = buffer.data();
    const std::size_t n = buffer.size();
    for (std::size_t i = 0; i < n; ++i) {
      if (!is_line_break(data[i])) continue;
      parse_line(std::string_view(data + start, i + 1 - start));
      start = i + 1;
    }
    if (eof && start < n) {
      parse_line(std::string_view(data + start, n - start));
      start = n;
    }
    buffer.erase(0, start);
    if (eof) {
      if (csv_fini(&parser, on_field, on_record, this) != 0) {
        fail(open_quote_line ? open_quote_line : record_line, open_quote_line ? open_quote_column : 1,
             "unterminated quoted field (the closing quote is missing)");
      }
      finished = true;
    }
  }
};

CsvReader::CsvReader(std::istream& in, std::string source, char delimiter)
    : impl_(std::make_unique<Impl>(in, std::move(source), delimiter)) {}

CsvReader::~CsvReader() = default;

bool CsvReader::next(CsvRecord& out) {
  while (impl_->ready.empty()) {
    if (impl_->pending_error) std::rethrow_exception(std::exchange(impl_->pending_error, nullptr));
    if (impl_->finished) return false;
    try {
      impl_->pump();
    } catch (const core::Invalid&) {
      impl_->pending_error = std::current_exception();
      impl_->finished = true;
    }
  }
  impl_->spare.push_back(std::move(out));
  out = std::move(impl_->ready.front());
  impl_->ready.pop_front();
  return true;
}

std::size_t CsvReader::bytes_read() const { return impl_->consumed; }

}  // namespace churnwatch::services

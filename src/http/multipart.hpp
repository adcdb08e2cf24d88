// Uploads of customer tables: a text/csv body, or multipart/form-data
// (RFC 7578) with a "file" part and an optional "schema" part (JSON). The
// body is in memory (Request::body) or, for the import route, in a spooled
// file (Request::body_file) that is mapped rather than read into memory.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "http/message.hpp"

namespace churnwatch::http {

struct FormPart {
  std::string name;
  std::string filename;
  std::string content_type;
  std::string_view body;  // into the parsed text
};

// Splits a multipart body; throws Invalid when it is malformed. The parts'
// bodies point into `body`.
std::vector<FormPart> parse_multipart(std::string_view body, std::string_view content_type);

// A file mapped read-only into memory (pages come from the page cache, not
// the heap); empty files map to an empty view.
class MappedFile {
 public:
  // Throws Unavailable when the file cannot be opened or mapped.
  explicit MappedFile(const std::string& path);
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  std::string_view text() const { return {data_, size_}; }

 private:
  const char* data_ = nullptr;
  std::size_t size_ = 0;
};

struct CsvUpload {
  std::string_view csv;  // into the request body or `mapping`
  std::string filename = "request body";
  std::optional<std::string> schema_json;
  std::shared_ptr<const MappedFile> mapping;  // set for a spooled body
};

// Reads the CSV from either form of upload. Throws Invalid for other content
// types. The upload views `req`'s body: it must not outlive the request.
CsvUpload csv_upload(const Request& req);

}  // namespace churnwatch::http

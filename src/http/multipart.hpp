// Uploads of customer tables: a text/csv body, or multipart/form-data
// (RFC 7578) with a "file" part and an optional "schema" part (JSON).
#pragma once

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
  std::string body;
};

// Splits a multipart body; throws Invalid when it is malformed.
std::vector<FormPart> parse_multipart(std::string_view body, std::string_view content_type);

struct CsvUpload {
  std::string csv;
  std::string filename = "request body";
  std::optional<std::string> schema_json;
};

// Reads the CSV from either form of upload. Throws Invalid for other content types.
CsvUpload csv_upload(const Request& req);

}  // namespace churnwatch::http

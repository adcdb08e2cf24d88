#include "http/multipart.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>

#include "core/errors.hpp"
#include "core/text.hpp"

namespace churnwatch::http {
namespace {


// Value of `key` in a header parameter list: form-data; name="file"; filename="a.csv"
std::string header_param(std::string_view header, std::string_view key) {
  const std::string h = core::ascii_lower(header);
  const std::string k = std::string(key) + "=";
  std::size_t pos = 0;
  while ((pos = h.find(k, pos)) != std::string::npos) {
    if (pos == 0 || h[pos - 1] == ';' || h[pos - 1] == ' ') break;
    pos += k.size();
  }
  if (pos == std::string::npos) return "";
  pos += k.size();
  if (pos < header.size() && header[pos] == '"') {
    auto end = header.find('"', pos + 1);
    return std::string(header.substr(pos + 1, end == std::string_view::npos ? std::string_view::npos : end - pos - 1));
  }
  auto end = header.find(';', pos);
  return std::string(header.substr(pos, end == std::string_view::npos ? std::string_view::npos : end - pos));
}

}  // namespace

std::vector<FormPart> parse_multipart(std::string_view body, std::string_view content_type) {
  const std::string boundary = header_param(content_type, "boundary");
  if (boundary.empty() || boundary.size() > 200)
    throw core::Invalid("multipart/form-data needs a boundary parameter");
  const std::string delim = "--" + boundary;
  std::vector<FormPart> parts;
  auto pos = body.find(delim);
  if (pos == std::string_view::npos) throw core::Invalid("multipart body has no parts");
  while (true) {
    pos += delim.size();
    if (body.substr(pos, 2) == "--") break;  // closing delimiter
    if (body.substr(pos, 2) != "\r\n") throw core::Invalid("malformed multipart delimiter line");
    pos += 2;
    auto headers_end = body.find("\r\n\r\n", pos);
    if (headers_end == std::string_view::npos) throw core::Invalid("multipart part without headers");
    FormPart part;
    std::string_view headers = body.substr(pos, headers_end - pos);
    std::size_t line_start = 0;
    while (line_start <= headers.size()) {
      auto line_end = headers.find("\r\n", line_start);
      auto line = headers.substr(line_start, line_end == std::string_view::npos ? std::string_view::npos
                                                                                 : line_end - line_start);
      auto colon = line.find(':');
      if (colon != std::string_view::npos) {
        auto name = core::ascii_lower(line.substr(0, colon));
        auto value = line.substr(colon + 1);
        while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
        if (name == "content-disposition") {
          part.name = header_param(value, "name");
          part.filename = header_param(value, "filename");
        } else if (name == "content-type") {
          part.content_type = std::string(value);
        }
      }
      if (line_end == std::string_view::npos) break;
      line_start = line_end + 2;
    }
    const auto content_start = headers_end + 4;
    auto next = body.find("\r\n" + delim, content_start);
    if (next == std::string_view::npos) throw core::Invalid("multipart body is not closed");
    part.body = body.substr(content_start, next - content_start);
    parts.push_back(std::move(part));
    pos = next + 2;
  }
  return parts;
}

MappedFile::MappedFile(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw core::Unavailable("cannot read the uploaded body: " + std::string(std::strerror(errno)));
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    ::close(fd);
    throw core::Unavailable("cannot read the uploaded body: " + std::string(std::strerror(errno)));
  }
  size_ = static_cast<std::size_t>(st.st_size);
  if (size_ > 0) {
    void* p = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED) {
      ::close(fd);
      throw core::Unavailable("cannot map the uploaded body: " + std::string(std::strerror(errno)));
    }
    data_ = static_cast<const char*>(p);
  }
  ::close(fd);
}

MappedFile::~MappedFile() {
  if (data_) ::munmap(const_cast<char*>(data_), size_);
}

CsvUpload csv_upload(const Request& req) {
  std::string_view type = req.header("content-type");
  const std::string media = core::ascii_lower(type.substr(0, type.find(';')));
  CsvUpload upload;
  std::string_view body = req.body;
  if (!req.body_file.empty()) {
    upload.mapping = std::make_shared<const MappedFile>(req.body_file);
    body = upload.mapping->text();
  }
  if (media == "text/csv" || media == "application/csv") {
    upload.csv = body;
    return upload;
  }
  if (media == "multipart/form-data") {
    bool found = false;
    for (auto& part : parse_multipart(body, type)) {
      if (part.name == "file") {
        upload.csv = part.body;
        if (!part.filename.empty()) upload.filename = part.filename;
        found = true;
      } else if (part.name == "schema") {
        upload.schema_json = std::string(part.body);
      }
    }
    if (!found) throw core::Invalid("the form has no 'file' part", {{"file", "required CSV file"}});
    return upload;
  }
  throw core::Invalid("upload a CSV as text/csv or multipart/form-data",
                      {{"Content-Type", "got '" + std::string(type) + "'"}});
}

}  // namespace churnwatch::http

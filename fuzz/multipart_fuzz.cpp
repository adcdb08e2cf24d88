// multipart/form-data bodies (POST /api/v1/customers/import): splitting
// must accept a body or refuse it with core::Invalid, and every part it
// returns lies inside the body. The first input byte picks the boundary
// parameter's form (plain, quoted, missing), the rest is the body.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "core/errors.hpp"
#include "http/multipart.hpp"

using namespace churnwatch;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  static const char* const kTypes[] = {
      "multipart/form-data; boundary=XyZ",
      "multipart/form-data; boundary=\"XyZ\"; charset=utf-8",
      "multipart/form-data",
      "Multipart/Form-Data; Boundary=XyZ",
  };
  const std::string type = kTypes[data[0] % 4];
  http::Request req;
  req.method = "POST";
  req.headers["content-type"] = type;
  req.body.assign(reinterpret_cast<const char*>(data) + 1, size - 1);
  try {
    const auto parts = http::parse_multipart(req.body, type);
    const char* begin = req.body.data();
    const char* end = begin + req.body.size();
    for (const auto& part : parts)
      if (!part.body.empty() && (part.body.data() < begin || part.body.data() + part.body.size() > end))
        std::abort();
    const auto upload = http::csv_upload(req);
    if (!upload.csv.empty() && (upload.csv.data() < begin || upload.csv.data() + upload.csv.size() > end))
      std::abort();
  } catch (const core::Invalid&) {
  }
  return 0;
}

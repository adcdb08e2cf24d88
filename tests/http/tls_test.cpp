// HTTPS served directly: a handshake against a certificate made for the test,
// HSTS on every response, and plain HTTP refused on the TLS port.
#include <curl/curl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include "core/errors.hpp"
#include "http/server.hpp"

namespace churnwatch::http {
namespace {

namespace fs = std::filesystem;

struct Fetched {
  CURLcode code = CURLE_OK;
  long status = 0;
  std::string headers;
  std::string body;
};

size_t append(char *data, size_t size, size_t n, void *out) {
  static_cast<std::string *>(out)->append(data, size * n);
  return size * n;
}

Fetched fetch(const std::string &url, const std::string &ca_file) {
  Fetched f;
  CURL *curl = curl_easy_init();
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_CAINFO, ca_file.c_str());
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, 10L);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, append);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &f.body);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, append);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &f.headers);
  f.code = curl_easy_perform(curl);
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &f.status);
  curl_easy_cleanup(curl);
  return f;
}

class TlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("churnwatch-tls-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    cert_ = (dir_ / "cert.pem").string();
    key_ = (dir_ / "key.pem").string();
    const std::string cmd =
        "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 "
        "-nodes -days 1"
        " -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 -keyout " +
        key_ + " -out " + cert_ + " >/dev/null 2>&1";
    if (std::system(cmd.c_str()) != 0 || !fs::exists(cert_))
      GTEST_SKIP() << "the openssl command is not available to make a test certificate";
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  fs::path dir_;
  std::string cert_, key_;
};

TEST_F(TlsTest, ServesHttpsWithHstsAndRefusesPlainHttp) {
  Router router;
  router.add("GET", "/api/v1/hello", [](Request &) { return Response::json(200, R"({"hello":"tls"})"); });
  ServerOptions options;
  options.port = 0;
  options.threads = 2;
  options.read_timeout_seconds = 2;
  options.tls_cert_file = cert_;
  options.tls_key_file = key_;
  Server server(options, std::move(router));
  server.start();
  const std::string origin = "127.0.0.1:" + std::to_string(server.port());

  auto secure = fetch("https://" + origin + "/api/v1/hello", cert_);
  ASSERT_EQ(secure.code, CURLE_OK) << curl_easy_strerror(secure.code);
  EXPECT_EQ(secure.status, 200);
  EXPECT_EQ(secure.body, R"({"hello":"tls"})");
  EXPECT_NE(secure.headers.find("Strict-Transport-Security: max-age=31536000"), std::string::npos)
      << secure.headers;
  // Error responses carry it too.
  auto missing = fetch("https://" + origin + "/api/v1/nope", cert_);
  EXPECT_EQ(missing.status, 404);
  EXPECT_NE(missing.headers.find("Strict-Transport-Security"), std::string::npos);

  auto plain = fetch("http://" + origin + "/api/v1/hello", cert_);
  EXPECT_NE(plain.status, 200);
  EXPECT_TRUE(plain.body.empty());
  // The server still answers after a plain-text client went away.
  EXPECT_EQ(fetch("https://" + origin + "/api/v1/hello", cert_).status, 200);
  server.stop(1);
  server.wait();
}

TEST_F(TlsTest, RefusesAMissingOrMismatchedKey) {
  ServerOptions options;
  options.tls_cert_file = cert_;
  EXPECT_THROW(Server(options, Router{}), core::Invalid);
  options.tls_key_file = (dir_ / "absent.pem").string();
  EXPECT_THROW(Server(options, Router{}), core::Invalid);
}

}  // namespace
}  // namespace churnwatch::http

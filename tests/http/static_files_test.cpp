// The built web UI served by a real server: types, caching, gzip variants,
// the single-page-app fallback and refusal of paths outside the folder.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "http/server.hpp"
#include "http/static_files.hpp"
#include "http/test_client.hpp"

namespace churnwatch::http {
namespace {

namespace fs = std::filesystem;
using test_support::TestClient;

void write(const fs::path& p, const std::string& content) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << content;
}

class StaticFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    base_ = fs::temp_directory_path() / ("churnwatch-static-" + std::to_string(::getpid()));
    fs::remove_all(base_);
    const auto ui = base_ / "ui";
    write(base_ / "secret.txt", "TOP-SECRET");
    write(ui / "index.html", "<!doctype html><title>churnwatch</title>");
    write(ui / "favicon.ico", "ICO");
    write(ui / "robots.txt", "User-agent: *");
    write(ui / "assets" / "index-3f9a1c.js", "console.log('plain')");
    write(ui / "assets" / "index-3f9a1c.js.gz", "GZIPPED-BYTES");
    write(ui / "assets" / "index-77aa.css", "body{}");
    write(ui / "assets" / "logo.svg", "<svg/>");
    write(ui / "assets" / "font.woff2", "wOF2");

    Router router;
    router.add("GET", "/api/v1/ping", [](Request&) { return Response::json(200, "{}"); });
    router.add("GET", "/healthz", [](Request&) { return Response::json(200, R"({"ok":1})"); });
    ServerOptions options;
    options.port = 0;
    options.threads = 2;
    options.static_dir = ui.string();
    server_ = std::make_unique<Server>(options, std::move(router));
    server_->start();
  }
  void TearDown() override {
    server_->stop(1);
    fs::remove_all(base_);
  }

  fs::path base_;
  std::unique_ptr<Server> server_;
};

TEST_F(StaticFilesTest, IndexIsHtmlAndRevalidated) {
  TestClient c(server_->port());
  for (const char* path : {"/", "/index.html"}) {
    const auto r = c.request("GET", path);
    SCOPED_TRACE(path);
    ASSERT_EQ(r.status, 200);
    EXPECT_EQ(r.header("content-type"), "text/html; charset=utf-8");
    EXPECT_EQ(r.header("cache-control"), "no-cache");
    EXPECT_EQ(r.body, "<!doctype html><title>churnwatch</title>");
    EXPECT_EQ(r.header("x-frame-options"), "DENY");
    EXPECT_FALSE(r.header("content-security-policy").empty());
  }
}

TEST_F(StaticFilesTest, HashedAssetsAreImmutableWithRightTypes) {
  TestClient c(server_->port());
  const auto js = c.request("GET", "/assets/index-3f9a1c.js");
  EXPECT_EQ(js.status, 200);
  EXPECT_EQ(js.header("content-type"), "text/javascript; charset=utf-8");
  EXPECT_EQ(js.header("cache-control"), "public, max-age=31536000, immutable");
  EXPECT_EQ(js.body, "console.log('plain')");
  EXPECT_EQ(c.request("GET", "/assets/index-77aa.css").header("content-type"),
            "text/css; charset=utf-8");
  EXPECT_EQ(c.request("GET", "/assets/logo.svg").header("content-type"), "image/svg+xml");
  EXPECT_EQ(c.request("GET", "/assets/font.woff2").header("content-type"), "font/woff2");
  const auto ico = c.request("GET", "/favicon.ico");
  EXPECT_EQ(ico.header("content-type"), "image/x-icon");
  EXPECT_EQ(ico.header("cache-control"), "no-cache");
  EXPECT_EQ(c.request("GET", "/robots.txt").header("content-type"), "text/plain; charset=utf-8");
}

TEST_F(StaticFilesTest, PrecompressedVariantServedOnlyWhenAccepted) {
  TestClient c(server_->port());
  const auto gz = c.request("GET", "/assets/index-3f9a1c.js", "",
                            {{"Accept-Encoding", "br, gzip;q=0.8, deflate"}});
  EXPECT_EQ(gz.body, "GZIPPED-BYTES");
  EXPECT_EQ(gz.header("content-encoding"), "gzip");
  EXPECT_EQ(gz.header("vary"), "Accept-Encoding");
  EXPECT_EQ(gz.header("content-type"), "text/javascript; charset=utf-8");

  const auto plain = c.request("GET", "/assets/index-3f9a1c.js");
  EXPECT_EQ(plain.body, "console.log('plain')");
  EXPECT_EQ(plain.header("content-encoding"), "");
  EXPECT_EQ(plain.header("vary"), "Accept-Encoding");

  const auto refused = c.request("GET", "/assets/index-3f9a1c.js", "", {{"Accept-Encoding", "gzip;q=0"}});
  EXPECT_EQ(refused.body, "console.log('plain')");
}

TEST_F(StaticFilesTest, ClientRoutesFallBackToIndexButMissingFilesAre404) {
  TestClient c(server_->port());
  const auto route = c.request("GET", "/customers/42/history");
  EXPECT_EQ(route.status, 200);
  EXPECT_EQ(route.body, "<!doctype html><title>churnwatch</title>");
  EXPECT_EQ(route.header("cache-control"), "no-cache");

  EXPECT_EQ(c.request("GET", "/assets/missing-123.js").status, 404);
  const auto api = c.request("GET", "/api/v1/unknown");
  EXPECT_EQ(api.status, 404);
  EXPECT_EQ(api.header("content-type"), "application/problem+json");
  EXPECT_EQ(c.request("GET", "/healthz").body, R"({"ok":1})") << "routes win over files";
  EXPECT_EQ(c.request("POST", "/customers").status, 404) << "only GET and HEAD reach files";
}

TEST_F(StaticFilesTest, PathsOutsideTheFolderAreRefused) {
  for (const char* path : {"/../secret.txt", "/%2e%2e/secret.txt", "/assets/..%2f..%2fsecret.txt",
                           "/assets/%2E%2E/%2E%2E/secret.txt", "/..%5csecret.txt"}) {
    SCOPED_TRACE(path);
    TestClient c(server_->port());
    const auto r = c.request("GET", path);
    EXPECT_NE(r.status, 200);
    EXPECT_EQ(r.body.find("TOP-SECRET"), std::string::npos);
  }
}

TEST_F(StaticFilesTest, SymlinkOutOfTheFolderIsRefused) {
  fs::create_symlink(base_ / "secret.txt", base_ / "ui" / "leak.txt");
  TestClient c(server_->port());
  const auto r = c.request("GET", "/leak.txt");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.body.find("TOP-SECRET"), std::string::npos);
}

TEST_F(StaticFilesTest, HeadGivesLengthWithoutBody) {
  TestClient c(server_->port());
  const auto r = c.request("HEAD", "/assets/index-3f9a1c.js");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.header("content-length"), "20");
  EXPECT_TRUE(r.body.empty());
  EXPECT_EQ(c.request("GET", "/favicon.ico").body, "ICO");
}

TEST(StaticContentType, KnownExtensions) {
  EXPECT_EQ(content_type_for("a.json"), "application/json");
  EXPECT_EQ(content_type_for("a.js.map"), "application/json");
  EXPECT_EQ(content_type_for("a.png"), "image/png");
  EXPECT_EQ(content_type_for("README"), "application/octet-stream");
}

}  // namespace
}  // namespace churnwatch::http

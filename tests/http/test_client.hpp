// A small blocking HTTP/1.1 client over plain sockets for tests that talk to
// a real Server on a loopback port. It keeps one connection open across
// requests (keep-alive), reconnects when the server closed it, decodes
// Content-Length and chunked bodies, and exposes raw sends and reads for
// tests of malformed or stalled requests.
//
//   TestClient c(server.port());
//   auto r = c.request("GET", "/api/v1/things", "", {{"Authorization", "Bearer x"}});
//   EXPECT_EQ(r.status, 200);  r.header("content-type");  r.json();
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstring>
#include <map>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace churnwatch::test_support {

using Headers = std::vector<std::pair<std::string, std::string>>;

struct TestResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  // lower-cased names; repeats joined by ", "
  std::string body;                            // decoded (chunked framing removed)
  bool chunked = false;
  std::size_t chunk_count = 0;  // data chunks received when chunked

  // Header value by any-case name, "" when absent.
  std::string header(std::string_view name) const {
    std::string key(name);
    std::transform(key.begin(), key.end(), key.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    auto it = headers.find(key);
    return it == headers.end() ? std::string() : it->second;
  }
  bool has_header(std::string_view name) const { return !header(name).empty(); }
  nlohmann::json json() const { return nlohmann::json::parse(body); }
};

class TestClient {
 public:
  explicit TestClient(unsigned short port, std::string host = "127.0.0.1",
                      std::chrono::milliseconds timeout = std::chrono::seconds(10))
      : port_(port), host_(std::move(host)), timeout_(timeout) {}
  ~TestClient() { close(); }
  TestClient(const TestClient&) = delete;
  TestClient& operator=(const TestClient&) = delete;

  // Sends one request and reads its response. Adds Host and (for a body or a
  // POST/PUT/PATCH) Content-Length unless given. Throws std::runtime_error on
  // connection failure or timeout.
  TestResponse request(std::string_view method, std::string_view target, std::string_view body = {},
                       const Headers& headers = {}) {
    std::string head = std::string(method) + " " + std::string(target) + " HTTP/1.1\r\n";
    bool has_host = false, has_length = false;
    for (const auto& [name, value] : headers) {
      has_host |= iequals(name, "host");
      has_length |= iequals(name, "content-length") || iequals(name, "transfer-encoding");
      head += name + ": " + value + "\r\n";
    }
    if (!has_host) head += "Host: " + host_ + "\r\n";
    if (!has_length && (!body.empty() || method == "POST" || method == "PUT" || method == "PATCH"))
      head += "Content-Length: " + std::to_string(body.size()) + "\r\n";
    head += "\r\n";
    if (fd_ >= 0 && peer_closed()) close();
    send_raw(head);
    if (!body.empty()) send_raw(body);
    return read_response(method == "HEAD");
  }

  // Writes bytes as they are, connecting first when needed.
  void send_raw(std::string_view bytes) {
    ensure_connected();
    while (!bytes.empty()) {
      const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n <= 0) throw std::runtime_error("send failed: " + std::string(std::strerror(errno)));
      bytes.remove_prefix(static_cast<std::size_t>(n));
    }
  }

  // Reads one response (a HEAD response has no body). Interim 1xx responses
  // are returned too; call again for the final one. Closes the connection
  // afterwards when the server said "Connection: close".
  TestResponse read_response(bool head = false) {
    TestResponse r;
    const auto end = read_until("\r\n\r\n");
    const std::string block = buffer_.substr(0, end);
    buffer_.erase(0, end + 4);
    parse_head(block, r);
    const bool no_body = head || r.status < 200 || r.status == 204 || r.status == 304;
    if (no_body) {
    } else if (iequals(r.header("transfer-encoding"), "chunked")) {
      r.chunked = true;
      read_chunked(r);
    } else if (r.has_header("content-length")) {
      const auto length = std::stoull(r.header("content-length"));
      fill(length);
      r.body = buffer_.substr(0, length);
      buffer_.erase(0, length);
    } else {
      while (read_more()) {
      }
      r.body = std::move(buffer_);
      buffer_.clear();
    }
    if (r.status >= 200 && iequals(r.header("connection"), "close")) close();
    return r;
  }

  // Reads until `needle` has arrived without consuming it; false on timeout
  // or close.
  bool wait_for(std::string_view needle) {
    try {
      read_until(needle);
      return true;
    } catch (const std::runtime_error&) {
      return false;
    }
  }
  const std::string& received() const { return buffer_; }

  // True when the server closes the connection within `within`.
  bool wait_closed(std::chrono::milliseconds within) {
    if (fd_ < 0) return true;
    const auto deadline = std::chrono::steady_clock::now() + within;
    char scratch[4096];
    while (std::chrono::steady_clock::now() < deadline) {
      pollfd p{fd_, POLLIN, 0};
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (::poll(&p, 1, static_cast<int>(std::max<long>(1, left.count()))) <= 0) continue;
      const ssize_t n = ::recv(fd_, scratch, sizeof scratch, 0);
      if (n <= 0) {
        close();
        return true;
      }
      buffer_.append(scratch, static_cast<std::size_t>(n));
    }
    return false;
  }

  // TCP connections opened so far (keep-alive tests expect 1).
  int connections() const { return connections_; }
  bool connected() const { return fd_ >= 0; }

  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
    buffer_.clear();
  }

 private:
  static bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
             return std::tolower(static_cast<unsigned char>(x)) ==
                    std::tolower(static_cast<unsigned char>(y));
           });
  }

  void ensure_connected() {
    if (fd_ >= 0) return;
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd_ < 0) throw std::runtime_error("socket failed");
    timeval tv{};
    tv.tv_sec = static_cast<time_t>(timeout_.count() / 1000);
    tv.tv_usec = static_cast<suseconds_t>((timeout_.count() % 1000) * 1000);
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port_);
    ::inet_pton(AF_INET, host_.c_str(), &addr.sin_addr);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      const std::string why = std::strerror(errno);
      close();
      throw std::runtime_error("connect failed: " + why);
    }
    ++connections_;
  }

  // An idle keep-alive connection the server has closed reads as EOF.
  bool peer_closed() {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, 0) <= 0) return false;
    char c;
    return ::recv(fd_, &c, 1, MSG_PEEK) <= 0;
  }

  bool read_more() {
    if (fd_ < 0) return false;
    char chunk[16384];
    const ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
      throw std::runtime_error("timed out waiting for the server");
    if (n <= 0) return false;
    buffer_.append(chunk, static_cast<std::size_t>(n));
    return true;
  }

  std::size_t read_until(std::string_view needle) {
    for (;;) {
      const auto pos = buffer_.find(needle);
      if (pos != std::string::npos) return pos;
      if (!read_more()) throw std::runtime_error("connection closed before the response");
    }
  }

  void fill(std::size_t n) {
    while (buffer_.size() < n) {
      if (!read_more()) throw std::runtime_error("connection closed inside the body");
    }
  }

  void parse_head(const std::string& block, TestResponse& r) {
    std::size_t line_end = block.find("\r\n");
    const std::string status_line = block.substr(0, line_end);
    const auto sp = status_line.find(' ');
    if (status_line.rfind("HTTP/1.", 0) != 0 || sp == std::string::npos)
      throw std::runtime_error("bad status line: " + status_line);
    r.status = std::stoi(status_line.substr(sp + 1, 3));
    while (line_end != std::string::npos && line_end < block.size()) {
      const auto start = line_end + 2;
      line_end = block.find("\r\n", start);
      const std::string line = block.substr(start, line_end == std::string::npos ? std::string::npos
                                                                                 : line_end - start);
      const auto colon = line.find(':');
      if (colon == std::string::npos) continue;
      std::string name = line.substr(0, colon);
      std::transform(name.begin(), name.end(), name.begin(),
                     [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      std::string value = line.substr(colon + 1);
      value.erase(0, value.find_first_not_of(' '));
      while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.pop_back();
      auto& slot = r.headers[name];
      slot = slot.empty() ? value : slot + ", " + value;
    }
  }

  void read_chunked(TestResponse& r) {
    for (;;) {
      const auto eol = read_until("\r\n");
      const std::size_t size = std::stoull(buffer_.substr(0, eol), nullptr, 16);
      buffer_.erase(0, eol + 2);
      if (size == 0) {
        const auto end = read_until("\r\n");  // no trailers expected
        buffer_.erase(0, end + 2);
        return;
      }
      fill(size + 2);
      r.body.append(buffer_, 0, size);
      buffer_.erase(0, size + 2);
      ++r.chunk_count;
    }
  }

  unsigned short port_;
  std::string host_;
  std::chrono::milliseconds timeout_;
  int fd_ = -1;
  int connections_ = 0;
  std::string buffer_;
};

}  // namespace churnwatch::test_support

// One HTTP/1.1 connection over Boost.Beast, plain or TLS: reading with
// limits and timeouts, 100-continue, writing plain and chunked responses,
// keep-alive, lingering close after errors. What a request means is decided in
// pipeline.cpp; handlers run on the server's pool, never on I/O threads.
#include <spdlog/spdlog.h>
#include <algorithm>
#include <array>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <chrono>
#include <filesystem>

#include "core/random.hpp"
#include "core/text.hpp"
#include "http/cors.hpp"
#include "http/pipeline.hpp"
#include "http/problem.hpp"
#include "http/server_state.hpp"

namespace churnwatch::http {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

// A streamed body is written in pieces of about this size.
constexpr std::size_t kChunkTarget = 64 * 1024;
// A slow reader gets this long for each write before it is dropped.
constexpr auto kWriteTimeout = std::chrono::seconds(60);
// After an error response the rest of the request is read and discarded for
// this long (so the client sees the response, not a reset).
constexpr auto kLingerTime = std::chrono::seconds(2);
constexpr std::size_t kLingerBytes = 8 << 20;

// A header value with CR/LF removed, so no value (say, a file name taken
// from user input) can inject headers or split the response.
std::string header_safe(std::string value) {
  std::replace_if(value.begin(), value.end(), [](char c) { return c == '\r' || c == '\n'; }, ' ');
  return value;
}

bool is_parse_error(const beast::error_code& ec) {
  return ec.category() == bhttp::make_error_code(bhttp::error::bad_target).category() &&
         ec != bhttp::error::end_of_stream && ec != bhttp::error::partial_message;
}

// Why a request's framing cannot be trusted, or "" when it can (RFC 9112).
// A Transfer-Encoding other than exactly "chunked" (say "xchunked" or
// "chunked, identity") is refused: Beast would read such a request as
// having no body and serve the body as the next request, which a proxy in
// front may have read differently (request smuggling). HTTP/1.1 requests
// need exactly one Host.
template <class Fields>
std::string framing_problem(const bhttp::request_header<Fields>& msg) {
  std::string encoding;
  int encodings = 0;
  for (const auto& field : msg) {
    if (field.name() != bhttp::field::transfer_encoding) continue;
    ++encodings;
    if (!encoding.empty()) encoding += ", ";
    encoding += std::string(field.value());
  }
  if (encodings > 0 && !core::iequals(core::trim(encoding), "chunked"))
    return "unsupported Transfer-Encoding '" + encoding + "' (only 'chunked' is accepted)";
  if (msg.version() >= 11) {
    const auto hosts = msg.count(bhttp::field::host);
    if (hosts != 1)
      return hosts == 0 ? "an HTTP/1.1 request needs a Host header" : "more than one Host header";
  }
  return {};
}

using TlsStream = beast::ssl_stream<beast::tcp_stream>;

// One year, the usual HSTS lifetime; sent only over TLS.
constexpr const char* kHsts = "max-age=31536000";

// `Stream` is beast::tcp_stream or TlsStream.
template <class Stream>
class Session : public Connection, public std::enable_shared_from_this<Session<Stream>> {
 public:
  static constexpr bool kTls = std::is_same_v<Stream, TlsStream>;

  // `remote_ip` was counted by ServerState::admit_address; the session
  // releases it.
  Session(tcp::socket socket, std::string remote_ip, ServerState& state)
      : stream_(make_stream(std::move(socket), state)), state_(state), remote_ip_(std::move(remote_ip)) {}

  ~Session() override {
    remove_spool();
    std::lock_guard lock(state_.mu);
    state_.connections.erase(this);
    if (busy_) --state_.busy;
    state_.release_address(remote_ip_);
    state_.cv.notify_all();
  }

  void start() {
    {
      std::lock_guard lock(state_.mu);
      state_.connections[this] = std::weak_ptr<Connection>(this->shared_from_this());
    }
    net::dispatch(stream_.get_executor(), [self = this->shared_from_this()] {
      if constexpr (kTls) {
        self->lowest().expires_after(std::chrono::seconds(self->state_.options.read_timeout_seconds));
        self->stream_.async_handshake(net::ssl::stream_base::server, [self](beast::error_code ec) {
          if (ec) return self->close();  // not TLS, or a failed handshake: nobody to answer
          self->read_request(true);
        });
      } else {
        self->read_request(true);
      }
    });
  }

  void close_if_idle() override {
    net::post(stream_.get_executor(), [self = this->shared_from_this()] {
      if (!self->busy_) self->close();
    });
  }

  void close_now() override {
    net::post(stream_.get_executor(), [self = this->shared_from_this()] { self->close(); });
  }

 private:
  void read_request(bool first) {
    if (state_.stopping) return close();
    const auto& o = state_.options;
    parser_.emplace();
    file_parser_.reset();
    route_ = nullptr;
    head_ready_ = false;
    parser_->header_limit(static_cast<std::uint32_t>(o.max_header_bytes));
    // The largest any route takes; lowered to the route's own once the
    // header says which route it is.
    body_limit_ = o.max_body_bytes;
    parser_->body_limit(static_cast<std::uint64_t>(body_limit_));
    if (first || buffer_.size() > 0) {
      lowest().expires_after(std::chrono::seconds(o.read_timeout_seconds));
      return read_header();
    }
    // Keep-alive: wait up to the idle timeout for the next request to begin;
    // from its first byte on, the read timeout applies.
    lowest().expires_after(std::chrono::seconds(o.idle_timeout_seconds));
    stream_.async_read_some(
        buffer_.prepare(4096), [self = this->shared_from_this()](beast::error_code ec, std::size_t n) {
          if (ec) return self->close();
          self->buffer_.commit(n);
          self->lowest().expires_after(std::chrono::seconds(self->state_.options.read_timeout_seconds));
          self->read_header();
        });
  }

  void read_header() {
    bhttp::async_read_header(stream_, buffer_, *parser_,
                             [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                               self->on_header(ec);
                             });
  }

  void on_header(beast::error_code ec) {
    if (ec) return on_read_error(ec);
    started_ = std::chrono::steady_clock::now();
    mark_busy(true);
    const auto& msg = parser_->get();
    if (auto why = framing_problem(msg); !why.empty()) return fail(400, "bad-request", "Bad request", why);
    read_head(msg);
    if (!decode_target(req_)) {
      return fail(400, "bad-request", "Bad request",
                  "the request target is not a valid path (malformed percent escapes or not UTF-8)");
    }
    // Which route it is decides how much body may follow, and whether its
    // guard must pass first; unknown paths get the default (and a 404).
    const Route* found = nullptr;
    if (state_.router.match(req_, &found, nullptr) == Router::Match::kFound) route_ = found;
    body_limit_ = limit_for(route_);
    const auto length = parser_->content_length();
    const bool has_body = (length && *length > 0) || parser_->chunked();
    if (length && *length > body_limit_) return on_read_error(bhttp::error::body_limit);
    parser_->body_limit(static_cast<std::uint64_t>(body_limit_));
    if (has_body && route_ && route_->admit) return admit_then_read_body();
    start_body(has_body);
  }

  std::size_t limit_for(const Route* route) const {
    const auto& o = state_.options;
    const std::size_t small = std::min(o.default_body_bytes, o.max_body_bytes);
    if (!route || route->body.max_bytes == 0) return small;
    return std::min(route->body.max_bytes, o.max_body_bytes);
  }

  // The request line and header fields, for the route's admission and for
  // errors; the body is added by handle_request.
  void read_head(const bhttp::request_header<>& msg) {
    req_ = Request{};
    req_.method = std::string(msg.method_string());
    req_.target = std::string(msg.target());
    req_.path = req_.target.substr(0, req_.target.find('?'));
    for (const auto& field : msg) {
      auto& slot = req_.headers[core::ascii_lower(field.name_string())];
      slot = slot.empty() ? std::string(field.value()) : slot + ", " + std::string(field.value());
    }
    req_.remote_ip = remote_ip_;
    req_.request_id = assign_request_id(req_.header("x-request-id"));
    head_ready_ = true;
  }

  // Runs the route's guard on the handler pool (it may read the database or
  // Redis) before a single body byte is read: a refused request costs no
  // more than its header.
  void admit_then_read_body() {
    net::post(*state_.pool, [self = this->shared_from_this()] {
      std::optional<Response> refused;
      try {
        self->route_->admit(self->req_);
        self->req_.admitted = true;
      } catch (...) {
        self->req_.route = self->route_->pattern;
        refused = problem_from_exception(std::current_exception(), self->req_);
        apply_cors(*refused, self->req_, self->state_.options.cors_origins);
        apply_response_policy(*refused, self->req_);
      }
      net::post(self->stream_.get_executor(), [self, refused = std::move(refused)]() mutable {
        if (refused) {
          self->keep_alive_ = false;
          self->linger_ = true;
          return self->send(std::move(*refused));
        }
        self->start_body(true);
      });
    });
  }

  void start_body(bool has_body) {
    if (has_body && route_ && route_->body.to_file) {
      if (!open_spool()) {
        keep_alive_ = false;
        linger_ = true;
        return send(transport_problem(503, "unavailable", "Service unavailable",
                                      "the upload cannot be stored on this server now", req_.request_id));
      }
    }
    if (beast::iequals(req_.header("expect"), "100-continue") && !is_done()) {
      auto cont = std::make_shared<bhttp::response<bhttp::empty_body>>(bhttp::status::continue_, 11);
      return bhttp::async_write(stream_, *cont,
                                [self = this->shared_from_this(), cont](beast::error_code ec2, std::size_t) {
                                  if (ec2) return self->close();
                                  self->read_body();
                                });
    }
    read_body();
  }

  // Moves the parser over to a file body in the spool folder.
  bool open_spool() {
    const auto& dir = state_.options.spool_dir;
    std::error_code fs_ec;
    const std::filesystem::path folder = dir.empty() ? std::filesystem::temp_directory_path(fs_ec) : std::filesystem::path(dir);
    std::filesystem::create_directories(folder, fs_ec);
    spool_path_ = (folder / ("body-" + core::random_hex(16))).string();
    file_parser_.emplace(std::move(*parser_));
    parser_.reset();
    file_parser_->body_limit(static_cast<std::uint64_t>(body_limit_));
    beast::error_code ec;
    file_parser_->get().body().open(spool_path_.c_str(), beast::file_mode::write_new, ec);
    if (ec) {
      spdlog::error("request {}: cannot spool the body to {}: {}", req_.request_id, spool_path_,
                    ec.message());
      spool_path_.clear();
      return false;
    }
    return true;
  }

  void remove_spool() {
    if (spool_path_.empty()) return;
    std::error_code ec;
    std::filesystem::remove(spool_path_, ec);
    spool_path_.clear();
  }

  bool is_done() const { return parser_ ? parser_->is_done() : file_parser_->is_done(); }

  void read_body() {
    auto done = [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) return self->on_read_error(ec);
      self->handle_request();
    };
    if (file_parser_) return bhttp::async_read(stream_, buffer_, *file_parser_, std::move(done));
    bhttp::async_read(stream_, buffer_, *parser_, std::move(done));
  }

  void on_read_error(beast::error_code ec) {
    if (ec == bhttp::error::header_limit) {
      return fail(431, "headers-too-large", "Request header fields too large",
                  "the request header block exceeds " +
                      std::to_string(state_.options.max_header_bytes) + " bytes");
    }
    if (ec == bhttp::error::body_limit) {
      return fail(413, "payload-too-large", "Payload too large",
                  "the request body exceeds " + std::to_string(body_limit_) + " bytes" +
                      (route_ ? " (the limit of " + route_->method + " " + route_->pattern + ")" : ""));
    }
    if (is_parse_error(ec)) {
      return fail(400, "bad-request", "Bad request", "malformed HTTP request: " + ec.message());
    }
    close();  // timeout, reset or end of stream: nobody to answer
  }

  void handle_request() {
    if (file_parser_) {
      auto msg = file_parser_->release();
      msg.body().close();
      req_.body_file = spool_path_;
      keep_alive_ = msg.keep_alive();
      http10_ = msg.version() < 11;
      file_parser_.reset();
    } else {
      auto msg = parser_->release();
      req_.body = std::move(msg.body());
      keep_alive_ = msg.keep_alive();
      http10_ = msg.version() < 11;
    }
    net::post(*state_.pool, [self = this->shared_from_this()] {
      Response res;
      try {
        const auto& origins = self->state_.options.cors_origins;
        if (auto preflight = cors_preflight(self->req_, origins)) {
          res = std::move(*preflight);
        } else {
          res = dispatch(self->state_.router, self->state_.middleware,
                         self->state_.static_files ? &*self->state_.static_files : nullptr,
                         self->req_);
        }
        apply_cors(res, self->req_, origins);
        apply_response_policy(res, self->req_);
      } catch (...) {  // only resource exhaustion gets here; dispatch maps the rest
        res = transport_problem(500, "internal-error", "Internal server error",
                                "the response could not be produced", self->req_.request_id);
      }
      net::post(self->stream_.get_executor(),
                [self, res = std::move(res)]() mutable { self->send(std::move(res)); });
    });
  }

  // Answers a request that could not be read completely, then closes.
  void fail(int status, std::string_view slug, std::string_view title, std::string detail) {
    if (!busy_) {
      started_ = std::chrono::steady_clock::now();
      mark_busy(true);
    }
    if (!head_ready_) {
      const auto& partial = parser_->get();
      req_ = Request{};
      req_.method = std::string(partial.method_string());
      req_.target = std::string(partial.target());
      req_.path = req_.target.substr(0, req_.target.find('?'));
      req_.remote_ip = remote_ip_;
      req_.request_id = assign_request_id(partial["X-Request-Id"]);
    }
    if (route_) req_.route = route_->pattern;
    keep_alive_ = false;
    linger_ = true;
    send(transport_problem(status, slug, title, std::move(detail), req_.request_id));
  }

  void send(Response res) {
    res_ = std::move(res);
    if constexpr (kTls) res_.set_header("Strict-Transport-Security", kHsts);
    record_.status = res_.status;
    record_.bytes = 0;
    const bool keep_alive = keep_alive_ && !state_.stopping;
    const bool head = req_.method == "HEAD";
    lowest().expires_after(kWriteTimeout);

    // HTTP/1.0 has no chunked encoding: the body then ends with the connection.
    if (res_.stream && !head) return send_stream(keep_alive && !http10_);

    auto msg = std::make_shared<bhttp::response<bhttp::string_body>>();
    msg->version(11);
    msg->result(static_cast<unsigned>(res_.status));
    if (!res_.content_type.empty()) msg->set(bhttp::field::content_type, res_.content_type);
    for (const auto& [name, value] : res_.headers) msg->insert(name, header_safe(value));
    msg->keep_alive(keep_alive);
    const bool no_body = res_.status == 204 || res_.status == 304 || res_.status < 200;
    if (head) {
      if (!res_.stream && !no_body) msg->content_length(res_.body.size());
    } else if (!no_body) {
      msg->body() = std::move(res_.body);
      record_.bytes = msg->body().size();
      msg->prepare_payload();
    }
    bhttp::async_write(stream_, *msg,
                       [self = this->shared_from_this(), msg, keep_alive](beast::error_code ec, std::size_t) {
                         self->on_response_written(ec, keep_alive);
                       });
  }

  void send_stream(bool keep_alive) {
    auto head = std::make_shared<bhttp::response<bhttp::empty_body>>();
    head->version(11);
    head->result(static_cast<unsigned>(res_.status));
    if (!res_.content_type.empty()) head->set(bhttp::field::content_type, res_.content_type);
    for (const auto& [name, value] : res_.headers) head->insert(name, header_safe(value));
    head->keep_alive(keep_alive);
    head->chunked(!http10_);
    auto sr = std::make_shared<bhttp::response_serializer<bhttp::empty_body>>(*head);
    bhttp::async_write_header(
        stream_, *sr, [self = this->shared_from_this(), head, sr, keep_alive](beast::error_code ec, std::size_t) {
          if (ec) return self->abort_response();
          self->pump_stream(keep_alive);
        });
  }

  // Produces the next piece on the handler pool (the producer may query the
  // database), then writes it on the connection's strand.
  void pump_stream(bool keep_alive) {
    net::post(*state_.pool, [self = this->shared_from_this(), keep_alive] {
      std::string piece;
      bool more = true;
      try {
        while (more && piece.size() < kChunkTarget) more = self->res_.stream(piece);
      } catch (const std::exception& e) {
        spdlog::error("request {}: streamed response failed: {}", self->req_.request_id, e.what());
        return net::post(self->stream_.get_executor(), [self] { self->abort_response(); });
      } catch (...) {
        spdlog::error("request {}: streamed response failed", self->req_.request_id);
        return net::post(self->stream_.get_executor(), [self] { self->abort_response(); });
      }
      net::post(self->stream_.get_executor(), [self, keep_alive, more, piece = std::move(piece)]() mutable {
        self->write_piece(std::move(piece), more, keep_alive);
      });
    });
  }

  void write_piece(std::string piece, bool more, bool keep_alive) {
    lowest().expires_after(kWriteTimeout);
    if (piece.empty()) {
      if (more) return pump_stream(keep_alive);
      if (http10_) return on_response_written({}, false);
      return net::async_write(stream_, bhttp::make_chunk_last(),
                              [self = this->shared_from_this(), keep_alive](beast::error_code ec, std::size_t) {
                                self->on_response_written(ec, keep_alive);
                              });
    }
    chunk_ = std::move(piece);
    record_.bytes += chunk_.size();
    auto next = [self = this->shared_from_this(), more, keep_alive](beast::error_code ec, std::size_t) {
      if (ec) return self->abort_response();
      self->write_piece({}, more, keep_alive);
    };
    if (http10_) return net::async_write(stream_, net::buffer(chunk_), std::move(next));
    net::async_write(stream_, bhttp::make_chunk(net::buffer(chunk_)), std::move(next));
  }

  // The response cannot be completed: log it and drop the connection so the
  // client sees a truncated body rather than a complete-looking one.
  void abort_response() {
    record_.status = record_.status ? record_.status : 500;
    finish_request();
    close();
  }

  void on_response_written(beast::error_code ec, bool keep_alive) {
    finish_request();
    if (ec) return close();
    if (linger_) return linger();
    if (!keep_alive) return close();
    read_request(false);
  }

  void finish_request() {
    record_.request_id = req_.request_id;
    record_.method = req_.method;
    record_.path = req_.path;
    record_.started = started_;
    record_.remote_ip = remote_ip_;
    record_.user = req_.username;
    if (state_.access_log) state_.access_log->info(access_log_line(record_));
    record_request_metrics(req_, record_.status, std::chrono::steady_clock::now() - started_);
    res_ = Response{};
    req_ = Request{};
    remove_spool();
    mark_busy(false);
  }

  void linger() {
    beast::error_code ec;
    socket_().shutdown(tcp::socket::shutdown_send, ec);
    lowest().expires_after(kLingerTime);
    drain();
  }

  void drain() {
    stream_.async_read_some(net::buffer(discard_),
                            [self = this->shared_from_this()](beast::error_code ec, std::size_t n) {
                              self->drained_ += n;
                              if (ec || self->drained_ > kLingerBytes) return self->close();
                              self->drain();
                            });
  }

  void close() {
    if (closed_) return;
    closed_ = true;
    beast::error_code ec;
    socket_().shutdown(tcp::socket::shutdown_both, ec);
    lowest().close();
    mark_busy(false);
  }

  void mark_busy(bool on) {
    if (busy_ == on) return;
    busy_ = on;
    state_.add_busy(on ? 1 : -1);
  }

  static Stream make_stream(tcp::socket socket, ServerState& state) {
    if constexpr (kTls)
      return Stream(std::move(socket), *state.tls);
    else
      return Stream(std::move(socket));
  }
  beast::tcp_stream& lowest() { return beast::get_lowest_layer(stream_); }
  tcp::socket& socket_() { return lowest().socket(); }

  Stream stream_;
  ServerState& state_;
  beast::flat_buffer buffer_;
  std::string remote_ip_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  // Takes over from parser_ after the header for a BodyLimit::to_file route.
  std::optional<bhttp::request_parser<bhttp::file_body>> file_parser_;
  const Route* route_ = nullptr;  // the request's route, once its header is read
  std::size_t body_limit_ = 0;    // the body limit of this request
  bool head_ready_ = false;       // req_ holds the request line and headers
  std::string spool_path_;        // the body file of this request, if any
  Request req_;
  Response res_;
  AccessRecord record_;
  std::chrono::steady_clock::time_point started_;
  std::string chunk_;
  std::array<char, 16 * 1024> discard_{};
  std::size_t drained_ = 0;
  bool keep_alive_ = false;
  bool http10_ = false;
  bool busy_ = false;
  bool linger_ = false;
  bool closed_ = false;
};

}  // namespace

void start_connection(tcp::socket socket, ServerState& state) {
  beast::error_code ec;
  const auto endpoint = socket.remote_endpoint(ec);
  std::string remote_ip = ec ? std::string() : endpoint.address().to_string();
  if (!state.admit_address(remote_ip)) {
    // Over a connection cap: a plain-text 503 at once (best effort, never
    // blocking), then close. A TLS client sees the connection close.
    if (!state.tls) {
      static constexpr std::string_view kBusy =
          "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain\r\nContent-Length: 34\r\n"
          "Retry-After: 5\r\nConnection: close\r\n\r\ntoo many connections; retry later\n";
      socket.non_blocking(true, ec);
      socket.write_some(net::buffer(kBusy.data(), kBusy.size()), ec);
    }
    socket.shutdown(tcp::socket::shutdown_both, ec);
    socket.close(ec);
    return;
  }
  if (state.tls)
    std::make_shared<Session<TlsStream>>(std::move(socket), std::move(remote_ip), state)->start();
  else
    std::make_shared<Session<beast::tcp_stream>>(std::move(socket), std::move(remote_ip), state)->start();
}

}  // namespace churnwatch::http

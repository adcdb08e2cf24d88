// One HTTP/1.1 connection over Boost.Beast, plain or TLS: reading with
// limits and timeouts, 100-continue, writing plain and chunked responses,
// keep-alive, lingering close after errors. What a request means is decided in
// pipeline.cpp; handlers run on the server's pool, never on I/O threads.
#include <algorithm>
#include <array>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <chrono>
#include <spdlog/spdlog.h>

#include "core/text.hpp"
#include "http/cors.hpp"
#include "http/pipeline.hpp"
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

using TlsStream = beast::ssl_stream<beast::tcp_stream>;

// One year, the usual HSTS lifetime; sent only over TLS.
constexpr const char* kHsts = "max-age=31536000";

// `Stream` is beast::tcp_stream or TlsStream.
template <class Stream>
class Session : public Connection, public std::enable_shared_from_this<Session<Stream>> {
 public:
  static constexpr bool kTls = std::is_same_v<Stream, TlsStream>;

  Session(tcp::socket socket, ServerState& state)
      : stream_(make_stream(std::move(socket), state)), state_(state) {
    beast::error_code ec;
    const auto endpoint = socket_().remote_endpoint(ec);
    if (!ec) remote_ip_ = endpoint.address().to_string();
  }

  ~Session() override {
    std::lock_guard lock(state_.mu);
    state_.connections.erase(this);
    if (busy_) --state_.busy;
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
    parser_->header_limit(static_cast<std::uint32_t>(o.max_header_bytes));
    parser_->body_limit(static_cast<std::uint64_t>(o.max_body_bytes));
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
    if (beast::iequals(msg[bhttp::field::expect], "100-continue") && !parser_->is_done()) {
      auto cont = std::make_shared<bhttp::response<bhttp::empty_body>>(bhttp::status::continue_, 11);
      return bhttp::async_write(stream_, *cont,
                                [self = this->shared_from_this(), cont](beast::error_code ec2, std::size_t) {
                                  if (ec2) return self->close();
                                  self->read_body();
                                });
    }
    read_body();
  }

  void read_body() {
    bhttp::async_read(stream_, buffer_, *parser_,
                      [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                        if (ec) return self->on_read_error(ec);
                        self->handle_request();
                      });
  }

  void on_read_error(beast::error_code ec) {
    if (ec == bhttp::error::header_limit) {
      return fail(431, "headers-too-large", "Request header fields too large",
                  "the request header block exceeds " +
                      std::to_string(state_.options.max_header_bytes) + " bytes");
    }
    if (ec == bhttp::error::body_limit) {
      return fail(413, "payload-too-large", "Payload too large",
                  "the request body exceeds " + std::to_string(state_.options.max_body_bytes) +
                      " bytes");
    }
    if (is_parse_error(ec)) {
      return fail(400, "bad-request", "Bad request", "malformed HTTP request: " + ec.message());
    }
    close();  // timeout, reset or end of stream: nobody to answer
  }

  void handle_request() {
    auto msg = parser_->release();
    req_ = Request{};
    req_.method = std::string(msg.method_string());
    req_.target = std::string(msg.target());
    for (const auto& field : msg) {
      auto& slot = req_.headers[core::ascii_lower(field.name_string())];
      slot = slot.empty() ? std::string(field.value()) : slot + ", " + std::string(field.value());
    }
    req_.body = std::move(msg.body());
    req_.remote_ip = remote_ip_;
    req_.request_id = assign_request_id(req_.header("x-request-id"));
    keep_alive_ = msg.keep_alive();
    http10_ = msg.version() < 11;

    if (!decode_target(req_)) {
      req_.path = req_.target;
      Response res = transport_problem(400, "bad-request", "Bad request",
                                       "the request target is not a valid path", req_.request_id);
      keep_alive_ = false;
      return send(std::move(res));
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
    const auto& partial = parser_->get();
    req_ = Request{};
    req_.method = std::string(partial.method_string());
    req_.target = std::string(partial.target());
    req_.path = req_.target.substr(0, req_.target.find('?'));
    req_.remote_ip = remote_ip_;
    req_.request_id = assign_request_id(partial["X-Request-Id"]);
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
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  std::string remote_ip_;
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
  if (state.tls)
    std::make_shared<Session<TlsStream>>(std::move(socket), state)->start();
  else
    std::make_shared<Session<beast::tcp_stream>>(std::move(socket), state)->start();
}

}  // namespace churnwatch::http

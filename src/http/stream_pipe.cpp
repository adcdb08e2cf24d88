#include "http/stream_pipe.hpp"

#include <spdlog/spdlog.h>

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>

namespace churnwatch::http {
namespace {

constexpr std::size_t kMaxQueued = 8;

struct Pipe {
  std::mutex mu;
  std::condition_variable cv;
  std::deque<std::string> queue;
  bool done = false;
  bool cancelled = false;
  Producer producer;
  std::thread thread;

  ~Pipe() {
    {
      std::lock_guard lock(mu);
      cancelled = true;
    }
    cv.notify_all();
    if (thread.joinable()) thread.join();
  }

  void start() {
    thread = std::thread([this] {
      Sink sink = [this](std::string_view piece) {
        std::unique_lock lock(mu);
        cv.wait(lock, [this] { return cancelled || queue.size() < kMaxQueued; });
        if (cancelled) return false;
        queue.emplace_back(piece);
        cv.notify_all();
        return true;
      };
      try {
        producer(sink);
      } catch (const std::exception& e) {
        // Headers are already sent; the truncated stream is all we can say.
        spdlog::error("streamed response failed: {}", e.what());
      }
      std::lock_guard lock(mu);
      done = true;
      cv.notify_all();
    });
  }
};

}  // namespace

std::function<bool(std::string&)> pipe_stream(Producer producer) {
  auto pipe = std::make_shared<Pipe>();
  pipe->producer = std::move(producer);
  return [pipe](std::string& out) {
    if (!pipe->thread.joinable()) pipe->start();
    std::unique_lock lock(pipe->mu);
    pipe->cv.wait(lock, [&] { return pipe->done || !pipe->queue.empty(); });
    if (pipe->queue.empty()) return false;
    out += pipe->queue.front();
    pipe->queue.pop_front();
    pipe->cv.notify_all();
    return !(pipe->done && pipe->queue.empty());
  };
}

}  // namespace churnwatch::http

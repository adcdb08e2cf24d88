// Adapts a producer that pushes pieces into a sink (like
// services::export_customers) to Response::stream, which pulls: the producer
// runs on its own thread and hands pieces over through a small bounded queue,
// so a 1M-row export never sits in memory whole.
#pragma once

#include <functional>
#include <string>
#include <string_view>

namespace churnwatch::http {

using Sink = std::function<bool(std::string_view)>;
using Producer = std::function<void(const Sink&)>;

// The producer starts on the first pull. If the response is dropped early
// (client gone), the sink starts returning false and the thread is joined.
std::function<bool(std::string&)> pipe_stream(Producer producer);

}  // namespace churnwatch::http

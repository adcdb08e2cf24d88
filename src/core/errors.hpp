// Typed errors thrown inside churnwatch. The HTTP layer maps each kind to a
// status and an RFC 9457 problem document in exactly one place
// (http/problem.cpp); the CLI maps them to exit codes.
#pragma once

#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace churnwatch::core {

// One problem with one input value: which field, and where in a file when
// the input came from one (1-based line and column).
struct FieldError {
  std::string field;
  std::string message;
  std::optional<long> line;
  std::optional<long> column;
};

enum class ErrorKind {
  kInvalid,       // the input is wrong; `errors` says where
  kNotFound,      // the thing named does not exist
  kConflict,      // the request clashes with current state (duplicate id, ...)
  kUnauthorized,  // no or bad credentials
  kForbidden,     // credentials fine, permission missing
  kTooLarge,      // body or batch beyond a configured limit
  kRateLimited,   // too many requests; retry later
  kUnavailable,   // a dependency is down; retry later
};

class Error : public std::runtime_error {
 public:
  Error(ErrorKind kind, std::string detail, std::vector<FieldError> errors = {})
      : std::runtime_error(std::move(detail)), kind_(kind), errors_(std::move(errors)) {}
  ErrorKind kind() const { return kind_; }
  const std::vector<FieldError>& errors() const { return errors_; }

 private:
  ErrorKind kind_;
  std::vector<FieldError> errors_;
};

struct Invalid : Error {
  explicit Invalid(std::string detail, std::vector<FieldError> errors = {})
      : Error(ErrorKind::kInvalid, std::move(detail), std::move(errors)) {}
};
struct NotFound : Error {
  explicit NotFound(std::string detail) : Error(ErrorKind::kNotFound, std::move(detail)) {}
};
struct Conflict : Error {
  explicit Conflict(std::string detail, std::vector<FieldError> errors = {})
      : Error(ErrorKind::kConflict, std::move(detail), std::move(errors)) {}
};
struct Unauthorized : Error {
  explicit Unauthorized(std::string detail) : Error(ErrorKind::kUnauthorized, std::move(detail)) {}
};
struct Forbidden : Error {
  explicit Forbidden(std::string detail) : Error(ErrorKind::kForbidden, std::move(detail)) {}
};
struct TooLarge : Error {
  explicit TooLarge(std::string detail) : Error(ErrorKind::kTooLarge, std::move(detail)) {}
};
struct RateLimited : Error {
  RateLimited(std::string detail, int retry_after_seconds)
      : Error(ErrorKind::kRateLimited, std::move(detail)), retry_after(retry_after_seconds) {}
  int retry_after;
};
struct Unavailable : Error {
  explicit Unavailable(std::string detail) : Error(ErrorKind::kUnavailable, std::move(detail)) {}
};

}  // namespace churnwatch::core

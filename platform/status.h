// Status and Result<T>: errors as values, shared by every layer (platform,
// quant, core, C API). It lives in the lowest layer so nothing below the C API
// needs exceptions or abort() for bad input. Contract: an OK Status carries no
// message and allocates nothing; an error Status owns its message (allocation
// happens only on the error path).
#ifndef EDGEMMA_PLATFORM_STATUS_H_
#define EDGEMMA_PLATFORM_STATUS_H_

#include <cassert>
#include <optional>
#include <string>
#include <utility>

namespace edgemma {

// Values match `edgemma_status` in include/edgemma.h (keep them in sync).
enum class StatusCode : int {
  kOk = 0,
  kInvalidArgument = 1,  // bad parameter or value from the caller
  kNotFound = 2,         // missing file, tensor, key or device
  kIoError = 3,          // read/write/mmap failure, disk full
  kCorrupt = 4,          // malformed or truncated file
  kUnsupported = 5,      // valid but not supported (dtype, architecture, CPU)
  kOutOfMemory = 6,      // allocation failed
  kArenaFull = 7,        // a fixed arena would overflow
  kContextFull = 8,      // the session's context length is exhausted
  kCancelled = 9,        // stopped by the caller (callback, Ctrl-C)
  kInternal = 10,        // a bug: should never reach users
};

const char* StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message)
      : code_(code), message_(std::move(message)) {}
  static Status Ok() { return Status(); }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // "<CodeName>: <message>" for logs and CLI errors.
  std::string ToString() const;

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

inline Status InvalidArgument(std::string m) {
  return Status(StatusCode::kInvalidArgument, std::move(m));
}
inline Status NotFound(std::string m) {
  return Status(StatusCode::kNotFound, std::move(m));
}
inline Status IoError(std::string m) {
  return Status(StatusCode::kIoError, std::move(m));
}
inline Status Corrupt(std::string m) {
  return Status(StatusCode::kCorrupt, std::move(m));
}
inline Status Unsupported(std::string m) {
  return Status(StatusCode::kUnsupported, std::move(m));
}
inline Status OutOfMemory(std::string m) {
  return Status(StatusCode::kOutOfMemory, std::move(m));
}
inline Status ArenaFull(std::string m) {
  return Status(StatusCode::kArenaFull, std::move(m));
}
inline Status ContextFull(std::string m) {
  return Status(StatusCode::kContextFull, std::move(m));
}
inline Status Cancelled(std::string m) {
  return Status(StatusCode::kCancelled, std::move(m));
}
inline Status Internal(std::string m) {
  return Status(StatusCode::kInternal, std::move(m));
}

// A value or an error. Access to value() on an error is a programmer error
// (asserts).
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : status_(std::move(status)) {  // NOLINT
    assert(!status_.ok() && "Result built from an OK status without a value");
  }
  bool ok() const { return status_.ok(); }
  const Status& status() const { return status_; }
  T& value() & {
    assert(ok());
    return *value_;
  }
  const T& value() const& {
    assert(ok());
    return *value_;
  }
  T&& value() && {
    assert(ok());
    return std::move(*value_);
  }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }

 private:
  Status status_;
  std::optional<T> value_;
};

#define EDGEMMA_CONCAT_INNER_(a, b) a##b
#define EDGEMMA_CONCAT_(a, b) EDGEMMA_CONCAT_INNER_(a, b)

// Returns the Status from the enclosing function if `expr` is not OK.
#define EM_RETURN_IF_ERROR(expr)             \
  do {                                       \
    ::edgemma::Status em_status_ = (expr);   \
    if (!em_status_.ok()) return em_status_; \
  } while (0)

// `EM_ASSIGN_OR_RETURN(auto x, MakeX());` declares x from a Result or returns
// its Status.
#define EM_ASSIGN_OR_RETURN(lhs, expr) \
  EM_ASSIGN_OR_RETURN_IMPL_(EDGEMMA_CONCAT_(em_result_, __LINE__), lhs, expr)
#define EM_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                              \
  if (!tmp.ok()) return tmp.status();             \
  lhs = std::move(tmp).value()

}  // namespace edgemma

#endif  // EDGEMMA_PLATFORM_STATUS_H_

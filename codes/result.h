// Result<T>: the value of an operation that can fail in an expected way
// (bad input, missing file, peer down). Failures carry an Error with a stable
// code and a message for people. Exceptions are kept for start-up and
// coroutine boundaries; assertions for bugs.
#pragma once

#include <cassert>
#include <string>
#include <utility>
#include <variant>

namespace xf {

enum class Errc {
  kInvalidArgument,  // the caller's input is malformed
  kNotFound,         // a named thing does not exist
  kAlreadyExists,    // a unique thing exists already
  kCorruption,       // stored or received bytes are inconsistent
  kIo,               // the operating system refused (disk, socket)
  kPermission,       // authentication or authorisation failed
  kUnavailable,      // a peer or resource is not reachable now
  kLimit,            // a size or count bound was exceeded
  kInternal,         // a bug or an unexpected library failure
};

const char* ErrcName(Errc c);

struct Error {
  Errc code = Errc::kInternal;
  std::string message;
};

inline Error MakeError(Errc c, std::string message) { return Error{c, std::move(message)}; }

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : m_v(std::move(value)) {}  // NOLINT: implicit by design
  Result(Error error) : m_v(std::move(error)) {}  // NOLINT

  bool ok() const { return m_v.index() == 0; }
  explicit operator bool() const { return ok(); }

  // REQUIRES: ok()
  T& value() & { assert(ok()); return std::get<0>(m_v); }
  const T& value() const& { assert(ok()); return std::get<0>(m_v); }
  T&& value() && { assert(ok()); return std::get<0>(std::move(m_v)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  // REQUIRES: !ok()
  const Error& error() const { assert(!ok()); return std::get<1>(m_v); }

 private:
  std::variant<T, Error> m_v;
};

// Result<void>: success or an Error.
template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : m_error(std::move(error)), m_ok(false) {}  // NOLINT
  bool ok() const { return m_ok; }
  explicit operator bool() const { return m_ok; }
  const Error& error() const { assert(!m_ok); return m_error; }

 private:
  Error m_error;
  bool m_ok = true;
};

using Status = Result<void>;

}  // namespace xf

// Result<T>: a value or an Error. Expected failures (bad input, bad knowledge files) travel
// as values; exceptions are reserved for programming errors.
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace khe {

// An expected failure. `where` names the resource and JSON path (or file and field) so a
// person can find the offending input; `message` says what is wrong in plain words.
struct Error {
  std::string where;
  std::string message;

  std::string to_string() const { return where.empty() ? message : where + ": " + message; }
};

template <typename T>
class Result {
 public:
  Result(T value) : v_(std::move(value)) {}      // NOLINT(google-explicit-constructor)
  Result(Error error) : v_(std::move(error)) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return std::holds_alternative<T>(v_); }
  explicit operator bool() const { return ok(); }

  // Precondition: ok().
  const T& value() const& { return std::get<T>(v_); }
  T& value() & { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  const T& operator*() const& { return value(); }
  const T* operator->() const { return &value(); }

  // Precondition: !ok().
  const Error& error() const { return std::get<Error>(v_); }

 private:
  std::variant<T, Error> v_;
};

}  // namespace khe

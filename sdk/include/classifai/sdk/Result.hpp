// Failure as a value: what every plugin-implemented method returns.
#pragma once

#include "classifai/sdk/Visibility.hpp"

#include <optional>
#include <string>
#include <utility>

namespace classifai::sdk {

/// What kind of failure an Error is; the kernel maps it to a reply.
enum class ErrorKind {
    InvalidInput, ///< The caller's data is wrong (the message names the field and the rule).
    Unavailable,  ///< The capability cannot run here (missing tool, no display).
    Cancelled,    ///< A person cancelled (a dialog closed without a choice).
    NotFound,     ///< Something named does not exist (a file, an image).
    Internal      ///< Anything else; the message says what failed.
};

/// A failure: its kind and a message meant for a person.
struct Error {
    ErrorKind kind = ErrorKind::Internal;
    std::string message;
};

/// Either a value or an Error. Plain value type; not thread-safe to mutate concurrently.
template <typename T>
class Result {
public:
    Result(T value) : _value(std::move(value)) {}
    Result(Error error) : _error(std::move(error)) {}

    /// True when a value is held.
    bool ok() const { return _value.has_value(); }
    explicit operator bool() const { return ok(); }
    /// The value; only valid when ok().
    const T& value() const& { return *_value; }
    T& value() & { return *_value; }
    T&& value() && { return std::move(*_value); }
    /// The error; only valid when !ok().
    const Error& error() const { return *_error; }

private:
    std::optional<T> _value;
    std::optional<Error> _error;
};

/// Success without a value, or an Error.
template <>
class Result<void> {
public:
    Result() = default;
    Result(Error error) : _error(std::move(error)) {}

    bool ok() const { return !_error.has_value(); }
    explicit operator bool() const { return ok(); }
    const Error& error() const { return *_error; }

private:
    std::optional<Error> _error;
};

/// Shorthand for building an Error.
inline Error fail(ErrorKind kind, std::string message) {
    return Error{kind, std::move(message)};
}

} // namespace classifai::sdk

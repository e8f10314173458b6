// A service result: a value, or the failure the client is told about.
#pragma once

#include <optional>
#include <string>
#include <utility>

namespace classifai {

/// An expected failure. `malformed` marks a request that is wrong in itself (answered with a
/// 4xx status); everything else is a domain outcome (HTTP 200, "message": 0).
struct Failure {
    std::string message;
    int code = 1;
    bool malformed = false;
};

/// Either a value or a Failure. Plain value type.
template <typename T>
class Outcome {
public:
    Outcome(T value) : _value(std::move(value)) {}
    Outcome(Failure failure) : _failure(std::move(failure)) {}

    bool ok() const { return _value.has_value(); }
    const T& value() const { return *_value; }
    T& value() { return *_value; }
    const Failure& failure() const { return *_failure; }

private:
    std::optional<T> _value;
    std::optional<Failure> _failure;
};

} // namespace classifai

// An error that maps straight to an HTTP status and a classifai error envelope.
#pragma once

#include <stdexcept>
#include <string>

namespace classifai {

/// Thrown at the request edge for malformed requests (bad JSON, wrong types, oversized bodies).
/// Caught once by the request handler, which answers with the classifai error envelope.
class HttpError : public std::runtime_error {
public:
    HttpError(int status, std::string message, int errorCode = 1)
        : std::runtime_error(std::move(message)), _status(status), _errorCode(errorCode) {}

    int status() const { return _status; }
    int errorCode() const { return _errorCode; }

private:
    int _status;
    int _errorCode;
};

} // namespace classifai

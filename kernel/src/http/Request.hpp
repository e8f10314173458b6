// One incoming request as route handlers see it: path parameters and a size-limited body.
#pragma once

#include <Poco/JSON/Object.h>

#include <map>
#include <optional>
#include <string>

namespace Poco::Net {
class HTTPServerRequest;
}

namespace classifai {

/// Wraps a Poco request with the matched path parameters and lazy, bounded body reading.
/// Not thread-safe (one request, one thread).
class Request {
public:
    Request(Poco::Net::HTTPServerRequest& request, std::size_t maxBodyBytes)
        : _request(request), _maxBodyBytes(maxBodyBytes) {}

    Poco::Net::HTTPServerRequest& http() { return _request; }
    const std::string& method() const;

    /// A path parameter (percent-decoded); throws HttpError 400 when absent.
    const std::string& param(const std::string& name) const;
    void setParams(std::map<std::string, std::string> params) { _params = std::move(params); }

    /// The whole body, read once. Throws HttpError 413 when larger than the limit.
    const std::string& body();
    /// The body as a JSON object. An empty body is an empty object. Throws HttpError 400 when
    /// the body is not JSON or not an object.
    Poco::JSON::Object::Ptr jsonObject();

private:
    Poco::Net::HTTPServerRequest& _request;
    std::size_t _maxBodyBytes;
    std::map<std::string, std::string> _params;
    std::optional<std::string> _body;
};

/// Reads a field of a JSON body with a type check; the HttpError names the field and the rule.
std::string requireString(const Poco::JSON::Object::Ptr& body, const std::string& field);
std::optional<std::string> optionalString(const Poco::JSON::Object::Ptr& body,
                                          const std::string& field);
std::optional<bool> optionalBool(const Poco::JSON::Object::Ptr& body, const std::string& field);

} // namespace classifai

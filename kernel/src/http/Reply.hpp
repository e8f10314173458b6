// The one way to answer a request: every classifai envelope is written here.
#pragma once

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

#include <string>
#include <vector>

namespace Poco::Net {
class HTTPServerResponse;
}

namespace classifai {

/// Writes classifai JSON envelopes to one response.
///
/// Success: `{"message":1}` or `{"message":1, ...fields}`. Failure:
/// `{"message":0,"error_code":N,"error_message":"...","errorCode":N,"errorMessage":"..."}` (both
/// spellings, as the V2 document and the reference server use them). Domain failures keep HTTP
/// 200; malformed requests use a 4xx status with the same envelope. Not thread-safe (one
/// response, one thread).
class Reply {
public:
    explicit Reply(Poco::Net::HTTPServerResponse& response) : _response(response) {}

    /// A JSON object that keeps its keys in insertion order, as the front-end's wire format does.
    static Poco::JSON::Object::Ptr object();
    /// A JSON array of strings, in order.
    static Poco::JSON::Array::Ptr array(const std::vector<std::string>& items);
    /// An object that already starts with `"message": <message>`.
    static Poco::JSON::Object::Ptr envelope(int message = 1);

    /// `{"message":1}`.
    void ok();
    /// `{"message":1,"content":<content>}`.
    void content(const Poco::Dynamic::Var& content);
    /// Any JSON object, as given (callers build it from envelope()).
    void json(const Poco::JSON::Object::Ptr& body, int httpStatus = 200);
    /// The failure envelope; `fields` (optional) are appended after the error keys.
    void fail(const std::string& message, int errorCode = 1, int httpStatus = 200,
              const Poco::JSON::Object::Ptr& fields = nullptr);
    /// Raw bytes with a content type (images, files).
    void bytes(const std::string& contentType, const std::string& data, int httpStatus = 200);
    /// An empty answer with a status (CORS preflight).
    void empty(int httpStatus);

    /// Whether a body was already sent.
    bool sent() const { return _sent; }
    Poco::Net::HTTPServerResponse& response() { return _response; }

private:
    void send(int httpStatus, const std::string& contentType, const std::string& body);

    Poco::Net::HTTPServerResponse& _response;
    bool _sent = false;
};

} // namespace classifai

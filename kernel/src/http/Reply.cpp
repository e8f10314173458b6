#include "http/Reply.hpp"

#include <Poco/JSON/Stringifier.h>
#include <Poco/Net/HTTPServerResponse.h>

#include <sstream>

namespace classifai {

Poco::JSON::Object::Ptr Reply::object() {
    return new Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER);
}

Poco::JSON::Array::Ptr Reply::array(const std::vector<std::string>& items) {
    Poco::JSON::Array::Ptr array = new Poco::JSON::Array;
    for (const auto& item : items) {
        array->add(item);
    }
    return array;
}

Poco::JSON::Object::Ptr Reply::envelope(int message) {
    auto body = object();
    body->set("message", message);
    return body;
}

void Reply::ok() {
    json(envelope(1));
}

void Reply::content(const Poco::Dynamic::Var& content) {
    auto body = envelope(1);
    body->set("content", content);
    json(body);
}

void Reply::json(const Poco::JSON::Object::Ptr& body, int httpStatus) {
    std::ostringstream out;
    Poco::JSON::Stringifier::condense(body, out);
    send(httpStatus, "application/json; charset=utf-8", out.str());
}

void Reply::fail(const std::string& message, int errorCode, int httpStatus,
                 const Poco::JSON::Object::Ptr& fields) {
    auto body = envelope(0);
    body->set("error_code", errorCode);
    body->set("error_message", message);
    body->set("errorCode", errorCode);
    body->set("errorMessage", message);
    if (fields) {
        for (const auto& name : fields->getNames()) {
            body->set(name, fields->get(name));
        }
    }
    json(body, httpStatus);
}

void Reply::bytes(const std::string& contentType, const std::string& data, int httpStatus) {
    send(httpStatus, contentType, data);
}

void Reply::empty(int httpStatus) {
    _response.setStatus(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(httpStatus));
    _response.setContentLength(0);
    _response.send().flush();
    _sent = true;
}

void Reply::send(int httpStatus, const std::string& contentType, const std::string& body) {
    _response.setStatus(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(httpStatus));
    _response.setContentType(contentType);
    _response.setContentLength(static_cast<std::streamsize>(body.size()));
    _response.set("Cache-Control", "no-store");
    _response.send().write(body.data(), static_cast<std::streamsize>(body.size())).flush();
    _sent = true;
}

} // namespace classifai

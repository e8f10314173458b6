#include "http/Request.hpp"

#include "http/HttpError.hpp"

#include <Poco/JSON/JSONException.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Net/HTTPServerRequest.h>

#include <fmt/format.h>

namespace classifai {

const std::string& Request::method() const {
    return _request.getMethod();
}

const std::string& Request::param(const std::string& name) const {
    auto found = _params.find(name);
    if (found == _params.end()) {
        throw HttpError(400, fmt::format("Missing path parameter '{}'", name));
    }
    return found->second;
}

const std::string& Request::body() {
    if (_body) {
        return *_body;
    }
    if (_request.hasContentLength() &&
        _request.getContentLength64() > static_cast<Poco::Int64>(_maxBodyBytes)) {
        throw HttpError(413, fmt::format("Request body of {} bytes exceeds the limit of {} bytes",
                                         _request.getContentLength64(), _maxBodyBytes));
    }
    std::string data;
    auto& in = _request.stream();
    char buffer[65536];
    while (in) {
        in.read(buffer, sizeof buffer);
        auto got = static_cast<std::size_t>(in.gcount());
        if (got == 0) {
            break;
        }
        if (data.size() + got > _maxBodyBytes) {
            throw HttpError(
                413, fmt::format("Request body exceeds the limit of {} bytes", _maxBodyBytes));
        }
        data.append(buffer, got);
    }
    _body = std::move(data);
    return *_body;
}

Poco::JSON::Object::Ptr Request::jsonObject() {
    const auto& text = body();
    if (text.find_first_not_of(" \t\r\n") == std::string::npos) {
        return new Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER);
    }
    Poco::Dynamic::Var parsed;
    try {
        Poco::JSON::Parser parser;
        parsed = parser.parse(text);
    } catch (const Poco::Exception& error) {
        throw HttpError(400, fmt::format("Request body is not valid JSON: {}", error.message()));
    }
    if (parsed.type() != typeid(Poco::JSON::Object::Ptr)) {
        throw HttpError(400, "Request body must be a JSON object");
    }
    return parsed.extract<Poco::JSON::Object::Ptr>();
}

std::optional<std::string> optionalString(const Poco::JSON::Object::Ptr& body,
                                          const std::string& field) {
    if (!body->has(field) || body->isNull(field)) {
        return std::nullopt;
    }
    auto value = body->get(field);
    if (!value.isString()) {
        throw HttpError(400, fmt::format("Field '{}' must be a string", field));
    }
    return value.extract<std::string>();
}

std::string requireString(const Poco::JSON::Object::Ptr& body, const std::string& field) {
    auto value = optionalString(body, field);
    if (!value) {
        throw HttpError(400, fmt::format("Field '{}' is required", field));
    }
    return *value;
}

std::optional<bool> optionalBool(const Poco::JSON::Object::Ptr& body, const std::string& field) {
    if (!body->has(field) || body->isNull(field)) {
        return std::nullopt;
    }
    auto value = body->get(field);
    if (value.type() != typeid(bool)) {
        throw HttpError(400, fmt::format("Field '{}' must be true or false", field));
    }
    return value.extract<bool>();
}

} // namespace classifai

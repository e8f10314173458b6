#include "http/Guard.hpp"

#include "app/Settings.hpp"
#include "http/Reply.hpp"

#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/String.h>

#include <fmt/format.h>

namespace classifai {

namespace {

constexpr const char* kAllowedMethods = "GET, PUT, POST, DELETE, OPTIONS";
constexpr const char* kAllowedHeaders =
    "Content-Type, Authorization, Cache-Control, Pragma, Access-Control-Allow-Method, "
    "Access-Control-Allow-Origin";

// Constant-time comparison so the token cannot be guessed byte by byte from response times.
bool sameSecret(const std::string& a, const std::string& b) {
    unsigned char diff = a.size() == b.size() ? 0 : 1;
    for (std::size_t i = 0; i < a.size(); ++i) {
        diff |= static_cast<unsigned char>(a[i] ^ b[i % (b.empty() ? 1 : b.size())]);
    }
    return diff == 0 && !b.empty();
}

} // namespace

Guard::Guard(const Settings& settings, int boundPort) : _port(boundPort) {
    _hosts = {"localhost", "127.0.0.1", "[::1]"};
    if (!settings.loopbackOnly() && settings.bindAddress != "0.0.0.0" &&
        settings.bindAddress != "::") {
        _hosts.insert(Poco::toLower(settings.bindAddress));
    }
    for (const auto& host : settings.allowedHosts) {
        _hosts.insert(Poco::toLower(host));
    }
    for (const char* host : {"localhost", "127.0.0.1", "[::1]"}) {
        _origins.insert(fmt::format("http://{}:{}", host, boundPort));
    }
    for (const auto& host : settings.allowedHosts) {
        _origins.insert(fmt::format("http://{}:{}", Poco::toLower(host), boundPort));
    }
    for (const auto& origin : settings.corsOrigins) {
        _origins.insert(Poco::toLower(origin));
    }
    _token = settings.accessToken;
}

bool Guard::hostAllowed(const std::string& hostHeader) const {
    auto host = Poco::toLower(hostHeader);
    std::string port;
    auto colon = host.rfind(':');
    auto bracket = host.rfind(']');
    if (colon != std::string::npos && (bracket == std::string::npos || colon > bracket)) {
        port = host.substr(colon + 1);
        host = host.substr(0, colon);
    }
    if (!port.empty() && port != std::to_string(_port)) {
        return false;
    }
    return _hosts.count(host) > 0;
}

bool Guard::originAllowed(const std::string& origin) const {
    return _origins.count(Poco::toLower(origin)) > 0;
}

bool Guard::tokenPresented(const Poco::Net::HTTPServerRequest& request) const {
    const auto& header = request.get("Authorization", "");
    const std::string prefix = "Bearer ";
    if (header.size() <= prefix.size() || Poco::icompare(header.substr(0, 7), prefix) != 0) {
        return false;
    }
    return sameSecret(header.substr(prefix.size()), _token);
}

bool Guard::admit(Poco::Net::HTTPServerRequest& request, Reply& reply) const {
    if (request.has("Host") && !hostAllowed(request.getHost())) {
        reply.fail(fmt::format("Host '{}' is not served here (set http.allowedHosts to admit it)",
                               request.getHost()),
                   1, 403);
        return false;
    }
    const bool hasOrigin = request.has("Origin");
    if (hasOrigin && !originAllowed(request.get("Origin"))) {
        reply.fail(fmt::format("Origin '{}' is not allowed (set http.cors.origins to admit it)",
                               request.get("Origin")),
                   1, 403);
        return false;
    }
    if (request.getMethod() == "OPTIONS") {
        auto& response = reply.response();
        addCorsHeaders(request, response);
        response.set("Access-Control-Allow-Methods", kAllowedMethods);
        response.set("Access-Control-Allow-Headers", kAllowedHeaders);
        response.set("Access-Control-Max-Age", "600");
        response.set("Allow", kAllowedMethods);
        reply.empty(204);
        return false;
    }
    if (!_token.empty() && !tokenPresented(request)) {
        reply.response().set("WWW-Authenticate", "Bearer");
        reply.fail("An access token is required: send 'Authorization: Bearer <http.token>'", 1,
                   401);
        return false;
    }
    return true;
}

void Guard::addCorsHeaders(const Poco::Net::HTTPServerRequest& request,
                           Poco::Net::HTTPServerResponse& response) const {
    if (request.has("Origin") && originAllowed(request.get("Origin"))) {
        response.set("Access-Control-Allow-Origin", request.get("Origin"));
        response.set("Vary", "Origin");
    }
}

} // namespace classifai

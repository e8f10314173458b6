// Method + path table with `{name}` segments; literal segments win over parameters.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

namespace classifai {

class Request;
class Reply;

/// A route handler: parse, call a service, reply.
using Handler = std::function<void(Request&, Reply&)>;

/// Built once at start-up, then read-only (safe to match from any thread).
class Router {
public:
    enum class Outcome { Found, NotFound, MethodNotAllowed };

    struct Match {
        Outcome outcome = Outcome::NotFound;
        const Handler* handler = nullptr;
        std::map<std::string, std::string> params; ///< percent-decoded
        std::vector<std::string> allowedMethods;   ///< for MethodNotAllowed
    };

    /// Adds a route. `pattern` is a '/'-separated path; a segment `{name}` matches any one
    /// non-empty segment. Throws std::invalid_argument for a duplicate (method, pattern).
    void add(const std::string& method, const std::string& pattern, Handler handler);

    /// Finds the route for a request path (without query string). Among matching patterns the
    /// one with a literal segment at the first position where they differ wins, so
    /// `/v2/{type}/projects/importstatus` beats `/v2/{type}/projects/{name}`.
    Match match(const std::string& method, const std::string& path) const;

    /// Splits a path into percent-decoded segments; false when the encoding is invalid.
    static bool splitPath(const std::string& path, std::vector<std::string>& segments);

private:
    struct Route {
        std::string method;
        std::string pattern;
        std::vector<std::string> segments; // literal text, or the parameter name
        std::vector<bool> isParam;
        Handler handler;
    };

    static bool matches(const Route& route, const std::vector<std::string>& segments);
    static bool moreSpecific(const Route& a, const Route& b);

    std::vector<Route> _routes;
};

} // namespace classifai

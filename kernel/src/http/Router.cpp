#include "http/Router.hpp"

#include <Poco/URI.h>

#include <stdexcept>

namespace classifai {

bool Router::splitPath(const std::string& path, std::vector<std::string>& segments) {
    segments.clear();
    std::size_t start = 0;
    while (start <= path.size()) {
        auto end = path.find('/', start);
        if (end == std::string::npos) {
            end = path.size();
        }
        if (end > start) {
            std::string decoded;
            try {
                Poco::URI::decode(path.substr(start, end - start), decoded);
            } catch (const std::exception&) {
                return false;
            }
            segments.push_back(std::move(decoded));
        }
        start = end + 1;
    }
    return true;
}

void Router::add(const std::string& method, const std::string& pattern, Handler handler) {
    Route route{method, pattern, {}, {}, std::move(handler)};
    std::size_t start = 0;
    while (start <= pattern.size()) {
        auto end = pattern.find('/', start);
        if (end == std::string::npos) {
            end = pattern.size();
        }
        if (end > start) {
            auto segment = pattern.substr(start, end - start);
            bool param = segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
            route.segments.push_back(param ? segment.substr(1, segment.size() - 2) : segment);
            route.isParam.push_back(param);
        }
        start = end + 1;
    }
    for (const auto& existing : _routes) {
        bool sameShape = existing.method == method && existing.isParam == route.isParam;
        for (std::size_t i = 0; sameShape && i < route.segments.size(); ++i) {
            sameShape = route.isParam[i] || existing.segments[i] == route.segments[i];
        }
        if (sameShape) {
            throw std::invalid_argument("duplicate route " + method + " " + pattern);
        }
    }
    _routes.push_back(std::move(route));
}

bool Router::matches(const Route& route, const std::vector<std::string>& segments) {
    if (route.segments.size() != segments.size()) {
        return false;
    }
    for (std::size_t i = 0; i < segments.size(); ++i) {
        if (!route.isParam[i] && route.segments[i] != segments[i]) {
            return false;
        }
    }
    return true;
}

bool Router::moreSpecific(const Route& a, const Route& b) {
    for (std::size_t i = 0; i < a.isParam.size() && i < b.isParam.size(); ++i) {
        if (a.isParam[i] != b.isParam[i]) {
            return !a.isParam[i];
        }
    }
    return false;
}

Router::Match Router::match(const std::string& method, const std::string& path) const {
    Match result;
    std::vector<std::string> segments;
    if (!splitPath(path, segments)) {
        return result;
    }
    // Among the routes for this method, the most specific pattern wins. Only when no route of
    // this method matches is it "method not allowed", listing the methods that would.
    const Route* best = nullptr;
    for (const auto& route : _routes) {
        if (!matches(route, segments)) {
            continue;
        }
        if (route.method != method) {
            result.allowedMethods.push_back(route.method);
        } else if (!best || moreSpecific(route, *best)) {
            best = &route;
        }
    }
    if (best) {
        result.outcome = Outcome::Found;
        result.handler = &best->handler;
        result.allowedMethods.clear();
        for (std::size_t i = 0; i < segments.size(); ++i) {
            if (best->isParam[i]) {
                result.params[best->segments[i]] = segments[i];
            }
        }
    } else if (!result.allowedMethods.empty()) {
        result.outcome = Outcome::MethodNotAllowed;
    }
    return result;
}

} // namespace classifai

// Turns every request into a routed call that always ends in a JSON reply.
#pragma once

#include <Poco/Net/HTTPRequestHandlerFactory.h>

#include <cstddef>

namespace classifai {

class Guard;
class Router;
class StaticFiles;

/// Never returns null (Poco would answer 501): every request gets the same handler, which runs
/// the guard, routes, calls the route handler and catches everything once, at this boundary.
class RequestHandlerFactory : public Poco::Net::HTTPRequestHandlerFactory {
public:
    /// `staticFiles` (optional, outliving the factory) answers GET/HEAD requests no route takes.
    RequestHandlerFactory(const Router& router, const Guard& guard, std::size_t maxBodyBytes,
                          const StaticFiles* staticFiles = nullptr)
        : _router(router), _guard(guard), _maxBodyBytes(maxBodyBytes), _staticFiles(staticFiles) {}

    Poco::Net::HTTPRequestHandler*
    createRequestHandler(const Poco::Net::HTTPServerRequest& request) override;

private:
    const Router& _router;
    const Guard& _guard;
    std::size_t _maxBodyBytes;
    const StaticFiles* _staticFiles = nullptr;
};

} // namespace classifai

// Turns every request into a routed call that always ends in a JSON reply.
#pragma once

#include <Poco/Net/HTTPRequestHandlerFactory.h>

#include <cstddef>

namespace classifai {

class Guard;
class Router;

/// Never returns null (Poco would answer 501): every request gets the same handler, which runs
/// the guard, routes, calls the route handler and catches everything once, at this boundary.
class RequestHandlerFactory : public Poco::Net::HTTPRequestHandlerFactory {
public:
    RequestHandlerFactory(const Router& router, const Guard& guard, std::size_t maxBodyBytes)
        : _router(router), _guard(guard), _maxBodyBytes(maxBodyBytes) {}

    Poco::Net::HTTPRequestHandler*
    createRequestHandler(const Poco::Net::HTTPServerRequest& request) override;

private:
    const Router& _router;
    const Guard& _guard;
    std::size_t _maxBodyBytes;
};

} // namespace classifai

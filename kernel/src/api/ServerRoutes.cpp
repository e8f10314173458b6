// The server's own lifecycle on the classifai API: PUT /v2/close shuts the server down.
#include "api/Routes.hpp"
#include "api/Services.hpp"
#include "http/Reply.hpp"
#include "http/Request.hpp"
#include "http/Router.hpp"

#include <Poco/Net/HTTPServerResponse.h>

namespace classifai {

void addServerRoutes(Router& router, Services& services) {
    router.add("PUT", "/v2/close", [&](Request&, Reply& reply) {
        // Answer first (on a connection that then closes), then ask for the graceful shutdown:
        // requests in flight finish, jobs stop at a safe point, the database closes cleanly.
        reply.response().setKeepAlive(false);
        reply.ok();
        if (services.requestShutdown) {
            services.requestShutdown();
        }
    });
}

} // namespace classifai

#include "http/RequestHandlerFactory.hpp"

#include "http/Guard.hpp"
#include "http/HttpError.hpp"
#include "http/Reply.hpp"
#include "http/Request.hpp"
#include "http/Router.hpp"
#include "http/StaticFiles.hpp"

#include <Poco/Logger.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/URI.h>

#include <fmt/format.h>

#include <algorithm>

namespace classifai {

namespace {

class RoutedHandler : public Poco::Net::HTTPRequestHandler {
public:
    RoutedHandler(const Router& router, const Guard& guard, std::size_t maxBodyBytes,
                  const StaticFiles* staticFiles)
        : _router(router), _guard(guard), _maxBodyBytes(maxBodyBytes), _staticFiles(staticFiles) {}

    void handleRequest(Poco::Net::HTTPServerRequest& request,
                       Poco::Net::HTTPServerResponse& response) override {
        Reply reply(response);
        try {
            if (!_guard.admit(request, reply)) {
                return;
            }
            _guard.addCorsHeaders(request, response);
            route(request, reply);
        } catch (const HttpError& error) {
            answer(reply, request, error.status(), error.errorCode(), error.what());
        } catch (const Poco::Exception& error) {
            logger().error(fmt::format("{} {} failed: {}", request.getMethod(), request.getURI(),
                                       error.displayText()));
            answer(reply, request, 500, 1, "Internal error: " + error.message());
        } catch (const std::exception& error) {
            logger().error(fmt::format("{} {} failed: {}", request.getMethod(), request.getURI(),
                                       error.what()));
            answer(reply, request, 500, 1, std::string("Internal error: ") + error.what());
        } catch (...) {
            logger().error(fmt::format("{} {} failed with an unknown exception",
                                       request.getMethod(), request.getURI()));
            answer(reply, request, 500, 1, "Internal error");
        }
        if (!reply.sent()) {
            logger().error(fmt::format("{} {}: the handler sent no reply", request.getMethod(),
                                       request.getURI()));
            reply.fail("The server produced no answer for this request", 1, 500);
        }
    }

private:
    static constexpr std::size_t kDrainLimitBytes = std::size_t{64} << 20;

    static void discard(std::istream& in, std::size_t limit) {
        char buffer[65536];
        std::size_t total = 0;
        try {
            while (in && total < limit) {
                in.read(buffer, sizeof buffer);
                if (in.gcount() <= 0) {
                    break;
                }
                total += static_cast<std::size_t>(in.gcount());
            }
        } catch (const std::exception&) {
            // A client that stops sending is no reason to fail the answer.
        }
    }

    static Poco::Logger& logger() { return Poco::Logger::get("classifai.http"); }

    /// The still-encoded path of an origin-form request target ("/a%2Fb/c?x" -> "/a%2Fb/c").
    static std::string rawPath(const std::string& target, const Poco::URI& parsed) {
        if (target.empty() || target.front() != '/') {
            return parsed.getPath(); // absolute-form: Poco has already decoded it
        }
        return target.substr(0, target.find_first_of("?#"));
    }

    void route(Poco::Net::HTTPServerRequest& request, Reply& reply) {
        Poco::URI uri;
        try {
            uri = Poco::URI(request.getURI());
        } catch (const Poco::SyntaxException&) {
            throw HttpError(400, "Malformed request URI");
        }
        // The router decodes each segment itself, so an encoded '/' (%2F) stays inside its
        // segment (a project name) instead of splitting the path.
        auto match = _router.match(request.getMethod(), rawPath(request.getURI(), uri));
        switch (match.outcome) {
        case Router::Outcome::Found: {
            Request wrapped(request, _maxBodyBytes);
            wrapped.setParams(std::move(match.params));
            (*match.handler)(wrapped, reply);
            return;
        }
        case Router::Outcome::MethodNotAllowed: {
            auto& methods = match.allowedMethods;
            std::sort(methods.begin(), methods.end());
            methods.erase(std::unique(methods.begin(), methods.end()), methods.end());
            std::string allow;
            for (const auto& method : methods) {
                allow += (allow.empty() ? "" : ", ") + method;
            }
            reply.response().set("Allow", allow);
            throw HttpError(405, fmt::format("Method {} is not allowed on {} (allowed: {})",
                                             request.getMethod(), uri.getPath(), allow));
        }
        case Router::Outcome::NotFound:
            // API routes first; then the web front-end's files, if a webroot is served.
            if (_staticFiles && _staticFiles->serve(request, uri.getPath(), reply)) {
                return;
            }
            break;
        }
        throw HttpError(404, fmt::format("No route for {} {}", request.getMethod(), uri.getPath()));
    }

    static void answer(Reply& reply, Poco::Net::HTTPServerRequest& request, int status, int code,
                       const std::string& message) {
        if (reply.sent()) {
            return;
        }
        if (status == 413) {
            // Closing a socket with unread request bytes makes the kernel send a reset, which can
            // destroy our answer before the client reads it. Read and discard a bounded amount so
            // ordinary clients see the JSON error; beyond the bound the connection just closes.
            discard(request.stream(), kDrainLimitBytes);
        }
        // The request body may be unread; closing the connection keeps the next request on a
        // fresh connection instead of parsing leftover bytes as a request line.
        reply.response().setKeepAlive(false);
        reply.fail(message, code, status);
    }

    const Router& _router;
    const Guard& _guard;
    std::size_t _maxBodyBytes;
    const StaticFiles* _staticFiles;
};

} // namespace

Poco::Net::HTTPRequestHandler*
RequestHandlerFactory::createRequestHandler(const Poco::Net::HTTPServerRequest&) {
    return new RoutedHandler(_router, _guard, _maxBodyBytes, _staticFiles);
}

} // namespace classifai

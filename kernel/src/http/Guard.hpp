// Admission checks before routing: Host (DNS rebinding), Origin and CORS, access token.
#pragma once

#include <set>
#include <string>
#include <vector>

namespace Poco::Net {
class HTTPServerRequest;
class HTTPServerResponse;
} // namespace Poco::Net

namespace classifai {

class Reply;
struct Settings;

/// Decides whether a request may reach a handler, per docs/security: the Host header must name
/// this server, a browser Origin must be one of the server's own origins or a configured one,
/// and a configured access token must be presented. Read-only after construction; thread-safe.
class Guard {
public:
    Guard(const Settings& settings, int boundPort);

    /// Returns true when the request may proceed. Otherwise the refusal (403, 401) or the CORS
    /// preflight answer has been written to `reply`.
    bool admit(Poco::Net::HTTPServerRequest& request, Reply& reply) const;

    /// Adds CORS headers for an admitted request that carries an allowed Origin.
    void addCorsHeaders(const Poco::Net::HTTPServerRequest& request,
                        Poco::Net::HTTPServerResponse& response) const;

    bool hostAllowed(const std::string& hostHeader) const;
    bool originAllowed(const std::string& origin) const;

private:
    bool tokenPresented(const Poco::Net::HTTPServerRequest& request) const;

    int _port;
    std::set<std::string> _hosts;   // lowercase host names without port
    std::set<std::string> _origins; // exact origins, lowercase
    std::string _token;
};

} // namespace classifai

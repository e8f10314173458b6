// The classifai server process: configuration, start-up order, serving, graceful shutdown.
#pragma once

#include <Poco/AutoPtr.h>
#include <Poco/Util/MapConfiguration.h>
#include <Poco/Util/ServerApplication.h>

#include <string>
#include <vector>

namespace classifai {

/// Start-up order: settings, plugins, database, routes, HTTP. Shutdown runs in reverse once a
/// termination request (SIGINT, SIGTERM, PUT /v2/close) arrives: the HTTP server stops
/// accepting and in-flight requests finish before plugins and the database go away.
class ServerApp : public Poco::Util::ServerApplication {
public:
    ServerApp();

protected:
    void initialize(Poco::Util::Application& self) override;
    void defineOptions(Poco::Util::OptionSet& options) override;
    void handleOption(const std::string& name, const std::string& value) override;
    int main(const std::vector<std::string>& args) override;

private:
    void setupLogging();
    int serve();

    Poco::AutoPtr<Poco::Util::MapConfiguration> _overrides;
    std::string _configFile;
    bool _stopEarly = false;
    bool _checkPlugins = false;
};

} // namespace classifai

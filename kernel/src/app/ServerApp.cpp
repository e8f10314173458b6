#include "app/ServerApp.hpp"

#include "api/Routes.hpp"
#include "api/Services.hpp"
#include "app/Settings.hpp"
#include "http/Guard.hpp"
#include "http/RequestHandlerFactory.hpp"
#include "http/Router.hpp"
#include "http/StaticFiles.hpp"
#include "plugin/PluginHost.hpp"
#include "project/AnnotationService.hpp"
#include "project/DialogPicker.hpp"
#include "project/ExportService.hpp"
#include "project/ImageService.hpp"
#include "project/ImportService.hpp"
#include "project/JobRunner.hpp"
#include "project/ProjectService.hpp"
#include "project/SelectionService.hpp"
#include "store/Database.hpp"

#include <Poco/AutoPtr.h>
#include <Poco/ConsoleChannel.h>
#include <Poco/FormattingChannel.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/PatternFormatter.h>
#include <Poco/Thread.h>
#include <Poco/Util/HelpFormatter.h>
#include <Poco/Util/Option.h>
#include <Poco/Util/OptionSet.h>

#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <iostream>

namespace classifai {

namespace {

Poco::Logger& serverLog() {
    return Poco::Logger::get("classifai");
}

std::filesystem::path executableDir() {
    std::error_code error;
    auto self = std::filesystem::read_symlink("/proc/self/exe", error);
    return error ? std::filesystem::current_path() : self.parent_path();
}

void writePortFile(const std::string& path, int port) {
    // Written to a temporary name and renamed, so a reader never sees a half-written number.
    auto temporary = path + ".tmp";
    {
        std::ofstream out(temporary, std::ios::trunc);
        out << port << '\n';
    }
    std::filesystem::rename(temporary, path);
}

ProjectOptions projectOptions(const Settings& settings) {
    ProjectOptions options;
    options.limits.maxWidth = settings.maxImageWidth;
    options.limits.maxHeight = settings.maxImageHeight;
    options.limits.maxFileBytes = settings.maxImageFileBytes;
    options.probeThreads = static_cast<unsigned>(settings.probeThreads);
    for (const auto& root : settings.allowedRoots) {
        std::error_code error;
        auto resolved = std::filesystem::canonical(root, error);
        options.allowedRoots.push_back(error ? root : resolved);
    }
    return options;
}

} // namespace

ServerApp::ServerApp() : _overrides(new Poco::Util::MapConfiguration) {
    setUnixOptions(true);
}

void ServerApp::defineOptions(Poco::Util::OptionSet& options) {
    ServerApplication::defineOptions(options);
    using Poco::Util::Option;
    options.addOption(Option("help", "h", "print this help and exit"));
    options.addOption(Option("version", "", "print the version and exit"));
    options.addOption(
        Option("config", "c", "read settings from FILE").argument("FILE").repeatable(false));
    options.addOption(
        Option("port", "p", "listen on PORT (http.port; 0 lets the OS pick)").argument("PORT"));
    options.addOption(Option("bind", "b", "listen on ADDRESS (http.bind)").argument("ADDRESS"));
    options.addOption(
        Option("data-dir", "", "keep the database in DIR (data.dir)").argument("DIR"));
    options.addOption(
        Option("plugins-dir", "", "load plugins from DIR (plugins.dir)").argument("DIR"));
    options.addOption(
        Option("webroot", "", "serve the web front-end from DIR (http.webroot)").argument("DIR"));
    options.addOption(Option("define", "D", "set any configuration key: --define key=value")
                          .argument("KEY=VALUE")
                          .repeatable(true));
    options.addOption(Option("check-plugins", "",
                             "load the plugins, print one line per plugin and exit (0 when all "
                             "loaded)"));
}

void ServerApp::handleOption(const std::string& name, const std::string& value) {
    ServerApplication::handleOption(name, value);
    if (name == "help") {
        Poco::Util::HelpFormatter help(options());
        help.setCommand(commandName());
        help.setUsage("[options]");
        help.setHeader("classifai: an image annotation server with plugins.");
        help.format(std::cout);
        _stopEarly = true;
        stopOptionsProcessing();
    } else if (name == "version") {
        std::cout << "classifai " << CLASSIFAI_VERSION << '\n';
        _stopEarly = true;
        stopOptionsProcessing();
    } else if (name == "config") {
        _configFile = value;
    } else if (name == "port") {
        _overrides->setString("http.port", value);
    } else if (name == "bind") {
        _overrides->setString("http.bind", value);
    } else if (name == "data-dir") {
        _overrides->setString("data.dir", value);
    } else if (name == "plugins-dir") {
        _overrides->setString("plugins.dir", value);
    } else if (name == "webroot") {
        _overrides->setString("http.webroot", value);
    } else if (name == "check-plugins") {
        _checkPlugins = true;
    } else if (name == "define") {
        auto equals = value.find('=');
        if (equals == std::string::npos || equals == 0) {
            throw Poco::InvalidArgumentException("--define expects key=value, got '" + value + "'");
        }
        _overrides->setString(value.substr(0, equals), value.substr(equals + 1));
    }
}

void ServerApp::initialize(Poco::Util::Application& self) {
    // Command-line values win over the config file, which wins over built-in defaults.
    config().add(_overrides, PRIO_APPLICATION - 100, false);
    if (!_configFile.empty()) {
        loadConfiguration(_configFile, PRIO_DEFAULT);
    } else {
        for (const auto& candidate :
             {executableDir() / ".." / "etc" / "classifai" / "classifai.properties",
              std::filesystem::path("/etc/classifai/classifai.properties")}) {
            if (std::filesystem::exists(candidate)) {
                loadConfiguration(candidate.lexically_normal().string(), PRIO_DEFAULT);
                break;
            }
        }
    }
    ServerApplication::initialize(self);
    setupLogging();
}

void ServerApp::setupLogging() {
    Poco::AutoPtr<Poco::PatternFormatter> formatter(
        new Poco::PatternFormatter("%Y-%m-%d %H:%M:%S.%i %p %s: %t"));
    formatter->setProperty("times", "local");
    Poco::AutoPtr<Poco::FormattingChannel> channel(
        new Poco::FormattingChannel(formatter, new Poco::ConsoleChannel(std::cerr)));
    auto level = config().getString("logging.level", "information");
    Poco::Logger::root().setChannel(channel);
    Poco::Logger::root().setLevel(level);
    // Loggers created before this point keep their old channel; give them the new one too.
    std::vector<std::string> names;
    Poco::Logger::names(names);
    for (const auto& name : names) {
        Poco::Logger::get(name).setChannel(channel);
        Poco::Logger::get(name).setLevel(level);
    }
}

int ServerApp::main(const std::vector<std::string>&) {
    if (_stopEarly) {
        return EXIT_OK;
    }
    try {
        return serve();
    } catch (const std::invalid_argument& error) {
        serverLog().fatal(fmt::format("configuration error: {}", error.what()));
        return EXIT_CONFIG;
    } catch (const Poco::Exception& error) {
        serverLog().fatal(fmt::format("cannot start: {}", error.displayText()));
        return EXIT_SOFTWARE;
    } catch (const std::exception& error) {
        serverLog().fatal(fmt::format("cannot start: {}", error.what()));
        return EXIT_SOFTWARE;
    }
}

int ServerApp::serve() {
    const Settings settings = Settings::fromConfig(config(), executableDir());

    PluginHost plugins(config());
    plugins.loadAll(settings.pluginsDir, settings.disabledPlugins);
    bool allLoaded = true;
    for (const auto& record : plugins.records()) {
        allLoaded = allLoaded && record.loaded;
        if (_checkPlugins) {
            if (record.loaded) {
                std::string kinds;
                for (const auto& capability : record.capabilities) {
                    kinds += (kinds.empty() ? "" : ", ") + capability.kind + " " + capability.id;
                }
                std::cout << fmt::format("loaded {} {} ({})\n", record.id, record.version, kinds);
            } else {
                std::cout << fmt::format("failed {} at {}: {}\n", record.file, record.stage,
                                         record.reason);
            }
        }
        if (!record.loaded) {
            auto stem = std::filesystem::path(record.file).stem().string();
            if (settings.requiredPlugins.count(stem) > 0) {
                throw std::runtime_error(fmt::format("required plugin {} failed at {}: {}", stem,
                                                     record.stage, record.reason));
            }
        }
    }
    if (_checkPlugins) {
        std::cout.flush();
        return allLoaded ? EXIT_OK : EXIT_SOFTWARE;
    }

    std::filesystem::create_directories(settings.dataDir);
    Database database(Database::Options{"SQLite", settings.databasePath.string()});
    serverLog().information(fmt::format("database {}", settings.databasePath.string()));

    JobRunner jobs(settings.jobThreads);
    ProjectService projects(database, jobs, projectOptions(settings));
    // Thumbnails are cached under thumbnails.dir (default <data.dir>/thumbnails).
    const auto thumbnailDir = config().getString("thumbnails.dir", "");
    ImageService images(database, projects, jobs,
                        ImageService::Options{projectOptions(settings).limits,
                                              thumbnailDir.empty()
                                                  ? settings.dataDir / "thumbnails"
                                                  : std::filesystem::path(thumbnailDir),
                                              config().getUInt64("thumbnails.maxBytes", 1u << 30)});
    AnnotationService annotations(database, projects);
    ImportOptions importOptions;
    importOptions.readConfig(config());
    {
        auto options = projectOptions(settings);
        importOptions.probe = options.limits;
        importOptions.allowedRoots = options.allowedRoots;
        importOptions.probeThreads = options.probeThreads;
    }
    ImportService imports(database, jobs, plugins.registry(), importOptions);
    const std::string dialogStart =
        settings.allowedRoots.empty() ? std::string() : settings.allowedRoots.front().string();
    SelectionService selection(DialogPicker(plugins.registry(),
                                            DialogOptions::fromConfig(config(), dialogStart),
                                            DialogPicker::hostOperatingSystem()),
                               imports);
    // Exports go into the project folder (as the reference) unless export.dir is set.
    ExportService exports(database, jobs, plugins.registry(),
                          ExportOptions{config().getString("export.dir", "")});
    Services services{settings, database, plugins, projects};
    services.exports = &exports;
    services.selection = &selection;
    services.imports = &imports;
    services.images = &images;
    services.annotations = &annotations;
    services.requestShutdown = [] { ServerApplication::terminate(); };
    std::unique_ptr<StaticFiles> staticFiles;
    if (!settings.webroot.empty()) {
        staticFiles = std::make_unique<StaticFiles>(settings.webroot);
        serverLog().information(
            fmt::format("serving the web front-end from {}", staticFiles->root().string()));
    }
    Router router;
    addAllRoutes(router, services);

    Poco::Net::ServerSocket socket(
        Poco::Net::SocketAddress(settings.bindAddress, static_cast<Poco::UInt16>(settings.port)),
        64);
    const int boundPort = socket.address().port();
    Guard guard(settings, boundPort);

    Poco::AutoPtr<Poco::Net::HTTPServerParams> params(new Poco::Net::HTTPServerParams);
    params->setMaxThreads(settings.threads);
    params->setMaxQueued(settings.queueLength);
    params->setKeepAlive(true);
    params->setServerName("classifai/" CLASSIFAI_VERSION);
    Poco::Net::HTTPServer server(
        new RequestHandlerFactory(router, guard, settings.maxBodyBytes, staticFiles.get()), socket,
        params);
    server.start();
    if (!settings.portFile.empty()) {
        writePortFile(settings.portFile, boundPort);
    }
    serverLog().information(fmt::format("classifai {} listening on http://{}:{}", CLASSIFAI_VERSION,
                                        settings.bindAddress, boundPort));

    waitForTerminationRequest();

    serverLog().information("shutting down: finishing requests in flight");
    server.stopAll(false);
    for (int waitedMs = 0; server.currentConnections() > 0 && waitedMs < 10000; waitedMs += 50) {
        Poco::Thread::sleep(50);
    }
    serverLog().information("stopping background jobs at a safe point");
    jobs.stop();
    serverLog().information("stopped");
    return EXIT_OK;
}

} // namespace classifai

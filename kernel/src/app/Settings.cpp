#include "app/Settings.hpp"

#include <Poco/Path.h>
#include <Poco/Util/AbstractConfiguration.h>

#include <cstdlib>
#include <stdexcept>

namespace classifai {

std::vector<std::string> splitList(const std::string& text) {
    std::vector<std::string> items;
    std::size_t start = 0;
    while (start <= text.size()) {
        auto end = text.find(',', start);
        if (end == std::string::npos) {
            end = text.size();
        }
        auto item = text.substr(start, end - start);
        auto first = item.find_first_not_of(" \t");
        auto last = item.find_last_not_of(" \t");
        if (first != std::string::npos) {
            items.push_back(item.substr(first, last - first + 1));
        }
        start = end + 1;
    }
    return items;
}

std::filesystem::path defaultDataDir() {
    if (const char* xdg = std::getenv("XDG_DATA_HOME"); xdg && *xdg) {
        return std::filesystem::path(xdg) / "classifai";
    }
    return std::filesystem::path(Poco::Path::home()) / ".local" / "share" / "classifai";
}

namespace {

std::filesystem::path expandHome(const std::string& value) {
    if (value == "~" || value.rfind("~/", 0) == 0) {
        return std::filesystem::path(Poco::Path::home()) / value.substr(value.size() > 1 ? 2 : 1);
    }
    return value;
}

} // namespace

Settings Settings::fromConfig(const Poco::Util::AbstractConfiguration& config,
                              const std::filesystem::path& executableDir) {
    Settings s;
    s.bindAddress = config.getString("http.bind", s.bindAddress);
    s.port = config.getInt("http.port", s.port);
    if (s.port < 0 || s.port > 65535) {
        throw std::invalid_argument("http.port must be between 0 and 65535");
    }
    s.portFile = config.getString("http.portFile", "");
    s.threads = config.getInt("http.threads", s.threads);
    if (s.threads < 2 || s.threads > 1024) {
        throw std::invalid_argument("http.threads must be between 2 and 1024");
    }
    s.queueLength = config.getInt("http.queue", s.queueLength);
    auto maxBody = config.getInt64("http.maxBodyBytes", static_cast<Poco::Int64>(s.maxBodyBytes));
    if (maxBody < 1024) {
        throw std::invalid_argument("http.maxBodyBytes must be at least 1024");
    }
    s.maxBodyBytes = static_cast<std::size_t>(maxBody);
    s.corsOrigins = splitList(config.getString("http.cors.origins", ""));
    s.allowedHosts = splitList(config.getString("http.allowedHosts", ""));
    s.accessToken = config.getString("http.token", "");
    auto webroot = config.getString("http.webroot", "");
    if (!webroot.empty()) {
        s.webroot = expandHome(webroot);
    }

    auto dataDir = config.getString("data.dir", "");
    s.dataDir = dataDir.empty() ? defaultDataDir() : expandHome(dataDir);
    auto dbPath = config.getString("db.path", "");
    s.databasePath = dbPath.empty() ? s.dataDir / "classifai.db" : expandHome(dbPath);

    auto pluginsDir = config.getString("plugins.dir", "");
    s.pluginsDir = pluginsDir.empty()
                       ? (executableDir / ".." / "lib" / "classifai" / "plugins").lexically_normal()
                       : expandHome(pluginsDir);
    for (auto& id : splitList(config.getString("plugins.disabled", ""))) {
        s.disabledPlugins.insert(id);
    }
    for (auto& id : splitList(config.getString("plugins.required", ""))) {
        s.requiredPlugins.insert(id);
    }
    auto roots = splitList(config.getString("files.roots", ""));
    if (roots.empty()) {
        s.allowedRoots.push_back(Poco::Path::home());
    }
    for (const auto& root : roots) {
        s.allowedRoots.push_back(expandHome(root));
    }
    s.maxImageWidth = config.getInt("scan.maxWidth", s.maxImageWidth);
    s.maxImageHeight = config.getInt("scan.maxHeight", s.maxImageHeight);
    if (s.maxImageWidth < 1 || s.maxImageHeight < 1) {
        throw std::invalid_argument("scan.maxWidth and scan.maxHeight must be positive");
    }
    s.maxImageFileBytes = config.getInt64("scan.maxFileBytes", s.maxImageFileBytes);
    s.probeThreads = config.getInt("scan.threads", s.probeThreads);
    if (s.probeThreads < 0 || s.probeThreads > 16) {
        throw std::invalid_argument("scan.threads must be between 0 and 16");
    }
    s.jobThreads = config.getInt("jobs.threads", s.jobThreads);
    if (s.jobThreads < 1 || s.jobThreads > 64) {
        throw std::invalid_argument("jobs.threads must be between 1 and 64");
    }
    if (!s.loopbackOnly() && s.accessToken.empty()) {
        throw std::invalid_argument("http.bind " + s.bindAddress +
                                    " serves other machines: set http.token to an access token "
                                    "first (see config/classifai.properties)");
    }
    return s;
}

bool Settings::loopbackOnly() const {
    return bindAddress == "127.0.0.1" || bindAddress == "localhost" || bindAddress == "::1" ||
           bindAddress.rfind("127.", 0) == 0;
}

} // namespace classifai

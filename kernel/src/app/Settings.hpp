// The kernel's settings, read once from the layered configuration at start-up.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

namespace Poco::Util {
class AbstractConfiguration;
}

namespace classifai {

/// Plain values; immutable after start-up. Every key is documented in
/// config/classifai.properties.
struct Settings {
    std::string bindAddress = "127.0.0.1"; ///< http.bind
    int port = 9999;                       ///< http.port (0: the OS picks)
    std::string portFile;                  ///< http.portFile: where to write the bound port
    int threads = 16;                      ///< http.threads
    int queueLength = 256;                 ///< http.queue
    std::size_t maxBodyBytes = 256u << 20; ///< http.maxBodyBytes
    std::vector<std::string> corsOrigins;  ///< http.cors.origins (besides the server's own)
    std::vector<std::string> allowedHosts; ///< http.allowedHosts (besides loopback names)
    std::string accessToken;               ///< http.token (required for a non-loopback bind)
    std::filesystem::path webroot;         ///< http.webroot
    std::filesystem::path dataDir;         ///< data.dir
    std::filesystem::path databasePath;    ///< db.path (default: <data.dir>/classifai.db)
    std::filesystem::path pluginsDir;      ///< plugins.dir
    std::set<std::string> disabledPlugins; ///< plugins.disabled
    std::set<std::string> requiredPlugins; ///< plugins.required
    std::vector<std::filesystem::path> allowedRoots; ///< files.roots (default: the home folder)
    int maxImageWidth = 15000;                       ///< scan.maxWidth
    int maxImageHeight = 15000;                      ///< scan.maxHeight
    std::int64_t maxImageFileBytes = 1ll << 30;      ///< scan.maxFileBytes
    int probeThreads = 0;                            ///< scan.threads (0: from the hardware)
    int jobThreads = 2;                              ///< jobs.threads

    /// Reads every key, applying the documented defaults. `executableDir` locates the plugins
    /// installed (or built) beside the binary. Throws std::invalid_argument naming the key for a
    /// value that cannot be used.
    static Settings fromConfig(const Poco::Util::AbstractConfiguration& config,
                               const std::filesystem::path& executableDir);

    /// True when the bind address only serves this machine.
    bool loopbackOnly() const;
};

/// Splits a comma-separated list, trimming blanks and dropping empty items.
std::vector<std::string> splitList(const std::string& text);

/// The default data directory: $XDG_DATA_HOME/classifai, else ~/.local/share/classifai.
std::filesystem::path defaultDataDir();

} // namespace classifai

// Loads plugins at start-up, checks their handshake and keeps a record per file.
#pragma once

#include "plugin/PluginRecord.hpp"
#include "plugin/Registry.hpp"

#include <Poco/Util/AbstractConfiguration.h>

#include <filesystem>
#include <memory>
#include <set>
#include <string>
#include <vector>

namespace classifai {

struct LoadedPlugin;

/// Owns every loaded plugin library and the objects they registered.
///
/// loadAll() runs once, before the HTTP server starts; afterwards records() and registry() are
/// read-only and safe from any thread. Libraries are unloaded only by the destructor, after every
/// object a plugin created is destroyed.
class PluginHost {
public:
    /// `config` is read for plugin settings (PluginContext::setting) and must outlive the host.
    explicit PluginHost(const Poco::Util::AbstractConfiguration& config);
    ~PluginHost();
    PluginHost(const PluginHost&) = delete;
    PluginHost& operator=(const PluginHost&) = delete;

    /// Loads every `*.so` in `directory` in sorted order, skipping files whose stem is in
    /// `disabled`. A missing directory yields no plugins and one logged warning. Never throws for
    /// a broken plugin: its record says `failed` with the stage and reason.
    void loadAll(const std::filesystem::path& directory,
                 const std::set<std::string>& disabled = {});

    /// Loads one library file (used by loadAll and by tests). The returned reference is valid
    /// until the next load.
    const PluginRecord& loadFile(const std::filesystem::path& file);

    /// One record per file seen, in load order.
    const std::vector<PluginRecord>& records() const { return _records; }
    /// What the loaded plugins registered.
    const Registry& registry() const { return _registry; }

private:
    // Runs open, entry, version, abi, id, load and register in order, filling `record`; returns
    // at the first failure with record.stage and record.reason set.
    void runStages(const std::filesystem::path& file, PluginRecord& record);

    const Poco::Util::AbstractConfiguration& _config;
    std::vector<PluginRecord> _records;
    Registry _registry;
    // Declared last so it is destroyed first: objects go before nothing else needs them, and each
    // LoadedPlugin destroys its objects before its own library handle.
    std::vector<std::unique_ptr<LoadedPlugin>> _plugins;
};

} // namespace classifai

// The kernel's PluginContext: logging, settings and staged registration for one plugin's load.
#pragma once

#include <classifai/sdk/PluginContext.hpp>

#include <Poco/Util/AbstractConfiguration.h>

#include <memory>
#include <string>
#include <vector>

namespace classifai {

/// A capability a plugin asked to register, held until PluginHost decides to commit it.
/// Exactly one of the three pointers is set; `id` and `aliases` were read once, at add().
struct StagedCapability {
    std::string kind; ///< `annotation_type`, `exporter` or `dialog_backend`
    std::string id;
    std::vector<std::string> aliases; ///< annotation types only
    std::unique_ptr<sdk::AnnotationType> annotationType;
    std::unique_ptr<sdk::Exporter> exporter;
    std::unique_ptr<sdk::DialogBackend> dialogBackend;
};

/// Handed to one plugin's load function. Every method catches everything, so no kernel exception
/// ever unwinds through plugin frames.
class PluginContextImpl final : public sdk::PluginContext {
public:
    /// `pluginId` selects the settings subtree; `fileName` names the plugin in log lines.
    PluginContextImpl(std::string pluginId, std::string fileName,
                      const Poco::Util::AbstractConfiguration& config);
    ~PluginContextImpl() override;

    void log(sdk::LogLevel level, const std::string& message) override;
    std::string setting(const std::string& key, const std::string& fallback) const override;
    std::string operatingSystem() const override;
    sdk::Result<void> add(std::unique_ptr<sdk::AnnotationType> type) override;
    sdk::Result<void> add(std::unique_ptr<sdk::Exporter> exporter) override;
    sdk::Result<void> add(std::unique_ptr<sdk::DialogBackend> backend) override;

    /// The configuration key for a plugin setting: `dialog-headless` + `folder` ->
    /// `dialog.headless.folder` (the id's first '-' becomes '.').
    static std::string settingKey(const std::string& pluginId, const std::string& key);
    /// True for a non-empty id made of `a-z`, `0-9`, `_` and `-` only.
    static bool isValidCapabilityId(const std::string& id);

    /// Registrations in the order the plugin made them; PluginHost takes them after load.
    std::vector<StagedCapability>& staged() { return _staged; }
    /// Why the first refused add() was refused, or empty. A plugin that ignores a refused add()
    /// is still refused as a whole, so a half-registered plugin never serves.
    const std::string& firstRejection() const { return _firstRejection; }

private:
    sdk::Result<void> addAnnotationType(std::unique_ptr<sdk::AnnotationType> type);
    sdk::Result<void> addExporter(std::unique_ptr<sdk::Exporter> exporter);
    sdk::Result<void> addDialogBackend(std::unique_ptr<sdk::DialogBackend> backend);
    sdk::Result<void> stage(StagedCapability capability);
    sdk::Result<void> reject(std::string reason);

    std::string _pluginId;
    std::string _fileName;
    const Poco::Util::AbstractConfiguration& _config;
    std::vector<StagedCapability> _staged;
    std::string _firstRejection;
};

} // namespace classifai

#include "plugin/PluginContextImpl.hpp"

#include "plugin/HostOs.hpp"

#include <Poco/Logger.h>

#include <exception>
#include <utility>

namespace classifai {

namespace {

Poco::Logger& pluginLogger() {
    return Poco::Logger::get("classifai.plugins");
}

// Reads a capability's id and aliases. These are plugin calls made from kernel code, so a
// plugin that throws here despite the contract gets a refusal instead of an escaped exception.
template <typename Capability>
bool readId(const Capability& capability, std::string& id, std::string& error) {
    try {
        id = capability.id();
        return true;
    } catch (const std::exception& e) {
        error = std::string("id() threw: ") + e.what();
    } catch (...) {
        error = "id() threw a non-standard exception";
    }
    return false;
}

// Runs one add() so that nothing the kernel throws (allocation failure) unwinds into the plugin.
template <typename Body>
sdk::Result<void> guarded(Body&& body) noexcept {
    try {
        return body();
    } catch (...) {
        return sdk::fail(sdk::ErrorKind::Internal, "the kernel could not stage the registration");
    }
}

} // namespace

PluginContextImpl::PluginContextImpl(std::string pluginId, std::string fileName,
                                     const Poco::Util::AbstractConfiguration& config)
    : _pluginId(std::move(pluginId)), _fileName(std::move(fileName)), _config(config) {}

PluginContextImpl::~PluginContextImpl() = default;

void PluginContextImpl::log(sdk::LogLevel level, const std::string& message) {
    try {
        const std::string line = _fileName + ": " + message;
        Poco::Logger& logger = pluginLogger();
        switch (level) {
        case sdk::LogLevel::Debug:
            logger.debug(line);
            break;
        case sdk::LogLevel::Information:
            logger.information(line);
            break;
        case sdk::LogLevel::Warning:
            logger.warning(line);
            break;
        case sdk::LogLevel::Error:
            logger.error(line);
            break;
        }
    } catch (...) {
        // A failing log channel must not turn into an exception inside plugin code.
    }
}

std::string PluginContextImpl::setting(const std::string& key, const std::string& fallback) const {
    try {
        return _config.getString(settingKey(_pluginId, key), fallback);
    } catch (...) {
        // Poco throws on malformed ${...} references; the plugin asked for a value, not a crash.
        return fallback;
    }
}

std::string PluginContextImpl::operatingSystem() const {
    return classifai::hostOperatingSystem();
}

sdk::Result<void> PluginContextImpl::add(std::unique_ptr<sdk::AnnotationType> type) {
    return guarded([&] { return addAnnotationType(std::move(type)); });
}

sdk::Result<void> PluginContextImpl::add(std::unique_ptr<sdk::Exporter> exporter) {
    return guarded([&] { return addExporter(std::move(exporter)); });
}

sdk::Result<void> PluginContextImpl::add(std::unique_ptr<sdk::DialogBackend> backend) {
    return guarded([&] { return addDialogBackend(std::move(backend)); });
}

sdk::Result<void> PluginContextImpl::addAnnotationType(std::unique_ptr<sdk::AnnotationType> type) {
    if (!type) {
        return reject("add(annotation type) was given a null object");
    }
    StagedCapability staged;
    staged.kind = "annotation_type";
    std::string error;
    if (!readId(*type, staged.id, error)) {
        return reject("annotation type " + error);
    }
    try {
        staged.aliases = type->aliases();
    } catch (const std::exception& e) {
        return reject("annotation type '" + staged.id + "': aliases() threw: " + e.what());
    } catch (...) {
        return reject("annotation type '" + staged.id + "': aliases() threw");
    }
    for (const std::string& alias : staged.aliases) {
        if (alias.empty()) {
            return reject("annotation type '" + staged.id + "' has an empty alias");
        }
    }
    staged.annotationType = std::move(type);
    return stage(std::move(staged));
}

sdk::Result<void> PluginContextImpl::addExporter(std::unique_ptr<sdk::Exporter> exporter) {
    if (!exporter) {
        return reject("add(exporter) was given a null object");
    }
    StagedCapability staged;
    staged.kind = "exporter";
    std::string error;
    if (!readId(*exporter, staged.id, error)) {
        return reject("exporter " + error);
    }
    staged.exporter = std::move(exporter);
    return stage(std::move(staged));
}

sdk::Result<void> PluginContextImpl::addDialogBackend(std::unique_ptr<sdk::DialogBackend> backend) {
    if (!backend) {
        return reject("add(dialog backend) was given a null object");
    }
    StagedCapability staged;
    staged.kind = "dialog_backend";
    std::string error;
    if (!readId(*backend, staged.id, error)) {
        return reject("dialog backend " + error);
    }
    staged.dialogBackend = std::move(backend);
    return stage(std::move(staged));
}

sdk::Result<void> PluginContextImpl::stage(StagedCapability capability) {
    if (!isValidCapabilityId(capability.id)) {
        return reject(capability.kind + " id '" + capability.id +
                      "' is invalid: use lowercase letters, digits, '_' and '-'");
    }
    _staged.push_back(std::move(capability));
    return {};
}

sdk::Result<void> PluginContextImpl::reject(std::string reason) {
    if (_firstRejection.empty()) {
        _firstRejection = reason;
    }
    log(sdk::LogLevel::Warning, "registration refused: " + reason);
    return sdk::fail(sdk::ErrorKind::InvalidInput, std::move(reason));
}

std::string PluginContextImpl::settingKey(const std::string& pluginId, const std::string& key) {
    std::string prefix = pluginId;
    if (const auto dash = prefix.find('-'); dash != std::string::npos) {
        prefix[dash] = '.';
    }
    return prefix + "." + key;
}

bool PluginContextImpl::isValidCapabilityId(const std::string& id) {
    if (id.empty()) {
        return false;
    }
    for (const char c : id) {
        const bool allowed =
            (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
        if (!allowed) {
            return false;
        }
    }
    return true;
}

} // namespace classifai

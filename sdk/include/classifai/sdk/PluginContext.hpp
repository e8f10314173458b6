// Kernel services handed to a plugin while it loads.
#pragma once

#include "classifai/sdk/AnnotationType.hpp"
#include "classifai/sdk/DialogBackend.hpp"
#include "classifai/sdk/Exporter.hpp"
#include "classifai/sdk/Result.hpp"
#include "classifai/sdk/Visibility.hpp"

#include <memory>
#include <string>

namespace classifai::sdk {

/// Severity of a log line.
enum class LogLevel { Debug, Information, Warning, Error };

/// Implemented by the kernel; valid only during the plugin's load function.
///
/// Thread-safety: call it only from the load function's thread. Registration is staged: nothing
/// is visible to the server unless load returns success and every id is unique in its kind.
/// New methods are only ever appended at the end in a minor release.
class CLASSIFAI_VISIBLE PluginContext {
public:
    virtual ~PluginContext() = default;

    /// Writes one log line attributed to the plugin.
    virtual void log(LogLevel level, const std::string& message) = 0;
    /// Reads one of the plugin's own settings. For the plugin `dialog-headless` the key `folder`
    /// is the configuration key `dialog.headless.folder` (the id's first '-' becomes '.').
    virtual std::string setting(const std::string& key, const std::string& fallback) const = 0;
    /// The operating system the kernel runs on: `linux`, `macos` or `windows`.
    virtual std::string operatingSystem() const = 0;

    /// Registers an annotation type; the kernel takes ownership. Fails on an empty or
    /// non-lowercase id.
    virtual Result<void> add(std::unique_ptr<AnnotationType> type) = 0;
    /// Registers an exporter; the kernel takes ownership.
    virtual Result<void> add(std::unique_ptr<Exporter> exporter) = 0;
    /// Registers a dialog backend; the kernel takes ownership.
    virtual Result<void> add(std::unique_ptr<DialogBackend> backend) = 0;
};

} // namespace classifai::sdk

// Chooses the dialog backend a selection request runs: forced by dialog.backend, else the first
// available one for this operating system in the configured preference order.
#pragma once

#include <classifai/sdk/DialogBackend.hpp>

#include <string>
#include <vector>

namespace Poco::Util {
class AbstractConfiguration;
}

namespace classifai {

class Registry;

/// Settings of the selection dialogs. Every key is documented in config/classifai.properties.
struct DialogOptions {
    std::string forcedBackend;           ///< dialog.backend: this id or nothing (empty: pick)
    std::vector<std::string> preference; ///< dialog.order: ids tried first, in order
    std::string startDirectory;          ///< dialog.startDirectory: where windows open

    /// The default preference: zenity, kdialog, osascript, powershell, headless; kdialog comes
    /// before zenity on a KDE desktop (XDG_CURRENT_DESKTOP).
    static std::vector<std::string> defaultPreference();
    /// Reads dialog.backend, dialog.order and dialog.startDirectory (default `fallbackStart`).
    static DialogOptions fromConfig(const Poco::Util::AbstractConfiguration& config,
                                    const std::string& fallbackStart);
};

/// The backend picked for one request, or why there is none.
struct DialogPick {
    const sdk::DialogBackend* backend = nullptr;
    std::string reason; ///< set when backend is null: what was tried and why it cannot run
};

/// Stateless apart from its inputs; thread-safe (backends' available() may be called from any
/// thread, per the SDK).
class DialogPicker {
public:
    DialogPicker(const Registry& registry, DialogOptions options, std::string operatingSystem);

    /// Decides now (a display or a tool may come and go): the forced backend if it can run, else
    /// the first registered backend for this OS (or `any`) whose available() succeeds, in
    /// preference order, then the others by id.
    DialogPick pick() const;

    const DialogOptions& options() const { return _options; }

    /// `linux`, `macos` or `windows`.
    static std::string hostOperatingSystem();

private:
    const Registry& _registry;
    DialogOptions _options;
    std::string _os;
};

} // namespace classifai

#include "project/DialogPicker.hpp"

#include "plugin/HostOs.hpp"

#include "app/Settings.hpp"
#include "plugin/Registry.hpp"

#include <Poco/String.h>
#include <Poco/Util/AbstractConfiguration.h>

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <exception>

namespace classifai {

namespace {

// available() is a plugin call: a throwing plugin is an unavailable backend, not a crash.
sdk::Result<void> safeAvailable(const sdk::DialogBackend& backend) {
    try {
        return backend.available();
    } catch (const std::exception& error) {
        return sdk::fail(sdk::ErrorKind::Internal,
                         std::string("available() threw: ") + error.what());
    } catch (...) {
        return sdk::fail(sdk::ErrorKind::Internal, "available() threw");
    }
}

bool servesOs(const sdk::DialogBackend& backend, const std::string& os) {
    try {
        for (const auto& served : backend.operatingSystems()) {
            if (served == os || served == "any") {
                return true;
            }
        }
    } catch (...) {
    }
    return false;
}

} // namespace

std::vector<std::string> DialogOptions::defaultPreference() {
    std::vector<std::string> order{"zenity", "kdialog", "osascript", "powershell", "headless"};
    const char* desktop = std::getenv("XDG_CURRENT_DESKTOP");
    if (desktop != nullptr &&
        Poco::toUpper(std::string(desktop)).find("KDE") != std::string::npos) {
        std::swap(order[0], order[1]);
    }
    return order;
}

DialogOptions DialogOptions::fromConfig(const Poco::Util::AbstractConfiguration& config,
                                        const std::string& fallbackStart) {
    DialogOptions options;
    options.forcedBackend = Poco::trim(config.getString("dialog.backend", ""));
    options.preference = splitList(config.getString("dialog.order", ""));
    if (options.preference.empty()) {
        options.preference = defaultPreference();
    }
    options.startDirectory = Poco::trim(config.getString("dialog.startDirectory", ""));
    if (options.startDirectory.empty()) {
        options.startDirectory = fallbackStart;
    }
    return options;
}

DialogPicker::DialogPicker(const Registry& registry, DialogOptions options,
                           std::string operatingSystem)
    : _registry(registry), _options(std::move(options)), _os(std::move(operatingSystem)) {}

std::string DialogPicker::hostOperatingSystem() {
    return classifai::hostOperatingSystem();
}

DialogPick DialogPicker::pick() const {
    DialogPick pick;
    if (!_options.forcedBackend.empty()) {
        const auto* backend = _registry.dialogBackend(_options.forcedBackend);
        if (backend == nullptr) {
            std::string registered;
            for (const auto* candidate : _registry.dialogBackends()) {
                registered += (registered.empty() ? "" : ", ") + candidate->id();
            }
            pick.reason = fmt::format("dialog.backend is '{}' but no plugin registered it ({})",
                                      _options.forcedBackend,
                                      registered.empty() ? "none registered" : registered);
            return pick;
        }
        auto ready = safeAvailable(*backend);
        if (!ready) {
            pick.reason = fmt::format("dialog.backend '{}' cannot run here: {}",
                                      _options.forcedBackend, ready.error().message);
            return pick;
        }
        pick.backend = backend;
        return pick;
    }
    std::vector<const sdk::DialogBackend*> ordered;
    for (const auto& id : _options.preference) {
        if (const auto* backend = _registry.dialogBackend(id)) {
            if (std::find(ordered.begin(), ordered.end(), backend) == ordered.end()) {
                ordered.push_back(backend);
            }
        }
    }
    for (const auto* backend : _registry.dialogBackends()) {
        if (std::find(ordered.begin(), ordered.end(), backend) == ordered.end()) {
            ordered.push_back(backend);
        }
    }
    std::string tried;
    for (const auto* backend : ordered) {
        if (!servesOs(*backend, _os)) {
            continue;
        }
        auto ready = safeAvailable(*backend);
        if (ready) {
            pick.backend = backend;
            return pick;
        }
        tried += fmt::format("{}{}: {}", tried.empty() ? "" : "; ", backend->id(),
                             ready.error().message);
    }
    pick.reason = ordered.empty() ? std::string("no dialog backend plugin is loaded")
                                  : fmt::format("no dialog backend can run on {} ({})", _os,
                                                tried.empty() ? "none serves this system" : tried);
    return pick;
}

} // namespace classifai

// Capability interface: one way of asking a person for a path (a native dialog, or none).
#pragma once

#include "classifai/sdk/Result.hpp"
#include "classifai/sdk/Visibility.hpp"

#include <string>
#include <vector>

namespace classifai::sdk {

/// A named group of file patterns, e.g. {"Label files", {"*.txt"}}.
struct FileFilter {
    std::string name;
    std::vector<std::string> patterns;
};

/// What to ask: window title, where to start, and the filters for file choices.
struct DialogRequest {
    std::string title;
    std::string startDirectory;
    std::vector<FileFilter> filters;
};

/// A dialog backend (`zenity`, `kdialog`, `osascript`, `powershell`, `headless`, ...).
///
/// Thread-safety: the kernel never runs two dialogs at once, but may call available() from any
/// thread. Ownership: kernel-owned. Failure: Unavailable when it cannot run here (the message
/// says why), Cancelled when the person closed the window without choosing.
/// The choose methods block until the person answers; the kernel calls them off HTTP threads.
class CLASSIFAI_VISIBLE DialogBackend {
public:
    virtual ~DialogBackend() = default;

    /// Lowercase id, e.g. `zenity`.
    virtual std::string id() const = 0;
    /// Operating systems this backend serves: any of `linux`, `macos`, `windows`, `any`.
    virtual std::vector<std::string> operatingSystems() const = 0;
    /// Success when the backend can open a window here (tool found, display available).
    virtual Result<void> available() const = 0;
    /// Asks for a folder; returns its absolute path.
    virtual Result<std::string> chooseFolder(const DialogRequest& request) const = 0;
    /// Asks for an existing file matching the request's filters; returns its absolute path.
    virtual Result<std::string> chooseFile(const DialogRequest& request) const = 0;
};

} // namespace classifai::sdk

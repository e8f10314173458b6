// Header-only: a DialogBackend that runs a desktop tool (zenity, kdialog, osascript, powershell)
// and reads the chosen path from its output. Each dialog plugin is one instance of it.
#pragma once

#include "DialogCommands.hpp"
#include "ProcessRunner.hpp"

#include <classifai/sdk/DialogBackend.hpp>
#include <classifai/sdk/Result.hpp>

#include <cstdlib>
#include <exception>
#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace classifai::dialogcommands {

/// How one tool is run: which program, on which systems, its command lines and its cancel exit.
struct ToolSpec {
    std::string id;                            ///< the backend id, e.g. "zenity"
    std::vector<std::string> operatingSystems; ///< where it belongs, e.g. {"linux"}
    std::vector<std::string> programs;         ///< names to look up on PATH, first found wins
    bool needsDisplay = false;                 ///< an X11 or Wayland display must be set
    std::function<std::vector<std::string>(const std::string&, const sdk::DialogRequest&, Choice)>
        argv;
    std::function<bool(const ToolExit&)> cancelled;
    std::function<std::string(std::string)> cleanPath; ///< optional: tidy the printed path
};

/// Runs the tool of a ToolSpec. Stateless apart from the spec and the kernel's OS, so every
/// method is safe from any thread.
class CommandDialog final : public sdk::DialogBackend {
public:
    CommandDialog(ToolSpec spec, std::string hostOperatingSystem)
        : _spec(std::move(spec)), _host(std::move(hostOperatingSystem)) {}

    std::string id() const override { return _spec.id; }
    std::vector<std::string> operatingSystems() const override { return _spec.operatingSystems; }

    sdk::Result<void> available() const override {
        bool servesHost = false;
        for (const std::string& os : _spec.operatingSystems) {
            servesHost = servesHost || os == _host || os == "any";
        }
        if (!servesHost) {
            return sdk::fail(sdk::ErrorKind::Unavailable, _spec.id + " serves " +
                                                              joined(_spec.operatingSystems, ", ") +
                                                              ", not " + _host);
        }
        if (program().empty()) {
            return sdk::fail(sdk::ErrorKind::Unavailable,
                             joined(_spec.programs, " or ") + " is not installed (not on PATH)");
        }
        if (_spec.needsDisplay && !hasDisplay()) {
            return sdk::fail(sdk::ErrorKind::Unavailable,
                             "no display: neither DISPLAY nor WAYLAND_DISPLAY is set");
        }
        return {};
    }

    sdk::Result<std::string> chooseFolder(const sdk::DialogRequest& request) const override {
        return run(request, Choice::Folder);
    }

    sdk::Result<std::string> chooseFile(const sdk::DialogRequest& request) const override {
        return run(request, Choice::File);
    }

private:
    static bool hasDisplay() {
        for (const char* name : {"DISPLAY", "WAYLAND_DISPLAY"}) {
            const char* value = std::getenv(name);
            if (value != nullptr && *value != '\0') {
                return true;
            }
        }
        return false;
    }

    std::string program() const {
        for (const std::string& name : _spec.programs) {
            if (std::optional<std::string> found = process::findExecutable(name)) {
                return *found;
            }
        }
        return {};
    }

    sdk::Result<std::string> run(const sdk::DialogRequest& request, Choice choice) const {
        try {
            sdk::Result<void> ready = available();
            if (!ready) {
                return ready.error();
            }
            process::ProcessResult ran =
                process::runProcess(_spec.argv(program(), request, choice));
            if (!ran.started) {
                return sdk::fail(sdk::ErrorKind::Internal, _spec.id + ": " + ran.error);
            }
            ToolExit exit{ran.exitCode, ran.out, ran.err};
            sdk::Result<std::string> answer = interpret(_spec.id, exit, _spec.cancelled(exit));
            if (answer && _spec.cleanPath) {
                return _spec.cleanPath(answer.value());
            }
            return answer;
        } catch (const std::exception& e) {
            return sdk::fail(sdk::ErrorKind::Internal, _spec.id + ": " + e.what());
        } catch (...) {
            return sdk::fail(sdk::ErrorKind::Internal, _spec.id + ": unexpected failure");
        }
    }

    ToolSpec _spec;
    std::string _host;
};

} // namespace classifai::dialogcommands

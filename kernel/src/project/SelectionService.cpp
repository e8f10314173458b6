#include "project/SelectionService.hpp"

#include "project/ImportService.hpp"

#include <Poco/Logger.h>

#include <fmt/format.h>

#include <chrono>
#include <condition_variable>
#include <csignal>
#include <exception>
#include <fstream>
#include <optional>

#if defined(__linux__)
#include <sys/syscall.h>
#include <unistd.h>
#endif

namespace classifai {

namespace {

Poco::Logger& logger() {
    return Poco::Logger::get("classifai.dialogs");
}

constexpr auto kShutdownWait = std::chrono::seconds(3);

const char* kindName(SelectionKind kind) {
    switch (kind) {
    case SelectionKind::Folder:
        return "project folder";
    case SelectionKind::LabelFile:
        return "label file";
    case SelectionKind::ConfigFile:
        return "configuration file";
    }
    return "path";
}

sdk::DialogRequest requestFor(SelectionKind kind, const std::string& startDirectory) {
    sdk::DialogRequest request;
    request.startDirectory = startDirectory;
    switch (kind) {
    case SelectionKind::Folder:
        request.title = "Select Project Folder";
        break;
    case SelectionKind::LabelFile:
        request.title = "Select Label File (*.txt)";
        request.filters = {{"Text Files", {"*.txt"}}};
        break;
    case SelectionKind::ConfigFile:
        request.title = "Select Project Configuration File (*.json)";
        request.filters = {{"Json Files", {"*.json"}}};
        break;
    }
    return request;
}

// Ends the processes a thread started (the dialog tool), so its blocking wait returns.
void terminateChildrenOf(long threadId) {
#if defined(__linux__)
    std::ifstream children(fmt::format("/proc/self/task/{}/children", threadId));
    long pid = 0;
    while (children >> pid) {
        if (pid > 0) {
            ::kill(static_cast<pid_t>(pid), SIGTERM);
        }
    }
#else
    (void)threadId;
#endif
}

} // namespace

struct SelectionService::Shared {
    std::mutex mutex;
    std::condition_variable finished;
    bool closing = false;   // the service is going: the thread must not touch it any more
    bool threadDone = true; // the dialog thread has finished its work
    long threadId = 0;      // the dialog thread's kernel id while it runs
    std::optional<SelectionKind> openKind;
    WindowState folder;
    WindowState labelFile;

    WindowState& windowOf(SelectionKind kind) {
        return kind == SelectionKind::Folder ? folder : labelFile;
    }
};

SelectionService::SelectionService(DialogPicker picker, ImportService& imports)
    : _picker(std::move(picker)), _imports(imports), _shared(std::make_shared<Shared>()) {}

SelectionService::~SelectionService() {
    std::lock_guard threadLock(_threadMutex);
    std::unique_lock lock(_shared->mutex);
    _shared->closing = true;
    if (!_shared->threadDone && _shared->threadId != 0) {
        logger().information("closing the selection window still open");
        terminateChildrenOf(_shared->threadId);
    }
    const bool done =
        _shared->finished.wait_for(lock, kShutdownWait, [&] { return _shared->threadDone; });
    lock.unlock();
    if (!_thread.joinable()) {
        return;
    }
    if (done) {
        _thread.join();
    } else {
        // A backend that ignores termination: leave its thread; it touches nothing of ours.
        logger().warning("a selection window did not close; leaving it behind");
        _thread.detach();
    }
}

WindowState SelectionService::window(SelectionKind kind) const {
    std::lock_guard lock(_shared->mutex);
    return _shared->windowOf(kind);
}

OpenResult SelectionService::open(SelectionKind kind) {
    std::lock_guard threadLock(_threadMutex);
    const sdk::DialogBackend* backend = nullptr;
    {
        std::lock_guard lock(_shared->mutex);
        if (_shared->openKind) {
            if (*_shared->openKind == kind) {
                return {OpenOutcome::AlreadyOpen, kind == SelectionKind::ConfigFile
                                                      ? kImportAlreadyOpen
                                                      : "The selection window is already open"};
            }
            // The reference shows a popup for this; a browser cannot see that, so this request's
            // status closes at once, as cancelled, and the reply says why.
            if (kind == SelectionKind::ConfigFile) {
                if (!_imports.begin()) {
                    return {OpenOutcome::ImportRunning,
                            "A project import is still running; wait for it to finish"};
                }
                _imports.abort(kOtherWindowOpen);
            } else {
                _shared->windowOf(kind) = WindowState{};
            }
            return {OpenOutcome::OtherWindowOpen, kOtherWindowOpen};
        }
        if (kind == SelectionKind::ConfigFile && !_imports.begin()) {
            return {OpenOutcome::ImportRunning,
                    "A project import is still running; wait for it to finish"};
        }
        auto pick = _picker.pick();
        if (pick.backend == nullptr) {
            logger().warning(fmt::format("cannot ask for a {}: {}", kindName(kind), pick.reason));
            if (kind == SelectionKind::ConfigFile) {
                _imports.abort(pick.reason);
            } else {
                _shared->windowOf(kind) = WindowState{};
            }
            return {OpenOutcome::Unavailable, pick.reason};
        }
        backend = pick.backend;
        if (kind != SelectionKind::ConfigFile) {
            _shared->windowOf(kind) = WindowState{true, ""};
        }
        _shared->openKind = kind;
        _shared->threadDone = false;
        _shared->threadId = 0;
    }
    if (_thread.joinable()) {
        _thread.join(); // the previous window's thread, already finished
    }
    logger().information(
        fmt::format("asking for a {} with the {} dialog backend", kindName(kind), backend->id()));
    auto request = requestFor(kind, _picker.options().startDirectory);
    auto shared = _shared;
    ImportService* imports = &_imports;
    auto body = [shared, backend, request, kind, imports] {
        {
            std::lock_guard lock(shared->mutex);
#if defined(__linux__)
            shared->threadId = static_cast<long>(::syscall(SYS_gettid));
#endif
        }
        sdk::Result<std::string> answer =
            sdk::fail(sdk::ErrorKind::Internal, "the dialog backend did not answer");
        try {
            answer = kind == SelectionKind::Folder ? backend->chooseFolder(request)
                                                   : backend->chooseFile(request);
        } catch (const std::exception& error) {
            answer = sdk::fail(sdk::ErrorKind::Internal, error.what());
        } catch (...) {
            answer = sdk::fail(sdk::ErrorKind::Internal, "the dialog backend threw");
        }
        std::lock_guard lock(shared->mutex);
        if (!shared->closing) {
            if (answer) {
                logger().information(fmt::format("{} chosen: {}", kindName(kind), answer.value()));
            } else if (answer.error().kind == sdk::ErrorKind::Cancelled) {
                logger().information(
                    fmt::format("no {} chosen: {}", kindName(kind), answer.error().message));
            } else {
                logger().warning(fmt::format("the {} window failed: {}", kindName(kind),
                                             answer.error().message));
            }
            if (kind == SelectionKind::ConfigFile) {
                if (answer) {
                    imports->start(answer.value());
                } else {
                    imports->abort(answer.error().kind == sdk::ErrorKind::Cancelled
                                       ? "No configuration file was chosen (" +
                                             answer.error().message + ")"
                                       : "The selection window failed: " + answer.error().message);
                }
            } else {
                shared->windowOf(kind) = WindowState{false, answer ? answer.value() : ""};
            }
        }
        shared->openKind.reset();
        shared->threadDone = true;
        shared->threadId = 0;
        shared->finished.notify_all();
    };
    try {
        _thread = std::thread(body);
    } catch (const std::exception& error) {
        std::lock_guard lock(_shared->mutex);
        _shared->openKind.reset();
        _shared->threadDone = true;
        if (kind == SelectionKind::ConfigFile) {
            _imports.abort(std::string("cannot start the selection window: ") + error.what());
        } else {
            _shared->windowOf(kind) = WindowState{};
        }
        return {OpenOutcome::Unavailable,
                std::string("cannot start the selection window: ") + error.what()};
    }
    return {OpenOutcome::Opened, {}};
}

} // namespace classifai

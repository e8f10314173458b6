// The selection windows (project folder, label file, configuration file to import): their status
// machines, and the dedicated thread that runs one dialog backend at a time off the HTTP threads.
#pragma once

#include "project/DialogPicker.hpp"

#include <memory>
#include <mutex>
#include <string>
#include <thread>

namespace classifai {

class ImportService;

/// What a window asks for.
enum class SelectionKind { Folder, LabelFile, ConfigFile };

/// The status GET /v2/folders and GET /v2/labelfiles report.
struct WindowState {
    bool open = false; ///< window_status 0 while open, 1 once closed
    std::string path;  ///< the choice; empty when cancelled or never chosen
};

/// How an open request went.
enum class OpenOutcome {
    Opened,          ///< a window is being shown
    AlreadyOpen,     ///< that same window is open: nothing new was opened
    OtherWindowOpen, ///< another selection window is open; this request was closed at once
    ImportRunning,   ///< an import job is still running
    Unavailable      ///< no dialog backend can run here; the request was closed at once
};

struct OpenResult {
    OpenOutcome outcome = OpenOutcome::Opened;
    std::string message; ///< for every outcome but Opened
};

/// Thread-safe. At most one window is open at a time (the SDK's contract with backends); a
/// request resets its window's status before it returns, so a poll never sees a stale choice.
class SelectionService {
public:
    /// `imports` must outlive the service.
    SelectionService(DialogPicker picker, ImportService& imports);
    /// Ends a window still open (terminates the tool's process) and waits briefly for its thread.
    ~SelectionService();
    SelectionService(const SelectionService&) = delete;
    SelectionService& operator=(const SelectionService&) = delete;

    /// Opens the window of `kind` on the dialog thread. For ConfigFile the import status becomes
    /// 1, then 2 when a file is chosen (the import job runs) or 5 when the window is cancelled.
    OpenResult open(SelectionKind kind);
    /// The status of the folder or label-file window.
    WindowState window(SelectionKind kind) const;

    /// The message of AlreadyOpen for the import window (the V2 document's).
    static constexpr const char* kImportAlreadyOpen =
        "Import config file selector window has already opened. Close that to proceed.";
    /// The message of OtherWindowOpen (the reference's popup text).
    static constexpr const char* kOtherWindowOpen =
        "Another selection window is currently open. Please close to proceed.";

private:
    struct Shared;

    DialogPicker _picker;
    ImportService& _imports;
    std::shared_ptr<Shared> _shared;
    std::mutex _threadMutex; // serialises open() and the destructor around _thread
    std::thread _thread;
};

} // namespace classifai

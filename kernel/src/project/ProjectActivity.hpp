// In-memory state of each project's background work: the status machines the UI polls.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace classifai {

/// File-system status shared by create and reload (wire numbers of the classifai API).
enum class FileSystemStatus {
    DidNotInitiate = 0,
    IteratingFolder = 1,
    DatabaseUpdating = 2,
    DatabaseUpdated = 3,
    DatabaseNotUpdated = 4,
    Aborted = 5
};

/// Load state of an opened project (wire numbers of the classifai API).
enum class LoadState { Error = 0, Loading = 1, Loaded = 2, DidNotInitiate = 3 };

/// The wire name of a status, e.g. "DATABASE_UPDATED".
const char* fileSystemMessage(FileSystemStatus status);

/// What the UI polls for one project. Plain values; copied out under the board's lock.
struct ProjectActivity {
    FileSystemStatus fileSystem = FileSystemStatus::DidNotInitiate;
    std::string failure; ///< why the last create or reload aborted
    std::int64_t progressDone = 0;
    std::int64_t progressTotal = 0;
    std::vector<std::string> unsupported; ///< absolute paths
    std::vector<std::string> added;       ///< uuids, last reload
    std::vector<std::string> deleted;     ///< uuids, last reload
    LoadState load = LoadState::DidNotInitiate;
    std::int64_t loadDone = 0;
    std::int64_t loadTotal = 0;
    /// uuids whose file is on disk, in display order; empty until known.
    std::optional<std::vector<std::string>> validUuids;
    bool isLoaded = false; ///< opened in a browser and not closed since
    std::string busyWith;  ///< the job running for this project ("create", "reload", ...), or ""
};

/// Thread-safe map from project id to its activity.
class ActivityBoard {
public:
    /// A copy of the activity of `projectId` (default values when none was recorded).
    ProjectActivity get(const std::string& projectId) const;
    /// Applies `change` under the lock.
    void update(const std::string& projectId, const std::function<void(ProjectActivity&)>& change);
    /// Marks the project busy with `job` unless it is busy already; returns whether it did.
    bool tryBegin(const std::string& projectId, const std::string& job);
    void erase(const std::string& projectId);
    /// Moves the activity recorded under one key to another (pending creation -> project id).
    void rename(const std::string& from, const std::string& to);

private:
    mutable std::mutex _mutex;
    std::map<std::string, ProjectActivity> _activities;
};

} // namespace classifai

// The project lifecycle: create from a folder, list, open, reload, rename, star, close, delete.
#pragma once

#include "media/ImageProbe.hpp"
#include "project/JobRunner.hpp"
#include "project/ProjectActivity.hpp"
#include "store/ImageStore.hpp"
#include "store/ProjectStore.hpp"

#include <filesystem>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace classifai {

class Database;
class FolderScanner;
struct ScanResult;

/// An expected failure of a project operation, with the message the client receives.
struct ProjectError {
    std::string message;
    int code = 1;
};

/// A project row with what the UI polls about it.
struct ProjectSnapshot {
    ProjectRow row;
    ProjectActivity activity;
    std::int64_t imageCount = 0; ///< images with a file on disk when known, else stored rows
    bool rootPathValid = false;
};

/// What a create request asks for.
struct CreateRequest {
    std::string annotationType; ///< the type id (already resolved from aliases)
    std::string name;
    std::string projectPath;
    std::string labelFilePath; ///< may be empty
};

/// Options the service reads from the configuration.
struct ProjectOptions {
    ProbeLimits limits;
    std::vector<std::filesystem::path> allowedRoots; ///< folders clients may name (realpath)
    unsigned probeThreads = 0;                       ///< 0: picked from the hardware
    std::int64_t maxLabelFileBytes = 1 << 20;
};

/// Thread-safe. HTTP threads call the methods; long work runs on the JobRunner and reports
/// through the ActivityBoard. Expected failures are returned as ProjectError values.
class ProjectService {
public:
    ProjectService(Database& database, JobRunner& jobs, ProjectOptions options);

    /// Validates and starts a create job; the project is visible once the job committed it.
    std::optional<ProjectError> create(const CreateRequest& request);
    /// The create status of a project (in flight, failed, or stored).
    std::optional<ProjectActivity> createStatus(const std::string& type, const std::string& name);

    /// All projects of a type, by name, with their activity.
    std::vector<ProjectSnapshot> list(const std::string& type);
    std::optional<ProjectSnapshot> find(const std::string& type, const std::string& name);

    /// Opens a project: clears is_new, sets is_loaded, starts the load job.
    std::optional<ProjectError> load(const std::string& type, const std::string& name);
    /// Starts a reload job (rescan the folder, keep unchanged files' uuids and annotations).
    std::optional<ProjectError> reload(const std::string& type, const std::string& name);
    std::optional<ProjectError> rename(const std::string& type, const std::string& name,
                                       const std::string& newName);
    std::optional<ProjectError> star(const std::string& type, const std::string& name, bool on);
    std::optional<ProjectError> close(const std::string& type, const std::string& name);
    std::optional<ProjectError> remove(const std::string& type, const std::string& name);
    std::optional<ProjectError> setLabels(const std::string& type, const std::string& name,
                                          const std::vector<std::string>& labels);

    /// The status board of every project, for services that run their own per-project work
    /// (image add, delete, rename) and must respect and update the same busy flag and uuid list.
    ActivityBoard& activities() { return _board; }

    /// Checks a project name: non-empty, at most 255 bytes of UTF-8, no path separators or
    /// control characters, not "." or "..". Returns the broken rule, or nothing.
    static std::optional<std::string> invalidName(const std::string& name);
    /// Reads a label file: one label per line, whitespace removed, empty lines and repeats
    /// dropped, order kept.
    static std::vector<std::string> parseLabels(const std::string& text);

private:
    std::optional<ProjectError> checkFolder(const std::string& path,
                                            std::filesystem::path& resolved) const;
    std::optional<ProjectError> readLabelFile(const std::string& path,
                                              std::vector<std::string>& labels) const;
    /// Marks the job of `row` (create or reload), kept under `boardKey`, as aborted and logs why.
    void recordAbort(const std::string& boardKey, const ProjectRow& row, const std::string& job,
                     const std::string& reason);
    /// Absolute paths of what the scan passed over that the user should hear about.
    static std::vector<std::string> unsupportedSkipped(const FolderScanner& scanner,
                                                       const ScanResult& scan);
    void runCreate(const std::string& pendingKey, ProjectRow row);
    void runLoad(ProjectRow row);
    void runReload(ProjectRow row);
    static std::string pendingKey(const std::string& type, const std::string& name);

    Database& _database;
    JobRunner& _jobs;
    ProjectOptions _options;
    ProjectStore _projects;
    ImageStore _images;
    ActivityBoard _board;
    std::mutex _namesMutex;
    std::set<std::string> _pendingNames; // pendingKey() of creations in flight
};

} // namespace classifai

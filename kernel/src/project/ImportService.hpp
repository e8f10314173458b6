// Project import from a classifai configuration file: the import status machine and the
// background job that validates the file and commits the project in one transaction.
#pragma once

#include "media/ImageProbe.hpp"
#include "project/ConfigFile.hpp"
#include "project/JobRunner.hpp"
#include "project/ProjectActivity.hpp"
#include "store/ImageStore.hpp"
#include "store/ProjectStore.hpp"

#include <filesystem>
#include <mutex>
#include <string>
#include <vector>

namespace Poco::Util {
class AbstractConfiguration;
}

namespace classifai {

class Database;
class Registry;

/// The import status the UI polls (one for the whole server, as in the reference).
struct ImportState {
    /// 0 nothing requested, 1 window open, 2 importing, 3 imported, 5 aborted.
    FileSystemStatus status = FileSystemStatus::DidNotInitiate;
    std::string projectName;   ///< the name the project got (status 3)
    std::string requestedName; ///< the name in the file, when the project had to be renamed
    std::string renameMessage; ///< "Name Overlapped. Rename as <name>." (or why it was renamed)
    std::string failure;       ///< why the import aborted (status 5)
    std::string configPath;    ///< the file being imported
    std::vector<std::string> missing;     ///< absolute paths listed in the file but not found
    std::vector<std::string> unsupported; ///< found but not usable images (absolute paths)
    std::vector<std::string> changed;     ///< found, imported, but their checksum differs
};

/// Settings of the import. Every key is documented in config/classifai.properties.
struct ImportOptions {
    ConfigLimits limits;
    ProbeLimits probe;
    std::vector<std::filesystem::path> allowedRoots; ///< realpaths; empty allows any folder
    unsigned probeThreads = 0;

    /// Reads import.maxFileBytes and import.maxImages into `limits`.
    void readConfig(const Poco::Util::AbstractConfiguration& config);
};

/// Thread-safe. The selection service drives begin/abort/start; the job reports through state().
class ImportService {
public:
    ImportService(Database& database, JobRunner& jobs, const Registry& registry,
                  ImportOptions options);

    /// A new request: status 1 and everything of the previous import cleared, so no poll sees a
    /// stale result. False (and nothing changed) while an import job is still running.
    bool begin();
    /// Ends the current request with status 5 and `reason`.
    void abort(const std::string& reason);
    /// Status 2 and a background job importing `configPath`.
    void start(const std::string& configPath);
    /// True from start() until the job finished.
    bool running() const;
    ImportState state() const;

private:
    /// The job: everything is checked before the one transaction that creates the project.
    void run(const std::string& configPath);
    void finish(ImportState outcome);

    JobRunner& _jobs;
    const Registry& _registry;
    ImportOptions _options;
    ProjectStore _projects;
    ImageStore _images;
    mutable std::mutex _mutex;
    ImportState _state;
    bool _running = false;
};

} // namespace classifai

// Project export: the background job that runs an exporter plugin over a streaming view of the
// project, writes its output to a temporary file and publishes it with one rename.
#pragma once

#include <classifai/sdk/Exporter.hpp>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace classifai {

class Database;
class JobRunner;
class Registry;
struct ProjectRow;

/// The export status numbers of the V2 API.
enum class ExportState { NotInitiated = 0, Starting = 1, Success = 2, Failed = 3 };

/// "EXPORT_NOT_INITIATED", "EXPORT_STARTING", "EXPORT_SUCCESS" or "EXPORT_FAIL".
std::string exportStateName(ExportState state);

/// What the last export did (the V2 route has no project name, so the server keeps one).
struct ExportStatus {
    ExportState state = ExportState::NotInitiated;
    std::string annotationType;
    std::string projectName;
    std::string exportType;
    std::string outputPath; ///< the published file (Success)
    std::string reason;     ///< why it failed (Failed)
    std::int64_t imagesDone = 0;
    std::int64_t imagesTotal = 0;
    std::int64_t outputBytes = 0;
    std::map<std::string, std::int64_t> counters; ///< the exporter's report (clipped shapes, ...)
};

/// An export request refused before any job started.
struct ExportError {
    std::string message;
    int code = 1;
    bool malformed = false; ///< answered with HTTP 400 (unknown annotation type)
};

/// Settings of the export. Every key is documented in config/classifai.properties.
struct ExportOptions {
    std::filesystem::path exportDir; ///< export.dir; empty: the project folder
};

/// What writeExport published.
struct ExportOutput {
    std::filesystem::path path;
    std::int64_t bytes = 0;
    std::map<std::string, std::int64_t> counters;
};

/// Runs `exporter` over `view` and publishes `directory/fileName`: a single-file format writes
/// that file, a multi-file format one zip. Output goes to a temporary file in `directory`,
/// fsynced and renamed only after the exporter succeeded, so a failure never leaves a
/// half-written file. Every exception (the plugin's included) becomes an Error. `progress`
/// (optional) receives the exporter's (done, total) reports.
sdk::Result<ExportOutput>
writeExport(const sdk::Exporter& exporter, sdk::ProjectView& view,
            const std::filesystem::path& directory, const std::string& fileName,
            const std::function<void(std::int64_t, std::int64_t)>& progress = {});

/// The file an export of `projectName` is published as: `<name>.json` for cfg and `<name>.zip`
/// for cfgdata (where the reference puts them), `<name>_<id>.<ext>` for every other format
/// (`.zip` for multi-file formats).
std::string exportFileName(const std::string& projectName, const sdk::Exporter& exporter);

/// Thread-safe. start() validates on the calling thread and queues the job; status() reads the
/// last export's state. runNow() is the job itself, for tests and benchmarks.
class ExportService {
public:
    ExportService(Database& database, JobRunner& jobs, const Registry& registry,
                  ExportOptions options);

    /// Checks the annotation type, the exporter and the project, then starts the job (status 1).
    std::optional<ExportError> start(const std::string& type, const std::string& projectName,
                                     const std::string& exportType);
    /// The last export's status.
    ExportStatus status() const;
    /// Runs an export on the calling thread and returns its final status (also kept as the
    /// server's status when no later export started meanwhile).
    ExportStatus runNow(const std::string& type, const std::string& projectName,
                        const std::string& exportType);
    /// Ids of the exporters that can export projects of annotation type `typeId`, sorted.
    std::vector<std::string> exportersFor(const std::string& typeId) const;

private:
    struct Plan;
    std::optional<ExportError> plan(const std::string& type, const std::string& projectName,
                                    const std::string& exportType, Plan& out);
    ExportStatus run(const Plan& plan, std::uint64_t generation);
    void update(std::uint64_t generation, const std::function<void(ExportStatus&)>& change);

    Database& _database;
    JobRunner& _jobs;
    const Registry& _registry;
    ExportOptions _options;
    mutable std::mutex _mutex;
    ExportStatus _status;
    std::uint64_t _generation = 0;
};

} // namespace classifai

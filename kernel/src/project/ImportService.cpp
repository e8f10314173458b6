#include "project/ImportService.hpp"

#include "plugin/Registry.hpp"
#include "project/FolderScanner.hpp"
#include "project/NameGenerator.hpp"
#include "project/ProjectService.hpp"
#include "store/Ids.hpp"

#include <Poco/Base64Encoder.h>
#include <Poco/DigestStream.h>
#include <Poco/Logger.h>
#include <Poco/NumberParser.h>
#include <Poco/SHA2Engine.h>
#include <Poco/String.h>
#include <Poco/Util/AbstractConfiguration.h>

#include <fmt/format.h>

#include <sys/stat.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <unordered_set>

namespace classifai {

namespace {

namespace fs = std::filesystem;

Poco::Logger& logger() {
    return Poco::Logger::get("classifai.import");
}

constexpr int kCreateAttempts = 8;

bool insideRoot(const fs::path& path, const fs::path& root) {
    auto rel = path.lexically_relative(root);
    return !rel.empty() && *rel.begin() != "..";
}

// The reference's checksum: SHA-256 of the file, standard Base64 with padding.
std::string sha256Base64(const fs::path& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in) {
        return {};
    }
    Poco::SHA2Engine engine(Poco::SHA2Engine::SHA_256);
    Poco::DigestOutputStream digest(engine);
    digest << in.rdbuf();
    digest.close();
    const auto& bytes = engine.digest();
    std::ostringstream text;
    Poco::Base64Encoder encoder(text);
    encoder.rdbuf()->setLineLength(0);
    encoder.write(reinterpret_cast<const char*>(bytes.data()),
                  static_cast<std::streamsize>(bytes.size()));
    encoder.close();
    return text.str();
}

// A number as JSON text: integers without a fraction.
std::string jsonNumber(double value) {
    return fmt::format("{}", value);
}

std::string annotationData(const std::string& canonicalList, const ConfigImage& image) {
    return fmt::format(R"({{"annotation":{},"img_x":{},"img_y":{},"img_w":{},"img_h":{}}})",
                       canonicalList, jsonNumber(image.imgX), jsonNumber(image.imgY),
                       jsonNumber(image.imgW), jsonNumber(image.imgH));
}

// Why `path` may not be imported from, or nothing.
std::optional<std::string> refusedConfigPath(const std::string& path,
                                             const std::vector<fs::path>& roots,
                                             std::int64_t maxBytes, fs::path& resolved) {
    fs::path requested(path);
    if (path.empty() || !requested.is_absolute()) {
        return fmt::format("the configuration file must be an absolute path: {}", path);
    }
    std::error_code error;
    resolved = fs::canonical(requested, error);
    if (error || !fs::is_regular_file(resolved, error)) {
        return fmt::format("the configuration file does not exist: {}", path);
    }
    for (const char* forbidden : {"/proc", "/sys", "/dev"}) {
        if (insideRoot(resolved, forbidden)) {
            return fmt::format("the configuration file is not allowed: {}", path);
        }
    }
    bool allowed = roots.empty();
    for (const auto& root : roots) {
        allowed = allowed || insideRoot(resolved, root);
    }
    if (!allowed) {
        return fmt::format(
            "the configuration file {} is outside the folders this server may read (files.roots)",
            path);
    }
    auto size = static_cast<std::int64_t>(fs::file_size(resolved, error));
    if (error) {
        return fmt::format("the configuration file cannot be read: {}", path);
    }
    if (size > maxBytes) {
        return fmt::format("the configuration file is larger than {} bytes (import.maxFileBytes)",
                           maxBytes);
    }
    return std::nullopt;
}

} // namespace

void ImportOptions::readConfig(const Poco::Util::AbstractConfiguration& config) {
    auto positive = [&](const char* key, std::int64_t fallback) {
        auto text = Poco::trim(config.getString(key, ""));
        if (text.empty()) {
            return fallback;
        }
        std::int64_t value = 0;
        if (!Poco::NumberParser::tryParse64(text, value) || value <= 0) {
            throw std::invalid_argument(
                fmt::format("{} must be a positive whole number, not '{}'", key, text));
        }
        return value;
    };
    limits.maxFileBytes = positive("import.maxFileBytes", limits.maxFileBytes);
    limits.maxImages = static_cast<std::size_t>(
        positive("import.maxImages", static_cast<std::int64_t>(limits.maxImages)));
}

ImportService::ImportService(Database& database, JobRunner& jobs, const Registry& registry,
                             ImportOptions options)
    : _jobs(jobs), _registry(registry), _options(std::move(options)), _projects(database),
      _images(database) {}

bool ImportService::begin() {
    std::lock_guard lock(_mutex);
    if (_running) {
        return false;
    }
    _state = ImportState{};
    _state.status = FileSystemStatus::IteratingFolder;
    return true;
}

void ImportService::abort(const std::string& reason) {
    std::lock_guard lock(_mutex);
    if (_running) {
        return;
    }
    _state.status = FileSystemStatus::Aborted;
    _state.failure = reason;
}

void ImportService::start(const std::string& configPath) {
    {
        std::lock_guard lock(_mutex);
        _running = true;
        _state.status = FileSystemStatus::DatabaseUpdating;
        _state.configPath = configPath;
    }
    if (!_jobs.submit("import " + configPath, [this, configPath] { run(configPath); })) {
        ImportState outcome;
        outcome.status = FileSystemStatus::Aborted;
        outcome.failure = "the server is shutting down";
        finish(std::move(outcome));
    }
}

bool ImportService::running() const {
    std::lock_guard lock(_mutex);
    return _running;
}

ImportState ImportService::state() const {
    std::lock_guard lock(_mutex);
    return _state;
}

void ImportService::finish(ImportState outcome) {
    std::lock_guard lock(_mutex);
    outcome.configPath = _state.configPath;
    _state = std::move(outcome);
    _running = false;
}

void ImportService::run(const std::string& configPath) {
    const auto started = std::chrono::steady_clock::now();
    ImportState outcome;
    auto abort = [&](const std::string& reason) {
        logger().warning(fmt::format("import of {} aborted: {}", configPath, reason));
        outcome = ImportState{};
        outcome.status = FileSystemStatus::Aborted;
        outcome.failure = reason;
        finish(std::move(outcome));
    };
    try {
        fs::path file;
        if (auto refused = refusedConfigPath(configPath, _options.allowedRoots,
                                             _options.limits.maxFileBytes, file)) {
            return abort(*refused);
        }
        std::string text;
        {
            std::ifstream in(file, std::ios::binary);
            std::ostringstream content;
            content << in.rdbuf();
            if (!in.good() && !in.eof()) {
                return abort(fmt::format("the configuration file cannot be read: {}", configPath));
            }
            text = content.str();
        }
        auto parsed = ConfigFile::parse(text, _options.limits);
        text.clear();
        text.shrink_to_fit();
        if (!parsed.config) {
            return abort(parsed.error);
        }
        auto& config = *parsed.config;
        const auto* type = _registry.annotationType(Poco::toLower(config.annotationType));
        if (type == nullptr) {
            std::string available;
            for (const auto* known : _registry.annotationTypes()) {
                available += (available.empty() ? "" : ", ") + known->id();
                for (const auto& alias : known->aliases()) {
                    available += ", " + alias;
                }
            }
            return abort(fmt::format("annotation_type \"{}\" is not known here (known: {})",
                                     config.annotationType,
                                     available.empty() ? "none" : available));
        }

        // Every annotation list goes through its type's validation before anything is stored.
        const fs::path root = file.parent_path();
        std::vector<std::string> labels = config.labels;
        std::unordered_set<std::string> knownLabels(labels.begin(), labels.end());
        std::vector<std::string> canonical(config.images.size());
        for (std::size_t i = 0; i < config.images.size(); ++i) {
            const auto& image = config.images[i];
            auto list = type->canonicalize(image.annotationList);
            if (!list) {
                return abort(fmt::format("the annotations of {} are invalid: {}", image.relPath,
                                         list.error().message));
            }
            canonical[i] = std::move(list).value();
            auto used = type->labels(canonical[i]);
            if (used) {
                for (const auto& label : used.value()) {
                    if (!label.empty() && knownLabels.insert(label).second) {
                        labels.push_back(label);
                    }
                }
            }
        }

        // Which listed files are here: missing ones keep their rows (and annotations) so they
        // come back when the file does; unusable ones are reported like a scan reports them.
        FolderScanner scanner(root, _options.probe);
        std::vector<ScanEntry> present;
        std::vector<std::size_t> presentIndex;
        std::vector<ImageRow> rows;
        for (std::size_t i = 0; i < config.images.size(); ++i) {
            const auto& image = config.images[i];
            struct stat info {};
            const fs::path absolute = root / image.relPath;
            if (::stat(absolute.c_str(), &info) != 0) {
                outcome.missing.push_back(absolute.string());
                ImageRow row;
                row.relPath = image.relPath;
                row.width = image.width;
                row.height = image.height;
                row.depth = image.depth;
                row.annotation = annotationData(canonical[i], image);
                rows.push_back(std::move(row));
                continue;
            }
            if (!S_ISREG(info.st_mode)) {
                outcome.unsupported.push_back(absolute.string());
                continue;
            }
            present.push_back({image.relPath, static_cast<std::int64_t>(info.st_size),
                               static_cast<std::int64_t>(info.st_mtim.tv_sec) * 1'000'000'000 +
                                   static_cast<std::int64_t>(info.st_mtim.tv_nsec)});
            presentIndex.push_back(i);
        }
        auto probes = scanner.probeAll(present, _options.probeThreads, {}, _jobs.stoppingFlag());
        if (_jobs.stopping()) {
            return abort("the server stopped before the import finished");
        }
        for (std::size_t k = 0; k < present.size(); ++k) {
            const auto& image = config.images[presentIndex[k]];
            const auto& probe = probes[k];
            const fs::path absolute = root / image.relPath;
            if (!probe.ok()) {
                logger().information(fmt::format("import of {}: {} not imported: {}", configPath,
                                                 image.relPath, probe.reason));
                outcome.unsupported.push_back(absolute.string());
                continue;
            }
            if (image.checksum && sha256Base64(absolute) != *image.checksum) {
                outcome.changed.push_back(absolute.string());
            }
            ImageRow row;
            row.uuid = image.uuid;
            row.relPath = image.relPath;
            row.sizeBytes = present[k].sizeBytes;
            row.mtimeNs = present[k].mtimeNs;
            row.width = probe.width;
            row.height = probe.height;
            row.depth = probe.depth;
            row.annotation = annotationData(canonical[presentIndex[k]], image);
            rows.push_back(std::move(row));
        }
        std::sort(rows.begin(), rows.end(),
                  [](const ImageRow& a, const ImageRow& b) { return a.relPath < b.relPath; });
        // The file's ids are kept when they are free (a re-import after a delete round-trips
        // exactly); an id in use or repeated in the file gets a fresh one.
        std::unordered_set<std::string> usedUuids;
        for (std::size_t i = 0; i < rows.size(); ++i) {
            auto& uuid = rows[i].uuid;
            if (uuid.empty() || !usedUuids.insert(uuid).second || _images.uuidInUse(uuid)) {
                uuid = newUuid();
                usedUuids.insert(uuid);
            }
            rows[i].position = static_cast<std::int64_t>(i);
        }

        ProjectRow project;
        project.annotationType = type->id();
        project.rootPath = root.string();
        project.isNew = true;
        project.isStarred = config.isStarred;
        project.labels = std::move(labels);
        project.versionUuid = config.versionUuid;
        project.createdAt = config.createdAt;
        project.modifiedAt = config.modifiedAt.empty() ? config.createdAt : config.modifiedAt;
        if (project.createdAt.empty() || project.modifiedAt < project.createdAt) {
            project.modifiedAt = project.createdAt;
        }

        NameGenerator names;
        auto taken = [&](const std::string& name) {
            return _projects.findByName(type->id(), name).has_value();
        };
        std::string name = config.projectName;
        if (auto rule = ProjectService::invalidName(name)) {
            name = names.unused(taken);
            outcome.requestedName = config.projectName;
            outcome.renameMessage =
                fmt::format("Invalid project name ({}). Rename as {}.", *rule, name);
        } else if (taken(name)) {
            name = names.unused(taken);
            outcome.requestedName = config.projectName;
            outcome.renameMessage = fmt::format("Name Overlapped. Rename as {}.", name);
        }
        std::optional<ProjectRow> stored;
        for (int attempt = 0; attempt < kCreateAttempts && !stored; ++attempt) {
            project.id =
                attempt == 0 && !config.projectId.empty() && !_projects.findById(config.projectId)
                    ? config.projectId
                    : newUuid();
            project.name = name;
            // The project, its labels and every image with its annotations: one transaction.
            stored = _projects.create(project, rows);
            if (!stored) {
                // Taken between the check and the commit: draw again.
                name = names.unused(taken);
                outcome.requestedName = config.projectName;
                outcome.renameMessage = fmt::format("Name Overlapped. Rename as {}.", name);
            }
        }
        if (!stored) {
            return abort("no free project name could be found");
        }
        outcome.status = FileSystemStatus::DatabaseUpdated;
        outcome.projectName = stored->name;
        logger().information(fmt::format(
            "imported {} as project '{}' ({}) in {}: {} images ({} missing, {} unsupported, "
            "{} changed since the export), {} labels, in {:.2f} s",
            configPath, stored->name, stored->annotationType, stored->rootPath, rows.size(),
            outcome.missing.size(), outcome.unsupported.size(), outcome.changed.size(),
            stored->labels.size(),
            std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count()));
        if (!config.duplicatePaths.empty()) {
            logger().warning(fmt::format("import of {}: {} paths were listed more than once; the "
                                         "entry with the most annotation data was kept",
                                         configPath, config.duplicatePaths.size()));
        }
        finish(std::move(outcome));
    } catch (const std::exception& error) {
        abort(std::string("internal error: ") + error.what());
    }
}

} // namespace classifai

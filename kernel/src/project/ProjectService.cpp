#include "project/ProjectService.hpp"

#include "project/FolderScanner.hpp"
#include "store/Database.hpp"
#include "store/Ids.hpp"

#include <Poco/Logger.h>
#include <Poco/Path.h>

#include <fmt/format.h>

#include <chrono>
#include <fstream>
#include <map>
#include <sstream>
#include <unordered_map>
#include <unordered_set>

namespace classifai {

namespace {

Poco::Logger& logger() {
    return Poco::Logger::get("classifai.projects");
}

constexpr std::size_t kMaxNameBytes = 255;

bool validUtf8(const std::string& text) {
    std::size_t i = 0;
    while (i < text.size()) {
        auto byte = static_cast<unsigned char>(text[i]);
        std::size_t extra = 0;
        if (byte >= 0xF0 && byte <= 0xF4) {
            extra = 3;
        } else if (byte >= 0xE0) {
            extra = byte <= 0xEF ? 2 : 99;
        } else if (byte >= 0xC2) {
            extra = 1;
        } else if (byte >= 0x80) {
            return false;
        }
        if (extra == 99 || i + extra >= text.size() + (extra == 0 ? 1 : 0)) {
            return false;
        }
        for (std::size_t k = 1; k <= extra; ++k) {
            if ((static_cast<unsigned char>(text[i + k]) & 0xC0) != 0x80) {
                return false;
            }
        }
        i += extra + 1;
    }
    return true;
}

bool insideRoot(const std::filesystem::path& path, const std::filesystem::path& root) {
    auto rel = path.lexically_relative(root);
    return !rel.empty() && *rel.begin() != "..";
}

double secondsSince(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

} // namespace

ProjectService::ProjectService(Database& database, JobRunner& jobs, ProjectOptions options)
    : _database(database), _jobs(jobs), _options(std::move(options)), _projects(database),
      _images(database) {}

std::string ProjectService::pendingKey(const std::string& type, const std::string& name) {
    return "pending:" + type + "/" + name;
}

std::optional<std::string> ProjectService::invalidName(const std::string& name) {
    if (name.empty() || name.find_first_not_of(" \t") == std::string::npos) {
        return "the project name is empty";
    }
    if (name.size() > kMaxNameBytes) {
        return fmt::format("the project name is longer than {} bytes", kMaxNameBytes);
    }
    if (!validUtf8(name)) {
        return "the project name is not valid UTF-8";
    }
    for (unsigned char c : name) {
        if (c < 0x20 || c == 0x7F) {
            return "the project name contains a control character";
        }
        if (c == '/' || c == '\\') {
            return "the project name contains a path separator ('/' or '\\')";
        }
    }
    if (name == "." || name == "..") {
        return "the project name cannot be '.' or '..'";
    }
    return std::nullopt;
}

std::vector<std::string> ProjectService::parseLabels(const std::string& text) {
    std::vector<std::string> labels;
    std::unordered_set<std::string> seen;
    std::istringstream lines(text);
    std::string line;
    while (std::getline(lines, line)) {
        std::string label;
        for (char c : line) {
            if (!std::isspace(static_cast<unsigned char>(c))) {
                label.push_back(c);
            }
        }
        if (!label.empty() && seen.insert(label).second) {
            labels.push_back(label);
        }
    }
    return labels;
}

std::optional<ProjectError> ProjectService::checkFolder(const std::string& path,
                                                        std::filesystem::path& resolved) const {
    if (path.empty()) {
        return ProjectError{"Field 'project_path' is empty: choose a project folder"};
    }
    std::filesystem::path requested(path);
    if (!requested.is_absolute()) {
        return ProjectError{fmt::format("Project folder must be an absolute path: {}", path)};
    }
    std::error_code error;
    resolved = std::filesystem::canonical(requested, error);
    if (error) {
        return ProjectError{fmt::format("Project folder does not exist: {}", path)};
    }
    if (!std::filesystem::is_directory(resolved, error)) {
        return ProjectError{fmt::format("Project folder is not a folder: {}", path)};
    }
    for (const char* forbidden : {"/proc", "/sys", "/dev"}) {
        if (resolved == forbidden || insideRoot(resolved, forbidden)) {
            return ProjectError{fmt::format("Project folder is not allowed: {}", path)};
        }
    }
    bool allowed = _options.allowedRoots.empty();
    for (const auto& root : _options.allowedRoots) {
        allowed = allowed || resolved == root || insideRoot(resolved, root);
    }
    if (!allowed) {
        return ProjectError{fmt::format(
            "Project folder {} is outside the folders this server may read (files.roots)", path)};
    }
    return std::nullopt;
}

std::optional<ProjectError> ProjectService::readLabelFile(const std::string& path,
                                                          std::vector<std::string>& labels) const {
    std::filesystem::path resolved;
    std::error_code error;
    resolved = std::filesystem::canonical(path, error);
    if (error || !std::filesystem::is_regular_file(resolved, error)) {
        return ProjectError{fmt::format("Label file does not exist: {}", path)};
    }
    auto size = static_cast<std::int64_t>(std::filesystem::file_size(resolved, error));
    if (error || size > _options.maxLabelFileBytes) {
        return ProjectError{
            fmt::format("Label file {} is larger than {} bytes", path, _options.maxLabelFileBytes)};
    }
    std::ifstream in(resolved, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    if (!in.good() && !in.eof()) {
        return ProjectError{fmt::format("Label file cannot be read: {}", path)};
    }
    if (!validUtf8(text.str())) {
        return ProjectError{fmt::format("Label file is not UTF-8 text: {}", path)};
    }
    labels = parseLabels(text.str());
    return std::nullopt;
}

std::optional<ProjectError> ProjectService::create(const CreateRequest& request) {
    if (auto rule = invalidName(request.name)) {
        return ProjectError{fmt::format("Invalid project name: {}", *rule)};
    }
    std::filesystem::path root;
    if (auto error = checkFolder(request.projectPath, root)) {
        return error;
    }
    std::vector<std::string> labels;
    if (!request.labelFilePath.empty()) {
        if (auto error = readLabelFile(request.labelFilePath, labels)) {
            return error;
        }
    }
    auto key = pendingKey(request.annotationType, request.name);
    {
        std::lock_guard lock(_namesMutex);
        if (_pendingNames.count(key) ||
            _projects.findByName(request.annotationType, request.name)) {
            return ProjectError{fmt::format("Project name exist: {}.", request.name)};
        }
        _pendingNames.insert(key);
    }
    _board.update(key, [](ProjectActivity& activity) {
        activity = ProjectActivity{};
        activity.fileSystem = FileSystemStatus::IteratingFolder;
        activity.busyWith = "create";
    });
    ProjectRow row;
    row.id = newUuid();
    row.name = request.name;
    row.annotationType = request.annotationType;
    row.rootPath = root.string();
    row.isNew = true;
    row.labels = std::move(labels);
    logger().information(fmt::format("project '{}' ({}): creating from {}", row.name,
                                     row.annotationType, row.rootPath));
    if (!_jobs.submit("create " + row.name, [this, key, row] { runCreate(key, row); })) {
        std::lock_guard lock(_namesMutex);
        _pendingNames.erase(key);
        _board.erase(key);
        return ProjectError{"The server is shutting down"};
    }
    return std::nullopt;
}

void ProjectService::recordAbort(const std::string& boardKey, const ProjectRow& row,
                                 const std::string& job, const std::string& reason) {
    logger().warning(fmt::format("project '{}' ({}): {} aborted: {}", row.name, row.annotationType,
                                 job, reason));
    _board.update(boardKey, [&](ProjectActivity& activity) {
        activity.fileSystem = FileSystemStatus::Aborted;
        activity.failure = reason;
        activity.busyWith.clear();
    });
}

std::vector<std::string> ProjectService::unsupportedSkipped(const FolderScanner& scanner,
                                                            const ScanResult& scan) {
    std::vector<std::string> unsupported;
    for (const auto& skipped : scan.skipped) {
        if (belongsInUnsupportedList(skipped)) {
            unsupported.push_back((scanner.root() / skipped.relPath).string());
        }
    }
    return unsupported;
}

void ProjectService::runCreate(const std::string& key, ProjectRow row) {
    auto started = std::chrono::steady_clock::now();
    auto abort = [&](const std::string& reason) {
        recordAbort(key, row, "creation", reason);
        std::lock_guard lock(_namesMutex);
        _pendingNames.erase(key);
    };
    try {
        FolderScanner scanner(row.rootPath, _options.limits);
        auto scan = scanner.scan();
        if (!scan.ok()) {
            return abort(scan.error);
        }
        const auto total = static_cast<std::int64_t>(scan.candidates.size());
        _board.update(key, [&](ProjectActivity& activity) { activity.progressTotal = total; });
        const auto* cancel = _jobs.stoppingFlag();
        auto results = scanner.probeAll(
            scan.candidates, _options.probeThreads,
            [&](std::size_t done) {
                _board.update(key, [&](ProjectActivity& activity) {
                    activity.progressDone = static_cast<std::int64_t>(done);
                });
            },
            cancel);
        if (_jobs.stopping()) {
            return abort("the server stopped before the project was created");
        }

        std::vector<ImageRow> images;
        auto unsupported = unsupportedSkipped(scanner, scan);
        for (std::size_t i = 0; i < results.size(); ++i) {
            const auto& entry = scan.candidates[i];
            const auto& probe = results[i];
            if (probe.ok()) {
                ImageRow image;
                image.uuid = newUuid();
                image.relPath = entry.relPath;
                image.position = static_cast<std::int64_t>(images.size());
                image.sizeBytes = entry.sizeBytes;
                image.mtimeNs = entry.mtimeNs;
                image.width = probe.width;
                image.height = probe.height;
                image.depth = probe.depth;
                images.push_back(std::move(image));
            } else if (belongsInUnsupportedList(entry.relPath, probe)) {
                unsupported.push_back(scanner.absolutePath(entry).string());
            }
        }
        _board.update(key, [&](ProjectActivity& activity) {
            activity.fileSystem = FileSystemStatus::DatabaseUpdating;
            activity.progressDone = 0;
            activity.progressTotal = static_cast<std::int64_t>(images.size());
        });
        if (!_projects.create(row, images)) {
            return abort(fmt::format("Project name exist: {}.", row.name));
        }
        std::vector<std::string> uuids;
        uuids.reserve(images.size());
        for (const auto& image : images) {
            uuids.push_back(image.uuid);
        }
        logger().information(fmt::format(
            "project '{}' ({}): created from {} with {} images, {} unsupported, in {:.2f} s",
            row.name, row.annotationType, row.rootPath, images.size(), unsupported.size(),
            secondsSince(started)));
        // Under the names lock, so a status poll sees the pending entry or the stored project,
        // never neither.
        std::lock_guard lock(_namesMutex);
        _board.update(key, [&](ProjectActivity& activity) {
            activity.fileSystem = FileSystemStatus::DatabaseUpdated;
            activity.progressDone = static_cast<std::int64_t>(images.size());
            activity.unsupported = std::move(unsupported);
            activity.validUuids = std::move(uuids);
            activity.load = LoadState::Loaded;
            activity.busyWith.clear();
        });
        _board.rename(key, row.id);
        _pendingNames.erase(key);
    } catch (const std::exception& error) {
        abort(std::string("internal error: ") + error.what());
    }
}

std::optional<ProjectActivity> ProjectService::createStatus(const std::string& type,
                                                            const std::string& name) {
    auto key = pendingKey(type, name);
    std::lock_guard lock(_namesMutex);
    if (_pendingNames.count(key)) {
        return _board.get(key);
    }
    if (auto row = _projects.findByName(type, name)) {
        return _board.get(row->id);
    }
    auto failed = _board.get(key);
    if (failed.fileSystem == FileSystemStatus::Aborted) {
        return failed;
    }
    return std::nullopt;
}

std::vector<ProjectSnapshot> ProjectService::list(const std::string& type) {
    std::vector<ProjectSnapshot> snapshots;
    for (auto& row : _projects.listByType(type)) {
        ProjectSnapshot snapshot;
        snapshot.activity = _board.get(row.id);
        snapshot.imageCount = snapshot.activity.validUuids
                                  ? static_cast<std::int64_t>(snapshot.activity.validUuids->size())
                                  : _images.countByProject(row.id);
        std::error_code error;
        snapshot.rootPathValid = std::filesystem::is_directory(row.rootPath, error);
        snapshot.row = std::move(row);
        snapshots.push_back(std::move(snapshot));
    }
    std::sort(snapshots.begin(), snapshots.end(),
              [](const auto& a, const auto& b) { return a.row.name < b.row.name; });
    return snapshots;
}

std::optional<ProjectSnapshot> ProjectService::find(const std::string& type,
                                                    const std::string& name) {
    auto row = _projects.findByName(type, name);
    if (!row) {
        return std::nullopt;
    }
    ProjectSnapshot snapshot;
    snapshot.activity = _board.get(row->id);
    snapshot.imageCount = snapshot.activity.validUuids
                              ? static_cast<std::int64_t>(snapshot.activity.validUuids->size())
                              : _images.countByProject(row->id);
    std::error_code error;
    snapshot.rootPathValid = std::filesystem::is_directory(row->rootPath, error);
    snapshot.row = std::move(*row);
    return snapshot;
}

std::optional<ProjectError> ProjectService::load(const std::string& type, const std::string& name) {
    auto row = _projects.findByName(type, name);
    if (!row) {
        return ProjectError{"Project not exist"};
    }
    if (row->isNew) {
        _projects.setNew(row->id, false);
        row->isNew = false;
    }
    bool start = false;
    _board.update(row->id, [&](ProjectActivity& activity) {
        activity.isLoaded = true;
        if (activity.load != LoadState::Loading) {
            activity.load = LoadState::Loading;
            activity.loadDone = 0;
            activity.loadTotal = 0;
            start = true;
        }
    });
    if (start && !_jobs.submit("load " + name, [this, row = *row] { runLoad(row); })) {
        return ProjectError{"The server is shutting down"};
    }
    logger().information(fmt::format("project '{}' ({}): opened", name, type));
    return std::nullopt;
}

void ProjectService::runLoad(ProjectRow row) {
    try {
        const auto total = _images.countByProject(row.id);
        _board.update(row.id, [&](ProjectActivity& activity) { activity.loadTotal = total; });
        std::vector<std::string> valid;
        valid.reserve(static_cast<std::size_t>(total));
        std::int64_t done = 0;
        const std::filesystem::path root(row.rootPath);
        _images.forEachInProject(row.id, [&](const ImageRow& image) {
            std::error_code error;
            if (std::filesystem::is_regular_file(root / image.relPath, error)) {
                valid.push_back(image.uuid);
            }
            if (++done % 512 == 0) {
                _board.update(row.id, [&](ProjectActivity& activity) { activity.loadDone = done; });
            }
        });
        _board.update(row.id, [&](ProjectActivity& activity) {
            activity.loadDone = done;
            activity.validUuids = std::move(valid);
            activity.load = LoadState::Loaded;
        });
    } catch (const std::exception& error) {
        logger().error(fmt::format("project '{}' ({}): loading failed: {}", row.name,
                                   row.annotationType, error.what()));
        _board.update(row.id, [&](ProjectActivity& activity) {
            activity.load = LoadState::Error;
            activity.failure = error.what();
        });
    }
}

std::optional<ProjectError> ProjectService::reload(const std::string& type,
                                                   const std::string& name) {
    auto row = _projects.findByName(type, name);
    if (!row) {
        return ProjectError{"Project not exist"};
    }
    if (!_board.tryBegin(row->id, "reload")) {
        return ProjectError{fmt::format("Project {} is busy ({}); try again when it finishes", name,
                                        _board.get(row->id).busyWith)};
    }
    std::error_code error;
    if (!std::filesystem::is_directory(row->rootPath, error)) {
        auto reason = fmt::format("project folder does not exist: {}", row->rootPath);
        _board.update(row->id, [&](ProjectActivity& activity) {
            activity.fileSystem = FileSystemStatus::Aborted;
            activity.failure = reason;
            activity.busyWith.clear();
        });
        return ProjectError{fmt::format("Failed to reload project {}: {}", name, reason)};
    }
    _board.update(row->id, [](ProjectActivity& activity) {
        activity.fileSystem = FileSystemStatus::IteratingFolder;
        activity.failure.clear();
        activity.progressDone = 0;
        activity.progressTotal = 0;
        activity.added.clear();
        activity.deleted.clear();
        activity.unsupported.clear();
    });
    if (!_jobs.submit("reload " + name, [this, row = *row] { runReload(row); })) {
        _board.update(row->id, [](ProjectActivity& activity) { activity.busyWith.clear(); });
        return ProjectError{"The server is shutting down"};
    }
    return std::nullopt;
}

void ProjectService::runReload(ProjectRow row) {
    auto started = std::chrono::steady_clock::now();
    auto abort = [&](const std::string& reason) { recordAbort(row.id, row, "reload", reason); };
    try {
        FolderScanner scanner(row.rootPath, _options.limits);
        auto scan = scanner.scan();
        if (!scan.ok()) {
            return abort(scan.error);
        }
        auto stored = _images.listByProject(row.id);
        std::unordered_map<std::string, std::size_t> storedByPath;
        for (std::size_t i = 0; i < stored.size(); ++i) {
            storedByPath.emplace(stored[i].relPath, i);
        }
        // Only new files and files whose size or time changed are opened.
        std::vector<ScanEntry> toProbe;
        std::vector<bool> storedValid(stored.size(), false);
        for (const auto& entry : scan.candidates) {
            auto found = storedByPath.find(entry.relPath);
            if (found != storedByPath.end() && stored[found->second].sizeBytes == entry.sizeBytes &&
                stored[found->second].mtimeNs == entry.mtimeNs) {
                storedValid[found->second] = true;
            } else {
                toProbe.push_back(entry);
            }
        }
        _board.update(row.id, [&](ProjectActivity& activity) {
            activity.progressTotal = static_cast<std::int64_t>(toProbe.size());
        });
        auto results = scanner.probeAll(
            toProbe, _options.probeThreads,
            [&](std::size_t done) {
                _board.update(row.id, [&](ProjectActivity& activity) {
                    activity.progressDone = static_cast<std::int64_t>(done);
                });
            },
            _jobs.stoppingFlag());
        if (_jobs.stopping()) {
            return abort("the server stopped before the reload finished");
        }
        _board.update(row.id, [&](ProjectActivity& activity) {
            activity.fileSystem = FileSystemStatus::DatabaseUpdating;
        });

        auto unsupported = unsupportedSkipped(scanner, scan);
        std::vector<ImageRow> added;
        auto nextPosition = _images.nextPosition(row.id);
        bool changed = false;
        for (std::size_t i = 0; i < toProbe.size(); ++i) {
            const auto& entry = toProbe[i];
            const auto& probe = results[i];
            if (!probe.ok()) {
                if (belongsInUnsupportedList(entry.relPath, probe)) {
                    unsupported.push_back(scanner.absolutePath(entry).string());
                }
                continue;
            }
            auto found = storedByPath.find(entry.relPath);
            if (found != storedByPath.end()) {
                // Same path, new content: the uuid and its annotations stay.
                _images.updateFileStat(stored[found->second].uuid, entry.sizeBytes, entry.mtimeNs,
                                       probe.width, probe.height, probe.depth);
                storedValid[found->second] = true;
                changed = true;
                continue;
            }
            ImageRow image;
            image.uuid = newUuid();
            image.relPath = entry.relPath;
            image.position = nextPosition++;
            image.sizeBytes = entry.sizeBytes;
            image.mtimeNs = entry.mtimeNs;
            image.width = probe.width;
            image.height = probe.height;
            image.depth = probe.depth;
            added.push_back(std::move(image));
        }
        _images.insertBatch(row.id, added);
        if (changed || !added.empty()) {
            _projects.touch(row.id);
        }

        auto previous = _board.get(row.id).validUuids;
        std::unordered_set<std::string> before;
        if (previous) {
            before.insert(previous->begin(), previous->end());
        } else {
            for (const auto& image : stored) {
                before.insert(image.uuid);
            }
        }
        std::vector<std::string> valid, addList, deleteList;
        for (std::size_t i = 0; i < stored.size(); ++i) {
            if (storedValid[i]) {
                valid.push_back(stored[i].uuid);
                if (!before.count(stored[i].uuid)) {
                    addList.push_back(stored[i].uuid); // a file that came back
                }
            } else if (before.count(stored[i].uuid)) {
                deleteList.push_back(stored[i].uuid);
            }
        }
        for (const auto& image : added) {
            valid.push_back(image.uuid);
            addList.push_back(image.uuid);
        }
        logger().information(fmt::format(
            "project '{}' ({}): reloaded {}: {} added, {} gone, {} unsupported, in {:.2f} s",
            row.name, row.annotationType, row.rootPath, addList.size(), deleteList.size(),
            unsupported.size(), secondsSince(started)));
        _board.update(row.id, [&](ProjectActivity& activity) {
            activity.fileSystem = FileSystemStatus::DatabaseUpdated;
            activity.added = std::move(addList);
            activity.deleted = std::move(deleteList);
            activity.unsupported = std::move(unsupported);
            activity.validUuids = std::move(valid);
            activity.busyWith.clear();
        });
    } catch (const std::exception& error) {
        abort(std::string("internal error: ") + error.what());
    }
}

std::optional<ProjectError> ProjectService::rename(const std::string& type, const std::string& name,
                                                   const std::string& newName) {
    if (auto rule = invalidName(newName)) {
        return ProjectError{fmt::format("Failed to rename project {}: {}", name, *rule)};
    }
    auto row = _projects.findByName(type, name);
    if (!row) {
        return ProjectError{"Project not exist"};
    }
    {
        std::lock_guard lock(_namesMutex);
        if (_pendingNames.count(pendingKey(type, newName))) {
            return ProjectError{fmt::format("Project name exist: {}.", newName)};
        }
        switch (_projects.rename(row->id, newName)) {
        case ProjectStore::RenameResult::Renamed:
            break;
        case ProjectStore::RenameResult::NameTaken:
            return ProjectError{fmt::format("Project name exist: {}.", newName)};
        case ProjectStore::RenameResult::NotFound:
            return ProjectError{"Project not exist"};
        }
    }
    _projects.touch(row->id);
    logger().information(fmt::format("project '{}' ({}): renamed to '{}'", name, type, newName));
    return std::nullopt;
}

std::optional<ProjectError> ProjectService::star(const std::string& type, const std::string& name,
                                                 bool on) {
    auto row = _projects.findByName(type, name);
    if (!row || !_projects.setStarred(row->id, on)) {
        return ProjectError{"Project not exist"};
    }
    return std::nullopt;
}

std::optional<ProjectError> ProjectService::close(const std::string& type,
                                                  const std::string& name) {
    auto row = _projects.findByName(type, name);
    if (!row) {
        return ProjectError{"Project not exist"};
    }
    _board.update(row->id, [](ProjectActivity& activity) { activity.isLoaded = false; });
    logger().information(fmt::format("project '{}' ({}): closed", name, type));
    return std::nullopt;
}

std::optional<ProjectError> ProjectService::remove(const std::string& type,
                                                   const std::string& name) {
    auto row = _projects.findByName(type, name);
    if (!row) {
        return ProjectError{"Project not exist"};
    }
    if (!_board.tryBegin(row->id, "delete")) {
        return ProjectError{fmt::format("Project {} is busy ({}); try again when it finishes", name,
                                        _board.get(row->id).busyWith)};
    }
    bool removed = false;
    try {
        removed = _projects.remove(row->id);
    } catch (...) {
        _board.update(row->id, [](ProjectActivity& activity) { activity.busyWith.clear(); });
        throw;
    }
    _board.erase(row->id);
    if (!removed) {
        return ProjectError{"Project not exist"};
    }
    logger().information(fmt::format("project '{}' ({}): deleted (image files kept in {})", name,
                                     type, row->rootPath));
    return std::nullopt;
}

std::optional<ProjectError> ProjectService::setLabels(const std::string& type,
                                                      const std::string& name,
                                                      const std::vector<std::string>& labels) {
    auto row = _projects.findByName(type, name);
    if (!row) {
        return ProjectError{"Project not exist"};
    }
    std::vector<std::string> cleaned;
    std::unordered_set<std::string> seen;
    for (auto label : labels) {
        label.erase(std::remove_if(label.begin(), label.end(),
                                   [](char c) { return c == '\r' || c == '\n'; }),
                    label.end());
        if (!label.empty() && seen.insert(label).second) {
            cleaned.push_back(std::move(label));
        }
    }
    if (!_projects.setLabels(row->id, cleaned)) {
        return ProjectError{"Project not exist"};
    }
    _projects.touch(row->id);
    return std::nullopt;
}

} // namespace classifai

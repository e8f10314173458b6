#include "project/ImageService.hpp"

#include "media/ImageFile.hpp"
#include "media/Thumbnailer.hpp"
#include "project/ImageNames.hpp"
#include "project/JobRunner.hpp"
#include "project/ProjectService.hpp"

#include <Poco/Logger.h>
#include <Poco/UUIDGenerator.h>

#include <fmt/format.h>

#include <fcntl.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <unordered_map>
#include <unordered_set>

namespace classifai {

namespace {

namespace fs = std::filesystem;

Poco::Logger& logger() {
    return Poco::Logger::get("classifai.images");
}

/// Closes a descriptor on every path out.
class Fd {
public:
    explicit Fd(int fd = -1) : _fd(fd) {}
    ~Fd() {
        if (_fd >= 0) {
            ::close(_fd);
        }
    }
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    int get() const { return _fd; }
    void reset(int fd) {
        if (_fd >= 0) {
            ::close(_fd);
        }
        _fd = fd;
    }

private:
    int _fd;
};

bool writeAll(int fd, const std::string& bytes) {
    std::size_t done = 0;
    while (done < bytes.size()) {
        ssize_t wrote = ::write(fd, bytes.data() + done, bytes.size() - done);
        if (wrote < 0 && errno == EINTR) {
            continue;
        }
        if (wrote <= 0) {
            return false;
        }
        done += static_cast<std::size_t>(wrote);
    }
    return true;
}

/// Renames without ever replacing an existing file. Returns 0 or an errno value.
int moveNoReplace(const fs::path& from, const fs::path& to) {
    if (::renameat2(AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(), RENAME_NOREPLACE) == 0) {
        return 0;
    }
    if (errno != EINVAL && errno != ENOSYS) {
        return errno;
    }
    // File systems without RENAME_NOREPLACE: link() refuses an existing target too.
    if (::link(from.c_str(), to.c_str()) != 0) {
        return errno;
    }
    ::unlink(from.c_str());
    return 0;
}

/// "a.jpg" -> "a (n).jpg"; "a" -> "a (n)".
std::string numberedName(const std::string& name, int n) {
    const auto dot = name.rfind('.');
    if (dot == std::string::npos || dot == 0) {
        return fmt::format("{} ({})", name, n);
    }
    return fmt::format("{} ({}){}", name.substr(0, dot), n, name.substr(dot));
}

/// The reference's trash naming on a clash: "a.jpg" -> "a(n).jpg".
std::string trashName(const std::string& name, int n) {
    const auto dot = name.rfind('.');
    if (dot == std::string::npos || dot == 0) {
        return fmt::format("{}({})", name, n);
    }
    return fmt::format("{}({}){}", name.substr(0, dot), n, name.substr(dot));
}

bool sameContent(const fs::path& file, const std::string& bytes) {
    Fd fd(::open(file.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK));
    struct stat info {};
    if (fd.get() < 0 || ::fstat(fd.get(), &info) != 0 || !S_ISREG(info.st_mode) ||
        info.st_size != static_cast<off_t>(bytes.size())) {
        return false;
    }
    std::string existing(bytes.size(), '\0');
    std::size_t done = 0;
    while (done < existing.size()) {
        ssize_t got = ::pread(fd.get(), existing.data() + done, existing.size() - done,
                              static_cast<off_t>(done));
        if (got <= 0) {
            return false;
        }
        done += static_cast<std::size_t>(got);
    }
    return existing == bytes;
}

/// Probes bytes held in memory with the same rules as a scanned file.
ProbeResult probeBytes(const std::string& bytes, const ProbeLimits& limits) {
    Fd fd(::memfd_create("classifai-upload", MFD_CLOEXEC));
    if (fd.get() < 0 || !writeAll(fd.get(), bytes)) {
        ProbeResult result;
        result.status = ProbeStatus::Unreadable;
        result.reason = std::string("cannot inspect the upload: ") + std::strerror(errno);
        return result;
    }
    return probe("/proc/self/fd/" + std::to_string(fd.get()), limits);
}

/// Writes `bytes` into `folder` under `name`, or a numbered variant when the name is taken by
/// a different file. Returns the name written, "" when an identical file already had the name,
/// or throws std::runtime_error.
std::string writeNewFile(const fs::path& folder, const std::string& name,
                         const std::string& bytes) {
    // The data goes to an unnamed file first (O_TMPFILE), or a hidden temporary name where the
    // file system cannot, and gets its final name by link(), which never replaces a file.
    std::string temporaryName;
    Fd fd(::open(folder.c_str(), O_TMPFILE | O_WRONLY | O_CLOEXEC, 0644));
    if (fd.get() < 0) {
        temporaryName = ".classifai-upload-" +
                        Poco::UUIDGenerator::defaultGenerator().createRandom().toString();
        fd.reset(::open((folder / temporaryName).c_str(),
                        O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644));
    }
    if (fd.get() < 0) {
        throw std::runtime_error(
            fmt::format("cannot write into {}: {}", folder.string(), std::strerror(errno)));
    }
    auto discard = [&] {
        if (!temporaryName.empty()) {
            ::unlink((folder / temporaryName).c_str());
        }
    };
    if (!writeAll(fd.get(), bytes) || ::fsync(fd.get()) != 0) {
        const int error = errno;
        discard();
        throw std::runtime_error(
            fmt::format("cannot write {}: {}", (folder / name).string(), std::strerror(error)));
    }
    const std::string source = temporaryName.empty() ? "/proc/self/fd/" + std::to_string(fd.get())
                                                     : (folder / temporaryName).string();
    const int flags = temporaryName.empty() ? AT_SYMLINK_FOLLOW : 0;
    for (int n = 0; n < 10000; ++n) {
        const std::string candidate = n == 0 ? name : numberedName(name, n);
        const fs::path target = folder / candidate;
        if (::linkat(AT_FDCWD, source.c_str(), AT_FDCWD, target.c_str(), flags) == 0) {
            discard();
            return candidate;
        }
        if (errno != EEXIST) {
            const int error = errno;
            discard();
            throw std::runtime_error(
                fmt::format("cannot create {}: {}", target.string(), std::strerror(error)));
        }
        if (sameContent(target, bytes)) {
            discard();
            return "";
        }
    }
    discard();
    throw std::runtime_error("no free file name for " + name);
}

/// The canonical project folder, or empty when it is gone.
fs::path canonicalRoot(const ProjectRow& project) {
    std::error_code error;
    auto root = fs::canonical(project.rootPath, error);
    if (error || !fs::is_directory(root, error)) {
        return {};
    }
    return root;
}

/// `root / relPath` when the stored path stays inside the project folder (its folders
/// resolved), else empty.
fs::path fileUnderRoot(const fs::path& root, const std::string& relPath) {
    const fs::path rel(relPath);
    if (relPath.empty() || rel.is_absolute()) {
        return {};
    }
    for (const auto& part : rel) {
        if (part == ".." || part == kTrashFolderName) {
            return {};
        }
    }
    std::error_code error;
    auto parent = fs::canonical((root / rel).parent_path(), error);
    if (error || (parent != root && !isInsideFolder(parent, root))) {
        return {};
    }
    return parent / rel.filename();
}

} // namespace

ImageService::ImageService(Database& database, ProjectService& projects, JobRunner& jobs,
                           Options options)
    : _projectService(projects), _jobs(jobs), _options(std::move(options)), _projects(database),
      _images(database), _cache(_options.thumbnailDir) {
    // The job owns copies: it may still run while a failed start-up unwinds this service.
    _jobs.submit(
        "prune the thumbnail cache",
        [cache = _cache, maxBytes = _options.thumbnailCacheMaxBytes] { cache.prune(maxBytes); });
}

void ImageService::storeThumbnail(const std::string& key, const std::string& png) {
    constexpr unsigned kPruneEvery = 256;
    _cache.put(key, png);
    if (++_thumbnailsStored % kPruneEvery == 0) {
        _jobs.submit("prune the thumbnail cache",
                     [cache = _cache, maxBytes = _options.thumbnailCacheMaxBytes] {
                         cache.prune(maxBytes);
                     });
    }
}

Outcome<std::pair<ProjectRow, ImageRow>> ImageService::findImage(const std::string& type,
                                                                 const std::string& name,
                                                                 const std::string& uuid,
                                                                 int failureCode) {
    auto project = _projects.findByName(type, name);
    if (!project) {
        return Failure{"Project not exist", failureCode};
    }
    auto image = _images.find(project->id, uuid);
    if (!image) {
        return Failure{fmt::format("Image not found in project {}: {}", name, uuid), failureCode};
    }
    return std::pair{std::move(*project), std::move(*image)};
}

Outcome<ThumbnailView> ImageService::thumbnail(const std::string& type, const std::string& name,
                                               const std::string& uuid) {
    auto found = findImage(type, name, uuid, 1);
    if (!found.ok()) {
        return found.failure();
    }
    const auto& [project, image] = found.value();
    auto file = ImageFile::open(project.rootPath, image.relPath);
    if (!file.ok()) {
        return Failure{fmt::format("Cannot show image {}: {}", uuid, file.reason())};
    }
    ThumbnailView view;
    view.absolutePath = (fs::path(project.rootPath) / image.relPath).string();
    view.annotation = parseAnnotationData(image.annotation);
    view.fileSizeBytes = file.sizeBytes();
    view.width = image.width;
    view.height = image.height;
    view.depth = image.depth;
    const bool statUnchanged =
        file.sizeBytes() == image.sizeBytes && file.mtimeNs() == image.mtimeNs;
    const auto key = ThumbnailCache::key(file.realPath(), file.sizeBytes(), file.mtimeNs());
    if (auto cached = _cache.get(key); cached && statUnchanged) {
        view.png = std::move(*cached);
        logger().debug(fmt::format("thumbnail {}: from the cache", uuid));
        return view;
    }
    // The header is read now: the file may have changed since the last scan.
    const auto probed = probe(file.descriptorPath(), _options.limits);
    if (probed.recognised() && probed.width > 0) {
        view.width = probed.width;
        view.height = probed.height;
        view.depth = probed.depth;
        if (!statUnchanged || probed.width != image.width || probed.height != image.height) {
            _images.updateFileStat(image.uuid, file.sizeBytes(), file.mtimeNs(), probed.width,
                                   probed.height, probed.depth);
        }
    }
    if (auto cached = _cache.get(key)) {
        view.png = std::move(*cached);
        return view;
    }
    if (!probed.ok()) {
        logger().warning(fmt::format("thumbnail {} ({}): {}; showing a placeholder", uuid,
                                     image.relPath, probed.reason));
        view.png = placeholderThumbnail(view.width, view.height);
        return view;
    }
    try {
        auto made = makeThumbnail(file.fd(), probed.format, std::max(probed.width, probed.height));
        logger().debug(fmt::format("thumbnail {}: {} {}x{} decoded at {}x{}, shown at {}x{}", uuid,
                                   probed.format, probed.width, probed.height, made.decodedWidth,
                                   made.decodedHeight, made.width, made.height));
        storeThumbnail(key, made.png);
        view.png = std::move(made.png);
    } catch (const std::runtime_error& error) {
        logger().warning(fmt::format("thumbnail {} ({}): {}; showing a placeholder", uuid,
                                     image.relPath, error.what()));
        view.png = placeholderThumbnail(view.width, view.height);
    }
    return view;
}

Outcome<ImageSource> ImageService::source(const std::string& type, const std::string& name,
                                          const std::string& uuid) {
    auto found = findImage(type, name, uuid, 1);
    if (!found.ok()) {
        return found.failure();
    }
    const auto& [project, image] = found.value();
    auto file = ImageFile::open(project.rootPath, image.relPath);
    if (!file.ok()) {
        return Failure{fmt::format("Cannot read image {}: {}", uuid, file.reason())};
    }
    const auto probed = probe(file.descriptorPath(), _options.limits);
    if (!probed.ok()) {
        return Failure{fmt::format("Cannot read image {}: {}", uuid, probed.reason)};
    }
    ImageSource source;
    try {
        if (browserDisplayable(probed.format)) {
            source.mimeType = std::string(probed.mimeType);
            source.bytes = file.readAll(_options.limits.maxFileBytes);
        } else {
            // TIFF and HEIF: browsers cannot show them, so they get an upright PNG.
            source.mimeType = "image/png";
            source.bytes = encodeUprightPng(file.fd(), probed.format);
        }
    } catch (const std::runtime_error& error) {
        return Failure{fmt::format("Cannot read image {}: {}", uuid, error.what())};
    }
    return source;
}

std::optional<Failure> ImageService::add(const std::string& type, const std::string& name,
                                         std::vector<ImageUpload> uploads) {
    auto project = _projects.findByName(type, name);
    if (!project) {
        return Failure{"Project not exist"};
    }
    if (uploads.empty()) {
        return Failure{"Field 'img_name_list' must name at least one image", 1, true};
    }
    std::vector<Prepared> files;
    files.reserve(uploads.size());
    for (std::size_t i = 0; i < uploads.size(); ++i) {
        auto sanitised = sanitiseUploadName(uploads[i].name);
        if (!sanitised.problem.empty()) {
            return Failure{fmt::format("Field 'img_name_list[{}]': {}", i, sanitised.problem), 1,
                           true};
        }
        std::string problem;
        auto decoded = decodeDataUrl(uploads[i].dataUrl, _options.limits.maxFileBytes, problem);
        if (!decoded) {
            return Failure{fmt::format("Field 'img_base64_list[{}]': {}", i, problem), 1, true};
        }
        uploads[i].dataUrl.clear();
        uploads[i].dataUrl.shrink_to_fit();
        auto probed = probeBytes(decoded->bytes, _options.limits);
        if (!probed.ok()) {
            return Failure{fmt::format("Field 'img_base64_list[{}]' ({}): not an image this "
                                       "server accepts: {}",
                                       i, sanitised.name, probed.reason),
                           1, true};
        }
        files.push_back({std::move(sanitised.name), std::move(decoded->bytes)});
    }
    const auto root = canonicalRoot(*project);
    if (root.empty()) {
        return Failure{fmt::format("Project folder does not exist: {}", project->rootPath)};
    }
    auto& board = _projectService.activities();
    if (!board.tryBegin(project->id, "add images")) {
        return Failure{fmt::format("Project {} is busy ({}); try again when it finishes", name,
                                   board.get(project->id).busyWith)};
    }
    setAddStatus(project->id, AddStatus{2, "", {}});
    auto shared = std::make_shared<std::vector<Prepared>>(std::move(files));
    const auto projectId = project->id;
    if (!_jobs.submit("add images to " + name,
                      [this, projectId, root, shared] { runAdd(projectId, root, *shared); })) {
        board.update(projectId, [](ProjectActivity& activity) { activity.busyWith.clear(); });
        setAddStatus(projectId, AddStatus{1, "The server is shutting down", {}});
        return Failure{"The server is shutting down"};
    }
    return std::nullopt;
}

void ImageService::runAdd(const std::string& projectId, const fs::path& root,
                          std::vector<Prepared> files) {
    AddStatus status;
    std::vector<fs::path> written;
    try {
        for (const auto& file : files) {
            if (_jobs.stopping()) {
                throw std::runtime_error("the server stopped before every image was written");
            }
            auto name = writeNewFile(root, file.name, file.bytes);
            if (!name.empty()) {
                written.push_back(root / name);
                status.added.push_back(name);
            }
        }
        logger().information(fmt::format("added {} image(s) to {} ({} already there)",
                                         status.added.size(), root.string(),
                                         files.size() - status.added.size()));
    } catch (const std::exception& error) {
        // All or nothing: the files this add wrote are removed again.
        for (const auto& path : written) {
            std::error_code ignored;
            fs::remove(path, ignored);
        }
        logger().warning(
            fmt::format("adding images to {} failed: {}", root.string(), error.what()));
        status = AddStatus{1, error.what(), {}};
    }
    _projectService.activities().update(
        projectId, [](ProjectActivity& activity) { activity.busyWith.clear(); });
    setAddStatus(projectId, std::move(status));
}

void ImageService::setAddStatus(const std::string& projectId, AddStatus status) {
    std::lock_guard lock(_addMutex);
    _addStatuses[projectId] = std::move(status);
}

Outcome<AddStatus> ImageService::addStatus(const std::string& type, const std::string& name) {
    auto project = _projects.findByName(type, name);
    if (!project) {
        return Failure{"Project not exist"};
    }
    std::lock_guard lock(_addMutex);
    auto found = _addStatuses.find(project->id);
    return found == _addStatuses.end() ? AddStatus{} : found->second;
}

Outcome<std::vector<std::string>> ImageService::remove(const std::string& type,
                                                       const std::string& name,
                                                       const std::vector<std::string>& uuids) {
    auto project = _projects.findByName(type, name);
    if (!project) {
        return Failure{"Project not exist"};
    }
    std::vector<std::string> unique;
    std::unordered_set<std::string> seen;
    for (const auto& uuid : uuids) {
        if (seen.insert(uuid).second) {
            unique.push_back(uuid);
        }
    }
    if (unique.empty()) {
        return Failure{"Field 'uuid_list' must list at least one image uuid", 1, true};
    }
    auto& board = _projectService.activities();
    if (!board.tryBegin(project->id, "delete images")) {
        return Failure{fmt::format("Project {} is busy ({}); try again when it finishes", name,
                                   board.get(project->id).busyWith)};
    }
    struct Release {
        ActivityBoard& board;
        std::string id;
        ~Release() {
            board.update(id, [](ProjectActivity& activity) { activity.busyWith.clear(); });
        }
    } release{board, project->id};

    std::unordered_map<std::string, ImageRow> byUuid;
    std::vector<std::string> order;
    for (auto& row : _images.listByProject(project->id)) {
        order.push_back(row.uuid);
        byUuid.emplace(row.uuid, std::move(row));
    }
    std::vector<std::string> unknown;
    for (const auto& uuid : unique) {
        if (!byUuid.count(uuid)) {
            unknown.push_back(uuid);
        }
    }
    if (!unknown.empty()) {
        std::string listed;
        for (std::size_t i = 0; i < unknown.size() && i < 5; ++i) {
            listed += (i ? ", " : "") + unknown[i];
        }
        if (unknown.size() > 5) {
            listed += fmt::format(" and {} more", unknown.size() - 5);
        }
        return Failure{fmt::format("Delete project data fail: {} uuid(s) not in project {}: {}",
                                   unknown.size(), name, listed)};
    }

    // Files first, rows second: if the rows cannot go, the files come back.
    std::vector<std::pair<fs::path, fs::path>> moved;
    auto restore = [&] {
        for (auto it = moved.rbegin(); it != moved.rend(); ++it) {
            moveNoReplace(it->second, it->first);
        }
    };
    const auto root = canonicalRoot(*project);
    if (!root.empty()) {
        const fs::path trash = root / kTrashFolderName;
        for (const auto& uuid : unique) {
            const auto& row = byUuid.at(uuid);
            const fs::path from = fileUnderRoot(root, row.relPath);
            struct stat info {};
            if (from.empty() || ::lstat(from.c_str(), &info) != 0) {
                continue; // already gone from disk: only the row goes
            }
            std::error_code error;
            fs::create_directories(trash, error);
            const std::string fileName = from.filename().string();
            int result = EEXIST;
            fs::path to;
            for (int n = 0; n < 100000 && result == EEXIST; ++n) {
                to = trash / (n == 0 ? fileName : trashName(fileName, n));
                result = moveNoReplace(from, to);
            }
            if (result != 0) {
                restore();
                return Failure{fmt::format("Delete project data fail: cannot move {} to {}: {}",
                                           row.relPath, trash.string(), std::strerror(result))};
            }
            moved.emplace_back(from, to);
        }
    }
    try {
        _images.deleteMany(project->id, unique);
    } catch (...) {
        restore();
        throw;
    }
    std::vector<std::string> remaining;
    board.update(project->id, [&](ProjectActivity& activity) {
        if (activity.validUuids) {
            auto& valid = *activity.validUuids;
            valid.erase(std::remove_if(valid.begin(), valid.end(),
                                       [&](const std::string& uuid) { return seen.count(uuid); }),
                        valid.end());
            remaining = valid;
        }
    });
    if (!board.get(project->id).validUuids) {
        for (const auto& uuid : order) {
            if (!seen.count(uuid)) {
                remaining.push_back(uuid);
            }
        }
    }
    _projects.touch(project->id);
    logger().information(fmt::format("project '{}' ({}): {} image(s) deleted, {} file(s) moved "
                                     "to {}",
                                     name, type, unique.size(), moved.size(), kTrashFolderName));
    return remaining;
}

Outcome<std::string> ImageService::rename(const std::string& type, const std::string& name,
                                          const std::string& uuid, const std::string& newFileName) {
    const Failure failed{"Fail to rename file", kRenameFail};
    const Failure exists{"Name exists", kRenameNameExists};
    const Failure illegal{"Contain illegal character", kRenameIllegalName};
    auto found = findImage(type, name, uuid, kRenameFail);
    if (!found.ok()) {
        return found.failure();
    }
    const auto& [project, image] = found.value();
    // The new base name; the image keeps its own extension (the front-end sends it anyway).
    const auto dot = newFileName.rfind('.');
    const std::string newBase =
        dot == std::string::npos || dot == 0 ? newFileName : newFileName.substr(0, dot);
    if (auto problem = renameProblem(newBase)) {
        logger().information(fmt::format("rename of {} refused: {}", uuid, *problem));
        return illegal;
    }
    const fs::path oldRel(image.relPath);
    const std::string oldName = oldRel.filename().string();
    const auto oldDot = oldName.rfind('.');
    const std::string extension =
        oldDot == std::string::npos || oldDot == 0 ? "" : oldName.substr(oldDot);
    const std::string newName = newBase + extension;
    const std::string newRel =
        oldRel.has_parent_path() ? (oldRel.parent_path() / newName).generic_string() : newName;
    const std::string newAbsolute = (fs::path(project.rootPath) / newRel).string();
    if (newName == oldName) {
        return newAbsolute;
    }
    auto& board = _projectService.activities();
    if (!board.tryBegin(project.id, "rename image")) {
        return Failure{fmt::format("Project {} is busy ({}); try again when it finishes", name,
                                   board.get(project.id).busyWith),
                       kRenameFail};
    }
    struct Release {
        ActivityBoard& board;
        std::string id;
        ~Release() {
            board.update(id, [](ProjectActivity& activity) { activity.busyWith.clear(); });
        }
    } release{board, project.id};

    if (_images.findByRelPath(project.id, newRel)) {
        return exists;
    }
    const auto root = canonicalRoot(project);
    const fs::path from = root.empty() ? fs::path() : fileUnderRoot(root, image.relPath);
    if (from.empty()) {
        return failed;
    }
    const fs::path to = from.parent_path() / newName;
    if (int error = moveNoReplace(from, to)) {
        logger().information(
            fmt::format("rename of {} to {} failed: {}", uuid, newName, std::strerror(error)));
        return error == EEXIST ? exists : failed;
    }
    bool updated = false;
    try {
        updated = _images.updateRelPath(project.id, uuid, newRel);
    } catch (const std::exception& error) {
        logger().warning(fmt::format("rename of {} to {}: {}", uuid, newName, error.what()));
    }
    if (!updated) {
        moveNoReplace(to, from);
        return _images.findByRelPath(project.id, newRel) ? exists : failed;
    }
    logger().information(fmt::format("project '{}' ({}): image {} renamed to {}", name, type,
                                     image.relPath, newRel));
    return newAbsolute;
}

} // namespace classifai

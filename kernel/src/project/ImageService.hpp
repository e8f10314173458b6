// The images of an open project: thumbnails, sources, and adding, deleting, renaming files.
#pragma once

#include "media/ImageProbe.hpp"
#include "media/ThumbnailCache.hpp"
#include "project/AnnotationData.hpp"
#include "project/Outcome.hpp"
#include "store/ImageStore.hpp"
#include "store/ProjectStore.hpp"

#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace classifai {

class Database;
class JobRunner;
class ProjectService;

/// What the thumbnail endpoint shows for one image.
struct ThumbnailView {
    std::string absolutePath; ///< project folder + stored relative path
    AnnotationData annotation;
    int width = 0; ///< original size, EXIF orientation applied
    int height = 0;
    int depth = 0;
    std::int64_t fileSizeBytes = 0;
    std::string png;
};

/// An image's bytes as a browser can show them.
struct ImageSource {
    std::string mimeType; ///< from the content, never the name
    std::string bytes;
};

/// One image sent by a client: its file name and a base64 data URL.
struct ImageUpload {
    std::string name;
    std::string dataUrl;
};

/// The state of the last add of a project (wire numbers of the classifai API, plus 2 while the
/// files are being written so that pollers wait).
struct AddStatus {
    int status = 0; ///< 0 IMAGES_ADDED, 1 OPERATION_FAILED, 2 IMAGES_ADDING
    std::string error;
    std::vector<std::string> added; ///< file names written, relative to the project folder
};

/// Result codes of an image rename (the reference's RenameDataErrorCode).
enum RenameCode { kRenameFail = 0, kRenameNameExists = 1, kRenameIllegalName = 2 };

/// Thread-safe. Images are addressed by uuid; their paths come from the database and are opened
/// under the project folder only (ImageFile). File changes (add, delete, rename) take the
/// project's busy flag, so they never overlap a reload or each other.
class ImageService {
public:
    struct Options {
        ProbeLimits limits;                 ///< what an added image must fit
        std::filesystem::path thumbnailDir; ///< the on-disk thumbnail cache
        /// The cache is pruned to this size (least recently used first) at start-up and after
        /// every few hundred new thumbnails.
        std::uintmax_t thumbnailCacheMaxBytes = std::uintmax_t{1} << 30;
    };

    ImageService(Database& database, ProjectService& projects, JobRunner& jobs, Options options);

    Outcome<ThumbnailView> thumbnail(const std::string& type, const std::string& name,
                                     const std::string& uuid);
    Outcome<ImageSource> source(const std::string& type, const std::string& name,
                                const std::string& uuid);

    /// Validates every upload (name, base64, image content and limits) before anything is
    /// written; then writes them into the project folder on a background job. Existing files are
    /// never overwritten: an identical file is skipped, a different one gets `name (1).ext`.
    std::optional<Failure> add(const std::string& type, const std::string& name,
                               std::vector<ImageUpload> uploads);
    Outcome<AddStatus> addStatus(const std::string& type, const std::string& name);

    /// Moves the images' files into the project's trash folder and deletes their rows, all or
    /// nothing; unknown uuids refuse the whole request. Returns the uuids that remain.
    Outcome<std::vector<std::string>> remove(const std::string& type, const std::string& name,
                                             const std::vector<std::string>& uuids);

    /// Renames an image file in its folder to `newFileName`'s base name plus the image's own
    /// extension; never overwrites. Failure codes are RenameCode. Returns the new absolute path.
    Outcome<std::string> rename(const std::string& type, const std::string& name,
                                const std::string& uuid, const std::string& newFileName);

    const ThumbnailCache& thumbnailCache() const { return _cache; }

private:
    struct Prepared {
        std::string name;
        std::string bytes;
    };
    /// The project and one of its images, or the failure (with `failureCode`) naming which is
    /// missing.
    Outcome<std::pair<ProjectRow, ImageRow>> findImage(const std::string& type,
                                                       const std::string& name,
                                                       const std::string& uuid, int failureCode);
    void runAdd(const std::string& projectId, const std::filesystem::path& root,
                std::vector<Prepared> files);
    void setAddStatus(const std::string& projectId, AddStatus status);
    void storeThumbnail(const std::string& key, const std::string& png);

    ProjectService& _projectService;
    JobRunner& _jobs;
    Options _options;
    ProjectStore _projects;
    ImageStore _images;
    ThumbnailCache _cache;
    std::atomic<unsigned> _thumbnailsStored{0};
    std::mutex _addMutex;
    std::map<std::string, AddStatus> _addStatuses; // by project id
};

} // namespace classifai

// The images table: the only place that knows its SQL.
#pragma once

#include "store/Dialect.hpp"
#include "store/ImageRow.hpp"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace Poco::Data {
class Session;
}

namespace classifai {

class Database;

/// Inserts `rows` into project `projectId` on a session inside an open write transaction (used
/// by ImageStore::insertBatch and by ProjectStore::create, so a project and its images commit
/// together).
void insertImageRows(Poco::Data::Session& session, const Dialect& dialect,
                     const std::string& projectId, const std::vector<ImageRow>& rows);

/// Reads and writes the images of projects. Every method is one transaction (forEachInProject:
/// one per page); all are thread-safe. Methods throw std::runtime_error / Poco::Exception only
/// for the unexpected (I/O, constraint violations such as a duplicate uuid or path, a missing
/// project); expected outcomes (no such image) are values.
class ImageStore {
public:
    /// `database` must outlive the store.
    explicit ImageStore(Database& database);

    /// Inserts all rows into project `projectId` (each row's projectId is ignored) in one
    /// transaction with one prepared statement: all rows or none. Rows keep the uuid and position
    /// they carry (see nextPosition()); an empty annotation is stored as kEmptyAnnotationJson.
    /// Throws std::invalid_argument for an empty uuid or relPath, and rolls back on a duplicate
    /// uuid, a path already in the project, or an unknown project.
    void insertBatch(const std::string& projectId, const std::vector<ImageRow>& rows);

    /// All images of a project in display order (position, then uuid).
    std::vector<ImageRow> listByProject(const std::string& projectId);
    /// Calls `visit` for every image of a project in display order, reading `pageSize` rows at a
    /// time so that memory stays flat for any project size. `visit` runs outside any transaction
    /// (it may use the stores); rows added or removed meanwhile may or may not be seen, but no row
    /// is seen twice. An exception from `visit` stops the walk and propagates.
    void forEachInProject(const std::string& projectId,
                          const std::function<void(const ImageRow&)>& visit,
                          std::size_t pageSize = 1000);

    /// The image with that uuid in that project, if any.
    std::optional<ImageRow> find(const std::string& projectId, const std::string& uuid);
    /// Whether any project has an image with this uuid (uuids are unique across projects).
    bool uuidInUse(const std::string& uuid);
    /// The image at that relative path in that project, if any (exact, case-sensitive match).
    std::optional<ImageRow> findByRelPath(const std::string& projectId, const std::string& relPath);

    /// Replaces an image's annotation JSON (stored as given). False when no such image.
    bool updateAnnotation(const std::string& projectId, const std::string& uuid,
                          const std::string& annotationJson);
    /// Replaces an image's annotation JSON and sets its project's modified_at to `modifiedAt`,
    /// in one transaction. False (nothing changed) when the project has no such image.
    bool saveAnnotation(const std::string& projectId, const std::string& uuid,
                        const std::string& annotationJson, const std::string& modifiedAt);
    /// Points an image at a new relative path. False when the project has no such image;
    /// throws (and changes nothing) when another image of the project already has that path.
    bool updateRelPath(const std::string& projectId, const std::string& uuid,
                       const std::string& relPath);
    /// Records what a probe of the file found. False when no image has that uuid.
    bool updateFileStat(const std::string& uuid, std::int64_t sizeBytes, std::int64_t mtimeNs,
                        int width, int height, int depth);
    /// Deletes the listed images of a project in one transaction; uuids that are not in the
    /// project are skipped. Returns how many rows were deleted.
    std::size_t deleteMany(const std::string& projectId, const std::vector<std::string>& uuids);

    /// The number of images in a project.
    std::int64_t countByProject(const std::string& projectId);
    /// One past the largest position in the project (0 for an empty project). Two writers that
    /// both ask before inserting get the same answer: serialise appends per project.
    std::int64_t nextPosition(const std::string& projectId);

private:
    /// The annotation UPDATE, inside the caller's write transaction; returns the rows changed.
    std::size_t writeAnnotation(Poco::Data::Session& session, const std::string& projectId,
                                const std::string& uuid, const std::string& annotationJson);
    Database& _db;
    Dialect _dialect;
};

} // namespace classifai

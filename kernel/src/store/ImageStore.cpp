// The images table: the only place that knows its SQL.
#include "store/ImageStore.hpp"

#include "store/Database.hpp"

#include <Poco/Data/Session.h>
#include <Poco/Data/Statement.h>

#include <algorithm>
#include <limits>
#include <stdexcept>

using namespace Poco::Data::Keywords;
using Poco::Data::Session;
using Poco::Data::Statement;

namespace classifai {

namespace {

constexpr const char* kSelectImages =
    "SELECT uuid, project_id, rel_path, position, size_bytes, mtime_ns, width, height, depth, "
    "annotation FROM images ";

/// Runs a SELECT of kSelectImages' columns with the given parameters bound in order.
template <typename... Params>
std::vector<ImageRow> queryImages(Session& session, const std::string& sql,
                                  const Params&... params) {
    std::vector<std::string> uuids, projectIds, relPaths, annotations;
    std::vector<Poco::Int64> positions, sizes, mtimes;
    std::vector<int> widths, heights, depths;
    Statement statement(session);
    statement << sql, into(uuids), into(projectIds), into(relPaths), into(positions), into(sizes),
        into(mtimes), into(widths), into(heights), into(depths), into(annotations);
    ((statement, useRef(params)), ...);
    statement.execute();

    std::vector<ImageRow> rows(uuids.size());
    for (std::size_t i = 0; i < uuids.size(); ++i) {
        ImageRow& row = rows[i];
        row.uuid = std::move(uuids[i]);
        row.projectId = std::move(projectIds[i]);
        row.relPath = std::move(relPaths[i]);
        row.position = positions[i];
        row.sizeBytes = sizes[i];
        row.mtimeNs = mtimes[i];
        row.width = widths[i];
        row.height = heights[i];
        row.depth = depths[i];
        row.annotation = std::move(annotations[i]);
    }
    return rows;
}

std::optional<ImageRow> first(std::vector<ImageRow> rows) {
    if (rows.empty()) {
        return std::nullopt;
    }
    return std::move(rows.front());
}

} // namespace

ImageStore::ImageStore(Database& database) : _db(database), _dialect(database.connector()) {}

void insertImageRows(Poco::Data::Session& session, const Dialect& dialect,
                     const std::string& projectId, const std::vector<ImageRow>& rows) {
    if (rows.empty()) {
        return;
    }
    // Column vectors: Poco binds element i of each on the i-th run of one prepared statement,
    // so 10,000 rows are 10,000 steps of one statement, not 10,000 parses.
    const std::size_t count = rows.size();
    std::vector<std::string> uuids, projectIds(count, projectId), relPaths, annotations;
    std::vector<Poco::Int64> positions, sizes, mtimes;
    std::vector<int> widths, heights, depths;
    uuids.reserve(count);
    relPaths.reserve(count);
    annotations.reserve(count);
    positions.reserve(count);
    sizes.reserve(count);
    mtimes.reserve(count);
    widths.reserve(count);
    heights.reserve(count);
    depths.reserve(count);
    for (const ImageRow& row : rows) {
        if (row.uuid.empty() || row.relPath.empty()) {
            throw std::invalid_argument("every image needs a uuid and a relative path");
        }
        uuids.push_back(row.uuid);
        relPaths.push_back(row.relPath);
        annotations.push_back(row.annotation.empty() ? std::string(kEmptyAnnotationJson)
                                                     : row.annotation);
        positions.push_back(row.position);
        sizes.push_back(row.sizeBytes);
        mtimes.push_back(row.mtimeNs);
        widths.push_back(row.width);
        heights.push_back(row.height);
        depths.push_back(row.depth);
    }
    Statement statement(session);
    statement << dialect.sql(
        "INSERT INTO images (uuid, project_id, rel_path, position, size_bytes, "
        "mtime_ns, width, height, depth, annotation) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"),
        use(uuids), use(projectIds), use(relPaths), use(positions), use(sizes), use(mtimes),
        use(widths), use(heights), use(depths), use(annotations);
    statement.execute();
}

void ImageStore::insertBatch(const std::string& projectId, const std::vector<ImageRow>& rows) {
    if (rows.empty()) {
        return;
    }
    _db.write([&](Session& session) { insertImageRows(session, _dialect, projectId, rows); });
}

std::vector<ImageRow> ImageStore::listByProject(const std::string& projectId) {
    std::vector<ImageRow> rows;
    _db.read([&](Session& session) {
        rows = queryImages(session,
                           _dialect.sql(std::string(kSelectImages) +
                                        "WHERE project_id = ? ORDER BY position, uuid"),
                           projectId);
    });
    return rows;
}

void ImageStore::forEachInProject(const std::string& projectId,
                                  const std::function<void(const ImageRow&)>& visit,
                                  std::size_t pageSize) {
    pageSize = std::max<std::size_t>(pageSize, 1);
    const Poco::Int64 limit = static_cast<Poco::Int64>(pageSize);
    // Keyset paging on (position, uuid): each page starts after the last row seen, so deletes
    // and inserts between pages never make the walk skip or repeat a surviving row.
    const std::string sql =
        _dialect.sql(std::string(kSelectImages) +
                     "WHERE project_id = ? AND (position > ? OR (position = ? AND uuid > ?)) "
                     "ORDER BY position, uuid LIMIT ?");
    Poco::Int64 lastPosition = std::numeric_limits<Poco::Int64>::min();
    std::string lastUuid;
    for (;;) {
        std::vector<ImageRow> page;
        _db.read([&](Session& session) {
            page =
                queryImages(session, sql, projectId, lastPosition, lastPosition, lastUuid, limit);
        });
        // Visit after the reader is returned: a slow or re-entrant visitor holds no session.
        for (const ImageRow& row : page) {
            visit(row);
        }
        if (page.size() < pageSize) {
            return;
        }
        lastPosition = page.back().position;
        lastUuid = page.back().uuid;
    }
}

std::optional<ImageRow> ImageStore::find(const std::string& projectId, const std::string& uuid) {
    std::vector<ImageRow> rows;
    _db.read([&](Session& session) {
        rows = queryImages(
            session, _dialect.sql(std::string(kSelectImages) + "WHERE project_id = ? AND uuid = ?"),
            projectId, uuid);
    });
    return first(std::move(rows));
}

bool ImageStore::uuidInUse(const std::string& uuid) {
    std::int64_t count = 0;
    _db.read([&](Session& session) {
        session << _dialect.sql("SELECT COUNT(*) FROM images WHERE uuid = ?"), into(count),
            useRef(uuid), now;
    });
    return count > 0;
}

std::optional<ImageRow> ImageStore::findByRelPath(const std::string& projectId,
                                                  const std::string& relPath) {
    std::vector<ImageRow> rows;
    _db.read([&](Session& session) {
        rows = queryImages(
            session,
            _dialect.sql(std::string(kSelectImages) + "WHERE project_id = ? AND rel_path = ?"),
            projectId, relPath);
    });
    return first(std::move(rows));
}

std::size_t ImageStore::writeAnnotation(Session& session, const std::string& projectId,
                                        const std::string& uuid,
                                        const std::string& annotationJson) {
    Statement statement(session);
    statement << _dialect.sql("UPDATE images SET annotation = ? WHERE project_id = ? AND uuid = ?"),
        useRef(annotationJson), useRef(projectId), useRef(uuid);
    return statement.execute();
}

bool ImageStore::updateAnnotation(const std::string& projectId, const std::string& uuid,
                                  const std::string& annotationJson) {
    std::size_t affected = 0;
    _db.write([&](Session& session) {
        affected = writeAnnotation(session, projectId, uuid, annotationJson);
    });
    return affected > 0;
}

bool ImageStore::saveAnnotation(const std::string& projectId, const std::string& uuid,
                                const std::string& annotationJson, const std::string& modifiedAt) {
    std::size_t affected = 0;
    _db.write([&](Session& session) {
        affected = writeAnnotation(session, projectId, uuid, annotationJson);
        if (affected > 0) {
            Statement touch(session);
            touch << _dialect.sql("UPDATE projects SET modified_at = ? WHERE id = ?"),
                useRef(modifiedAt), useRef(projectId);
            touch.execute();
        }
    });
    return affected > 0;
}

bool ImageStore::updateRelPath(const std::string& projectId, const std::string& uuid,
                               const std::string& relPath) {
    if (relPath.empty()) {
        throw std::invalid_argument("an image needs a relative path");
    }
    std::size_t affected = 0;
    _db.write([&](Session& session) {
        Statement statement(session);
        statement << _dialect.sql(
            "UPDATE images SET rel_path = ? WHERE project_id = ? AND uuid = ?"),
            useRef(relPath), useRef(projectId), useRef(uuid);
        affected = statement.execute();
    });
    return affected > 0;
}

bool ImageStore::updateFileStat(const std::string& uuid, std::int64_t sizeBytes,
                                std::int64_t mtimeNs, int width, int height, int depth) {
    Poco::Int64 size = sizeBytes;
    Poco::Int64 mtime = mtimeNs;
    std::size_t affected = 0;
    _db.write([&](Session& session) {
        Statement statement(session);
        statement << _dialect.sql("UPDATE images SET size_bytes = ?, mtime_ns = ?, width = ?, "
                                  "height = ?, depth = ? WHERE uuid = ?"),
            use(size), use(mtime), use(width), use(height), use(depth), useRef(uuid);
        affected = statement.execute();
    });
    return affected > 0;
}

std::size_t ImageStore::deleteMany(const std::string& projectId,
                                   const std::vector<std::string>& uuids) {
    if (uuids.empty()) {
        return 0;
    }
    // One prepared statement run once per uuid: no IN-list length limits, one transaction.
    std::vector<std::string> projectIds(uuids.size(), projectId);
    std::vector<std::string> ids(uuids);
    Poco::Int64 before = 0;
    Poco::Int64 after = 0;
    _db.write([&](Session& session) {
        const std::string count = _dialect.sql("SELECT COUNT(*) FROM images WHERE project_id = ?");
        session << count, into(before), useRef(projectId), now;
        Statement statement(session);
        statement << _dialect.sql("DELETE FROM images WHERE project_id = ? AND uuid = ?"),
            use(projectIds), use(ids);
        statement.execute();
        session << count, into(after), useRef(projectId), now;
    });
    return static_cast<std::size_t>(before - after);
}

std::int64_t ImageStore::countByProject(const std::string& projectId) {
    Poco::Int64 count = 0;
    _db.read([&](Session& session) {
        session << _dialect.sql("SELECT COUNT(*) FROM images WHERE project_id = ?"), into(count),
            useRef(projectId), now;
    });
    return count;
}

std::int64_t ImageStore::nextPosition(const std::string& projectId) {
    Poco::Int64 next = 0;
    _db.read([&](Session& session) {
        session << _dialect.sql(
            "SELECT COALESCE(MAX(position) + 1, 0) FROM images WHERE project_id = ?"),
            into(next), useRef(projectId), now;
    });
    return next;
}

} // namespace classifai

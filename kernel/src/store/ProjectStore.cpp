// The projects table: the only place that knows its SQL.
#include "store/ProjectStore.hpp"

#include "store/ImageStore.hpp"

#include "store/Database.hpp"
#include "store/Ids.hpp"

#include <Poco/Data/Session.h>
#include <Poco/Data/Statement.h>
#include <Poco/Exception.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Parser.h>

#include <cstdint>
#include <sstream>
#include <stdexcept>

using namespace Poco::Data::Keywords;
using Poco::Data::Session;
using Poco::Data::Statement;

namespace classifai {

namespace {

constexpr const char* kSelectProjects =
    "SELECT id, name, annotation_type, root_path, is_new, is_starred, labels, version_uuid, "
    "created_at, modified_at FROM projects ";

std::vector<std::string> decodeLabels(const std::string& json) {
    Poco::JSON::Parser parser;
    const auto array = parser.parse(json).extract<Poco::JSON::Array::Ptr>();
    std::vector<std::string> labels;
    labels.reserve(array->size());
    for (std::size_t i = 0; i < array->size(); ++i) {
        labels.push_back(array->getElement<std::string>(static_cast<unsigned int>(i)));
    }
    return labels;
}

std::string encodeLabels(const std::vector<std::string>& labels) {
    Poco::JSON::Array array;
    for (const std::string& label : labels) {
        array.add(label);
    }
    std::ostringstream out;
    array.stringify(out);
    std::string json = out.str();
    // Refuse here what could not be read back later: a project whose labels cannot be
    // decoded could no longer be opened.
    bool roundTrips = false;
    try {
        roundTrips = decodeLabels(json) == labels;
    } catch (const Poco::Exception&) {
    }
    if (!roundTrips) {
        throw std::invalid_argument("labels must be valid UTF-8 text");
    }
    return json;
}

/// Runs a SELECT of kSelectProjects' columns with the given parameters bound in order.
template <typename... Params>
std::vector<ProjectRow> queryProjects(Session& session, const std::string& sql,
                                      const Params&... params) {
    std::vector<std::string> ids, names, types, roots, labels, versions, created, modified;
    std::vector<int> isNew, isStarred;
    Statement statement(session);
    statement << sql, into(ids), into(names), into(types), into(roots), into(isNew),
        into(isStarred), into(labels), into(versions), into(created), into(modified);
    ((statement, useRef(params)), ...);
    statement.execute();

    std::vector<ProjectRow> rows(ids.size());
    for (std::size_t i = 0; i < ids.size(); ++i) {
        ProjectRow& row = rows[i];
        row.id = std::move(ids[i]);
        row.name = std::move(names[i]);
        row.annotationType = std::move(types[i]);
        row.rootPath = std::move(roots[i]);
        row.isNew = isNew[i] != 0;
        row.isStarred = isStarred[i] != 0;
        row.labels = decodeLabels(labels[i]);
        row.versionUuid = std::move(versions[i]);
        row.createdAt = std::move(created[i]);
        row.modifiedAt = std::move(modified[i]);
    }
    return rows;
}

std::optional<ProjectRow> first(std::vector<ProjectRow> rows) {
    if (rows.empty()) {
        return std::nullopt;
    }
    return std::move(rows.front());
}

} // namespace

ProjectStore::ProjectStore(Database& database) : _db(database), _dialect(database.connector()) {}

std::optional<ProjectRow> ProjectStore::create(ProjectRow row,
                                               const std::vector<ImageRow>& images) {
    if (row.id.empty()) {
        row.id = newUuid();
    }
    if (row.versionUuid.empty()) {
        row.versionUuid = newUuid();
    }
    if (row.createdAt.empty()) {
        row.createdAt = nowUtcIso();
    }
    if (row.modifiedAt.empty()) {
        row.modifiedAt = row.createdAt;
    }
    std::string labels = encodeLabels(row.labels);
    int isNew = row.isNew ? 1 : 0;
    int isStarred = row.isStarred ? 1 : 0;

    bool taken = false;
    _db.write([&](Session& session) {
        std::int64_t sameName = 0;
        session << _dialect.sql(
            "SELECT COUNT(*) FROM projects WHERE annotation_type = ? AND name = ?"),
            into(sameName), useRef(row.annotationType), useRef(row.name), now;
        if (sameName > 0) {
            taken = true;
            return;
        }
        session << _dialect.sql("INSERT INTO projects (id, name, annotation_type, root_path, "
                                "is_new, is_starred, labels, version_uuid, created_at, "
                                "modified_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"),
            useRef(row.id), useRef(row.name), useRef(row.annotationType), useRef(row.rootPath),
            use(isNew), use(isStarred), use(labels), useRef(row.versionUuid), useRef(row.createdAt),
            useRef(row.modifiedAt), now;
        insertImageRows(session, _dialect, row.id, images);
    });
    if (taken) {
        return std::nullopt;
    }
    return row;
}

std::optional<ProjectRow> ProjectStore::findByName(const std::string& annotationType,
                                                   const std::string& name) {
    std::vector<ProjectRow> rows;
    _db.read([&](Session& session) {
        rows = queryProjects(
            session,
            _dialect.sql(std::string(kSelectProjects) + "WHERE annotation_type = ? AND name = ?"),
            annotationType, name);
    });
    return first(std::move(rows));
}

std::optional<ProjectRow> ProjectStore::findById(const std::string& id) {
    std::vector<ProjectRow> rows;
    _db.read([&](Session& session) {
        rows =
            queryProjects(session, _dialect.sql(std::string(kSelectProjects) + "WHERE id = ?"), id);
    });
    return first(std::move(rows));
}

std::vector<ProjectRow> ProjectStore::listByType(const std::string& annotationType) {
    std::vector<ProjectRow> rows;
    _db.read([&](Session& session) {
        // Projects created in the same millisecond still come back in a stable order.
        rows = queryProjects(session,
                             _dialect.sql(std::string(kSelectProjects) +
                                          "WHERE annotation_type = ? ORDER BY created_at, name"),
                             annotationType);
    });
    return rows;
}

ProjectStore::RenameResult ProjectStore::rename(const std::string& id, const std::string& newName) {
    RenameResult result = RenameResult::Renamed;
    _db.write([&](Session& session) {
        std::vector<std::string> type;
        session << _dialect.sql("SELECT annotation_type FROM projects WHERE id = ?"), into(type),
            useRef(id), now;
        if (type.empty()) {
            result = RenameResult::NotFound;
            return;
        }
        std::int64_t others = 0;
        session << _dialect.sql("SELECT COUNT(*) FROM projects "
                                "WHERE annotation_type = ? AND name = ? AND id <> ?"),
            into(others), useRef(type.front()), useRef(newName), useRef(id), now;
        if (others > 0) {
            result = RenameResult::NameTaken;
            return;
        }
        session << _dialect.sql("UPDATE projects SET name = ? WHERE id = ?"), useRef(newName),
            useRef(id), now;
    });
    return result;
}

bool ProjectStore::setStarred(const std::string& id, bool starred) {
    return updateColumn("UPDATE projects SET is_starred = ? WHERE id = ?", starred ? 1 : 0, id);
}

bool ProjectStore::setNew(const std::string& id, bool isNew) {
    return updateColumn("UPDATE projects SET is_new = ? WHERE id = ?", isNew ? 1 : 0, id);
}

bool ProjectStore::setLabels(const std::string& id, const std::vector<std::string>& labels) {
    return updateColumn("UPDATE projects SET labels = ? WHERE id = ?", encodeLabels(labels), id);
}

bool ProjectStore::touch(const std::string& id) {
    return updateColumn("UPDATE projects SET modified_at = ? WHERE id = ?", nowUtcIso(), id);
}

bool ProjectStore::remove(const std::string& id) {
    std::size_t affected = 0;
    _db.write([&](Session& session) {
        Statement statement(session);
        statement << _dialect.sql("DELETE FROM projects WHERE id = ?"), useRef(id);
        affected = statement.execute();
    });
    return affected > 0;
}

bool ProjectStore::updateColumn(const char* sql, const std::string& value, const std::string& id) {
    std::size_t affected = 0;
    _db.write([&](Session& session) {
        Statement statement(session);
        statement << _dialect.sql(sql), useRef(value), useRef(id);
        affected = statement.execute();
    });
    return affected > 0;
}

bool ProjectStore::updateColumn(const char* sql, int value, const std::string& id) {
    std::size_t affected = 0;
    _db.write([&](Session& session) {
        Statement statement(session);
        statement << _dialect.sql(sql), use(value), useRef(id);
        affected = statement.execute();
    });
    return affected > 0;
}

} // namespace classifai

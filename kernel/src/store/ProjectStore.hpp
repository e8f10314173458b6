// The projects table: the only place that knows its SQL.
#pragma once

#include "store/Dialect.hpp"
#include "store/ImageRow.hpp"
#include "store/ProjectRow.hpp"

#include <optional>
#include <string>
#include <vector>

namespace classifai {

class Database;

/// Reads and writes projects. Every method is one transaction; all are thread-safe (the
/// Database serialises writes). Methods throw std::runtime_error / Poco::Exception only for the
/// unexpected (I/O, a broken file); expected outcomes (missing project, taken name) are values.
class ProjectStore {
public:
    enum class RenameResult { Renamed, NameTaken, NotFound };

    /// `database` must outlive the store.
    explicit ProjectStore(Database& database);

    /// Inserts a project. Empty id, versionUuid, createdAt or modifiedAt are filled in (new uuids,
    /// now). Returns the row as stored, or std::nullopt when a project of the same annotation
    /// type already has that name (checked inside the same write transaction, so two concurrent
    /// creates cannot both succeed).
    std::optional<ProjectRow> create(ProjectRow row, const std::vector<ImageRow>& images = {});
    /// The project of that type with that exact (case-sensitive) name, if any.
    std::optional<ProjectRow> findByName(const std::string& annotationType,
                                         const std::string& name);
    /// The project with that id, if any.
    std::optional<ProjectRow> findById(const std::string& id);
    /// All projects of one annotation type, oldest first.
    std::vector<ProjectRow> listByType(const std::string& annotationType);

    /// Renames a project; NameTaken when another project of its type has `newName` (renaming
    /// to its own name is a no-op that succeeds).
    RenameResult rename(const std::string& id, const std::string& newName);
    /// The flag setters, setLabels and touch return false when no project has that id.
    /// None of them changes modified_at except touch().
    bool setStarred(const std::string& id, bool starred);
    bool setNew(const std::string& id, bool isNew);
    /// Stores labels as a JSON array; any UTF-8 text round-trips exactly.
    /// Throws std::invalid_argument when a label is not valid UTF-8.
    bool setLabels(const std::string& id, const std::vector<std::string>& labels);
    /// Sets modified_at to now.
    bool touch(const std::string& id);
    /// Deletes the project and, by cascade, all its images. False when there was none.
    bool remove(const std::string& id);

private:
    bool updateColumn(const char* sql, const std::string& value, const std::string& id);
    bool updateColumn(const char* sql, int value, const std::string& id);

    Database& _db;
    Dialect _dialect;
};

} // namespace classifai

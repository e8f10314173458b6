// The numbered schema migrations. Portable SQL only (TEXT, INTEGER), so the same list serves
// SQLite and PostgreSQL.
#include "store/Migrations.hpp"

namespace classifai {

const std::vector<Migration>& migrations() {
    static const std::vector<Migration> all{
        {1,
         "projects and their images",
         {
             R"(CREATE TABLE projects (
                    id TEXT PRIMARY KEY,
                    name TEXT NOT NULL,
                    annotation_type TEXT NOT NULL,
                    root_path TEXT NOT NULL,
                    is_new INTEGER NOT NULL,
                    is_starred INTEGER NOT NULL,
                    labels TEXT NOT NULL,
                    version_uuid TEXT NOT NULL,
                    created_at TEXT NOT NULL,
                    modified_at TEXT NOT NULL,
                    UNIQUE (annotation_type, name)))",
             R"(CREATE TABLE images (
                    uuid TEXT PRIMARY KEY,
                    project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
                    rel_path TEXT NOT NULL,
                    position INTEGER NOT NULL,
                    size_bytes INTEGER NOT NULL,
                    mtime_ns INTEGER NOT NULL,
                    width INTEGER NOT NULL,
                    height INTEGER NOT NULL,
                    depth INTEGER NOT NULL,
                    annotation TEXT NOT NULL
                        DEFAULT '{"annotation":[],"img_x":0,"img_y":0,"img_w":0,"img_h":0}',
                    UNIQUE (project_id, rel_path)))",
             "CREATE INDEX images_by_position ON images (project_id, position)",
         }},
    };
    return all;
}

} // namespace classifai

// One project as stored: plain values, no behaviour.
#pragma once

#include <string>
#include <vector>

namespace classifai {

/// A row of `projects`. Timestamps are ISO-8601 UTC with milliseconds (see nowUtcIso()).
struct ProjectRow {
    std::string id;             ///< uuid v4
    std::string name;           ///< unique within its annotation type
    std::string annotationType; ///< the type plugin's id, e.g. "bndbox"
    std::string rootPath;       ///< absolute folder holding the images
    bool isNew = true;
    bool isStarred = false;
    std::vector<std::string> labels; ///< in the order the user gave them
    std::string versionUuid;
    std::string createdAt;
    std::string modifiedAt;

    bool operator==(const ProjectRow&) const = default;
};

} // namespace classifai

// Saving an image's annotations and counting them per label: validated by the type plugin.
#pragma once

#include "project/Outcome.hpp"
#include "store/ImageStore.hpp"
#include "store/ProjectStore.hpp"

#include <Poco/JSON/Object.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace classifai::sdk {
class AnnotationType;
}

namespace classifai {

class Database;
class ProjectService;

/// How many annotation objects carry a label.
struct LabelCount {
    std::string label;
    std::int64_t count = 0;
};

/// What the statistic endpoint reports.
struct ProjectStatistics {
    std::int64_t labeledImages = 0;   ///< images with at least one annotation
    std::int64_t unlabeledImages = 0; ///< images with none
    /// The project's labels in their order (unused ones with 0), then labels used by
    /// annotations but missing from the list, in first-use order.
    std::vector<LabelCount> perLabel;
};

/// Thread-safe. Each save is one transaction (the image's annotation and the project's
/// modified time) and returns after it committed; concurrent saves of different images never
/// interfere, and concurrent saves of one image leave one of them whole.
class AnnotationService {
public:
    AnnotationService(Database& database, ProjectService& projects);

    /// Stores the annotations of one image from the front-end's thumbnail-shaped `body`: the
    /// type's list (`bnd_box`, `polygons`, ...) validated and canonicalised by `type`, and the
    /// display geometry `img_x`, `img_y`, `img_w`, `img_h` (kept as stored when absent).
    /// Other keys are ignored. A body `uuid` must match `uuid`.
    std::optional<Failure> save(const sdk::AnnotationType& type, const std::string& projectName,
                                const std::string& uuid, const Poco::JSON::Object::Ptr& body);

    /// Labeled and unlabeled images and annotations per label, over the project's images whose
    /// file is present (all stored images before the project was opened).
    Outcome<ProjectStatistics> statistics(const sdk::AnnotationType& type,
                                          const std::string& projectName);

    /// The reference's name of a type in messages: BOUNDINGBOX, SEGMENTATION, else the id.
    static std::string wireTypeName(const std::string& typeId);

private:
    ProjectService& _projectService;
    ProjectStore _projects;
    ImageStore _images;
};

} // namespace classifai

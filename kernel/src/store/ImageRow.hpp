// One image of a project as stored: plain values, no behaviour.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace classifai {

/// The annotation_data of an image nobody has annotated yet.
inline constexpr std::string_view kEmptyAnnotationJson =
    R"({"annotation":[],"img_x":0,"img_y":0,"img_w":0,"img_h":0})";

/// A row of `images`.
struct ImageRow {
    std::string uuid;          ///< uuid v4, unique across all projects
    std::string projectId;     ///< filled in by the store on reads; ignored by insertBatch
    std::string relPath;       ///< '/'-separated, relative to the project root
    std::int64_t position = 0; ///< display order within the project
    std::int64_t sizeBytes = 0;
    std::int64_t mtimeNs = 0; ///< file modification time, ns since the epoch
    int width = 0;
    int height = 0;
    int depth = 0;
    std::string annotation = std::string(kEmptyAnnotationJson); ///< annotation_data as JSON text

    bool operator==(const ImageRow&) const = default;
};

} // namespace classifai

// Plain value types shared by the kernel and plugins.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace classifai::sdk {

/// A point in original-image pixels.
struct Point {
    double x = 0;
    double y = 0;
};

/// What a Shape is.
enum class ShapeKind { Box, Polygon };

/// A labelled shape in original-image pixels (EXIF orientation applied), as exporters need it.
/// A Box has two points (top-left, bottom-right); a Polygon has three or more.
struct Shape {
    ShapeKind kind = ShapeKind::Box;
    std::string label;
    std::vector<Point> points;
};

/// Geometry of one image as the kernel knows it.
struct ImageGeometry {
    std::int64_t width = 0;  ///< original width in pixels, EXIF orientation applied
    std::int64_t height = 0; ///< original height in pixels, EXIF orientation applied
    std::int64_t depth = 0;  ///< channels (1 grey, 3 RGB, 4 RGBA); 0 when unknown
};

/// One image of a project, as an exporter reads it.
struct ExportImage {
    std::string uuid;
    std::string relativePath; ///< path under the project root, '/' separated
    std::string absolutePath; ///< resolved by the kernel under the project root
    std::int64_t fileSizeBytes = 0;
    ImageGeometry geometry;
    std::string annotationJson; ///< the canonical annotation list as stored (JSON array text)
    std::vector<Shape> shapes;  ///< annotationJson converted by the project's annotation type
};

} // namespace classifai::sdk

// Header-only helpers the exporter plugins share: the image loop, clipping to the image, label
// indices, JSON/XML text, number formatting, output names and disk spools for one-pass formats.
#pragma once

#include <classifai/sdk/Exporter.hpp>
#include <classifai/sdk/Model.hpp>
#include <classifai/sdk/Result.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

namespace classifai::exportformat {

using sdk::Error;
using sdk::ErrorKind;
using sdk::ExportImage;
using sdk::Point;
using sdk::Result;
using sdk::Shape;
using sdk::ShapeKind;

// Counter names of the job report; every exporter uses the same words.
inline constexpr const char* kShapes = "shapes exported";
inline constexpr const char* kClipped = "shapes clipped to the image";
inline constexpr const char* kOutside = "shapes outside the image (skipped)";
inline constexpr const char* kUnlabelled = "shapes without a label (skipped)";
inline constexpr const char* kUnknownSize = "shapes on images of unknown size (skipped)";
inline constexpr const char* kExtraLabels = "labels used but not in the project's label list";
inline constexpr const char* kPolygonsAsBoxes = "polygons exported as bounding boxes";

/// Walks every image of the view, calling `visit` for each and reporting progress. Stops at the
/// first error (the view's or the visitor's).
inline Result<void> forEachImage(sdk::ProjectView& view, sdk::ExportSink& sink,
                                 const std::function<Result<void>(const ExportImage&)>& visit) {
    const std::int64_t total = view.imageCount();
    std::int64_t done = 0;
    ExportImage image;
    for (;;) {
        Result<bool> more = view.next(image);
        if (!more) {
            return more.error();
        }
        if (!more.value()) {
            return {};
        }
        Result<void> visited = visit(image);
        if (!visited) {
            return visited;
        }
        sink.progress(++done, total);
    }
}

/// A shape after clipping to the image: what to write, or nothing.
struct ClippedShape {
    Shape shape;
    bool clipped = false;
};

namespace detail {

// One Sutherland-Hodgman pass against an axis-aligned edge: keeps the side where
// `inside(p)` holds.
inline std::vector<Point> clipEdge(const std::vector<Point>& in,
                                   const std::function<bool(const Point&)>& inside,
                                   const std::function<Point(const Point&, const Point&)>& cut) {
    std::vector<Point> out;
    if (in.empty()) {
        return out;
    }
    Point previous = in.back();
    bool previousInside = inside(previous);
    for (const Point& current : in) {
        const bool currentInside = inside(current);
        if (currentInside) {
            if (!previousInside) {
                out.push_back(cut(previous, current));
            }
            out.push_back(current);
        } else if (previousInside) {
            out.push_back(cut(previous, current));
        }
        previous = current;
        previousInside = currentInside;
    }
    return out;
}

inline Point atX(const Point& a, const Point& b, double x) {
    const double t = (x - a.x) / (b.x - a.x);
    return {x, a.y + t * (b.y - a.y)};
}

inline Point atY(const Point& a, const Point& b, double y) {
    const double t = (y - a.y) / (b.y - a.y);
    return {a.x + t * (b.x - a.x), y};
}

} // namespace detail

/// Signed-area magnitude of a polygon (shoelace).
inline double polygonArea(const std::vector<Point>& points) {
    double twice = 0;
    for (std::size_t i = 0; i < points.size(); ++i) {
        const Point& a = points[i];
        const Point& b = points[(i + 1) % points.size()];
        twice += a.x * b.y - b.x * a.y;
    }
    return std::fabs(twice) / 2;
}

/// The smallest box holding every point: {min, max}.
inline std::pair<Point, Point> boundsOf(const std::vector<Point>& points) {
    Point low{points.empty() ? 0 : points.front().x, points.empty() ? 0 : points.front().y};
    Point high = low;
    for (const Point& p : points) {
        low.x = std::min(low.x, p.x);
        low.y = std::min(low.y, p.y);
        high.x = std::max(high.x, p.x);
        high.y = std::max(high.y, p.y);
    }
    return {low, high};
}

/// Clips a shape to [0,width]x[0,height]. A box keeps two ordered corners; a polygon is clipped
/// edge by edge. Returns nothing when no area is left inside the image (counted by the caller).
inline std::optional<ClippedShape> clipToImage(const Shape& shape, double width, double height) {
    ClippedShape result;
    result.shape.kind = shape.kind;
    result.shape.label = shape.label;
    if (shape.kind == ShapeKind::Box) {
        if (shape.points.size() < 2) {
            return std::nullopt;
        }
        auto [low, high] = boundsOf({shape.points[0], shape.points[1]});
        const Point clippedLow{std::clamp(low.x, 0.0, width), std::clamp(low.y, 0.0, height)};
        const Point clippedHigh{std::clamp(high.x, 0.0, width), std::clamp(high.y, 0.0, height)};
        result.clipped = clippedLow.x != low.x || clippedLow.y != low.y ||
                         clippedHigh.x != high.x || clippedHigh.y != high.y;
        if (result.clipped && (clippedHigh.x <= clippedLow.x || clippedHigh.y <= clippedLow.y)) {
            return std::nullopt;
        }
        result.shape.points = {clippedLow, clippedHigh};
        return result;
    }
    bool inside = true;
    for (const Point& p : shape.points) {
        inside = inside && p.x >= 0 && p.y >= 0 && p.x <= width && p.y <= height;
    }
    if (inside) {
        result.shape.points = shape.points;
        return result;
    }
    std::vector<Point> points = shape.points;
    points = detail::clipEdge(
        points, [](const Point& p) { return p.x >= 0; },
        [](const Point& a, const Point& b) { return detail::atX(a, b, 0); });
    points = detail::clipEdge(
        points, [width](const Point& p) { return p.x <= width; },
        [width](const Point& a, const Point& b) { return detail::atX(a, b, width); });
    points = detail::clipEdge(
        points, [](const Point& p) { return p.y >= 0; },
        [](const Point& a, const Point& b) { return detail::atY(a, b, 0); });
    points = detail::clipEdge(
        points, [height](const Point& p) { return p.y <= height; },
        [height](const Point& a, const Point& b) { return detail::atY(a, b, height); });
    if (points.size() < 3 || polygonArea(points) <= 0) {
        return std::nullopt;
    }
    result.shape.points = std::move(points);
    result.clipped = true;
    return result;
}

/// The shapes of one image as a format writes them: labelled, clipped, counted. Shapes without a
/// label, outside the image, or on an image of unknown size are skipped and counted.
inline std::vector<ClippedShape> exportableShapes(const ExportImage& image, sdk::ExportSink& sink) {
    std::vector<ClippedShape> shapes;
    const double width = static_cast<double>(image.geometry.width);
    const double height = static_cast<double>(image.geometry.height);
    for (const Shape& shape : image.shapes) {
        if (shape.label.empty()) {
            sink.count(kUnlabelled, 1);
            continue;
        }
        if (width <= 0 || height <= 0) {
            sink.count(kUnknownSize, 1);
            continue;
        }
        std::optional<ClippedShape> clipped = clipToImage(shape, width, height);
        if (!clipped) {
            sink.count(kOutside, 1);
            continue;
        }
        if (clipped->clipped) {
            sink.count(kClipped, 1);
        }
        sink.count(kShapes, 1);
        shapes.push_back(std::move(*clipped));
    }
    return shapes;
}

/// Label -> 0-based index: the project's labels in their order, then labels met in shapes (each
/// counted once under kExtraLabels).
class LabelIndex {
public:
    explicit LabelIndex(const std::vector<std::string>& projectLabels) {
        for (const std::string& label : projectLabels) {
            if (!label.empty() && _index.count(label) == 0) {
                _index.emplace(label, _names.size());
                _names.push_back(label);
            }
        }
    }

    std::size_t indexOf(const std::string& label, sdk::ExportSink& sink) {
        auto found = _index.find(label);
        if (found != _index.end()) {
            return found->second;
        }
        sink.count(kExtraLabels, 1);
        _index.emplace(label, _names.size());
        _names.push_back(label);
        return _names.size() - 1;
    }

    const std::vector<std::string>& names() const { return _names; }

private:
    std::unordered_map<std::string, std::size_t> _index;
    std::vector<std::string> _names;
};

/// A JSON string literal: escapes '"', '\' and control characters only, so UTF-8 text stays
/// readable (as Jackson writes it).
inline std::string jsonQuote(const std::string& text) {
    std::string out;
    out.reserve(text.size() + 2);
    out += '"';
    for (const char c : text) {
        switch (c) {
        case '"':
            out += "\\\"";
            break;
        case '\\':
            out += "\\\\";
            break;
        case '\n':
            out += "\\n";
            break;
        case '\r':
            out += "\\r";
            break;
        case '\t':
            out += "\\t";
            break;
        case '\b':
            out += "\\b";
            break;
        case '\f':
            out += "\\f";
            break;
        default:
            if (static_cast<unsigned char>(c) < 0x20) {
                char escaped[8];
                std::snprintf(escaped, sizeof escaped, "\\u%04X", static_cast<unsigned>(c));
                out += escaped;
            } else {
                out += c;
            }
        }
    }
    out += '"';
    return out;
}

/// Text for XML element content or attribute values.
inline std::string xmlEscape(const std::string& text) {
    std::string out;
    out.reserve(text.size());
    for (const char c : text) {
        switch (c) {
        case '&':
            out += "&amp;";
            break;
        case '<':
            out += "&lt;";
            break;
        case '>':
            out += "&gt;";
            break;
        case '"':
            out += "&quot;";
            break;
        case '\'':
            out += "&apos;";
            break;
        default:
            // XML 1.0 forbids most control characters; a tab, newline or CR is kept.
            if (static_cast<unsigned char>(c) >= 0x20 || c == '\t' || c == '\n' || c == '\r') {
                out += c;
            }
        }
    }
    return out;
}

/// A number with at most `decimals` decimals and no trailing zeros ("12", "12.5", "0.333333").
inline std::string number(double value, int decimals = 3) {
    if (!std::isfinite(value)) {
        return "0";
    }
    char text[64];
    std::snprintf(text, sizeof text, "%.*f", decimals, value);
    std::string out(text);
    if (out.find('.') != std::string::npos) {
        while (!out.empty() && out.back() == '0') {
            out.pop_back();
        }
        if (!out.empty() && out.back() == '.') {
            out.pop_back();
        }
    }
    if (out == "-0") {
        out = "0";
    }
    return out;
}

/// The folder part of a '/'-separated relative path ("" for a top-level file).
inline std::string folderOf(const std::string& relativePath) {
    const auto slash = relativePath.rfind('/');
    return slash == std::string::npos ? std::string() : relativePath.substr(0, slash);
}

/// The file name of a '/'-separated relative path.
inline std::string fileNameOf(const std::string& relativePath) {
    const auto slash = relativePath.rfind('/');
    return slash == std::string::npos ? relativePath : relativePath.substr(slash + 1);
}

/// A file name without its last extension ("a.tar.jpg" -> "a.tar"; ".hidden" stays).
inline std::string stemOf(const std::string& fileName) {
    const auto dot = fileName.rfind('.');
    return dot == std::string::npos || dot == 0 ? fileName : fileName.substr(0, dot);
}

/// Output names per image (`<folder>/<stem>.<extension>` under a prefix), unique even when two
/// images share a stem (`a.jpg`, `a.png`): the second one keeps its whole file name.
class SidecarNames {
public:
    SidecarNames(std::string prefix, std::string extension)
        : _prefix(std::move(prefix)), _extension(std::move(extension)) {}

    std::string nameFor(const std::string& relativePath) {
        const std::string folder = folderOf(relativePath);
        const std::string base = _prefix + (folder.empty() ? "" : folder + "/");
        const std::string fileName = fileNameOf(relativePath);
        std::string name = base + stemOf(fileName) + "." + _extension;
        if (_used.insert(name).second) {
            return name;
        }
        name = base + fileName + "." + _extension;
        for (int n = 2; !_used.insert(name).second; ++n) {
            name = base + fileName + "." + std::to_string(n) + "." + _extension;
        }
        return name;
    }

private:
    std::string _prefix;
    std::string _extension;
    std::unordered_set<std::string> _used;
};

/// An anonymous temporary file for the parts of a one-pass format that must come later in the
/// output than they are produced (COCO annotations, the cfg's content): memory stays flat.
class Spool {
public:
    Spool() : _file(std::tmpfile(), &std::fclose) {}

    bool ok() const { return _file != nullptr && !_failed; }
    bool empty() const { return _bytes == 0; }

    void write(const std::string& text) {
        if (!_file || text.empty()) {
            return;
        }
        if (std::fwrite(text.data(), 1, text.size(), _file.get()) != text.size()) {
            _failed = true;
        }
        _bytes += text.size();
    }

    /// Copies everything written so far to `out`; false when the spool could not be read.
    bool copyTo(std::ostream& out) {
        if (!ok() || std::fflush(_file.get()) != 0 || std::fseek(_file.get(), 0, SEEK_SET) != 0) {
            return false;
        }
        std::vector<char> buffer(1 << 16);
        std::size_t read = 0;
        while ((read = std::fread(buffer.data(), 1, buffer.size(), _file.get())) > 0) {
            out.write(buffer.data(), static_cast<std::streamsize>(read));
        }
        return std::ferror(_file.get()) == 0 && static_cast<bool>(out);
    }

private:
    std::unique_ptr<FILE, int (*)(FILE*)> _file;
    bool _failed = false;
    std::uint64_t _bytes = 0;
};

/// The error for a stream that failed while writing `what`.
inline Error writeFailed(const std::string& what) {
    return sdk::fail(ErrorKind::Internal, "writing " + what + " failed");
}

/// Opens `relativePath` in the sink, or returns its error through `error`.
inline std::ostream* openOrFail(sdk::ExportSink& sink, const std::string& relativePath,
                                Error& error) {
    Result<std::ostream*> opened = sink.open(relativePath);
    if (!opened) {
        error = opened.error();
        return nullptr;
    }
    return opened.value();
}

} // namespace classifai::exportformat

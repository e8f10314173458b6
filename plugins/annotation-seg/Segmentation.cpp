// The `seg` annotation type: validates the UI's `polygons` lists, keeps them verbatim, and
// converts them to polygons in original-image pixels.
#include "../common/AnnotationJson.hpp"

#include <classifai/sdk/Plugin.hpp>

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace {

namespace json = classifai::annotationjson;
namespace sdk = classifai::sdk;

using sdk::Result;

const std::string kListKey = "polygons";
const std::string kPointsKey = "coorPt";

// One polygon vertex: canvas position and, when the UI sent it, its offset from the displayed
// image's origin.
struct Vertex {
    sdk::Point canvas;
    std::optional<sdk::Point> offset;
};

struct Polygon {
    std::string label;
    std::vector<Vertex> vertices;
};

// Validates one element of the list at `path`.
Result<Polygon> readPolygon(Poco::JSON::Object& object, const std::string& path) {
    Polygon polygon;
    Result<std::string> label = json::checkCommonMembers(object, path);
    if (!label) {
        return label.error();
    }
    polygon.label = std::move(label).value();
    const std::string pointsPath = json::memberPath(path, kPointsKey);
    json::ArrayPtr points = json::arrayMember(object, kPointsKey);
    if (points.isNull()) {
        return json::invalid(pointsPath + " must be an array of at least 3 points");
    }
    if (points->size() < 3) {
        return json::invalid(pointsPath + " must have at least 3 points, has " +
                             std::to_string(points->size()));
    }
    if (points->size() > json::kMaxPolygonPoints) {
        return json::invalid(pointsPath + " has more than " +
                             std::to_string(json::kMaxPolygonPoints) + " points");
    }
    polygon.vertices.reserve(points->size());
    for (std::size_t i = 0; i < points->size(); ++i) {
        const std::string pointPath = json::elementPath(pointsPath, i);
        json::ObjectPtr point = json::objectAt(*points, i);
        if (point.isNull()) {
            return json::invalid(pointPath + " must be an object");
        }
        Result<double> x = json::requiredNumber(*point, "x", pointPath);
        if (!x) {
            return x.error();
        }
        Result<double> y = json::requiredNumber(*point, "y", pointPath);
        if (!y) {
            return y.error();
        }
        Result<std::optional<sdk::Point>> offset = json::optionalOffset(*point, pointPath);
        if (!offset) {
            return offset.error();
        }
        polygon.vertices.push_back({{x.value(), y.value()}, offset.value()});
    }
    return polygon;
}

// Parses and validates a whole list; `list` receives the parsed document.
Result<std::vector<Polygon>> readPolygons(const std::string& listJson, json::ArrayPtr& list) {
    Result<json::ArrayPtr> parsed = json::parseList(listJson, kListKey);
    if (!parsed) {
        return parsed.error();
    }
    list = parsed.value();
    std::vector<Polygon> polygons;
    polygons.reserve(list->size());
    for (std::size_t i = 0; i < list->size(); ++i) {
        const std::string path = json::elementPath(kListKey, i);
        json::ObjectPtr object = json::objectAt(*list, i);
        if (object.isNull()) {
            return json::invalid(path + " must be an object");
        }
        Result<Polygon> polygon = readPolygon(*object, path);
        if (!polygon) {
            return polygon.error();
        }
        polygons.push_back(std::move(polygon).value());
    }
    return polygons;
}

class SegmentationType final : public sdk::AnnotationType {
public:
    std::string id() const override { return "seg"; }
    std::vector<std::string> aliases() const override { return {"segmentation"}; }
    std::string displayName() const override { return "Polygon segmentation"; }
    std::string listKey() const override { return kListKey; }

    Result<std::string> canonicalize(const std::string& annotationListJson) const override {
        return json::guarded<std::string>("seg canonicalize", [&]() -> Result<std::string> {
            json::ArrayPtr list;
            Result<std::vector<Polygon>> polygons = readPolygons(annotationListJson, list);
            if (!polygons) {
                return polygons.error();
            }
            return json::condense(list);
        });
    }

    Result<std::vector<std::string>> labels(const std::string& canonicalListJson) const override {
        using Labels = std::vector<std::string>;
        return json::guarded<Labels>("seg labels", [&]() -> Result<Labels> {
            json::ArrayPtr list;
            Result<std::vector<Polygon>> polygons = readPolygons(canonicalListJson, list);
            if (!polygons) {
                return polygons.error();
            }
            json::LabelCollector labels;
            for (const Polygon& polygon : polygons.value()) {
                labels.add(polygon.label);
            }
            return labels.take();
        });
    }

    Result<std::vector<sdk::Shape>> toShapes(const std::string& canonicalListJson,
                                             const sdk::DisplayGeometry& display,
                                             const sdk::ImageGeometry& original) const override {
        using Shapes = std::vector<sdk::Shape>;
        return json::guarded<Shapes>("seg toShapes", [&]() -> Result<Shapes> {
            json::ArrayPtr list;
            Result<std::vector<Polygon>> polygons = readPolygons(canonicalListJson, list);
            if (!polygons) {
                return polygons.error();
            }
            const json::Scale scale = json::scaleFor(display, original);
            Shapes shapes;
            shapes.reserve(polygons.value().size());
            for (const Polygon& polygon : polygons.value()) {
                sdk::Shape shape;
                shape.kind = sdk::ShapeKind::Polygon;
                shape.label = polygon.label;
                shape.points.reserve(polygon.vertices.size());
                for (const Vertex& vertex : polygon.vertices) {
                    if (scale.displayKnown && vertex.offset) {
                        shape.points.push_back(
                            {vertex.offset->x * scale.x, vertex.offset->y * scale.y});
                    } else {
                        shape.points.push_back(vertex.canvas);
                    }
                }
                shapes.push_back(std::move(shape));
            }
            return shapes;
        });
    }
};

Result<void> loadSegmentation(sdk::PluginContext& context) {
    return context.add(std::make_unique<SegmentationType>());
}

} // namespace

CLASSIFAI_PLUGIN("annotation-seg", "1.0.0",
                 "Polygon annotations (seg): validation, canonical JSON, pixel shapes",
                 loadSegmentation)

// The `bndbox` annotation type: validates the UI's `bnd_box` lists, keeps them verbatim, and
// converts them to boxes in original-image pixels.
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

const std::string kListKey = "bnd_box";

// One validated box: canvas corners (x1 <= x2, y1 <= y2) and the offset of (x1, y1) from the
// displayed image's origin, when the UI sent it.
struct Box {
    std::string label;
    double x1 = 0;
    double y1 = 0;
    double x2 = 0;
    double y2 = 0;
    std::optional<sdk::Point> offset;
};

// Swaps the corner members `low` and `high` when low > high, keeping each value's JSON type. The
// offset belonged to the old `low` corner, so it moves by the box's extent along that axis.
void orderCorners(Poco::JSON::Object& object, const std::string& low, const std::string& high,
                  const std::string& offsetAxis, double& lowValue, double& highValue) {
    if (lowValue <= highValue) {
        return;
    }
    const json::Var lowVar = object.get(low);
    object.set(low, object.get(high));
    object.set(high, lowVar);
    json::ObjectPtr offset = json::objectMember(object, "distancetoImg");
    if (!offset.isNull()) {
        offset->set(offsetAxis, offset->get(offsetAxis).convert<double>() - (lowValue - highValue));
    }
    std::swap(lowValue, highValue);
}

// Validates one element of the list at `path` and normalises its corner order in place.
Result<Box> readBox(Poco::JSON::Object& object, const std::string& path) {
    Box box;
    Result<std::string> label = json::checkCommonMembers(object, path);
    if (!label) {
        return label.error();
    }
    box.label = std::move(label).value();
    double* corners[] = {&box.x1, &box.y1, &box.x2, &box.y2};
    const char* names[] = {"x1", "y1", "x2", "y2"};
    for (int i = 0; i < 4; ++i) {
        Result<double> corner = json::requiredNumber(object, names[i], path);
        if (!corner) {
            return corner.error();
        }
        *corners[i] = corner.value();
    }
    Result<std::optional<sdk::Point>> offset = json::optionalOffset(object, path);
    if (!offset) {
        return offset.error();
    }
    orderCorners(object, "x1", "x2", "x", box.x1, box.x2);
    orderCorners(object, "y1", "y2", "y", box.y1, box.y2);
    // Read again: ordering may have moved the offset.
    box.offset = json::optionalOffset(object, path).value();
    return box;
}

// Parses and validates a whole list; `list` receives the (normalised) parsed document.
Result<std::vector<Box>> readBoxes(const std::string& listJson, json::ArrayPtr& list) {
    Result<json::ArrayPtr> parsed = json::parseList(listJson, kListKey);
    if (!parsed) {
        return parsed.error();
    }
    list = parsed.value();
    std::vector<Box> boxes;
    boxes.reserve(list->size());
    for (std::size_t i = 0; i < list->size(); ++i) {
        const std::string path = json::elementPath(kListKey, i);
        json::ObjectPtr object = json::objectAt(*list, i);
        if (object.isNull()) {
            return json::invalid(path + " must be an object");
        }
        Result<Box> box = readBox(*object, path);
        if (!box) {
            return box.error();
        }
        boxes.push_back(std::move(box).value());
    }
    return boxes;
}

class BoundingBoxType final : public sdk::AnnotationType {
public:
    std::string id() const override { return "bndbox"; }
    std::vector<std::string> aliases() const override { return {"boundingbox"}; }
    std::string displayName() const override { return "Bounding box"; }
    std::string listKey() const override { return kListKey; }

    Result<std::string> canonicalize(const std::string& annotationListJson) const override {
        return json::guarded<std::string>("bndbox canonicalize", [&]() -> Result<std::string> {
            json::ArrayPtr list;
            Result<std::vector<Box>> boxes = readBoxes(annotationListJson, list);
            if (!boxes) {
                return boxes.error();
            }
            return json::condense(list);
        });
    }

    Result<std::vector<std::string>> labels(const std::string& canonicalListJson) const override {
        using Labels = std::vector<std::string>;
        return json::guarded<Labels>("bndbox labels", [&]() -> Result<Labels> {
            json::ArrayPtr list;
            Result<std::vector<Box>> boxes = readBoxes(canonicalListJson, list);
            if (!boxes) {
                return boxes.error();
            }
            json::LabelCollector labels;
            for (const Box& box : boxes.value()) {
                labels.add(box.label);
            }
            return labels.take();
        });
    }

    Result<std::vector<sdk::Shape>> toShapes(const std::string& canonicalListJson,
                                             const sdk::DisplayGeometry& display,
                                             const sdk::ImageGeometry& original) const override {
        using Shapes = std::vector<sdk::Shape>;
        return json::guarded<Shapes>("bndbox toShapes", [&]() -> Result<Shapes> {
            json::ArrayPtr list;
            Result<std::vector<Box>> boxes = readBoxes(canonicalListJson, list);
            if (!boxes) {
                return boxes.error();
            }
            const json::Scale scale = json::scaleFor(display, original);
            Shapes shapes;
            shapes.reserve(boxes.value().size());
            for (const Box& box : boxes.value()) {
                sdk::Shape shape;
                shape.kind = sdk::ShapeKind::Box;
                shape.label = box.label;
                if (scale.displayKnown && box.offset) {
                    const double xmin = box.offset->x * scale.x;
                    const double ymin = box.offset->y * scale.y;
                    const double width = (box.x2 - box.x1) * scale.x;
                    const double height = (box.y2 - box.y1) * scale.y;
                    shape.points = {{xmin, ymin}, {xmin + width, ymin + height}};
                } else {
                    shape.points = {{box.x1, box.y1}, {box.x2, box.y2}};
                }
                shapes.push_back(std::move(shape));
            }
            return shapes;
        });
    }
};

Result<void> loadBoundingBox(sdk::PluginContext& context) {
    return context.add(std::make_unique<BoundingBoxType>());
}

} // namespace

CLASSIFAI_PLUGIN("annotation-bndbox", "1.0.0",
                 "Bounding-box annotations (bndbox): validation, canonical JSON, pixel shapes",
                 loadBoundingBox)

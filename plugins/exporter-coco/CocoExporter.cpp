// The `coco` exporter: one COCO detection JSON file (images, annotations, categories).
#include "../common/ExportFormat.hpp"

#include <classifai/sdk/Plugin.hpp>

#include <memory>
#include <ostream>
#include <string>
#include <vector>

namespace {

namespace ef = classifai::exportformat;
using classifai::sdk::ErrorKind;
using classifai::sdk::ExportImage;
using classifai::sdk::Result;
using classifai::sdk::ShapeKind;

// Image ids are 1-based positions in the project's display order and annotation ids count up in
// the same walk, so exporting an unchanged project twice gives the same ids.
class CocoExporter final : public classifai::sdk::Exporter {
public:
    std::string id() const override { return "coco"; }
    std::string displayName() const override { return "COCO detection JSON"; }
    std::vector<std::string> supportedTypes() const override { return {}; }
    bool multiFile() const override { return false; }
    std::string fileExtension() const override { return "json"; }

    Result<void> write(classifai::sdk::ProjectView& project,
                       classifai::sdk::ExportSink& sink) const override {
        classifai::sdk::Error error;
        std::ostream* out = ef::openOrFail(sink, "annotations.json", error);
        if (out == nullptr) {
            return error;
        }
        ef::Spool annotations;
        if (!annotations.ok()) {
            return classifai::sdk::fail(ErrorKind::Internal,
                                        "cannot create a temporary file for the annotations");
        }
        ef::LabelIndex labels(project.labels());
        *out << "{\"info\":{\"description\":" << ef::jsonQuote(project.projectName())
             << ",\"version\":\"1.0\",\"contributor\":\"classifai\"},\"licenses\":[],\"images\":[";
        std::int64_t imageId = 0;
        std::int64_t annotationId = 0;
        Result<void> walked =
            ef::forEachImage(project, sink, [&](const ExportImage& image) -> Result<void> {
                ++imageId;
                *out << (imageId == 1 ? "" : ",") << "{\"id\":" << imageId
                     << ",\"file_name\":" << ef::jsonQuote(image.relativePath)
                     << ",\"width\":" << image.geometry.width
                     << ",\"height\":" << image.geometry.height << "}";
                for (const ef::ClippedShape& clipped : ef::exportableShapes(image, sink)) {
                    const auto& shape = clipped.shape;
                    const auto [low, high] = ef::boundsOf(shape.points);
                    const double width = high.x - low.x;
                    const double height = high.y - low.y;
                    std::string text = annotationId == 0 ? "" : ",";
                    text += "{\"id\":" + std::to_string(++annotationId) +
                            ",\"image_id\":" + std::to_string(imageId) + ",\"category_id\":" +
                            std::to_string(labels.indexOf(shape.label, sink) + 1) +
                            ",\"segmentation\":[";
                    if (shape.kind == ShapeKind::Polygon) {
                        text += "[";
                        for (std::size_t i = 0; i < shape.points.size(); ++i) {
                            text += (i == 0 ? "" : ",") + ef::number(shape.points[i].x) + "," +
                                    ef::number(shape.points[i].y);
                        }
                        text += "]";
                    }
                    const double area = shape.kind == ShapeKind::Polygon
                                            ? ef::polygonArea(shape.points)
                                            : width * height;
                    text += "],\"area\":" + ef::number(area) + ",\"bbox\":[" + ef::number(low.x) +
                            "," + ef::number(low.y) + "," + ef::number(width) + "," +
                            ef::number(height) + "],\"iscrowd\":0}";
                    annotations.write(text);
                }
                return *out ? Result<void>() : Result<void>(ef::writeFailed("the images"));
            });
        if (!walked) {
            return walked;
        }
        *out << "],\"annotations\":[";
        if (!annotations.copyTo(*out)) {
            return ef::writeFailed("the annotations");
        }
        *out << "],\"categories\":[";
        const auto& names = labels.names();
        for (std::size_t i = 0; i < names.size(); ++i) {
            *out << (i == 0 ? "" : ",") << "{\"id\":" << i + 1
                 << ",\"name\":" << ef::jsonQuote(names[i]) << ",\"supercategory\":\"none\"}";
        }
        *out << "]}\n";
        out->flush();
        return *out ? Result<void>() : Result<void>(ef::writeFailed("annotations.json"));
    }
};

Result<void> loadCoco(classifai::sdk::PluginContext& context) {
    return context.add(std::make_unique<CocoExporter>());
}

} // namespace

CLASSIFAI_PLUGIN("exporter-coco", "1.0.0", "Exports COCO detection JSON", loadCoco)

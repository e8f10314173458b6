// The `voc` exporter: Pascal VOC XML, one `Annotations/<folder>/<stem>.xml` per image.
#include "../common/ExportFormat.hpp"

#include <classifai/sdk/Plugin.hpp>

#include <algorithm>
#include <cmath>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

namespace {

namespace ef = classifai::exportformat;
using classifai::sdk::ExportImage;
using classifai::sdk::Result;
using classifai::sdk::ShapeKind;

// VOC boxes are whole pixels counted from 1 (as LabelImg writes them: a 0 broke Faster R-CNN).
long vocCoordinate(double value, std::int64_t limit) {
    return std::clamp(std::lround(value), 1L, std::max(1L, static_cast<long>(limit)));
}

class VocExporter final : public classifai::sdk::Exporter {
public:
    std::string id() const override { return "voc"; }
    std::string displayName() const override { return "Pascal VOC XML"; }
    std::vector<std::string> supportedTypes() const override { return {}; }
    bool multiFile() const override { return true; }
    std::string fileExtension() const override { return "zip"; }

    Result<void> write(classifai::sdk::ProjectView& project,
                       classifai::sdk::ExportSink& sink) const override {
        ef::SidecarNames names("Annotations/", "xml");
        const std::string folder = ef::xmlEscape(ef::fileNameOf(project.rootPath()));
        return ef::forEachImage(project, sink, [&](const ExportImage& image) -> Result<void> {
            const std::string name = names.nameFor(image.relativePath);
            classifai::sdk::Error error;
            std::ostream* out = ef::openOrFail(sink, name, error);
            if (out == nullptr) {
                return error;
            }
            const auto& size = image.geometry;
            *out << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<annotation>\n"
                 << "  <folder>" << folder << "</folder>\n"
                 << "  <filename>" << ef::xmlEscape(ef::fileNameOf(image.relativePath))
                 << "</filename>\n"
                 << "  <path>" << ef::xmlEscape(image.relativePath) << "</path>\n"
                 << "  <source>\n    <database>classifai</database>\n  </source>\n"
                 << "  <size>\n    <width>" << size.width << "</width>\n    <height>" << size.height
                 << "</height>\n    <depth>" << (size.depth > 0 ? size.depth : 3)
                 << "</depth>\n  </size>\n  <segmented>0</segmented>\n";
            for (const ef::ClippedShape& clipped : ef::exportableShapes(image, sink)) {
                if (clipped.shape.kind == ShapeKind::Polygon) {
                    sink.count(ef::kPolygonsAsBoxes, 1);
                }
                const auto [low, high] = ef::boundsOf(clipped.shape.points);
                *out << "  <object>\n    <name>" << ef::xmlEscape(clipped.shape.label)
                     << "</name>\n    <pose>Unspecified</pose>\n    <truncated>"
                     << (clipped.clipped ? 1 : 0)
                     << "</truncated>\n    <difficult>0</difficult>\n    <bndbox>\n"
                     << "      <xmin>" << vocCoordinate(low.x, size.width) << "</xmin>\n"
                     << "      <ymin>" << vocCoordinate(low.y, size.height) << "</ymin>\n"
                     << "      <xmax>" << vocCoordinate(high.x, size.width) << "</xmax>\n"
                     << "      <ymax>" << vocCoordinate(high.y, size.height) << "</ymax>\n"
                     << "    </bndbox>\n  </object>\n";
            }
            *out << "</annotation>\n";
            return *out ? Result<void>() : Result<void>(ef::writeFailed(name));
        });
    }
};

Result<void> loadVoc(classifai::sdk::PluginContext& context) {
    return context.add(std::make_unique<VocExporter>());
}

} // namespace

CLASSIFAI_PLUGIN("exporter-voc", "1.0.0", "Exports Pascal VOC XML, one file per image", loadVoc)

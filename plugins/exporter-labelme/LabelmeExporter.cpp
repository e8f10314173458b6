// The `labelme` exporter: one LabelMe JSON per image, at `<folder>/<stem>.json` beside where the
// image sits in the project, so labelme opens the folder with its images.
#include "../common/ExportFormat.hpp"

#include <classifai/sdk/Plugin.hpp>

#include <memory>
#include <ostream>
#include <string>
#include <vector>

namespace {

namespace ef = classifai::exportformat;
using classifai::sdk::ExportImage;
using classifai::sdk::Result;
using classifai::sdk::ShapeKind;

// The labelme release whose file layout this writes.
constexpr const char* kLabelmeVersion = "5.4.1";

class LabelmeExporter final : public classifai::sdk::Exporter {
public:
    std::string id() const override { return "labelme"; }
    std::string displayName() const override { return "LabelMe JSON"; }
    std::vector<std::string> supportedTypes() const override { return {}; }
    bool multiFile() const override { return true; }
    std::string fileExtension() const override { return "zip"; }

    Result<void> write(classifai::sdk::ProjectView& project,
                       classifai::sdk::ExportSink& sink) const override {
        ef::SidecarNames names("", "json");
        return ef::forEachImage(project, sink, [&](const ExportImage& image) -> Result<void> {
            const std::string name = names.nameFor(image.relativePath);
            classifai::sdk::Error error;
            std::ostream* out = ef::openOrFail(sink, name, error);
            if (out == nullptr) {
                return error;
            }
            *out << "{\n  \"version\": \"" << kLabelmeVersion
                 << "\",\n  \"flags\": {},\n  \"shapes\": [";
            bool first = true;
            for (const ef::ClippedShape& clipped : ef::exportableShapes(image, sink)) {
                const auto& shape = clipped.shape;
                *out << (first ? "\n" : ",\n")
                     << "    {\n      \"label\": " << ef::jsonQuote(shape.label)
                     << ",\n      \"points\": [";
                first = false;
                for (std::size_t i = 0; i < shape.points.size(); ++i) {
                    *out << (i == 0 ? "" : ", ") << '[' << ef::number(shape.points[i].x) << ", "
                         << ef::number(shape.points[i].y) << ']';
                }
                *out << "],\n      \"group_id\": null,\n      \"description\": \"\",\n"
                     << "      \"shape_type\": \""
                     << (shape.kind == ShapeKind::Box ? "rectangle" : "polygon")
                     << "\",\n      \"flags\": {},\n      \"mask\": null\n    }";
            }
            *out << (first ? "" : "\n  ")
                 << "],\n  \"imagePath\": " << ef::jsonQuote(ef::fileNameOf(image.relativePath))
                 << ",\n  \"imageData\": null,\n  \"imageHeight\": " << image.geometry.height
                 << ",\n  \"imageWidth\": " << image.geometry.width << "\n}\n";
            return *out ? Result<void>() : Result<void>(ef::writeFailed(name));
        });
    }
};

Result<void> loadLabelme(classifai::sdk::PluginContext& context) {
    return context.add(std::make_unique<LabelmeExporter>());
}

} // namespace

CLASSIFAI_PLUGIN("exporter-labelme", "1.0.0", "Exports LabelMe JSON, one file per image",
                 loadLabelme)

// The `yolo` exporter: `labels/<folder>/<stem>.txt` per image (boxes as detect lines
// `class cx cy w h`, polygons as segment lines `class x1 y1 x2 y2 ...`, all normalised to 0..1),
// plus `classes.txt` and an Ultralytics `data.yaml`.
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

constexpr int kDecimals = 6;

// A YAML double-quoted scalar: labels may hold ':' or '#', which plain scalars cannot.
std::string yamlQuote(const std::string& text) {
    return ef::jsonQuote(text); // JSON strings are valid YAML double-quoted scalars
}

class YoloExporter final : public classifai::sdk::Exporter {
public:
    std::string id() const override { return "yolo"; }
    std::string displayName() const override { return "YOLO txt (detect and segment)"; }
    std::vector<std::string> supportedTypes() const override { return {}; }
    bool multiFile() const override { return true; }
    std::string fileExtension() const override { return "zip"; }

    Result<void> write(classifai::sdk::ProjectView& project,
                       classifai::sdk::ExportSink& sink) const override {
        ef::SidecarNames names("labels/", "txt");
        ef::LabelIndex labels(project.labels());
        Result<void> walked =
            ef::forEachImage(project, sink, [&](const ExportImage& image) -> Result<void> {
                const std::string name = names.nameFor(image.relativePath);
                classifai::sdk::Error error;
                std::ostream* out = ef::openOrFail(sink, name, error);
                if (out == nullptr) {
                    return error;
                }
                const double width = static_cast<double>(image.geometry.width);
                const double height = static_cast<double>(image.geometry.height);
                for (const ef::ClippedShape& clipped : ef::exportableShapes(image, sink)) {
                    const auto& shape = clipped.shape;
                    *out << labels.indexOf(shape.label, sink);
                    if (shape.kind == ShapeKind::Box) {
                        const auto [low, high] = ef::boundsOf(shape.points);
                        *out << ' ' << ef::number((low.x + high.x) / 2 / width, kDecimals) << ' '
                             << ef::number((low.y + high.y) / 2 / height, kDecimals) << ' '
                             << ef::number((high.x - low.x) / width, kDecimals) << ' '
                             << ef::number((high.y - low.y) / height, kDecimals);
                    } else {
                        for (const auto& point : shape.points) {
                            *out << ' ' << ef::number(point.x / width, kDecimals) << ' '
                                 << ef::number(point.y / height, kDecimals);
                        }
                    }
                    *out << '\n';
                }
                return *out ? Result<void>() : Result<void>(ef::writeFailed(name));
            });
        if (!walked) {
            return walked;
        }
        const auto& classes = labels.names();
        classifai::sdk::Error error;
        std::ostream* out = ef::openOrFail(sink, "classes.txt", error);
        if (out == nullptr) {
            return error;
        }
        for (const std::string& label : classes) {
            *out << label << '\n';
        }
        if (!*out) {
            return ef::writeFailed("classes.txt");
        }
        out = ef::openOrFail(sink, "data.yaml", error);
        if (out == nullptr) {
            return error;
        }
        *out << "# Ultralytics dataset for the classifai project "
             << yamlQuote(project.projectName()) << ".\n"
             << "# Labels are in labels/ with the images' relative paths; copy the project's\n"
             << "# images into images/ with the same relative paths to train.\n"
             << "path: .\ntrain: images\nval: images\nnc: " << classes.size() << "\nnames:\n";
        for (std::size_t i = 0; i < classes.size(); ++i) {
            *out << "  " << i << ": " << yamlQuote(classes[i]) << '\n';
        }
        return *out ? Result<void>() : Result<void>(ef::writeFailed("data.yaml"));
    }
};

Result<void> loadYolo(classifai::sdk::PluginContext& context) {
    return context.add(std::make_unique<YoloExporter>());
}

} // namespace

CLASSIFAI_PLUGIN("exporter-yolo", "1.0.0", "Exports YOLO detect/segment labels", loadYolo)

// The `cfgdata` exporter: a zip of `<folder>/<project name>.json` and `<folder>/<image path>` for
// every image of the project (reference section 7.2, from the project's images rather than a
// fresh walk of the folder).
#include "../common/ClassifaiConfig.hpp"

#include <classifai/sdk/Plugin.hpp>

#include <memory>
#include <string>
#include <vector>

namespace {

namespace cc = classifai::classifaiconfig;
namespace ef = classifai::exportformat;
using classifai::sdk::ExportImage;
using classifai::sdk::Result;

class CfgdataExporter final : public classifai::sdk::Exporter {
public:
    std::string id() const override { return "cfgdata"; }
    std::string displayName() const override {
        return "classifai project configuration with images";
    }
    std::vector<std::string> supportedTypes() const override { return {}; }
    bool multiFile() const override { return true; }
    std::string fileExtension() const override { return "zip"; }

    Result<void> write(classifai::sdk::ProjectView& project,
                       classifai::sdk::ExportSink& sink) const override {
        auto created = cc::ConfigWriter::create(project);
        if (!created) {
            return created.error();
        }
        cc::ConfigWriter& writer = *created.value();
        std::string folder = ef::fileNameOf(project.rootPath());
        if (folder.empty()) {
            folder = project.projectName();
        }
        Result<void> walked =
            ef::forEachImage(project, sink, [&](const ExportImage& image) -> Result<void> {
                Result<void> added = writer.add(image, project);
                if (!added) {
                    return added;
                }
                return sink.addFile(folder + "/" + image.relativePath, image.absolutePath);
            });
        if (!walked) {
            return walked;
        }
        classifai::sdk::Error error;
        std::ostream* out =
            ef::openOrFail(sink, folder + "/" + project.projectName() + ".json", error);
        if (out == nullptr) {
            return error;
        }
        return writer.finish(*out);
    }
};

Result<void> loadCfgdata(classifai::sdk::PluginContext& context) {
    return context.add(std::make_unique<CfgdataExporter>());
}

} // namespace

CLASSIFAI_PLUGIN("exporter-cfgdata", "1.0.0",
                 "Exports the classifai project configuration file with the images", loadCfgdata)

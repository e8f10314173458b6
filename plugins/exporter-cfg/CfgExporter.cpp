// The `cfg` exporter: the classifai project configuration file, `<project name>.json`.
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

class CfgExporter final : public classifai::sdk::Exporter {
public:
    std::string id() const override { return "cfg"; }
    std::string displayName() const override { return "classifai project configuration"; }
    std::vector<std::string> supportedTypes() const override { return {}; }
    bool multiFile() const override { return false; }
    std::string fileExtension() const override { return "json"; }

    Result<void> write(classifai::sdk::ProjectView& project,
                       classifai::sdk::ExportSink& sink) const override {
        auto created = cc::ConfigWriter::create(project);
        if (!created) {
            return created.error();
        }
        cc::ConfigWriter& writer = *created.value();
        Result<void> walked =
            ef::forEachImage(project, sink, [&](const ExportImage& image) -> Result<void> {
                return writer.add(image, project);
            });
        if (!walked) {
            return walked;
        }
        classifai::sdk::Error error;
        std::ostream* out = ef::openOrFail(sink, project.projectName() + ".json", error);
        if (out == nullptr) {
            return error;
        }
        return writer.finish(*out);
    }
};

Result<void> loadCfg(classifai::sdk::PluginContext& context) {
    return context.add(std::make_unique<CfgExporter>());
}

} // namespace

CLASSIFAI_PLUGIN("exporter-cfg", "1.0.0", "Exports the classifai project configuration file",
                 loadCfg)

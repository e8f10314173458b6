// The `kdialog` dialog backend: KDE file choosers through kdialog, on Linux desktops.
#include "../common/CommandDialog.hpp"

#include <classifai/sdk/Plugin.hpp>

#include <memory>

namespace {

namespace dc = classifai::dialogcommands;
namespace sdk = classifai::sdk;

sdk::Result<void> load(sdk::PluginContext& context) {
    dc::ToolSpec spec;
    spec.id = "kdialog";
    spec.operatingSystems = {"linux"};
    spec.programs = {"kdialog"};
    spec.needsDisplay = true;
    spec.argv = dc::kdialogArgv;
    spec.cancelled = dc::kdialogCancelled;
    return context.add(std::make_unique<dc::CommandDialog>(spec, context.operatingSystem()));
}

} // namespace

CLASSIFAI_PLUGIN("dialog-kdialog", "1.0.0", "Selection dialogs through kdialog (KDE)", load)

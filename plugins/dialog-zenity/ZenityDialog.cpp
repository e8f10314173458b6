// The `zenity` dialog backend: GTK file choosers through zenity, on Linux desktops.
#include "../common/CommandDialog.hpp"

#include <classifai/sdk/Plugin.hpp>

#include <memory>

namespace {

namespace dc = classifai::dialogcommands;
namespace sdk = classifai::sdk;

sdk::Result<void> load(sdk::PluginContext& context) {
    dc::ToolSpec spec;
    spec.id = "zenity";
    spec.operatingSystems = {"linux"};
    spec.programs = {"zenity"};
    spec.needsDisplay = true;
    spec.argv = dc::zenityArgv;
    spec.cancelled = dc::zenityCancelled;
    return context.add(std::make_unique<dc::CommandDialog>(spec, context.operatingSystem()));
}

} // namespace

CLASSIFAI_PLUGIN("dialog-zenity", "1.0.0", "Selection dialogs through zenity (GTK)", load)

// The `osascript` dialog backend: AppleScript `choose folder` / `choose file` on macOS.
#include "../common/CommandDialog.hpp"

#include <classifai/sdk/Plugin.hpp>

#include <memory>

namespace {

namespace dc = classifai::dialogcommands;
namespace sdk = classifai::sdk;

sdk::Result<void> load(sdk::PluginContext& context) {
    dc::ToolSpec spec;
    spec.id = "osascript";
    spec.operatingSystems = {"macos"};
    spec.programs = {"osascript"};
    spec.argv = dc::osascriptArgv;
    spec.cancelled = dc::osascriptCancelled;
    spec.cleanPath = dc::osascriptPath;
    return context.add(std::make_unique<dc::CommandDialog>(spec, context.operatingSystem()));
}

} // namespace

CLASSIFAI_PLUGIN("dialog-osascript", "1.0.0", "Selection dialogs through osascript (macOS)", load)

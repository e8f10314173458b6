// The `powershell` dialog backend: Windows Forms folder and file dialogs through PowerShell.
#include "../common/CommandDialog.hpp"

#include <classifai/sdk/Plugin.hpp>

#include <memory>

namespace {

namespace dc = classifai::dialogcommands;
namespace sdk = classifai::sdk;

sdk::Result<void> load(sdk::PluginContext& context) {
    dc::ToolSpec spec;
    spec.id = "powershell";
    spec.operatingSystems = {"windows"};
    spec.programs = {"powershell.exe", "pwsh.exe", "pwsh"};
    spec.argv = dc::powershellArgv;
    spec.cancelled = dc::powershellCancelled;
    return context.add(std::make_unique<dc::CommandDialog>(spec, context.operatingSystem()));
}

} // namespace

CLASSIFAI_PLUGIN("dialog-powershell", "1.0.0", "Selection dialogs through PowerShell (Windows)",
                 load)

// The exact command lines of the zenity, kdialog, osascript and powershell dialog backends, and
// how each tool's exit is read. The builders are the ones the plugins run.
#include "../../plugins/common/DialogCommands.hpp"
#include "../../plugins/common/ProcessRunner.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace {

namespace dc = classifai::dialogcommands;
namespace sdk = classifai::sdk;
using Argv = std::vector<std::string>;

sdk::DialogRequest folderRequest() {
    return {"Select Project Folder", "/home/ann", {}};
}

sdk::DialogRequest labelRequest() {
    return {"Select Label File (*.txt)", "/home/ann", {{"Text Files", {"*.txt"}}}};
}

TEST(DialogCommandsTest, ZenityFolderAndFile) {
    EXPECT_EQ(dc::zenityArgv("/usr/bin/zenity", folderRequest(), dc::Choice::Folder),
              (Argv{"/usr/bin/zenity", "--file-selection", "--directory",
                    "--title=Select Project Folder", "--filename=/home/ann/"}));
    EXPECT_EQ(dc::zenityArgv("/usr/bin/zenity", labelRequest(), dc::Choice::File),
              (Argv{"/usr/bin/zenity", "--file-selection", "--title=Select Label File (*.txt)",
                    "--filename=/home/ann/", "--file-filter=Text Files | *.txt"}));
}

TEST(DialogCommandsTest, ZenityFilterSeparatorsCannotBeInjected) {
    sdk::DialogRequest request{"T", "", {{"A|B", {"*.a b", "*.c"}}, {"Json", {"*.json"}}}};
    EXPECT_EQ(dc::zenityArgv("zenity", request, dc::Choice::File),
              (Argv{"zenity", "--file-selection", "--title=T", "--file-filter=A B | *.a b *.c",
                    "--file-filter=Json | *.json"}));
}

TEST(DialogCommandsTest, KdialogFolderAndFile) {
    EXPECT_EQ(dc::kdialogArgv("/usr/bin/kdialog", folderRequest(), dc::Choice::Folder),
              (Argv{"/usr/bin/kdialog", "--title", "Select Project Folder",
                    "--getexistingdirectory", "/home/ann"}));
    EXPECT_EQ(dc::kdialogArgv("/usr/bin/kdialog", labelRequest(), dc::Choice::File),
              (Argv{"/usr/bin/kdialog", "--title", "Select Label File (*.txt)", "--getopenfilename",
                    "/home/ann", "*.txt|Text Files"}));
    sdk::DialogRequest noStart{"T", "", {}};
    EXPECT_EQ(dc::kdialogArgv("kdialog", noStart, dc::Choice::Folder),
              (Argv{"kdialog", "--title", "T", "--getexistingdirectory", "."}));
}

TEST(DialogCommandsTest, OsascriptFolderAndFile) {
    EXPECT_EQ(dc::osascriptArgv("/usr/bin/osascript", folderRequest(), dc::Choice::Folder),
              (Argv{"/usr/bin/osascript", "-e",
                    "POSIX path of (choose folder with prompt \"Select Project Folder\" default "
                    "location POSIX file \"/home/ann\")"}));
    EXPECT_EQ(dc::osascriptArgv("/usr/bin/osascript", labelRequest(), dc::Choice::File),
              (Argv{"/usr/bin/osascript", "-e",
                    "POSIX path of (choose file with prompt \"Select Label File (*.txt)\" of type "
                    "{\"txt\"} default location POSIX file \"/home/ann\")"}));
}

TEST(DialogCommandsTest, OsascriptEscapesQuotesAndBackslashes) {
    sdk::DialogRequest request{"Pick \"it\"", "/Users/a\\b \"c\"", {}};
    EXPECT_EQ(dc::osascriptScript(request, dc::Choice::Folder),
              "POSIX path of (choose folder with prompt \"Pick \\\"it\\\"\" default location "
              "POSIX file \"/Users/a\\\\b \\\"c\\\"\")");
    EXPECT_EQ(dc::osascriptPath("/Users/ann/cars/"), "/Users/ann/cars");
    EXPECT_EQ(dc::osascriptPath("/"), "/");
}

TEST(DialogCommandsTest, PowershellFolder) {
    EXPECT_EQ(dc::powershellArgv("powershell.exe", folderRequest(), dc::Choice::Folder),
              (Argv{"powershell.exe", "-NoProfile", "-NonInteractive", "-STA", "-Command",
                    "[Console]::OutputEncoding = [System.Text.Encoding]::UTF8; Add-Type "
                    "-AssemblyName System.Windows.Forms; $d = New-Object "
                    "System.Windows.Forms.FolderBrowserDialog; $d.Description = 'Select "
                    "Project Folder'; $d.ShowNewFolderButton = $false; $d.SelectedPath = "
                    "'/home/ann'; if ($d.ShowDialog() -eq "
                    "[System.Windows.Forms.DialogResult]::OK) { "
                    "[Console]::Out.Write($d.SelectedPath); exit 0 } else { exit 1 }"}));
}

TEST(DialogCommandsTest, PowershellFile) {
    sdk::DialogRequest request{"Select File", "C:\\Users\\ann", {{"Json Files", {"*.json"}}}};
    EXPECT_EQ(dc::powershellArgv("powershell.exe", request, dc::Choice::File),
              (Argv{"powershell.exe", "-NoProfile", "-NonInteractive", "-STA", "-Command",
                    "[Console]::OutputEncoding = [System.Text.Encoding]::UTF8; Add-Type "
                    "-AssemblyName System.Windows.Forms; $d = New-Object "
                    "System.Windows.Forms.OpenFileDialog; $d.Title = 'Select File'; "
                    "$d.Multiselect = $false; $d.CheckFileExists = $true; $d.Filter = 'Json "
                    "Files (*.json)|*.json'; $d.InitialDirectory = 'C:\\Users\\ann'; if "
                    "($d.ShowDialog() -eq [System.Windows.Forms.DialogResult]::OK) { "
                    "[Console]::Out.Write($d.FileName); exit 0 } else { exit 1 }"}));
}

TEST(DialogCommandsTest, PowershellQuotesCannotEndTheString) {
    EXPECT_EQ(dc::powerShellString("it's"), "'it''s'");
    // U+2019 is a quote to PowerShell too.
    EXPECT_EQ(dc::powerShellString("a\xE2\x80\x99;calc"), "'a\xE2\x80\x99\xE2\x80\x99;calc'");
    EXPECT_EQ(dc::powerShellString("$(x) `y`"), "'$(x) `y`'");
}

TEST(DialogCommandsTest, ExitsAreReadPerTool) {
    auto chosen = dc::interpret("zenity", {0, "/home/ann/cars\n", ""}, false);
    ASSERT_TRUE(chosen.ok());
    EXPECT_EQ(chosen.value(), "/home/ann/cars");

    EXPECT_TRUE(dc::zenityCancelled({1, "", ""}));
    EXPECT_TRUE(dc::zenityCancelled({5, "", ""}));
    EXPECT_FALSE(dc::zenityCancelled({255, "", ""}));
    EXPECT_FALSE(dc::zenityCancelled({1, "", "Gtk-WARNING **: cannot open display: :7"}));
    EXPECT_FALSE(dc::kdialogCancelled({1, "", "qt.qpa.xcb: could not connect to display :7"}));
    EXPECT_TRUE(dc::kdialogCancelled({1, "", ""}));
    EXPECT_TRUE(dc::osascriptCancelled({1, "", "execution error: User canceled. (-128)"}));
    EXPECT_FALSE(dc::osascriptCancelled({1, "", "syntax error"}));
    EXPECT_TRUE(dc::powershellCancelled({1, "", ""}));

    auto cancelled = dc::interpret("zenity", {1, "", ""}, true);
    ASSERT_FALSE(cancelled.ok());
    EXPECT_EQ(cancelled.error().kind, sdk::ErrorKind::Cancelled);

    auto failed = dc::interpret("zenity", {255, "", "cannot open display\n"}, false);
    ASSERT_FALSE(failed.ok());
    EXPECT_EQ(failed.error().kind, sdk::ErrorKind::Internal);
    EXPECT_EQ(failed.error().message, "zenity failed with exit code 255: cannot open display");

    auto empty = dc::interpret("kdialog", {0, "\n", ""}, false);
    ASSERT_FALSE(empty.ok());
    EXPECT_EQ(empty.error().kind, sdk::ErrorKind::Cancelled);
}

TEST(DialogCommandsTest, ProcessRunnerCapturesOutputAndExitCode) {
    auto sh = classifai::process::findExecutable("sh");
    ASSERT_TRUE(sh.has_value());
    auto result = classifai::process::runProcess(
        {*sh, "-c", "printf '/a path/x.txt\\n'; echo oops >&2; exit 3"});
    ASSERT_TRUE(result.started) << result.error;
    EXPECT_EQ(result.exitCode, 3);
    EXPECT_EQ(result.out, "/a path/x.txt\n");
    EXPECT_EQ(result.err, "oops\n");
    EXPECT_FALSE(classifai::process::findExecutable("no-such-dialog-tool-here").has_value());
}

} // namespace

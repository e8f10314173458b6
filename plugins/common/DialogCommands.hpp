// Header-only: the exact command lines the zenity, kdialog, osascript and powershell dialog
// plugins run, and how each tool's exit tells "chosen" from "cancelled". Pure functions, so the
// unit tests check every argv without a desktop.
#pragma once

#include <classifai/sdk/DialogBackend.hpp>
#include <classifai/sdk/Result.hpp>

#include <string>
#include <vector>

namespace classifai::dialogcommands {

/// What the person is asked to pick.
enum class Choice { Folder, File };

/// How a tool ended: its exit code and what it printed.
struct ToolExit {
    int exitCode = 0;
    std::string out;
    std::string err;
};

/// The bare extensions of a filter's patterns: {"*.txt", "*.TXT"} -> {"txt", "TXT"}; patterns
/// that are not of the form `*.ext` (such as `*`) are left out.
inline std::vector<std::string> extensionsOf(const std::vector<sdk::FileFilter>& filters) {
    std::vector<std::string> extensions;
    for (const sdk::FileFilter& filter : filters) {
        for (const std::string& pattern : filter.patterns) {
            if (pattern.size() > 2 && pattern.compare(0, 2, "*.") == 0 &&
                pattern.find_first_of("*?/\\\"'", 2) == std::string::npos) {
                extensions.push_back(pattern.substr(2));
            }
        }
    }
    return extensions;
}

/// `text` with every character of `unwanted` replaced by a space (for separators of a tool's
/// own filter syntax).
inline std::string withoutChars(std::string text, const std::string& unwanted) {
    for (char& c : text) {
        if (unwanted.find(c) != std::string::npos) {
            c = ' ';
        }
    }
    return text;
}

inline std::string joined(const std::vector<std::string>& items, const std::string& separator) {
    std::string text;
    for (const std::string& item : items) {
        text += (text.empty() ? "" : separator) + item;
    }
    return text;
}

/// A folder path as the start of a file chooser: with one trailing '/', so GTK opens the folder
/// itself rather than selecting it in its parent.
inline std::string withTrailingSlash(const std::string& folder) {
    if (folder.empty() || folder.back() == '/') {
        return folder;
    }
    return folder + "/";
}

/// The answer printed by a tool: its output without the trailing newline(s) (a file name may
/// legitimately end in spaces, so only CR and LF are removed).
inline std::string answerLine(const std::string& out) {
    std::string line = out;
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) {
        line.pop_back();
    }
    return line;
}

/// Maps a tool's exit to the backend result: a non-empty answer on success, Cancelled for the
/// tool's cancel exit, Internal (with what the tool said) for anything else.
inline sdk::Result<std::string> interpret(const std::string& tool, const ToolExit& exit,
                                          bool cancelled) {
    if (cancelled) {
        return sdk::fail(sdk::ErrorKind::Cancelled, "the " + tool + " window was cancelled");
    }
    std::string answer = answerLine(exit.out);
    if (exit.exitCode == 0 && !answer.empty()) {
        return answer;
    }
    if (exit.exitCode == 0) {
        return sdk::fail(sdk::ErrorKind::Cancelled, tool + " returned no path");
    }
    std::string said = answerLine(exit.err);
    if (said.size() > 500) {
        said = said.substr(said.size() - 500);
    }
    return sdk::fail(sdk::ErrorKind::Internal, tool + " failed with exit code " +
                                                   std::to_string(exit.exitCode) +
                                                   (said.empty() ? std::string() : ": " + said));
}

// ---- zenity (GTK) ----------------------------------------------------------------------------

/// `zenity --file-selection [--directory] --title=T [--filename=START/] [--file-filter=N | P..]`
inline std::vector<std::string> zenityArgv(const std::string& program,
                                           const sdk::DialogRequest& request, Choice choice) {
    std::vector<std::string> argv{program, "--file-selection"};
    if (choice == Choice::Folder) {
        argv.push_back("--directory");
    }
    argv.push_back("--title=" + request.title);
    if (!request.startDirectory.empty()) {
        argv.push_back("--filename=" + withTrailingSlash(request.startDirectory));
    }
    if (choice == Choice::File) {
        for (const sdk::FileFilter& filter : request.filters) {
            std::vector<std::string> patterns;
            for (const std::string& pattern : filter.patterns) {
                patterns.push_back(withoutChars(pattern, "| "));
            }
            if (!patterns.empty()) {
                argv.push_back("--file-filter=" + withoutChars(filter.name, "|") + " | " +
                               joined(patterns, " "));
            }
        }
    }
    return argv;
}

/// GTK and Qt tools also exit 1 when they cannot reach the display: that is a failure to report,
/// not a person cancelling.
inline bool displayUnreachable(const ToolExit& exit) {
    return exit.err.find("cannot open display") != std::string::npos ||
           exit.err.find("could not connect to display") != std::string::npos;
}

/// zenity exits 1 when the window is cancelled or closed, 5 on its own timeout.
inline bool zenityCancelled(const ToolExit& exit) {
    return (exit.exitCode == 1 && !displayUnreachable(exit)) || exit.exitCode == 5;
}

// ---- kdialog (KDE) ---------------------------------------------------------------------------

/// `kdialog --title T --getexistingdirectory START` or
/// `kdialog --title T --getopenfilename START "*.txt|Text Files"`
inline std::vector<std::string> kdialogArgv(const std::string& program,
                                            const sdk::DialogRequest& request, Choice choice) {
    std::vector<std::string> argv{program, "--title", request.title};
    const std::string start = request.startDirectory.empty() ? "." : request.startDirectory;
    if (choice == Choice::Folder) {
        argv.push_back("--getexistingdirectory");
        argv.push_back(start);
        return argv;
    }
    argv.push_back("--getopenfilename");
    argv.push_back(start);
    std::vector<std::string> filters;
    for (const sdk::FileFilter& filter : request.filters) {
        std::vector<std::string> patterns;
        for (const std::string& pattern : filter.patterns) {
            patterns.push_back(withoutChars(pattern, "|\n "));
        }
        if (!patterns.empty()) {
            filters.push_back(joined(patterns, " ") + "|" + withoutChars(filter.name, "|\n"));
        }
    }
    if (!filters.empty()) {
        argv.push_back(joined(filters, "\n"));
    }
    return argv;
}

/// kdialog exits 1 when the window is cancelled or closed.
inline bool kdialogCancelled(const ToolExit& exit) {
    return exit.exitCode == 1 && !displayUnreachable(exit);
}

// ---- osascript (macOS) -----------------------------------------------------------------------

/// An AppleScript string literal: quotes and backslashes escaped.
inline std::string appleScriptString(const std::string& text) {
    std::string quoted = "\"";
    for (char c : text) {
        if (c == '"' || c == '\\') {
            quoted.push_back('\\');
        }
        quoted.push_back(c);
    }
    return quoted + "\"";
}

/// The AppleScript run by osascript: `POSIX path of (choose folder|file with prompt "T" [of type
/// {"txt"}] [default location POSIX file "START"])`.
inline std::string osascriptScript(const sdk::DialogRequest& request, Choice choice) {
    std::string script = "POSIX path of (choose ";
    script += choice == Choice::Folder ? "folder" : "file";
    script += " with prompt " + appleScriptString(request.title);
    if (choice == Choice::File) {
        std::vector<std::string> types;
        for (const std::string& extension : extensionsOf(request.filters)) {
            types.push_back(appleScriptString(extension));
        }
        if (!types.empty()) {
            script += " of type {" + joined(types, ", ") + "}";
        }
    }
    if (!request.startDirectory.empty()) {
        script += " default location POSIX file " + appleScriptString(request.startDirectory);
    }
    return script + ")";
}

/// `osascript -e <script>`
inline std::vector<std::string> osascriptArgv(const std::string& program,
                                              const sdk::DialogRequest& request, Choice choice) {
    return {program, "-e", osascriptScript(request, choice)};
}

/// A cancelled `choose` raises AppleScript error -128 ("User canceled."), exit code 1.
inline bool osascriptCancelled(const ToolExit& exit) {
    return exit.exitCode == 1 && exit.err.find("-128") != std::string::npos;
}

/// `POSIX path of` a folder ends in '/'; the API reports folders without it.
inline std::string osascriptPath(std::string path) {
    while (path.size() > 1 && path.back() == '/') {
        path.pop_back();
    }
    return path;
}

// ---- powershell (Windows) --------------------------------------------------------------------

/// A PowerShell single-quoted string: every quote character PowerShell accepts (', and the
/// typographic quotes U+2018..U+201B) is doubled, so nothing in it is ever interpreted.
inline std::string powerShellString(const std::string& text) {
    std::string quoted = "'";
    for (std::size_t i = 0; i < text.size(); ++i) {
        const unsigned char c = static_cast<unsigned char>(text[i]);
        if (c == '\'') {
            quoted += "''";
            continue;
        }
        // U+2018..U+201B are E2 80 98..9B in UTF-8.
        if (c == 0xE2 && i + 2 < text.size() && static_cast<unsigned char>(text[i + 1]) == 0x80 &&
            static_cast<unsigned char>(text[i + 2]) >= 0x98 &&
            static_cast<unsigned char>(text[i + 2]) <= 0x9B) {
            const std::string quote = text.substr(i, 3);
            quoted += quote + quote;
            i += 2;
            continue;
        }
        quoted.push_back(text[i]);
    }
    return quoted + "'";
}

/// The Windows Forms filter string: `Text Files (*.txt)|*.txt`, several joined by '|'.
inline std::string windowsFilter(const std::vector<sdk::FileFilter>& filters) {
    std::vector<std::string> parts;
    for (const sdk::FileFilter& filter : filters) {
        std::vector<std::string> patterns;
        for (const std::string& pattern : filter.patterns) {
            patterns.push_back(withoutChars(pattern, "|; "));
        }
        if (!patterns.empty()) {
            const std::string name = withoutChars(filter.name, "|");
            parts.push_back(name + " (" + joined(patterns, ";") + ")|" + joined(patterns, ";"));
        }
    }
    return joined(parts, "|");
}

/// The script run by PowerShell: a Windows Forms folder or file dialog; prints the choice as
/// UTF-8 and exits 0, or exits 1 when cancelled.
inline std::string powershellScript(const sdk::DialogRequest& request, Choice choice) {
    std::string script = "[Console]::OutputEncoding = [System.Text.Encoding]::UTF8; "
                         "Add-Type -AssemblyName System.Windows.Forms; ";
    if (choice == Choice::Folder) {
        script += "$d = New-Object System.Windows.Forms.FolderBrowserDialog; ";
        script += "$d.Description = " + powerShellString(request.title) + "; ";
        script += "$d.ShowNewFolderButton = $false; ";
        if (!request.startDirectory.empty()) {
            script += "$d.SelectedPath = " + powerShellString(request.startDirectory) + "; ";
        }
        script += "if ($d.ShowDialog() -eq [System.Windows.Forms.DialogResult]::OK) "
                  "{ [Console]::Out.Write($d.SelectedPath); exit 0 } else { exit 1 }";
        return script;
    }
    script += "$d = New-Object System.Windows.Forms.OpenFileDialog; ";
    script += "$d.Title = " + powerShellString(request.title) + "; ";
    script += "$d.Multiselect = $false; $d.CheckFileExists = $true; ";
    const std::string filter = windowsFilter(request.filters);
    if (!filter.empty()) {
        script += "$d.Filter = " + powerShellString(filter) + "; ";
    }
    if (!request.startDirectory.empty()) {
        script += "$d.InitialDirectory = " + powerShellString(request.startDirectory) + "; ";
    }
    script += "if ($d.ShowDialog() -eq [System.Windows.Forms.DialogResult]::OK) "
              "{ [Console]::Out.Write($d.FileName); exit 0 } else { exit 1 }";
    return script;
}

/// `powershell.exe -NoProfile -NonInteractive -STA -Command <script>` (Windows Forms needs a
/// single-threaded apartment).
inline std::vector<std::string> powershellArgv(const std::string& program,
                                               const sdk::DialogRequest& request, Choice choice) {
    return {program, "-NoProfile", "-NonInteractive",
            "-STA",  "-Command",   powershellScript(request, choice)};
}

/// The script exits 1 when the dialog is cancelled.
inline bool powershellCancelled(const ToolExit& exit) {
    return exit.exitCode == 1;
}

} // namespace classifai::dialogcommands

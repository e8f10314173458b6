// The `headless` dialog backend: no window; answers from dialog.headless.folder, .labelfile and
// .configfile. What servers, containers and tests use.
#include <classifai/sdk/Plugin.hpp>

#include <chrono>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>
#include <utility>

namespace {

namespace sdk = classifai::sdk;

// Which answer a file request wants: the label file for text filters, the configuration file
// for JSON filters.
bool wantsExtension(const sdk::DialogRequest& request, const std::string& extension) {
    for (const sdk::FileFilter& filter : request.filters) {
        for (const std::string& pattern : filter.patterns) {
            if (pattern.size() >= extension.size() &&
                pattern.compare(pattern.size() - extension.size(), extension.size(), extension) ==
                    0) {
                return true;
            }
        }
    }
    return false;
}

sdk::Error unanswered(const std::string& key) {
    std::string message = "the headless dialog has no answer: set dialog.headless.";
    message.append(key).append(" in classifai.properties (or --define dialog.headless.");
    message.append(key).append("=/absolute/path)");
    return sdk::fail(sdk::ErrorKind::Cancelled, message);
}

class HeadlessDialog final : public sdk::DialogBackend {
public:
    HeadlessDialog(std::string folder, std::string labelFile, std::string configFile, long delayMs)
        : _folder(std::move(folder)), _labelFile(std::move(labelFile)),
          _configFile(std::move(configFile)), _delayMs(delayMs) {}

    std::string id() const override { return "headless"; }
    std::vector<std::string> operatingSystems() const override { return {"any"}; }
    sdk::Result<void> available() const override { return {}; }

    sdk::Result<std::string> chooseFolder(const sdk::DialogRequest&) const override {
        pretendToWait();
        if (_folder.empty()) {
            return unanswered("folder");
        }
        return _folder;
    }

    sdk::Result<std::string> chooseFile(const sdk::DialogRequest& request) const override {
        pretendToWait();
        if (wantsExtension(request, ".json")) {
            return _configFile.empty() ? sdk::Result<std::string>(unanswered("configfile"))
                                       : sdk::Result<std::string>(_configFile);
        }
        if (wantsExtension(request, ".txt")) {
            return _labelFile.empty() ? sdk::Result<std::string>(unanswered("labelfile"))
                                      : sdk::Result<std::string>(_labelFile);
        }
        return sdk::fail(sdk::ErrorKind::Cancelled,
                         "the headless dialog answers only label files (*.txt) and "
                         "configuration files (*.json)");
    }

private:
    // A person takes a while to answer; tests of the window states set dialog.headless.delayMs.
    void pretendToWait() const {
        if (_delayMs > 0) {
            std::this_thread::sleep_for(std::chrono::milliseconds(_delayMs));
        }
    }

    std::string _folder;
    std::string _labelFile;
    std::string _configFile;
    long _delayMs = 0;
};

sdk::Result<void> load(sdk::PluginContext& context) {
    std::string folder = context.setting("folder", "");
    std::string labelFile = context.setting("labelfile", "");
    std::string configFile = context.setting("configfile", "");
    const std::string delay = context.setting("delayMs", "");
    const char* digits = delay.empty() ? "0" : delay.c_str();
    char* end = nullptr;
    const long delayMs = std::strtol(digits, &end, 10);
    if (end == digits || *end != '\0' || delayMs < 0 || delayMs > 600000) {
        std::string message = "dialog.headless.delayMs must be a whole number of milliseconds "
                              "between 0 and 600000, not '";
        message.append(delay).append("'");
        return sdk::fail(sdk::ErrorKind::InvalidInput, message);
    }
    if (folder.empty() && labelFile.empty() && configFile.empty()) {
        context.log(sdk::LogLevel::Information,
                    "no answers configured: selection requests are cancelled at once; set "
                    "dialog.headless.folder, dialog.headless.labelfile and "
                    "dialog.headless.configfile to answer them");
    }
    return context.add(std::make_unique<HeadlessDialog>(std::move(folder), std::move(labelFile),
                                                        std::move(configFile), delayMs));
}

} // namespace

CLASSIFAI_PLUGIN("dialog-headless", "1.0.0", "Answers selection requests from the configuration",
                 load)

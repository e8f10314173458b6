// DialogPicker: the forced backend, the preference order, the OS filter and availability.
#include "project/DialogPicker.hpp"
#include "plugin/Registry.hpp"

#include <Poco/AutoPtr.h>
#include <Poco/Util/MapConfiguration.h>

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

namespace classifai {
namespace {

class FakeBackend final : public sdk::DialogBackend {
public:
    FakeBackend(std::string id, std::vector<std::string> systems, bool available)
        : _id(std::move(id)), _systems(std::move(systems)), _available(available) {}
    std::string id() const override { return _id; }
    std::vector<std::string> operatingSystems() const override { return _systems; }
    sdk::Result<void> available() const override {
        if (_available) {
            return {};
        }
        return sdk::fail(sdk::ErrorKind::Unavailable, "no display");
    }
    sdk::Result<std::string> chooseFolder(const sdk::DialogRequest&) const override {
        return std::string("/x");
    }
    sdk::Result<std::string> chooseFile(const sdk::DialogRequest&) const override {
        return std::string("/x.txt");
    }

private:
    std::string _id;
    std::vector<std::string> _systems;
    bool _available;
};

class DialogPickerTest : public ::testing::Test {
protected:
    void add(const std::string& id, std::vector<std::string> systems, bool available) {
        _backends.push_back(std::make_unique<FakeBackend>(id, std::move(systems), available));
        _registry.addDialogBackend(_backends.back().get(), "dialog-" + id + ".so");
    }
    std::string picked(DialogOptions options, const std::string& os = "linux") {
        auto pick = DialogPicker(_registry, std::move(options), os).pick();
        return pick.backend ? pick.backend->id() : "none: " + pick.reason;
    }

    Registry _registry;
    std::vector<std::unique_ptr<FakeBackend>> _backends;
};

TEST_F(DialogPickerTest, FirstAvailableForThisSystemInPreferenceOrder) {
    add("zenity", {"linux"}, false);
    add("kdialog", {"linux"}, true);
    add("osascript", {"macos"}, true);
    add("headless", {"any"}, true);
    DialogOptions options;
    options.preference = {"zenity", "kdialog", "osascript", "headless"};
    EXPECT_EQ(picked(options), "kdialog");
    EXPECT_EQ(picked(options, "macos"), "osascript");
    EXPECT_EQ(picked(options, "windows"), "headless");
    options.preference = {"headless", "kdialog"};
    EXPECT_EQ(picked(options), "headless");
}

TEST_F(DialogPickerTest, ForcedBackendWinsOrSaysWhy) {
    add("zenity", {"linux"}, false);
    add("headless", {"any"}, true);
    DialogOptions options;
    options.preference = DialogOptions::defaultPreference();
    options.forcedBackend = "headless";
    EXPECT_EQ(picked(options), "headless");
    options.forcedBackend = "zenity";
    EXPECT_EQ(picked(options), "none: dialog.backend 'zenity' cannot run here: no display");
    options.forcedBackend = "nope";
    EXPECT_EQ(picked(options),
              "none: dialog.backend is 'nope' but no plugin registered it (headless, zenity)");
}

TEST_F(DialogPickerTest, NothingAvailableExplainsEachBackend) {
    add("zenity", {"linux"}, false);
    DialogOptions options;
    options.preference = {"zenity"};
    EXPECT_EQ(picked(options), "none: no dialog backend can run on linux (zenity: no display)");
}

TEST_F(DialogPickerTest, ConfigurationKeys) {
    Poco::AutoPtr<Poco::Util::MapConfiguration> config(new Poco::Util::MapConfiguration);
    config->setString("dialog.backend", " kdialog ");
    config->setString("dialog.order", "headless, zenity");
    config->setString("dialog.startDirectory", "");
    auto options = DialogOptions::fromConfig(*config, "/home/ann");
    EXPECT_EQ(options.forcedBackend, "kdialog");
    EXPECT_EQ(options.preference, (std::vector<std::string>{"headless", "zenity"}));
    EXPECT_EQ(options.startDirectory, "/home/ann");
}

} // namespace
} // namespace classifai

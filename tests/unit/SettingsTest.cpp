// Settings: documented defaults and refusals.
#include "app/Settings.hpp"

#include <Poco/AutoPtr.h>
#include <Poco/Util/MapConfiguration.h>

#include <gtest/gtest.h>

#include <cstdlib>

namespace {

TEST(SettingsTest, DefaultsServeLoopbackOn9999) {
    Poco::AutoPtr<Poco::Util::MapConfiguration> config(new Poco::Util::MapConfiguration);
    ::setenv("XDG_DATA_HOME", "/tmp/xdg-test", 1);
    auto settings = classifai::Settings::fromConfig(*config, "/opt/classifai/bin");
    EXPECT_EQ(settings.port, 9999);
    EXPECT_EQ(settings.bindAddress, "127.0.0.1");
    EXPECT_EQ(settings.dataDir, "/tmp/xdg-test/classifai");
    EXPECT_EQ(settings.databasePath, "/tmp/xdg-test/classifai/classifai.db");
    EXPECT_EQ(settings.pluginsDir, "/opt/classifai/lib/classifai/plugins");
    ::unsetenv("XDG_DATA_HOME");
    auto home = classifai::Settings::fromConfig(*config, "/x/bin");
    EXPECT_NE(home.dataDir.string().find(".local/share/classifai"), std::string::npos);
}

TEST(SettingsTest, BadValuesNameTheKey) {
    Poco::AutoPtr<Poco::Util::MapConfiguration> config(new Poco::Util::MapConfiguration);
    config->setString("http.port", "70000");
    try {
        classifai::Settings::fromConfig(*config, "/x");
        FAIL() << "port 70000 accepted";
    } catch (const std::invalid_argument& error) {
        EXPECT_NE(std::string(error.what()).find("http.port"), std::string::npos);
    }
    config->setString("http.port", "0");
    config->setString("http.bind", "0.0.0.0");
    EXPECT_THROW(classifai::Settings::fromConfig(*config, "/x"), std::invalid_argument);
    config->setString("http.token", "t");
    EXPECT_NO_THROW(classifai::Settings::fromConfig(*config, "/x"));
}

TEST(SettingsTest, ListsAreSplitAndTrimmed) {
    auto items = classifai::splitList(" a, b ,,c ");
    ASSERT_EQ(items.size(), 3u);
    EXPECT_EQ(items[0], "a");
    EXPECT_EQ(items[1], "b");
    EXPECT_EQ(items[2], "c");
}

} // namespace

// Plugins that are wrong on purpose, loaded by the real server: each is reported over HTTP with
// its stage and reason, and the server keeps answering.
#include "support/ServerProcess.hpp"

#include <Poco/JSON/Array.h>

#include <gtest/gtest.h>

#include <map>
#include <string>

using classifai::test::ServerProcess;

namespace {

TEST(PluginRecordsHttp, EveryBrokenFixtureIsReportedAndTheServerServes) {
    ServerProcess server({"--plugins-dir=" CLASSIFAI_FIXTURE_PLUGIN_DIR});
    auto result = server.get("/api/system/plugins");
    ASSERT_EQ(result.status, 200) << result.body;
    auto plugins = result.json()->getArray("plugins");
    std::map<std::string, Poco::JSON::Object::Ptr> byStem;
    for (std::size_t i = 0; i < plugins->size(); ++i) {
        auto record = plugins->getObject(static_cast<unsigned>(i));
        auto file = record->getValue<std::string>("file");
        auto stem = file.substr(file.rfind('/') + 1);
        stem = stem.substr(0, stem.rfind(".so"));
        byStem[stem] = record;
    }
    const std::map<std::string, std::string> expectedStage{
        {"fixture-no-entry", "entry"},      {"fixture-wrong-major", "version"},
        {"fixture-newer-minor", "version"}, {"fixture-abi-mismatch", "abi"},
        {"fixture-load-fails", "load"},     {"fixture-load-throws", "load"},
        {"fixture-reused-id", "register"},  {"fixture-missing-symbol", "open"},
        {"fixture-not-elf", "open"},        {"fixture-bad-id", "id"}};
    for (const auto& [stem, stage] : expectedStage) {
        ASSERT_TRUE(byStem.count(stem)) << stem << " missing from " << result.body;
        auto record = byStem[stem];
        EXPECT_EQ(record->getValue<std::string>("state"), "failed") << stem;
        EXPECT_EQ(record->getValue<std::string>("stage"), stage) << stem;
        EXPECT_FALSE(record->getValue<std::string>("reason").empty()) << stem;
    }
    EXPECT_NE(byStem["fixture-reused-id"]->getValue<std::string>("reason").find("fixture-good"),
              std::string::npos);
    ASSERT_TRUE(byStem.count("fixture-good"));
    EXPECT_EQ(byStem["fixture-good"]->getValue<std::string>("state"), "loaded");

    auto capabilities = server.get("/api/system/capabilities").json();
    auto exporters = capabilities->getArray("exporters");
    ASSERT_EQ(exporters->size(), 1u) << "the duplicate must not replace the original";
    EXPECT_EQ(exporters->getObject(0)->getValue<std::string>("id"), "fixture-export");
    EXPECT_NE(exporters->getObject(0)->getValue<std::string>("plugin").find("fixture-good"),
              std::string::npos);
    EXPECT_EQ(capabilities->getArray("annotation_types")->size(), 1u);
    EXPECT_EQ(capabilities->getArray("dialog_backends")->size(), 1u);

    EXPECT_EQ(server.get("/api/system/health").status, 200);
    EXPECT_EQ(server.stop(), 0);
}

TEST(PluginRecordsHttp, CheckPluginsReportsEachFileAndFailsWhenOneFails) {
    std::string output;
    int code = classifai::test::runCommand(
        {CLASSIFAI_SERVER_BINARY, "--check-plugins", "--plugins-dir=" CLASSIFAI_FIXTURE_PLUGIN_DIR},
        output);
    EXPECT_EQ(code, 70) << output; // EX_SOFTWARE
    EXPECT_NE(output.find("loaded fixture-good"), std::string::npos) << output;
    EXPECT_NE(output.find("fixture-wrong-major.so at version"), std::string::npos) << output;
}

TEST(PluginRecordsHttp, RequiredPluginThatFailsStopsStartup) {
    std::string output;
    int code = classifai::test::runCommand({CLASSIFAI_SERVER_BINARY, "--port=0",
                                            "--plugins-dir=" CLASSIFAI_FIXTURE_PLUGIN_DIR,
                                            "--define=plugins.required=fixture-load-fails"},
                                           output);
    EXPECT_NE(code, 0);
    EXPECT_NE(output.find("fixture-load-fails"), std::string::npos) << output;
}

} // namespace

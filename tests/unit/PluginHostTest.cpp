// PluginHost against real libraries: the fixture plugins are dlopen'ed, one per loading stage.
#include "plugin/PluginHost.hpp"
#include "plugin/PluginContextImpl.hpp"

#include <classifai/sdk/Plugin.hpp>

#include <Poco/AutoPtr.h>
#include <Poco/Channel.h>
#include <Poco/Logger.h>
#include <Poco/Message.h>
#include <Poco/Util/MapConfiguration.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <dlfcn.h>
#include <filesystem>
#include <map>
#include <sstream>
#include <string>
#include <unistd.h>

namespace classifai {
namespace {

namespace fs = std::filesystem;

fs::path fixtureDir() {
    return CLASSIFAI_FIXTURE_PLUGIN_DIR;
}
fs::path fixture(const std::string& name) {
    return fixtureDir() / (name + ".so");
}

// Like a substring matcher, but without gmock (the tests link gtest only); prints both on failure.
::testing::AssertionResult mentions(const std::string& text, const std::string& part) {
    if (text.find(part) != std::string::npos) {
        return ::testing::AssertionSuccess();
    }
    return ::testing::AssertionFailure()
           << "\"" << text << "\" does not mention \"" << part << "\"";
}

std::string apiVersion(std::uint32_t major, std::uint32_t minor) {
    return std::to_string(major) + "." + std::to_string(minor);
}

// A two-image project, enough to see an exporter really run.
class FakeProjectView final : public sdk::ProjectView {
public:
    std::string projectName() const override { return "demo"; }
    std::string annotationType() const override { return "fixturetype"; }
    std::string rootPath() const override { return "/projects/demo"; }
    std::vector<std::string> labels() const override { return {"cat"}; }
    std::string metadataJson() const override { return "{}"; }
    std::int64_t imageCount() const override { return 2; }
    sdk::Result<bool> next(sdk::ExportImage& out) override {
        if (_next == 2) {
            return false;
        }
        out.uuid = "uuid-" + std::to_string(_next++);
        return true;
    }

private:
    int _next = 0;
};

class MemorySink final : public sdk::ExportSink {
public:
    sdk::Result<std::ostream*> open(const std::string& relativePath) override {
        return static_cast<std::ostream*>(&_files[relativePath]);
    }
    sdk::Result<void> addFile(const std::string&, const std::string&) override { return {}; }
    void count(const std::string&, std::int64_t) override {}
    void progress(std::int64_t, std::int64_t) override {}
    std::string contents(const std::string& relativePath) { return _files[relativePath].str(); }

private:
    std::map<std::string, std::ostringstream> _files;
};

// A scratch folder for copies of fixtures under other names; removed after the test. Libraries
// loaded from it stay mapped after their file is unlinked, which Linux allows.
class ScratchDir {
public:
    ScratchDir() {
        static std::atomic<int> counter{0};
        _path = fs::temp_directory_path() / ("classifai-plugin-test-" + std::to_string(::getpid()) +
                                             "-" + std::to_string(counter++));
        fs::create_directories(_path);
    }
    ~ScratchDir() {
        std::error_code ignored;
        fs::remove_all(_path, ignored);
    }
    const fs::path& path() const { return _path; }

private:
    fs::path _path;
};

// Collects what PluginHost logs, to check one line per file.
class CapturingChannel final : public Poco::Channel {
public:
    void log(const Poco::Message& message) override { lines.push_back(message.getText()); }
    std::vector<std::string> lines;
};

class PluginHostTest : public ::testing::Test {
protected:
    PluginHostTest() : _config(new Poco::Util::MapConfiguration) {
        _config->setString("fixture.good.folder", "/data/images");
    }

    // Declared first, so the host (declared after) is destroyed before the configuration.
    Poco::AutoPtr<Poco::Util::MapConfiguration> _config;
    PluginHost _host{*_config};
};

void expectFailure(const PluginRecord& record, const std::string& stage) {
    EXPECT_FALSE(record.loaded);
    EXPECT_EQ(record.stage, stage) << "reason: " << record.reason;
    EXPECT_FALSE(record.reason.empty());
    EXPECT_TRUE(record.capabilities.empty());
}

TEST_F(PluginHostTest, GoodPluginLoadsWithItsThreeCapabilities) {
    const PluginRecord& record = _host.loadFile(fixture("fixture-good"));

    ASSERT_TRUE(record.loaded) << record.stage << ": " << record.reason;
    EXPECT_EQ(record.id, "fixture-good");
    EXPECT_EQ(record.version, "1.0.0");
    EXPECT_FALSE(record.summary.empty());
    EXPECT_EQ(record.file, fixture("fixture-good").string());
    EXPECT_TRUE(record.stage.empty());
    EXPECT_TRUE(record.reason.empty());
    ASSERT_EQ(record.capabilities.size(), 3u);
    EXPECT_EQ(record.capabilities[0].kind, "annotation_type");
    EXPECT_EQ(record.capabilities[0].id, "fixturetype");
    EXPECT_EQ(record.capabilities[1].kind, "exporter");
    EXPECT_EQ(record.capabilities[1].id, "fixture-export");
    EXPECT_EQ(record.capabilities[2].kind, "dialog_backend");
    EXPECT_EQ(record.capabilities[2].id, "fixture-dialog");

    const Registry& registry = _host.registry();
    ASSERT_NE(registry.annotationType("fixturetype"), nullptr);
    EXPECT_EQ(registry.annotationType("fixture_type"), registry.annotationType("fixturetype"));
    EXPECT_EQ(registry.annotationType("fixturetype")->displayName(), "Fixture type");
    ASSERT_NE(registry.exporter("fixture-export"), nullptr);
    EXPECT_EQ(registry.exporter("fixture-export")->id(), "fixture-export");
    ASSERT_NE(registry.dialogBackend("fixture-dialog"), nullptr);
    EXPECT_TRUE(registry.dialogBackend("fixture-dialog")->available().ok());
    EXPECT_EQ(registry.ownerOf("exporter", "fixture-export"), "fixture-good.so");
    EXPECT_EQ(_host.records().size(), 1u);
}

TEST_F(PluginHostTest, DestroyingTheHostReleasesObjectsThenTheLibrary) {
    const std::string path = fixture("fixture-good").string();
    {
        PluginHost host(*_config);
        ASSERT_TRUE(host.loadFile(path).loaded);
        void* probe = ::dlopen(path.c_str(), RTLD_NOW | RTLD_NOLOAD);
        ASSERT_NE(probe, nullptr);
        ::dlclose(probe); // the probe took a reference of its own
    }
    // The library is really unmapped (fixtures have no STB_GNU_UNIQUE symbols pinning them), so
    // reaching this line means the plugin's destructors ran while their code was still mapped.
    EXPECT_EQ(::dlopen(path.c_str(), RTLD_NOW | RTLD_NOLOAD), nullptr);
}

TEST_F(PluginHostTest, PluginSettingsComeFromItsOwnConfigSubtree) {
    ASSERT_TRUE(_host.loadFile(fixture("fixture-good")).loaded);

    // fixture-good reads its `folder` setting, i.e. the key `fixture.good.folder`.
    const sdk::DialogBackend* dialog = _host.registry().dialogBackend("fixture-dialog");
    ASSERT_NE(dialog, nullptr);
    const sdk::Result<std::string> folder = dialog->chooseFolder({});
    ASSERT_TRUE(folder.ok());
    EXPECT_EQ(folder.value(), "/data/images");
}

TEST_F(PluginHostTest, LibraryWithoutEntryPointFailsAtEntry) {
    const PluginRecord& record = _host.loadFile(fixture("fixture-no-entry"));
    expectFailure(record, "entry");
    EXPECT_TRUE(mentions(record.reason, "classifai_plugin_entry"));
    EXPECT_TRUE(record.id.empty());
}

TEST_F(PluginHostTest, OtherSdkMajorFailsAtVersionNamingBothVersions) {
    const PluginRecord& record = _host.loadFile(fixture("fixture-wrong-major"));
    expectFailure(record, "version");
    EXPECT_TRUE(mentions(record.reason, "requires SDK " + std::to_string(sdk::kApiMajor + 1) +
                                            ".x, kernel provides " +
                                            apiVersion(sdk::kApiMajor, sdk::kApiMinor)));
    // Nothing past the frozen header is read from a plugin of another major.
    EXPECT_TRUE(record.id.empty());
}

TEST_F(PluginHostTest, NewerSdkMinorFailsAtVersionNamingBothVersions) {
    const PluginRecord& record = _host.loadFile(fixture("fixture-newer-minor"));
    expectFailure(record, "version");
    EXPECT_TRUE(mentions(record.reason,
                         "requires SDK " + apiVersion(sdk::kApiMajor, sdk::kApiMinor + 5) +
                             ", kernel provides " + apiVersion(sdk::kApiMajor, sdk::kApiMinor)));
}

TEST_F(PluginHostTest, OtherStringAbiFailsAtAbiNamingBothTags) {
    const PluginRecord& record = _host.loadFile(fixture("fixture-abi-mismatch"));
    expectFailure(record, "abi");
    EXPECT_TRUE(mentions(record.reason, "cxx11abi=0"));
    EXPECT_TRUE(mentions(record.reason, CLASSIFAI_ABI_TAG));
}

TEST_F(PluginHostTest, LoadReturningAnErrorFailsAtLoadWithItsMessage) {
    const PluginRecord& record = _host.loadFile(fixture("fixture-load-fails"));
    expectFailure(record, "load");
    EXPECT_EQ(record.id, "fixture-load-fails");
    EXPECT_TRUE(mentions(record.reason, "fixture device /dev/fixture0 is not present"));
}

TEST_F(PluginHostTest, LoadThrowingIsCaughtByTheKernel) {
    const PluginRecord& record = _host.loadFile(fixture("fixture-load-throws"));
    expectFailure(record, "load");
    EXPECT_TRUE(mentions(record.reason, "load threw: fixture-load-throws exploded on purpose"));
    // It staged an exporter before throwing; a failed plugin registers nothing.
    EXPECT_EQ(_host.registry().exporter("fixture-thrown-away"), nullptr);
    EXPECT_TRUE(_host.registry().exporters().empty());
}

TEST_F(PluginHostTest, DuplicateExporterIdRefusesTheWholePluginNamingTheOwner) {
    ASSERT_TRUE(_host.loadFile(fixture("fixture-good")).loaded);
    const PluginRecord& record = _host.loadFile(fixture("fixture-reused-id"));

    expectFailure(record, "register");
    EXPECT_TRUE(mentions(record.reason,
                         "duplicate exporter id 'fixture-export' (already provided by "
                         "fixture-good.so)"));
    // Its other, unique registration is refused with it.
    EXPECT_EQ(_host.registry().dialogBackend("fixture-reused-dialog"), nullptr);
    EXPECT_EQ(_host.registry().ownerOf("exporter", "fixture-export"), "fixture-good.so");
    EXPECT_EQ(_host.registry().exporters().size(), 1u);
}

TEST_F(PluginHostTest, AliasEqualToAnotherTypesIdIsRefused) {
    ASSERT_TRUE(_host.loadFile(fixture("fixture-good")).loaded);
    const PluginRecord& record = _host.loadFile(fixture("fixture-taken-alias"));

    expectFailure(record, "register");
    EXPECT_TRUE(mentions(record.reason, "alias 'fixturetype'"));
    EXPECT_TRUE(mentions(record.reason, "fixture-good.so"));
    EXPECT_EQ(_host.registry().annotationType("otherfixturetype"), nullptr);
    EXPECT_EQ(_host.registry().annotationTypes().size(), 1u);
}

TEST_F(PluginHostTest, UndefinedSymbolFailsAtOpenNamingTheSymbol) {
    const PluginRecord& record = _host.loadFile(fixture("fixture-missing-symbol"));
    expectFailure(record, "open");
    EXPECT_TRUE(mentions(record.reason, "classifai_fixture_symbol_nobody_defines"));
}

TEST_F(PluginHostTest, UppercaseIdFailsAtId) {
    const PluginRecord& record = _host.loadFile(fixture("fixture-bad-id"));
    expectFailure(record, "id");
    EXPECT_TRUE(mentions(record.reason, "'Fixture-Bad-ID'"));
    EXPECT_TRUE(mentions(record.reason, "lowercase"));
}

TEST_F(PluginHostTest, IdThatDiffersFromTheFileNameFailsAtId) {
    ScratchDir scratch;
    const fs::path renamed = scratch.path() / "renamed-good.so";
    fs::copy_file(fixture("fixture-good"), renamed);

    const PluginRecord& record = _host.loadFile(renamed);
    expectFailure(record, "id");
    EXPECT_TRUE(mentions(record.reason, "'fixture-good'"));
    EXPECT_TRUE(mentions(record.reason, "renamed-good.so"));
    EXPECT_TRUE(_host.registry().exporters().empty());
}

TEST_F(PluginHostTest, SameIdFromASecondFileFailsAtIdNamingTheFirstFile) {
    ASSERT_TRUE(_host.loadFile(fixture("fixture-good")).loaded);
    ScratchDir scratch;
    const fs::path copy = scratch.path() / "fixture-good.so";
    fs::copy_file(fixture("fixture-good"), copy);

    const PluginRecord& record = _host.loadFile(copy);
    expectFailure(record, "id");
    EXPECT_TRUE(mentions(record.reason, "already loaded from " + fixture("fixture-good").string()));
    EXPECT_EQ(_host.registry().ownerOf("exporter", "fixture-export"), "fixture-good.so");
}

TEST_F(PluginHostTest, TextFileNamedLikeAPluginFailsAtOpen) {
    const PluginRecord& record = _host.loadFile(fixture("fixture-not-elf"));
    expectFailure(record, "open");
    EXPECT_TRUE(mentions(record.reason, "fixture-not-elf.so"));
}

TEST_F(PluginHostTest, MissingFileFailsAtOpen) {
    const PluginRecord& record = _host.loadFile(fixture("fixture-that-was-never-built"));
    expectFailure(record, "open");
    EXPECT_TRUE(mentions(record.reason, "No such file"));
}

TEST_F(PluginHostTest, LoadAllContinuesPastEveryFailureAndTheGoodPluginWorks) {
    _host.loadAll(fixtureDir());

    std::map<std::string, const PluginRecord*> byFile;
    for (const PluginRecord& record : _host.records()) {
        byFile[fs::path(record.file).stem().string()] = &record;
    }
    const std::map<std::string, std::string> expectedStage = {
        {"fixture-good", ""},
        {"fixture-no-entry", "entry"},
        {"fixture-wrong-major", "version"},
        {"fixture-newer-minor", "version"},
        {"fixture-abi-mismatch", "abi"},
        {"fixture-load-fails", "load"},
        {"fixture-load-throws", "load"},
        {"fixture-reused-id", "register"},
        {"fixture-taken-alias", "register"},
        {"fixture-missing-symbol", "open"},
        {"fixture-bad-id", "id"},
        {"fixture-not-elf", "open"},
    };
    ASSERT_EQ(byFile.size(), expectedStage.size());
    for (const auto& [stem, stage] : expectedStage) {
        ASSERT_EQ(byFile.count(stem), 1u) << stem;
        EXPECT_EQ(byFile[stem]->loaded, stage.empty()) << stem;
        EXPECT_EQ(byFile[stem]->stage, stage) << stem << ": " << byFile[stem]->reason;
    }
    // Sorted scan: records come in file-name order.
    EXPECT_TRUE(std::is_sorted(
        _host.records().begin(), _host.records().end(),
        [](const PluginRecord& a, const PluginRecord& b) { return a.file < b.file; }));

    // After all those failures the good plugin's objects are there and really run.
    const Registry& registry = _host.registry();
    ASSERT_EQ(registry.exporters().size(), 1u);
    const sdk::Exporter* exporter = registry.exporter("fixture-export");
    ASSERT_NE(exporter, nullptr);
    EXPECT_EQ(exporter->id(), "fixture-export");
    FakeProjectView project;
    MemorySink sink;
    ASSERT_TRUE(exporter->write(project, sink).ok());
    EXPECT_EQ(sink.contents("fixture.txt"), "demo\nuuid-0\nuuid-1\n");

    const sdk::AnnotationType* type = registry.annotationType("fixturetype");
    ASSERT_NE(type, nullptr);
    EXPECT_TRUE(type->canonicalize("[]").ok());
    EXPECT_EQ(type->canonicalize("{}").error().kind, sdk::ErrorKind::InvalidInput);
    ASSERT_EQ(registry.dialogBackends().size(), 1u);
    EXPECT_EQ(registry.dialogBackends().front()->id(), "fixture-dialog");
}

TEST_F(PluginHostTest, LoadAllSkipsDisabledPluginsWithoutARecord) {
    _host.loadAll(fixtureDir(), {"fixture-good", "fixture-not-elf"});

    for (const PluginRecord& record : _host.records()) {
        EXPECT_NE(fs::path(record.file).stem(), "fixture-good");
        EXPECT_NE(fs::path(record.file).stem(), "fixture-not-elf");
    }
    EXPECT_FALSE(_host.records().empty());
    EXPECT_EQ(_host.registry().dialogBackend("fixture-dialog"), nullptr);
    // With fixture-good out of the way, the next file to claim `fixture-export` gets it.
    EXPECT_EQ(_host.registry().ownerOf("exporter", "fixture-export"), "fixture-reused-id.so");
}

TEST_F(PluginHostTest, LogsOneLinePerFileNamingItAndItsOutcome) {
    Poco::Logger& logger = Poco::Logger::get("classifai.plugins");
    Poco::AutoPtr<CapturingChannel> channel(new CapturingChannel);
    Poco::Channel::Ptr previousChannel = logger.getChannel();
    const int previousLevel = logger.getLevel();
    logger.setChannel(channel);
    logger.setLevel(Poco::Message::PRIO_INFORMATION);

    _host.loadFile(fixture("fixture-wrong-major"));
    _host.loadFile(fixture("fixture-good"));

    logger.setChannel(previousChannel);
    logger.setLevel(previousLevel);
    // fixture-good also logs one line of its own, through its context.
    ASSERT_EQ(channel->lines.size(), 3u);
    EXPECT_TRUE(mentions(channel->lines[0], "failed fixture-wrong-major.so at version: requires"));
    EXPECT_TRUE(mentions(channel->lines[1], "fixture-good.so: registering fixture capabilities"));
    EXPECT_TRUE(mentions(channel->lines[2], "loaded fixture-good.so: fixture-good 1.0.0 ("));
}

TEST_F(PluginHostTest, MissingDirectoryGivesNoRecords) {
    _host.loadAll(fixtureDir() / "no-such-folder");
    EXPECT_TRUE(_host.records().empty());
    EXPECT_TRUE(_host.registry().exporters().empty());
}

TEST_F(PluginHostTest, EveryInTreePluginLoads) {
    const fs::path dir = CLASSIFAI_PLUGIN_DIR;
    std::error_code error;
    if (!fs::is_directory(dir, error) || fs::is_empty(dir, error)) {
        GTEST_SKIP() << "no in-tree plugins built in " << dir;
    }
    _host.loadAll(dir);
    for (const PluginRecord& record : _host.records()) {
        EXPECT_TRUE(record.loaded)
            << record.file << " failed at " << record.stage << ": " << record.reason;
    }
}

TEST(PluginHostContextTest, SettingKeyReplacesTheFirstDashOfTheId) {
    EXPECT_EQ(PluginContextImpl::settingKey("dialog-headless", "folder"), "dialog.headless.folder");
    EXPECT_EQ(PluginContextImpl::settingKey("exporter-pascal-voc", "indent"),
              "exporter.pascal-voc.indent");
    EXPECT_EQ(PluginContextImpl::settingKey("plain", "key"), "plain.key");
}

TEST(PluginHostContextTest, CapabilityIdsAreLowercaseLettersDigitsUnderscoreAndDash) {
    EXPECT_TRUE(PluginContextImpl::isValidCapabilityId("bndbox"));
    EXPECT_TRUE(PluginContextImpl::isValidCapabilityId("pascal_voc-2"));
    EXPECT_FALSE(PluginContextImpl::isValidCapabilityId(""));
    EXPECT_FALSE(PluginContextImpl::isValidCapabilityId("Coco"));
    EXPECT_FALSE(PluginContextImpl::isValidCapabilityId("co co"));
    EXPECT_FALSE(PluginContextImpl::isValidCapabilityId("coco/json"));
}

TEST(PluginHostContextTest, SettingFallsBackAndAddRejectsBadIds) {
    Poco::AutoPtr<Poco::Util::MapConfiguration> config(new Poco::Util::MapConfiguration);
    config->setString("dialog.headless.folder", "/srv/data");
    PluginContextImpl context("dialog-headless", "dialog-headless.so", *config);

    EXPECT_EQ(context.setting("folder", "/tmp"), "/srv/data");
    EXPECT_EQ(context.setting("missing", "fallback"), "fallback");
    EXPECT_EQ(context.operatingSystem(), "linux");

    class UpperCaseExporter final : public sdk::Exporter {
    public:
        std::string id() const override { return "Upper"; }
        std::string displayName() const override { return ""; }
        std::vector<std::string> supportedTypes() const override { return {}; }
        bool multiFile() const override { return false; }
        std::string fileExtension() const override { return ""; }
        sdk::Result<void> write(sdk::ProjectView&, sdk::ExportSink&) const override { return {}; }
    };
    const sdk::Result<void> added = context.add(std::make_unique<UpperCaseExporter>());
    ASSERT_FALSE(added.ok());
    EXPECT_EQ(added.error().kind, sdk::ErrorKind::InvalidInput);
    EXPECT_TRUE(mentions(added.error().message, "'Upper'"));
    EXPECT_TRUE(context.staged().empty());
    EXPECT_EQ(context.firstRejection(), added.error().message);
    EXPECT_FALSE(context.add(std::unique_ptr<sdk::Exporter>()).ok());
}

} // namespace
} // namespace classifai

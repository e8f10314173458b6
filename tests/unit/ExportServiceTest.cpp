// Export publishing (temp file, fsync, rename; never half-written), zip output, failures as
// values, and the service over a real SQLite store with the real plugins.
#include "project/ExportService.hpp"
#include "StoreTestSupport.hpp"
#include "plugin/PluginHost.hpp"
#include "project/JobRunner.hpp"
#include "store/ImageStore.hpp"
#include "store/ProjectStore.hpp"

#include <Poco/AutoPtr.h>
#include <Poco/Util/MapConfiguration.h>

#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace classifai {
namespace {

namespace fs = std::filesystem;
using test::TempDir;

std::string readFile(const fs::path& file) {
    std::ifstream in(file, std::ios::binary);
    std::stringstream bytes;
    bytes << in.rdbuf();
    return bytes.str();
}

std::vector<std::string> listFolder(const fs::path& folder) {
    std::vector<std::string> names;
    for (const auto& entry : fs::directory_iterator(folder)) {
        names.push_back(entry.path().filename().string());
    }
    std::sort(names.begin(), names.end());
    return names;
}

// An exporter whose write is a lambda.
class ScriptedExporter final : public sdk::Exporter {
public:
    using Write = std::function<sdk::Result<void>(sdk::ProjectView&, sdk::ExportSink&)>;
    ScriptedExporter(bool multiFile, Write write)
        : _multiFile(multiFile), _write(std::move(write)) {}
    std::string id() const override { return "scripted"; }
    std::string displayName() const override { return "Scripted"; }
    std::vector<std::string> supportedTypes() const override { return {}; }
    bool multiFile() const override { return _multiFile; }
    std::string fileExtension() const override { return "txt"; }
    sdk::Result<void> write(sdk::ProjectView& view, sdk::ExportSink& sink) const override {
        return _write(view, sink);
    }

private:
    bool _multiFile;
    Write _write;
};

class EmptyView final : public sdk::ProjectView {
public:
    std::string projectName() const override { return "p"; }
    std::string annotationType() const override { return "bndbox"; }
    std::string rootPath() const override { return "/nowhere"; }
    std::vector<std::string> labels() const override { return {}; }
    std::string metadataJson() const override { return "{}"; }
    std::int64_t imageCount() const override { return 0; }
    sdk::Result<bool> next(sdk::ExportImage&) override { return false; }
};

sdk::Result<void> writeText(sdk::ExportSink& sink, const std::string& name,
                            const std::string& text) {
    auto out = sink.open(name);
    if (!out) {
        return out.error();
    }
    *out.value() << text;
    return {};
}

TEST(ExportWriteTest, SingleFileIsPublishedWithNothingLeftBehind) {
    TempDir dir;
    EmptyView view;
    ScriptedExporter exporter(false, [](sdk::ProjectView&, sdk::ExportSink& sink) {
        sink.count("things", 2);
        return writeText(sink, "ignored-name.txt", "hello export");
    });
    auto written = writeExport(exporter, view, dir.path(), "out.txt");
    ASSERT_TRUE(written.ok()) << written.error().message;
    EXPECT_EQ(written.value().path, dir.path() / "out.txt");
    EXPECT_EQ(written.value().bytes, 12);
    EXPECT_EQ(written.value().counters.at("things"), 2);
    EXPECT_EQ(readFile(dir.path() / "out.txt"), "hello export");
    EXPECT_EQ(listFolder(dir.path()), std::vector<std::string>{"out.txt"});
}

TEST(ExportWriteTest, AFailedExportNeverReplacesTheOldFileNorLeavesATempFile) {
    TempDir dir;
    std::ofstream(dir.path() / "out.txt") << "previous export";
    EmptyView view;
    ScriptedExporter failing(false, [](sdk::ProjectView&, sdk::ExportSink& sink) {
        (void)writeText(sink, "x.txt", "half of it");
        return sdk::Result<void>(sdk::fail(sdk::ErrorKind::Internal, "disk on fire"));
    });
    auto written = writeExport(failing, view, dir.path(), "out.txt");
    ASSERT_FALSE(written.ok());
    EXPECT_EQ(written.error().message, "disk on fire");
    ScriptedExporter throwing(true, [](sdk::ProjectView&, sdk::ExportSink&) -> sdk::Result<void> {
        throw std::runtime_error("plugin bug");
    });
    written = writeExport(throwing, view, dir.path(), "out.txt");
    ASSERT_FALSE(written.ok());
    EXPECT_NE(written.error().message.find("plugin bug"), std::string::npos);
    EXPECT_EQ(readFile(dir.path() / "out.txt"), "previous export");
    EXPECT_EQ(listFolder(dir.path()), std::vector<std::string>{"out.txt"});
}

TEST(ExportWriteTest, SinksRefuseUnsafeNamesAndASecondSingleFile) {
    TempDir dir;
    EmptyView view;
    for (const std::string name : {"../x.txt", "/etc/x", "a//b", "a/./b", ""}) {
        ScriptedExporter exporter(true, [&](sdk::ProjectView&, sdk::ExportSink& sink) {
            return writeText(sink, name, "x");
        });
        auto written = writeExport(exporter, view, dir.path(), "out.zip");
        EXPECT_FALSE(written.ok()) << name;
    }
    ScriptedExporter twice(false, [](sdk::ProjectView&, sdk::ExportSink& sink) {
        (void)writeText(sink, "a.txt", "a");
        return writeText(sink, "b.txt", "b");
    });
    EXPECT_FALSE(writeExport(twice, view, dir.path(), "out.txt").ok());
    EXPECT_TRUE(listFolder(dir.path()).empty());
}

TEST(ExportWriteTest, MultiFileFormatsBecomeOneZipThatPythonReads) {
    TempDir dir;
    std::ofstream(dir.path() / "image.jpg", std::ios::binary) << std::string(5000, 'j');
    EmptyView view;
    ScriptedExporter exporter(true, [&](sdk::ProjectView&, sdk::ExportSink& sink) {
        auto a = writeText(sink, "labels/a.txt", std::string(100000, 'a'));
        if (!a) {
            return a;
        }
        auto added = sink.addFile("images/sub/image.jpg", (dir.path() / "image.jpg").string());
        if (!added) {
            return added;
        }
        return writeText(sink, "classes.txt", "car\n");
    });
    auto written = writeExport(exporter, view, dir.path(), "out.zip");
    ASSERT_TRUE(written.ok()) << written.error().message;
    const std::string command =
        "python3 -c \"import zipfile,sys; z=zipfile.ZipFile(sys.argv[1]); "
        "assert z.testzip() is None; "
        "print(sorted(n for n in z.namelist() if not n.endswith('/'))); "
        "print(len(z.read('labels/a.txt')), len(z.read('images/sub/image.jpg')), "
        "z.read('classes.txt'))\" " +
        (dir.path() / "out.zip").string() + " 2>&1";
    FILE* pipe = ::popen(command.c_str(), "r");
    ASSERT_NE(pipe, nullptr);
    std::string output;
    char buffer[1024];
    std::size_t read = 0;
    while ((read = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) {
        output.append(buffer, read);
    }
    ASSERT_EQ(::pclose(pipe), 0) << output;
    EXPECT_EQ(output, "['classes.txt', 'images/sub/image.jpg', 'labels/a.txt']\n"
                      "100000 5000 b'car\\n'\n");
}

// Root writes anywhere, so as root the write runs as `nobody` (effective ids only).
TEST(ExportWriteTest, AReadOnlyFolderFailsWithTheReason) {
    TempDir dir;
    const fs::path folder = dir.path() / "readonly";
    fs::create_directories(folder);
    fs::permissions(folder, fs::perms::owner_read | fs::perms::owner_exec | fs::perms::group_read |
                                fs::perms::group_exec | fs::perms::others_read |
                                fs::perms::others_exec);
    EmptyView view;
    ScriptedExporter exporter(false, [](sdk::ProjectView&, sdk::ExportSink& sink) {
        return writeText(sink, "x.txt", "x");
    });
    bool switched = false;
    if (::geteuid() == 0) {
        ASSERT_EQ(::setegid(65534), 0);
        ASSERT_EQ(::seteuid(65534), 0);
        switched = true;
    }
    auto written = writeExport(exporter, view, folder, "out.txt");
    if (switched) {
        ASSERT_EQ(::seteuid(0), 0);
        ASSERT_EQ(::setegid(0), 0);
    }
    ASSERT_FALSE(written.ok());
    EXPECT_NE(written.error().message.find("Permission denied"), std::string::npos)
        << written.error().message;
    EXPECT_NE(written.error().message.find(folder.string()), std::string::npos);
    EXPECT_TRUE(listFolder(folder).empty());
}

TEST(ExportWriteTest, FileNamesFollowTheReferenceForCfgAndNameOtherFormats) {
    ScriptedExporter single(false, nullptr);
    ScriptedExporter multi(true, nullptr);
    EXPECT_EQ(exportFileName("cars", single), "cars_scripted.txt");
    EXPECT_EQ(exportFileName("cars", multi), "cars_scripted.zip");
}

// The service over a real database, with the real annotation and exporter plugins.
class ExportServiceTest : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        _config = new Poco::Util::MapConfiguration;
        _host = std::make_unique<PluginHost>(*_config);
        for (const char* name : {"annotation-bndbox", "annotation-seg", "exporter-cfg",
                                 "exporter-coco", "exporter-yolo"}) {
            const PluginRecord& record =
                _host->loadFile(fs::path(CLASSIFAI_PLUGIN_DIR) / (std::string(name) + ".so"));
            ASSERT_TRUE(record.loaded) << name << ": " << record.stage << ": " << record.reason;
        }
    }
    static void TearDownTestSuite() {
        _host.reset();
        _config = nullptr;
    }

    void SetUp() override {
        folder = dir.path() / "cars";
        fs::create_directories(folder / "sub");
        ProjectRow row;
        row.name = "cars";
        row.annotationType = "bndbox";
        row.rootPath = folder.string();
        row.labels = {"car", "person"};
        std::vector<ImageRow> images;
        for (int i = 0; i < 250; ++i) {
            ImageRow image;
            image.uuid = newUuid();
            image.relPath = "sub/img" + std::to_string(1000 + i) + ".jpg";
            image.position = i;
            image.width = 200;
            image.height = 100;
            image.depth = 3;
            // Displayed at half size with the image at (10, 5) on the canvas.
            image.annotation =
                R"({"annotation":[{"x1":20,"y1":15,"x2":60,"y2":35,"distancetoImg":{"x":10,"y":10},)"
                R"("label":"car","id":"1"}],"img_x":10,"img_y":5,"img_w":100,"img_h":50})";
            std::ofstream(folder / image.relPath) << "image " << i;
            images.push_back(image);
        }
        auto created = ProjectStore(database).create(row, images);
        ASSERT_TRUE(created.has_value());
    }

    TempDir dir;
    Database database{test::sqliteOptions(dir.path() / "classifai.db")};
    JobRunner jobs{1};
    fs::path folder;
    static inline Poco::AutoPtr<Poco::Util::MapConfiguration> _config;
    static inline std::unique_ptr<PluginHost> _host;
};

TEST_F(ExportServiceTest, ExportsEveryImageInOriginalPixelsIntoTheProjectFolder) {
    ExportService service(database, jobs, _host->registry(), ExportOptions{});
    ExportStatus status = service.runNow("bndbox", "cars", "yolo");
    ASSERT_EQ(status.state, ExportState::Success) << status.reason;
    EXPECT_EQ(status.outputPath, (folder / "cars_yolo.zip").string());
    EXPECT_EQ(status.imagesDone, 250);
    EXPECT_EQ(status.imagesTotal, 250);
    EXPECT_EQ(status.counters.at("shapes exported"), 250);
    EXPECT_EQ(service.status().state, ExportState::Success);

    status = service.runNow("bndbox", "cars", "coco");
    ASSERT_EQ(status.state, ExportState::Success) << status.reason;
    const std::string coco = readFile(folder / "cars_coco.json");
    // distancetoImg (10,10) and 40x20 on a half-size display: (20,20) 80x40 in the original.
    EXPECT_NE(coco.find("\"bbox\":[20,20,80,40]"), std::string::npos) << coco.substr(0, 600);
    EXPECT_NE(coco.find("\"file_name\":\"sub/img1249.jpg\",\"width\":200,\"height\":100"),
              std::string::npos);
}

TEST_F(ExportServiceTest, ExportDirIsUsedWhenConfigured) {
    const fs::path target = dir.path() / "exports";
    fs::create_directories(target);
    ExportService service(database, jobs, _host->registry(), ExportOptions{target});
    ExportStatus status = service.runNow("bndbox", "cars", "cfg");
    ASSERT_EQ(status.state, ExportState::Success) << status.reason;
    EXPECT_EQ(status.outputPath, (target / "cars.json").string());
    EXPECT_FALSE(fs::exists(folder / "cars.json"));
}

TEST_F(ExportServiceTest, VanishedImagesFailTheExportWithTheImageNamed) {
    fs::remove(folder / "sub/img1100.jpg");
    ExportService service(database, jobs, _host->registry(), ExportOptions{});
    ExportStatus status = service.runNow("bndbox", "cars", "coco");
    ASSERT_EQ(status.state, ExportState::Failed);
    EXPECT_NE(status.reason.find("sub/img1100.jpg"), std::string::npos) << status.reason;
    EXPECT_FALSE(fs::exists(folder / "cars_coco.json"));
    EXPECT_EQ(service.status().state, ExportState::Failed);
}

TEST_F(ExportServiceTest, RequestsAreCheckedBeforeAnyJobStarts) {
    ExportService service(database, jobs, _host->registry(), ExportOptions{});
    auto refused = service.start("bndbox", "cars", "pdf");
    ASSERT_TRUE(refused.has_value());
    EXPECT_EQ(refused->message,
              "Export type 'pdf' is not available for bndbox projects; available: cfg, coco, yolo");
    refused = service.start("bndbox", "nope", "cfg");
    ASSERT_TRUE(refused.has_value());
    EXPECT_EQ(refused->message, "Project not exist");
    refused = service.start("kites", "cars", "cfg");
    ASSERT_TRUE(refused.has_value());
    EXPECT_TRUE(refused->malformed);
    EXPECT_EQ(service.status().state, ExportState::NotInitiated);
}

TEST_F(ExportServiceTest, TheJobRunsInTheBackgroundAndReportsSuccess) {
    ExportService service(database, jobs, _host->registry(), ExportOptions{});
    ASSERT_FALSE(service.start("bndbox", "cars", "cfg").has_value());
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (service.status().state == ExportState::Starting &&
           std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    const ExportStatus status = service.status();
    ASSERT_EQ(status.state, ExportState::Success) << status.reason;
    EXPECT_EQ(status.outputPath, (folder / "cars.json").string());
    EXPECT_EQ(status.projectName, "cars");
    EXPECT_EQ(status.exportType, "cfg");
}

TEST_F(ExportServiceTest, AnExportStopsWhenTheServerShutsDown) {
    ExportService service(database, jobs, _host->registry(), ExportOptions{});
    jobs.stop();
    ExportStatus status = service.runNow("bndbox", "cars", "coco");
    ASSERT_EQ(status.state, ExportState::Failed);
    EXPECT_EQ(status.reason, "the server is shutting down");
    EXPECT_FALSE(fs::exists(folder / "cars_coco.json"));
    EXPECT_TRUE(service.start("bndbox", "cars", "coco").has_value());
    EXPECT_EQ(service.status().state, ExportState::Failed);
}

// The reference left the status at 1 forever for a project without images.
TEST_F(ExportServiceTest, AProjectWithoutImagesExportsAnEmptyFile) {
    ProjectRow empty;
    empty.name = "empty";
    empty.annotationType = "seg";
    empty.rootPath = (dir.path() / "empty").string();
    fs::create_directories(empty.rootPath);
    ASSERT_TRUE(ProjectStore(database).create(empty).has_value());
    ExportService service(database, jobs, _host->registry(), ExportOptions{});
    ExportStatus status = service.runNow("seg", "empty", "cfg");
    ASSERT_EQ(status.state, ExportState::Success) << status.reason;
    const std::string text = readFile(dir.path() / "empty" / "empty.json");
    EXPECT_NE(text.find("\"annotation_type\" : \"segmentation\""), std::string::npos) << text;
    EXPECT_NE(text.find("\"content\" : { }\n}"), std::string::npos) << text;
    status = service.runNow("seg", "empty", "yolo");
    ASSERT_EQ(status.state, ExportState::Success) << status.reason;
    EXPECT_EQ(status.imagesTotal, 0);
}

} // namespace
} // namespace classifai

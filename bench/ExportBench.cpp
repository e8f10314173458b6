// Exporting 100,000 annotations (10,000 images x 10 boxes) in every format, reporting time and
// peak memory against the size of the output; the same export of a quarter of the project runs
// in the same process, so memory that grew with the project would show as a ratio above 1.
#include "plugin/PluginHost.hpp"
#include "project/ExportService.hpp"
#include "project/JobRunner.hpp"
#include "store/Database.hpp"
#include "store/Ids.hpp"
#include "store/ProjectStore.hpp"
#include "support/ImageFactory.hpp"

#include <Poco/AutoPtr.h>
#include <Poco/Util/MapConfiguration.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr int kImages = 10000;
constexpr int kBoxesPerImage = 10;

// Resident memory of this process from /proc/self/status ("VmRSS" or the peak "VmHWM"), KiB.
long memoryKib(const char* key) {
    std::ifstream status("/proc/self/status");
    std::string line;
    while (std::getline(status, line)) {
        if (line.rfind(key, 0) == 0) {
            return std::stol(line.substr(std::string(key).size()));
        }
    }
    return -1;
}

std::string boxes(int image) {
    // Displayed at half size from (20,10): canvas values are twice the pixels.
    std::string list = "[";
    for (int b = 0; b < kBoxesPerImage; ++b) {
        const int x = 2 * ((image + b * 5) % 50);
        const int y = 2 * (b * 3);
        list += std::string(b == 0 ? "" : ",") + "{\"x1\":" + std::to_string(20 + x) +
                ",\"y1\":" + std::to_string(10 + y) + ",\"x2\":" + std::to_string(40 + x) +
                ",\"y2\":" + std::to_string(30 + y) +
                ",\"lineWidth\":2,\"color\":\"rgba(0,255,0,1.0)\",\"distancetoImg\":{\"x\":" +
                std::to_string(x) + ",\"y\":" + std::to_string(y) + "},\"label\":\"" +
                (b % 2 == 0 ? "car" : "person") + "\",\"id\":\"" + std::to_string(b) + "\"}";
    }
    return list + "]";
}

std::string makeProject(classifai::Database& database, const fs::path& folder,
                        const std::string& name, int images, const std::string& jpeg) {
    fs::create_directories(folder);
    classifai::ProjectRow row;
    row.name = name;
    row.annotationType = "bndbox";
    row.rootPath = folder.string();
    row.labels = {"car", "person"};
    std::vector<classifai::ImageRow> rows;
    rows.reserve(static_cast<std::size_t>(images));
    for (int i = 0; i < images; ++i) {
        classifai::ImageRow image;
        image.uuid = classifai::newUuid();
        image.relPath = "part" + std::to_string(i / 1000) + "/img" + std::to_string(i) + ".jpg";
        image.position = i;
        image.width = 64;
        image.height = 48;
        image.depth = 3;
        image.sizeBytes = static_cast<std::int64_t>(jpeg.size());
        image.annotation = "{\"annotation\":" + boxes(i) +
                           ",\"img_x\":20,\"img_y\":10,\"img_w\":128,\"img_h\":96}";
        fs::create_directories((folder / image.relPath).parent_path());
        classifai::test::detail::writeBytes(folder / image.relPath, jpeg);
        rows.push_back(std::move(image));
    }
    classifai::ProjectStore(database).create(row, rows);
    return name;
}

struct Measure {
    double seconds = 0;
    long growthKib = 0;
    std::int64_t outputBytes = 0;
    bool ok = false;
    std::string reason;
};

// The child: a fresh process opens the database and the plugins, notes its resident memory,
// exports, and prints "ok <seconds> <bytes> <growth KiB>" (or "failed <reason>").
int runChild(const std::string& databasePath, const std::string& project,
             const std::string& format) {
    classifai::Database database(classifai::Database::Options{"SQLite", databasePath});
    Poco::AutoPtr<Poco::Util::MapConfiguration> config(new Poco::Util::MapConfiguration);
    classifai::PluginHost plugins(*config);
    plugins.loadAll(CLASSIFAI_PLUGIN_DIR);
    classifai::JobRunner jobs(1);
    classifai::ExportService service(database, jobs, plugins.registry(), {});
    const long before = memoryKib("VmHWM:");
    const auto start = Clock::now();
    const classifai::ExportStatus status = service.runNow("bndbox", project, format);
    const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    const long growth = memoryKib("VmHWM:") - before;
    if (status.state != classifai::ExportState::Success) {
        std::printf("failed %s\n", status.reason.c_str());
        return 1;
    }
    std::printf("ok %f %lld %ld\n", seconds, static_cast<long long>(status.outputBytes), growth);
    return 0;
}

Measure measure(const std::string& self, const fs::path& database, const std::string& project,
                const std::string& format) {
    Measure result;
    const std::string command = "'" + self + "' --child '" + database.string() + "' " + project +
                                " " + format + " 2>/dev/null";
    FILE* pipe = ::popen(command.c_str(), "r");
    if (pipe == nullptr) {
        result.reason = "cannot start the child";
        return result;
    }
    char line[4096] = {0};
    if (std::fgets(line, sizeof line, pipe) == nullptr) {
        line[0] = 0;
    }
    ::pclose(pipe);
    long long bytes = 0;
    if (std::sscanf(line, "ok %lf %lld %ld", &result.seconds, &bytes, &result.growthKib) == 3) {
        result.ok = true;
        result.outputBytes = bytes;
    } else {
        result.reason = line;
    }
    return result;
}

} // namespace

int main(int argc, char** argv) {
    if (argc == 5 && std::string(argv[1]) == "--child") {
        return runChild(argv[2], argv[3], argv[4]);
    }
    const std::string self = fs::canonical("/proc/self/exe").string();
    classifai::test::TempFolder work("classifai-export-bench");
    const fs::path databasePath = work.path() / "classifai.db";
    {
        classifai::Database database(classifai::Database::Options{"SQLite", databasePath.string()});
        const std::string jpeg =
            classifai::test::encodeImage(classifai::test::ImageFormat::Jpeg, 64, 48);
        std::printf("setting up %d images x %d boxes (and a quarter-size copy)...\n", kImages,
                    kBoxesPerImage);
        std::fflush(stdout);
        makeProject(database, work.path() / "full", "full", kImages, jpeg);
        makeProject(database, work.path() / "quarter", "quarter", kImages / 4, jpeg);
    }

    std::printf("\n%-8s %9s %10s %11s %10s %12s %12s\n", "format", "seconds", "annot/s",
                "output MiB", "peak +MiB", "peak/output", "peak vs 1/4");
    for (const char* format : {"coco", "yolo", "voc", "labelme", "cfg", "cfgdata"}) {
        const Measure small = measure(self, databasePath, "quarter", format);
        const Measure large = measure(self, databasePath, "full", format);
        if (!small.ok || !large.ok) {
            std::printf("%-8s failed: %s%s\n", format, small.reason.c_str(), large.reason.c_str());
            continue;
        }
        const double annotations = double(kImages) * kBoxesPerImage;
        std::printf(
            "%-8s %9.2f %10.0f %11.1f %10.1f %12.3f %11.2fx\n", format, large.seconds,
            annotations / large.seconds, large.outputBytes / 1048576.0, large.growthKib / 1024.0,
            double(large.growthKib) * 1024 / double(std::max<std::int64_t>(1, large.outputBytes)),
            double(std::max(1L, large.growthKib)) / double(std::max(1L, small.growthKib)));
    }
    std::printf(
        "\nEach export runs in a fresh process. peak +MiB: resident memory the export added "
        "at its peak; peak vs 1/4: the same against an export of a quarter of the images "
        "(about 1x when memory does not grow with the project).\n");
    return 0;
}

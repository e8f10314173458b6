// Creating a project from a 10,000-image folder through the real server, against a plain
// single-threaded libvips header-probe loop over the same files in the same run.
#include "support/ImageFactory.hpp"
#include "support/ServerProcess.hpp"

#include <vips/vips.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <thread>

namespace {

using Clock = std::chrono::steady_clock;

double seconds(Clock::time_point start) {
    return std::chrono::duration<double>(Clock::now() - start).count();
}

// Peak resident memory of a process, from /proc, in KiB.
long peakRssKib(int pid) {
    std::ifstream status("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(status, line)) {
        if (line.rfind("VmHWM:", 0) == 0) {
            return std::stol(line.substr(6));
        }
    }
    return -1;
}

void makeFolder(const std::filesystem::path& folder, int images) {
    std::filesystem::create_directories(folder);
    // Slightly different sizes so the files are not byte-identical.
    for (int i = 0; i < images; ++i) {
        auto sub = folder / ("part" + std::to_string(i / 1000));
        std::filesystem::create_directories(sub);
        auto bytes = classifai::test::encodeImage(classifai::test::ImageFormat::Jpeg, 64 + i % 7,
                                                  48 + i % 5);
        classifai::test::detail::writeBytes(sub / ("img" + std::to_string(i) + ".jpg"), bytes);
    }
}

// The baseline: what reading every header costs with nothing else around it.
double probeLoop(const std::filesystem::path& folder, int& found) {
    auto start = Clock::now();
    found = 0;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(folder)) {
        if (!entry.is_regular_file()) {
            continue;
        }
        VipsImage* image = vips_image_new_from_file(entry.path().c_str(), "access",
                                                    VIPS_ACCESS_SEQUENTIAL, nullptr);
        if (image) {
            found += vips_image_get_width(image) > 0 ? 1 : 0;
            g_object_unref(image);
        }
        vips_error_clear();
    }
    return seconds(start);
}

struct CreateRun {
    double seconds = 0;
    long peakKib = 0;
    long baselineKib = 0;
};

CreateRun createThroughServer(const std::filesystem::path& folder, const std::string& name) {
    classifai::test::ServerProcess server({"--define=files.roots=" + folder.parent_path().string(),
                                           "--define=logging.level=warning"});
    CreateRun run;
    run.baselineKib = peakRssKib(server.pid());
    auto start = Clock::now();
    auto created =
        server.put("/v2/projects", R"({"project_name":")" + name +
                                       R"(","annotation_type":"bndbox","project_path":")" +
                                       folder.string() + R"("})");
    if (created.json()->getValue<int>("message") != 1) {
        throw std::runtime_error("create refused: " + created.body);
    }
    for (;;) {
        auto status = server.get("/v2/bndbox/projects/" + name).json();
        int fs = status->getValue<int>("file_system_status");
        if (fs == 3) {
            break;
        }
        if (fs == 5) {
            throw std::runtime_error("create aborted");
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    run.seconds = seconds(start);
    run.peakKib = peakRssKib(server.pid());
    return run;
}

} // namespace

int main(int argc, char** argv) {
    const int images = argc > 1 ? std::stoi(argv[1]) : 10000;
    classifai::test::TempDir work;
    std::printf("generating %d JPEG images...\n", images);
    auto small = work.path() / "small";
    auto large = work.path() / "large";
    makeFolder(small, images / 4);
    makeFolder(large, images);

    int found = 0;
    probeLoop(large, found); // warm the page cache the same way for both measurements
    double loopSeconds = probeLoop(large, found);
    auto run = createThroughServer(large, "bench");
    auto smallRun = createThroughServer(small, "bench_small");

    double loopRate = found / loopSeconds;
    double createRate = images / run.seconds;
    std::printf("header-probe loop : %8.0f images/s (%d images, %.2f s, one thread)\n", loopRate,
                found, loopSeconds);
    std::printf("project create    : %8.0f images/s (%d images, %.2f s, HTTP to status 3)\n",
                createRate, images, run.seconds);
    std::printf("ratio create/loop : %8.2fx the loop's time (target: at most 2.00x)\n",
                run.seconds / loopSeconds);
    double perImageLarge = double(run.peakKib - run.baselineKib) * 1024 / images;
    double perImageSmall = double(smallRun.peakKib - smallRun.baselineKib) * 1024 / (images / 4);
    std::printf("server peak RSS   : %ld KiB for %d images, %ld KiB for %d images\n", run.peakKib,
                images, smallRun.peakKib, images / 4);
    std::printf("growth per image  : %.0f bytes (%d images) vs %.0f bytes (%d images)\n",
                perImageLarge, images, perImageSmall, images / 4);
    return 0;
}

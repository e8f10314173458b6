// A real browser (headless Chromium) loads a page from --webroot that drives the API.
#include "ImageTestSupport.hpp"

#include <gtest/gtest.h>

#include <unistd.h>

namespace fs = std::filesystem;
using namespace classifai::test;

namespace {

/// The Chromium of Debian's `chromium` package (installed by `make deps`), or empty.
std::string findChromium() {
    for (const char* candidate : {"/usr/bin/chromium", "/usr/bin/chromium-browser"}) {
        if (::access(candidate, X_OK) == 0) {
            return candidate;
        }
    }
    return {};
}

/// The DOM after the page's scripts ran.
std::string renderedDom(const std::string& chromium, const std::string& url) {
    TempFolder profile("classifai-chromium");
    std::string output;
    int code =
        runCommand({"/usr/bin/timeout", "90", chromium, "--headless", "--no-sandbox",
                    "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                    "--disable-component-update", "--no-first-run", "--disable-sync",
                    "--mute-audio", "--user-data-dir=" + profile.path().string(),
                    "--virtual-time-budget=20000", "--dump-dom", url},
                   output);
    EXPECT_EQ(code, 0) << output.substr(0, 2000);
    return output;
}

TEST(BrowserTest, HeadlessChromiumDrivesTheApiFromAPageOnTheWebroot) {
    const auto chromium = findChromium();
    ASSERT_FALSE(chromium.empty())
        << "headless Chromium is required for this test: run `make deps` (Debian package "
           "chromium)";

    ProjectServer projects(
        {"--webroot=" + std::string(CLASSIFAI_SOURCE_DIR) + "/tests/browser/webroot"});
    const auto folder = projects.folder("street");
    fs::create_directories(folder);
    writeImage(folder / "a.jpg", ImageFormat::Jpeg, 300, 200);
    writeImage(folder / "b.png", ImageFormat::Png, 40, 40);
    const auto labels = projects.root() / "labels.txt";
    writeTextFile(labels, "car\nperson\n");
    ASSERT_EQ(projects.createProject("street", "bndbox", labels.string()).size(), 2u);

    const auto base = "http://127.0.0.1:" + std::to_string(projects.server().port());
    const auto dom = renderedDom(chromium, base + "/");
    EXPECT_NE(dom.find("<li id=\"route\">route /</li>"), std::string::npos) << dom;
    EXPECT_NE(dom.find("<li id=\"project\">project street total 2</li>"), std::string::npos) << dom;
    EXPECT_NE(dom.find("<li id=\"labels\">labels car,person</li>"), std::string::npos) << dom;
    EXPECT_NE(dom.find("<li id=\"thumbnail\">thumbnail 100x67 of 300x200 boxes 0</li>"),
              std::string::npos)
        << dom;
    EXPECT_NE(dom.find("<li id=\"source\">source 300x200 data:image/jpeg</li>"), std::string::npos)
        << dom;
    EXPECT_NE(dom.find("<li id=\"saved\">saved 1</li>"), std::string::npos) << dom;
    EXPECT_NE(dom.find("<li id=\"statistic\">labeled 1 unlabeled 1 car=0 person=1</li>"),
              std::string::npos)
        << dom;
    EXPECT_NE(dom.find("<li id=\"done\">done</li>"), std::string::npos) << dom;

    // A front-end route reloaded in the browser gets the application page; the save made by
    // the first visit is there.
    const auto again = renderedDom(chromium, base + "/imglabel/bndbox");
    EXPECT_NE(again.find("<li id=\"route\">route /imglabel/bndbox</li>"), std::string::npos)
        << again;
    EXPECT_NE(again.find("boxes 1</li>"), std::string::npos) << again;
}

} // namespace

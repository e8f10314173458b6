// FolderScanner: what a walk finds, skips and reports, and parallel probing, on a real tree.
#include "project/FolderScanner.hpp"

#include "../support/ImageFactory.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;
using classifai::FolderScanner;
using classifai::ProbeLimits;
using classifai::ProbeStatus;
using classifai::ScanEntry;
using classifai::ScanResult;
using classifai::SkipKind;
using classifai::SkippedEntry;
using classifai::test::ImageFormat;

std::vector<std::string> pathsOf(const std::vector<ScanEntry>& entries) {
    std::vector<std::string> paths;
    for (const ScanEntry& entry : entries) {
        paths.push_back(entry.relPath);
    }
    return paths;
}

const SkippedEntry* findSkipped(const ScanResult& result, const std::string& relPath) {
    for (const SkippedEntry& entry : result.skipped) {
        if (entry.relPath == relPath) {
            return &entry;
        }
    }
    return nullptr;
}

/// root/ holds every case the scanner distinguishes; outside/ holds a target beyond the root.
class FolderScannerTest : public ::testing::Test {
protected:
    void SetUp() override {
        fs::create_directories(_root / "nested/deeper");
        fs::create_directories(_root / ".classifai_deleted_data");
        fs::create_directories(_root / "nested/.classifai_deleted_data");
        fs::create_directories(_root / ".classifai");
        fs::create_directories(_tmp / "outside");
        using classifai::test::writeImage;
        writeImage(_root / "a.jpg", ImageFormat::Jpeg, 64, 48);
        writeImage(_root / "b.png", ImageFormat::Png, 64, 48);
        writeImage(_root / "c.webp", ImageFormat::Webp, 64, 48);
        writeImage(_root / "d.bmp", ImageFormat::Bmp, 64, 48);
        writeImage(_root / "e.tif", ImageFormat::Tiff, 64, 48);
        writeImage(_root / "f.gif", ImageFormat::Gif, 64, 48);
        writeImage(_root / ".hidden.png", ImageFormat::Png, 8, 8);
        writeImage(_root / "png-named.txt", ImageFormat::Png, 10, 20);
        writeImage(_root / "huge.png", ImageFormat::Png, 16000, 10);
        writeImage(_root / "big.bmp", ImageFormat::Bmp, 400, 400); // 480 KB: over the limit
        writeImage(_root / "nested/h.png", ImageFormat::Png, 5, 6);
        writeImage(_root / "nested/deeper/g.jpg", ImageFormat::Jpeg, 7, 9);
        writeImage(_root / ".classifai_deleted_data/trashed.jpg", ImageFormat::Jpeg, 8, 8);
        writeImage(_root / "nested/.classifai_deleted_data/x.jpg", ImageFormat::Jpeg, 8, 8);
        writeImage(_root / ".classifai/cache.png", ImageFormat::Png, 8, 8);
        writeImage(_tmp / "outside/o.jpg", ImageFormat::Jpeg, 8, 8);
        classifai::test::writeJpegWithOrientation(_root / "rotated.jpg", 64, 48, 6);
        classifai::test::writeCorruptJpeg(_root / "corrupt.jpg");
        classifai::test::writeTextFile(_root / "notes.txt");
        fs::create_symlink("../outside/o.jpg", _root / "out.jpg");
        fs::create_symlink(_tmp / "outside", _root / "outdir");
        fs::create_symlink("nested/h.png", _root / "inlink.png");
        fs::create_symlink(".", _root / "loop");
        fs::create_symlink("nested", _root / "alias");
        fs::create_symlink("l2", _root / "l1");
        fs::create_symlink("l1", _root / "l2");
        fs::create_symlink("missing.jpg", _root / "broken.jpg");
        fs::create_symlink(".classifai_deleted_data/trashed.jpg", _root / "totrash.jpg");
        _limits.maxFileBytes = 200'000;
    }

    classifai::test::TempFolder _tmp{"classifai-scan"};
    fs::path _root = _tmp / "root";
    ProbeLimits _limits;
};

TEST_F(FolderScannerTest, FindsCandidatesSortedAndSkipsWhatItMust) {
    FolderScanner scanner(_root, _limits);
    ScanResult result = scanner.scan();
    ASSERT_TRUE(result.ok()) << result.error;
    EXPECT_FALSE(result.cancelled);
    const std::vector<std::string> expected = {
        ".hidden.png",
        "a.jpg",
        "b.png",
        "c.webp",
        "corrupt.jpg",
        "d.bmp",
        "e.tif",
        "f.gif",
        "huge.png",
        "inlink.png",
        "nested/deeper/g.jpg",
        "nested/h.png",
        "notes.txt",
        "png-named.txt",
        "rotated.jpg",
    };
    EXPECT_EQ(pathsOf(result.candidates), expected);

    struct Expected {
        const char* relPath;
        SkipKind kind;
        const char* reason;
    };
    const std::vector<Expected> skipped = {
        {"alias", SkipKind::AlreadyScanned, "symlink to a folder already scanned: nested"},
        {"big.bmp", SkipKind::FileTooLarge, "file larger than 200000 bytes"},
        {"broken.jpg", SkipKind::BrokenLink, "broken symlink"},
        {"l1", SkipKind::LinkLoop, "symlink loop"},
        {"l2", SkipKind::LinkLoop, "symlink loop"},
        {"loop", SkipKind::AlreadyScanned,
         "symlink to a folder already scanned: the project folder"},
        {"out.jpg", SkipKind::OutsideRoot, "symlink points outside the project folder"},
        {"outdir", SkipKind::OutsideRoot, "symlink points outside the project folder"},
        {"totrash.jpg", SkipKind::OutsideRoot, "symlink points into the trash folder"},
    };
    ASSERT_EQ(result.skipped.size(), skipped.size());
    for (std::size_t i = 0; i < skipped.size(); ++i) {
        SCOPED_TRACE(skipped[i].relPath);
        EXPECT_EQ(result.skipped[i].relPath, skipped[i].relPath);
        EXPECT_EQ(result.skipped[i].kind, skipped[i].kind);
        EXPECT_EQ(result.skipped[i].reason, skipped[i].reason);
    }
    // Every file and symlink counts, the folder links included: 15 candidates + 9 skipped.
    EXPECT_EQ(result.filesSeen, 24u);
}

TEST_F(FolderScannerTest, SizesAndNanosecondMtimesComeFromTheFile) {
    FolderScanner scanner(_root, _limits);
    ScanResult result = scanner.scan();
    ASSERT_TRUE(result.ok());
    for (const ScanEntry& entry : result.candidates) {
        SCOPED_TRACE(entry.relPath);
        struct stat info {};
        ASSERT_EQ(::stat((_root / entry.relPath).c_str(), &info), 0);
        EXPECT_EQ(entry.sizeBytes, info.st_size);
        EXPECT_EQ(entry.mtimeNs, info.st_mtim.tv_sec * 1'000'000'000LL + info.st_mtim.tv_nsec);
        EXPECT_EQ(scanner.absolutePath(entry), _root / entry.relPath);
    }
    // A symlinked file reports its target.
    auto link = std::find_if(result.candidates.begin(), result.candidates.end(),
                             [](const ScanEntry& e) { return e.relPath == "inlink.png"; });
    ASSERT_NE(link, result.candidates.end());
    EXPECT_EQ(link->sizeBytes, static_cast<std::int64_t>(fs::file_size(_root / "nested/h.png")));
}

TEST_F(FolderScannerTest, ProbeAllKeepsOrderAndFeedsTheUnsupportedList) {
    FolderScanner scanner(_root, _limits);
    ScanResult scan = scanner.scan();
    ASSERT_TRUE(scan.ok());
    std::vector<std::size_t> progress;
    auto results =
        scanner.probeAll(scan.candidates, 3, [&](std::size_t done) { progress.push_back(done); });
    ASSERT_EQ(results.size(), scan.candidates.size());
    ASSERT_FALSE(progress.empty());
    EXPECT_EQ(progress.back(), scan.candidates.size());
    EXPECT_TRUE(std::is_sorted(progress.begin(), progress.end()));

    std::vector<std::string> ok;
    std::vector<std::string> unsupported;
    for (std::size_t i = 0; i < results.size(); ++i) {
        const std::string& relPath = scan.candidates[i].relPath;
        const auto serial = scanner.probe(scan.candidates[i]);
        EXPECT_EQ(results[i].status, serial.status) << relPath;
        if (serial.status == classifai::ProbeStatus::Corrupt) {
            // A decoder's own text comes from libvips' process-wide error buffer, which parallel
            // probes share (ImageProbe.cpp says so); only its prefix is the file's own.
            EXPECT_EQ(results[i].reason.rfind("corrupt: ", 0), 0u) << relPath;
        } else {
            EXPECT_EQ(results[i].reason, serial.reason) << relPath;
        }
        if (results[i].ok()) {
            ok.push_back(relPath);
        } else if (classifai::belongsInUnsupportedList(relPath, results[i])) {
            unsupported.push_back(relPath);
        }
    }
    for (const SkippedEntry& skipped : scan.skipped) {
        if (classifai::belongsInUnsupportedList(skipped)) {
            unsupported.push_back(skipped.relPath);
        }
    }
    std::sort(unsupported.begin(), unsupported.end());
    const std::vector<std::string> expectedOk = {
        ".hidden.png",  "a.jpg",         "b.png",
        "c.webp",       "d.bmp",         "e.tif",
        "f.gif",        "inlink.png",    "nested/deeper/g.jpg",
        "nested/h.png", "png-named.txt", "rotated.jpg",
    };
    EXPECT_EQ(ok, expectedOk);
    const std::vector<std::string> expectedUnsupported = {
        "big.bmp", "broken.jpg", "corrupt.jpg", "huge.png", "out.jpg", "totrash.jpg",
    };
    EXPECT_EQ(unsupported, expectedUnsupported);

    auto at = [&](const std::string& relPath) {
        for (std::size_t i = 0; i < scan.candidates.size(); ++i) {
            if (scan.candidates[i].relPath == relPath) {
                return results[i];
            }
        }
        return classifai::ProbeResult{};
    };
    EXPECT_EQ(at("rotated.jpg").width, 48);
    EXPECT_EQ(at("rotated.jpg").height, 64);
    EXPECT_EQ(at("png-named.txt").format, "png");
    EXPECT_EQ(at("d.bmp").format, "bmp");
    EXPECT_EQ(at("huge.png").status, ProbeStatus::TooLarge);
    EXPECT_EQ(at("corrupt.jpg").status, ProbeStatus::Corrupt);
    EXPECT_EQ(at("notes.txt").status, ProbeStatus::NotAnImage);
    EXPECT_EQ(at("nested/deeper/g.jpg").width, 7);
}

TEST_F(FolderScannerTest, OutputIsSortedAndDeterministic) {
    // Names whose byte order differs from a depth-first walk: "x.jpg" < "x/..." since '.' < '/'.
    fs::create_directories(_root / "x");
    classifai::test::writeImage(_root / "x/inner.jpg", ImageFormat::Jpeg, 4, 4);
    classifai::test::writeImage(_root / "x.jpg", ImageFormat::Jpeg, 4, 4);
    classifai::test::writeImage(_root / "X.jpg", ImageFormat::Jpeg, 4, 4);
    classifai::test::writeImage(_root / "x-a.jpg", ImageFormat::Jpeg, 4, 4);
    FolderScanner scanner(_root, _limits);
    ScanResult first = scanner.scan();
    ScanResult second = FolderScanner(_root, _limits).scan();
    ASSERT_TRUE(first.ok());
    EXPECT_EQ(first.candidates, second.candidates);
    auto paths = pathsOf(first.candidates);
    EXPECT_TRUE(std::is_sorted(paths.begin(), paths.end()));
    EXPECT_TRUE(std::adjacent_find(paths.begin(), paths.end()) == paths.end());
    auto position = [&](const std::string& p) {
        return std::find(paths.begin(), paths.end(), p) - paths.begin();
    };
    EXPECT_LT(position("X.jpg"), position("a.jpg"));
    EXPECT_LT(position("x-a.jpg"), position("x.jpg"));
    EXPECT_LT(position("x.jpg"), position("x/inner.jpg"));
}

TEST_F(FolderScannerTest, RootMissingOrAFileIsAClearError) {
    ScanResult missing = FolderScanner(_tmp / "nope", _limits).scan();
    EXPECT_FALSE(missing.ok());
    EXPECT_EQ(missing.error, "project folder does not exist: " + (_tmp / "nope").string());
    EXPECT_TRUE(missing.candidates.empty());
    ScanResult file = FolderScanner(_root / "a.jpg", _limits).scan();
    EXPECT_EQ(file.error, "project folder is not a folder: " + (_root / "a.jpg").string());
}

TEST_F(FolderScannerTest, RootMayItselfBeASymlink) {
    fs::create_symlink(_root, _tmp / "rootlink");
    ScanResult viaLink = FolderScanner(_tmp / "rootlink", _limits).scan();
    ScanResult direct = FolderScanner(_root, _limits).scan();
    ASSERT_TRUE(viaLink.ok());
    EXPECT_EQ(viaLink.candidates, direct.candidates);
}

TEST_F(FolderScannerTest, SymlinkedFolderInsideTheRootIsNotScannedTwice) {
    // Real folders are walked first, so the images keep their real paths whatever the link's
    // name sorts as.
    classifai::test::writeImage(_root / "nested/deeper/z.png", ImageFormat::Png, 3, 3);
    fs::create_symlink("nested/deeper", _root / "zz-view");
    ScanResult result = FolderScanner(_root, _limits).scan();
    const SkippedEntry* view = findSkipped(result, "zz-view");
    ASSERT_NE(view, nullptr);
    EXPECT_EQ(view->reason, "symlink to a folder already scanned: nested/deeper");
    auto paths = pathsOf(result.candidates);
    EXPECT_EQ(std::count(paths.begin(), paths.end(), "nested/deeper/z.png"), 1);
    EXPECT_EQ(std::count(paths.begin(), paths.end(), "zz-view/z.png"), 0);
}

// Root reads every folder, so as root the test acts as `nobody` (effective ids only) while
// scanning; permissions then apply as they do for an ordinary user.
class ActAsUnprivilegedUser {
public:
    explicit ActAsUnprivilegedUser(const fs::path& root) {
        if (::geteuid() != 0) {
            return;
        }
        // The test folders (made by mkdtemp, mode 0700) must be traversable by nobody.
        for (auto folder = root; folder != fs::temp_directory_path() && folder.has_relative_path();
             folder = folder.parent_path()) {
            fs::permissions(folder,
                            fs::perms::group_read | fs::perms::group_exec | fs::perms::others_read |
                                fs::perms::others_exec,
                            fs::perm_options::add);
        }
        if (::setegid(65534) != 0 || ::seteuid(65534) != 0) {
            throw std::runtime_error("cannot act as nobody");
        }
        _switched = true;
    }
    ~ActAsUnprivilegedUser() {
        if (_switched) {
            (void)::seteuid(0);
            (void)::setegid(0);
        }
    }
    ActAsUnprivilegedUser(const ActAsUnprivilegedUser&) = delete;
    ActAsUnprivilegedUser& operator=(const ActAsUnprivilegedUser&) = delete;

private:
    bool _switched = false;
};

TEST_F(FolderScannerTest, UnreadableFolderIsReportedNotFatal) {
    fs::create_directories(_root / "locked");
    classifai::test::writeImage(_root / "locked/p.jpg", ImageFormat::Jpeg, 4, 4);
    fs::permissions(_root / "locked", fs::perms::none);
    fs::permissions(_root / "a.jpg", fs::perms::none);
    ScanResult result;
    classifai::ProbeResult probe;
    {
        ActAsUnprivilegedUser unprivileged(_root);
        result = FolderScanner(_root, _limits).scan();
        // An unreadable file is a candidate (the walk does not open files); its probe says why.
        probe = FolderScanner(_root, _limits).probe(ScanEntry{"a.jpg", 0, 0});
    }
    fs::permissions(_root / "locked", fs::perms::owner_all);
    fs::permissions(_root / "a.jpg", fs::perms::owner_read | fs::perms::owner_write);
    ASSERT_TRUE(result.ok()) << result.error;
    const SkippedEntry* locked = findSkipped(result, "locked");
    ASSERT_NE(locked, nullptr);
    EXPECT_EQ(locked->kind, SkipKind::Unreadable);
    EXPECT_EQ(locked->reason, "unreadable folder: Permission denied");
    EXPECT_FALSE(pathsOf(result.candidates).empty());

    EXPECT_EQ(probe.status, ProbeStatus::Unreadable);
    EXPECT_EQ(probe.reason, "unreadable: Permission denied");
    EXPECT_TRUE(classifai::belongsInUnsupportedList("a.jpg", probe));
}

TEST_F(FolderScannerTest, ProgressAndCancellation) {
    for (int i = 0; i < 600; ++i) {
        classifai::test::writeTextFile(_root / "nested" / ("t" + std::to_string(i) + ".txt"));
    }
    std::vector<std::size_t> seen;
    ScanResult full = FolderScanner(_root, _limits).scan([&](std::size_t n) { seen.push_back(n); });
    ASSERT_TRUE(full.ok());
    ASSERT_GE(seen.size(), 3u);
    EXPECT_EQ(seen.back(), full.filesSeen);
    EXPECT_TRUE(std::is_sorted(seen.begin(), seen.end()));

    std::atomic<bool> cancel{false};
    ScanResult partial = FolderScanner(_root, _limits)
                             .scan(
                                 [&](std::size_t n) {
                                     if (n >= 256) {
                                         cancel = true;
                                     }
                                 },
                                 &cancel);
    EXPECT_TRUE(partial.cancelled);
    EXPECT_LT(partial.filesSeen, full.filesSeen);
    EXPECT_TRUE(std::is_sorted(partial.candidates.begin(), partial.candidates.end(),
                               [](const auto& a, const auto& b) { return a.relPath < b.relPath; }));

    std::atomic<bool> stopAll{true};
    auto results = FolderScanner(_root, _limits).probeAll(full.candidates, 2, {}, &stopAll);
    ASSERT_EQ(results.size(), full.candidates.size());
    for (const auto& result : results) {
        EXPECT_EQ(result.status, ProbeStatus::Cancelled);
        EXPECT_FALSE(classifai::belongsInUnsupportedList("x.jpg", result));
    }
}

TEST_F(FolderScannerTest, ProbeRefusesALinkSwappedToPointOutside) {
    FolderScanner scanner(_root, _limits);
    ScanResult scan = scanner.scan();
    ScanEntry link{"inlink.png", 0, 0};
    EXPECT_TRUE(scanner.probe(link).ok());
    fs::remove(_root / "inlink.png");
    fs::create_symlink("../outside/o.jpg", _root / "inlink.png");
    auto result = scanner.probe(link);
    EXPECT_EQ(result.status, ProbeStatus::Unreadable);
    EXPECT_EQ(result.reason, "unreadable: leads outside the project folder");
    EXPECT_EQ(scanner.probe(ScanEntry{"gone.jpg", 0, 0}).reason,
              "unreadable: No such file or directory");
}

TEST_F(FolderScannerTest, ParallelProbesOfManyFilesMatchSequentialOnes) {
    fs::create_directories(_root / "many");
    std::string jpeg = classifai::test::encodeImage(ImageFormat::Jpeg, 40, 30);
    for (int i = 0; i < 300; ++i) {
        classifai::test::writeTextFile(_root / "many" / ("m" + std::to_string(i) + ".jpg"),
                                       i % 10 == 0 ? std::string("junk") : jpeg);
    }
    FolderScanner scanner(_root, _limits);
    ScanResult scan = scanner.scan();
    auto parallel = scanner.probeAll(scan.candidates, 4);
    auto single = scanner.probeAll(scan.candidates, 1);
    ASSERT_EQ(parallel.size(), single.size());
    for (std::size_t i = 0; i < parallel.size(); ++i) {
        EXPECT_EQ(parallel[i].status, single[i].status) << scan.candidates[i].relPath;
        EXPECT_EQ(parallel[i].width, single[i].width) << scan.candidates[i].relPath;
    }
}

} // namespace

// ImageProbe: formats by content, orientation, budgets and hostile files, from real images.
#include "media/ImageProbe.hpp"

#include "../support/ImageFactory.hpp"

#include <gtest/gtest.h>

#include <sys/stat.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

namespace {

namespace fs = std::filesystem;
using classifai::ProbeLimits;
using classifai::ProbeResult;
using classifai::ProbeStatus;
using classifai::test::ImageFormat;

class ImageProbeTest : public ::testing::Test {
protected:
    classifai::test::TempFolder _dir{"classifai-probe"};
};

struct FormatCase {
    ImageFormat format;
    const char* fileName;
    std::string_view name;
    std::string_view mime;
};

TEST_F(ImageProbeTest, RecognisesEveryServedFormatFromTheHeader) {
    const std::vector<FormatCase> cases = {
        {ImageFormat::Jpeg, "a.jpg", "jpeg", "image/jpeg"},
        {ImageFormat::Png, "a.png", "png", "image/png"},
        {ImageFormat::Webp, "a.webp", "webp", "image/webp"},
        {ImageFormat::Tiff, "a.tif", "tiff", "image/tiff"},
        {ImageFormat::Gif, "a.gif", "gif", "image/gif"},
        {ImageFormat::Bmp, "a.bmp", "bmp", "image/bmp"},
        {ImageFormat::Heif, "a.heic", "heif", "image/heic"},
    };
    for (const FormatCase& c : cases) {
        SCOPED_TRACE(c.fileName);
        const fs::path file = _dir / c.fileName;
        classifai::test::writeImage(file, c.format, 64, 48);
        ProbeResult result = classifai::probe(file);
        EXPECT_TRUE(result.ok()) << result.reason;
        EXPECT_EQ(result.status, ProbeStatus::Ok);
        EXPECT_EQ(result.format, c.name);
        EXPECT_EQ(result.mimeType, c.mime);
        EXPECT_EQ(result.width, 64);
        EXPECT_EQ(result.height, 48);
        EXPECT_EQ(result.orientation, 1);
        EXPECT_EQ(result.pages, 1);
        EXPECT_EQ(result.bitsPerSample, 8);
        EXPECT_EQ(result.depth, 3);
        EXPECT_GE(result.bands, 3);
        EXPECT_EQ(result.sizeBytes, static_cast<std::int64_t>(fs::file_size(file)));
        EXPECT_TRUE(result.reason.empty());
    }
}

TEST_F(ImageProbeTest, ContentDecidesNotTheName) {
    classifai::test::writeImage(_dir / "photo.txt", ImageFormat::Png, 30, 20);
    classifai::test::writeImage(_dir / "noextension", ImageFormat::Jpeg, 30, 20);
    classifai::test::writeImage(_dir / "liar.png", ImageFormat::Jpeg, 30, 20);
    EXPECT_EQ(classifai::probe(_dir / "photo.txt").format, "png");
    EXPECT_TRUE(classifai::probe(_dir / "photo.txt").ok());
    EXPECT_EQ(classifai::probe(_dir / "noextension").format, "jpeg");
    EXPECT_EQ(classifai::probe(_dir / "liar.png").format, "jpeg");
}

TEST_F(ImageProbeTest, ExifOrientationSwapsDisplayedSize) {
    classifai::test::writeJpegWithOrientation(_dir / "o6.jpg", 64, 48, 6);
    classifai::test::writeJpegWithOrientation(_dir / "o8.jpg", 64, 48, 8);
    classifai::test::writeJpegWithOrientation(_dir / "o3.jpg", 64, 48, 3);
    ProbeResult six = classifai::probe(_dir / "o6.jpg");
    ASSERT_TRUE(six.ok()) << six.reason;
    EXPECT_EQ(six.orientation, 6);
    EXPECT_EQ(six.width, 48);
    EXPECT_EQ(six.height, 64);
    ProbeResult eight = classifai::probe(_dir / "o8.jpg");
    EXPECT_EQ(eight.orientation, 8);
    EXPECT_EQ(eight.width, 48);
    EXPECT_EQ(eight.height, 64);
    ProbeResult three = classifai::probe(_dir / "o3.jpg");
    EXPECT_EQ(three.orientation, 3);
    EXPECT_EQ(three.width, 64);
    EXPECT_EQ(three.height, 48);
}

TEST_F(ImageProbeTest, NonImagesAreNotImages) {
    classifai::test::writeTextFile(_dir / "notes.txt", "hello, world\n");
    classifai::test::writeTextFile(_dir / "empty.jpg", "");
    classifai::test::writeTextFile(_dir / "video.mp4", std::string("\0\0\0\x18"
                                                                   "ftypmp42",
                                                                   12) +
                                                           std::string(500, 'x'));
    for (const char* name : {"notes.txt", "empty.jpg", "video.mp4"}) {
        SCOPED_TRACE(name);
        ProbeResult result = classifai::probe(_dir / name);
        EXPECT_EQ(result.status, ProbeStatus::NotAnImage);
        EXPECT_EQ(result.reason, "not an image");
        EXPECT_FALSE(result.recognised());
        EXPECT_TRUE(result.format.empty());
    }
}

TEST_F(ImageProbeTest, OtherImageFormatsAreRefusedByName) {
    // libvips recognises these, but they are not formats an annotator serves; the matrix one is
    // a text file that happens to look like libvips' matrix format.
    classifai::test::writeTextFile(_dir / "a.ppm", "P3\n2 1\n255\n255 0 0 0 255 0\n");
    classifai::test::writeTextFile(_dir / "numbers.txt", "3 2\n1 2 3\n4 5 6\n");
    ProbeResult ppm = classifai::probe(_dir / "a.ppm");
    EXPECT_EQ(ppm.status, ProbeStatus::UnsupportedFormat);
    EXPECT_EQ(ppm.reason, "unsupported format: ppm");
    EXPECT_FALSE(ppm.recognised());
    ProbeResult matrix = classifai::probe(_dir / "numbers.txt");
    EXPECT_EQ(matrix.status, ProbeStatus::UnsupportedFormat);
    EXPECT_EQ(matrix.reason, "unsupported format: matrix");
    EXPECT_FALSE(classifai::belongsInUnsupportedList("numbers.txt", matrix));
    EXPECT_FALSE(classifai::belongsInUnsupportedList("a.ppm", ppm));
}

TEST_F(ImageProbeTest, CorruptHeaderIsRefusedAndRecognised) {
    classifai::test::writeCorruptJpeg(_dir / "broken.dat");
    ProbeResult result = classifai::probe(_dir / "broken.dat");
    EXPECT_EQ(result.status, ProbeStatus::Corrupt);
    EXPECT_EQ(result.format, "jpeg");
    EXPECT_EQ(result.reason.rfind("corrupt: ", 0), 0u) << result.reason;
    EXPECT_LE(result.reason.size(), 200u);
    EXPECT_TRUE(classifai::belongsInUnsupportedList("broken.dat", result));
}

TEST_F(ImageProbeTest, TruncatedBodyPassesTheHeaderOnlyProbe) {
    classifai::test::writeTruncatedJpeg(_dir / "cut.jpg", 640, 480);
    ProbeResult result = classifai::probe(_dir / "cut.jpg");
    EXPECT_TRUE(result.ok()) << result.reason;
    EXPECT_EQ(result.width, 640);
    EXPECT_EQ(result.height, 480);
}

TEST_F(ImageProbeTest, DimensionsAboveTheLimitAreRefused) {
    classifai::test::writeImage(_dir / "wide.png", ImageFormat::Png, 16000, 10);
    ProbeResult wide = classifai::probe(_dir / "wide.png");
    EXPECT_EQ(wide.status, ProbeStatus::TooLarge);
    EXPECT_EQ(wide.reason, "too large: 16000x10 exceeds 15000x15000 pixels");
    EXPECT_EQ(wide.width, 16000);
    EXPECT_EQ(wide.format, "png");
    EXPECT_TRUE(classifai::belongsInUnsupportedList("wide.png", wide));

    // The limit applies after orientation: 40x64 stored, shown 64x40.
    classifai::test::writeJpegWithOrientation(_dir / "turned.jpg", 40, 64, 6);
    ProbeLimits limits;
    limits.maxWidth = 50;
    limits.maxHeight = 50;
    ProbeResult turned = classifai::probe(_dir / "turned.jpg", limits);
    EXPECT_EQ(turned.status, ProbeStatus::TooLarge);
    EXPECT_EQ(turned.reason, "too large: 64x40 exceeds 50x50 pixels");
}

TEST_F(ImageProbeTest, FilesAboveTheByteLimitAreNotRead) {
    classifai::test::writeImage(_dir / "a.jpg", ImageFormat::Jpeg, 64, 48);
    ProbeLimits limits;
    limits.maxFileBytes = 100;
    ProbeResult result = classifai::probe(_dir / "a.jpg", limits);
    EXPECT_EQ(result.status, ProbeStatus::FileTooLarge);
    EXPECT_EQ(result.reason, "file larger than 100 bytes");
    EXPECT_FALSE(result.recognised());
    EXPECT_TRUE(classifai::belongsInUnsupportedList("a.jpg", result));
    EXPECT_FALSE(classifai::belongsInUnsupportedList("movie.mp4", result));
}

TEST_F(ImageProbeTest, AnimationsAreRefusedMultiPageStillsServeTheirFirstPage) {
    classifai::test::writeAnimated(_dir / "anim.gif", ImageFormat::Gif, 32, 24, 3);
    classifai::test::writeAnimated(_dir / "anim.webp", ImageFormat::Webp, 32, 24, 3);
    classifai::test::writeMultiPageTiff(_dir / "scan.tif", 32, 24, 3);
    for (const char* name : {"anim.gif", "anim.webp"}) {
        SCOPED_TRACE(name);
        ProbeResult result = classifai::probe(_dir / name);
        EXPECT_EQ(result.status, ProbeStatus::Animated);
        EXPECT_EQ(result.reason, "animated images are not supported");
        EXPECT_EQ(result.pages, 3);
        EXPECT_TRUE(classifai::belongsInUnsupportedList(name, result));
    }
    ProbeResult tiff = classifai::probe(_dir / "scan.tif");
    EXPECT_TRUE(tiff.ok()) << tiff.reason;
    EXPECT_EQ(tiff.pages, 3);
    EXPECT_EQ(tiff.width, 32);
    EXPECT_EQ(tiff.height, 24);
}

TEST_F(ImageProbeTest, HostileBmpHeadersAreRefused) {
    std::string bmp = classifai::test::encodeImage(ImageFormat::Bmp, 20, 10);
    // Pixel rows cut off.
    classifai::test::writeTextFile(_dir / "cut.bmp", bmp.substr(0, bmp.size() - 100));
    EXPECT_EQ(classifai::probe(_dir / "cut.bmp").reason, "corrupt: BMP pixel data truncated");
    // Declared 20000x20000 in a file of a few hundred bytes.
    std::string huge = bmp;
    huge[18] = static_cast<char>(20000 & 0xff);
    huge[19] = static_cast<char>(20000 >> 8);
    huge[22] = static_cast<char>(20000 & 0xff);
    huge[23] = static_cast<char>(20000 >> 8);
    classifai::test::writeTextFile(_dir / "huge.bmp", huge);
    ProbeResult tooLarge = classifai::probe(_dir / "huge.bmp");
    EXPECT_EQ(tooLarge.status, ProbeStatus::TooLarge);
    EXPECT_EQ(tooLarge.reason, "too large: 20000x20000 exceeds 15000x15000 pixels");
    // Zero planes, and a negative width.
    std::string planes = bmp;
    planes[26] = 0;
    classifai::test::writeTextFile(_dir / "planes.bmp", planes);
    EXPECT_EQ(classifai::probe(_dir / "planes.bmp").reason, "corrupt: invalid BMP header");
    std::string negative = bmp;
    negative[21] = static_cast<char>(0xff);
    classifai::test::writeTextFile(_dir / "negative.bmp", negative);
    EXPECT_EQ(classifai::probe(_dir / "negative.bmp").status, ProbeStatus::Corrupt);
    // "BM" followed by text is simply not an image.
    classifai::test::writeTextFile(_dir / "bm.txt", "BMW is a car maker, not a bitmap.\n");
    EXPECT_EQ(classifai::probe(_dir / "bm.txt").status, ProbeStatus::NotAnImage);
}

TEST_F(ImageProbeTest, MissingFoldersAndFifosAreUnreadableWithoutHanging) {
    EXPECT_EQ(classifai::probe(_dir / "missing.jpg").status, ProbeStatus::Unreadable);
    EXPECT_EQ(classifai::probe(_dir / "missing.jpg").reason,
              "unreadable: No such file or directory");
    EXPECT_EQ(classifai::probe(_dir.path()).reason, "unreadable: not a regular file");
    ASSERT_EQ(::mkfifo((_dir / "pipe.jpg").c_str(), 0600), 0);
    ProbeResult fifo = classifai::probe(_dir / "pipe.jpg");
    EXPECT_EQ(fifo.status, ProbeStatus::Unreadable);
    EXPECT_TRUE(classifai::belongsInUnsupportedList("pipe.jpg", fifo));
}

TEST_F(ImageProbeTest, ImageSuffixesIgnoreCaseAndNeedADot) {
    for (const char* yes : {"a.jpg", "dir/b.JPEG", "c.Png", "d.bmp", "e.WEBP", "f.tif", "g.tiff",
                            "h.gif", "i.HEIC", "j.heif", "k.avif"}) {
        EXPECT_TRUE(classifai::hasImageSuffix(yes)) << yes;
    }
    for (const char* no : {"myjpg", "a.txt", "a.jpg.txt", "jpg", "dir.jpg/file", "a.", ".png.x"}) {
        EXPECT_FALSE(classifai::hasImageSuffix(no)) << no;
    }
}

TEST_F(ImageProbeTest, ConcurrentProbesAgreeWithSequentialOnes) {
    const std::vector<std::pair<const char*, ImageFormat>> files = {
        {"a.jpg", ImageFormat::Jpeg}, {"b.png", ImageFormat::Png}, {"c.webp", ImageFormat::Webp},
        {"d.tif", ImageFormat::Tiff}, {"e.gif", ImageFormat::Gif}, {"f.bmp", ImageFormat::Bmp},
    };
    for (const auto& [name, format] : files) {
        classifai::test::writeImage(_dir / name, format, 33, 17);
    }
    classifai::test::writeCorruptJpeg(_dir / "g.jpg");
    classifai::test::writeTextFile(_dir / "h.txt");
    std::vector<std::string> names = {"a.jpg", "b.png", "c.webp", "d.tif",
                                      "e.gif", "f.bmp", "g.jpg",  "h.txt"};
    std::vector<ProbeStatus> expected;
    for (const std::string& name : names) {
        expected.push_back(classifai::probe(_dir / name).status);
    }
    std::atomic<int> mismatches{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 6; ++t) {
        threads.emplace_back([&] {
            for (int round = 0; round < 50; ++round) {
                for (std::size_t i = 0; i < names.size(); ++i) {
                    ProbeResult result = classifai::probe(_dir / names[i]);
                    if (result.status != expected[i] || (result.ok() && result.width != 33)) {
                        ++mismatches;
                    }
                }
            }
        });
    }
    for (std::thread& thread : threads) {
        thread.join();
    }
    EXPECT_EQ(mismatches.load(), 0);
}

TEST_F(ImageProbeTest, ProbingReadsHeadersOnly) {
    // A 4000x3000 JPEG decodes in tens of milliseconds; its header in well under one.
    classifai::test::writeImage(_dir / "big.jpg", ImageFormat::Jpeg, 4000, 3000);
    ASSERT_TRUE(classifai::probe(_dir / "big.jpg").ok());
    constexpr int kRounds = 200;
    auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < kRounds; ++i) {
        ASSERT_EQ(classifai::probe(_dir / "big.jpg").width, 4000);
    }
    auto perProbeUs = std::chrono::duration_cast<std::chrono::microseconds>(
                          std::chrono::steady_clock::now() - start)
                          .count() /
                      kRounds;
    std::printf("[ image probe ] 4000x3000 JPEG: %lld us per probe\n",
                static_cast<long long>(perProbeUs));
    EXPECT_LT(perProbeUs, 5000);
}

} // namespace

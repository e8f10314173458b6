// Thumbnails are made from a reduced decode wherever the format allows one.
#include "../support/ImageFactory.hpp"

#include "media/ImageFile.hpp"
#include "media/ImageProbe.hpp"
#include "media/ThumbnailCache.hpp"
#include "media/Thumbnailer.hpp"

#include <gtest/gtest.h>

#include <fstream>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace fs = std::filesystem;
using namespace classifai;
using namespace classifai::test;

namespace {

Thumbnail thumbnailOf(const fs::path& file) {
    auto probed = probe(file);
    EXPECT_TRUE(probed.ok()) << probed.reason;
    int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
    auto made = makeThumbnail(fd, probed.format, std::max(probed.width, probed.height));
    ::close(fd);
    return made;
}

vips::VImage decodePng(const std::string& png) {
    return vips::VImage::new_from_buffer(png.data(), png.size(), "").copy_memory();
}

TEST(ThumbnailerTest, LargeJpegIsDecodedAtAnEighth) {
    TempFolder folder;
    writeImage(folder / "big.jpg", ImageFormat::Jpeg, 6000, 4000);
    auto made = thumbnailOf(folder / "big.jpg");
    EXPECT_EQ(made.decodedWidth, 750);
    EXPECT_EQ(made.decodedHeight, 500);
    EXPECT_EQ(made.width, 100);
    EXPECT_EQ(made.height, 67);
    auto png = decodePng(made.png);
    EXPECT_EQ(png.width(), 100);
    EXPECT_EQ(png.height(), 67);
}

TEST(ThumbnailerTest, WebpAndBmpAreDecodedReducedToo) {
    TempFolder folder;
    writeImage(folder / "big.webp", ImageFormat::Webp, 2000, 1000);
    auto webp = thumbnailOf(folder / "big.webp");
    EXPECT_EQ(webp.decodedWidth, 200);
    EXPECT_EQ(webp.decodedHeight, 100);
    EXPECT_EQ(webp.width, 100);

    writeImage(folder / "big.bmp", ImageFormat::Bmp, 1200, 800);
    auto bmp = thumbnailOf(folder / "big.bmp");
    EXPECT_EQ(bmp.decodedWidth, 200); // 6 x 6 blocks averaged while reading
    EXPECT_EQ(bmp.decodedHeight, 133);
    EXPECT_EQ(bmp.width, 100);
    EXPECT_EQ(bmp.height, 67);
}

/// A bottom-up BI_BITFIELDS BMP, red rising left to right, green top to bottom.
std::string bitFieldBmp(int width, int height, int bits) {
    const std::uint32_t rowBytes = (static_cast<std::uint32_t>(width) * bits / 8 + 3) / 4 * 4;
    const std::uint32_t offset = 14 + 40 + 12;
    std::string out = "BM";
    auto le32 = [&](std::uint32_t v) {
        for (int shift = 0; shift < 32; shift += 8) {
            out.push_back(static_cast<char>((v >> shift) & 0xff));
        }
    };
    auto le16 = [&](std::uint32_t v) {
        out.push_back(static_cast<char>(v & 0xff));
        out.push_back(static_cast<char>((v >> 8) & 0xff));
    };
    le32(offset + rowBytes * height);
    le32(0);
    le32(offset);
    le32(40);
    le32(width);
    le32(height);
    le16(1);
    le16(bits);
    le32(3); // BI_BITFIELDS
    le32(rowBytes * height);
    le32(2835);
    le32(2835);
    le32(0);
    le32(0);
    if (bits == 16) {
        le32(0xF800), le32(0x07E0), le32(0x001F); // 5-6-5
    } else {
        le32(0x0000FF00), le32(0x00FF0000), le32(0xFF000000); // unusual order on purpose
    }
    for (int y = height - 1; y >= 0; --y) {
        std::uint32_t written = 0;
        for (int x = 0; x < width; ++x) {
            const std::uint32_t red = x * 255 / (width - 1);
            const std::uint32_t green = y * 255 / (height - 1);
            if (bits == 16) {
                le16(((red >> 3) << 11) | ((green >> 2) << 5) | 16);
            } else {
                le32((red << 8) | (green << 16) | (128u << 24));
            }
            written += static_cast<std::uint32_t>(bits / 8);
        }
        out.append(rowBytes - written, '\0');
    }
    return out;
}

TEST(ThumbnailerTest, BitFieldBmpsAreDecoded) {
    TempFolder folder;
    for (int bits : {16, 32}) {
        const auto file = folder / ("fields" + std::to_string(bits) + ".bmp");
        std::ofstream(file, std::ios::binary) << bitFieldBmp(200, 100, bits);
        auto made = thumbnailOf(file);
        EXPECT_EQ(made.width, 100) << bits;
        EXPECT_EQ(made.height, 50) << bits;
        auto png = decodePng(made.png);
        EXPECT_GT(png.getpoint(95, 25)[0], 200) << bits; // red on the right
        EXPECT_LT(png.getpoint(3, 25)[0], 40) << bits;   // not on the left
        EXPECT_GT(png.getpoint(50, 47)[1], 200) << bits; // green at the bottom
        EXPECT_LT(png.getpoint(50, 2)[1], 40) << bits;   // not at the top
    }
}

TEST(ThumbnailerTest, SmallImagesAndOtherFormatsAreFullDecodes) {
    TempFolder folder;
    for (auto format : {ImageFormat::Png, ImageFormat::Gif, ImageFormat::Tiff, ImageFormat::Jpeg,
                        ImageFormat::Heif}) {
        const auto file = folder / "small";
        writeImage(file, format, 160, 80);
        auto made = thumbnailOf(file);
        EXPECT_EQ(made.width, 100);
        EXPECT_EQ(made.height, 50);
        EXPECT_EQ(decodePng(made.png).width(), 100);
    }
}

TEST(ThumbnailerTest, ExifOrientationIsApplied) {
    TempFolder folder;
    writeJpegWithOrientation(folder / "rotated.jpg", 3000, 1000, 8);
    auto made = thumbnailOf(folder / "rotated.jpg");
    EXPECT_EQ(made.width, 33);
    EXPECT_EQ(made.height, 100);
    EXPECT_EQ(made.decodedWidth, 375); // still shrunk on load
}

TEST(ThumbnailerTest, UndecodablePixelsThrowAndThePlaceholderHasTheBoxShape) {
    TempFolder folder;
    writeTextFile(folder / "bad.bmp", "BM not really");
    int fd = ::open((folder / "bad.bmp").c_str(), O_RDONLY | O_CLOEXEC);
    EXPECT_THROW(makeThumbnail(fd, "bmp", 100), std::runtime_error);
    ::close(fd);
    auto placeholder = decodePng(placeholderThumbnail(300, 600));
    EXPECT_EQ(placeholder.width(), 50);
    EXPECT_EQ(placeholder.height(), 100);
}

TEST(ThumbnailerTest, CacheKeyChangesWithTheFileAndEntriesRoundTrip) {
    TempFolder folder;
    ThumbnailCache cache(folder / "cache");
    const auto key = ThumbnailCache::key("/p/a.jpg", 100, 5);
    EXPECT_NE(key, ThumbnailCache::key("/p/a.jpg", 101, 5));
    EXPECT_NE(key, ThumbnailCache::key("/p/a.jpg", 100, 6));
    EXPECT_NE(key, ThumbnailCache::key("/p/b.jpg", 100, 5));
    EXPECT_FALSE(cache.get(key));
    EXPECT_TRUE(cache.put(key, "png bytes"));
    EXPECT_EQ(cache.get(key).value_or(""), "png bytes");
}

TEST(ThumbnailerTest, PruneDropsTheLeastRecentlyUsedEntries) {
    TempFolder folder;
    ThumbnailCache cache(folder / "cache");
    std::vector<std::string> keys;
    for (int i = 0; i < 4; ++i) {
        keys.push_back(ThumbnailCache::key("/p/" + std::to_string(i), 1, 1));
        ASSERT_TRUE(cache.put(keys.back(), std::string(1000, 'x')));
        // Distinct times, oldest first.
        fs::last_write_time(cache.pathFor(keys.back()),
                            fs::file_time_type::clock::now() - std::chrono::hours(10 - i));
    }
    EXPECT_TRUE(cache.get(keys[0])); // used just now: the most recent
    EXPECT_EQ(cache.prune(5000), 0u);
    EXPECT_EQ(cache.prune(2500), 2u);
    EXPECT_TRUE(cache.get(keys[0]));
    EXPECT_FALSE(cache.get(keys[1]));
    EXPECT_FALSE(cache.get(keys[2]));
    EXPECT_TRUE(cache.get(keys[3]));
}

TEST(ImageFileTest, OpensOnlyInsideTheProjectFolder) {
    TempFolder folder;
    fs::create_directories(folder / "project" / ".classifai_deleted_data");
    writeImage(folder / "project" / "in.png", ImageFormat::Png, 2, 2);
    writeImage(folder / "outside.png", ImageFormat::Png, 2, 2);
    writeImage(folder / "project" / ".classifai_deleted_data" / "gone.png", ImageFormat::Png, 2, 2);
    fs::create_symlink(folder / "outside.png", folder / "project" / "link.png");
    fs::create_symlink(folder / "project" / "in.png", folder / "project" / "inner-link.png");
    const auto root = folder / "project";
    EXPECT_TRUE(ImageFile::open(root, "in.png").ok());
    EXPECT_TRUE(ImageFile::open(root, "inner-link.png").ok());
    EXPECT_EQ(ImageFile::open(root, "link.png").status(), ImageFile::Status::OutsideRoot);
    EXPECT_EQ(ImageFile::open(root, "../outside.png").status(), ImageFile::Status::OutsideRoot);
    EXPECT_EQ(ImageFile::open(root, (folder / "outside.png").string()).status(),
              ImageFile::Status::OutsideRoot);
    EXPECT_EQ(ImageFile::open(root, ".classifai_deleted_data/gone.png").status(),
              ImageFile::Status::OutsideRoot);
    EXPECT_EQ(ImageFile::open(root, "missing.png").status(), ImageFile::Status::Missing);
    ::mkfifo((root / "fifo.png").c_str(), 0600);
    EXPECT_EQ(ImageFile::open(root, "fifo.png").status(), ImageFile::Status::NotRegular);
}

} // namespace

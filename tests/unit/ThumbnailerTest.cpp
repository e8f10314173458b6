// Thumbnails are made from a reduced decode wherever the format allows one.
#include "../support/ImageFactory.hpp"

#include "media/ImageFile.hpp"
#include "media/ImageProbe.hpp"
#include "media/ThumbnailCache.hpp"
#include "media/Thumbnailer.hpp"

#include <gtest/gtest.h>

#include <fcntl.h>
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

// Thumbnails and image sources over real HTTP, on real generated images.
#include "ImageTestSupport.hpp"

#include "project/ImageNames.hpp"

#include <Poco/JSON/Parser.h>

#include <gtest/gtest.h>

#include <vips/vips8>

namespace fs = std::filesystem;
using namespace classifai::test;

namespace {

/// The bytes of a `data:<type>;base64,` URL, and its declared type.
std::string dataUrlBytes(const std::string& url, std::string* mediaType = nullptr) {
    std::string problem;
    auto decoded = classifai::decodeDataUrl(url, 1 << 30, problem);
    EXPECT_TRUE(decoded) << problem;
    if (mediaType && decoded) {
        *mediaType = decoded->mediaType;
    }
    return decoded ? decoded->bytes : std::string();
}

vips::VImage decodePng(const std::string& bytes) {
    // Decoded now: new_from_buffer only borrows the bytes.
    return vips::VImage::new_from_buffer(bytes.data(), bytes.size(), "").copy_memory();
}

class ImageApiTest : public ::testing::Test {
protected:
    void SetUp() override {
        projects = std::make_unique<ProjectServer>(
            std::vector<std::string>{"--define=logging.level=debug"});
        const auto folder = projects->folder("photos");
        fs::create_directories(folder / "sub");
        writeImage(folder / "a.png", ImageFormat::Png, 300, 200);
        writeJpegWithOrientation(folder / "b-rotated.jpg", 200, 100, 6);
        writeImage(folder / "c.bmp", ImageFormat::Bmp, 64, 128);
        writeImage(folder / "sub" / "d.jpg", ImageFormat::Png, 40, 40);  // a PNG named .jpg
        writeImage(folder / "sub" / "e.png", ImageFormat::Jpeg, 50, 30); // a JPEG named .png
        writeImage(folder / "f.tif", ImageFormat::Tiff, 20, 10);
        uuids = projects->createProject("photos", "bndbox");
        ASSERT_EQ(uuids.size(), 6u);
    }

    std::string thumbnailPath(const std::string& uuid) const {
        return "/bndbox/projects/photos/uuid/" + uuid + "/thumbnail";
    }

    std::unique_ptr<ProjectServer> projects;
    std::vector<std::string> uuids; // sorted by path: a.png b-rotated.jpg c.bmp f.tif sub/d sub/e
};

TEST_F(ImageApiTest, ThumbnailHasTheReferenceFieldsInOrderAndASmallPng) {
    auto result = projects->server().get(thumbnailPath(uuids[0]));
    ASSERT_EQ(result.status, 200) << result.body;
    auto body = result.json();
    std::vector<std::string> keys;
    for (const auto& key :
         {"message", "uuid", "project_name", "img_path", "bnd_box", "img_depth", "img_x", "img_y",
          "img_w", "img_h", "file_size", "img_ori_w", "img_ori_h", "img_thumbnail"}) {
        EXPECT_NE(result.body.find(std::string("\"") + key + "\""), std::string::npos) << key;
        keys.push_back(key);
    }
    for (std::size_t i = 1; i < keys.size(); ++i) {
        EXPECT_LT(result.body.find("\"" + keys[i - 1] + "\""),
                  result.body.find("\"" + keys[i] + "\""))
            << keys[i - 1] << " before " << keys[i];
    }
    EXPECT_EQ(body->getValue<int>("message"), 1);
    EXPECT_EQ(body->getValue<std::string>("uuid"), uuids[0]);
    EXPECT_EQ(body->getValue<std::string>("project_name"), "photos");
    EXPECT_EQ(body->getValue<std::string>("img_path"),
              (projects->folder("photos") / "a.png").string());
    EXPECT_EQ(body->getArray("bnd_box")->size(), 0u);
    EXPECT_EQ(body->getValue<int>("img_ori_w"), 300);
    EXPECT_EQ(body->getValue<int>("img_ori_h"), 200);
    EXPECT_EQ(body->getValue<int>("img_depth"), 3);
    EXPECT_EQ(body->getValue<std::int64_t>("file_size"),
              static_cast<std::int64_t>(fs::file_size(projects->folder("photos") / "a.png")));
    std::string type;
    auto png = decodePng(dataUrlBytes(body->getValue<std::string>("img_thumbnail"), &type));
    EXPECT_EQ(type, "image/png");
    EXPECT_EQ(png.width(), 100);
    EXPECT_EQ(png.height(), 67);
}

TEST_F(ImageApiTest, ThumbnailAppliesExifOrientationAndDecodesBmpAndTiff) {
    // Stored 200x100 with orientation 6: shown 100x200.
    auto rotatedResult = projects->server().get(thumbnailPath(uuids[1]));
    auto rotated = rotatedResult.json();
    EXPECT_EQ(rotated->getValue<int>("img_ori_w"), 100);
    EXPECT_EQ(rotated->getValue<int>("img_ori_h"), 200);
    auto png = decodePng(dataUrlBytes(rotated->getValue<std::string>("img_thumbnail")));
    EXPECT_EQ(png.width(), 50);
    EXPECT_EQ(png.height(), 100);

    auto bmpResult = projects->server().get(thumbnailPath(uuids[2]));
    auto bmp = bmpResult.json();
    EXPECT_EQ(bmp->getValue<int>("img_ori_w"), 64);
    auto bmpPng = decodePng(dataUrlBytes(bmp->getValue<std::string>("img_thumbnail")));
    EXPECT_EQ(bmpPng.width(), 50);
    EXPECT_EQ(bmpPng.height(), 100);
    // The BMP factory paints red = x gradient: the right edge is redder than the left.
    EXPECT_GT(bmpPng.getpoint(49, 50)[0], bmpPng.getpoint(0, 50)[0] + 100);

    auto tiffResult = projects->server().get(thumbnailPath(uuids[3]));
    auto tiff = tiffResult.json();
    auto tiffPng = decodePng(dataUrlBytes(tiff->getValue<std::string>("img_thumbnail")));
    EXPECT_EQ(tiffPng.width(), 100);
    EXPECT_EQ(tiffPng.height(), 50);
}

TEST_F(ImageApiTest, LargeJpegThumbnailIsDecodedReducedThenServedFromTheCache) {
    const auto folder = projects->folder("large");
    fs::create_directories(folder);
    writeImage(folder / "huge.jpg", ImageFormat::Jpeg, 6000, 4000);
    auto ids = projects->createProject("large", "bndbox");
    ASSERT_EQ(ids.size(), 1u);
    const auto path = "/bndbox/projects/large/uuid/" + ids[0] + "/thumbnail";

    auto first = projects->server().get(path).json();
    EXPECT_EQ(first->getValue<int>("img_ori_w"), 6000);
    // JPEG shrink-on-load by 8: the decoder never produced more than 750x500 pixels.
    EXPECT_NE(projects->server().log().find(ids[0] + ": jpeg 6000x4000 decoded at 750x500"),
              std::string::npos)
        << projects->server().log();
    auto png = decodePng(dataUrlBytes(first->getValue<std::string>("img_thumbnail")));
    EXPECT_EQ(png.width(), 100);
    EXPECT_EQ(png.height(), 67);

    // The cache holds one PNG per thumbnail made so far; the second request is answered from it
    // (replace the cached file and the answer changes accordingly).
    std::vector<fs::path> cached;
    for (const auto& entry : fs::recursive_directory_iterator(projects->dataDir() / "thumbnails")) {
        if (entry.is_regular_file() && entry.path().extension() == ".png") {
            cached.push_back(entry.path());
        }
    }
    ASSERT_EQ(cached.size(), 1u);
    const std::string marker = encodeImage(ImageFormat::Png, 7, 3);
    {
        std::ofstream out(cached[0], std::ios::binary | std::ios::trunc);
        out << marker;
    }
    auto second = projects->server().get(path).json();
    EXPECT_EQ(dataUrlBytes(second->getValue<std::string>("img_thumbnail")), marker);
    EXPECT_NE(projects->server().log().find(ids[0] + ": from the cache"), std::string::npos);

    // A changed file gets a new thumbnail, not the cached one.
    writeImage(folder / "huge.jpg", ImageFormat::Jpeg, 4000, 4000);
    auto third = projects->server().get(path).json();
    auto fresh = decodePng(dataUrlBytes(third->getValue<std::string>("img_thumbnail")));
    EXPECT_EQ(fresh.width(), 100);
    EXPECT_EQ(fresh.height(), 100);
    EXPECT_EQ(third->getValue<int>("img_ori_w"), 4000);
}

TEST_F(ImageApiTest, ThumbnailErrorsAreJson) {
    auto& server = projects->server();
    auto unknownProject = server.get("/bndbox/projects/nope/uuid/" + uuids[0] + "/thumbnail");
    EXPECT_EQ(unknownProject.status, 200);
    EXPECT_EQ(unknownProject.json()->getValue<int>("message"), 0);
    EXPECT_EQ(unknownProject.json()->getValue<std::string>("error_message"), "Project not exist");

    auto unknownUuid = server.get(thumbnailPath("00000000-0000-4000-8000-000000000000"));
    EXPECT_EQ(unknownUuid.json()->getValue<int>("message"), 0);

    auto wrongType = server.get("/keypoints/projects/photos/uuid/" + uuids[0] + "/thumbnail");
    EXPECT_EQ(wrongType.status, 400);
    EXPECT_EQ(wrongType.json()->getValue<int>("message"), 0);

    fs::remove(projects->folder("photos") / "a.png");
    auto gone = server.get(thumbnailPath(uuids[0]));
    EXPECT_EQ(gone.status, 200);
    EXPECT_EQ(gone.json()->getValue<int>("message"), 0);
    EXPECT_NE(gone.json()->getValue<std::string>("error_message").find("not found"),
              std::string::npos);

    // A file whose header parses but whose pixels do not gets a placeholder, not an error.
    writeTruncatedJpeg(projects->folder("photos") / "b-rotated.jpg", 200, 100);
    auto broken = server.get(thumbnailPath(uuids[1])).json();
    EXPECT_EQ(broken->getValue<int>("message"), 1);
    EXPECT_EQ(server.get("/api/system/health").status, 200);
}

TEST_F(ImageApiTest, ImageSourceIsTheFileWithItsTypeFromContent) {
    auto& server = projects->server();
    const auto folder = projects->folder("photos");
    struct Case {
        std::size_t index;
        fs::path file;
        std::string type;
    };
    for (const auto& [index, file, type] : std::vector<Case>{{0, "a.png", "image/png"},
                                                             {1, "b-rotated.jpg", "image/jpeg"},
                                                             {2, "c.bmp", "image/bmp"},
                                                             {4, "sub/d.jpg", "image/png"},
                                                             {5, "sub/e.png", "image/jpeg"}}) {
        auto body = server.get("/bndbox/projects/photos/uuid/" + uuids[index] + "/imgsrc").json();
        ASSERT_EQ(body->getValue<int>("message"), 1) << file;
        std::string declared;
        auto bytes = dataUrlBytes(body->getValue<std::string>("img_src"), &declared);
        EXPECT_EQ(declared, type) << file;
        EXPECT_EQ(bytes, readBytes(folder / file)) << file;
    }
    // Browsers cannot show TIFF: it arrives as an upright PNG.
    auto tiff = server.get("/bndbox/projects/photos/uuid/" + uuids[3] + "/imgsrc").json();
    std::string declared;
    auto png = decodePng(dataUrlBytes(tiff->getValue<std::string>("img_src"), &declared));
    EXPECT_EQ(declared, "image/png");
    EXPECT_EQ(png.width(), 20);
}

TEST_F(ImageApiTest, ImageSourceErrorsAreJson) {
    auto& server = projects->server();
    for (const auto& path : {std::string("/bndbox/projects/nope/uuid/") + uuids[0] + "/imgsrc",
                             std::string("/bndbox/projects/photos/uuid/not-a-uuid/imgsrc")}) {
        auto result = server.get(path);
        EXPECT_EQ(result.status, 200);
        auto body = result.json();
        EXPECT_EQ(body->getValue<int>("message"), 0);
        EXPECT_TRUE(body->isNull("img_src"));
        EXPECT_FALSE(body->getValue<std::string>("error_message").empty());
    }
    fs::remove(projects->folder("photos") / "c.bmp");
    auto gone = server.get("/bndbox/projects/photos/uuid/" + uuids[2] + "/imgsrc").json();
    EXPECT_EQ(gone->getValue<int>("message"), 0);
    EXPECT_TRUE(gone->isNull("img_src"));

    // A symlink swapped in for an image, pointing out of the project, is not followed.
    const auto outside = projects->root() / "secret.png";
    writeImage(outside, ImageFormat::Png, 5, 5);
    fs::remove(projects->folder("photos") / "a.png");
    fs::create_symlink(outside, projects->folder("photos") / "a.png");
    auto escaped = server.get("/bndbox/projects/photos/uuid/" + uuids[0] + "/imgsrc").json();
    EXPECT_EQ(escaped->getValue<int>("message"), 0);
    EXPECT_TRUE(escaped->isNull("img_src"));
}

} // namespace

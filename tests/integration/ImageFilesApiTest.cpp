// Adding, deleting and renaming image files over real HTTP, hostile inputs included.
#include "ImageTestSupport.hpp"

#include "project/ImageNames.hpp"

#include <gtest/gtest.h>

#include <fmt/format.h>

namespace fs = std::filesystem;
using namespace classifai::test;

namespace {

std::string dataUrl(const std::string& bytes, const std::string& type = "image/png") {
    return "data:" + type + ";base64," + classifai::encodeBase64(bytes);
}

std::string addBody(const std::vector<std::string>& names, const std::vector<std::string>& urls) {
    std::string body = "{\"img_name_list\":[";
    for (std::size_t i = 0; i < names.size(); ++i) {
        body += (i ? "," : "") + jsonString(names[i]);
    }
    body += "],\"img_base64_list\":[";
    for (std::size_t i = 0; i < urls.size(); ++i) {
        body += (i ? "," : "") + jsonString(urls[i]);
    }
    return body + "]}";
}

std::string uuidBody(const std::vector<std::string>& uuids,
                     const std::vector<std::string>& paths = {}) {
    std::string body = "{\"uuid_list\":[";
    for (std::size_t i = 0; i < uuids.size(); ++i) {
        body += (i ? "," : "") + jsonString(uuids[i]);
    }
    body += "],\"img_path_list\":[";
    for (std::size_t i = 0; i < paths.size(); ++i) {
        body += (i ? "," : "") + jsonString(paths[i]);
    }
    return body + "]}";
}

class ImageFilesApiTest : public ::testing::Test {
protected:
    void SetUp() override {
        projects = std::make_unique<ProjectServer>(
            std::vector<std::string>{"--define=scan.maxFileBytes=2000000"});
        folder = projects->folder("shots");
        fs::create_directories(folder / "sub");
        writeImage(folder / "a.png", ImageFormat::Png, 30, 20);
        writeImage(folder / "b.jpg", ImageFormat::Jpeg, 30, 20);
        writeImage(folder / "sub" / "a.png", ImageFormat::Png, 10, 10);
        uuids = projects->createProject("shots", "bndbox");
        ASSERT_EQ(uuids.size(), 3u); // a.png, b.jpg, sub/a.png
    }

    HttpResult deleteImages(const std::string& body) {
        return projects->server().request("DELETE", "/v2/bndbox/projects/shots/uuids", body,
                                          {{"Content-Type", "application/json"}});
    }
    HttpResult rename(const std::string& uuid, const std::string& newName) {
        return projects->server().put("/v2/bndbox/projects/shots/imgsrc/rename",
                                      "{\"uuid\":" + jsonString(uuid) +
                                          ",\"new_fname\":" + jsonString(newName) + "}");
    }
    std::unique_ptr<ProjectServer> projects;
    fs::path folder;
    std::vector<std::string> uuids;
};

TEST_F(ImageFilesApiTest, AddWritesTheImagesThenReloadPicksThemUp) {
    auto& server = projects->server();
    const auto png = encodeImage(ImageFormat::Png, 12, 8);
    const auto jpeg = encodeImage(ImageFormat::Jpeg, 16, 16);
    auto added = server.put("/v2/bndbox/projects/shots/add",
                            addBody({"new one.png", "b.jpg", "a.png", "what?.jpg"},
                                    {dataUrl(png), dataUrl(jpeg, "image/jpeg"),
                                     dataUrl(readBytes(folder / "a.png")), dataUrl(jpeg)}));
    ASSERT_EQ(added.json()->getValue<int>("message"), 1) << added.body;
    auto status =
        waitFor(server, "/v2/bndbox/projects/shots/addstatus", "add_image_status", {0, 1});
    EXPECT_EQ(status->getValue<int>("add_image_status"), 0)
        << status->getValue<std::string>("add_image_message");
    EXPECT_EQ(status->getValue<std::string>("add_image_message"), "IMAGES_ADDED");
    // A different b.jpg exists: the new one gets another name; an identical a.png is skipped;
    // '?' is replaced.
    EXPECT_EQ(stringsOf(status->getArray("added_image_list")),
              (std::vector<std::string>{"new one.png", "b (1).jpg", "what_.jpg"}));
    EXPECT_EQ(readBytes(folder / "new one.png"), png);
    EXPECT_EQ(readBytes(folder / "b (1).jpg"), jpeg);
    EXPECT_NE(readBytes(folder / "b.jpg"), jpeg);

    ASSERT_EQ(server.put("/v2/bndbox/projects/shots/reload", "{}").json()->getValue<int>("message"),
              1);
    auto reloaded =
        waitFor(server, "/v2/bndbox/projects/shots/reloadstatus", "file_system_status", {3, 5});
    EXPECT_EQ(reloaded->getArray("uuid_add_list")->size(), 3u);
}

TEST_F(ImageFilesApiTest, HostileAddsAreJsonErrorsAndChangeNothing) {
    auto& server = projects->server();
    const auto before = listTree(projects->root());
    const auto png = dataUrl(encodeImage(ImageFormat::Png, 4, 4));
    const std::string big(3'000'000, 'A');
    struct Case {
        std::string body;
        std::string mentions;
    };
    const std::vector<Case> cases{
        {addBody({"../escape.png"}, {png}), "img_name_list[0]"},
        {addBody({"/tmp/absolute.png"}, {png}), "img_name_list[0]"},
        {addBody({"ok.png", "sub/inner.png"}, {png, png}), "img_name_list[1]"},
        {addBody({".hidden.png"}, {png}), "img_name_list[0]"},
        {addBody({""}, {png}), "img_name_list[0]"},
        {addBody({"x.png"}, {"data:image/png;base64,@@@@"}), "img_base64_list[0]"},
        {addBody({"x.png"}, {"data:image/png;base64,abc"}), "img_base64_list[0]"},
        {addBody({"x.png"}, {"not a data url"}), "img_base64_list[0]"},
        {addBody({"x.png"}, {"data:image/png;base64," + big}), "img_base64_list[0]"},
        {addBody({"x.png"}, {dataUrl("just some text, not an image")}), "img_base64_list[0]"},
        {addBody({"ok.png", "x.png"}, {png}), "equally long"},
        {"{\"img_name_list\":\"a.png\",\"img_base64_list\":[]}", "img_name_list"},
        {"{\"img_name_list\":[1],\"img_base64_list\":[2]}", "img_name_list[0]"},
        {"{not json", "JSON"},
    };
    for (const auto& [body, mentions] : cases) {
        auto result = server.put("/v2/bndbox/projects/shots/add", body);
        EXPECT_EQ(result.status, 400) << body.substr(0, 120);
        auto json = result.json();
        EXPECT_EQ(json->getValue<int>("message"), 0);
        EXPECT_NE(json->getValue<std::string>("error_message").find(mentions), std::string::npos)
            << json->getValue<std::string>("error_message");
    }
    EXPECT_EQ(listTree(projects->root()), before);
    EXPECT_FALSE(fs::exists("/tmp/absolute.png"));
    auto unknown = server.put("/v2/bndbox/projects/nope/add", addBody({"a.png"}, {png}));
    EXPECT_EQ(unknown.json()->getValue<std::string>("error_message"), "Project not exist");
    auto status = server.get("/v2/bndbox/projects/nope/addstatus").json();
    EXPECT_EQ(status->getValue<int>("message"), 0);
    EXPECT_EQ(status->getValue<int>("add_image_status"), 1);
    EXPECT_EQ(server.get("/api/system/health").status, 200);
}

TEST_F(ImageFilesApiTest, DeleteMovesFilesToTheTrashAndIgnoresClientPaths) {
    auto& server = projects->server();
    const auto outsider = projects->root() / "outsider.png";
    writeImage(outsider, ImageFormat::Png, 4, 4);
    auto result = deleteImages(uuidBody({uuids[0], uuids[2]}, {outsider.string()}));
    ASSERT_EQ(result.status, 200) << result.body;
    auto body = result.json();
    EXPECT_EQ(body->getValue<int>("message"), 1);
    EXPECT_EQ(stringsOf(body->getArray("uuid_list")), std::vector<std::string>{uuids[1]});
    const auto trash = folder / ".classifai_deleted_data";
    // Both were named a.png: the second gets the reference's "(1)" suffix.
    EXPECT_TRUE(fs::exists(trash / "a.png"));
    EXPECT_TRUE(fs::exists(trash / "a(1).png"));
    EXPECT_FALSE(fs::exists(folder / "a.png"));
    EXPECT_FALSE(fs::exists(folder / "sub" / "a.png"));
    EXPECT_TRUE(fs::exists(outsider));
    EXPECT_EQ(server.get("/bndbox/projects/shots/uuid/" + uuids[0] + "/thumbnail")
                  .json()
                  ->getValue<int>("message"),
              0);
    EXPECT_EQ(projects->uuids("shots", "bndbox"), std::vector<std::string>{uuids[1]});
    // A reload does not bring them back: the trash is never scanned.
    server.put("/v2/bndbox/projects/shots/reload", "{}");
    auto reloaded =
        waitFor(server, "/v2/bndbox/projects/shots/reloadstatus", "file_system_status", {3, 5});
    EXPECT_EQ(reloaded->getArray("uuid_add_list")->size(), 0u);
}

TEST_F(ImageFilesApiTest, DeleteRefusesUnknownUuidsAndMalformedBodiesChangingNothing) {
    auto& server = projects->server();
    const auto before = listTree(projects->root());
    std::vector<std::string> many;
    for (int i = 0; i < 5000; ++i) {
        many.push_back(fmt::format("00000000-0000-4000-8000-{:012d}", i));
    }
    many.push_back(uuids[0]); // one real uuid among thousands of unknown ones
    auto unknown = deleteImages(uuidBody(many));
    EXPECT_EQ(unknown.status, 200);
    EXPECT_EQ(unknown.json()->getValue<int>("message"), 0);
    EXPECT_TRUE(unknown.json()->isNull("uuid_list"));
    EXPECT_NE(unknown.json()->getValue<std::string>("error_message").find("5000 uuid(s)"),
              std::string::npos);
    for (const auto& body : {std::string("{}"), std::string("{\"uuid_list\":\"x\"}"),
                             std::string("{\"uuid_list\":[1,2]}"),
                             std::string("{\"uuid_list\":[]}"), std::string("[\"x\"]")}) {
        auto result = deleteImages(body);
        EXPECT_EQ(result.status, 400) << body;
        EXPECT_EQ(result.json()->getValue<int>("message"), 0);
    }
    EXPECT_EQ(listTree(projects->root()), before);
    EXPECT_EQ(projects->uuids("shots", "bndbox").size(), 3u);
    auto missingProject =
        server.request("DELETE", "/v2/bndbox/projects/nope/uuids", uuidBody({uuids[0]}));
    EXPECT_EQ(missingProject.json()->getValue<std::string>("error_message"), "Project not exist");
}

TEST_F(ImageFilesApiTest, DeleteTakesThousandsOfUuidsInOneRequest) {
    const auto crowd = projects->folder("crowd");
    fs::create_directories(crowd);
    const auto png = encodeImage(ImageFormat::Png, 2, 2);
    for (int i = 0; i < 2000; ++i) {
        std::ofstream(crowd / fmt::format("{:04d}.png", i), std::ios::binary) << png;
    }
    auto ids = projects->createProject("crowd", "bndbox");
    ASSERT_EQ(ids.size(), 2000u);
    std::vector<std::string> doomed(ids.begin(), ids.begin() + 1990);
    auto result =
        projects->server().request("DELETE", "/v2/bndbox/projects/crowd/uuids", uuidBody(doomed));
    ASSERT_EQ(result.json()->getValue<int>("message"), 1) << result.body.substr(0, 300);
    EXPECT_EQ(result.json()->getArray("uuid_list")->size(), 10u);
    std::size_t inTrash = 0;
    for ([[maybe_unused]] const auto& entry :
         fs::directory_iterator(crowd / ".classifai_deleted_data")) {
        ++inTrash;
    }
    EXPECT_EQ(inTrash, 1990u);
}

TEST_F(ImageFilesApiTest, RenameUsesTheReferenceResultCodesAndNeverOverwrites) {
    auto& server = projects->server();
    const auto bBytes = readBytes(folder / "b.jpg");
    auto renamed = rename(uuids[1], "car_7.png"); // the image keeps its own extension
    ASSERT_EQ(renamed.status, 200) << renamed.body;
    auto body = renamed.json();
    EXPECT_EQ(body->getValue<int>("message"), 1);
    EXPECT_EQ(body->getValue<int>("error_code"), 3);
    EXPECT_EQ(body->getValue<std::string>("error_message"), "RENAME_SUCCESS");
    EXPECT_EQ(body->getValue<std::string>("img_path"), (folder / "car_7.jpg").string());
    EXPECT_EQ(readBytes(folder / "car_7.jpg"), bBytes);
    EXPECT_FALSE(fs::exists(folder / "b.jpg"));
    auto thumbnail = server.get("/bndbox/projects/shots/uuid/" + uuids[1] + "/thumbnail").json();
    EXPECT_EQ(thumbnail->getValue<std::string>("img_path"), (folder / "car_7.jpg").string());

    // Existing target: code 1, nothing overwritten.
    writeImage(folder / "taken.jpg", ImageFormat::Jpeg, 3, 3);
    const auto taken = readBytes(folder / "taken.jpg");
    auto existsOnDisk = rename(uuids[1], "taken.jpg");
    EXPECT_EQ(existsOnDisk.json()->getValue<int>("error_code"), 1);
    EXPECT_EQ(existsOnDisk.json()->getValue<std::string>("error_message"), "Name exists");
    EXPECT_EQ(readBytes(folder / "taken.jpg"), taken);
    EXPECT_TRUE(fs::exists(folder / "car_7.jpg"));
    const auto before = listTree(projects->root());

    for (const auto& hostile :
         {std::string("../escape.jpg"), std::string("/tmp/abs.jpg"), std::string("with space.jpg"),
          std::string("a:b.jpg"), std::string(".hidden.jpg"), std::string(".jpg")}) {
        auto result = rename(uuids[1], hostile);
        EXPECT_EQ(result.status, 200) << hostile;
        auto json = result.json();
        EXPECT_EQ(json->getValue<int>("message"), 0) << hostile;
        EXPECT_EQ(json->getValue<int>("error_code"), 2) << hostile;
        EXPECT_EQ(json->getValue<std::string>("error_message"), "Contain illegal character");
        EXPECT_TRUE(json->isNull("img_path"));
    }
    EXPECT_EQ(listTree(projects->root()), before);
    EXPECT_FALSE(fs::exists("/tmp/abs.jpg"));
    EXPECT_EQ(server.get("/bndbox/projects/shots/uuid/" + uuids[1] + "/thumbnail")
                  .json()
                  ->getValue<std::string>("img_path"),
              (folder / "car_7.jpg").string());

    auto unknown = rename("00000000-0000-4000-8000-000000000000", "x.jpg").json();
    EXPECT_EQ(unknown->getValue<int>("message"), 0);
    EXPECT_EQ(unknown->getValue<int>("error_code"), 0);
    auto missingField = server.put("/v2/bndbox/projects/shots/imgsrc/rename", "{\"uuid\":\"x\"}");
    EXPECT_EQ(missingField.status, 400);
    // A file gone from disk cannot be renamed: code 0.
    fs::remove(folder / "a.png");
    EXPECT_EQ(rename(uuids[0], "z.png").json()->getValue<int>("error_code"), 0);
}

} // namespace

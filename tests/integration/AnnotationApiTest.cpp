// Saving annotations and statistics over real HTTP: validation, durability, concurrency.
#include "ImageTestSupport.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

namespace fs = std::filesystem;
using namespace classifai::test;

namespace {

std::string box(int x1, const std::string& label, const std::string& id) {
    return "{\"x1\":" + std::to_string(x1) + ",\"y1\":20,\"x2\":" + std::to_string(x1 + 50) +
           ",\"y2\":80.5,\"lineWidth\":2,\"color\":\"rgba(0,255,0,1.0)\","
           "\"distancetoImg\":{\"x\":" +
           std::to_string(x1) + ",\"y\":20},\"label\":" + jsonString(label) +
           ",\"id\":" + jsonString(id) +
           ",\"subLabel\":[{\"label\":\"red\",\"region\":\"1\"}],\"custom\":{\"k\":[1,2]}}";
}

std::string updateBody(const std::string& uuid, const std::string& list,
                       const std::string& key = "bnd_box") {
    // Shaped like the thumbnail object the front-end sends back, big string included.
    return "{\"message\":1,\"uuid\":" + jsonString(uuid) +
           ",\"project_name\":\"cars\",\"img_path\":\"/x/y.png\",\"" + key + "\":" + list +
           ",\"img_depth\":3,\"img_x\":12,\"img_y\":7.5,\"img_w\":640,\"img_h\":480,"
           "\"file_size\":0,\"img_ori_w\":320,\"img_ori_h\":240,"
           "\"img_thumbnail\":\"data:image/png;base64,AAAA\"}";
}

/// The raw JSON text of `"key":[...]` in a body (balanced brackets).
std::string rawArray(const std::string& body, const std::string& key) {
    auto start = body.find("\"" + key + "\":[");
    if (start == std::string::npos) {
        return {};
    }
    start = body.find('[', start);
    int depth = 0;
    bool inString = false;
    for (std::size_t i = start; i < body.size(); ++i) {
        char c = body[i];
        if (inString) {
            if (c == '\\') {
                ++i;
            } else if (c == '"') {
                inString = false;
            }
        } else if (c == '"') {
            inString = true;
        } else if (c == '[' || c == '{') {
            ++depth;
        } else if ((c == ']' || c == '}') && --depth == 0) {
            return body.substr(start, i - start + 1);
        }
    }
    return {};
}

class AnnotationApiTest : public ::testing::Test {
protected:
    void SetUp() override {
        projects = std::make_unique<ProjectServer>();
        const auto folder = projects->folder("cars");
        fs::create_directories(folder);
        for (int i = 0; i < 12; ++i) {
            writeImage(folder / ("img" + std::to_string(10 + i) + ".png"), ImageFormat::Png, 32,
                       24);
        }
        labels = projects->root() / "labels.txt";
        writeTextFile(labels, "car\nperson\ntruck\n");
        uuids = projects->createProject("cars", "bndbox", labels.string());
        ASSERT_EQ(uuids.size(), 12u);
    }

    HttpResult save(const std::string& uuid, const std::string& list) {
        return projects->server().put("/bndbox/projects/cars/uuid/" + uuid + "/update",
                                      updateBody(uuid, list));
    }
    std::string thumbnail(const std::string& uuid) {
        return projects->server().get("/bndbox/projects/cars/uuid/" + uuid + "/thumbnail").body;
    }

    std::unique_ptr<ProjectServer> projects;
    fs::path labels;
    std::vector<std::string> uuids;
};

TEST_F(AnnotationApiTest, SavedBoxesComeBackVerbatimWithTheGeometry) {
    const std::string list = "[" + box(10, "car", "1") + "," + box(100, "person", "2") + "]";
    auto saved = save(uuids[0], list);
    ASSERT_EQ(saved.status, 200) << saved.body;
    EXPECT_EQ(saved.json()->getValue<int>("message"), 1);
    auto body = thumbnail(uuids[0]);
    EXPECT_EQ(rawArray(body, "bnd_box"), list);
    auto json = Poco::JSON::Parser().parse(body).extract<Poco::JSON::Object::Ptr>();
    EXPECT_EQ(json->getValue<int>("img_x"), 12);
    EXPECT_DOUBLE_EQ(json->getValue<double>("img_y"), 7.5);
    EXPECT_EQ(json->getValue<int>("img_w"), 640);
    EXPECT_EQ(json->getValue<int>("img_h"), 480);
    // The client's img_ori_w / img_depth are not trusted: the file's own values stay.
    EXPECT_EQ(json->getValue<int>("img_ori_w"), 32);
    EXPECT_EQ(json->getValue<int>("img_ori_h"), 24);
}

TEST_F(AnnotationApiTest, SavedAnnotationsSurviveARestartByteForByte) {
    const std::string list = "[" + box(10, "car", "a") + "," + box(33, "truck", "b") + "]";
    ASSERT_EQ(save(uuids[3], list).json()->getValue<int>("message"), 1);
    const auto before = rawArray(thumbnail(uuids[3]), "bnd_box");
    projects->restart();
    EXPECT_EQ(rawArray(thumbnail(uuids[3]), "bnd_box"), before);
    EXPECT_EQ(before, list);
}

TEST_F(AnnotationApiTest, InvalidSavesAreRefusedNamingTheFieldAndChangeNothing) {
    const std::string good = "[" + box(10, "car", "1") + "]";
    ASSERT_EQ(save(uuids[1], good).json()->getValue<int>("message"), 1);
    auto& server = projects->server();
    const std::string path = "/bndbox/projects/cars/uuid/" + uuids[1] + "/update";
    struct Case {
        std::string body;
        std::string field;
    };
    for (const auto& [body, field] : std::vector<Case>{
             {updateBody(uuids[1], "[{\"x1\":\"ten\",\"y1\":1,\"x2\":2,\"y2\":3}]"), "x1"},
             {updateBody(uuids[1], "{\"x1\":1}"), "bnd_box"},
             {"{\"uuid\":" + jsonString(uuids[1]) + "}", "bnd_box"},
             {updateBody(uuids[1], "[]")
                  .replace(updateBody(uuids[1], "[]").find("12"), 2, "\"12\""),
              "img_x"},
             {updateBody(uuids[2], good), "uuid"},
         }) {
        auto result = server.put(path, body);
        EXPECT_EQ(result.status, 400) << body;
        auto json = result.json();
        EXPECT_EQ(json->getValue<int>("message"), 0);
        EXPECT_NE(json->getValue<std::string>("error_message").find(field), std::string::npos)
            << json->getValue<std::string>("error_message");
    }
    for (const auto& body : {std::string("{not json"), std::string("[1]")}) {
        EXPECT_EQ(server.put(path, body).status, 400);
    }
    EXPECT_EQ(rawArray(thumbnail(uuids[1]), "bnd_box"), good);

    auto unknownUuid =
        server.put("/bndbox/projects/cars/uuid/00000000-0000-4000-8000-000000000000/update",
                   updateBody("00000000-0000-4000-8000-000000000000", good));
    EXPECT_EQ(unknownUuid.status, 200);
    EXPECT_EQ(unknownUuid.json()->getValue<int>("message"), 0);
    EXPECT_NE(unknownUuid.json()
                  ->getValue<std::string>("errorMessage")
                  .find("Failure in updating database for BOUNDINGBOX project: cars"),
              std::string::npos);
    auto unknownProject = server.put("/bndbox/projects/nope/uuid/" + uuids[1] + "/update",
                                     updateBody(uuids[1], good));
    EXPECT_EQ(unknownProject.json()->getValue<std::string>("error_message"), "Project not exist");
}

TEST_F(AnnotationApiTest, ConcurrentSavesOnOneProjectLoseNothing) {
    constexpr int kRounds = 15;
    std::atomic<int> failures{0};
    std::vector<std::thread> writers;
    // One writer per image, all at once, each saving a growing list; plus two writers racing
    // on the same image.
    for (std::size_t i = 0; i < uuids.size(); ++i) {
        writers.emplace_back([&, i] {
            for (int round = 1; round <= kRounds; ++round) {
                std::string list = "[";
                for (int k = 0; k < round; ++k) {
                    list +=
                        (k ? "," : "") + box(k, "car", std::to_string(i) + "-" + std::to_string(k));
                }
                list += "]";
                auto result = save(uuids[i], list);
                if (result.status != 200 || result.json()->getValue<int>("message") != 1) {
                    ++failures;
                }
            }
        });
    }
    for (auto& writer : writers) {
        writer.join();
    }
    EXPECT_EQ(failures.load(), 0);
    for (std::size_t i = 0; i < uuids.size(); ++i) {
        auto list = Poco::JSON::Parser()
                        .parse(thumbnail(uuids[i]))
                        .extract<Poco::JSON::Object::Ptr>()
                        ->getArray("bnd_box");
        ASSERT_EQ(list->size(), static_cast<std::size_t>(kRounds)) << i;
        EXPECT_EQ(list->getObject(kRounds - 1)->getValue<std::string>("id"),
                  std::to_string(i) + "-" + std::to_string(kRounds - 1));
    }
    auto statistic = projects->server().get("/v2/bndbox/projects/cars/statistic").json();
    EXPECT_EQ(statistic->getValue<int>("labeled_image"), 12);
    EXPECT_EQ(
        statistic->getArray("label_per_class_in_project")->getObject(0)->getValue<int>("count"),
        12 * kRounds);
}

TEST_F(AnnotationApiTest, StatisticsCountImagesAndLabelsIncludingUnusedOnes) {
    save(uuids[0], "[" + box(1, "car", "1") + "," + box(2, "car", "2") + "]");
    save(uuids[1], "[" + box(1, "person", "3") + "," + box(2, "dog", "4") + "]");
    auto result = projects->server().get("/v2/bndbox/projects/cars/statistic");
    auto body = result.json();
    EXPECT_EQ(body->getValue<int>("message"), 1);
    EXPECT_EQ(body->getValue<int>("labeled_image"), 2);
    EXPECT_EQ(body->getValue<int>("unlabeled_image"), 10);
    auto perClass = body->getArray("label_per_class_in_project");
    std::vector<std::pair<std::string, int>> counts;
    for (std::size_t i = 0; i < perClass->size(); ++i) {
        auto item = perClass->getObject(static_cast<unsigned>(i));
        counts.emplace_back(item->getValue<std::string>("label"), item->getValue<int>("count"));
    }
    EXPECT_EQ(counts, (std::vector<std::pair<std::string, int>>{
                          {"car", 2}, {"person", 1}, {"truck", 0}, {"dog", 1}}));

    auto missing = projects->server().get("/v2/bndbox/projects/nope/statistic").json();
    EXPECT_EQ(missing->getValue<int>("message"), 0);
    EXPECT_EQ(missing->getArray("label_per_class_in_project")->size(), 0u);
}

TEST_F(AnnotationApiTest, PolygonsWithSubLabelObjectsAreSavedForSegProjects) {
    const auto folder = projects->folder("roads");
    fs::create_directories(folder);
    writeImage(folder / "r.jpg", ImageFormat::Jpeg, 64, 48);
    auto ids = projects->createProject("roads", "seg", labels.string());
    ASSERT_EQ(ids.size(), 1u);
    const std::string polygon =
        "[{\"coorPt\":[{\"x\":1,\"y\":2,\"distancetoImg\":{\"x\":1,\"y\":2}},{\"x\":30,\"y\":2,"
        "\"distancetoImg\":{\"x\":30,\"y\":2}},{\"x\":15.5,\"y\":40,\"distancetoImg\":{\"x\":15,"
        "\"y\":40}}],\"lineWidth\":2,\"color\":\"rgba(0,255,0,1.0)\",\"region\":\"1\","
        "\"subLabel\":[{\"label\":\"wet\",\"region\":\"1\"}],\"label\":\"truck\",\"id\":\"p1\"}]";
    auto result = projects->server().put("/seg/projects/roads/uuid/" + ids[0] + "/update",
                                         updateBody(ids[0], polygon, "polygons"));
    ASSERT_EQ(result.json()->getValue<int>("message"), 1) << result.body;
    auto body = projects->server().get("/seg/projects/roads/uuid/" + ids[0] + "/thumbnail").body;
    EXPECT_EQ(rawArray(body, "polygons"), polygon);
    EXPECT_EQ(body.find("\"bnd_box\""), std::string::npos);
    // A bounding box list is not a polygon list.
    auto wrong =
        projects->server().put("/seg/projects/roads/uuid/" + ids[0] + "/update",
                               updateBody(ids[0], "[" + box(1, "car", "1") + "]", "polygons"));
    EXPECT_EQ(wrong.status, 400);
    EXPECT_NE(wrong.json()->getValue<std::string>("error_message").find("coorPt"),
              std::string::npos)
        << wrong.body;
}

} // namespace

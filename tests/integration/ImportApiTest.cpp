// Import of classifai configuration files through the real server: a file written by hand in
// the original classifai's format (reference section 7.1), a name collision, a missing image, and
// malformed or hostile files that must abort with a reason and change nothing.
#include "support/ServerProcess.hpp"

#include "../support/ImageFactory.hpp"
#include "store/Database.hpp"
#include "store/ImageStore.hpp"
#include "store/ProjectStore.hpp"

#include <Poco/Base64Encoder.h>
#include <Poco/DigestStream.h>
#include <Poco/JSON/Array.h>
#include <Poco/SHA2Engine.h>

#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <thread>

using classifai::test::ImageFormat;
using classifai::test::ServerProcess;
using classifai::test::TempDir;

namespace {

namespace fs = std::filesystem;

std::string sha256Base64(const fs::path& file) {
    std::ifstream in(file, std::ios::binary);
    Poco::SHA2Engine engine(Poco::SHA2Engine::SHA_256);
    Poco::DigestOutputStream digest(engine);
    digest << in.rdbuf();
    digest.close();
    const auto& bytes = engine.digest();
    std::ostringstream text;
    Poco::Base64Encoder encoder(text);
    encoder.write(reinterpret_cast<const char*>(bytes.data()),
                  static_cast<std::streamsize>(bytes.size()));
    encoder.close();
    return text.str();
}

void replaceAll(std::string& text, const std::string& from, const std::string& to) {
    for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
        text.replace(at, from.size(), to);
    }
}

// Written by hand from the reference's section 7.1 (Jackson's pretty printer: two spaces,
// " : "), with a third image whose file is missing. CHECKSUM_1 is replaced by the real hash of
// 1.jpg; 2.png keeps an illustrative one, as if the file had changed since the export.
const char* kBoundingBoxConfig = R"json({
  "tool" : "classifai",
  "tool_version" : "2.0.0-alpha3",
  "updated_date" : "2021/12/16 03:15:02 PM",
  "project_id" : "3f2a9c1e-7b4d-4e0a-9a51-2c7d9e8b6f10",
  "project_name" : "helloworld",
  "annotation_type" : "boundingbox",
  "project_path" : "/Users/johndoe/Desktop/cars",
  "is_new" : false,
  "is_starred" : true,
  "project_infra" : "on_premise",
  "current_version" : "{version_uuid:6c1e0a3e-3a7b-4f4e-9d5e-2b1f0c9a7d11,created_date:2021/12/16 03:00:00 PM,last_modified_date:2021/12/16 03:10:11 PM,next_version_uuid:null}",
  "project_version" : "[{version_uuid:6c1e0a3e-3a7b-4f4e-9d5e-2b1f0c9a7d11,created_date:2021/12/16 03:00:00 PM,last_modified_date:2021/12/16 03:00:00 PM,next_version_uuid:null}]",
  "uuid_version_list" : "[{6c1e0a3e-3a7b-4f4e-9d5e-2b1f0c9a7d11:[a1f94c2e-0d55-4c1b-9a0e-7f3b2d1c8e44, 0b7d2e19-5c3a-4f8e-8d21-6e4a9b3c2f10, 9d0c2a11-3b4e-4f5a-8c6d-7e8f9a0b1c2d]}]",
  "label_version_list" : "[{6c1e0a3e-3a7b-4f4e-9d5e-2b1f0c9a7d11:[car, person]}]",
  "content" : {
    "a1f94c2e-0d55-4c1b-9a0e-7f3b2d1c8e44" : {
      "checksum" : "CHECKSUM_1",
      "img_path" : "1.jpg",
      "version_list" : [ {
        "version_uuid" : "6c1e0a3e-3a7b-4f4e-9d5e-2b1f0c9a7d11",
        "annotation_data" : {
          "annotation" : [ {
            "x1" : 120,
            "y1" : 80,
            "x2" : 260,
            "y2" : 190,
            "lineWidth" : 2,
            "color" : "rgba(0,255,0,1.0)",
            "distancetoImg" : {
              "x" : 40,
              "y" : 30
            },
            "label" : "car",
            "id" : "1639637402123"
          } ],
          "img_x" : 80,
          "img_y" : 50,
          "img_w" : 800,
          "img_h" : 600
        }
      } ],
      "img_depth" : 3,
      "img_ori_w" : 1024,
      "img_ori_h" : 768,
      "file_size" : 0
    },
    "0b7d2e19-5c3a-4f8e-8d21-6e4a9b3c2f10" : {
      "checksum" : "Zp3y1Xo9bq8Ww2Vd6Ck4Nn0Rs7Tu5Ym1Lh8Gf2Ed3A=",
      "img_path" : "sub\\2.png",
      "version_list" : [ {
        "version_uuid" : "6c1e0a3e-3a7b-4f4e-9d5e-2b1f0c9a7d11",
        "annotation_data" : {
          "annotation" : [ ],
          "img_x" : 0,
          "img_y" : 0,
          "img_w" : 0,
          "img_h" : 0
        }
      } ],
      "img_depth" : 0,
      "img_ori_w" : 0,
      "img_ori_h" : 0,
      "file_size" : 0
    },
    "9d0c2a11-3b4e-4f5a-8c6d-7e8f9a0b1c2d" : {
      "checksum" : null,
      "img_path" : "gone/3.jpg",
      "version_list" : [ {
        "version_uuid" : "6c1e0a3e-3a7b-4f4e-9d5e-2b1f0c9a7d11",
        "annotation_data" : {
          "annotation" : [ {
            "x1" : 10,
            "y1" : 20,
            "x2" : 30,
            "y2" : 40,
            "lineWidth" : 2,
            "color" : "rgba(255,0,0,1.0)",
            "distancetoImg" : {
              "x" : 5,
              "y" : 6
            },
            "label" : "person",
            "id" : "1639637402999"
          } ],
          "img_x" : 10,
          "img_y" : 10,
          "img_w" : 640,
          "img_h" : 480
        }
      } ],
      "img_depth" : 3,
      "img_ori_w" : 640,
      "img_ori_h" : 480,
      "file_size" : 0
    }
  }
})json";

// A segmentation project as the reference exports it (section 5.4's polygon).
const char* kSegmentationConfig = R"json({
  "tool" : "classifai",
  "tool_version" : "2.0.0-alpha3",
  "updated_date" : "2021/12/16 04:00:00 PM",
  "project_id" : "5d6e7f80-1a2b-4c3d-8e9f-0a1b2c3d4e5f",
  "project_name" : "roads",
  "annotation_type" : "segmentation",
  "project_path" : "C:\\Users\\johndoe\\roads",
  "is_new" : true,
  "is_starred" : false,
  "project_infra" : "on_premise",
  "current_version" : "{version_uuid:11111111-2222-4333-8444-555555555555,created_date:2021/12/16 03:30:00 PM,last_modified_date:2021/12/16 03:40:00 PM,next_version_uuid:null}",
  "project_version" : "[{version_uuid:11111111-2222-4333-8444-555555555555,created_date:2021/12/16 03:30:00 PM,last_modified_date:2021/12/16 03:30:00 PM,next_version_uuid:null}]",
  "uuid_version_list" : "[{11111111-2222-4333-8444-555555555555:[c0ffee00-0000-4000-8000-000000000001]}]",
  "label_version_list" : "[{11111111-2222-4333-8444-555555555555:[road]}]",
  "content" : {
    "c0ffee00-0000-4000-8000-000000000001" : {
      "checksum" : null,
      "img_path" : "street.png",
      "version_list" : [ {
        "version_uuid" : "11111111-2222-4333-8444-555555555555",
        "annotation_data" : {
          "annotation" : [ {
            "coorPt" : [ {
              "x" : 100,
              "y" : 90,
              "distancetoImg" : { "x" : 20, "y" : 40 }
            }, {
              "x" : 180,
              "y" : 95,
              "distancetoImg" : { "x" : 100, "y" : 45 }
            }, {
              "x" : 150,
              "y" : 160,
              "distancetoImg" : { "x" : 70, "y" : 110 }
            } ],
            "lineWidth" : 2,
            "color" : "rgba(0,255,0,1.0)",
            "region" : "1",
            "subLabel" : [ ],
            "label" : "road",
            "id" : "1639637410001"
          } ],
          "img_x" : 80,
          "img_y" : 50,
          "img_w" : 400,
          "img_h" : 300
        }
      } ],
      "img_depth" : 3,
      "img_ori_w" : 64,
      "img_ori_h" : 48,
      "file_size" : 0
    }
  }
})json";

class ImportApiTest : public ::testing::Test {
protected:
    void SetUp() override {
        _folder = _root.path() / "cars";
        fs::create_directories(_folder / "sub");
        classifai::test::writeImage(_folder / "1.jpg", ImageFormat::Jpeg, 64, 48);
        classifai::test::writeImage(_folder / "sub/2.png", ImageFormat::Png, 32, 24);
        classifai::test::writeImage(_folder / "street.png", ImageFormat::Png, 64, 48);
        _config = _folder / "project.json";
    }

    std::vector<std::string> args() const {
        return {"--define=files.roots=" + _root.path().string(), "--define=dialog.backend=headless",
                "--define=dialog.headless.configfile=" + _config.string()};
    }

    void writeConfig(const std::string& text) const { std::ofstream(_config) << text; }

    std::string referenceConfig() const {
        std::string text = kBoundingBoxConfig;
        replaceAll(text, "CHECKSUM_1", sha256Base64(_folder / "1.jpg"));
        return text;
    }

    // PUT /v2/projects {"status":"config"} as the front-end does, then poll until 3 or 5.
    static Poco::JSON::Object::Ptr runImport(const ServerProcess& server) {
        auto started = server.put("/v2/projects", R"({"status":"config"})");
        EXPECT_EQ(started.body, R"({"message":1})");
        auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
        Poco::JSON::Object::Ptr body;
        while (std::chrono::steady_clock::now() < deadline) {
            body = server.get("/v2/bndbox/projects/importstatus").json();
            auto status = body->getValue<int>("file_system_status");
            if (status == 3 || status == 5) {
                return body;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        ADD_FAILURE() << "import did not end";
        return body;
    }

    static std::vector<std::string> strings(const Poco::JSON::Array::Ptr& array) {
        std::vector<std::string> items;
        for (std::size_t i = 0; array && i < array->size(); ++i) {
            items.push_back(array->getElement<std::string>(static_cast<unsigned>(i)));
        }
        return items;
    }

    TempDir _root;
    fs::path _folder;
    fs::path _config;
};

TEST_F(ImportApiTest, ReferenceFileYieldsTheSameProjectLabelsAndAnnotations) {
    writeConfig(referenceConfig());
    ServerProcess server(args());
    auto status = runImport(server);
    ASSERT_EQ(status->getValue<int>("file_system_status"), 3)
        << status->getValue<std::string>("error_message") << "\n"
        << server.log();
    EXPECT_EQ(status->getValue<std::string>("file_system_message"), "DATABASE_UPDATED");
    EXPECT_EQ(status->getValue<std::string>("project_name"), "helloworld");
    EXPECT_EQ(strings(status->getArray("missing_image_list")),
              std::vector<std::string>{(_folder / "gone/3.jpg").string()});
    EXPECT_EQ(strings(status->getArray("changed_image_list")),
              std::vector<std::string>{(_folder / "sub/2.png").string()});
    EXPECT_TRUE(strings(status->getArray("unsupported_image_list")).empty());

    // The project list: the file's folder, the star, new again.
    auto meta = server.get("/bndbox/projects/helloworld/meta").json();
    ASSERT_EQ(meta->getValue<int>("message"), 1) << server.log();
    auto project = meta->getArray("content")->getObject(0);
    EXPECT_EQ(project->getValue<std::string>("project_path"), _folder.string());
    EXPECT_TRUE(project->getValue<bool>("is_starred"));
    EXPECT_TRUE(project->getValue<bool>("is_new"));
    EXPECT_EQ(project->getValue<std::string>("current_version"),
              "6c1e0a3e-3a7b-4f4e-9d5e-2b1f0c9a7d11");
    EXPECT_EQ(project->getValue<std::string>("created_date").substr(0, 10), "2021/12/16");

    // Opening it shows the labels and the two images whose files are here.
    EXPECT_EQ(server.get("/bndbox/projects/helloworld").body, R"({"message":1})");
    Poco::JSON::Object::Ptr loaded;
    for (int i = 0; i < 200; ++i) {
        loaded = server.get("/bndbox/projects/helloworld/loadingstatus").json();
        if (loaded->getValue<int>("message") == 2) {
            break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ASSERT_EQ(loaded->getValue<int>("message"), 2);
    EXPECT_EQ(strings(loaded->getArray("label_list")), (std::vector<std::string>{"car", "person"}));
    EXPECT_EQ(loaded->getArray("uuid_list")->size(), 2u);
    ASSERT_EQ(server.stop(), 0);

    // What was stored: every image with its annotations, the missing one included, so its
    // annotations come back with the file.
    classifai::Database database({"SQLite", (server.dataDir() / "classifai.db").string()});
    classifai::ProjectStore projects(database);
    classifai::ImageStore images(database);
    auto row = projects.findByName("bndbox", "helloworld");
    ASSERT_TRUE(row);
    // The file's id is kept while no project has it (so export and re-import round-trip).
    EXPECT_EQ(row->id, "3f2a9c1e-7b4d-4e0a-9a51-2c7d9e8b6f10");
    auto stored = images.listByProject(row->id);
    ASSERT_EQ(stored.size(), 3u);
    EXPECT_EQ(stored[0].relPath, "1.jpg");
    EXPECT_EQ(stored[0].width, 64); // measured, not copied from the file
    EXPECT_NE(stored[0].annotation.find(R"("x1":120)"), std::string::npos) << stored[0].annotation;
    EXPECT_NE(stored[0].annotation.find(R"("label":"car")"), std::string::npos);
    EXPECT_NE(stored[0].annotation.find(R"("distancetoImg":{"x":40,"y":30})"), std::string::npos);
    EXPECT_NE(stored[0].annotation.find(R"("img_w":800)"), std::string::npos);
    EXPECT_EQ(stored[1].relPath, "gone/3.jpg");
    EXPECT_NE(stored[1].annotation.find(R"("label":"person")"), std::string::npos);
    EXPECT_EQ(stored[1].width, 640);
    EXPECT_EQ(stored[2].relPath, "sub/2.png");
    EXPECT_NE(stored[2].annotation.find(R"("annotation":[])"), std::string::npos);
}

TEST_F(ImportApiTest, NameCollisionRenamesAndSaysSo) {
    writeConfig(referenceConfig());
    ServerProcess server(args());
    ASSERT_EQ(runImport(server)->getValue<int>("file_system_status"), 3);
    // The second import finds the file's project and image ids in use: it must draw fresh ones
    // (reusing them would break the primary keys and abort the import).
    auto second = runImport(server);
    ASSERT_EQ(second->getValue<int>("file_system_status"), 3) << server.log();
    auto name = second->getValue<std::string>("project_name");
    EXPECT_TRUE(std::regex_match(name, std::regex("[a-z]+_[a-z_]+"))) << name;
    EXPECT_NE(name, "helloworld");
    EXPECT_EQ(second->getValue<std::string>("rename_message"),
              "Name Overlapped. Rename as " + name + ".");
    EXPECT_EQ(second->getValue<std::string>("original_project_name"), "helloworld");
    auto list = server.get("/bndbox/projects/meta").json()->getArray("content");
    EXPECT_EQ(list->size(), 2u);
    // A project of the other type may have the same name.
    EXPECT_EQ(server.get("/seg/projects/meta").json()->getArray("content")->size(), 0u);
}

TEST_F(ImportApiTest, SegmentationPolygons) {
    writeConfig(kSegmentationConfig);
    ServerProcess server(args());
    auto status = runImport(server);
    ASSERT_EQ(status->getValue<int>("file_system_status"), 3)
        << status->getValue<std::string>("error_message");
    EXPECT_EQ(status->getValue<std::string>("project_name"), "roads");
    EXPECT_TRUE(strings(status->getArray("missing_image_list")).empty());
    auto meta = server.get("/seg/projects/roads/meta").json();
    ASSERT_EQ(meta->getValue<int>("message"), 1);
    EXPECT_EQ(meta->getArray("content")->getObject(0)->getValue<int>("total_uuid"), 1);
    EXPECT_EQ(server.get("/bndbox/projects/roads/meta").json()->getValue<int>("message"), 0);
    ASSERT_EQ(server.stop(), 0);
    classifai::Database database({"SQLite", (server.dataDir() / "classifai.db").string()});
    auto row = classifai::ProjectStore(database).findByName("seg", "roads");
    ASSERT_TRUE(row);
    EXPECT_EQ(row->labels, std::vector<std::string>{"road"});
    auto stored = classifai::ImageStore(database).listByProject(row->id);
    ASSERT_EQ(stored.size(), 1u);
    EXPECT_NE(stored[0].annotation.find(R"("coorPt":[{"x":100,"y":90)"), std::string::npos)
        << stored[0].annotation;
    EXPECT_NE(stored[0].annotation.find(R"("region":"1")"), std::string::npos);
}

TEST_F(ImportApiTest, MalformedAndHostileFilesAbortWithAReasonAndChangeNothing) {
    ServerProcess server(args());
    writeConfig(referenceConfig());
    ASSERT_EQ(runImport(server)->getValue<int>("file_system_status"), 3);
    const auto before = server.get("/bndbox/projects/meta").body;

    const std::string good = referenceConfig();
    auto variant = [&](const std::string& from, const std::string& to) {
        std::string text = good;
        EXPECT_NE(text.find(from), std::string::npos) << from;
        replaceAll(text, from, to);
        return text;
    };
    std::string hugeVersions = R"("version_list" : [)";
    for (int i = 0; i < 100000; ++i) {
        hugeVersions += i ? ",{}" : "{}";
    }
    std::string manyBoxes = R"("annotation" : [)";
    for (int i = 0; i < 10001; ++i) {
        manyBoxes += std::string(i ? "," : "") + R"({"x1":1,"y1":2,"x2":3,"y2":4,"label":"car"})";
    }
    manyBoxes += "], \"unused\" : [";
    const std::vector<std::pair<std::string, std::string>> cases{
        {"{ not json", "not valid JSON"},
        {variant(R"("project_name" : "helloworld")", R"("project_name" : 5)"),
         "project_name must be a string, not a number"},
        {variant(R"("is_starred" : true)", R"("is_starred" : "true")"),
         "is_starred must be a boolean"},
        {variant(R"("img_path" : "1.jpg")", R"("img_path" : "../../etc/passwd")"),
         "must not contain '..'"},
        {variant(R"("img_path" : "1.jpg")", R"("img_path" : "/etc/passwd")"), "not absolute"},
        {variant(R"("img_path" : "1.jpg")", R"("img_path" : "C:\\Windows\\win.ini")"),
         "not a drive path"},
        {variant(R"("tool" : "classifai")", R"("tool" : "labelme")"), "expected \"classifai\""},
        {variant(R"("annotation_type" : "boundingbox")", R"("annotation_type" : "keypoints")"),
         "annotation_type \"keypoints\" is not known here"},
        {variant(R"("version_list" : [)", hugeVersions + ","),
         "version_list has 100001 entries, at most 64"},
        {variant(R"("annotation" : [ {
            "x1" : 120,)",
                 manyBoxes + R"( {
            "x1" : 120,)"),
         "the annotations of 1.jpg are invalid"},
        {variant(R"("x2" : 260,)", R"("x2" : "wide",)"), "the annotations of 1.jpg are invalid"},
        {variant(R"("content" : {)", R"("content" : [ ], "ignored" : {)"),
         "content must be an object, not an array"},
    };
    for (const auto& [text, reason] : cases) {
        writeConfig(text);
        auto status = runImport(server);
        EXPECT_EQ(status->getValue<int>("file_system_status"), 5) << reason;
        EXPECT_EQ(status->getValue<std::string>("file_system_message"), "ABORTED");
        EXPECT_NE(status->getValue<std::string>("error_message").find(reason), std::string::npos)
            << "expected '" << reason
            << "' in: " << status->getValue<std::string>("error_message").substr(0, 300);
        EXPECT_FALSE(status->has("project_name"));
    }
    EXPECT_EQ(server.get("/bndbox/projects/meta").body, before);
    EXPECT_EQ(server.get("/seg/projects/meta").json()->getArray("content")->size(), 0u);
    EXPECT_EQ(server.get("/api/system/health").status, 200);
    ASSERT_EQ(server.stop(), 0);
    classifai::Database database({"SQLite", (server.dataDir() / "classifai.db").string()});
    EXPECT_EQ(classifai::ProjectStore(database).listByType("bndbox").size(), 1u);
}

TEST_F(ImportApiTest, ASymlinkLeadingOutOfTheFolderIsNotImported) {
    TempDir elsewhere;
    classifai::test::writeImage(elsewhere.path() / "secret.jpg", ImageFormat::Jpeg, 16, 16);
    fs::create_symlink(elsewhere.path() / "secret.jpg", _folder / "escape.jpg");
    std::string text = referenceConfig();
    replaceAll(text, R"("img_path" : "gone/3.jpg")", R"("img_path" : "escape.jpg")");
    writeConfig(text);
    ServerProcess server(args());
    auto status = runImport(server);
    ASSERT_EQ(status->getValue<int>("file_system_status"), 3) << server.log();
    EXPECT_EQ(strings(status->getArray("unsupported_image_list")),
              std::vector<std::string>{(_folder / "escape.jpg").string()});
    EXPECT_TRUE(strings(status->getArray("missing_image_list")).empty());
    auto meta = server.get("/bndbox/projects/helloworld/meta").json();
    EXPECT_EQ(meta->getArray("content")->getObject(0)->getValue<int>("total_uuid"), 2);
}

TEST_F(ImportApiTest, FilesOutsideTheRootsAreRefused) {
    TempDir elsewhere;
    const auto outside = elsewhere.path() / "project.json";
    std::ofstream(outside) << referenceConfig();
    ServerProcess server({"--define=files.roots=" + _root.path().string(),
                          "--define=dialog.backend=headless",
                          "--define=dialog.headless.configfile=" + outside.string()});
    auto status = runImport(server);
    EXPECT_EQ(status->getValue<int>("file_system_status"), 5);
    EXPECT_NE(status->getValue<std::string>("error_message").find("outside the folders"),
              std::string::npos)
        << status->getValue<std::string>("error_message");
    EXPECT_EQ(server.get("/bndbox/projects/meta").json()->getArray("content")->size(), 0u);
}

} // namespace

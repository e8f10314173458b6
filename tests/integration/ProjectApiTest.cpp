// Project API over real HTTP on real image folders: create, create status, errors, meta, routes.
#include "ProjectTestSupport.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <optional>
#include <string>
#include <thread>
#include <vector>

using namespace classifai::test;
using namespace classifai::test::projects;

namespace {

class ProjectApiTest : public ProjectServerTest {};

TEST_F(ProjectApiTest, CreateScansTheFolderAndReportsOnlyBrokenImagesAsUnsupported) {
    auto folder = writeSampleFolder(roots / "cars");
    auto before = snapshotFiles(folder.root);

    auto created = server->put("/v2/projects",
                               createBody("cars", "boundingbox", folder.root.string(), "", "raw"));
    expectOk(created);

    std::vector<int> seen;
    auto status = waitForCreate(*server, "bndbox", "cars", &seen);
    ASSERT_FALSE(seen.empty());
    EXPECT_GE(seen.front(), 1) << "the project exists as soon as the create request answered";
    EXPECT_TRUE(std::is_sorted(seen.begin(), seen.end()));
    expectInt(status, "message", 1);
    expectInt(status, "file_system_status", 3);
    expectString(status, "file_system_message", "DATABASE_UPDATED");
    // The corrupt .jpg and the text file named .png, with absolute paths; not notes.txt.
    EXPECT_EQ(sorted(stringList(status, "unsupported_image_list")), folder.unsupported);
    EXPECT_FALSE(status->has("error_message"));

    // Polling again after the end keeps answering 3 with the same list.
    auto again = parse(server->get("/v2/bndbox/projects/cars"));
    expectInt(again, "file_system_status", 3);
    EXPECT_EQ(sorted(stringList(again, "unsupported_image_list")), folder.unsupported);

    // Every valid image counts, nested ones and the EXIF-rotated JPEG included.
    auto meta = projectMeta(*server, "bndbox", "cars");
    expectInt(meta, "total_uuid", static_cast<long long>(folder.images.size()));
    auto opened = openProject(*server, "bndbox", "cars");
    EXPECT_EQ(stringList(opened, "uuid_list").size(), folder.images.size());

    // The scan reads the folder and never writes into it.
    EXPECT_EQ(snapshotFiles(folder.root), before);
}

TEST_F(ProjectApiTest, CreateStatusOfALargerFolderMovesForwardWithProgressUntilDone) {
    const auto root = roots / "many";
    for (int folder = 0; folder < 6; ++folder) {
        std::filesystem::create_directories(root / ("part" + std::to_string(folder)));
        for (int i = 0; i < 50; ++i) {
            writeImage(root / ("part" + std::to_string(folder)) /
                           ("img" + std::to_string(i) + ".png"),
                       ImageFormat::Png, 16, 12);
        }
    }
    expectOk(server->put("/v2/projects", createBody("many", "bndbox", root.string())));
    // A second click on Create while the first is still scanning is refused.
    expectFailure(server->put("/v2/projects", createBody("many", "bndbox", root.string())), 200,
                  "Project name exist: many.");
    std::vector<int> seen;
    const std::string path = "/v2/bndbox/projects/many";
    auto deadline = std::chrono::steady_clock::now() + kPollTimeout;
    while (true) {
        auto body = parse(server->get(path));
        ASSERT_TRUE(body->get("file_system_status").isInteger())
            << body->get("file_system_status").toString();
        int status = body->getValue<int>("file_system_status");
        ASSERT_TRUE(seen.empty() || status >= seen.back()) << "went back to " << status;
        seen.push_back(status);
        expectInt(body, "message", 1);
        if (status == 3) {
            EXPECT_EQ(stringList(body, "unsupported_image_list"), std::vector<std::string>{});
            break;
        }
        ASSERT_TRUE(status == 1 || status == 2) << "unexpected status " << status;
        EXPECT_FALSE(body->has("unsupported_image_list"));
        if (body->has("progress")) {
            auto progress = body->getArray("progress");
            ASSERT_EQ(progress->size(), 2U);
            EXPECT_TRUE(progress->get(0).isInteger());
            EXPECT_LE(progress->getElement<long long>(0), progress->getElement<long long>(1));
        }
        ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "still at " << status;
        std::this_thread::sleep_for(kPollInterval);
    }
    expectInt(projectMeta(*server, "bndbox", "many"), "total_uuid", 300);
}

TEST_F(ProjectApiTest, NamesWithSpacesAndNonAsciiLettersWorkThroughEncodedPaths) {
    auto folder = writeSampleFolder(roots / "unicode");
    const std::string name = "my caf\xc3\xa9 photos (2021)";
    createProject(*server, name, "boundingbox", folder.root);
    EXPECT_EQ(listedNames(*server, "bndbox"), std::vector<std::string>{name});
    expectString(projectMeta(*server, "bndbox", name), "project_name", name);
    EXPECT_EQ(stringList(openProject(*server, "bndbox", name), "uuid_list").size(), 8U);
    expectOk(server->request("DELETE", "/bndbox/projects/" + segment(name), "{}",
                             {{"Content-Type", "application/json"}}));
    EXPECT_EQ(metaList(*server, "bndbox")->size(), 0U);
}

TEST_F(ProjectApiTest, CreateAcceptsTheFrontEndAndPathSpellingsOfBothTypes) {
    auto folder = writeSampleFolder(roots / "shared");
    struct Case {
        std::string name;
        std::string annotationType;
        std::optional<std::string> status;
        std::string listedUnder;
    };
    const std::vector<Case> cases{
        {"ui-box", "boundingbox", "raw", "bndbox"},
        {"upper-box", "BoundingBox", "RAW", "bndbox"},
        {"path-box", "bndbox", std::nullopt, "bndbox"},
        {"ui-seg", "segmentation", "raw", "seg"},
        {"path-seg", "seg", std::nullopt, "seg"},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.name);
        expectOk(server->put("/v2/projects", createBody(c.name, c.annotationType,
                                                        folder.root.string(), "", c.status)));
        auto status = waitForCreate(*server, c.listedUnder, c.name);
        expectInt(status, "file_system_status", 3);
    }
    EXPECT_EQ(listedNames(*server, "bndbox"),
              (std::vector<std::string>{"path-box", "ui-box", "upper-box"}));
    EXPECT_EQ(listedNames(*server, "seg"), (std::vector<std::string>{"path-seg", "ui-seg"}));
}

TEST_F(ProjectApiTest, CreateStatusOfAnUnknownProjectSaysSo) {
    auto result = server->get("/v2/bndbox/projects/nobody");
    EXPECT_EQ(result.status, 200);
    auto body = parse(result);
    expectInt(body, "message", 0);
    expectString(body, "error_message", "Project not exist: nobody");
    expectInt(body, "file_system_status", 0);
    expectNull(body, "file_system_message");
}

TEST_F(ProjectApiTest, AProjectWithNoImagesCreatesLoadsAndAnswersWithEmptyLists) {
    std::filesystem::create_directories(roots / "empty");
    const auto root = std::filesystem::canonical(roots / "empty");

    auto status = createProject(*server, "nothing", "boundingbox", root);
    EXPECT_EQ(stringList(status, "unsupported_image_list"), std::vector<std::string>{});
    expectInt(projectMeta(*server, "bndbox", "nothing"), "total_uuid", 0);

    expectOk(server->get("/bndbox/projects/nothing"));
    auto loaded = waitForLoaded(*server, "bndbox", "nothing");
    expectInt(loaded, "message", 2);
    expectNull(loaded, "progress");
    EXPECT_EQ(stringList(loaded, "uuid_list"), std::vector<std::string>{});
    EXPECT_EQ(stringList(loaded, "label_list"), std::vector<std::string>{});

    // No example image is written into the user's folder.
    EXPECT_TRUE(std::filesystem::is_empty(root));
}

TEST_F(ProjectApiTest, SameNameIsRefusedWithinATypeButAllowedInTheOther) {
    auto folder = writeSampleFolder(roots / "pets");
    createProject(*server, "pets", "boundingbox", folder.root);

    auto duplicate =
        server->put("/v2/projects", createBody("pets", "boundingbox", folder.root.string()));
    EXPECT_EQ(expectFailure(duplicate, 200, "Project name exist"), "Project name exist: pets.");
    auto alias = server->put("/v2/projects", createBody("pets", "bndbox", folder.root.string()));
    expectFailure(alias, 200, "Project name exist: pets.");

    createProject(*server, "pets", "segmentation", folder.root);
    EXPECT_EQ(listedNames(*server, "bndbox"), std::vector<std::string>{"pets"});
    EXPECT_EQ(listedNames(*server, "seg"), std::vector<std::string>{"pets"});
}

TEST_F(ProjectApiTest, RefusedCreatesLeaveNothingBehindAndTheServerKeepsAnswering) {
    auto folder = writeSampleFolder(roots / "photos");
    createProject(*server, "existing", "boundingbox", folder.root);
    writeTextFile(roots / "plain-file.txt");
    TempFolder outside("classifai-outside");
    writeImage(outside / "x.png", ImageFormat::Png, 8, 8);
    auto listBefore = server->get("/bndbox/projects/meta").body;
    auto segBefore = server->get("/seg/projects/meta").body;

    struct Case {
        std::string what;
        std::string body;
        int httpStatus;
        std::string contains;
        std::string name; ///< the name that must not have become a project
    };
    const std::string path = folder.root.string();
    const std::vector<Case> cases{
        {"duplicate", createBody("existing", "boundingbox", path), 200,
         "Project name exist: existing.", ""},
        {"empty name", createBody("", "boundingbox", path), 200, "Invalid project name", ""},
        {"slash in name", createBody("a/b", "boundingbox", path), 200, "path separator", ""},
        {"control character", createBody(std::string("a\x01") + "b", "boundingbox", path), 200,
         "control character", ""},
        {"300 characters", createBody(std::string(300, 'n'), "boundingbox", path), 200,
         "longer than 255", ""},
        {"missing folder", createBody("p1", "boundingbox", (roots / "missing").string()), 200,
         "does not exist", "p1"},
        {"file as folder", createBody("p2", "boundingbox", (roots / "plain-file.txt").string()),
         200, "not a folder", "p2"},
        {"relative folder", createBody("p3", "boundingbox", "photos"), 200, "absolute", "p3"},
        {"outside files.roots", createBody("p4", "boundingbox", outside.path().string()), 200,
         "outside the folders", "p4"},
        {"empty folder path", createBody("p5", "boundingbox", ""), 200, "project_path", "p5"},
        {"missing label file",
         createBody("p6", "boundingbox", path, (roots / "labels.txt").string()), 200,
         "Label file does not exist", "p6"},
        {"unknown status", createBody("p7", "boundingbox", path, "", "whatever"), 200,
         "Project status: WHATEVER not recognizable. Expect RAW, CONFIG", "p7"},
        {"unknown annotation type", createBody("p8", "polygon", path), 400, "bndbox", "p8"},
        {"malformed JSON", R"({"project_name":"p9","annotation_type":)", 400, "JSON", "p9"},
        {"not an object", R"(["p10"])", 400, "JSON object", "p10"},
        {"missing project_path",
         jsonBody({{"project_name", "p11"}, {"annotation_type", "boundingbox"}}), 400,
         "project_path", "p11"},
        {"number as name", R"({"project_name":12,"annotation_type":"bndbox","project_path":"/"})",
         400, "project_name", ""},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.what);
        auto result = server->put("/v2/projects", c.body);
        auto message = expectFailure(result, c.httpStatus, c.contains);
        EXPECT_EQ(message.find("Exception"), std::string::npos) << message;
        // The server answers the next request, and nothing was created.
        EXPECT_EQ(server->get("/api/system/health").status, 200);
        EXPECT_EQ(server->get("/bndbox/projects/meta").body, listBefore);
        EXPECT_EQ(server->get("/seg/projects/meta").body, segBefore);
        if (!c.name.empty()) {
            auto status = parse(server->get("/v2/bndbox/projects/" + c.name));
            expectInt(status, "message", 0);
            expectInt(status, "file_system_status", 0);
            expectFailure(server->get("/bndbox/projects/" + c.name + "/meta"), 200,
                          "Project not exist");
        }
    }
    // The unknown type error names the types available.
    auto unknown = server->put("/v2/projects", createBody("p8", "polygon", path));
    auto message = expectFailure(unknown, 400, "polygon");
    EXPECT_NE(message.find("seg"), std::string::npos) << message;
    // And the exact wording of the unknown status error.
    auto status = server->put("/v2/projects", createBody("p7", "seg", path, "", "Later"));
    EXPECT_EQ(expectFailure(status, 200, "Project status"),
              "Project status: LATER not recognizable. Expect RAW, CONFIG");
}

TEST_F(ProjectApiTest, MetaListAndOneMetaCarryTheFieldsTheProjectListReads) {
    auto folder = writeSampleFolder(roots / "street");
    auto before = std::time(nullptr);
    createProject(*server, "street", "boundingbox", folder.root);

    auto listResult = server->get("/bndbox/projects/meta");
    ASSERT_EQ(listResult.status, 200);
    auto list = parse(listResult);
    expectInt(list, "message", 1);
    ASSERT_TRUE(list->isArray("content"));
    ASSERT_EQ(list->getArray("content")->size(), 1U);
    auto meta = list->getArray("content")->getObject(0);

    // Key names in the reference's order.
    const std::vector<std::string> keys{"project_name",    "project_path", "is_new",
                                        "is_starred",      "is_loaded",    "is_cloud",
                                        "project_infra",   "created_date", "last_modified_date",
                                        "current_version", "total_uuid",   "root_path_valid"};
    std::size_t previous = 0;
    for (const auto& key : keys) {
        auto at = listResult.body.find("\"" + key + "\":");
        ASSERT_NE(at, std::string::npos) << key;
        EXPECT_GT(at, previous) << key << " out of order in " << listResult.body;
        previous = at;
    }
    EXPECT_EQ(meta->size(), keys.size()) << listResult.body;

    expectString(meta, "project_name", "street");
    expectString(meta, "project_path", folder.root.string());
    expectBool(meta, "is_new", true);
    expectBool(meta, "is_starred", false);
    expectBool(meta, "is_loaded", false);
    expectNull(meta, "is_cloud");
    expectString(meta, "project_infra", "ON_PREMISE");
    expectInt(meta, "total_uuid", 8);
    expectBool(meta, "root_path_valid", true);
    EXPECT_TRUE(isUuid(meta->getValue<std::string>("current_version")))
        << meta->getValue<std::string>("current_version");
    // Dates as "2021/12/16 03:00:00 PM", in local time, around now.
    for (const std::string key : {"created_date", "last_modified_date"}) {
        auto text = meta->getValue<std::string>(key);
        auto when = parseDisplayDate(text);
        ASSERT_TRUE(when.has_value()) << key << " = " << text;
        EXPECT_GE(*when, before - 2) << key << " = " << text;
        EXPECT_LE(*when, std::time(nullptr) + 2) << key << " = " << text;
    }

    // The one-project form is the same object in a one-element list.
    auto oneResult = server->get("/bndbox/projects/street/meta");
    auto one = parse(oneResult);
    expectInt(one, "message", 1);
    ASSERT_TRUE(one->isArray("content"));
    ASSERT_EQ(one->getArray("content")->size(), 1U);
    std::ostringstream listed, single;
    meta->stringify(listed);
    one->getArray("content")->getObject(0)->stringify(single);
    EXPECT_EQ(single.str(), listed.str());

    // Other type: not listed, not found.
    EXPECT_EQ(metaList(*server, "seg")->size(), 0U);
    EXPECT_EQ(expectFailure(server->get("/seg/projects/street/meta"), 200, "Project not exist"),
              "Project not exist");
    EXPECT_EQ(expectFailure(server->get("/bndbox/projects/nobody/meta"), 200, "Project not exist"),
              "Project not exist");
    // An unknown type is a JSON error naming the types available.
    auto unknownType = server->get("/polygon/projects/meta");
    auto message = expectFailure(unknownType, 400, "polygon");
    EXPECT_NE(message.find("bndbox"), std::string::npos) << message;
    EXPECT_NE(message.find("seg"), std::string::npos) << message;
}

TEST_F(ProjectApiTest, MetaListIsOrderedByNameAndEmptyIsAnArray) {
    EXPECT_EQ(server->get("/bndbox/projects/meta").body, R"({"message":1,"content":[]})");
    auto folder = writeSampleFolder(roots / "sorted");
    for (const std::string name : {"zebra", "apple", "mango"}) {
        createProject(*server, name, "boundingbox", folder.root);
    }
    EXPECT_EQ(listedNames(*server, "bndbox"),
              (std::vector<std::string>{"apple", "mango", "zebra"}));
}

TEST_F(ProjectApiTest, AProjectWhoseFolderWasRemovedIsListedWithAnInvalidPath) {
    auto folder = writeSampleFolder(roots / "gone");
    createProject(*server, "gone", "boundingbox", folder.root);
    expectBool(projectMeta(*server, "bndbox", "gone"), "root_path_valid", true);

    std::filesystem::remove_all(folder.root);
    auto meta = projectMeta(*server, "bndbox", "gone");
    expectBool(meta, "root_path_valid", false);
    expectString(meta, "project_path", folder.root.string());
    auto listed = metaList(*server, "bndbox");
    ASSERT_EQ(listed->size(), 1U);
    expectBool(listed->getObject(0), "root_path_valid", false);
}

TEST_F(ProjectApiTest, LiteralSegmentsAreNotProjectNames) {
    auto folder = writeSampleFolder(roots / "literal");

    // Import status is not the create status of a project called "importstatus", even when one
    // exists.
    for (bool projectExists : {false, true}) {
        SCOPED_TRACE(projectExists ? "with a project named importstatus" : "no such project");
        if (projectExists) {
            expectOk(server->put("/v2/projects",
                                 createBody("importstatus", "bndbox", folder.root.string())));
            // Its create status is out of reach, so wait until it is listed.
            auto deadline = std::chrono::steady_clock::now() + kPollTimeout;
            while (listedNames(*server, "bndbox").empty()) {
                ASSERT_LT(std::chrono::steady_clock::now(), deadline);
                std::this_thread::sleep_for(kPollInterval);
            }
        }
        auto result = server->get("/v2/bndbox/projects/importstatus");
        auto body = parse(result); // JSON whatever the status
        EXPECT_EQ(result.body.find("Project not exist: importstatus"), std::string::npos)
            << result.body;
        EXPECT_FALSE(body->has("unsupported_image_list")) << result.body;
    }

    // A project named "meta" can be created, is listed, has its own meta, and can be deleted.
    createProject(*server, "meta", "segmentation", folder.root);
    EXPECT_EQ(listedNames(*server, "seg"), std::vector<std::string>{"meta"});
    expectString(projectMeta(*server, "seg", "meta"), "project_name", "meta");
    expectOk(server->request("DELETE", "/seg/projects/meta", "{}",
                             {{"Content-Type", "application/json"}}));
    EXPECT_EQ(metaList(*server, "seg")->size(), 0U);
}

} // namespace

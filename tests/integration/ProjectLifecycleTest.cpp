// Project lifecycle over real HTTP: open, labels, reload, rename, star, close, delete, restart.
#include "ProjectTestSupport.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <set>
#include <string>
#include <thread>
#include <vector>

using namespace classifai::test;
using namespace classifai::test::projects;

namespace {

class ProjectLifecycleTest : public ProjectServerTest {
protected:
    /// A sample folder under the roots, created as a bounding-box project `name`.
    SampleFolder createSample(const std::string& name, const std::string& labels = "") {
        auto folder = writeSampleFolder(roots / name);
        std::string labelFile;
        if (!labels.empty()) {
            labelFile = (roots / (name + "-labels.txt")).string();
            writeTextFile(labelFile, labels);
        }
        createProject(*server, name, "boundingbox", folder.root, labelFile);
        return folder;
    }

    HttpResult del(const std::string& path) const {
        return server->request("DELETE", path, "{}", {{"Content-Type", "application/json"}});
    }
};

TEST_F(ProjectLifecycleTest, OpeningAProjectGivesItsLabelsAndImagesAndMarksItOpened) {
    createSample("open", "car\n  traffic light \n\n\tperson\r\n\n   \nbus");
    auto before = projectMeta(*server, "bndbox", "open");
    expectBool(before, "is_new", true);
    expectBool(before, "is_loaded", false);

    expectOk(server->get("/bndbox/projects/open"));
    auto meta = projectMeta(*server, "bndbox", "open");
    expectBool(meta, "is_new", false);
    expectBool(meta, "is_loaded", true);

    auto loaded = waitForLoaded(*server, "bndbox", "open");
    expectInt(loaded, "message", 2);
    expectNull(loaded, "progress");
    EXPECT_FALSE(loaded->has("error_message"));
    // Whitespace removed inside labels, empty lines dropped, order kept.
    EXPECT_EQ(stringList(loaded, "label_list"),
              (std::vector<std::string>{"car", "trafficlight", "person", "bus"}));
    auto uuids = stringList(loaded, "uuid_list");
    EXPECT_EQ(uuids.size(), 8U);
    for (const auto& uuid : uuids) {
        EXPECT_TRUE(isUuid(uuid)) << uuid;
    }
    EXPECT_EQ(std::set<std::string>(uuids.begin(), uuids.end()).size(), uuids.size());

    // Opening again answers the same images in the same order.
    auto reopened = openProject(*server, "bndbox", "open");
    EXPECT_EQ(stringList(reopened, "uuid_list"), uuids);
}

TEST_F(ProjectLifecycleTest, OpeningOrPollingAnUnknownProjectSaysItDoesNotExist) {
    EXPECT_EQ(expectFailure(server->get("/bndbox/projects/nobody"), 200, "Project not exist"),
              "Project not exist");
    auto status = server->get("/bndbox/projects/nobody/loadingstatus");
    EXPECT_EQ(status.status, 200);
    EXPECT_EQ(status.body, R"({"message":0,"error_message":"Project not exist","progress":null,)"
                           R"("label_list":null,"uuid_list":null})");
    createSample("boxes");
    // A bounding-box project is not a segmentation project.
    expectFailure(server->get("/seg/projects/boxes"), 200, "Project not exist");
}

TEST_F(ProjectLifecycleTest, NewLabelsReplaceTheLabelList) {
    createSample("labels", "old\n");
    expectOk(server->put("/bndbox/projects/labels/newlabels",
                         R"({"label_list":["cat","traffic light","dog\r\n"]})"));
    auto loaded = openProject(*server, "bndbox", "labels");
    // Only CR and LF are removed; spaces stay.
    EXPECT_EQ(stringList(loaded, "label_list"),
              (std::vector<std::string>{"cat", "traffic light", "dog"}));

    expectOk(server->put("/bndbox/projects/labels/newlabels", R"({"label_list":[]})"));
    EXPECT_EQ(stringList(waitForLoaded(*server, "bndbox", "labels"), "label_list"),
              std::vector<std::string>{});

    for (const std::string body : {R"({"label_list":"cat"})", R"({"label_list":null})",
                                   R"({"labels":["cat"]})", R"({"label_list":[1,2]})"}) {
        SCOPED_TRACE(body);
        expectFailure(server->put("/bndbox/projects/labels/newlabels", body), 400, "label_list");
    }
    expectFailure(server->put("/bndbox/projects/labels/newlabels", "{oops"), 400, "JSON");
    expectFailure(server->put("/bndbox/projects/nobody/newlabels", R"({"label_list":["a"]})"), 200,
                  "Project not exist");
    // The refused requests changed nothing.
    EXPECT_EQ(stringList(waitForLoaded(*server, "bndbox", "labels"), "label_list"),
              std::vector<std::string>{});
}

TEST_F(ProjectLifecycleTest, ReloadFindsAddedDeletedAndModifiedImages) {
    auto folder = createSample("reload");
    auto original = stringList(openProject(*server, "bndbox", "reload"), "uuid_list");
    ASSERT_EQ(original.size(), folder.images.size());
    // Images are listed in relative-path order, so b.png is the second.
    const auto bUuid = original[1];
    ASSERT_EQ(folder.images[1], "b.png");

    writeImage(folder.root / "f.png", ImageFormat::Png, 33, 22); // added
    std::filesystem::remove(folder.root / "b.png");              // deleted
    auto oldSize = std::filesystem::file_size(folder.root / "a.jpg");
    writeImage(folder.root / "a.jpg", ImageFormat::Jpeg, 96, 80); // modified in place
    ASSERT_NE(std::filesystem::file_size(folder.root / "a.jpg"), oldSize);

    std::vector<int> seen;
    auto status = reloadProject(*server, "bndbox", "reload", &seen);
    EXPECT_TRUE(std::is_sorted(seen.begin(), seen.end()));
    EXPECT_GE(seen.front(), 1) << "a finished earlier reload is not reported as this one's end";
    expectInt(status, "message", 1);
    expectInt(status, "file_system_status", 3);
    expectString(status, "file_system_message", "DATABASE_UPDATED");
    expectNull(status, "progress");
    auto added = stringList(status, "uuid_add_list");
    ASSERT_EQ(added.size(), 1U) << "only f.png is new; the modified a.jpg keeps its uuid";
    EXPECT_TRUE(isUuid(added[0]));
    EXPECT_EQ(std::count(original.begin(), original.end(), added[0]), 0);
    EXPECT_EQ(stringList(status, "uuid_delete_list"), std::vector<std::string>{bUuid});
    EXPECT_EQ(sorted(stringList(status, "unsupported_image_list")), folder.unsupported);

    // Open again: everything that stayed keeps its uuid and place, the new image comes last.
    std::vector<std::string> expected;
    for (const auto& uuid : original) {
        if (uuid != bUuid) {
            expected.push_back(uuid);
        }
    }
    expected.push_back(added[0]);
    EXPECT_EQ(stringList(waitForLoaded(*server, "bndbox", "reload"), "uuid_list"), expected);
    EXPECT_EQ(stringList(openProject(*server, "bndbox", "reload"), "uuid_list"), expected);
    expectInt(projectMeta(*server, "bndbox", "reload"), "total_uuid", 8);

    // The deleted image comes back: it is added again under its old uuid.
    writeImage(folder.root / "b.png", ImageFormat::Png, 48, 64);
    auto back = reloadProject(*server, "bndbox", "reload");
    EXPECT_EQ(stringList(back, "uuid_add_list"), std::vector<std::string>{bUuid});
    EXPECT_EQ(stringList(back, "uuid_delete_list"), std::vector<std::string>{});
    expectInt(projectMeta(*server, "bndbox", "reload"), "total_uuid", 9);
}

TEST_F(ProjectLifecycleTest, ReloadOfANewProjectKeepsEveryUuid) {
    auto folder = createSample("fresh");
    // Still is_new: the reference re-inserted every image with new uuids here.
    auto first = reloadProject(*server, "bndbox", "fresh");
    EXPECT_EQ(stringList(first, "uuid_add_list"), std::vector<std::string>{});
    EXPECT_EQ(stringList(first, "uuid_delete_list"), std::vector<std::string>{});
    auto uuids = stringList(openProject(*server, "bndbox", "fresh"), "uuid_list");
    EXPECT_EQ(uuids.size(), folder.images.size());
    auto second = reloadProject(*server, "bndbox", "fresh");
    EXPECT_EQ(stringList(second, "uuid_add_list"), std::vector<std::string>{});
    EXPECT_EQ(stringList(second, "uuid_delete_list"), std::vector<std::string>{});
    EXPECT_EQ(stringList(openProject(*server, "bndbox", "fresh"), "uuid_list"), uuids);
}

TEST_F(ProjectLifecycleTest, ReloadFailuresAreReportedAndTheStatusAborts) {
    auto unknown = server->put("/v2/bndbox/projects/nobody/reload", "{}");
    EXPECT_EQ(expectFailure(unknown, 200, "Project not exist"), "Project not exist");
    auto unknownStatus = server->get("/v2/bndbox/projects/nobody/reloadstatus");
    EXPECT_EQ(unknownStatus.status, 200) << unknownStatus.body;
    auto body = parse(unknownStatus);
    expectInt(body, "message", 0);
    expectInt(body, "file_system_status", 0);
    // Arrays, not null: the UI dereferences them when it stops polling.
    EXPECT_EQ(stringList(body, "uuid_add_list"), std::vector<std::string>{});
    EXPECT_EQ(stringList(body, "uuid_delete_list"), std::vector<std::string>{});

    auto folder = createSample("vanished");
    std::filesystem::remove_all(folder.root);
    auto failed = server->put("/v2/bndbox/projects/vanished/reload", "{}");
    expectFailure(failed, 200, "Failed to reload project vanished");
    auto status = parse(server->get("/v2/bndbox/projects/vanished/reloadstatus"));
    expectInt(status, "message", 1);
    expectInt(status, "file_system_status", 5);
    expectString(status, "file_system_message", "ABORTED");
    EXPECT_EQ(stringList(status, "uuid_add_list"), std::vector<std::string>{});
    EXPECT_EQ(stringList(status, "uuid_delete_list"), std::vector<std::string>{});
    EXPECT_EQ(stringList(status, "unsupported_image_list"), std::vector<std::string>{});
    // The project is still there, shown with an invalid path.
    expectBool(projectMeta(*server, "bndbox", "vanished"), "root_path_valid", false);
    EXPECT_EQ(server->get("/api/system/health").status, 200);
}

TEST_F(ProjectLifecycleTest, RenameMovesTheProjectToTheNewName) {
    createSample("before", "car\n");
    expectOk(server->put("/bndbox/projects/before/star", R"({"status":"true"})"));
    auto uuids = stringList(openProject(*server, "bndbox", "before"), "uuid_list");

    expectOk(server->put("/v2/bndbox/projects/before/rename/after", "{}"));
    EXPECT_EQ(listedNames(*server, "bndbox"), std::vector<std::string>{"after"});
    expectFailure(server->get("/bndbox/projects/before/meta"), 200, "Project not exist");
    auto meta = projectMeta(*server, "bndbox", "after");
    expectBool(meta, "is_starred", true);
    expectInt(meta, "total_uuid", 8);
    auto loaded = openProject(*server, "bndbox", "after");
    EXPECT_EQ(stringList(loaded, "uuid_list"), uuids);
    EXPECT_EQ(stringList(loaded, "label_list"), std::vector<std::string>{"car"});

    // The old name is free again, and deleting the renamed project frees the new one.
    createProject(*server, "before", "boundingbox", roots / "before");
    EXPECT_EQ(listedNames(*server, "bndbox"), (std::vector<std::string>{"after", "before"}));
    expectOk(del("/bndbox/projects/after"));
    createProject(*server, "after", "boundingbox", roots / "before");
    EXPECT_EQ(listedNames(*server, "bndbox"), (std::vector<std::string>{"after", "before"}));
    expectBool(projectMeta(*server, "bndbox", "after"), "is_starred", false);
}

TEST_F(ProjectLifecycleTest, RenameRefusesTakenInvalidAndUnknownNames) {
    auto folder = createSample("one");
    createProject(*server, "two", "boundingbox", folder.root);
    createProject(*server, "other-type", "segmentation", folder.root);
    const auto listBefore = server->get("/bndbox/projects/meta").body;

    expectFailure(server->put("/v2/bndbox/projects/one/rename/two", "{}"), 200,
                  "Project name exist: two.");
    expectFailure(server->put("/v2/bndbox/projects/one/rename/a%01b", "{}"), 200,
                  "control character");
    expectFailure(server->put("/v2/bndbox/projects/one/rename/" + std::string(300, 'x'), "{}"), 200,
                  "longer than 255");
    expectFailure(server->put("/v2/bndbox/projects/one/rename/%20", "{}"), 200, "empty");
    EXPECT_EQ(expectFailure(server->put("/v2/bndbox/projects/nobody/rename/three", "{}"), 200,
                            "Project not exist"),
              "Project not exist");
    EXPECT_EQ(server->get("/bndbox/projects/meta").body, listBefore);
    // Renaming to its own name changes nothing (the reference also answers 1 here).
    expectOk(server->put("/v2/bndbox/projects/one/rename/one", "{}"));
    EXPECT_EQ(listedNames(*server, "bndbox"), (std::vector<std::string>{"one", "two"}));

    // A name taken in the other type only is free here.
    expectOk(server->put("/v2/bndbox/projects/one/rename/other-type", "{}"));
    EXPECT_EQ(listedNames(*server, "bndbox"), (std::vector<std::string>{"other-type", "two"}));
    EXPECT_EQ(listedNames(*server, "seg"), std::vector<std::string>{"other-type"});
}

TEST_F(ProjectLifecycleTest, StarAcceptsBooleansAndRefusesOtherValues) {
    createSample("stars");
    auto starred = [&] {
        auto meta = projectMeta(*server, "bndbox", "stars");
        return meta->get("is_starred").extract<bool>();
    };
    EXPECT_FALSE(starred());
    expectOk(server->put("/bndbox/projects/stars/star", R"({"status":"true"})"));
    EXPECT_TRUE(starred());
    expectOk(server->put("/bndbox/projects/stars/star", R"({"status":"false"})"));
    EXPECT_FALSE(starred());
    expectOk(server->put("/bndbox/projects/stars/star", R"({"status":true})"));
    EXPECT_TRUE(starred());
    expectBool(metaList(*server, "bndbox")->getObject(0), "is_starred", true);

    for (const std::string body :
         {R"({"status":"maybe"})", R"({"status":3})", R"({"status":null})", "{}"}) {
        SCOPED_TRACE(body);
        auto result = server->put("/bndbox/projects/stars/star", body);
        EXPECT_GE(result.status, 400);
        EXPECT_LT(result.status, 500);
        EXPECT_EQ(expectFailure(result, result.status, "not boolean"),
                  "Starring object value is not boolean. Failed to execute");
        EXPECT_TRUE(starred()) << "a refused value leaves the star as it was";
    }
    expectOk(server->put("/bndbox/projects/stars/star", R"({"status":false})"));
    EXPECT_FALSE(starred());
    EXPECT_EQ(expectFailure(server->put("/bndbox/projects/nobody/star", R"({"status":"true"})"),
                            200, "Project not exist"),
              "Project not exist");
}

TEST_F(ProjectLifecycleTest, CloseClearsTheOpenedFlagOnBothPaths) {
    createSample("closing");
    auto loaded = [&] {
        return projectMeta(*server, "bndbox", "closing")->get("is_loaded").extract<bool>();
    };
    openProject(*server, "bndbox", "closing");
    EXPECT_TRUE(loaded());
    expectOk(server->put("/bndbox/projects/closing", R"({"status":"closed"})"));
    EXPECT_FALSE(loaded());

    openProject(*server, "bndbox", "closing");
    EXPECT_TRUE(loaded());
    expectOk(server->put("/projects/closing", R"({"status":"closed"})"));
    EXPECT_FALSE(loaded());

    // The V2 document's two failures, as JSON; the project stays open.
    openProject(*server, "bndbox", "closing");
    for (const std::string path : {"/bndbox/projects/closing", "/projects/closing"}) {
        SCOPED_TRACE(path);
        auto empty = server->put(path, "");
        auto message = expectFailure(empty, 400, "Request body not defined", 1);
        EXPECT_EQ(message.find("Exception"), std::string::npos) << message;
        auto open = server->put(path, R"({"status":"open"})");
        EXPECT_EQ(expectFailure(open, 400, "Request payload", 2),
                  R"(Request payload failed to satisfied the status of {"status": "closed"} for )"
                  R"(closing.)");
        expectFailure(server->put(path, R"({"status":"Closed"})"), 400, "Request payload", 2);
        expectFailure(server->put(path, R"({})"), 400, "Request payload", 2);
        EXPECT_TRUE(loaded());
    }
    expectFailure(server->put("/bndbox/projects/nobody", R"({"status":"closed"})"), 200,
                  "Project not exist");
    expectFailure(server->put("/projects/nobody", R"({"status":"closed"})"), 200,
                  "Project not exist");
}

TEST_F(ProjectLifecycleTest, DeleteRemovesTheProjectButNotItsImages) {
    auto folder = createSample("doomed", "car\n");
    openProject(*server, "bndbox", "doomed");
    createProject(*server, "doomed", "segmentation", folder.root);
    auto files = snapshotFiles(folder.root);

    expectOk(del("/bndbox/projects/doomed"));
    EXPECT_EQ(metaList(*server, "bndbox")->size(), 0U);
    expectFailure(server->get("/bndbox/projects/doomed/meta"), 200, "Project not exist");
    expectFailure(server->get("/bndbox/projects/doomed"), 200, "Project not exist");
    expectInt(parse(server->get("/bndbox/projects/doomed/loadingstatus")), "message", 0);
    expectInt(parse(server->get("/v2/bndbox/projects/doomed")), "file_system_status", 0);
    // The image files are untouched, and the other type's project of that name stays.
    EXPECT_EQ(snapshotFiles(folder.root), files);
    EXPECT_EQ(listedNames(*server, "seg"), std::vector<std::string>{"doomed"});

    expectFailure(del("/bndbox/projects/doomed"), 200, "Project not exist");
    // The name can be used again, and the new project starts fresh.
    createProject(*server, "doomed", "bndbox", folder.root);
    auto meta = projectMeta(*server, "bndbox", "doomed");
    expectBool(meta, "is_new", true);
    expectBool(meta, "is_loaded", false);
    EXPECT_EQ(stringList(openProject(*server, "bndbox", "doomed"), "label_list"),
              std::vector<std::string>{});
}

TEST_F(ProjectLifecycleTest, ARestartKeepsEveryProjectWithItsDatesStarLabelsAndImages) {
    TempFolder state("classifai-state");
    const auto dataDir = state / "data";
    server = startServer(dataDir);

    auto folder = createSample("kept", "car\nbus\n");
    createProject(*server, "kept", "segmentation", folder.root,
                  (roots / "kept-labels.txt").string());
    std::filesystem::create_directories(roots / "empty");
    createProject(*server, "empty", "boundingbox", roots / "empty");
    expectOk(server->put("/bndbox/projects/kept/star", R"({"status":"true"})"));
    expectOk(server->put("/bndbox/projects/kept/newlabels", R"({"label_list":["car","truck"]})"));
    auto uuids = stringList(openProject(*server, "bndbox", "kept"), "uuid_list");
    auto segUuids = stringList(openProject(*server, "seg", "kept"), "uuid_list");
    expectOk(server->put("/seg/projects/kept", R"({"status":"closed"})"));
    auto metaBefore = projectMeta(*server, "bndbox", "kept");
    auto segBefore = projectMeta(*server, "seg", "kept");

    // Dates have a resolution of a second: restart in a later second so a date that were
    // reset to the start time would show.
    std::this_thread::sleep_for(std::chrono::milliseconds(1100));
    EXPECT_EQ(server->stop(), 0) << server->log();
    server = startServer(dataDir);

    EXPECT_EQ(listedNames(*server, "bndbox"), (std::vector<std::string>{"empty", "kept"}));
    EXPECT_EQ(listedNames(*server, "seg"), std::vector<std::string>{"kept"});
    auto meta = projectMeta(*server, "bndbox", "kept");
    for (const std::string key : {"project_name", "project_path", "created_date",
                                  "last_modified_date", "current_version"}) {
        EXPECT_EQ(meta->getValue<std::string>(key), metaBefore->getValue<std::string>(key)) << key;
    }
    expectBool(meta, "is_starred", true);
    expectBool(meta, "is_new", false);
    expectBool(meta, "is_loaded", false); // a restart closes every project
    expectBool(meta, "root_path_valid", true);
    expectInt(meta, "total_uuid", 8);
    auto seg = projectMeta(*server, "seg", "kept");
    EXPECT_EQ(seg->getValue<std::string>("created_date"),
              segBefore->getValue<std::string>("created_date"));
    expectBool(seg, "is_starred", false);

    auto loaded = openProject(*server, "bndbox", "kept");
    EXPECT_EQ(stringList(loaded, "label_list"), (std::vector<std::string>{"car", "truck"}));
    EXPECT_EQ(stringList(loaded, "uuid_list"), uuids);
    auto segLoaded = openProject(*server, "seg", "kept");
    EXPECT_EQ(stringList(segLoaded, "label_list"), (std::vector<std::string>{"car", "bus"}));
    EXPECT_EQ(stringList(segLoaded, "uuid_list"), segUuids);
    auto empty = openProject(*server, "bndbox", "empty");
    EXPECT_EQ(stringList(empty, "uuid_list"), std::vector<std::string>{});
    EXPECT_EQ(stringList(empty, "label_list"), std::vector<std::string>{});

    // A reload after the restart finds nothing new: stored files keep their uuids.
    auto reloaded = reloadProject(*server, "bndbox", "kept");
    EXPECT_EQ(stringList(reloaded, "uuid_add_list"), std::vector<std::string>{});
    EXPECT_EQ(stringList(reloaded, "uuid_delete_list"), std::vector<std::string>{});
}

} // namespace

namespace {

TEST_F(ProjectLifecycleTest, AnEncodedSlashInANewNameIsRefusedByTheNameRule) {
    createSample("slash");
    auto result = server->put("/v2/bndbox/projects/slash/rename/a%2Fb", "{}");
    expectFailure(result, 200, "path separator");
    EXPECT_EQ(listedNames(*server, "bndbox"), std::vector<std::string>{"slash"});
}

} // namespace

// The selection windows and the import status machine over real HTTP, with the headless dialog
// backend loaded by the real server (dialog.headless.delayMs keeps a window "open" a while).
#include "support/ServerProcess.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <map>
#include <string>
#include <thread>

using classifai::test::ServerProcess;
using classifai::test::TempDir;

namespace {

namespace fs = std::filesystem;

// Polls `path` every 50 ms until `done` holds for its JSON (at most 20 s); returns the last body.
Poco::JSON::Object::Ptr pollUntil(const ServerProcess& server, const std::string& path,
                                  const std::function<bool(const Poco::JSON::Object&)>& done) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    Poco::JSON::Object::Ptr body;
    while (std::chrono::steady_clock::now() < deadline) {
        body = server.get(path).json();
        if (done(*body)) {
            return body;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ADD_FAILURE() << "timed out polling " << path;
    return body;
}

bool windowClosed(const Poco::JSON::Object& body) {
    return body.getValue<int>("window_status") == 1;
}

bool importEnded(const Poco::JSON::Object& body) {
    auto status = body.getValue<int>("file_system_status");
    return status == 3 || status == 5;
}

int countOf(const std::string& text, const std::string& part) {
    int count = 0;
    for (auto at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) {
        ++count;
    }
    return count;
}

class SelectionApiTest : public ::testing::Test {
protected:
    void SetUp() override {
        fs::create_directories(_root.path() / "cars");
        std::ofstream(_root.path() / "labels.txt") << "car\nperson\n";
    }
    std::vector<std::string> headless(const std::string& delayMs) {
        return {"--define=files.roots=" + _root.path().string(),
                "--define=dialog.backend=headless",
                "--define=dialog.headless.folder=" + (_root.path() / "cars").string(),
                "--define=dialog.headless.labelfile=" + (_root.path() / "labels.txt").string(),
                "--define=dialog.headless.configfile=" + (_root.path() / "cars/p.json").string(),
                "--define=dialog.headless.delayMs=" + delayMs};
    }

    TempDir _root;
};

TEST_F(SelectionApiTest, EveryBackendPluginSaysWhetherItCanRunHere) {
    ServerProcess server(headless("0"));
    auto backends = server.get("/api/system/capabilities").json()->getArray("dialog_backends");
    std::map<std::string, Poco::JSON::Object::Ptr> byId;
    for (std::size_t i = 0; i < backends->size(); ++i) {
        auto backend = backends->getObject(static_cast<unsigned>(i));
        byId[backend->getValue<std::string>("id")] = backend;
    }
    ASSERT_EQ(byId.size(), 5u) << server.get("/api/system/capabilities").body;
    EXPECT_TRUE(byId["headless"]->getValue<bool>("available"));
    EXPECT_NE(byId["headless"]->getValue<std::string>("plugin").find("dialog-headless"),
              std::string::npos);
    EXPECT_FALSE(byId["osascript"]->getValue<bool>("available"));
    EXPECT_EQ(byId["osascript"]->getValue<std::string>("reason"),
              "osascript serves macos, not linux");
    EXPECT_FALSE(byId["powershell"]->getValue<bool>("available"));
    EXPECT_EQ(byId["powershell"]->getValue<std::string>("reason"),
              "powershell serves windows, not linux");
    EXPECT_TRUE(byId.count("zenity") && byId.count("kdialog"));
}

TEST_F(SelectionApiTest, NothingChosenYetIsAClosedWindowWithAnEmptyPath) {
    ServerProcess server(headless("0"));
    EXPECT_EQ(
        server.get("/v2/folders").body,
        R"({"message":1,"window_status":1,"window_message":"WINDOW_CLOSE","project_path":""})");
    EXPECT_EQ(
        server.get("/v2/labelfiles").body,
        R"({"message":1,"window_status":1,"window_message":"WINDOW_CLOSE","label_file_path":""})");
    EXPECT_EQ(server.get("/v2/bndbox/projects/importstatus").body,
              R"({"message":1,"file_system_status":0,"file_system_message":"DID_NOT_INITIATED"})");
}

TEST_F(SelectionApiTest, FolderWindowOpensOnceThenReportsTheChoice) {
    ServerProcess server(headless("1500"));
    EXPECT_EQ(server.put("/v2/folders", "{}").body, R"({"message":1})");
    // Open at once: the first poll never sees a previous state.
    EXPECT_EQ(server.get("/v2/folders").body,
              R"({"message":1,"window_status":0,"window_message":"WINDOW_OPEN"})");
    // A second request while it is open is a no-op, not a second window.
    EXPECT_EQ(server.put("/v2/folders", "{}").body, R"({"message":1})");
    // Another window while one is open: refused, and its own status closes as cancelled.
    auto other = server.put("/v2/labelfiles", "{}").json();
    EXPECT_EQ(other->getValue<int>("message"), 0);
    EXPECT_EQ(other->getValue<std::string>("error_message"),
              "Another selection window is currently open. Please close to proceed.");
    EXPECT_EQ(server.get("/v2/labelfiles").json()->getValue<std::string>("label_file_path"), "");
    auto import = server.put("/v2/newproject", "{}").json();
    EXPECT_EQ(import->getValue<int>("message"), 0);
    auto importStatus = server.get("/v2/bndbox/projects/importstatus").json();
    EXPECT_EQ(importStatus->getValue<int>("file_system_status"), 5);

    auto closed = pollUntil(server, "/v2/folders", windowClosed);
    EXPECT_EQ(closed->getValue<std::string>("window_message"), "WINDOW_CLOSE");
    EXPECT_EQ(closed->getValue<std::string>("project_path"), (_root.path() / "cars").string());
    EXPECT_EQ(countOf(server.log(), "asking for a project folder"), 1) << server.log();

    // The next request resets the status before it answers: no stale path.
    EXPECT_EQ(server.put("/v2/folders", "{}").body, R"({"message":1})");
    EXPECT_EQ(server.get("/v2/folders").json()->getValue<int>("window_status"), 0);
    pollUntil(server, "/v2/folders", windowClosed);
}

TEST_F(SelectionApiTest, LabelFileWindow) {
    ServerProcess server(headless("300"));
    EXPECT_EQ(server.put("/v2/labelfiles", "{}").body, R"({"message":1})");
    EXPECT_EQ(server.get("/v2/labelfiles").json()->getValue<int>("window_status"), 0);
    auto closed = pollUntil(server, "/v2/labelfiles", windowClosed);
    EXPECT_EQ(closed->getValue<std::string>("label_file_path"),
              (_root.path() / "labels.txt").string());
    EXPECT_FALSE(closed->has("project_path"));
}

TEST_F(SelectionApiTest, UnansweredHeadlessCancelsAndSaysWhichKeyToSet) {
    ServerProcess server(
        {"--define=files.roots=" + _root.path().string(), "--define=dialog.backend=headless"});
    EXPECT_EQ(server.put("/v2/folders", "{}").body, R"({"message":1})");
    auto closed = pollUntil(server, "/v2/folders", windowClosed);
    EXPECT_EQ(closed->getValue<std::string>("project_path"), "");
    EXPECT_EQ(server.put("/v2/projects", R"({"status":"config"})").body, R"({"message":1})");
    auto aborted = pollUntil(server, "/v2/seg/projects/importstatus", importEnded);
    EXPECT_EQ(aborted->getValue<int>("file_system_status"), 5);
    EXPECT_EQ(aborted->getValue<std::string>("file_system_message"), "ABORTED");
    EXPECT_NE(aborted->getValue<std::string>("error_message").find("dialog.headless.configfile"),
              std::string::npos);
    EXPECT_NE(server.log().find("dialog.headless.folder"), std::string::npos);
}

TEST_F(SelectionApiTest, AForcedBackendThatCannotRunIsReported) {
    // Without a display zenity cannot open a window, whether or not it is installed.
    const char* display = std::getenv("DISPLAY");
    const std::string saved = display ? display : "";
    ::unsetenv("DISPLAY");
    ::unsetenv("WAYLAND_DISPLAY");
    ServerProcess server(
        {"--define=files.roots=" + _root.path().string(), "--define=dialog.backend=zenity"});
    if (!saved.empty()) {
        ::setenv("DISPLAY", saved.c_str(), 1);
    }
    auto reply = server.put("/v2/folders", "{}").json();
    EXPECT_EQ(reply->getValue<int>("message"), 0);
    EXPECT_NE(reply->getValue<std::string>("error_message").find("'zenity' cannot run here"),
              std::string::npos)
        << reply->getValue<std::string>("error_message");
    EXPECT_EQ(server.get("/v2/folders").json()->getValue<int>("window_status"), 1);
    auto unknown = ServerProcess({"--define=dialog.backend=nope"}).put("/v2/labelfiles", "{}");
    EXPECT_NE(unknown.body.find("no plugin registered it"), std::string::npos) << unknown.body;
}

TEST_F(SelectionApiTest, ImportStatusMachine) {
    std::ofstream(_root.path() / "cars/p.json")
        << R"({"tool":"classifai","tool_version":"2.0.0-alpha3","updated_date":"2021/12/16 03:15:02 PM",
               "project_name":"machine","annotation_type":"boundingbox","content":{}})";
    ServerProcess server(headless("1000"));
    EXPECT_EQ(server.put("/v2/newproject", "{}").body, R"({"message":1})");
    EXPECT_EQ(server.get("/v2/bndbox/projects/importstatus").body,
              R"({"message":1,"file_system_status":1,"file_system_message":"ITERATING_FOLDER"})");
    // The same window again: the V2 document's error; the import goes on.
    auto again = server.put("/v2/projects", R"({"status":"config"})").json();
    EXPECT_EQ(again->getValue<int>("message"), 0);
    EXPECT_EQ(again->getValue<std::string>("error_message"),
              "Import config file selector window has already opened. Close that to proceed.");
    EXPECT_EQ(again->getValue<int>("errorCode"), 1);
    auto done = pollUntil(server, "/v2/bndbox/projects/importstatus", importEnded);
    EXPECT_EQ(done->getValue<int>("file_system_status"), 3) << server.log();
    EXPECT_EQ(done->getValue<std::string>("file_system_message"), "DATABASE_UPDATED");
    EXPECT_EQ(done->getValue<std::string>("project_name"), "machine");
    EXPECT_FALSE(done->has("rename_message"));
    EXPECT_EQ(countOf(server.log(), "asking for a configuration file"), 1);

    // A new request starts from 1 again, never from the previous 3; the type segment is ignored.
    EXPECT_EQ(server.put("/v2/newproject", "{}").body, R"({"message":1})");
    EXPECT_EQ(
        server.get("/v2/seg/projects/importstatus").json()->getValue<int>("file_system_status"), 1);
    auto renamed = pollUntil(server, "/v2/bndbox/projects/importstatus", importEnded);
    EXPECT_EQ(renamed->getValue<int>("file_system_status"), 3);
    EXPECT_NE(renamed->getValue<std::string>("project_name"), "machine");
    // The literal segment wins over a project name.
    EXPECT_EQ(server.get("/v2/bndbox/projects/importstatus").status, 200);
}

} // namespace

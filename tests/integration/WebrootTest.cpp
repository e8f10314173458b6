// Serving the web front-end from --webroot: types, SPA fallback, confinement; and PUT /v2/close.
#include "ImageTestSupport.hpp"

#include "project/ImageNames.hpp"

#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/StreamSocket.h>

#include <gtest/gtest.h>

#include <unistd.h>

namespace fs = std::filesystem;
using namespace classifai::test;

namespace {

class WebrootTest : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        site = new TempFolder("classifai-webroot");
        const auto root = site->path() / "www";
        fs::create_directories(root / "assets");
        writeTextFile(root / "index.html", "<!doctype html><title>app</title>");
        writeTextFile(root / "main-es2015.js", "console.log('ok');");
        writeTextFile(root / "styles.css", "body{}");
        writeTextFile(root / "assets" / "logo.svg", "<svg/>");
        writeImage(root / "assets" / "icon.png", ImageFormat::Png, 4, 4);
        writeTextFile(root / ".env", "SECRET=1");
        writeTextFile(site->path() / "outside.txt", "secret");
        fs::create_symlink(site->path() / "outside.txt", root / "leak.txt");
        fs::create_symlink(site->path(), root / "up");
        server = new ServerProcess({"--webroot=" + root.string()});
    }
    static void TearDownTestSuite() {
        delete server;
        delete site;
    }
    static HttpResult get(const std::string& path, const std::string& accept = "*/*") {
        return server->request("GET", path, "", {{"Accept", accept}});
    }

    static TempFolder* site;
    static ServerProcess* server;
};

TempFolder* WebrootTest::site = nullptr;
ServerProcess* WebrootTest::server = nullptr;

TEST_F(WebrootTest, ServesFilesWithTheirContentTypes) {
    struct Case {
        std::string path;
        std::string type;
        std::string body;
    };
    for (const auto& [path, type, body] : std::vector<Case>{
             {"/", "text/html", "<!doctype html><title>app</title>"},
             {"/index.html", "text/html", "<!doctype html><title>app</title>"},
             {"/main-es2015.js", "text/javascript", "console.log('ok');"},
             {"/styles.css", "text/css", "body{}"},
             {"/assets/logo.svg", "image/svg+xml", "<svg/>"},
         }) {
        auto result = get(path);
        EXPECT_EQ(result.status, 200) << path;
        EXPECT_EQ(result.header("content-type").rfind(type, 0), 0u)
            << path << ": " << result.header("content-type");
        EXPECT_EQ(result.body, body) << path;
    }
    auto png = get("/assets/icon.png");
    EXPECT_EQ(png.header("content-type"), "image/png");
    EXPECT_EQ(png.body, readBytes(site->path() / "www" / "assets" / "icon.png"));
    auto head = server->request("HEAD", "/styles.css");
    EXPECT_EQ(head.status, 200);
    EXPECT_EQ(head.header("content-length"), "6");
    EXPECT_TRUE(head.body.empty());
}

TEST_F(WebrootTest, FrontEndRoutesGetIndexHtmlOnlyWhenHtmlIsAccepted) {
    for (const auto& path : {"/dataset", "/imglabel/bndbox", "/imglabel/seg"}) {
        auto page = get(path, "text/html,application/xhtml+xml,*/*;q=0.8");
        EXPECT_EQ(page.status, 200) << path;
        EXPECT_EQ(page.body, "<!doctype html><title>app</title>") << path;
    }
    auto script = get("/missing.js", "*/*");
    EXPECT_EQ(script.status, 404);
    EXPECT_EQ(script.json()->getValue<int>("message"), 0);
}

TEST_F(WebrootTest, ApiRoutesComeFirst) {
    auto list = get("/bndbox/projects/meta", "text/html,*/*");
    EXPECT_EQ(list.status, 200);
    EXPECT_EQ(list.header("content-type").rfind("application/json", 0), 0u);
    EXPECT_EQ(list.json()->getValue<int>("message"), 1);
    auto health = get("/api/system/health", "text/html");
    EXPECT_EQ(health.json()->getValue<std::string>("status"), "ok");
}

TEST_F(WebrootTest, NothingOutsideTheWebrootIsServed) {
    for (const auto& path :
         {"/leak.txt", "/up/outside.txt", "/../outside.txt", "/%2e%2e/outside.txt",
          "/assets/..%2f..%2foutside.txt", "/.env", "/assets/%2e%2e/%2e%2e/outside.txt"}) {
        auto result = get(path, "*/*");
        EXPECT_EQ(result.status, 404) << path;
        EXPECT_EQ(result.body.find("secret"), std::string::npos) << path;
        EXPECT_EQ(result.body.find("SECRET"), std::string::npos) << path;
    }
    // With HTML accepted the answer is the application page, never the file.
    auto html = get("/leak.txt", "text/html");
    EXPECT_EQ(html.body, "<!doctype html><title>app</title>");
    EXPECT_EQ(server->request("PUT", "/index.html", "{}").status, 404);
}

TEST(ShutdownTest, CloseAnswersThenStopsGracefullyKeepingEveryWrite) {
    ProjectServer projects;
    const auto folder = projects.folder("keep");
    fs::create_directories(folder);
    writeImage(folder / "k.png", ImageFormat::Png, 8, 8);
    auto ids = projects.createProject("keep", "bndbox");
    ASSERT_EQ(ids.size(), 1u);
    const std::string list = "[{\"x1\":1,\"y1\":2,\"x2\":3,\"y2\":4,\"label\":\"car\"}]";
    auto saved = projects.server().put("/bndbox/projects/keep/uuid/" + ids[0] + "/update",
                                       "{\"bnd_box\":" + list + "}");
    ASSERT_EQ(saved.json()->getValue<int>("message"), 1) << saved.body;

    auto closed = projects.server().put("/v2/close", "{}");
    EXPECT_EQ(closed.status, 200);
    EXPECT_EQ(closed.json()->getValue<int>("message"), 1);
    const int pid = projects.server().pid();
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (projects.server().running() && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    ASSERT_FALSE(projects.server().running()) << "server " << pid << " still running";
    EXPECT_NE(projects.server().log().find("shutting down"), std::string::npos);
    EXPECT_EQ(projects.server().stop(), 0);
    // The database was closed cleanly: its write-ahead log was checkpointed and removed.
    EXPECT_FALSE(fs::exists(projects.dataDir() / "classifai.db-wal"));

    projects.restart();
    auto body = projects.server().get("/bndbox/projects/keep/uuid/" + ids[0] + "/thumbnail").body;
    EXPECT_NE(body.find("\"bnd_box\":" + list), std::string::npos) << body;
}

TEST(ShutdownTest, ARequestInFlightWhenCloseArrivesStillCompletes) {
    ProjectServer projects;
    const auto folder = projects.folder("slow");
    fs::create_directories(folder);
    writeImage(folder / "s.png", ImageFormat::Png, 8, 8);
    ASSERT_EQ(projects.createProject("slow", "bndbox").size(), 1u);
    auto& server = projects.server();

    // An upload whose body arrives in two halves, with PUT /v2/close in between.
    const std::string body =
        "{\"img_name_list\":[\"late.png\"],\"img_base64_list\":[\"data:image/png;base64," +
        classifai::encodeBase64(encodeImage(ImageFormat::Png, 64, 64)) + "\"]}";
    Poco::Net::StreamSocket upload(
        Poco::Net::SocketAddress("127.0.0.1", static_cast<Poco::UInt16>(server.port())));
    const std::string head =
        "PUT /v2/bndbox/projects/slow/add HTTP/1.1\r\nHost: 127.0.0.1:" +
        std::to_string(server.port()) +
        "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
        "\r\n\r\n";
    const std::size_t half = body.size() / 2;
    upload.sendBytes(head.data(), static_cast<int>(head.size()));
    upload.sendBytes(body.data(), static_cast<int>(half));
    std::this_thread::sleep_for(std::chrono::milliseconds(200));

    auto closed = server.put("/v2/close", "{}");
    EXPECT_EQ(closed.json()->getValue<int>("message"), 1);
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    EXPECT_TRUE(server.running()) << "the server must wait for the request in flight";

    upload.sendBytes(body.data() + half, static_cast<int>(body.size() - half));
    std::string answer;
    char buffer[4096];
    for (int got = 0; (got = upload.receiveBytes(buffer, sizeof buffer)) > 0;) {
        answer.append(buffer, static_cast<std::size_t>(got));
        if (answer.find("\"message\"") != std::string::npos &&
            answer.find('}') != std::string::npos) {
            break;
        }
    }
    EXPECT_NE(answer.find("HTTP/1.1 200"), std::string::npos) << answer;
    EXPECT_NE(answer.find("{\"message\":1}"), std::string::npos) << answer;

    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (server.running() && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    EXPECT_FALSE(server.running());
    EXPECT_EQ(server.stop(), 0);
}

} // namespace

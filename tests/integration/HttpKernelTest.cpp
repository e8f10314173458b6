// The real server binary over real HTTP: routing, envelopes, guard, limits, shutdown.
#include "support/ServerProcess.hpp"

#include <gtest/gtest.h>

#include <string>

using classifai::test::ServerProcess;

namespace {

void expectErrorEnvelope(const classifai::test::HttpResult& result, int status) {
    EXPECT_EQ(result.status, status) << result.body;
    EXPECT_NE(result.header("content-type").find("application/json"), std::string::npos);
    auto body = result.json();
    EXPECT_EQ(body->getValue<int>("message"), 0);
    EXPECT_EQ(body->getValue<int>("error_code"), body->getValue<int>("errorCode"));
    EXPECT_EQ(body->getValue<std::string>("error_message"),
              body->getValue<std::string>("errorMessage"));
    EXPECT_FALSE(body->getValue<std::string>("error_message").empty());
}

class HttpKernelTest : public ::testing::Test {
protected:
    static void SetUpTestSuite() { server = new ServerProcess(); }
    static void TearDownTestSuite() {
        delete server;
        server = nullptr;
    }
    static ServerProcess* server;
};

ServerProcess* HttpKernelTest::server = nullptr;

TEST_F(HttpKernelTest, HealthAnswersWithTheEnvelope) {
    auto result = server->get("/api/system/health");
    ASSERT_EQ(result.status, 200) << result.body;
    auto body = result.json();
    EXPECT_EQ(body->getValue<int>("message"), 1);
    EXPECT_EQ(body->getValue<std::string>("status"), "ok");
}

TEST_F(HttpKernelTest, UnknownRouteIsJson404) {
    auto result = server->get("/no/such/route");
    expectErrorEnvelope(result, 404);
    EXPECT_NE(result.json()->getValue<std::string>("error_message").find("/no/such/route"),
              std::string::npos);
    // The server keeps answering afterwards.
    EXPECT_EQ(server->get("/api/system/health").status, 200);
}

TEST_F(HttpKernelTest, WrongMethodIsJson405WithAllow) {
    auto result = server->request("DELETE", "/api/system/health");
    expectErrorEnvelope(result, 405);
    EXPECT_EQ(result.header("allow"), "GET");
}

TEST_F(HttpKernelTest, MalformedBodiesGetJson400) {
    for (const std::string body : {"{not json", "[1,2,3]", "\"text\"", "{\"level\": 3}", "{}"}) {
        auto result = server->put("/api/system/logging", body);
        expectErrorEnvelope(result, 400);
    }
    auto wrongValue = server->put("/api/system/logging", R"({"level":"loud"})");
    expectErrorEnvelope(wrongValue, 400);
    EXPECT_NE(wrongValue.json()->getValue<std::string>("error_message").find("level"),
              std::string::npos);
    auto good = server->put("/api/system/logging", R"({"level":"information"})");
    EXPECT_EQ(good.status, 200) << good.body;
    EXPECT_EQ(good.json()->getValue<std::string>("level"), "information");
}

TEST_F(HttpKernelTest, ForeignOriginIsRefused) {
    auto result =
        server->request("GET", "/api/system/health", "", {{"Origin", "http://evil.example"}});
    expectErrorEnvelope(result, 403);
    EXPECT_TRUE(result.header("access-control-allow-origin").empty());
    auto put = server->request("PUT", "/api/system/logging", R"({"level":"debug"})",
                               {{"Origin", "http://evil.example"}});
    expectErrorEnvelope(put, 403);
}

TEST_F(HttpKernelTest, ForeignHostIsRefused) {
    auto result = server->request("GET", "/api/system/health", "", {{"Host", "evil.example"}});
    expectErrorEnvelope(result, 403);
    auto otherPort = server->request("GET", "/api/system/health", "", {{"Host", "localhost:1"}});
    expectErrorEnvelope(otherPort, 403);
    auto own = server->request("GET", "/api/system/health", "",
                               {{"Host", "localhost:" + std::to_string(server->port())}});
    EXPECT_EQ(own.status, 200);
}

TEST_F(HttpKernelTest, OwnOriginGetsCorsHeadersAndPreflight) {
    auto origin = "http://localhost:" + std::to_string(server->port());
    auto result = server->request("GET", "/api/system/health", "", {{"Origin", origin}});
    EXPECT_EQ(result.status, 200);
    EXPECT_EQ(result.header("access-control-allow-origin"), origin);

    auto preflight =
        server->request("OPTIONS", "/v2/projects", "",
                        {{"Origin", origin},
                         {"Access-Control-Request-Method", "PUT"},
                         {"Access-Control-Request-Headers", "content-type,cache-control,pragma"}});
    EXPECT_EQ(preflight.status, 204);
    EXPECT_EQ(preflight.header("access-control-allow-origin"), origin);
    EXPECT_NE(preflight.header("access-control-allow-methods").find("PUT"), std::string::npos);
    EXPECT_NE(preflight.header("access-control-allow-headers").find("Cache-Control"),
              std::string::npos);
    EXPECT_NE(preflight.header("access-control-allow-origin"), "*");
}

TEST_F(HttpKernelTest, PercentEncodedSegmentsAreDecodedAndBadEncodingIsJson) {
    auto result = server->get("/api/system/%ZZ");
    expectErrorEnvelope(result, 400);
    EXPECT_EQ(server->get("/api/system/%68ealth").status, 200);
}

TEST(HttpKernelLimits, OversizedBodyIsJson413AndServerKeepsServing) {
    ServerProcess server({"--define", "http.maxBodyBytes=2048"});
    std::string big(10000, 'x');
    auto result = server.put("/api/system/logging", "{\"level\":\"" + big + "\"}");
    expectErrorEnvelope(result, 413);
    EXPECT_EQ(server.get("/api/system/health").status, 200);
}

TEST(HttpKernelToken, TokenIsRequiredWhenConfigured) {
    ServerProcess server({"--define=http.token=s3cret-token"});
    expectErrorEnvelope(server.get("/api/system/health"), 401);
    auto wrong =
        server.request("GET", "/api/system/health", "", {{"Authorization", "Bearer s3cret-tokem"}});
    expectErrorEnvelope(wrong, 401);
    auto right =
        server.request("GET", "/api/system/health", "", {{"Authorization", "Bearer s3cret-token"}});
    EXPECT_EQ(right.status, 200);
}

TEST(HttpKernelStartup, NonLoopbackBindWithoutTokenRefusesToStart) {
    std::string output;
    int code = classifai::test::runCommand(
        {CLASSIFAI_SERVER_BINARY, "--bind=0.0.0.0", "--port=0", "--check-plugins"}, output);
    EXPECT_NE(code, 0);
    EXPECT_NE(output.find("http.token"), std::string::npos) << output;
}

TEST(HttpKernelStartup, SigtermStopsGracefully) {
    ServerProcess server;
    EXPECT_EQ(server.get("/api/system/health").status, 200);
    EXPECT_EQ(server.stop(), 0) << server.log();
    EXPECT_NE(server.log().find("stopped"), std::string::npos);
}

TEST(HttpKernelStartup, HelpAndVersionExitCleanly) {
    std::string output;
    EXPECT_EQ(classifai::test::runCommand({CLASSIFAI_SERVER_BINARY, "--version"}, output), 0);
    EXPECT_NE(output.find("classifai"), std::string::npos);
    EXPECT_EQ(classifai::test::runCommand({CLASSIFAI_SERVER_BINARY, "--help"}, output), 0);
    EXPECT_NE(output.find("--data-dir"), std::string::npos);
}

} // namespace

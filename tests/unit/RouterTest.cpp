// Router: parameters, literal precedence, 404 and 405 outcomes.
#include "http/Router.hpp"

#include <gtest/gtest.h>

using classifai::Router;

namespace {

Router makeRouter(std::string& hit) {
    Router router;
    auto mark = [&hit](std::string name) {
        return [&hit, name](classifai::Request&, classifai::Reply&) { hit = name; };
    };
    router.add("GET", "/v2/{type}/projects/{name}", mark("status"));
    router.add("GET", "/v2/{type}/projects/importstatus", mark("import"));
    router.add("GET", "/v2/{type}/projects/exportstatus", mark("export"));
    router.add("GET", "/{type}/projects/meta", mark("meta"));
    router.add("GET", "/{type}/projects/{name}", mark("load"));
    router.add("PUT", "/{type}/projects/{name}", mark("close"));
    router.add("DELETE", "/{type}/projects/{name}", mark("delete"));
    return router;
}

TEST(RouterTest, LiteralSegmentsWinOverParameters) {
    std::string hit;
    auto router = makeRouter(hit);
    auto match = router.match("GET", "/v2/bndbox/projects/importstatus");
    ASSERT_EQ(match.outcome, Router::Outcome::Found);
    EXPECT_EQ(match.params.at("type"), "bndbox");
    EXPECT_EQ(match.params.count("name"), 0u);
    match = router.match("GET", "/bndbox/projects/meta");
    ASSERT_EQ(match.outcome, Router::Outcome::Found);
    EXPECT_EQ(match.params.count("name"), 0u);
}

TEST(RouterTest, ParametersArePercentDecoded) {
    std::string hit;
    auto router = makeRouter(hit);
    auto match = router.match("GET", "/v2/seg/projects/my%20project");
    ASSERT_EQ(match.outcome, Router::Outcome::Found);
    EXPECT_EQ(match.params.at("name"), "my project");
    EXPECT_EQ(match.params.at("type"), "seg");
}

TEST(RouterTest, OtherMethodsFallBackToTheParameterRoute) {
    // A project named "meta" can still be closed and deleted.
    std::string hit;
    auto router = makeRouter(hit);
    auto match = router.match("PUT", "/bndbox/projects/meta");
    ASSERT_EQ(match.outcome, Router::Outcome::Found);
    EXPECT_EQ(match.params.at("name"), "meta");
}

TEST(RouterTest, UnknownPathAndWrongMethod) {
    std::string hit;
    auto router = makeRouter(hit);
    EXPECT_EQ(router.match("GET", "/nothing/here").outcome, Router::Outcome::NotFound);
    auto match = router.match("POST", "/bndbox/projects/x");
    EXPECT_EQ(match.outcome, Router::Outcome::MethodNotAllowed);
    EXPECT_EQ(match.allowedMethods.size(), 3u);
    EXPECT_EQ(router.match("GET", "/v2/%zz/projects/x").outcome, Router::Outcome::NotFound);
}

TEST(RouterTest, DuplicateRouteIsRefused) {
    Router router;
    router.add("GET", "/a/{x}", [](classifai::Request&, classifai::Reply&) {});
    EXPECT_THROW(router.add("GET", "/a/{y}", [](classifai::Request&, classifai::Reply&) {}),
                 std::invalid_argument);
}

} // namespace

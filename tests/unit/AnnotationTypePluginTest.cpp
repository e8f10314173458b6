// The real annotation-bndbox and annotation-seg plugins, dlopen'ed through PluginHost.
#include "plugin/PluginHost.hpp"

#include <classifai/sdk/AnnotationType.hpp>

#include <Poco/AutoPtr.h>
#include <Poco/Util/MapConfiguration.h>

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace classifai {
namespace {

namespace fs = std::filesystem;

::testing::AssertionResult mentions(const std::string& text, const std::string& part) {
    if (text.find(part) != std::string::npos) {
        return ::testing::AssertionSuccess();
    }
    return ::testing::AssertionFailure()
           << "\"" << text << "\" does not mention \"" << part << "\"";
}

// One host for the whole suite: loading is what PluginHostTest covers, here we use the types.
class AnnotationTypePluginTest : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        _config = new Poco::Util::MapConfiguration;
        _host = std::make_unique<PluginHost>(*_config);
        for (const char* name : {"annotation-bndbox", "annotation-seg"}) {
            const PluginRecord& record =
                _host->loadFile(fs::path(CLASSIFAI_PLUGIN_DIR) / (std::string(name) + ".so"));
            ASSERT_TRUE(record.loaded) << name << ": " << record.stage << ": " << record.reason;
        }
    }
    static void TearDownTestSuite() {
        _host.reset();
        _config = nullptr;
    }

    static const sdk::AnnotationType& bndbox() {
        return *_host->registry().annotationType("bndbox");
    }
    static const sdk::AnnotationType& seg() { return *_host->registry().annotationType("seg"); }

    static std::string canonical(const sdk::AnnotationType& type, const std::string& json) {
        sdk::Result<std::string> result = type.canonicalize(json);
        EXPECT_TRUE(result.ok()) << (result.ok() ? "" : result.error().message);
        return result.ok() ? result.value() : std::string();
    }

    static std::string rejection(const sdk::AnnotationType& type, const std::string& json) {
        sdk::Result<std::string> result = type.canonicalize(json);
        EXPECT_FALSE(result.ok()) << json << " was accepted as " << result.value();
        if (result.ok()) {
            return {};
        }
        EXPECT_EQ(result.error().kind, sdk::ErrorKind::InvalidInput);
        return result.error().message;
    }

    static inline Poco::AutoPtr<Poco::Util::MapConfiguration> _config;
    static inline std::unique_ptr<PluginHost> _host;
};

const std::string kValidBox = R"({"x1":1,"y1":2,"x2":3,"y2":4})";

TEST_F(AnnotationTypePluginTest, RegistersBothTypesWithAliasesAndListKeys) {
    const Registry& registry = _host->registry();
    ASSERT_NE(registry.annotationType("bndbox"), nullptr);
    ASSERT_NE(registry.annotationType("seg"), nullptr);
    EXPECT_EQ(registry.annotationType("boundingbox"), registry.annotationType("bndbox"));
    EXPECT_EQ(registry.annotationType("segmentation"), registry.annotationType("seg"));
    EXPECT_EQ(bndbox().listKey(), "bnd_box");
    EXPECT_EQ(seg().listKey(), "polygons");
    EXPECT_EQ(bndbox().displayName(), "Bounding box");
    EXPECT_EQ(seg().displayName(), "Polygon segmentation");
    for (const PluginRecord& record : _host->records()) {
        ASSERT_EQ(record.capabilities.size(), 1u) << record.id;
        EXPECT_EQ(record.capabilities[0].kind, "annotation_type");
    }
}

TEST_F(AnnotationTypePluginTest, UiBoxRoundTripsWithFloatsSubLabelObjectsAndUnknownKeys) {
    const std::string ui =
        R"j([{"x1":120.5,"y1":80,"x2":260.25,"y2":190,"lineWidth":2,"color":"rgba(0,255,0,1.0)",)j"
        R"("distancetoImg":{"x":40.75,"y":30},"label":"car","id":"1639637402123","region":"1",)"
        R"("subLabel":[{"label":"red","region":"1"}],"zIndex":3,"extra":{"b":[1,2.5,null,true],"a":"é"}}])";
    const std::string stored = canonical(bndbox(), ui);
    EXPECT_EQ(stored, ui);
    EXPECT_EQ(canonical(bndbox(), stored), stored);
}

TEST_F(AnnotationTypePluginTest, SpacedInputComesBackCompact) {
    EXPECT_EQ(
        canonical(bndbox(), " [ { \"x1\" : 1 , \"y1\":2,\"x2\":3,\"y2\":4,\"label\":\"a\" } ]\n"),
        R"([{"x1":1,"y1":2,"x2":3,"y2":4,"label":"a"}])");
    EXPECT_EQ(canonical(bndbox(), "[]"), "[]");
}

TEST_F(AnnotationTypePluginTest, UiPolygonRoundTripsWithNullOffsetsAndSubLabelObjects) {
    const std::string ui =
        R"([{"coorPt":[{"x":100.5,"y":90,"distancetoImg":{"x":20.5,"y":40}},)"
        R"({"x":180,"y":95,"distancetoImg":null},{"x":150,"y":160.125,"distancetoImg":{"x":70,"y":110}}],)"
        R"j("lineWidth":2,"color":"rgba(0,255,0,1.0)","region":"1","subLabel":[{"label":"wet","region":"1"}],)j"
        R"("label":"road","id":"1639637410001","custom":[]}])";
    const std::string stored = canonical(seg(), ui);
    EXPECT_EQ(stored, ui);
    EXPECT_EQ(canonical(seg(), stored), stored);
}

TEST_F(AnnotationTypePluginTest, SwappedCornersAreOrderedAndOffsetFollowsTopLeft) {
    EXPECT_EQ(
        canonical(
            bndbox(),
            R"([{"x1":260,"y1":190,"x2":120,"y2":80,"distancetoImg":{"x":180,"y":140},"label":"car"}])"),
        R"([{"x1":120,"y1":80,"x2":260,"y2":190,"distancetoImg":{"x":40,"y":30},"label":"car"}])");
    EXPECT_EQ(canonical(bndbox(), R"([{"x1":5.5,"y1":1,"x2":2,"y2":4}])"),
              R"([{"x1":2,"y1":1,"x2":5.5,"y2":4,"label":""}])");
}

TEST_F(AnnotationTypePluginTest, MissingOrNullLabelBecomesEmpty) {
    EXPECT_EQ(canonical(bndbox(), "[" + kValidBox + "]"),
              R"([{"x1":1,"y1":2,"x2":3,"y2":4,"label":""}])");
    EXPECT_EQ(canonical(bndbox(), R"([{"label":null,"x1":1,"y1":2,"x2":3,"y2":4,"color":null}])"),
              R"([{"label":"","x1":1,"y1":2,"x2":3,"y2":4,"color":null}])");
}

TEST_F(AnnotationTypePluginTest, InvalidBoxListsAreRejectedNamingTheField) {
    struct Case {
        std::string json;
        std::string field;
    };
    const std::vector<Case> cases = {
        {R"({"bnd_box":[]})", "bnd_box must be a JSON array"},
        {"", "bnd_box must be a JSON array"},
        {"null", "bnd_box must be a JSON array"},
        {"[" + kValidBox + ",7]", "bnd_box[1] must be an object"},
        {R"([{"y1":2,"x2":3,"y2":4}])", "bnd_box[0].x1"},
        {"[" + kValidBox + R"(,{"x1":"12","y1":2,"x2":3,"y2":4}])",
         "bnd_box[1].x1 must be a number"},
        {R"([{"x1":true,"y1":2,"x2":3,"y2":4}])", "bnd_box[0].x1 must be a number"},
        {R"([{"x1":1,"y1":2,"x2":1e400,"y2":4}])", "bnd_box[0].x2"},
        {R"([{"x1":1,"y1":2,"x2":3,"y2":-1e400}])", "bnd_box[0].y2"},
        {R"([{"x1":1,"y1":2,"x2":3,"y2":4,"label":5}])", "bnd_box[0].label must be a string"},
        {R"([{"x1":1,"y1":2,"x2":3,"y2":4,"label":["car"]}])", "bnd_box[0].label must be a string"},
        {R"([{"x1":1,"y1":2,"x2":3,"y2":4,"distancetoImg":{"x":"a","y":1}}])",
         "bnd_box[0].distancetoImg.x must be a number"},
        {R"([{"x1":1,"y1":2,"x2":3,"y2":4,"distancetoImg":[1,2]}])", "bnd_box[0].distancetoImg"},
        {R"([{"x1":1,"y1":2,"x2":3,"y2":4,"lineWidth":"2"}])", "bnd_box[0].lineWidth"},
        {R"([{"x1":1,"y1":2,"x2":3,"y2":4,"color":1}])", "bnd_box[0].color"},
        {R"([{"x1":1,"y1":2,"x2":3,"y2":4}, {"x1":1,)", "bnd_box[1]"},
        {R"([{"x1":1,"y1":2,"x2":3,"y2":4}] [])", "bnd_box"},
        {R"([{"x1":1,"y1":2,"x2":3,"y2":4,"label":")" + std::string(70000, 'a') + "\"}]",
         "bnd_box[0].label is longer than"},
        {"[{\"x1\":1,\"y1\":2,\"x2\":3,\"y2\":4,\"deep\":" + std::string(40, '[') +
             std::string(40, ']') + "}]",
         "bnd_box[0].deep"},
    };
    for (const Case& c : cases) {
        EXPECT_TRUE(mentions(rejection(bndbox(), c.json), c.field))
            << "input: " << c.json.substr(0, 120);
    }
}

TEST_F(AnnotationTypePluginTest, RejectsMoreThanTenThousandAnnotations) {
    std::string json = "[";
    for (int i = 0; i < 10001; ++i) {
        json += (i == 0 ? "" : ",") + kValidBox;
    }
    json += "]";
    EXPECT_TRUE(mentions(rejection(bndbox(), json), "more than 10000"));
}

TEST_F(AnnotationTypePluginTest, RejectsDocumentsWithMoreThanAMillionValues) {
    // Small in bytes (2 MB) but expensive once parsed: the value count is what bounds memory.
    std::string zeros(2 * 1'000'001 - 1, ',');
    for (std::size_t i = 0; i < zeros.size(); i += 2) {
        zeros[i] = '0';
    }
    EXPECT_TRUE(
        mentions(rejection(bndbox(), R"([{"x1":1,"y1":2,"x2":3,"y2":4,"e":[)" + zeros + "]}]"),
                 "more than 1000000"));
}

TEST_F(AnnotationTypePluginTest, InvalidPolygonListsAreRejectedNamingTheField) {
    const std::string p = R"({"x":1,"y":2})";
    struct Case {
        std::string json;
        std::string field;
    };
    const std::vector<Case> cases = {
        {"{}", "polygons must be a JSON array"},
        {"[3]", "polygons[0] must be an object"},
        {R"([{"label":"road"}])", "polygons[0].coorPt"},
        {R"([{"coorPt":{}}])", "polygons[0].coorPt"},
        {"[{\"coorPt\":[" + p + "," + p + "]}]", "polygons[0].coorPt must have at least 3 points"},
        {"[{\"coorPt\":[" + p + "," + p + "," + p + "]},{\"coorPt\":[" + p + R"(,{"x":1},)" + p +
             "]}]",
         "polygons[1].coorPt[1].y"},
        {"[{\"coorPt\":[" + p + "," + p + ",4]}]", "polygons[0].coorPt[2] must be an object"},
        {"[{\"coorPt\":[" + p + "," + p + R"(,{"x":1,"y":2,"distancetoImg":{"x":1e400,"y":0}}]}])",
         "polygons[0].coorPt[2].distancetoImg.x"},
        {"[{\"coorPt\":[" + p + "," + p + "," + p + R"(],"label":false}])",
         "polygons[0].label must be a string"},
    };
    for (const Case& c : cases) {
        EXPECT_TRUE(mentions(rejection(seg(), c.json), c.field)) << "input: " << c.json;
    }
}

TEST_F(AnnotationTypePluginTest, LabelsAreDistinctInFirstUseOrderWithoutEmpty) {
    const std::string boxes = "[" + std::string(R"({"x1":0,"y1":0,"x2":1,"y2":1,"label":"car"},)") +
                              R"({"x1":0,"y1":0,"x2":1,"y2":1,"label":""},)" +
                              R"({"x1":0,"y1":0,"x2":1,"y2":1,"label":"person"},)" +
                              R"({"x1":0,"y1":0,"x2":1,"y2":1,"label":"car"},)" +
                              R"({"x1":0,"y1":0,"x2":1,"y2":1},)" +
                              R"({"x1":0,"y1":0,"x2":1,"y2":1,"label":"truck"}])";
    sdk::Result<std::vector<std::string>> labels = bndbox().labels(boxes);
    ASSERT_TRUE(labels.ok()) << labels.error().message;
    EXPECT_EQ(labels.value(), (std::vector<std::string>{"car", "person", "truck"}));

    const std::string tri = R"("coorPt":[{"x":0,"y":0},{"x":1,"y":0},{"x":1,"y":1}])";
    sdk::Result<std::vector<std::string>> segLabels =
        seg().labels("[{" + tri + R"(,"label":"road"},{)" + tri + R"(,"label":"sky"},{)" + tri +
                     R"(,"label":"road"}])");
    ASSERT_TRUE(segLabels.ok()) << segLabels.error().message;
    EXPECT_EQ(segLabels.value(), (std::vector<std::string>{"road", "sky"}));

    EXPECT_FALSE(bndbox().labels("[1]").ok());
}

void expectPoints(const sdk::Shape& shape, const std::vector<sdk::Point>& expected) {
    ASSERT_EQ(shape.points.size(), expected.size());
    for (std::size_t i = 0; i < expected.size(); ++i) {
        EXPECT_DOUBLE_EQ(shape.points[i].x, expected[i].x) << "point " << i;
        EXPECT_DOUBLE_EQ(shape.points[i].y, expected[i].y) << "point " << i;
    }
}

TEST_F(AnnotationTypePluginTest, BoxShapesScaleOffsetsByOriginalOverDisplayedSize) {
    const std::string boxes =
        R"([{"x1":120,"y1":80,"x2":260,"y2":190,"distancetoImg":{"x":40,"y":30},"label":"car"},)"
        R"({"x1":10.5,"y1":20,"x2":30,"y2":40,"label":"bike"}])";
    // Displayed at 400x300, original 800x900: sx = 2, sy = 3.
    sdk::Result<std::vector<sdk::Shape>> shapes = bndbox().toShapes(
        boxes, sdk::DisplayGeometry{80, 50, 400, 300}, sdk::ImageGeometry{800, 900, 3});
    ASSERT_TRUE(shapes.ok()) << shapes.error().message;
    ASSERT_EQ(shapes.value().size(), 2u);
    EXPECT_EQ(shapes.value()[0].kind, sdk::ShapeKind::Box);
    EXPECT_EQ(shapes.value()[0].label, "car");
    expectPoints(shapes.value()[0], {{80, 90}, {80 + 280, 90 + 330}});
    // No offset: the corners are taken as original pixels.
    EXPECT_EQ(shapes.value()[1].label, "bike");
    expectPoints(shapes.value()[1], {{10.5, 20}, {30, 40}});
}

TEST_F(AnnotationTypePluginTest, BoxShapesUseOwnCoordinatesWhenNeverDisplayed) {
    const std::string boxes =
        R"([{"x1":120,"y1":80,"x2":260,"y2":190,"distancetoImg":{"x":40,"y":30},"label":"car"}])";
    for (const sdk::DisplayGeometry& display :
         {sdk::DisplayGeometry{0, 0, 0, 0}, sdk::DisplayGeometry{10, 10, 0, 300},
          sdk::DisplayGeometry{10, 10, 400, 0}}) {
        sdk::Result<std::vector<sdk::Shape>> shapes =
            bndbox().toShapes(boxes, display, sdk::ImageGeometry{800, 600, 3});
        ASSERT_TRUE(shapes.ok()) << shapes.error().message;
        ASSERT_EQ(shapes.value().size(), 1u);
        expectPoints(shapes.value()[0], {{120, 80}, {260, 190}});
    }
}

TEST_F(AnnotationTypePluginTest, BoxShapesAreNotClipped) {
    const std::string boxes =
        R"([{"x1":0,"y1":0,"x2":500,"y2":10,"distancetoImg":{"x":-5,"y":0},"label":"edge"}])";
    sdk::Result<std::vector<sdk::Shape>> shapes = bndbox().toShapes(
        boxes, sdk::DisplayGeometry{0, 0, 400, 300}, sdk::ImageGeometry{800, 600, 3});
    ASSERT_TRUE(shapes.ok()) << shapes.error().message;
    expectPoints(shapes.value()[0], {{-10, 0}, {990, 20}});
}

TEST_F(AnnotationTypePluginTest, PolygonShapesScaleOffsetsPerAxisOrUsePointsAsPixels) {
    const std::string polygons =
        R"([{"coorPt":[{"x":100,"y":90,"distancetoImg":{"x":20,"y":40}},)"
        R"({"x":180,"y":95,"distancetoImg":{"x":100.5,"y":45}},{"x":150,"y":160,"distancetoImg":null}],)"
        R"("label":"road"}])";
    sdk::Result<std::vector<sdk::Shape>> shown = seg().toShapes(
        polygons, sdk::DisplayGeometry{80, 50, 400, 300}, sdk::ImageGeometry{800, 900, 3});
    ASSERT_TRUE(shown.ok()) << shown.error().message;
    ASSERT_EQ(shown.value().size(), 1u);
    EXPECT_EQ(shown.value()[0].kind, sdk::ShapeKind::Polygon);
    EXPECT_EQ(shown.value()[0].label, "road");
    expectPoints(shown.value()[0], {{40, 120}, {201, 135}, {150, 160}});

    sdk::Result<std::vector<sdk::Shape>> never =
        seg().toShapes(polygons, sdk::DisplayGeometry{}, sdk::ImageGeometry{800, 900, 3});
    ASSERT_TRUE(never.ok()) << never.error().message;
    expectPoints(never.value()[0], {{100, 90}, {180, 95}, {150, 160}});

    EXPECT_FALSE(seg().toShapes("[{}]", sdk::DisplayGeometry{}, sdk::ImageGeometry{}).ok());
}

TEST_F(AnnotationTypePluginTest, ConcurrentCallsGiveTheSameAnswers) {
    const std::string ui =
        R"([{"x1":260,"y1":80,"x2":120,"y2":190,"distancetoImg":{"x":180,"y":30},"label":"car",)"
        R"("subLabel":[{"label":"red"}]}])";
    const std::string expected = canonical(bndbox(), ui);
    std::atomic<int> mismatches{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t) {
        threads.emplace_back([&] {
            for (int i = 0; i < 200; ++i) {
                sdk::Result<std::string> result = bndbox().canonicalize(ui);
                if (!result.ok() || result.value() != expected) {
                    ++mismatches;
                }
            }
        });
    }
    for (std::thread& thread : threads) {
        thread.join();
    }
    EXPECT_EQ(mismatches.load(), 0);
}

} // namespace
} // namespace classifai

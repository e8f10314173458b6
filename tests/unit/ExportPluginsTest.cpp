// The real exporter plugins, dlopen'ed through PluginHost, fed a fake project view and read back
// with independent parsers (Poco JSON here, Python's xml.etree for VOC).
#include "plugin/PluginHost.hpp"

#include <classifai/sdk/Exporter.hpp>

#include <Poco/AutoPtr.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Util/MapConfiguration.h>

#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

namespace classifai {
namespace {

namespace fs = std::filesystem;
using Json = Poco::JSON::Object::Ptr;

sdk::Shape box(const std::string& label, double x1, double y1, double x2, double y2) {
    return sdk::Shape{sdk::ShapeKind::Box, label, {{x1, y1}, {x2, y2}}};
}

sdk::Shape polygon(const std::string& label, std::vector<sdk::Point> points) {
    return sdk::Shape{sdk::ShapeKind::Polygon, label, std::move(points)};
}

// Images and metadata given up front, yielded one at a time like the kernel's view.
class FakeView final : public sdk::ProjectView {
public:
    struct Image {
        sdk::ExportImage image;
        std::string annotationData; // the stored annotation_data object
    };

    std::string projectName() const override { return "cars \"2\""; }
    std::string annotationType() const override { return type; }
    std::string rootPath() const override { return root; }
    std::vector<std::string> labels() const override { return {"car", "person"}; }
    std::string metadataJson() const override {
        std::string meta = R"({"project_id":"3f2a9c1e-7b4d-4e0a-9a51-2c7d9e8b6f10",)"
                           R"("project_name":"cars \"2\"","annotation_type":")" +
                           type + R"(","project_path":")" + root +
                           R"(","is_new":false,"is_starred":true,)"
                           R"("version_uuid":"6c1e0a3e-3a7b-4f4e-9d5e-2b1f0c9a7d11",)"
                           R"("created_date":"2021-12-16T07:00:00.000Z",)"
                           R"("last_modified_date":"2021-12-16T07:10:11.000Z")";
        if (_next > 0 && _next <= images.size()) {
            meta += R"(,"current_image":{"uuid":")" + images[_next - 1].image.uuid +
                    R"(","annotation_data":)" + images[_next - 1].annotationData + "}";
        }
        return meta + "}";
    }
    std::int64_t imageCount() const override { return static_cast<std::int64_t>(images.size()); }
    sdk::Result<bool> next(sdk::ExportImage& out) override {
        if (_next >= images.size()) {
            ++_next;
            return false;
        }
        out = images[_next++].image;
        return true;
    }

    std::string type = "bndbox";
    std::string root;
    std::vector<Image> images;

private:
    std::size_t _next = 0;
};

// Files in memory, by relative path; added files by their source.
class MemorySink final : public sdk::ExportSink {
public:
    sdk::Result<std::ostream*> open(const std::string& relativePath) override {
        _streams.emplace_back(relativePath, std::make_unique<std::ostringstream>());
        return static_cast<std::ostream*>(_streams.back().second.get());
    }
    sdk::Result<void> addFile(const std::string& relativePath,
                              const std::string& sourceAbsolutePath) override {
        added[relativePath] = sourceAbsolutePath;
        return {};
    }
    void count(const std::string& counter, std::int64_t amount) override {
        counters[counter] += amount;
    }
    void progress(std::int64_t done, std::int64_t total) override { lastProgress = {done, total}; }

    std::map<std::string, std::string> files() const {
        std::map<std::string, std::string> result;
        for (const auto& [name, stream] : _streams) {
            EXPECT_EQ(result.count(name), 0u) << name << " written twice";
            result[name] = stream->str();
        }
        return result;
    }

    std::map<std::string, std::string> added;
    std::map<std::string, std::int64_t> counters;
    std::pair<std::int64_t, std::int64_t> lastProgress{0, 0};

private:
    std::vector<std::pair<std::string, std::unique_ptr<std::ostringstream>>> _streams;
};

Json parseObject(const std::string& text) {
    Poco::JSON::Parser parser;
    return parser.parse(text).extract<Json>();
}

double at(const Poco::JSON::Array::Ptr& array, unsigned index) {
    return array->get(index).convert<double>();
}

class ExportPluginsTest : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        _config = new Poco::Util::MapConfiguration;
        _host = std::make_unique<PluginHost>(*_config);
        for (const char* name : {"exporter-cfg", "exporter-cfgdata", "exporter-coco",
                                 "exporter-voc", "exporter-yolo", "exporter-labelme"}) {
            const PluginRecord& record =
                _host->loadFile(fs::path(CLASSIFAI_PLUGIN_DIR) / (std::string(name) + ".so"));
            ASSERT_TRUE(record.loaded) << name << ": " << record.stage << ": " << record.reason;
        }
    }
    static void TearDownTestSuite() {
        _host.reset();
        _config = nullptr;
    }

    void SetUp() override {
        _root = fs::temp_directory_path() /
                ("classifai-export-plugins-" + std::to_string(::getpid()) + "-" +
                 ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::create_directories(_root / "sub");
        view.root = _root.string();
        // a.jpg: inside, partly outside, wholly outside, unlabelled, and a label not in the list.
        addImage("a.jpg", 640, 480, "hello",
                 {box("car", 10, 20, 110, 220), box("person", 600, 400, 700, 500),
                  box("car", 700, 10, 800, 50), box("", 1, 1, 5, 5), box("truck", 0, 0, 640, 480)},
                 R"({"annotation":[{"x1":5,"y1":7.5,"label":"car","distancetoImg":{"x":1,"y":2}}],)"
                 R"("img_x":12,"img_y":7.5,"img_w":320,"img_h":240})");
        // sub/b.png: a triangle and a rectangle polygon crossing the top-left corner.
        addImage("sub/b.png", 100, 50, "png bytes",
                 {polygon("car", {{10, 10}, {90, 10}, {50, 40}}),
                  polygon("person", {{-10, -10}, {50, -10}, {50, 40}, {-10, 40}})},
                 R"({"annotation":[],"img_x":0,"img_y":0,"img_w":0,"img_h":0})");
        // sub/b.jpg: the same stem as sub/b.png, no shapes.
        addImage("sub/b.jpg", 30, 20, "jpg bytes", {},
                 R"({"annotation":[],"img_x":0,"img_y":0,"img_w":0,"img_h":0})");
    }

    void TearDown() override {
        std::error_code ignored;
        fs::remove_all(_root, ignored);
    }

    void addImage(const std::string& relativePath, std::int64_t width, std::int64_t height,
                  const std::string& bytes, std::vector<sdk::Shape> shapes,
                  const std::string& annotationData) {
        FakeView::Image entry;
        entry.image.uuid =
            "00000000-0000-4000-8000-00000000000" + std::to_string(view.images.size() + 1);
        entry.image.relativePath = relativePath;
        entry.image.absolutePath = (_root / relativePath).string();
        entry.image.fileSizeBytes = static_cast<std::int64_t>(bytes.size());
        entry.image.geometry = sdk::ImageGeometry{width, height, 3};
        entry.image.annotationJson = "[]";
        entry.image.shapes = std::move(shapes);
        entry.annotationData = annotationData;
        std::ofstream(_root / relativePath, std::ios::binary) << bytes;
        view.images.push_back(std::move(entry));
    }

    MemorySink run(const std::string& id) {
        const sdk::Exporter* exporter = _host->registry().exporter(id);
        EXPECT_NE(exporter, nullptr) << id;
        MemorySink sink;
        if (exporter != nullptr) {
            sdk::Result<void> written = exporter->write(view, sink);
            EXPECT_TRUE(written.ok()) << (written.ok() ? "" : written.error().message);
        }
        EXPECT_EQ(sink.lastProgress.first, 3);
        EXPECT_EQ(sink.lastProgress.second, 3);
        return sink;
    }

    // The counters every shape-based format reports for the images of SetUp.
    static void expectShapeCounters(const MemorySink& sink) {
        EXPECT_EQ(sink.counters.at("shapes exported"), 5);
        EXPECT_EQ(sink.counters.at("shapes clipped to the image"), 2);
        EXPECT_EQ(sink.counters.at("shapes outside the image (skipped)"), 1);
        EXPECT_EQ(sink.counters.at("shapes without a label (skipped)"), 1);
    }

    FakeView view;
    fs::path _root;
    static inline Poco::AutoPtr<Poco::Util::MapConfiguration> _config;
    static inline std::unique_ptr<PluginHost> _host;
};

TEST_F(ExportPluginsTest, CocoHasImagesCategoriesAndClippedBoxesAndPolygons) {
    MemorySink sink = run("coco");
    const auto files = sink.files();
    ASSERT_EQ(files.size(), 1u);
    Json coco = parseObject(files.begin()->second);

    auto images = coco->getArray("images");
    ASSERT_EQ(images->size(), 3u);
    EXPECT_EQ(images->getObject(0)->getValue<int>("id"), 1);
    EXPECT_EQ(images->getObject(0)->getValue<std::string>("file_name"), "a.jpg");
    EXPECT_EQ(images->getObject(0)->getValue<int>("width"), 640);
    EXPECT_EQ(images->getObject(0)->getValue<int>("height"), 480);
    EXPECT_EQ(images->getObject(1)->getValue<std::string>("file_name"), "sub/b.png");
    EXPECT_EQ(images->getObject(2)->getValue<int>("id"), 3);

    auto categories = coco->getArray("categories");
    ASSERT_EQ(categories->size(), 3u);
    EXPECT_EQ(categories->getObject(0)->getValue<std::string>("name"), "car");
    EXPECT_EQ(categories->getObject(1)->getValue<std::string>("name"), "person");
    EXPECT_EQ(categories->getObject(2)->getValue<std::string>("name"), "truck");
    EXPECT_EQ(categories->getObject(2)->getValue<int>("id"), 3);

    auto annotations = coco->getArray("annotations");
    ASSERT_EQ(annotations->size(), 5u);
    auto car = annotations->getObject(0);
    EXPECT_EQ(car->getValue<int>("id"), 1);
    EXPECT_EQ(car->getValue<int>("image_id"), 1);
    EXPECT_EQ(car->getValue<int>("category_id"), 1);
    EXPECT_EQ(car->getValue<int>("iscrowd"), 0);
    EXPECT_DOUBLE_EQ(car->getValue<double>("area"), 100.0 * 200.0);
    auto bbox = car->getArray("bbox");
    EXPECT_DOUBLE_EQ(at(bbox, 0), 10);
    EXPECT_DOUBLE_EQ(at(bbox, 1), 20);
    EXPECT_DOUBLE_EQ(at(bbox, 2), 100);
    EXPECT_DOUBLE_EQ(at(bbox, 3), 200);
    EXPECT_EQ(car->getArray("segmentation")->size(), 0u);

    auto clipped = annotations->getObject(1)->getArray("bbox");
    EXPECT_DOUBLE_EQ(at(clipped, 0), 600);
    EXPECT_DOUBLE_EQ(at(clipped, 2), 40);
    EXPECT_DOUBLE_EQ(at(clipped, 3), 80);
    EXPECT_EQ(annotations->getObject(2)->getValue<int>("category_id"), 3);

    auto triangle = annotations->getObject(3);
    EXPECT_EQ(triangle->getValue<int>("image_id"), 2);
    EXPECT_DOUBLE_EQ(triangle->getValue<double>("area"), 1200);
    auto ring = triangle->getArray("segmentation")->getArray(0);
    ASSERT_EQ(ring->size(), 6u);
    EXPECT_DOUBLE_EQ(at(ring, 4), 50);
    EXPECT_DOUBLE_EQ(at(ring, 5), 40);
    auto corner = annotations->getObject(4);
    EXPECT_DOUBLE_EQ(corner->getValue<double>("area"), 50.0 * 40.0);
    auto cornerBox = corner->getArray("bbox");
    EXPECT_DOUBLE_EQ(at(cornerBox, 0), 0);
    EXPECT_DOUBLE_EQ(at(cornerBox, 1), 0);
    EXPECT_DOUBLE_EQ(at(cornerBox, 2), 50);
    EXPECT_DOUBLE_EQ(at(cornerBox, 3), 40);

    expectShapeCounters(sink);
    EXPECT_EQ(sink.counters.at("labels used but not in the project's label list"), 1);
}

TEST_F(ExportPluginsTest, CocoIdsAreStableAcrossExports) {
    const std::string first = run("coco").files().begin()->second;
    view = FakeView();
    SetUp();
    EXPECT_EQ(run("coco").files().begin()->second, first);
}

TEST_F(ExportPluginsTest, YoloWritesNormalisedDetectAndSegmentLines) {
    MemorySink sink = run("yolo");
    auto files = sink.files();
    ASSERT_EQ(files.count("labels/a.txt"), 1u);
    ASSERT_EQ(files.count("labels/sub/b.txt"), 1u);
    ASSERT_EQ(files.count("labels/sub/b.jpg.txt"), 1u) << "same stem must not overwrite";
    EXPECT_EQ(files["labels/a.txt"], "0 0.09375 0.25 0.15625 0.416667\n"
                                     "1 0.96875 0.916667 0.0625 0.166667\n"
                                     "2 0.5 0.5 1 1\n");
    EXPECT_EQ(files["labels/sub/b.txt"], "0 0.1 0.2 0.9 0.2 0.5 0.8\n"
                                         "1 0 0 0.5 0 0.5 0.8 0 0.8\n");
    EXPECT_EQ(files["labels/sub/b.jpg.txt"], "");
    EXPECT_EQ(files["classes.txt"], "car\nperson\ntruck\n");
    const std::string yaml = files["data.yaml"];
    EXPECT_NE(yaml.find("nc: 3\n"), std::string::npos) << yaml;
    EXPECT_NE(yaml.find("names:\n  0: \"car\"\n  1: \"person\"\n  2: \"truck\"\n"),
              std::string::npos)
        << yaml;
    EXPECT_NE(yaml.find("train: images\n"), std::string::npos) << yaml;
    expectShapeCounters(sink);
}

TEST_F(ExportPluginsTest, LabelmeWritesRectanglesAndPolygonsPerImage) {
    MemorySink sink = run("labelme");
    auto files = sink.files();
    ASSERT_EQ(files.size(), 3u);
    Json a = parseObject(files.at("a.json"));
    EXPECT_EQ(a->getValue<std::string>("imagePath"), "a.jpg");
    EXPECT_EQ(a->getValue<int>("imageWidth"), 640);
    EXPECT_EQ(a->getValue<int>("imageHeight"), 480);
    EXPECT_TRUE(a->isNull("imageData"));
    auto shapes = a->getArray("shapes");
    ASSERT_EQ(shapes->size(), 3u);
    EXPECT_EQ(shapes->getObject(0)->getValue<std::string>("shape_type"), "rectangle");
    EXPECT_EQ(shapes->getObject(0)->getValue<std::string>("label"), "car");
    auto corner = shapes->getObject(1)->getArray("points")->getArray(1);
    EXPECT_DOUBLE_EQ(at(corner, 0), 640);
    EXPECT_DOUBLE_EQ(at(corner, 1), 480);

    Json b = parseObject(files.at("sub/b.json"));
    EXPECT_EQ(b->getValue<std::string>("imagePath"), "b.png");
    auto polygons = b->getArray("shapes");
    ASSERT_EQ(polygons->size(), 2u);
    EXPECT_EQ(polygons->getObject(0)->getValue<std::string>("shape_type"), "polygon");
    EXPECT_EQ(polygons->getObject(0)->getArray("points")->size(), 3u);
    EXPECT_EQ(polygons->getObject(1)->getArray("points")->size(), 4u);

    Json empty = parseObject(files.at("sub/b.jpg.json"));
    EXPECT_EQ(empty->getArray("shapes")->size(), 0u);
    expectShapeCounters(sink);
}

// Runs python3 on `script` with `arguments`; returns its exit code and output.
int runPython(const fs::path& folder, const std::string& script, std::string& output) {
    const fs::path file = folder / "check.py";
    std::ofstream(file) << script;
    const std::string command = "python3 " + file.string() + " " + folder.string() + " 2>&1";
    FILE* pipe = ::popen(command.c_str(), "r");
    if (pipe == nullptr) {
        return -1;
    }
    char buffer[4096];
    std::size_t read = 0;
    while ((read = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) {
        output.append(buffer, read);
    }
    const int status = ::pclose(pipe);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST_F(ExportPluginsTest, VocXmlReadsBackWithPythonsParser) {
    MemorySink sink = run("voc");
    auto files = sink.files();
    ASSERT_EQ(files.size(), 3u);
    const fs::path out = _root / "voc";
    for (const auto& [name, text] : files) {
        fs::create_directories((out / name).parent_path());
        std::ofstream(out / name) << text;
    }
    // Prints one line per object: file, name, truncated, xmin, ymin, xmax, ymax; and sizes.
    const std::string script = R"PY(
import sys, pathlib, xml.etree.ElementTree as ET
root = pathlib.Path(sys.argv[1])
for path in sorted(root.rglob('*.xml')):
    tree = ET.parse(path).getroot()
    size = tree.find('size')
    print(path.relative_to(root).as_posix(), tree.findtext('filename'),
          size.findtext('width'), size.findtext('height'), size.findtext('depth'))
    for obj in tree.findall('object'):
        box = obj.find('bndbox')
        print(' ', obj.findtext('name'), obj.findtext('truncated'),
              *[box.findtext(k) for k in ('xmin', 'ymin', 'xmax', 'ymax')])
)PY";
    std::string output;
    ASSERT_EQ(runPython(out, script, output), 0) << output;
    EXPECT_EQ(output, "Annotations/a.xml a.jpg 640 480 3\n"
                      "  car 0 10 20 110 220\n"
                      "  person 1 600 400 640 480\n"
                      "  truck 0 1 1 640 480\n"
                      "Annotations/sub/b.jpg.xml b.jpg 30 20 3\n"
                      "Annotations/sub/b.xml b.png 100 50 3\n"
                      "  car 0 10 10 90 40\n"
                      "  person 1 1 1 50 40\n");
    expectShapeCounters(sink);
    EXPECT_EQ(sink.counters.at("polygons exported as bounding boxes"), 2);
}

TEST_F(ExportPluginsTest, CfgIsTheReferenceLayoutFieldForField) {
    MemorySink sink = run("cfg");
    auto files = sink.files();
    ASSERT_EQ(files.size(), 1u);
    EXPECT_EQ(files.begin()->first, "cars \"2\".json");
    const std::string text = files.begin()->second;
    // Jackson's pretty printer: two spaces per object level, " : ", inline arrays.
    EXPECT_EQ(text.rfind("{\n  \"tool\" : \"classifai\",\n  \"tool_version\" : \"2.0.0-alpha3\",\n"
                         "  \"updated_date\" : \"",
                         0),
              0u)
        << text;
    EXPECT_NE(text.find("\n  \"project_name\" : \"cars \\\"2\\\"\",\n"), std::string::npos);
    EXPECT_NE(text.find("\n          \"annotation\" : [ {\n            \"x1\" : 5,\n"
                        "            \"y1\" : 7.5,\n            \"label\" : \"car\",\n"
                        "            \"distancetoImg\" : {\n              \"x\" : 1,\n"
                        "              \"y\" : 2\n            }\n          } ],\n"
                        "          \"img_x\" : 12,\n          \"img_y\" : 7.5,\n"),
              std::string::npos)
        << text;
    EXPECT_NE(text.find("\"annotation\" : [ ],"), std::string::npos);
    EXPECT_EQ(text.back(), '}');

    Json cfg = parseObject(text);
    const std::vector<std::string> keys{"tool",
                                        "tool_version",
                                        "updated_date",
                                        "project_id",
                                        "project_name",
                                        "annotation_type",
                                        "project_path",
                                        "is_new",
                                        "is_starred",
                                        "project_infra",
                                        "current_version",
                                        "project_version",
                                        "uuid_version_list",
                                        "label_version_list",
                                        "content"};
    std::size_t previous = 0;
    for (const auto& key : keys) {
        ASSERT_TRUE(cfg->has(key)) << key;
        const std::size_t position = text.find("\n  \"" + key + "\" : ");
        ASSERT_NE(position, std::string::npos) << key;
        EXPECT_GE(position, previous) << key << " out of order";
        previous = position;
    }
    EXPECT_EQ(cfg->getValue<std::string>("annotation_type"), "boundingbox");
    EXPECT_EQ(cfg->getValue<std::string>("project_infra"), "on_premise");
    EXPECT_EQ(cfg->getValue<std::string>("project_id"), "3f2a9c1e-7b4d-4e0a-9a51-2c7d9e8b6f10");
    EXPECT_TRUE(cfg->getValue<bool>("is_starred"));
    EXPECT_FALSE(cfg->getValue<bool>("is_new"));
    EXPECT_EQ(cfg->getValue<std::string>("label_version_list"),
              "[{6c1e0a3e-3a7b-4f4e-9d5e-2b1f0c9a7d11:[car, person]}]");
    EXPECT_EQ(cfg->getValue<std::string>("uuid_version_list"),
              "[{6c1e0a3e-3a7b-4f4e-9d5e-2b1f0c9a7d11:[00000000-0000-4000-8000-000000000001, "
              "00000000-0000-4000-8000-000000000002, 00000000-0000-4000-8000-000000000003]}]");
    const std::string current = cfg->getValue<std::string>("current_version");
    EXPECT_EQ(current.rfind("{version_uuid:6c1e0a3e-3a7b-4f4e-9d5e-2b1f0c9a7d11,created_date:", 0),
              0u)
        << current;
    EXPECT_NE(current.find(",next_version_uuid:null}"), std::string::npos) << current;

    auto content = cfg->getObject("content");
    ASSERT_EQ(content->size(), 3u);
    auto a = content->getObject("00000000-0000-4000-8000-000000000001");
    // SHA-256 of "hello", standard Base64.
    EXPECT_EQ(a->getValue<std::string>("checksum"), "LPJNul+wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ=");
    EXPECT_EQ(a->getValue<std::string>("img_path"), "a.jpg");
    EXPECT_EQ(a->getValue<int>("img_ori_w"), 640);
    EXPECT_EQ(a->getValue<int>("img_ori_h"), 480);
    EXPECT_EQ(a->getValue<int>("img_depth"), 3);
    EXPECT_EQ(a->getValue<int>("file_size"), 5);
    auto version = a->getArray("version_list")->getObject(0);
    EXPECT_EQ(version->getValue<std::string>("version_uuid"),
              "6c1e0a3e-3a7b-4f4e-9d5e-2b1f0c9a7d11");
    auto data = version->getObject("annotation_data");
    EXPECT_EQ(data->getValue<int>("img_w"), 320);
    EXPECT_EQ(data->getArray("annotation")->size(), 1u);
    EXPECT_TRUE(sink.counters.empty()) << "cfg keeps annotations verbatim, nothing clipped";
}

TEST_F(ExportPluginsTest, CfgdataZipsTheConfigAndEveryImageUnderTheFolderName) {
    MemorySink sink = run("cfgdata");
    const std::string folder = _root.filename().string();
    auto files = sink.files();
    ASSERT_EQ(files.size(), 1u);
    EXPECT_EQ(files.begin()->first, folder + "/cars \"2\".json");
    Json cfg = parseObject(files.begin()->second);
    EXPECT_EQ(cfg->getObject("content")->size(), 3u);
    ASSERT_EQ(sink.added.size(), 3u);
    EXPECT_EQ(sink.added.at(folder + "/a.jpg"), (_root / "a.jpg").string());
    EXPECT_EQ(sink.added.at(folder + "/sub/b.png"), (_root / "sub/b.png").string());
}

TEST_F(ExportPluginsTest, CfgFailsWithAReasonWhenAnImageCannotBeRead) {
    fs::remove(_root / "sub/b.png");
    const sdk::Exporter* exporter = _host->registry().exporter("cfg");
    MemorySink sink;
    sdk::Result<void> written = exporter->write(view, sink);
    ASSERT_FALSE(written.ok());
    EXPECT_NE(written.error().message.find("sub/b.png"), std::string::npos)
        << written.error().message;
}

} // namespace
} // namespace classifai

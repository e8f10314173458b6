// Export over real HTTP: every exporter on box and polygon projects, read back by a Python 3
// standard-library script; status 0..3 with reasons; failures that leave the server serving;
// the cfg round trip through the import.
#include "ImageTestSupport.hpp"

#include <Poco/JSON/Parser.h>

#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <string>
#include <vector>

namespace fs = std::filesystem;
using namespace classifai::test;

namespace {

// Prints a format-independent summary of an export: images with their sizes and shapes in
// original pixels (sorted), so the C++ side compares one string per format.
constexpr const char* kReader = R"PY(
import base64, hashlib, json, os, sys, zipfile
import xml.etree.ElementTree as ET

fmt, path, root = sys.argv[1], sys.argv[2], sys.argv[3]
out = []

def r(v):
    v = round(float(v), 2)
    return str(int(v)) if v == int(v) else str(v)

def zip_files(p):
    z = zipfile.ZipFile(p)
    assert z.testzip() is None
    return z, [n for n in z.namelist() if not n.endswith('/')]

if fmt == 'coco':
    d = json.load(open(path))
    cats = {c['id']: c['name'] for c in d['categories']}
    imgs = {i['id']: i for i in d['images']}
    for i in d['images']:
        out.append('image %s %dx%d' % (i['file_name'], i['width'], i['height']))
    for a in d['annotations']:
        i = imgs[a['image_id']]
        seg = ' '.join(r(v) for poly in a['segmentation'] for v in poly)
        out.append('shape %s %s bbox %s area %s crowd %d seg [%s]' % (
            i['file_name'], cats[a['category_id']], ' '.join(r(v) for v in a['bbox']),
            r(a['area']), a['iscrowd'], seg))
    ids = [a['id'] for a in d['annotations']]
    assert len(ids) == len(set(ids)), 'duplicate annotation ids'
elif fmt == 'voc':
    z, names = zip_files(path)
    for n in names:
        t = ET.fromstring(z.read(n))
        s = t.find('size')
        out.append('image %s %s %sx%s' % (n, t.findtext('filename'), s.findtext('width'),
                                          s.findtext('height')))
        for o in t.findall('object'):
            b = o.find('bndbox')
            out.append('shape %s %s box %s' % (t.findtext('filename'), o.findtext('name'),
                       ' '.join(b.findtext(k) for k in ('xmin', 'ymin', 'xmax', 'ymax'))))
elif fmt == 'yolo':
    z, names = zip_files(path)
    classes = z.read('classes.txt').decode().splitlines()
    out.append('classes ' + ','.join(classes))
    assert 'names:' in z.read('data.yaml').decode()
    for n in names:
        if not n.startswith('labels/'):
            continue
        out.append('file ' + n)
        for line in z.read(n).decode().splitlines():
            v = line.split()
            out.append('shape %s %s %s' % (n, classes[int(v[0])], ' '.join(v[1:])))
elif fmt == 'labelme':
    z, names = zip_files(path)
    for n in names:
        d = json.loads(z.read(n))
        out.append('image %s %s %dx%d' % (n, d['imagePath'], d['imageWidth'], d['imageHeight']))
        for s in d['shapes']:
            out.append('shape %s %s %s %s' % (d['imagePath'], s['label'], s['shape_type'],
                       ' '.join(r(c) for p in s['points'] for c in p)))
elif fmt in ('cfg', 'cfgdata'):
    if fmt == 'cfg':
        d = json.load(open(path))
        data = None
    else:
        z, names = zip_files(path)
        folder = os.path.basename(root)
        js = [n for n in names if n.endswith('.json')]
        assert len(js) == 1, js
        d = json.loads(z.read(js[0]))
        data = z
    out.append('type %s labels %s' % (d['annotation_type'], d['label_version_list'].split(':', 1)[1]))
    for uuid, e in sorted(d['content'].items(), key=lambda kv: kv[1]['img_path']):
        f = os.path.join(root, e['img_path'])
        digest = base64.b64encode(hashlib.sha256(open(f, 'rb').read()).digest()).decode()
        assert digest == e['checksum'], (e['img_path'], digest, e['checksum'])
        assert uuid in d['uuid_version_list']
        if data is not None:
            assert data.read(folder + '/' + e['img_path']) == open(f, 'rb').read()
        ad = e['version_list'][0]['annotation_data']
        out.append('image %s %dx%d annotations %d display %s,%s,%s,%s' % (
            e['img_path'], e['img_ori_w'], e['img_ori_h'], len(ad['annotation']),
            r(ad['img_x']), r(ad['img_y']), r(ad['img_w']), r(ad['img_h'])))
print('\n'.join(sorted(out)))
)PY";

std::string runReader(const fs::path& work, const std::string& format, const std::string& output,
                      const fs::path& root) {
    const fs::path script = work / "read_export.py";
    std::ofstream(script) << kReader;
    const std::string command = "python3 '" + script.string() + "' " + format + " '" + output +
                                "' '" + root.string() + "' 2>&1";
    FILE* pipe = ::popen(command.c_str(), "r");
    if (pipe == nullptr) {
        return "cannot run python3";
    }
    std::string text;
    char buffer[4096];
    std::size_t read = 0;
    while ((read = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) {
        text.append(buffer, read);
    }
    const int status = ::pclose(pipe);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        return "python3 failed: " + text;
    }
    return text;
}

std::string boxJson(const std::string& label, int x1, int y1, int width, int height, int offsetX,
                    int offsetY) {
    return "{\"x1\":" + std::to_string(x1) + ",\"y1\":" + std::to_string(y1) +
           ",\"x2\":" + std::to_string(x1 + width) + ",\"y2\":" + std::to_string(y1 + height) +
           ",\"lineWidth\":2,\"color\":\"rgba(0,255,0,1.0)\",\"distancetoImg\":{\"x\":" +
           std::to_string(offsetX) + ",\"y\":" + std::to_string(offsetY) +
           "},\"label\":" + jsonString(label) + ",\"id\":\"" + std::to_string(x1) + "\"}";
}

// A polygon whose canvas points sit at the image origin (img_x, img_y) plus `offsets`.
std::string polygonJson(const std::string& label, const std::vector<std::pair<int, int>>& offsets,
                        int imgX, int imgY) {
    std::string points;
    for (const auto& [x, y] : offsets) {
        points += std::string(points.empty() ? "" : ",") + "{\"x\":" + std::to_string(imgX + x) +
                  ",\"y\":" + std::to_string(imgY + y) +
                  ",\"distancetoImg\":{\"x\":" + std::to_string(x) + ",\"y\":" + std::to_string(y) +
                  "}}";
    }
    return "{\"coorPt\":[" + points +
           "],\"lineWidth\":2,\"region\":\"1\",\"label\":" + jsonString(label) + ",\"id\":\"p" +
           std::to_string(offsets.front().first) + "\"}";
}

class ExportApiTest : public ::testing::Test {
protected:
    // The headless dialog answers the import with <roots>/cars/cars.json: where the cfg export
    // of project "cars" is written.
    void SetUp() override { _server = std::make_unique<ServerProcess>(args(), data.path()); }

    std::vector<std::string> args() const {
        return {"--define=files.roots=" + roots.path().string(), "--define=dialog.backend=headless",
                "--define=dialog.headless.configfile=" + (folder("cars") / "cars.json").string()};
    }

    ServerProcess& server() { return *_server; }
    fs::path folder(const std::string& name) const { return roots.path() / name; }

    // Creates a project from folder(name) and waits until it is stored.
    void createProject(const std::string& name, const std::string& type,
                       const fs::path& labelFile) {
        auto created = server().put(
            "/v2/projects",
            "{\"project_name\":" + jsonString(name) + ",\"annotation_type\":" + jsonString(type) +
                ",\"status\":\"raw\",\"project_path\":" + jsonString(folder(name).string()) +
                ",\"label_file_path\":" + jsonString(labelFile.string()) + "}");
        ASSERT_EQ(created.body, R"({"message":1})");
        auto status =
            waitFor(server(), "/v2/" + type + "/projects/" + name, "file_system_status", {3, 5});
        ASSERT_EQ(status->getValue<int>("file_system_status"), 3);
    }

    // Uuid by relative path, from the thumbnail route (img_path is absolute).
    std::map<std::string, std::string> uuidsByPath(const std::string& name,
                                                   const std::string& type) {
        std::map<std::string, std::string> byPath;
        const fs::path root = fs::canonical(folder(name));
        auto loaded = server().get("/" + type + "/projects/" + name);
        EXPECT_EQ(loaded.body, R"({"message":1})");
        auto body =
            waitFor(server(), "/" + type + "/projects/" + name + "/loadingstatus", "message", {2});
        for (const auto& uuid : stringsOf(body->getArray("uuid_list"))) {
            auto thumbnail =
                server().get("/" + type + "/projects/" + name + "/uuid/" + uuid + "/thumbnail");
            const auto path = fs::path(thumbnail.json()->getValue<std::string>("img_path"));
            byPath[path.lexically_relative(root).generic_string()] = uuid;
        }
        return byPath;
    }

    void save(const std::string& name, const std::string& type, const std::string& uuid,
              const std::string& listKey, const std::string& list, int imgX, int imgY, int imgW,
              int imgH) {
        const std::string body =
            "{\"uuid\":" + jsonString(uuid) + ",\"project_name\":" + jsonString(name) + ",\"" +
            listKey + "\":" + list + ",\"img_x\":" + std::to_string(imgX) +
            ",\"img_y\":" + std::to_string(imgY) + ",\"img_w\":" + std::to_string(imgW) +
            ",\"img_h\":" + std::to_string(imgH) + "}";
        auto saved =
            server().put("/" + type + "/projects/" + name + "/uuid/" + uuid + "/update", body);
        ASSERT_EQ(saved.body, R"({"message":1})") << saved.body;
    }

    // PUT export, then poll the status until 2 or 3; returns the last status body.
    Poco::JSON::Object::Ptr exportAndWait(const std::string& type, const std::string& name,
                                          const std::string& format) {
        auto started = server().put("/v2/" + type + "/projects/" + name + "/export/" + format,
                                    "{\"newprojectid\":" + jsonString(name) + "}");
        EXPECT_EQ(started.body, R"({"message":1})") << format;
        return waitFor(server(), "/v2/" + type + "/projects/exportstatus", "export_status", {2, 3});
    }

    std::string exportSummary(const std::string& type, const std::string& name,
                              const std::string& format) {
        auto status = exportAndWait(type, name, format);
        if (status->getValue<int>("export_status") != 2) {
            ADD_FAILURE() << format << " export failed: "
                          << status->optValue<std::string>("failure_reason", "");
            return {};
        }
        EXPECT_EQ(status->getValue<std::string>("export_status_message"), "EXPORT_SUCCESS");
        const std::string output = status->getValue<std::string>("project_config_path");
        EXPECT_TRUE(fs::exists(output)) << output;
        return runReader(work.path(), format, output, fs::canonical(folder(name)));
    }

    // A box project: a.jpg shown at double size with a box partly outside, an EXIF-rotated
    // JPEG whose box only fits once the rotation is applied, and sub/b.png with no shapes.
    void makeBoxProject() {
        const fs::path cars = folder("cars");
        fs::create_directories(cars / "sub");
        writeImage(cars / "a.jpg", ImageFormat::Jpeg, 64, 48);
        writeJpegWithOrientation(cars / "rotated.jpg", 60, 40, 6);
        writeImage(cars / "sub" / "b.png", ImageFormat::Png, 32, 24);
        writeTextFile(roots / "labels.txt", "car\nperson\n");
        createProject("cars", "bndbox", roots / "labels.txt");
        auto uuids = uuidsByPath("cars", "bndbox");
        ASSERT_EQ(uuids.size(), 3u);
        // Displayed at 128x96 from (100,50): canvas distances are twice the pixels.
        save("cars", "bndbox", uuids.at("a.jpg"), "bnd_box",
             "[" + boxJson("car", 110, 70, 40, 30, 10, 20) + "," +
                 boxJson("person", 200, 70, 60, 30, 100, 20) + "]",
             100, 50, 128, 96);
        // Displayed at its rotated size 40x60 from (0,0).
        save("cars", "bndbox", uuids.at("rotated.jpg"), "bnd_box",
             "[" + boxJson("car", 5, 5, 10, 50, 5, 5) + "]", 0, 0, 40, 60);
    }

    TempFolder roots{"classifai-export-roots"};
    TempFolder data{"classifai-export-data"};
    TempFolder work{"classifai-export-work"};
    std::unique_ptr<ServerProcess> _server;
};

TEST_F(ExportApiTest, StatusStartsAtNotInitiated) {
    auto body = server().get("/v2/bndbox/projects/exportstatus").json();
    EXPECT_EQ(body->getValue<int>("message"), 1);
    EXPECT_EQ(body->getValue<int>("export_status"), 0);
    EXPECT_EQ(body->getValue<std::string>("export_status_message"), "EXPORT_NOT_INITIATED");
    EXPECT_TRUE(body->isNull("project_config_path"));
}

TEST_F(ExportApiTest, EveryFormatExportsBoxesInOriginalPixels) {
    makeBoxProject();
    EXPECT_EQ(exportSummary("bndbox", "cars", "coco"),
              "image a.jpg 64x48\n"
              "image rotated.jpg 40x60\n"
              "image sub/b.png 32x24\n"
              "shape a.jpg car bbox 5 10 20 15 area 300 crowd 0 seg []\n"
              "shape a.jpg person bbox 50 10 14 15 area 210 crowd 0 seg []\n"
              "shape rotated.jpg car bbox 5 5 10 50 area 500 crowd 0 seg []\n");
    auto status = server().get("/v2/bndbox/projects/exportstatus").json();
    auto report = status->getObject("export_report");
    EXPECT_EQ(report->getValue<int>("shapes exported"), 3);
    EXPECT_EQ(report->getValue<int>("shapes clipped to the image"), 1);

    EXPECT_EQ(exportSummary("bndbox", "cars", "voc"),
              "image Annotations/a.xml a.jpg 64x48\n"
              "image Annotations/rotated.xml rotated.jpg 40x60\n"
              "image Annotations/sub/b.xml b.png 32x24\n"
              "shape a.jpg car box 5 10 25 25\n"
              "shape a.jpg person box 50 10 64 25\n"
              "shape rotated.jpg car box 5 5 15 55\n");
    EXPECT_EQ(exportSummary("bndbox", "cars", "yolo"),
              "classes car,person\n"
              "file labels/a.txt\n"
              "file labels/rotated.txt\n"
              "file labels/sub/b.txt\n"
              "shape labels/a.txt car 0.234375 0.364583 0.3125 0.3125\n"
              "shape labels/a.txt person 0.890625 0.364583 0.21875 0.3125\n"
              "shape labels/rotated.txt car 0.25 0.5 0.25 0.833333\n");
    EXPECT_EQ(exportSummary("bndbox", "cars", "labelme"),
              "image a.json a.jpg 64x48\n"
              "image rotated.json rotated.jpg 40x60\n"
              "image sub/b.json b.png 32x24\n"
              "shape a.jpg car rectangle 5 10 25 25\n"
              "shape a.jpg person rectangle 50 10 64 25\n"
              "shape rotated.jpg car rectangle 5 5 15 55\n");
    const std::string cfg = "image a.jpg 64x48 annotations 2 display 100,50,128,96\n"
                            "image rotated.jpg 40x60 annotations 1 display 0,0,40,60\n"
                            "image sub/b.png 32x24 annotations 0 display 0,0,0,0\n"
                            "type boundingbox labels [car, person]}]\n";
    EXPECT_EQ(exportSummary("bndbox", "cars", "cfg"), cfg);
    EXPECT_EQ(exportSummary("bndbox", "cars", "cfgdata"), cfg);

    for (const char* name : {"cars.json", "cars.zip", "cars_coco.json", "cars_voc.zip",
                             "cars_yolo.zip", "cars_labelme.zip"}) {
        EXPECT_TRUE(fs::exists(folder("cars") / name)) << name;
    }
    for (const auto& entry : fs::directory_iterator(folder("cars"))) {
        EXPECT_NE(entry.path().extension(), ".part") << "temporary file left: " << entry.path();
    }
}

TEST_F(ExportApiTest, PolygonsExportAsSegmentsAndVocCountsThemAsBoxes) {
    fs::create_directories(folder("roads"));
    writeImage(folder("roads") / "street.png", ImageFormat::Png, 100, 50);
    writeTextFile(roots / "roads.txt", "road\n");
    createProject("roads", "seg", roots / "roads.txt");
    auto uuids = uuidsByPath("roads", "seg");
    ASSERT_EQ(uuids.size(), 1u);
    // Shown at original size from (20,10); the second polygon crosses the right edge.
    save("roads", "seg", uuids.at("street.png"), "polygons",
         "[" + polygonJson("road", {{10, 10}, {90, 10}, {50, 40}}, 20, 10) + "," +
             polygonJson("road", {{80, 0}, {120, 0}, {120, 20}, {80, 20}}, 20, 10) + "]",
         20, 10, 100, 50);

    EXPECT_EQ(exportSummary("seg", "roads", "coco"),
              "image street.png 100x50\n"
              "shape street.png road bbox 10 10 80 30 area 1200 crowd 0 seg [10 10 90 10 50 "
              "40]\n"
              "shape street.png road bbox 80 0 20 20 area 400 crowd 0 seg [80 0 100 0 100 20 "
              "80 20]\n");
    EXPECT_EQ(exportSummary("seg", "roads", "yolo"),
              "classes road\n"
              "file labels/street.txt\n"
              "shape labels/street.txt road 0.1 0.2 0.9 0.2 0.5 0.8\n"
              "shape labels/street.txt road 0.8 0 1 0 1 0.4 0.8 0.4\n");
    EXPECT_EQ(exportSummary("seg", "roads", "labelme"),
              "image street.json street.png 100x50\n"
              "shape street.png road polygon 10 10 90 10 50 40\n"
              "shape street.png road polygon 80 0 100 0 100 20 80 20\n");
    EXPECT_EQ(exportSummary("seg", "roads", "voc"),
              "image Annotations/street.xml street.png 100x50\n"
              "shape street.png road box 10 10 90 40\n"
              "shape street.png road box 80 1 100 20\n");
    auto report = server().get("/v2/seg/projects/exportstatus").json()->getObject("export_report");
    EXPECT_EQ(report->getValue<int>("polygons exported as bounding boxes"), 2);
    EXPECT_EQ(report->getValue<int>("shapes clipped to the image"), 1);
}

TEST_F(ExportApiTest, UnknownFormatsAndTypesAreRefusedWithWhatIsAvailable) {
    makeBoxProject();
    auto refused = server().put("/v2/bndbox/projects/cars/export/pdf");
    EXPECT_EQ(refused.status, 200);
    auto body = refused.json();
    EXPECT_EQ(body->getValue<int>("message"), 0);
    EXPECT_EQ(body->getValue<std::string>("error_message"),
              "Export type 'pdf' is not available for bndbox projects; available: cfg, cfgdata, "
              "coco, labelme, voc, yolo");
    auto missing = server().put("/v2/bndbox/projects/nothere/export/cfg").json();
    EXPECT_EQ(missing->getValue<std::string>("error_message"), "Project not exist");
    EXPECT_EQ(server().put("/v2/kites/projects/cars/export/cfg").status, 400);
    EXPECT_EQ(
        server().get("/v2/bndbox/projects/exportstatus").json()->getValue<int>("export_status"), 0);
}

TEST_F(ExportApiTest, VanishedImagesEndInStatus3WithAReasonAndTheServerKeepsServing) {
    makeBoxProject();
    fs::remove(folder("cars") / "sub" / "b.png");
    auto status = exportAndWait("bndbox", "cars", "coco");
    EXPECT_EQ(status->getValue<int>("export_status"), 3);
    EXPECT_EQ(status->getValue<std::string>("export_status_message"), "EXPORT_FAIL");
    EXPECT_TRUE(status->isNull("project_config_path"));
    const auto reason = status->getValue<std::string>("failure_reason");
    EXPECT_NE(reason.find("sub/b.png"), std::string::npos) << reason;
    EXPECT_FALSE(fs::exists(folder("cars") / "cars_coco.json"));
    EXPECT_EQ(server().get("/api/system/health").status, 200);
    EXPECT_EQ(server().get("/bndbox/projects/meta").status, 200);
}

// As an ordinary user the folder is made read-only; root writes into any folder, so as root
// the destination is made unwritable instead (a folder sits where the file must go).
TEST_F(ExportApiTest, AnUnwritableDestinationEndsInStatus3AndTheServerKeepsServing) {
    makeBoxProject();
    const fs::path cars = folder("cars");
    if (::geteuid() == 0) {
        fs::create_directories(cars / "cars_yolo.zip" / "occupied");
    } else {
        fs::permissions(cars,
                        fs::perms::owner_write | fs::perms::group_write | fs::perms::others_write,
                        fs::perm_options::remove);
    }
    auto status = exportAndWait("bndbox", "cars", "yolo");
    EXPECT_EQ(status->getValue<int>("export_status"), 3);
    const auto reason = status->getValue<std::string>("failure_reason");
    EXPECT_NE(reason.find(cars.string()), std::string::npos) << reason;
    EXPECT_EQ(server().get("/api/system/health").status, 200);
    fs::permissions(cars, fs::perms::owner_all, fs::perm_options::add);
    for (const auto& entry : fs::directory_iterator(cars)) {
        EXPECT_NE(entry.path().extension(), ".part") << "temporary file left: " << entry.path();
    }
    // A later export succeeds and replaces the failure in the status.
    EXPECT_EQ(exportAndWait("bndbox", "cars", "coco")->getValue<int>("export_status"), 2);
}

// Uuid of every content entry by img_path.
std::map<std::string, std::string> uuidsOfConfig(const std::string& text) {
    Poco::JSON::Parser parser;
    auto content = parser.parse(text).extract<Poco::JSON::Object::Ptr>()->getObject("content");
    std::map<std::string, std::string> byPath;
    for (const auto& [uuid, entry] : *content) {
        byPath[entry.extract<Poco::JSON::Object::Ptr>()->getValue<std::string>("img_path")] = uuid;
    }
    return byPath;
}

// The line of `key` replaced by a marker: values the import renews on purpose.
std::string maskLine(std::string text, const std::string& key) {
    const auto start = text.find("\n  \"" + key + "\" : ");
    if (start != std::string::npos) {
        const auto end = text.find('\n', start + 1);
        text.replace(start, end - start, "\n  \"" + key + "\" : <masked>,");
    }
    return text;
}

// Export cfg, import it through the import path (headless dialog), export again: the same file
// except what an import renews by design (project_id, image uuids, updated_date).
TEST_F(ExportApiTest, CfgRoundTripsThroughTheImport) {
    makeBoxProject();
    ASSERT_EQ(server().put("/bndbox/projects/cars/star", R"({"status":"true"})").body,
              R"({"message":1})");
    auto first = exportAndWait("bndbox", "cars", "cfg");
    ASSERT_EQ(first->getValue<int>("export_status"), 2);
    const fs::path file = folder("cars") / "cars.json";
    ASSERT_EQ(first->getValue<std::string>("project_config_path"), file.string());
    const std::string exported = readBytes(file);

    auto removed = server().request("DELETE", "/bndbox/projects/cars");
    ASSERT_EQ(removed.body, R"({"message":1})");
    ASSERT_EQ(server().put("/v2/projects", R"({"status":"config"})").body, R"({"message":1})");
    auto imported =
        waitFor(server(), "/v2/bndbox/projects/importstatus", "file_system_status", {3, 5});
    ASSERT_EQ(imported->getValue<int>("file_system_status"), 3)
        << imported->optValue<std::string>("error_message", "");
    // Opening the project clears is_new, as it was when the first export ran.
    ASSERT_EQ(uuidsByPath("cars", "bndbox").size(), 3u);

    auto second = exportAndWait("bndbox", "cars", "cfg");
    ASSERT_EQ(second->getValue<int>("export_status"), 2);
    const std::string reexported = readBytes(file);

    // The import keeps the file's free project and image ids, so only updated_date (the export
    // time, by the format's definition) differs.
    EXPECT_EQ(uuidsOfConfig(reexported), uuidsOfConfig(exported));
    std::string expected = maskLine(exported, "updated_date");
    std::string actual = maskLine(reexported, "updated_date");
    EXPECT_EQ(actual, expected);
}

} // namespace

// ConfigFile: the reference's configuration format, read as untrusted input.
#include "project/ConfigFile.hpp"
#include "project/NameGenerator.hpp"

#include <gtest/gtest.h>

#include <regex>
#include <set>
#include <string>

namespace classifai {
namespace {

const std::string kVersion = "6c1e0a3e-3a7b-4f4e-9d5e-2b1f0c9a7d11";

std::string document(const std::string& content, const std::string& extra = "") {
    return R"({"tool":"classifai","tool_version":"2.0.0-alpha3","updated_date":"2021/12/16 03:15:02 PM",)"
           R"("project_id":"3f2a9c1e-7b4d-4e0a-9a51-2c7d9e8b6f10","project_name":"helloworld",)"
           R"("annotation_type":"boundingbox","project_path":"/Users/johndoe/Desktop/cars",)"
           R"("is_new":false,"is_starred":true,"project_infra":"on_premise",)"
           R"("current_version":"{version_uuid:)" +
           kVersion +
           R"(,created_date:2021/12/16 03:00:00 PM,last_modified_date:2021/12/16 03:10:11 PM,next_version_uuid:null}",)"
           R"("label_version_list":"[{)" +
           kVersion + R"(:[car, person]}]",)" + extra + R"("content":)" + content + "}";
}

std::string entry(const std::string& path, const std::string& annotations = "[]") {
    return R"({"checksum":null,"img_path":")" + path + R"(","version_list":[{"version_uuid":")" +
           kVersion + R"(","annotation_data":{"annotation":)" + annotations +
           R"(,"img_x":80,"img_y":50,"img_w":800,"img_h":600}}],"img_depth":3,"img_ori_w":1024,"img_ori_h":768,"file_size":0})";
}

std::string refusal(const std::string& text, ConfigLimits limits = {}) {
    auto parsed = ConfigFile::parse(text, limits);
    EXPECT_FALSE(parsed.config.has_value()) << "accepted: " << text.substr(0, 200);
    return parsed.error;
}

TEST(ConfigFileTest, ReadsTheReferenceFormat) {
    auto box = R"([{"x1":120,"y1":80,"x2":260,"y2":190,"label":"car","id":"1"}])";
    auto parsed = ConfigFile::parse(
        document(R"({"a":)" + entry("sub\\\\2.png") + R"(,"b":)" + entry("1.jpg", box) + "}"), {});
    ASSERT_TRUE(parsed.config) << parsed.error;
    const auto& config = *parsed.config;
    EXPECT_EQ(config.projectName, "helloworld");
    EXPECT_EQ(config.annotationType, "boundingbox");
    EXPECT_TRUE(config.isStarred);
    EXPECT_EQ(config.versionUuid, kVersion);
    EXPECT_EQ(config.labels, (std::vector<std::string>{"car", "person"}));
    ASSERT_EQ(config.images.size(), 2u);
    EXPECT_EQ(config.images[0].relPath, "1.jpg"); // sorted by path
    EXPECT_EQ(config.images[1].relPath, "sub/2.png");
    EXPECT_NE(config.images[0].annotationList.find("\"x1\":120"), std::string::npos);
    EXPECT_EQ(config.images[1].annotationList, "[]");
    EXPECT_EQ(config.images[0].imgW, 800);
    EXPECT_EQ(config.images[0].width, 1024);
    EXPECT_FALSE(config.images[0].checksum.has_value());
    std::regex iso(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)");
    EXPECT_TRUE(std::regex_match(config.createdAt, iso)) << config.createdAt;
    EXPECT_LT(config.createdAt, config.modifiedAt);
}

TEST(ConfigFileTest, UnknownKeysAreIgnored) {
    auto parsed = ConfigFile::parse(document("{}", R"("future_field":{"x":1},)"), {});
    ASSERT_TRUE(parsed.config) << parsed.error;
}

TEST(ConfigFileTest, WrongTypesNameTheField) {
    EXPECT_EQ(refusal("[1,2]"), "the document must be an object, not an array");
    EXPECT_NE(refusal("{\"tool\":").find("not valid JSON"), std::string::npos);
    EXPECT_EQ(refusal(R"({"tool":"other"})"), "tool is \"other\", expected \"classifai\"");
    EXPECT_EQ(refusal(document("[]")), "content must be an object, not an array");
    EXPECT_EQ(refusal(document("{}", R"("is_starred":"yes",)")),
              "is_starred must be a boolean, not a string");
    EXPECT_EQ(refusal(document(R"({"k":{"img_path":7}})")),
              "content[\"k\"].img_path must be a string, not a number");
    EXPECT_EQ(refusal(document(R"({"k":{"img_path":"a.jpg","img_ori_w":"9"}})")),
              "content[\"k\"].img_ori_w must be a number, not a string");
    EXPECT_EQ(refusal(document(R"({"k":{"img_path":"a.jpg","version_list":{}}})")),
              "content[\"k\"].version_list must be an array, not an object");
    EXPECT_EQ(refusal(document(R"({"k":)" + entry("a.jpg", "{}") + "}")),
              "content[\"k\"].version_list[0].annotation_data.annotation must be an array, not "
              "an object");
}

TEST(ConfigFileTest, PathsMustStayInsideTheProjectFolder) {
    EXPECT_NE(refusal(document(R"({"k":)" + entry("../secret.jpg") + "}")).find("'..'"),
              std::string::npos);
    EXPECT_NE(refusal(document(R"({"k":)" + entry("a/../../b.jpg") + "}")).find("'..'"),
              std::string::npos);
    EXPECT_NE(refusal(document(R"({"k":)" + entry("..\\\\b.jpg") + "}")).find("'..'"),
              std::string::npos);
    EXPECT_NE(refusal(document(R"({"k":)" + entry("/etc/passwd") + "}")).find("absolute"),
              std::string::npos);
    EXPECT_NE(refusal(document(R"({"k":)" + entry("C:\\\\x.jpg") + "}")).find("drive"),
              std::string::npos);
    EXPECT_NE(refusal(document(R"({"k":)" + entry("a\\u0000.jpg") + "}")).find("NUL"),
              std::string::npos);

    std::string path = "./sub//x.jpg";
    EXPECT_FALSE(ConfigFile::invalidRelPath(path, 4096));
    EXPECT_EQ(path, "sub/x.jpg");
    std::string unc = "\\\\server\\share\\x.jpg";
    EXPECT_TRUE(ConfigFile::invalidRelPath(unc, 4096));
    std::string dots = "./.";
    EXPECT_TRUE(ConfigFile::invalidRelPath(dots, 4096));
}

TEST(ConfigFileTest, HugeArraysAndFilesAreRefused) {
    std::string versions = "[";
    for (int i = 0; i < 100000; ++i) {
        versions += (i ? "," : "") + std::string("{}");
    }
    versions += "]";
    EXPECT_EQ(refusal(document(R"({"k":{"img_path":"a.jpg","version_list":)" + versions + "}}")),
              "content[\"k\"].version_list has 100000 entries, at most 64");

    ConfigLimits few;
    few.maxImages = 2;
    EXPECT_EQ(refusal(document(R"({"a":)" + entry("a.jpg") + R"(,"b":)" + entry("b.jpg") +
                               R"(,"c":)" + entry("c.jpg") + "}"),
                      few),
              "content has 3 images, at most 2 (import.maxImages)");

    ConfigLimits small;
    small.maxFileBytes = 100;
    EXPECT_EQ(refusal(document("{}"), small),
              "the file is larger than 100 bytes (import.maxFileBytes)");

    std::string deep(100000, '[');
    EXPECT_NE(refusal(deep).find("not valid JSON"), std::string::npos);

    std::string labels = "[{" + kVersion + ":[";
    for (int i = 0; i < 20000; ++i) {
        labels += (i ? ", l" : "l") + std::to_string(i);
    }
    labels += "]}]";
    std::string text = document("{}");
    text.replace(text.find("[{" + kVersion + ":[car, person]}]"),
                 ("[{" + kVersion + ":[car, person]}]").size(), labels);
    EXPECT_EQ(refusal(text), "label_version_list has more than 10000 labels");
}

TEST(ConfigFileTest, DuplicatePathsKeepTheAnnotatedEntry) {
    auto box = R"([{"x1":1,"y1":2,"x2":3,"y2":4,"label":"car"}])";
    auto parsed = ConfigFile::parse(
        document(R"({"a":)" + entry("x.jpg") + R"(,"b":)" + entry("x.jpg", box) + "}"), {});
    ASSERT_TRUE(parsed.config) << parsed.error;
    ASSERT_EQ(parsed.config->images.size(), 1u);
    EXPECT_NE(parsed.config->images[0].annotationList.find("car"), std::string::npos);
    EXPECT_EQ(parsed.config->duplicatePaths, (std::vector<std::string>{"x.jpg"}));
}

TEST(ConfigFileTest, LegacyStrings) {
    EXPECT_EQ(ConfigFile::keyedList("[{v1:[car, person]}]", "v1"),
              (std::vector<std::string>{"car", "person"}));
    EXPECT_EQ(ConfigFile::keyedList("[{v1:[]}]", "v1"), std::vector<std::string>{});
    EXPECT_EQ(ConfigFile::keyedList("[{v1:[a]},{v2:[b, c]}]", "v2"),
              (std::vector<std::string>{"b", "c"}));
    EXPECT_EQ(ConfigFile::keyedList("[{v1:[a]},{v2:[b]}]", "other"),
              (std::vector<std::string>{"a"}));
    EXPECT_EQ(ConfigFile::keyedList("[{v1:[a:b, c]}]", "v1"),
              (std::vector<std::string>{"a:b", "c"}));
    const std::string version = "{version_uuid:" + kVersion +
                                ",created_date:2021/12/16 03:00:00 PM,last_modified_date:2021/"
                                "12/16 03:10:11 PM,next_version_uuid:null}";
    EXPECT_EQ(ConfigFile::versionField(version, "version_uuid"), kVersion);
    EXPECT_EQ(ConfigFile::versionField(version, "created_date"), "2021/12/16 03:00:00 PM");
    EXPECT_EQ(ConfigFile::versionField("[" + version + "]", "last_modified_date"),
              "2021/12/16 03:10:11 PM");
    EXPECT_EQ(ConfigFile::isoFromReferenceDate("not a date"), "");
    EXPECT_EQ(ConfigFile::isoFromReferenceDate("2021/12/16 03:00:00 PM").size(), 24u);
}

TEST(NameGeneratorTest, NamesAreAdjectiveHero) {
    NameGenerator names(42);
    std::regex shape("[a-z]+_[a-z_]+");
    std::set<std::string> seen;
    for (int i = 0; i < 200; ++i) {
        auto name = names.next();
        EXPECT_TRUE(std::regex_match(name, shape)) << name;
        seen.insert(name);
    }
    EXPECT_GT(seen.size(), 100u);
    EXPECT_GE(NameGenerator::adjectives().size() * NameGenerator::heroes().size(), 1000u);
}

TEST(NameGeneratorTest, UnusedNeverLoopsForever) {
    NameGenerator names(7);
    std::set<std::string> taken;
    const auto all = NameGenerator::adjectives().size() * NameGenerator::heroes().size();
    for (std::size_t i = 0; i < all + 3; ++i) {
        auto name = names.unused([&](const std::string& n) { return taken.count(n) > 0; });
        EXPECT_TRUE(taken.insert(name).second) << name;
    }
    // Every combination is taken: the last three carry a numeric suffix.
    EXPECT_EQ(taken.size(), all + 3);
}

} // namespace
} // namespace classifai

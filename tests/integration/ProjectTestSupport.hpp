// Helpers for the project API tests: sample image folders, create/load/reload polling, JSON checks.
#pragma once

#include "../support/ImageFactory.hpp"
#include "support/ServerProcess.hpp"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/URI.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <regex>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace classifai::test::projects {

using Json = Poco::JSON::Object::Ptr;
using JsonArray = Poco::JSON::Array::Ptr;

constexpr auto kPollTimeout = std::chrono::seconds(20);
constexpr auto kPollInterval = std::chrono::milliseconds(20);

/// Throws (gtest reports the exception as a failure) when `condition` is false: for helpers
/// that return a value and so cannot use ASSERT_*.
inline void require(bool condition, const std::string& what) {
    if (!condition) {
        throw std::runtime_error(what);
    }
}

/// A project name or other value as one URL path segment.
inline std::string segment(const std::string& text) {
    std::string encoded;
    Poco::URI::encode(text, "/?#%[]@!$&'()*+,;=: \"<>\\^`{|}", encoded);
    return encoded;
}

/// The body parsed as a JSON object; throws with the body when it is not one.
inline Json parse(const HttpResult& result) {
    try {
        return result.json();
    } catch (const std::exception& error) {
        throw std::runtime_error("not a JSON object (HTTP " + std::to_string(result.status) +
                                 "): " + result.body);
    }
}

inline std::vector<std::string> strings(const JsonArray& array) {
    std::vector<std::string> items;
    require(!array.isNull(), "expected an array, got null");
    for (std::size_t i = 0; i < array->size(); ++i) {
        items.push_back(array->getElement<std::string>(static_cast<unsigned>(i)));
    }
    return items;
}

/// `object[key]` as a list of strings; fails unless the value is a JSON array.
inline std::vector<std::string> stringList(const Json& object, const std::string& key) {
    require(object->has(key), "missing key " + key);
    require(object->isArray(key), "key " + key + " is not an array");
    return strings(object->getArray(key));
}

inline std::vector<std::string> sorted(std::vector<std::string> items) {
    std::sort(items.begin(), items.end());
    return items;
}

/// EXPECTs that `object[key]` is a JSON integer (not a string, not a float) equal to `value`.
inline void expectInt(const Json& object, const std::string& key, long long value) {
    ASSERT_TRUE(object->has(key)) << "missing " << key;
    auto var = object->get(key);
    ASSERT_TRUE(var.isInteger()) << key << " is not a JSON integer: " << var.toString();
    EXPECT_EQ(var.convert<long long>(), value) << key;
}

/// EXPECTs that `object[key]` is a JSON boolean equal to `value`.
inline void expectBool(const Json& object, const std::string& key, bool value) {
    ASSERT_TRUE(object->has(key)) << "missing " << key;
    auto var = object->get(key);
    ASSERT_TRUE(var.isBoolean()) << key << " is not a JSON boolean: " << var.toString();
    EXPECT_EQ(var.extract<bool>(), value) << key;
}

/// EXPECTs that `object[key]` is present and JSON null.
inline void expectNull(const Json& object, const std::string& key) {
    ASSERT_TRUE(object->has(key)) << "missing " << key;
    EXPECT_TRUE(object->isNull(key)) << key << " is not null: " << object->get(key).toString();
}

inline void expectString(const Json& object, const std::string& key, const std::string& value) {
    ASSERT_TRUE(object->has(key)) << "missing " << key;
    auto var = object->get(key);
    ASSERT_TRUE(var.isString()) << key << " is not a JSON string: " << var.toString();
    EXPECT_EQ(var.extract<std::string>(), value) << key;
}

inline bool isUuid(const std::string& text) {
    static const std::regex pattern(
        "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$");
    return std::regex_match(text, pattern);
}

/// EXPECTs exactly `{"message":1}` with HTTP 200.
inline void expectOk(const HttpResult& result) {
    EXPECT_EQ(result.status, 200) << result.body;
    EXPECT_EQ(result.body, R"({"message":1})");
    EXPECT_NE(result.header("content-type").find("application/json"), std::string::npos);
}

/// EXPECTs the failure envelope: JSON, `message` 0, integer `error_code` equal to `errorCode`
/// in both spellings, and an `error_message` containing `contains`. Returns the message.
inline std::string expectFailure(const HttpResult& result, int httpStatus,
                                 const std::string& contains, int errorCode = 1) {
    EXPECT_EQ(result.status, httpStatus) << result.body;
    EXPECT_NE(result.header("content-type").find("application/json"), std::string::npos)
        << result.header("content-type");
    Json body;
    try {
        body = result.json();
    } catch (const std::exception&) {
        ADD_FAILURE() << "failure is not a JSON object: " << result.body;
        return "";
    }
    expectInt(body, "message", 0);
    expectInt(body, "error_code", errorCode);
    expectInt(body, "errorCode", errorCode);
    if (!body->has("error_message") || !body->get("error_message").isString()) {
        ADD_FAILURE() << "no error_message string: " << result.body;
        return "";
    }
    auto message = body->getValue<std::string>("error_message");
    EXPECT_EQ(body->optValue<std::string>("errorMessage", ""), message);
    EXPECT_NE(message.find(contains), std::string::npos)
        << "'" << message << "' does not contain '" << contains << "'";
    return message;
}

/// A JSON body as the front-end sends it (field order kept, strings escaped by Poco).
inline std::string jsonBody(const std::vector<std::pair<std::string, Poco::Dynamic::Var>>& fields) {
    Poco::JSON::Object object(Poco::JSON_PRESERVE_KEY_ORDER);
    for (const auto& [key, value] : fields) {
        object.set(key, value);
    }
    std::ostringstream out;
    object.stringify(out);
    return out.str();
}

/// The create body of the front-end; `status` nullopt leaves the field out.
inline std::string createBody(const std::string& name, const std::string& annotationType,
                              const std::string& projectPath, const std::string& labelFile = "",
                              const std::optional<std::string>& status = std::string("raw")) {
    std::vector<std::pair<std::string, Poco::Dynamic::Var>> fields{
        {"project_name", name}, {"annotation_type", annotationType}};
    if (status) {
        fields.emplace_back("status", *status);
    }
    fields.emplace_back("project_path", projectPath);
    fields.emplace_back("label_file_path", labelFile);
    return jsonBody(fields);
}

/// A folder of real images as a user would point the server at.
struct SampleFolder {
    std::filesystem::path root; ///< canonical path, as the server reports it
    /// Relative paths of the images the server must serve, sorted (the listing order).
    std::vector<std::string> images;
    /// Absolute paths the create status must list as unsupported, sorted.
    std::vector<std::string> unsupported;
};

/// Writes JPEG, PNG, WebP, BMP, TIFF, an EXIF-rotated JPEG, a nested folder with images, a
/// corrupt .jpg, a text file named .png and a plain notes.txt into `root` (created if needed).
inline SampleFolder writeSampleFolder(const std::filesystem::path& root) {
    std::filesystem::create_directories(root / "nested" / "deeper");
    writeImage(root / "a.jpg", ImageFormat::Jpeg, 64, 48);
    writeImage(root / "b.png", ImageFormat::Png, 48, 64);
    writeImage(root / "c.webp", ImageFormat::Webp, 40, 30);
    writeImage(root / "d.bmp", ImageFormat::Bmp, 30, 20);
    writeImage(root / "e.tiff", ImageFormat::Tiff, 32, 32);
    writeJpegWithOrientation(root / "rotated.jpg", 60, 40, 6);
    writeImage(root / "nested" / "inner.jpg", ImageFormat::Jpeg, 20, 20);
    writeImage(root / "nested" / "deeper" / "inner2.png", ImageFormat::Png, 24, 16);
    writeCorruptJpeg(root / "broken.jpg");
    writeTextFile(root / "fake.png", "this is text with an image name\n");
    writeTextFile(root / "notes.txt", "remember the milk\n");

    SampleFolder folder;
    folder.root = std::filesystem::canonical(root);
    folder.images = {"a.jpg",
                     "b.png",
                     "c.webp",
                     "d.bmp",
                     "e.tiff",
                     "nested/deeper/inner2.png",
                     "nested/inner.jpg",
                     "rotated.jpg"};
    folder.unsupported =
        sorted({(folder.root / "broken.jpg").string(), (folder.root / "fake.png").string()});
    return folder;
}

/// Every regular file under `root` with its bytes, by relative path: to show nothing was
/// written, moved or deleted.
inline std::map<std::string, std::string> snapshotFiles(const std::filesystem::path& root) {
    std::map<std::string, std::string> files;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(root)) {
        if (entry.is_regular_file()) {
            std::ifstream in(entry.path(), std::ios::binary);
            std::stringstream bytes;
            bytes << in.rdbuf();
            files[entry.path().lexically_relative(root).generic_string()] = bytes.str();
        }
    }
    return files;
}

/// Polls `path` until `done(status)` or the timeout, reading `file_system_status` each time;
/// fails when a status goes backwards. Returns the last answer.
inline Json pollFileSystemStatus(const ServerProcess& server, const std::string& path,
                                 const std::function<bool(int)>& done,
                                 std::vector<int>* seen = nullptr) {
    auto deadline = std::chrono::steady_clock::now() + kPollTimeout;
    int previous = -1;
    while (true) {
        auto result = server.get(path);
        require(result.status == 200,
                "GET " + path + " answered " + std::to_string(result.status) + ": " + result.body);
        auto body = parse(result);
        require(body->has("file_system_status") && body->get("file_system_status").isInteger(),
                "file_system_status is not an integer: " + result.body);
        int status = body->getValue<int>("file_system_status");
        if (seen) {
            seen->push_back(status);
        }
        require(status >= previous, "file_system_status went back from " +
                                        std::to_string(previous) + " to " + std::to_string(status) +
                                        " at " + path);
        previous = status;
        if (done(status)) {
            return body;
        }
        require(std::chrono::steady_clock::now() < deadline,
                "GET " + path + " still at status " + std::to_string(status) + " after 20 s");
        std::this_thread::sleep_for(kPollInterval);
    }
}

/// Polls the create status (GET /v2/{type}/projects/{name}) until it ends (3, 4 or 5).
inline Json waitForCreate(const ServerProcess& server, const std::string& type,
                          const std::string& name, std::vector<int>* seen = nullptr) {
    return pollFileSystemStatus(
        server, "/v2/" + type + "/projects/" + segment(name),
        [](int status) { return status >= 3; }, seen);
}

/// Creates a project and waits until the status says 3; throws otherwise.
inline Json createProject(const ServerProcess& server, const std::string& name,
                          const std::string& annotationType, const std::filesystem::path& folder,
                          const std::string& labelFile = "") {
    auto result =
        server.put("/v2/projects", createBody(name, annotationType, folder.string(), labelFile));
    require(result.status == 200 && result.body == R"({"message":1})",
            "create " + name + " answered " + std::to_string(result.status) + ": " + result.body);
    const std::string type =
        annotationType == "segmentation" || annotationType == "seg" ? "seg" : "bndbox";
    auto status = waitForCreate(server, type, name);
    require(status->getValue<int>("file_system_status") == 3,
            "create of " + name + " ended at status " +
                std::to_string(status->getValue<int>("file_system_status")));
    return status;
}

/// Polls loadingstatus until `message` is 2 (LOADED); returns that answer.
inline Json waitForLoaded(const ServerProcess& server, const std::string& type,
                          const std::string& name) {
    const std::string path = "/" + type + "/projects/" + segment(name) + "/loadingstatus";
    auto deadline = std::chrono::steady_clock::now() + kPollTimeout;
    while (true) {
        auto result = server.get(path);
        require(result.status == 200, "GET " + path + ": " + result.body);
        auto body = parse(result);
        require(body->has("message") && body->get("message").isInteger(),
                "loadingstatus message is not an integer: " + result.body);
        int message = body->getValue<int>("message");
        require(message == 1 || message == 2, "loadingstatus answered " + result.body);
        if (message == 2) {
            return body;
        }
        require(std::chrono::steady_clock::now() < deadline, "loading did not end: " + path);
        std::this_thread::sleep_for(kPollInterval);
    }
}

/// Opens a project as the UI does (GET load, then loadingstatus until 2); returns the status.
inline Json openProject(const ServerProcess& server, const std::string& type,
                        const std::string& name) {
    auto result = server.get("/" + type + "/projects/" + segment(name));
    require(result.status == 200 && result.body == R"({"message":1})",
            "load " + name + " answered " + std::to_string(result.status) + ": " + result.body);
    return waitForLoaded(server, type, name);
}

/// Starts a reload and polls reloadstatus until 3 or 5.
inline Json reloadProject(const ServerProcess& server, const std::string& type,
                          const std::string& name, std::vector<int>* seen = nullptr) {
    auto result = server.put("/v2/" + type + "/projects/" + segment(name) + "/reload",
                             jsonBody({{"newprojectid", name}}));
    require(result.status == 200 && result.body == R"({"message":1})",
            "reload " + name + " answered " + std::to_string(result.status) + ": " + result.body);
    return pollFileSystemStatus(
        server, "/v2/" + type + "/projects/" + segment(name) + "/reloadstatus",
        [](int status) { return status == 3 || status == 5; }, seen);
}

/// The one-project meta (content[0]); throws unless message is 1 with one entry.
inline Json projectMeta(const ServerProcess& server, const std::string& type,
                        const std::string& name) {
    auto result = server.get("/" + type + "/projects/" + segment(name) + "/meta");
    auto body = parse(result);
    require(result.status == 200 && body->optValue<int>("message", -1) == 1 &&
                body->isArray("content") && body->getArray("content")->size() == 1,
            "meta of " + name + ": " + result.body);
    return body->getArray("content")->getObject(0);
}

/// The meta list of a type, checked to be `{"message":1,"content":[...]}`.
inline JsonArray metaList(const ServerProcess& server, const std::string& type) {
    auto result = server.get("/" + type + "/projects/meta");
    auto body = parse(result);
    require(result.status == 200 && body->optValue<int>("message", -1) == 1 &&
                body->isArray("content"),
            "meta list of " + type + ": " + result.body);
    return body->getArray("content");
}

/// The project names listed for a type, in the order listed.
inline std::vector<std::string> listedNames(const ServerProcess& server, const std::string& type) {
    std::vector<std::string> names;
    auto content = metaList(server, type);
    for (std::size_t i = 0; i < content->size(); ++i) {
        names.push_back(
            content->getObject(static_cast<unsigned>(i))->getValue<std::string>("project_name"));
    }
    return names;
}

/// Parses "yyyy/MM/dd hh:mm:ss AM" (local time) into seconds since the epoch; nullopt when the
/// text does not have that exact form.
inline std::optional<std::time_t> parseDisplayDate(const std::string& text) {
    static const std::regex pattern(
        R"(^\d{4}/(0[1-9]|1[0-2])/(0[1-9]|[12]\d|3[01]) (0[1-9]|1[0-2]):[0-5]\d:[0-5]\d (AM|PM)$)");
    if (!std::regex_match(text, pattern)) {
        return std::nullopt;
    }
    std::tm parts{};
    if (!::strptime(text.c_str(), "%Y/%m/%d %I:%M:%S %p", &parts)) {
        return std::nullopt;
    }
    parts.tm_isdst = -1;
    return std::mktime(&parts);
}

/// A running server whose files.roots is a fresh temp folder, plus that folder.
class ProjectServerTest : public ::testing::Test {
protected:
    void SetUp() override { server = startServer(); }

    std::unique_ptr<ServerProcess> startServer(const std::filesystem::path& dataDir = {}) const {
        return std::make_unique<ServerProcess>(
            std::vector<std::string>{"--define=files.roots=" + roots.path().string()}, dataDir);
    }

    TempFolder roots{"classifai-projects"};
    std::unique_ptr<ServerProcess> server;
};

} // namespace classifai::test::projects

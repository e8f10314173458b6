// Test support for the image and annotation API: a server with a project made from real images.
#pragma once

#include "../support/ImageFactory.hpp"
#include "support/ServerProcess.hpp"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace classifai::test {

/// JSON string literal of `text` (for building request bodies).
inline std::string jsonString(const std::string& text) {
    std::string out = "\"";
    for (char c : text) {
        if (c == '"' || c == '\\') {
            out += '\\';
        }
        out += c;
    }
    return out + "\"";
}

inline std::string readBytes(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    std::ostringstream bytes;
    bytes << in.rdbuf();
    return bytes.str();
}

/// Every file under `folder` (relative paths, sorted), to prove nothing changed on disk.
inline std::vector<std::string> listTree(const std::filesystem::path& folder) {
    std::vector<std::string> files;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(folder)) {
        files.push_back(std::filesystem::relative(entry.path(), folder).string());
    }
    std::sort(files.begin(), files.end());
    return files;
}

inline Poco::JSON::Object::Ptr waitFor(const ServerProcess& server, const std::string& path,
                                       const std::string& key, std::vector<int> done,
                                       int timeoutMs = 30000) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeoutMs);
    for (;;) {
        auto body = server.get(path).json();
        if (body->has(key)) {
            int value = body->getValue<int>(key);
            if (std::find(done.begin(), done.end(), value) != done.end()) {
                return body;
            }
        }
        if (std::chrono::steady_clock::now() > deadline) {
            ADD_FAILURE() << "timed out waiting for " << path;
            return body;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
}

inline std::vector<std::string> stringsOf(const Poco::JSON::Array::Ptr& array) {
    std::vector<std::string> items;
    for (std::size_t i = 0; array && i < array->size(); ++i) {
        items.push_back(array->getElement<std::string>(static_cast<unsigned>(i)));
    }
    return items;
}

/// A server (data dir and project roots in temp folders) with helpers to make projects.
class ProjectServer {
public:
    explicit ProjectServer(std::vector<std::string> extraArgs = {})
        : _images("classifai-images"), _data("classifai-data") {
        extraArgs.push_back("--define=files.roots=" + _images.path().string());
        _args = extraArgs;
        _server = std::make_unique<ServerProcess>(_args, dataDir());
    }

    std::filesystem::path dataDir() const { return _data / "data"; }

    ServerProcess& server() { return *_server; }
    const std::filesystem::path& root() const { return _images.path(); }
    std::filesystem::path folder(const std::string& name) const { return _images / name; }

    /// Stops the server and starts it again on the same data dir.
    void restart() {
        _server->stop();
        _server.reset();
        _server = std::make_unique<ServerProcess>(_args, dataDir());
    }

    /// Creates a project from `folder(name)` and waits for it; returns its uuids in order.
    std::vector<std::string> createProject(const std::string& name, const std::string& type,
                                           const std::string& labelFile = "") {
        auto body = "{\"project_name\":" + jsonString(name) +
                    ",\"annotation_type\":" + jsonString(type) +
                    ",\"status\":\"raw\",\"project_path\":" + jsonString(folder(name).string()) +
                    ",\"label_file_path\":" + jsonString(labelFile) + "}";
        auto created = _server->put("/v2/projects", body);
        EXPECT_EQ(created.json()->getValue<int>("message"), 1) << created.body;
        waitFor(*_server, "/v2/" + type + "/projects/" + name, "file_system_status", {3, 5});
        return uuids(name, type);
    }

    std::vector<std::string> uuids(const std::string& name, const std::string& type) {
        auto body = waitFor(*_server, "/" + type + "/projects/" + name + "/loadingstatus",
                            "message", {2, 0});
        return stringsOf(body->getArray("uuid_list"));
    }

private:
    TempFolder _images;
    TempFolder _data;
    std::vector<std::string> _args;
    std::unique_ptr<ServerProcess> _server;
};

} // namespace classifai::test

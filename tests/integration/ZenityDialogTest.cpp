// The zenity dialog backend with a real window: Xvfb gives the server a display, xdotool finds
// the window, types a path and confirms or cancels it, as a person would. Xvfb, zenity and
// xdotool come from `make deps`; without them these tests fail rather than skip.
#include "support/ServerProcess.hpp"

#include <Poco/JSON/Array.h>

#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <optional>
#include <random>
#include <string>
#include <thread>

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

using classifai::test::ServerProcess;
using classifai::test::TempDir;

namespace {

namespace fs = std::filesystem;

std::optional<std::string> onPath(const std::string& name) {
    const char* path = std::getenv("PATH");
    std::string folders = path ? path : "/usr/bin:/bin";
    std::size_t start = 0;
    while (start <= folders.size()) {
        auto end = folders.find(':', start);
        if (end == std::string::npos) {
            end = folders.size();
        }
        auto candidate = folders.substr(start, end - start) + "/" + name;
        if (::access(candidate.c_str(), X_OK) == 0) {
            return candidate;
        }
        start = end + 1;
    }
    return std::nullopt;
}

// An Xvfb server on a display of its own, stopped on destruction. The number is drawn from a high
// range per process rather than with -displayfd: parallel tests that start and stop displays
// next to each other would otherwise reuse a number whose dying server still removes its socket.
class VirtualDisplay {
public:
    explicit VirtualDisplay(const std::string& xvfb) {
        std::mt19937 random(
            static_cast<unsigned>(::getpid()) ^
            static_cast<unsigned>(std::chrono::steady_clock::now().time_since_epoch().count()));
        for (int attempt = 0; attempt < 20; ++attempt) {
            const int number = 300 + static_cast<int>(random() % 30000);
            if (fs::exists("/tmp/.X" + std::to_string(number) + "-lock") ||
                fs::exists("/tmp/.X11-unix/X" + std::to_string(number))) {
                continue;
            }
            const std::string display = ":" + std::to_string(number);
            _pid = ::fork();
            if (_pid == 0) {
                int devNull = ::open("/dev/null", O_RDWR);
                ::dup2(devNull, 0);
                ::dup2(devNull, 1);
                ::dup2(devNull, 2);
                ::execl(xvfb.c_str(), xvfb.c_str(), display.c_str(), "-nolisten", "tcp", "-screen",
                        "0", "1280x800x24", static_cast<char*>(nullptr));
                ::_exit(127);
            }
            if (waitUntilListening(number)) {
                _display = display;
                return;
            }
            stop();
        }
        throw std::runtime_error("Xvfb did not start on any display");
    }
    ~VirtualDisplay() { stop(); }
    const std::string& display() const { return _display; }

private:
    // True once the server accepts a connection on its socket; false if it exited or timed out.
    bool waitUntilListening(int number) {
        const std::string socketPath = "/tmp/.X11-unix/X" + std::to_string(number);
        auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
        while (std::chrono::steady_clock::now() < deadline) {
            int status = 0;
            if (::waitpid(_pid, &status, WNOHANG) == _pid) {
                _pid = -1;
                return false;
            }
            int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
            sockaddr_un address{};
            address.sun_family = AF_UNIX;
            std::snprintf(address.sun_path, sizeof address.sun_path, "%s", socketPath.c_str());
            bool connected = fd >= 0 && ::connect(fd, reinterpret_cast<sockaddr*>(&address),
                                                  sizeof address) == 0;
            if (fd >= 0) {
                ::close(fd);
            }
            if (connected) {
                return true;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        return false;
    }

    void stop() {
        if (_pid > 0) {
            ::kill(_pid, SIGTERM);
            int status = 0;
            ::waitpid(_pid, &status, 0);
            _pid = -1;
        }
    }

    pid_t _pid = -1;
    std::string _display;
};

// Sets environment variables for the server this test starts (it inherits them), and restores
// them afterwards.
class ScopedEnvironment {
public:
    void set(const std::string& name, const std::string& value) {
        const char* old = std::getenv(name.c_str());
        _saved.push_back({name, old ? std::optional<std::string>(old) : std::nullopt});
        ::setenv(name.c_str(), value.c_str(), 1);
    }
    ~ScopedEnvironment() {
        for (auto it = _saved.rbegin(); it != _saved.rend(); ++it) {
            if (it->second) {
                ::setenv(it->first.c_str(), it->second->c_str(), 1);
            } else {
                ::unsetenv(it->first.c_str());
            }
        }
    }

private:
    std::vector<std::pair<std::string, std::optional<std::string>>> _saved;
};

class ZenityDialogTest : public ::testing::Test {
protected:
    void SetUp() override {
        for (const char* tool : {"Xvfb", "zenity", "xdotool"}) {
            auto found = onPath(tool);
            ASSERT_TRUE(found) << tool << " is not installed: run `make deps` (it installs xvfb, "
                               << "zenity and xdotool)";
            _tools[tool] = *found;
        }
        _display = std::make_unique<VirtualDisplay>(_tools["Xvfb"]);
        _environment.set("DISPLAY", _display->display());
        _environment.set("GSETTINGS_BACKEND", "memory"); // no dconf writes, no dbus needed
        _environment.set("NO_AT_BRIDGE", "1");           // no accessibility bus either
        fs::create_directories(_root.path() / "my photos");
        _server = std::make_unique<ServerProcess>(std::vector<std::string>{
            "--define=files.roots=" + _root.path().string(), "--define=dialog.backend=zenity",
            "--define=dialog.startDirectory=" + _root.path().string()});
    }
    void TearDown() override { _server.reset(); }

    // Runs xdotool with `args`; returns its output.
    std::string xdotool(const std::vector<std::string>& args, int* exitCode = nullptr) {
        std::vector<std::string> argv{_tools["xdotool"]};
        argv.insert(argv.end(), args.begin(), args.end());
        std::string output;
        int code = classifai::test::runCommand(argv, output);
        if (exitCode) {
            *exitCode = code;
        }
        return output;
    }

    // The ids of the visible windows titled `title` (waits up to 20 s for the first).
    std::vector<std::string> waitForWindows(const std::string& title) {
        auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
        while (std::chrono::steady_clock::now() < deadline) {
            int code = 0;
            auto output = xdotool({"search", "--onlyvisible", "--name", title}, &code);
            std::vector<std::string> ids;
            std::size_t start = 0;
            while (code == 0 && start < output.size()) {
                auto end = output.find('\n', start);
                auto line = output.substr(start, end - start);
                if (!line.empty() && line.find_first_not_of("0123456789") == std::string::npos) {
                    ids.push_back(line);
                }
                start = end == std::string::npos ? output.size() : end + 1;
            }
            if (!ids.empty()) {
                return ids;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
        ADD_FAILURE() << "no window titled '" << title << "' appeared\n" << _server->log();
        return {};
    }

    Poco::JSON::Object::Ptr waitUntilClosed(const std::string& path) {
        auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
        Poco::JSON::Object::Ptr body;
        while (std::chrono::steady_clock::now() < deadline) {
            body = _server->get(path).json();
            if (body->getValue<int>("window_status") == 1) {
                return body;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
        ADD_FAILURE() << path << " stayed open\n" << _server->log();
        return body;
    }

    std::map<std::string, std::string> _tools;
    TempDir _root;
    std::unique_ptr<VirtualDisplay> _display;
    ScopedEnvironment _environment;
    std::unique_ptr<ServerProcess> _server;
};

TEST_F(ZenityDialogTest, AFolderTypedAndConfirmedIsReported) {
    EXPECT_EQ(_server->put("/v2/folders", "{}").body, R"({"message":1})");
    auto windows = waitForWindows("Select Project Folder");
    ASSERT_EQ(windows.size(), 1u);
    EXPECT_EQ(_server->get("/v2/folders").json()->getValue<int>("window_status"), 0);

    // A second request while the window is open opens no second window.
    EXPECT_EQ(_server->put("/v2/folders", "{}").body, R"({"message":1})");
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    EXPECT_EQ(waitForWindows("Select Project Folder").size(), 1u);

    const auto chosen = (_root.path() / "my photos").string();
    xdotool({"windowfocus", "--sync", windows[0]});
    xdotool({"type", "--delay", "20", chosen});
    xdotool({"key", "Return"});
    auto closed = waitUntilClosed("/v2/folders");
    EXPECT_EQ(closed->getValue<std::string>("window_message"), "WINDOW_CLOSE");
    EXPECT_EQ(closed->getValue<std::string>("project_path"), chosen) << _server->log();
}

TEST_F(ZenityDialogTest, ACancelledWindowReportsAnEmptyPath) {
    EXPECT_EQ(_server->put("/v2/labelfiles", "{}").body, R"({"message":1})");
    auto windows = waitForWindows("Select Label File");
    ASSERT_EQ(windows.size(), 1u);
    EXPECT_EQ(_server->get("/v2/labelfiles").json()->getValue<int>("window_status"), 0);
    xdotool({"windowfocus", "--sync", windows[0]});
    xdotool({"key", "Escape"});
    auto closed = waitUntilClosed("/v2/labelfiles");
    EXPECT_EQ(closed->getValue<std::string>("label_file_path"), "");
}

TEST_F(ZenityDialogTest, StoppingTheServerClosesAnOpenWindow) {
    EXPECT_EQ(_server->put("/v2/folders", "{}").body, R"({"message":1})");
    ASSERT_EQ(waitForWindows("Select Project Folder").size(), 1u);
    EXPECT_EQ(_server->stop(), 0);
    bool gone = false;
    for (int i = 0; i < 100 && !gone; ++i) {
        int code = 0;
        xdotool({"search", "--onlyvisible", "--name", "Select Project Folder"}, &code);
        gone = code != 0;
        if (!gone) {
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
    }
    EXPECT_TRUE(gone) << "the window outlived the server\n" << _server->log();
    EXPECT_NE(_server->log().find("closing the selection window still open"), std::string::npos);
}

TEST_F(ZenityDialogTest, AConfigurationFileChosenInTheWindowIsImported) {
    const auto file = _root.path() / "my photos" / "project.json";
    std::ofstream(file) << R"({"tool":"classifai","tool_version":"2.0.0-alpha3",)"
                        << R"("updated_date":"2021/12/16 03:15:02 PM","project_name":"typed",)"
                        << R"("annotation_type":"segmentation","content":{}})";
    EXPECT_EQ(_server->put("/v2/projects", R"({"status":"config"})").body, R"({"message":1})");
    auto windows = waitForWindows("Select Project Configuration File");
    ASSERT_EQ(windows.size(), 1u);
    auto again = _server->put("/v2/newproject", "{}").json();
    EXPECT_EQ(again->getValue<int>("message"), 0);
    EXPECT_EQ(waitForWindows("Select Project Configuration File").size(), 1u);
    xdotool({"windowfocus", "--sync", windows[0]});
    xdotool({"type", "--delay", "20", file.string()});
    xdotool({"key", "Return"});
    Poco::JSON::Object::Ptr status;
    for (int i = 0; i < 200; ++i) {
        status = _server->get("/v2/seg/projects/importstatus").json();
        if (status->getValue<int>("file_system_status") >= 3) {
            break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    EXPECT_EQ(status->getValue<int>("file_system_status"), 3) << _server->log();
    EXPECT_EQ(status->getValue<std::string>("project_name"), "typed");
}

} // namespace

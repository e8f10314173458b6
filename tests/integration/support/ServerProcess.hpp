// Test support: runs the real classifai binary on a port the OS picks and talks HTTP to it.
#pragma once

#include <Poco/JSON/Object.h>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace classifai::test {

/// A fresh temporary folder, removed when the object goes.
class TempDir {
public:
    TempDir();
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::filesystem::path& path() const { return _path; }

private:
    std::filesystem::path _path;
};

/// What the server answered.
struct HttpResult {
    int status = 0;
    std::map<std::string, std::string> headers; // lower-case names
    std::string body;

    /// The body parsed as a JSON object; throws when it is not one.
    Poco::JSON::Object::Ptr json() const;
    std::string header(const std::string& name) const;
};

/// The server binary, started in its own process with its own data dir.
class ServerProcess {
public:
    /// Starts the server with `--port=0`, a fresh data dir and `extraArgs`; waits until it
    /// listens. Throws with the server's log when it does not start within the timeout.
    explicit ServerProcess(std::vector<std::string> extraArgs = {},
                           const std::filesystem::path& dataDir = {});
    ~ServerProcess();
    ServerProcess(const ServerProcess&) = delete;
    ServerProcess& operator=(const ServerProcess&) = delete;

    int port() const { return _port; }
    /// The server's process id (-1 once it exited).
    int pid() const { return _pid; }
    const std::filesystem::path& dataDir() const { return _dataDir; }
    /// Everything the server logged so far.
    std::string log() const;

    /// One HTTP request on a new connection. `headers` are added (Host is set to
    /// 127.0.0.1:<port> unless given).
    HttpResult request(const std::string& method, const std::string& path,
                       const std::string& body = "",
                       const std::map<std::string, std::string>& headers = {}) const;
    HttpResult get(const std::string& path) const { return request("GET", path); }
    HttpResult put(const std::string& path, const std::string& body = "") const {
        return request("PUT", path, body, {{"Content-Type", "application/json"}});
    }

    /// Sends SIGTERM and waits for the exit code (or kills after the timeout).
    int stop(int timeoutMs = 15000);
    /// Whether the process is still running.
    bool running() const;

private:
    TempDir _work;
    std::filesystem::path _dataDir;
    std::filesystem::path _logFile;
    int _pid = -1;
    int _port = 0;
    mutable int _exitCode = -1;
};

/// Runs a command to completion, returning its exit code and combined output.
int runCommand(const std::vector<std::string>& argv, std::string& output);

} // namespace classifai::test

#include "support/ServerProcess.hpp"

#include <Poco/JSON/Parser.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/String.h>
#include <Poco/UUIDGenerator.h>

#include <chrono>
#include <csignal>
#include <fcntl.h>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace classifai::test {

TempDir::TempDir() {
    _path = std::filesystem::temp_directory_path() /
            ("classifai-test-" + Poco::UUIDGenerator::defaultGenerator().createRandom().toString());
    std::filesystem::create_directories(_path);
}

TempDir::~TempDir() {
    std::error_code ignored;
    std::filesystem::permissions(_path, std::filesystem::perms::owner_all,
                                 std::filesystem::perm_options::add, ignored);
    std::filesystem::remove_all(_path, ignored);
}

Poco::JSON::Object::Ptr HttpResult::json() const {
    Poco::JSON::Parser parser;
    auto value = parser.parse(body);
    return value.extract<Poco::JSON::Object::Ptr>();
}

std::string HttpResult::header(const std::string& name) const {
    auto found = headers.find(Poco::toLower(name));
    return found == headers.end() ? "" : found->second;
}

namespace {

std::string readFile(const std::filesystem::path& path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

int spawn(const std::vector<std::string>& argv, const std::filesystem::path& output) {
    std::vector<char*> args;
    for (const auto& arg : argv) {
        args.push_back(const_cast<char*>(arg.c_str()));
    }
    args.push_back(nullptr);
    int pid = ::fork();
    if (pid == 0) {
        int fd = ::open(output.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        ::dup2(fd, 1);
        ::dup2(fd, 2);
        ::execv(args[0], args.data());
        ::_exit(127);
    }
    if (pid < 0) {
        throw std::runtime_error("fork failed");
    }
    return pid;
}

} // namespace

int runCommand(const std::vector<std::string>& argv, std::string& output) {
    TempDir work;
    auto logFile = work.path() / "output.txt";
    int pid = spawn(argv, logFile);
    int status = 0;
    ::waitpid(pid, &status, 0);
    output = readFile(logFile);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

ServerProcess::ServerProcess(std::vector<std::string> extraArgs,
                             const std::filesystem::path& dataDir) {
    _dataDir = dataDir.empty() ? _work.path() / "data" : dataDir;
    _logFile = _work.path() / "server.log";
    auto portFile = _work.path() / "port";
    std::vector<std::string> argv{CLASSIFAI_SERVER_BINARY, "--port=0",
                                  "--data-dir=" + _dataDir.string(),
                                  "--define=http.portFile=" + portFile.string()};
    argv.insert(argv.end(), extraArgs.begin(), extraArgs.end());
    _pid = spawn(argv, _logFile);

    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (std::chrono::steady_clock::now() < deadline) {
        if (std::filesystem::exists(portFile)) {
            _port = std::stoi(readFile(portFile));
            return;
        }
        if (!running()) {
            throw std::runtime_error("server exited with code " + std::to_string(_exitCode) +
                                     ":\n" + log());
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    stop(1000);
    throw std::runtime_error("server did not start listening:\n" + log());
}

ServerProcess::~ServerProcess() {
    if (_pid > 0) {
        stop();
    }
}

std::string ServerProcess::log() const {
    return readFile(_logFile);
}

bool ServerProcess::running() const {
    if (_pid <= 0) {
        return false;
    }
    int status = 0;
    int result = ::waitpid(_pid, &status, WNOHANG);
    if (result == _pid) {
        _exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        const_cast<ServerProcess*>(this)->_pid = -1;
        return false;
    }
    return true;
}

int ServerProcess::stop(int timeoutMs) {
    if (!running()) {
        return _exitCode;
    }
    ::kill(_pid, SIGTERM);
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeoutMs);
    while (std::chrono::steady_clock::now() < deadline) {
        if (!running()) {
            return _exitCode;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ::kill(_pid, SIGKILL);
    int status = 0;
    ::waitpid(_pid, &status, 0);
    _pid = -1;
    _exitCode = 137;
    return _exitCode;
}

HttpResult ServerProcess::request(const std::string& method, const std::string& path,
                                  const std::string& body,
                                  const std::map<std::string, std::string>& headers) const {
    Poco::Net::HTTPClientSession session("127.0.0.1", static_cast<Poco::UInt16>(_port));
    session.setTimeout(Poco::Timespan(60, 0));
    Poco::Net::HTTPRequest request(method, path, Poco::Net::HTTPMessage::HTTP_1_1);
    request.setHost("127.0.0.1", static_cast<Poco::UInt16>(_port));
    for (const auto& [name, value] : headers) {
        if (Poco::icompare(name, "Host") == 0) {
            request.setHost(value);
        } else {
            request.set(name, value);
        }
    }
    if (!body.empty() || method == "PUT" || method == "POST") {
        request.setContentLength(static_cast<std::streamsize>(body.size()));
    }
    session.sendRequest(request) << body;
    Poco::Net::HTTPResponse response;
    auto& in = session.receiveResponse(response);
    HttpResult result;
    result.status = static_cast<int>(response.getStatus());
    for (const auto& [name, value] : response) {
        result.headers[Poco::toLower(name)] = value;
    }
    std::stringstream text;
    text << in.rdbuf();
    result.body = text.str();
    return result;
}

} // namespace classifai::test

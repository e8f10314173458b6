#include "http/StaticFiles.hpp"

#include "http/Reply.hpp"

#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/String.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>

namespace classifai {

namespace {

namespace fs = std::filesystem;

bool inside(const fs::path& path, const fs::path& root) {
    auto rel = path.lexically_relative(root);
    return !rel.empty() && *rel.begin() != ".." && !rel.is_absolute();
}

} // namespace

StaticFiles::StaticFiles(const fs::path& webroot) {
    std::error_code error;
    _root = fs::canonical(webroot, error);
    if (error || !fs::is_directory(_root, error)) {
        throw std::invalid_argument("http.webroot is not a folder: " + webroot.string());
    }
}

std::string StaticFiles::contentType(const fs::path& file) {
    static const std::map<std::string, std::string> kTypes{
        {".html", "text/html; charset=utf-8"},
        {".htm", "text/html; charset=utf-8"},
        {".js", "text/javascript; charset=utf-8"},
        {".mjs", "text/javascript; charset=utf-8"},
        {".css", "text/css; charset=utf-8"},
        {".json", "application/json; charset=utf-8"},
        {".map", "application/json; charset=utf-8"},
        {".webmanifest", "application/manifest+json"},
        {".txt", "text/plain; charset=utf-8"},
        {".xml", "application/xml"},
        {".svg", "image/svg+xml"},
        {".png", "image/png"},
        {".jpg", "image/jpeg"},
        {".jpeg", "image/jpeg"},
        {".gif", "image/gif"},
        {".webp", "image/webp"},
        {".ico", "image/x-icon"},
        {".bmp", "image/bmp"},
        {".woff", "font/woff"},
        {".woff2", "font/woff2"},
        {".ttf", "font/ttf"},
        {".otf", "font/otf"},
        {".eot", "application/vnd.ms-fontobject"},
        {".wasm", "application/wasm"},
    };
    auto found = kTypes.find(Poco::toLower(file.extension().string()));
    return found == kTypes.end() ? "application/octet-stream" : found->second;
}

fs::path StaticFiles::resolve(const std::vector<std::string>& segments) const {
    fs::path candidate = _root;
    for (const auto& segment : segments) {
        if (segment.empty() || segment.front() == '.' ||
            segment.find_first_of(std::string("/\\\0", 3)) != std::string::npos) {
            return {};
        }
        candidate /= segment;
    }
    std::error_code error;
    auto real = fs::canonical(candidate, error);
    if (error || (real != _root && !inside(real, _root))) {
        return {};
    }
    if (fs::is_directory(real, error)) {
        real = fs::canonical(real / "index.html", error);
        if (error || !inside(real, _root)) {
            return {};
        }
    }
    return fs::is_regular_file(real, error) ? real : fs::path();
}

bool StaticFiles::serve(Poco::Net::HTTPServerRequest& request, const std::string& path,
                        Reply& reply) const {
    const auto& method = request.getMethod();
    if (method != "GET" && method != "HEAD") {
        return false;
    }
    // `path` is already percent-decoded (Poco::URI::getPath): split it, decode nothing again.
    std::vector<std::string> segments;
    std::size_t start = 0;
    while (start <= path.size()) {
        auto end = std::min(path.find('/', start), path.size());
        if (end > start) {
            segments.push_back(path.substr(start, end - start));
        }
        start = end + 1;
    }
    auto file = resolve(segments);
    if (file.empty()) {
        const auto accept = Poco::toLower(request.get("Accept", ""));
        if (accept.find("text/html") == std::string::npos) {
            return false;
        }
        file = resolve({"index.html"});
        if (file.empty()) {
            return false;
        }
    }
    send(request, file, reply);
    return true;
}

void StaticFiles::send(Poco::Net::HTTPServerRequest&, const fs::path& file, Reply& reply) const {
    std::ifstream in(file, std::ios::binary);
    std::ostringstream bytes;
    bytes << in.rdbuf();
    reply.response().set("X-Content-Type-Options", "nosniff");
    reply.bytes(contentType(file), bytes.str());
}

} // namespace classifai

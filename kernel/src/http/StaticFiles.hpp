// Serves the web front-end's files from the webroot (http.webroot, --webroot).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace Poco::Net {
class HTTPServerRequest;
}

namespace classifai {

class Reply;

/// Read-only after construction; thread-safe. Files are served only when their resolved path
/// (every symlink followed) lies inside the resolved webroot; dot-files are never served.
/// Unknown GET paths whose Accept header admits text/html get index.html, so a browser reload
/// on a front-end route (/dataset, /imglabel/bndbox) shows the application.
class StaticFiles {
public:
    /// Throws std::invalid_argument naming the folder when it is not a readable folder.
    explicit StaticFiles(const std::filesystem::path& webroot);

    /// Answers a GET or HEAD for the decoded URL `path`. Returns false, sending nothing, when
    /// there is nothing to serve (the caller answers 404).
    bool serve(Poco::Net::HTTPServerRequest& request, const std::string& path, Reply& reply) const;

    /// The Content-Type for a file name, by its extension.
    static std::string contentType(const std::filesystem::path& file);

    const std::filesystem::path& root() const { return _root; }

private:
    /// The regular file for `segments` inside the root, or empty.
    std::filesystem::path resolve(const std::vector<std::string>& segments) const;
    void send(Poco::Net::HTTPServerRequest& request, const std::filesystem::path& file,
              Reply& reply) const;

    std::filesystem::path _root;
};

} // namespace classifai

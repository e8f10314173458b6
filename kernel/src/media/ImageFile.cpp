#include "media/ImageFile.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace classifai {

bool isInsideFolder(const std::filesystem::path& path, const std::filesystem::path& root) {
    auto rel = path.lexically_relative(root);
    return !rel.empty() && *rel.begin() != ".." && !rel.is_absolute();
}

ImageFile ImageFile::open(const std::filesystem::path& root, const std::string& relPath) {
    ImageFile file;
    const std::filesystem::path rel(relPath);
    bool lexicallySafe = !relPath.empty() && rel.is_relative();
    for (const auto& part : rel) {
        lexicallySafe = lexicallySafe && part != ".." && part != kTrashFolderName;
    }
    if (!lexicallySafe) {
        file._status = Status::OutsideRoot;
        file._reason = "image path leaves the project folder: " + relPath;
        return file;
    }
    std::error_code error;
    const auto realRoot = std::filesystem::canonical(root, error);
    if (error) {
        file._status = Status::Missing;
        file._reason = "project folder not found: " + root.string();
        return file;
    }
    // O_NONBLOCK: a FIFO put in place of an image must not hang the request.
    file._fd = ::open((realRoot / rel).c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (file._fd < 0) {
        file._status = errno == ENOENT || errno == ENOTDIR ? Status::Missing : Status::Unreadable;
        file._reason =
            (file._status == Status::Missing ? "image file not found: "
                                             : "image file cannot be read: ") +
            relPath +
            (file._status == Status::Missing ? "" : std::string(" (") + std::strerror(errno) + ")");
        return file;
    }
    // Where the descriptor really points, after every symlink: that is what must be inside.
    file._realPath = std::filesystem::read_symlink(file.descriptorPath(), error);
    if (error || !isInsideFolder(file._realPath, realRoot) ||
        isInsideFolder(file._realPath, realRoot / kTrashFolderName)) {
        file._status = Status::OutsideRoot;
        file._reason = "image path leaves the project folder: " + relPath;
        return file;
    }
    struct stat info {};
    if (::fstat(file._fd, &info) != 0) {
        file._status = Status::Unreadable;
        file._reason = "image file cannot be read: " + relPath;
        return file;
    }
    if (!S_ISREG(info.st_mode)) {
        file._status = Status::NotRegular;
        file._reason = "image path is not a regular file: " + relPath;
        return file;
    }
    file._sizeBytes = info.st_size;
    file._mtimeNs =
        static_cast<std::int64_t>(info.st_mtim.tv_sec) * 1'000'000'000 + info.st_mtim.tv_nsec;
    file._status = Status::Ok;
    return file;
}

ImageFile::ImageFile(ImageFile&& other) noexcept
    : _fd(other._fd), _status(other._status), _reason(std::move(other._reason)),
      _realPath(std::move(other._realPath)), _sizeBytes(other._sizeBytes),
      _mtimeNs(other._mtimeNs) {
    other._fd = -1;
}

ImageFile& ImageFile::operator=(ImageFile&& other) noexcept {
    if (this != &other) {
        if (_fd >= 0) {
            ::close(_fd);
        }
        _fd = other._fd;
        other._fd = -1;
        _status = other._status;
        _reason = std::move(other._reason);
        _realPath = std::move(other._realPath);
        _sizeBytes = other._sizeBytes;
        _mtimeNs = other._mtimeNs;
    }
    return *this;
}

ImageFile::~ImageFile() {
    if (_fd >= 0) {
        ::close(_fd);
    }
}

std::string ImageFile::descriptorPath() const {
    return "/proc/self/fd/" + std::to_string(_fd);
}

std::string ImageFile::readAll(std::int64_t maxBytes) const {
    if (_sizeBytes > maxBytes) {
        throw std::runtime_error("image file is larger than " + std::to_string(maxBytes) +
                                 " bytes");
    }
    std::string data(static_cast<std::size_t>(_sizeBytes), '\0');
    std::size_t done = 0;
    while (done < data.size()) {
        ssize_t got =
            ::pread(_fd, data.data() + done, data.size() - done, static_cast<off_t>(done));
        if (got < 0 && errno == EINTR) {
            continue;
        }
        if (got <= 0) {
            throw std::runtime_error(std::string("image file read failed: ") +
                                     (got < 0 ? std::strerror(errno) : "file shrank"));
        }
        done += static_cast<std::size_t>(got);
    }
    return data;
}

} // namespace classifai

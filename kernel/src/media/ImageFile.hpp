// An image file of a project, opened read-only by its stored relative path, never outside the root.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

namespace classifai {

/// Opens `root / relPath` for reading and checks where the descriptor really points (after
/// symlinks): inside the project root and not in its trash folder. Owns the descriptor.
/// Not thread-safe (one request, one thread); movable, not copyable.
class ImageFile {
public:
    enum class Status { Ok, Missing, OutsideRoot, NotRegular, Unreadable };

    /// Never throws except std::bad_alloc; the outcome is in status() and reason().
    static ImageFile open(const std::filesystem::path& root, const std::string& relPath);

    ImageFile(ImageFile&& other) noexcept;
    ImageFile& operator=(ImageFile&& other) noexcept;
    ImageFile(const ImageFile&) = delete;
    ImageFile& operator=(const ImageFile&) = delete;
    ~ImageFile();

    bool ok() const { return _status == Status::Ok; }
    Status status() const { return _status; }
    /// One line for a person, e.g. "image file not found: cars/1.jpg".
    const std::string& reason() const { return _reason; }

    int fd() const { return _fd; }
    /// The resolved path of the open file (symlinks followed).
    const std::filesystem::path& realPath() const { return _realPath; }
    /// "/proc/self/fd/N": a path to this very file for APIs that take paths.
    std::string descriptorPath() const;
    std::int64_t sizeBytes() const { return _sizeBytes; }
    std::int64_t mtimeNs() const { return _mtimeNs; }

    /// The whole file. Throws std::runtime_error on a read error or when it is larger than
    /// `maxBytes`.
    std::string readAll(std::int64_t maxBytes) const;

private:
    ImageFile() = default;

    int _fd = -1;
    Status _status = Status::Unreadable;
    std::string _reason;
    std::filesystem::path _realPath;
    std::int64_t _sizeBytes = 0;
    std::int64_t _mtimeNs = 0;
};

/// True when `path` is `root` or below it, compared lexically (both should be canonical).
bool isInsideFolder(const std::filesystem::path& path, const std::filesystem::path& root);

/// The name of the folder inside a project where deleted images are moved.
inline constexpr const char* kTrashFolderName = ".classifai_deleted_data";

} // namespace classifai

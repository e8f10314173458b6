// Thumbnails kept on disk in the data dir, keyed so that a changed file gets a new thumbnail.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

namespace classifai {

/// A folder of PNG files named by a digest of (resolved path, size, mtime, thumbnail version):
/// replacing, editing or renaming an image changes its key, so a stale thumbnail is never
/// served. Entries are written to a temporary name and renamed, so readers never see half a
/// file. A hit refreshes the entry's time, so prune() drops the least recently used first.
/// Thread-safe (the file system arbitrates); failures to write are logged, not thrown.
class ThumbnailCache {
public:
    /// `folder` is created on first use.
    explicit ThumbnailCache(std::filesystem::path folder);

    static std::string key(const std::filesystem::path& realPath, std::int64_t sizeBytes,
                           std::int64_t mtimeNs);

    /// The cached PNG, if any.
    std::optional<std::string> get(const std::string& key) const;
    /// Stores a PNG; returns false (and logs) when it could not.
    bool put(const std::string& key, const std::string& png) const;
    /// Removes the least recently used entries until the cache holds at most `maxBytes`.
    /// Returns how many were removed. Safe to run while other threads read and write.
    std::size_t prune(std::uintmax_t maxBytes) const;
    /// Where the entry for `key` lives.
    std::filesystem::path pathFor(const std::string& key) const;

    const std::filesystem::path& folder() const { return _folder; }

private:
    std::filesystem::path _folder;
};

} // namespace classifai

#include "media/ThumbnailCache.hpp"

#include <Poco/DigestEngine.h>
#include <Poco/Logger.h>
#include <Poco/SHA2Engine.h>
#include <Poco/UUIDGenerator.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <vector>

namespace classifai {

namespace {

// Bump when the thumbnail's size or encoding changes: every old entry then misses.
constexpr const char* kThumbnailVersion = "thumbnail-v1-100px-png";

} // namespace

ThumbnailCache::ThumbnailCache(std::filesystem::path folder) : _folder(std::move(folder)) {}

std::string ThumbnailCache::key(const std::filesystem::path& realPath, std::int64_t sizeBytes,
                                std::int64_t mtimeNs) {
    Poco::SHA2Engine engine(Poco::SHA2Engine::SHA_256);
    const std::string text = std::string(kThumbnailVersion) + '\0' + realPath.string() + '\0' +
                             std::to_string(sizeBytes) + '\0' + std::to_string(mtimeNs);
    engine.update(text);
    return Poco::DigestEngine::digestToHex(engine.digest());
}

std::size_t ThumbnailCache::prune(std::uintmax_t maxBytes) const {
    struct Entry {
        std::filesystem::file_time_type time;
        std::uintmax_t size;
        std::filesystem::path path;
    };
    std::vector<Entry> entries;
    std::uintmax_t total = 0;
    std::error_code error;
    for (auto it = std::filesystem::recursive_directory_iterator(_folder, error);
         !error && it != std::filesystem::recursive_directory_iterator(); it.increment(error)) {
        std::error_code statError;
        if (it->is_regular_file(statError) && it->path().extension() == ".png") {
            Entry entry{it->last_write_time(statError), it->file_size(statError), it->path()};
            if (!statError) {
                total += entry.size;
                entries.push_back(std::move(entry));
            }
        }
    }
    if (total <= maxBytes) {
        return 0;
    }
    std::sort(entries.begin(), entries.end(),
              [](const Entry& a, const Entry& b) { return a.time < b.time; });
    std::size_t removed = 0;
    for (const auto& entry : entries) {
        if (total <= maxBytes) {
            break;
        }
        if (std::filesystem::remove(entry.path, error)) {
            total -= entry.size;
            ++removed;
        }
    }
    return removed;
}

std::filesystem::path ThumbnailCache::pathFor(const std::string& key) const {
    return _folder / key.substr(0, 2) / (key + ".png");
}

std::optional<std::string> ThumbnailCache::get(const std::string& key) const {
    std::ifstream in(pathFor(key), std::ios::binary);
    if (!in) {
        return std::nullopt;
    }
    std::ostringstream bytes;
    bytes << in.rdbuf();
    if (!in.good() && !in.eof()) {
        return std::nullopt;
    }
    std::string png = bytes.str();
    if (png.empty()) {
        return std::nullopt;
    }
    std::error_code ignored;
    std::filesystem::last_write_time(pathFor(key), std::filesystem::file_time_type::clock::now(),
                                     ignored);
    return png;
}

bool ThumbnailCache::put(const std::string& key, const std::string& png) const {
    const auto target = pathFor(key);
    std::error_code error;
    std::filesystem::create_directories(target.parent_path(), error);
    const auto temporary =
        target.parent_path() /
        (".tmp-" + Poco::UUIDGenerator::defaultGenerator().createRandom().toString());
    {
        std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
        out.write(png.data(), static_cast<std::streamsize>(png.size()));
        out.close();
        if (!out) {
            std::filesystem::remove(temporary, error);
            Poco::Logger::get("classifai.thumbnails")
                .warning("cannot write thumbnail cache entry " + target.string());
            return false;
        }
    }
    std::filesystem::rename(temporary, target, error);
    if (error) {
        std::filesystem::remove(temporary, error);
        Poco::Logger::get("classifai.thumbnails")
            .warning("cannot store thumbnail cache entry " + target.string());
        return false;
    }
    return true;
}

} // namespace classifai

// Walks a project folder with POSIX calls (openat-style stats, nanosecond mtimes, no symlink
// surprises) and probes candidates on a small thread pool.
#include "project/FolderScanner.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <exception>
#include <map>
#include <mutex>
#include <optional>
#include <string_view>
#include <thread>
#include <utility>

namespace classifai {

namespace {

constexpr std::string_view kTrashName = ".classifai_deleted_data";
constexpr std::string_view kOwnName = ".classifai";
constexpr std::size_t kProgressEveryFiles = 256;
constexpr unsigned kMaxProbeThreads = 16;

bool isExcludedName(std::string_view name) {
    return name == kTrashName || name == kOwnName;
}

/// True when any component of a '/'-separated relative path is excluded from scans.
bool passesThroughExcluded(std::string_view relPath) {
    while (!relPath.empty()) {
        std::size_t slash = relPath.find('/');
        if (isExcludedName(relPath.substr(0, slash))) {
            return true;
        }
        if (slash == std::string_view::npos) {
            break;
        }
        relPath.remove_prefix(slash + 1);
    }
    return false;
}

std::int64_t mtimeNsOf(const struct stat& info) {
    return static_cast<std::int64_t>(info.st_mtim.tv_sec) * 1'000'000'000 +
           static_cast<std::int64_t>(info.st_mtim.tv_nsec);
}

std::string joinRel(const std::string& parent, std::string_view name) {
    if (parent.empty()) {
        return std::string(name);
    }
    std::string joined;
    joined.reserve(parent.size() + 1 + name.size());
    joined.append(parent).append("/").append(name);
    return joined;
}

/// realpath(3) as a string; nullopt with errno set on failure.
std::optional<std::string> resolve(const std::string& path) {
    char* resolved = ::realpath(path.c_str(), nullptr);
    if (!resolved) {
        return std::nullopt;
    }
    std::string result(resolved);
    std::free(resolved);
    return result;
}

/// The part of `target` below `realRoot` ("" for the root itself), or nullopt when outside.
std::optional<std::string> relativeInside(const std::string& realRoot, const std::string& target) {
    if (target == realRoot) {
        return std::string();
    }
    const std::string prefix = realRoot == "/" ? realRoot : realRoot + "/";
    if (target.size() > prefix.size() && target.compare(0, prefix.size(), prefix) == 0) {
        return target.substr(prefix.size());
    }
    return std::nullopt;
}

std::string errnoText(int error) {
    return std::strerror(error);
}

/// One scan: the mutable state of a walk, kept out of the immutable FolderScanner.
class Walk {
public:
    Walk(const std::string& realRoot, const ProbeLimits& limits, const ScanProgress& onProgress,
         const std::atomic<bool>* cancel, ScanResult& result)
        : _realRoot(realRoot), _limits(limits), _onProgress(onProgress), _cancel(cancel),
          _result(result) {}

    /// Walks real folders first, then symlinked ones; false when cancelled.
    bool run() {
        _pending.push_back({std::string(), false});
        while (!_pending.empty() || !_deferredLinks.empty()) {
            if (_pending.empty()) {
                _pending.push_back({std::move(_deferredLinks.front()), true});
                _deferredLinks.pop_front();
            }
            Pending next = std::move(_pending.back());
            _pending.pop_back();
            if (!scanFolder(next.relPath, next.viaLink)) {
                return false;
            }
        }
        return true;
    }

private:
    struct Pending {
        std::string relPath;
        bool viaLink; ///< reached through a symlinked folder: its last component may be a link
    };

    bool cancelled() const { return _cancel && _cancel->load(std::memory_order_relaxed); }

    std::string fullPath(const std::string& relPath) const {
        return relPath.empty() ? _realRoot : _realRoot + "/" + relPath;
    }

    void skip(std::string relPath, SkipKind kind, std::string reason) {
        _result.skipped.push_back({std::move(relPath), kind, std::move(reason)});
    }

    void countFile() {
        ++_result.filesSeen;
        if (_onProgress && _result.filesSeen % kProgressEveryFiles == 0) {
            _onProgress(_result.filesSeen);
        }
    }

    void addFile(std::string relPath, const struct stat& info) {
        if (info.st_size > _limits.maxFileBytes) {
            skip(std::move(relPath), SkipKind::FileTooLarge,
                 "file larger than " + std::to_string(_limits.maxFileBytes) + " bytes");
            return;
        }
        _result.candidates.push_back({std::move(relPath), info.st_size, mtimeNsOf(info)});
    }

    /// Lists one folder; sub-folders go on the stack so the walk order is deterministic.
    bool scanFolder(const std::string& relPath, bool viaLink) {
        const std::string path = fullPath(relPath);
        const int flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC | (viaLink ? 0 : O_NOFOLLOW);
        const int fd = ::open(path.c_str(), flags);
        if (fd < 0) {
            skip(relPath, SkipKind::Unreadable, "unreadable folder: " + errnoText(errno));
            return true;
        }
        struct stat self {};
        if (::fstat(fd, &self) != 0) {
            const int error = errno;
            ::close(fd);
            skip(relPath, SkipKind::Unreadable, "unreadable folder: " + errnoText(error));
            return true;
        }
        auto [seen, inserted] = _visited.emplace(std::make_pair(self.st_dev, self.st_ino), relPath);
        if (!inserted) {
            ::close(fd);
            const std::string& first = seen->second;
            skip(relPath, SkipKind::AlreadyScanned,
                 first.empty() ? "symlink to a folder already scanned: the project folder"
                               : "symlink to a folder already scanned: " + first);
            return true;
        }
        DIR* folder = ::fdopendir(fd);
        if (!folder) {
            const int error = errno;
            ::close(fd);
            skip(relPath, SkipKind::Unreadable, "unreadable folder: " + errnoText(error));
            return true;
        }
        std::vector<std::string> names;
        errno = 0;
        while (const dirent* entry = ::readdir(folder)) {
            std::string_view name(entry->d_name);
            if (name != "." && name != ".." && !isExcludedName(name)) {
                names.emplace_back(name);
            }
            errno = 0;
        }
        if (errno != 0) {
            skip(relPath, SkipKind::Unreadable, "folder listing incomplete: " + errnoText(errno));
        }
        std::sort(names.begin(), names.end());

        std::vector<std::string> subfolders;
        bool finished = true;
        for (const std::string& name : names) {
            if (cancelled()) {
                finished = false;
                break;
            }
            examine(::dirfd(folder), name, joinRel(relPath, name), subfolders);
        }
        ::closedir(folder);
        // Reverse, so the stack pops sub-folders in name order.
        for (auto it = subfolders.rbegin(); it != subfolders.rend(); ++it) {
            _pending.push_back({std::move(*it), false});
        }
        return finished;
    }

    void examine(int folderFd, const std::string& name, std::string relPath,
                 std::vector<std::string>& subfolders) {
        struct stat info {};
        if (::fstatat(folderFd, name.c_str(), &info, AT_SYMLINK_NOFOLLOW) != 0) {
            if (errno != ENOENT) { // ENOENT: deleted since the listing, nothing to report
                countFile();
                skip(std::move(relPath), SkipKind::Unreadable, "unreadable: " + errnoText(errno));
            }
            return;
        }
        if (S_ISDIR(info.st_mode)) {
            subfolders.push_back(std::move(relPath));
        } else if (S_ISREG(info.st_mode)) {
            countFile();
            addFile(std::move(relPath), info);
        } else if (S_ISLNK(info.st_mode)) {
            countFile();
            examineLink(std::move(relPath));
        }
        // Sockets, FIFOs and devices are not images and are never opened.
    }

    void examineLink(std::string relPath) {
        std::optional<std::string> target = resolve(fullPath(relPath));
        if (!target) {
            const int error = errno;
            if (error == ENOENT) {
                skip(std::move(relPath), SkipKind::BrokenLink, "broken symlink");
            } else if (error == ELOOP) {
                skip(std::move(relPath), SkipKind::LinkLoop, "symlink loop");
            } else {
                skip(std::move(relPath), SkipKind::Unreadable,
                     "unreadable symlink: " + errnoText(error));
            }
            return;
        }
        std::optional<std::string> inside = relativeInside(_realRoot, *target);
        if (!inside) {
            skip(std::move(relPath), SkipKind::OutsideRoot,
                 "symlink points outside the project folder");
            return;
        }
        if (passesThroughExcluded(*inside)) {
            skip(std::move(relPath), SkipKind::OutsideRoot, "symlink points into the trash folder");
            return;
        }
        struct stat info {};
        if (::stat(target->c_str(), &info) != 0) {
            skip(std::move(relPath), SkipKind::Unreadable,
                 "unreadable symlink target: " + errnoText(errno));
            return;
        }
        if (S_ISDIR(info.st_mode)) {
            _deferredLinks.push_back(std::move(relPath));
        } else if (S_ISREG(info.st_mode)) {
            addFile(std::move(relPath), info);
        }
    }

    const std::string& _realRoot;
    const ProbeLimits& _limits;
    const ScanProgress& _onProgress;
    const std::atomic<bool>* _cancel;
    ScanResult& _result;
    std::vector<Pending> _pending;
    std::deque<std::string> _deferredLinks;
    std::map<std::pair<dev_t, ino_t>, std::string> _visited; ///< folder -> first relPath
};

} // namespace

FolderScanner::FolderScanner(std::filesystem::path root, ProbeLimits limits)
    : _root(std::move(root)), _limits(limits) {}

ScanResult FolderScanner::scan(const ScanProgress& onProgress,
                               const std::atomic<bool>* cancel) const {
    ScanResult result;
    const std::string shown = _root.string();
    std::optional<std::string> realRoot = resolve(shown);
    if (!realRoot) {
        result.error = errno == ENOENT
                           ? "project folder does not exist: " + shown
                           : "project folder cannot be opened: " + shown + ": " + errnoText(errno);
        return result;
    }
    struct stat info {};
    if (::stat(realRoot->c_str(), &info) != 0) {
        result.error = "project folder cannot be opened: " + shown + ": " + errnoText(errno);
        return result;
    }
    if (!S_ISDIR(info.st_mode)) {
        result.error = "project folder is not a folder: " + shown;
        return result;
    }
    if (::access(realRoot->c_str(), R_OK | X_OK) != 0) {
        result.error = "project folder cannot be read: " + shown + ": " + errnoText(errno);
        return result;
    }

    Walk walk(*realRoot, _limits, onProgress, cancel, result);
    result.cancelled = !walk.run();
    auto byPath = [](const auto& a, const auto& b) { return a.relPath < b.relPath; };
    std::sort(result.candidates.begin(), result.candidates.end(), byPath);
    std::sort(result.skipped.begin(), result.skipped.end(), byPath);
    if (onProgress) {
        onProgress(result.filesSeen);
    }
    return result;
}

ProbeResult FolderScanner::probe(const ScanEntry& entry) const {
    ProbeResult refused;
    refused.status = ProbeStatus::Unreadable;
    std::optional<std::string> realRoot = resolve(_root.string());
    if (!realRoot) {
        refused.reason = "unreadable: project folder: " + errnoText(errno);
        return refused;
    }
    std::optional<std::string> target = resolve(*realRoot + "/" + entry.relPath);
    if (!target) {
        refused.reason = "unreadable: " + errnoText(errno);
        return refused;
    }
    std::optional<std::string> inside = relativeInside(*realRoot, *target);
    if (!inside || inside->empty() || passesThroughExcluded(*inside)) {
        refused.reason = "unreadable: leads outside the project folder";
        return refused;
    }
    return classifai::probe(*target, _limits);
}

std::vector<ProbeResult> FolderScanner::probeAll(const std::vector<ScanEntry>& entries,
                                                 unsigned threads, const ScanProgress& onProgress,
                                                 const std::atomic<bool>* cancel) const {
    const std::size_t count = entries.size();
    std::vector<ProbeResult> results(count);
    if (threads == 0) {
        threads = std::clamp(std::thread::hardware_concurrency(), 2u, 4u);
    }
    threads = std::min(threads, kMaxProbeThreads);
    threads =
        static_cast<unsigned>(std::min<std::size_t>(threads, std::max<std::size_t>(count, 1)));

    std::atomic<std::size_t> next{0};
    std::atomic<std::size_t> done{0};
    std::atomic<bool> stop{false};
    std::exception_ptr failure;
    std::mutex failureMutex;

    auto work = [&](bool reports) {
        try {
            while (!stop.load(std::memory_order_relaxed) &&
                   !(cancel && cancel->load(std::memory_order_relaxed))) {
                const std::size_t index = next.fetch_add(1);
                if (index >= count) {
                    break;
                }
                results[index] = probe(entries[index]);
                const std::size_t finished = done.fetch_add(1) + 1;
                if (reports && onProgress) {
                    onProgress(finished);
                }
            }
        } catch (...) {
            stop = true;
            std::lock_guard lock(failureMutex);
            if (!failure) {
                failure = std::current_exception();
            }
        }
    };

    std::vector<std::thread> pool;
    pool.reserve(threads - 1);
    try {
        for (unsigned i = 1; i < threads; ++i) {
            pool.emplace_back(work, false);
        }
    } catch (...) {
        stop = true;
        for (std::thread& thread : pool) {
            thread.join();
        }
        throw;
    }
    work(true);
    for (std::thread& thread : pool) {
        thread.join();
    }
    if (failure) {
        std::rethrow_exception(failure);
    }
    // Every claimed index was finished; the ones never claimed were cancelled.
    for (std::size_t index = std::min(next.load(), count); index < count; ++index) {
        results[index].status = ProbeStatus::Cancelled;
        results[index].reason = "cancelled";
    }
    if (onProgress) {
        onProgress(done.load());
    }
    return results;
}

std::filesystem::path FolderScanner::absolutePath(const ScanEntry& entry) const {
    return _root / entry.relPath;
}

bool belongsInUnsupportedList(const SkippedEntry& entry) {
    return entry.kind != SkipKind::AlreadyScanned && hasImageSuffix(entry.relPath);
}

} // namespace classifai

// Walks a project folder for candidate files, and probes candidates, as two separate steps.
#pragma once

#include "media/ImageProbe.hpp"

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace classifai {

/// A regular file found by a scan; not yet probed.
struct ScanEntry {
    std::string relPath;        ///< '/'-separated, relative to the project root, raw bytes
    std::int64_t sizeBytes = 0; ///< of the file (of its target for a symlink)
    std::int64_t mtimeNs = 0;   ///< modification time, ns since the epoch (of the target)

    bool operator==(const ScanEntry&) const = default;
};

/// Why the scan passed over something it saw.
enum class SkipKind {
    FileTooLarge,   ///< above ProbeLimits::maxFileBytes; never opened
    OutsideRoot,    ///< a symlink whose target is outside the project folder (or in its trash)
    BrokenLink,     ///< a symlink to nothing
    LinkLoop,       ///< a symlink that resolves to itself (ELOOP)
    AlreadyScanned, ///< a symlinked folder whose target is scanned under another path
    Unreadable,     ///< a folder or link that could not be read (permissions, I/O)
};

/// Something the scan saw and passed over, with a reason for a person.
struct SkippedEntry {
    std::string relPath; ///< '/'-separated, relative to the project root
    SkipKind kind = SkipKind::Unreadable;
    std::string reason; ///< e.g. "symlink points outside the project folder"
};

/// The result of FolderScanner::scan().
struct ScanResult {
    /// Empty on success; otherwise why the root itself could not be scanned ("project folder
    /// does not exist: /x", "project folder is not a folder: /x") and the lists are empty.
    std::string error;
    bool cancelled = false;            ///< the lists hold what was found before cancelling
    std::vector<ScanEntry> candidates; ///< sorted by relPath, byte order; no duplicates
    std::vector<SkippedEntry> skipped; ///< sorted by relPath, byte order
    std::size_t filesSeen = 0; ///< regular files and symlinks examined (folders not counted)

    bool ok() const { return error.empty(); }
};

/// Called with the number of files seen (scan) or probed (probeAll) so far.
using ScanProgress = std::function<void(std::size_t count)>;

/// Finds the files of a project folder and probes them, in two steps, so a caller can compare
/// size and mtime with what it stored and probe only new or changed files.
///
/// Walk rules: recursive; entries named `.classifai_deleted_data` (the trash) or `.classifai`
/// are skipped at every level; hidden files are not. Every regular file is a candidate
/// (content decides later) unless it is larger than ProbeLimits::maxFileBytes. Sockets, FIFOs and
/// devices are ignored. A symlink is followed only when its resolved path lies inside the
/// project folder (and not in the trash). Each directory is scanned once, identified by
/// (device, inode): real folders are walked before any symlinked folder, so a symlink to a folder
/// inside the project (including a loop back to an ancestor) is reported as AlreadyScanned rather
/// than producing the same images twice under two names. Symlinked files are candidates under the
/// link's own path. An unreadable folder is reported in `skipped`; the scan goes on.
///
/// Thread-safety: a FolderScanner is immutable; all methods are const and may run concurrently.
class FolderScanner {
public:
    /// `root` is the project folder; it is resolved (realpath) at each scan.
    FolderScanner(std::filesystem::path root, ProbeLimits limits = {});

    /// Lists candidate files without opening any. `onProgress` (optional) is called on the
    /// calling thread every few hundred files and once at the end with ScanResult::filesSeen;
    /// `cancel` (optional) is polled per entry and ends the walk early with `cancelled` set.
    /// Expected failures (missing root, root is a file) are in ScanResult::error; throws only
    /// std::bad_alloc.
    ScanResult scan(const ScanProgress& onProgress = {},
                    const std::atomic<bool>* cancel = nullptr) const;

    /// Probes one candidate by content (see classifai::probe). Re-resolves the path first: if it
    /// now leads outside the project folder (a symlink swapped since the scan) the result is
    /// Unreadable and the file is not opened. Never throws except std::bad_alloc.
    ProbeResult probe(const ScanEntry& entry) const;

    /// Probes all `entries` on `threads` threads (0 picks 2..4 from the hardware; at most 16),
    /// the calling thread being one of them. Result i belongs to entries[i]. `onProgress` is
    /// called on the calling thread only, with the number of entries done so far, at least once
    /// at the end. When `cancel` becomes true, entries not yet started get status Cancelled.
    /// Never throws except std::bad_alloc and std::system_error (threads cannot start).
    std::vector<ProbeResult> probeAll(const std::vector<ScanEntry>& entries, unsigned threads = 0,
                                      const ScanProgress& onProgress = {},
                                      const std::atomic<bool>* cancel = nullptr) const;

    /// root / relPath, for callers that need the file (thumbnails, export).
    std::filesystem::path absolutePath(const ScanEntry& entry) const;

    const std::filesystem::path& root() const { return _root; }
    const ProbeLimits& limits() const { return _limits; }

private:
    std::filesystem::path _root;
    ProbeLimits _limits;
};

/// Whether a skipped entry belongs in the project's unsupported_image_list: its name says it is
/// an image (hasImageSuffix) and it is a file that could not be used (too large, link outside
/// the project, broken or looping link, unreadable). Folders skipped as AlreadyScanned never do.
/// Thread-safe.
bool belongsInUnsupportedList(const SkippedEntry& entry);

} // namespace classifai

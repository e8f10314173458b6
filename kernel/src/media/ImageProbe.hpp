// Header-only image probe: is this file an image we serve, and how big is it, without decoding.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

namespace classifai {

/// Budgets a file must fit before anything decodes it.
struct ProbeLimits {
    int maxWidth = 15000;  ///< pixels, after EXIF orientation (the reference's limit)
    int maxHeight = 15000; ///< pixels, after EXIF orientation
    /// Files above this are never opened. Large enough for an uncompressed 15000x15000 RGB
    /// TIFF or BMP (675 MB), small enough to pass over most videos without reading them.
    std::int64_t maxFileBytes = std::int64_t{1} << 30;
};

/// What a probe concluded. Only Ok means the image is served.
enum class ProbeStatus {
    Ok,
    NotAnImage,        ///< content matches no image format (text, video, empty file, ...)
    UnsupportedFormat, ///< an image format we do not serve (PPM, Radiance, ...)
    Corrupt,           ///< a supported format whose header does not parse
    TooLarge,          ///< width or height above ProbeLimits
    FileTooLarge,      ///< file size above ProbeLimits::maxFileBytes; the file was not read
    Animated,          ///< an animated GIF or WebP
    Unreadable,        ///< cannot be opened, is not a regular file, or left the project folder
    Cancelled,         ///< not probed because the caller cancelled (FolderScanner::probeAll)
};

/// The outcome of one probe. Small and self-contained: safe to keep one per file.
struct ProbeResult {
    ProbeStatus status = ProbeStatus::NotAnImage;
    /// "jpeg", "png", "webp", "tiff", "gif", "heif", "avif" or "bmp" when the content is one of
    /// the formats we serve (also for Corrupt, TooLarge and Animated); empty otherwise.
    /// Points at a string literal.
    std::string_view format;
    std::string_view mimeType; ///< "image/jpeg", ...; empty when format is empty
    int width = 0;             ///< as displayed: after EXIF orientation (swapped for 5..8)
    int height = 0;            ///< as displayed: after EXIF orientation (swapped for 5..8)
    int orientation = 1;       ///< raw EXIF/TIFF orientation, 1..8 (1 when absent)
    int bands = 0;             ///< samples per pixel as decoded (grey 1, RGB 3, RGBA 4, ...)
    int bitsPerSample = 0;     ///< 8 for most images, 16 for 16-bit PNG/TIFF, ...
    /// The classifai img_depth: 1 for single-band grey, 4 for CMYK, 3 for everything else.
    int depth = 0;
    /// Pages or frames in the file. Multi-page TIFF and HEIF are served as their first
    /// (primary) page; animated GIF and WebP are refused.
    int pages = 0;
    std::int64_t sizeBytes = 0; ///< file size at probe time (set whenever the file was opened)
    std::string reason;         ///< empty when Ok; otherwise one line for a person to read

    /// True when the image is served.
    bool ok() const { return status == ProbeStatus::Ok; }
    /// True when the content was recognised as a format we serve, even if it was refused.
    bool recognised() const { return !format.empty(); }
};

/// Probes `file` by its content (never its name): recognises the format, reads the header only
/// (no pixel is decoded) and checks it against `limits`. Follows symlinks; callers decide
/// beforehand whether a path may be opened (see FolderScanner::probe).
/// Reasons look like "not an image", "unsupported format: ppm", "corrupt: <decoder message>",
/// "too large: 20000x20000 exceeds 15000x15000 pixels", "file larger than 1073741824 bytes",
/// "animated images are not supported", "unreadable: Permission denied".
/// A file whose header parses but whose body is truncated passes: that surfaces when pixels
/// are decoded. Thread-safe; never throws except std::bad_alloc; starts libvips if needed
/// (a libvips that cannot start yields Unreadable with the reason).
ProbeResult probe(const std::filesystem::path& file, const ProbeLimits& limits = {});

/// True when `relPath` ends in an image file name suffix: .jpg .jpeg .png .bmp .webp .tif
/// .tiff .gif .heic .heif .avif, in any letter case. Thread-safe.
bool hasImageSuffix(std::string_view relPath);

/// Whether a file that was probed belongs in the project's unsupported_image_list: it was
/// refused, and either its name says it is an image (hasImageSuffix) or its content was
/// recognised as one (corrupt, too large, animated). Everything else that is refused (text
/// files, videos, other formats under other names) is ignored silently. Thread-safe.
bool belongsInUnsupportedList(std::string_view relPath, const ProbeResult& result);

/// The reason-free name of a status, e.g. "too_large", for logs and JSON. Thread-safe.
std::string_view toString(ProbeStatus status);

} // namespace classifai

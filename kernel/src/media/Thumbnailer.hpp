// Thumbnails with libvips: shrink-on-load where the format allows it, EXIF orientation applied.
#pragma once

#include <string>
#include <string_view>

namespace classifai {

/// The thumbnail box of the classifai front-end: at most 100 x 100, aspect ratio kept.
inline constexpr int kThumbnailBox = 100;

/// A thumbnail and how it was made.
struct Thumbnail {
    std::string png; ///< PNG bytes
    int width = 0;   ///< of the thumbnail, upright
    int height = 0;
    /// The size the decoder produced before the final resize: far below the source size when
    /// shrink-on-load applied (JPEG 1/2/4/8, WebP any scale, HEIF embedded thumbnail, BMP
    /// block average).
    int decodedWidth = 0;
    int decodedHeight = 0;
};

/// Makes the thumbnail of the image open on `fd` (position ignored), whose probed `format` is
/// "jpeg", "png", "webp", "tiff", "gif", "heif", "avif" or "bmp" and whose larger side is
/// `largestSide` pixels. Throws std::runtime_error with libvips' reason when the pixels cannot
/// be decoded. Thread-safe.
Thumbnail makeThumbnail(int fd, std::string_view format, int largestSide, int box = kThumbnailBox);

/// A flat grey PNG of the thumbnail size for a `width` x `height` image (any size when unknown),
/// shown for files whose pixels cannot be decoded. Thread-safe.
std::string placeholderThumbnail(int width, int height, int box = kThumbnailBox);

/// Whether browsers display `format` in an <img> as it is (JPEG, PNG, WebP, GIF, BMP, AVIF).
bool browserDisplayable(std::string_view format);

/// The image on `fd` re-encoded as an upright PNG, for formats browsers cannot show (TIFF,
/// HEIF). Throws std::runtime_error when it cannot be decoded. Thread-safe.
std::string encodeUprightPng(int fd, std::string_view format);

} // namespace classifai

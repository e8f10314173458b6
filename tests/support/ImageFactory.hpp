// Real image files for tests, written with libvips (BMP by hand): header-only, include and use.
#pragma once

#include "media/Vips.hpp"

#include <vips/vips8>

#include <stdlib.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace classifai::test {

/// The formats ImageFactory can write.
enum class ImageFormat { Jpeg, Png, Webp, Bmp, Tiff, Gif, Heif };

namespace detail {

inline void writeBytes(const std::filesystem::path& file, std::string_view bytes) {
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    out.close();
    if (!out) {
        throw std::runtime_error("cannot write " + file.string());
    }
}

/// An RGB gradient, so encoders have real content to compress.
inline vips::VImage gradient(int width, int height) {
    classifai::ensureVipsStarted();
    vips::VImage xy = vips::VImage::xyz(width, height);
    vips::VImage red = xy[0] * (255.0 / std::max(1, width - 1));
    vips::VImage green = xy[1] * (255.0 / std::max(1, height - 1));
    vips::VImage blue = (red + green) / 2;
    return red.bandjoin(green)
        .bandjoin(blue)
        .cast(VIPS_FORMAT_UCHAR)
        .copy(vips::VImage::option()->set("interpretation", VIPS_INTERPRETATION_sRGB));
}

inline std::string fromBuffer(VipsBlob* blob) {
    std::size_t length = 0;
    const void* data = vips_blob_get(blob, &length);
    std::string bytes(static_cast<const char*>(data), length);
    vips_area_unref(reinterpret_cast<VipsArea*>(blob));
    return bytes;
}

inline void putLe16(std::string& out, std::uint16_t value) {
    out.push_back(static_cast<char>(value & 0xff));
    out.push_back(static_cast<char>(value >> 8));
}

inline void putLe32(std::string& out, std::uint32_t value) {
    for (int shift = 0; shift < 32; shift += 8) {
        out.push_back(static_cast<char>((value >> shift) & 0xff));
    }
}

/// A 24-bit bottom-up BMP with a BITMAPINFOHEADER. libvips 8.14 writes BMP only through
/// ImageMagick, which the kernel blocks as untrusted, so the format is written here.
inline std::string encodeBmp(int width, int height) {
    const std::uint32_t rowBytes = (static_cast<std::uint32_t>(width) * 3 + 3) / 4 * 4;
    const std::uint32_t pixelBytes = rowBytes * static_cast<std::uint32_t>(height);
    std::string out;
    out.reserve(54 + pixelBytes);
    out += "BM";
    putLe32(out, 54 + pixelBytes); // file size
    putLe32(out, 0);               // reserved
    putLe32(out, 54);              // pixel data offset
    putLe32(out, 40);              // BITMAPINFOHEADER
    putLe32(out, static_cast<std::uint32_t>(width));
    putLe32(out, static_cast<std::uint32_t>(height));
    putLe16(out, 1);  // planes
    putLe16(out, 24); // bits per pixel
    putLe32(out, 0);  // BI_RGB
    putLe32(out, pixelBytes);
    putLe32(out, 2835); // 72 dpi
    putLe32(out, 2835);
    putLe32(out, 0); // palette colours
    putLe32(out, 0); // important colours
    for (int y = height - 1; y >= 0; --y) {
        std::uint32_t written = 0;
        for (int x = 0; x < width; ++x) {
            out.push_back(static_cast<char>(128));                               // blue
            out.push_back(static_cast<char>(y * 255 / std::max(1, height - 1))); // green
            out.push_back(static_cast<char>(x * 255 / std::max(1, width - 1)));  // red
            written += 3;
        }
        out.append(rowBytes - written, '\0');
    }
    return out;
}

} // namespace detail

/// The bytes of a `width` x `height` RGB image in `format`. Throws vips::VError or
/// std::runtime_error on failure.
inline std::string encodeImage(ImageFormat format, int width, int height) {
    if (format == ImageFormat::Bmp) {
        return detail::encodeBmp(width, height);
    }
    vips::VImage image = detail::gradient(width, height);
    switch (format) {
    case ImageFormat::Jpeg:
        return detail::fromBuffer(image.jpegsave_buffer());
    case ImageFormat::Png:
        return detail::fromBuffer(image.pngsave_buffer());
    case ImageFormat::Webp:
        return detail::fromBuffer(image.webpsave_buffer());
    case ImageFormat::Tiff:
        return detail::fromBuffer(image.tiffsave_buffer());
    case ImageFormat::Gif:
        return detail::fromBuffer(image.gifsave_buffer());
    case ImageFormat::Heif:
        return detail::fromBuffer(image.heifsave_buffer());
    case ImageFormat::Bmp:
        break;
    }
    throw std::runtime_error("unknown image format");
}

/// Writes a real `width` x `height` RGB image in `format` to `file` (any name: the content
/// decides the format). Throws on failure.
inline void writeImage(const std::filesystem::path& file, ImageFormat format, int width,
                       int height) {
    detail::writeBytes(file, encodeImage(format, width, height));
}

/// Writes a JPEG whose stored pixels are `width` x `height` and whose EXIF orientation tag is
/// `orientation` (1..8); with 5..8 a viewer shows it `height` x `width`.
inline void writeJpegWithOrientation(const std::filesystem::path& file, int width, int height,
                                     int orientation) {
    vips::VImage image = detail::gradient(width, height).copy();
    image.set("orientation", orientation);
    detail::writeBytes(file, detail::fromBuffer(image.jpegsave_buffer()));
}

/// Writes an animation of `frames` frames of `width` x `height`; `format` is Gif or Webp.
inline void writeAnimated(const std::filesystem::path& file, ImageFormat format, int width,
                          int height, int frames) {
    std::vector<vips::VImage> pages;
    for (int i = 0; i < frames; ++i) {
        pages.push_back((detail::gradient(width, height) + i * 40).cast(VIPS_FORMAT_UCHAR));
    }
    vips::VImage strip =
        vips::VImage::arrayjoin(pages, vips::VImage::option()->set("across", 1)).copy();
    strip.set("page-height", height);
    strip.set("delay", std::vector<int>(static_cast<std::size_t>(frames), 100));
    if (format == ImageFormat::Gif) {
        detail::writeBytes(file, detail::fromBuffer(strip.gifsave_buffer()));
    } else if (format == ImageFormat::Webp) {
        detail::writeBytes(file, detail::fromBuffer(strip.webpsave_buffer()));
    } else {
        throw std::runtime_error("animations are written as GIF or WebP only");
    }
}

/// Writes a TIFF with `pages` pages of `width` x `height` each.
inline void writeMultiPageTiff(const std::filesystem::path& file, int width, int height,
                               int pages) {
    std::vector<vips::VImage> images(static_cast<std::size_t>(pages),
                                     detail::gradient(width, height));
    vips::VImage strip =
        vips::VImage::arrayjoin(images, vips::VImage::option()->set("across", 1)).copy();
    strip.set("page-height", height);
    detail::writeBytes(file, detail::fromBuffer(strip.tiffsave_buffer()));
}

/// Writes a JPEG whose headers (through the start of scan) are intact and whose compressed
/// body is cut short and followed by garbage: a header-only probe accepts it, a decode fails.
inline void writeTruncatedJpeg(const std::filesystem::path& file, int width, int height) {
    std::string bytes = encodeImage(ImageFormat::Jpeg, width, height);
    const std::string startOfScan("\xff\xda", 2);
    std::size_t sos = bytes.find(startOfScan);
    if (sos == std::string::npos) {
        throw std::runtime_error("encoded JPEG has no start of scan");
    }
    std::size_t headerLength = (static_cast<unsigned char>(bytes[sos + 2]) << 8) |
                               static_cast<unsigned char>(bytes[sos + 3]);
    bytes.resize(std::min(bytes.size(), sos + 2 + headerLength + 16));
    for (int i = 0; i < 64; ++i) {
        bytes.push_back(static_cast<char>((i * 37 + 11) & 0x7f));
    }
    detail::writeBytes(file, bytes);
}

/// Writes a file that starts like a JPEG (SOI marker) and continues with garbage, so its header
/// cannot be parsed.
inline void writeCorruptJpeg(const std::filesystem::path& file) {
    std::string bytes("\xff\xd8\xff", 3);
    for (int i = 0; i < 200; ++i) {
        bytes.push_back(static_cast<char>((i * 53 + 7) & 0xff));
    }
    detail::writeBytes(file, bytes);
}

/// A fresh folder under the system temp dir, removed with everything in it on destruction.
class TempFolder {
public:
    explicit TempFolder(std::string_view prefix = "classifai-test") {
        std::string pattern =
            (std::filesystem::temp_directory_path() / (std::string(prefix) + "-XXXXXX")).string();
        if (!::mkdtemp(pattern.data())) {
            throw std::runtime_error("mkdtemp failed for " + pattern);
        }
        _path = pattern;
    }
    ~TempFolder() {
        std::error_code ignored;
        // Tests may leave folders unreadable on purpose: open them up before removing.
        std::filesystem::permissions(_path, std::filesystem::perms::owner_all,
                                     std::filesystem::perm_options::add, ignored);
        for (auto it = std::filesystem::recursive_directory_iterator(
                 _path, std::filesystem::directory_options::skip_permission_denied, ignored);
             it != std::filesystem::recursive_directory_iterator(); it.increment(ignored)) {
            if (it->is_directory(ignored) && !it->is_symlink(ignored)) {
                std::filesystem::permissions(it->path(), std::filesystem::perms::owner_all,
                                             std::filesystem::perm_options::add, ignored);
            }
        }
        std::filesystem::remove_all(_path, ignored);
    }
    TempFolder(const TempFolder&) = delete;
    TempFolder& operator=(const TempFolder&) = delete;

    const std::filesystem::path& path() const { return _path; }
    std::filesystem::path operator/(const std::filesystem::path& relative) const {
        return _path / relative;
    }

private:
    std::filesystem::path _path;
};

/// Writes a plain text file.
inline void writeTextFile(const std::filesystem::path& file,
                          std::string_view text = "not an image\n") {
    detail::writeBytes(file, text);
}

} // namespace classifai::test

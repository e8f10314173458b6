#include "media/BmpDecoder.hpp"

#include "media/Vips.hpp"

#include <vips/vips.h>

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <vector>

namespace classifai {

namespace {

std::uint32_t le32(const unsigned char* bytes) {
    return std::uint32_t{bytes[0]} | (std::uint32_t{bytes[1]} << 8) |
           (std::uint32_t{bytes[2]} << 16) | (std::uint32_t{bytes[3]} << 24);
}

std::uint16_t le16(const unsigned char* bytes) {
    return static_cast<std::uint16_t>(bytes[0] | (bytes[1] << 8));
}

bool readAt(int fd, void* buffer, std::size_t size, std::int64_t offset) {
    auto* out = static_cast<unsigned char*>(buffer);
    std::size_t done = 0;
    while (done < size) {
        ssize_t got = ::pread(fd, out + done, size - done, static_cast<off_t>(offset + done));
        if (got <= 0) {
            return false;
        }
        done += static_cast<std::size_t>(got);
    }
    return true;
}

} // namespace

VipsImage* decodeBmp(int fd, int shrink, std::string& error) {
    std::array<unsigned char, 14 + 40> header{};
    if (!readAt(fd, header.data(), header.size(), 0) || header[0] != 'B' || header[1] != 'M') {
        error = "not a BMP file this server decodes";
        return nullptr;
    }
    const std::uint32_t dataOffset = le32(&header[10]);
    const std::uint32_t dibSize = le32(&header[14]);
    if (dibSize < 40) {
        error = "BMP core headers are not supported";
        return nullptr;
    }
    const std::int64_t width = static_cast<std::int32_t>(le32(&header[18]));
    const std::int64_t signedHeight = static_cast<std::int32_t>(le32(&header[22]));
    const int bitCount = le16(&header[28]);
    const std::uint32_t compression = le32(&header[30]);
    std::uint32_t paletteSize = le32(&header[46]);
    const std::int64_t height = signedHeight < 0 ? -signedHeight : signedHeight;
    const bool supportedDepth = bitCount == 1 || bitCount == 4 || bitCount == 8 || bitCount == 16 ||
                                bitCount == 24 || bitCount == 32;
    // 0 = uncompressed; 3 (and 6, with alpha) = bit fields for 16 and 32-bit pixels.
    const bool bitFields =
        (compression == 3 || compression == 6) && bitCount >= 16 && bitCount != 24;
    if ((compression != 0 && !bitFields) || !supportedDepth || width <= 0 || height <= 0 ||
        width > 100000 || height > 100000) {
        error = "only uncompressed or bit-field BMP images are decoded (not RLE, JPEG or PNG)";
        return nullptr;
    }
    // Channel masks: from the file for bit fields, else the standard 5-5-5 and 8-8-8 layouts.
    std::array<std::uint32_t, 3> masks{};
    if (bitFields) {
        std::array<unsigned char, 12> raw{};
        if (!readAt(fd, raw.data(), raw.size(), 14 + 40)) {
            error = "BMP bit-field masks truncated";
            return nullptr;
        }
        masks = {le32(&raw[0]), le32(&raw[4]), le32(&raw[8])};
    } else if (bitCount == 16) {
        masks = {0x7C00, 0x03E0, 0x001F};
    } else {
        masks = {0x00FF0000, 0x0000FF00, 0x000000FF};
    }
    std::array<int, 3> shifts{};
    std::array<std::uint32_t, 3> maxima{};
    for (int band = 0; band < 3; ++band) {
        if (masks[band] == 0) {
            error = "BMP bit-field mask is empty";
            return nullptr;
        }
        while (((masks[band] >> shifts[band]) & 1u) == 0) {
            ++shifts[band];
        }
        maxima[band] = masks[band] >> shifts[band];
    }

    // The palette (BGRX entries) follows the info header.
    std::vector<unsigned char> palette;
    if (bitCount <= 8) {
        const std::uint32_t maxEntries = 1u << bitCount;
        paletteSize = paletteSize == 0 || paletteSize > maxEntries ? maxEntries : paletteSize;
        palette.resize(std::size_t{maxEntries} * 4, 0);
        if (!readAt(fd, palette.data(), std::size_t{paletteSize} * 4, 14 + dibSize)) {
            error = "BMP palette truncated";
            return nullptr;
        }
    }
    const std::int64_t rowBytes = (width * bitCount + 31) / 32 * 4;
    struct stat info {};
    if (::fstat(fd, &info) != 0 || dataOffset + rowBytes * height > info.st_size) {
        error = "BMP pixel data truncated";
        return nullptr;
    }
    shrink = std::max(1, shrink);
    const int outWidth = static_cast<int>(std::max<std::int64_t>(1, width / shrink));
    const int outHeight = static_cast<int>(std::max<std::int64_t>(1, height / shrink));
    std::vector<unsigned char> pixels(std::size_t(outWidth) * outHeight * 3);
    std::vector<std::uint32_t> sums(std::size_t(outWidth) * 3);
    std::vector<std::uint32_t> counts(outWidth);
    std::vector<unsigned char> row(static_cast<std::size_t>(rowBytes));

    auto pixelAt = [&](std::int64_t x, unsigned char rgb[3]) {
        if (bitCount == 24) {
            const unsigned char* p = &row[std::size_t(x) * 3];
            rgb[0] = p[2];
            rgb[1] = p[1];
            rgb[2] = p[0];
            return;
        }
        if (bitCount >= 16) {
            const unsigned char* p = &row[std::size_t(x) * (bitCount / 8)];
            const std::uint32_t value = bitCount == 16 ? le16(p) : le32(p);
            for (int band = 0; band < 3; ++band) {
                const std::uint32_t channel = (value & masks[band]) >> shifts[band];
                rgb[band] = static_cast<unsigned char>(channel * 255 / maxima[band]);
            }
            return;
        }
        const std::int64_t bit = x * bitCount;
        const unsigned byte = row[std::size_t(bit / 8)];
        const unsigned index = (byte >> (8 - bitCount - bit % 8)) & ((1u << bitCount) - 1);
        rgb[0] = palette[index * 4 + 2];
        rgb[1] = palette[index * 4 + 1];
        rgb[2] = palette[index * 4 + 0];
    };

    for (int outY = 0; outY < outHeight; ++outY) {
        std::fill(sums.begin(), sums.end(), 0);
        std::fill(counts.begin(), counts.end(), 0);
        const std::int64_t firstRow = std::int64_t(outY) * shrink;
        const std::int64_t lastRow = std::min<std::int64_t>(height, firstRow + shrink);
        for (std::int64_t y = firstRow; y < lastRow; ++y) {
            const std::int64_t fileRow = signedHeight < 0 ? y : height - 1 - y;
            if (!readAt(fd, row.data(), row.size(), dataOffset + fileRow * rowBytes)) {
                error = "BMP pixel data unreadable";
                return nullptr;
            }
            for (int outX = 0; outX < outWidth; ++outX) {
                const std::int64_t lastX = std::min<std::int64_t>(width, (outX + 1) * shrink);
                for (std::int64_t x = std::int64_t(outX) * shrink; x < lastX; ++x) {
                    unsigned char rgb[3];
                    pixelAt(x, rgb);
                    sums[outX * 3 + 0] += rgb[0];
                    sums[outX * 3 + 1] += rgb[1];
                    sums[outX * 3 + 2] += rgb[2];
                    ++counts[outX];
                }
            }
        }
        for (int outX = 0; outX < outWidth; ++outX) {
            const std::uint32_t n = std::max<std::uint32_t>(1, counts[outX]);
            for (int band = 0; band < 3; ++band) {
                pixels[(std::size_t(outY) * outWidth + outX) * 3 + band] =
                    static_cast<unsigned char>(sums[outX * 3 + band] / n);
            }
        }
    }
    ensureVipsStarted();
    VipsImage* image = vips_image_new_from_memory_copy(pixels.data(), pixels.size(), outWidth,
                                                       outHeight, 3, VIPS_FORMAT_UCHAR);
    if (!image) {
        error = "cannot build the decoded BMP image";
        return nullptr;
    }
    image->Type = VIPS_INTERPRETATION_sRGB;
    return image;
}

} // namespace classifai

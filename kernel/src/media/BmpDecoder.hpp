// A small BMP decoder: libvips 8.14 reads BMP only through ImageMagick, which the kernel blocks.
#pragma once

#include <string>

typedef struct _VipsImage VipsImage;

namespace classifai {

/// Decodes an uncompressed BMP (1, 4, 8-bit palette; 16, 24 or 32-bit, with or without bit
/// fields; bottom-up or top-down) read from `fd` into a new 8-bit sRGB libvips image, averaging
/// `shrink` x `shrink` blocks of pixels while reading (shrink >= 1), so a large BMP never needs
/// its full size in memory. Returns nullptr and sets `error` for anything else (RLE, embedded
/// JPEG/PNG, core headers, truncated data).
/// Thread-safe; the caller owns the returned image (g_object_unref).
VipsImage* decodeBmp(int fd, int shrink, std::string& error);

} // namespace classifai

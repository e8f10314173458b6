#include "media/Thumbnailer.hpp"

#include "media/BmpDecoder.hpp"
#include "media/Vips.hpp"

#include <vips/vips.h>

#include <unistd.h>

#include <algorithm>
#include <stdexcept>

namespace classifai {

namespace {

/// Drops a GObject reference on every path out.
template <typename T>
class GRef {
public:
    explicit GRef(T* object = nullptr) : _object(object) {}
    ~GRef() { reset(); }
    GRef(const GRef&) = delete;
    GRef& operator=(const GRef&) = delete;
    T* get() const { return _object; }
    T** out() {
        reset();
        return &_object;
    }
    /// Takes ownership of `object`, dropping the one held.
    void replace(T* object) {
        reset();
        _object = object;
    }
    T* release() {
        T* object = _object;
        _object = nullptr;
        return object;
    }
    void reset() {
        if (_object) {
            g_object_unref(_object);
            _object = nullptr;
        }
    }

private:
    T* _object;
};

std::string vipsFailure(const std::string& what) {
    auto text = takeVipsError();
    return what + (text.empty() ? "" : ": " + text);
}

VipsSource* sourceFor(int fd) {
    ::lseek(fd, 0, SEEK_SET);
    VipsSource* source = vips_source_new_from_descriptor(fd);
    if (!source) {
        throw std::runtime_error(vipsFailure("cannot read the image"));
    }
    return source;
}

/// The largest JPEG shrink-on-load factor (8, 4, 2 or 1) that still leaves twice the box, so
/// the final resize has pixels to average.
int jpegShrink(int largestSide, int box) {
    for (int shrink : {8, 4, 2}) {
        if (largestSide / shrink >= 2 * box) {
            return shrink;
        }
    }
    return 1;
}

/// Loads the pixels at the smallest size the format can decode directly.
void loadReduced(int fd, std::string_view format, int largestSide, int box, GRef<VipsImage>& out) {
    if (format == "bmp") {
        std::string error;
        VipsImage* image = decodeBmp(fd, std::max(1, largestSide / (2 * box)), error);
        if (!image) {
            throw std::runtime_error(error);
        }
        out.replace(image);
        return;
    }
    GRef<VipsSource> source(sourceFor(fd));
    int status = -1;
    if (format == "jpeg") {
        status =
            vips_jpegload_source(source.get(), out.out(), "shrink", jpegShrink(largestSide, box),
                                 "access", VIPS_ACCESS_SEQUENTIAL, nullptr);
    } else if (format == "webp") {
        const double scale =
            largestSide > 2 * box ? static_cast<double>(2 * box) / largestSide : 1.0;
        status = vips_webpload_source(source.get(), out.out(), "scale", scale, "access",
                                      VIPS_ACCESS_SEQUENTIAL, nullptr);
    } else if (format == "heif" || format == "avif") {
        // The embedded thumbnail when it is big enough, the primary image otherwise.
        status = vips_heifload_source(source.get(), out.out(), "thumbnail", TRUE, nullptr);
        if (status == 0 && std::max(out.get()->Xsize, out.get()->Ysize) < box) {
            GRef<VipsSource> again(sourceFor(fd));
            status = vips_heifload_source(again.get(), out.out(), nullptr);
        }
    } else if (format == "png") {
        status =
            vips_pngload_source(source.get(), out.out(), "access", VIPS_ACCESS_SEQUENTIAL, nullptr);
    } else if (format == "gif") {
        status =
            vips_gifload_source(source.get(), out.out(), "access", VIPS_ACCESS_SEQUENTIAL, nullptr);
    } else if (format == "tiff") {
        status = vips_tiffload_source(source.get(), out.out(), "access", VIPS_ACCESS_SEQUENTIAL,
                                      nullptr);
    } else {
        throw std::runtime_error("no decoder for format '" + std::string(format) + "'");
    }
    if (status != 0 || !out.get()) {
        throw std::runtime_error(vipsFailure("cannot decode the image"));
    }
}

std::string savePng(VipsImage* image) {
    void* buffer = nullptr;
    size_t length = 0;
    if (vips_pngsave_buffer(image, &buffer, &length, "strip", TRUE, nullptr) != 0) {
        throw std::runtime_error(vipsFailure("cannot encode the PNG"));
    }
    std::string png(static_cast<const char*>(buffer), length);
    g_free(buffer);
    return png;
}

/// 8-bit sRGB (with its alpha, if any), whatever the decoder produced.
void toDisplayable(GRef<VipsImage>& image) {
    VipsInterpretation target =
        image.get()->Bands < 3 ? VIPS_INTERPRETATION_B_W : VIPS_INTERPRETATION_sRGB;
    if (vips_image_get_interpretation(image.get()) != target) {
        GRef<VipsImage> converted;
        if (vips_colourspace(image.get(), converted.out(), target, nullptr) != 0) {
            throw std::runtime_error(vipsFailure("cannot convert the colours"));
        }
        image.replace(converted.release());
    }
    if (image.get()->BandFmt != VIPS_FORMAT_UCHAR) {
        GRef<VipsImage> cast;
        if (vips_cast_uchar(image.get(), cast.out(), nullptr) != 0) {
            throw std::runtime_error(vipsFailure("cannot convert the pixels"));
        }
        image.replace(cast.release());
    }
}

} // namespace

Thumbnail makeThumbnail(int fd, std::string_view format, int largestSide, int box) {
    ensureVipsStarted();
    vips_error_clear();
    GRef<VipsImage> decoded;
    loadReduced(fd, format, largestSide, box, decoded);
    Thumbnail thumbnail;
    thumbnail.decodedWidth = decoded.get()->Xsize;
    thumbnail.decodedHeight = decoded.get()->Ysize;
    GRef<VipsImage> small;
    if (vips_thumbnail_image(decoded.get(), small.out(), box, "height", box, nullptr) != 0) {
        throw std::runtime_error(vipsFailure("cannot decode the image"));
    }
    toDisplayable(small);
    thumbnail.width = small.get()->Xsize;
    thumbnail.height = small.get()->Ysize;
    thumbnail.png = savePng(small.get());
    return thumbnail;
}

std::string placeholderThumbnail(int width, int height, int box) {
    ensureVipsStarted();
    int w = box;
    int h = box;
    if (width > 0 && height > 0) {
        // The reference's integer arithmetic for the box.
        if (height > width) {
            w = std::max(1, box * width / height);
        } else {
            h = std::max(1, box * height / width);
        }
    }
    GRef<VipsImage> black;
    GRef<VipsImage> grey;
    if (vips_black(black.out(), w, h, "bands", 3, nullptr) != 0 ||
        vips_linear1(black.get(), grey.out(), 1.0, 200.0, "uchar", TRUE, nullptr) != 0) {
        throw std::runtime_error(vipsFailure("cannot draw the placeholder"));
    }
    return savePng(grey.get());
}

bool browserDisplayable(std::string_view format) {
    return format == "jpeg" || format == "png" || format == "webp" || format == "gif" ||
           format == "bmp" || format == "avif";
}

std::string encodeUprightPng(int fd, std::string_view format) {
    ensureVipsStarted();
    vips_error_clear();
    GRef<VipsImage> decoded;
    if (format == "bmp") {
        loadReduced(fd, format, 0, 1, decoded);
    } else {
        GRef<VipsSource> source(sourceFor(fd));
        decoded.replace(vips_image_new_from_source(source.get(), "", nullptr));
        if (!decoded.get()) {
            throw std::runtime_error(vipsFailure("cannot decode the image"));
        }
    }
    GRef<VipsImage> upright;
    if (vips_autorot(decoded.get(), upright.out(), nullptr) != 0) {
        throw std::runtime_error(vipsFailure("cannot rotate the image"));
    }
    toDisplayable(upright);
    return savePng(upright.get());
}

} // namespace classifai

// Header-only image probe: libvips for most formats, a few lines of parsing for BMP.
#include "media/ImageProbe.hpp"

#include "media/Vips.hpp"

#include <vips/vips.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace classifai {

namespace {

constexpr std::size_t kMaxReasonChars = 200;

/// Closes a file descriptor on every path out of probe().
class FdGuard {
public:
    explicit FdGuard(int fd) : _fd(fd) {}
    ~FdGuard() {
        if (_fd >= 0) {
            ::close(_fd);
        }
    }
    FdGuard(const FdGuard&) = delete;
    FdGuard& operator=(const FdGuard&) = delete;
    int get() const { return _fd; }

private:
    int _fd;
};

/// Drops a GObject reference on every path out of probe().
template <typename T>
class GRef {
public:
    explicit GRef(T* object = nullptr) : _object(object) {}
    ~GRef() {
        if (_object) {
            g_object_unref(_object);
        }
    }
    GRef(const GRef&) = delete;
    GRef& operator=(const GRef&) = delete;
    T* get() const { return _object; }
    T** out() { return &_object; }

private:
    T* _object;
};

struct FormatInfo {
    std::string_view loader; ///< libvips loader nickname without "load_source"
    std::string_view format;
    std::string_view mimeType;
    bool mayAnimate;
};

// The formats we serve, by libvips loader. Everything else libvips recognises is refused.
constexpr std::array<FormatInfo, 6> kServedFormats{{
    {"jpeg", "jpeg", "image/jpeg", false},
    {"png", "png", "image/png", false},
    {"webp", "webp", "image/webp", true},
    {"tiff", "tiff", "image/tiff", false},
    {"gif", "gif", "image/gif", true},
    {"heif", "heif", "image/heic", false},
}};

ProbeResult refused(ProbeResult result, ProbeStatus status, std::string reason) {
    result.status = status;
    result.reason = std::move(reason);
    if (result.reason.size() > kMaxReasonChars) {
        result.reason.resize(kMaxReasonChars);
    }
    return result;
}

std::string tooLargeReason(int width, int height, const ProbeLimits& limits) {
    return "too large: " + std::to_string(width) + "x" + std::to_string(height) + " exceeds " +
           std::to_string(limits.maxWidth) + "x" + std::to_string(limits.maxHeight) + " pixels";
}

bool exceeds(int width, int height, const ProbeLimits& limits) {
    return width > limits.maxWidth || height > limits.maxHeight;
}

std::uint32_t readLe32(const unsigned char* bytes) {
    return std::uint32_t{bytes[0]} | (std::uint32_t{bytes[1]} << 8) |
           (std::uint32_t{bytes[2]} << 16) | (std::uint32_t{bytes[3]} << 24);
}

std::uint16_t readLe16(const unsigned char* bytes) {
    return static_cast<std::uint16_t>(bytes[0] | (bytes[1] << 8));
}

bool isBmpHeaderSize(std::uint32_t size) {
    return size == 12 || size == 40 || size == 52 || size == 56 || size == 64 || size == 108 ||
           size == 124;
}

/// BMP by hand: libvips 8.14 reads BMP only through ImageMagick, which is blocked as untrusted
/// and decodes every pixel even when asked for the header. Returns false when the bytes are not
/// a BMP at all (so other formats get their turn); fills `result` otherwise.
bool probeBmp(int fd, const ProbeLimits& limits, ProbeResult& result) {
    std::array<unsigned char, 14 + 40> header{};
    ssize_t got = ::pread(fd, header.data(), header.size(), 0);
    if (got < 18 || header[0] != 'B' || header[1] != 'M' ||
        !isBmpHeaderSize(readLe32(&header[14]))) {
        return false;
    }
    result.format = "bmp";
    result.mimeType = "image/bmp";
    const std::uint32_t dibSize = readLe32(&header[14]);
    const std::int64_t needed = dibSize == 12 ? 14 + 12 : 14 + 40;
    if (got < needed) {
        result = refused(std::move(result), ProbeStatus::Corrupt, "corrupt: BMP header truncated");
        return true;
    }
    const std::uint32_t dataOffset = readLe32(&header[10]);
    std::int64_t width = 0;
    std::int64_t height = 0;
    std::uint16_t planes = 0;
    std::uint16_t bitCount = 0;
    std::uint32_t compression = 0;
    if (dibSize == 12) {
        width = readLe16(&header[18]);
        height = readLe16(&header[20]);
        planes = readLe16(&header[22]);
        bitCount = readLe16(&header[24]);
    } else {
        width = static_cast<std::int32_t>(readLe32(&header[18]));
        height = static_cast<std::int32_t>(readLe32(&header[22]));
        planes = readLe16(&header[26]);
        bitCount = readLe16(&header[28]);
        compression = readLe32(&header[30]);
    }
    const bool topDown = height < 0;
    const std::int64_t rows = topDown ? -height : height;
    const bool knownDepth = bitCount == 1 || bitCount == 4 || bitCount == 8 || bitCount == 16 ||
                            bitCount == 24 || bitCount == 32;
    // 0 = uncompressed, 1 = RLE8, 2 = RLE4, 3 and 6 = bit fields; 4 and 5 embed JPEG or PNG.
    const bool knownCompression = compression == 0 || compression == 1 || compression == 2 ||
                                  compression == 3 || compression == 6;
    if (width <= 0 || rows == 0 || planes != 1 || !knownDepth || !knownCompression ||
        dataOffset < 14 + dibSize || dataOffset >= static_cast<std::uint64_t>(result.sizeBytes)) {
        result = refused(std::move(result), ProbeStatus::Corrupt, "corrupt: invalid BMP header");
        return true;
    }
    result.width = static_cast<int>(width);
    result.height = static_cast<int>(rows);
    result.orientation = 1;
    result.bands = bitCount == 32 ? 4 : 3;
    result.bitsPerSample = 8;
    result.depth = 3;
    result.pages = 1;
    if (exceeds(result.width, result.height, limits)) {
        std::string reason = tooLargeReason(result.width, result.height, limits);
        result = refused(std::move(result), ProbeStatus::TooLarge, std::move(reason));
        return true;
    }
    if (compression == 0 || compression == 3 || compression == 6) {
        // Uncompressed rows are padded to 4 bytes: the file size tells whether they are all there.
        const std::int64_t rowBytes = (width * bitCount + 31) / 32 * 4;
        if (dataOffset + rowBytes * rows > result.sizeBytes) {
            result = refused(std::move(result), ProbeStatus::Corrupt,
                             "corrupt: BMP pixel data truncated");
            return true;
        }
    }
    result.status = ProbeStatus::Ok;
    return true;
}

const FormatInfo* servedFormat(std::string_view loader) {
    for (const FormatInfo& info : kServedFormats) {
        if (info.loader == loader) {
            return &info;
        }
    }
    return nullptr;
}

/// "jpegload_source" -> "jpeg".
std::string_view loaderBase(std::string_view nickname) {
    std::size_t at = nickname.find("load");
    return at == std::string_view::npos ? nickname : nickname.substr(0, at);
}

void probeWithVips(int fd, const ProbeLimits& limits, ProbeResult& result) {
    try {
        ensureVipsStarted();
    } catch (const std::runtime_error& error) {
        result = refused(std::move(result), ProbeStatus::Unreadable, error.what());
        return;
    }
    GRef<VipsSource> source(vips_source_new_from_descriptor(fd));
    if (!source.get()) {
        result =
            refused(std::move(result), ProbeStatus::Unreadable, "unreadable: " + takeVipsError());
        return;
    }
    const char* className = vips_foreign_find_load_source(source.get());
    if (!className) {
        takeVipsError();
        result = refused(std::move(result), ProbeStatus::NotAnImage, "not an image");
        return;
    }
    const char* nickname = vips_nickname_find(g_type_from_name(className));
    std::string_view base = loaderBase(nickname ? nickname : "");
    const FormatInfo* info = servedFormat(base);
    if (!info) {
        result = refused(std::move(result), ProbeStatus::UnsupportedFormat,
                         "unsupported format: " + std::string(base));
        return;
    }
    result.format = info->format;
    result.mimeType = info->mimeType;

    // A loader builds only the header; pixels would be read on first use, which never comes.
    // Clear first so that what a sniffer left behind does not pose as this file's error.
    vips_error_clear();
    GRef<VipsImage> image;
    if (vips_call(nickname, source.get(), image.out(), "access", VIPS_ACCESS_SEQUENTIAL, nullptr) !=
            0 ||
        !image.get()) {
        std::string message = takeVipsError();
        result = refused(std::move(result), ProbeStatus::Corrupt,
                         "corrupt: " + (message.empty() ? "header unreadable" : message));
        return;
    }
    VipsImage* header = image.get();
    if (info->loader == "heif") {
        const char* compression = nullptr;
        if (vips_image_get_typeof(header, "heif-compression") &&
            vips_image_get_string(header, "heif-compression", &compression) == 0 && compression &&
            std::strcmp(compression, "av1") == 0) {
            result.format = "avif";
            result.mimeType = "image/avif";
        }
    }
    result.orientation = vips_image_get_orientation(header);
    const bool swap = result.orientation >= 5;
    result.width = swap ? header->Ysize : header->Xsize;
    result.height = swap ? header->Xsize : header->Ysize;
    result.bands = header->Bands;
    result.bitsPerSample = static_cast<int>(vips_format_sizeof(header->BandFmt) * 8);
    if (result.bands == 1) {
        result.depth = 1;
    } else if (vips_image_get_interpretation(header) == VIPS_INTERPRETATION_CMYK) {
        result.depth = 4;
    } else {
        result.depth = 3;
    }
    result.pages = vips_image_get_n_pages(header);
    if (exceeds(result.width, result.height, limits)) {
        std::string reason = tooLargeReason(result.width, result.height, limits);
        result = refused(std::move(result), ProbeStatus::TooLarge, std::move(reason));
        return;
    }
    if (info->mayAnimate && result.pages > 1) {
        result =
            refused(std::move(result), ProbeStatus::Animated, "animated images are not supported");
        return;
    }
    result.status = ProbeStatus::Ok;
}

} // namespace

ProbeResult probe(const std::filesystem::path& file, const ProbeLimits& limits) {
    ProbeResult result;
    // O_NONBLOCK: opening a FIFO that someone dropped into the folder must not hang the worker.
    FdGuard fd(::open(file.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
    if (fd.get() < 0) {
        return refused(std::move(result), ProbeStatus::Unreadable,
                       std::string("unreadable: ") + std::strerror(errno));
    }
    struct stat info {};
    if (::fstat(fd.get(), &info) != 0) {
        return refused(std::move(result), ProbeStatus::Unreadable,
                       std::string("unreadable: ") + std::strerror(errno));
    }
    if (!S_ISREG(info.st_mode)) {
        return refused(std::move(result), ProbeStatus::Unreadable,
                       "unreadable: not a regular file");
    }
    result.sizeBytes = info.st_size;
    if (result.sizeBytes > limits.maxFileBytes) {
        return refused(std::move(result), ProbeStatus::FileTooLarge,
                       "file larger than " + std::to_string(limits.maxFileBytes) + " bytes");
    }
    if (result.sizeBytes == 0) {
        return refused(std::move(result), ProbeStatus::NotAnImage, "not an image");
    }
    if (probeBmp(fd.get(), limits, result)) {
        return result;
    }
    probeWithVips(fd.get(), limits, result);
    return result;
}

bool hasImageSuffix(std::string_view relPath) {
    static constexpr std::array<std::string_view, 11> kSuffixes{
        "jpg", "jpeg", "png", "bmp", "webp", "tif", "tiff", "gif", "heic", "heif", "avif"};
    std::size_t slash = relPath.rfind('/');
    std::string_view name = slash == std::string_view::npos ? relPath : relPath.substr(slash + 1);
    std::size_t dot = name.rfind('.');
    if (dot == std::string_view::npos || dot + 1 == name.size() || name.size() - dot - 1 > 4) {
        return false;
    }
    std::string suffix(name.substr(dot + 1));
    for (char& c : suffix) {
        if (c >= 'A' && c <= 'Z') {
            c = static_cast<char>(c - 'A' + 'a');
        }
    }
    for (std::string_view known : kSuffixes) {
        if (suffix == known) {
            return true;
        }
    }
    return false;
}

bool belongsInUnsupportedList(std::string_view relPath, const ProbeResult& result) {
    if (result.ok() || result.status == ProbeStatus::Cancelled) {
        return false;
    }
    return result.recognised() || hasImageSuffix(relPath);
}

std::string_view toString(ProbeStatus status) {
    switch (status) {
    case ProbeStatus::Ok:
        return "ok";
    case ProbeStatus::NotAnImage:
        return "not_an_image";
    case ProbeStatus::UnsupportedFormat:
        return "unsupported_format";
    case ProbeStatus::Corrupt:
        return "corrupt";
    case ProbeStatus::TooLarge:
        return "too_large";
    case ProbeStatus::FileTooLarge:
        return "file_too_large";
    case ProbeStatus::Animated:
        return "animated";
    case ProbeStatus::Unreadable:
        return "unreadable";
    case ProbeStatus::Cancelled:
        return "cancelled";
    }
    return "unknown";
}

} // namespace classifai

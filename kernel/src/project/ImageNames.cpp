#include "project/ImageNames.hpp"

#include <array>

namespace classifai {

namespace {

constexpr std::size_t kMaxNameBytes = 255;

bool validUtf8(const std::string& text) {
    std::size_t i = 0;
    while (i < text.size()) {
        const auto byte = static_cast<unsigned char>(text[i]);
        std::size_t extra = 0;
        if (byte < 0x80) {
            extra = 0;
        } else if (byte >= 0xC2 && byte <= 0xDF) {
            extra = 1;
        } else if (byte >= 0xE0 && byte <= 0xEF) {
            extra = 2;
        } else if (byte >= 0xF0 && byte <= 0xF4) {
            extra = 3;
        } else {
            return false;
        }
        for (std::size_t k = 1; k <= extra; ++k) {
            if (i + k >= text.size() || (static_cast<unsigned char>(text[i + k]) & 0xC0) != 0x80) {
                return false;
            }
        }
        i += extra + 1;
    }
    return true;
}

bool hasControl(const std::string& text) {
    for (unsigned char c : text) {
        if (c < 0x20 || c == 0x7F) {
            return true;
        }
    }
    return false;
}

int base64Value(unsigned char c) {
    if (c >= 'A' && c <= 'Z') {
        return c - 'A';
    }
    if (c >= 'a' && c <= 'z') {
        return c - 'a' + 26;
    }
    if (c >= '0' && c <= '9') {
        return c - '0' + 52;
    }
    if (c == '+') {
        return 62;
    }
    if (c == '/') {
        return 63;
    }
    return -1;
}

} // namespace

SanitisedName sanitiseUploadName(const std::string& name) {
    SanitisedName result;
    if (name.empty()) {
        result.problem = "the file name is empty";
    } else if (name.size() > kMaxNameBytes) {
        result.problem = "the file name is longer than 255 bytes";
    } else if (!validUtf8(name)) {
        result.problem = "the file name is not valid UTF-8";
    } else if (hasControl(name)) {
        result.problem = "the file name contains a control character";
    } else if (name.find('/') != std::string::npos || name.find('\\') != std::string::npos) {
        result.problem = "the file name contains a path separator ('/' or '\\'); give a plain "
                         "file name";
    } else if (name.front() == '.') {
        result.problem = "the file name starts with '.' (hidden and reserved names are refused)";
    }
    if (!result.problem.empty()) {
        return result;
    }
    result.name = name;
    for (char& c : result.name) {
        if (c == ':' || c == '*' || c == '?' || c == '"' || c == '<' || c == '>' || c == '|') {
            c = '_';
        }
    }
    return result;
}

std::optional<std::string> renameProblem(const std::string& baseName) {
    static constexpr std::string_view kIllegal = " `&:;'?$~#@=*+%{}<>/[]|\"^\\";
    if (baseName.empty()) {
        return "the new name is empty";
    }
    if (baseName.size() > kMaxNameBytes) {
        return "the new name is longer than 255 bytes";
    }
    if (!validUtf8(baseName) || hasControl(baseName)) {
        return "the new name contains a control character or is not UTF-8";
    }
    if (baseName.find_first_of(kIllegal) != std::string::npos) {
        return "the new name contains an illegal character (one of: space ` & : ; ' ? $ ~ # @ "
               "= * + % { } < > / [ ] | \" ^ \\)";
    }
    if (baseName.front() == '.') {
        return "the new name starts with '.'";
    }
    return std::nullopt;
}

std::optional<DataUrl> decodeDataUrl(const std::string& text, std::int64_t maxBytes,
                                     std::string& problem) {
    const std::string scheme = "data:";
    const std::string marker = ";base64,";
    if (text.compare(0, scheme.size(), scheme) != 0) {
        problem = "not a data URL (expected data:<type>;base64,<data>)";
        return std::nullopt;
    }
    const auto comma = text.find(',');
    if (comma == std::string::npos || comma < marker.size() - 1 ||
        text.compare(comma - (marker.size() - 1), marker.size(), marker) != 0) {
        problem = "the data URL is not base64 (expected data:<type>;base64,<data>)";
        return std::nullopt;
    }
    DataUrl url;
    url.mediaType = text.substr(scheme.size(), comma - (marker.size() - 1) - scheme.size());
    const std::size_t start = comma + 1;
    const std::size_t length = text.size() - start;
    if (length == 0) {
        problem = "the data URL carries no data";
        return std::nullopt;
    }
    if (length % 4 != 0) {
        problem = "the base64 data is malformed (its length is not a multiple of 4)";
        return std::nullopt;
    }
    if (static_cast<std::int64_t>(length / 4 * 3) > maxBytes + 2) {
        problem = "the image is larger than " + std::to_string(maxBytes) + " bytes";
        return std::nullopt;
    }
    url.bytes.reserve(length / 4 * 3);
    for (std::size_t i = start; i < text.size(); i += 4) {
        std::array<int, 4> values{};
        int padding = 0;
        for (int k = 0; k < 4; ++k) {
            const auto c = static_cast<unsigned char>(text[i + k]);
            if (c == '=' && i + 4 == text.size() && k >= 2) {
                values[k] = 0;
                ++padding;
                continue;
            }
            if (padding > 0 || (values[k] = base64Value(c)) < 0) {
                problem = "the base64 data is malformed (invalid character at offset " +
                          std::to_string(i + k - start) + ")";
                return std::nullopt;
            }
        }
        const std::uint32_t group = (std::uint32_t(values[0]) << 18) |
                                    (std::uint32_t(values[1]) << 12) |
                                    (std::uint32_t(values[2]) << 6) | std::uint32_t(values[3]);
        url.bytes.push_back(static_cast<char>((group >> 16) & 0xFF));
        if (padding < 2) {
            url.bytes.push_back(static_cast<char>((group >> 8) & 0xFF));
        }
        if (padding < 1) {
            url.bytes.push_back(static_cast<char>(group & 0xFF));
        }
    }
    if (static_cast<std::int64_t>(url.bytes.size()) > maxBytes) {
        problem = "the image is larger than " + std::to_string(maxBytes) + " bytes";
        return std::nullopt;
    }
    return url;
}

std::string encodeBase64(const std::string& bytes) {
    static constexpr char kAlphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    out.reserve((bytes.size() + 2) / 3 * 4);
    std::size_t i = 0;
    for (; i + 2 < bytes.size(); i += 3) {
        const std::uint32_t group = (std::uint32_t(static_cast<unsigned char>(bytes[i])) << 16) |
                                    (std::uint32_t(static_cast<unsigned char>(bytes[i + 1])) << 8) |
                                    std::uint32_t(static_cast<unsigned char>(bytes[i + 2]));
        out.push_back(kAlphabet[(group >> 18) & 63]);
        out.push_back(kAlphabet[(group >> 12) & 63]);
        out.push_back(kAlphabet[(group >> 6) & 63]);
        out.push_back(kAlphabet[group & 63]);
    }
    if (i < bytes.size()) {
        std::uint32_t group = std::uint32_t(static_cast<unsigned char>(bytes[i])) << 16;
        if (i + 1 < bytes.size()) {
            group |= std::uint32_t(static_cast<unsigned char>(bytes[i + 1])) << 8;
        }
        out.push_back(kAlphabet[(group >> 18) & 63]);
        out.push_back(kAlphabet[(group >> 12) & 63]);
        out.push_back(i + 1 < bytes.size() ? kAlphabet[(group >> 6) & 63] : '=');
        out.push_back('=');
    }
    return out;
}

} // namespace classifai

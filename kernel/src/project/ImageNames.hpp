// Rules for the file names clients give images (add, rename) and for uploaded data URLs.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace classifai {

/// A client's file name for a new image made safe, or the rule it breaks. Refused: empty, longer
/// than 255 bytes, not UTF-8, control characters, path separators ('/' or '\\', so `../x` and
/// absolute paths), "." and "..", a leading '.' (hidden and reserved names). Replaced by '_':
/// characters other systems refuse in names (`: * ? " < > |`).
struct SanitisedName {
    std::string name;    ///< usable as one path component; empty when refused
    std::string problem; ///< the broken rule; empty when usable
};
SanitisedName sanitiseUploadName(const std::string& name);

/// The rule a new base name for an image (rename) breaks, or nothing: the reference's illegal
/// characters (space ` & : ; ' ? $ ~ # @ = * + % { } < > / [ ] | " ^) plus '\\', control
/// characters, an empty name, a leading '.', and more than 255 bytes.
std::optional<std::string> renameProblem(const std::string& baseName);

/// A decoded `data:<type>;base64,<payload>` URL.
struct DataUrl {
    std::string mediaType; ///< as the client declared it; never trusted
    std::string bytes;
};

/// Parses and strictly decodes a base64 data URL (standard alphabet, '=' padding only at the
/// end, no whitespace). Returns the rule broken in `problem` when it cannot; refuses payloads
/// that would decode to more than `maxBytes` before decoding anything.
std::optional<DataUrl> decodeDataUrl(const std::string& text, std::int64_t maxBytes,
                                     std::string& problem);

/// Standard base64 with padding, no line breaks.
std::string encodeBase64(const std::string& bytes);

} // namespace classifai

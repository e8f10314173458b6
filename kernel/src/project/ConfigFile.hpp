// Reads a classifai project configuration file (the `cfg` export) as untrusted input: JSON
// types, relative image paths inside the project folder, and size caps, before anything is used.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace classifai {

/// Caps on what one configuration file may hold; each refusal names the cap.
struct ConfigLimits {
    std::int64_t maxFileBytes = std::int64_t{128} << 20; ///< import.maxFileBytes
    std::size_t maxImages = 500000;                      ///< import.maxImages
    std::size_t maxVersions = 64;                        ///< version_list entries per image
    std::size_t maxLabels = 10000;                       ///< labels in label_version_list
    std::size_t maxLabelBytes = 1024;                    ///< bytes of one label
    std::size_t maxPathBytes = 4096;                     ///< bytes of one img_path
    std::size_t maxStringBytes = 1 << 20;                ///< bytes of any other string field
    std::size_t maxDepth = 64;                           ///< JSON nesting
};

/// One image entry of the file's `content`, validated.
struct ConfigImage {
    std::string uuid;                    ///< its key in `content` when that is a uuid, else empty
    std::string relPath;                 ///< normalised: '/'-separated, no '.', '..' or empties
    std::optional<std::string> checksum; ///< SHA-256, standard Base64, when the file has one
    std::string annotationList = "[]";   ///< the `annotation` array as JSON text
    double imgX = 0;
    double imgY = 0;
    double imgW = 0;
    double imgH = 0;
    int depth = 0;
    int width = 0;
    int height = 0;
    std::int64_t fileSize = 0;
};

/// What a valid file describes. Values the import does not trust (project_path, is_new) are not
/// kept; ids are kept only when they have the shape of a uuid.
struct ProjectConfig {
    std::string toolVersion;
    std::string projectId; ///< project_id when it is a uuid, else empty
    std::string projectName;
    std::string annotationType; ///< as written, e.g. "boundingbox"
    bool isStarred = false;
    std::string versionUuid;         ///< of current_version when it is a uuid, else empty
    std::string createdAt;           ///< ISO-8601 UTC from the version strings, or empty
    std::string modifiedAt;          ///< ISO-8601 UTC from current_version, or empty
    std::vector<std::string> labels; ///< from label_version_list, without empties and repeats
    std::vector<ConfigImage> images; ///< sorted by relPath; one per path
    std::vector<std::string> duplicatePaths; ///< paths listed more than once (one entry kept)
};

/// The outcome of ConfigFile::parse: a config, or the reason it was refused.
struct ConfigParse {
    std::optional<ProjectConfig> config;
    std::string error; ///< e.g. "content.4f..img_path '../x.jpg' must not contain '..'"
};

/// Pure functions; thread-safe.
class ConfigFile {
public:
    /// Parses and validates the whole document. Unknown keys are ignored (files from other
    /// versions still import); wrong types, unsafe paths and exceeded caps refuse the file.
    static ConfigParse parse(const std::string& text, const ConfigLimits& limits);

    /// Normalises an img_path in place ('\' to '/', "./" and repeated '/' dropped) and returns
    /// the broken rule, if any: empty, too long, NUL or control characters, absolute, drive or
    /// UNC path, or a '..' component.
    static std::optional<std::string> invalidRelPath(std::string& path, std::size_t maxBytes);

    /// The items of a legacy keyed list string, e.g. "[{6c1e..:[car, person]}]": the entry whose
    /// key is `key` (or the first entry when none matches), split on ", ", empties dropped.
    static std::vector<std::string> keyedList(const std::string& text, const std::string& key);

    /// A field of a legacy version string, e.g. "{version_uuid:6c1e..,created_date:2021/12/16
    /// 03:00:00 PM,...}" -> field("created_date") = "2021/12/16 03:00:00 PM".
    static std::string versionField(const std::string& text, const std::string& field);

    /// "2021/12/16 03:00:00 PM" (local time, as the reference writes it) as ISO-8601 UTC, or
    /// empty when it does not parse.
    static std::string isoFromReferenceDate(const std::string& text);
};

} // namespace classifai

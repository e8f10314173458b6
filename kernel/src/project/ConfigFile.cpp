#include "project/ConfigFile.hpp"

#include <Poco/DateTime.h>
#include <Poco/DateTimeFormatter.h>
#include <Poco/DateTimeParser.h>
#include <Poco/Exception.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/ParseHandler.h>
#include <Poco/JSON/Parser.h>
#include <Poco/LocalDateTime.h>
#include <Poco/String.h>
#include <Poco/Timezone.h>

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <regex>
#include <sstream>
#include <unordered_set>

namespace classifai {

namespace {

using Poco::Dynamic::Var;
using Poco::JSON::Array;
using Poco::JSON::Object;

// A refusal carrying the field path and the rule; caught once in parse().
struct Refusal {
    std::string message;
};

[[noreturn]] void refuse(std::string message) {
    throw Refusal{std::move(message)};
}

std::string typeName(const Var& value) {
    if (value.isEmpty()) {
        return "null";
    }
    if (value.type() == typeid(bool)) {
        return "a boolean";
    }
    if (value.isString()) {
        return "a string";
    }
    if (value.isNumeric()) {
        return "a number";
    }
    if (value.type() == typeid(Array::Ptr)) {
        return "an array";
    }
    if (value.type() == typeid(Object::Ptr)) {
        return "an object";
    }
    return "of another type";
}

bool isNumber(const Var& value) {
    return !value.isEmpty() && value.type() != typeid(bool) && value.isNumeric();
}

// The member `key` of `object`: nullopt when absent or null.
std::optional<Var> member(const Object& object, const std::string& key) {
    if (!object.has(key)) {
        return std::nullopt;
    }
    Var value = object.get(key);
    if (value.isEmpty()) {
        return std::nullopt;
    }
    return value;
}

std::string stringAt(const Var& value, const std::string& path, std::size_t maxBytes) {
    if (!value.isString()) {
        refuse(fmt::format("{} must be a string, not {}", path, typeName(value)));
    }
    auto text = value.extract<std::string>();
    if (text.size() > maxBytes) {
        refuse(fmt::format("{} is longer than {} bytes", path, maxBytes));
    }
    return text;
}

std::optional<std::string> optionalString(const Object& object, const std::string& key,
                                          const std::string& path, std::size_t maxBytes) {
    auto value = member(object, key);
    if (!value) {
        return std::nullopt;
    }
    return stringAt(*value, path + key, maxBytes);
}

std::string requiredString(const Object& object, const std::string& key, const std::string& path,
                           std::size_t maxBytes) {
    auto value = optionalString(object, key, path, maxBytes);
    if (!value) {
        refuse(fmt::format("{}{} is missing", path, key));
    }
    return *value;
}

double optionalNumber(const Object& object, const std::string& key, const std::string& path) {
    auto value = member(object, key);
    if (!value) {
        return 0;
    }
    if (!isNumber(*value)) {
        refuse(fmt::format("{}{} must be a number, not {}", path, key, typeName(*value)));
    }
    double number = value->convert<double>();
    if (!std::isfinite(number)) {
        refuse(fmt::format("{}{} must be a finite number", path, key));
    }
    return number;
}

// A non-negative integer field (img_depth, img_ori_w, ...); fractions are cut as the reference
// does.
std::int64_t optionalCount(const Object& object, const std::string& key, const std::string& path,
                           std::int64_t max) {
    double number = optionalNumber(object, key, path);
    if (number < 0 || number > static_cast<double>(max)) {
        refuse(fmt::format("{}{} must be between 0 and {}", path, key, max));
    }
    return static_cast<std::int64_t>(number);
}

Object::Ptr objectAt(const Var& value, const std::string& path) {
    if (value.type() != typeid(Object::Ptr)) {
        refuse(fmt::format("{} must be an object, not {}", path, typeName(value)));
    }
    return value.extract<Object::Ptr>();
}

Array::Ptr arrayAt(const Var& value, const std::string& path) {
    if (value.type() != typeid(Array::Ptr)) {
        refuse(fmt::format("{} must be an array, not {}", path, typeName(value)));
    }
    return value.extract<Array::Ptr>();
}

std::string quoted(const std::string& key) {
    // Keys come from the file: show them, but never let one flood a message.
    return "\"" + (key.size() > 80 ? key.substr(0, 80) + "..." : key) + "\"";
}

bool looksLikeUuid(const std::string& text) {
    static const std::regex pattern(
        "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$");
    return std::regex_match(text, pattern);
}

std::vector<std::string> cleanLabels(std::vector<std::string> raw, const ConfigLimits& limits) {
    std::vector<std::string> labels;
    std::unordered_set<std::string> seen;
    for (auto& label : raw) {
        label.erase(std::remove_if(label.begin(), label.end(),
                                   [](char c) { return c == '\r' || c == '\n'; }),
                    label.end());
        label = Poco::trim(label);
        if (label.empty() || !seen.insert(label).second) {
            continue;
        }
        if (label.size() > limits.maxLabelBytes) {
            refuse(fmt::format("label_version_list has a label longer than {} bytes",
                               limits.maxLabelBytes));
        }
        labels.push_back(std::move(label));
        if (labels.size() > limits.maxLabels) {
            refuse(fmt::format("label_version_list has more than {} labels", limits.maxLabels));
        }
    }
    return labels;
}

std::vector<std::string> readLabels(const Object& root, const std::string& versionUuid,
                                    const ConfigLimits& limits) {
    auto value = member(root, "label_version_list");
    if (!value) {
        return {};
    }
    if (value->isString()) {
        auto text = value->extract<std::string>();
        if (text.size() > limits.maxLabels * (limits.maxLabelBytes + 2) + 256) {
            refuse(fmt::format("label_version_list is longer than {} labels of {} bytes allow",
                               limits.maxLabels, limits.maxLabelBytes));
        }
        return cleanLabels(ConfigFile::keyedList(text, versionUuid), limits);
    }
    // Real JSON, as a later exporter may write it.
    auto array = arrayAt(*value, "label_version_list");
    if (array->size() > limits.maxLabels) {
        refuse(fmt::format("label_version_list has {} labels, at most {}", array->size(),
                           limits.maxLabels));
    }
    std::vector<std::string> raw;
    for (std::size_t i = 0; i < array->size(); ++i) {
        raw.push_back(stringAt(array->get(static_cast<unsigned>(i)),
                               fmt::format("label_version_list[{}]", i), limits.maxLabelBytes));
    }
    return cleanLabels(std::move(raw), limits);
}

ConfigImage readImage(const std::string& key, const Var& value, const std::string& versionUuid,
                      const ConfigLimits& limits) {
    const std::string path = "content[" + quoted(key) + "].";
    auto entry = objectAt(value, "content[" + quoted(key) + "]");
    ConfigImage image;
    image.relPath = requiredString(*entry, "img_path", path, limits.maxPathBytes);
    if (auto rule = ConfigFile::invalidRelPath(image.relPath, limits.maxPathBytes)) {
        refuse(fmt::format("{}img_path {} {}", path, quoted(image.relPath), *rule));
    }
    if (auto checksum = optionalString(*entry, "checksum", path, 256)) {
        image.checksum = *checksum;
    }
    constexpr std::int64_t kMaxSide = 1 << 20;
    image.depth = static_cast<int>(optionalCount(*entry, "img_depth", path, 64));
    image.width = static_cast<int>(optionalCount(*entry, "img_ori_w", path, kMaxSide));
    image.height = static_cast<int>(optionalCount(*entry, "img_ori_h", path, kMaxSide));
    image.fileSize = optionalCount(*entry, "file_size", path, std::int64_t{1} << 50);

    auto versions = member(*entry, "version_list");
    if (!versions) {
        return image;
    }
    auto list = arrayAt(*versions, path + "version_list");
    if (list->size() > limits.maxVersions) {
        refuse(fmt::format("{}version_list has {} entries, at most {}", path, list->size(),
                           limits.maxVersions));
    }
    Object::Ptr chosen;
    std::string chosenPath;
    for (std::size_t i = 0; i < list->size(); ++i) {
        auto itemPath = fmt::format("{}version_list[{}]", path, i);
        auto version = objectAt(list->get(static_cast<unsigned>(i)), itemPath);
        auto uuid = optionalString(*version, "version_uuid", itemPath + ".", 256);
        if (!chosen || (uuid && *uuid == versionUuid && !versionUuid.empty())) {
            chosen = version;
            chosenPath = itemPath + ".";
        }
    }
    if (!chosen) {
        return image;
    }
    auto data = member(*chosen, "annotation_data");
    if (!data) {
        return image;
    }
    const std::string dataPath = chosenPath + "annotation_data.";
    auto annotationData = objectAt(*data, chosenPath + "annotation_data");
    image.imgX = optionalNumber(*annotationData, "img_x", dataPath);
    image.imgY = optionalNumber(*annotationData, "img_y", dataPath);
    image.imgW = optionalNumber(*annotationData, "img_w", dataPath);
    image.imgH = optionalNumber(*annotationData, "img_h", dataPath);
    if (image.imgW < 0 || image.imgH < 0) {
        refuse(fmt::format("{}img_w and img_h must not be negative", dataPath));
    }
    if (auto annotations = member(*annotationData, "annotation")) {
        auto array = arrayAt(*annotations, dataPath + "annotation");
        std::ostringstream text;
        array->stringify(text);
        image.annotationList = text.str();
    }
    return image;
}

std::size_t annotationCountHint(const ConfigImage& image) {
    return image.annotationList.size();
}

} // namespace

std::optional<std::string> ConfigFile::invalidRelPath(std::string& path, std::size_t maxBytes) {
    if (path.empty()) {
        return "is empty";
    }
    if (path.size() > maxBytes) {
        return fmt::format("is longer than {} bytes", maxBytes);
    }
    for (unsigned char c : path) {
        if (c == 0) {
            return "contains a NUL character";
        }
        if (c < 0x20 || c == 0x7F) {
            return "contains a control character";
        }
    }
    std::replace(path.begin(), path.end(), '\\', '/');
    if (path.front() == '/') {
        return "must be relative to the project folder, not absolute";
    }
    if (path.size() >= 2 && std::isalpha(static_cast<unsigned char>(path[0])) && path[1] == ':') {
        return "must be relative to the project folder, not a drive path";
    }
    std::vector<std::string> parts;
    std::size_t start = 0;
    while (start <= path.size()) {
        auto end = path.find('/', start);
        if (end == std::string::npos) {
            end = path.size();
        }
        auto part = path.substr(start, end - start);
        if (part == "..") {
            return "must not contain '..'";
        }
        if (!part.empty() && part != ".") {
            parts.push_back(std::move(part));
        }
        start = end + 1;
    }
    if (parts.empty()) {
        return "names no file";
    }
    std::string normalised;
    for (const auto& part : parts) {
        normalised += (normalised.empty() ? "" : "/") + part;
    }
    path = std::move(normalised);
    return std::nullopt;
}

std::vector<std::string> ConfigFile::keyedList(const std::string& text, const std::string& key) {
    // "[{k1:[a, b]},{k2:[c]}]": entries split on "},{", key before the first ':'.
    std::string body = Poco::trim(text);
    if (body.size() >= 2 && body.front() == '[' && body.back() == ']') {
        body = body.substr(1, body.size() - 2);
    }
    if (body.size() >= 2 && body.front() == '{' && body.back() == '}') {
        body = body.substr(1, body.size() - 2);
    }
    std::vector<std::string> entries;
    std::size_t start = 0;
    while (start <= body.size()) {
        auto end = body.find("},{", start);
        if (end == std::string::npos) {
            entries.push_back(body.substr(start));
            break;
        }
        entries.push_back(body.substr(start, end - start));
        start = end + 3;
    }
    std::optional<std::string> chosen;
    for (const auto& entry : entries) {
        auto colon = entry.find(':');
        if (colon == std::string::npos) {
            continue;
        }
        const bool matches = !key.empty() && Poco::trim(entry.substr(0, colon)) == key;
        if (!chosen || matches) {
            chosen = entry.substr(colon + 1);
        }
        if (matches) {
            break;
        }
    }
    if (!chosen) {
        return {};
    }
    std::string list = Poco::trim(*chosen);
    if (list.size() >= 2 && list.front() == '[' && list.back() == ']') {
        list = list.substr(1, list.size() - 2);
    }
    std::vector<std::string> items;
    start = 0;
    while (start <= list.size()) {
        auto end = list.find(", ", start);
        if (end == std::string::npos) {
            end = list.size();
        }
        auto item = list.substr(start, end - start);
        if (!item.empty()) {
            items.push_back(std::move(item));
        }
        start = end + 2;
    }
    return items;
}

std::string ConfigFile::versionField(const std::string& text, const std::string& field) {
    std::string body = Poco::trim(text);
    if (body.size() >= 2 && body.front() == '[' && body.back() == ']') {
        body = body.substr(1, body.size() - 2);
    }
    if (body.size() >= 2 && body.front() == '{') {
        body = body.substr(1);
    }
    // Only the first version: the reference never wrote more than one.
    if (auto end = body.find('}'); end != std::string::npos) {
        body = body.substr(0, end);
    }
    std::size_t start = 0;
    while (start <= body.size()) {
        auto end = body.find(',', start);
        if (end == std::string::npos) {
            end = body.size();
        }
        auto piece = body.substr(start, end - start);
        auto colon = piece.find(':');
        if (colon != std::string::npos && Poco::trim(piece.substr(0, colon)) == field) {
            return Poco::trim(piece.substr(colon + 1));
        }
        start = end + 1;
    }
    return {};
}

std::string ConfigFile::isoFromReferenceDate(const std::string& text) {
    static const std::regex shape(R"(\d{4}/\d{1,2}/\d{1,2} \d{1,2}:\d{2}:\d{2} [AaPp][Mm])");
    Poco::DateTime parsed;
    int tzd = 0;
    if (!std::regex_match(text, shape) ||
        !Poco::DateTimeParser::tryParse("%Y/%m/%d %h:%M:%S %A", text, parsed, tzd)) {
        return {};
    }
    // The reference wrote its local time without a zone: read it as this machine's local time.
    Poco::LocalDateTime local(Poco::Timezone::tzd(), parsed.year(), parsed.month(), parsed.day(),
                              parsed.hour(), parsed.minute(), parsed.second(), 0, 0);
    return Poco::DateTimeFormatter::format(local.utc(), "%Y-%m-%dT%H:%M:%S.%iZ");
}

ConfigParse ConfigFile::parse(const std::string& text, const ConfigLimits& limits) {
    ConfigParse result;
    if (static_cast<std::int64_t>(text.size()) > limits.maxFileBytes) {
        result.error = fmt::format("the file is larger than {} bytes (import.maxFileBytes)",
                                   limits.maxFileBytes);
        return result;
    }
    Var document;
    try {
        Poco::JSON::Parser parser(new Poco::JSON::ParseHandler(true));
        parser.setDepth(limits.maxDepth);
        document = parser.parse(text);
    } catch (const Poco::Exception& error) {
        result.error = "the file is not valid JSON: " + error.message();
        return result;
    } catch (const std::exception& error) {
        result.error = std::string("the file is not valid JSON: ") + error.what();
        return result;
    }
    try {
        auto root = objectAt(document, "the document");
        ProjectConfig config;
        auto tool = requiredString(*root, "tool", "", 256);
        if (tool != "classifai") {
            refuse(fmt::format("tool is {}, expected \"classifai\"", quoted(tool)));
        }
        config.toolVersion = optionalString(*root, "tool_version", "", 256).value_or("");
        optionalString(*root, "updated_date", "", 256);
        if (auto id = optionalString(*root, "project_id", "", 256); id && looksLikeUuid(*id)) {
            config.projectId = *id;
        }
        optionalString(*root, "project_path", "", limits.maxStringBytes);
        optionalString(*root, "project_infra", "", 256);
        config.projectName = requiredString(*root, "project_name", "", limits.maxStringBytes);
        config.annotationType = requiredString(*root, "annotation_type", "", 256);
        for (const char* flag : {"is_new", "is_starred"}) {
            if (auto value = member(*root, flag); value && value->type() != typeid(bool)) {
                refuse(fmt::format("{} must be a boolean, not {}", flag, typeName(*value)));
            }
        }
        if (auto starred = member(*root, "is_starred")) {
            config.isStarred = starred->extract<bool>();
        }

        auto current = optionalString(*root, "current_version", "", limits.maxStringBytes);
        auto versions = optionalString(*root, "project_version", "", limits.maxStringBytes);
        optionalString(*root, "uuid_version_list", "", limits.maxFileBytes);
        if (current) {
            auto uuid = versionField(*current, "version_uuid");
            if (looksLikeUuid(uuid)) {
                config.versionUuid = Poco::toLower(uuid);
            }
            config.createdAt = isoFromReferenceDate(versionField(*current, "created_date"));
            config.modifiedAt = isoFromReferenceDate(versionField(*current, "last_modified_date"));
        }
        if (config.createdAt.empty() && versions) {
            config.createdAt = isoFromReferenceDate(versionField(*versions, "created_date"));
        }
        config.labels = readLabels(*root, config.versionUuid, limits);

        auto content = member(*root, "content");
        if (!content) {
            refuse("content is missing");
        }
        auto images = objectAt(*content, "content");
        if (images->size() > limits.maxImages) {
            refuse(fmt::format("content has {} images, at most {} (import.maxImages)",
                               images->size(), limits.maxImages));
        }
        std::map<std::string, ConfigImage> byPath;
        std::unordered_set<std::string> duplicates;
        for (const auto& [key, value] : *images) {
            if (key.size() > 256) {
                refuse(fmt::format("content has a key longer than 256 bytes"));
            }
            auto image = readImage(key, value, config.versionUuid, limits);
            if (looksLikeUuid(key)) {
                image.uuid = key;
            }
            auto [slot, inserted] = byPath.try_emplace(image.relPath, image);
            if (!inserted) {
                duplicates.insert(image.relPath);
                // Keep the entry that carries more annotation data.
                if (annotationCountHint(image) > annotationCountHint(slot->second)) {
                    slot->second = std::move(image);
                }
            }
        }
        for (auto& [path, image] : byPath) {
            config.images.push_back(std::move(image));
        }
        config.duplicatePaths.assign(duplicates.begin(), duplicates.end());
        std::sort(config.duplicatePaths.begin(), config.duplicatePaths.end());
        result.config = std::move(config);
    } catch (const Refusal& refusal) {
        result.error = refusal.message;
    } catch (const Poco::Exception& error) {
        result.error = "the file cannot be read: " + error.displayText();
    }
    return result;
}

} // namespace classifai

// Header-only writer of the classifai project configuration file (the `cfg` export, reference
// section 7.1), shared by exporter-cfg and exporter-cfgdata: Jackson's pretty-printed layout,
// field for field, streamed through disk spools so memory does not grow with the project.
#pragma once

#include "ExportFormat.hpp"

#include <classifai/sdk/Exporter.hpp>

#include <Poco/Base64Encoder.h>
#include <Poco/DigestEngine.h>
#include <Poco/DigestStream.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/SHA2Engine.h>
#include <Poco/StreamCopier.h>

#include <cstdio>
#include <ctime>
#include <fstream>
#include <optional>
#include <ostream>
#include <sstream>
#include <string>
#include <string_view>

namespace classifai::classifaiconfig {

using sdk::Error;
using sdk::ErrorKind;
using sdk::ExportImage;
using sdk::Result;

/// The reference release whose file this is: the original classifai imports it without a
/// version warning.
inline constexpr const char* kToolVersion = "2.0.0-alpha3";

/// Re-prints JSON text in Jackson's DefaultPrettyPrinter layout (objects one field per line,
/// two spaces per object level, `" : "`; arrays inline `[ a, b ]`; empties `[ ]` and `{ }`).
/// Strings and numbers are copied verbatim, so nothing is re-rounded or re-escaped.
class JacksonPrinter {
public:
    JacksonPrinter(const std::string& text, std::string& out) : _text(text), _out(out) {}

    /// Prints one value whose enclosing objects number `level`; false when the text is not JSON.
    bool print(int level) {
        if (!value(level, 0)) {
            return false;
        }
        skipSpace();
        return _pos == _text.size();
    }

private:
    static constexpr int kMaxDepth = 256;

    void skipSpace() {
        while (_pos < _text.size() && (_text[_pos] == ' ' || _text[_pos] == '\n' ||
                                       _text[_pos] == '\r' || _text[_pos] == '\t')) {
            ++_pos;
        }
    }

    void indent(int level) {
        _out += '\n';
        _out.append(static_cast<std::size_t>(level) * 2, ' ');
    }

    bool string() {
        const std::size_t start = _pos++;
        while (_pos < _text.size() && _text[_pos] != '"') {
            _pos += _text[_pos] == '\\' ? 2 : 1;
        }
        if (_pos >= _text.size()) {
            return false;
        }
        ++_pos;
        _out.append(_text, start, _pos - start);
        return true;
    }

    bool scalar() {
        const std::size_t start = _pos;
        while (_pos < _text.size() &&
               std::string_view(",]} \t\r\n").find(_text[_pos]) == std::string_view::npos) {
            ++_pos;
        }
        if (_pos == start) {
            return false;
        }
        _out.append(_text, start, _pos - start);
        return true;
    }

    bool value(int level, int depth) {
        skipSpace();
        if (_pos >= _text.size() || depth > kMaxDepth) {
            return false;
        }
        const char c = _text[_pos];
        if (c == '"') {
            return string();
        }
        if (c == '{') {
            ++_pos;
            skipSpace();
            if (_pos < _text.size() && _text[_pos] == '}') {
                ++_pos;
                _out += "{ }";
                return true;
            }
            _out += '{';
            for (;;) {
                skipSpace();
                if (_pos >= _text.size() || _text[_pos] != '"') {
                    return false;
                }
                indent(level + 1);
                if (!string()) {
                    return false;
                }
                skipSpace();
                if (_pos >= _text.size() || _text[_pos] != ':') {
                    return false;
                }
                ++_pos;
                _out += " : ";
                if (!value(level + 1, depth + 1)) {
                    return false;
                }
                skipSpace();
                if (_pos < _text.size() && _text[_pos] == ',') {
                    ++_pos;
                    _out += ',';
                    continue;
                }
                if (_pos < _text.size() && _text[_pos] == '}') {
                    ++_pos;
                    indent(level);
                    _out += '}';
                    return true;
                }
                return false;
            }
        }
        if (c == '[') {
            ++_pos;
            skipSpace();
            if (_pos < _text.size() && _text[_pos] == ']') {
                ++_pos;
                _out += "[ ]";
                return true;
            }
            _out += "[ ";
            for (;;) {
                if (!value(level, depth + 1)) {
                    return false;
                }
                skipSpace();
                if (_pos < _text.size() && _text[_pos] == ',') {
                    ++_pos;
                    _out += ", ";
                    continue;
                }
                if (_pos < _text.size() && _text[_pos] == ']') {
                    ++_pos;
                    _out += " ]";
                    return true;
                }
                return false;
            }
        }
        return scalar();
    }

    const std::string& _text;
    std::string& _out;
    std::size_t _pos = 0;
};

/// The raw text of member `key` of the top-level JSON object `text`, or nothing.
inline std::optional<std::string> rawMember(const std::string& text, const std::string& key) {
    std::size_t pos = text.find('{');
    if (pos == std::string::npos) {
        return std::nullopt;
    }
    int depth = 0;
    bool inString = false;
    std::size_t keyStart = std::string::npos;
    std::string lastKey;
    bool expectKey = true;
    for (std::size_t i = pos; i < text.size(); ++i) {
        const char c = text[i];
        if (inString) {
            if (c == '\\') {
                ++i;
            } else if (c == '"') {
                inString = false;
                if (depth == 1 && expectKey) {
                    lastKey = text.substr(keyStart + 1, i - keyStart - 1);
                }
            }
            continue;
        }
        if (c == '"') {
            inString = true;
            keyStart = i;
        } else if (c == '{' || c == '[') {
            ++depth;
        } else if (c == '}' || c == ']') {
            --depth;
        } else if (depth == 1 && c == ',') {
            expectKey = true;
        } else if (depth == 1 && c == ':') {
            expectKey = false;
            if (lastKey == key) {
                // The value runs to the next ',' or '}' at depth 1.
                std::size_t start = i + 1;
                int inner = 0;
                bool quoted = false;
                for (std::size_t j = start; j < text.size(); ++j) {
                    const char d = text[j];
                    if (quoted) {
                        if (d == '\\') {
                            ++j;
                        } else if (d == '"') {
                            quoted = false;
                        }
                        continue;
                    }
                    if (d == '"') {
                        quoted = true;
                    } else if (d == '{' || d == '[') {
                        ++inner;
                    } else if ((d == '}' || d == ']') && inner > 0) {
                        --inner;
                    } else if (inner == 0 && (d == ',' || d == '}')) {
                        std::string value = text.substr(start, j - start);
                        const auto first = value.find_first_not_of(" \t\r\n");
                        const auto last = value.find_last_not_of(" \t\r\n");
                        if (first == std::string::npos) {
                            return std::nullopt;
                        }
                        return value.substr(first, last - first + 1);
                    }
                }
                return std::nullopt;
            }
        }
    }
    return std::nullopt;
}

/// "yyyy/MM/dd hh:mm:ss a" in local time, as the reference writes dates.
inline std::string referenceDate(std::time_t when) {
    std::tm local{};
    localtime_r(&when, &local);
    char text[64];
    std::strftime(text, sizeof text, "%Y/%m/%d %I:%M:%S %p", &local);
    return text;
}

/// An ISO-8601 UTC time ("2026-12-03T16:26:32.123Z") as a reference date; now when unreadable.
inline std::string referenceDateFromIso(const std::string& iso) {
    std::tm utc{};
    int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
    if (std::sscanf(iso.c_str(), "%d-%d-%dT%d:%d:%d", &year, &month, &day, &hour, &minute,
                    &second) != 6) {
        return referenceDate(std::time(nullptr));
    }
    utc.tm_year = year - 1900;
    utc.tm_mon = month - 1;
    utc.tm_mday = day;
    utc.tm_hour = hour;
    utc.tm_min = minute;
    utc.tm_sec = second;
    return referenceDate(timegm(&utc));
}

/// SHA-256 of a file in standard Base64 with padding (the reference's `checksum`), or nothing
/// when the file cannot be read.
inline std::optional<std::string> checksumOf(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        return std::nullopt;
    }
    Poco::SHA2Engine engine(Poco::SHA2Engine::SHA_256);
    Poco::DigestOutputStream digest(engine);
    Poco::StreamCopier::copyStream(in, digest);
    digest.flush();
    if (in.bad()) {
        return std::nullopt;
    }
    const Poco::DigestEngine::Digest& bytes = engine.digest();
    std::ostringstream encoded;
    Poco::Base64Encoder encoder(encoded);
    encoder.rdbuf()->setLineLength(0);
    encoder.write(reinterpret_cast<const char*>(bytes.data()),
                  static_cast<std::streamsize>(bytes.size()));
    encoder.close();
    return encoded.str();
}

/// The reference's name of an annotation type in the file.
inline std::string referenceTypeName(const std::string& typeId) {
    if (typeId == "bndbox") {
        return "boundingbox";
    }
    if (typeId == "seg") {
        return "segmentation";
    }
    return typeId;
}

/// Collects images one at a time (content and uuid list go to disk spools), then writes the
/// whole document. One writer per export; not thread-safe.
class ConfigWriter {
public:
    /// Reads the project record; fails when the view's metadata is not a JSON object.
    static Result<std::unique_ptr<ConfigWriter>> create(sdk::ProjectView& project) {
        std::unique_ptr<ConfigWriter> writer(new ConfigWriter);
        try {
            Poco::JSON::Parser parser;
            auto meta = parser.parse(project.metadataJson()).extract<Poco::JSON::Object::Ptr>();
            writer->_projectId = meta->optValue<std::string>("project_id", "");
            writer->_versionUuid = meta->optValue<std::string>("version_uuid", "");
            writer->_isNew = meta->optValue<bool>("is_new", false);
            writer->_isStarred = meta->optValue<bool>("is_starred", false);
            writer->_created = meta->optValue<std::string>("created_date", "");
            writer->_modified = meta->optValue<std::string>("last_modified_date", "");
        } catch (const std::exception& error) {
            return sdk::fail(ErrorKind::Internal,
                             std::string("cannot read the project record: ") + error.what());
        }
        writer->_projectName = project.projectName();
        writer->_annotationType = project.annotationType();
        writer->_projectPath = project.rootPath();
        writer->_labels = project.labels();
        if (!writer->_uuids.ok() || !writer->_content.ok()) {
            return sdk::fail(ErrorKind::Internal, "cannot create a temporary file for the export");
        }
        return writer;
    }

    /// Adds the image last returned by `project.next()`.
    Result<void> add(const ExportImage& image, sdk::ProjectView& project) {
        std::optional<std::string> checksum = checksumOf(image.absolutePath);
        if (!checksum) {
            return sdk::fail(ErrorKind::NotFound,
                             "cannot read image '" + image.relativePath + "' for its checksum");
        }
        // The stored annotation_data (list and display geometry) as the annotator left it.
        std::string annotationData;
        if (auto current = rawMember(project.metadataJson(), "current_image")) {
            if (auto data = rawMember(*current, "annotation_data")) {
                annotationData = *data;
            }
        }
        if (annotationData.empty()) {
            annotationData =
                "{\"annotation\":" + (image.annotationJson.empty() ? "[]" : image.annotationJson) +
                ",\"img_x\":0,\"img_y\":0,\"img_w\":0,\"img_h\":0}";
        }
        std::string printed;
        if (!JacksonPrinter(annotationData, printed).print(4)) {
            return sdk::fail(ErrorKind::Internal, "the stored annotations of '" +
                                                      image.relativePath + "' are not valid JSON");
        }
        _uuids.write((_count == 0 ? "" : ", ") + image.uuid);
        std::string entry = _count == 0 ? "\n" : ",\n";
        entry += "    " + exportformat::jsonQuote(image.uuid) +
                 " : {\n      \"checksum\" : " + exportformat::jsonQuote(*checksum) +
                 ",\n      \"img_path\" : " + exportformat::jsonQuote(image.relativePath) +
                 ",\n      \"version_list\" : [ {\n        \"version_uuid\" : " +
                 exportformat::jsonQuote(_versionUuid) +
                 ",\n        \"annotation_data\" : " + printed +
                 "\n      } ],\n      \"img_depth\" : " + std::to_string(image.geometry.depth) +
                 ",\n      \"img_ori_w\" : " + std::to_string(image.geometry.width) +
                 ",\n      \"img_ori_h\" : " + std::to_string(image.geometry.height) +
                 ",\n      \"file_size\" : " + std::to_string(image.fileSizeBytes) + "\n    }";
        _content.write(entry);
        ++_count;
        return {};
    }

    /// Writes the document (no trailing newline, as Jackson).
    Result<void> finish(std::ostream& out) {
        const std::string created = referenceDateFromIso(_created);
        const std::string modified = referenceDateFromIso(_modified);
        const std::string version = "version_uuid:" + _versionUuid + ",created_date:";
        std::string labels;
        for (const std::string& label : _labels) {
            labels += (labels.empty() ? "" : ", ") + label;
        }
        out << "{\n  \"tool\" : \"classifai\",\n  \"tool_version\" : \"" << kToolVersion
            << "\",\n  \"updated_date\" : \"" << referenceDate(std::time(nullptr))
            << "\",\n  \"project_id\" : " << exportformat::jsonQuote(_projectId)
            << ",\n  \"project_name\" : " << exportformat::jsonQuote(_projectName)
            << ",\n  \"annotation_type\" : "
            << exportformat::jsonQuote(referenceTypeName(_annotationType))
            << ",\n  \"project_path\" : " << exportformat::jsonQuote(_projectPath)
            << ",\n  \"is_new\" : " << (_isNew ? "true" : "false")
            << ",\n  \"is_starred\" : " << (_isStarred ? "true" : "false")
            << ",\n  \"project_infra\" : \"on_premise\",\n  \"current_version\" : "
            << exportformat::jsonQuote("{" + version + created + ",last_modified_date:" + modified +
                                       ",next_version_uuid:null}")
            << ",\n  \"project_version\" : "
            << exportformat::jsonQuote("[{" + version + created + ",last_modified_date:" + created +
                                       ",next_version_uuid:null}]")
            << ",\n  \"uuid_version_list\" : \"[{" << _versionUuid << ":[";
        if (!_uuids.copyTo(out)) {
            return exportformat::writeFailed("the uuid list");
        }
        out << "]}]\",\n  \"label_version_list\" : "
            << exportformat::jsonQuote("[{" + _versionUuid + ":[" + labels + "]}]")
            << ",\n  \"content\" : {";
        if (_count == 0) {
            out << " }\n}";
        } else {
            if (!_content.copyTo(out)) {
                return exportformat::writeFailed("the image entries");
            }
            out << "\n  }\n}";
        }
        out.flush();
        return out ? Result<void>() : exportformat::writeFailed("the configuration file");
    }

private:
    ConfigWriter() = default;

    std::string _projectId;
    std::string _projectName;
    std::string _annotationType;
    std::string _projectPath;
    std::string _versionUuid;
    std::string _created;
    std::string _modified;
    bool _isNew = false;
    bool _isStarred = false;
    std::vector<std::string> _labels;
    exportformat::Spool _uuids;
    exportformat::Spool _content;
    std::int64_t _count = 0;
};

} // namespace classifai::classifaiconfig

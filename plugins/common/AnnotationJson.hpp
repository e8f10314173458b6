// Header-only helpers the annotation-type plugins share: bounded JSON parsing that names the
// failing field, field readers that return errors as values, and the canvas-to-pixel scale.
#pragma once

#include <classifai/sdk/AnnotationType.hpp>
#include <classifai/sdk/Model.hpp>
#include <classifai/sdk/Result.hpp>

#include <Poco/Dynamic/Var.h>
#include <Poco/Exception.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/JSONException.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/ParseHandler.h>
#include <Poco/JSON/Parser.h>
#include <Poco/JSON/Stringifier.h>

#include <cmath>
#include <cstddef>
#include <exception>
#include <optional>
#include <sstream>
#include <string>
#include <typeinfo>
#include <unordered_set>
#include <utility>
#include <vector>

namespace classifai::annotationjson {

using Poco::Dynamic::Var;
using ArrayPtr = Poco::JSON::Array::Ptr;
using ObjectPtr = Poco::JSON::Object::Ptr;
using sdk::Error;
using sdk::ErrorKind;
using sdk::Result;

// Bounds on what one save may carry; far above what a person draws on one image.
inline constexpr std::size_t kMaxListBytes = 16 * 1024 * 1024;
inline constexpr std::size_t kMaxAnnotations = 10'000;
inline constexpr std::size_t kMaxPolygonPoints = 100'000;
inline constexpr std::size_t kMaxStringBytes = 64 * 1024;
inline constexpr std::size_t kMaxDepth = 32;
// Every parsed value costs tens of bytes of heap: this bounds one parse to tens of megabytes.
inline constexpr std::size_t kMaxValues = 1'000'000;

inline Error invalid(std::string message) {
    return sdk::fail(ErrorKind::InvalidInput, std::move(message));
}

inline std::string memberPath(const std::string& parent, const std::string& key) {
    return parent + "." + key;
}

inline std::string elementPath(const std::string& parent, std::size_t index) {
    return parent + "[" + std::to_string(index) + "]";
}

/// A ParseHandler that keeps order and knows where in the document it is, so a parse failure
/// (a bad number, a broken string) can name the field, and flags strings above kMaxStringBytes.
class PathTrackingHandler final : public Poco::JSON::ParseHandler {
public:
    explicit PathTrackingHandler(std::string root)
        : Poco::JSON::ParseHandler(true), _root(std::move(root)) {}

    void reset() override {
        Poco::JSON::ParseHandler::reset();
        _frames.clear();
        _oversized.clear();
        _valueCount = 0;
    }
    void startObject() override {
        countValue();
        pushFrame(false);
        Poco::JSON::ParseHandler::startObject();
    }
    void endObject() override {
        Poco::JSON::ParseHandler::endObject();
        popFrame();
    }
    void startArray() override {
        countValue();
        pushFrame(true);
        Poco::JSON::ParseHandler::startArray();
    }
    void endArray() override {
        Poco::JSON::ParseHandler::endArray();
        popFrame();
    }
    void key(const std::string& name) override {
        if (!_frames.empty()) {
            _frames.back().pendingKey = name;
            _frames.back().hasPendingKey = true;
        }
        noteString(name);
        Poco::JSON::ParseHandler::key(name);
    }
    void null() override {
        countValue();
        Poco::JSON::ParseHandler::null();
        moveToNextValue();
    }
    void value(int v) override {
        countValue();
        Poco::JSON::ParseHandler::value(v);
        moveToNextValue();
    }
    void value(unsigned v) override {
        countValue();
        Poco::JSON::ParseHandler::value(v);
        moveToNextValue();
    }
    void value(Poco::Int64 v) override {
        countValue();
        Poco::JSON::ParseHandler::value(v);
        moveToNextValue();
    }
    void value(Poco::UInt64 v) override {
        countValue();
        Poco::JSON::ParseHandler::value(v);
        moveToNextValue();
    }
    void value(const std::string& s) override {
        countValue();
        noteString(s);
        Poco::JSON::ParseHandler::value(s);
        moveToNextValue();
    }
    void value(double d) override {
        countValue();
        Poco::JSON::ParseHandler::value(d);
        moveToNextValue();
    }
    void value(bool b) override {
        countValue();
        Poco::JSON::ParseHandler::value(b);
        moveToNextValue();
    }

    /// The path of the value being read now, e.g. `bnd_box[2].x1`.
    std::string currentPath() const {
        std::string path = _root;
        for (const Frame& frame : _frames) {
            path += frame.location;
        }
        if (!_frames.empty()) {
            path += pendingLocation(_frames.back());
        }
        return path;
    }

    /// True when parsing stopped because the document holds more than kMaxValues values.
    bool tooManyValues() const { return _valueCount > kMaxValues; }

    /// The path of the first string longer than kMaxStringBytes, or empty.
    const std::string& oversizedStringPath() const { return _oversized; }

private:
    struct Frame {
        bool isArray = false;
        std::size_t nextIndex = 0;
        bool hasPendingKey = false;
        std::string pendingKey;
        std::string location; // where this container sits in its parent, e.g. `[2]` or `.coorPt`
    };

    static std::string pendingLocation(const Frame& frame) {
        if (frame.isArray) {
            return "[" + std::to_string(frame.nextIndex) + "]";
        }
        return frame.hasPendingKey ? "." + frame.pendingKey : std::string();
    }

    void pushFrame(bool isArray) {
        Frame frame;
        frame.isArray = isArray;
        if (!_frames.empty()) {
            frame.location = pendingLocation(_frames.back());
        }
        _frames.push_back(std::move(frame));
    }

    void popFrame() {
        if (!_frames.empty()) {
            _frames.pop_back();
        }
        moveToNextValue();
    }

    // A complete value was read in the current container: move past it.
    void moveToNextValue() {
        if (_frames.empty()) {
            return;
        }
        Frame& frame = _frames.back();
        if (frame.isArray) {
            ++frame.nextIndex;
        } else {
            frame.hasPendingKey = false;
        }
    }

    // Poco's own errors are thrown from inside the parser the same way, so this unwinds cleanly.
    void countValue() {
        if (++_valueCount > kMaxValues) {
            throw Poco::JSON::JSONException("too many values");
        }
    }

    void noteString(const std::string& s) {
        if (s.size() > kMaxStringBytes && _oversized.empty()) {
            _oversized = currentPath();
        }
    }

    std::string _root;
    std::vector<Frame> _frames;
    std::string _oversized;
    std::size_t _valueCount = 0;
};

/// Parses `json` as the annotation list sent under `listKey`: a JSON array of at most
/// kMaxAnnotations elements, within the size, depth and string bounds. Object key order is kept.
inline Result<ArrayPtr> parseList(const std::string& json, const std::string& listKey) {
    if (json.size() > kMaxListBytes) {
        return invalid(listKey + " is larger than " + std::to_string(kMaxListBytes) + " bytes");
    }
    const std::size_t first = json.find_first_not_of(" \t\r\n");
    if (first == std::string::npos || json[first] != '[') {
        return invalid(listKey + " must be a JSON array");
    }
    Poco::SharedPtr<PathTrackingHandler> handler = new PathTrackingHandler(listKey);
    Var parsed;
    try {
        Poco::JSON::Parser parser(handler);
        parser.setDepth(kMaxDepth);
        parsed = parser.parse(json);
    } catch (const Poco::SyntaxException& error) {
        // Poco's number parser: out-of-range values such as 1e400 end up here.
        return invalid(handler->currentPath() + " is not a representable number (" +
                       error.message() + ")");
    } catch (const Poco::Exception& error) {
        if (handler->tooManyValues()) {
            return invalid(listKey + " holds more than " + std::to_string(kMaxValues) +
                           " JSON values");
        }
        return invalid(handler->currentPath() + " is not valid JSON (" + error.message() + ")");
    }
    if (!handler->oversizedStringPath().empty()) {
        return invalid(handler->oversizedStringPath() + " is longer than " +
                       std::to_string(kMaxStringBytes) + " bytes");
    }
    if (parsed.type() != typeid(ArrayPtr)) {
        return invalid(listKey + " must be a JSON array");
    }
    ArrayPtr list = parsed.extract<ArrayPtr>();
    if (list.isNull()) {
        return invalid(listKey + " must be a JSON array");
    }
    if (list->size() > kMaxAnnotations) {
        return invalid(listKey + " has more than " + std::to_string(kMaxAnnotations) +
                       " annotations");
    }
    return list;
}

/// The array's element as an object, or null when it is something else.
inline ObjectPtr objectAt(const Poco::JSON::Array& array, std::size_t index) {
    Var element = array.get(static_cast<unsigned>(index));
    return element.type() == typeid(ObjectPtr) ? element.extract<ObjectPtr>() : ObjectPtr();
}

/// The member as an object, or null when it is absent, null or something else.
inline ObjectPtr objectMember(const Poco::JSON::Object& object, const std::string& key) {
    Var member = object.get(key);
    return member.type() == typeid(ObjectPtr) ? member.extract<ObjectPtr>() : ObjectPtr();
}

/// The member as an array, or null when it is absent, null or something else.
inline ArrayPtr arrayMember(const Poco::JSON::Object& object, const std::string& key) {
    Var member = object.get(key);
    return member.type() == typeid(ArrayPtr) ? member.extract<ArrayPtr>() : ArrayPtr();
}

/// True for a JSON number (booleans are not numbers, unlike Var::isNumeric()).
inline bool isNumber(const Var& value) {
    const std::type_info& type = value.type();
    return type == typeid(Poco::Int64) || type == typeid(Poco::UInt64) || type == typeid(double) ||
           type == typeid(int) || type == typeid(unsigned);
}

/// True when the member is missing or JSON null.
inline bool isAbsent(const Poco::JSON::Object& object, const std::string& key) {
    return !object.has(key) || object.get(key).isEmpty();
}

/// Reads a required finite number `key` of the object at `path`.
inline Result<double> requiredNumber(const Poco::JSON::Object& object, const std::string& key,
                                     const std::string& path) {
    if (isAbsent(object, key)) {
        return invalid(memberPath(path, key) + " is required and must be a number");
    }
    Var value = object.get(key);
    if (!isNumber(value)) {
        return invalid(memberPath(path, key) + " must be a number");
    }
    const double number = value.convert<double>();
    if (!std::isfinite(number)) {
        return invalid(memberPath(path, key) + " must be a finite number");
    }
    return number;
}

/// What an optional member may hold besides null.
enum class Allowed { Number, String, StringOrNumber };

/// Checks an optional member: absent and null pass, otherwise it must be of the allowed kind.
inline Result<void> checkOptional(const Poco::JSON::Object& object, const std::string& key,
                                  const std::string& path, Allowed allowed) {
    if (isAbsent(object, key)) {
        return {};
    }
    Var value = object.get(key);
    const bool number = isNumber(value) && std::isfinite(value.convert<double>());
    const bool string = value.isString();
    switch (allowed) {
    case Allowed::Number:
        if (!number) {
            return invalid(memberPath(path, key) + " must be a number");
        }
        break;
    case Allowed::String:
        if (!string) {
            return invalid(memberPath(path, key) + " must be a string");
        }
        break;
    case Allowed::StringOrNumber:
        if (!number && !string) {
            return invalid(memberPath(path, key) + " must be a string or a number");
        }
        break;
    }
    return {};
}

/// Reads the optional `distancetoImg` {x, y} of the object at `path`; absent or null gives none.
inline Result<std::optional<sdk::Point>> optionalOffset(const Poco::JSON::Object& object,
                                                        const std::string& path) {
    static const std::string key = "distancetoImg";
    if (isAbsent(object, key)) {
        return std::optional<sdk::Point>();
    }
    ObjectPtr offset = objectMember(object, key);
    if (offset.isNull()) {
        return invalid(memberPath(path, key) + " must be an object with numbers x and y");
    }
    const std::string offsetPath = memberPath(path, key);
    Result<double> x = requiredNumber(*offset, "x", offsetPath);
    if (!x) {
        return x.error();
    }
    Result<double> y = requiredNumber(*offset, "y", offsetPath);
    if (!y) {
        return y.error();
    }
    return std::optional<sdk::Point>(sdk::Point{x.value(), y.value()});
}

/// Checks the members every annotation object shares and returns its label. A missing or null
/// `label` becomes "" in the object (the UI's default). `subLabel` and unknown keys are free.
inline Result<std::string> checkCommonMembers(Poco::JSON::Object& object, const std::string& path) {
    static const std::string labelKey = "label";
    if (isAbsent(object, labelKey)) {
        object.set(labelKey, std::string());
    } else if (!object.get(labelKey).isString()) {
        return invalid(memberPath(path, labelKey) + " must be a string");
    }
    if (Result<void> ok = checkOptional(object, "lineWidth", path, Allowed::Number); !ok) {
        return ok.error();
    }
    if (Result<void> ok = checkOptional(object, "color", path, Allowed::String); !ok) {
        return ok.error();
    }
    if (Result<void> ok = checkOptional(object, "id", path, Allowed::StringOrNumber); !ok) {
        return ok.error();
    }
    if (Result<void> ok = checkOptional(object, "region", path, Allowed::StringOrNumber); !ok) {
        return ok.error();
    }
    return object.get(labelKey).extract<std::string>();
}

/// Compact JSON text of a parsed value, key order as received.
inline std::string condense(const Var& value) {
    std::ostringstream out;
    Poco::JSON::Stringifier::condense(value, out);
    return out.str();
}

/// How canvas coordinates map to original pixels (docs: compatibility, "Coordinates").
struct Scale {
    bool displayKnown = false; ///< false: shape coordinates are original pixels already
    double x = 1;
    double y = 1;
};

/// sx = original width / displayed width, likewise y, when the image was displayed. An unknown
/// original size (0) keeps a factor of 1 rather than collapsing every shape to the origin.
inline Scale scaleFor(const sdk::DisplayGeometry& display, const sdk::ImageGeometry& original) {
    Scale scale;
    if (!(std::isfinite(display.width) && std::isfinite(display.height) && display.width > 0 &&
          display.height > 0)) {
        return scale;
    }
    scale.displayKnown = true;
    if (original.width > 0) {
        scale.x = static_cast<double>(original.width) / display.width;
    }
    if (original.height > 0) {
        scale.y = static_cast<double>(original.height) / display.height;
    }
    return scale;
}

/// Collects distinct non-empty labels in first-use order.
class LabelCollector {
public:
    void add(const std::string& label) {
        if (!label.empty() && _seen.insert(label).second) {
            _labels.push_back(label);
        }
    }
    std::vector<std::string> take() { return std::move(_labels); }

private:
    std::unordered_set<std::string> _seen;
    std::vector<std::string> _labels;
};

/// Runs `body`, turning any exception into an Internal error naming `operation`.
template <typename T, typename Body>
Result<T> guarded(const char* operation, Body&& body) noexcept {
    try {
        return body();
    } catch (const std::exception& error) {
        try {
            return sdk::fail(ErrorKind::Internal,
                             std::string(operation) + " failed: " + error.what());
        } catch (...) {
            return Error{};
        }
    } catch (...) {
        return Error{};
    }
}

} // namespace classifai::annotationjson

#include "project/AnnotationData.hpp"

#include <Poco/JSON/Object.h>
#include <Poco/JSON/ParseHandler.h>
#include <Poco/JSON/Parser.h>
#include <Poco/JSON/Stringifier.h>

#include <sstream>

namespace classifai {

Poco::Dynamic::Var parseOrderedJson(const std::string& text) {
    Poco::JSON::Parser parser(new Poco::JSON::ParseHandler(true));
    return parser.parse(text);
}

std::string toJsonText(const Poco::Dynamic::Var& value) {
    std::ostringstream out;
    Poco::JSON::Stringifier::condense(value, out);
    return out.str();
}

AnnotationData parseAnnotationData(const std::string& json) {
    AnnotationData data;
    data.list = new Poco::JSON::Array;
    try {
        auto parsed = parseOrderedJson(json);
        if (parsed.type() != typeid(Poco::JSON::Object::Ptr)) {
            return data;
        }
        auto object = parsed.extract<Poco::JSON::Object::Ptr>();
        if (auto list = object->getArray("annotation")) {
            data.list = list;
            data.listJson = toJsonText(list);
        }
        auto number = [&](const char* key, Poco::Dynamic::Var& into) {
            if (object->has(key) && object->get(key).isNumeric()) {
                into = object->get(key);
            }
        };
        number("img_x", data.x);
        number("img_y", data.y);
        number("img_w", data.width);
        number("img_h", data.height);
    } catch (const Poco::Exception&) {
        // A row that does not parse reads as unannotated; the next save replaces it.
    }
    return data;
}

std::string formatAnnotationData(const std::string& canonicalList, const Poco::Dynamic::Var& x,
                                 const Poco::Dynamic::Var& y, const Poco::Dynamic::Var& width,
                                 const Poco::Dynamic::Var& height) {
    return "{\"annotation\":" + canonicalList + ",\"img_x\":" + toJsonText(x) +
           ",\"img_y\":" + toJsonText(y) + ",\"img_w\":" + toJsonText(width) +
           ",\"img_h\":" + toJsonText(height) + "}";
}

} // namespace classifai

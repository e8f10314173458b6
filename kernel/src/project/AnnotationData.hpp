// The stored annotation_data of an image: the type's annotation list plus the display geometry.
#pragma once

#include <Poco/Dynamic/Var.h>
#include <Poco/JSON/Array.h>

#include <string>

namespace classifai {

/// `{"annotation":[...],"img_x":..,"img_y":..,"img_w":..,"img_h":..}` as stored per image.
struct AnnotationData {
    Poco::JSON::Array::Ptr list; ///< never null; keys keep their stored order
    std::string listJson = "[]"; ///< the list as stored (canonical text of the type plugin)
    Poco::Dynamic::Var x = 0;
    Poco::Dynamic::Var y = 0;
    Poco::Dynamic::Var width = 0;
    Poco::Dynamic::Var height = 0;
};

/// Parses stored annotation_data; anything missing or unreadable reads as empty / 0.
AnnotationData parseAnnotationData(const std::string& json);

/// Serialises annotation_data; `canonicalList` is inserted verbatim, the numbers as JSON.
std::string formatAnnotationData(const std::string& canonicalList, const Poco::Dynamic::Var& x,
                                 const Poco::Dynamic::Var& y, const Poco::Dynamic::Var& width,
                                 const Poco::Dynamic::Var& height);

/// Parses JSON text keeping object keys in document order (what the front-end sent).
Poco::Dynamic::Var parseOrderedJson(const std::string& text);

/// Compact JSON text of a value.
std::string toJsonText(const Poco::Dynamic::Var& value);

} // namespace classifai

// Capability interface: an annotation type (bounding boxes, polygons, ...).
#pragma once

#include "classifai/sdk/Model.hpp"
#include "classifai/sdk/Result.hpp"
#include "classifai/sdk/Visibility.hpp"

#include <string>
#include <vector>

namespace classifai::sdk {

/// Where an image was displayed on the annotator's canvas (`img_x`, `img_y`, `img_w`, `img_h`).
/// A width or height of 0 means "never displayed": shape coordinates are then original pixels.
struct DisplayGeometry {
    double x = 0;
    double y = 0;
    double width = 0;
    double height = 0;
};

/// An annotation type owns one URL segment (`/<id>/projects/...`) and the JSON of its annotations.
///
/// Thread-safety: the kernel calls every method concurrently from many threads; implementations
/// must be const and reentrant. Ownership: the kernel owns the object (registered through
/// PluginContext::add) and destroys it before unloading the plugin.
/// Failure: methods never throw; they return an Error whose message names the field and the rule.
class CLASSIFAI_VISIBLE AnnotationType {
public:
    virtual ~AnnotationType() = default;

    /// Lowercase id used in URLs, e.g. `bndbox`. Stable: it is API.
    virtual std::string id() const = 0;
    /// Other spellings accepted for this type in request bodies, e.g. `boundingbox`.
    virtual std::vector<std::string> aliases() const = 0;
    /// Human-readable name, e.g. "Bounding box".
    virtual std::string displayName() const = 0;
    /// Key under which the UI sends and reads this type's annotation list, e.g. `bnd_box`.
    virtual std::string listKey() const = 0;

    /// Validates a JSON array of annotation objects as the UI sends it and returns its canonical
    /// JSON text (the form stored and served back). Unknown keys are kept verbatim.
    virtual Result<std::string> canonicalize(const std::string& annotationListJson) const = 0;

    /// The labels a canonical annotation list uses, in first-use order, without duplicates.
    virtual Result<std::vector<std::string>> labels(const std::string& canonicalListJson) const = 0;

    /// Converts a canonical annotation list into plain shapes in original-image pixels, using the
    /// display geometry the annotator saw and the image's original size.
    virtual Result<std::vector<Shape>> toShapes(const std::string& canonicalListJson,
                                                const DisplayGeometry& display,
                                                const ImageGeometry& original) const = 0;
};

} // namespace classifai::sdk

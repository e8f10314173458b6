// The annotation type a URL segment names, for route groups that serve per-type paths.
#pragma once

#include "api/Services.hpp"
#include "http/HttpError.hpp"
#include "plugin/PluginHost.hpp"

#include <classifai/sdk/AnnotationType.hpp>

#include <fmt/format.h>

#include <string>

namespace classifai {

/// The annotation type with this id or alias, or an HttpError 400 naming the types available.
inline const sdk::AnnotationType& annotationTypeFor(const Services& services,
                                                    const std::string& segment) {
    const auto& registry = services.plugins.registry();
    if (const auto* type = registry.annotationType(segment)) {
        return *type;
    }
    std::string available;
    for (const auto* type : registry.annotationTypes()) {
        available += (available.empty() ? "" : ", ") + type->id();
    }
    throw HttpError(
        400, fmt::format("Unknown annotation type '{}'; available: {}", segment,
                         available.empty() ? "none (no annotation plugin loaded)" : available));
}

} // namespace classifai

// Identifiers and timestamps as the store writes them.
#pragma once

#include <string>

namespace classifai {

/// A random (v4) UUID in lower-case canonical form, e.g. "6c1e0a3e-3a7b-4f4e-9d5e-2b1f0c9a7d11".
/// Thread-safe.
std::string newUuid();

/// The current time as ISO-8601 UTC with milliseconds, e.g. "2026-12-03T15:52:42.123Z".
/// Fixed width, so these strings sort in time order. Thread-safe.
std::string nowUtcIso();

} // namespace classifai

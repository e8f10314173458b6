// Symbol visibility for SDK types and the single exported plugin entry point.
#pragma once

#if defined(_WIN32)
#define CLASSIFAI_VISIBLE
#define CLASSIFAI_EXPORT __declspec(dllexport)
#else
/// Marks an SDK type whose typeinfo and vtable must be shared between kernel and plugins.
#define CLASSIFAI_VISIBLE __attribute__((visibility("default")))
/// Marks the one symbol a plugin exports.
#define CLASSIFAI_EXPORT __attribute__((visibility("default")))
#endif

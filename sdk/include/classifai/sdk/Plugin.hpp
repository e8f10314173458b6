// The plugin descriptor and the one macro that exports it.
#pragma once

#include "classifai/sdk/PluginContext.hpp"
#include "classifai/sdk/Result.hpp"
#include "classifai/sdk/Version.hpp"
#include "classifai/sdk/Visibility.hpp"

#include <cstdint>
#include <exception>
#include <string>

namespace classifai::sdk {

/// Signature of a plugin's load function: register capabilities through the context.
using LoadFunction = Result<void> (*)(PluginContext& context) noexcept;

/// The descriptor a plugin's entry point returns. The first three fields are plain C data and
/// frozen forever: the kernel reads them, and refuses the plugin, before touching any C++ type.
struct PluginInfo {
    std::uint32_t apiMajor; ///< must equal the kernel's kApiMajor
    std::uint32_t apiMinor; ///< must not exceed the kernel's kApiMinor
    const char* abiTag;     ///< must equal the kernel's CLASSIFAI_ABI_TAG
    const char* id;         ///< lowercase, equal to the library's file stem, e.g. `exporter-coco`
    const char* version;    ///< the plugin's own version, e.g. `1.2.0`
    const char* summary;    ///< one line for people
    LoadFunction load;      ///< called once, after the handshake passed
};

/// Name of the single symbol every plugin exports.
inline constexpr const char* kEntryPointName = "classifai_plugin_entry";

/// Signature of the entry point.
using EntryPoint = const PluginInfo* (*)() noexcept;

} // namespace classifai::sdk

/// Declares a plugin: its id, version, summary and load function
/// (`classifai::sdk::Result<void> fn(classifai::sdk::PluginContext&)`). Use it once per library,
/// at namespace scope. It exports the entry point and makes sure no exception leaves `load`.
#define CLASSIFAI_PLUGIN(ID, VERSION, SUMMARY, LOAD_FUNCTION)                                      \
    namespace {                                                                                    \
    ::classifai::sdk::Result<void>                                                                 \
    classifaiGuardedLoad(::classifai::sdk::PluginContext& context) noexcept {                      \
        try {                                                                                      \
            return LOAD_FUNCTION(context);                                                         \
        } catch (const std::exception& error) {                                                    \
            return ::classifai::sdk::fail(::classifai::sdk::ErrorKind::Internal,                   \
                                          std::string("load threw: ") + error.what());             \
        } catch (...) {                                                                            \
            return ::classifai::sdk::fail(::classifai::sdk::ErrorKind::Internal,                   \
                                          "load threw a non-standard exception");                  \
        }                                                                                          \
    }                                                                                              \
    constexpr ::classifai::sdk::PluginInfo classifaiPluginInfo{::classifai::sdk::kApiMajor,        \
                                                               ::classifai::sdk::kApiMinor,        \
                                                               CLASSIFAI_ABI_TAG,                  \
                                                               ID,                                 \
                                                               VERSION,                            \
                                                               SUMMARY,                            \
                                                               &classifaiGuardedLoad};             \
    }                                                                                              \
    extern "C" CLASSIFAI_EXPORT const ::classifai::sdk::PluginInfo*                                \
    classifai_plugin_entry() noexcept {                                                            \
        return &classifaiPluginInfo;                                                               \
    }

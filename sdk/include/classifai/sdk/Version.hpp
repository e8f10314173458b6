// The SDK's version numbers and the ABI tag that plugins stamp into their descriptor.
#pragma once

#include <cstdint>

namespace classifai::sdk {

/// Major API version: plugins built against another major are refused.
inline constexpr std::uint32_t kApiMajor = 1;
/// Minor API version: a plugin may require at most the kernel's minor.
inline constexpr std::uint32_t kApiMinor = 0;

} // namespace classifai::sdk

#define CLASSIFAI_STRINGIFY_IMPL(x) #x
#define CLASSIFAI_STRINGIFY(x) CLASSIFAI_STRINGIFY_IMPL(x)

#if defined(_GLIBCXX_USE_CXX11_ABI)
#define CLASSIFAI_ABI_STRING "cxx11abi=" CLASSIFAI_STRINGIFY(_GLIBCXX_USE_CXX11_ABI)
#else
#define CLASSIFAI_ABI_STRING "cxx11abi=none"
#endif

#if defined(_GLIBCXX_DEBUG)
#define CLASSIFAI_ABI_DEBUG ";debug=1"
#else
#define CLASSIFAI_ABI_DEBUG ";debug=0"
#endif

#if defined(__GLIBCXX__)
#define CLASSIFAI_ABI_RUNTIME "libstdc++;"
#elif defined(_LIBCPP_VERSION)
#define CLASSIFAI_ABI_RUNTIME "libc++;"
#elif defined(_MSC_VER)
#define CLASSIFAI_ABI_RUNTIME "msvc;"
#else
#define CLASSIFAI_ABI_RUNTIME "unknown;"
#endif

/// ABI tag compared byte for byte by the kernel before any C++ type crosses the boundary:
/// C++ runtime, libstdc++ dual-ABI flag and debug-mode containers.
#define CLASSIFAI_ABI_TAG CLASSIFAI_ABI_RUNTIME CLASSIFAI_ABI_STRING CLASSIFAI_ABI_DEBUG

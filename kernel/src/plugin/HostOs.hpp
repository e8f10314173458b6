// The operating system the kernel was built for, as plugins and dialog backends name it.
#pragma once

#include <string>

namespace classifai {

/// `linux`, `macos` or `windows`.
inline std::string hostOperatingSystem() {
#if defined(__APPLE__)
    return "macos";
#elif defined(_WIN32)
    return "windows";
#else
    return "linux";
#endif
}

} // namespace classifai

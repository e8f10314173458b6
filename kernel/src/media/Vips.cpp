// One-time start-up of libvips with the process-wide policy the kernel relies on.
#include "media/Vips.hpp"

#include <vips/vips.h>

#include <mutex>
#include <stdexcept>
#include <string>

namespace classifai {

namespace {

std::once_flag startOnce;
std::string startError; // written once under startOnce, read-only afterwards

void start() {
    if (VIPS_INIT("classifai") != 0) {
        char* message = vips_error_buffer_copy();
        startError = std::string("libvips failed to start: ") + (message ? message : "");
        g_free(message);
        return;
    }
    vips_block_untrusted_set(TRUE);
    vips_cache_set_max(0);
    vips_cache_set_max_mem(0);
    vips_cache_set_max_files(0);
    vips_leak_set(FALSE);
}

} // namespace

void ensureVipsStarted() {
    std::call_once(startOnce, start);
    if (!startError.empty()) {
        throw std::runtime_error(startError);
    }
}

std::string takeVipsError() {
    char* raw = vips_error_buffer_copy();
    std::string text = raw ? raw : "";
    g_free(raw);
    std::size_t start = text.find_first_not_of(" \t\r\n");
    if (start == std::string::npos) {
        return {};
    }
    std::size_t end = text.find_first_of("\r\n", start);
    return text.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

} // namespace classifai

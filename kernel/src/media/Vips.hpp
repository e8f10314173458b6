// One-time start-up of libvips with the process-wide policy the kernel relies on.
#pragma once

#include <string>

namespace classifai {

/// Starts libvips once per process (VIPS_INIT) and applies the kernel's policy:
/// - loaders libvips marks as untrusted (ImageMagick, PDF, SVG, FITS, OpenSlide, JPEG 2000, ...)
///   are blocked, so only well-fuzzed decoders ever see a user's file;
/// - the operation cache is disabled (0 operations, 0 bytes, 0 open files): every file is probed
///   once per scan, so a cache would only hold file descriptors and could return a stale header
///   for a file replaced under the same name.
/// Thread-safe: any number of threads may call it at any time; calls after the first are cheap.
/// Throws std::runtime_error (every time it is called) if libvips could not start.
void ensureVipsStarted();

/// Takes (and clears) libvips' error text and keeps its first non-empty line. The buffer is
/// process-wide, so under concurrency the text may belong to a neighbour's failure; use it only
/// as a human-readable hint, never to decide anything. Thread-safe.
std::string takeVipsError();

} // namespace classifai

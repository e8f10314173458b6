// Capability interface: an export format, with the kernel-side project view and output sink.
#pragma once

#include "classifai/sdk/Model.hpp"
#include "classifai/sdk/Result.hpp"
#include "classifai/sdk/Visibility.hpp"

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

namespace classifai::sdk {

/// A read-only, streaming view of one project, implemented by the kernel for one export job.
///
/// Thread-safety: used by one thread (the export job) at a time. Ownership: the kernel owns it;
/// it is valid only during Exporter::write. Memory: images are read one at a time, so a view over
/// a huge project costs no more than one image.
class CLASSIFAI_VISIBLE ProjectView {
public:
    virtual ~ProjectView() = default;

    /// Project name as the user sees it.
    virtual std::string projectName() const = 0;
    /// Annotation type id of the project, e.g. `bndbox`.
    virtual std::string annotationType() const = 0;
    /// Absolute path of the project folder.
    virtual std::string rootPath() const = 0;
    /// The project's labels in their stored order.
    virtual std::vector<std::string> labels() const = 0;
    /// Project record as a JSON object text (id, dates, version uuid, ...), for formats that carry
    /// project metadata. Keys are documented in the kernel's docs/plugins.md.
    virtual std::string metadataJson() const = 0;
    /// Number of images the view will yield.
    virtual std::int64_t imageCount() const = 0;
    /// Fills `out` with the next image and returns true, or returns false at the end.
    /// Fails with NotFound or Internal when the store cannot be read.
    virtual Result<bool> next(ExportImage& out) = 0;
};

/// Where an exporter writes, implemented by the kernel (a folder, a zip, or a response).
///
/// Thread-safety: one thread at a time. Ownership: kernel-owned; valid only during
/// Exporter::write. Output is written to a temporary location and published by the kernel only
/// when write returns success, so a failed export never leaves a half-written file.
class CLASSIFAI_VISIBLE ExportSink {
public:
    virtual ~ExportSink() = default;

    /// Starts the file at `relativePath` ('/' separated, no `..`) and returns a stream for it.
    /// The stream stays valid until the next open() or addFile() call or the end of write.
    virtual Result<std::ostream*> open(const std::string& relativePath) = 0;
    /// Copies an existing file (an image of the project) into the output at `relativePath`.
    virtual Result<void> addFile(const std::string& relativePath,
                                 const std::string& sourceAbsolutePath) = 0;
    /// Adds `amount` to a named counter of the job's report (e.g. "shapes clipped").
    virtual void count(const std::string& counter, std::int64_t amount) = 0;
    /// Reports progress: `done` of `total` images written.
    virtual void progress(std::int64_t done, std::int64_t total) = 0;
};

/// An export format. The `:export_type` path parameter of the export route is its id.
///
/// Thread-safety: write may run concurrently for different projects; keep state local to the
/// call. Ownership: kernel-owned. Failure: write returns an Error with a reason for the user.
class CLASSIFAI_VISIBLE Exporter {
public:
    virtual ~Exporter() = default;

    /// Lowercase id, e.g. `coco`. Stable: it is API.
    virtual std::string id() const = 0;
    /// Human-readable name, e.g. "COCO detection JSON".
    virtual std::string displayName() const = 0;
    /// Annotation type ids this format can export; empty means every type.
    virtual std::vector<std::string> supportedTypes() const = 0;
    /// True when the output is several files (the kernel then writes one zip).
    virtual bool multiFile() const = 0;
    /// File extension of a single-file output, without the dot (e.g. `json`).
    virtual std::string fileExtension() const = 0;
    /// Writes the whole project through the sink.
    virtual Result<void> write(ProjectView& project, ExportSink& sink) const = 0;
};

} // namespace classifai::sdk

// A third-party exporter: one JSON object per image and per line (newline-delimited JSON).
#include <classifai/sdk/Plugin.hpp>

#include <cstdio>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

namespace {

using classifai::sdk::Result;

// JSON string literal for `text`; the SDK is std-only, so no JSON library is at hand.
std::string quoted(const std::string& text) {
    std::string out = "\"";
    for (const char c : text) {
        switch (c) {
        case '"':
            out += "\\\"";
            break;
        case '\\':
            out += "\\\\";
            break;
        case '\n':
            out += "\\n";
            break;
        case '\r':
            out += "\\r";
            break;
        case '\t':
            out += "\\t";
            break;
        default:
            if (static_cast<unsigned char>(c) < 0x20) {
                char escaped[8];
                std::snprintf(escaped, sizeof escaped, "\\u%04x", c);
                out += escaped;
            } else {
                out += c;
            }
        }
    }
    return out + "\"";
}

class NdjsonExporter final : public classifai::sdk::Exporter {
public:
    std::string id() const override { return "ndjson"; }
    std::string displayName() const override { return "Newline-delimited JSON"; }
    std::vector<std::string> supportedTypes() const override { return {}; }
    bool multiFile() const override { return false; }
    std::string fileExtension() const override { return "ndjson"; }

    Result<void> write(classifai::sdk::ProjectView& project,
                       classifai::sdk::ExportSink& sink) const override {
        Result<std::ostream*> opened = sink.open("annotations.ndjson");
        if (!opened) {
            return opened.error();
        }
        std::ostream& out = *opened.value();
        const std::int64_t total = project.imageCount();
        std::int64_t done = 0;
        classifai::sdk::ExportImage image;
        for (;;) {
            Result<bool> more = project.next(image);
            if (!more) {
                return more.error();
            }
            if (!more.value()) {
                break;
            }
            // The stored annotation list is already canonical JSON, so it is embedded verbatim.
            const std::string& annotations =
                image.annotationJson.empty() ? std::string("[]") : image.annotationJson;
            out << "{\"uuid\":" << quoted(image.uuid) << ",\"path\":" << quoted(image.relativePath)
                << ",\"width\":" << image.geometry.width << ",\"height\":" << image.geometry.height
                << ",\"annotations\":" << annotations << "}\n";
            sink.progress(++done, total);
        }
        if (!out) {
            return classifai::sdk::fail(classifai::sdk::ErrorKind::Internal,
                                        "writing annotations.ndjson failed");
        }
        return {};
    }
};

Result<void> loadNdjson(classifai::sdk::PluginContext& context) {
    return context.add(std::make_unique<NdjsonExporter>());
}

} // namespace

CLASSIFAI_PLUGIN("exporter-ndjson", "1.0.0", "Exports one JSON line per image", loadNdjson)

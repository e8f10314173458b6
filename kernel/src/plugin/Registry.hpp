// The capabilities plugins registered, by kind and id. Built once at start-up, then read-only.
#pragma once

#include <classifai/sdk/AnnotationType.hpp>
#include <classifai/sdk/DialogBackend.hpp>
#include <classifai/sdk/Exporter.hpp>

#include <map>
#include <string>
#include <vector>

namespace classifai {

/// Read-only after PluginHost finished loading: safe to read from any thread without locks.
/// Pointers stay valid for the PluginHost's lifetime.
class Registry {
public:
    /// The annotation type with this id or alias, or nullptr.
    const sdk::AnnotationType* annotationType(const std::string& idOrAlias) const;
    /// All annotation types, sorted by id.
    std::vector<const sdk::AnnotationType*> annotationTypes() const;

    /// The exporter with this id, or nullptr.
    const sdk::Exporter* exporter(const std::string& id) const;
    /// All exporters, sorted by id.
    std::vector<const sdk::Exporter*> exporters() const;

    /// The dialog backend with this id, or nullptr.
    const sdk::DialogBackend* dialogBackend(const std::string& id) const;
    /// All dialog backends, sorted by id.
    std::vector<const sdk::DialogBackend*> dialogBackends() const;

    /// File name of the plugin that registered (kind, id), or empty.
    std::string ownerOf(const std::string& kind, const std::string& id) const;

    // Registration, used only by PluginHost while loading, after it checked ownerOf(): a taken
    // id or alias throws std::logic_error and leaves the registry unchanged.
    void addAnnotationType(const sdk::AnnotationType* type, const std::string& owner);
    void addExporter(const sdk::Exporter* exporter, const std::string& owner);
    void addDialogBackend(const sdk::DialogBackend* backend, const std::string& owner);

private:
    std::map<std::string, const sdk::AnnotationType*> _annotationTypes;   // by id
    std::map<std::string, const sdk::AnnotationType*> _annotationAliases; // alias -> type
    std::map<std::string, const sdk::Exporter*> _exporters;
    std::map<std::string, const sdk::DialogBackend*> _dialogBackends;
    std::map<std::string, std::string> _owners; // "kind/id" -> plugin file name
};

} // namespace classifai

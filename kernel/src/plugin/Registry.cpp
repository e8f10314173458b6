#include "plugin/Registry.hpp"

#include <algorithm>
#include <stdexcept>

namespace classifai {

namespace {

std::string ownerKey(const std::string& kind, const std::string& id) {
    return kind + "/" + id;
}

template <typename T>
const T* find(const std::map<std::string, const T*>& byId, const std::string& id) {
    const auto found = byId.find(id);
    return found == byId.end() ? nullptr : found->second;
}

// std::map iterates in key order, which is the sorted-by-id order the listings promise.
template <typename T>
std::vector<const T*> values(const std::map<std::string, const T*>& byId) {
    std::vector<const T*> result;
    result.reserve(byId.size());
    for (const auto& [id, value] : byId) {
        result.push_back(value);
    }
    return result;
}

} // namespace

const sdk::AnnotationType* Registry::annotationType(const std::string& idOrAlias) const {
    if (const auto* type = find(_annotationTypes, idOrAlias)) {
        return type;
    }
    return find(_annotationAliases, idOrAlias);
}

std::vector<const sdk::AnnotationType*> Registry::annotationTypes() const {
    return values(_annotationTypes);
}

const sdk::Exporter* Registry::exporter(const std::string& id) const {
    return find(_exporters, id);
}

std::vector<const sdk::Exporter*> Registry::exporters() const {
    return values(_exporters);
}

const sdk::DialogBackend* Registry::dialogBackend(const std::string& id) const {
    return find(_dialogBackends, id);
}

std::vector<const sdk::DialogBackend*> Registry::dialogBackends() const {
    return values(_dialogBackends);
}

std::string Registry::ownerOf(const std::string& kind, const std::string& id) const {
    const auto found = _owners.find(ownerKey(kind, id));
    return found == _owners.end() ? std::string() : found->second;
}

// The add functions refuse duplicates by throwing: PluginHost checks ownerOf() first, so a
// throw here means a kernel bug, and silently replacing an entry would leave a dangling owner.

void Registry::addAnnotationType(const sdk::AnnotationType* type, const std::string& owner) {
    const std::string kind = "annotation_type";
    const std::string id = type->id();
    std::vector<std::string> aliases;
    for (const std::string& alias : type->aliases()) {
        // A type listing its own id, or an alias twice, is harmless; store each spelling once.
        if (alias != id && std::find(aliases.begin(), aliases.end(), alias) == aliases.end()) {
            aliases.push_back(alias);
        }
    }
    // Ids and aliases share one namespace: a request body naming either must mean one type.
    if (_owners.count(ownerKey(kind, id)) != 0) {
        throw std::logic_error("annotation type id '" + id + "' is already registered");
    }
    for (const std::string& alias : aliases) {
        if (_owners.count(ownerKey(kind, alias)) != 0) {
            throw std::logic_error("annotation type alias '" + alias + "' is already registered");
        }
    }
    _annotationTypes.emplace(id, type);
    _owners.emplace(ownerKey(kind, id), owner);
    for (const std::string& alias : aliases) {
        _annotationAliases.emplace(alias, type);
        _owners.emplace(ownerKey(kind, alias), owner);
    }
}

void Registry::addExporter(const sdk::Exporter* exporter, const std::string& owner) {
    const std::string id = exporter->id();
    if (!_owners.emplace(ownerKey("exporter", id), owner).second) {
        throw std::logic_error("exporter id '" + id + "' is already registered");
    }
    _exporters.emplace(id, exporter);
}

void Registry::addDialogBackend(const sdk::DialogBackend* backend, const std::string& owner) {
    const std::string id = backend->id();
    if (!_owners.emplace(ownerKey("dialog_backend", id), owner).second) {
        throw std::logic_error("dialog backend id '" + id + "' is already registered");
    }
    _dialogBackends.emplace(id, backend);
}

} // namespace classifai

#include "project/AnnotationService.hpp"

#include "project/AnnotationData.hpp"
#include "project/ProjectService.hpp"
#include "store/Ids.hpp"

#include <classifai/sdk/AnnotationType.hpp>

#include <Poco/String.h>

#include <fmt/format.h>

#include <unordered_map>
#include <unordered_set>

namespace classifai {

AnnotationService::AnnotationService(Database& database, ProjectService& projects)
    : _projectService(projects), _projects(database), _images(database) {}

std::string AnnotationService::wireTypeName(const std::string& typeId) {
    if (typeId == "bndbox") {
        return "BOUNDINGBOX";
    }
    if (typeId == "seg") {
        return "SEGMENTATION";
    }
    return Poco::toUpper(typeId);
}

std::optional<Failure> AnnotationService::save(const sdk::AnnotationType& type,
                                               const std::string& projectName,
                                               const std::string& uuid,
                                               const Poco::JSON::Object::Ptr& body) {
    auto project = _projects.findByName(type.id(), projectName);
    if (!project) {
        return Failure{"Project not exist"};
    }
    if (body->has("uuid") && !body->isNull("uuid")) {
        auto bodyUuid = body->get("uuid");
        if (!bodyUuid.isString() || bodyUuid.extract<std::string>() != uuid) {
            return Failure{
                fmt::format("Field 'uuid' does not match the image in the path ({})", uuid), 1,
                true};
        }
    }
    const std::string listKey = type.listKey();
    if (!body->has(listKey) || !body->isArray(listKey)) {
        return Failure{fmt::format("Field '{}' is required and must be an array of {} "
                                   "annotations",
                                   listKey, type.id()),
                       1, true};
    }
    auto canonical = type.canonicalize(toJsonText(body->get(listKey)));
    if (!canonical.ok()) {
        return Failure{canonical.error().message, 1, true};
    }
    auto image = _images.find(project->id, uuid);
    const std::string notSaved = fmt::format("Failure in updating database for {} project: {}",
                                             wireTypeName(type.id()), projectName);
    if (!image) {
        return Failure{notSaved + fmt::format(" (no image {} in the project)", uuid)};
    }
    auto stored = parseAnnotationData(image->annotation);
    Poco::Dynamic::Var geometry[4] = {stored.x, stored.y, stored.width, stored.height};
    const char* keys[4] = {"img_x", "img_y", "img_w", "img_h"};
    for (int i = 0; i < 4; ++i) {
        if (!body->has(keys[i])) {
            continue;
        }
        auto value = body->get(keys[i]);
        if (!value.isNumeric() || value.type() == typeid(bool)) {
            return Failure{fmt::format("Field '{}' must be a number", keys[i]), 1, true};
        }
        geometry[i] = value;
    }
    const auto json =
        formatAnnotationData(canonical.value(), geometry[0], geometry[1], geometry[2], geometry[3]);
    if (!_images.saveAnnotation(project->id, uuid, json, nowUtcIso())) {
        return Failure{notSaved + fmt::format(" (no image {} in the project)", uuid)};
    }
    return std::nullopt;
}

Outcome<ProjectStatistics> AnnotationService::statistics(const sdk::AnnotationType& type,
                                                         const std::string& projectName) {
    auto project = _projects.findByName(type.id(), projectName);
    if (!project) {
        return Failure{"Project not found. Unable to retrieve project statistic for project: " +
                       projectName};
    }
    const auto valid = _projectService.activities().get(project->id).validUuids;
    std::unordered_set<std::string> present;
    if (valid) {
        present.insert(valid->begin(), valid->end());
    }
    ProjectStatistics statistics;
    std::unordered_map<std::string, std::size_t> indexByLabel;
    for (const auto& label : project->labels) {
        if (indexByLabel.emplace(label, statistics.perLabel.size()).second) {
            statistics.perLabel.push_back({label, 0});
        }
    }
    _images.forEachInProject(project->id, [&](const ImageRow& image) {
        if (valid && !present.count(image.uuid)) {
            return;
        }
        auto data = parseAnnotationData(image.annotation);
        if (data.list->size() == 0) {
            ++statistics.unlabeledImages;
            return;
        }
        ++statistics.labeledImages;
        sdk::ImageGeometry original{image.width, image.height, image.depth};
        auto shapes = type.toShapes(data.listJson, sdk::DisplayGeometry{}, original);
        if (!shapes.ok()) {
            return;
        }
        for (const auto& shape : shapes.value()) {
            auto [found, added] = indexByLabel.emplace(shape.label, statistics.perLabel.size());
            if (added) {
                statistics.perLabel.push_back({shape.label, 0});
            }
            ++statistics.perLabel[found->second].count;
        }
    });
    return statistics;
}

} // namespace classifai

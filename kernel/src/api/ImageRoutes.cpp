// Image routes: thumbnail, image source, add images, delete images, rename an image.
#include "api/AnnotationTypes.hpp"
#include "api/Routes.hpp"
#include "api/Services.hpp"
#include "http/HttpError.hpp"
#include "http/Reply.hpp"
#include "http/Request.hpp"
#include "http/Router.hpp"
#include "project/ImageNames.hpp"
#include "project/ImageService.hpp"

#include <Poco/JSON/Array.h>

#include <fmt/format.h>

namespace classifai {

namespace {

void replyFailure(Reply& reply, const Failure& failure,
                  const Poco::JSON::Object::Ptr& fields = nullptr) {
    reply.fail(failure.message, failure.code, failure.malformed ? 400 : 200, fields);
}

/// A body field that must be an array of strings; a 400 naming it otherwise.
std::vector<std::string> stringList(const Poco::JSON::Object::Ptr& body, const std::string& field) {
    if (!body->has(field) || !body->isArray(field)) {
        throw HttpError(400, fmt::format("Field '{}' must be an array of strings", field));
    }
    auto array = body->getArray(field);
    std::vector<std::string> items;
    items.reserve(array->size());
    for (std::size_t i = 0; i < array->size(); ++i) {
        auto value = array->get(static_cast<unsigned>(i));
        if (!value.isString()) {
            throw HttpError(400, fmt::format("Field '{}[{}]' must be a string", field, i));
        }
        items.push_back(value.extract<std::string>());
    }
    return items;
}

const char* addStatusMessage(int status) {
    switch (status) {
    case 0:
        return "IMAGES_ADDED";
    case 1:
        return "OPERATION_FAILED";
    default:
        return "IMAGES_ADDING";
    }
}

} // namespace

void addImageRoutes(Router& router, Services& services) {
    auto& images = *services.images;

    auto thumbnail = [&](Request& request, Reply& reply) {
        const auto& type = annotationTypeFor(services, request.param("type"));
        const auto& uuid = request.param("uuid");
        auto view = images.thumbnail(type.id(), request.param("name"), uuid);
        if (!view.ok()) {
            return replyFailure(reply, view.failure());
        }
        const auto& image = view.value();
        auto body = Reply::envelope();
        body->set("uuid", uuid);
        body->set("project_name", request.param("name"));
        body->set("img_path", image.absolutePath);
        body->set(type.listKey(), image.annotation.list);
        body->set("img_depth", image.depth);
        body->set("img_x", image.annotation.x);
        body->set("img_y", image.annotation.y);
        body->set("img_w", image.annotation.width);
        body->set("img_h", image.annotation.height);
        body->set("file_size", image.fileSizeBytes);
        body->set("img_ori_w", image.width);
        body->set("img_ori_h", image.height);
        body->set("img_thumbnail", "data:image/png;base64," + encodeBase64(image.png));
        reply.json(body);
    };
    auto imageSource = [&](Request& request, Reply& reply) {
        const auto& type = annotationTypeFor(services, request.param("type"));
        auto source = images.source(type.id(), request.param("name"), request.param("uuid"));
        if (!source.ok()) {
            auto fields = Reply::object();
            fields->set("img_src", Poco::Dynamic::Var());
            return replyFailure(reply, source.failure(), fields);
        }
        auto body = Reply::envelope();
        body->set("img_src", "data:" + source.value().mimeType + ";base64," +
                                 encodeBase64(source.value().bytes));
        reply.json(body);
    };
    auto add = [&](Request& request, Reply& reply) {
        const auto& type = annotationTypeFor(services, request.param("type"));
        auto body = request.jsonObject();
        auto names = stringList(body, "img_name_list");
        auto dataUrls = stringList(body, "img_base64_list");
        if (names.size() != dataUrls.size()) {
            throw HttpError(400, fmt::format("Fields 'img_name_list' ({} items) and "
                                             "'img_base64_list' ({} items) must be equally long",
                                             names.size(), dataUrls.size()));
        }
        std::vector<ImageUpload> uploads(names.size());
        for (std::size_t i = 0; i < names.size(); ++i) {
            uploads[i] = {std::move(names[i]), std::move(dataUrls[i])};
        }
        auto failure = images.add(type.id(), request.param("name"), std::move(uploads));
        failure ? replyFailure(reply, *failure) : reply.ok();
    };
    auto addStatus = [&](Request& request, Reply& reply) {
        const auto& type = annotationTypeFor(services, request.param("type"));
        auto status = images.addStatus(type.id(), request.param("name"));
        if (!status.ok()) {
            auto fields = Reply::object();
            fields->set("add_image_status", 1);
            return replyFailure(reply, status.failure(), fields);
        }
        auto body = Reply::envelope();
        body->set("add_image_status", status.value().status);
        body->set("add_image_message", addStatusMessage(status.value().status));
        if (!status.value().error.empty()) {
            body->set("error_message", status.value().error);
        }
        body->set("added_image_list", Reply::array(status.value().added));
        reply.json(body);
    };
    auto remove = [&](Request& request, Reply& reply) {
        const auto& type = annotationTypeFor(services, request.param("type"));
        // img_path_list is ignored: the files to move come from the database.
        auto uuids = stringList(request.jsonObject(), "uuid_list");
        auto remaining = images.remove(type.id(), request.param("name"), uuids);
        if (!remaining.ok()) {
            auto fields = Reply::object();
            fields->set("uuid_list", Poco::Dynamic::Var());
            return replyFailure(reply, remaining.failure(), fields);
        }
        auto body = Reply::envelope();
        body->set("uuid_list", Reply::array(remaining.value()));
        reply.json(body);
    };
    auto rename = [&](Request& request, Reply& reply) {
        const auto& type = annotationTypeFor(services, request.param("type"));
        auto body = request.jsonObject();
        auto uuid = requireString(body, "uuid");
        auto newName = requireString(body, "new_fname");
        auto renamed = images.rename(type.id(), request.param("name"), uuid, newName);
        if (!renamed.ok()) {
            auto fields = Reply::object();
            fields->set("img_path", Poco::Dynamic::Var());
            return replyFailure(reply, renamed.failure(), fields);
        }
        auto answer = Reply::envelope();
        answer->set("error_code", 3);
        answer->set("error_message", "RENAME_SUCCESS");
        answer->set("img_path", renamed.value());
        reply.json(answer);
    };

    for (const std::string prefix : {"", "/v2"}) {
        router.add("GET", prefix + "/{type}/projects/{name}/uuid/{uuid}/thumbnail", thumbnail);
        router.add("GET", prefix + "/{type}/projects/{name}/uuid/{uuid}/imgsrc", imageSource);
        router.add("PUT", prefix + "/{type}/projects/{name}/add", add);
        router.add("GET", prefix + "/{type}/projects/{name}/addstatus", addStatus);
        router.add("DELETE", prefix + "/{type}/projects/{name}/uuids", remove);
        router.add("PUT", prefix + "/{type}/projects/{name}/imgsrc/rename", rename);
    }
}

} // namespace classifai

// Annotation routes: save one image's annotations, project statistics.
#include "api/AnnotationTypes.hpp"
#include "api/Routes.hpp"
#include "api/Services.hpp"
#include "http/HttpError.hpp"
#include "http/Reply.hpp"
#include "http/Request.hpp"
#include "http/Router.hpp"
#include "project/AnnotationData.hpp"
#include "project/AnnotationService.hpp"

#include <Poco/JSON/Array.h>

#include <fmt/format.h>

namespace classifai {

namespace {

/// The body as a JSON object with its keys in the order sent, so annotation objects are stored
/// as the front-end wrote them.
Poco::JSON::Object::Ptr orderedBody(Request& request) {
    Poco::Dynamic::Var parsed;
    try {
        parsed = parseOrderedJson(request.body());
    } catch (const Poco::Exception& error) {
        throw HttpError(400, fmt::format("Request body is not valid JSON: {}", error.message()));
    }
    if (parsed.type() != typeid(Poco::JSON::Object::Ptr)) {
        throw HttpError(400, "Request body must be a JSON object");
    }
    return parsed.extract<Poco::JSON::Object::Ptr>();
}

} // namespace

void addAnnotationRoutes(Router& router, Services& services) {
    auto& annotations = *services.annotations;

    auto update = [&](Request& request, Reply& reply) {
        const auto& type = annotationTypeFor(services, request.param("type"));
        auto body = orderedBody(request);
        auto failure = annotations.save(type, request.param("name"), request.param("uuid"), body);
        if (failure) {
            reply.fail(failure->message, failure->code, failure->malformed ? 400 : 200);
        } else {
            reply.ok();
        }
    };
    auto statistic = [&](Request& request, Reply& reply) {
        const auto& type = annotationTypeFor(services, request.param("type"));
        auto statistics = annotations.statistics(type, request.param("name"));
        if (!statistics.ok()) {
            auto fields = Reply::object();
            fields->set("labeled_image", 0);
            fields->set("unlabeled_image", 0);
            fields->set("label_per_class_in_project",
                        Poco::JSON::Array::Ptr(new Poco::JSON::Array));
            reply.fail(statistics.failure().message, 1, 200, fields);
            return;
        }
        Poco::JSON::Array::Ptr perClass = new Poco::JSON::Array;
        for (const auto& entry : statistics.value().perLabel) {
            auto item = Reply::object();
            item->set("label", entry.label);
            item->set("count", entry.count);
            perClass->add(item);
        }
        auto body = Reply::envelope();
        body->set("labeled_image", statistics.value().labeledImages);
        body->set("unlabeled_image", statistics.value().unlabeledImages);
        body->set("label_per_class_in_project", perClass);
        reply.json(body);
    };

    for (const std::string prefix : {"", "/v2"}) {
        router.add("PUT", prefix + "/{type}/projects/{name}/uuid/{uuid}/update", update);
        router.add("GET", prefix + "/{type}/projects/{name}/statistic", statistic);
    }
}

} // namespace classifai

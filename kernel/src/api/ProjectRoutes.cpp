// Project routes: create, status, list, open, reload, rename, star, close, delete, labels.
#include "api/AnnotationTypes.hpp"
#include "api/Routes.hpp"
#include "api/Services.hpp"
#include "http/HttpError.hpp"
#include "http/Reply.hpp"
#include "http/Request.hpp"
#include "http/Router.hpp"
#include "plugin/PluginHost.hpp"
#include "project/ProjectService.hpp"

#include <Poco/DateTimeFormatter.h>
#include <Poco/DateTimeParser.h>
#include <Poco/JSON/Array.h>
#include <Poco/LocalDateTime.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/String.h>

#include <fmt/format.h>

namespace classifai {

namespace {

Poco::JSON::Array::Ptr progressArray(std::int64_t done, std::int64_t total) {
    Poco::JSON::Array::Ptr array = new Poco::JSON::Array;
    array->add(done);
    array->add(total);
    return array;
}

/// The front-end's date format, "2021/12/16 03:00:00 PM" in local time; JavaScript's Date parses
/// it. Stored dates are ISO-8601 UTC.
std::string displayDate(const std::string& iso) {
    int tzd = 0;
    Poco::DateTime parsed;
    if (!Poco::DateTimeParser::tryParse(Poco::DateTimeFormat::ISO8601_FRAC_FORMAT, iso, parsed,
                                        tzd)) {
        return iso;
    }
    Poco::LocalDateTime local(parsed);
    return Poco::DateTimeFormatter::format(local, "%Y/%m/%d %h:%M:%S %A");
}

/// The id of the annotation type a URL segment names (an id or an alias).
std::string resolveType(const Services& services, const std::string& segment) {
    return annotationTypeFor(services, segment).id();
}

Poco::JSON::Object::Ptr metaJson(const ProjectSnapshot& project) {
    auto meta = Reply::object();
    meta->set("project_name", project.row.name);
    meta->set("project_path", project.row.rootPath);
    meta->set("is_new", project.row.isNew);
    meta->set("is_starred", project.row.isStarred);
    meta->set("is_loaded", project.activity.isLoaded);
    meta->set("is_cloud", Poco::Dynamic::Var());
    meta->set("project_infra", "ON_PREMISE");
    meta->set("created_date", displayDate(project.row.createdAt));
    meta->set("last_modified_date", displayDate(project.row.modifiedAt));
    meta->set("current_version", project.row.versionUuid);
    meta->set("total_uuid", project.imageCount);
    meta->set("root_path_valid", project.rootPathValid);
    return meta;
}

void replyResult(Reply& reply, const std::optional<ProjectError>& error) {
    if (error) {
        reply.fail(error->message, error->code);
    } else {
        reply.ok();
    }
}

/// `"true"`/`"false"` (any case, as the front-end sends them) or a JSON boolean.
bool starValue(const Poco::JSON::Object::Ptr& body) {
    const std::string message = "Starring object value is not boolean. Failed to execute";
    if (!body->has("status")) {
        throw HttpError(400, message);
    }
    auto value = body->get("status");
    if (value.type() == typeid(bool)) {
        return value.extract<bool>();
    }
    if (value.isString()) {
        auto text = Poco::toLower(value.extract<std::string>());
        if (text == "true" || text == "false") {
            return text == "true";
        }
    }
    throw HttpError(400, message);
}

void requireClosedStatus(Request& request, const std::string& name) {
    if (request.body().find_first_not_of(" \t\r\n") == std::string::npos) {
        throw HttpError(400, "Request body not defined: expected {\"status\": \"closed\"}", 1);
    }
    auto body = request.jsonObject();
    auto status = body->has("status") && body->get("status").isString()
                      ? body->getValue<std::string>("status")
                      : std::string();
    if (status != "closed") {
        throw HttpError(400,
                        fmt::format("Request payload failed to satisfied the status of "
                                    "{{\"status\": \"closed\"}} for {}.",
                                    name),
                        2);
    }
}

} // namespace

void addProjectRoutes(Router& router, Services& services) {
    auto& projects = services.projects;

    // Create, or with "status":"config" import a configuration file (SelectionRoutes).
    router.add("PUT", "/v2/projects", [&](Request& request, Reply& reply) {
        auto body = request.jsonObject();
        auto status = Poco::toLower(optionalString(body, "status").value_or("raw"));
        if (status == "config") {
            replyImportRequest(services, reply);
            return;
        }
        if (status != "raw") {
            reply.fail(fmt::format("Project status: {} not recognizable. Expect RAW, CONFIG",
                                   Poco::toUpper(status)));
            return;
        }
        CreateRequest create;
        create.name = requireString(body, "project_name");
        create.annotationType =
            resolveType(services, Poco::toLower(requireString(body, "annotation_type")));
        create.projectPath = requireString(body, "project_path");
        create.labelFilePath = optionalString(body, "label_file_path").value_or("");
        replyResult(reply, projects.create(create));
    });

    router.add("GET", "/v2/{type}/projects/{name}", [&](Request& request, Reply& reply) {
        auto type = resolveType(services, request.param("type"));
        const auto& name = request.param("name");
        // Literal segments are never project names here (the import and export polls); their
        // own routes win when registered.
        if (name == "importstatus" || name == "exportstatus") {
            throw HttpError(404, fmt::format("No route for GET {}: not available in this build",
                                             request.http().getURI()));
        }
        auto activity = projects.createStatus(type, name);
        if (!activity) {
            auto fields = Reply::object();
            fields->set("file_system_status", 0);
            fields->set("file_system_message", Poco::Dynamic::Var());
            reply.fail("Project not exist: " + name, 1, 200, fields);
            return;
        }
        auto body = Reply::envelope();
        if (activity->fileSystem == FileSystemStatus::Aborted) {
            body->set("error_message", activity->failure);
        }
        body->set("file_system_status", static_cast<int>(activity->fileSystem));
        body->set("file_system_message", fileSystemMessage(activity->fileSystem));
        if (activity->fileSystem == FileSystemStatus::IteratingFolder ||
            activity->fileSystem == FileSystemStatus::DatabaseUpdating) {
            body->set("progress", progressArray(activity->progressDone, activity->progressTotal));
        }
        if (activity->fileSystem == FileSystemStatus::DatabaseUpdated) {
            body->set("unsupported_image_list", Reply::array(activity->unsupported));
        }
        reply.json(body);
    });

    auto listMeta = [&](Request& request, Reply& reply) {
        auto type = resolveType(services, request.param("type"));
        Poco::JSON::Array::Ptr content = new Poco::JSON::Array;
        for (const auto& project : projects.list(type)) {
            content->add(metaJson(project));
        }
        reply.content(content);
    };
    auto oneMeta = [&](Request& request, Reply& reply) {
        auto type = resolveType(services, request.param("type"));
        auto project = projects.find(type, request.param("name"));
        if (!project) {
            reply.fail("Project not exist");
            return;
        }
        Poco::JSON::Array::Ptr content = new Poco::JSON::Array;
        content->add(metaJson(*project));
        reply.content(content);
    };
    auto load = [&](Request& request, Reply& reply) {
        auto type = resolveType(services, request.param("type"));
        replyResult(reply, projects.load(type, request.param("name")));
    };
    auto loadingStatus = [&](Request& request, Reply& reply) {
        auto type = resolveType(services, request.param("type"));
        const auto& name = request.param("name");
        auto project = projects.find(type, name);
        auto body = Reply::object();
        auto failure = [&](const std::string& message) {
            body->set("message", 0);
            body->set("error_message", message);
            body->set("progress", Poco::Dynamic::Var());
            body->set("label_list", Poco::Dynamic::Var());
            body->set("uuid_list", Poco::Dynamic::Var());
            reply.json(body);
        };
        if (!project) {
            return failure("Project not exist");
        }
        const auto& activity = project->activity;
        switch (activity.load) {
        case LoadState::Loading:
            body->set("message", 1);
            body->set("progress", progressArray(activity.loadDone, activity.loadTotal));
            body->set("label_list", Poco::Dynamic::Var());
            body->set("uuid_list", Poco::Dynamic::Var());
            reply.json(body);
            return;
        case LoadState::Loaded:
            body->set("message", 2);
            body->set("progress", Poco::Dynamic::Var());
            body->set("label_list", Reply::array(project->row.labels));
            body->set("uuid_list",
                      Reply::array(activity.validUuids.value_or(std::vector<std::string>{})));
            reply.json(body);
            return;
        case LoadState::Error:
        case LoadState::DidNotInitiate:
            break;
        }
        failure("Loading failed. LoaderStatus error for project " + name);
    };
    auto reload = [&](Request& request, Reply& reply) {
        auto type = resolveType(services, request.param("type"));
        replyResult(reply, projects.reload(type, request.param("name")));
    };
    auto reloadStatus = [&](Request& request, Reply& reply) {
        auto type = resolveType(services, request.param("type"));
        auto project = projects.find(type, request.param("name"));
        if (!project) {
            auto fields = Reply::object();
            fields->set("file_system_status", 0);
            fields->set("file_system_message", Poco::Dynamic::Var());
            fields->set("progress", Poco::Dynamic::Var());
            fields->set("uuid_add_list", Reply::array({}));
            fields->set("uuid_delete_list", Reply::array({}));
            fields->set("unsupported_image_list", Reply::array({}));
            reply.fail("Project not exist", 1, 200, fields);
            return;
        }
        const auto& activity = project->activity;
        const bool running = activity.fileSystem == FileSystemStatus::IteratingFolder ||
                             activity.fileSystem == FileSystemStatus::DatabaseUpdating;
        const bool done = activity.fileSystem == FileSystemStatus::DatabaseUpdated;
        auto body = Reply::envelope();
        if (activity.fileSystem == FileSystemStatus::Aborted) {
            body->set("error_message", activity.failure);
        }
        body->set("file_system_status", static_cast<int>(activity.fileSystem));
        body->set("file_system_message", fileSystemMessage(activity.fileSystem));
        body->set("progress", running ? Poco::Dynamic::Var(progressArray(activity.progressDone,
                                                                         activity.progressTotal))
                                      : Poco::Dynamic::Var());
        // Arrays even before the end: the front-end reads them whenever it stops polling.
        body->set("uuid_add_list",
                  Reply::array(done ? activity.added : std::vector<std::string>{}));
        body->set("uuid_delete_list",
                  Reply::array(done ? activity.deleted : std::vector<std::string>{}));
        body->set("unsupported_image_list",
                  Reply::array(done ? activity.unsupported : std::vector<std::string>{}));
        reply.json(body);
    };
    auto rename = [&](Request& request, Reply& reply) {
        auto type = resolveType(services, request.param("type"));
        replyResult(
            reply, projects.rename(type, request.param("name"), request.param("new_project_name")));
    };
    auto star = [&](Request& request, Reply& reply) {
        auto type = resolveType(services, request.param("type"));
        bool on = starValue(request.jsonObject());
        replyResult(reply, projects.star(type, request.param("name"), on));
    };
    auto close = [&](Request& request, Reply& reply) {
        auto type = resolveType(services, request.param("type"));
        const auto& name = request.param("name");
        requireClosedStatus(request, name);
        replyResult(reply, projects.close(type, name));
    };
    auto remove = [&](Request& request, Reply& reply) {
        auto type = resolveType(services, request.param("type"));
        replyResult(reply, projects.remove(type, request.param("name")));
    };
    auto newLabels = [&](Request& request, Reply& reply) {
        auto type = resolveType(services, request.param("type"));
        auto body = request.jsonObject();
        if (!body->has("label_list") || !body->isArray("label_list")) {
            throw HttpError(400, "Field 'label_list' must be an array of strings");
        }
        auto array = body->getArray("label_list");
        std::vector<std::string> labels;
        for (std::size_t i = 0; i < array->size(); ++i) {
            auto value = array->get(static_cast<unsigned>(i));
            if (!value.isString()) {
                throw HttpError(400, fmt::format("Field 'label_list[{}]' must be a string", i));
            }
            labels.push_back(value.extract<std::string>());
        }
        replyResult(reply, projects.setLabels(type, request.param("name"), labels));
    };

    // The reference's routes, and the other prefix where it does not clash: GET
    // /{type}/projects/{name} opens a project while GET /v2/{type}/projects/{name} is the create
    // status, so those two stay apart, and the list has no /v2 form, which would hide the create
    // status of a project named "meta".
    router.add("GET", "/{type}/projects/meta", listMeta);
    for (const std::string prefix : {"", "/v2"}) {
        router.add("GET", prefix + "/{type}/projects/{name}/meta", oneMeta);
        router.add("GET", prefix + "/{type}/projects/{name}/loadingstatus", loadingStatus);
        router.add("PUT", prefix + "/{type}/projects/{name}/reload", reload);
        router.add("GET", prefix + "/{type}/projects/{name}/reloadstatus", reloadStatus);
        router.add("PUT", prefix + "/{type}/projects/{name}/rename/{new_project_name}", rename);
        router.add("PUT", prefix + "/{type}/projects/{name}/star", star);
        router.add("PUT", prefix + "/{type}/projects/{name}", close);
        router.add("DELETE", prefix + "/{type}/projects/{name}", remove);
        router.add("PUT", prefix + "/{type}/projects/{name}/newlabels", newLabels);
    }
    router.add("GET", "/{type}/projects/{name}", load);

    // The V2 document closes a project at /projects/{name}, without the type.
    router.add("PUT", "/projects/{name}", [&](Request& request, Reply& reply) {
        const auto& name = request.param("name");
        requireClosedStatus(request, name);
        bool closed = false;
        for (const auto* type : services.plugins.registry().annotationTypes()) {
            closed = !projects.close(type->id(), name) || closed;
        }
        if (closed) {
            reply.ok();
        } else {
            reply.fail("Project not exist");
        }
    });
}

} // namespace classifai

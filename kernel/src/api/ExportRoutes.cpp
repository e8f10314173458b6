// Export routes: start an export job, and the status of the last export.
#include "api/AnnotationTypes.hpp"
#include "api/Routes.hpp"
#include "api/Services.hpp"
#include "http/HttpError.hpp"
#include "http/Reply.hpp"
#include "http/Request.hpp"
#include "http/Router.hpp"
#include "plugin/PluginHost.hpp"
#include "project/ExportService.hpp"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

#include <fmt/format.h>

namespace classifai {

namespace {

Poco::JSON::Object::Ptr statusJson(const ExportStatus& status) {
    auto body = Reply::envelope(1);
    body->set("export_status", static_cast<int>(status.state));
    body->set("export_status_message", exportStateName(status.state));
    body->set("project_config_path", status.state == ExportState::Success
                                         ? Poco::Dynamic::Var(status.outputPath)
                                         : Poco::Dynamic::Var());
    if (status.state == ExportState::NotInitiated) {
        return body;
    }
    // Beyond the reference: which export this is, how far it got, and what it reported.
    body->set("project_name", status.projectName);
    body->set("annotation_type", status.annotationType);
    body->set("export_type", status.exportType);
    Poco::JSON::Array::Ptr progress = new Poco::JSON::Array;
    progress->add(status.imagesDone);
    progress->add(status.imagesTotal);
    body->set("progress", progress);
    if (status.state == ExportState::Failed) {
        body->set("failure_reason", status.reason);
    }
    if (status.state == ExportState::Success) {
        body->set("output_bytes", status.outputBytes);
    }
    auto report = Reply::object();
    for (const auto& [counter, amount] : status.counters) {
        report->set(counter, amount);
    }
    body->set("export_report", report);
    return body;
}

} // namespace

void addExportRoutes(Router& router, Services& services) {
    router.add("PUT", "/v2/{type}/projects/{name}/export/{export_type}",
               [&](Request& request, Reply& reply) {
                   annotationTypeFor(services, request.param("type"));
                   auto refused = services.exports->start(
                       request.param("type"), request.param("name"), request.param("export_type"));
                   if (!refused) {
                       reply.ok();
                   } else if (refused->malformed) {
                       throw HttpError(400, refused->message);
                   } else {
                       reply.fail(refused->message, refused->code);
                   }
               });
    router.add("GET", "/v2/{type}/projects/exportstatus", [&](Request& request, Reply& reply) {
        annotationTypeFor(services, request.param("type"));
        reply.json(statusJson(services.exports->status()));
    });
}

} // namespace classifai

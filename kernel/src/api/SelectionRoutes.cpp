// Selection routes: the folder and label-file windows, and project import from a configuration
// file (PUT /v2/newproject, and PUT /v2/projects with "status":"config" in ProjectRoutes).
#include "api/Routes.hpp"
#include "api/Services.hpp"
#include "http/Reply.hpp"
#include "http/Request.hpp"
#include "http/Router.hpp"
#include "project/ImportService.hpp"
#include "project/SelectionService.hpp"

#include <Poco/JSON/Array.h>

namespace classifai {

namespace {

void replyOpen(Reply& reply, const OpenResult& result) {
    switch (result.outcome) {
    case OpenOutcome::Opened:
    case OpenOutcome::AlreadyOpen:
        reply.ok(); // the reference's silent no-op for a window already open
        return;
    case OpenOutcome::OtherWindowOpen:
    case OpenOutcome::ImportRunning:
    case OpenOutcome::Unavailable:
        reply.fail(result.message);
        return;
    }
}

void replyWindow(Reply& reply, const WindowState& window, const char* pathKey) {
    auto body = Reply::envelope();
    body->set("window_status", window.open ? 0 : 1);
    body->set("window_message", window.open ? "WINDOW_OPEN" : "WINDOW_CLOSE");
    if (!window.open) {
        body->set(pathKey, window.path);
    }
    reply.json(body);
}

} // namespace

void replyImportRequest(Services& services, Reply& reply) {
    auto result = services.selection->open(SelectionKind::ConfigFile);
    if (result.outcome == OpenOutcome::AlreadyOpen) {
        reply.fail(result.message);
        return;
    }
    replyOpen(reply, result);
}

void addSelectionRoutes(Router& router, Services& services) {
    auto& selection = *services.selection;
    router.add("PUT", "/v2/folders", [&](Request&, Reply& reply) {
        replyOpen(reply, selection.open(SelectionKind::Folder));
    });
    router.add("GET", "/v2/folders", [&](Request&, Reply& reply) {
        replyWindow(reply, selection.window(SelectionKind::Folder), "project_path");
    });
    router.add("PUT", "/v2/labelfiles", [&](Request&, Reply& reply) {
        replyOpen(reply, selection.open(SelectionKind::LabelFile));
    });
    router.add("GET", "/v2/labelfiles", [&](Request&, Reply& reply) {
        replyWindow(reply, selection.window(SelectionKind::LabelFile), "label_file_path");
    });
    router.add("PUT", "/v2/newproject",
               [&](Request&, Reply& reply) { replyImportRequest(services, reply); });

    // The import status is global, as in the reference: the type segment is not used.
    router.add("GET", "/v2/{type}/projects/importstatus", [&](Request&, Reply& reply) {
        auto state = services.imports->state();
        auto body = Reply::envelope();
        body->set("file_system_status", static_cast<int>(state.status));
        body->set("file_system_message", fileSystemMessage(state.status));
        if (state.status == FileSystemStatus::DatabaseUpdated) {
            body->set("project_name", state.projectName);
            if (!state.renameMessage.empty()) {
                body->set("rename_message", state.renameMessage);
                body->set("original_project_name", state.requestedName);
            }
            body->set("missing_image_list", Reply::array(state.missing));
            body->set("unsupported_image_list", Reply::array(state.unsupported));
            body->set("changed_image_list", Reply::array(state.changed));
        }
        if (state.status == FileSystemStatus::Aborted) {
            body->set("error_message", state.failure);
        }
        reply.json(body);
    });
}

} // namespace classifai

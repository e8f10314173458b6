// Route groups: each adds its routes to the router. Handlers stay short: parse, call, reply.
#pragma once

namespace classifai {

class Router;
struct Services;

/// The prefix of the kernel's own routes, beside the classifai API.
inline constexpr const char* kSystemPrefix = "/api/system";

/// Health, plugin records and registered capabilities under kSystemPrefix.
void addSystemRoutes(Router& router, Services& services);

/// The project lifecycle routes of the classifai API.
void addProjectRoutes(Router& router, Services& services);

/// Thumbnails, image sources, adding, deleting and renaming images.
void addImageRoutes(Router& router, Services& services);

/// Saving annotations and project statistics.
void addAnnotationRoutes(Router& router, Services& services);

/// PUT /v2/close: answer, then shut down gracefully.
void addServerRoutes(Router& router, Services& services);

/// The folder and label-file selection windows, PUT /v2/newproject and the import status.
void addSelectionRoutes(Router& router, Services& services);

class Reply;
/// Opens the import window (PUT /v2/newproject, PUT /v2/projects with "status":"config").
void replyImportRequest(Services& services, Reply& reply);

/// Starting an export (PUT .../export/:export_type) and the export status.
void addExportRoutes(Router& router, Services& services);

/// Every route group, in one place.
void addAllRoutes(Router& router, Services& services);

} // namespace classifai

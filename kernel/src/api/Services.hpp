// What route groups may use: the kernel's services, built once in ServerApp::main.
#pragma once

#include <chrono>
#include <functional>

namespace classifai {

class AnnotationService;
class Database;
class ExportService;
class ImportService;
class ImageService;
class PluginHost;
class ProjectService;
class SelectionService;
struct Settings;

/// References to kernel services; all outlive the HTTP server.
struct Services {
    const Settings& settings;
    Database& database;
    const PluginHost& plugins;
    ProjectService& projects;
    std::chrono::steady_clock::time_point startedAt = std::chrono::steady_clock::now();
    ImageService* images = nullptr;           ///< set before routes are added
    AnnotationService* annotations = nullptr; ///< set before routes are added
    /// Starts the graceful shutdown (PUT /v2/close); returns at once.
    std::function<void()> requestShutdown = {};
    SelectionService* selection = nullptr; ///< selection windows; set before routes are added
    ImportService* imports = nullptr;      ///< project import; set before routes are added
    ExportService* exports = nullptr;      ///< project export; set before routes are added
};

} // namespace classifai

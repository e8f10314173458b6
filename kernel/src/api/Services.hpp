// What route groups may use: the kernel's services, built once in ServerApp::main.
#pragma once

#include <chrono>

namespace classifai {

class Database;
class ImportService;
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
    SelectionService* selection = nullptr; ///< selection windows; set before routes are added
    ImportService* imports = nullptr;      ///< project import; set before routes are added
};

} // namespace classifai

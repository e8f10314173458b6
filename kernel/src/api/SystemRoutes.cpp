// System routes: health, plugin records and the capabilities plugins registered.
#include "api/Routes.hpp"
#include "api/Services.hpp"
#include "http/HttpError.hpp"
#include "http/Reply.hpp"
#include "http/Request.hpp"
#include "http/Router.hpp"
#include "plugin/PluginHost.hpp"

#include <Poco/JSON/Array.h>
#include <Poco/Logger.h>

#include <algorithm>

#include <string>

namespace classifai {

namespace {

Poco::JSON::Object::Ptr recordJson(const PluginRecord& record) {
    auto item = Reply::object();
    item->set("file", record.file);
    item->set("id", record.id);
    item->set("version", record.version);
    item->set("summary", record.summary);
    item->set("state", record.loaded ? "loaded" : "failed");
    if (!record.loaded) {
        item->set("stage", record.stage);
        item->set("reason", record.reason);
    }
    Poco::JSON::Array::Ptr capabilities = new Poco::JSON::Array;
    for (const auto& capability : record.capabilities) {
        auto entry = Reply::object();
        entry->set("kind", capability.kind);
        entry->set("id", capability.id);
        capabilities->add(entry);
    }
    item->set("capabilities", capabilities);
    return item;
}

Poco::JSON::Object::Ptr capabilitiesJson(const Registry& registry) {
    auto body = Reply::envelope();
    Poco::JSON::Array::Ptr types = new Poco::JSON::Array;
    for (const auto* type : registry.annotationTypes()) {
        auto item = Reply::object();
        item->set("id", type->id());
        item->set("name", type->displayName());
        item->set("aliases", Reply::array(type->aliases()));
        item->set("list_key", type->listKey());
        item->set("plugin", registry.ownerOf("annotation_type", type->id()));
        types->add(item);
    }
    body->set("annotation_types", types);

    Poco::JSON::Array::Ptr exporters = new Poco::JSON::Array;
    for (const auto* exporter : registry.exporters()) {
        auto item = Reply::object();
        item->set("id", exporter->id());
        item->set("name", exporter->displayName());
        item->set("annotation_types", Reply::array(exporter->supportedTypes()));
        item->set("multi_file", exporter->multiFile());
        item->set("extension", exporter->multiFile() ? "zip" : exporter->fileExtension());
        item->set("plugin", registry.ownerOf("exporter", exporter->id()));
        exporters->add(item);
    }
    body->set("exporters", exporters);

    Poco::JSON::Array::Ptr backends = new Poco::JSON::Array;
    for (const auto* backend : registry.dialogBackends()) {
        auto item = Reply::object();
        item->set("id", backend->id());
        item->set("operating_systems", Reply::array(backend->operatingSystems()));
        auto available = backend->available();
        item->set("available", available.ok());
        if (!available.ok()) {
            item->set("reason", available.error().message);
        }
        item->set("plugin", registry.ownerOf("dialog_backend", backend->id()));
        backends->add(item);
    }
    body->set("dialog_backends", backends);
    return body;
}

} // namespace

void addSystemRoutes(Router& router, Services& services) {
    const std::string prefix = kSystemPrefix;

    router.add("GET", prefix + "/health", [&services](Request&, Reply& reply) {
        auto body = Reply::envelope();
        body->set("status", "ok");
        body->set("version", CLASSIFAI_VERSION);
        auto uptime = std::chrono::steady_clock::now() - services.startedAt;
        body->set("uptime_seconds",
                  std::chrono::duration_cast<std::chrono::seconds>(uptime).count());
        reply.json(body);
    });

    router.add("GET", prefix + "/plugins", [&services](Request&, Reply& reply) {
        auto body = Reply::envelope();
        Poco::JSON::Array::Ptr plugins = new Poco::JSON::Array;
        for (const auto& record : services.plugins.records()) {
            plugins->add(recordJson(record));
        }
        body->set("plugins", plugins);
        reply.json(body);
    });

    // Changes how much the server logs without a restart, e.g. {"level": "debug"}.
    router.add("PUT", prefix + "/logging", [](Request& request, Reply& reply) {
        auto level = requireString(request.jsonObject(), "level");
        static const std::vector<std::string> levels{"fatal",  "critical",    "error", "warning",
                                                     "notice", "information", "debug", "trace"};
        if (std::find(levels.begin(), levels.end(), level) == levels.end()) {
            throw HttpError(400, "Field 'level' must be one of: fatal, critical, error, warning, "
                                 "notice, information, debug, trace");
        }
        std::vector<std::string> names;
        Poco::Logger::names(names);
        for (const auto& name : names) {
            Poco::Logger::get(name).setLevel(level);
        }
        Poco::Logger::root().setLevel(level);
        Poco::Logger::get("classifai").notice("log level set to " + level);
        auto body = Reply::envelope();
        body->set("level", level);
        reply.json(body);
    });

    router.add("GET", prefix + "/capabilities", [&services](Request&, Reply& reply) {
        reply.json(capabilitiesJson(services.plugins.registry()));
    });
}

} // namespace classifai

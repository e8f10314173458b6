#include "plugin/PluginHost.hpp"

#include "plugin/LoadedPlugin.hpp"
#include "plugin/PluginContextImpl.hpp"

#include <classifai/sdk/Plugin.hpp>

#include <Poco/Logger.h>
#include <fmt/format.h>

#include <dlfcn.h>

#include <algorithm>
#include <cstring>
#include <exception>
#include <set>
#include <system_error>
#include <utility>

namespace classifai {

namespace fs = std::filesystem;

namespace {

Poco::Logger& logger() {
    return Poco::Logger::get("classifai.plugins");
}

// Every symbol is resolved at dlopen, so a missing one is a catchable `open` failure instead of
// a process killed at the first call; RTLD_LOCAL keeps one plugin's symbols from interposing on
// another's.
constexpr auto kLoadMode = boost::dll::load_mode::rtld_now | boost::dll::load_mode::rtld_local;

// The descriptor's load pointer is typed noexcept: that is the plugin's promise. Calling through
// a pointer without noexcept (a standard conversion) keeps the kernel's catch-all effective when
// a hand-written plugin breaks that promise; through the noexcept type the throw would terminate.
using UncheckedLoad = sdk::Result<void> (*)(sdk::PluginContext&);
using UncheckedEntry = const sdk::PluginInfo* (*)();

std::string orEmpty(const char* text) {
    return text == nullptr ? std::string() : text;
}

bool isValidPluginId(const std::string& id) {
    return !id.empty() && std::all_of(id.begin(), id.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
    });
}

std::string humanKind(const std::string& kind) {
    std::string text = kind;
    std::replace(text.begin(), text.end(), '_', ' ');
    return text;
}

std::string describe(const std::vector<Capability>& capabilities) {
    std::string text;
    for (const Capability& capability : capabilities) {
        text += (text.empty() ? "" : ", ") + capability.kind + " " + capability.id;
    }
    return text;
}

// Why the staged registrations cannot be committed, or empty when every (kind, id) and every
// annotation type alias is new to the registry and to this plugin.
std::string findDuplicate(const std::vector<StagedCapability>& staged, const Registry& registry) {
    std::set<std::pair<std::string, std::string>> seen;
    auto check = [&](const std::string& kind, const std::string& name,
                     const char* what) -> std::string {
        if (const std::string owner = registry.ownerOf(kind, name); !owner.empty()) {
            return fmt::format("duplicate {} {} '{}' (already provided by {})", humanKind(kind),
                               what, name, owner);
        }
        if (!seen.emplace(kind, name).second) {
            return fmt::format("duplicate {} {} '{}' (registered twice by this plugin)",
                               humanKind(kind), what, name);
        }
        return {};
    };
    for (const StagedCapability& capability : staged) {
        if (std::string problem = check(capability.kind, capability.id, "id"); !problem.empty()) {
            return problem;
        }
        for (const std::string& alias : capability.aliases) {
            if (alias == capability.id) {
                continue;
            }
            if (std::string problem = check(capability.kind, alias, "alias"); !problem.empty()) {
                return problem;
            }
        }
    }
    return {};
}

} // namespace

PluginHost::PluginHost(const Poco::Util::AbstractConfiguration& config) : _config(config) {}

PluginHost::~PluginHost() {
    // Reverse load order, like any stack of resources; each LoadedPlugin destroys its objects
    // before its library handle.
    while (!_plugins.empty()) {
        _plugins.pop_back();
    }
}

void PluginHost::loadAll(const fs::path& directory, const std::set<std::string>& disabled) {
    std::vector<fs::path> files;
    try {
        std::error_code error;
        if (!fs::is_directory(directory, error)) {
            logger().warning(fmt::format("plugin folder {} does not exist; no plugins loaded",
                                         directory.string()));
            return;
        }
        for (fs::directory_iterator it(directory, error), end; !error && it != end;
             it.increment(error)) {
            std::error_code typeError;
            if (it->path().extension() == ".so" && it->is_regular_file(typeError)) {
                files.push_back(it->path());
            }
        }
        if (error) {
            logger().warning(fmt::format("cannot list plugin folder {}: {}", directory.string(),
                                         error.message()));
        }
    } catch (const std::exception& e) {
        logger().error(
            fmt::format("cannot list plugin folder {}: {}", directory.string(), e.what()));
        return;
    }
    // Sorted, so the first file to claim an id is the same on every start.
    std::sort(files.begin(), files.end());
    for (const fs::path& file : files) {
        if (disabled.count(file.stem().string()) != 0) {
            logger().information(
                fmt::format("skipped {}: disabled in the configuration", file.filename().string()));
            continue;
        }
        try {
            loadFile(file);
        } catch (const std::exception& e) {
            // loadFile records its own failures; this only catches running out of memory.
            logger().error(fmt::format("cannot load {}: {}", file.string(), e.what()));
        }
    }
}

const PluginRecord& PluginHost::loadFile(const fs::path& file) {
    PluginRecord record;
    std::error_code error;
    const fs::path absolute = fs::absolute(file, error);
    const fs::path path = (error ? file : absolute).lexically_normal();
    record.file = path.string();
    try {
        runStages(path, record);
    } catch (const std::exception& e) {
        // Stages report expected failures themselves; this is the kernel's own surprise, kept at
        // the stage that was running so the record still says where.
        record.loaded = false;
        record.reason = std::string("unexpected error: ") + e.what();
    } catch (...) {
        record.loaded = false;
        record.reason = "unexpected non-standard exception";
    }
    const std::string fileName = fs::path(record.file).filename().string();
    if (record.loaded) {
        logger().information(fmt::format("loaded {}: {} {} ({})", fileName, record.id,
                                         record.version, describe(record.capabilities)));
    } else {
        logger().warning(fmt::format("failed {} at {}: {}", fileName, record.stage, record.reason));
    }
    _records.push_back(std::move(record));
    return _records.back();
}

void PluginHost::runStages(const fs::path& file, PluginRecord& record) {
    const std::string fileName = file.filename().string();
    const std::string stem = file.stem().string();
    auto fail = [&record](std::string reason) { record.reason = std::move(reason); };

    record.stage = "open";
    auto plugin = std::make_unique<LoadedPlugin>();
    boost::dll::fs::error_code openError;
    plugin->library.load(file, kLoadMode, openError);
    if (openError) {
        // Boost's own message wraps dlerror() in an unrelated errno text; dlerror() is what
        // names the missing file, the bad ELF header or the undefined symbol.
        const char* dlText = ::dlerror();
        return fail("cannot open library: " + (dlText ? std::string(dlText) : openError.message()));
    }
    // From here on the library stays mapped for the host's lifetime, whatever happens next.
    LoadedPlugin& loaded = *plugin;
    _plugins.push_back(std::move(plugin));

    record.stage = "entry";
    if (!loaded.library.has(sdk::kEntryPointName)) {
        return fail(fmt::format("the library exports no '{}' (declare the plugin with "
                                "CLASSIFAI_PLUGIN)",
                                sdk::kEntryPointName));
    }
    const UncheckedEntry entry =
        &loaded.library.get<const sdk::PluginInfo*() noexcept>(sdk::kEntryPointName);
    const sdk::PluginInfo* info = nullptr;
    try {
        info = entry();
    } catch (...) {
        return fail("the entry point threw an exception");
    }
    if (info == nullptr) {
        return fail("the entry point returned no descriptor");
    }

    // Only the frozen C header (versions, ABI tag) is read before these checks pass.
    record.stage = "version";
    if (info->apiMajor != sdk::kApiMajor) {
        return fail(fmt::format("requires SDK {}.x, kernel provides {}.{}", info->apiMajor,
                                sdk::kApiMajor, sdk::kApiMinor));
    }
    if (info->apiMinor > sdk::kApiMinor) {
        return fail(fmt::format("requires SDK {}.{}, kernel provides {}.{}", info->apiMajor,
                                info->apiMinor, sdk::kApiMajor, sdk::kApiMinor));
    }

    record.stage = "abi";
    if (info->abiTag == nullptr || std::strcmp(info->abiTag, CLASSIFAI_ABI_TAG) != 0) {
        return fail(fmt::format("built for ABI '{}', kernel uses '{}'",
                                info->abiTag ? info->abiTag : "(none)", CLASSIFAI_ABI_TAG));
    }

    record.stage = "id";
    record.id = orEmpty(info->id);
    record.version = orEmpty(info->version);
    record.summary = orEmpty(info->summary);
    if (record.id.empty()) {
        return fail("the descriptor has no plugin id");
    }
    if (!isValidPluginId(record.id)) {
        return fail(fmt::format("plugin id '{}' is invalid: use lowercase letters, digits and '-'",
                                record.id));
    }
    if (record.id != stem) {
        return fail(fmt::format("plugin id '{}' does not match the file name '{}' (name the file "
                                "{}.so)",
                                record.id, fileName, record.id));
    }
    for (const PluginRecord& other : _records) {
        if (other.loaded && other.id == record.id) {
            return fail(
                fmt::format("plugin id '{}' is already loaded from {}", record.id, other.file));
        }
    }

    record.stage = "load";
    if (info->load == nullptr) {
        return fail("the descriptor has no load function");
    }
    // Objects staged by a plugin that is then refused die with the context, at the end of this
    // function, while `loaded` still keeps their code mapped.
    PluginContextImpl context(record.id, fileName, _config);
    const UncheckedLoad load = info->load;
    try {
        const sdk::Result<void> result = load(context);
        if (!result) {
            const std::string& message = result.error().message;
            return fail(message.empty() ? "load failed without a message" : message);
        }
    } catch (const std::exception& e) {
        return fail(std::string("load threw: ") + e.what());
    } catch (...) {
        return fail("load threw a non-standard exception");
    }

    record.stage = "register";
    if (!context.firstRejection().empty()) {
        return fail(context.firstRejection());
    }
    if (std::string duplicate = findDuplicate(context.staged(), _registry); !duplicate.empty()) {
        return fail(std::move(duplicate));
    }
    std::vector<Capability> capabilities;
    try {
        // Ownership moves to `loaded` before the registry sees a pointer, so no registry entry can
        // ever point at a destroyed object.
        for (StagedCapability& staged : context.staged()) {
            if (staged.annotationType) {
                loaded.annotationTypes.push_back(std::move(staged.annotationType));
                _registry.addAnnotationType(loaded.annotationTypes.back().get(), fileName);
            } else if (staged.exporter) {
                loaded.exporters.push_back(std::move(staged.exporter));
                _registry.addExporter(loaded.exporters.back().get(), fileName);
            } else if (staged.dialogBackend) {
                loaded.dialogBackends.push_back(std::move(staged.dialogBackend));
                _registry.addDialogBackend(loaded.dialogBackends.back().get(), fileName);
            }
            capabilities.push_back({staged.kind, staged.id});
        }
    } catch (const std::exception& e) {
        // Only a plugin whose id() or aliases() throws, or answers differently the second time,
        // gets here. Entries it already committed stay valid: `loaded` owns their objects.
        return fail(std::string("registration failed: ") + e.what());
    } catch (...) {
        return fail("registration failed: a plugin method threw");
    }

    record.capabilities = std::move(capabilities);
    record.loaded = true;
    record.stage.clear();
    record.reason.clear();
}

} // namespace classifai

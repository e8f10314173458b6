// One opened plugin library and the capability objects it created.
#pragma once

#include <classifai/sdk/AnnotationType.hpp>
#include <classifai/sdk/DialogBackend.hpp>
#include <classifai/sdk/Exporter.hpp>

#include <boost/dll/shared_library.hpp>

#include <memory>
#include <vector>

namespace classifai {

/// Owns a plugin's library handle together with every object the plugin's code created.
///
/// Member order is the point of this struct: C++ destroys members in reverse declaration order,
/// so the objects (whose vtables and destructors live in the library) are destroyed while the
/// library is still mapped, and the handle is released last. Kept even for a plugin that failed
/// after `open`, because its code may already have run (static constructors, load) and left
/// state that must not outlive the mapping while the server runs.
struct LoadedPlugin {
    boost::dll::shared_library library;
    std::vector<std::unique_ptr<sdk::AnnotationType>> annotationTypes;
    std::vector<std::unique_ptr<sdk::Exporter>> exporters;
    std::vector<std::unique_ptr<sdk::DialogBackend>> dialogBackends;
};

} // namespace classifai

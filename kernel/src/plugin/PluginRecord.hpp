#pragma once

#include <string>
#include <vector>

namespace classifai {

/// One capability a plugin registered: its kind (`annotation_type`, `exporter`,
/// `dialog_backend`) and id.
struct Capability {
    std::string kind;
    std::string id;
};

/// What happened to one plugin file at start-up.
struct PluginRecord {
    std::string file;    ///< absolute path of the library
    std::string id;      ///< from the descriptor, empty when it could not be read
    std::string version; ///< from the descriptor
    std::string summary; ///< from the descriptor
    bool loaded = false;
    std::string stage;  ///< where it failed: open, entry, version, abi, id, load, register
    std::string reason; ///< why it failed, for people
    std::vector<Capability> capabilities; ///< what it registered (empty when failed)
};

} // namespace classifai

#include "project/ProjectActivity.hpp"

namespace classifai {

const char* fileSystemMessage(FileSystemStatus status) {
    switch (status) {
    case FileSystemStatus::DidNotInitiate:
        return "DID_NOT_INITIATED";
    case FileSystemStatus::IteratingFolder:
        return "ITERATING_FOLDER";
    case FileSystemStatus::DatabaseUpdating:
        return "DATABASE_UPDATING";
    case FileSystemStatus::DatabaseUpdated:
        return "DATABASE_UPDATED";
    case FileSystemStatus::DatabaseNotUpdated:
        return "DATABASE_NOT_UPDATED";
    case FileSystemStatus::Aborted:
        return "ABORTED";
    }
    return "DID_NOT_INITIATED";
}

ProjectActivity ActivityBoard::get(const std::string& projectId) const {
    std::lock_guard lock(_mutex);
    auto found = _activities.find(projectId);
    return found == _activities.end() ? ProjectActivity{} : found->second;
}

void ActivityBoard::update(const std::string& projectId,
                           const std::function<void(ProjectActivity&)>& change) {
    std::lock_guard lock(_mutex);
    change(_activities[projectId]);
}

bool ActivityBoard::tryBegin(const std::string& projectId, const std::string& job) {
    std::lock_guard lock(_mutex);
    auto& activity = _activities[projectId];
    if (!activity.busyWith.empty()) {
        return false;
    }
    activity.busyWith = job;
    return true;
}

void ActivityBoard::erase(const std::string& projectId) {
    std::lock_guard lock(_mutex);
    _activities.erase(projectId);
}

void ActivityBoard::rename(const std::string& from, const std::string& to) {
    std::lock_guard lock(_mutex);
    auto found = _activities.find(from);
    if (found == _activities.end()) {
        return;
    }
    _activities[to] = std::move(found->second);
    _activities.erase(found);
}

} // namespace classifai

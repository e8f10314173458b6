// A fresh directory per test for real SQLite files, removed afterwards.
#pragma once

#include "store/Database.hpp"
#include "store/Ids.hpp"

#include <filesystem>
#include <string>
#include <system_error>

namespace classifai::test {

/// A unique directory under the system temp dir; deleted with everything in it on destruction.
class TempDir {
public:
    TempDir()
        : _path(std::filesystem::temp_directory_path() / ("classifai-store-test-" + newUuid())) {
        std::filesystem::create_directories(_path);
    }
    ~TempDir() {
        std::error_code ignored;
        std::filesystem::remove_all(_path, ignored);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    const std::filesystem::path& path() const { return _path; }

private:
    std::filesystem::path _path;
};

inline Database::Options sqliteOptions(const std::filesystem::path& file, int readerSessions = 4) {
    Database::Options options;
    options.connection = file.string();
    options.readerSessions = readerSessions;
    return options;
}

} // namespace classifai::test

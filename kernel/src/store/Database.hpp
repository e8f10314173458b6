// The database: one writer session, a few reader sessions, numbered migrations.
#pragma once

#include "store/Dialect.hpp"

#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

namespace Poco::Data {
class Session;
} // namespace Poco::Data

namespace classifai {

/// Opens the store and brings its schema up to date.
///
/// SQLite (the embedded default): one file, WAL journal, foreign keys on, a busy timeout, and a
/// single writer session guarded by a mutex so writes never fight each other. Readers borrow one
/// of a few sessions. Every write runs in a transaction and returns only after COMMIT.
/// Thread-safe. Only classes in store/ use it; nothing else writes SQL.
class Database {
public:
    struct Options {
        std::string connector = "SQLite"; ///< Poco::Data connector name
        std::string connection;           ///< SQLite: the database file path
        int busyTimeoutMs = 5000;
        int readerSessions = 4;
    };

    /// Opens (creating the file and its parent directory if missing) and migrates the database.
    /// Throws std::runtime_error with the path and the reason when the file cannot be opened, is
    /// not a database, fails its quick check, cannot use WAL, or has a schema newer than this
    /// build knows; std::invalid_argument for an unknown connector or an in-memory path.
    explicit Database(Options options);
    /// Closes every session. No read() or write() may still be running.
    ~Database();
    Database(const Database&) = delete;
    Database& operator=(const Database&) = delete;

    /// Runs `work` inside one transaction on the writer session; commits when it returns, rolls
    /// back and rethrows when it throws. Thread-safe: writers queue on a mutex. Must not be
    /// called from inside another write() on the same thread (it would wait for itself).
    void write(const std::function<void(Poco::Data::Session&)>& work);
    /// Runs `work` on a reader session (consistent snapshot for the duration of the call).
    /// Thread-safe: blocks while all reader sessions are busy. The session refuses writes.
    /// Calling read() from inside read() can deadlock when readerSessions is 1.
    void read(const std::function<void(Poco::Data::Session&)>& work);

    /// The schema version after migrations (the number of the last migration applied).
    int schemaVersion();
    /// The connector in use ("SQLite" or "PostgreSQL"), for the few dialect differences.
    const std::string& connector() const { return _options.connector; }

private:
    Poco::Data::Session openSession(bool readOnly);
    void prepareSqliteFile();
    void checkSqliteFile(Poco::Data::Session& session);
    void migrate();
    int appliedVersion(Poco::Data::Session& session);
    std::unique_ptr<Poco::Data::Session> borrowReader();
    void returnReader(std::unique_ptr<Poco::Data::Session> session);

    Options _options;
    Dialect _dialect;
    std::mutex _writerMutex;
    std::unique_ptr<Poco::Data::Session> _writer;
    std::mutex _readersMutex;
    std::condition_variable _readerReturned;
    std::deque<std::unique_ptr<Poco::Data::Session>> _idleReaders;
    int _openReaders = 0; ///< idle + borrowed, guarded by _readersMutex
};

} // namespace classifai

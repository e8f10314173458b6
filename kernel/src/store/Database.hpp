// The database: one writer session, a few reader sessions, numbered migrations.
#pragma once

#include <Poco/Data/Session.h>

#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

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

    explicit Database(Options options);
    ~Database();
    Database(const Database&) = delete;
    Database& operator=(const Database&) = delete;

    /// Runs `work` inside one transaction on the writer session; commits when it returns, rolls
    /// back and rethrows when it throws.
    void write(const std::function<void(Poco::Data::Session&)>& work);
    /// Runs `work` on a reader session (consistent snapshot for the duration of the call).
    void read(const std::function<void(Poco::Data::Session&)>& work);

    /// The schema version after migrations (the number of the last migration applied).
    int schemaVersion();
    /// The connector in use ("SQLite" or "PostgreSQL"), for the few dialect differences.
    const std::string& connector() const { return _options.connector; }

private:
    Poco::Data::Session openSession();
    void migrate();

    Options _options;
    std::mutex _writerMutex;
    std::unique_ptr<Poco::Data::Session> _writer;
    std::mutex _readersMutex;
    std::condition_variable _readerReturned;
    std::deque<std::unique_ptr<Poco::Data::Session>> _idleReaders;
};

} // namespace classifai

// The database: one writer session, a few reader sessions, numbered migrations.
#include "store/Database.hpp"

#include "store/Ids.hpp"
#include "store/Migrations.hpp"

#include <Poco/Data/SQLite/Connector.h>
#include <Poco/Data/Session.h>
#include <Poco/Exception.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

using namespace Poco::Data::Keywords;
using Poco::Data::Session;

namespace classifai {

namespace {

void registerSqliteOnce() {
    static std::once_flag once;
    std::call_once(once, [] { Poco::Data::SQLite::Connector::registerConnector(); });
}

} // namespace

Database::Database(Options options) : _options(std::move(options)), _dialect(_options.connector) {
    if (_options.readerSessions < 1) {
        _options.readerSessions = 1;
    }
    const bool sqlite = _dialect.engine() == Dialect::Engine::SQLite;
    // PostgreSQL connection strings may carry a password: never put them in a message.
    const std::string where = sqlite ? "database " + _options.connection : "PostgreSQL database";
    if (sqlite) {
        registerSqliteOnce();
        prepareSqliteFile();
    }
    try {
        _writer = std::make_unique<Session>(openSession(false));
        if (sqlite) {
            checkSqliteFile(*_writer);
        }
        migrate();
    } catch (const Poco::Exception& e) {
        throw std::runtime_error("cannot open " + where + ": " + e.displayText());
    }
}

Database::~Database() {
    {
        std::lock_guard<std::mutex> lock(_readersMutex);
        _idleReaders.clear();
    }
    // The writer closes last: the last connection to go checkpoints and removes the WAL file.
    _writer.reset();
}

void Database::write(const std::function<void(Session&)>& work) {
    std::lock_guard<std::mutex> lock(_writerMutex);
    if (!_writer) {
        _writer = std::make_unique<Session>(openSession(false));
    }
    Session& session = *_writer;
    session << _dialect.beginWrite(), now;
    try {
        work(session);
        session << "COMMIT", now;
    } catch (...) {
        try {
            session << "ROLLBACK", now;
        } catch (...) {
            // The session's state is unknown (SQLite may already have rolled back on its own):
            // drop it, the next write opens a fresh one.
            _writer.reset();
        }
        throw;
    }
}

void Database::read(const std::function<void(Session&)>& work) {
    std::unique_ptr<Session> session = borrowReader();
    auto finish = [this, &session](const char* sql) {
        try {
            *session << sql, now;
        } catch (...) {
            session.reset(); // broken: returnReader(nullptr) frees its slot
        }
        returnReader(std::move(session));
    };
    try {
        *session << _dialect.beginRead(), now;
    } catch (...) {
        returnReader(nullptr);
        throw;
    }
    try {
        work(*session);
    } catch (...) {
        finish("ROLLBACK");
        throw;
    }
    finish("COMMIT");
}

int Database::schemaVersion() {
    int version = 0;
    read([&](Session& session) { version = appliedVersion(session); });
    return version;
}

Session Database::openSession(bool readOnly) {
    Session session(_options.connector, _options.connection);
    for (const std::string& statement : _dialect.sessionSetup(_options.busyTimeoutMs, readOnly)) {
        session << statement, now;
    }
    return session;
}

void Database::prepareSqliteFile() {
    namespace fs = std::filesystem;
    const std::string& path = _options.connection;
    // Readers and the writer are separate connections that meet only through the file.
    if (path.empty() || path == ":memory:" || path.rfind("file:", 0) == 0) {
        throw std::invalid_argument("the SQLite store needs a plain database file path, got '" +
                                    path + "'");
    }
    try {
        const fs::path file(path);
        const fs::path parent = file.parent_path();
        if (!parent.empty() && !fs::exists(parent)) {
            fs::create_directories(parent);
            fs::permissions(parent, fs::perms::owner_all, fs::perm_options::replace);
        }
        // Created here, before SQLite opens it, so the -wal and -shm files SQLite derives from
        // it inherit owner-only permissions: annotations are nobody else's business.
        if (!fs::exists(file)) {
            std::ofstream(file, std::ios::binary | std::ios::app).close();
            fs::permissions(file, fs::perms::owner_read | fs::perms::owner_write,
                            fs::perm_options::replace);
        }
    } catch (const fs::filesystem_error& e) {
        throw std::runtime_error("cannot create database file " + path + ": " + e.what());
    }
}

void Database::checkSqliteFile(Session& session) {
    std::vector<std::string> problems;
    session << "PRAGMA quick_check", into(problems), now;
    if (problems.size() != 1 || problems.front() != "ok") {
        throw std::runtime_error("database " + _options.connection + " is damaged (quick_check: " +
                                 (problems.empty() ? std::string("no answer") : problems.front()) +
                                 "); restore a backup or move the file away");
    }
    // WAL lets readers work while the writer commits. The mode is stored in the file, so
    // setting it once per open is enough; SQLite answers with the mode it could set.
    std::string mode;
    session << "PRAGMA journal_mode = WAL", into(mode), now;
    if (mode != "wal") {
        throw std::runtime_error("database " + _options.connection +
                                 " cannot use a WAL journal (SQLite kept '" + mode +
                                 "'); is it on a network filesystem?");
    }
}

int Database::appliedVersion(Session& session) {
    int version = 0;
    session << "SELECT COALESCE(MAX(version), 0) FROM schema_migrations", into(version), now;
    return version;
}

void Database::migrate() {
    const std::vector<Migration>& all = migrations();
    for (std::size_t i = 0; i < all.size(); ++i) {
        if (all[i].number != static_cast<int>(i) + 1) {
            throw std::logic_error("migrations must be numbered 1, 2, 3 ... without gaps");
        }
    }
    const int known = all.empty() ? 0 : all.back().number;

    int current = 0;
    write([&](Session& session) {
        session << "CREATE TABLE IF NOT EXISTS schema_migrations ("
                   "version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)",
            now;
        current = appliedVersion(session);
    });
    if (current > known) {
        // Old code on a new schema could silently drop or misread what the newer server wrote.
        throw std::runtime_error(
            "database " +
            (_dialect.engine() == Dialect::Engine::SQLite ? _options.connection
                                                          : std::string("(PostgreSQL)")) +
            " has schema version " + std::to_string(current) +
            ", newer than this build of classifai knows (up to " + std::to_string(known) +
            "); run the newer classifai that wrote it, or use another data directory");
    }

    for (const Migration& migration : all) {
        if (migration.number <= current) {
            continue;
        }
        try {
            write([&](Session& session) {
                // Another process may have applied it since we looked; the write lock is
                // ours now, so this answer holds until commit.
                if (appliedVersion(session) >= migration.number) {
                    return;
                }
                for (const std::string& statement : migration.statements) {
                    session << statement, now;
                }
                int number = migration.number;
                std::string appliedAt = nowUtcIso();
                session << _dialect.sql(
                    "INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)"),
                    use(number), use(appliedAt), now;
            });
        } catch (const Poco::Exception& e) {
            throw std::runtime_error("migration " + std::to_string(migration.number) + " (" +
                                     migration.description + ") failed: " + e.displayText());
        }
    }
}

std::unique_ptr<Session> Database::borrowReader() {
    std::unique_lock<std::mutex> lock(_readersMutex);
    _readerReturned.wait(
        lock, [this] { return !_idleReaders.empty() || _openReaders < _options.readerSessions; });
    if (!_idleReaders.empty()) {
        std::unique_ptr<Session> session = std::move(_idleReaders.front());
        _idleReaders.pop_front();
        return session;
    }
    ++_openReaders; // reserve the slot, then connect without holding the lock
    lock.unlock();
    try {
        return std::make_unique<Session>(openSession(true));
    } catch (...) {
        returnReader(nullptr);
        throw;
    }
}

void Database::returnReader(std::unique_ptr<Session> session) {
    {
        std::lock_guard<std::mutex> lock(_readersMutex);
        if (session) {
            _idleReaders.push_back(std::move(session));
        } else {
            --_openReaders;
        }
    }
    _readerReturned.notify_one();
}

} // namespace classifai

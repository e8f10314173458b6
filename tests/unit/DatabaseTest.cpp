// Database: migrations, SQLite settings, transactions and session sharing on real files.
#include "StoreTestSupport.hpp"

#include "store/Database.hpp"
#include "store/Dialect.hpp"

#include <Poco/Data/Session.h>
#include <Poco/Data/Statement.h>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <fstream>
#include <stdexcept>
#include <thread>
#include <vector>

using namespace Poco::Data::Keywords;
using Poco::Data::Session;

namespace classifai {
namespace {

class DatabaseTest : public ::testing::Test {
protected:
    std::filesystem::path dbFile() const { return _dir.path() / "classifai.db"; }

    static void insertProject(Session& session, const std::string& id) {
        std::string name = "p-" + id;
        session << "INSERT INTO projects (id, name, annotation_type, root_path, is_new, "
                   "is_starred, labels, version_uuid, created_at, modified_at) "
                   "VALUES (?, ?, 'bndbox', '/data', 1, 0, '[]', 'v', 't', 't')",
            useRef(id), use(name), now;
    }

    static std::int64_t countProjects(Database& database) {
        std::int64_t count = 0;
        database.read([&](Session& session) {
            session << "SELECT COUNT(*) FROM projects", into(count), now;
        });
        return count;
    }

    test::TempDir _dir;
};

TEST_F(DatabaseTest, AppliesMigrationsOnceAndKeepsVersionAcrossReopen) {
    std::string firstAppliedAt;
    {
        Database database(test::sqliteOptions(dbFile()));
        EXPECT_EQ(database.schemaVersion(), 1);
        database.read([&](Session& session) {
            session << "SELECT applied_at FROM schema_migrations WHERE version = 1",
                into(firstAppliedAt), now;
        });
        EXPECT_FALSE(firstAppliedAt.empty());
    }
    Database reopened(test::sqliteOptions(dbFile()));
    EXPECT_EQ(reopened.schemaVersion(), 1);
    std::vector<int> versions;
    std::string appliedAt;
    reopened.read([&](Session& session) {
        session << "SELECT version FROM schema_migrations", into(versions), now;
        session << "SELECT applied_at FROM schema_migrations WHERE version = 1", into(appliedAt),
            now;
    });
    EXPECT_EQ(versions, std::vector<int>{1});
    EXPECT_EQ(appliedAt, firstAppliedAt);
}

TEST_F(DatabaseTest, CreatesMissingParentDirectories) {
    const auto nested = _dir.path() / "a" / "b" / "store.db";
    Database database(test::sqliteOptions(nested));
    EXPECT_TRUE(std::filesystem::exists(nested));
    EXPECT_EQ(database.schemaVersion(), 1);
}

TEST_F(DatabaseTest, NewFileIsReadableByOwnerOnly) {
    Database database(test::sqliteOptions(dbFile()));
    const auto perms = std::filesystem::status(dbFile()).permissions();
    EXPECT_EQ(perms & std::filesystem::perms::all,
              std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
}

TEST_F(DatabaseTest, UsesWalJournalFullSyncAndForeignKeys) {
    Database database(test::sqliteOptions(dbFile()));
    std::string readerMode;
    database.read(
        [&](Session& session) { session << "PRAGMA journal_mode", into(readerMode), now; });
    EXPECT_EQ(readerMode, "wal");
    int synchronous = -1;
    int foreignKeys = -1;
    database.write([&](Session& session) {
        session << "PRAGMA synchronous", into(synchronous), now;
        session << "PRAGMA foreign_keys", into(foreignKeys), now;
    });
    EXPECT_EQ(synchronous, 2); // FULL
    EXPECT_EQ(foreignKeys, 1);
}

TEST_F(DatabaseTest, EnforcesForeignKeysAndCascadesDeletes) {
    Database database(test::sqliteOptions(dbFile()));
    EXPECT_ANY_THROW(database.write([](Session& session) {
        session
            << "INSERT INTO images (uuid, project_id, rel_path, position, size_bytes, "
               "mtime_ns, width, height, depth) VALUES ('i1', 'nope', 'a.jpg', 0, 0, 0, 0, 0, 0)",
            now;
    }));
    database.write([](Session& session) {
        insertProject(session, "p1");
        session << "INSERT INTO images (uuid, project_id, rel_path, position, size_bytes, "
                   "mtime_ns, width, height, depth) VALUES ('i1', 'p1', 'a.jpg', 0, 0, 0, 0, 0, 0)",
            now;
    });
    database.write(
        [](Session& session) { session << "DELETE FROM projects WHERE id = 'p1'", now; });
    std::int64_t images = -1;
    database.read(
        [&](Session& session) { session << "SELECT COUNT(*) FROM images", into(images), now; });
    EXPECT_EQ(images, 0);
}

TEST_F(DatabaseTest, ThrowingWriteRollsBackAndWriterStaysUsable) {
    Database database(test::sqliteOptions(dbFile()));
    const auto insertTwoThenFail = [](Session& session) {
        insertProject(session, "p1");
        insertProject(session, "p2");
        throw std::runtime_error("boom");
    };
    EXPECT_THROW(database.write(insertTwoThenFail), std::runtime_error);
    EXPECT_EQ(countProjects(database), 0);

    // A statement that fails half-way through a transaction undoes the earlier statements too.
    EXPECT_ANY_THROW(database.write([](Session& session) {
        insertProject(session, "p1");
        insertProject(session, "p1");
    }));
    EXPECT_EQ(countProjects(database), 0);

    database.write([](Session& session) { insertProject(session, "p3"); });
    EXPECT_EQ(countProjects(database), 1);
}

TEST_F(DatabaseTest, ReaderSessionsRefuseWrites) {
    Database database(test::sqliteOptions(dbFile()));
    EXPECT_ANY_THROW(database.read([](Session& session) { insertProject(session, "p1"); }));
    EXPECT_EQ(countProjects(database), 0);
    // The reader that failed went back to the pool in a usable state.
    EXPECT_EQ(database.schemaVersion(), 1);
}

TEST_F(DatabaseTest, CommittedDataSurvivesReopen) {
    const std::string createdAt = "2026-12-03T15:52:42.123Z";
    {
        Database database(test::sqliteOptions(dbFile()));
        database.write([&](Session& session) {
            session << "INSERT INTO projects (id, name, annotation_type, root_path, is_new, "
                       "is_starred, labels, version_uuid, created_at, modified_at) "
                       "VALUES ('p1', 'n', 'bndbox', '/data', 1, 0, '[]', 'v', ?, ?)",
                useRef(createdAt), useRef(createdAt), now;
        });
    }
    Database reopened(test::sqliteOptions(dbFile()));
    std::string stored;
    reopened.read([&](Session& session) {
        session << "SELECT created_at FROM projects WHERE id = 'p1'", into(stored), now;
    });
    EXPECT_EQ(stored, createdAt);
}

TEST_F(DatabaseTest, ConcurrentReadModifyWriteLosesNothing) {
    Database database(test::sqliteOptions(dbFile()));
    database.write([](Session& session) {
        insertProject(session, "p1");
        session << "INSERT INTO images (uuid, project_id, rel_path, position, size_bytes, "
                   "mtime_ns, width, height, depth) VALUES ('i1', 'p1', 'a.jpg', 0, 0, 0, 0, 0, 0)",
            now;
    });
    constexpr int threads = 8;
    constexpr int updatesPerThread = 50;
    std::atomic<bool> stop{false};
    std::atomic<int> reads{0};
    std::thread reader([&] {
        while (!stop) {
            int width = 0;
            database.read([&](Session& session) {
                session << "SELECT width FROM images WHERE uuid = 'i1'", into(width), now;
            });
            ++reads;
        }
    });
    std::vector<std::thread> writers;
    for (int t = 0; t < threads; ++t) {
        writers.emplace_back([&] {
            for (int i = 0; i < updatesPerThread; ++i) {
                database.write([](Session& session) {
                    int width = 0;
                    session << "SELECT width FROM images WHERE uuid = 'i1'", into(width), now;
                    ++width;
                    session << "UPDATE images SET width = ? WHERE uuid = 'i1'", use(width), now;
                });
            }
        });
    }
    for (auto& writer : writers) {
        writer.join();
    }
    stop = true;
    reader.join();
    int width = 0;
    database.read([&](Session& session) {
        session << "SELECT width FROM images WHERE uuid = 'i1'", into(width), now;
    });
    EXPECT_EQ(width, threads * updatesPerThread);
    EXPECT_GT(reads.load(), 0);
}

TEST_F(DatabaseTest, ReadWaitsForAFreeReaderSession) {
    Database database(test::sqliteOptions(dbFile(), 1));
    std::atomic<bool> firstInside{false};
    std::atomic<bool> firstDone{false};
    std::atomic<bool> secondSawFirstDone{false};
    std::thread first([&] {
        database.read([&](Session&) {
            firstInside = true;
            std::this_thread::sleep_for(std::chrono::milliseconds(150));
            firstDone = true;
        });
    });
    while (!firstInside) {
        std::this_thread::yield();
    }
    database.read([&](Session&) { secondSawFirstDone = firstDone.load(); });
    first.join();
    EXPECT_TRUE(secondSawFirstDone);
}

TEST_F(DatabaseTest, ReadSeesOneSnapshotWhileWritesCommit) {
    Database database(test::sqliteOptions(dbFile()));
    std::int64_t before = -1;
    std::int64_t after = -1;
    database.read([&](Session& session) {
        session << "SELECT COUNT(*) FROM projects", into(before), now;
        std::thread writer([&] { database.write([](Session& s) { insertProject(s, "p1"); }); });
        writer.join();
        session << "SELECT COUNT(*) FROM projects", into(after), now;
    });
    EXPECT_EQ(before, 0);
    EXPECT_EQ(after, 0);
    EXPECT_EQ(countProjects(database), 1);
}

TEST_F(DatabaseTest, RefusesSchemaNewerThanTheCode) {
    { Database database(test::sqliteOptions(dbFile())); }
    {
        Session raw("SQLite", dbFile().string());
        raw << "INSERT INTO schema_migrations (version, applied_at) VALUES (2, 'later')", now;
    }
    try {
        Database database(test::sqliteOptions(dbFile()));
        FAIL() << "a database from a newer schema was opened";
    } catch (const std::runtime_error& e) {
        const std::string message = e.what();
        EXPECT_NE(message.find("schema version 2"), std::string::npos) << message;
        EXPECT_NE(message.find("newer"), std::string::npos) << message;
        EXPECT_NE(message.find(dbFile().string()), std::string::npos) << message;
    }
}

TEST_F(DatabaseTest, RefusesAFileThatIsNotADatabase) {
    {
        std::ofstream garbage(dbFile(), std::ios::binary);
        garbage << std::string(8192, 'x');
    }
    try {
        Database database(test::sqliteOptions(dbFile()));
        FAIL() << "a garbage file was opened as a database";
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find(dbFile().string()), std::string::npos) << e.what();
    }
}

TEST_F(DatabaseTest, RefusesInMemoryDatabases) {
    Database::Options options;
    options.connection = ":memory:";
    EXPECT_THROW(Database database(options), std::invalid_argument);
}

TEST(DatabaseDialect, RewritesPlaceholdersForPostgreSqlOnly) {
    const std::string portable = "SELECT 'a?b', \"c?\" FROM t WHERE x = ? AND y = ?";
    EXPECT_EQ(Dialect("SQLite").sql(portable), portable);
    EXPECT_EQ(Dialect("PostgreSQL").sql(portable),
              "SELECT 'a?b', \"c?\" FROM t WHERE x = $1 AND y = $2");
    EXPECT_THROW(Dialect("Oracle"), std::invalid_argument);
}

} // namespace
} // namespace classifai

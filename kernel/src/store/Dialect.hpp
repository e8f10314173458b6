// The few SQL differences between the engines the store can run on, kept in one place.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace classifai {

/// What the repositories and Database need to know about the SQL engine behind a connector.
///
/// Repositories write portable SQL with `?` placeholders and pass it through `sql()`; anything
/// engine-specific (pragmas, how a transaction starts) is answered here. Immutable, so
/// thread-safe.
class Dialect {
public:
    enum class Engine { SQLite, PostgreSQL };

    /// Maps a Poco::Data connector name ("SQLite", "PostgreSQL") to its dialect.
    /// Throws std::invalid_argument for a connector the store has no dialect for.
    explicit Dialect(const std::string& connector);

    Engine engine() const { return _engine; }

    /// Statements run once on every new session, before it is used.
    std::vector<std::string> sessionSetup(int busyTimeoutMs, bool readOnly) const;
    /// Starts a write transaction that takes the write lock at once, so a transaction that
    /// reads before it writes cannot fail half-way with "database is locked".
    const char* beginWrite() const;
    /// Starts a read-only transaction: one consistent snapshot for all its statements.
    const char* beginRead() const;

    /// Rewrites portable `?` placeholders into the engine's syntax ($1, $2 ... for PostgreSQL).
    /// Question marks inside quoted literals are left alone.
    std::string sql(std::string_view portable) const;

private:
    Engine _engine;
};

} // namespace classifai

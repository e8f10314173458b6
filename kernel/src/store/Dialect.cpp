// The few SQL differences between SQLite and PostgreSQL.
#include "store/Dialect.hpp"

#include <stdexcept>

namespace classifai {

Dialect::Dialect(const std::string& connector) {
    if (connector == "SQLite") {
        _engine = Engine::SQLite;
    } else if (connector == "PostgreSQL") {
        _engine = Engine::PostgreSQL;
    } else {
        throw std::invalid_argument("no SQL dialect for database connector '" + connector +
                                    "' (known: SQLite, PostgreSQL)");
    }
}

std::vector<std::string> Dialect::sessionSetup(int busyTimeoutMs, bool readOnly) const {
    // Pragma values cannot be bound as parameters; the only value here is an int from config.
    const std::string timeout = std::to_string(busyTimeoutMs);
    if (_engine == Engine::PostgreSQL) {
        std::vector<std::string> setup{"SET lock_timeout = " + timeout};
        if (readOnly) {
            setup.emplace_back("SET default_transaction_read_only = on");
        }
        return setup;
    }
    std::vector<std::string> setup{
        // Off by default in SQLite for compatibility; ON DELETE CASCADE depends on it.
        "PRAGMA foreign_keys = ON",
        "PRAGMA busy_timeout = " + timeout,
        // A schema from a file we did not write must not run functions on our behalf.
        "PRAGMA trusted_schema = OFF",
    };
    if (readOnly) {
        setup.emplace_back("PRAGMA query_only = ON");
    } else {
        // FULL: an acknowledged annotation save survives a power loss, not only a crash.
        // NORMAL in WAL mode may roll back the last commits on power loss.
        setup.emplace_back("PRAGMA synchronous = FULL");
    }
    return setup;
}

const char* Dialect::beginWrite() const {
    return _engine == Engine::SQLite ? "BEGIN IMMEDIATE" : "BEGIN";
}

const char* Dialect::beginRead() const {
    return _engine == Engine::SQLite ? "BEGIN" : "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY";
}

std::string Dialect::sql(std::string_view portable) const {
    if (_engine == Engine::SQLite) {
        return std::string(portable);
    }
    std::string out;
    out.reserve(portable.size() + 16);
    int next = 1;
    char quote = 0;
    for (char c : portable) {
        if (quote != 0) {
            if (c == quote) {
                quote = 0;
            }
            out += c;
        } else if (c == '\'' || c == '"') {
            quote = c;
            out += c;
        } else if (c == '?') {
            out += '$';
            out += std::to_string(next++);
        } else {
            out += c;
        }
    }
    return out;
}

} // namespace classifai

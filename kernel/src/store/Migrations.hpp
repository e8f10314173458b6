// The numbered schema migrations, in the order they are applied.
#pragma once

#include <string>
#include <vector>

namespace classifai {

/// One step of the schema. Applied once, in its own transaction, and recorded in
/// `schema_migrations` in that same transaction. Never edit a released migration: add one.
struct Migration {
    int number = 0;
    std::string description;
    std::vector<std::string> statements; ///< portable SQL, run in order
};

/// All migrations, numbered 1, 2, 3 ... without gaps. Thread-safe (immutable after first use).
const std::vector<Migration>& migrations();

} // namespace classifai

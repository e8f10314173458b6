// Names for imported projects whose own name is taken: adjective_hero, e.g. "plucky_beowulf".
#pragma once

#include <cstdint>
#include <functional>
#include <random>
#include <string>
#include <vector>

namespace classifai {

/// Draws adjective_hero names from two built-in word lists. Not thread-safe: one generator per
/// caller (they are cheap).
class NameGenerator {
public:
    /// A generator seeded from std::random_device.
    NameGenerator();
    /// A generator with a fixed seed (tests).
    explicit NameGenerator(std::uint64_t seed);

    /// A uniformly drawn adjective_hero name.
    std::string next();
    /// A name for which `taken` is false: random draws first, then every combination from a
    /// random start, then names with a numeric suffix (`plucky_beowulf_2`); never loops forever.
    std::string unused(const std::function<bool(const std::string&)>& taken);

    static const std::vector<std::string>& adjectives();
    static const std::vector<std::string>& heroes();

private:
    std::mt19937_64 _random;
};

} // namespace classifai

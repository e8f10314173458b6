#include "project/NameGenerator.hpp"

#include <stdexcept>

namespace classifai {

namespace {

constexpr int kRandomDraws = 32;
constexpr int kMaxSuffix = 100000;

} // namespace

const std::vector<std::string>& NameGenerator::adjectives() {
    static const std::vector<std::string> words{
        "brave",     "calm",     "clever",  "cosmic", "curious",  "daring", "eager",   "fearless",
        "gentle",    "glowing",  "jolly",   "keen",   "lively",   "lucky",  "merry",   "mighty",
        "nimble",    "noble",    "patient", "plucky", "quick",    "quiet",  "radiant", "serene",
        "sparkling", "spirited", "steady",  "swift",  "tireless", "vivid",  "witty",   "zesty"};
    return words;
}

const std::vector<std::string>& NameGenerator::heroes() {
    static const std::vector<std::string> words{
        "achilles",    "anansi",       "atalanta",    "athena",      "beowulf",    "boudica",
        "cu_chulainn", "el_cid",       "gilgamesh",   "hercules",    "hiawatha",   "hippolyta",
        "hua_mulan",   "jason",        "joan_of_arc", "king_arthur", "kintaro",    "lancelot",
        "maui",        "momotaro",     "nezha",       "odysseus",    "perseus",    "robin_hood",
        "roland",      "scheherazade", "siegfried",   "sinbad",      "sun_wukong", "theseus",
        "valkyrie",    "wu_song"};
    return words;
}

NameGenerator::NameGenerator() : _random(std::random_device{}()) {}

NameGenerator::NameGenerator(std::uint64_t seed) : _random(seed) {}

std::string NameGenerator::next() {
    std::uniform_int_distribution<std::size_t> left(0, adjectives().size() - 1);
    std::uniform_int_distribution<std::size_t> right(0, heroes().size() - 1);
    const auto& adjective = adjectives()[left(_random)];
    return adjective + "_" + heroes()[right(_random)];
}

std::string NameGenerator::unused(const std::function<bool(const std::string&)>& taken) {
    for (int draw = 0; draw < kRandomDraws; ++draw) {
        auto name = next();
        if (!taken(name)) {
            return name;
        }
    }
    // Crowded: walk every combination once, from a random start.
    const std::size_t total = adjectives().size() * heroes().size();
    const std::size_t start = std::uniform_int_distribution<std::size_t>(0, total - 1)(_random);
    for (std::size_t i = 0; i < total; ++i) {
        const std::size_t index = (start + i) % total;
        auto name = adjectives()[index / heroes().size()] + "_" + heroes()[index % heroes().size()];
        if (!taken(name)) {
            return name;
        }
    }
    const auto base = next();
    for (int suffix = 2; suffix <= kMaxSuffix; ++suffix) {
        auto name = base + "_" + std::to_string(suffix);
        if (!taken(name)) {
            return name;
        }
    }
    throw std::runtime_error("no free project name left for " + base);
}

} // namespace classifai

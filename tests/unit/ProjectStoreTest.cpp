// ProjectStore on a real SQLite file: names, flags, labels, cascades and persistence.
#include "StoreTestSupport.hpp"

#include "store/Database.hpp"
#include "store/ImageStore.hpp"
#include "store/ProjectStore.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <regex>
#include <stdexcept>
#include <thread>
#include <vector>

namespace classifai {
namespace {

class ProjectStoreTest : public ::testing::Test {
protected:
    ProjectStoreTest() { open(); }

    void open() {
        _projects.reset();
        _database.reset();
        _database = std::make_unique<Database>(test::sqliteOptions(_dir.path() / "store.db"));
        _projects = std::make_unique<ProjectStore>(*_database);
    }

    static ProjectRow project(const std::string& name, const std::string& type = "bndbox") {
        ProjectRow row;
        row.name = name;
        row.annotationType = type;
        row.rootPath = "/data/" + name;
        row.labels = {"car", "person"};
        return row;
    }

    test::TempDir _dir;
    std::unique_ptr<Database> _database;
    std::unique_ptr<ProjectStore> _projects;
};

TEST_F(ProjectStoreTest, CreateFillsIdsAndTimestampsAndFindsBack) {
    const auto created = _projects->create(project("alpha"));
    ASSERT_TRUE(created);
    const std::regex uuid("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
    EXPECT_TRUE(std::regex_match(created->id, uuid)) << created->id;
    EXPECT_TRUE(std::regex_match(created->versionUuid, uuid)) << created->versionUuid;
    const std::regex iso(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)");
    EXPECT_TRUE(std::regex_match(created->createdAt, iso)) << created->createdAt;
    EXPECT_EQ(created->modifiedAt, created->createdAt);
    EXPECT_TRUE(created->isNew);
    EXPECT_FALSE(created->isStarred);

    EXPECT_EQ(_projects->findByName("bndbox", "alpha"), created);
    EXPECT_EQ(_projects->findById(created->id), created);
    EXPECT_FALSE(_projects->findByName("bndbox", "Alpha"));
    EXPECT_FALSE(_projects->findByName("seg", "alpha"));
    EXPECT_FALSE(_projects->findById("no-such-id"));
}

TEST_F(ProjectStoreTest, EverythingSurvivesReopenByteForByte) {
    ProjectRow row = project("persisted");
    row.createdAt = "2026-12-03T15:52:42.123Z";
    row.modifiedAt = "2026-12-04T01:02:03.004Z";
    row.isNew = false;
    row.isStarred = true;
    row.rootPath = "/home/ana/Pictures/été 2026";
    const auto created = _projects->create(row);
    ASSERT_TRUE(created);
    open();
    const auto found = _projects->findById(created->id);
    ASSERT_TRUE(found);
    EXPECT_EQ(*found, *created);
    EXPECT_EQ(found->createdAt, "2026-12-03T15:52:42.123Z");
    EXPECT_EQ(found->modifiedAt, "2026-12-04T01:02:03.004Z");
}

TEST_F(ProjectStoreTest, RefusesDuplicateNameWithinATypeOnly) {
    ASSERT_TRUE(_projects->create(project("same")));
    EXPECT_FALSE(_projects->create(project("same")));
    EXPECT_TRUE(_projects->create(project("same", "seg")));
    EXPECT_TRUE(_projects->create(project("Same")));
    EXPECT_EQ(_projects->listByType("bndbox").size(), 2u);
    EXPECT_EQ(_projects->listByType("seg").size(), 1u);
}

TEST_F(ProjectStoreTest, ConcurrentCreatesOfOneNameHaveOneWinner) {
    std::atomic<int> winners{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t) {
        threads.emplace_back([&] {
            if (_projects->create(project("race"))) {
                ++winners;
            }
        });
    }
    for (auto& thread : threads) {
        thread.join();
    }
    EXPECT_EQ(winners.load(), 1);
    EXPECT_EQ(_projects->listByType("bndbox").size(), 1u);
}

TEST_F(ProjectStoreTest, ListsOneTypeOldestFirst) {
    ProjectRow late = project("late");
    late.createdAt = "2026-02-01T00:00:00.000Z";
    ProjectRow early = project("early");
    early.createdAt = "2026-01-01T00:00:00.000Z";
    ProjectRow other = project("other", "seg");
    ASSERT_TRUE(_projects->create(late));
    ASSERT_TRUE(_projects->create(early));
    ASSERT_TRUE(_projects->create(other));
    const auto listed = _projects->listByType("bndbox");
    ASSERT_EQ(listed.size(), 2u);
    EXPECT_EQ(listed[0].name, "early");
    EXPECT_EQ(listed[1].name, "late");
    EXPECT_TRUE(_projects->listByType("keypoints").empty());
}

TEST_F(ProjectStoreTest, RenameReportsEachOutcome) {
    const auto a = _projects->create(project("a"));
    const auto b = _projects->create(project("b"));
    ASSERT_TRUE(a && b);
    ASSERT_TRUE(_projects->create(project("c", "seg")));
    EXPECT_EQ(_projects->rename(a->id, "b"), ProjectStore::RenameResult::NameTaken);
    EXPECT_EQ(_projects->rename(a->id, "a"), ProjectStore::RenameResult::Renamed);
    EXPECT_EQ(_projects->rename(a->id, "c"), ProjectStore::RenameResult::Renamed);
    EXPECT_EQ(_projects->rename("missing", "d"), ProjectStore::RenameResult::NotFound);
    EXPECT_EQ(_projects->findById(a->id)->name, "c");
    EXPECT_FALSE(_projects->findByName("bndbox", "a"));
}

TEST_F(ProjectStoreTest, FlagsAndTouchChangeOnlyTheirColumns) {
    const auto created = _projects->create(project("flags"));
    ASSERT_TRUE(created);
    EXPECT_TRUE(_projects->setStarred(created->id, true));
    EXPECT_TRUE(_projects->setNew(created->id, false));
    auto found = _projects->findById(created->id);
    EXPECT_TRUE(found->isStarred);
    EXPECT_FALSE(found->isNew);
    EXPECT_EQ(found->modifiedAt, created->modifiedAt);

    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    EXPECT_TRUE(_projects->touch(created->id));
    found = _projects->findById(created->id);
    EXPECT_GT(found->modifiedAt, created->modifiedAt);
    EXPECT_EQ(found->createdAt, created->createdAt);

    EXPECT_FALSE(_projects->setStarred("missing", true));
    EXPECT_FALSE(_projects->setNew("missing", true));
    EXPECT_FALSE(_projects->setLabels("missing", {"x"}));
    EXPECT_FALSE(_projects->touch("missing"));
    EXPECT_FALSE(_projects->remove("missing"));
}

TEST_F(ProjectStoreTest, LabelsRoundTripExactly) {
    const std::vector<std::string> labels{
        "plain",      "with \"quotes\"",   "comma, space", "a,b",
        "colon:here", "{braces}",          "[brackets]",   "back\\slash",
        "slash/ok",   "tab\tand\nnewline", "日本語ラベル", "émoji 🚗",
        "",           "  padded  "};
    const auto created = _projects->create(project("labels"));
    ASSERT_TRUE(created);
    ASSERT_TRUE(_projects->setLabels(created->id, labels));
    open();
    EXPECT_EQ(_projects->findById(created->id)->labels, labels);
    ASSERT_TRUE(_projects->setLabels(created->id, {}));
    EXPECT_TRUE(_projects->findById(created->id)->labels.empty());
}

TEST_F(ProjectStoreTest, RefusesLabelsThatAreNotUtf8) {
    const auto created = _projects->create(project("bytes"));
    ASSERT_TRUE(created);
    EXPECT_THROW(_projects->setLabels(created->id, {"caf\xe9"}), std::invalid_argument);
    EXPECT_EQ(_projects->findById(created->id)->labels, created->labels);
}

TEST_F(ProjectStoreTest, RemoveDeletesTheProjectAndItsImages) {
    ImageStore images(*_database);
    const auto doomed = _projects->create(project("doomed"));
    const auto kept = _projects->create(project("kept"));
    ASSERT_TRUE(doomed && kept);
    std::vector<ImageRow> rows(3);
    for (std::size_t i = 0; i < rows.size(); ++i) {
        rows[i].uuid = newUuid();
        rows[i].relPath = "img" + std::to_string(i) + ".jpg";
        rows[i].position = static_cast<std::int64_t>(i);
    }
    images.insertBatch(doomed->id, rows);
    for (auto& row : rows) {
        row.uuid = newUuid();
    }
    images.insertBatch(kept->id, rows);

    EXPECT_TRUE(_projects->remove(doomed->id));
    EXPECT_FALSE(_projects->findById(doomed->id));
    EXPECT_EQ(images.countByProject(doomed->id), 0);
    EXPECT_EQ(images.countByProject(kept->id), 3);
}

} // namespace
} // namespace classifai

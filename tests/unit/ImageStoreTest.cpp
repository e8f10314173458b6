// ImageStore on a real SQLite file: batches, order, paging, updates and bulk deletes.
#include "StoreTestSupport.hpp"

#include "store/Database.hpp"
#include "store/ImageStore.hpp"
#include "store/ProjectStore.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <set>
#include <stdexcept>
#include <thread>
#include <vector>

namespace classifai {
namespace {

class ImageStoreTest : public ::testing::Test {
protected:
    ImageStoreTest() { open(); }

    void open(int readerSessions = 4) {
        _images.reset();
        _projects.reset();
        _database.reset();
        _database = std::make_unique<Database>(
            test::sqliteOptions(_dir.path() / "store.db", readerSessions));
        _projects = std::make_unique<ProjectStore>(*_database);
        _images = std::make_unique<ImageStore>(*_database);
    }

    std::string newProject(const std::string& name) {
        ProjectRow row;
        row.name = name;
        row.annotationType = "bndbox";
        row.rootPath = "/data/" + name;
        return _projects->create(row).value().id;
    }

    /// `count` rows with positions start, start+1, ... and distinct paths.
    static std::vector<ImageRow> images(std::size_t count, std::int64_t start = 0) {
        std::vector<ImageRow> rows(count);
        for (std::size_t i = 0; i < count; ++i) {
            const auto position = start + static_cast<std::int64_t>(i);
            rows[i].uuid = newUuid();
            rows[i].relPath = "dir/" + std::to_string(position) + ".jpg";
            rows[i].position = position;
            rows[i].sizeBytes = 1000 + position;
            rows[i].mtimeNs = 1'764'000'000'123'456'789 + position;
            rows[i].width = 640;
            rows[i].height = 480;
            rows[i].depth = 3;
        }
        return rows;
    }

    test::TempDir _dir;
    std::unique_ptr<Database> _database;
    std::unique_ptr<ProjectStore> _projects;
    std::unique_ptr<ImageStore> _images;
};

TEST_F(ImageStoreTest, InsertsTwentyThousandRowsAndReadsThemInPositionOrder) {
    const std::string project = newProject("big");
    auto rows = images(20'000);
    std::reverse(rows.begin(), rows.end()); // insertion order must not decide display order
    const auto started = std::chrono::steady_clock::now();
    _images->insertBatch(project, rows);
    const auto elapsed = std::chrono::steady_clock::now() - started;
    RecordProperty(
        "insert_ms",
        static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count()));
    // One transaction with a prepared statement: seconds would mean one fsync per row.
    EXPECT_LT(elapsed, std::chrono::seconds(10));

    EXPECT_EQ(_images->countByProject(project), 20'000);
    const auto listed = _images->listByProject(project);
    ASSERT_EQ(listed.size(), 20'000u);
    for (std::size_t i = 0; i < listed.size(); ++i) {
        ASSERT_EQ(listed[i].position, static_cast<std::int64_t>(i));
    }
    auto expected = rows.back(); // position 0
    expected.projectId = project;
    EXPECT_EQ(listed.front(), expected);
    EXPECT_EQ(_images->nextPosition(project), 20'000);
}

TEST_F(ImageStoreTest, BatchIsAllOrNothing) {
    const std::string project = newProject("atomic");
    auto rows = images(1'000);
    rows.back().relPath = rows.front().relPath; // violates UNIQUE(project_id, rel_path) last
    EXPECT_ANY_THROW(_images->insertBatch(project, rows));
    EXPECT_EQ(_images->countByProject(project), 0);

    EXPECT_ANY_THROW(_images->insertBatch("no-such-project", images(3)));
    auto missingUuid = images(2);
    missingUuid[1].uuid.clear();
    EXPECT_THROW(_images->insertBatch(project, missingUuid), std::invalid_argument);
    EXPECT_EQ(_images->countByProject(project), 0);
}

TEST_F(ImageStoreTest, RowsSurviveReopenWithDefaultsAndLargeValues) {
    const std::string project = newProject("persist");
    auto rows = images(2);
    rows[1].annotation.clear();
    _images->insertBatch(project, rows);
    open();
    const auto first = _images->find(project, rows[0].uuid);
    ASSERT_TRUE(first);
    EXPECT_EQ(first->mtimeNs, rows[0].mtimeNs);
    EXPECT_EQ(first->annotation, kEmptyAnnotationJson);
    EXPECT_EQ(_images->find(project, rows[1].uuid)->annotation, kEmptyAnnotationJson);
}

TEST_F(ImageStoreTest, FindsByUuidAndPathWithinItsProjectOnly) {
    const std::string a = newProject("a");
    const std::string b = newProject("b");
    const auto rows = images(5);
    _images->insertBatch(a, rows);
    const auto byUuid = _images->find(a, rows[2].uuid);
    ASSERT_TRUE(byUuid);
    EXPECT_EQ(byUuid->relPath, rows[2].relPath);
    EXPECT_EQ(byUuid->projectId, a);
    EXPECT_FALSE(_images->find(b, rows[2].uuid));
    EXPECT_FALSE(_images->find(a, "missing"));

    const auto byPath = _images->findByRelPath(a, "dir/3.jpg");
    ASSERT_TRUE(byPath);
    EXPECT_EQ(byPath->uuid, rows[3].uuid);
    EXPECT_FALSE(_images->findByRelPath(a, "DIR/3.jpg"));
    EXPECT_FALSE(_images->findByRelPath(b, "dir/3.jpg"));
}

TEST_F(ImageStoreTest, SamePathMayExistInTwoProjects) {
    const std::string a = newProject("a");
    const std::string b = newProject("b");
    _images->insertBatch(a, images(3));
    _images->insertBatch(b, images(3));
    EXPECT_EQ(_images->countByProject(a), 3);
    EXPECT_EQ(_images->countByProject(b), 3);
}

TEST_F(ImageStoreTest, UpdatesAnnotationAndFileStat) {
    const std::string project = newProject("edit");
    const auto rows = images(2);
    _images->insertBatch(project, rows);
    const std::string json =
        R"({"annotation":[{"x1":1,"y1":2,"x2":3,"y2":4,"label":"çar \"x\""}],"img_x":80,)"
        R"("img_y":50,"img_w":800,"img_h":600})";
    EXPECT_TRUE(_images->updateAnnotation(project, rows[0].uuid, json));
    EXPECT_FALSE(_images->updateAnnotation(project, "missing", json));
    EXPECT_FALSE(_images->updateAnnotation(newProject("other"), rows[0].uuid, json));
    EXPECT_TRUE(_images->updateFileStat(rows[1].uuid, 42, 7, 1920, 1080, 1));
    EXPECT_FALSE(_images->updateFileStat("missing", 42, 7, 1920, 1080, 1));

    open();
    EXPECT_EQ(_images->find(project, rows[0].uuid)->annotation, json);
    const auto stat = _images->find(project, rows[1].uuid);
    EXPECT_EQ(stat->sizeBytes, 42);
    EXPECT_EQ(stat->mtimeNs, 7);
    EXPECT_EQ(stat->width, 1920);
    EXPECT_EQ(stat->height, 1080);
    EXPECT_EQ(stat->depth, 1);
    EXPECT_EQ(stat->annotation, kEmptyAnnotationJson);
}

TEST_F(ImageStoreTest, DeletesFiveThousandUuidsInOneCall) {
    const std::string project = newProject("bulk");
    const std::string other = newProject("other");
    const auto rows = images(6'000);
    const auto otherRows = images(10);
    _images->insertBatch(project, rows);
    _images->insertBatch(other, otherRows);

    std::vector<std::string> doomed;
    for (std::size_t i = 0; i < 5'000; ++i) {
        doomed.push_back(rows[i].uuid);
    }
    doomed.push_back("not-a-uuid-we-know");
    doomed.push_back(otherRows[0].uuid); // belongs to another project: must survive
    EXPECT_EQ(_images->deleteMany(project, doomed), 5'000u);
    EXPECT_EQ(_images->countByProject(project), 1'000);
    EXPECT_EQ(_images->countByProject(other), 10);
    EXPECT_EQ(_images->listByProject(project).front().uuid, rows[5'000].uuid);
    EXPECT_EQ(_images->deleteMany(project, {}), 0u);
}

TEST_F(ImageStoreTest, ForEachVisitsEveryRowOnceInOrderPageByPage) {
    const std::string project = newProject("walk");
    auto rows = images(2'500);
    // Ties in position must neither repeat nor skip rows across page boundaries.
    for (std::size_t i = 990; i < 1'010; ++i) {
        rows[i].position = 990;
    }
    _images->insertBatch(project, rows);

    const auto listed = _images->listByProject(project);
    std::vector<std::string> visited;
    _images->forEachInProject(
        project, [&](const ImageRow& row) { visited.push_back(row.uuid); }, 1'000);
    ASSERT_EQ(visited.size(), listed.size());
    for (std::size_t i = 0; i < listed.size(); ++i) {
        ASSERT_EQ(visited[i], listed[i].uuid) << "at " << i;
    }
    EXPECT_EQ(std::set<std::string>(visited.begin(), visited.end()).size(), 2'500u);

    std::size_t none = 0;
    _images->forEachInProject(newProject("empty"), [&](const ImageRow&) { ++none; });
    EXPECT_EQ(none, 0u);
}

TEST_F(ImageStoreTest, ForEachVisitorMayUseTheStoreWithOneReaderSession) {
    open(1);
    const std::string project = newProject("reentrant");
    _images->insertBatch(project, images(30));
    int found = 0;
    _images->forEachInProject(
        project,
        [&](const ImageRow& row) {
            found += _images->find(project, row.uuid) ? 1 : 0;
            _images->updateAnnotation(project, row.uuid, R"({"annotation":[]})");
        },
        7);
    EXPECT_EQ(found, 30);
}

TEST_F(ImageStoreTest, NextPositionFollowsTheLargestPosition) {
    const std::string project = newProject("positions");
    EXPECT_EQ(_images->nextPosition(project), 0);
    _images->insertBatch(project, images(3, 10));
    EXPECT_EQ(_images->nextPosition(project), 13);
}

TEST_F(ImageStoreTest, ConcurrentAnnotationSavesAreAllKept) {
    constexpr int threads = 8;
    constexpr int savesPerThread = 50;
    const std::string project = newProject("busy");
    const auto rows = images(threads * savesPerThread);
    _images->insertBatch(project, rows);
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t) {
        workers.emplace_back([&, t] {
            for (int i = 0; i < savesPerThread; ++i) {
                const auto& row = rows[static_cast<std::size_t>(t * savesPerThread + i)];
                ASSERT_TRUE(
                    _images->updateAnnotation(project, row.uuid, "{\"by\":\"" + row.uuid + "\"}"));
                ASSERT_TRUE(_images->find(project, row.uuid));
            }
        });
    }
    for (auto& worker : workers) {
        worker.join();
    }
    open();
    for (const ImageRow& row : _images->listByProject(project)) {
        EXPECT_EQ(row.annotation, "{\"by\":\"" + row.uuid + "\"}");
    }
}

} // namespace
} // namespace classifai

// The profile history: profiles saved and listed back (newest first, filtered by file name or by the bytes
// of a model file), values that survive the round trip, and files that must be refused untouched (not
// SQLite, another application's database, a newer schema).
#include "profiler/profile_history.h"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <atomic>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>

#include "profiler/sha256.h"

namespace litescope::test {
namespace {

namespace fs = std::filesystem;

// A fresh folder per test, removed when the test ends.
class ProfileHistoryTest : public ::testing::Test {
  protected:
    void SetUp() override {
        static std::atomic<int> counter{0};
        dir_ = fs::temp_directory_path() /
               ("litescope_history_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
        fs::remove_all(dir_);
        fs::create_directories(dir_);
    }
    void TearDown() override {
        std::error_code ec;
        fs::remove_all(dir_, ec);
    }
    std::string pathOf(const std::string& name) const { return (dir_ / name).string(); }

    fs::path dir_;
};

std::string readAll(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

void writeAll(const std::string& path, const std::string& bytes) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// Runs SQL on a connection of the test's own, apart from the history under test.
void execSql(const std::string& path, const std::string& sql) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    char* error = nullptr;
    const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error);
    EXPECT_EQ(rc, SQLITE_OK) << (error ? error : "");
    sqlite3_free(error);
    sqlite3_close(db);
}

int64_t queryInt(const std::string& path, const std::string& sql) {
    sqlite3* db = nullptr;
    int64_t value = -1;
    if (sqlite3_open(path.c_str(), &db) == SQLITE_OK) {
        sqlite3_stmt* statement = nullptr;
        if (sqlite3_prepare_v2(db, sql.c_str(), -1, &statement, nullptr) == SQLITE_OK &&
            sqlite3_step(statement) == SQLITE_ROW)
            value = sqlite3_column_int64(statement, 0);
        sqlite3_finalize(statement);
    }
    sqlite3_close(db);
    return value;
}

Profile makeProfile(const std::string& fileName, const std::string& sha, const std::string& startedAt,
                    double medianUs, int nodes) {
    Profile p;
    p.modelPath = "/models/" + fileName;
    p.modelFileName = fileName;
    p.modelSha256 = sha;
    p.modelBytes = 12345;
    p.startedAt = startedAt;
    p.litescopeVersion = "0.1.0";
    p.machine = {"bench-host", "Test CPU @ 3.0GHz", 8, "Linux 6.1"};
    p.settings.threads = 2;
    p.settings.delegate = "xnnpack";
    p.runs.count = 50;
    p.runs.median = medianUs;
    p.runs.mean = medianUs * 1.1;
    p.runs.p90 = medianUs * 1.3;
    p.runs.p99 = medianUs * 1.5;
    p.runs.stddev = medianUs * 0.05;
    p.runs.min = medianUs * 0.9;
    p.runs.max = medianUs * 2;
    p.initUs = 1500;
    p.arenaBytes = 3 << 20;
    p.memory.peakRssBytes = 40 << 20;
    for (int i = 0; i < nodes; ++i) {
        NodeProfile node;
        node.index = i;
        node.op = i % 2 ? "CONV_2D" : "RELU";
        node.name = "tensor_" + std::to_string(i);
        node.us.mean = 10.0 * (i + 1);
        node.us.median = 9.0 * (i + 1);
        node.share.percent = 100.0 / nodes;
        node.gflops = 1.5;
        p.nodes.push_back(node);
    }
    return p;
}

TEST_F(ProfileHistoryTest, SavesAndListsNewestFirst) {
    const std::string db = pathOf("sub/folder/history.sqlite");  // folders are created
    auto history = ProfileHistory::open(db);
    ASSERT_TRUE(history) << history.message();
    EXPECT_EQ((*history)->path(), db);

    Profile first =
        makeProfile("mobilenet_f32.tflite", std::string(64, 'a'), "2026-01-01T10:00:00Z", 2000, 3);
    first.overhead.pairs = 20;
    first.overhead.percent = 4.25;
    auto firstId = (*history)->save(first);
    ASSERT_TRUE(firstId) << firstId.message();
    auto secondId = (*history)->save(
        makeProfile("mobilenet_int8.tflite", std::string(64, 'b'), "2026-01-02T10:00:00Z", 800, 4));
    ASSERT_TRUE(secondId) << secondId.message();
    auto thirdId = (*history)->save(
        makeProfile("mobilenet_f32.tflite", std::string(64, 'c'), "2026-01-03T10:00:00Z", 1900, 2));
    ASSERT_TRUE(thirdId) << thirdId.message();
    EXPECT_LT(*firstId, *secondId);
    EXPECT_LT(*secondId, *thirdId);

    auto all = (*history)->list();
    ASSERT_TRUE(all) << all.message();
    ASSERT_EQ(all->size(), 3u);
    EXPECT_EQ((*all)[0].id, *thirdId);
    EXPECT_EQ((*all)[1].id, *secondId);
    EXPECT_EQ((*all)[2].id, *firstId);

    // Values come back as saved; an overhead that was not measured is NULL (NaN), not 0.
    const HistoryEntry& f = (*all)[2];
    EXPECT_EQ(f.recordedAt, "2026-01-01T10:00:00Z");
    EXPECT_EQ(f.modelFileName, "mobilenet_f32.tflite");
    EXPECT_EQ(f.modelSha256, std::string(64, 'a'));
    EXPECT_EQ(f.modelBytes, 12345u);
    EXPECT_EQ(f.machine, "bench-host");
    EXPECT_EQ(f.cpu, "Test CPU @ 3.0GHz");
    EXPECT_EQ(f.delegate, "xnnpack");
    EXPECT_EQ(f.threads, 2);
    EXPECT_EQ(f.runs, 50);
    EXPECT_DOUBLE_EQ(f.medianUs, 2000);
    EXPECT_DOUBLE_EQ(f.meanUs, 2200);
    EXPECT_DOUBLE_EQ(f.p90Us, 2600);
    EXPECT_DOUBLE_EQ(f.initUs, 1500);
    EXPECT_EQ(f.arenaBytes, 3 << 20);
    EXPECT_EQ(f.peakRssBytes, 40 << 20);
    EXPECT_DOUBLE_EQ(f.overheadPercent, 4.25);
    EXPECT_EQ(f.litescopeVersion, "0.1.0");
    EXPECT_TRUE(std::isnan((*all)[1].overheadPercent));
    EXPECT_EQ(queryInt(db, "SELECT count(*) FROM profiles WHERE overhead_percent IS NULL"), 2);

    // One row per node, tied to its profile.
    EXPECT_EQ(queryInt(db, "SELECT count(*) FROM profile_nodes"), 3 + 4 + 2);
    EXPECT_EQ(
        queryInt(db, "SELECT count(*) FROM profile_nodes WHERE profile_id = " + std::to_string(*secondId)),
        4);
    EXPECT_EQ(queryInt(db, "SELECT count(*) FROM profile_nodes WHERE op = 'CONV_2D' AND gflops = 1.5"),
              1 + 2 + 1);

    auto limited = (*history)->list({}, 2);
    ASSERT_TRUE(limited) << limited.message();
    ASSERT_EQ(limited->size(), 2u);
    EXPECT_EQ((*limited)[0].id, *thirdId);
}

TEST_F(ProfileHistoryTest, ListsByFileName) {
    const std::string db = pathOf("history.sqlite");
    auto history = ProfileHistory::open(db);
    ASSERT_TRUE(history) << history.message();
    ASSERT_TRUE(
        (*history)->save(makeProfile("a.tflite", std::string(64, '1'), "2026-01-01T00:00:00Z", 10, 1)));
    ASSERT_TRUE(
        (*history)->save(makeProfile("b.tflite", std::string(64, '2'), "2026-01-02T00:00:00Z", 10, 1)));
    ASSERT_TRUE(
        (*history)->save(makeProfile("a.tflite", std::string(64, '3'), "2026-01-03T00:00:00Z", 10, 1)));

    auto byName = (*history)->list("a.tflite");
    ASSERT_TRUE(byName) << byName.message();
    ASSERT_EQ(byName->size(), 2u);
    EXPECT_EQ((*byName)[0].modelSha256, std::string(64, '3'));
    EXPECT_EQ((*byName)[1].modelSha256, std::string(64, '1'));

    // A path to a file that does not exist matches by its file name.
    auto byMissingPath = (*history)->list("/nowhere/b.tflite");
    ASSERT_TRUE(byMissingPath) << byMissingPath.message();
    ASSERT_EQ(byMissingPath->size(), 1u);
    EXPECT_EQ((*byMissingPath)[0].modelFileName, "b.tflite");

    auto none = (*history)->list("c.tflite");
    ASSERT_TRUE(none) << none.message();
    EXPECT_TRUE(none->empty());
}

TEST_F(ProfileHistoryTest, ListsByExistingFileMatchingItsHash) {
    const std::string db = pathOf("history.sqlite");
    const std::string model = pathOf("renamed_copy.tflite");
    writeAll(model, "pretend these are the bytes of a model");
    auto sha = sha256OfFile(model);
    ASSERT_TRUE(sha) << sha.message();

    auto history = ProfileHistory::open(db);
    ASSERT_TRUE(history) << history.message();
    // Saved under another name, but with the same bytes: found by hash.
    ASSERT_TRUE((*history)->save(makeProfile("original.tflite", *sha, "2026-01-01T00:00:00Z", 10, 1)));
    // Same file name, other bytes (an older version): found by name.
    ASSERT_TRUE((*history)->save(
        makeProfile("renamed_copy.tflite", std::string(64, 'f'), "2026-01-02T00:00:00Z", 10, 1)));
    // Unrelated.
    ASSERT_TRUE(
        (*history)->save(makeProfile("other.tflite", std::string(64, 'e'), "2026-01-03T00:00:00Z", 10, 1)));

    auto matches = (*history)->list(model);
    ASSERT_TRUE(matches) << matches.message();
    ASSERT_EQ(matches->size(), 2u);
    EXPECT_EQ((*matches)[0].modelFileName, "renamed_copy.tflite");
    EXPECT_EQ((*matches)[1].modelFileName, "original.tflite");
    EXPECT_EQ((*matches)[1].modelSha256, *sha);
}

TEST_F(ProfileHistoryTest, ReopensAnExistingHistory) {
    const std::string db = pathOf("history.sqlite");
    int64_t id = 0;
    {
        auto history = ProfileHistory::open(db);
        ASSERT_TRUE(history) << history.message();
        auto saved =
            (*history)->save(makeProfile("m.tflite", std::string(64, 'a'), "2026-01-01T00:00:00Z", 5, 2));
        ASSERT_TRUE(saved) << saved.message();
        id = *saved;
    }
    auto reopened = ProfileHistory::open(db);
    ASSERT_TRUE(reopened) << reopened.message();
    auto all = (*reopened)->list();
    ASSERT_TRUE(all) << all.message();
    ASSERT_EQ(all->size(), 1u);
    EXPECT_EQ((*all)[0].id, id);
    EXPECT_DOUBLE_EQ((*all)[0].medianUs, 5);
    auto again =
        (*reopened)->save(makeProfile("m.tflite", std::string(64, 'a'), "2026-01-02T00:00:00Z", 6, 2));
    ASSERT_TRUE(again) << again.message();
    EXPECT_GT(*again, id);
}

TEST_F(ProfileHistoryTest, RefusesAFileThatIsNotSqlite) {
    const std::string path = pathOf("notes.txt");
    const std::string text = "These are my notes, not a database.\nDo not overwrite them.\n";
    writeAll(path, text);
    auto history = ProfileHistory::open(path);
    ASSERT_FALSE(history);
    EXPECT_NE(history.message().find(path), std::string::npos) << history.message();
    EXPECT_EQ(readAll(path), text);
}

TEST_F(ProfileHistoryTest, RefusesAnotherApplicationsDatabase) {
    const std::string path = pathOf("other.sqlite");
    execSql(
        path,
        "CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO customers VALUES (1, 'x');");
    const std::string before = readAll(path);
    auto history = ProfileHistory::open(path);
    ASSERT_FALSE(history);
    EXPECT_NE(history.message().find(path), std::string::npos) << history.message();
    EXPECT_EQ(readAll(path), before);
    EXPECT_EQ(queryInt(path, "SELECT count(*) FROM sqlite_master WHERE name = 'profiles'"), 0);
}

TEST_F(ProfileHistoryTest, RefusesANewerSchema) {
    const std::string path = pathOf("history.sqlite");
    {
        auto history = ProfileHistory::open(path);
        ASSERT_TRUE(history) << history.message();
    }
    execSql(path, "PRAGMA user_version = 99;");
    const std::string before = readAll(path);
    auto history = ProfileHistory::open(path);
    ASSERT_FALSE(history);
    EXPECT_NE(history.message().find("newer"), std::string::npos) << history.message();
    EXPECT_NE(history.message().find(path), std::string::npos) << history.message();
    EXPECT_EQ(readAll(path), before);
}

TEST_F(ProfileHistoryTest, DefaultPathFollowsTheEnvironment) {
    const auto saved = [](const char* name) -> std::optional<std::string> {
        const char* value = std::getenv(name);
        return value ? std::optional<std::string>(value) : std::nullopt;
    };
    const auto restore = [](const char* name, const std::optional<std::string>& value) {
        if (value)
            ::setenv(name, value->c_str(), 1);
        else
            ::unsetenv(name);
    };
    const auto history = saved("LITESCOPE_HISTORY"), xdg = saved("XDG_DATA_HOME"), home = saved("HOME");

    ::setenv("LITESCOPE_HISTORY", "/tmp/explicit.sqlite", 1);
    ::setenv("XDG_DATA_HOME", "/data", 1);
    ::setenv("HOME", "/home/someone", 1);
    EXPECT_EQ(ProfileHistory::defaultPath(), "/tmp/explicit.sqlite");
    ::unsetenv("LITESCOPE_HISTORY");
    EXPECT_EQ(ProfileHistory::defaultPath(), "/data/litescope/history.sqlite");
    ::unsetenv("XDG_DATA_HOME");
    EXPECT_EQ(ProfileHistory::defaultPath(), "/home/someone/.local/share/litescope/history.sqlite");

    restore("LITESCOPE_HISTORY", history);
    restore("XDG_DATA_HOME", xdg);
    restore("HOME", home);
}

}  // namespace
}  // namespace litescope::test

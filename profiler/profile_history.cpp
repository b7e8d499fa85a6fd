// The profile history database. The file is marked as ours with PRAGMA application_id and versioned with
// PRAGMA user_version, so that a path pointing at someone else's database, or at a history written by a newer
// Litescope, is refused before anything is written to it.
#include "profiler/profile_history.h"

#include <pwd.h>
#include <sqlite3.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>

#include "profiler/sha256.h"

namespace litescope {

namespace fs = std::filesystem;

namespace {

constexpr int32_t kApplicationId = 0x4C534350;  // 'LSCP'
constexpr int kSchemaVersion = 1;

// Written once, when the database is created (inside the creating transaction). Only constants: no value
// from outside ever reaches SQL text; those are bound as parameters.
constexpr const char* kSchema = R"sql(
CREATE TABLE profiles (
    id INTEGER PRIMARY KEY,
    recorded_at TEXT NOT NULL,
    model_path TEXT,
    model_file_name TEXT NOT NULL,
    model_sha256 TEXT,
    model_bytes INTEGER,
    hostname TEXT,
    cpu TEXT,
    logical_cores INTEGER,
    os TEXT,
    litescope_version TEXT,
    delegate TEXT,
    threads INTEGER,
    warmup_runs INTEGER,
    signature TEXT,
    runs INTEGER,
    mean_us REAL,
    median_us REAL,
    p90_us REAL,
    p99_us REAL,
    stddev_us REAL,
    min_us REAL,
    max_us REAL,
    first_us REAL,
    median_ci_low_us REAL,
    median_ci_high_us REAL,
    load_us REAL,
    init_us REAL,
    arena_bytes INTEGER,
    peak_rss_bytes INTEGER,
    overhead_percent REAL,
    settings_json TEXT
);
CREATE TABLE profile_nodes (
    profile_id INTEGER NOT NULL REFERENCES profiles(id) ON DELETE CASCADE,
    subgraph INTEGER NOT NULL,
    node_index INTEGER NOT NULL,
    op TEXT,
    name TEXT,
    mean_us REAL,
    median_us REAL,
    share_percent REAL,
    gflops REAL
);
CREATE INDEX profiles_by_sha256 ON profiles(model_sha256);
CREATE INDEX profiles_by_file_name ON profiles(model_file_name);
CREATE INDEX profile_nodes_by_profile ON profile_nodes(profile_id);
)sql";

struct StatementFinalizer {
    void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
};
using Statement = std::unique_ptr<sqlite3_stmt, StatementFinalizer>;

Status sqliteError(sqlite3* db, const std::string& path, const std::string& what) {
    return Status(ErrorCode::Io, path + ": " + what + ": " + (db ? sqlite3_errmsg(db) : "out of memory"));
}

Result<Statement> prepare(sqlite3* db, const std::string& path, const char* sql, const std::string& what) {
    sqlite3_stmt* raw = nullptr;
    if (sqlite3_prepare_v2(db, sql, -1, &raw, nullptr) != SQLITE_OK) {
        sqlite3_finalize(raw);
        return sqliteError(db, path, what);
    }
    return Statement(raw);
}

Status exec(sqlite3* db, const std::string& path, const char* sql, const std::string& what) {
    if (sqlite3_exec(db, sql, nullptr, nullptr, nullptr) != SQLITE_OK) return sqliteError(db, path, what);
    return Status::ok();
}

// A single integer from a one-row query (a PRAGMA, a count).
Result<int64_t> queryInt(sqlite3* db, const std::string& path, const char* sql, const std::string& what) {
    auto statement = prepare(db, path, sql, what);
    if (!statement) return statement.status();
    if (sqlite3_step(statement->get()) != SQLITE_ROW) return sqliteError(db, path, what);
    return static_cast<int64_t>(sqlite3_column_int64(statement->get(), 0));
}

// Rolls back unless committed, so that every early return inside a transaction leaves the file as it was.
class Transaction {
  public:
    explicit Transaction(sqlite3* db) : db_(db) {}
    ~Transaction() {
        if (open_) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    }
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;

    // IMMEDIATE takes the write lock up front: a reader upgrading later could deadlock against another
    // writer, which SQLite reports as SQLITE_BUSY at once instead of waiting for the busy timeout.
    Status begin(const std::string& path) {
        if (Status s = exec(db_, path, "BEGIN IMMEDIATE", "starting a transaction"); !s) return s;
        open_ = true;
        return Status::ok();
    }
    Status commit(const std::string& path) {
        if (Status s = exec(db_, path, "COMMIT", "committing"); !s) return s;
        open_ = false;
        return Status::ok();
    }

  private:
    sqlite3* db_;
    bool open_ = false;
};

// What the file holds now: whose it is, which schema version, and whether it has any tables.
struct DatabaseMarks {
    int64_t applicationId = 0;
    int64_t userVersion = 0;
    int64_t tables = 0;
};

Result<DatabaseMarks> readMarks(sqlite3* db, const std::string& path) {
    DatabaseMarks marks;
    auto applicationId = queryInt(db, path, "PRAGMA application_id", "reading the application id");
    if (!applicationId) {
        if (sqlite3_errcode(db) == SQLITE_NOTADB)
            return Status(ErrorCode::Io,
                          path + ": not a Litescope history (not an SQLite database); left unchanged");
        return applicationId.status();
    }
    marks.applicationId = *applicationId;
    auto userVersion = queryInt(db, path, "PRAGMA user_version", "reading the schema version");
    if (!userVersion) return userVersion.status();
    marks.userVersion = *userVersion;
    auto tables = queryInt(db, path, "SELECT count(*) FROM sqlite_master WHERE type = 'table'",
                           "reading the list of tables");
    if (!tables) return tables.status();
    marks.tables = *tables;
    return marks;
}

// Whether the database is (or, being empty, may become) ours; an error naming the file when it is not.
Status checkMarks(const DatabaseMarks& marks, const std::string& path) {
    if (marks.applicationId == kApplicationId) {
        if (marks.userVersion > kSchemaVersion)
            return Status(ErrorCode::Io,
                          path + ": a profile history written by a newer Litescope (schema version " +
                              std::to_string(marks.userVersion) + ", this one reads up to " +
                              std::to_string(kSchemaVersion) + "); left unchanged");
        return Status::ok();
    }
    if (marks.applicationId != 0 || marks.tables > 0)
        return Status(
            ErrorCode::Io,
            path + ": not a Litescope history (an SQLite database of another application); left unchanged");
    return Status::ok();
}

// SQLite's own header check would only fail on the first read; checking the magic string first gives a clear
// message and guarantees that SQLite never touches a file that is not a database.
Status checkSqliteHeader(const std::string& path) {
    std::error_code ec;
    if (!fs::exists(path, ec) || !fs::is_regular_file(path, ec)) return Status::ok();
    const auto size = fs::file_size(path, ec);
    if (ec || size == 0) return Status::ok();            // an empty file is a valid, empty database
    static constexpr char kMagic[] = "SQLite format 3";  // with its terminating NUL: 16 bytes
    char header[sizeof kMagic] = {};
    std::ifstream in(path, std::ios::binary);
    if (!in) return Status(ErrorCode::Io, path + ": cannot open: " + std::strerror(errno));
    in.read(header, sizeof header);
    if (in.gcount() != static_cast<std::streamsize>(sizeof header) ||
        std::memcmp(header, kMagic, sizeof kMagic) != 0)
        return Status(ErrorCode::Io,
                      path + ": not a Litescope history (not an SQLite database); left unchanged");
    return Status::ok();
}

std::string utcNow() {
    const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
    std::tm tm{};
    gmtime_r(&now, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

nlohmann::json settingsJson(const ProfileSettings& s) {
    nlohmann::json inputs = nlohmann::json::array();
    for (const InputSource& input : s.inputs) {
        const char* kind = input.kind == InputSource::Kind::RawFile   ? "raw"
                           : input.kind == InputSource::Kind::NpyFile ? "npy"
                                                                      : "random";
        inputs.push_back({{"kind", kind}, {"name", input.name}, {"path", input.path}});
    }
    return {
        {"threads", s.threads},
        {"delegate", s.delegate},
        {"warmup_runs", s.warmupRuns},
        {"warmup_min_seconds", s.warmupMinSeconds},
        {"runs", s.runs},
        {"min_seconds", s.minSeconds},
        {"max_seconds", s.maxSeconds},
        {"max_runs", s.maxRuns},
        {"delay_seconds", s.delaySeconds},
        {"seed", s.seed},
        {"inputs", std::move(inputs)},
        {"signature", s.signature},
        {"overhead_pairs", s.overheadPairs},
    };
}

// Binds by position; SQLITE_TRANSIENT makes SQLite copy, so the strings need not outlive the step.
class Binder {
  public:
    explicit Binder(sqlite3_stmt* statement) : statement_(statement) {}
    Binder& text(const std::string& value) {
        note(sqlite3_bind_text(statement_, ++index_, value.data(), static_cast<int>(value.size()),
                               SQLITE_TRANSIENT));
        return *this;
    }
    Binder& integer(int64_t value) {
        note(sqlite3_bind_int64(statement_, ++index_, value));
        return *this;
    }
    // NaN would be stored as NULL anyway; doing it here keeps that explicit.
    Binder& real(double value) {
        note(std::isnan(value) ? sqlite3_bind_null(statement_, ++index_)
                               : sqlite3_bind_double(statement_, ++index_, value));
        return *this;
    }
    Binder& null() {
        note(sqlite3_bind_null(statement_, ++index_));
        return *this;
    }
    bool ok() const { return rc_ == SQLITE_OK; }

  private:
    void note(int rc) {
        if (rc_ == SQLITE_OK) rc_ = rc;
    }
    sqlite3_stmt* statement_;
    int index_ = 0;
    int rc_ = SQLITE_OK;
};

std::string columnText(sqlite3_stmt* statement, int column) {
    const auto* text = sqlite3_column_text(statement, column);
    return text ? std::string(reinterpret_cast<const char*>(text),
                              static_cast<size_t>(sqlite3_column_bytes(statement, column)))
                : std::string();
}

}  // namespace

std::string ProfileHistory::defaultPath() {
    const auto env = [](const char* name) -> std::string {
        const char* value = std::getenv(name);
        return value ? value : "";
    };
    if (std::string explicitPath = env("LITESCOPE_HISTORY"); !explicitPath.empty()) return explicitPath;
    // The XDG spec says a relative XDG_DATA_HOME is invalid and must be ignored.
    if (std::string xdg = env("XDG_DATA_HOME"); !xdg.empty() && fs::path(xdg).is_absolute())
        return (fs::path(xdg) / "litescope" / "history.sqlite").string();
    std::string home = env("HOME");
    if (home.empty()) {
        if (const passwd* pw = getpwuid(getuid()); pw && pw->pw_dir) home = pw->pw_dir;
    }
    if (home.empty()) return "litescope-history.sqlite";
    return (fs::path(home) / ".local" / "share" / "litescope" / "history.sqlite").string();
}

ProfileHistory::ProfileHistory(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}

ProfileHistory::~ProfileHistory() {
    sqlite3_close_v2(db_);
}

Result<std::unique_ptr<ProfileHistory>> ProfileHistory::open(const std::string& path) {
    if (path.empty()) return Status(ErrorCode::InvalidArgument, "no path given for the profile history");
    if (Status s = checkSqliteHeader(path); !s) return s;

    const fs::path parent = fs::path(path).parent_path();
    if (!parent.empty()) {
        std::error_code ec;
        fs::create_directories(parent, ec);
        if (ec)
            return Status(ErrorCode::Io,
                          path + ": cannot create the folder " + parent.string() + ": " + ec.message());
    }

    sqlite3* raw = nullptr;
    const int rc = sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
    // From here on the handle belongs to the history object, whose destructor closes it on every path.
    std::unique_ptr<ProfileHistory> history(new ProfileHistory(raw, path));
    if (rc != SQLITE_OK) return sqliteError(raw, path, "opening");
    sqlite3* db = history->db_;

    // Two processes saving at once wait for each other's short transactions instead of failing.
    sqlite3_busy_timeout(db, 2000);
    if (Status s = exec(db, path, "PRAGMA foreign_keys = ON", "enabling foreign keys"); !s) return s;

    auto marks = readMarks(db, path);
    if (!marks) return marks.status();
    if (Status s = checkMarks(*marks, path); !s) return s;
    if (marks->applicationId == kApplicationId && marks->userVersion == kSchemaVersion) return history;

    // Empty: create the schema. Marks are read again under the write lock, since another process may have
    // created it (or something else) since the first look.
    Transaction transaction(db);
    if (Status s = transaction.begin(path); !s) return s;
    marks = readMarks(db, path);
    if (!marks) return marks.status();
    if (Status s = checkMarks(*marks, path); !s) return s;
    if (marks->applicationId != kApplicationId) {
        if (Status s = exec(db, path, kSchema, "creating the schema"); !s) return s;
        const std::string pragmas = "PRAGMA application_id = " + std::to_string(kApplicationId) +
                                    "; PRAGMA user_version = " + std::to_string(kSchemaVersion) + ";";
        if (Status s = exec(db, path, pragmas.c_str(), "marking the schema"); !s) return s;
    }
    if (Status s = transaction.commit(path); !s) return s;
    return history;
}

Result<int64_t> ProfileHistory::save(const Profile& profile) {
    static constexpr const char* kInsertProfile = R"sql(
INSERT INTO profiles (recorded_at, model_path, model_file_name, model_sha256, model_bytes, hostname, cpu,
    logical_cores, os, litescope_version, delegate, threads, warmup_runs, signature, runs, mean_us, median_us,
    p90_us, p99_us, stddev_us, min_us, max_us, first_us, median_ci_low_us, median_ci_high_us, load_us, init_us,
    arena_bytes, peak_rss_bytes, overhead_percent, settings_json)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?))sql";
    static constexpr const char* kInsertNode = R"sql(
INSERT INTO profile_nodes (profile_id, subgraph, node_index, op, name, mean_us, median_us, share_percent, gflops)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?))sql";

    Transaction transaction(db_);
    if (Status s = transaction.begin(path_); !s) return s;

    auto insertProfile = prepare(db_, path_, kInsertProfile, "preparing to save a profile");
    if (!insertProfile) return insertProfile.status();
    const SampleStats& runs = profile.runs;
    const std::string fileName = !profile.modelFileName.empty()
                                     ? profile.modelFileName
                                     : fs::path(profile.modelPath).filename().string();
    Binder bind(insertProfile->get());
    bind.text(!profile.startedAt.empty() ? profile.startedAt : utcNow())
        .text(profile.modelPath)
        .text(fileName)
        .text(profile.modelSha256)
        .integer(static_cast<int64_t>(profile.modelBytes))
        .text(profile.machine.hostname)
        .text(profile.machine.cpu)
        .integer(profile.machine.logicalCores)
        .text(profile.machine.os)
        .text(profile.litescopeVersion)
        .text(profile.settings.delegate)
        .integer(profile.settings.threads)
        .integer(profile.settings.warmupRuns)
        .text(profile.settings.signature)
        .integer(runs.count)
        .real(runs.mean)
        .real(runs.median)
        .real(runs.p90)
        .real(runs.p99)
        .real(runs.stddev)
        .real(runs.min)
        .real(runs.max)
        .real(runs.first)
        .real(runs.medianCiLow)
        .real(runs.medianCiHigh)
        .real(profile.loadUs)
        .real(profile.initUs)
        .integer(profile.arenaBytes)
        .integer(profile.memory.peakRssBytes);
    if (profile.overhead.pairs > 0)
        bind.real(profile.overhead.percent);
    else
        bind.null();
    // dump() would throw on invalid UTF-8 in a path or name; replacing keeps save() from throwing.
    bind.text(settingsJson(profile.settings).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    if (!bind.ok()) return sqliteError(db_, path_, "binding a profile's values");
    if (sqlite3_step(insertProfile->get()) != SQLITE_DONE) return sqliteError(db_, path_, "saving a profile");
    const int64_t id = sqlite3_last_insert_rowid(db_);

    auto insertNode = prepare(db_, path_, kInsertNode, "preparing to save the nodes");
    if (!insertNode) return insertNode.status();
    for (const NodeProfile& node : profile.nodes) {
        sqlite3_stmt* statement = insertNode->get();
        sqlite3_reset(statement);
        Binder nodeBind(statement);
        nodeBind.integer(id)
            .integer(node.subgraph)
            .integer(node.index)
            .text(node.op)
            .text(node.name)
            .real(node.us.mean)
            .real(node.us.median)
            .real(node.share.percent)
            .real(node.gflops);
        if (!nodeBind.ok()) return sqliteError(db_, path_, "binding a node's values");
        if (sqlite3_step(statement) != SQLITE_DONE) return sqliteError(db_, path_, "saving a node");
    }
    if (Status s = transaction.commit(path_); !s) return s;
    return id;
}

Result<std::vector<HistoryEntry>> ProfileHistory::list(const std::string& model, int limit) {
    std::string sql =
        "SELECT id, recorded_at, model_file_name, model_sha256, model_bytes, hostname, cpu, delegate, "
        "threads, "
        "runs, mean_us, median_us, p90_us, p99_us, stddev_us, min_us, init_us, arena_bytes, peak_rss_bytes, "
        "overhead_percent, litescope_version FROM profiles";
    std::string firstKey, secondKey;
    if (!model.empty()) {
        const std::string baseName = fs::path(model).filename().string();
        std::error_code ec;
        if (fs::is_regular_file(model, ec)) {
            auto sha = sha256OfFile(model);
            if (!sha) return sha.status();
            sql += " WHERE model_sha256 = ?1 OR model_file_name = ?2";
            firstKey = *sha;
        } else {
            sql += " WHERE model_file_name = ?1 OR model_file_name = ?2";
            firstKey = model;
        }
        secondKey = baseName;
    }
    sql += " ORDER BY recorded_at DESC, id DESC";
    if (limit > 0) sql += " LIMIT ?3";

    auto statement = prepare(db_, path_, sql.c_str(), "preparing to list profiles");
    if (!statement) return statement.status();
    sqlite3_stmt* s = statement->get();
    int rc = SQLITE_OK;
    if (!model.empty()) {
        rc = sqlite3_bind_text(s, 1, firstKey.data(), static_cast<int>(firstKey.size()), SQLITE_TRANSIENT);
        if (rc == SQLITE_OK)
            rc = sqlite3_bind_text(s, 2, secondKey.data(), static_cast<int>(secondKey.size()),
                                   SQLITE_TRANSIENT);
    }
    if (rc == SQLITE_OK && limit > 0) rc = sqlite3_bind_int64(s, 3, limit);
    if (rc != SQLITE_OK) return sqliteError(db_, path_, "binding the filter");

    std::vector<HistoryEntry> entries;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        HistoryEntry e;
        e.id = sqlite3_column_int64(s, 0);
        e.recordedAt = columnText(s, 1);
        e.modelFileName = columnText(s, 2);
        e.modelSha256 = columnText(s, 3);
        e.modelBytes = static_cast<uint64_t>(sqlite3_column_int64(s, 4));
        e.machine = columnText(s, 5);
        e.cpu = columnText(s, 6);
        e.delegate = columnText(s, 7);
        e.threads = sqlite3_column_int(s, 8);
        e.runs = sqlite3_column_int64(s, 9);
        e.meanUs = sqlite3_column_double(s, 10);
        e.medianUs = sqlite3_column_double(s, 11);
        e.p90Us = sqlite3_column_double(s, 12);
        e.p99Us = sqlite3_column_double(s, 13);
        e.stddevUs = sqlite3_column_double(s, 14);
        e.minUs = sqlite3_column_double(s, 15);
        e.initUs = sqlite3_column_double(s, 16);
        e.arenaBytes = sqlite3_column_int64(s, 17);
        e.peakRssBytes = sqlite3_column_int64(s, 18);
        // Not measured is NaN rather than 0, so that it cannot be mistaken for a measured 0 %.
        e.overheadPercent = sqlite3_column_type(s, 19) == SQLITE_NULL
                                ? std::numeric_limits<double>::quiet_NaN()
                                : sqlite3_column_double(s, 19);
        e.litescopeVersion = columnText(s, 20);
        entries.push_back(std::move(e));
    }
    if (rc != SQLITE_DONE) return sqliteError(db_, path_, "listing profiles");
    return entries;
}

}  // namespace litescope

// A local history of profiles in SQLite, so that a team can compare model versions over time on one machine
// (float32 against int8 against int8-QAT): each saved profile keeps the model's hash and file name, the
// settings, the machine and the statistics.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "profiler/profile.h"
#include "runtime/status.h"

struct sqlite3;

namespace litescope {

// One saved profile, as listed.
struct HistoryEntry {
    int64_t id = 0;
    std::string recordedAt;  // ISO 8601, UTC (the profile's start)
    std::string modelFileName;
    std::string modelSha256;
    uint64_t modelBytes = 0;
    std::string machine;  // hostname
    std::string cpu;
    std::string delegate;
    int threads = 1;
    int64_t runs = 0;
    double meanUs = 0, medianUs = 0, p90Us = 0, p99Us = 0, stddevUs = 0, minUs = 0;
    double initUs = 0;
    int64_t arenaBytes = 0;
    int64_t peakRssBytes = 0;
    double overheadPercent = 0;
    std::string litescopeVersion;
};

class ProfileHistory {
  public:
    // $LITESCOPE_HISTORY when set; else $XDG_DATA_HOME/litescope/history.sqlite, or
    // ~/.local/share/litescope/history.sqlite.
    static std::string defaultPath();

    // Opens (creating the file, its folder and the schema when missing) a history database. A file that is
    // not a Litescope history (another SQLite database, not SQLite at all, a newer schema) is an error that
    // names it; it is never modified.
    static Result<std::unique_ptr<ProfileHistory>> open(const std::string& path);
    ~ProfileHistory();

    // Saves one profile: the summary row, and one row per node (subgraph, index, op, name, mean/median
    // microseconds, share, GFLOP/s) so that versions can later be compared layer by layer. Returns its id.
    Result<int64_t> save(const Profile& profile);

    // Saved profiles, newest first. `model` filters: a path to an existing file matches by its SHA-256 (every
    // version saved under any name with those bytes) and by file name; anything else matches the file name.
    Result<std::vector<HistoryEntry>> list(const std::string& model = {}, int limit = 0);

    const std::string& path() const { return path_; }

  private:
    ProfileHistory(sqlite3* db, std::string path);
    sqlite3* db_ = nullptr;
    std::string path_;
};

}  // namespace litescope

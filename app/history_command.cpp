// `litescope history`: the profiles saved with `litescope profile --save`, newest first, as a table or JSON,
// so that versions of a model can be compared over time.
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "app/commands.h"
#include "profiler/profile_history.h"

namespace litescope::app {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

std::string fixed(double value, int decimals) {
    if (!std::isfinite(value)) return "-";
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f", decimals, value);
    return buf;
}

std::string mib(int64_t bytes) {
    return fixed(static_cast<double>(bytes) / (1 << 20), 2);
}

// "2026-11-21T23:44:11Z" (or with fractions or an offset) as "2026-11-21 23:44:11": the table has no room
// for the rest, and every saved time is UTC already.
std::string dateTime(const std::string& iso) {
    if (iso.size() < 19) return iso;
    std::string text = iso.substr(0, 19);
    if (text[10] == 'T') text[10] = ' ';
    return text;
}

json entryJson(const HistoryEntry& e) {
    return {
        {"id", e.id},
        {"recorded_at", e.recordedAt},
        {"model_file_name", e.modelFileName},
        {"model_sha256", e.modelSha256},
        {"model_bytes", e.modelBytes},
        {"machine", e.machine},
        {"cpu", e.cpu},
        {"delegate", e.delegate},
        {"threads", e.threads},
        {"runs", e.runs},
        {"mean_us", e.meanUs},
        {"median_us", e.medianUs},
        {"p90_us", e.p90Us},
        {"p99_us", e.p99Us},
        {"stddev_us", e.stddevUs},
        {"min_us", e.minUs},
        {"init_us", e.initUs},
        {"arena_bytes", e.arenaBytes},
        {"peak_rss_bytes", e.peakRssBytes},
        // The history stores "not measured" as NaN; JSON has no NaN, and null says the same thing.
        {"overhead_percent", std::isfinite(e.overheadPercent) ? json(e.overheadPercent) : json(nullptr)},
        {"litescope_version", e.litescopeVersion},
    };
}

struct Column {
    const char* title;
    bool rightAligned;
};

void printTable(const std::vector<HistoryEntry>& entries) {
    static const Column kColumns[] = {
        {"id", true},        {"recorded (UTC)", false}, {"model", false},       {"sha256", false},
        {"machine", false},  {"delegate", false},       {"threads", true},      {"runs", true},
        {"median ms", true}, {"p90 ms", true},          {"mean ms", true},      {"std ms", true},
        {"init ms", true},   {"arena MiB", true},       {"peak RSS MiB", true}, {"overhead %", true},
    };
    constexpr size_t kCount = std::size(kColumns);

    std::vector<std::vector<std::string>> rows;
    rows.reserve(entries.size());
    for (const HistoryEntry& e : entries) {
        rows.push_back({
            std::to_string(e.id),
            dateTime(e.recordedAt),
            e.modelFileName,
            e.modelSha256.substr(0, 12),
            e.machine,
            e.delegate,
            std::to_string(e.threads),
            std::to_string(e.runs),
            fixed(e.medianUs / 1000, 3),
            fixed(e.p90Us / 1000, 3),
            fixed(e.meanUs / 1000, 3),
            fixed(e.stddevUs / 1000, 3),
            fixed(e.initUs / 1000, 1),
            mib(e.arenaBytes),
            mib(e.peakRssBytes),
            fixed(e.overheadPercent, 1),
        });
    }

    std::vector<size_t> widths(kCount);
    for (size_t c = 0; c < kCount; ++c) {
        widths[c] = std::string(kColumns[c].title).size();
        for (const auto& row : rows)
            widths[c] = std::max(widths[c], row[c].size());
    }
    const auto printRow = [&](const auto& cellOf) {
        std::string line;
        for (size_t c = 0; c < kCount; ++c) {
            const std::string cell = cellOf(c);
            const std::string pad(widths[c] - cell.size(), ' ');
            if (c > 0) line += "  ";
            line += kColumns[c].rightAligned ? pad + cell : cell + pad;
        }
        while (!line.empty() && line.back() == ' ')
            line.pop_back();
        std::cout << line << "\n";
    };
    printRow([&](size_t c) { return std::string(kColumns[c].title); });
    for (const auto& row : rows)
        printRow([&](size_t c) { return row[c]; });
}

}  // namespace

int runHistory(const HistoryOptions& o) {
    const std::string path = !o.historyPath.empty() ? o.historyPath : ProfileHistory::defaultPath();

    // Listing must not create the database: looking at an empty history leaves nothing behind.
    std::error_code ec;
    if (!fs::exists(path, ec)) {
        const std::string message =
            "no profiles saved yet (" + path + "); save one with `litescope profile MODEL --save`";
        if (o.json) {
            // stdout stays valid JSON for scripts; the hint goes where a person sees it.
            std::cout << "[]\n";
            std::cerr << message << "\n";
        } else {
            std::cout << message << "\n";
        }
        return kExitOk;
    }

    auto history = ProfileHistory::open(path);
    if (!history) return fail(kExitFailure, history.message());
    auto entries = (*history)->list(o.model, o.limit);
    if (!entries) return fail(kExitFailure, entries.message());

    if (o.json) {
        json array = json::array();
        for (const HistoryEntry& e : *entries)
            array.push_back(entryJson(e));
        std::cout << array.dump(2, ' ', false, json::error_handler_t::replace) << "\n";
        return kExitOk;
    }

    if (entries->empty()) {
        if (o.model.empty())
            std::cout << "no profiles saved yet (" << path
                      << "); save one with `litescope profile MODEL --save`\n";
        else
            std::cout << "no saved profiles of " << o.model << " in " << path << "\n";
        return kExitOk;
    }

    printTable(*entries);

    if (!o.model.empty()) {
        std::set<std::string> versions;
        for (const HistoryEntry& e : *entries)
            if (!e.modelSha256.empty()) versions.insert(e.modelSha256);
        if (versions.size() > 1)
            std::cout << "\n"
                      << versions.size() << " versions of the model (distinct SHA-256) among these "
                      << entries->size() << " profiles\n";
    }
    return kExitOk;
}

}  // namespace litescope::app

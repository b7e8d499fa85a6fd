#include "profiler/profile_export.h"

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <utility>

namespace litescope {

// ordered_json keeps keys in the order written, so that the documents read top-down like the report.
using nlohmann::ordered_json;

namespace {

std::string fmt(const char* format, auto... args) {
    char buf[64];
    std::snprintf(buf, sizeof buf, format, args...);
    return buf;
}

// printf spells non-finite values "nan", "-nan" or "inf" depending on the C library; spreadsheets and pandas
// read "nan", "inf" and "-inf", so those are written whatever the platform.
std::string csvNumber(const char* format, double v) {
    if (std::isnan(v)) return "nan";
    if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
    return fmt(format, v);
}

// Milliseconds from microseconds with six decimals: nanosecond resolution, never an exponent.
std::string csvMs(double us) {
    return csvNumber("%.6f", us / 1000.0);
}

std::string csvField(const std::string& s) {
    if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
    std::string quoted = "\"";
    for (char c : s) {
        if (c == '"') quoted += '"';
        quoted += c;
    }
    quoted += '"';
    return quoted;
}

// nlohmann writes non-finite doubles as null already; saying so here keeps that a decision of this file
// rather than of the library's version.
ordered_json num(double v) {
    return std::isfinite(v) ? ordered_json(v) : ordered_json(nullptr);
}

// Names come from the model file and need not be valid UTF-8; replacing bad bytes keeps dump() from throwing.
std::string dumpJson(const ordered_json& j, int indent) {
    return j.dump(indent, ' ', false, ordered_json::error_handler_t::replace);
}

const char* inputKindName(InputSource::Kind kind) {
    switch (kind) {
        case InputSource::Kind::Random:
            return "random";
        case InputSource::Kind::RawFile:
            return "raw";
        case InputSource::Kind::NpyFile:
            return "npy";
    }
    return "random";
}

void putStatsUs(ordered_json& j, const SampleStats& s) {
    j["first_us"] = num(s.first);
    j["mean_us"] = num(s.mean);
    j["median_us"] = num(s.median);
    j["p90_us"] = num(s.p90);
    j["p99_us"] = num(s.p99);
    j["min_us"] = num(s.min);
    j["max_us"] = num(s.max);
    j["stddev_us"] = num(s.stddev);
}

ordered_json numbers(const std::vector<double>& values) {
    ordered_json a = ordered_json::array();
    for (double v : values)
        a.push_back(num(v));
    return a;
}

using NodeKey = std::pair<int32_t, int32_t>;  // (subgraph, index)

std::map<NodeKey, const NodeProfile*> nodesByKey(const Profile& profile) {
    std::map<NodeKey, const NodeProfile*> byKey;
    for (const NodeProfile& n : profile.nodes)
        byKey.emplace(NodeKey{n.subgraph, n.index}, &n);
    return byKey;
}

std::string subgraphLabel(const Profile& profile, int32_t subgraph) {
    std::string label = "Subgraph " + std::to_string(subgraph);
    if (subgraph >= 0 && static_cast<size_t>(subgraph) < profile.subgraphNames.size() &&
        !profile.subgraphNames[static_cast<size_t>(subgraph)].empty())
        label += ": " + profile.subgraphNames[static_cast<size_t>(subgraph)];
    return label;
}

ordered_json metadataEvent(const char* name, int tid, ordered_json args) {
    return {{"name", name}, {"ph", "M"}, {"pid", 1}, {"tid", tid}, {"args", std::move(args)}};
}

// A run's start, in microseconds since the first counted run; a sample of a run without a recorded start
// (which a consistent Profile never holds) is placed as if its run started at 0 rather than dropped.
double runStartUs(const Profile& profile, int32_t run) {
    if (run < 0 || static_cast<size_t>(run) >= profile.runStartNs.size()) return 0;
    return static_cast<double>(profile.runStartNs[static_cast<size_t>(run)]) / 1000.0;
}

}  // namespace

std::string profileToCsv(const Profile& profile) {
    std::string out =
        "node type,first,avg_ms,%,cdf%,mem KB,times called,name,subgraph,index,depth,median_ms,p90_ms,p99_ms,"
        "min_ms,max_ms,stddev_ms,self_avg_ms,macs,gflops,partition,estimated\n";
    for (const NodeProfile& n : profile.nodes) {
        const std::string fields[] = {
            csvField(n.op),
            csvMs(n.us.first),
            csvMs(n.us.mean),
            csvNumber("%.2f", n.share.percent),
            csvNumber("%.2f", n.share.cumulativePercent),
            "0",  // the runtime does not attribute memory to nodes
            csvNumber("%.6g", n.callsPerRun),
            csvField(n.name),
            std::to_string(n.subgraph),
            std::to_string(n.index),
            std::to_string(n.depth),
            csvMs(n.us.median),
            csvMs(n.us.p90),
            csvMs(n.us.p99),
            csvMs(n.us.min),
            csvMs(n.us.max),
            csvMs(n.us.stddev),
            csvMs(n.selfMeanUs),
            csvNumber("%.0f", n.cost.macs),
            csvNumber("%.6g", n.gflops),
            n.partition >= 0 ? std::to_string(n.partition) : std::string(),
            n.estimated ? "1" : "0",
        };
        bool firstField = true;
        for (const std::string& f : fields) {
            if (!firstField) out += ',';
            out += f;
            firstField = false;
        }
        out += '\n';
    }
    return out;
}

std::string profileToChromeTrace(const Profile& profile) {
    const auto byKey = nodesByKey(profile);

    // Every subgraph that has a node or a sample gets a named track, in index order.
    std::set<int32_t> subgraphs;
    for (const NodeProfile& n : profile.nodes)
        subgraphs.insert(n.subgraph);
    for (const NodeSample& s : profile.samples)
        subgraphs.insert(s.subgraph);

    ordered_json events = ordered_json::array();
    events.push_back(metadataEvent("process_name", 0, {{"name", "litescope: " + profile.modelFileName}}));
    events.push_back(metadataEvent("thread_name", 0, {{"name", "Runs"}}));
    events.push_back(metadataEvent("thread_sort_index", 0, {{"sort_index", 0}}));
    for (int32_t sg : subgraphs) {
        // tid 0 is the runs' track, so subgraph N lives on tid N + 1.
        const int tid = sg + 1;
        events.push_back(metadataEvent("thread_name", tid, {{"name", subgraphLabel(profile, sg)}}));
        events.push_back(metadataEvent("thread_sort_index", tid, {{"sort_index", tid}}));
    }

    for (size_t r = 0; r < profile.runUs.size(); ++r) {
        // A null duration would make trace viewers reject the whole file.
        if (!std::isfinite(profile.runUs[r])) continue;
        const int32_t run = static_cast<int32_t>(r);
        events.push_back({{"name", "Invoke (run " + std::to_string(r) + ")"},
                          {"cat", "run"},
                          {"ph", "X"},
                          {"ts", runStartUs(profile, run)},
                          {"dur", profile.runUs[r]},
                          {"pid", 1},
                          {"tid", 0},
                          {"args", {{"run", run}}}});
    }

    for (const NodeSample& s : profile.samples) {
        const auto it = byKey.find(NodeKey{s.subgraph, s.node});
        const NodeProfile* node = it == byKey.end() ? nullptr : it->second;
        ordered_json args = {{"subgraph", s.subgraph}, {"index", s.node}};
        if (node) {
            args["op"] = node->op;
            args["tensor"] = node->outputTensor;
        }
        args["depth"] = s.depth;
        // Inside a delegate's partition the time is the partition's, split by the per-node timing pass.
        if (node && node->estimated) args["estimated"] = true;
        args["run"] = s.run;
        events.push_back({{"name", node ? node->op : "node " + std::to_string(s.node)},
                          {"cat", "node"},
                          {"ph", "X"},
                          {"ts", runStartUs(profile, s.run) + static_cast<double>(s.startNs) / 1000.0},
                          {"dur", static_cast<double>(s.durationNs) / 1000.0},
                          {"pid", 1},
                          {"tid", s.subgraph + 1},
                          {"args", std::move(args)}});
    }

    ordered_json root;
    root["traceEvents"] = std::move(events);
    root["displayTimeUnit"] = "ms";
    root["otherData"] = {{"model", profile.modelFileName},
                         {"model_path", profile.modelPath},
                         {"model_sha256", profile.modelSha256},
                         {"subgraph", profile.subgraphName},
                         {"threads", profile.settings.threads},
                         {"delegate", profile.settings.delegate},
                         {"runs", profile.runUs.size()},
                         {"started_at", profile.startedAt},
                         {"hostname", profile.machine.hostname},
                         {"cpu", profile.machine.cpu},
                         {"litescope_version", profile.litescopeVersion}};
    // Compact: a trace of many runs is large and read by tools, not people.
    return dumpJson(root, -1);
}

std::string profileToJson(const Profile& profile, bool withSamples) {
    ordered_json root;
    root["model"] = {{"path", profile.modelPath},
                     {"file_name", profile.modelFileName},
                     {"sha256", profile.modelSha256},
                     {"bytes", profile.modelBytes}};

    const ProfileSettings& st = profile.settings;
    ordered_json inputs = ordered_json::array();
    for (const InputSource& in : st.inputs)
        inputs.push_back({{"name", in.name}, {"kind", inputKindName(in.kind)}, {"path", in.path}});
    root["settings"] = {{"threads", st.threads},
                        {"delegate", st.delegate},
                        {"warmup_runs", st.warmupRuns},
                        {"warmup_min_secs", num(st.warmupMinSeconds)},
                        {"runs", st.runs},
                        {"min_secs", num(st.minSeconds)},
                        {"max_secs", num(st.maxSeconds)},
                        {"max_runs", st.maxRuns},
                        {"delay_secs", num(st.delaySeconds)},
                        {"seed", st.seed},
                        {"signature", st.signature},
                        {"overhead_pairs", st.overheadPairs},
                        {"inputs", std::move(inputs)}};
    root["machine"] = {{"hostname", profile.machine.hostname},
                       {"cpu", profile.machine.cpu},
                       {"logical_cores", profile.machine.logicalCores},
                       {"os", profile.machine.os}};
    root["started_at"] = profile.startedAt;
    root["litescope_version"] = profile.litescopeVersion;
    root["subgraph"] = profile.subgraphName;
    root["subgraph_names"] = profile.subgraphNames;

    root["init_us"] = num(profile.initUs);
    root["load_us"] = num(profile.loadUs);
    root["create_us"] = num(profile.createUs);
    root["delegate_us"] = num(profile.delegateUs);
    root["prepare_us"] = num(profile.prepareUs);
    root["input_us"] = num(profile.inputUs);
    root["warmup_us"] = numbers(profile.warmupUs);

    ordered_json runs = {{"count", profile.runs.count}};
    putStatsUs(runs, profile.runs);
    runs["median_ci95_us"] = {num(profile.runs.medianCiLow), num(profile.runs.medianCiHigh)};
    root["runs"] = std::move(runs);
    root["run_us"] = numbers(profile.runUs);

    ordered_json nodes = ordered_json::array();
    for (const NodeProfile& n : profile.nodes) {
        ordered_json j = {{"subgraph", n.subgraph},
                          {"index", n.index},
                          {"depth", n.depth},
                          {"op", n.op},
                          {"name", n.name},
                          {"tensor", n.outputTensor},
                          {"calls_per_run", num(n.callsPerRun)},
                          {"first_run_order", n.firstRunOrder}};
        putStatsUs(j, n.us);
        j["self_mean_us"] = num(n.selfMeanUs);
        j["share_percent"] = num(n.share.percent);
        j["cumulative_percent"] = num(n.share.cumulativePercent);
        j["macs"] = num(n.cost.macs);
        j["elements"] = num(n.cost.elements);
        j["gflops"] = num(n.gflops);
        j["partition"] = n.partition;
        j["delegate_step"] = n.delegateStep;
        j["estimated"] = n.estimated;
        nodes.push_back(std::move(j));
    }
    root["nodes"] = std::move(nodes);

    if (!profile.delegateName.empty()) {
        ordered_json partitions = ordered_json::array();
        for (const PartitionProfile& p : profile.partitions)
            partitions.push_back({{"subgraph", p.subgraph},
                                  {"index", p.index},
                                  {"step", p.step},
                                  {"nodes", p.nodes},
                                  {"standalone_us", numbers(p.standaloneUs)},
                                  {"mean_us", num(p.meanUs)}});
        root["delegate"] = {{"name", profile.delegateName},
                            {"summary", profile.delegateSummary},
                            {"apply_us", num(profile.delegateUs)},
                            {"breakdown_method", profile.breakdownMethod},
                            {"partitions", std::move(partitions)}};
    }

    ordered_json opTypes = ordered_json::array();
    for (const OpTypeProfile& t : profile.opTypes) {
        ordered_json j = {{"op", t.op}, {"nodes", t.nodes}, {"calls_per_run", num(t.callsPerRun)}};
        putStatsUs(j, t.us);
        j["share_percent"] = num(t.share.percent);
        j["cumulative_percent"] = num(t.share.cumulativePercent);
        j["gflops"] = num(t.gflops);
        opTypes.push_back(std::move(j));
    }
    root["op_types"] = std::move(opTypes);

    // null rather than 0 when not measured: 0 % would claim that recording is free.
    const bool overheadMeasured = profile.overhead.pairs > 0;
    root["profiling_overhead_percent"] = overheadMeasured ? num(profile.overhead.percent) : nullptr;
    root["overhead"] = {{"pairs", profile.overhead.pairs},
                        {"unprofiled_median_us", num(profile.overhead.unprofiledMedianUs)},
                        {"profiled_median_us", num(profile.overhead.profiledMedianUs)},
                        {"percent", overheadMeasured ? num(profile.overhead.percent) : nullptr}};

    root["arena_bytes"] = profile.arenaBytes;
    root["memory"] = {{"rss_start_bytes", profile.memory.rssStartBytes},
                      {"rss_after_init_bytes", profile.memory.rssAfterInitBytes},
                      {"peak_rss_after_init_bytes", profile.memory.peakRssAfterInitBytes},
                      {"peak_rss_bytes", profile.memory.peakRssBytes}};
    root["dropped_samples"] = profile.droppedSamples;

    if (withSamples) {
        // Rows rather than objects: a long session holds millions of samples.
        ordered_json samples = ordered_json::array();
        for (const NodeSample& s : profile.samples)
            samples.push_back({s.run, s.subgraph, s.node, s.depth, s.startNs, s.durationNs});
        root["samples"] = std::move(samples);
        root["run_start_ns"] = profile.runStartNs;
    }
    return dumpJson(root, 2);
}

std::string profileToModelExplorer(const Profile& profile, const std::vector<std::string>& graphIds) {
    const ordered_json gradient = ordered_json::array({
        {{"stop", 0}, {"bgColor", "#2e7d32"}},
        {{"stop", 0.5}, {"bgColor", "#f9a825"}},
        {{"stop", 1}, {"bgColor", "#c62828"}},
    });

    ordered_json root = ordered_json::object();
    for (const NodeProfile& n : profile.nodes) {
        std::string graphId;
        if (n.subgraph >= 0 && static_cast<size_t>(n.subgraph) < graphIds.size())
            graphId = graphIds[static_cast<size_t>(n.subgraph)];
        if (graphId.empty()) graphId = n.subgraph == 0 ? "main" : "subgraph_" + std::to_string(n.subgraph);

        ordered_json& graph = root[graphId];
        if (!graph.contains("results")) {
            graph["results"] = ordered_json::object();
            graph["gradient"] = gradient;
        }
        // A node with no finite time has nothing to colour, and Model Explorer expects a number. A step that
        // ran a delegate's partition is no node of the model's graph: its nodes carry their own times.
        if (!std::isfinite(n.us.mean) || n.delegateStep) continue;
        // Model Explorer matches a key against output tensor names, and failing that against node ids
        // (the operator index for TFLite).
        const std::string key = n.outputTensor.empty() ? std::to_string(n.index) : n.outputTensor;
        ordered_json& results = graph["results"];
        if (results.contains(key)) continue;  // an output tensor has one producer; keep the first anyway
        results[key] = {{"value", n.us.mean / 1000.0}};
    }
    return dumpJson(root, 2);
}

Status writeTextFile(const std::string& path, const std::string& text) {
    // errno is cleared before each step so that a stale value from earlier work never names the failure.
    errno = 0;
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    if (!out.is_open())
        return Status(ErrorCode::Io, "cannot write " + path + ": " + std::strerror(errno ? errno : EIO));
    errno = 0;
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
    out.flush();
    int err = out ? 0 : (errno ? errno : EIO);
    // A full disk can show only when the file is closed.
    if (!err) {
        out.close();
        if (out.fail()) err = errno ? errno : EIO;
    }
    if (err) return Status(ErrorCode::Io, "cannot write " + path + ": " + std::strerror(err));
    return Status::ok();
}

}  // namespace litescope

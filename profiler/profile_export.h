// Writing a Profile in the formats other tools read: CSV (benchmark_model's op-profiling columns first),
// Chrome trace events (chrome://tracing, Perfetto), one JSON document with everything, and per-node data
// for Google's Model Explorer.
#pragma once

#include <string>
#include <vector>

#include "profiler/profile.h"
#include "runtime/status.h"

namespace litescope {

// One row per node that ran, in run order: benchmark_model's CSV columns first ("node type", "first",
// "avg_ms", "%", "cdf%", "mem KB", "times called", "name"), then Litescope's own (subgraph, index, depth,
// median_ms, p90_ms, p99_ms, min_ms, max_ms, stddev_ms, self_avg_ms, macs, gflops). RFC 4180 quoting.
std::string profileToCsv(const Profile& profile);

// Chrome trace event format (JSON object form): one complete ("X") event per node per counted run, in
// microseconds since the first counted run, on one track (tid) per subgraph named by metadata events, plus
// one event per run on a track of its own; args carry the node index, op and output tensor.
std::string profileToChromeTrace(const Profile& profile);

// Everything, for the GUI and for scripts: settings, model, machine, set-up times, `runs` {count, mean_us,
// median_us, p90_us, p99_us, stddev_us, min_us, max_us, first_us, median_ci95_us}, `nodes[]` {subgraph,
// index, op, name, mean_us, median_us, ..., share_percent, gflops}, `op_types[]`,
// `profiling_overhead_percent` (null when not measured), `arena_bytes`, `init_us`, memory. Keys are
// snake_case; non-finite numbers are written as null. Raw samples (`samples` as [run, subgraph, node, depth,
// start_ns, duration_ns] rows and `run_start_ns`) are left out unless `withSamples`.
std::string profileToJson(const Profile& profile, bool withSamples = false);

// Model Explorer's node data (ModelNodeData): per graph id, `results` keyed by each node's first output
// tensor name (its operator index when it has none) with the node's mean latency in milliseconds as `value`,
// and a green-to-red `gradient`. `graphIds` holds the caller's id for each subgraph (the subgraph's name,
// else its signature key); a missing or empty one becomes "main" for subgraph 0 and "subgraph_N" otherwise.
// Only subgraphs with nodes appear; a node with a non-finite mean is left out of `results`.
std::string profileToModelExplorer(const Profile& profile, const std::vector<std::string>& graphIds);

// Writes text to a file, with an error naming the path when it cannot.
Status writeTextFile(const std::string& path, const std::string& text);

}  // namespace litescope

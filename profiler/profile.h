// The result of a profiling session (`litescope profile`, the GUI's profiler): what was run and how, the raw
// per-node samples of every counted run, and the statistics computed from them. Exporters, the text report
// and the history database all read this one structure.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "profiler/node_recorder.h"
#include "profiler/statistics.h"
#include "runtime/delegate.h"

namespace litescope {

// Where one input's values come from.
struct InputSource {
    enum class Kind { Random, RawFile, NpyFile };
    Kind kind = Kind::Random;
    std::string name;  // the input's tensor name (or signature name); empty: by position
    std::string path;  // RawFile, NpyFile
};

struct ProfileSettings {
    int threads = 1;
    std::string delegate = "none";  // none | xnnpack
    DelegateOptions delegateOptions;
    bool delegateQuantized = false;  // let the delegate take quantized nodes (XNNPACK: --delegate-quantized)
    int warmupRuns = 1;
    double warmupMinSeconds = 0.5;    // warm-up continues until both warmupRuns and this time are reached
    int runs = 50;                    // counted runs: at least this many ...
    double minSeconds = 1.0;          // ... and more while the counted runs take less than this in all,
    double maxSeconds = 150.0;        // but never longer than this (at least one counted run is made)
    int maxRuns = 1'000'000;          // a hard ceiling on counted runs, whatever the time settings say
    double delaySeconds = 0;          // sleep between runs (thermal throttling on devices)
    uint64_t seed = 1;                // for random inputs (the same stream `litescope run` uses)
    std::vector<InputSource> inputs;  // named or positional sources; the rest random
    std::string signature;            // a SignatureDef key; empty: subgraph 0
    // Interleaved unprofiled/profiled invoke pairs measuring what recording costs. -1: automatic (20 pairs
    // and 0.5 s, at most as many pairs as counted runs, fewer only when fewer runs were counted), 0: not
    // measured.
    int overheadPairs = -1;
};

// One node of the model, as the profile reports it.
struct NodeProfile {
    int32_t subgraph = 0;
    int32_t index = 0;         // operator index in its subgraph
    int32_t depth = 0;         // 0 in the invoked subgraph, +1 inside each control-flow body
    std::string op;            // CONV_2D, or the custom code
    std::string name;          // its first output tensor's name (TFLite's profiles name nodes so)
    std::string outputTensor;  // the same, kept apart from `name` which a caller may decorate
    double callsPerRun = 0;    // mean calls per counted run (1 for a node outside control flow)
    // Delegation: a step that ran a whole partition has an index past the subgraph's operators
    // (operatorCount + partition, as TFLite numbers delegate nodes) and `delegateStep` set; the nodes it ran
    // carry its `partition` and are `estimated`: each run's partition time split by the per-node timing pass.
    int32_t partition = -1;
    bool delegateStep = false;
    bool estimated = false;
    int64_t firstRunOrder = 0;  // rank of its first execution in a run, for the run-order table
    // Over counted runs, in microseconds: the node's time in each run (summed over its calls in that run).
    SampleStats us;
    // Its time minus the time of the nodes run inside it (control-flow bodies): the part only it spent.
    double selfMeanUs = 0;
    Share share;  // of its subgraph's total mean time, in run order
    OpCost cost;
    double gflops = 0;  // from cost and mean time (gflopsOf)
};

// All nodes of one op type, by self time, so that nested bodies are not counted twice.
struct OpTypeProfile {
    std::string op;
    int64_t nodes = 0;
    double callsPerRun = 0;
    SampleStats us;  // per run: the sum of the self time of its nodes
    Share share;     // of the run's total self time, largest first
    double gflops = 0;
};

// Peak and current resident memory of the process, in bytes (Linux: VmHWM and VmRSS).
struct MemoryUse {
    int64_t rssStartBytes = 0;
    int64_t rssAfterInitBytes = 0;
    int64_t peakRssAfterInitBytes = 0;
    int64_t peakRssBytes = 0;  // at the end of the session
};

struct ProfilingOverhead {
    int64_t pairs = 0;  // interleaved unprofiled/profiled invokes measured (0: not measured)
    double unprofiledMedianUs = 0;
    double profiledMedianUs = 0;
    double percent = 0;  // (profiled / unprofiled - 1) x 100: what recording every node adds to an invoke
};

struct MachineInfo {
    std::string hostname;
    std::string cpu;  // model name
    int logicalCores = 0;
    std::string os;  // kernel name and release
};

// A partition a delegate ran, and what the per-node timing pass found inside it.
struct PartitionProfile {
    int32_t subgraph = 0;
    int32_t index = 0;  // partition index in its subgraph
    int32_t step = 0;   // the node index of the step that runs it
    std::vector<int32_t> nodes;
    std::vector<double> standaloneUs;  // each node timed alone, in `nodes` order
    double meanUs = 0;                 // the partition's measured mean per counted run
};

struct Profile {
    // What ran.
    std::string modelPath;
    std::string modelFileName;
    std::string modelSha256;  // hex of the file's bytes
    uint64_t modelBytes = 0;
    ProfileSettings settings;
    std::string subgraphName;                // the invoked subgraph (or signature key)
    std::vector<std::string> subgraphNames;  // every subgraph of the model, by index
    MachineInfo machine;
    std::string startedAt;  // ISO 8601, UTC
    std::string litescopeVersion;

    // Set-up times, in microseconds.
    double loadUs = 0;      // reading and validating the file
    double createUs = 0;    // creating a kernel for every node
    double delegateUs = 0;  // applying the delegate (0 without one)
    double prepareUs = 0;   // shapes, kernel preparation, arena planning
    double initUs = 0;      // load + create + delegate + prepare
    double inputUs = 0;     // filling the inputs

    // Invoke times, in microseconds.
    std::vector<double> warmupUs;  // each warm-up run
    SampleStats runs;              // counted runs (profiled)
    std::vector<double> runUs;     // each counted run, in order

    // Raw samples of the counted runs (NodeSample::run indexes runUs), and when each run started, in
    // nanoseconds since the first counted run started (for timelines and traces).
    std::vector<NodeSample> samples;
    std::vector<int64_t> runStartNs;
    int64_t droppedSamples = 0;      // node events that did not fit the recording buffer
    std::vector<std::string> notes;  // what the reader should know about how the session went

    std::vector<NodeProfile> nodes;  // every node that ran, ordered by (subgraph, index)
    std::string delegateName;        // empty without a delegate
    std::string delegateSummary;     // "XNNPACK: 37 of 164 operators in 18 partitions; ..."
    std::vector<PartitionProfile> partitions;
    std::string breakdownMethod;         // how the per-node times inside partitions were obtained
    std::string delegationDetails;       // `--explain`: partitions and every fallback with its reason
    std::vector<OpTypeProfile> opTypes;  // largest share first

    int64_t arenaBytes = 0;  // the planned arenas of every prepared subgraph
    MemoryUse memory;
    ProfilingOverhead overhead;
};

}  // namespace litescope

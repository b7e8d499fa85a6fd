// A profiling session: loads a model, feeds it, runs it warm-up and counted times with every node timed, and
// measures what the timing itself costs. The CLI's `profile` and the GUI's profiler both run one.
#pragma once

#include <atomic>
#include <functional>
#include <span>
#include <string>

#include "profiler/profile.h"
#include "runtime/status.h"

namespace litescope {

struct ProfileProgress {
    enum class Phase { Loading, WarmingUp, Running, MeasuringOverhead };
    Phase phase = Phase::Loading;
    int64_t done = 0;   // runs finished in this phase
    int64_t total = 0;  // runs planned in this phase, as far as known (the time limits may end it sooner)
    double elapsedSeconds = 0;  // in this phase
};

struct SessionControl {
    // Called between runs (never inside one), on the session's thread.
    std::function<void(const ProfileProgress&)> progress;
    // When it turns true the session stops at the next run boundary and returns an error saying so.
    const std::atomic<bool>* cancel = nullptr;
};

// Runs a whole session. Errors keep the loader's and runtime's codes: NotAModel/InvalidModel for a file that
// is not a valid model, Unsupported/Runtime for what the runtime cannot run, InvalidArgument for settings
// and inputs that do not fit the model (named), Io for files that cannot be read.
Result<Profile> profileModel(const std::string& modelPath, const ProfileSettings& settings,
                             const SessionControl& control = {});

// What the statistics need to know of a node beyond its samples.
struct NodeDescription {
    int32_t subgraph = 0;
    int32_t index = 0;
    std::string op;
    std::string outputTensor;
    OpCost cost;
    std::string label;  // shown instead of the output tensor when set (a delegate's partition step)
    int32_t partition = -1;
    bool delegateStep = false;
    bool estimated = false;
};

// Fills profile.runs, profile.nodes and profile.opTypes from profile.runUs and profile.samples (the
// samples of one run in the order the recorder wrote them: a node after the nodes nested in it).
// `describe` names nodes; a node it does not cover is reported as "node N" with no cost.
void summarizeProfile(Profile& profile, std::span<const NodeDescription> describe);

// The same model without and with a delegate, run alternately in one session so that both see the same
// machine state; per-node figures inside partitions come from the delegate's timing pass.
struct DelegateComparison {
    Profile baseline;   // settings.delegate "none"
    Profile delegated;  // the delegate asked for (xnnpack when settings.delegate is none)
};
Result<DelegateComparison> compareDelegates(const std::string& modelPath, const ProfileSettings& settings,
                                            const SessionControl& control = {});

// Parses an `--input` value: "NAME=FILE", or "FILE" alone for the next input by position (also when the
// whole text names an existing file, so that paths with '=' work). ".npy" files are read as NumPy arrays,
// anything else as raw bytes.
InputSource parseInputSource(const std::string& text);

// Resident memory of this process, in bytes (0 where /proc is not available).
struct ResidentMemory {
    int64_t current = 0;  // VmRSS
    int64_t peak = 0;     // VmHWM
};
ResidentMemory residentMemory();

MachineInfo currentMachine();

}  // namespace litescope

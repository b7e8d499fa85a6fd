// The headless sub-commands of the `litescope` executable. Each returns the process exit code.
#pragma once

#include <cstdint>
#include <iostream>
#include <string>
#include <vector>

namespace litescope::app {

// Exit codes shared by the sub-commands.
enum ExitCode : int {
    kExitOk = 0,
    kExitFailure = 1,         // anything else: bad arguments, I/O errors
    kExitInvalidModel = 2,    // the file is not a valid TFLite model
    kExitRuntime = 3,         // an op the runtime cannot run, or an error while running
    kExitOutOfTolerance = 4,  // run --check: an output differs from the reference
};

struct InspectOptions {
    std::string modelPath;
    bool json = false;
    bool operators = false;
    bool weights = true;
};

// Prints "litescope: MESSAGE" on stderr and returns `code`, for `return fail(kExit..., "...")`.
inline int fail(int code, const std::string& message) {
    std::cerr << "litescope: " << message << "\n";
    return code;
}

int runInspect(const InspectOptions& options);

struct RunOptions {
    std::string modelPath;
    std::string inputDir;   // input_K.bin files; deterministic inputs when absent
    std::string outputDir;  // where output_K.bin files are written
    std::string checkDir;   // a reference folder laid out like ../shared/golden/<model>/
    std::string signature;
    int threads = 1;
    std::string delegate = "none";
    bool explain = false;  // list partitions and why each other node stays on the builtin kernels
    std::vector<std::string> delegateExclude;  // op names left to the builtin kernels
    int maxPartitions = 0;
    bool requireFullDelegation = false;
    bool delegateQuantized = false;
};

int runRun(const RunOptions& options);

struct ProfileOptions {
    std::string modelPath;
    std::vector<std::string> inputs;  // NAME=FILE (.npy or raw .bin), or FILE for the inputs in order
    int threads = 1;
    std::string delegate = "none";
    bool explain = false;
    bool compareDelegates = false;  // without and with the delegate, alternating
    std::vector<std::string> delegateExclude;
    int maxPartitions = 0;
    bool requireFullDelegation = false;
    bool delegateQuantized = false;
    int runs = 50;
    double minSeconds = 1.0;
    double maxSeconds = 150.0;
    int warmup = 1;
    double warmupMinSeconds = 0.5;
    double delaySeconds = 0;
    uint64_t seed = 1;
    std::string signature;
    int top = 10;          // rows of the "Top by Computation Time" table
    bool overhead = true;  // measure what recording costs
    std::string csvPath, tracePath, jsonPath, modelExplorerPath;
    bool save = false;        // into the history database
    std::string historyPath;  // default: ProfileHistory::defaultPath()
    bool quiet = false;       // no report on stdout (exports only)
};

int runProfile(const ProfileOptions& options);

struct HistoryOptions {
    std::string model;        // a .tflite path (matched by hash and name) or a file name; empty: all
    std::string historyPath;  // default: ProfileHistory::defaultPath()
    int limit = 50;
    bool json = false;
};

int runHistory(const HistoryOptions& options);

struct GuiOptions {
    std::vector<std::string> modelPaths;  // each in its own tab; none: the built-in demo model
    std::string screenshotPath;           // when set: render offscreen at a fixed size, save a PNG and exit
    std::string view = "graph";           // graph, operators or tensors
    bool demoInt8 = false;
    std::string find;         // a find-bar query run once the model is loaded (selects the first match)
    bool delegation = false;  // turn on View > Show XNNPACK Partitions
};

// Starts the desktop application (or, with a screenshot path, renders one frame of it and exits:
// 0 saved, 2 the model is not valid (the error page is saved), 1 the image could not be written).
int runGui(int argc, char** argv, const GuiOptions& options);

}  // namespace litescope::app

// The headless sub-commands of the `litescope` executable. Each returns the process exit code.
#pragma once

#include <string>

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

int runInspect(const InspectOptions& options);

struct RunOptions {
    std::string modelPath;
    std::string inputDir;   // input_K.bin files; deterministic inputs when absent
    std::string outputDir;  // where output_K.bin files are written
    std::string checkDir;   // a reference folder laid out like ../shared/golden/<model>/
    std::string signature;
    int threads = 1;
};

int runRun(const RunOptions& options);

}  // namespace litescope::app

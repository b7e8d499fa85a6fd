// The headless sub-commands of the `litescope` executable. Each returns the process exit code.
#pragma once

#include <string>

namespace litescope::app {

// Exit codes shared by the sub-commands.
enum ExitCode : int {
    kExitOk = 0,
    kExitFailure = 1,       // anything else: bad arguments, I/O errors
    kExitInvalidModel = 2,  // the file is not a valid TFLite model
};

struct InspectOptions {
    std::string modelPath;
    bool json = false;
    bool operators = false;
    bool weights = true;
};

int runInspect(const InspectOptions& options);

}  // namespace litescope::app

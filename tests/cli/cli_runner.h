// Runs the litescope executable as a user would, capturing exit code, stdout and stderr.
#pragma once

#include <string>
#include <vector>

namespace litescope::test {

struct CliResult {
    int exitCode = -1;
    std::string out;
    std::string err;
};

CliResult runLitescope(const std::vector<std::string>& args);

}  // namespace litescope::test

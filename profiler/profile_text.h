// The text report of `litescope profile`, laid out like TensorFlow Lite benchmark_model's op-profiling output
// (Run Order, Top by Computation Time, Summary by node type, the Timings line) so that its users can read it
// at a glance, followed by what benchmark_model does not give: the spread of each top node, throughput, the
// run statistics with a confidence interval, memory and the measured profiling overhead.
#pragma once

#include <string>

#include "profiler/profile.h"

namespace litescope {

struct TextReportOptions {
    int top = 10;          // rows of "Top by Computation Time"
    bool runOrder = true;  // the full per-node table, one per subgraph that ran
};

std::string formatProfileReport(const Profile& profile, const TextReportOptions& options = {});

// benchmark_model's node label: "[output tensor]:index".
std::string nodeLabel(const NodeProfile& node);

}  // namespace litescope

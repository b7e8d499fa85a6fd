// The text report of `litescope profile`, laid out like TensorFlow Lite benchmark_model's op-profiling output
// (Run Order, Top by Computation Time, Summary by node type, the Timings line) so that its users can read it
// at a glance, followed by what benchmark_model does not give: the spread of each top node, throughput, the
// run statistics with a confidence interval, memory and the measured profiling overhead.
#pragma once

#include <string>

#include "profiler/profile.h"
#include "profiler/profile_session.h"

namespace litescope {

struct TextReportOptions {
    int top = 10;          // rows of "Top by Computation Time"
    bool runOrder = true;  // the full per-node table, one per subgraph that ran
};

std::string formatProfileReport(const Profile& profile, const TextReportOptions& options = {});

// `profile --compare-delegates`: both run statistics, the total speed-up, and per node the time without and
// with the delegate (inside partitions, the timing pass's estimate) and its speed-up.
std::string formatComparison(const DelegateComparison& comparison, const TextReportOptions& options = {});

// benchmark_model's node label: "[output tensor]:index".
std::string nodeLabel(const NodeProfile& node);

}  // namespace litescope

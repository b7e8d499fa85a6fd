// What `--explain` prints: the partitions a delegate took and, for every node left to the builtin kernels,
// why. TensorFlow Lite falls back silently; Litescope always says.
#pragma once

#include <string>

#include "runtime/interpreter.h"

namespace litescope {

// For every prepared subgraph with a delegation report. Empty when no delegate was applied.
std::string formatDelegation(Interpreter& interpreter);

// "34 of 40 operators in 2 partitions; 6 on the builtin kernels", over every prepared subgraph.
std::string delegationSummary(Interpreter& interpreter);

}  // namespace litescope

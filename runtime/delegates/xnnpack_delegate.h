// The XNNPACK delegate: runs the nodes XNNPACK (the version Debian ships, libxnnpack-dev) can run as XNNPACK
// subgraphs, one per partition, on a pthreadpool. Each node is checked against what TFLite's delegate maps
// and then tried in XNNPACK itself, so that nothing this XNNPACK would reject is claimed.
#pragma once

#include <memory>

#include "runtime/delegate.h"

namespace litescope {

struct XnnpackOptions {
    int threads = 1;  // the pthreadpool's size; 1 runs on the invoking thread
    // Try every claimed node alone in XNNPACK before claiming it (costs a second weight packing at prepare).
    bool probeNodes = true;
    // Take nodes with 8-bit quantized tensors too. Off by default, as in TensorFlow Lite 2.8 (whose delegate
    // took them only when asked): XNNPACK requantizes in float where TFLite's kernels use fixed-point
    // multipliers, so quantized outputs are no longer bit-identical to TFLite's.
    bool quantized = false;
};

// Fails when XNNPACK cannot initialise on this CPU (it needs SSE2 on x86).
Result<std::shared_ptr<Delegate>> makeXnnpackDelegate(const XnnpackOptions& options = {});

}  // namespace litescope

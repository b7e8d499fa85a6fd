// Sees the interpreter at work: each node's start and end (for timing) and, when asked, every tensor a node
// writes (for layer-by-layer comparison). With none attached, invoke pays one predictable branch per node.
#pragma once

#include <cstdint>
#include <string_view>

namespace litescope {

struct RuntimeTensor;

struct NodeEvent {
    int32_t subgraph = 0;
    int32_t node = 0;     // operator index within the subgraph
    std::string_view op;  // CONV_2D, or the custom code
    int32_t depth = 0;    // 0 for the invoked subgraph, +1 inside each control-flow body
};

class InvokeObserver {
  public:
    virtual ~InvokeObserver() = default;
    virtual void onNodeBegin(const NodeEvent&) {}
    virtual void onNodeEnd(const NodeEvent&) {}
    // Return true to receive onTensorWritten for every output of every node.
    virtual bool wantsTensors() const { return false; }
    virtual void onTensorWritten(const NodeEvent&, int32_t /*tensorIndex*/, const RuntimeTensor&) {}
};

}  // namespace litescope

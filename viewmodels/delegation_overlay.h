// What a delegate (XNNPACK) would take of a model, operator by operator: the graph's partition overlay, the
// inspector's line and the overview's summary. Computed once per load, off the UI thread, by preparing the
// model with the delegate exactly as `litescope run --delegate xnnpack` would.
#pragma once

#include <QString>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "runtime/delegate.h"
#include "runtime/model.h"

namespace litescope {

// What happens to one operator under the delegate.
enum class DelegationFate {
    Unknown,            // the subgraph was not prepared (a control-flow body), or no overlay
    Delegated,          // in a partition
    Builtin,            // left to the builtin kernels, with a reason
    ComputedAtPrepare,  // constant inputs: evaluated once at prepare, nothing runs at invoke
};

struct DelegationOverlay {
    std::string delegate;  // as the delegate names itself ("XNNPACK")
    std::string summary;   // "XNNPACK: 88 of 164 operators in 1 partition; 2 on the builtin kernels, ..."
    std::string error;     // why there is nothing to show (the model cannot be prepared, ...)
    // Per subgraph index; empty when that subgraph was not prepared (control-flow bodies are prepared only
    // when first invoked, so only subgraph 0 and what its preparation reaches appear).
    std::vector<std::vector<NodeDelegation>> subgraphs;
    // Per subgraph index, then partition: how many operators the partition covers.
    std::vector<std::vector<int32_t>> partitionSizes;

    // Null when the operator is out of range or its subgraph was not prepared.
    const NodeDelegation* node(int32_t subgraph, int32_t op) const;
    int32_t partitionSize(int32_t subgraph, int32_t partition) const;
    // Whether any subgraph has something to draw.
    bool hasNodes() const;
};

DelegationFate delegationFate(const NodeDelegation* node);

// Creates an interpreter with the named delegate (see makeDelegate) and prepares subgraph 0; errors (an op
// without a kernel, a type no kernel supports) end up in `error`, never thrown.
DelegationOverlay computeDelegationOverlay(const std::shared_ptr<const Model>& model,
                                           const std::string& delegateName = "xnnpack");

// The graph's badge on an operator: "XNNPACK p0", "builtin" or "prepare"; empty when unknown.
QString delegationBadge(const DelegationOverlay& overlay, int32_t subgraph, int32_t op);

// The inspector's line for an operator (also the graph's tooltip line):
//   "XNNPACK: partition 0 (65 operators)"
//   "XNNPACK: on the builtin kernels — CONCATENATION: this XNNPACK ... has no such node"
//   "XNNPACK: computed once at prepare from constant inputs; nothing runs at invoke"
//   "XNNPACK: not shown — <error>" or "XNNPACK: subgraph 2 is prepared only when a control-flow op runs it"
QString delegationText(const DelegationOverlay& overlay, int32_t subgraph, int32_t op);

}  // namespace litescope

// How TensorFlow Lite ops map onto XNNPACK's subgraph API (the version Debian ships): for each op, what this
// XNNPACK accepts (types, options, shapes) and the XNNPACK nodes that compute it. Used by the XNNPACK
// delegate both to answer whether it can run a node and to build its partitions.
#pragma once

#include <xnnpack.h>

#include <cstdint>
#include <string>

#include "runtime/delegate.h"
#include "runtime/status.h"

namespace litescope {

class SubgraphRuntime;

// Gives the XNNPACK value of a TFLite tensor of the subgraph, defining it on first use: constants (and
// tensors computed once at prepare) as static values read in place, the partition's inputs and outputs as
// external values, every other tensor as an internal value. Shapes, types and quantization come from the
// runtime tensor (resolved by the builtin prepare).
class XnnpackValues {
  public:
    virtual ~XnnpackValues() = default;
    virtual Result<uint32_t> value(int32_t tensor) = 0;
    // A value of the same type and quantization as `like`, with another shape, internal: for an op that
    // needs an intermediate (a reshape in front of an XNNPACK node, say).
    virtual Result<uint32_t> internalValue(int32_t like, const std::vector<size_t>& dims) = 0;
    // A static value the delegate keeps alive as long as the partition (reordered or converted weights,
    // biases in another type): `bytes` are copied.
    virtual Result<uint32_t> staticValue(xnn_datatype type, const std::vector<size_t>& dims,
                                         std::vector<uint8_t> bytes, float scale = 0,
                                         int32_t zeroPoint = 0) = 0;
};

// Whether this XNNPACK can run the node, from the op, its options, types and resolved shapes alone (no
// XNNPACK call). The delegate then also tries the node in XNNPACK before claiming it.
NodeSupport xnnpackCanRun(SubgraphRuntime& subgraph, int32_t node);

// Adds the XNNPACK nodes that compute `node` to `xnn`. Only called for nodes xnnpackCanRun accepted.
Status xnnpackDefine(xnn_subgraph_t xnn, SubgraphRuntime& subgraph, int32_t node, XnnpackValues& values);

// The XNNPACK datatype of a tensor as it would be defined (fp32, qint8, quint8, qcint8, qint32, qcint32), or
// xnn_datatype_invalid when XNNPACK has none for it. `perChannelAllowed`: a per-channel quantized tensor may
// be defined (filters and biases).
xnn_datatype xnnpackDatatype(SubgraphRuntime& subgraph, int32_t tensor, bool perChannelAllowed);

const char* xnnStatusName(xnn_status status);

}  // namespace litescope

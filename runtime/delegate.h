// Delegates: a delegate is asked node by node whether it can run each node (and, when not, why), the claimed
// nodes are grouped into partitions that keep the graph acyclic, and each partition then runs as one step of
// the interpreter. Every partition keeps the nodes it covers, and every node left to the builtin kernels
// keeps its reason, so that graphs, profiles and `--explain` can show what ran where.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/status.h"

namespace litescope {

class SubgraphRuntime;

// A delegate's answer for one node.
struct NodeSupport {
    bool supported = false;
    std::string reason;  // why not: the op, a dtype, an option or a shape, in words

    static NodeSupport yes() { return {true, {}}; }
    static NodeSupport no(std::string why) { return {false, std::move(why)}; }
};

// A group of nodes of one subgraph that a delegate runs as one step.
struct Partition {
    int32_t subgraph = 0;
    std::vector<int32_t> nodes;    // original operator indices, in execution order
    std::vector<int32_t> inputs;   // tensors it reads that no node of it writes (constants excluded)
    std::vector<int32_t> outputs;  // tensors it writes that are read after it, or are subgraph outputs
};

// What a delegate built for one partition: run with the subgraph's tensors in place.
class DelegateKernel {
  public:
    virtual ~DelegateKernel() = default;
    virtual Status invoke(SubgraphRuntime& subgraph) = 0;

    // Per-node times inside the partition, for profiles: the delegate times what it can of each node and
    // says how. Empty when it cannot.
    struct NodeTime {
        int32_t node = 0;
        double microseconds = 0;
    };
    struct Breakdown {
        std::vector<NodeTime> nodes;
        std::string method;  // how the figures were obtained, for the report
    };
    virtual Result<Breakdown> measureNodes(SubgraphRuntime& /*subgraph*/, int /*repetitions*/) {
        return Status{ErrorCode::Unsupported, "this delegate does not time the nodes of a partition"};
    }
};

class Delegate {
  public:
    virtual ~Delegate() = default;
    // "XNNPACK": shown in reports and as the op name of the step that runs a partition.
    virtual std::string_view name() const = 0;
    // Asked after the builtin kernels were prepared: tensor shapes are resolved and nodes with only
    // constant inputs have been computed. Must not change anything.
    virtual NodeSupport supports(SubgraphRuntime& subgraph, int32_t node) = 0;
    // Builds the kernel for a partition. An error leaves the partition's nodes to the builtin kernels, with
    // the message as their reason.
    virtual Result<std::unique_ptr<DelegateKernel>> prepare(SubgraphRuntime& subgraph,
                                                            const Partition& partition) = 0;
};

struct DelegateOptions {
    int maxPartitions =
        0;  // keep only the N largest partitions (0: all), as TFLite's max_delegated_partitions
    bool requireFullDelegation = false;  // prepare fails when any node is left to the builtin kernels
    // Op names (CONV_2D) left to the builtin kernels even where the delegate could run them.
    std::vector<std::string> excludedOps;
};

// One node's fate.
struct NodeDelegation {
    int32_t node = 0;
    int32_t partition = -1;  // index into the subgraph's partitions, or -1: run by the builtin kernels
    std::string reason;      // for a node not delegated: why
    bool computedAtPrepare = false;  // evaluated once at prepare from constants: nothing of it runs at invoke
};

// What happened to a subgraph's nodes when a delegate was applied.
struct DelegationReport {
    std::string delegate;
    std::vector<Partition> partitions;
    std::vector<NodeDelegation> nodes;  // one per operator, by index
    double prepareMicroseconds = 0;     // asking, partitioning and building the partitions
};

// The graph facts the partitioner needs about one node.
struct NodeDependencies {
    std::vector<int32_t> inputs;  // tensor indices (negative ones are ignored)
    std::vector<int32_t> outputs;
};

// A run of nodes executed one after the other: either a partition (delegated) or builtin nodes.
struct NodeSubset {
    bool delegated = false;
    std::vector<int32_t> nodes;  // indices into the span given, in execution order
};

// Groups nodes into subsets, alternating between claimed and unclaimed ones: each subset takes every node of
// its kind whose producers are all in earlier subsets (or in itself), so that subsets run in the order
// returned form a valid execution order with no cycle between them, and claimed nodes form as few, as large
// partitions as that allows (TensorFlow Lite's partitioning). `nodes` must be in a valid execution order
// (every tensor produced before it is read); tensors no node produces are available from the start.
std::vector<NodeSubset> partitionNodes(std::span<const NodeDependencies> nodes,
                                       std::span<const char> claimed);

}  // namespace litescope

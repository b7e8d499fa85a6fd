// The op graph of one subgraph as the graph view draws it: operators as nodes, tensors as labelled edges,
// constants folded into the ops that read them, laid out off the UI thread; plus find-in-graph.
#pragma once

#include <atomic>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/model.h"
#include "viewmodels/graph_layout.h"

namespace litescope {

// What an operator does, for colouring nodes and for the legend.
enum class OpCategory {
    Convolution,
    Linear,
    Pooling,
    Activation,
    Elementwise,
    Normalization,
    Shape,
    Reduction,
    Quantization,  // and other type conversions (CAST)
    ControlFlow,
    Recurrent,
    Gather,  // embeddings, gathers and scatters
    Custom,  // custom and Select-TF (Flex) ops
    Other,
};
inline constexpr int kOpCategoryCount = static_cast<int>(OpCategory::Other) + 1;

OpCategory categorizeOp(const OperatorCode& code);
std::string_view opCategoryName(OpCategory category);  // "Convolution", "Embedding / gather", ...

struct OpGraphNode {
    enum class Kind { Operator, Input, Output };
    Kind kind = Kind::Operator;
    int32_t index = 0;     // operator index, or tensor index for Input/Output
    std::string title;     // op name (CONV_2D, or the custom code) or tensor name
    std::string subtitle;  // "#12  1x112x112x32" (index and first output's shape) or "1x96x96x3 INT8"
    // Constant, variable and producer-less inputs: not nodes of their own, listed when the node is expanded.
    std::vector<int32_t> foldedConstants;
    OpCategory category = OpCategory::Other;
    std::vector<int32_t> calledSubgraphs;   // WHILE/IF/CALL_ONCE bodies, StableHLO regions
    std::vector<std::string> calledLabels;  // one per called subgraph: "body: while_body"
    NodeSize size;
    Point center;
};

struct OpGraphEdge {
    int32_t from = 0;  // node indices
    int32_t to = 0;
    int32_t tensor = 0;
    std::string label;        // "1x112x112x32 INT8"
    std::vector<Point> path;  // from the source's border to the target's, through the layout's bends
    bool reversed = false;    // turned round to break a cycle, so it points upwards
};

struct OpGraph {
    int32_t subgraph = 0;
    std::vector<OpGraphNode> nodes;  // Input nodes, then one per operator in index order, then Output nodes
    std::vector<OpGraphEdge> edges;  // one per (producer, consumer, tensor)
    double width = 0;
    double height = 0;
    bool cancelled = false;

    // Lookups; each answers -1 or nothing for an index out of range.
    int32_t nodeForOperator(int32_t op) const;
    int32_t inputNode(int32_t tensor) const;   // the Input node of a subgraph input
    int32_t outputNode(int32_t tensor) const;  // the Output node of a subgraph output
    std::vector<int32_t> edgesForTensor(int32_t tensor) const;
    // Nodes that fold the tensor (a constant read by several ops is folded into each).
    std::vector<int32_t> nodesFoldingTensor(int32_t tensor) const;
    std::span<const int32_t> incomingEdges(int32_t node) const;  // in the order of the node's inputs
    std::span<const int32_t> outgoingEdges(int32_t node) const;  // in consumer order

    // Filled by buildOpGraph.
    std::vector<int32_t> operatorNodes;      // operator index -> node
    std::vector<int32_t> tensorEdgeOffsets;  // tensor t's edges: tensorEdgeList[offsets[t]..offsets[t+1])
    std::vector<int32_t> tensorEdgeList;
    std::vector<int32_t> incomingOffsets, incomingList;
    std::vector<int32_t> outgoingOffsets, outgoingList;
};

// Builds and lays out one subgraph's op graph. Plain C++, safe on a worker thread; when `cancel` becomes
// true it stops at the next phase and returns a graph with `cancelled` set. An out-of-range subgraph gives
// an empty graph.
OpGraph buildOpGraph(const Model& model, int32_t subgraph, const std::atomic<bool>* cancel = nullptr);

// "1x112x112x32 INT8": the stored shape as TFLite reports it (a dynamic batch shows as its stored 1;
// "scalar" for rank 0, "?" for unknown rank), then the type.
std::string tensorLabel(const Tensor& tensor);
std::string shapeText(const Tensor& tensor);

struct GraphMatch {
    int32_t node = -1;
    int32_t tensor = -1;  // the tensor that matched, or -1 when the node itself did
    std::string why;      // "op type CONV_2D", "tensor 'conv1/weights'", "operator #12", ...
};

// Finds nodes for the find bar. Query syntax (surrounding spaces ignored):
//   #12 or 12            the operator with index 12
//   t:12, t12, tensor 12, tensor:12
//                        the tensor with index 12: its Input node, else its producer, else its Output node,
//                        else every node it is folded into
//   anything else        case-insensitive substring of an op type (CONV_2D, a custom code) or of a tensor
//                        name; a matching tensor leads to the same node as above
// At most one match per node, in node order (inputs, operators by index, outputs).
std::vector<GraphMatch> findInGraph(const Model& model, const OpGraph& graph, std::string_view query);

}  // namespace litescope

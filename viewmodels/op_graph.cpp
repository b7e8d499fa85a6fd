// Graph extraction is linear in operators plus tensor uses: producers are recorded first, so each input use
// of a tensor turns into edges from its producers without any search.
#include "viewmodels/op_graph.h"

#include <algorithm>
#include <charconv>
#include <optional>
#include <unordered_map>

namespace litescope {
namespace {

// Text widths are estimated, not measured: this runs without a GUI. The figures are average advances of
// the view's fonts (bold 12 px titles, 10 px details) with some slack; the view elides what still overflows.
constexpr double kTitleCharWidth = 9.0;
constexpr double kTensorTitleCharWidth = 7.2;
constexpr double kSmallCharWidth = 6.2;
constexpr double kPadding = 12;
constexpr double kMinNodeWidth = 110;
constexpr double kMaxNodeWidth = 300;
constexpr double kNodeHeight = 44;
constexpr double kTensorNodeHeight = 40;
constexpr double kBadgeRowHeight = 22;
constexpr double kBadgeGap = 6;
constexpr double kBadgePadding = 14;

bool cancelled(const std::atomic<bool>* cancel) {
    return cancel && cancel->load(std::memory_order_relaxed);
}

// Characters, not bytes: tensor names may be UTF-8.
double textWidth(std::string_view text, double charWidth) {
    size_t chars = 0;
    for (unsigned char c : text)
        chars += (c & 0xC0) != 0x80;
    return static_cast<double>(chars) * charWidth;
}

std::string constMarker(size_t count) {
    return "+" + std::to_string(count) + " const";
}

char lower(char c) {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

bool containsIgnoringCase(std::string_view text, std::string_view needle) {
    if (needle.empty()) return true;
    auto it = std::search(text.begin(), text.end(), needle.begin(), needle.end(),
                          [](char a, char b) { return lower(a) == lower(b); });
    return it != text.end();
}

std::optional<int32_t> parseIndex(std::string_view text) {
    while (!text.empty() && text.front() == ' ')
        text.remove_prefix(1);
    if (text.empty()) return std::nullopt;
    int32_t value = 0;
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc() || end != text.data() + text.size() || value < 0) return std::nullopt;
    return value;
}

std::string_view trim(std::string_view text) {
    auto isSpace = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
    while (!text.empty() && isSpace(text.front()))
        text.remove_prefix(1);
    while (!text.empty() && isSpace(text.back()))
        text.remove_suffix(1);
    return text;
}

// "t:12", "t12", "tensor 12", "tensor:12" -> 12.
std::optional<int32_t> parseTensorQuery(std::string_view query) {
    std::string lowered(query);
    std::transform(lowered.begin(), lowered.end(), lowered.begin(), lower);
    std::string_view rest = lowered;
    if (rest.starts_with("tensor")) {
        rest.remove_prefix(6);
    } else if (rest.starts_with("t")) {
        rest.remove_prefix(1);
    } else {
        return std::nullopt;
    }
    if (rest.starts_with(":")) rest.remove_prefix(1);
    return parseIndex(rest);
}

// Builtin op names by category, as space-separated lists so that the table stays readable.
const std::unordered_map<std::string_view, OpCategory>& builtinCategories() {
    using C = OpCategory;
    static const std::unordered_map<std::string_view, OpCategory> map = [] {
        std::unordered_map<std::string_view, OpCategory> m;
        auto add = [&m](C category, std::string_view names) {
            while (!names.empty()) {
                const size_t space = names.find(' ');
                m.emplace(names.substr(0, space), category);
                names.remove_prefix(space == std::string_view::npos ? names.size() : space + 1);
            }
        };
        add(C::Convolution,
            "CONV_2D DEPTHWISE_CONV_2D TRANSPOSE_CONV CONV_3D CONV_3D_TRANSPOSE STABLEHLO_CONVOLUTION");
        add(C::Linear, "FULLY_CONNECTED BATCH_MATMUL STABLEHLO_DOT_GENERAL");
        add(C::Pooling, "AVERAGE_POOL_2D MAX_POOL_2D L2_POOL_2D REDUCE_WINDOW STABLEHLO_REDUCE_WINDOW");
        add(C::Activation,
            "RELU RELU6 RELU_N1_TO_1 RELU_0_TO_1 LOGISTIC TANH SOFTMAX LOG_SOFTMAX PRELU LEAKY_RELU "
            "ELU HARD_SWISH GELU STABLEHLO_LOGISTIC STABLEHLO_TANH");
        add(C::Elementwise,
            "ADD SUB MUL DIV POW MAXIMUM MINIMUM FLOOR CEIL ROUND ABS NEG EXP LOG SQRT RSQRT SQUARE "
            "SQUARED_DIFFERENCE SIN COS ADD_N FLOOR_DIV FLOOR_MOD LESS LESS_EQUAL GREATER "
            "GREATER_EQUAL EQUAL NOT_EQUAL LOGICAL_OR LOGICAL_AND LOGICAL_NOT SELECT SELECT_V2 SIGN "
            "ATAN2 BITWISE_XOR RIGHT_SHIFT IMAG REAL COMPLEX_ABS STABLEHLO_ADD STABLEHLO_DIVIDE "
            "STABLEHLO_MULTIPLY STABLEHLO_MAXIMUM STABLEHLO_MINIMUM STABLEHLO_CLAMP STABLEHLO_ABS "
            "STABLEHLO_AND STABLEHLO_COSINE STABLEHLO_EXPONENTIAL STABLEHLO_FLOOR STABLEHLO_LOG "
            "STABLEHLO_NEGATE STABLEHLO_OR STABLEHLO_POWER STABLEHLO_REMAINDER STABLEHLO_RSQRT "
            "STABLEHLO_SELECT STABLEHLO_SUBTRACT STABLEHLO_COMPARE STABLEHLO_SHIFT_LEFT "
            "STABLEHLO_CBRT");
        add(C::Normalization, "L2_NORMALIZATION LOCAL_RESPONSE_NORMALIZATION");
        add(C::Shape,
            "RESHAPE SQUEEZE EXPAND_DIMS TRANSPOSE CONCATENATION SPLIT SPLIT_V SLICE STRIDED_SLICE "
            "PACK UNPACK PAD PADV2 MIRROR_PAD TILE BROADCAST_TO BROADCAST_ARGS SHAPE RANK "
            "DEPTH_TO_SPACE SPACE_TO_DEPTH BATCH_TO_SPACE_ND SPACE_TO_BATCH_ND RESIZE_BILINEAR "
            "RESIZE_NEAREST_NEIGHBOR REVERSE_V2 REVERSE_SEQUENCE FILL ZEROS_LIKE RANGE MATRIX_DIAG "
            "MATRIX_SET_DIAG DILATE BITCAST DYNAMIC_UPDATE_SLICE STABLEHLO_RESHAPE "
            "STABLEHLO_CONCATENATE STABLEHLO_BROADCAST_IN_DIM STABLEHLO_SLICE STABLEHLO_DYNAMIC_SLICE "
            "STABLEHLO_DYNAMIC_UPDATE_SLICE STABLEHLO_PAD STABLEHLO_IOTA STABLEHLO_TRANSPOSE");
        add(C::Reduction,
            "MEAN SUM REDUCE_PROD REDUCE_MAX REDUCE_MIN REDUCE_ANY REDUCE_ALL ARG_MAX ARG_MIN TOPK_V2 "
            "CUMSUM SEGMENT_SUM UNSORTED_SEGMENT_PROD UNSORTED_SEGMENT_MAX UNSORTED_SEGMENT_SUM "
            "UNSORTED_SEGMENT_MIN STABLEHLO_REDUCE STABLEHLO_SORT");
        add(C::Quantization, "QUANTIZE DEQUANTIZE FAKE_QUANT CAST DENSIFY STABLEHLO_CONVERT");
        add(C::ControlFlow, "IF WHILE CALL CALL_ONCE STABLEHLO_WHILE STABLEHLO_CASE STABLEHLO_COMPOSITE");
        add(C::Recurrent,
            "LSTM UNIDIRECTIONAL_SEQUENCE_LSTM BIDIRECTIONAL_SEQUENCE_LSTM RNN "
            "UNIDIRECTIONAL_SEQUENCE_RNN BIDIRECTIONAL_SEQUENCE_RNN SVDF");
        add(C::Gather,
            "GATHER GATHER_ND EMBEDDING_LOOKUP EMBEDDING_LOOKUP_SPARSE HASHTABLE_LOOKUP SCATTER_ND "
            "STABLEHLO_GATHER STABLEHLO_SCATTER LSH_PROJECTION SKIP_GRAM CONCAT_EMBEDDINGS ONE_HOT "
            "SPARSE_TO_DENSE");
        add(C::Custom, "STABLEHLO_CUSTOM_CALL");
        return m;
    }();
    return map;
}

// Names for the roles of called subgraphs, in the order the op's options list them.
std::string calledLabel(std::string_view op, size_t position, const Subgraph& callee) {
    std::string role;
    if (op == "WHILE" || op == "STABLEHLO_WHILE") {
        role = position == 0 ? "cond" : "body";
    } else if (op == "IF") {
        role = position == 0 ? "then" : "else";
    } else if (op == "CALL_ONCE") {
        role = "init";
    } else if (op == "STABLEHLO_CASE") {
        role = "case " + std::to_string(position);
    } else {
        role = "calls";
    }
    std::string name =
        callee.name.empty() ? "subgraph " + std::to_string(callee.index) : std::string(callee.name);
    return role + ": " + name;
}

// Compressed adjacency from (key, value) pairs given in value order.
void buildIndex(size_t keyCount, const std::vector<std::pair<int32_t, int32_t>>& pairs,
                std::vector<int32_t>& offsets, std::vector<int32_t>& list) {
    offsets.assign(keyCount + 1, 0);
    for (const auto& [key, value] : pairs)
        ++offsets[static_cast<size_t>(key) + 1];
    for (size_t k = 0; k < keyCount; ++k)
        offsets[k + 1] += offsets[k];
    list.resize(pairs.size());
    std::vector<int32_t> cursor(offsets.begin(), offsets.end() - 1);
    for (const auto& [key, value] : pairs)
        list[cursor[key]++] = value;
}

std::span<const int32_t> slice(const std::vector<int32_t>& offsets, const std::vector<int32_t>& list,
                               int32_t key) {
    if (key < 0 || static_cast<size_t>(key) + 1 >= offsets.size()) return {};
    return std::span<const int32_t>(list).subspan(offsets[key], offsets[key + 1] - offsets[key]);
}

}  // namespace

OpCategory categorizeOp(const OperatorCode& code) {
    if (code.isCustom()) return OpCategory::Custom;
    const auto& map = builtinCategories();
    auto it = map.find(code.name);
    return it == map.end() ? OpCategory::Other : it->second;
}

std::string_view opCategoryName(OpCategory category) {
    switch (category) {
        case OpCategory::Convolution:
            return "Convolution";
        case OpCategory::Linear:
            return "Linear";
        case OpCategory::Pooling:
            return "Pooling";
        case OpCategory::Activation:
            return "Activation";
        case OpCategory::Elementwise:
            return "Elementwise";
        case OpCategory::Normalization:
            return "Normalization";
        case OpCategory::Shape:
            return "Shape";
        case OpCategory::Reduction:
            return "Reduction";
        case OpCategory::Quantization:
            return "Quantization";
        case OpCategory::ControlFlow:
            return "Control flow";
        case OpCategory::Recurrent:
            return "Recurrent";
        case OpCategory::Gather:
            return "Embedding / gather";
        case OpCategory::Custom:
            return "Custom";
        case OpCategory::Other:
            break;
    }
    return "Other";
}

std::string shapeText(const Tensor& tensor) {
    if (!tensor.hasRank) return "?";
    if (tensor.shape.empty()) return "scalar";
    std::string out;
    for (size_t i = 0; i < tensor.shape.size(); ++i) {
        if (i) out += 'x';
        out += std::to_string(tensor.shape[i]);
    }
    return out;
}

std::string tensorLabel(const Tensor& tensor) {
    return shapeText(tensor) + " " + std::string(tensorTypeName(tensor.type));
}

int32_t OpGraph::nodeForOperator(int32_t op) const {
    return op >= 0 && static_cast<size_t>(op) < operatorNodes.size() ? operatorNodes[op] : -1;
}

int32_t OpGraph::inputNode(int32_t tensor) const {
    for (size_t n = 0; n < nodes.size() && nodes[n].kind == OpGraphNode::Kind::Input; ++n)
        if (nodes[n].index == tensor) return static_cast<int32_t>(n);
    return -1;
}

int32_t OpGraph::outputNode(int32_t tensor) const {
    for (size_t n = nodes.size(); n-- > 0 && nodes[n].kind == OpGraphNode::Kind::Output;)
        if (nodes[n].index == tensor) return static_cast<int32_t>(n);
    return -1;
}

std::vector<int32_t> OpGraph::edgesForTensor(int32_t tensor) const {
    auto edgesOf = slice(tensorEdgeOffsets, tensorEdgeList, tensor);
    return {edgesOf.begin(), edgesOf.end()};
}

std::vector<int32_t> OpGraph::nodesFoldingTensor(int32_t tensor) const {
    std::vector<int32_t> out;
    for (size_t n = 0; n < nodes.size(); ++n) {
        const auto& folded = nodes[n].foldedConstants;
        if (std::find(folded.begin(), folded.end(), tensor) != folded.end())
            out.push_back(static_cast<int32_t>(n));
    }
    return out;
}

std::span<const int32_t> OpGraph::incomingEdges(int32_t node) const {
    return slice(incomingOffsets, incomingList, node);
}

std::span<const int32_t> OpGraph::outgoingEdges(int32_t node) const {
    return slice(outgoingOffsets, outgoingList, node);
}

OpGraph buildOpGraph(const Model& model, int32_t subgraphIndex, const std::atomic<bool>* cancel) {
    OpGraph graph;
    graph.subgraph = subgraphIndex;
    if (subgraphIndex < 0 || static_cast<size_t>(subgraphIndex) >= model.subgraphs().size()) return graph;
    auto stop = [&graph] {
        graph.cancelled = true;
        return std::move(graph);
    };
    const Subgraph& sg = model.subgraphs()[subgraphIndex];
    const auto tensorCount = static_cast<int32_t>(sg.tensors.size());
    auto validTensor = [tensorCount](int32_t t) { return t >= 0 && t < tensorCount; };

    // Nodes: inputs first, then operators in execution order, then outputs, so that node order reads top
    // to bottom and find results come out in that order.
    std::vector<int32_t> inputNodeOf(tensorCount, -1);
    for (int32_t t : sg.inputs) {
        if (!validTensor(t) || inputNodeOf[t] >= 0) continue;
        inputNodeOf[t] = static_cast<int32_t>(graph.nodes.size());
        OpGraphNode node;
        node.kind = OpGraphNode::Kind::Input;
        node.index = t;
        graph.nodes.push_back(std::move(node));
    }
    graph.operatorNodes.resize(sg.operators.size());
    for (const Operator& op : sg.operators) {
        graph.operatorNodes[op.index] = static_cast<int32_t>(graph.nodes.size());
        OpGraphNode node;
        node.kind = OpGraphNode::Kind::Operator;
        node.index = op.index;
        graph.nodes.push_back(std::move(node));
    }
    std::vector<int32_t> outputNodeOf(tensorCount, -1);
    for (int32_t t : sg.outputs) {
        if (!validTensor(t) || outputNodeOf[t] >= 0) continue;
        outputNodeOf[t] = static_cast<int32_t>(graph.nodes.size());
        OpGraphNode node;
        node.kind = OpGraphNode::Kind::Output;
        node.index = t;
        graph.nodes.push_back(std::move(node));
    }
    if (cancelled(cancel)) return stop();

    // Producers of every tensor: the Input node and/or the operators writing it (a valid model has one).
    std::vector<int32_t> firstProducer(tensorCount, -1);
    std::unordered_map<int32_t, std::vector<int32_t>> moreProducers;
    auto addProducer = [&](int32_t t, int32_t node) {
        if (firstProducer[t] < 0) {
            firstProducer[t] = node;
        } else if (firstProducer[t] != node) {
            auto& more = moreProducers[t];
            if (std::find(more.begin(), more.end(), node) == more.end()) more.push_back(node);
        }
    };
    for (int32_t t = 0; t < tensorCount; ++t)
        if (inputNodeOf[t] >= 0) addProducer(t, inputNodeOf[t]);
    for (const Operator& op : sg.operators)
        for (int32_t t : op.outputs)
            if (validTensor(t)) addProducer(t, graph.operatorNodes[op.index]);

    auto addEdges = [&](int32_t t, int32_t consumer) {
        auto add = [&](int32_t producer) {
            OpGraphEdge edge;
            edge.from = producer;
            edge.to = consumer;
            edge.tensor = t;
            graph.edges.push_back(std::move(edge));
        };
        add(firstProducer[t]);
        if (auto it = moreProducers.find(t); it != moreProducers.end())
            for (int32_t producer : it->second)
                add(producer);
    };

    for (const Operator& op : sg.operators) {
        OpGraphNode& node = graph.nodes[graph.operatorNodes[op.index]];
        const OperatorCode& code = model.operatorCode(op);
        node.title = code.name.empty() ? std::string(code.customCode) : code.name;
        node.category = categorizeOp(code);
        node.subtitle = "#" + std::to_string(op.index);
        for (int32_t t : op.outputs) {
            if (validTensor(t)) {
                node.subtitle += "  " + shapeText(sg.tensors[t]);
                break;
            }
        }
        for (size_t k = 0; k < op.inputs.size(); ++k) {
            const int32_t t = op.inputs[k];
            if (!validTensor(t)) continue;  // -1: an omitted optional input
            // An op reading the same tensor twice (MUL x, x) still gets one edge.
            if (std::find(op.inputs.begin(), op.inputs.begin() + static_cast<std::ptrdiff_t>(k), t) !=
                op.inputs.begin() + static_cast<std::ptrdiff_t>(k))
                continue;
            if (firstProducer[t] < 0) {
                node.foldedConstants.push_back(t);
            } else {
                addEdges(t, graph.operatorNodes[op.index]);
            }
        }
        node.calledSubgraphs = op.calledSubgraphs;
        for (size_t k = 0; k < op.calledSubgraphs.size(); ++k) {
            const int32_t callee = op.calledSubgraphs[k];
            if (callee >= 0 && static_cast<size_t>(callee) < model.subgraphs().size()) {
                node.calledLabels.push_back(calledLabel(node.title, k, model.subgraphs()[callee]));
            } else {
                node.calledLabels.push_back("subgraph " + std::to_string(callee));
            }
        }
    }
    for (OpGraphNode& node : graph.nodes) {
        if (node.kind == OpGraphNode::Kind::Operator) continue;
        const Tensor& tensor = sg.tensors[node.index];
        node.title =
            tensor.name.empty() ? "tensor " + std::to_string(tensor.index) : std::string(tensor.name);
        node.subtitle = tensorLabel(tensor);
        node.category = OpCategory::Other;
        if (node.kind == OpGraphNode::Kind::Output && firstProducer[node.index] >= 0)
            addEdges(node.index, static_cast<int32_t>(&node - graph.nodes.data()));
    }
    for (OpGraphEdge& edge : graph.edges)
        edge.label = tensorLabel(sg.tensors[edge.tensor]);
    if (cancelled(cancel)) return stop();

    for (OpGraphNode& node : graph.nodes) {
        double width = 0;
        if (node.kind == OpGraphNode::Kind::Operator) {
            double details = textWidth(node.subtitle, kSmallCharWidth);
            if (!node.foldedConstants.empty())
                details += 8 + textWidth(constMarker(node.foldedConstants.size()), kSmallCharWidth) + 10;
            double badges = 0;
            for (const std::string& label : node.calledLabels)
                badges += textWidth(label, kSmallCharWidth) + kBadgePadding + kBadgeGap;
            width = std::max({textWidth(node.title, kTitleCharWidth), details, badges}) + 2 * kPadding;
            node.size.height = kNodeHeight + (node.calledLabels.empty() ? 0 : kBadgeRowHeight);
        } else {
            // Pills: the round ends take some of the width.
            width = std::max(textWidth(node.title, kTensorTitleCharWidth),
                             textWidth(node.subtitle, kSmallCharWidth)) +
                    2 * kPadding + kTensorNodeHeight / 2;
            node.size.height = kTensorNodeHeight;
        }
        node.size.width = std::clamp(width, kMinNodeWidth, kMaxNodeWidth);
    }

    LayoutGraph layoutInput;
    layoutInput.nodes.reserve(graph.nodes.size());
    for (const OpGraphNode& node : graph.nodes)
        layoutInput.nodes.push_back(node.size);
    layoutInput.edges.reserve(graph.edges.size());
    for (const OpGraphEdge& edge : graph.edges)
        layoutInput.edges.emplace_back(edge.from, edge.to);
    LayoutOptions options;
    options.nodeGap = 28;
    options.layerGap = 44;  // room for an edge label between layers
    options.cancel = cancel;
    GraphLayout layout = layoutGraph(layoutInput, options);
    if (layout.cancelled || cancelled(cancel)) return stop();
    for (size_t n = 0; n < graph.nodes.size(); ++n)
        graph.nodes[n].center = layout.nodeCenters[n];
    for (size_t e = 0; e < graph.edges.size(); ++e) {
        graph.edges[e].path = std::move(layout.edgePaths[e]);
        graph.edges[e].reversed = layout.reversed[e];
    }
    graph.width = layout.width;
    graph.height = layout.height;

    std::vector<std::pair<int32_t, int32_t>> pairs;
    pairs.reserve(graph.edges.size());
    for (size_t e = 0; e < graph.edges.size(); ++e)
        pairs.emplace_back(graph.edges[e].tensor, static_cast<int32_t>(e));
    buildIndex(static_cast<size_t>(tensorCount), pairs, graph.tensorEdgeOffsets, graph.tensorEdgeList);
    for (size_t e = 0; e < graph.edges.size(); ++e)
        pairs[e] = {graph.edges[e].to, static_cast<int32_t>(e)};
    buildIndex(graph.nodes.size(), pairs, graph.incomingOffsets, graph.incomingList);
    for (size_t e = 0; e < graph.edges.size(); ++e)
        pairs[e] = {graph.edges[e].from, static_cast<int32_t>(e)};
    buildIndex(graph.nodes.size(), pairs, graph.outgoingOffsets, graph.outgoingList);
    return graph;
}

std::vector<GraphMatch> findInGraph(const Model& model, const OpGraph& graph, std::string_view rawQuery) {
    std::vector<GraphMatch> out;
    const std::string_view query = trim(rawQuery);
    if (query.empty() || graph.subgraph < 0 ||
        static_cast<size_t>(graph.subgraph) >= model.subgraphs().size())
        return out;
    const Subgraph& sg = model.subgraphs()[graph.subgraph];
    const auto tensorCount = static_cast<int32_t>(sg.tensors.size());

    std::vector<GraphMatch> byNode(graph.nodes.size());
    auto offer = [&](int32_t node, int32_t tensor, std::string why) {
        if (node < 0 || static_cast<size_t>(node) >= byNode.size() || byNode[node].node >= 0) return;
        byNode[node] = {node, tensor, std::move(why)};
    };
    // Built once, so that a query matching thousands of tensor names stays linear.
    std::vector<int32_t> producerNode(tensorCount, -1);
    for (const Operator& op : sg.operators)
        for (int32_t t : op.outputs)
            if (t >= 0 && t < tensorCount && producerNode[t] < 0)
                producerNode[t] = graph.nodeForOperator(op.index);
    std::unordered_map<int32_t, std::vector<int32_t>> foldingNodes;
    for (size_t n = 0; n < graph.nodes.size(); ++n)
        for (int32_t t : graph.nodes[n].foldedConstants)
            foldingNodes[t].push_back(static_cast<int32_t>(n));
    // The node a tensor is best shown at: where it enters, where it is made, where it leaves, or where it
    // is folded in.
    auto offerTensor = [&](int32_t t, const std::string& why) {
        if (t < 0 || t >= tensorCount) return;
        if (int32_t input = graph.inputNode(t); input >= 0) return offer(input, t, why);
        if (producerNode[t] >= 0) return offer(producerNode[t], t, why);
        if (int32_t output = graph.outputNode(t); output >= 0) return offer(output, t, why);
        if (auto it = foldingNodes.find(t); it != foldingNodes.end())
            for (int32_t node : it->second)
                offer(node, t, why);
    };

    std::string_view number = query;
    if (number.starts_with("#")) number.remove_prefix(1);
    if (auto op = parseIndex(number)) {
        offer(graph.nodeForOperator(*op), -1, "operator #" + std::to_string(*op));
    } else if (auto tensorIndex = parseTensorQuery(query)) {
        offerTensor(*tensorIndex, "tensor " + std::to_string(*tensorIndex));
    } else if (!query.starts_with("#")) {
        for (size_t n = 0; n < graph.nodes.size(); ++n) {
            const OpGraphNode& node = graph.nodes[n];
            if (node.kind == OpGraphNode::Kind::Operator && containsIgnoringCase(node.title, query))
                offer(static_cast<int32_t>(n), -1, "op type " + node.title);
        }
        for (const Tensor& tensor : sg.tensors) {
            if (!tensor.name.empty() && containsIgnoringCase(tensor.name, query))
                offerTensor(tensor.index, "tensor '" + std::string(tensor.name) + "'");
        }
    }
    for (GraphMatch& match : byNode)
        if (match.node >= 0) out.push_back(std::move(match));
    return out;
}

}  // namespace litescope

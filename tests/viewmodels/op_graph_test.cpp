// The op graph: structure checked against the model it came from (real models from ../shared and small
// hand-built ones), layout invariants, determinism, op categories, find queries, control flow, cancel.
#include "viewmodels/op_graph.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

#include "tests/support/model_builder.h"
#include "tests/support/shared_data.h"

namespace litescope {
namespace {

const char* const kVww = "mlcommons-tiny/v0.1/training/visual_wake_words/trained_models/vww_96_int8.tflite";
const char* const kPose = "mediapipe/mediapipe/modules/pose_landmark/pose_landmark_lite.tflite";
const char* const kWhile = "litert/tflite/testdata/multi_subgraphs_while.bin";
const char* const kNestedWhile = "litert/tflite/testdata/nested_while.bin";

std::shared_ptr<const Model> load(const std::string& relative) {
    auto model = Model::fromFile(test::modelPath(relative));
    if (!model) {
        ADD_FAILURE() << relative << ": " << model.message();
        return nullptr;
    }
    return *model;
}

std::shared_ptr<const Model> fromBuilder(const test::ModelBuilder& builder) {
    auto model = Model::fromBytes(builder.build(), "built");
    if (!model) {
        ADD_FAILURE() << model.message();
        return nullptr;
    }
    return *model;
}

using EdgeKey = std::tuple<int32_t, int32_t, int32_t>;  // from node, to node, tensor

// Edges a graph must have, worked out from the model directly, and the constants each op must fold.
void expectMatchesModel(const Model& model, const OpGraph& graph) {
    ASSERT_FALSE(graph.cancelled);
    const Subgraph& sg = model.subgraphs()[graph.subgraph];
    std::set<int32_t> inputs(sg.inputs.begin(), sg.inputs.end());
    std::set<int32_t> outputs(sg.outputs.begin(), sg.outputs.end());
    ASSERT_EQ(graph.nodes.size(), sg.operators.size() + inputs.size() + outputs.size());

    std::map<int32_t, std::vector<int32_t>> producers;  // tensor -> nodes
    for (int32_t t : inputs)
        producers[t].push_back(graph.inputNode(t));
    for (const Operator& op : sg.operators)
        for (int32_t t : op.outputs)
            producers[t].push_back(graph.nodeForOperator(op.index));

    std::multiset<EdgeKey> expected;
    for (const Operator& op : sg.operators) {
        const int32_t node = graph.nodeForOperator(op.index);
        ASSERT_GE(node, 0);
        EXPECT_EQ(graph.nodes[node].kind, OpGraphNode::Kind::Operator);
        EXPECT_EQ(graph.nodes[node].index, op.index);
        EXPECT_EQ(graph.nodes[node].title, model.operatorCode(op).name);
        std::set<int32_t> seen, folded;
        for (int32_t t : op.inputs) {
            if (t < 0 || !seen.insert(t).second) continue;
            auto it = producers.find(t);
            if (it == producers.end()) {
                folded.insert(t);
                continue;
            }
            EXPECT_FALSE(sg.tensors[t].isConstant() && !inputs.count(t))
                << "constant t" << t << " has a producer";
            for (int32_t from : it->second)
                expected.insert({from, node, t});
        }
        const auto& actualFolded = graph.nodes[node].foldedConstants;
        EXPECT_EQ(std::set<int32_t>(actualFolded.begin(), actualFolded.end()), folded) << "op " << op.index;
        EXPECT_EQ(actualFolded.size(), folded.size()) << "op " << op.index;
    }
    for (int32_t t : outputs) {
        const int32_t node = graph.outputNode(t);
        ASSERT_GE(node, 0) << "output t" << t;
        for (int32_t from : producers[t])
            expected.insert({from, node, t});
    }
    std::multiset<EdgeKey> actual;
    for (const OpGraphEdge& e : graph.edges)
        actual.insert({e.from, e.to, e.tensor});
    EXPECT_EQ(actual, expected);

    // The lookups agree with the edge list.
    for (size_t e = 0; e < graph.edges.size(); ++e) {
        const OpGraphEdge& edge = graph.edges[e];
        auto forTensor = graph.edgesForTensor(edge.tensor);
        EXPECT_NE(std::find(forTensor.begin(), forTensor.end(), static_cast<int32_t>(e)), forTensor.end());
        auto in = graph.incomingEdges(edge.to);
        EXPECT_NE(std::find(in.begin(), in.end(), static_cast<int32_t>(e)), in.end());
        auto out = graph.outgoingEdges(edge.from);
        EXPECT_NE(std::find(out.begin(), out.end(), static_cast<int32_t>(e)), out.end());
        EXPECT_FALSE(edge.label.empty());
    }
}

void expectGeometry(const OpGraph& graph) {
    for (size_t n = 0; n < graph.nodes.size(); ++n) {
        const OpGraphNode& a = graph.nodes[n];
        EXPECT_GE(a.size.width, 110);
        EXPECT_GT(a.size.height, 0);
        EXPECT_GE(a.center.x - a.size.width / 2, -1e-6);
        EXPECT_LE(a.center.x + a.size.width / 2, graph.width + 1e-6);
        EXPECT_LE(a.center.y + a.size.height / 2, graph.height + 1e-6);
    }
    // No two boxes overlap: sweep over x so large graphs stay cheap.
    std::vector<int32_t> order(graph.nodes.size());
    for (size_t i = 0; i < order.size(); ++i)
        order[i] = static_cast<int32_t>(i);
    auto left = [&](int32_t v) { return graph.nodes[v].center.x - graph.nodes[v].size.width / 2; };
    auto right = [&](int32_t v) { return graph.nodes[v].center.x + graph.nodes[v].size.width / 2; };
    std::sort(order.begin(), order.end(), [&](int32_t a, int32_t b) { return left(a) < left(b); });
    for (size_t i = 0; i < order.size(); ++i) {
        const OpGraphNode& a = graph.nodes[order[i]];
        for (size_t j = i + 1; j < order.size() && left(order[j]) < right(order[i]); ++j) {
            const OpGraphNode& b = graph.nodes[order[j]];
            const bool overlapY = std::abs(a.center.y - b.center.y) < (a.size.height + b.size.height) / 2;
            EXPECT_FALSE(overlapY) << "nodes " << order[i] << " and " << order[j] << " overlap";
        }
    }
    for (size_t e = 0; e < graph.edges.size(); ++e) {
        const OpGraphEdge& edge = graph.edges[e];
        ASSERT_GE(edge.path.size(), 2u) << "edge " << e;
        if (edge.from == edge.to) continue;
        if (edge.reversed) {
            EXPECT_GT(edge.path.front().y, edge.path.back().y) << "edge " << e;
        } else {
            EXPECT_LT(edge.path.front().y, edge.path.back().y) << "edge " << e;
        }
        // It leaves the bottom of its source and enters the top of its target.
        const OpGraphNode& from = graph.nodes[edge.from];
        const OpGraphNode& to = graph.nodes[edge.to];
        if (!edge.reversed) {
            EXPECT_NEAR(edge.path.front().y, from.center.y + from.size.height / 2, 1e-6);
            EXPECT_NEAR(edge.path.back().y, to.center.y - to.size.height / 2, 1e-6);
        }
    }
}

TEST(OpGraphTest, VisualWakeWordsGraphMatchesTheModel) {
    auto model = load(kVww);
    ASSERT_TRUE(model);
    const OpGraph graph = buildOpGraph(*model, 0);
    EXPECT_EQ(graph.nodes.size(), 31u + 1 + 1);
    expectMatchesModel(*model, graph);
    expectGeometry(graph);

    // Every operator of this MobileNet folds its weights and biases; none is a node of its own.
    const Subgraph& sg = model->subgraphs()[0];
    size_t constants = 0;
    for (const Tensor& t : sg.tensors)
        constants += t.isConstant();
    size_t folded = 0;
    for (const OpGraphNode& node : graph.nodes)
        folded += node.foldedConstants.size();
    EXPECT_EQ(folded, constants);  // no constant is shared between ops here
    for (const OpGraphEdge& edge : graph.edges)
        EXPECT_FALSE(sg.tensors[edge.tensor].isConstant());

    const OpGraphNode& input = graph.nodes[0];
    EXPECT_EQ(input.kind, OpGraphNode::Kind::Input);
    EXPECT_EQ(input.subtitle, "1x96x96x3 INT8");  // the stored shape, though the batch is dynamic
    const OpGraphNode& first = graph.nodes[graph.nodeForOperator(0)];
    EXPECT_EQ(first.title, "CONV_2D");
    EXPECT_EQ(first.category, OpCategory::Convolution);
    EXPECT_EQ(first.subtitle.rfind("#0  ", 0), 0u) << first.subtitle;
    EXPECT_EQ(first.foldedConstants.size(), 2u);  // weights and bias
    ASSERT_EQ(graph.incomingEdges(graph.nodeForOperator(0)).size(), 1u);
    EXPECT_EQ(graph.edges[graph.incomingEdges(graph.nodeForOperator(0))[0]].from, 0);
    EXPECT_EQ(graph.nodes.back().kind, OpGraphNode::Kind::Output);
}

TEST(OpGraphTest, LargerRealModelsKeepTheInvariants) {
    for (const char* relative :
         {kPose, "mediapipe/mediapipe/modules/face_landmark/face_landmark_with_attention.tflite",
          "tflite-support/tensorflow_lite_support/cc/test/testdata/task/vision/deeplabv3.tflite",
          "tflite-micro/tensorflow/lite/micro/examples/mnist_lstm/trained_lstm_int8.tflite"}) {
        SCOPED_TRACE(relative);
        auto model = load(relative);
        if (!model) continue;
        for (size_t s = 0; s < model->subgraphs().size(); ++s) {
            const OpGraph graph = buildOpGraph(*model, static_cast<int32_t>(s));
            expectMatchesModel(*model, graph);
            expectGeometry(graph);
        }
    }
}

TEST(OpGraphTest, IsDeterministic) {
    auto model = load(kPose);
    ASSERT_TRUE(model);
    const OpGraph a = buildOpGraph(*model, 0);
    const OpGraph b = buildOpGraph(*model, 0);
    ASSERT_EQ(a.nodes.size(), b.nodes.size());
    ASSERT_EQ(a.edges.size(), b.edges.size());
    for (size_t n = 0; n < a.nodes.size(); ++n) {
        EXPECT_EQ(a.nodes[n].center, b.nodes[n].center);
        EXPECT_EQ(a.nodes[n].title, b.nodes[n].title);
    }
    for (size_t e = 0; e < a.edges.size(); ++e) {
        EXPECT_EQ(a.edges[e].path, b.edges[e].path);
        EXPECT_EQ(a.edges[e].tensor, b.edges[e].tensor);
    }
    EXPECT_EQ(a.width, b.width);
    EXPECT_EQ(a.height, b.height);
}

// in -> RELU -> a -> RELU -> b; a is also an output and is read twice by one MUL; the ADD reads a
// variable and a tensor nothing produces.
test::ModelBuilder sharedOutputModel() {
    test::ModelBuilder b;
    const int32_t in = b.addTensor("in", fb::TensorType::FLOAT32, {1, 8});
    const int32_t a = b.addTensor("a", fb::TensorType::FLOAT32, {1, 8});
    const int32_t out = b.addTensor("b", fb::TensorType::FLOAT32, {1, 8});
    const int32_t squared = b.addTensor("squared", fb::TensorType::FLOAT32, {1, 8});
    test::TensorSpec state;
    state.name = "state";
    state.shape = {1, 8};
    state.isVariable = true;
    const int32_t variable = b.addTensor(state);
    const int32_t sum = b.addTensor("sum", fb::TensorType::FLOAT32, {1, 8});
    b.addOperator(fb::BuiltinOperator::RELU, {in}, {a});
    b.addOperator(fb::BuiltinOperator::RELU, {a}, {out});
    b.addOperator(fb::BuiltinOperator::MUL, {a, a}, {squared});
    b.addOperator(fb::BuiltinOperator::ADD, {squared, variable}, {sum});
    b.subgraphs[0].inputs = {in};
    b.subgraphs[0].outputs = {a, out, sum};
    return b;
}

TEST(OpGraphTest, OutputsThatAreAlsoConsumedGetBothEdges) {
    auto model = fromBuilder(sharedOutputModel());
    ASSERT_TRUE(model);
    const OpGraph graph = buildOpGraph(*model, 0);
    expectMatchesModel(*model, graph);
    expectGeometry(graph);
    ASSERT_EQ(graph.nodes.size(), 4u + 1 + 3);
    const int32_t a = 1;
    const auto edges = graph.edgesForTensor(a);
    // RELU #0 -> RELU #1, RELU #0 -> MUL #2 (once, though MUL reads it twice), RELU #0 -> Output a.
    ASSERT_EQ(edges.size(), 3u);
    std::set<int32_t> targets;
    for (int32_t e : edges) {
        EXPECT_EQ(graph.edges[e].from, graph.nodeForOperator(0));
        targets.insert(graph.edges[e].to);
    }
    EXPECT_EQ(targets,
              (std::set<int32_t>{graph.nodeForOperator(1), graph.nodeForOperator(2), graph.outputNode(a)}));
    // The variable has no producer: folded into the ADD, not a node or an edge.
    EXPECT_EQ(graph.nodes[graph.nodeForOperator(3)].foldedConstants, std::vector<int32_t>{4});
    EXPECT_EQ(graph.nodesFoldingTensor(4), std::vector<int32_t>{graph.nodeForOperator(3)});
    EXPECT_TRUE(graph.edgesForTensor(4).empty());
    EXPECT_EQ(graph.nodes[graph.outputNode(a)].title, "a");
    EXPECT_EQ(graph.nodes[graph.outputNode(a)].subtitle, "1x8 FLOAT32");
}

TEST(OpGraphTest, CategorizesCommonOps) {
    auto code = [](std::string name, int32_t builtin = 0, std::string_view custom = {}) {
        OperatorCode c;
        c.builtinCode = builtin;
        c.name = std::move(name);
        c.customCode = custom;  // literals below: they outlive the code
        return c;
    };
    EXPECT_EQ(categorizeOp(code("CONV_2D")), OpCategory::Convolution);
    EXPECT_EQ(categorizeOp(code("DEPTHWISE_CONV_2D")), OpCategory::Convolution);
    EXPECT_EQ(categorizeOp(code("TRANSPOSE_CONV")), OpCategory::Convolution);
    EXPECT_EQ(categorizeOp(code("FULLY_CONNECTED")), OpCategory::Linear);
    EXPECT_EQ(categorizeOp(code("BATCH_MATMUL")), OpCategory::Linear);
    EXPECT_EQ(categorizeOp(code("MAX_POOL_2D")), OpCategory::Pooling);
    EXPECT_EQ(categorizeOp(code("AVERAGE_POOL_2D")), OpCategory::Pooling);
    EXPECT_EQ(categorizeOp(code("RELU6")), OpCategory::Activation);
    EXPECT_EQ(categorizeOp(code("LOGISTIC")), OpCategory::Activation);
    EXPECT_EQ(categorizeOp(code("SOFTMAX")), OpCategory::Activation);
    EXPECT_EQ(categorizeOp(code("HARD_SWISH")), OpCategory::Activation);
    EXPECT_EQ(categorizeOp(code("ADD")), OpCategory::Elementwise);
    EXPECT_EQ(categorizeOp(code("MUL")), OpCategory::Elementwise);
    EXPECT_EQ(categorizeOp(code("L2_NORMALIZATION")), OpCategory::Normalization);
    EXPECT_EQ(categorizeOp(code("RESHAPE")), OpCategory::Shape);
    EXPECT_EQ(categorizeOp(code("CONCATENATION")), OpCategory::Shape);
    EXPECT_EQ(categorizeOp(code("PAD")), OpCategory::Shape);
    EXPECT_EQ(categorizeOp(code("MEAN")), OpCategory::Reduction);
    EXPECT_EQ(categorizeOp(code("ARG_MAX")), OpCategory::Reduction);
    EXPECT_EQ(categorizeOp(code("QUANTIZE")), OpCategory::Quantization);
    EXPECT_EQ(categorizeOp(code("DEQUANTIZE")), OpCategory::Quantization);
    EXPECT_EQ(categorizeOp(code("WHILE")), OpCategory::ControlFlow);
    EXPECT_EQ(categorizeOp(code("IF")), OpCategory::ControlFlow);
    EXPECT_EQ(categorizeOp(code("CALL_ONCE")), OpCategory::ControlFlow);
    EXPECT_EQ(categorizeOp(code("UNIDIRECTIONAL_SEQUENCE_LSTM")), OpCategory::Recurrent);
    EXPECT_EQ(categorizeOp(code("GATHER")), OpCategory::Gather);
    EXPECT_EQ(categorizeOp(code("EMBEDDING_LOOKUP")), OpCategory::Gather);
    EXPECT_EQ(categorizeOp(code("VAR_HANDLE")), OpCategory::Other);
    EXPECT_EQ(categorizeOp(
                  code("TFLite_Detection_PostProcess", kCustomBuiltinCode, "TFLite_Detection_PostProcess")),
              OpCategory::Custom);
    EXPECT_EQ(categorizeOp(code("FlexAddV2", kCustomBuiltinCode, "FlexAddV2")), OpCategory::Custom);
    std::set<std::string_view> names;
    for (int c = 0; c < kOpCategoryCount; ++c)
        names.insert(opCategoryName(static_cast<OpCategory>(c)));
    EXPECT_EQ(names.size(), static_cast<size_t>(kOpCategoryCount));
}

TEST(OpGraphTest, FindsByOpTypeTensorNameAndIndex) {
    auto model = load(kVww);
    ASSERT_TRUE(model);
    const OpGraph graph = buildOpGraph(*model, 0);
    const Subgraph& sg = model->subgraphs()[0];

    size_t depthwise = 0;
    for (const Operator& op : sg.operators)
        depthwise += model->operatorCode(op).name == "DEPTHWISE_CONV_2D";
    ASSERT_GT(depthwise, 0u);
    // Every DEPTHWISE_CONV_2D matches by its type; other matches come from tensor names with the word.
    auto matches = findInGraph(*model, graph, "depthwise");
    size_t byType = 0;
    for (size_t i = 0; i < matches.size(); ++i) {
        const GraphMatch& m = matches[i];
        if (m.tensor < 0) {
            ++byType;
            EXPECT_EQ(graph.nodes[m.node].title, "DEPTHWISE_CONV_2D");
            EXPECT_EQ(m.why, "op type DEPTHWISE_CONV_2D");
        } else {
            std::string name(sg.tensors[m.tensor].name);
            std::transform(name.begin(), name.end(), name.begin(), [](char c) { return std::tolower(c); });
            EXPECT_NE(name.find("depthwise"), std::string::npos) << name;
        }
        if (i > 0) {
            EXPECT_LT(matches[i - 1].node, matches[i].node);  // node order, one match per node
        }
    }
    EXPECT_EQ(byType, depthwise);

    // Operator index, with or without '#'.
    for (const char* query : {"#5", "5", " #5 "}) {
        matches = findInGraph(*model, graph, query);
        ASSERT_EQ(matches.size(), 1u) << query;
        EXPECT_EQ(matches[0].node, graph.nodeForOperator(5)) << query;
    }
    EXPECT_TRUE(findInGraph(*model, graph, "#9999").empty());

    // A tensor index: the input is shown at its Input node, an activation at its producer, a weight at the
    // op that folds it.
    const int32_t input = sg.inputs[0];
    for (const std::string& query : {"t:" + std::to_string(input), "tensor " + std::to_string(input)}) {
        matches = findInGraph(*model, graph, query);
        ASSERT_EQ(matches.size(), 1u) << query;
        EXPECT_EQ(matches[0].node, graph.inputNode(input));
        EXPECT_EQ(matches[0].tensor, input);
    }
    const Operator& op3 = sg.operators[3];
    matches = findInGraph(*model, graph, "T" + std::to_string(op3.outputs[0]));
    ASSERT_EQ(matches.size(), 1u);
    EXPECT_EQ(matches[0].node, graph.nodeForOperator(3));
    const int32_t weights = graph.nodes[graph.nodeForOperator(3)].foldedConstants.at(0);
    matches = findInGraph(*model, graph, "tensor:" + std::to_string(weights));
    ASSERT_EQ(matches.size(), 1u);
    EXPECT_EQ(matches[0].node, graph.nodeForOperator(3));
    EXPECT_EQ(matches[0].tensor, weights);

    // A tensor name, in any case, leads to the same nodes.
    std::string weightName(sg.tensors[weights].name);
    ASSERT_FALSE(weightName.empty());
    std::string upper = weightName;
    std::transform(upper.begin(), upper.end(), upper.begin(), [](char c) { return std::toupper(c); });
    matches = findInGraph(*model, graph, upper);
    ASSERT_FALSE(matches.empty());
    bool found = false;
    for (const GraphMatch& m : matches) {
        // One match per node: it may name another tensor of op 3 whose name contains this one.
        ASSERT_GE(m.tensor, 0);
        EXPECT_NE(sg.tensors[m.tensor].name.find(weightName), std::string::npos);
        found |= m.node == graph.nodeForOperator(3);
    }
    EXPECT_TRUE(found) << weightName;
    const std::string inputName(sg.tensors[input].name);
    matches = findInGraph(*model, graph, inputName);
    ASSERT_FALSE(matches.empty());
    EXPECT_EQ(matches[0].node, graph.inputNode(input));
    EXPECT_EQ(matches[0].tensor, input);

    EXPECT_TRUE(findInGraph(*model, graph, "").empty());
    EXPECT_TRUE(findInGraph(*model, graph, "   ").empty());
    EXPECT_TRUE(findInGraph(*model, graph, "no such op or tensor").empty());
}

TEST(OpGraphTest, ControlFlowNodesLinkToTheirBodies) {
    for (const char* relative : {kWhile, kNestedWhile}) {
        SCOPED_TRACE(relative);
        auto model = load(relative);
        ASSERT_TRUE(model);
        int whileNodes = 0;
        for (size_t s = 0; s < model->subgraphs().size(); ++s) {
            const OpGraph graph = buildOpGraph(*model, static_cast<int32_t>(s));
            expectMatchesModel(*model, graph);
            expectGeometry(graph);
            for (const OpGraphNode& node : graph.nodes) {
                if (node.title != "WHILE") continue;
                ++whileNodes;
                const Operator& op = model->subgraphs()[s].operators[node.index];
                EXPECT_EQ(node.category, OpCategory::ControlFlow);
                EXPECT_EQ(node.calledSubgraphs, op.calledSubgraphs);
                ASSERT_EQ(node.calledSubgraphs.size(), 2u);
                ASSERT_EQ(node.calledLabels.size(), 2u);
                EXPECT_EQ(node.calledLabels[0].rfind("cond: ", 0), 0u) << node.calledLabels[0];
                EXPECT_EQ(node.calledLabels[1].rfind("body: ", 0), 0u) << node.calledLabels[1];
                // Room for the badges under the title.
                EXPECT_GT(node.size.height, graph.nodes[0].size.height);
            }
        }
        EXPECT_GT(whileNodes, 0);
    }
}

TEST(OpGraphTest, CancelReturnsACancelledGraph) {
    auto model = load(kPose);
    ASSERT_TRUE(model);
    std::atomic<bool> cancel{true};
    const OpGraph graph = buildOpGraph(*model, 0, &cancel);
    EXPECT_TRUE(graph.cancelled);
    cancel = false;
    EXPECT_FALSE(buildOpGraph(*model, 0, &cancel).cancelled);
}

TEST(OpGraphTest, OutOfRangeSubgraphGivesAnEmptyGraph) {
    auto model = load(kVww);
    ASSERT_TRUE(model);
    for (int32_t s : {-1, 1, 1000}) {
        const OpGraph graph = buildOpGraph(*model, s);
        EXPECT_FALSE(graph.cancelled);
        EXPECT_TRUE(graph.nodes.empty());
        EXPECT_EQ(graph.nodeForOperator(0), -1);
        EXPECT_TRUE(graph.incomingEdges(0).empty());
        EXPECT_TRUE(findInGraph(*model, graph, "CONV").empty());
    }
}

TEST(OpGraphTest, LabelsShowStoredShapesAndScalars) {
    test::ModelBuilder b;
    test::TensorSpec dynamic;
    dynamic.name = "x";
    dynamic.shape = {1, 4};
    dynamic.shapeSignature = std::vector<int32_t>{-1, 4};
    const int32_t x = b.addTensor(dynamic);
    const int32_t scalar = b.addTensor("s", fb::TensorType::INT32, {});

    const int32_t y = b.addTensor("y", fb::TensorType::FLOAT32, {1, 4});
    b.addOperator(fb::BuiltinOperator::RELU, {x}, {y});
    b.subgraphs[0].inputs = {x, scalar};
    b.subgraphs[0].outputs = {y};
    auto model = fromBuilder(b);
    ASSERT_TRUE(model);
    const Subgraph& sg = model->subgraphs()[0];
    EXPECT_EQ(tensorLabel(sg.tensors[x]), "1x4 FLOAT32");  // as stored, like TFLite's get_input_details
    EXPECT_EQ(tensorLabel(sg.tensors[scalar]), "scalar INT32");
    const OpGraph graph = buildOpGraph(*model, 0);
    expectMatchesModel(*model, graph);
    EXPECT_EQ(graph.edges[graph.edgesForTensor(x)[0]].label, "1x4 FLOAT32");
}

}  // namespace
}  // namespace litescope

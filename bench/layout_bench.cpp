// Graph layout speed on synthetic network-shaped graphs (1k to 50k nodes) and on real models' op graphs.
// Counters report layers, crossings left and the drawing's size; figures are never asserted.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <map>
#include <random>

#include "runtime/model.h"
#include "tests/support/shared_data.h"
#include "viewmodels/graph_layout.h"
#include "viewmodels/op_graph.h"

namespace {

using namespace litescope;

// A main chain with a residual skip every few nodes and, now and then, parallel branches that rejoin:
// the shape of ResNets, MobileNets and Inception blocks, with op-box-sized nodes.
LayoutGraph chainsWithBranches(int32_t count) {
    std::mt19937 random(42);
    LayoutGraph graph;
    auto add = [&] {
        graph.nodes.push_back({static_cast<double>(80 + random() % 80), 40});
        return static_cast<int32_t>(graph.nodes.size() - 1);
    };
    int32_t tail = add();
    int32_t blockStart = tail;
    while (static_cast<int32_t>(graph.nodes.size()) < count) {
        if (random() % 8 == 0) {
            int32_t join = -1;
            std::vector<int32_t> ends;
            int32_t branches = 2 + static_cast<int32_t>(random() % 3);
            for (int32_t b = 0; b < branches; ++b) {
                int32_t previous = tail;
                int32_t length = 1 + static_cast<int32_t>(random() % 4);
                for (int32_t k = 0; k < length; ++k) {
                    int32_t v = add();
                    graph.edges.emplace_back(previous, v);
                    previous = v;
                }
                ends.push_back(previous);
            }
            join = add();
            for (int32_t end : ends)
                graph.edges.emplace_back(end, join);
            tail = join;
        } else {
            int32_t v = add();
            graph.edges.emplace_back(tail, v);
            tail = v;
        }
        if (tail - blockStart >= 3 + static_cast<int32_t>(random() % 3)) {
            int32_t sum = add();
            graph.edges.emplace_back(tail, sum);
            graph.edges.emplace_back(blockStart, sum);
            tail = blockStart = sum;
        }
    }
    return graph;
}

// A node per operator of the main subgraph, an edge from the producer of each input tensor to its consumer.
LayoutGraph modelGraph(const std::string& relative) {
    auto model = Model::fromFile(test::modelPath(relative));
    LayoutGraph graph;
    if (!model) return graph;
    const Subgraph& subgraph = (*model)->subgraphs().front();
    std::map<int32_t, int32_t> producer;
    for (const Operator& op : subgraph.operators) {
        graph.nodes.push_back({120, 40});
        for (int32_t tensor : op.inputs) {
            auto it = producer.find(tensor);
            if (it != producer.end()) graph.edges.emplace_back(it->second, op.index);
        }
        for (int32_t tensor : op.outputs)
            producer[tensor] = op.index;
    }
    return graph;
}

void runLayout(benchmark::State& state, const LayoutGraph& graph) {
    if (graph.nodes.empty()) {
        state.SkipWithError("model not found or not loadable");
        return;
    }
    GraphLayout layout;
    for (auto _ : state) {
        layout = layoutGraph(graph);
        benchmark::DoNotOptimize(layout);
    }
    state.counters["nodes"] = static_cast<double>(graph.nodes.size());
    state.counters["edges"] = static_cast<double>(graph.edges.size());
    state.counters["layers"] = layout.layerCount;
    state.counters["crossings"] = static_cast<double>(layout.crossings);
    state.counters["width"] = layout.width;
    state.counters["height"] = layout.height;
    state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(graph.nodes.size()));
}

void BM_ChainsWithBranches(benchmark::State& state) {
    static std::map<int64_t, LayoutGraph> graphs;
    auto [it, inserted] = graphs.try_emplace(state.range(0));
    if (inserted) it->second = chainsWithBranches(static_cast<int32_t>(state.range(0)));
    runLayout(state, it->second);
}
BENCHMARK(BM_ChainsWithBranches)->Arg(1'000)->Arg(10'000)->Arg(50'000)->Unit(benchmark::kMillisecond);

void BM_Model(benchmark::State& state, const char* relative) {
    runLayout(state, modelGraph(relative));
}
BENCHMARK_CAPTURE(BM_Model, pose_landmark_lite,
                  "mediapipe/mediapipe/modules/pose_landmark/pose_landmark_lite.tflite")
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Model, face_landmark_with_attention,
                  "mediapipe/mediapipe/modules/face_landmark/face_landmark_with_attention.tflite")
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Model, dp_net, "tflite-micro/tensorflow/lite/micro/examples/dp_net/dp_net.tflite")
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Model, deeplabv3,
                  "tflite-support/tensorflow_lite_support/cc/test/testdata/task/vision/deeplabv3.tflite")
    ->Unit(benchmark::kMillisecond);

// The whole pipeline the GUI runs per subgraph: graph extraction, constant folding, labels, size estimates
// and layout (buildOpGraph), on the same models. The model is loaded once, outside the timing.
void BM_BuildOpGraph(benchmark::State& state, const char* relative) {
    auto model = Model::fromFile(test::modelPath(relative));
    if (!model) {
        state.SkipWithError("model not found or not loadable");
        return;
    }
    OpGraph graph;
    for (auto _ : state) {
        graph = buildOpGraph(**model, 0);
        benchmark::DoNotOptimize(graph);
    }
    state.counters["nodes"] = static_cast<double>(graph.nodes.size());
    state.counters["edges"] = static_cast<double>(graph.edges.size());
    state.counters["width"] = graph.width;
    state.counters["height"] = graph.height;
    state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(graph.nodes.size()));
}
BENCHMARK_CAPTURE(BM_BuildOpGraph, pose_landmark_lite,
                  "mediapipe/mediapipe/modules/pose_landmark/pose_landmark_lite.tflite")
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_BuildOpGraph, face_landmark_with_attention,
                  "mediapipe/mediapipe/modules/face_landmark/face_landmark_with_attention.tflite")
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_BuildOpGraph, dp_net, "tflite-micro/tensorflow/lite/micro/examples/dp_net/dp_net.tflite")
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_BuildOpGraph, deeplabv3,
                  "tflite-support/tensorflow_lite_support/cc/test/testdata/task/vision/deeplabv3.tflite")
    ->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();

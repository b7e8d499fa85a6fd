// What per-node recording costs: the same invoke with no observer and with the profiler's NodeRecorder,
// on real models, one thread. "Invoke/<model>/profiled:0" against ":1" gives the overhead; "Paired"
// alternates both inside every iteration (so drift falls on both alike) and reports the overhead of the
// medians as a counter, the figure `litescope profile` prints for a session.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <filesystem>

#include "profiler/node_recorder.h"
#include "profiler/statistics.h"
#include "profiler/tensor_io.h"
#include "runtime/interpreter.h"
#include "tests/support/shared_data.h"

namespace {

using namespace litescope;

std::unique_ptr<Interpreter> prepared(benchmark::State& state, const std::string& path) {
    auto model = Model::fromFile(path);
    if (!model) {
        state.SkipWithError(model.message().c_str());
        return nullptr;
    }
    auto interpreter = Interpreter::create(*model);
    if (!interpreter) {
        state.SkipWithError(interpreter.message().c_str());
        return nullptr;
    }
    if (Status s = (*interpreter)->prepare(); !s) {
        state.SkipWithError(s.message().c_str());
        return nullptr;
    }
    for (size_t k = 0; k < (*interpreter)->inputCount(); ++k)
        (void)fillDeterministic((*interpreter)->input(k), static_cast<int>(k));
    return std::move(interpreter).value();
}

size_t nodeCount(const Interpreter& it) {
    size_t n = 0;
    for (const Subgraph& sg : it.model().subgraphs())
        n += sg.operators.size();
    return n;
}

void invoke(benchmark::State& state, const std::string& path) {
    auto it = prepared(state, path);
    if (!it) return;
    const bool profiled = state.range(0) != 0;
    NodeRecorder recorder(nodeCount(*it) * 4 + 64);
    SubgraphRuntime& sg = it->main();
    for (auto _ : state) {
        if (profiled) {
            recorder.clear();
            recorder.beginRun();
        }
        Status s = sg.invoke(profiled ? &recorder : nullptr, 0);
        if (profiled) recorder.endRun();
        if (!s) {
            state.SkipWithError(s.message().c_str());
            return;
        }
    }
    state.counters["nodes"] = static_cast<double>(nodeCount(*it));
}

void paired(benchmark::State& state, const std::string& path) {
    auto it = prepared(state, path);
    if (!it) return;
    NodeRecorder recorder(nodeCount(*it) * 4 + 64);
    SubgraphRuntime& sg = it->main();
    std::vector<double> plain, recorded;
    int64_t pair = 0;
    for (auto _ : state) {
        for (int half = 0; half < 2; ++half) {
            const bool withRecorder = (half == 0) == (pair % 2 == 1);
            recorder.clear();
            const auto start = std::chrono::steady_clock::now();
            if (withRecorder) recorder.beginRun();
            Status s = sg.invoke(withRecorder ? &recorder : nullptr, 0);
            if (withRecorder) recorder.endRun();
            const double us =
                std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start).count();
            if (!s) {
                state.SkipWithError(s.message().c_str());
                return;
            }
            (withRecorder ? recorded : plain).push_back(us);
        }
        ++pair;
    }
    const double plainMedian = summarize(plain).median, recordedMedian = summarize(recorded).median;
    state.counters["unprofiled_us"] = plainMedian;
    state.counters["profiled_us"] = recordedMedian;
    state.counters["overhead_pct"] = plainMedian > 0 ? (recordedMedian / plainMedian - 1) * 100 : 0;
}

const char* kModels[] = {
    "mediapipe/mediapipe/modules/face_detection/face_detection_short_range.tflite",
    "tflite-support/tensorflow_lite_support/cc/test/testdata/task/vision/deeplabv3.tflite",
    "mlcommons-tiny/v0.1/training/visual_wake_words/trained_models/vww_96_int8.tflite",
    "mediapipe/mediapipe/modules/hand_landmark/hand_landmark_lite.tflite",
    "coral-test_data/tf2_mobilenet_v2_1.0_224_ptq.tflite",
};

int registerAll() {
    for (const char* rel : kModels) {
        const std::string path = test::modelPath(rel);
        const std::string stem = std::filesystem::path(rel).stem().string();
        benchmark::RegisterBenchmark(("Invoke/" + stem).c_str(),
                                     [path](benchmark::State& s) { invoke(s, path); })
            ->Arg(0)
            ->Arg(1)
            ->ArgName("profiled")
            ->Unit(benchmark::kMillisecond)
            ->UseRealTime();
        benchmark::RegisterBenchmark(("Paired/" + stem).c_str(),
                                     [path](benchmark::State& s) { paired(s, path); })
            ->Unit(benchmark::kMillisecond)
            ->UseRealTime();
    }
    return 0;
}

const int registered = registerAll();

}  // namespace

BENCHMARK_MAIN();

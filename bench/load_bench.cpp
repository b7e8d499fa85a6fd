// Opening a model: map + verify + validate + build the model form, for the largest shared models and a
// synthetic 30 MB one. Counters show that weights are not copied: the heap grows by the model form only,
// and resident memory by far less than the file size. The inspect report (which reads every weight for its
// statistics) is measured separately.
#include <benchmark/benchmark.h>
#include <malloc.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>

#include "profiler/model_report.h"
#include "runtime/model.h"
#include "tests/support/model_builder.h"
#include "tests/support/shared_data.h"

namespace {

using namespace litescope;

long residentKiB() {
    std::ifstream in("/proc/self/statm");
    long size = 0, resident = 0;
    in >> size >> resident;
    return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

// A 30 MB float model: a chain of FULLY_CONNECTED layers with 1024x1024 float weights.
const std::string& syntheticModel() {
    static const std::string path = [] {
        test::ModelBuilder b;
        std::mt19937 rng(1);
        std::normal_distribution<float> w(0.f, 0.05f);
        int32_t x = b.addTensor("input", fb::TensorType::FLOAT32, {1, 1024});
        b.subgraphs[0].inputs = {x};
        for (int layer = 0; layer < 7; ++layer) {
            std::vector<float> weights(1024 * 1024);
            for (float& v : weights)
                v = w(rng);
            int32_t wt = b.addConstant("dense_" + std::to_string(layer) + "/kernel", {1024, 1024}, weights);
            int32_t y = b.addTensor("dense_" + std::to_string(layer), fb::TensorType::FLOAT32, {1, 1024});
            b.addOperator(fb::BuiltinOperator::FULLY_CONNECTED, {x, wt, -1}, {y});
            x = y;
        }
        b.subgraphs[0].outputs = {x};
        return test::writeTempFile(b.build(), "synthetic_30mb.tflite");
    }();
    return path;
}

void loadModel(benchmark::State& state, const std::string& path) {
    const auto fileBytes = std::filesystem::file_size(path);
    size_t heapGrowth = 0;
    long rssGrowth = 0;
    for (auto _ : state) {
        const size_t heapBefore = mallinfo2().uordblks;
        const long rssBefore = residentKiB();
        auto model = Model::fromFile(path);
        if (!model) {
            state.SkipWithError(model.message().c_str());
            return;
        }
        heapGrowth = mallinfo2().uordblks - heapBefore;
        rssGrowth = residentKiB() - rssBefore;
        benchmark::DoNotOptimize(model->get());
    }
    state.counters["file_MB"] = static_cast<double>(fileBytes) / 1e6;
    state.counters["heap_KB"] = static_cast<double>(heapGrowth) / 1e3;
    // Resident growth counts page-cache pages of the mapping that the loader touched (shared with the page
    // cache, not copies); the kernel may map them in large folios, so a handful of touches can show
    // megabytes.
    state.counters["mapped_resident_KB"] = static_cast<double>(rssGrowth);
    state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * static_cast<int64_t>(fileBytes));
}

void inspectReport(benchmark::State& state, const std::string& path) {
    auto model = Model::fromFile(path);
    if (!model) {
        state.SkipWithError(model.message().c_str());
        return;
    }
    for (auto _ : state) {
        ModelReport r = buildModelReport(**model);
        benchmark::DoNotOptimize(r.totalParameters);
    }
    state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) *
                            static_cast<int64_t>((*model)->bytes().size()));
}

const char* kLargest[] = {
    "tflite-support/tensorflow_lite_support/cc/test/testdata/task/vision/"
    "coco_ssd_mobilenet_v1_1.0_quant_2018_06_29.tflite",
    "tflite-support/tensorflow_lite_support/cc/test/testdata/task/audio/"
    "yamnet_audio_classifier_with_metadata.tflite",
    "coral-test_data/tf2_mobilenet_v2_1.0_224_ptq.tflite",
    "mediapipe/mediapipe/modules/pose_detection/pose_detection.tflite",
    "mediapipe/mediapipe/modules/pose_landmark/pose_landmark_lite.tflite",
};

int registerAll() {
    benchmark::RegisterBenchmark("Load/synthetic_30MB", [](benchmark::State& s) {
        loadModel(s, syntheticModel());
    })->Unit(benchmark::kMillisecond);
    for (const char* rel : kLargest) {
        std::string path = test::modelPath(rel);
        std::string name = std::filesystem::path(rel).stem().string();
        benchmark::RegisterBenchmark(("Load/" + name).c_str(), [path](benchmark::State& s) {
            loadModel(s, path);
        })->Unit(benchmark::kMillisecond);
    }
    benchmark::RegisterBenchmark("InspectReport/synthetic_30MB", [](benchmark::State& s) {
        inspectReport(s, syntheticModel());
    })->Unit(benchmark::kMillisecond);
    for (const char* rel : kLargest) {
        std::string path = test::modelPath(rel);
        std::string name = std::filesystem::path(rel).stem().string();
        benchmark::RegisterBenchmark(("InspectReport/" + name).c_str(), [path](benchmark::State& s) {
            inspectReport(s, path);
        })->Unit(benchmark::kMillisecond);
    }
    return 0;
}

const int registered = registerAll();

}  // namespace

BENCHMARK_MAIN();

// Whole-model invoke in Litescope's runtime, 1 and 2 threads, on the models the runtime issue names, with
// TensorFlow Lite 2.8's builtin-kernel figures on these machines (one thread, -march=native) for reference:
// face_detection_short_range 1.7 ms, hand_landmark_lite 7.8 ms, deeplabv3 29 ms, vww_96_float 0.43 ms;
// quantized: vww_96_int8 0.99 ms, pretrainedResnet_quant 0.42 ms, tf2_mobilenet_v2_1.0_224_ptq (int8)
// 27.9 ms, mobilenet_v2_1.0_224_quant (uint8) 22.6 ms. With TFLite 2.8's XNNPACK delegate (one thread):
// face_detection_short_range 1.07 ms, hand_landmark_lite 4.2 ms, deeplabv3 17 ms, vww_96_float 0.22 ms,
// pretrainedResnet 0.24 ms.
#include <benchmark/benchmark.h>

#include <filesystem>

#include "profiler/tensor_io.h"
#include "runtime/delegates/registry.h"
#include "runtime/interpreter.h"
#include "tests/support/shared_data.h"

namespace {

using namespace litescope;

void invokeModel(benchmark::State& state, const std::string& path, bool xnnpack) {
    auto model = Model::fromFile(path);
    if (!model) {
        state.SkipWithError(model.message().c_str());
        return;
    }
    InterpreterOptions options;
    options.threads = static_cast<int>(state.range(0));
    if (xnnpack) {
        auto delegate = makeDelegate("xnnpack", options.threads);
        if (!delegate) {
            state.SkipWithError(delegate.message().c_str());
            return;
        }
        options.delegate = delegate.value();
    }
    auto interpreter = Interpreter::create(*model, options);
    if (!interpreter) {
        state.SkipWithError(interpreter.message().c_str());
        return;
    }
    Interpreter& it = **interpreter;
    if (Status s = it.prepare(); !s) {
        state.SkipWithError(s.message().c_str());
        return;
    }
    for (size_t k = 0; k < it.inputCount(); ++k)
        (void)fillDeterministic(it.input(k), static_cast<int>(k));
    for (auto _ : state) {
        if (Status s = it.invoke(); !s) {
            state.SkipWithError(s.message().c_str());
            return;
        }
    }
    state.counters["arena_KiB"] = static_cast<double>(it.main().plan().arenaBytes) / 1024.0;
}

const char* kModels[] = {
    "mediapipe/mediapipe/modules/face_detection/face_detection_short_range.tflite",
    "mediapipe/mediapipe/modules/hand_landmark/hand_landmark_lite.tflite",
    "tflite-support/tensorflow_lite_support/cc/test/testdata/task/vision/deeplabv3.tflite",
    "mlcommons-tiny/v0.1/training/visual_wake_words/trained_models/vww_96_float.tflite",
    "mlcommons-tiny/v0.1/training/visual_wake_words/trained_models/vww_96_int8.tflite",
    "mlcommons-tiny/v0.1/training/image_classification/trained_models/pretrainedResnet.tflite",
    "mlcommons-tiny/v0.1/training/image_classification/trained_models/pretrainedResnet_quant.tflite",
    "coral-test_data/tf2_mobilenet_v2_1.0_224_ptq.tflite",
    "coral-test_data/mobilenet_v2_1.0_224_quant.tflite",
};

int registerAll() {
    for (const char* rel : kModels) {
        const std::string path = test::modelPath(rel);
        const std::string name = "Invoke/" + std::filesystem::path(rel).stem().string();
        benchmark::RegisterBenchmark(name.c_str(),
                                     [path](benchmark::State& s) { invokeModel(s, path, false); })
            ->Arg(1)
            ->Arg(2)
            ->ArgName("threads")
            ->Unit(benchmark::kMillisecond)
            ->UseRealTime();
        // The same with the XNNPACK delegate (float nodes; quantized ones stay on the builtin kernels).
        const std::string delegated = "InvokeXnnpack/" + std::filesystem::path(rel).stem().string();
        benchmark::RegisterBenchmark(delegated.c_str(),
                                     [path](benchmark::State& s) { invokeModel(s, path, true); })
            ->Arg(1)
            ->Arg(2)
            ->ArgName("threads")
            ->Unit(benchmark::kMillisecond)
            ->UseRealTime();
    }
    return 0;
}

const int registered = registerAll();

}  // namespace

BENCHMARK_MAIN();

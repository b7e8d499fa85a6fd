// The float hot kernels on representative layer shapes, with GFLOP/s (2 x multiply-accumulates per second).
#include <benchmark/benchmark.h>

#include <random>

#include "tests/support/single_op_model.h"

namespace {

using namespace litescope;
using test::SingleOpModel;
using B = fb::BuiltinOperator;

std::vector<float> randomFloats(size_t n) {
    std::mt19937 rng(1);
    std::uniform_real_distribution<float> d(-1, 1);
    std::vector<float> v(n);
    for (auto& x : v)
        x = d(rng);
    return v;
}

void run(benchmark::State& state, SingleOpModel& m, double macs) {
    if (Status s = m.build(static_cast<int>(state.range(0))); !s) {
        state.SkipWithError(s.message().c_str());
        return;
    }
    for (size_t i = 0; i < m.interpreter().inputCount(); ++i) {
        RuntimeTensor& t = m.interpreter().input(i);
        auto v = randomFloats(static_cast<size_t>(t.elementCount()));
        std::memcpy(t.data, v.data(), t.bytes);
    }
    for (auto _ : state) {
        if (Status s = m.invoke(); !s) {
            state.SkipWithError(s.message().c_str());
            return;
        }
    }
    state.counters["GFLOPs"] = benchmark::Counter(2 * macs * static_cast<double>(state.iterations()) / 1e9,
                                                  benchmark::Counter::kIsRate);
}

// CONV_2D NHWC input [1,h,w,cin], filter [cout,k,k,cin], SAME padding, stride 1.
void conv(benchmark::State& state, int h, int w, int cin, int cout, int k, int stride) {
    SingleOpModel m(B::CONV_2D);
    m.addInput(fb::TensorType::FLOAT32, {1, h, w, cin});
    m.addConstInput(fb::TensorType::FLOAT32, {cout, k, k, cin},
                    randomFloats(static_cast<size_t>(cout * k * k * cin)));
    m.addConstInput(fb::TensorType::FLOAT32, {cout}, randomFloats(static_cast<size_t>(cout)));
    m.addOutput(fb::TensorType::FLOAT32);
    m.setOptions(fb::BuiltinOptions::Conv2DOptions, [stride](flatbuffers::FlatBufferBuilder& f) {
        return fb::CreateConv2DOptions(f, fb::Padding::SAME, stride, stride, fb::ActivationFunctionType::RELU)
            .Union();
    });
    const double oh = (h + stride - 1) / stride, ow = (w + stride - 1) / stride;
    run(state, m, oh * ow * cout * k * k * cin);
}

void depthwise(benchmark::State& state, int h, int w, int c, int k, int stride) {
    SingleOpModel m(B::DEPTHWISE_CONV_2D);
    m.addInput(fb::TensorType::FLOAT32, {1, h, w, c});
    m.addConstInput(fb::TensorType::FLOAT32, {1, k, k, c}, randomFloats(static_cast<size_t>(k * k * c)));
    m.addConstInput(fb::TensorType::FLOAT32, {c}, randomFloats(static_cast<size_t>(c)));
    m.addOutput(fb::TensorType::FLOAT32);
    m.setOptions(fb::BuiltinOptions::DepthwiseConv2DOptions, [stride](flatbuffers::FlatBufferBuilder& f) {
        return fb::CreateDepthwiseConv2DOptions(f, fb::Padding::SAME, stride, stride, 1,
                                                fb::ActivationFunctionType::RELU6)
            .Union();
    });
    const double oh = (h + stride - 1) / stride, ow = (w + stride - 1) / stride;
    run(state, m, oh * ow * c * k * k);
}

void fullyConnected(benchmark::State& state, int batch, int in, int out) {
    SingleOpModel m(B::FULLY_CONNECTED);
    m.addInput(fb::TensorType::FLOAT32, {batch, in});
    m.addConstInput(fb::TensorType::FLOAT32, {out, in}, randomFloats(static_cast<size_t>(out * in)));
    m.addConstInput(fb::TensorType::FLOAT32, {out}, randomFloats(static_cast<size_t>(out)));
    m.addOutput(fb::TensorType::FLOAT32);
    run(state, m, static_cast<double>(batch) * in * out);
}

void batchMatmul(benchmark::State& state, int batch, int rows, int inner, int cols) {
    SingleOpModel m(B::BATCH_MATMUL);
    m.addInput(fb::TensorType::FLOAT32, {batch, rows, inner});
    m.addInput(fb::TensorType::FLOAT32, {batch, inner, cols});
    m.addOutput(fb::TensorType::FLOAT32);
    run(state, m, static_cast<double>(batch) * rows * inner * cols);
}

#define THREADS ->Arg(1)->Arg(2)->ArgName("threads")->UseRealTime()->Unit(benchmark::kMicrosecond)
BENCHMARK_CAPTURE(conv, 1x1_32x32_64to128, 32, 32, 64, 128, 1, 1) THREADS;
BENCHMARK_CAPTURE(conv, 3x3_64x64_32to32, 64, 64, 32, 32, 3, 1) THREADS;
BENCHMARK_CAPTURE(conv, 3x3_s2_128x128_3to24, 128, 128, 3, 24, 3, 2) THREADS;
BENCHMARK_CAPTURE(conv, 1x1_65x65_320to256, 65, 65, 320, 256, 1, 1) THREADS;
BENCHMARK_CAPTURE(depthwise, 3x3_64x64x32, 64, 64, 32, 3, 1) THREADS;
BENCHMARK_CAPTURE(depthwise, 5x5_32x32x96, 32, 32, 96, 5, 1) THREADS;
BENCHMARK_CAPTURE(depthwise, 3x3_s2_112x112x96, 112, 112, 96, 3, 2) THREADS;
BENCHMARK_CAPTURE(fullyConnected, 1x1024x1001, 1, 1024, 1001) THREADS;
BENCHMARK_CAPTURE(fullyConnected, 64x1024x1024, 64, 1024, 1024) THREADS;
BENCHMARK_CAPTURE(batchMatmul, 8x64x64x64, 8, 64, 64, 64) THREADS;

}  // namespace

BENCHMARK_MAIN();

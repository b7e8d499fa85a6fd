// The hot kernels on representative layer shapes, with GFLOP/s (2 x multiply-accumulates per second): float,
// int8 (per-channel weights) and hybrid (float input, int8 weights).
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

test::QuantSpec quant(std::vector<float> scales, int64_t zero, int dimension = 0) {
    test::QuantSpec q;
    q.zeroPoint.assign(scales.size(), zero);
    q.scale = std::move(scales);
    q.quantizedDimension = dimension;
    return q;
}

std::vector<int8_t> randomInt8(size_t n) {
    std::mt19937 rng(2);
    std::vector<int8_t> v(n);
    for (auto& x : v)
        x = static_cast<int8_t>(static_cast<int>(rng() % 255) - 127);
    return v;
}

std::vector<uint8_t> randomUInt8(size_t n) {
    std::mt19937 rng(3);
    std::vector<uint8_t> v(n);
    for (auto& x : v)
        x = static_cast<uint8_t>(rng() % 256);
    return v;
}

// int8: the post-training-quantized scheme (per-channel symmetric weights). uint8: the legacy TF1/Coral
// scheme (asymmetric per-tensor weights with a zero point).
enum class Scheme { Int8, UInt8 };

// Adds the activation input and the weights of a conv-like op in the scheme's types.
void addQuantizedInputAndWeights(SingleOpModel& m, Scheme scheme, std::vector<int32_t> inputShape,
                                 std::vector<int32_t> weightShape, int channels, int channelDim) {
    size_t n = 1;
    for (int32_t d : weightShape)
        n *= static_cast<size_t>(d);
    if (scheme == Scheme::Int8) {
        m.addInput(fb::TensorType::INT8, std::move(inputShape), quant({0.05f}, -3));
        m.addConstInput(fb::TensorType::INT8, std::move(weightShape), randomInt8(n),
                        quant(std::vector<float>(static_cast<size_t>(channels), 0.004f), 0, channelDim));
    } else {
        m.addInput(fb::TensorType::UINT8, std::move(inputShape), quant({0.05f}, 128));
        m.addConstInput(fb::TensorType::UINT8, std::move(weightShape), randomUInt8(n), quant({0.004f}, 120));
    }
    m.addConstInput(
        fb::TensorType::INT32, {channels}, std::vector<int32_t>(static_cast<size_t>(channels), 100),
        quant(std::vector<float>(scheme == Scheme::Int8 ? static_cast<size_t>(channels) : 1, 0.0002f), 0));
    if (scheme == Scheme::Int8)
        m.addOutput(fb::TensorType::INT8, {}, quant({0.1f}, -128));
    else
        m.addOutput(fb::TensorType::UINT8, {}, quant({0.1f}, 0));
}

// The CONV_2D of a quantized model: int32 bias, fused RELU6.
void qconv(benchmark::State& state, Scheme scheme, int h, int w, int cin, int cout, int k, int stride) {
    SingleOpModel m(B::CONV_2D);
    addQuantizedInputAndWeights(m, scheme, {1, h, w, cin}, {cout, k, k, cin}, cout, 0);
    m.setOptions(fb::BuiltinOptions::Conv2DOptions, [stride](flatbuffers::FlatBufferBuilder& f) {
        return fb::CreateConv2DOptions(f, fb::Padding::SAME, stride, stride,
                                       fb::ActivationFunctionType::RELU6)
            .Union();
    });
    const double oh = (h + stride - 1) / stride, ow = (w + stride - 1) / stride;
    run(state, m, oh * ow * cout * k * k * cin);
}

void qdepthwise(benchmark::State& state, Scheme scheme, int h, int w, int c, int k, int stride) {
    SingleOpModel m(B::DEPTHWISE_CONV_2D);
    addQuantizedInputAndWeights(m, scheme, {1, h, w, c}, {1, k, k, c}, c, 3);
    m.setOptions(fb::BuiltinOptions::DepthwiseConv2DOptions, [stride](flatbuffers::FlatBufferBuilder& f) {
        return fb::CreateDepthwiseConv2DOptions(f, fb::Padding::SAME, stride, stride, 1,
                                                fb::ActivationFunctionType::RELU6)
            .Union();
    });
    const double oh = (h + stride - 1) / stride, ow = (w + stride - 1) / stride;
    run(state, m, oh * ow * c * k * k);
}

// FULLY_CONNECTED with int8 weights: int8 input, or float input quantized on the fly (hybrid).
void qfullyConnected(benchmark::State& state, int batch, int in, int out, bool hybrid) {
    SingleOpModel m(B::FULLY_CONNECTED);
    if (hybrid)
        m.addInput(fb::TensorType::FLOAT32, {batch, in});
    else
        m.addInput(fb::TensorType::INT8, {batch, in}, quant({0.05f}, -3));
    m.addConstInput(fb::TensorType::INT8, {out, in}, randomInt8(static_cast<size_t>(out * in)),
                    quant({0.004f}, 0));
    if (hybrid) {
        m.addConstInput(fb::TensorType::FLOAT32, {out}, randomFloats(static_cast<size_t>(out)));
        m.addOutput(fb::TensorType::FLOAT32);
    } else {
        m.addConstInput(fb::TensorType::INT32, {out}, std::vector<int32_t>(static_cast<size_t>(out), 100),
                        quant({0.0002f}, 0));
        m.addOutput(fb::TensorType::INT8, {}, quant({0.1f}, 0));
    }
    run(state, m, static_cast<double>(batch) * in * out);
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
BENCHMARK_CAPTURE(qconv, int8_1x1_32x32_64to128, Scheme::Int8, 32, 32, 64, 128, 1, 1) THREADS;
BENCHMARK_CAPTURE(qconv, int8_3x3_64x64_32to32, Scheme::Int8, 64, 64, 32, 32, 3, 1) THREADS;
BENCHMARK_CAPTURE(qconv, int8_3x3_s2_128x128_3to24, Scheme::Int8, 128, 128, 3, 24, 3, 2) THREADS;
BENCHMARK_CAPTURE(qconv, uint8_1x1_32x32_64to128, Scheme::UInt8, 32, 32, 64, 128, 1, 1) THREADS;
BENCHMARK_CAPTURE(qconv, uint8_3x3_64x64_32to32, Scheme::UInt8, 64, 64, 32, 32, 3, 1) THREADS;
BENCHMARK_CAPTURE(qdepthwise, int8_3x3_64x64x32, Scheme::Int8, 64, 64, 32, 3, 1) THREADS;
BENCHMARK_CAPTURE(qdepthwise, int8_3x3_s2_112x112x96, Scheme::Int8, 112, 112, 96, 3, 2) THREADS;
BENCHMARK_CAPTURE(qdepthwise, uint8_3x3_64x64x32, Scheme::UInt8, 64, 64, 32, 3, 1) THREADS;
BENCHMARK_CAPTURE(qfullyConnected, int8_1x1024x1001, 1, 1024, 1001, false) THREADS;
BENCHMARK_CAPTURE(qfullyConnected, int8_64x1024x1024, 64, 1024, 1024, false) THREADS;
BENCHMARK_CAPTURE(qfullyConnected, hybrid_1x1024x1001, 1, 1024, 1001, true) THREADS;

}  // namespace

BENCHMARK_MAIN();

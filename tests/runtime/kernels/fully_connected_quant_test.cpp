// Quantized and hybrid FULLY_CONNECTED and BATCH_MATMUL against the product computed in double on the
// dequantized values and quantized once at the end: int8 (and INT4 weights), the legacy uint8 scheme, int16
// activations with int8 weights, float inputs with int8 weights (symmetric and asymmetric input
// quantization). Integer results may differ by one quantum; hybrid ones by the input quantization error.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>

#include "runtime/interpreter.h"
#include "tests/support/shared_data.h"
#include "tests/support/single_op_model.h"
#include "tests/support/test_values.h"

namespace litescope::test {
namespace {

using B = fb::BuiltinOperator;
using Act = fb::ActivationFunctionType;
using TT = fb::TensorType;

QuantSpec spec(float scale, int64_t zero) {
    QuantSpec q;
    q.scale = {scale};
    q.zeroPoint = {zero};
    return q;
}

struct Range {
    int32_t lo, hi;
};
Range typeRange(TT t) {
    switch (t) {
        case TT::INT8:
            return {-128, 127};
        case TT::UINT8:
            return {0, 255};
        case TT::INT16:
            return {-32768, 32767};
        default:
            return {0, 0};
    }
}

std::vector<int32_t> readInts(SingleOpModel& m, TT t) {
    std::vector<int32_t> v;
    if (t == TT::INT8)
        for (int8_t x : m.output<int8_t>(0))
            v.push_back(x);
    else if (t == TT::UINT8)
        for (uint8_t x : m.output<uint8_t>(0))
            v.push_back(x);
    else
        for (int16_t x : m.output<int16_t>(0))
            v.push_back(x);
    return v;
}

template <typename T>
std::vector<T> narrow(const std::vector<int32_t>& v) {
    return std::vector<T>(v.begin(), v.end());
}

// INT4 weights as the format stores them: two a byte, the low nibble first.
std::vector<uint8_t> packInt4(const std::vector<int32_t>& v) {
    std::vector<uint8_t> out((v.size() + 1) / 2, 0);
    for (size_t i = 0; i < v.size(); ++i)
        out[i / 2] |= static_cast<uint8_t>((v[i] & 0x0F) << ((i % 2) * 4));
    return out;
}

struct FcCase {
    TT type = TT::INT8;  // FLOAT32: hybrid
    bool int4 = false, asymmetric = false, bias = true;
    int32_t batch = 1, depth = 8, units = 4;
    Act act = Act::NONE;
    int threads = 1;
    std::string describe() const {
        return std::string(fb::EnumNameTensorType(type)) + (int4 ? " int4" : "") +
               (asymmetric ? " asym" : "") + " batch " + std::to_string(batch) + " depth " +
               std::to_string(depth) + " units " + std::to_string(units) + " act " +
               fb::EnumNameActivationFunctionType(act);
    }
};

void runFc(const FcCase& p, std::mt19937& rng) {
    const bool hybrid = p.type == TT::FLOAT32;
    const Range ar = hybrid ? Range{0, 0} : typeRange(p.type);
    const float si = 0.01f + static_cast<float>(rng() % 100) / 2000.f;
    const int32_t zx = p.type == TT::INT8    ? pick(rng, -20, 20)
                       : p.type == TT::UINT8 ? pick(rng, 100, 150)
                                             : 0;
    const float sw = 0.002f + static_cast<float>(rng() % 100) / 10000.f;
    const int32_t zw = p.type == TT::UINT8 ? pick(rng, 110, 145) : 0;
    const Range wr = p.int4 ? Range{-8, 7} : p.type == TT::UINT8 ? Range{0, 255} : Range{-127, 127};
    std::vector<int32_t> xq(static_cast<size_t>(p.batch * p.depth)),
        wq(static_cast<size_t>(p.units * p.depth));
    std::vector<float> xf(xq.size());
    for (size_t i = 0; i < xq.size(); ++i) {
        xq[i] = pick(rng, p.type == TT::INT16 ? -3000 : ar.lo, p.type == TT::INT16 ? 3000 : ar.hi);
        xf[i] = std::uniform_real_distribution<float>(-2.f, 2.f)(rng);
    }
    for (int32_t& v : wq)
        v = pick(rng, wr.lo, wr.hi);
    std::vector<int64_t> biasQ(static_cast<size_t>(p.units));
    std::vector<float> biasF(biasQ.size());
    for (size_t i = 0; i < biasQ.size(); ++i) {
        biasQ[i] = pick(rng, -3000, 3000);
        biasF[i] = std::uniform_real_distribution<float>(-1.f, 1.f)(rng);
    }
    std::vector<double> real(static_cast<size_t>(p.batch * p.units)), magnitude(real.size());
    double maxAbs = 1e-3;
    for (int32_t b = 0; b < p.batch; ++b)
        for (int32_t u = 0; u < p.units; ++u) {
            double s = 0, mag = 0;
            for (int32_t k = 0; k < p.depth; ++k) {
                const size_t xi = static_cast<size_t>(b * p.depth + k);
                const double x = hybrid ? xf[xi] : (xq[xi] - zx) * static_cast<double>(si);
                const double w = (wq[static_cast<size_t>(u * p.depth + k)] - zw) * static_cast<double>(sw);
                s += x * w;
                mag += std::abs(w);
            }
            if (p.bias)
                s += hybrid ? biasF[static_cast<size_t>(u)]
                            : biasQ[static_cast<size_t>(u)] * static_cast<double>(si) * sw;
            real[static_cast<size_t>(b * p.units + u)] = s;
            magnitude[static_cast<size_t>(b * p.units + u)] = mag;
            maxAbs = std::max(maxAbs, std::abs(s));
        }
    const float so = hybrid ? 1.f : static_cast<float>(maxAbs / (0.9 * (ar.hi - ar.lo) / 2.0));
    const int32_t zo = p.type == TT::INT8    ? pick(rng, -10, 10)
                       : p.type == TT::UINT8 ? pick(rng, 120, 135)
                                             : 0;

    SingleOpModel m(B::FULLY_CONNECTED);
    m.addInput(p.type, {p.batch, p.depth}, hybrid ? std::nullopt : std::optional<QuantSpec>(spec(si, zx)));
    if (p.int4)
        m.addConstBytes(TT::INT4, {p.units, p.depth}, packInt4(wq), spec(sw, 0));
    else if (p.type == TT::UINT8)
        m.addConstInput(TT::UINT8, {p.units, p.depth}, narrow<uint8_t>(wq), spec(sw, zw));
    else
        m.addConstInput(TT::INT8, {p.units, p.depth}, narrow<int8_t>(wq), spec(sw, 0));
    if (p.bias) {
        if (hybrid)
            m.addConstInput(TT::FLOAT32, {p.units}, biasF);
        else if (p.type == TT::INT16)
            m.addConstInput(TT::INT64, {p.units}, biasQ);
        else
            m.addConstInput(TT::INT32, {p.units}, std::vector<int32_t>(biasQ.begin(), biasQ.end()));
    }
    m.addOutput(p.type, {}, hybrid ? std::nullopt : std::optional<QuantSpec>(spec(so, zo)));
    m.setOptions(fb::BuiltinOptions::FullyConnectedOptions, [p](flatbuffers::FlatBufferBuilder& f) {
        return fb::CreateFullyConnectedOptions(f, p.act, fb::FullyConnectedOptionsWeightsFormat::DEFAULT,
                                               false, p.asymmetric)
            .Union();
    });
    Status built = m.build(p.threads);
    ASSERT_TRUE(built.isOk()) << p.describe() << ": " << built.message();
    if (hybrid)
        m.setInput(0, xf);
    else if (p.type == TT::INT8)
        m.setInput(0, narrow<int8_t>(xq));
    else if (p.type == TT::UINT8)
        m.setInput(0, narrow<uint8_t>(xq));
    else
        m.setInput(0, narrow<int16_t>(xq));
    Status s = m.invoke();
    ASSERT_TRUE(s.isOk()) << p.describe() << ": " << s.message();
    if (hybrid) {
        auto got = m.output<float>(0);
        for (int32_t b = 0; b < p.batch; ++b) {
            double lo = 0, hi = 0;
            for (int32_t k = 0; k < p.depth; ++k) {
                lo = std::min(lo, static_cast<double>(xf[static_cast<size_t>(b * p.depth + k)]));
                hi = std::max(hi, static_cast<double>(xf[static_cast<size_t>(b * p.depth + k)]));
            }
            const double step = (hi - lo) / 127.0;
            for (int32_t u = 0; u < p.units; ++u) {
                const size_t i = static_cast<size_t>(b * p.units + u);
                ASSERT_NEAR(got[i], referenceActivation(real[i], p.act),
                            0.5 * step * magnitude[i] + 1e-4 * maxAbs)
                    << p.describe() << " element " << i;
            }
        }
        return;
    }
    int32_t lo = ar.lo, hi = ar.hi;
    auto q = [&](double v) { return zo + static_cast<int32_t>(std::round(v / so)); };
    if (p.act == Act::RELU || p.act == Act::RELU6) lo = std::max(lo, q(0.0));
    if (p.act == Act::RELU6) hi = std::min(hi, q(6.0));
    auto got = readInts(m, p.type);
    ASSERT_EQ(got.size(), real.size());
    for (size_t i = 0; i < got.size(); ++i) {
        const int32_t want = std::min(std::max(zo + static_cast<int32_t>(std::lround(real[i] / so)), lo), hi);
        ASSERT_LE(std::abs(got[i] - want), 1)
            << p.describe() << " element " << i << ": got " << got[i] << ", want " << want;
    }
}

void runRandomFc(TT type, bool int4, int trials, uint32_t seed) {
    std::mt19937 rng(seed);
    const Act acts[] = {Act::NONE, Act::RELU, Act::RELU6};
    for (int t = 0; t < trials; ++t) {
        FcCase p;
        p.type = type;
        p.int4 = int4;
        p.asymmetric = rng() % 2 == 0;
        p.bias = rng() % 4 != 0;
        p.batch = pick(rng, 1, 9);
        p.depth = pick(rng, 1, 70);
        p.units = pick(rng, 1, 40);
        p.act = acts[rng() % 3];
        p.threads = pick(rng, 1, 2);
        runFc(p, rng);
        if (::testing::Test::HasFatalFailure()) return;
    }
}

TEST(QuantizedFullyConnected, Int8MatchesRealArithmetic) {
    runRandomFc(TT::INT8, false, 150, 301);
}
TEST(QuantizedFullyConnected, Int4WeightsMatchRealArithmetic) {
    runRandomFc(TT::INT8, true, 60, 302);
}
TEST(QuantizedFullyConnected, UInt8WithWeightZeroPointMatchesRealArithmetic) {
    runRandomFc(TT::UINT8, false, 100, 303);
}
TEST(QuantizedFullyConnected, Int16ActivationsMatchRealArithmetic) {
    runRandomFc(TT::INT16, false, 60, 304);
}
TEST(QuantizedFullyConnected, HybridStaysWithinTheInputQuantizationError) {
    runRandomFc(TT::FLOAT32, false, 100, 305);
}
TEST(QuantizedFullyConnected, HybridInt4StaysWithinTheInputQuantizationError) {
    runRandomFc(TT::FLOAT32, true, 40, 306);
}
TEST(QuantizedFullyConnected, LargeBatchSpansSeveralTiles) {
    std::mt19937 rng(307);
    FcCase p;
    p.batch = 700;
    p.depth = 300;
    p.units = 50;
    p.threads = 2;
    runFc(p, rng);
}

TEST(QuantizedFullyConnected, PerChannelWeightsGiveTheZeroPointAsInTfLite28) {
    // TFLite 2.8's FULLY_CONNECTED reads only a per-tensor weight scale, absent (0) for per-channel weights.
    SingleOpModel m(B::FULLY_CONNECTED);
    m.addInput(TT::INT8, {1, 2}, spec(0.5f, 0));
    QuantSpec w;
    w.scale = {0.1f, 0.2f};
    w.zeroPoint = {0, 0};
    m.addConstInput(TT::INT8, {2, 2}, std::vector<int8_t>{10, 20, 30, 40}, w);
    m.addOutput(TT::INT8, {}, spec(0.25f, 5));
    ASSERT_TRUE(m.build().isOk());
    m.setInput(0, std::vector<int8_t>{7, 9});
    ASSERT_TRUE(m.invoke().isOk());
    EXPECT_EQ(m.output<int8_t>(0), (std::vector<int8_t>{5, 5}));
}

// BATCH_MATMUL: lhs [2, m, k] (adj_x: [2, k, m]) times rhs [k, n] (adj_y: [n, k]), broadcast over the batch.
void runBmm(TT type, bool adjX, bool adjY, bool asymmetric, std::mt19937& rng) {
    const bool hybrid = type == TT::FLOAT32;
    const int32_t batches = 2, m = pick(rng, 1, 6), k = pick(rng, 1, 20), n = pick(rng, 1, 9);
    const std::vector<int32_t> lhsShape =
        adjX ? std::vector<int32_t>{batches, k, m} : std::vector<int32_t>{batches, m, k};
    const std::vector<int32_t> rhsShape = adjY ? std::vector<int32_t>{n, k} : std::vector<int32_t>{k, n};
    const Range r = type == TT::INT16 ? Range{-3000, 3000} : Range{-127, 127};
    const float sl = 0.02f, sr = 0.01f;
    const int32_t zl = type == TT::INT8 ? pick(rng, -10, 10) : 0,
                  zr = type == TT::INT8 ? pick(rng, -10, 10) : 0;
    std::vector<int32_t> lq(static_cast<size_t>(batches * m * k)), rq(static_cast<size_t>(k * n));
    std::vector<float> lf(lq.size());
    for (size_t i = 0; i < lq.size(); ++i) {
        lq[i] = pick(rng, r.lo, r.hi);
        lf[i] = std::uniform_real_distribution<float>(-1.f, 1.f)(rng);
    }
    for (int32_t& v : rq)
        v = pick(rng, -127, 127);
    auto lhsAt = [&](int32_t b, int32_t i, int32_t p) {
        const size_t idx = static_cast<size_t>(adjX ? (b * k + p) * m + i : (b * m + i) * k + p);
        return hybrid ? static_cast<double>(lf[idx]) : (lq[idx] - zl) * static_cast<double>(sl);
    };
    auto rhsAt = [&](int32_t p, int32_t j) {
        const size_t idx = static_cast<size_t>(adjY ? j * k + p : p * n + j);
        return (rq[idx] - (hybrid ? 0 : zr)) * static_cast<double>(sr);
    };
    std::vector<double> real(static_cast<size_t>(batches * m * n));
    double maxAbs = 1e-3;
    for (int32_t b = 0; b < batches; ++b)
        for (int32_t i = 0; i < m; ++i)
            for (int32_t j = 0; j < n; ++j) {
                double s = 0;
                for (int32_t p = 0; p < k; ++p)
                    s += lhsAt(b, i, p) * rhsAt(p, j);
                real[static_cast<size_t>((b * m + i) * n + j)] = s;
                maxAbs = std::max(maxAbs, std::abs(s));
            }
    const Range out = hybrid ? Range{0, 0} : typeRange(type);
    const float so = hybrid ? 1.f : static_cast<float>(maxAbs / (0.9 * (out.hi - out.lo) / 2.0));
    const int32_t zo = type == TT::INT8 ? 3 : 0;
    SingleOpModel model(B::BATCH_MATMUL);
    model.addInput(type, lhsShape, hybrid ? std::nullopt : std::optional<QuantSpec>(spec(sl, zl)));
    if (type == TT::INT16)
        model.addConstInput(TT::INT16, rhsShape, narrow<int16_t>(rq), spec(sr, 0));
    else
        model.addConstInput(TT::INT8, rhsShape, narrow<int8_t>(rq), spec(sr, hybrid ? 0 : zr));
    model.addOutput(type, {}, hybrid ? std::nullopt : std::optional<QuantSpec>(spec(so, zo)));
    model.setOptions(fb::BuiltinOptions::BatchMatMulOptions, [=](flatbuffers::FlatBufferBuilder& f) {
        return fb::CreateBatchMatMulOptions(f, adjX, adjY, asymmetric).Union();
    });
    const std::string what = std::string(fb::EnumNameTensorType(type)) + (adjX ? " adj_x" : "") +
                             (adjY ? " adj_y" : "") + " m " + std::to_string(m) + " k " + std::to_string(k) +
                             " n " + std::to_string(n);
    Status built = model.build();
    ASSERT_TRUE(built.isOk()) << what << ": " << built.message();
    if (hybrid)
        model.setInput(0, lf);
    else if (type == TT::INT8)
        model.setInput(0, narrow<int8_t>(lq));
    else
        model.setInput(0, narrow<int16_t>(lq));
    Status s = model.invoke();
    ASSERT_TRUE(s.isOk()) << what << ": " << s.message();
    if (hybrid) {
        auto got = model.output<float>(0);
        for (size_t i = 0; i < got.size(); ++i) {
            // Each lhs row is quantized to 8 bits: at most half a step of 2/127 per product.
            double mag = 0;
            const int32_t j = static_cast<int32_t>(i % static_cast<size_t>(n));
            for (int32_t p = 0; p < k; ++p)
                mag += std::abs(rhsAt(p, j));
            ASSERT_NEAR(got[i], real[i], 0.5 * (2.0 / 127.0) * mag + 1e-4) << what << " element " << i;
        }
        return;
    }
    auto got = readInts(model, type);
    for (size_t i = 0; i < got.size(); ++i) {
        const int32_t want =
            std::min(std::max(zo + static_cast<int32_t>(std::lround(real[i] / so)), out.lo), out.hi);
        ASSERT_LE(std::abs(got[i] - want), 1) << what << " element " << i;
    }
}

TEST(QuantizedBatchMatMul, Int8Int16AndHybridMatchRealArithmetic) {
    std::mt19937 rng(311);
    for (TT type : {TT::INT8, TT::INT16, TT::FLOAT32})
        for (int adj = 0; adj < 4; ++adj)
            for (int trial = 0; trial < 8; ++trial) {
                runBmm(type, adj & 1, adj & 2, trial % 2 == 1, rng);
                if (HasFatalFailure()) return;
            }
}

// int16 activations times int8 weights with one scale per output column ("a16w8", newer than TFLite 2.8: no
// reference output exists, so the real-valued product is the reference).
TEST(QuantizedBatchMatMul, Int16ActivationsInt8WeightsPerColumnMatchRealArithmetic) {
    std::mt19937 rng(907);
    for (int trial = 0; trial < 16; ++trial) {
        const bool adjY = trial % 2 == 1;
        const int32_t batches = 2, m = pick(rng, 1, 5), k = pick(rng, 1, 40), n = pick(rng, 1, 9);
        const std::vector<int32_t> rhsShape = adjY ? std::vector<int32_t>{n, k} : std::vector<int32_t>{k, n};
        const float sl = 3.0e-5f;
        std::vector<float> sr(static_cast<size_t>(n));
        for (float& v : sr)
            v = std::uniform_real_distribution<float>(1e-4f, 4e-4f)(rng);
        std::vector<int32_t> lq(static_cast<size_t>(batches * m * k)), rq(static_cast<size_t>(k * n));
        for (int32_t& v : lq)
            v = pick(rng, -32767, 32767);
        for (int32_t& v : rq)
            v = pick(rng, -127, 127);
        std::vector<double> real(static_cast<size_t>(batches * m * n));
        double maxAbs = 1e-6;
        for (int32_t b = 0; b < batches; ++b)
            for (int32_t i = 0; i < m; ++i)
                for (int32_t j = 0; j < n; ++j) {
                    double acc = 0;
                    for (int32_t p = 0; p < k; ++p) {
                        const size_t ri = static_cast<size_t>(adjY ? j * k + p : p * n + j);
                        acc += lq[static_cast<size_t>((b * m + i) * k + p)] * static_cast<double>(sl) *
                               rq[ri] * static_cast<double>(sr[static_cast<size_t>(j)]);
                    }
                    real[static_cast<size_t>((b * m + i) * n + j)] = acc;
                    maxAbs = std::max(maxAbs, std::abs(acc));
                }
        const auto so = static_cast<float>(maxAbs / 30000.0);
        QuantSpec weights;
        weights.scale = sr;
        weights.zeroPoint.assign(sr.size(), 0);
        weights.quantizedDimension = adjY ? 0 : 1;
        SingleOpModel model(B::BATCH_MATMUL);
        model.addInput(TT::INT16, {batches, m, k}, spec(sl, 0));
        model.addConstInput(TT::INT8, rhsShape, narrow<int8_t>(rq), weights);
        model.addOutput(TT::INT16, {}, spec(so, 0));
        model.setOptions(fb::BuiltinOptions::BatchMatMulOptions, [=](flatbuffers::FlatBufferBuilder& f) {
            return fb::CreateBatchMatMulOptions(f, false, adjY, false).Union();
        });
        Status built = model.build();
        ASSERT_TRUE(built.isOk()) << built.message();
        model.setInput(0, narrow<int16_t>(lq));
        Status s = model.invoke();
        ASSERT_TRUE(s.isOk()) << s.message();
        auto got = readInts(model, TT::INT16);
        ASSERT_EQ(got.size(), real.size());
        for (size_t i = 0; i < got.size(); ++i)
            ASSERT_LE(std::abs(got[i] - static_cast<int32_t>(std::lround(real[i] / so))), 1)
                << "trial " << trial << " element " << i;
    }
}

// Blockwise int4 weights with float16 scales (a real converter's output, newer than TFLite 2.8, which could
// not load it): the product against weights dequantized here, in double, from the file's own bytes.
TEST(QuantizedFullyConnected, BlockwiseInt4WeightsMatchTheDequantizedProduct) {
    auto loaded =
        Model::fromFile(modelPath("litert/litert/test/testdata/qwen_fc_blockwise_quantized.tflite"));
    ASSERT_TRUE(loaded.isOk()) << loaded.message();
    const Subgraph& sg = loaded.value()->subgraphs()[0];
    const Tensor& w = sg.tensors[1];
    ASSERT_EQ(w.type, TensorType::Int4);
    ASSERT_EQ(w.quantization.detailsKind, "BlockwiseQuantization");
    const Tensor& scales = sg.tensors[static_cast<size_t>(w.quantization.blockScalesTensor)];
    ASSERT_EQ(scales.type, TensorType::Float16);
    const int64_t rows = w.shape[0], cols = w.shape[1], block = w.quantization.blockSize;

    auto interpreter = Interpreter::create(loaded.value());
    ASSERT_TRUE(interpreter.isOk()) << interpreter.message();
    Interpreter& in = *interpreter.value();
    ASSERT_TRUE(in.prepare().isOk());
    std::mt19937 rng(5);
    std::vector<float> x(static_cast<size_t>(cols));
    for (float& v : x)
        v = std::uniform_real_distribution<float>(-1.f, 1.f)(rng);
    std::memcpy(in.input(0).data, x.data(), x.size() * sizeof(float));
    Status s = in.invoke();
    ASSERT_TRUE(s.isOk()) << s.message();
    const float* got = in.output(0).as<float>();

    auto half = [](uint16_t h) {  // binary16, normal numbers and zero (all a scale can be)
        const int exponent = (h >> 10) & 0x1f;
        const double mantissa = (h & 0x3ff) / 1024.0;
        const double magnitude =
            exponent == 0 ? std::ldexp(mantissa, -14) : std::ldexp(1.0 + mantissa, exponent - 15);
        return (h & 0x8000) ? -magnitude : magnitude;
    };
    double worst = 0, largest = 1;
    for (int64_t r = 0; r < rows; ++r) {
        double sum = 0;
        for (int64_t c = 0; c < cols; ++c) {
            const int64_t i = r * cols + c;
            int nibble = (w.data[static_cast<size_t>(i / 2)] >> ((i % 2) * 4)) & 0xf;
            if (nibble >= 8) nibble -= 16;
            uint16_t h;
            std::memcpy(&h, scales.data.data() + (r * (cols / block) + c / block) * 2, 2);
            sum += static_cast<double>(x[static_cast<size_t>(c)]) * half(h) * nibble;
        }
        worst = std::max(worst, std::abs(got[r] - sum));
        largest = std::max(largest, std::abs(sum));
    }
    EXPECT_LE(worst, 1e-4 * largest);
}

}  // namespace
}  // namespace litescope::test

// Quantized and hybrid convolutions (CONV_2D, DEPTHWISE_CONV_2D, TRANSPOSE_CONV) against the same op computed
// in double on the dequantized values and quantized once at the end: int8 per-tensor and per-channel, the
// legacy uint8 scheme with weight zero points, int16 activations with int8 weights, and float inputs with
// int8 weights. Integer results may differ by one quantum (the kernels round twice, as TFLite does); hybrid
// results by the error of quantizing the input to 8 bits.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "runtime/kernels/quantized_conv_util.h"
#include "runtime/kernels/quantized_gemm.h"
#include "tests/support/single_op_model.h"
#include "tests/support/test_values.h"

namespace litescope::test {
namespace {

using B = fb::BuiltinOperator;
using Act = fb::ActivationFunctionType;
using TT = fb::TensorType;

enum class Op { Conv, Depthwise, Transpose };

struct QCase {
    Op op = Op::Conv;
    TT type = TT::INT8;  // activations; FLOAT32 means hybrid
    bool perChannel = true;
    int32_t batch = 1, h = 5, w = 5, c = 3, oc = 4, kh = 3, kw = 3, sh = 1, sw = 1, dh = 1, dw = 1;
    fb::Padding padding = fb::Padding::SAME;
    Act act = Act::NONE;
    bool bias = true;
    int threads = 1;

    std::string describe() const {
        const char* names[] = {"CONV_2D", "DEPTHWISE", "TRANSPOSE_CONV"};
        return std::string(names[static_cast<int>(op)]) + " " + fb::EnumNameTensorType(type) +
               (perChannel ? " per-channel" : " per-tensor") + " in [" + std::to_string(batch) + "," +
               std::to_string(h) + "," + std::to_string(w) + "," + std::to_string(c) + "] oc " +
               std::to_string(oc) + " k " + std::to_string(kh) + "x" + std::to_string(kw) + " s " +
               std::to_string(sh) + "x" + std::to_string(sw) + " d " + std::to_string(dh) + "x" +
               std::to_string(dw) + (padding == fb::Padding::SAME ? " SAME" : " VALID") + " act " +
               fb::EnumNameActivationFunctionType(act) + " threads " + std::to_string(threads);
    }
};

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

template <typename T>
std::vector<T> narrow(const std::vector<int32_t>& v) {
    return std::vector<T>(v.begin(), v.end());
}

// Output extent and leading padding of one axis (TRANSPOSE_CONV pads as the convolution back to its input).
struct AxisRef {
    int32_t out, pad;
};
AxisRef axisRef(fb::Padding padding, int32_t in, int32_t filter, int32_t stride, int32_t dilation) {
    const int32_t effective = (filter - 1) * dilation + 1;
    if (padding == fb::Padding::VALID) return {in >= effective ? (in - effective) / stride + 1 : 0, 0};
    const int32_t out = (in + stride - 1) / stride;
    const int32_t total = std::max((out - 1) * stride + effective - in, 0);
    return {out, total / 2};
}

void runCase(const QCase& p, std::mt19937& rng) {
    const bool hybrid = p.type == TT::FLOAT32;
    const TT weightType = p.type == TT::UINT8 ? TT::UINT8 : TT::INT8;
    const int32_t ic = p.c;
    const int32_t mult = p.op == Op::Depthwise ? p.oc / p.c : 1;
    // Filter layouts: CONV_2D and TRANSPOSE_CONV [oc, kh, kw, ic]; DEPTHWISE [1, kh, kw, oc].
    const std::vector<int32_t> inShape = {p.batch, p.h, p.w, p.c};
    const std::vector<int32_t> fShape = p.op == Op::Depthwise ? std::vector<int32_t>{1, p.kh, p.kw, p.oc}
                                                              : std::vector<int32_t>{p.oc, p.kh, p.kw, ic};
    const int quantDim = p.op == Op::Depthwise ? 3 : 0;
    // Quantization of input and weights.
    const Range ar = hybrid ? Range{0, 0} : typeRange(p.type);
    const float si = 0.01f + static_cast<float>(rng() % 100) / 2000.f;
    const int32_t zx = p.type == TT::INT8    ? pick(rng, -20, 20)
                       : p.type == TT::UINT8 ? pick(rng, 100, 150)
                                             : 0;
    std::vector<float> sw(static_cast<size_t>(p.perChannel ? p.oc : 1));
    for (float& s : sw)
        s = 0.002f + static_cast<float>(rng() % 100) / 10000.f;
    const int32_t zw = p.type == TT::UINT8 ? pick(rng, 110, 145) : 0;
    auto wScale = [&](int32_t o) { return sw[p.perChannel ? static_cast<size_t>(o) : 0]; };

    std::vector<int32_t> xq(static_cast<size_t>(elementCount(inShape)));
    std::vector<float> xf(xq.size());
    for (size_t i = 0; i < xq.size(); ++i) {
        if (hybrid)
            xf[i] = std::uniform_real_distribution<float>(-2.f, 2.f)(rng);
        else
            xq[i] = pick(rng, p.type == TT::INT16 ? -3000 : ar.lo, p.type == TT::INT16 ? 3000 : ar.hi);
    }
    const Range wr = weightType == TT::UINT8 ? Range{0, 255} : Range{-127, 127};
    std::vector<int32_t> wq(static_cast<size_t>(elementCount(fShape)));
    for (int32_t& v : wq)
        v = pick(rng, wr.lo, wr.hi);
    std::vector<int64_t> biasQ(static_cast<size_t>(p.oc));
    std::vector<float> biasF(static_cast<size_t>(p.oc));
    for (int32_t o = 0; o < p.oc; ++o) {
        biasQ[static_cast<size_t>(o)] = pick(rng, -3000, 3000);
        biasF[static_cast<size_t>(o)] = std::uniform_real_distribution<float>(-1.f, 1.f)(rng);
    }
    auto xAt = [&](int64_t i) {
        return hybrid ? static_cast<double>(xf[static_cast<size_t>(i)])
                      : static_cast<double>(xq[static_cast<size_t>(i)] - zx) * si;
    };
    auto wAt = [&](int64_t i, int32_t o) {
        return static_cast<double>(wq[static_cast<size_t>(i)] - zw) * wScale(o);
    };
    auto biasAt = [&](int32_t o) {
        if (!p.bias) return 0.0;
        return hybrid ? static_cast<double>(biasF[static_cast<size_t>(o)])
                      : static_cast<double>(biasQ[static_cast<size_t>(o)]) * si * wScale(o);
    };

    // The reference in double: real-valued sums, and the magnitudes of the products for the hybrid bound.
    int32_t oh = 0, ow = 0, padH = 0, padW = 0;
    if (p.op == Op::Transpose) {
        oh = p.padding == fb::Padding::SAME ? p.h * p.sh : (p.h - 1) * p.sh + p.kh;
        ow = p.padding == fb::Padding::SAME ? p.w * p.sw : (p.w - 1) * p.sw + p.kw;
        padH = axisRef(p.padding, oh, p.kh, p.sh, 1).pad;
        padW = axisRef(p.padding, ow, p.kw, p.sw, 1).pad;
    } else {
        const AxisRef ay = axisRef(p.padding, p.h, p.kh, p.sh, p.dh),
                      ax = axisRef(p.padding, p.w, p.kw, p.sw, p.dw);
        oh = ay.out;
        ow = ax.out;
        padH = ay.pad;
        padW = ax.pad;
    }
    const std::vector<int32_t> outShape = {p.batch, oh, ow, p.oc};
    std::vector<double> real(static_cast<size_t>(elementCount(outShape)), 0.0), magnitude(real.size(), 0.0);
    auto outIndex = [&](int32_t b, int32_t y, int32_t x, int32_t o) {
        return static_cast<size_t>(((static_cast<int64_t>(b) * oh + y) * ow + x) * p.oc + o);
    };
    if (p.op == Op::Transpose) {
        for (int32_t b = 0; b < p.batch; ++b)
            for (int32_t iy = 0; iy < p.h; ++iy)
                for (int32_t ix = 0; ix < p.w; ++ix)
                    for (int32_t ky = 0; ky < p.kh; ++ky)
                        for (int32_t kx = 0; kx < p.kw; ++kx) {
                            const int32_t y = iy * p.sh - padH + ky, x = ix * p.sw - padW + kx;
                            if (y < 0 || y >= oh || x < 0 || x >= ow) continue;
                            for (int32_t o = 0; o < p.oc; ++o)
                                for (int32_t i = 0; i < ic; ++i) {
                                    const double wv = wAt(((o * p.kh + ky) * p.kw + kx) * ic + i, o);
                                    real[outIndex(b, y, x, o)] +=
                                        xAt(((b * p.h + iy) * p.w + ix) * p.c + i) * wv;
                                }
                        }
    } else {
        for (int32_t b = 0; b < p.batch; ++b)
            for (int32_t y = 0; y < oh; ++y)
                for (int32_t x = 0; x < ow; ++x)
                    for (int32_t o = 0; o < p.oc; ++o) {
                        double s = 0, mag = 0;
                        for (int32_t ky = 0; ky < p.kh; ++ky)
                            for (int32_t kx = 0; kx < p.kw; ++kx) {
                                const int32_t iy = y * p.sh - padH + ky * p.dh,
                                              ix = x * p.sw - padW + kx * p.dw;
                                if (iy < 0 || iy >= p.h || ix < 0 || ix >= p.w) continue;
                                const int64_t pixel = ((b * p.h + iy) * p.w + ix) * p.c;
                                if (p.op == Op::Depthwise) {
                                    const double wv = wAt((ky * p.kw + kx) * p.oc + o, o);
                                    s += xAt(pixel + o / mult) * wv;
                                    mag += std::abs(wv);
                                } else {
                                    for (int32_t i = 0; i < ic; ++i) {
                                        const double wv = wAt(((o * p.kh + ky) * p.kw + kx) * ic + i, o);
                                        s += xAt(pixel + i) * wv;
                                        mag += std::abs(wv);
                                    }
                                }
                            }
                        real[outIndex(b, y, x, o)] = s;
                        magnitude[outIndex(b, y, x, o)] = mag;
                    }
    }
    double maxAbs = 1e-3;
    for (int32_t b = 0; b < p.batch; ++b)
        for (int32_t y = 0; y < oh; ++y)
            for (int32_t x = 0; x < ow; ++x)
                for (int32_t o = 0; o < p.oc; ++o) {
                    real[outIndex(b, y, x, o)] += biasAt(o);
                    maxAbs = std::max(maxAbs, std::abs(real[outIndex(b, y, x, o)]));
                }
    // An output scale that fits most values; the rest test saturation.
    const double half = hybrid ? 1.0 : (ar.hi - ar.lo) / 2.0;
    const float so = static_cast<float>(maxAbs / (0.9 * half));
    const int32_t zo = p.type == TT::INT8    ? pick(rng, -10, 10)
                       : p.type == TT::UINT8 ? pick(rng, 120, 135)
                                             : 0;

    // The model.
    SingleOpModel m(p.op == Op::Conv        ? B::CONV_2D
                    : p.op == Op::Depthwise ? B::DEPTHWISE_CONV_2D
                                            : B::TRANSPOSE_CONV);
    QuantSpec wSpec;
    wSpec.scale = sw;
    wSpec.zeroPoint.assign(sw.size(), zw);
    wSpec.quantizedDimension = sw.size() > 1 ? quantDim : 0;
    const std::optional<QuantSpec> inSpec =
        hybrid ? std::nullopt : std::optional<QuantSpec>(QuantSpec{{si}, {zx}, {}, {}, 0, 0, -1, -1});
    const std::optional<QuantSpec> outSpec =
        hybrid ? std::nullopt : std::optional<QuantSpec>(QuantSpec{{so}, {zo}, {}, {}, 0, 0, -1, -1});
    if (p.op == Op::Transpose) m.addConstInput<int32_t>(TT::INT32, {4}, {p.batch, oh, ow, p.oc});
    auto addWeights = [&] {
        if (weightType == TT::UINT8)
            m.addConstInput(TT::UINT8, fShape, narrow<uint8_t>(wq), wSpec);
        else
            m.addConstInput(TT::INT8, fShape, narrow<int8_t>(wq), wSpec);
    };
    if (p.op == Op::Transpose) {
        addWeights();
        m.addInput(p.type, inShape, inSpec);
    } else {
        m.addInput(p.type, inShape, inSpec);
        addWeights();
    }
    if (p.bias) {
        if (hybrid)
            m.addConstInput(TT::FLOAT32, {p.oc}, biasF);
        else if (p.type == TT::INT16)
            m.addConstInput(TT::INT64, {p.oc}, biasQ);
        else
            m.addConstInput(TT::INT32, {p.oc}, std::vector<int32_t>(biasQ.begin(), biasQ.end()));
    }
    m.addOutput(p.type, {}, outSpec);
    if (p.op == Op::Conv)
        m.setOptions(fb::BuiltinOptions::Conv2DOptions, [p](flatbuffers::FlatBufferBuilder& f) {
            return fb::CreateConv2DOptions(f, p.padding, p.sw, p.sh, p.act, p.dw, p.dh).Union();
        });
    else if (p.op == Op::Depthwise)
        m.setOptions(
            fb::BuiltinOptions::DepthwiseConv2DOptions, [p, mult](flatbuffers::FlatBufferBuilder& f) {
                return fb::CreateDepthwiseConv2DOptions(f, p.padding, p.sw, p.sh, mult, p.act, p.dw, p.dh)
                    .Union();
            });
    else
        m.setOptions(fb::BuiltinOptions::TransposeConvOptions, [p](flatbuffers::FlatBufferBuilder& f) {
            return fb::CreateTransposeConvOptions(f, p.padding, p.sw, p.sh).Union();
        });
    Status built = m.build(p.threads);
    ASSERT_TRUE(built.isOk()) << p.describe() << ": " << built.message();
    const int inputPosition = p.op == Op::Transpose ? 2 : 0;
    if (hybrid)
        m.setInput(inputPosition, xf);
    else if (p.type == TT::INT8)
        m.setInput(inputPosition, narrow<int8_t>(xq));
    else if (p.type == TT::UINT8)
        m.setInput(inputPosition, narrow<uint8_t>(xq));
    else
        m.setInput(inputPosition, narrow<int16_t>(xq));
    Status s = m.invoke();
    ASSERT_TRUE(s.isOk()) << p.describe() << ": " << s.message();
    ASSERT_EQ(m.outputShape(0), outShape) << p.describe();

    if (hybrid) {
        auto got = m.output<float>(0);
        // Each batch's input is quantized to 8 bits: every product may be off by half a step of the input.
        std::vector<double> stepOf(static_cast<size_t>(p.batch));
        const int64_t perBatch = static_cast<int64_t>(p.h) * p.w * p.c;
        for (int32_t b = 0; b < p.batch; ++b) {
            double lo = 0, hi = 0;
            for (int64_t i = 0; i < perBatch; ++i) {
                lo = std::min(lo, xAt(b * perBatch + i));
                hi = std::max(hi, xAt(b * perBatch + i));
            }
            stepOf[static_cast<size_t>(b)] = (hi - lo) / 254.0 * 2;
        }
        for (size_t i = 0; i < got.size(); ++i) {
            const int32_t b = static_cast<int32_t>(i / (static_cast<size_t>(oh) * ow * p.oc));
            const double want = referenceActivation(real[i], p.act);
            const double tolerance =
                0.5 * stepOf[static_cast<size_t>(b)] * magnitude[i] + 1e-4 * std::max(1.0, maxAbs);
            ASSERT_NEAR(got[i], want, tolerance) << p.describe() << " element " << i;
        }
        return;
    }
    // The clamp a fused activation becomes, then one rounding of the exact value.
    int32_t lo = ar.lo, hi = ar.hi;
    auto q = [&](double v) { return zo + static_cast<int32_t>(std::round(v / so)); };
    if (p.act == Act::RELU || p.act == Act::RELU6) lo = std::max(lo, q(0.0));
    if (p.act == Act::RELU6) hi = std::min(hi, q(6.0));
    std::vector<int32_t> got;
    if (p.type == TT::INT8)
        for (int8_t v : m.output<int8_t>(0))
            got.push_back(v);
    else if (p.type == TT::UINT8)
        for (uint8_t v : m.output<uint8_t>(0))
            got.push_back(v);
    else
        for (int16_t v : m.output<int16_t>(0))
            got.push_back(v);
    ASSERT_EQ(got.size(), real.size());
    for (size_t i = 0; i < got.size(); ++i) {
        const int32_t want = std::min(std::max(zo + static_cast<int32_t>(std::lround(real[i] / so)), lo), hi);
        ASSERT_LE(std::abs(got[i] - want), 1)
            << p.describe() << " element " << i << ": got " << got[i] << ", want " << want << " ("
            << real[i] / so << " + " << zo << ")";
    }
}

QCase randomCase(std::mt19937& rng, Op op, TT type) {
    QCase p;
    p.op = op;
    p.type = type;
    p.perChannel = type != TT::UINT8 && rng() % 3 != 0;
    p.batch = pick(rng, 1, 2);
    p.c = pick(rng, 1, 24);
    p.oc = op == Op::Depthwise ? p.c * pick(rng, 1, 2) : pick(rng, 1, 40);
    p.kh = pick(rng, 1, 3);
    p.kw = pick(rng, 1, 3);
    p.sh = pick(rng, 1, 2);
    p.sw = pick(rng, 1, 2);
    if (op != Op::Transpose) {
        p.dh = rng() % 4 == 0 ? 2 : 1;
        p.dw = rng() % 4 == 0 ? 2 : 1;
    }
    p.padding = rng() % 2 ? fb::Padding::SAME : fb::Padding::VALID;
    p.h = pick(rng, (p.kh - 1) * p.dh + 1, 9);
    p.w = pick(rng, (p.kw - 1) * p.dw + 1, 9);
    const Act acts[] = {Act::NONE, Act::RELU, Act::RELU6};
    p.act = op == Op::Transpose ? Act::NONE : acts[rng() % 3];
    p.bias = rng() % 4 != 0;
    p.threads = pick(rng, 1, 2);
    return p;
}

void runRandom(Op op, TT type, int trials, uint32_t seed) {
    std::mt19937 rng(seed);
    for (int t = 0; t < trials; ++t) {
        runCase(randomCase(rng, op, type), rng);
        if (::testing::Test::HasFatalFailure()) return;
    }
}

TEST(QuantizedConv2D, Int8MatchesRealArithmetic) {
    runRandom(Op::Conv, TT::INT8, 150, 201);
}
TEST(QuantizedConv2D, UInt8WithWeightZeroPointMatchesRealArithmetic) {
    runRandom(Op::Conv, TT::UINT8, 100, 202);
}
TEST(QuantizedConv2D, Int16ActivationsMatchRealArithmetic) {
    runRandom(Op::Conv, TT::INT16, 60, 203);
}
TEST(QuantizedConv2D, HybridStaysWithinTheInputQuantizationError) {
    runRandom(Op::Conv, TT::FLOAT32, 60, 204);
}
TEST(QuantizedConv2D, LargeLayerSpansSeveralTilesAndPanels) {
    std::mt19937 rng(205);
    QCase p;
    p.h = 20;
    p.w = 21;
    p.c = 37;
    p.oc = 70;
    p.act = Act::RELU;
    for (int threads : {1, 2}) {
        p.threads = threads;
        runCase(p, rng);
        if (HasFatalFailure()) return;
    }
}
TEST(QuantizedDepthwiseConv2D, Int8MatchesRealArithmetic) {
    runRandom(Op::Depthwise, TT::INT8, 120, 211);
}
TEST(QuantizedDepthwiseConv2D, UInt8MatchesRealArithmetic) {
    runRandom(Op::Depthwise, TT::UINT8, 80, 212);
}
TEST(QuantizedDepthwiseConv2D, Int16ActivationsMatchRealArithmetic) {
    runRandom(Op::Depthwise, TT::INT16, 40, 213);
}
TEST(QuantizedDepthwiseConv2D, HybridStaysWithinTheInputQuantizationError) {
    runRandom(Op::Depthwise, TT::FLOAT32, 40, 214);
}
TEST(QuantizedTransposeConv, Int8MatchesRealArithmetic) {
    runRandom(Op::Transpose, TT::INT8, 60, 221);
}
TEST(QuantizedTransposeConv, UInt8WithWeightZeroPointMatchesRealArithmetic) {
    runRandom(Op::Transpose, TT::UINT8, 40, 223);
}
TEST(QuantizedTransposeConv, Int16ActivationsMatchRealArithmetic) {
    runRandom(Op::Transpose, TT::INT16, 40, 222);
}

TEST(QuantizedTransposeConv, OutputShapeFromAnInputIsTakenAtEval) {
    // As in TFLite, the shape operand is read at eval; an empty shape gives an empty output, a shape that
    // contradicts the input and weights an error.
    auto build = [](SingleOpModel& m) {
        m.addInput(TT::INT32, {4});
        m.addConstInput(TT::INT8, {2, 3, 3, 1}, std::vector<int8_t>(18, 1),
                        QuantSpec{{0.1f}, {0}, {}, {}, 0, 0, -1, -1});
        m.addInput(TT::INT16, {1, 2, 2, 1}, QuantSpec{{0.5f}, {0}, {}, {}, 0, 0, -1, -1});
        m.addOutput(TT::INT16, {}, QuantSpec{{0.05f}, {0}, {}, {}, 0, 0, -1, -1});
        m.setOptions(fb::BuiltinOptions::TransposeConvOptions, [](flatbuffers::FlatBufferBuilder& f) {
            return fb::CreateTransposeConvOptions(f, fb::Padding::SAME, 2, 2).Union();
        });
        return m.build();
    };
    {
        SingleOpModel m(B::TRANSPOSE_CONV);
        ASSERT_TRUE(build(m).isOk());
        m.setInput(0, std::vector<int32_t>{4, 9, 10, 0});
        m.setInput(2, std::vector<int16_t>{1, 2, 3, 4});
        ASSERT_TRUE(m.invoke().isOk());
        EXPECT_EQ(m.outputShape(0), (std::vector<int32_t>{4, 9, 10, 0}));
    }
    {
        SingleOpModel m(B::TRANSPOSE_CONV);
        ASSERT_TRUE(build(m).isOk());
        m.setInput(0, std::vector<int32_t>{1, 4, 4, 2});
        m.setInput(2, std::vector<int16_t>{1, 2, 3, 4});
        ASSERT_TRUE(m.invoke().isOk());
        ASSERT_EQ(m.outputShape(0), (std::vector<int32_t>{1, 4, 4, 2}));
        // Every weight is 0.1 and input x stands for x * 0.5; with no padding here output (oy, ox) sums the
        // inputs (iy, ix) with oy - 2 iy and ox - 2 ix in [0, 3), times 0.05, over the output scale 0.05.
        const auto out = m.output<int16_t>(0);
        EXPECT_EQ(out[0], 1);                 // (0, 0): input (0, 0) only
        EXPECT_EQ(out[(2 * 4 + 2) * 2], 10);  // (2, 2): all four inputs
        m.setInput(0, std::vector<int32_t>{2, 4, 4, 2});
        EXPECT_FALSE(m.invoke().isOk());
    }
}

TEST(QuantizedConv2D, MixedTypesAreUnsupported) {
    SingleOpModel m(B::CONV_2D);
    m.addInput(TT::INT8, {1, 3, 3, 1}, QuantSpec{{0.1f}, {0}, {}, {}, 0, 0, -1, -1});
    m.addConstInput(TT::UINT8, {1, 1, 1, 1}, std::vector<uint8_t>{3},
                    QuantSpec{{0.1f}, {0}, {}, {}, 0, 0, -1, -1});
    m.addOutput(TT::INT8, {}, QuantSpec{{0.1f}, {0}, {}, {}, 0, 0, -1, -1});
    m.setOptions(fb::BuiltinOptions::Conv2DOptions, [](flatbuffers::FlatBufferBuilder& f) {
        return fb::CreateConv2DOptions(f, fb::Padding::SAME, 1, 1).Union();
    });
    Status s = m.build();
    EXPECT_FALSE(s.isOk());
    EXPECT_NE(s.message().find("UINT8"), std::string::npos) << s.message();
}

TEST(QuantizedGemm, VectorRequantizationMatchesTheScalarRoundings) {
    // The vector epilogue against fixed_point.h (halves away from zero) and ruy's half-up variant, lane by
    // lane, over multipliers with left and right shifts and sums of both signs, ties included.
    std::mt19937 rng(231);
    for (bool halfUp : {false, true})
        for (bool unsignedOut : {false, true})
            for (int trial = 0; trial < 200; ++trial) {
                const int64_t n = pick(rng, 1, 40);
                std::vector<kernels::QuantizedMultiplier> multipliers;
                std::vector<int32_t> acc, add;
                for (int64_t j = 0; j < n; ++j) {
                    const double real =
                        std::ldexp(0.5 + static_cast<double>(rng() % 1000) / 2000.0, pick(rng, -20, 3));
                    multipliers.push_back(kernels::quantizeMultiplier(real));
                    acc.push_back(pick(rng, -200000, 200000));
                    add.push_back(pick(rng, -5000, 5000));
                }
                const int32_t zero = unsignedOut ? pick(rng, 0, 255) : pick(rng, -128, 127);
                const kernels::QuantizedRange range =
                    unsignedOut ? kernels::QuantizedRange{0, 255} : kernels::QuantizedRange{-128, 127};
                kernels::qgemm::Requantization r;
                r.set(multipliers, halfUp, unsignedOut, zero, range);
                const int32_t rowTerm = pick(rng, -100, 100);
                std::vector<uint8_t> out(static_cast<size_t>(n));
                kernels::qgemm::requantizeRow(acc.data(), add.data(), rowTerm, n, r, out.data());
                for (int64_t j = 0; j < n; ++j) {
                    const auto sj = static_cast<size_t>(j);
                    const int32_t x = acc[sj] + add[sj] + rowTerm;
                    const int32_t want =
                        halfUp ? kernels::qconv::requantizeHalfUp(x, multipliers[sj], zero, range)
                               : kernels::qconv::requantize(x, multipliers[sj], zero, range);
                    const int32_t got = unsignedOut ? out[sj] : static_cast<int8_t>(out[sj]);
                    ASSERT_EQ(got, want) << "x " << x << " multiplier " << multipliers[sj].multiplier
                                         << " shift " << multipliers[sj].shift << (halfUp ? " half up" : "");
                }
            }
}

}  // namespace
}  // namespace litescope::test

// Convolution kernels against direct loops written here: CONV_2D (grouped, pointwise, tiled, threaded),
// DEPTHWISE_CONV_2D (depth multipliers), TRANSPOSE_CONV (constant and computed output shapes) and CONV_3D,
// over random shapes, paddings, strides, dilations, fused activations and bias modes; weights made by
// DEQUANTIZE; and the cases that must fail cleanly.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <tuple>

#include "runtime/kernels/gemm.h"
#include "tests/support/single_op_model.h"
#include "tests/support/test_values.h"

namespace litescope::test {
namespace {

using B = fb::BuiltinOperator;
using Act = fb::ActivationFunctionType;

Act randomActivation(std::mt19937& rng) {
    const Act acts[] = {Act::NONE, Act::RELU, Act::RELU6, Act::RELU_N1_TO_1};
    return acts[rng() % 4];
}

// Output size and leading padding of one axis, written from the definitions: SAME keeps ceil(in / stride)
// outputs and splits the padding with the smaller half first; VALID keeps only whole windows.
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

void expectClose(const std::vector<float>& got, const std::vector<float>& want, const std::string& what) {
    ASSERT_EQ(got.size(), want.size()) << what;
    float scale = 1.f;
    for (float w : want)
        scale = std::max(scale, std::fabs(w));
    for (size_t i = 0; i < got.size(); ++i)
        ASSERT_NEAR(got[i], want[i], 1e-4f * scale) << what << " element " << i;
}

enum class BiasMode { Absent, Omitted, Present };

void addBias(SingleOpModel& m, BiasMode mode, const std::vector<float>& bias) {
    if (mode == BiasMode::Omitted) m.addOmittedInput();
    if (mode == BiasMode::Present)
        m.addConstInput(fb::TensorType::FLOAT32, {static_cast<int32_t>(bias.size())}, bias);
}

// ---------------------------------------------------------------------------------------------------------
// CONV_2D
// ---------------------------------------------------------------------------------------------------------

struct Conv2DCase {
    int32_t batch, h, w, c, oc, kh, kw, groups, sh, sw, dh, dw;
    fb::Padding padding;
    Act act;
    BiasMode bias;
    bool constFilter;
    int threads;

    std::string describe() const {
        return "in [" + std::to_string(batch) + "," + std::to_string(h) + "," + std::to_string(w) + "," +
               std::to_string(c) + "] filter [" + std::to_string(oc) + "," + std::to_string(kh) + "," +
               std::to_string(kw) + "," + std::to_string(c / groups) + "] stride " + std::to_string(sh) +
               "x" + std::to_string(sw) + " dilation " + std::to_string(dh) + "x" + std::to_string(dw) +
               (padding == fb::Padding::SAME ? " SAME" : " VALID") + " threads " + std::to_string(threads) +
               (constFilter ? "" : " (filter as input)");
    }
};

std::vector<float> conv2dRef(const Conv2DCase& p, const std::vector<float>& in,
                             const std::vector<float>& filter, const std::vector<float>& bias,
                             std::vector<int32_t>& outShape) {
    const AxisRef ay = axisRef(p.padding, p.h, p.kh, p.sh, p.dh),
                  ax = axisRef(p.padding, p.w, p.kw, p.sw, p.dw);
    const int32_t icg = p.c / p.groups, ocg = p.oc / p.groups;
    outShape = {p.batch, ay.out, ax.out, p.oc};
    std::vector<float> out(static_cast<size_t>(elementCount(outShape)));
    for (int32_t b = 0; b < p.batch; ++b)
        for (int32_t oy = 0; oy < ay.out; ++oy)
            for (int32_t ox = 0; ox < ax.out; ++ox)
                for (int32_t o = 0; o < p.oc; ++o) {
                    const int32_t g = o / ocg;
                    double s = p.bias == BiasMode::Present ? bias[static_cast<size_t>(o)] : 0.0;
                    for (int32_t ky = 0; ky < p.kh; ++ky)
                        for (int32_t kx = 0; kx < p.kw; ++kx) {
                            const int32_t iy = oy * p.sh - ay.pad + ky * p.dh,
                                          ix = ox * p.sw - ax.pad + kx * p.dw;
                            if (iy < 0 || iy >= p.h || ix < 0 || ix >= p.w) continue;
                            for (int32_t ic = 0; ic < icg; ++ic)
                                s += static_cast<double>(in[static_cast<size_t>(
                                         ((b * p.h + iy) * p.w + ix) * p.c + g * icg + ic)]) *
                                     filter[static_cast<size_t>(((o * p.kh + ky) * p.kw + kx) * icg + ic)];
                        }
                    out[static_cast<size_t>(((b * ay.out + oy) * ax.out + ox) * p.oc + o)] =
                        referenceActivation(s, p.act);
                }
    return out;
}

void runConv2D(const Conv2DCase& p, std::mt19937& rng) {
    const std::vector<int32_t> inShape = {p.batch, p.h, p.w, p.c},
                               fShape = {p.oc, p.kh, p.kw, p.c / p.groups};
    auto in = randomFloats(rng, elementCount(inShape));
    auto filter = randomFloats(rng, elementCount(fShape));
    auto bias = randomFloats(rng, p.oc);
    SingleOpModel m(B::CONV_2D);
    m.addInput(fb::TensorType::FLOAT32, inShape);
    if (p.constFilter)
        m.addConstInput(fb::TensorType::FLOAT32, fShape, filter);
    else
        m.addInput(fb::TensorType::FLOAT32, fShape);
    addBias(m, p.bias, bias);
    m.addOutput(fb::TensorType::FLOAT32);
    m.setOptions(fb::BuiltinOptions::Conv2DOptions, [p](flatbuffers::FlatBufferBuilder& f) {
        return fb::CreateConv2DOptions(f, p.padding, p.sw, p.sh, p.act, p.dw, p.dh).Union();
    });
    ASSERT_TRUE(m.build(p.threads).isOk()) << p.describe() << ": " << m.build(p.threads).message();
    m.setInput(0, in);
    if (!p.constFilter) m.setInput(1, filter);
    Status s = m.invoke();
    ASSERT_TRUE(s.isOk()) << p.describe() << ": " << s.message();
    std::vector<int32_t> outShape;
    auto want = conv2dRef(p, in, filter, bias, outShape);
    ASSERT_EQ(m.outputShape(0), outShape) << p.describe();
    expectClose(m.output<float>(0), want, p.describe());
}

Conv2DCase randomConv2D(std::mt19937& rng) {
    Conv2DCase p;
    p.batch = pick(rng, 1, 2);
    p.groups = rng() % 4 == 0 ? pick(rng, 2, 3) : 1;
    p.c = p.groups * pick(rng, 1, 5);
    p.oc = p.groups * pick(rng, 1, 6);
    p.kh = pick(rng, 1, 4);
    p.kw = pick(rng, 1, 4);
    p.sh = pick(rng, 1, 3);
    p.sw = pick(rng, 1, 3);
    p.dh = rng() % 3 == 0 ? pick(rng, 2, 3) : 1;
    p.dw = rng() % 3 == 0 ? pick(rng, 2, 3) : 1;
    p.padding = rng() % 2 ? fb::Padding::SAME : fb::Padding::VALID;
    // VALID needs whole windows; SAME takes any size.
    p.h = pick(rng, (p.kh - 1) * p.dh + 1, 11);
    p.w = pick(rng, (p.kw - 1) * p.dw + 1, 11);
    p.act = randomActivation(rng);
    p.bias = static_cast<BiasMode>(rng() % 3);
    p.constFilter = rng() % 4 != 0;
    p.threads = pick(rng, 1, 3);
    return p;
}

TEST(Conv2D, MatchesDirectLoopOnRandomShapes) {
    std::mt19937 rng(101);
    for (int trial = 0; trial < 300; ++trial) {
        runConv2D(randomConv2D(rng), rng);
        if (HasFatalFailure()) return;
    }
}

TEST(Conv2D, PointwiseReadsInputInPlace) {
    // 1x1 stride 1: no im2col; grouped too, with channel counts off the panel width.
    std::mt19937 rng(102);
    for (int32_t groups : {1, 2, 3}) {
        for (int threads : {1, 3}) {
            Conv2DCase p{2,
                         9,
                         7,
                         5 * groups,
                         37 * groups,
                         1,
                         1,
                         groups,
                         1,
                         1,
                         1,
                         1,
                         fb::Padding::SAME,
                         Act::RELU6,
                         BiasMode::Present,
                         true,
                         threads};
            runConv2D(p, rng);
            if (HasFatalFailure()) return;
            p.padding = fb::Padding::VALID;
            p.dh = 2;  // dilation changes nothing for a 1x1 filter
            runConv2D(p, rng);
            if (HasFatalFailure()) return;
        }
    }
}

TEST(Conv2D, LargeLayersSpanSeveralTilesAndBlocks) {
    // Enough output pixels for several im2col tiles, depth past one SGEMM K block, channels past one panel.
    std::mt19937 rng(103);
    const std::vector<Conv2DCase> cases = {
        {1, 33, 35, 40, 70, 3, 3, 1, 1, 1, 1, 1, fb::Padding::SAME, Act::RELU, BiasMode::Present, true, 1},
        {1, 33, 35, 40, 70, 3, 3, 1, 1, 1, 1, 1, fb::Padding::SAME, Act::RELU, BiasMode::Present, true, 3},
        {1, 64, 64, 3, 24, 5, 5, 1, 2, 2, 1, 1, fb::Padding::SAME, Act::NONE, BiasMode::Present, true, 2},
        {1, 6, 6, 96, 130, 3, 3, 1, 1, 1, 1, 1, fb::Padding::VALID, Act::RELU6, BiasMode::Absent, false, 3},
        {1, 4, 4, 64, 34, 3, 3, 2, 1, 1, 2, 2, fb::Padding::SAME, Act::NONE, BiasMode::Present, true, 2},
        // Fewer pixels than threads' tiles but much work: the SGEMM splits the output channels instead.
        {1, 4, 4, 512, 512, 3, 3, 1, 1, 1, 1, 1, fb::Padding::SAME, Act::RELU, BiasMode::Present, true, 3},
    };
    for (const Conv2DCase& p : cases) {
        runConv2D(p, rng);
        if (HasFatalFailure()) return;
    }
}

TEST(Conv2D, FusedTanhIsNotAppliedAsInTfLite) {
    // TFLite's float convolution clamps for the RELU family only; a fused TANH leaves the sum as it is.
    SingleOpModel m(B::CONV_2D);
    m.addInput(fb::TensorType::FLOAT32, {1, 1, 1, 1});
    m.addConstInput<float>(fb::TensorType::FLOAT32, {1, 1, 1, 1}, {3.f});
    m.addConstInput<float>(fb::TensorType::FLOAT32, {1}, {1.f});
    m.addOutput(fb::TensorType::FLOAT32);
    m.setOptions(fb::BuiltinOptions::Conv2DOptions, [](flatbuffers::FlatBufferBuilder& f) {
        return fb::CreateConv2DOptions(f, fb::Padding::VALID, 1, 1, Act::TANH).Union();
    });
    ASSERT_TRUE(m.build().isOk());
    m.setInput<float>(0, {2.f});
    ASSERT_TRUE(m.invoke().isOk());
    EXPECT_EQ(m.output<float>(0), std::vector<float>{7.f});
}

// FLOAT16 bits of a float that FLOAT16 holds exactly (a multiple of 1/256 in [-1, 1]).
uint16_t toHalf(float f) {
    if (f == 0.f) return 0;
    uint32_t bits;
    std::memcpy(&bits, &f, 4);
    const uint32_t sign = bits >> 31, exponent = (bits >> 23) & 0xFF, mantissa = bits & 0x7FFFFF;
    return static_cast<uint16_t>((sign << 15) | ((exponent - 127 + 15) << 10) | (mantissa >> 13));
}

TEST(Conv2D, WeightsFromDequantizeArePackedAtPrepare) {
    // FLOAT16 weights -> DEQUANTIZE (folded at prepare) -> CONV_2D, as in the MediaPipe models.
    std::mt19937 rng(104);
    const Conv2DCase p{1,    6, 5, 4, 3, 3, 3, 1, 1, 1, 1, 1, fb::Padding::SAME, Act::NONE, BiasMode::Present,
                       true, 1};
    auto in = randomFloats(rng, 6 * 5 * 4);
    auto filter = randomFloats(rng, 3 * 3 * 3 * 4);
    auto bias = randomFloats(rng, 3);
    std::vector<uint8_t> halves;
    for (float& f : filter) {
        f = std::round(f * 256.f) / 256.f;  // exact in FLOAT16, so DEQUANTIZE gives it back unchanged
        const uint16_t h = toHalf(f);
        halves.push_back(static_cast<uint8_t>(h & 0xFF));
        halves.push_back(static_cast<uint8_t>(h >> 8));
    }
    ModelBuilder b;
    const int32_t x = b.addTensor("x", fb::TensorType::FLOAT32, {1, 6, 5, 4});
    const int32_t wh = b.addConstantBytes("w16", fb::TensorType::FLOAT16, {3, 3, 3, 4}, halves);
    const int32_t w = b.addTensor("w", fb::TensorType::FLOAT32, {3, 3, 3, 4});
    const int32_t bi = b.addConstant("bias", {3}, bias);
    const int32_t y = b.addTensor("y", fb::TensorType::FLOAT32, {1, 6, 5, 3});
    b.addOperator(B::DEQUANTIZE, {wh}, {w});
    OperatorSpec conv;
    conv.opcodeIndex = b.addOperatorCode(B::CONV_2D);
    conv.inputs = {x, w, bi};
    conv.outputs = {y};
    conv.optionsType = fb::BuiltinOptions::Conv2DOptions;
    conv.options = [](flatbuffers::FlatBufferBuilder& f) {
        return fb::CreateConv2DOptions(f, fb::Padding::SAME, 1, 1).Union();
    };
    b.addOperator(conv);
    b.subgraphs[0].inputs = {x};
    b.subgraphs[0].outputs = {y};
    auto model = Model::fromBytes(b.build());
    ASSERT_TRUE(model.isOk()) << model.message();
    auto it = Interpreter::create(*model);
    ASSERT_TRUE(it.isOk()) << it.message();
    ASSERT_TRUE((*it)->prepare().isOk());
    std::memcpy((*it)->input(0).data, in.data(), in.size() * sizeof(float));
    std::vector<int32_t> shape;
    const auto want = conv2dRef(p, in, filter, bias, shape);
    for (int round = 0; round < 2; ++round) {  // twice: the packed weights are kept, not recomputed wrongly
        Status s = (*it)->invoke();
        ASSERT_TRUE(s.isOk()) << s.message();
        const float* out = (*it)->output(0).as<float>();
        expectClose(std::vector<float>(out, out + want.size()), want, "dequantized weights");
    }
}

TEST(Conv2D, ResizedInputReplansTiles) {
    std::mt19937 rng(105);
    Conv2DCase p{1,    5, 5, 3, 8, 3, 3, 1, 2, 1, 1, 1, fb::Padding::SAME, Act::RELU, BiasMode::Present,
                 true, 2};
    auto filter = randomFloats(rng, 8 * 3 * 3 * 3);
    auto bias = randomFloats(rng, 8);
    SingleOpModel m(B::CONV_2D);
    m.addInput(fb::TensorType::FLOAT32, {1, 5, 5, 3});
    m.addConstInput(fb::TensorType::FLOAT32, {8, 3, 3, 3}, filter);
    m.addConstInput(fb::TensorType::FLOAT32, {8}, bias);
    m.addOutput(fb::TensorType::FLOAT32);
    m.setOptions(fb::BuiltinOptions::Conv2DOptions, [](flatbuffers::FlatBufferBuilder& f) {
        return fb::CreateConv2DOptions(f, fb::Padding::SAME, 1, 2, Act::RELU).Union();
    });
    ASSERT_TRUE(m.build(2).isOk());
    for (auto [batch, h, w] : {std::tuple{1, 5, 5}, std::tuple{3, 40, 23}, std::tuple{1, 2, 9}}) {
        p.batch = batch, p.h = h, p.w = w;
        ASSERT_TRUE(m.resizeInput(0, {batch, h, w, 3}).isOk());
        ASSERT_TRUE(m.prepare().isOk());
        auto in = randomFloats(rng, int64_t{batch} * h * w * 3);
        m.setInput(0, in);
        ASSERT_TRUE(m.invoke().isOk());
        std::vector<int32_t> shape;
        auto want = conv2dRef(p, in, filter, bias, shape);
        ASSERT_EQ(m.outputShape(0), shape);
        expectClose(m.output<float>(0), want, p.describe());
    }
}

Status buildConv(std::vector<int32_t> in, std::vector<int32_t> filter, fb::TensorType filterType,
                 int stride = 1) {
    SingleOpModel m(B::CONV_2D);
    m.addInput(fb::TensorType::FLOAT32, in);
    const bool isFloat = filterType == fb::TensorType::FLOAT32;
    std::optional<QuantSpec> quant;
    if (!isFloat) {
        quant.emplace();
        quant->scale = {0.5f};
        quant->zeroPoint = {0};
    }
    m.addConstBytes(filterType, filter,
                    std::vector<uint8_t>(static_cast<size_t>(elementCount(filter) * (isFloat ? 4 : 1))),
                    quant);
    m.addOutput(fb::TensorType::FLOAT32);
    m.setOptions(fb::BuiltinOptions::Conv2DOptions, [stride](flatbuffers::FlatBufferBuilder& f) {
        return fb::CreateConv2DOptions(f, fb::Padding::SAME, stride, stride).Union();
    });
    return m.build();
}

TEST(Conv2D, FailsCleanlyOnWhatItCannotRun) {
    Status s = buildConv({1, 4, 4, 5}, {2, 3, 3, 2}, fb::TensorType::FLOAT32);
    EXPECT_FALSE(s.isOk());
    EXPECT_NE(s.message().find("not a multiple"), std::string::npos) << s.message();
    s = buildConv({1, 4, 4, 4}, {3, 3, 3, 2}, fb::TensorType::FLOAT32);  // 3 outputs in 2 groups
    EXPECT_FALSE(s.isOk());
    EXPECT_NE(s.message().find("groups"), std::string::npos) << s.message();
    s = buildConv({1, 4, 4, 2}, {2, 3, 3, 2}, fb::TensorType::INT8);  // hybrid: conv_quant_test.cpp
    EXPECT_TRUE(s.isOk()) << s.message();
    s = buildConv({1, 4, 4, 2}, {2, 3, 3, 2}, fb::TensorType::FLOAT32, 0);
    EXPECT_FALSE(s.isOk());
    EXPECT_NE(s.message().find("strides"), std::string::npos) << s.message();
    EXPECT_TRUE(buildConv({1, 4, 4, 2}, {2, 3, 3, 2}, fb::TensorType::FLOAT32).isOk());
}

// ---------------------------------------------------------------------------------------------------------
// DEPTHWISE_CONV_2D
// ---------------------------------------------------------------------------------------------------------

struct DepthwiseCase {
    int32_t batch, h, w, c, multiplier, kh, kw, sh, sw, dh, dw;
    fb::Padding padding;
    Act act;
    BiasMode bias;
    int threads;
    std::string describe() const {
        return "in [" + std::to_string(batch) + "," + std::to_string(h) + "," + std::to_string(w) + "," +
               std::to_string(c) + "] x" + std::to_string(multiplier) + " filter " + std::to_string(kh) +
               "x" + std::to_string(kw) + " stride " + std::to_string(sh) + "x" + std::to_string(sw) +
               " dilation " + std::to_string(dh) + "x" + std::to_string(dw) +
               (padding == fb::Padding::SAME ? " SAME" : " VALID");
    }
};

void runDepthwise(const DepthwiseCase& p, std::mt19937& rng) {
    const int32_t oc = p.c * p.multiplier;
    const std::vector<int32_t> inShape = {p.batch, p.h, p.w, p.c}, fShape = {1, p.kh, p.kw, oc};
    auto in = randomFloats(rng, elementCount(inShape));
    auto filter = randomFloats(rng, elementCount(fShape));
    auto bias = randomFloats(rng, oc);
    SingleOpModel m(B::DEPTHWISE_CONV_2D);
    m.addInput(fb::TensorType::FLOAT32, inShape);
    m.addConstInput(fb::TensorType::FLOAT32, fShape, filter);
    addBias(m, p.bias, bias);
    m.addOutput(fb::TensorType::FLOAT32);
    m.setOptions(fb::BuiltinOptions::DepthwiseConv2DOptions, [p](flatbuffers::FlatBufferBuilder& f) {
        return fb::CreateDepthwiseConv2DOptions(f, p.padding, p.sw, p.sh, p.multiplier, p.act, p.dw, p.dh)
            .Union();
    });
    Status s = m.build(p.threads);
    ASSERT_TRUE(s.isOk()) << p.describe() << ": " << s.message();
    m.setInput(0, in);
    s = m.invoke();
    ASSERT_TRUE(s.isOk()) << p.describe() << ": " << s.message();

    const AxisRef ay = axisRef(p.padding, p.h, p.kh, p.sh, p.dh),
                  ax = axisRef(p.padding, p.w, p.kw, p.sw, p.dw);
    const std::vector<int32_t> outShape = {p.batch, ay.out, ax.out, oc};
    std::vector<float> want(static_cast<size_t>(elementCount(outShape)));
    for (int32_t b = 0; b < p.batch; ++b)
        for (int32_t oy = 0; oy < ay.out; ++oy)
            for (int32_t ox = 0; ox < ax.out; ++ox)
                for (int32_t ic = 0; ic < p.c; ++ic)
                    for (int32_t mm = 0; mm < p.multiplier; ++mm) {
                        const int32_t o = ic * p.multiplier + mm;
                        double sum = p.bias == BiasMode::Present ? bias[static_cast<size_t>(o)] : 0.0;
                        for (int32_t ky = 0; ky < p.kh; ++ky)
                            for (int32_t kx = 0; kx < p.kw; ++kx) {
                                const int32_t iy = oy * p.sh - ay.pad + ky * p.dh,
                                              ix = ox * p.sw - ax.pad + kx * p.dw;
                                if (iy < 0 || iy >= p.h || ix < 0 || ix >= p.w) continue;
                                sum += static_cast<double>(
                                           in[static_cast<size_t>(((b * p.h + iy) * p.w + ix) * p.c + ic)]) *
                                       filter[static_cast<size_t>((ky * p.kw + kx) * oc + o)];
                            }
                        want[static_cast<size_t>(((b * ay.out + oy) * ax.out + ox) * oc + o)] =
                            referenceActivation(sum, p.act);
                    }
    ASSERT_EQ(m.outputShape(0), outShape) << p.describe();
    expectClose(m.output<float>(0), want, p.describe());
}

TEST(DepthwiseConv2D, MatchesDirectLoopOnRandomShapes) {
    std::mt19937 rng(201);
    for (int trial = 0; trial < 300; ++trial) {
        DepthwiseCase p;
        p.batch = pick(rng, 1, 2);
        // Channel counts around the vector blocks (16 and 64) as well as small ones.
        const int32_t channels[] = {1, 3, 8, 15, 16, 17, 33, 64, 70, 131};
        p.c = channels[rng() % 10];
        p.multiplier = rng() % 4 == 0 ? pick(rng, 2, 3) : 1;
        p.kh = pick(rng, 1, 5);
        p.kw = pick(rng, 1, 5);
        p.sh = pick(rng, 1, 3);
        p.sw = pick(rng, 1, 3);
        p.dh = rng() % 3 == 0 ? pick(rng, 2, 3) : 1;
        p.dw = rng() % 3 == 0 ? pick(rng, 2, 3) : 1;
        p.padding = rng() % 2 ? fb::Padding::SAME : fb::Padding::VALID;
        p.h = pick(rng, (p.kh - 1) * p.dh + 1, (p.kh - 1) * p.dh + 9);
        p.w = pick(rng, (p.kw - 1) * p.dw + 1, (p.kw - 1) * p.dw + 9);
        p.act = randomActivation(rng);
        p.bias = static_cast<BiasMode>(rng() % 3);
        p.threads = pick(rng, 1, 3);
        runDepthwise(p, rng);
        if (HasFatalFailure()) return;
    }
}

TEST(DepthwiseConv2D, CommonFilterSizesOverInteriorAndBorders) {
    // 3x3 and 5x5 have their own unrolled paths; cover them with borders, strides, dilations and channel
    // tails.
    std::mt19937 rng(202);
    for (int32_t k : {3, 5})
        for (int32_t c : {8, 24, 40})
            for (int32_t stride : {1, 2})
                for (int32_t dilation : {1, 2})
                    for (fb::Padding padding : {fb::Padding::SAME, fb::Padding::VALID}) {
                        DepthwiseCase p{1,
                                        14,
                                        13,
                                        c,
                                        1,
                                        k,
                                        k,
                                        stride,
                                        stride,
                                        dilation,
                                        dilation,
                                        padding,
                                        Act::RELU6,
                                        BiasMode::Present,
                                        1 + static_cast<int>(c % 3)};
                        runDepthwise(p, rng);
                        if (HasFatalFailure()) return;
                    }
}

TEST(DepthwiseConv2D, RejectsFilterChannelsNotAMultipleOfInput) {
    SingleOpModel m(B::DEPTHWISE_CONV_2D);
    m.addInput(fb::TensorType::FLOAT32, {1, 4, 4, 3});
    m.addConstInput(fb::TensorType::FLOAT32, {1, 3, 3, 4}, std::vector<float>(36));
    m.addOutput(fb::TensorType::FLOAT32);
    m.setOptions(fb::BuiltinOptions::DepthwiseConv2DOptions, [](flatbuffers::FlatBufferBuilder& f) {
        return fb::CreateDepthwiseConv2DOptions(f, fb::Padding::SAME, 1, 1, 1).Union();
    });
    Status s = m.build();
    ASSERT_FALSE(s.isOk());
    EXPECT_NE(s.message().find("not a multiple"), std::string::npos) << s.message();
}

// ---------------------------------------------------------------------------------------------------------
// TRANSPOSE_CONV
// ---------------------------------------------------------------------------------------------------------

struct TransposeCase {
    int32_t batch, outH, outW, c, oc, kh, kw, sh, sw;
    fb::Padding padding;
    Act act;
    BiasMode bias;
    bool constShape;
    int threads;
};

void runTransposeConv(const TransposeCase& p, std::mt19937& rng) {
    // The input size a convolution from the output would give, as a model has it.
    const AxisRef ay = axisRef(p.padding, p.outH, p.kh, p.sh, 1),
                  ax = axisRef(p.padding, p.outW, p.kw, p.sw, 1);
    const int32_t h = ay.out, w = ax.out;
    const std::vector<int32_t> inShape = {p.batch, h, w, p.c}, wShape = {p.oc, p.kh, p.kw, p.c};
    const std::vector<int32_t> outShape = {p.batch, p.outH, p.outW, p.oc};
    auto in = randomFloats(rng, elementCount(inShape));
    auto weights = randomFloats(rng, elementCount(wShape));
    auto bias = randomFloats(rng, p.oc);
    SingleOpModel m(B::TRANSPOSE_CONV, 4);
    if (p.constShape)
        m.addConstInput(fb::TensorType::INT32, {4}, outShape);
    else
        m.addInput(fb::TensorType::INT32, {4});
    m.addConstInput(fb::TensorType::FLOAT32, wShape, weights);
    m.addInput(fb::TensorType::FLOAT32, inShape);
    addBias(m, p.bias, bias);
    m.addOutput(fb::TensorType::FLOAT32);
    m.setOptions(fb::BuiltinOptions::TransposeConvOptions, [p](flatbuffers::FlatBufferBuilder& f) {
        return fb::CreateTransposeConvOptions(f, p.padding, p.sw, p.sh, p.act).Union();
    });
    const std::string what = "out [" + std::to_string(p.outH) + "," + std::to_string(p.outW) + "] k " +
                             std::to_string(p.kh) + "x" + std::to_string(p.kw) + " s " +
                             std::to_string(p.sh) + "x" + std::to_string(p.sw);
    Status s = m.build(p.threads);
    ASSERT_TRUE(s.isOk()) << what << ": " << s.message();
    if (!p.constShape) m.setInput(0, outShape);
    m.setInput(2, in);
    s = m.invoke();
    ASSERT_TRUE(s.isOk()) << what << ": " << s.message();

    // Each input pixel spreads its weighted values over the output window it maps to.
    const int32_t padH = std::max((h - 1) * p.sh + p.kh - p.outH, 0) / 2,
                  padW = std::max((w - 1) * p.sw + p.kw - p.outW, 0) / 2;
    std::vector<double> acc(static_cast<size_t>(elementCount(outShape)), 0.0);
    for (int32_t b = 0; b < p.batch; ++b)
        for (int32_t iy = 0; iy < h; ++iy)
            for (int32_t ix = 0; ix < w; ++ix)
                for (int32_t ky = 0; ky < p.kh; ++ky)
                    for (int32_t kx = 0; kx < p.kw; ++kx) {
                        const int32_t oy = iy * p.sh - padH + ky, ox = ix * p.sw - padW + kx;
                        if (oy < 0 || oy >= p.outH || ox < 0 || ox >= p.outW) continue;
                        for (int32_t o = 0; o < p.oc; ++o)
                            for (int32_t ic = 0; ic < p.c; ++ic)
                                acc[static_cast<size_t>(((b * p.outH + oy) * p.outW + ox) * p.oc + o)] +=
                                    static_cast<double>(
                                        in[static_cast<size_t>(((b * h + iy) * w + ix) * p.c + ic)]) *
                                    weights[static_cast<size_t>(((o * p.kh + ky) * p.kw + kx) * p.c + ic)];
                    }
    std::vector<float> want(acc.size());
    for (size_t i = 0; i < acc.size(); ++i)
        want[i] = referenceActivation(
            acc[i] + (p.bias == BiasMode::Present ? bias[i % static_cast<size_t>(p.oc)] : 0.0), p.act);
    ASSERT_EQ(m.outputShape(0), outShape) << what;
    expectClose(m.output<float>(0), want, what);
}

TEST(TransposeConv, MatchesScatterLoopOnRandomShapes) {
    std::mt19937 rng(301);
    for (int trial = 0; trial < 200; ++trial) {
        TransposeCase p;
        p.batch = pick(rng, 1, 2);
        p.c = pick(rng, 1, 9);
        p.oc = pick(rng, 1, 40);
        p.kh = pick(rng, 1, 4);
        p.kw = pick(rng, 1, 4);
        p.sh = pick(rng, 1, 3);
        p.sw = pick(rng, 1, 3);
        p.padding = rng() % 2 ? fb::Padding::SAME : fb::Padding::VALID;
        p.outH = pick(rng, p.kh, 13);
        p.outW = pick(rng, p.kw, 13);
        p.act = randomActivation(rng);
        p.bias = static_cast<BiasMode>(rng() % 3);
        p.constShape = rng() % 3 != 0;
        p.threads = pick(rng, 1, 3);
        runTransposeConv(p, rng);
        if (HasFatalFailure()) return;
    }
}

TEST(TransposeConv, LargeInputSpansSeveralTiles) {
    std::mt19937 rng(302);
    runTransposeConv(
        {1, 130, 130, 16, 32, 4, 4, 2, 2, fb::Padding::SAME, Act::RELU, BiasMode::Present, true, 2}, rng);
    if (HasFatalFailure()) return;
    // Enough work per tap for the SGEMM to be split over threads.
    runTransposeConv(
        {1, 100, 100, 64, 64, 4, 4, 2, 2, fb::Padding::VALID, Act::NONE, BiasMode::Present, true, 3}, rng);
}

TEST(TransposeConv, OutputShapeMustMatchBatchAndChannels) {
    SingleOpModel m(B::TRANSPOSE_CONV);
    m.addConstInput<int32_t>(fb::TensorType::INT32, {4}, {1, 8, 8, 5});
    m.addConstInput(fb::TensorType::FLOAT32, {4, 3, 3, 2}, std::vector<float>(72));
    m.addInput(fb::TensorType::FLOAT32, {1, 4, 4, 2});
    m.addOutput(fb::TensorType::FLOAT32);
    m.setOptions(fb::BuiltinOptions::TransposeConvOptions, [](flatbuffers::FlatBufferBuilder& f) {
        return fb::CreateTransposeConvOptions(f, fb::Padding::SAME, 2, 2).Union();
    });
    Status s = m.build();
    ASSERT_FALSE(s.isOk());
    EXPECT_NE(s.message().find("output channels"), std::string::npos) << s.message();
}

// ---------------------------------------------------------------------------------------------------------
// CONV_3D
// ---------------------------------------------------------------------------------------------------------

TEST(Conv3D, MatchesDirectLoopOnRandomShapes) {
    std::mt19937 rng(401);
    for (int trial = 0; trial < 120; ++trial) {
        const int32_t batch = pick(rng, 1, 2), c = pick(rng, 1, 5), oc = pick(rng, 1, 20);
        int32_t k[3], s[3], dl[3], in[3];
        const fb::Padding padding = rng() % 2 ? fb::Padding::SAME : fb::Padding::VALID;
        for (int a = 0; a < 3; ++a) {
            k[a] = pick(rng, 1, 3);
            s[a] = pick(rng, 1, 2);
            dl[a] = rng() % 3 == 0 ? 2 : 1;
            in[a] = pick(rng, (k[a] - 1) * dl[a] + 1, 7);
        }
        const Act act = randomActivation(rng);
        const BiasMode biasMode = static_cast<BiasMode>(rng() % 3);
        const int threads = pick(rng, 1, 3);
        const std::vector<int32_t> inShape = {batch, in[0], in[1], in[2], c},
                                   fShape = {k[0], k[1], k[2], c, oc};
        auto input = randomFloats(rng, elementCount(inShape));
        auto filter = randomFloats(rng, elementCount(fShape));
        auto bias = randomFloats(rng, oc);
        SingleOpModel m(B::CONV_3D);
        m.addInput(fb::TensorType::FLOAT32, inShape);
        m.addConstInput(fb::TensorType::FLOAT32, fShape, filter);
        addBias(m, biasMode, bias);
        m.addOutput(fb::TensorType::FLOAT32);
        m.setOptions(fb::BuiltinOptions::Conv3DOptions, [&](flatbuffers::FlatBufferBuilder& f) {
            return fb::CreateConv3DOptions(f, padding, s[0], s[2], s[1], act, dl[0], dl[2], dl[1]).Union();
        });
        Status st = m.build(threads);
        ASSERT_TRUE(st.isOk()) << st.message();
        m.setInput(0, input);
        st = m.invoke();
        ASSERT_TRUE(st.isOk()) << st.message();

        AxisRef ax[3];
        for (int a = 0; a < 3; ++a)
            ax[a] = axisRef(padding, in[a], k[a], s[a], dl[a]);
        const std::vector<int32_t> outShape = {batch, ax[0].out, ax[1].out, ax[2].out, oc};
        std::vector<float> want(static_cast<size_t>(elementCount(outShape)));
        size_t o = 0;
        for (int32_t b = 0; b < batch; ++b)
            for (int32_t od = 0; od < ax[0].out; ++od)
                for (int32_t oy = 0; oy < ax[1].out; ++oy)
                    for (int32_t ox = 0; ox < ax[2].out; ++ox)
                        for (int32_t ch = 0; ch < oc; ++ch, ++o) {
                            double sum = biasMode == BiasMode::Present ? bias[static_cast<size_t>(ch)] : 0.0;
                            for (int32_t kd = 0; kd < k[0]; ++kd)
                                for (int32_t ky = 0; ky < k[1]; ++ky)
                                    for (int32_t kx = 0; kx < k[2]; ++kx) {
                                        const int32_t id = od * s[0] - ax[0].pad + kd * dl[0];
                                        const int32_t iy = oy * s[1] - ax[1].pad + ky * dl[1];
                                        const int32_t ix = ox * s[2] - ax[2].pad + kx * dl[2];
                                        if (id < 0 || id >= in[0] || iy < 0 || iy >= in[1] || ix < 0 ||
                                            ix >= in[2])
                                            continue;
                                        for (int32_t ic = 0; ic < c; ++ic)
                                            sum += static_cast<double>(input[static_cast<size_t>(
                                                       (((b * in[0] + id) * in[1] + iy) * in[2] + ix) * c +
                                                       ic)]) *
                                                   filter[static_cast<size_t>(
                                                       (((kd * k[1] + ky) * k[2] + kx) * c + ic) * oc + ch)];
                                    }
                            want[o] = referenceActivation(sum, act);
                        }
        ASSERT_EQ(m.outputShape(0), outShape);
        expectClose(m.output<float>(0), want, "conv3d trial " + std::to_string(trial));
    }
}

// ---------------------------------------------------------------------------------------------------------
// The portable paths
// ---------------------------------------------------------------------------------------------------------

// Kernels prepared while this lives use the given instruction set (the portable one on any machine).
class IsaOverride {
  public:
    explicit IsaOverride(kernels::gemm::Isa isa) { kernels::gemm::setActiveIsa(isa); }
    ~IsaOverride() { kernels::gemm::setActiveIsa(kernels::gemm::nativeIsa()); }
};

TEST(ConvPortablePaths, EveryCompiledIsaMatchesDirectLoops) {
    using kernels::gemm::Isa;
    std::mt19937 rng(701);
    for (Isa isa : {Isa::Scalar, Isa::Avx2}) {
        if (!kernels::gemm::isaCompiled(isa)) continue;
        IsaOverride scope(isa);
        ASSERT_EQ(kernels::gemm::activeIsa(), isa);
        for (int trial = 0; trial < 60; ++trial) {
            runConv2D(randomConv2D(rng), rng);
            const int32_t c = pick(rng, 1, 40), k = pick(rng, 1, 5), s = pick(rng, 1, 2);
            runDepthwise({1, pick(rng, k, 12), pick(rng, k, 12), c, pick(rng, 1, 2), k, k, s, s, 1, 1,
                          fb::Padding::SAME, Act::RELU6, BiasMode::Present, pick(rng, 1, 2)},
                         rng);
            runTransposeConv({1, pick(rng, 3, 12), pick(rng, 3, 12), pick(rng, 1, 6), pick(rng, 1, 20), 3, 3,
                              2, 2, fb::Padding::SAME, Act::NONE, BiasMode::Present, true, 1},
                             rng);
            if (HasFatalFailure()) return;
        }
    }
}

}  // namespace
}  // namespace litescope::test

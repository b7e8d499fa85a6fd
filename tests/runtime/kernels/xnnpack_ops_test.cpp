// The XNNPACK delegate's op mapping (runtime/delegates/xnnpack_ops.cpp): every op is built as a one-op
// model twice, once with the XNNPACK delegate and once without, and run on the same deterministic inputs.
// The delegated model must have handed its node to XNNPACK and agree with the builtin kernels: floats within
// a small tolerance (XNNPACK's vectorised sums run in another order; its sigmoid, ELU and softmax use
// polynomial approximations), quantized values within one quantum (XNNPACK requantizes with its own
// rounding). The refusals must be refusals, with a reason that names what is wrong.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <functional>
#include <random>
#include <string>

#include "runtime/delegates/xnnpack_delegate.h"
#include "tests/support/single_op_model.h"
#include "tests/support/test_values.h"

namespace litescope::test {
namespace {

using B = fb::BuiltinOperator;
using Act = fb::ActivationFunctionType;
using TT = fb::TensorType;
using Pad = fb::Padding;
using Fbb = flatbuffers::FlatBufferBuilder;

// Adds the operator's operands and options; returns the op input positions that are graph inputs.
using Define = std::function<std::vector<int>(SingleOpModel&)>;

struct Tolerance {
    float absolute = 1e-5f;
    float relative = 1e-5f;
    int quanta = 1;
};

// Float inputs are drawn from [lo, hi]; with `step`, rounded to its multiples (exact halves for ROUND).
struct InputRange {
    float lo = -3.f, hi = 3.f, step = 0.f;
};

QuantSpec perTensor(float scale, int64_t zeroPoint) {
    QuantSpec q;
    q.scale = {scale};
    q.zeroPoint = {zeroPoint};
    return q;
}

QuantSpec perChannel(std::vector<float> scales, int32_t dimension) {
    QuantSpec q;
    q.zeroPoint.assign(scales.size(), 0);
    q.scale = std::move(scales);
    q.quantizedDimension = dimension;
    return q;
}

std::vector<float> floats(int64_t n, uint32_t seed, float lo = -1.f, float hi = 1.f) {
    std::mt19937 rng(seed);
    return randomFloats(rng, n, lo, hi);
}

std::vector<int8_t> int8s(int64_t n, uint32_t seed, int32_t lo = -127, int32_t hi = 127) {
    std::mt19937 rng(seed);
    std::vector<int8_t> v(static_cast<size_t>(n));
    for (int8_t& x : v)
        x = static_cast<int8_t>(pick(rng, lo, hi));
    return v;
}

std::vector<uint8_t> uint8s(int64_t n, uint32_t seed) {
    std::mt19937 rng(seed);
    std::vector<uint8_t> v(static_cast<size_t>(n));
    for (uint8_t& x : v)
        x = static_cast<uint8_t>(pick(rng, 0, 255));
    return v;
}

std::vector<int32_t> int32s(int64_t n, uint32_t seed, int32_t lo, int32_t hi) {
    std::mt19937 rng(seed);
    std::vector<int32_t> v(static_cast<size_t>(n));
    for (int32_t& x : v)
        x = pick(rng, lo, hi);
    return v;
}

// IEEE half-precision bits of a float in the normal range (enough for test inputs).
uint16_t halfBits(float f) {
    uint32_t bits;
    std::memcpy(&bits, &f, sizeof bits);
    const uint32_t sign = (bits >> 16) & 0x8000u;
    const int32_t exponent = static_cast<int32_t>((bits >> 23) & 0xffu) - 127 + 15;
    if (f == 0.f || exponent <= 0) return static_cast<uint16_t>(sign);
    const uint32_t mantissa = (bits >> 13) & 0x3ffu;
    return static_cast<uint16_t>(sign | (static_cast<uint32_t>(exponent) << 10) | mantissa);
}

std::unique_ptr<SingleOpModel> buildModel(B op, int version, const Define& define, bool delegated,
                                          std::vector<int>& inputs) {
    auto m = std::make_unique<SingleOpModel>(op, version);
    inputs = define(*m);
    InterpreterOptions options;
    if (delegated) {
        // Quantized nodes too: their mapping is what these tests are about.
        XnnpackOptions xnnpack;
        xnnpack.quantized = true;
        auto delegate = makeXnnpackDelegate(xnnpack);
        EXPECT_TRUE(delegate) << delegate.message();
        if (delegate) options.delegate = delegate.value();
    }
    Status s = m->build(options);
    EXPECT_TRUE(s) << s.message();
    if (!s) return nullptr;
    return m;
}

void fillInputs(SingleOpModel& m, const std::vector<int>& inputs, const InputRange& range) {
    for (int input : inputs) {
        RuntimeTensor& t = m.inputTensor(input);
        const uint32_t seed = 1234u + static_cast<uint32_t>(input);
        const int64_t n = t.elementCount();
        switch (t.type) {
            case TensorType::Float32: {
                std::vector<float> v = floats(n, seed, range.lo, range.hi);
                if (range.step > 0)
                    for (float& x : v)
                        x = std::round(x / range.step) * range.step;
                m.setInput(input, v);
                break;
            }
            case TensorType::Float16: {
                std::vector<uint16_t> v;
                for (float x : floats(n, seed, range.lo, range.hi))
                    v.push_back(halfBits(x));
                m.setInput(input, v);
                break;
            }
            case TensorType::Int8:
                m.setInput(input, int8s(n, seed, -128, 127));
                break;
            case TensorType::UInt8:
                m.setInput(input, uint8s(n, seed));
                break;
            case TensorType::Int16:
                m.setInput(input, std::vector<int16_t>(static_cast<size_t>(n), 7));
                break;
            default:
                FAIL() << "no input values for type " << tensorTypeName(t.type);
        }
    }
}

const NodeDelegation* nodeFate(SingleOpModel& m) {
    const DelegationReport* report = m.interpreter().main().delegation();
    EXPECT_NE(report, nullptr) << "the delegate was not applied";
    if (!report) return nullptr;
    EXPECT_EQ(report->nodes.size(), 1u);
    return report->nodes.empty() ? nullptr : &report->nodes[0];
}

template <typename T>
void compareQuantized(SingleOpModel& xnn, SingleOpModel& ref, int quanta) {
    const std::vector<T> got = xnn.output<T>(0), want = ref.output<T>(0);
    ASSERT_EQ(got.size(), want.size());
    int worst = 0;
    size_t at = 0;
    for (size_t i = 0; i < got.size(); ++i)
        if (std::abs(int(got[i]) - int(want[i])) > worst)
            worst = std::abs(int(got[i]) - int(want[i])), at = i;
    EXPECT_LE(worst, quanta) << "element " << at << ": XNNPACK " << int(got[at]) << ", builtin "
                             << int(want[at]);
}

// Builds `define` with and without XNNPACK, checks that XNNPACK took the node, and compares the outputs.
void expectSameAsBuiltin(B op, const Define& define, Tolerance tol = {}, InputRange range = {},
                         int version = 1) {
    std::vector<int> inputs;
    auto xnn = buildModel(op, version, define, true, inputs);
    auto ref = buildModel(op, version, define, false, inputs);
    ASSERT_TRUE(xnn && ref);
    const NodeDelegation* fate = nodeFate(*xnn);
    ASSERT_NE(fate, nullptr);
    ASSERT_EQ(fate->partition, 0) << "left to the builtin kernels: " << fate->reason;
    fillInputs(*xnn, inputs, range);
    fillInputs(*ref, inputs, range);
    Status s = xnn->invoke();
    ASSERT_TRUE(s) << s.message();
    s = ref->invoke();
    ASSERT_TRUE(s) << s.message();
    ASSERT_EQ(xnn->outputShape(0), ref->outputShape(0));
    switch (xnn->outputTensor(0).type) {
        case TensorType::Float32: {
            const std::vector<float> got = xnn->output<float>(0), want = ref->output<float>(0);
            ASSERT_EQ(got.size(), want.size());
            for (size_t i = 0; i < got.size(); ++i)
                ASSERT_NEAR(got[i], want[i], tol.absolute + tol.relative * std::abs(want[i]))
                    << "element " << i;
            break;
        }
        case TensorType::Int8:
            compareQuantized<int8_t>(*xnn, *ref, tol.quanta);
            break;
        case TensorType::UInt8:
            compareQuantized<uint8_t>(*xnn, *ref, tol.quanta);
            break;
        default:
            FAIL() << "unexpected output type";
    }
}

void expectRefused(B op, const Define& define, const std::vector<std::string>& words, int version = 1) {
    std::vector<int> inputs;
    auto xnn = buildModel(op, version, define, true, inputs);
    ASSERT_TRUE(xnn);
    const NodeDelegation* fate = nodeFate(*xnn);
    ASSERT_NE(fate, nullptr);
    EXPECT_EQ(fate->partition, -1) << "XNNPACK took it";
    for (const std::string& word : words)
        EXPECT_NE(fate->reason.find(word), std::string::npos)
            << "reason: " << fate->reason << "\nlacks: " << word;
}

// ---------------------------------------------------------------------------------------------------------
// Float convolutions
// ---------------------------------------------------------------------------------------------------------

struct ConvCase {
    std::vector<int32_t> in = {1, 7, 7, 3};
    int32_t oc = 4, kh = 3, kw = 3, stride = 1, dilation = 1;
    Pad padding = Pad::SAME;
    Act act = Act::NONE;
    bool bias = true;
};

Define floatConv(ConvCase c) {
    return [c](SingleOpModel& m) {
        const int in = m.addInput(TT::FLOAT32, c.in);
        m.addConstInput(TT::FLOAT32, {c.oc, c.kh, c.kw, c.in[3]}, floats(c.oc * c.kh * c.kw * c.in[3], 7));
        if (c.bias)
            m.addConstInput(TT::FLOAT32, {c.oc}, floats(c.oc, 8));
        else
            m.addOmittedInput();
        m.addOutput(TT::FLOAT32);
        m.setOptions(fb::BuiltinOptions::Conv2DOptions, [c](Fbb& f) {
            return fb::CreateConv2DOptions(f, c.padding, c.stride, c.stride, c.act, c.dilation, c.dilation)
                .Union();
        });
        return std::vector<int>{in};
    };
}

TEST(XnnpackOps, Conv2dSameStride1) {
    expectSameAsBuiltin(B::CONV_2D, floatConv({}));
}

TEST(XnnpackOps, Conv2dValidStride2) {
    expectSameAsBuiltin(B::CONV_2D,
                        floatConv({.in = {2, 9, 8, 5}, .oc = 6, .stride = 2, .padding = Pad::VALID}));
}

TEST(XnnpackOps, Conv2dDilation2) {
    expectSameAsBuiltin(B::CONV_2D, floatConv({.in = {1, 10, 10, 3}, .dilation = 2}));
    expectSameAsBuiltin(B::CONV_2D, floatConv({.in = {1, 10, 10, 3}, .dilation = 2, .padding = Pad::VALID}));
}

TEST(XnnpackOps, Conv2dDilationWithStride) {
    expectSameAsBuiltin(B::CONV_2D, floatConv({.in = {1, 11, 11, 2}, .stride = 2, .dilation = 2}));
}

TEST(XnnpackOps, Conv2dRelu6NoBias) {
    expectSameAsBuiltin(B::CONV_2D, floatConv({.kh = 1, .kw = 1, .act = Act::RELU6, .bias = false}));
    expectSameAsBuiltin(B::CONV_2D, floatConv({.act = Act::RELU}));
    expectSameAsBuiltin(B::CONV_2D, floatConv({.act = Act::RELU_N1_TO_1}));
}

TEST(XnnpackOps, Conv2dRefusals) {
    expectRefused(B::CONV_2D, floatConv({.act = Act::TANH}), {"fused activation TANH", "clamp"});
    // A filter fed at run time.
    expectRefused(B::CONV_2D,
                  [](SingleOpModel& m) {
                      const int in = m.addInput(TT::FLOAT32, {1, 5, 5, 2});
                      const int filter = m.addInput(TT::FLOAT32, {3, 3, 3, 2});
                      m.addOutput(TT::FLOAT32);
                      m.setOptions(fb::BuiltinOptions::Conv2DOptions, [](Fbb& f) {
                          return fb::CreateConv2DOptions(f, Pad::SAME, 1, 1).Union();
                      });
                      return std::vector<int>{in, filter};
                  },
                  {"filter is not a constant"});
    // Hybrid: float activations with int8 weights.
    expectRefused(B::CONV_2D,
                  [](SingleOpModel& m) {
                      const int in = m.addInput(TT::FLOAT32, {1, 5, 5, 2});
                      m.addConstInput(TT::INT8, {3, 3, 3, 2}, int8s(54, 3), perTensor(0.01f, 0));
                      m.addOutput(TT::FLOAT32);
                      m.setOptions(fb::BuiltinOptions::Conv2DOptions, [](Fbb& f) {
                          return fb::CreateConv2DOptions(f, Pad::SAME, 1, 1).Union();
                      });
                      return std::vector<int>{in};
                  },
                  {"INT8", "hybrid"});
}

struct DepthwiseCase {
    std::vector<int32_t> in = {1, 8, 8, 3};
    int32_t multiplier = 1, k = 3, stride = 1, dilation = 1;
    Pad padding = Pad::SAME;
    Act act = Act::NONE;
};

Define floatDepthwise(DepthwiseCase c) {
    return [c](SingleOpModel& m) {
        const int32_t oc = c.in[3] * c.multiplier;
        const int in = m.addInput(TT::FLOAT32, c.in);
        m.addConstInput(TT::FLOAT32, {1, c.k, c.k, oc}, floats(c.k * c.k * oc, 9));
        m.addConstInput(TT::FLOAT32, {oc}, floats(oc, 10));
        m.addOutput(TT::FLOAT32);
        m.setOptions(fb::BuiltinOptions::DepthwiseConv2DOptions, [c](Fbb& f) {
            return fb::CreateDepthwiseConv2DOptions(f, c.padding, c.stride, c.stride, c.multiplier, c.act,
                                                    c.dilation, c.dilation)
                .Union();
        });
        return std::vector<int>{in};
    };
}

TEST(XnnpackOps, DepthwiseMultiplier1) {
    expectSameAsBuiltin(B::DEPTHWISE_CONV_2D, floatDepthwise({}));
    expectSameAsBuiltin(
        B::DEPTHWISE_CONV_2D,
        floatDepthwise({.in = {1, 9, 9, 8}, .stride = 2, .padding = Pad::VALID, .act = Act::RELU6}));
    expectSameAsBuiltin(B::DEPTHWISE_CONV_2D, floatDepthwise({.in = {1, 9, 9, 4}, .dilation = 2}));
}

TEST(XnnpackOps, DepthwiseMultiplier2) {
    expectSameAsBuiltin(B::DEPTHWISE_CONV_2D, floatDepthwise({.multiplier = 2}));
    expectSameAsBuiltin(
        B::DEPTHWISE_CONV_2D,
        floatDepthwise({.in = {2, 6, 7, 2}, .multiplier = 2, .k = 5, .stride = 2, .act = Act::RELU}));
}

// ---------------------------------------------------------------------------------------------------------
// FULLY_CONNECTED
// ---------------------------------------------------------------------------------------------------------

Define floatFullyConnected(std::vector<int32_t> in, int32_t units, bool bias, bool keepDims,
                           Act act = Act::NONE) {
    return [=](SingleOpModel& m) {
        const int32_t depth = in.back();
        const int x = m.addInput(TT::FLOAT32, in);
        m.addConstInput(TT::FLOAT32, {units, depth}, floats(units * depth, 11));
        if (bias)
            m.addConstInput(TT::FLOAT32, {units}, floats(units, 12));
        else
            m.addOmittedInput();
        m.addOutput(TT::FLOAT32);
        m.setOptions(fb::BuiltinOptions::FullyConnectedOptions, [=](Fbb& f) {
            return fb::CreateFullyConnectedOptions(f, act, fb::FullyConnectedOptionsWeightsFormat::DEFAULT,
                                                   keepDims)
                .Union();
        });
        return std::vector<int>{x};
    };
}

TEST(XnnpackOps, FullyConnectedWithAndWithoutBias) {
    expectSameAsBuiltin(B::FULLY_CONNECTED, floatFullyConnected({2, 16}, 5, true, false));
    expectSameAsBuiltin(B::FULLY_CONNECTED, floatFullyConnected({3, 10}, 7, false, false, Act::RELU));
}

TEST(XnnpackOps, FullyConnected3dInput) {
    expectSameAsBuiltin(B::FULLY_CONNECTED, floatFullyConnected({2, 3, 8}, 4, true, false));
    expectSameAsBuiltin(B::FULLY_CONNECTED, floatFullyConnected({2, 3, 8}, 4, true, true, Act::RELU6));
}

TEST(XnnpackOps, FullyConnectedRefusesTanh) {
    expectRefused(B::FULLY_CONNECTED, floatFullyConnected({2, 8}, 4, true, false, Act::TANH), {"TANH"});
}

// ---------------------------------------------------------------------------------------------------------
// Binary elementwise ops
// ---------------------------------------------------------------------------------------------------------

Define floatBinary(B op, std::vector<int32_t> a, std::vector<int32_t> b, Act act = Act::NONE,
                   bool constB = false) {
    return [=](SingleOpModel& m) {
        std::vector<int> inputs{m.addInput(TT::FLOAT32, a)};
        if (constB)
            m.addConstInput(TT::FLOAT32, b, floats(elementCount(b), 13, 0.5f, 2.f));
        else
            inputs.push_back(m.addInput(TT::FLOAT32, b));
        m.addOutput(TT::FLOAT32);
        if (op == B::ADD)
            m.setOptions(fb::BuiltinOptions::AddOptions,
                         [=](Fbb& f) { return fb::CreateAddOptions(f, act).Union(); });
        if (op == B::MUL)
            m.setOptions(fb::BuiltinOptions::MulOptions,
                         [=](Fbb& f) { return fb::CreateMulOptions(f, act).Union(); });
        if (op == B::SUB)
            m.setOptions(fb::BuiltinOptions::SubOptions,
                         [=](Fbb& f) { return fb::CreateSubOptions(f, act).Union(); });
        if (op == B::DIV)
            m.setOptions(fb::BuiltinOptions::DivOptions,
                         [=](Fbb& f) { return fb::CreateDivOptions(f, act).Union(); });
        return inputs;
    };
}

TEST(XnnpackOps, AddAndMulBroadcast) {
    expectSameAsBuiltin(B::ADD, floatBinary(B::ADD, {1, 4, 4, 3}, {3}));
    expectSameAsBuiltin(B::ADD, floatBinary(B::ADD, {2, 1, 5}, {3, 1}, Act::RELU6));
    expectSameAsBuiltin(B::MUL, floatBinary(B::MUL, {2, 3, 1, 4}, {1, 1, 5, 1}));
    expectSameAsBuiltin(B::MUL, floatBinary(B::MUL, {6, 4}, {6, 4}, Act::RELU_N1_TO_1));
}

TEST(XnnpackOps, OtherBinaryOps) {
    expectSameAsBuiltin(B::SUB, floatBinary(B::SUB, {1, 3, 4, 2}, {4, 1}, Act::RELU));
    // A constant denominator away from zero.
    expectSameAsBuiltin(B::DIV, floatBinary(B::DIV, {2, 3, 4}, {3, 4}, Act::NONE, true));
    expectSameAsBuiltin(B::MAXIMUM, floatBinary(B::MAXIMUM, {2, 3, 4}, {1, 4}));
    expectSameAsBuiltin(B::MINIMUM, floatBinary(B::MINIMUM, {5, 3}, {5, 3}));
    expectSameAsBuiltin(B::SQUARED_DIFFERENCE, floatBinary(B::SQUARED_DIFFERENCE, {2, 2, 3, 4}, {4}));
}

TEST(XnnpackOps, OverflowWithoutActivationReadsFloatMax) {
    // TFLite's kernels clamp even with no fused activation, to the finite float range: an ADD that overflows
    // gives FLT_MAX, not inf (and a LOG after it 88.7, not inf). The delegate keeps those bounds.
    expectSameAsBuiltin(B::ADD, floatBinary(B::ADD, {2, 8}, {2, 8}), {}, {2e38f, 3e38f});
    expectSameAsBuiltin(B::MUL, floatBinary(B::MUL, {2, 8}, {2, 8}), {}, {1e20f, 3e20f});
}

TEST(XnnpackOps, BinaryRefusals) {
    expectRefused(B::ADD, floatBinary(B::ADD, {1, 2, 2, 2, 2}, {2}), {"more than 4 dimensions"});
    expectRefused(B::MUL, floatBinary(B::MUL, {2, 3}, {2, 3}, Act::TANH), {"fused activation TANH"});
    expectRefused(B::ADD,
                  [](SingleOpModel& m) {
                      const int a = m.addInput(TT::INT16, {4}, perTensor(0.01f, 0));
                      const int b = m.addInput(TT::INT16, {4}, perTensor(0.01f, 0));
                      m.addOutput(TT::INT16, {}, perTensor(0.02f, 0));
                      return std::vector<int>{a, b};
                  },
                  {"INT16", "16-bit"});
}

// ---------------------------------------------------------------------------------------------------------
// Pooling, MEAN, PAD, RESHAPE, RESIZE_BILINEAR, DEPTH_TO_SPACE
// ---------------------------------------------------------------------------------------------------------

Define pool(TT type, std::vector<int32_t> in, int32_t filter, int32_t stride, Pad padding,
            Act act = Act::NONE, std::optional<QuantSpec> inQ = std::nullopt,
            std::optional<QuantSpec> outQ = std::nullopt) {
    return [=](SingleOpModel& m) {
        const int x = m.addInput(type, in, inQ);
        m.addOutput(type, {}, outQ ? outQ : inQ);
        m.setOptions(fb::BuiltinOptions::Pool2DOptions, [=](Fbb& f) {
            return fb::CreatePool2DOptions(f, padding, stride, stride, filter, filter, act).Union();
        });
        return std::vector<int>{x};
    };
}

TEST(XnnpackOps, MaxPool) {
    expectSameAsBuiltin(B::MAX_POOL_2D, pool(TT::FLOAT32, {1, 9, 9, 3}, 3, 2, Pad::SAME));
    expectSameAsBuiltin(B::MAX_POOL_2D, pool(TT::FLOAT32, {2, 8, 8, 4}, 2, 2, Pad::VALID, Act::RELU));
}

TEST(XnnpackOps, AveragePool) {
    expectSameAsBuiltin(B::AVERAGE_POOL_2D, pool(TT::FLOAT32, {1, 9, 9, 3}, 3, 2, Pad::SAME));
    expectSameAsBuiltin(B::AVERAGE_POOL_2D, pool(TT::FLOAT32, {1, 8, 8, 5}, 2, 2, Pad::VALID, Act::RELU6));
    expectSameAsBuiltin(B::AVERAGE_POOL_2D, pool(TT::FLOAT32, {1, 7, 7, 2}, 3, 1, Pad::SAME));
}

TEST(XnnpackOps, OneByOnePooling) {
    // XNNPACK rejects 1x1 windows; with stride 1 the delegate computes the identity as a clamp.
    expectSameAsBuiltin(B::MAX_POOL_2D, pool(TT::FLOAT32, {1, 4, 4, 3}, 1, 1, Pad::VALID, Act::RELU));
    expectSameAsBuiltin(B::AVERAGE_POOL_2D, pool(TT::FLOAT32, {1, 4, 4, 3}, 1, 1, Pad::SAME));
    expectRefused(B::MAX_POOL_2D, pool(TT::FLOAT32, {1, 4, 4, 3}, 1, 2, Pad::VALID),
                  {"1x1 pooling", "stride 2x2"});
}

Define mean(TT type, std::vector<int32_t> in, std::vector<int32_t> axes, bool keepDims,
            std::optional<QuantSpec> inQ = std::nullopt, std::optional<QuantSpec> outQ = std::nullopt) {
    return [=](SingleOpModel& m) {
        const int x = m.addInput(type, in, inQ);
        m.addConstInput(TT::INT32, {static_cast<int32_t>(axes.size())}, axes);
        m.addOutput(type, {}, outQ ? outQ : inQ);
        m.setOptions(fb::BuiltinOptions::ReducerOptions,
                     [=](Fbb& f) { return fb::CreateReducerOptions(f, keepDims).Union(); });
        return std::vector<int>{x};
    };
}

TEST(XnnpackOps, MeanOverHeightAndWidth) {
    expectSameAsBuiltin(B::MEAN, mean(TT::FLOAT32, {2, 5, 6, 7}, {1, 2}, true));
    expectSameAsBuiltin(B::MEAN, mean(TT::FLOAT32, {1, 4, 4, 8}, {2, 1}, false));
    expectRefused(B::MEAN, mean(TT::FLOAT32, {1, 4, 4, 8}, {3}, true), {"axis 3", "H and W"});
    expectRefused(B::MEAN, mean(TT::FLOAT32, {1, 4, 4, 8}, {1}, true), {"one of H and W"});
}

Define pad(TT type, std::vector<int32_t> in, std::vector<int32_t> paddings, std::optional<float> value,
           std::optional<QuantSpec> q = std::nullopt) {
    return [=](SingleOpModel& m) {
        const int x = m.addInput(type, in, q);
        m.addConstInput(TT::INT32, {static_cast<int32_t>(in.size()), 2}, paddings);
        if (value) {
            if (type == TT::FLOAT32)
                m.addConstInput(TT::FLOAT32, {1}, std::vector<float>{*value});
            else
                m.addConstInput(TT::INT8, {1}, std::vector<int8_t>{static_cast<int8_t>(*value)}, q);
        }
        m.addOutput(type, {}, q);
        return std::vector<int>{x};
    };
}

TEST(XnnpackOps, PadAndPadV2) {
    expectSameAsBuiltin(B::PAD, pad(TT::FLOAT32, {1, 3, 4, 2}, {0, 0, 1, 2, 2, 0, 0, 1}, std::nullopt));
    expectSameAsBuiltin(B::PADV2, pad(TT::FLOAT32, {2, 3, 4}, {1, 0, 0, 2, 3, 1}, 1.5f));
}

TEST(XnnpackOps, Reshape) {
    expectSameAsBuiltin(B::RESHAPE, [](SingleOpModel& m) {
        const int x = m.addInput(TT::FLOAT32, {2, 3, 4});
        m.addConstInput(TT::INT32, {2}, std::vector<int32_t>{4, -1});
        m.addOutput(TT::FLOAT32);
        return std::vector<int>{x};
    });
}

Define resizeBilinear(TT type, std::vector<int32_t> in, int32_t h, int32_t w, bool alignCorners,
                      bool halfPixel, std::optional<QuantSpec> q = std::nullopt) {
    return [=](SingleOpModel& m) {
        const int x = m.addInput(type, in, q);
        m.addConstInput(TT::INT32, {2}, std::vector<int32_t>{h, w});
        m.addOutput(type, {}, q);
        m.setOptions(fb::BuiltinOptions::ResizeBilinearOptions, [=](Fbb& f) {
            return fb::CreateResizeBilinearOptions(f, alignCorners, halfPixel).Union();
        });
        return std::vector<int>{x};
    };
}

TEST(XnnpackOps, ResizeBilinear) {
    expectSameAsBuiltin(B::RESIZE_BILINEAR, resizeBilinear(TT::FLOAT32, {1, 4, 5, 3}, 8, 9, true, false));
    expectSameAsBuiltin(B::RESIZE_BILINEAR, resizeBilinear(TT::FLOAT32, {1, 4, 5, 3}, 8, 10, false, true));
    expectSameAsBuiltin(B::RESIZE_BILINEAR, resizeBilinear(TT::FLOAT32, {2, 3, 3, 2}, 7, 5, false, false));
}

TEST(XnnpackOps, DepthToSpace) {
    expectSameAsBuiltin(B::DEPTH_TO_SPACE, [](SingleOpModel& m) {
        const int x = m.addInput(TT::FLOAT32, {1, 3, 4, 8});
        m.addOutput(TT::FLOAT32);
        m.setOptions(fb::BuiltinOptions::DepthToSpaceOptions,
                     [](Fbb& f) { return fb::CreateDepthToSpaceOptions(f, 2).Union(); });
        return std::vector<int>{x};
    });
}

// ---------------------------------------------------------------------------------------------------------
// Unary ops
// ---------------------------------------------------------------------------------------------------------

Define unary(TT type, std::vector<int32_t> shape, std::optional<QuantSpec> inQ = std::nullopt,
             std::optional<QuantSpec> outQ = std::nullopt,
             std::function<void(SingleOpModel&)> options = nullptr) {
    return [=](SingleOpModel& m) {
        const int x = m.addInput(type, shape, inQ);
        m.addOutput(type, {}, outQ ? outQ : inQ);
        if (options) options(m);
        return std::vector<int>{x};
    };
}

TEST(XnnpackOps, Clamps) {
    for (B op : {B::RELU, B::RELU6, B::RELU_N1_TO_1, B::RELU_0_TO_1}) {
        SCOPED_TRACE(fb::EnumNameBuiltinOperator(op));
        expectSameAsBuiltin(op, unary(TT::FLOAT32, {2, 3, 4, 5}), {}, {-8.f, 8.f});
    }
}

TEST(XnnpackOps, ExactUnaryOps) {
    for (B op : {B::ABS, B::NEG, B::SQUARE, B::FLOOR, B::CEIL, B::HARD_SWISH}) {
        SCOPED_TRACE(fb::EnumNameBuiltinOperator(op));
        expectSameAsBuiltin(op, unary(TT::FLOAT32, {3, 17}), {}, {-5.f, 5.f});
    }
    expectSameAsBuiltin(B::SQRT, unary(TT::FLOAT32, {3, 17}), {}, {0.f, 9.f});
    // Exact halves: ties round to even.
    expectSameAsBuiltin(B::ROUND, unary(TT::FLOAT32, {40}), {}, {-4.f, 4.f, 0.5f});
    expectSameAsBuiltin(B::ROUND, unary(TT::FLOAT32, {40}), {}, {-4.f, 4.f});
}

TEST(XnnpackOps, LeakyReluAndPrelu) {
    expectSameAsBuiltin(B::LEAKY_RELU,
                        unary(TT::FLOAT32, {2, 9}, std::nullopt, std::nullopt, [](SingleOpModel& m) {
                            m.setOptions(fb::BuiltinOptions::LeakyReluOptions,
                                         [](Fbb& f) { return fb::CreateLeakyReluOptions(f, 0.15f).Union(); });
                        }));
    for (std::vector<int32_t> slopeShape : {std::vector<int32_t>{4}, std::vector<int32_t>{1, 1, 4}}) {
        expectSameAsBuiltin(B::PRELU, [=](SingleOpModel& m) {
            const int x = m.addInput(TT::FLOAT32, {1, 3, 5, 4});
            m.addConstInput(TT::FLOAT32, slopeShape, floats(4, 14, 0.05f, 0.5f));
            m.addOutput(TT::FLOAT32);
            return std::vector<int>{x};
        });
    }
    expectRefused(B::PRELU,
                  [](SingleOpModel& m) {
                      const int x = m.addInput(TT::FLOAT32, {1, 3, 5, 4});
                      m.addConstInput(TT::FLOAT32, {1, 5, 4}, floats(20, 14));
                      m.addOutput(TT::FLOAT32);
                      return std::vector<int>{x};
                  },
                  {"slope", "per channel"});
}

TEST(XnnpackOps, ApproximatedActivations) {
    // XNNPACK evaluates exp through polynomial approximations accurate to a few ulp; the builtin kernels
    // call std::exp. A few float ulp of difference is expected.
    const Tolerance approx{1e-5f, 1e-4f, 1};
    expectSameAsBuiltin(B::LOGISTIC, unary(TT::FLOAT32, {4, 25}), approx, {-8.f, 8.f});
    expectSameAsBuiltin(B::ELU, unary(TT::FLOAT32, {4, 25}), approx, {-6.f, 4.f});
    auto softmax = [](float beta) {
        return [beta](SingleOpModel& m) {
            m.setOptions(fb::BuiltinOptions::SoftmaxOptions,
                         [beta](Fbb& f) { return fb::CreateSoftmaxOptions(f, beta).Union(); });
        };
    };
    expectSameAsBuiltin(B::SOFTMAX, unary(TT::FLOAT32, {3, 10}, std::nullopt, std::nullopt, softmax(1.f)),
                        approx, {-5.f, 5.f});
    expectSameAsBuiltin(B::SOFTMAX,
                        unary(TT::FLOAT32, {2, 2, 3, 7}, std::nullopt, std::nullopt, softmax(1.f)), approx,
                        {-5.f, 5.f});
    expectRefused(B::SOFTMAX, unary(TT::FLOAT32, {3, 10}, std::nullopt, std::nullopt, softmax(2.f)),
                  {"beta 2"});
}

// ---------------------------------------------------------------------------------------------------------
// TRANSPOSE_CONV
// ---------------------------------------------------------------------------------------------------------

Define transposeConv(std::vector<int32_t> in, std::vector<int32_t> out, int32_t k, int32_t stride,
                     Pad padding, bool bias) {
    return [=](SingleOpModel& m) {
        const int32_t oc = out[3], ic = in[3];
        m.addConstInput(TT::INT32, {4}, out);
        m.addConstInput(TT::FLOAT32, {oc, k, k, ic}, floats(oc * k * k * ic, 15));
        const int x = m.addInput(TT::FLOAT32, in);
        if (bias) m.addConstInput(TT::FLOAT32, {oc}, floats(oc, 16));
        m.addOutput(TT::FLOAT32);
        m.setOptions(fb::BuiltinOptions::TransposeConvOptions, [=](Fbb& f) {
            return fb::CreateTransposeConvOptions(f, padding, stride, stride).Union();
        });
        return std::vector<int>{x};
    };
}

TEST(XnnpackOps, TransposeConv) {
    expectSameAsBuiltin(B::TRANSPOSE_CONV, transposeConv({1, 4, 4, 3}, {1, 8, 8, 2}, 3, 2, Pad::SAME, false),
                        {}, {}, 3);
    expectSameAsBuiltin(B::TRANSPOSE_CONV, transposeConv({1, 4, 5, 3}, {1, 9, 11, 4}, 3, 2, Pad::VALID, true),
                        {}, {}, 3);
    expectSameAsBuiltin(B::TRANSPOSE_CONV, transposeConv({2, 3, 3, 2}, {2, 6, 6, 3}, 4, 2, Pad::SAME, true),
                        {}, {}, 3);
    // One more row and column than a VALID stride-2 deconvolution writes: an adjustment of 1.
    expectSameAsBuiltin(B::TRANSPOSE_CONV,
                        transposeConv({1, 4, 4, 3}, {1, 10, 10, 2}, 3, 2, Pad::VALID, true), {}, {}, 3);
}

// ---------------------------------------------------------------------------------------------------------
// QUANTIZE, DEQUANTIZE
// ---------------------------------------------------------------------------------------------------------

TEST(XnnpackOps, QuantizeAndDequantize) {
    expectSameAsBuiltin(B::QUANTIZE, [](SingleOpModel& m) {
        const int x = m.addInput(TT::FLOAT32, {2, 20});
        m.addOutput(TT::INT8, {}, perTensor(0.03f, -5));
        return std::vector<int>{x};
    });
    expectSameAsBuiltin(B::QUANTIZE, [](SingleOpModel& m) {
        const int x = m.addInput(TT::FLOAT32, {2, 20});
        m.addOutput(TT::UINT8, {}, perTensor(0.025f, 128));
        return std::vector<int>{x};
    });
    expectSameAsBuiltin(B::DEQUANTIZE, [](SingleOpModel& m) {
        const int x = m.addInput(TT::INT8, {3, 11}, perTensor(0.05f, 3));
        m.addOutput(TT::FLOAT32);
        return std::vector<int>{x};
    });
    expectSameAsBuiltin(B::DEQUANTIZE, [](SingleOpModel& m) {
        const int x = m.addInput(TT::UINT8, {3, 11}, perTensor(0.05f, 120));
        m.addOutput(TT::FLOAT32);
        return std::vector<int>{x};
    });
}

TEST(XnnpackOps, DequantizeHalf) {
    expectSameAsBuiltin(B::DEQUANTIZE, [](SingleOpModel& m) {
        const int x = m.addInput(TT::FLOAT16, {4, 9});
        m.addOutput(TT::FLOAT32);
        return std::vector<int>{x};
    });
}

// ---------------------------------------------------------------------------------------------------------
// Quantized ops
// ---------------------------------------------------------------------------------------------------------

struct QConvCase {
    TT type = TT::INT8;
    bool perChannel = true;
    bool depthwise = false;
    std::vector<int32_t> in = {1, 7, 7, 3};
    int32_t oc = 4, k = 3, stride = 1;
    Pad padding = Pad::SAME;
    Act act = Act::NONE;
    bool bias = true;
};

Define quantConv(QConvCase c) {
    return [c](SingleOpModel& m) {
        const bool s8 = c.type == TT::INT8;
        const float inScale = 0.02f;
        const int x = m.addInput(c.type, c.in, perTensor(inScale, s8 ? 5 : 130));
        const std::vector<int32_t> fShape = c.depthwise ? std::vector<int32_t>{1, c.k, c.k, c.oc}
                                                        : std::vector<int32_t>{c.oc, c.k, c.k, c.in[3]};
        const int64_t fCount = elementCount(fShape);
        std::vector<float> scales(c.perChannel ? static_cast<size_t>(c.oc) : 1u);
        for (size_t i = 0; i < scales.size(); ++i)
            scales[i] = 0.004f + 0.001f * static_cast<float>(i % 5);
        if (s8) {
            QuantSpec fq = c.perChannel ? perChannel(scales, c.depthwise ? 3 : 0) : perTensor(scales[0], 0);
            m.addConstInput(TT::INT8, fShape, int8s(fCount, 17), fq);
        } else {
            m.addConstInput(TT::UINT8, fShape, uint8s(fCount, 17), perTensor(scales[0], 127));
        }
        if (c.bias) {
            std::vector<float> biasScales;
            for (float s : scales)
                biasScales.push_back(s * inScale);
            QuantSpec bq = c.perChannel && s8 ? perChannel(biasScales, 0) : perTensor(biasScales[0], 0);
            m.addConstInput(TT::INT32, {c.oc}, int32s(c.oc, 18, -2000, 2000), bq);
        } else {
            m.addOmittedInput();
        }
        m.addOutput(c.type, {}, perTensor(0.06f, s8 ? -3 : 125));
        if (c.depthwise)
            m.setOptions(fb::BuiltinOptions::DepthwiseConv2DOptions, [c](Fbb& f) {
                return fb::CreateDepthwiseConv2DOptions(f, c.padding, c.stride, c.stride, c.oc / c.in[3],
                                                        c.act)
                    .Union();
            });
        else
            m.setOptions(fb::BuiltinOptions::Conv2DOptions, [c](Fbb& f) {
                return fb::CreateConv2DOptions(f, c.padding, c.stride, c.stride, c.act).Union();
            });
        return std::vector<int>{x};
    };
}

TEST(XnnpackOps, QuantizedConvPerChannel) {
    expectSameAsBuiltin(B::CONV_2D, quantConv({}));
    // Large enough for XNNPACK's float requantization to land on the other side of a rounding tie from
    // TFLite's fixed-point multiplier now and then (a few hundredths of a percent of the outputs, by one).
    expectSameAsBuiltin(B::CONV_2D, quantConv({.in = {1, 32, 32, 16}, .oc = 32}));
    expectSameAsBuiltin(B::CONV_2D, quantConv({.perChannel = false, .in = {1, 32, 32, 16}, .oc = 32}));
    expectSameAsBuiltin(B::CONV_2D,
                        quantConv({.type = TT::UINT8, .perChannel = false, .in = {1, 32, 32, 16}, .oc = 32}));
    expectSameAsBuiltin(B::CONV_2D, quantConv({.in = {1, 9, 8, 5}, .oc = 6, .stride = 2, .act = Act::RELU6}));
    expectSameAsBuiltin(B::CONV_2D,
                        quantConv({.in = {1, 6, 6, 4}, .k = 1, .padding = Pad::VALID, .act = Act::RELU}));
}

TEST(XnnpackOps, QuantizedConvPerTensorAndUint8) {
    expectSameAsBuiltin(B::CONV_2D, quantConv({.perChannel = false}));
    expectSameAsBuiltin(B::CONV_2D, quantConv({.type = TT::UINT8, .perChannel = false}));
}

TEST(XnnpackOps, QuantizedConvWithoutBias) {
    expectSameAsBuiltin(B::CONV_2D, quantConv({.bias = false}));
}

TEST(XnnpackOps, QuantizedDepthwisePerChannel) {
    expectSameAsBuiltin(B::DEPTHWISE_CONV_2D, quantConv({.depthwise = true, .in = {1, 8, 8, 4}, .oc = 4}));
    expectSameAsBuiltin(
        B::DEPTHWISE_CONV_2D,
        quantConv({.depthwise = true, .in = {1, 8, 8, 3}, .oc = 6, .stride = 2, .act = Act::RELU}));
    expectSameAsBuiltin(
        B::DEPTHWISE_CONV_2D,
        quantConv({.type = TT::UINT8, .perChannel = false, .depthwise = true, .in = {1, 6, 6, 2}, .oc = 2}));
}

TEST(XnnpackOps, QuantizedConvRefusals) {
    // A signed filter with a zero point XNNPACK cannot take.
    expectRefused(B::CONV_2D,
                  [](SingleOpModel& m) {
                      const int x = m.addInput(TT::INT8, {1, 5, 5, 2}, perTensor(0.02f, 0));
                      m.addConstInput(TT::INT8, {3, 3, 3, 2}, int8s(54, 3), perTensor(0.01f, 4));
                      m.addOutput(TT::INT8, {}, perTensor(0.05f, 0));
                      m.setOptions(fb::BuiltinOptions::Conv2DOptions, [](Fbb& f) {
                          return fb::CreateConv2DOptions(f, Pad::SAME, 1, 1).Union();
                      });
                      return std::vector<int>{x};
                  },
                  {"zero point is 4"});
}

Define quantFullyConnected(TT type, bool perChannelWeights, std::vector<int32_t> in, int32_t units) {
    return [=](SingleOpModel& m) {
        const bool s8 = type == TT::INT8;
        const int32_t depth = in.back();
        const int x = m.addInput(type, in, perTensor(0.03f, s8 ? -7 : 128));
        std::vector<float> scales(perChannelWeights ? static_cast<size_t>(units) : 1u);
        for (size_t i = 0; i < scales.size(); ++i)
            scales[i] = 0.005f + 0.001f * static_cast<float>(i % 3);
        if (s8)
            m.addConstInput(TT::INT8, {units, depth}, int8s(units * depth, 19),
                            perChannelWeights ? perChannel(scales, 0) : perTensor(scales[0], 0));
        else
            m.addConstInput(TT::UINT8, {units, depth}, uint8s(units * depth, 19), perTensor(scales[0], 120));
        std::vector<float> biasScales;
        for (float s : scales)
            biasScales.push_back(s * 0.03f);
        m.addConstInput(TT::INT32, {units}, int32s(units, 20, -3000, 3000),
                        perChannelWeights ? perChannel(biasScales, 0) : perTensor(biasScales[0], 0));
        m.addOutput(type, {}, perTensor(0.08f, s8 ? 2 : 127));
        m.setOptions(fb::BuiltinOptions::FullyConnectedOptions,
                     [](Fbb& f) { return fb::CreateFullyConnectedOptions(f, Act::NONE).Union(); });
        return std::vector<int>{x};
    };
}

TEST(XnnpackOps, QuantizedFullyConnected) {
    expectSameAsBuiltin(B::FULLY_CONNECTED, quantFullyConnected(TT::INT8, false, {3, 24}, 6));
    expectSameAsBuiltin(B::FULLY_CONNECTED, quantFullyConnected(TT::INT8, false, {2, 2, 12}, 5));
    expectSameAsBuiltin(B::FULLY_CONNECTED, quantFullyConnected(TT::UINT8, false, {3, 24}, 6));
}

TEST(XnnpackOps, QuantizedFullyConnectedPerChannelIsRefused) {
    // This XNNPACK has no per-channel (qc8) fully connected operator.
    expectRefused(B::FULLY_CONNECTED, quantFullyConnected(TT::INT8, true, {3, 24}, 6),
                  {"per channel", "qc8"});
}

Define quantBinary(B op, TT type, std::vector<int32_t> a, std::vector<int32_t> b, Act act = Act::NONE) {
    return [=](SingleOpModel& m) {
        const bool s8 = type == TT::INT8;
        const int x = m.addInput(type, a, perTensor(0.04f, s8 ? 3 : 128));
        const int y = m.addInput(type, b, perTensor(0.03f, s8 ? -10 : 120));
        m.addOutput(type, {}, perTensor(op == B::MUL ? 0.5f : 0.07f, s8 ? -1 : 130));
        if (op == B::ADD)
            m.setOptions(fb::BuiltinOptions::AddOptions,
                         [=](Fbb& f) { return fb::CreateAddOptions(f, act).Union(); });
        if (op == B::MUL)
            m.setOptions(fb::BuiltinOptions::MulOptions,
                         [=](Fbb& f) { return fb::CreateMulOptions(f, act).Union(); });
        if (op == B::SUB)
            m.setOptions(fb::BuiltinOptions::SubOptions,
                         [=](Fbb& f) { return fb::CreateSubOptions(f, act).Union(); });
        return std::vector<int>{x, y};
    };
}

TEST(XnnpackOps, QuantizedAddAndMul) {
    expectSameAsBuiltin(B::ADD, quantBinary(B::ADD, TT::INT8, {1, 4, 4, 3}, {3}));
    expectSameAsBuiltin(B::ADD, quantBinary(B::ADD, TT::INT8, {2, 3, 4}, {2, 3, 4}, Act::RELU));
    expectSameAsBuiltin(B::ADD, quantBinary(B::ADD, TT::UINT8, {2, 1, 5}, {3, 1}));
    expectSameAsBuiltin(B::MUL, quantBinary(B::MUL, TT::INT8, {2, 3, 4}, {1, 4}));
    expectSameAsBuiltin(B::MUL, quantBinary(B::MUL, TT::UINT8, {2, 3, 4}, {2, 3, 4}));
}

TEST(XnnpackOps, QuantizedSub) {
    expectSameAsBuiltin(B::SUB, quantBinary(B::SUB, TT::INT8, {2, 3, 4}, {4}));
}

TEST(XnnpackOps, QuantizedPooling) {
    const QuantSpec s8 = perTensor(0.05f, -4), u8 = perTensor(0.05f, 128);
    expectSameAsBuiltin(B::MAX_POOL_2D, pool(TT::INT8, {1, 9, 9, 3}, 3, 2, Pad::SAME, Act::NONE, s8));
    expectSameAsBuiltin(B::MAX_POOL_2D, pool(TT::UINT8, {1, 8, 8, 3}, 2, 2, Pad::VALID, Act::RELU, u8));
    // This XNNPACK's subgraph has average pooling for float only.
    expectRefused(B::AVERAGE_POOL_2D, pool(TT::UINT8, {1, 9, 9, 3}, 3, 2, Pad::SAME, Act::NONE, u8),
                  {"UINT8", "unsigned 8-bit AVERAGE_POOL_2D"});
    expectRefused(B::AVERAGE_POOL_2D, pool(TT::INT8, {1, 9, 9, 3}, 3, 2, Pad::SAME, Act::NONE, s8),
                  {"INT8", "signed 8-bit AVERAGE_POOL_2D"});
    expectRefused(B::MAX_POOL_2D,
                  pool(TT::INT8, {1, 9, 9, 3}, 3, 2, Pad::SAME, Act::NONE, s8, perTensor(0.1f, 0)),
                  {"does not requantize"});
}

TEST(XnnpackOps, QuantizedMean) {
    expectSameAsBuiltin(B::MEAN, mean(TT::INT8, {1, 5, 5, 8}, {1, 2}, true, perTensor(0.05f, -4)));
    expectSameAsBuiltin(
        B::MEAN, mean(TT::INT8, {2, 4, 4, 3}, {1, 2}, false, perTensor(0.05f, -4), perTensor(0.03f, 6)));
    expectSameAsBuiltin(B::MEAN, mean(TT::UINT8, {1, 5, 5, 8}, {1, 2}, true, perTensor(0.05f, 128)));
}

TEST(XnnpackOps, QuantizedDataMovement) {
    const QuantSpec q = perTensor(0.05f, -4);
    expectSameAsBuiltin(B::PAD, pad(TT::INT8, {1, 3, 4, 2}, {0, 0, 1, 1, 2, 0, 0, 0}, std::nullopt, q));
    expectSameAsBuiltin(B::PADV2, pad(TT::INT8, {1, 3, 4, 2}, {0, 0, 1, 1, 2, 0, 0, 0}, 20.f, q));
    expectSameAsBuiltin(B::RESHAPE, [q](SingleOpModel& m) {
        const int x = m.addInput(TT::INT8, {2, 3, 4}, q);
        m.addConstInput(TT::INT32, {2}, std::vector<int32_t>{6, 4});
        m.addOutput(TT::INT8, {}, q);
        return std::vector<int>{x};
    });
    expectSameAsBuiltin(B::RESIZE_BILINEAR, resizeBilinear(TT::INT8, {1, 4, 5, 3}, 8, 10, false, true, q));
    expectSameAsBuiltin(B::RESIZE_BILINEAR, resizeBilinear(TT::INT8, {1, 4, 5, 3}, 7, 9, true, false, q));
}

TEST(XnnpackOps, QuantizedActivations) {
    const QuantSpec q = perTensor(0.05f, -4);
    expectSameAsBuiltin(B::RELU, unary(TT::INT8, {2, 30}, q));
    expectSameAsBuiltin(B::RELU6, unary(TT::UINT8, {2, 30}, perTensor(0.05f, 100)));
    expectSameAsBuiltin(B::LOGISTIC, unary(TT::INT8, {2, 30}, q, perTensor(1.f / 256, -128)));
    expectSameAsBuiltin(B::LOGISTIC,
                        unary(TT::UINT8, {2, 30}, perTensor(0.05f, 128), perTensor(1.f / 256, 0)));
    // This XNNPACK's subgraph has softmax for float only.
    auto softmaxOptions = [](SingleOpModel& m) {
        m.setOptions(fb::BuiltinOptions::SoftmaxOptions,
                     [](Fbb& f) { return fb::CreateSoftmaxOptions(f, 1.f).Union(); });
    };
    expectRefused(B::SOFTMAX,
                  unary(TT::UINT8, {2, 30}, perTensor(0.05f, 128), perTensor(1.f / 256, 0), softmaxOptions),
                  {"UINT8", "unsigned 8-bit SOFTMAX"});
    expectRefused(B::SOFTMAX,
                  unary(TT::INT8, {2, 30}, q, perTensor(1.f / 256, -128),
                        [](SingleOpModel& m) {
                            m.setOptions(fb::BuiltinOptions::SoftmaxOptions,
                                         [](Fbb& f) { return fb::CreateSoftmaxOptions(f, 1.f).Union(); });
                        }),
                  {"INT8", "signed 8-bit SOFTMAX"});
    expectRefused(B::RELU, unary(TT::INT8, {2, 30}, q, perTensor(0.02f, -128)), {"does not requantize"});
}

}  // namespace
}  // namespace litescope::test

// Quantized activations, LEAKY_RELU, PRELU, RSQRT and QUANTIZE's requantization against float maths (within
// one output quantum over every 8-bit input), plus exact values of TFLite's tables and fixed-point steps.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <random>

#include "runtime/kernels/fixed_point_math.h"
#include "tests/support/single_op_model.h"

namespace litescope::test {
namespace {

using B = fb::BuiltinOperator;
using TT = fb::TensorType;

QuantSpec quant(float scale, int64_t zeroPoint) {
    QuantSpec q;
    q.scale = {scale};
    q.zeroPoint = {zeroPoint};
    return q;
}

// Every value of an 8-bit type, in order.
template <typename T>
std::vector<T> allValues() {
    std::vector<T> v;
    for (int32_t x = std::numeric_limits<T>::min(); x <= std::numeric_limits<T>::max(); ++x)
        v.push_back(static_cast<T>(x));
    return v;
}

// Runs a one-input op over every 8-bit input and checks each output against fn applied in double.
template <typename T>
void checkUnary(B op, TT type, QuantSpec in, QuantSpec out, const std::function<double(double)>& fn,
                double tolerance = 1.0, std::function<void(SingleOpModel&)> options = nullptr) {
    SingleOpModel m(op);
    m.addInput(type, {256}, in);
    m.addOutput(type, {}, out);
    if (options) options(m);
    Status s = m.build();
    ASSERT_TRUE(s.isOk()) << s.message();
    const std::vector<T> x = allValues<T>();
    m.setInput(0, x);
    s = m.invoke();
    ASSERT_TRUE(s.isOk()) << s.message();
    const std::vector<T> y = m.output<T>(0);
    for (size_t i = 0; i < x.size(); ++i) {
        const double real = in.scale[0] * (static_cast<double>(x[i]) - static_cast<double>(in.zeroPoint[0]));
        const double q =
            std::clamp(std::round(fn(real) / out.scale[0]) + static_cast<double>(out.zeroPoint[0]),
                       static_cast<double>(std::numeric_limits<T>::min()),
                       static_cast<double>(std::numeric_limits<T>::max()));
        ASSERT_NEAR(static_cast<double>(y[i]), q, tolerance) << "input " << static_cast<int>(x[i]);
    }
}

TEST(ActivationQuant, ReluFamilyRequantizes) {
    auto relu = [](double x) { return std::max(0.0, x); };
    auto relu6 = [](double x) { return std::clamp(x, 0.0, 6.0); };
    auto relu1 = [](double x) { return std::clamp(x, -1.0, 1.0); };
    checkUnary<int8_t>(B::RELU, TT::INT8, quant(0.05f, -10), quant(0.03f, -128), relu);
    checkUnary<uint8_t>(B::RELU, TT::UINT8, quant(0.05f, 128), quant(0.05f, 128), relu);
    checkUnary<int8_t>(B::RELU6, TT::INT8, quant(0.1f, 0), quant(6.f / 255, -128), relu6);
    checkUnary<uint8_t>(B::RELU6, TT::UINT8, quant(0.04f, 100), quant(0.03f, 0), relu6);
    checkUnary<int8_t>(B::RELU_N1_TO_1, TT::INT8, quant(0.02f, 5), quant(1.f / 128, 0), relu1);
}

TEST(ActivationQuant, LogisticAndTanhUseFloatTables) {
    auto sigmoid = [](double x) { return 1.0 / (1.0 + std::exp(-x)); };
    auto tanh = [](double x) { return std::tanh(x); };
    checkUnary<int8_t>(B::LOGISTIC, TT::INT8, quant(0.06f, 3), quant(1.f / 256, -128), sigmoid);
    checkUnary<uint8_t>(B::LOGISTIC, TT::UINT8, quant(0.05f, 128), quant(1.f / 256, 0), sigmoid);
    checkUnary<int8_t>(B::TANH, TT::INT8, quant(0.03f, -2), quant(1.f / 128, 0), tanh);
    checkUnary<uint8_t>(B::TANH, TT::UINT8, quant(0.03f, 128), quant(1.f / 128, 128), tanh);
}

// int16 LOGISTIC and TANH over a sweep of the input range: power-of-two input scales take the fixed-point
// functions, other scales the interpolated table; both stay within a few Q0.15 steps of the real function.
void checkInt16Activation(B op, float inScale, double tolerance) {
    SingleOpModel m(op);
    m.addInput(TT::INT16, {1024}, quant(inScale, 0));
    m.addOutput(TT::INT16, {}, quant(1.f / 32768, 0));
    Status s = m.build();
    ASSERT_TRUE(s.isOk()) << s.message();
    std::vector<int16_t> x(1024);
    for (size_t i = 0; i < x.size(); ++i)
        x[i] = static_cast<int16_t>(-32768 + static_cast<int32_t>(i) * 64 + static_cast<int32_t>(i % 7));
    m.setInput(0, x);
    ASSERT_TRUE(m.invoke().isOk());
    const std::vector<int16_t> y = m.output<int16_t>(0);
    for (size_t i = 0; i < x.size(); ++i) {
        const double real = inScale * x[i];
        const double f = op == B::LOGISTIC ? 1.0 / (1.0 + std::exp(-real)) : std::tanh(real);
        ASSERT_NEAR(y[i], std::clamp(std::round(f * 32768), -32768.0, 32767.0), tolerance)
            << "input " << x[i] << " at scale " << inScale;
    }
}

TEST(ActivationQuant, Int16LogisticAndTanh) {
    // gemmlowp's 16-bit exponential loses steps far from zero (up to about 4e-4 for tanh).
    checkInt16Activation(B::LOGISTIC, 1.f / 4096, 7.0);  // Q3.12, fixed point
    checkInt16Activation(B::TANH, 1.f / 4096, 12.0);     // Q3.12, fixed point
    checkInt16Activation(B::TANH, 1.f / 8192, 12.0);     // Q2.13, shifted into Q3.12
    checkInt16Activation(B::LOGISTIC, 0.0003f, 3.0);     // the table
    checkInt16Activation(B::TANH, 0.0003f, 3.0);
    checkInt16Activation(B::LOGISTIC, 1.f / 1024, 3.0);  // a power of two the fixed-point path cannot take
}

TEST(ActivationQuant, Int16SigmoidTableMatchesTflitesConstants) {
    const auto& t = kernels::sigmoidTable16();
    // Spot values of TFLite's table, including entries that plain rounding of sigmoid(i/24) misses.
    EXPECT_EQ(t[0], 32768);
    EXPECT_EQ(t[1], 33451);
    EXPECT_EQ(t[4], 35493);
    EXPECT_EQ(t[12], 40794);
    EXPECT_EQ(t[46], 57133);
    EXPECT_EQ(t[93], 64204);
    EXPECT_EQ(t[96], 64357);
}

TEST(ActivationQuant, HardSwishWithinOneQuantum) {
    auto hardSwish = [](double x) { return x * std::clamp(x + 3.0, 0.0, 6.0) / 6.0; };
    checkUnary<int8_t>(B::HARD_SWISH, TT::INT8, quant(0.05f, -5), quant(0.04f, -60), hardSwish);
    checkUnary<uint8_t>(B::HARD_SWISH, TT::UINT8, quant(0.1f, 128), quant(0.1f, 40), hardSwish);
    checkUnary<int8_t>(B::HARD_SWISH, TT::INT8, quant(0.02f, 0), quant(0.02f, -40), hardSwish);
}

TEST(ActivationQuant, LeakyReluBothSides) {
    for (float alpha : {0.2f, 0.01f, 1.5f}) {
        auto leaky = [alpha](double x) { return x > 0 ? x : x * alpha; };
        auto options = [alpha](SingleOpModel& m) {
            m.setOptions(fb::BuiltinOptions::LeakyReluOptions, [alpha](flatbuffers::FlatBufferBuilder& f) {
                return fb::CreateLeakyReluOptions(f, alpha).Union();
            });
        };
        checkUnary<int8_t>(B::LEAKY_RELU, TT::INT8, quant(0.05f, 10), quant(0.04f, 20), leaky, 1.0, options);
        checkUnary<uint8_t>(B::LEAKY_RELU, TT::UINT8, quant(0.05f, 128), quant(0.05f, 128), leaky, 1.0,
                            options);
    }
}

TEST(ActivationQuant, LeakyReluInt16) {
    SingleOpModel m(B::LEAKY_RELU);
    m.addInput(TT::INT16, {4}, quant(1.f / 1024, 0));
    m.addOutput(TT::INT16, {}, quant(1.f / 2048, 0));
    m.setOptions(fb::BuiltinOptions::LeakyReluOptions, [](flatbuffers::FlatBufferBuilder& f) {
        return fb::CreateLeakyReluOptions(f, 0.25f).Union();
    });
    ASSERT_TRUE(m.build().isOk());
    m.setInput<int16_t>(0, {100, -100, 20000, -3});
    ASSERT_TRUE(m.invoke().isOk());
    // x2 above zero (saturating), x0.5 below; the high multiply rounds the tie -1.5 upwards.
    EXPECT_EQ(m.output<int16_t>(0), (std::vector<int16_t>{200, -50, 32767, -1}));
}

TEST(ActivationQuant, PreluBroadcastsAlpha) {
    SingleOpModel m(B::PRELU);
    m.addInput(TT::INT8, {2, 3}, quant(0.1f, 2));
    m.addConstInput<int8_t>(TT::INT8, {3}, {10, -20, 64}, quant(1.f / 64, 0));
    m.addOutput(TT::INT8, {}, quant(0.05f, -3));
    ASSERT_TRUE(m.build().isOk());
    const std::vector<int8_t> x = {-60, 50, -18, 2, -128, 127};
    m.setInput(0, x);
    ASSERT_TRUE(m.invoke().isOk());
    const std::vector<int8_t> y = m.output<int8_t>(0);
    const double alpha[3] = {10.0 / 64, -20.0 / 64, 1.0};
    for (size_t i = 0; i < x.size(); ++i) {
        const double real = 0.1 * (x[i] - 2);
        const double r = real >= 0 ? real : real * alpha[i % 3];
        EXPECT_NEAR(y[i], std::clamp(std::round(r / 0.05) - 3, -128.0, 127.0), 1.0) << i;
    }
}

TEST(ActivationQuant, RsqrtInt8AndInt16) {
    auto rsqrt = [](double x) { return x <= 0 ? 1e9 : 1.0 / std::sqrt(x); };
    SingleOpModel m(B::RSQRT);
    m.addInput(TT::INT8, {128}, quant(0.5f, -128));
    m.addOutput(TT::INT8, {}, quant(0.01f, -128));
    ASSERT_TRUE(m.build().isOk());
    std::vector<int8_t> x;
    for (int v = -128; v < 0; ++v)
        x.push_back(static_cast<int8_t>(v));
    m.setInput(0, x);
    ASSERT_TRUE(m.invoke().isOk());
    std::vector<int8_t> y = m.output<int8_t>(0);
    for (size_t i = 0; i < x.size(); ++i) {
        const double q = std::clamp(std::round(rsqrt(0.5 * (x[i] + 128)) / 0.01) - 128, -128.0, 127.0);
        EXPECT_NEAR(y[i], q, 1.0) << "input " << int{x[i]};
    }

    SingleOpModel m16(B::RSQRT);
    m16.addInput(TT::INT16, {5}, quant(1.f / 1024, 0));
    m16.addOutput(TT::INT16, {}, quant(1.f / 4096, 0));
    ASSERT_TRUE(m16.build().isOk());
    m16.setInput<int16_t>(0, {0, 1024, 4096, 256, 32767});
    ASSERT_TRUE(m16.invoke().isOk());
    // 1/sqrt(1) = 1, 1/sqrt(4) = 0.5, 1/sqrt(0.25) = 2, 1/sqrt(32) ~ 0.17678 -> 724.08.
    EXPECT_EQ(m16.output<int16_t>(0), (std::vector<int16_t>{32767, 4096, 2048, 8192, 724}));

    // A value below the zero point has no real square root.
    m16.setInput<int16_t>(0, {-1, 0, 0, 0, 0});
    EXPECT_FALSE(m16.invoke().isOk());
}

TEST(ActivationQuant, QuantizeRequantizesBetweenIntegerTypes) {
    struct Case {
        TT in, out;
        float inScale, outScale;
        int64_t inZero, outZero;
    };
    const Case cases[] = {
        {TT::INT8, TT::UINT8, 0.05f, 0.05f, -3, 125},     // the usual +128 shift
        {TT::UINT8, TT::INT8, 0.02f, 0.03f, 128, 5},      // a real rescale
        {TT::INT8, TT::INT8, 0.02f, 0.0125f, 0, -7},      // same type
        {TT::INT16, TT::INT8, 1.f / 4096, 0.05f, 0, -1},  // narrowing
        {TT::INT16, TT::INT16, 1.f / 4096, 1.f / 1000, 0, 0},
    };
    std::mt19937 rng(3);
    for (const Case& c : cases) {
        SingleOpModel m(B::QUANTIZE);
        m.addInput(c.in, {64}, quant(c.inScale, c.inZero));
        m.addOutput(c.out, {}, quant(c.outScale, c.outZero));
        ASSERT_TRUE(m.build().isOk());
        const bool in16 = c.in == TT::INT16;
        const int32_t lo = c.in == TT::UINT8 ? 0 : (in16 ? -32768 : -128);
        const int32_t hi = c.in == TT::UINT8 ? 255 : (in16 ? 32767 : 127);
        std::vector<int32_t> values(64);
        for (auto& v : values)
            v = lo + static_cast<int32_t>(rng() % static_cast<uint32_t>(hi - lo + 1));
        auto expect = [&](int32_t v, int32_t got) {
            const double real = c.inScale * (v - static_cast<double>(c.inZero));
            const int32_t olo = c.out == TT::UINT8 ? 0 : (c.out == TT::INT16 ? -32768 : -128);
            const int32_t ohi = c.out == TT::UINT8 ? 255 : (c.out == TT::INT16 ? 32767 : 127);
            const double q = std::clamp(std::round(real / c.outScale) + static_cast<double>(c.outZero),
                                        static_cast<double>(olo), static_cast<double>(ohi));
            EXPECT_NEAR(got, q, 1.0) << "input " << v;
        };
        if (in16) {
            std::vector<int16_t> x(values.begin(), values.end());
            m.setInput(0, x);
        } else if (c.in == TT::UINT8) {
            std::vector<uint8_t> x(values.begin(), values.end());
            m.setInput(0, x);
        } else {
            std::vector<int8_t> x(values.begin(), values.end());
            m.setInput(0, x);
        }
        ASSERT_TRUE(m.invoke().isOk());
        for (size_t i = 0; i < values.size(); ++i) {
            int32_t got = 0;
            if (c.out == TT::INT16) got = m.output<int16_t>(0)[i];
            if (c.out == TT::INT8) got = m.output<int8_t>(0)[i];
            if (c.out == TT::UINT8) got = m.output<uint8_t>(0)[i];
            expect(values[i], got);
        }
    }
}

TEST(ActivationQuant, MissingScalesFailCleanly) {
    // A quantized activation without quantization parameters has nothing to requantize with.
    for (B op : {B::RELU, B::HARD_SWISH, B::LOGISTIC, B::LEAKY_RELU}) {
        SingleOpModel m(op);
        m.addInput(TT::UINT8, {3});
        m.addOutput(TT::UINT8);
        Status s = m.build();
        EXPECT_FALSE(s.isOk()) << static_cast<int>(op);
    }
    // Types without an integer kernel say so.
    SingleOpModel exp(B::EXP);
    exp.addInput(TT::INT8, {3}, quant(0.1f, 0));
    exp.addOutput(TT::INT8, {}, quant(0.1f, 0));
    EXPECT_EQ(exp.build().code(), ErrorCode::Unsupported);
}

}  // namespace
}  // namespace litescope::test

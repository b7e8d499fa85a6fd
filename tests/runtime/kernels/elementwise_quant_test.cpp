// Quantized ADD, SUB, MUL, MAXIMUM and MINIMUM against float maths (within one output quantum) on random
// broadcast shapes, plus exact cases of TFLite's integer arithmetic.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

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

template <typename T>
std::vector<T> randomQuantized(std::mt19937& rng, size_t n) {
    std::uniform_int_distribution<int32_t> dist(std::numeric_limits<T>::min(), std::numeric_limits<T>::max());
    std::vector<T> v(n);
    for (auto& x : v)
        x = static_cast<T>(dist(rng));
    return v;
}

struct Params {
    float scaleA, scaleB, scaleOut;
    int64_t zeroA, zeroB, zeroOut;
};

template <typename T>
void checkBinary(B op, TT type, const Params& p, std::vector<int32_t> shapeA, std::vector<int32_t> shapeB,
                 std::mt19937& rng) {
    SingleOpModel m(op);
    m.addInput(type, shapeA, quant(p.scaleA, p.zeroA));
    m.addInput(type, shapeB, quant(p.scaleB, p.zeroB));
    m.addOutput(type, {}, quant(p.scaleOut, p.zeroOut));
    if (op == B::ADD)
        m.setOptions(fb::BuiltinOptions::AddOptions, [](flatbuffers::FlatBufferBuilder& f) {
            return fb::CreateAddOptions(f, fb::ActivationFunctionType::NONE, false).Union();
        });
    if (op == B::SUB)
        m.setOptions(fb::BuiltinOptions::SubOptions, [](flatbuffers::FlatBufferBuilder& f) {
            return fb::CreateSubOptions(f, fb::ActivationFunctionType::NONE, false).Union();
        });
    ASSERT_TRUE(m.build().isOk());
    size_t na = 1, nb = 1;
    for (int32_t d : shapeA)
        na *= static_cast<size_t>(d);
    for (int32_t d : shapeB)
        nb *= static_cast<size_t>(d);
    const std::vector<T> a = randomQuantized<T>(rng, na), b = randomQuantized<T>(rng, nb);
    m.setInput(0, a);
    m.setInput(1, b);
    ASSERT_TRUE(m.invoke().isOk());
    const std::vector<T> y = m.output<T>(0);
    // Shapes here broadcast b along the leading dimensions only: b is the trailing block of a.
    ASSERT_EQ(y.size(), na);
    for (size_t i = 0; i < na; ++i) {
        const double fa = p.scaleA * (static_cast<double>(a[i]) - static_cast<double>(p.zeroA));
        const double fb = p.scaleB * (static_cast<double>(b[i % nb]) - static_cast<double>(p.zeroB));
        double r = 0;
        if (op == B::ADD) r = fa + fb;
        if (op == B::SUB) r = fa - fb;
        if (op == B::MUL) r = fa * fb;
        const double q = std::clamp(r / p.scaleOut + static_cast<double>(p.zeroOut),
                                    static_cast<double>(std::numeric_limits<T>::min()),
                                    static_cast<double>(std::numeric_limits<T>::max()));
        ASSERT_NEAR(static_cast<double>(y[i]), q, 1.0) << "element " << i;
    }
}

TEST(ElementwiseQuant, AddSubMulMatchFloatWithinOneQuantum) {
    std::mt19937 rng(7);
    for (B op : {B::ADD, B::SUB, B::MUL}) {
        const float outScale = op == B::MUL ? 0.5f : 0.05f;
        checkBinary<int8_t>(op, TT::INT8, {0.02f, 0.03f, outScale, -5, 7, 3}, {2, 3, 4}, {2, 3, 4}, rng);
        checkBinary<int8_t>(op, TT::INT8, {0.02f, 0.01f, outScale, 0, -128, 1}, {2, 3, 4}, {4}, rng);
        checkBinary<uint8_t>(op, TT::UINT8, {0.02f, 0.03f, outScale, 128, 120, 130}, {3, 5}, {3, 5}, rng);
        checkBinary<uint8_t>(op, TT::UINT8, {0.1f, 0.1f, outScale * 2, 0, 255, 128}, {2, 2, 5}, {5}, rng);
        const float out16 = op == B::MUL ? 1.f / 64 : 1.f / 4096;
        checkBinary<int16_t>(op, TT::INT16, {1.f / 8192, 1.f / 3000, out16, 0, 0, 0}, {4, 6}, {4, 6}, rng);
        checkBinary<int16_t>(op, TT::INT16, {0.0004f, 0.0003f, out16, 0, 0, 0}, {3, 6}, {6}, rng);
    }
}

// Exact values worked through TFLite's 8-bit ADD: both inputs at 2^20 times their resolution, halved
// multipliers, and the sum's requantization.
TEST(ElementwiseQuant, AddExactValues) {
    SingleOpModel m(B::ADD);
    m.addInput(TT::INT8, {4}, quant(0.5f, 0));
    m.addInput(TT::INT8, {4}, quant(0.5f, 0));
    m.addOutput(TT::INT8, {}, quant(1.f, 0));
    ASSERT_TRUE(m.build().isOk());
    m.setInput<int8_t>(0, {1, 1, -1, 127});
    m.setInput<int8_t>(1, {0, 1, 0, 127});
    ASSERT_TRUE(m.invoke().isOk());
    // 0.5 rounds up, -0.5 rounds to -1 (away from zero), 127 saturates.
    EXPECT_EQ(m.output<int8_t>(0), (std::vector<int8_t>{1, 1, -1, 127}));
}

TEST(ElementwiseQuant, FusedReluClampsAtTheZeroPoint) {
    SingleOpModel m(B::ADD);
    m.addInput(TT::UINT8, {3}, quant(0.1f, 100));
    m.addInput(TT::UINT8, {3}, quant(0.1f, 100));
    m.addOutput(TT::UINT8, {}, quant(0.1f, 50));
    m.setOptions(fb::BuiltinOptions::AddOptions, [](flatbuffers::FlatBufferBuilder& f) {
        return fb::CreateAddOptions(f, fb::ActivationFunctionType::RELU6).Union();
    });
    ASSERT_TRUE(m.build().isOk());
    m.setInput<uint8_t>(0, {0, 110, 200});
    m.setInput<uint8_t>(1, {100, 110, 200});
    ASSERT_TRUE(m.invoke().isOk());
    EXPECT_EQ(m.output<uint8_t>(0), (std::vector<uint8_t>{50, 70, 110}));
}

TEST(ElementwiseQuant, Int16PowerOfTwoAddSaturates) {
    SingleOpModel m(B::ADD);
    m.addInput(TT::INT16, {4}, quant(1.f / 32768, 0));
    m.addInput(TT::INT16, {4}, quant(1.f / 65536, 0));
    m.addOutput(TT::INT16, {}, quant(1.f / 32768, 0));
    ASSERT_TRUE(m.build().isOk());  // pot_scale_int16 defaults to true
    m.setInput<int16_t>(0, {100, 30000, -30000, 0});
    m.setInput<int16_t>(1, {3, 20000, -20000, -3});
    ASSERT_TRUE(m.invoke().isOk());
    // The second input is halved (rounding half away from zero), then the int16 sum saturates.
    EXPECT_EQ(m.output<int16_t>(0), (std::vector<int16_t>{102, 32767, -32768, -2}));
}

TEST(ElementwiseQuant, SquaredDifferenceInt8) {
    std::mt19937 rng(8);
    SingleOpModel m(B::SQUARED_DIFFERENCE);
    m.addInput(TT::INT8, {4, 16}, quant(0.02f, 3));
    m.addInput(TT::INT8, {16}, quant(0.03f, -7));
    m.addOutput(TT::INT8, {}, quant(0.1f, -128));
    ASSERT_TRUE(m.build().isOk());
    const std::vector<int8_t> a = randomQuantized<int8_t>(rng, 64), b = randomQuantized<int8_t>(rng, 16);
    m.setInput(0, a);
    m.setInput(1, b);
    ASSERT_TRUE(m.invoke().isOk());
    const std::vector<int8_t> y = m.output<int8_t>(0);
    for (size_t i = 0; i < a.size(); ++i) {
        const double d = 0.02 * (a[i] - 3) - 0.03 * (b[i % 16] + 7);
        ASSERT_NEAR(y[i], std::clamp(std::round(d * d / 0.1) - 128, -128.0, 127.0), 1.0) << i;
    }
    // uint8 has no integer kernel in TFLite.
    SingleOpModel u(B::SQUARED_DIFFERENCE);
    u.addInput(TT::UINT8, {2}, quant(0.1f, 0));
    u.addInput(TT::UINT8, {2}, quant(0.1f, 0));
    u.addOutput(TT::UINT8, {}, quant(0.1f, 0));
    EXPECT_EQ(u.build().code(), ErrorCode::Unsupported);
}

TEST(ElementwiseQuant, MaximumMinimumCompareStoredValues) {
    for (B op : {B::MAXIMUM, B::MINIMUM}) {
        SingleOpModel m(op);
        m.addInput(TT::INT8, {2, 2}, quant(0.1f, 3));
        m.addInput(TT::INT8, {2}, quant(0.1f, 3));
        m.addOutput(TT::INT8, {}, quant(0.1f, 3));
        ASSERT_TRUE(m.build().isOk());
        m.setInput<int8_t>(0, {-5, 7, 100, -128});
        m.setInput<int8_t>(1, {0, 10});
        ASSERT_TRUE(m.invoke().isOk());
        const std::vector<int8_t> expected =
            op == B::MAXIMUM ? std::vector<int8_t>{0, 10, 100, 10} : std::vector<int8_t>{-5, 7, 0, -128};
        EXPECT_EQ(m.output<int8_t>(0), expected);
    }
}

}  // namespace
}  // namespace litescope::test

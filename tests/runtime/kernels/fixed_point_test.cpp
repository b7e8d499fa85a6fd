// The fixed-point unit against hand-derived values and against exact 128-bit / long-double arithmetic over
// random operands.
#include "runtime/kernels/fixed_point.h"

#include <gtest/gtest.h>

#include <random>

namespace litescope::kernels {
namespace {

TEST(FixedPoint, QuantizeMultiplierDecomposesExactly) {
    // 0.5 = 2^30 * 2^(0-31)... written as significand 0.5, exponent 0.
    EXPECT_EQ(quantizeMultiplier(0.5).multiplier, 1 << 30);
    EXPECT_EQ(quantizeMultiplier(0.5).shift, 0);
    EXPECT_EQ(quantizeMultiplier(1.0).multiplier, 1 << 30);
    EXPECT_EQ(quantizeMultiplier(1.0).shift, 1);
    EXPECT_EQ(quantizeMultiplier(0.25).shift, -1);
    EXPECT_EQ(quantizeMultiplier(0.0).multiplier, 0);
    // A significand that rounds up to 1.0 carries into the exponent.
    const QuantizedMultiplier nearOne = quantizeMultiplier(1.0 - 1e-12);
    EXPECT_EQ(nearOne.multiplier, 1 << 30);
    EXPECT_EQ(nearOne.shift, 1);
    // Below 2^-31 everything is flushed to zero.
    EXPECT_EQ(quantizeMultiplier(1e-12).multiplier, 0);
    EXPECT_EQ(quantizeMultiplier(1e-12).shift, 0);
    // Random multipliers come back within the 31-bit rounding.
    std::mt19937_64 rng(7);
    std::uniform_real_distribution<double> exponent(-20, 10);
    for (int i = 0; i < 10000; ++i) {
        const double m = std::exp2(exponent(rng));
        const QuantizedMultiplier q = quantizeMultiplier(m);
        ASSERT_GE(q.multiplier, 1 << 30);
        const double back = std::ldexp(static_cast<double>(q.multiplier), q.shift - 31);
        ASSERT_NEAR(back / m, 1.0, std::ldexp(1.0, -30));
    }
}

TEST(FixedPoint, SaturatingRoundingDoublingHighMul) {
    const int32_t min = std::numeric_limits<int32_t>::min(), max = std::numeric_limits<int32_t>::max();
    EXPECT_EQ(saturatingRoundingDoublingHighMul(min, min), max);
    EXPECT_EQ(saturatingRoundingDoublingHighMul(1 << 30, 1 << 30), 1 << 29);  // 0.5 * 0.5
    // gemmlowp's nudge then truncation rounds halves upwards: 1.5 -> 2 but -1.5 -> -1.
    EXPECT_EQ(saturatingRoundingDoublingHighMul(3, 1 << 30), 2);
    EXPECT_EQ(saturatingRoundingDoublingHighMul(-3, 1 << 30), -1);
    EXPECT_EQ(saturatingRoundingDoublingHighMul(1, 1 << 30), 1);
    EXPECT_EQ(saturatingRoundingDoublingHighMul(-1, 1 << 30), 0);
    std::mt19937 rng(11);
    for (int i = 0; i < 100000; ++i) {
        const auto a = static_cast<int32_t>(rng()), b = static_cast<int32_t>(rng());
        if (a == min && b == min) continue;
        const long double exact = static_cast<long double>(a) * b / 2147483648.0L;
        const auto expected = static_cast<int32_t>(std::floor(exact + 0.5L));
        ASSERT_EQ(saturatingRoundingDoublingHighMul(a, b), expected) << a << " * " << b;
    }
}

TEST(FixedPoint, RoundingDivideByPot) {
    EXPECT_EQ(roundingDivideByPot(5, 1), 3);    // 2.5 -> 3
    EXPECT_EQ(roundingDivideByPot(-5, 1), -3);  // -2.5 -> -3
    EXPECT_EQ(roundingDivideByPot(7, 2), 2);    // 1.75
    EXPECT_EQ(roundingDivideByPot(-7, 2), -2);
    EXPECT_EQ(roundingDivideByPot(6, 2), 2);  // 1.5 -> 2
    EXPECT_EQ(roundingDivideByPot(-6, 2), -2);
    EXPECT_EQ(roundingDivideByPot(123, 0), 123);
    std::mt19937 rng(3);
    for (int i = 0; i < 100000; ++i) {
        const auto x = static_cast<int32_t>(rng());
        const int e = static_cast<int>(rng() % 31);
        const long double exact = std::ldexp(static_cast<long double>(x), -e);
        const auto expected = static_cast<int32_t>(exact >= 0 ? std::floor(exact + 0.5L) : std::ceil(exact - 0.5L));
        ASSERT_EQ(roundingDivideByPot(x, e), expected) << x << " >> " << e;
    }
}

TEST(FixedPoint, RequantizationFollowsTheRealMultiplier) {
    // Double rounding may differ from one exact rounding by one, never more.
    std::mt19937 rng(5);
    std::uniform_real_distribution<double> exponent(-16, 2);
    for (int i = 0; i < 50000; ++i) {
        const double m = std::exp2(exponent(rng));
        const QuantizedMultiplier q = quantizeMultiplier(m);
        const auto x = static_cast<int32_t>(static_cast<int32_t>(rng()) >> 8);
        const double exact = x * std::ldexp(static_cast<double>(q.multiplier), q.shift - 31);
        ASSERT_LE(std::abs(multiplyByQuantizedMultiplier(x, q) - exact), 1.0) << x << " * " << m;
    }
    // Known value: 1000 * 0.1 = 100.
    EXPECT_EQ(multiplyByQuantizedMultiplier(int32_t{1000}, quantizeMultiplier(0.1)), 100);
    EXPECT_EQ(multiplyByQuantizedMultiplier(int32_t{-1000}, quantizeMultiplier(0.1)), -100);
    EXPECT_EQ(multiplyByQuantizedMultiplier(int64_t{1000}, quantizeMultiplier(0.1)), 100);
    EXPECT_EQ(multiplyByQuantizedMultiplier(int64_t{-1000}, quantizeMultiplier(0.1)), -100);
}

TEST(FixedPoint, ActivationRanges) {
    using fb::ActivationFunctionType;
    // uint8 with scale 6/255, zero point 0: RELU6 clamps at 255.
    QuantizedRange r = quantizedActivationRange(ActivationFunctionType::RELU6, TensorType::UInt8, 6.f / 255, 0);
    EXPECT_EQ(r.min, 0);
    EXPECT_EQ(r.max, 255);
    // int8 with scale 0.1, zero point -10: RELU starts at the zero point, RELU6 ends at 50.
    r = quantizedActivationRange(ActivationFunctionType::RELU6, TensorType::Int8, 0.1f, -10);
    EXPECT_EQ(r.min, -10);
    EXPECT_EQ(r.max, 50);
    r = quantizedActivationRange(ActivationFunctionType::RELU_N1_TO_1, TensorType::Int8, 0.1f, 0);
    EXPECT_EQ(r.min, -10);
    EXPECT_EQ(r.max, 10);
    r = quantizedActivationRange(ActivationFunctionType::NONE, TensorType::Int16, 0.1f, 0);
    EXPECT_EQ(r.min, -32768);
    EXPECT_EQ(r.max, 32767);
}

}  // namespace
}  // namespace litescope::kernels

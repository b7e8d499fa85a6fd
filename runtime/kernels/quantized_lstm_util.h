// The fixed-point maths of TensorFlow Lite's quantized recurrent kernels: gemmlowp's 16-bit
// FixedPoint<int16_t, N> sigmoid and tanh and the integer layer normalization of the 8x8_16 LSTM, and the
// per-row input quantization of the hybrid LSTM and SVDF. Values wrap, saturate and round exactly where
// TFLite's portable tensor utilities do, so integer results are bit-identical.
#pragma once

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>

#include "runtime/kernels/fixed_point.h"

namespace litescope::kernels::q16 {

// Two's complement wrap to 16 bits, as gemmlowp's int16 Add, Sub and Neg do.
inline int16_t wrap(int32_t v) {
    return static_cast<int16_t>(static_cast<uint16_t>(static_cast<uint32_t>(v) & 0xFFFFu));
}

inline int16_t saturate(int32_t v) {
    return static_cast<int16_t>(std::clamp(v, -32768, 32767));
}

// (a * b * 2) >> 16 rounded to nearest, halves away from zero; MIN * MIN saturates.
inline int16_t mul(int16_t a, int16_t b) {
    if (a == b && a == -32768) return 32767;
    const int32_t ab = static_cast<int32_t>(a) * static_cast<int32_t>(b);
    const int32_t nudge = ab >= 0 ? (1 << 14) : (1 - (1 << 14));
    return wrap((ab + nudge) / (1 << 15));
}

inline int16_t divideByPot(int16_t x, int exponent) {
    return static_cast<int16_t>(roundingDivideByPot(x, exponent));
}

// x * 2^exponent: a saturating left shift, or a rounding right shift.
inline int16_t multiplyByPot(int16_t x, int exponent) {
    if (exponent == 0) return x;
    if (exponent < 0) return divideByPot(x, -exponent);
    const int32_t threshold = (1 << (15 - exponent)) - 1;
    if (x > threshold) return 32767;
    if (x < -threshold) return -32768;
    return wrap(static_cast<int32_t>(x) * (1 << exponent));
}

// A raw value moved from `fromBits` to `toBits` integer bits.
inline int16_t rescale(int16_t x, int fromBits, int toBits) {
    return multiplyByPot(x, fromBits - toBits);
}

// gemmlowp writes its constants as Q0.31 raw values; at 16 bits they are rounded to the top half.
inline int16_t constant(int32_t raw32) {
    return static_cast<int16_t>(roundingDivideByPot(raw32, 16));
}

inline int16_t roundingHalfSum(int16_t a, int16_t b) {
    const int32_t sum = static_cast<int32_t>(a) + static_cast<int32_t>(b);
    return static_cast<int16_t>((sum + (sum >= 0 ? 1 : -1)) / 2);
}

// exp(a) for a in [-1/4, 0), Q0.15 in and out: a Taylor expansion around -1/8.
inline int16_t expOnIntervalBetweenNegativeOneQuarterAnd0Excl(int16_t a) {
    const int16_t constantTerm = constant(1895147668);
    const int16_t oneThird = constant(715827883);
    const int16_t x = wrap(a + (1 << 12));
    const int16_t x2 = mul(x, x);
    const int16_t x3 = mul(x2, x);
    const int16_t x4 = mul(x2, x2);
    const int16_t x4Over4 = divideByPot(x4, 2);
    const int16_t poly = divideByPot(wrap(mul(wrap(x4Over4 + x3), oneThird) + x2), 1);
    return saturate(static_cast<int32_t>(constantTerm) + mul(constantTerm, wrap(x + poly)));
}

// exp(a) for a <= 0 with `integerBits` integer bits, Q0.15 out.
inline int16_t expOnNegativeValues(int16_t a, int integerBits) {
    const int fractionalBits = 15 - integerBits;
    const int32_t oneQuarter = int32_t{1} << (fractionalBits - 2);
    const int32_t mask = oneQuarter - 1;
    const int16_t aModQuarterMinusQuarter = wrap((a & mask) - oneQuarter);
    int16_t result =
        expOnIntervalBetweenNegativeOneQuarterAnd0Excl(rescale(aModQuarterMinusQuarter, integerBits, 0));
    const int16_t remainder = wrap(aModQuarterMinusQuarter - a);
    // exp(-2^e) for e = -2..4, as Q0.31.
    static constexpr int32_t kMultipliers[] = {1672461947, 1302514674, 790015084, 290630308,
                                               39332535,   720401,     242};
    for (int e = -2; e <= 4; ++e) {
        if (integerBits <= e) continue;
        const int shift = fractionalBits + e;
        if (remainder & (1 << shift)) result = mul(result, constant(kMultipliers[e + 2]));
    }
    if (integerBits > 5) {
        const int16_t clampAt = constant(-(int32_t{1} << (36 - integerBits)));
        if (a < clampAt) result = 0;
    }
    if (a == 0) result = 32767;
    return result;
}

// Newton-Raphson refinement of 1 / (1 + a) (a in [0, 1], Q0.15), left in Q2.13.
inline int16_t reciprocalOfOnePlusQ2(int16_t a, int16_t& halfDenominator) {
    halfDenominator = roundingHalfSum(a, 32767);
    const int16_t c48Over17 = constant(1515870810);
    const int16_t cNeg32Over17 = constant(-1010580540);
    int16_t x = wrap(c48Over17 + mul(halfDenominator, cNeg32Over17));
    for (int i = 0; i < 3; ++i) {
        const int16_t halfDenominatorTimesX = mul(halfDenominator, x);
        const int16_t oneMinus = wrap((1 << 13) - halfDenominatorTimesX);
        x = wrap(x + rescale(mul(x, oneMinus), 4, 2));
    }
    return x;
}

inline int16_t oneOverOnePlusX(int16_t a) {
    int16_t half = 0;
    const int16_t x = reciprocalOfOnePlusQ2(a, half);
    return rescale(x, 1, 0);
}

inline int16_t oneMinusXOverOnePlusX(int16_t a) {
    int16_t half = 0;
    const int16_t x = reciprocalOfOnePlusQ2(a, half);
    return rescale(wrap(x - (1 << 13)), 2, 0);
}

// The logistic of a raw value with `integerBits` integer bits, Q0.15 out.
inline int16_t logistic(int16_t a, int integerBits) {
    if (a == 0) return 1 << 14;
    const bool positive = a > 0;
    const int16_t absolute = positive ? a : wrap(-a);
    const int16_t ifPositive = oneOverOnePlusX(expOnNegativeValues(wrap(-absolute), integerBits));
    return positive ? ifPositive : wrap(32767 - ifPositive);
}

// tanh of a raw value with `integerBits` integer bits, Q0.15 out.
inline int16_t tanh(int16_t a, int integerBits) {
    if (a == 0) return 0;
    const bool negative = a < 0;
    const int16_t n = negative ? a : wrap(-a);
    const int16_t t = oneMinusXOverOnePlusX(expOnNegativeValues(n, integerBits + 1));
    return negative ? wrap(-t) : t;
}

// 1 / sqrt(input) as a multiplier and a right shift (TFLite's GetInvSqrtQuantizedMultiplierExp with
// reverse_shift -1): a Newton-Raphson iteration in 32-bit Q3.28 on the input brought into [2^27, 2^29).
inline QuantizedMultiplier inverseSqrtMultiplier(int32_t input) {
    if (input <= 1) return {std::numeric_limits<int32_t>::max(), 0};
    int shift = 11;
    while (input >= (1 << 29)) {
        input /= 4;
        ++shift;
    }
    const int maxLeftShiftBits = std::countl_zero(static_cast<uint32_t>(input)) - 1;
    const int leftShiftBitPairs = maxLeftShiftBits / 2 - 1;
    shift -= leftShiftBitPairs;
    input <<= 2 * leftShiftBitPairs;
    // Saturating left shift of a 32-bit raw value.
    auto shiftLeft = [](int32_t x, int e) {
        const int32_t threshold = (int32_t{1} << (31 - e)) - 1;
        if (x > threshold) return std::numeric_limits<int32_t>::max();
        if (x < -threshold) return std::numeric_limits<int32_t>::min();
        return static_cast<int32_t>(static_cast<uint32_t>(x) << e);
    };
    const int32_t x0 = input >> 1;  // Q3.28
    const int32_t halfInput = roundingDivideByPot(x0, 1);
    const int32_t halfThree = (1 << 28) + (1 << 27);
    int32_t x = 1 << 28;
    for (int i = 0; i < 5; ++i) {
        const int32_t x3 =
            shiftLeft(saturatingRoundingDoublingHighMul(saturatingRoundingDoublingHighMul(x, x), x), 6);
        const auto diff =
            static_cast<int32_t>(static_cast<uint32_t>(saturatingRoundingDoublingHighMul(halfThree, x)) -
                                 static_cast<uint32_t>(saturatingRoundingDoublingHighMul(halfInput, x3)));
        x = shiftLeft(diff, 3);
    }
    x = saturatingRoundingDoublingHighMul(x, 1518500250);  // times sqrt(2) / 2
    if (shift < 0) {
        x = static_cast<int32_t>(static_cast<uint32_t>(x) << -shift);
        shift = 0;
    }
    return {x, -shift};
}

// TFLite's integer layer normalization of one row of n gate values in place: mean and variance in
// fixed point (scaled by 2^10 and 2^20), the coefficients and bias applied, the result rescaled to Q3.12.
inline void layerNorm(int16_t* row, int n, const int16_t* weights, const int32_t* bias,
                      QuantizedMultiplier scale, int32_t varianceGuard) {
    constexpr int kTwoToPower20 = 1 << 20;
    int64_t sum = 0, sumSquares = 0;
    for (int j = 0; j < n; ++j) {
        const int32_t v = row[j];
        sum += v;
        sumSquares += v * v;
    }
    const auto mean = static_cast<int32_t>(sum * 1024 / n);
    const int32_t step = kTwoToPower20 / n;
    const int64_t variance = sumSquares * step - static_cast<int64_t>(mean) * static_cast<int64_t>(mean);
    auto variance2 = static_cast<int32_t>(variance / kTwoToPower20);
    if (variance2 < 1) variance2 = varianceGuard;
    const QuantizedMultiplier inverse = inverseSqrtMultiplier(variance2);
    const QuantizedMultiplier outScale{scale.multiplier, scale.shift + 12};
    for (int j = 0; j < n; ++j) {
        const int32_t shifted = 1024 * static_cast<int32_t>(row[j]) - mean;
        const int32_t rescaled = multiplyByQuantizedMultiplier(shifted, inverse);
        // TFLite forms this product and sum in 32 bits before widening.
        const int64_t weighted =
            static_cast<int32_t>(static_cast<uint32_t>(rescaled) * static_cast<uint32_t>(weights[j]) +
                                 static_cast<uint32_t>(bias[j]));
        const auto quarter = static_cast<int32_t>((weighted > 0 ? weighted + 512 : weighted - 512) / 1024);
        row[j] = saturate(multiplyByQuantizedMultiplier(quarter, outScale));
    }
}

}  // namespace litescope::kernels::q16

namespace litescope::kernels::q8 {

// How a hybrid kernel quantized one float row: real = scale * (q - zeroPoint).
struct RowQuantization {
    float scale = 1.f;
    int32_t zeroPoint = 0;
};

// TFLite's per-row input quantization for hybrid kernels: symmetric to [-127, 127] by the largest magnitude,
// or asymmetric to [-128, 127] over [min(0, lo), max(0, hi)] with a nudged zero point (in double, as TFLite).
inline RowQuantization quantizeRow(const float* values, int n, bool asymmetric, int8_t* out) {
    RowQuantization r;
    if (n <= 0) return r;
    const auto [lo, hi] = std::minmax_element(values, values + n);
    if (!asymmetric) {
        const float range = std::max(std::abs(*lo), std::abs(*hi));
        if (range == 0) {
            std::fill_n(out, n, int8_t{0});
            return r;
        }
        r.scale = range / 127;
        const float inverse = 127 / range;
        for (int i = 0; i < n; ++i) {
            const auto q = static_cast<int32_t>(std::round(values[i] * inverse));
            out[i] = static_cast<int8_t>(std::clamp(q, -127, 127));
        }
        return r;
    }
    const auto rmin = static_cast<double>(std::min(0.f, *lo));
    const auto rmax = static_cast<double>(std::max(0.f, *hi));
    if (rmin == rmax) {
        std::fill_n(out, n, int8_t{0});
        return r;
    }
    const double qmin = -128, qmax = 127;
    const double scale = (rmax - rmin) / (qmax - qmin);
    const double fromMin = qmin - rmin / scale, fromMax = qmax - rmax / scale;
    const double fromMinError = std::abs(qmin) + std::abs(rmin / scale);
    const double fromMaxError = std::abs(qmax) + std::abs(rmax / scale);
    const double zeroPoint = fromMinError < fromMaxError ? fromMin : fromMax;
    if (zeroPoint <= qmin)
        r.zeroPoint = -128;
    else if (zeroPoint >= qmax)
        r.zeroPoint = 127;
    else
        r.zeroPoint = static_cast<int8_t>(std::round(zeroPoint));
    r.scale = static_cast<float>(scale);
    const float inverse = 1.f / r.scale;
    for (int i = 0; i < n; ++i) {
        const auto q =
            static_cast<int32_t>(std::round(static_cast<float>(r.zeroPoint) + values[i] * inverse));
        out[i] = static_cast<int8_t>(std::clamp(q, -128, 127));
    }
    return r;
}

}  // namespace litescope::kernels::q8

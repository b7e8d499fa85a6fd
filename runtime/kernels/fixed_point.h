// TensorFlow Lite's integer arithmetic, in one place for every quantized kernel: multipliers and shifts
// derived from float scales, the rounding doubling high multiply and rounding right shift that requantize an
// int32 accumulator, and the clamping range of fused activations. Quantized outputs are bit-identical to
// TFLite's only if every kernel uses exactly these (TFLite 2.x with its default double rounding).
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>

#include "format/tflite_generated.h"
#include "runtime/tensor_type.h"

namespace litescope::kernels {

// A real multiplier M as multiplier * 2^(shift - 31), multiplier in [2^30, 2^31) (Q0.31), or 0.
struct QuantizedMultiplier {
    int32_t multiplier = 0;
    int shift = 0;  // > 0: left shift, < 0: right shift
};

// frexp-based decomposition as TFLite's QuantizeMultiplier: round the significand to 31 bits, carry a
// rounded-up 1.0 into the exponent, flush multipliers below 2^-31 to zero.
inline QuantizedMultiplier quantizeMultiplier(double realMultiplier) {
    QuantizedMultiplier q;
    if (realMultiplier == 0.0) return q;
    int shift = 0;
    const double significand = std::frexp(realMultiplier, &shift);
    auto fixed = static_cast<int64_t>(std::round(significand * static_cast<double>(int64_t{1} << 31)));
    if (fixed == (int64_t{1} << 31)) {
        fixed /= 2;
        ++shift;
    }
    if (shift < -31) {
        shift = 0;
        fixed = 0;
    }
    q.multiplier = static_cast<int32_t>(fixed);
    q.shift = shift;
    return q;
}

// (a * b * 2) >> 32 rounded to nearest, halves upwards (gemmlowp's nudge then truncation toward zero: 1.5 -> 2
// but -1.5 -> -1); the one overflow (MIN * MIN) saturates.
inline int32_t saturatingRoundingDoublingHighMul(int32_t a, int32_t b) {
    if (a == b && a == std::numeric_limits<int32_t>::min()) return std::numeric_limits<int32_t>::max();
    const int64_t ab = static_cast<int64_t>(a) * static_cast<int64_t>(b);
    const int64_t nudge = ab >= 0 ? (int64_t{1} << 30) : (1 - (int64_t{1} << 30));
    return static_cast<int32_t>((ab + nudge) / (int64_t{1} << 31));
}

// x / 2^exponent rounded to nearest, ties away from zero (exponent in [0, 31]).
inline int32_t roundingDivideByPot(int32_t x, int exponent) {
    const int32_t mask = static_cast<int32_t>((int64_t{1} << exponent) - 1);
    const int32_t remainder = x & mask;
    const int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
    return (x >> exponent) + (remainder > threshold ? 1 : 0);
}

// Requantizes an int32 accumulator: x * M with TFLite's double rounding (left shift first, then the high
// multiply, then the rounding right shift).
inline int32_t multiplyByQuantizedMultiplier(int32_t x, QuantizedMultiplier m) {
    const int leftShift = m.shift > 0 ? m.shift : 0;
    const int rightShift = m.shift > 0 ? 0 : -m.shift;
    const auto shifted = static_cast<int32_t>(static_cast<uint32_t>(x) << leftShift);
    return roundingDivideByPot(saturatingRoundingDoublingHighMul(shifted, m.multiplier), rightShift);
}

// The int64 accumulator version used by the 16x8 kernels: the multiplier reduced to 16 bits, one rounding.
inline int32_t multiplyByQuantizedMultiplier(int64_t x, QuantizedMultiplier m) {
    const int32_t reduced =
        m.multiplier < 0x7FFF0000 ? ((m.multiplier + (1 << 15)) >> 16) : 0x7FFF;
    const int totalShift = 15 - m.shift;
    const int64_t rounded = x * static_cast<int64_t>(reduced) + (int64_t{1} << (totalShift - 1));
    return static_cast<int32_t>(rounded >> totalShift);
}

// The two older entry points some kernels (elementwise, softmax, LSTM) still use in TFLite; both keep
// their own rounding order, which differs from multiplyByQuantizedMultiplier's in the last bit.
inline int32_t multiplyByQuantizedMultiplierSmallerThanOneExp(int32_t x, QuantizedMultiplier m) {
    return roundingDivideByPot(saturatingRoundingDoublingHighMul(x, m.multiplier), -m.shift);
}
inline int32_t multiplyByQuantizedMultiplierGreaterThanOne(int32_t x, QuantizedMultiplier m) {
    return saturatingRoundingDoublingHighMul(static_cast<int32_t>(static_cast<uint32_t>(x) << m.shift),
                                             m.multiplier);
}

// The integer range of a quantized type.
struct QuantizedRange {
    int32_t min = 0;
    int32_t max = 0;
};
inline QuantizedRange quantizedRange(TensorType type) {
    switch (type) {
        case TensorType::Int8: return {-128, 127};
        case TensorType::UInt8: return {0, 255};
        case TensorType::Int16: return {-32768, 32767};
        case TensorType::Int4: return {-8, 7};
        case TensorType::Int32: return {std::numeric_limits<int32_t>::min(), std::numeric_limits<int32_t>::max()};
        default: return {0, 0};
    }
}

// zero_point + round(x / scale), computed in float as TFLite does.
inline int32_t quantizeToInt(float x, float scale, int32_t zeroPoint) {
    return zeroPoint + static_cast<int32_t>(std::round(x / scale));
}

// The clamp a fused activation becomes on a quantized output (TFLite's CalculateActivationRangeQuantized).
inline QuantizedRange quantizedActivationRange(fb::ActivationFunctionType activation, TensorType type,
                                               float scale, int32_t zeroPoint) {
    const QuantizedRange full = quantizedRange(type);
    QuantizedRange r = full;
    auto q = [&](float x) { return quantizeToInt(x, scale, zeroPoint); };
    switch (activation) {
        case fb::ActivationFunctionType::RELU:
            r.min = std::max(full.min, q(0.f));
            break;
        case fb::ActivationFunctionType::RELU6:
            r.min = std::max(full.min, q(0.f));
            r.max = std::min(full.max, q(6.f));
            break;
        case fb::ActivationFunctionType::RELU_N1_TO_1:
            r.min = std::max(full.min, q(-1.f));
            r.max = std::min(full.max, q(1.f));
            break;
        default:
            break;
    }
    return r;
}

}  // namespace litescope::kernels

// Fixed-point maths beyond requantization that TFLite's quantized activations and normalizations are built
// on: 16-bit variants of the rounding high multiply, saturating power-of-two shifts, the inverse square root
// multiplier of L2 normalization, the float lookup tables of the 8-bit LOGISTIC, TANH and SOFTMAX and the
// interpolated table of the int16 LOGISTIC and TANH. Every
// function keeps TFLite 2.8's rounding order, so kernels built on them stay bit-identical.
#pragma once

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>

#include "runtime/kernels/fixed_point.h"

namespace litescope::kernels {

// Whether a tensor's scale can take part in requantization: a quantized kernel given a tensor without one
// (or with a zero, negative or non-finite one) must fail at prepare instead of deriving garbage multipliers.
inline bool usableScale(float scale) {
    return std::isfinite(scale) && scale > 0.f;
}

// The 16-bit rounding doubling high multiply: (a * b * 2) >> 16 rounded, halves upwards; MIN * MIN saturates.
inline int16_t saturatingRoundingDoublingHighMul16(int16_t a, int16_t b) {
    if (a == b && a == std::numeric_limits<int16_t>::min()) return std::numeric_limits<int16_t>::max();
    const int32_t ab = static_cast<int32_t>(a) * static_cast<int32_t>(b);
    const int32_t nudge = ab >= 0 ? (1 << 14) : (1 - (1 << 14));
    return static_cast<int16_t>((ab + nudge) / (1 << 15));
}

// The same product truncated toward zero rather than rounded (TFLite's SaturatingDoublingHighMul).
inline int16_t saturatingDoublingHighMul16(int16_t a, int16_t b) {
    if (a == b && a == std::numeric_limits<int16_t>::min()) return std::numeric_limits<int16_t>::max();
    const int32_t ab = static_cast<int32_t>(a) * static_cast<int32_t>(b);
    return static_cast<int16_t>(ab / (1 << 15));
}

inline int16_t roundingDivideByPot16(int16_t x, int exponent) {
    return static_cast<int16_t>(roundingDivideByPot(static_cast<int32_t>(x), exponent));
}

inline int16_t saturatingLeftShift16(int16_t x, int shift) {
    const int32_t wide = static_cast<int32_t>(x) * (1 << shift);
    return static_cast<int16_t>(
        std::clamp<int32_t>(wide, std::numeric_limits<int16_t>::min(), std::numeric_limits<int16_t>::max()));
}

// x * 2^exponent for a Q-format int32 value: saturating for left shifts, rounding for right shifts.
inline int32_t saturatingRoundingMultiplyByPot(int32_t x, int exponent) {
    if (exponent == 0) return x;
    if (exponent < 0) return roundingDivideByPot(x, -exponent);
    const int32_t threshold = static_cast<int32_t>((int64_t{1} << (31 - exponent)) - 1);
    if (x > threshold) return std::numeric_limits<int32_t>::max();
    if (x < -threshold) return std::numeric_limits<int32_t>::min();
    return static_cast<int32_t>(static_cast<uint32_t>(x) << exponent);
}

// TFLite's GetInvSqrtQuantizedMultiplierExp: 1/sqrt(input) as a Q0.31 multiplier and a shift, found with
// five Newton-Raphson steps in Q3.28. `reverseShift` -1 gives the shift as a left shift (<= 0).
inline QuantizedMultiplier invSqrtQuantizedMultiplier(int32_t input, int reverseShift) {
    QuantizedMultiplier result;
    if (input <= 1) {
        // 0 and 1 would overflow the iteration; TFLite treats both as 1.
        result.multiplier = std::numeric_limits<int32_t>::max();
        result.shift = 0;
        return result;
    }
    int shift = 11;
    while (input >= (1 << 29)) {
        input /= 4;
        ++shift;
    }
    const int maxLeftShiftBits = std::countl_zero(static_cast<uint32_t>(input)) - 1;
    const int leftShiftBitPairs = maxLeftShiftBits / 2 - 1;
    shift -= leftShiftBitPairs;
    input <<= 2 * leftShiftBitPairs;
    // Q3.28 values; a product of Qa and Qb is Q(a+b) and is brought back with a power-of-two rescale.
    const int32_t fixedInput = input >> 1;
    const int32_t halfInput = roundingDivideByPot(fixedInput, 1);
    const int32_t halfThree = (1 << 28) + (1 << 27);
    int32_t x = 1 << 28;
    for (int i = 0; i < 5; ++i) {
        const int32_t x2 = saturatingRoundingDoublingHighMul(x, x);  // Q6
        const int32_t x3 =
            saturatingRoundingMultiplyByPot(saturatingRoundingDoublingHighMul(x2, x), 6);  // Q3
        const int32_t a = saturatingRoundingDoublingHighMul(halfThree, x);                 // Q6
        const int32_t b = saturatingRoundingDoublingHighMul(halfInput, x3);                // Q6
        const auto diff = static_cast<int32_t>(static_cast<uint32_t>(a) - static_cast<uint32_t>(b));
        x = saturatingRoundingMultiplyByPot(diff, 3);
    }
    constexpr int32_t kHalfSqrt2 = 1518500250;  // sqrt(2)/2 in Q0.31
    x = saturatingRoundingDoublingHighMul(x, kHalfSqrt2);
    if (shift < 0) {
        x = static_cast<int32_t>(static_cast<uint32_t>(x) << -shift);
        shift = 0;
    }
    result.multiplier = x;
    result.shift = shift * reverseShift;
    return result;
}

// The 256-entry table TFLite's 8-bit LOGISTIC and TANH look values up in: dequantize in float, apply the
// function in float, requantize with std::round. Indexed by the stored byte.
template <typename T, typename Fn>
void populateLookupTable(uint8_t (&table)[256], float inputScale, int32_t inputZeroPoint, float outputScale,
                         int32_t outputZeroPoint, Fn&& transform) {
    const float inverseScale = 1.f / outputScale;
    const int32_t lo = std::numeric_limits<T>::min(), hi = std::numeric_limits<T>::max();
    for (int32_t v = lo; v <= hi; ++v) {
        const float dequantized = inputScale * static_cast<float>(v - inputZeroPoint);
        const float transformed = transform(dequantized);
        const float rescaled = std::round(transformed * inverseScale);
        const auto quantized = static_cast<int32_t>(rescaled + static_cast<float>(outputZeroPoint));
        table[static_cast<uint8_t>(static_cast<T>(v))] =
            static_cast<uint8_t>(static_cast<T>(std::max(std::min(hi, quantized), lo)));
    }
}

// TFLite's softmax table for 8-bit inputs: entry 255 - d holds exp(-inputScale * beta * d), d being the
// distance from the row's maximum in quanta.
inline void populateSoftmaxTable(float (&table)[256], float inputScale, float beta) {
    const float scale = -inputScale * beta;
    for (int32_t d = 0; d <= 255; ++d)
        table[255 - d] = std::exp(scale * static_cast<float>(d));
}

// The 256-entry table of sigmoid(i / 24) in Q0.16 behind TFLite's int16 LOGISTIC and TANH for scales
// that are not powers of two (tanh(x) = 2 * sigmoid(2x) - 1 shares it). Each entry is moved by half the
// chord's error at the interval's midpoint, which spreads the linear interpolation's error evenly; that
// reproduces TFLite's constants.
inline const std::array<uint16_t, 256>& sigmoidTable16() {
    static const std::array<uint16_t, 256> table = [] {
        auto sigmoid = [](double steps) { return 65536.0 / (1.0 + std::exp(-steps / 24.0)); };
        std::array<uint16_t, 256> t{};
        for (size_t i = 0; i < t.size(); ++i) {
            const auto x = static_cast<double>(i);
            const double chordError = (sigmoid(x) + sigmoid(x + 1)) / 2 - sigmoid(x + 0.5);
            const double v = std::round(sigmoid(x) - chordError / 2);
            t[i] = static_cast<uint16_t>(std::min(v, 65535.0));
        }
        return t;
    }();
    return table;
}

// How TFLite's int16 LOGISTIC/TANH bring a general input scale to the table's 1/(3 * 4096): a multiplier
// of at least 2^14 and the right shift that undoes its scaling.
struct Int16TableScale {
    int32_t multiplier = 0;
    int leftShift = 0;
};
inline Int16TableScale int16TableScale(float inputScale) {
    Int16TableScale r;
    double multiplier = static_cast<double>(inputScale) * 4096.0 * 3.0;
    while (multiplier <= 32767.0 / 2.0 && r.leftShift <= 30) {
        ++r.leftShift;
        multiplier *= 2.0;
    }
    r.multiplier = static_cast<int32_t>(multiplier);
    return r;
}

// One int16 LOGISTIC (Tanh false) or TANH value through the table: the input rescaled so that 2^9 (2^8 for
// TANH) steps make one table entry, linear interpolation in between, the symmetric half for negative
// inputs, and Q0.15 out.
inline int16_t int16TableActivation(int16_t x, const Int16TableScale& s, bool tanh) {
    const std::array<uint16_t, 256>& table = sigmoidTable16();
    const int32_t round = s.leftShift > 0 ? 1 << (s.leftShift - 1) : 0;
    const int32_t input = (static_cast<int32_t>(x) * s.multiplier + round) >> s.leftShift;
    const uint32_t magnitude = static_cast<uint32_t>(input < 0 ? -input : input);
    const int fractionBits = tanh ? 8 : 9;
    const uint32_t index = magnitude >> fractionBits;
    int32_t result;
    if (index >= 255) {
        result = tanh ? 0xFFFF << 8 : 0x7FFF << 10;
    } else {
        const auto a = static_cast<int32_t>(table[index]), b = static_cast<int32_t>(table[index + 1]);
        const auto fraction = static_cast<int32_t>(magnitude & ((1u << fractionBits) - 1));
        result = (a << fractionBits) + fraction * (b - a);
    }
    if (tanh) {
        result = input >= 0 ? result - (1 << 23) + (1 << 7) : -result + (1 << 23) + (1 << 7) - 1;
        return static_cast<int16_t>(result >> 8);
    }
    result = input >= 0 ? result + (1 << 9) : (1 << 25) - result + (1 << 9) - 1;
    return static_cast<int16_t>(result >> 10);
}

// TFLite's 513-entry int16 tables (gen_lut) for the int16 SOFTMAX: fn sampled in Q0.15 at 512 even steps
// over [lo, hi], each entry moved by half the chord's rounded error at the step's midpoint; the last entry
// only gives the final slope.
template <typename Fn>
void generateInt16Lut(Fn&& fn, double lo, double hi, int16_t* table, int count) {
    const double step = (hi - lo) / (count - 1);
    const double halfStep = step / 2.0;
    for (int i = 0; i < count - 1; ++i) {
        const double x = lo + i * step;
        const double sample = std::round(fn(x) * 32768.0);
        const double midpointInterpolated = std::round((fn(lo + (i + 1) * step) * 32768.0 + sample) / 2.0);
        const double midpoint = std::round(fn(x + halfStep) * 32768.0);
        const double bias = std::round((midpointInterpolated - midpoint) / 2.0);
        table[i] = static_cast<int16_t>(std::min(std::max(sample - bias, -32768.0), 32767.0));
    }
    table[count - 1] =
        static_cast<int16_t>(std::min(std::max(std::round(fn(hi) * 32768.0), -32768.0), 32767.0));
}

// Linear interpolation in such a table: the top 9 bits of the (symmetric) int16 input pick the entry, the
// low 7 bits the position towards the next one.
inline int16_t int16LutLookup(int16_t value, const int16_t* table) {
    const auto index = static_cast<uint16_t>(256 + (value >> 7));
    const auto offset = static_cast<int16_t>(value & 0x7f);
    const int16_t base = table[index];
    const auto slope = static_cast<int16_t>(table[index + 1] - table[index]);
    const int32_t delta = (static_cast<int32_t>(slope) * offset + 64) >> 7;
    return static_cast<int16_t>(base + delta);
}

}  // namespace litescope::kernels

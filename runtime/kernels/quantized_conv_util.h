// What the quantized convolution and matmul kernels share beyond fixed_point.h: the output multipliers as
// TensorFlow Lite derives them (per channel in double, or from the float product of the legacy uint8
// scheme), the final requantization of an accumulator, and the on-the-fly quantization of float rows that
// hybrid (dynamic range) kernels use.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

#include "runtime/kernels/fixed_point.h"
#include "runtime/runtime_tensor.h"

namespace litescope::kernels::qconv {

// One multiplier per output channel from input_scale * filter_scale[c] / output_scale, all in double
// (TFLite's PopulateConvolutionQuantizationParams; a per-tensor filter repeats its one scale).
inline std::vector<QuantizedMultiplier> perChannelMultipliers(float inputScale,
                                                              std::span<const float> filterScales,
                                                              float outputScale, int64_t channels) {
    std::vector<QuantizedMultiplier> m(static_cast<size_t>(channels));
    for (int64_t c = 0; c < channels; ++c) {
        const float fs = filterScales.size() > 1 ? filterScales[static_cast<size_t>(c)] : filterScales[0];
        const double effective =
            static_cast<double>(inputScale) * static_cast<double>(fs) / static_cast<double>(outputScale);
        m[static_cast<size_t>(c)] = quantizeMultiplier(effective);
    }
    return m;
}

// The legacy multiplier (GetQuantizedConvolutionMultipler): the scales' product taken in float, then divided
// in double. FULLY_CONNECTED, BATCH_MATMUL and the uint8 convolutions use it.
inline QuantizedMultiplier productMultiplier(float inputScale, float filterScale, float outputScale) {
    const double product = static_cast<double>(inputScale * filterScale);
    return quantizeMultiplier(product / static_cast<double>(outputScale));
}

inline int32_t requantize(int32_t acc, QuantizedMultiplier m, int32_t outputZeroPoint, QuantizedRange r) {
    const int32_t v = multiplyByQuantizedMultiplier(acc, m) + outputZeroPoint;
    return std::min(std::max(v, r.min), r.max);
}
// The int8 GEMMs of TFLite 2.8 on x86 (CONV_2D, FULLY_CONNECTED, BATCH_MATMUL run through ruy) apply the
// multiplier in two roundings like multiplyByQuantizedMultiplier, but both round halves up (towards +inf)
// where gemmlowp's round them away from zero: (x * M + 2^30) >> 31, then (y + 2^(r-1)) >> r. The other
// int8 kernels (depthwise, transpose conv) and the uint8 ones (through gemmlowp) use
// multiplyByQuantizedMultiplier.
inline int32_t multiplyByQuantizedMultiplierHalfUp(int32_t x, QuantizedMultiplier m) {
    const int leftShift = m.shift > 0 ? m.shift : 0;
    const int rightShift = m.shift > 0 ? 0 : -m.shift;
    const auto shifted = static_cast<int32_t>(static_cast<uint32_t>(x) << leftShift);
    const int64_t high = (static_cast<int64_t>(shifted) * m.multiplier + (int64_t{1} << 30)) >> 31;
    const int64_t nudge = rightShift > 0 ? (int64_t{1} << (rightShift - 1)) : 0;
    return static_cast<int32_t>((high + nudge) >> rightShift);
}
inline int32_t requantizeHalfUp(int32_t acc, QuantizedMultiplier m, int32_t outputZeroPoint,
                                QuantizedRange r) {
    const int32_t v = multiplyByQuantizedMultiplierHalfUp(acc, m) + outputZeroPoint;
    return std::min(std::max(v, r.min), r.max);
}
inline int32_t requantize(int64_t acc, QuantizedMultiplier m, int32_t outputZeroPoint, QuantizedRange r) {
    const int32_t v = multiplyByQuantizedMultiplier(acc, m) + outputZeroPoint;
    return std::min(std::max(v, r.min), r.max);
}

// How a hybrid kernel quantized one row of its float input: value = scale * (q - offset).
struct RowQuantization {
    float scale = 1.f;
    int32_t offset = 0;
};

// Symmetric: the largest magnitude maps to 127 (TFLite's SymmetricQuantizeFloats); an all-zero row gives
// zeros with scale 1.
inline RowQuantization quantizeSymmetric(const float* x, int64_t n, int8_t* q) {
    RowQuantization r;
    if (n == 0) return r;
    const auto [lo, hi] = std::minmax_element(x, x + n);
    const float range = std::max(std::abs(*lo), std::abs(*hi));
    if (range == 0.f) {
        std::memset(q, 0, static_cast<size_t>(n));
        return r;
    }
    r.scale = range / 127.f;
    const float inverse = 127.f / range;
    for (int64_t i = 0; i < n; ++i) {
        const auto v = static_cast<int32_t>(std::round(x[i] * inverse));
        q[i] = static_cast<int8_t>(std::min(127, std::max(-127, v)));
    }
    return r;
}

// Asymmetric over [-128, 127] with the zero point chosen as TFLite's AsymmetricQuantizeFloats chooses it
// (in double, the end whose error is smaller).
inline RowQuantization quantizeAsymmetric(const float* x, int64_t n, int8_t* q) {
    RowQuantization r;
    if (n == 0) return r;
    const auto [lo, hi] = std::minmax_element(x, x + n);
    const double rmin = std::fmin(0.0, static_cast<double>(*lo));
    const double rmax = std::fmax(0.0, static_cast<double>(*hi));
    if (rmin == rmax) {
        std::memset(q, 0, static_cast<size_t>(n));
        return r;
    }
    const double qmin = -128.0, qmax = 127.0;
    const double scale = (rmax - rmin) / (qmax - qmin);
    const double fromMin = qmin - rmin / scale;
    const double fromMax = qmax - rmax / scale;
    const double errorMin = std::abs(qmin) + std::abs(rmin / scale);
    const double errorMax = std::abs(qmax) + std::abs(rmax / scale);
    const double zeroPoint = errorMin < errorMax ? fromMin : fromMax;
    int32_t nudged = 0;
    if (zeroPoint <= qmin)
        nudged = -128;
    else if (zeroPoint >= qmax)
        nudged = 127;
    else
        nudged = static_cast<int32_t>(std::round(zeroPoint));
    r.scale = static_cast<float>(scale);
    r.offset = nudged;
    const float inverse = 1.f / r.scale;
    for (int64_t i = 0; i < n; ++i) {
        const auto v = static_cast<int32_t>(std::round(static_cast<float>(r.offset) + x[i] * inverse));
        q[i] = static_cast<int8_t>(std::min(127, std::max(-128, v)));
    }
    return r;
}

// A weight tensor's scale for output channel c (per-tensor tensors repeat their one scale).
inline float channelScale(const RuntimeTensor& t, int64_t c) {
    const auto s = t.quantization().scale;
    if (s.empty()) return 0.f;
    return s.size() > 1 ? s[static_cast<size_t>(c)] : s[0];
}

// INT4 weights hold two values a byte, the low nibble first; unpacked to one int8 each.
inline std::vector<int8_t> unpackInt4(const uint8_t* src, int64_t count) {
    std::vector<int8_t> out(static_cast<size_t>(count));
    for (int64_t i = 0; i < count; ++i) {
        const uint8_t byte = src[i / 2];
        const int nibble = (i % 2 == 0) ? (byte & 0x0F) : (byte >> 4);
        out[static_cast<size_t>(i)] = static_cast<int8_t>(nibble >= 8 ? nibble - 16 : nibble);
    }
    return out;
}

}  // namespace litescope::kernels::qconv

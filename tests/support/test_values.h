// Small helpers the kernel tests share: element counts, random values and shapes, flat <-> multi-index.
#pragma once

#include <algorithm>
#include <cstdint>
#include <random>
#include <vector>

#include "format/tflite_generated.h"

namespace litescope::test {

inline int64_t elementCount(const std::vector<int32_t>& shape) {
    int64_t n = 1;
    for (int32_t d : shape)
        n *= d;
    return n;
}

inline std::vector<float> randomFloats(std::mt19937& rng, int64_t n, float lo = -1.f, float hi = 1.f) {
    std::uniform_real_distribution<float> dist(lo, hi);
    std::vector<float> v(static_cast<size_t>(n));
    for (float& x : v)
        x = dist(rng);
    return v;
}

// A uniform integer in [lo, hi].
inline int32_t pick(std::mt19937& rng, int32_t lo, int32_t hi) {
    return lo + static_cast<int32_t>(rng() % static_cast<uint32_t>(hi - lo + 1));
}

// The multi-index of row-major element `flat` in `shape`, and back.
inline std::vector<int64_t> unravel(int64_t flat, const std::vector<int32_t>& shape) {
    std::vector<int64_t> index(shape.size());
    for (int d = static_cast<int>(shape.size()) - 1; d >= 0; --d) {
        index[static_cast<size_t>(d)] = flat % shape[static_cast<size_t>(d)];
        flat /= shape[static_cast<size_t>(d)];
    }
    return index;
}

inline int64_t ravel(const std::vector<int64_t>& index, const std::vector<int32_t>& shape) {
    int64_t flat = 0;
    for (size_t d = 0; d < shape.size(); ++d)
        flat = flat * shape[d] + index[d];
    return flat;
}

// The clamp of a fused RELU-family activation, written out for reference results (NONE passes through).
inline float referenceActivation(double v, fb::ActivationFunctionType a) {
    const float x = static_cast<float>(v);
    switch (a) {
        case fb::ActivationFunctionType::RELU:
            return std::max(x, 0.f);
        case fb::ActivationFunctionType::RELU6:
            return std::min(std::max(x, 0.f), 6.f);
        case fb::ActivationFunctionType::RELU_N1_TO_1:
            return std::min(std::max(x, -1.f), 1.f);
        default:
            return x;
    }
}

}  // namespace litescope::test

// Pieces every kernel family shares: broadcasting of shapes and indices, fused activations, type checks.
#pragma once

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>

#include "runtime/op_kernel.h"

namespace litescope::kernels {

// IEEE binary16 to float, exactly: subnormals, infinities and NaN payloads included.
inline float halfToFloat(uint16_t h) {
    const uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
    const uint32_t exponent = (h >> 10) & 0x1fu;
    const uint32_t mantissa = h & 0x3ffu;
    if (exponent == 0) {
        const float magnitude = static_cast<float>(mantissa) * (1.f / 16777216.f);  // mantissa * 2^-24
        return sign ? -magnitude : magnitude;
    }
    const uint32_t bits = exponent == 0x1fu ? (sign | 0x7f800000u | (mantissa << 13))
                                            : (sign | ((exponent + 112u) << 23) | (mantissa << 13));
    return std::bit_cast<float>(bits);
}

// NumPy-style broadcast of two shapes; false when they are incompatible.
bool broadcastShapes(const Shape& a, const Shape& b, Shape& out);

// Walks the elements of an output shape while tracking the matching flat index into an input that is
// broadcast to it (dimensions of size 1, or missing on the left, repeat).
class BroadcastIndex {
  public:
    BroadcastIndex() = default;
    BroadcastIndex(const Shape& input, const Shape& output);
    // Flat index into the input for the output element whose multi-index `counters` holds.
    int64_t strideOf(int dim) const { return strides_[static_cast<size_t>(dim)]; }

  private:
    std::array<int64_t, Shape::kMaxRank> strides_{};
};

// Calls fn(outIndex, aIndex, bIndex) for every output element of a broadcast binary op, fastest when the
// shapes match or one side is a scalar.
template <typename Fn>
void forEachBroadcast(const Shape& a, const Shape& b, const Shape& out, Fn&& fn) {
    const int64_t n = out.elementCount();
    const int64_t na = a.elementCount(), nb = b.elementCount();
    if (na == n && nb == n) {
        for (int64_t i = 0; i < n; ++i)
            fn(i, i, i);
        return;
    }
    if (na == n && nb == 1) {
        for (int64_t i = 0; i < n; ++i)
            fn(i, i, int64_t{0});
        return;
    }
    if (na == 1 && nb == n) {
        for (int64_t i = 0; i < n; ++i)
            fn(i, int64_t{0}, i);
        return;
    }
    const int rank = out.rank();
    BroadcastIndex ia(a, out), ib(b, out);
    std::array<int32_t, Shape::kMaxRank> counter{};
    int64_t offA = 0, offB = 0;
    for (int64_t i = 0; i < n; ++i) {
        fn(i, offA, offB);
        for (int d = rank - 1; d >= 0; --d) {
            offA += ia.strideOf(d);
            offB += ib.strideOf(d);
            if (++counter[static_cast<size_t>(d)] < out[d]) break;
            offA -= ia.strideOf(d) * out[d];
            offB -= ib.strideOf(d) * out[d];
            counter[static_cast<size_t>(d)] = 0;
        }
    }
}

// The clamp range a fused activation imposes on float outputs (TANH and SIGN_BIT are not clamps). With no
// activation TFLite still clamps to the finite floats, so an overflow to infinity comes out as FLT_MAX.
struct ActivationRange {
    float lo = std::numeric_limits<float>::lowest();
    float hi = std::numeric_limits<float>::max();
};
ActivationRange activationRange(fb::ActivationFunctionType activation);
// Applies any fused activation, clamps and TANH alike; false for activations a kernel cannot fuse.
bool isSupportedActivation(fb::ActivationFunctionType activation);
inline float applyActivation(float v, fb::ActivationFunctionType activation, const ActivationRange& range) {
    if (activation == fb::ActivationFunctionType::TANH) return std::tanh(v);
    return std::min(std::max(v, range.lo), range.hi);
}

// Size in bytes of one element, for kernels that move data without looking at it.
inline size_t elementSize(TensorType type) {
    return static_cast<size_t>(std::max(tensorTypeBits(type), 8) / 8);
}

// Reads an integer-valued tensor (INT32 or INT64, as shape and index operands are) as int64.
inline int64_t readIndex(const RuntimeTensor& t, int64_t i) {
    return t.type == TensorType::Int64 ? t.as<int64_t>()[i] : static_cast<int64_t>(t.as<int32_t>()[i]);
}
inline bool isIndexType(TensorType type) {
    return type == TensorType::Int32 || type == TensorType::Int64;
}

// Moving bytes moves elements only when an element is a whole number of bytes (not INT4, not STRING).
bool isByteSized(TensorType type);
bool isQuantizedType(TensorType type);  // INT8, UINT8, INT16
// Whether elements can pass from `a` to `b` unchanged. A side without a scale states nothing to disagree with
// (some converters leave only a calibration range); a missing zero point reads as 0, as TFLite reads it.
bool sameQuantization(const RuntimeTensor& a, const RuntimeTensor& b);
// Whether a shape-giving operand's values can be read now: constant, empty, or during eval.
bool valuesKnown(const OpContext& ctx, const RuntimeTensor& t);
// A non-constant tensor nobody writes has no buffer; the message is built only on failure.
Status requireData(const OpContext& ctx, const RuntimeTensor& t, const char* what);
// A single axis from a one-element INT32/INT64 tensor, made non-negative against `rank`.
Status readAxis(const OpContext& ctx, const RuntimeTensor& t, int rank, int& axis);

// BATCH_MATMUL's operand geometry, shared by the float and quantized kernels: lhs [..., m, k] (adj_x:
// [..., k, m]) times rhs [..., k, n] (adj_y: [..., n, k]), batch dimensions broadcast NumPy-style.
struct BatchMatMulShape {
    bool adjX = false, adjY = false;
    int32_t m = 0, k = 0, n = 0;
    Shape lhsBatch, rhsBatch, outBatch;
    BroadcastIndex lhsIndex, rhsIndex;

    // Reads inputs 0 and 1 and the options, checks them, and sizes output 0.
    Status prepare(OpContext& ctx);
    // The lhs and rhs batch indices that output batch `index` multiplies.
    void batchOffsets(int64_t index, int64_t& li, int64_t& ri) const {
        li = 0;
        ri = 0;
        int64_t rem = index;
        for (int d = outBatch.rank() - 1; d >= 0; --d) {
            const int64_t c = rem % outBatch[d];
            rem /= outBatch[d];
            li += c * lhsIndex.strideOf(d);
            ri += c * rhsIndex.strideOf(d);
        }
    }
};

}  // namespace litescope::kernels

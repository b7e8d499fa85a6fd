// Integer matrix products for the quantized convolution and matmul kernels: weights packed once into panels
// for unsigned-by-signed byte dot products of four (AVX-512 VNNI's vpdpbusd, with a portable loop
// elsewhere), activations read as unsigned bytes, exact int32 results; and the vectorised requantization of
// such sums to 8-bit outputs. Zero points and the bias reach the sums through the caller's per-column and
// per-row terms (the packed weights keep their column sums for that).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "runtime/kernels/fixed_point.h"

namespace litescope::kernels::qgemm {

// Columns of B per packed panel: one 512-bit vector of int32 results.
constexpr int64_t kPanel = 16;

// Depth rounded up to whole groups of four bytes; the extra rows of B are zero.
inline int64_t paddedDepth(int64_t k) {
    return (k + 3) / 4 * 4;
}

// B (k x n) packed: panels of 16 columns, each a run of k/4 blocks of 16 columns x 4 depth bytes. Every
// value is the source byte plus `delta` (-128 turns uint8 weights into int8), so it must fit in int8.
class PackedInt8 {
  public:
    // B(r, c) = src[c * k + r] (weights stored one output channel per row, as TFLite's are).
    void packRows(const int8_t* src, int64_t k, int64_t n);
    void packRows(const uint8_t* src, int64_t k, int64_t n, int delta);

    int64_t k() const { return k_; }
    int64_t n() const { return n_; }
    int64_t paddedK() const { return kp_; }
    // Columns rounded up to whole panels: the row stride C needs.
    int64_t paddedN() const { return (n_ + kPanel - 1) / kPanel * kPanel; }
    const int8_t* data() const { return data_.data(); }
    // Sum of each column's packed values.
    const int32_t* columnSums() const { return sums_.data(); }

  private:
    template <typename Get>
    void pack(int64_t k, int64_t n, Get get);

    int64_t k_ = 0, n_ = 0, kp_ = 0;
    std::vector<int8_t> data_;
    std::vector<int32_t> sums_;
};

// C (m x b.paddedN(), row stride ldc, int32) = A (m x b.paddedK() unsigned bytes, row stride lda) * B. Whole
// panels are written (columns past n get zeros). Allocates nothing.
void gemmU8S8(int64_t m, const uint8_t* a, int64_t lda, const PackedInt8& b, int32_t* c, int64_t ldc);

// How int32 sums become 8-bit outputs, per column: the multiplier split into shifts, the rounding, the
// output zero point and the clamp of the fused activation.
struct Requantization {
    std::vector<int32_t> multiplier, leftShift, rightShift;
    // What the final rounding right shift adds before shifting, for non-negative and negative values.
    std::vector<int32_t> nudgeUp, nudgeDown;
    // ruy's rounding (both steps half up) rather than TFLite's own (halves away from zero).
    bool halfUp = false;
    bool unsignedOutput = false;  // uint8 rather than int8
    int32_t zeroPoint = 0, lo = 0, hi = 0;

    void set(const std::vector<QuantizedMultiplier>& multipliers, bool halfUpRounding, bool unsignedOut,
             int32_t outputZeroPoint, QuantizedRange range);
};

// out[j] = clamp(requantized(acc[j] + add[j] + rowTerm) + zero point) for j < n, one byte each.
void requantizeRow(const int32_t* acc, const int32_t* add, int32_t rowTerm, int64_t n,
                   const Requantization& r, uint8_t* out);

// requantizeRow over `rows` rows (acc and out advancing by their strides, rowTerms[i] or 0 per row), with the
// per-column parameters loaded once when the columns are few.
void requantizeRows(const int32_t* acc, int64_t accStride, const int32_t* add, const int32_t* rowTerms,
                    int64_t rows, int64_t n, const Requantization& r, uint8_t* out, int64_t outStride);

// Whether the vector kernel is compiled in (the portable loop gives the same results).
bool hasVnni();

inline int64_t roundUp(int64_t x, int64_t to) {
    return (x + to - 1) / to * to;
}

constexpr size_t kAlign = 64;
inline size_t aligned(size_t bytes) {
    return (bytes + kAlign - 1) / kAlign * kAlign;
}

// How a GEMM over `rows` rows (output pixels or batch rows) is cut into tiles of rows, each worked in its
// own scratch slot per thread: the tile's packed A rows, then its int32 accumulators, then its row sums.
struct TilePlan {
    int64_t tileRows = 4;
    int64_t paddedK = 0, paddedN = 0;
    size_t slotBytes = 0;

    // Tiles of about `tileBytes` of A (at most `maxTileRows` rows, a multiple of 4), small enough that
    // every thread gets one when there are few rows.
    static TilePlan make(int64_t rows, int64_t paddedK, int64_t paddedN, int threads, int64_t tileBytes,
                         int64_t maxTileRows) {
        TilePlan p;
        p.paddedK = paddedK;
        p.paddedN = paddedN;
        p.tileRows = std::clamp<int64_t>(tileBytes / paddedK / 4 * 4, 4, maxTileRows);
        if (threads > 1) p.tileRows = std::min(p.tileRows, roundUp((rows + threads - 1) / threads, 4));
        p.tileRows = std::max<int64_t>(4, std::min(p.tileRows, roundUp(rows, 4)));
        p.slotBytes = accOffset(p) + aligned(static_cast<size_t>(p.tileRows * paddedN) * sizeof(int32_t)) +
                      aligned(static_cast<size_t>(p.tileRows) * sizeof(int32_t));
        return p;
    }

    uint8_t* a(uint8_t* slot) const { return slot; }
    int32_t* acc(uint8_t* slot) const { return reinterpret_cast<int32_t*>(slot + accOffset(*this)); }
    int32_t* rowSums(uint8_t* slot) const {
        return reinterpret_cast<int32_t*>(slot + accOffset(*this) +
                                          aligned(static_cast<size_t>(tileRows * paddedN) * sizeof(int32_t)));
    }

  private:
    static size_t accOffset(const TilePlan& p) {
        return aligned(static_cast<size_t>(p.tileRows * p.paddedK));
    }
};

}  // namespace litescope::kernels::qgemm

// The packed u8 x s8 integer GEMM: panel packing and the micro-kernels (AVX-512 VNNI and portable).
#include "runtime/kernels/quantized_gemm.h"

#include <cstring>

#include "runtime/kernels/quantized_conv_util.h"

#if defined(__AVX512VNNI__) && defined(__AVX512F__)
#include <immintrin.h>
#define LITESCOPE_QGEMM_VNNI 1
#endif

namespace litescope::kernels::qgemm {

template <typename Get>
void PackedInt8::pack(int64_t k, int64_t n, Get get) {
    k_ = k;
    n_ = n;
    kp_ = paddedDepth(k);
    const int64_t panels = (n + kPanel - 1) / kPanel;
    data_.assign(static_cast<size_t>(panels * kp_ * kPanel), 0);
    sums_.assign(static_cast<size_t>(panels * kPanel), 0);
    for (int64_t p = 0; p < panels; ++p) {
        int8_t* panel = data_.data() + p * kp_ * kPanel;
        for (int64_t j = 0; j < kPanel; ++j) {
            const int64_t c = p * kPanel + j;
            if (c >= n) break;
            int32_t sum = 0;
            for (int64_t r = 0; r < k; ++r) {
                const int8_t v = get(r, c);
                // Block r/4 holds 16 columns of 4 consecutive depth bytes.
                panel[(r / 4) * kPanel * 4 + j * 4 + r % 4] = v;
                sum += v;
            }
            sums_[static_cast<size_t>(c)] = sum;
        }
    }
}

void PackedInt8::packRows(const int8_t* src, int64_t k, int64_t n) {
    pack(k, n, [&](int64_t r, int64_t c) { return src[c * k + r]; });
}

void PackedInt8::packRows(const uint8_t* src, int64_t k, int64_t n, int delta) {
    pack(k, n,
         [&](int64_t r, int64_t c) { return static_cast<int8_t>(static_cast<int>(src[c * k + r]) + delta); });
}

bool hasVnni() {
#ifdef LITESCOPE_QGEMM_VNNI
    return true;
#else
    return false;
#endif
}

namespace {

#ifdef LITESCOPE_QGEMM_VNNI
// MR rows of A against NP panels, all accumulators in registers.
template <int MR, int NP>
void tile(const uint8_t* a, int64_t lda, const int8_t* b, int64_t panelBytes, int64_t kp, int32_t* c,
          int64_t ldc) {
    __m512i acc[MR][NP];
    for (int i = 0; i < MR; ++i)
        for (int p = 0; p < NP; ++p)
            acc[i][p] = _mm512_setzero_si512();
    for (int64_t k = 0; k < kp; k += 4) {
        __m512i w[NP];
        for (int p = 0; p < NP; ++p)
            w[p] = _mm512_loadu_si512(b + p * panelBytes + k * kPanel);
        for (int i = 0; i < MR; ++i) {
            int32_t four;
            std::memcpy(&four, a + i * lda + k, sizeof(four));
            const __m512i x = _mm512_set1_epi32(four);
            for (int p = 0; p < NP; ++p)
                acc[i][p] = _mm512_dpbusd_epi32(acc[i][p], x, w[p]);
        }
    }
    for (int i = 0; i < MR; ++i)
        for (int p = 0; p < NP; ++p)
            _mm512_storeu_si512(c + i * ldc + p * kPanel, acc[i][p]);
}

// MR rows against every panel: four panels at a time for 4 rows, two for 8 (16 accumulators either way).
template <int MR>
void rowBlock(const uint8_t* a, int64_t lda, const PackedInt8& b, int32_t* c, int64_t ldc) {
    constexpr int kGroup = MR > 4 ? 2 : 4;
    const int64_t panels = b.paddedN() / kPanel, kp = b.paddedK(), panelBytes = kp * kPanel;
    int64_t p = 0;
    for (; p + kGroup <= panels; p += kGroup)
        tile<MR, kGroup>(a, lda, b.data() + p * panelBytes, panelBytes, kp, c + p * kPanel, ldc);
    const int64_t rest = panels - p;
    const int8_t* bp = b.data() + p * panelBytes;
    int32_t* cp = c + p * kPanel;
    if constexpr (kGroup == 4) {
        if (rest == 3)
            tile<MR, 3>(a, lda, bp, panelBytes, kp, cp, ldc);
        else if (rest == 2)
            tile<MR, 2>(a, lda, bp, panelBytes, kp, cp, ldc);
    }
    if (rest == 1) tile<MR, 1>(a, lda, bp, panelBytes, kp, cp, ldc);
}
#endif

}  // namespace

void gemmU8S8(int64_t m, const uint8_t* a, int64_t lda, const PackedInt8& b, int32_t* c, int64_t ldc) {
#ifdef LITESCOPE_QGEMM_VNNI
    int64_t i = 0;
    // Few panels leave the 4-row tile short of accumulators, and each broadcast row serves few of them.
    if (b.paddedN() <= 2 * kPanel)
        for (; i + 8 <= m; i += 8)
            rowBlock<8>(a + i * lda, lda, b, c + i * ldc, ldc);
    for (; i + 4 <= m; i += 4)
        rowBlock<4>(a + i * lda, lda, b, c + i * ldc, ldc);
    switch (m - i) {
        case 3:
            rowBlock<3>(a + i * lda, lda, b, c + i * ldc, ldc);
            break;
        case 2:
            rowBlock<2>(a + i * lda, lda, b, c + i * ldc, ldc);
            break;
        case 1:
            rowBlock<1>(a + i * lda, lda, b, c + i * ldc, ldc);
            break;
        default:
            break;
    }
#else
    const int64_t panels = b.paddedN() / kPanel, kp = b.paddedK();
    for (int64_t i = 0; i < m; ++i) {
        const uint8_t* row = a + i * lda;
        for (int64_t p = 0; p < panels; ++p) {
            const int8_t* panel = b.data() + p * kp * kPanel;
            int32_t* out = c + i * ldc + p * kPanel;
            for (int64_t j = 0; j < kPanel; ++j)
                out[j] = 0;
            for (int64_t k = 0; k < kp; k += 4) {
                const int8_t* block = panel + k * kPanel;
                for (int64_t j = 0; j < kPanel; ++j)
                    for (int64_t q = 0; q < 4; ++q)
                        out[j] += static_cast<int32_t>(row[k + q]) * block[j * 4 + q];
            }
        }
    }
#endif
}

void Requantization::set(const std::vector<QuantizedMultiplier>& multipliers, bool halfUpRounding,
                         bool unsignedOut, int32_t outputZeroPoint, QuantizedRange range) {
    const size_t n = multipliers.size();
    multiplier.resize(n);
    leftShift.resize(n);
    rightShift.resize(n);
    nudgeUp.resize(n);
    nudgeDown.resize(n);
    for (size_t i = 0; i < n; ++i) {
        multiplier[i] = multipliers[i].multiplier;
        leftShift[i] = multipliers[i].shift > 0 ? multipliers[i].shift : 0;
        rightShift[i] = multipliers[i].shift > 0 ? 0 : -multipliers[i].shift;
        // Halves go up (2^(r-1)), or away from zero for negative values under TFLite's rounding.
        const int64_t unit = int64_t{1} << rightShift[i];
        nudgeUp[i] = static_cast<int32_t>(unit >> 1);
        nudgeDown[i] = static_cast<int32_t>(halfUpRounding ? unit >> 1 : (unit - 1) >> 1);
    }
    halfUp = halfUpRounding;
    unsignedOutput = unsignedOut;
    zeroPoint = outputZeroPoint;
    lo = range.min;
    hi = range.max;
}

namespace {

inline int32_t requantizeOne(int32_t x, const Requantization& r, int64_t j) {
    const QuantizedMultiplier m{r.multiplier[static_cast<size_t>(j)],
                                r.leftShift[static_cast<size_t>(j)] - r.rightShift[static_cast<size_t>(j)]};
    const int32_t v =
        (r.halfUp ? qconv::multiplyByQuantizedMultiplierHalfUp(x, m) : multiplyByQuantizedMultiplier(x, m)) +
        r.zeroPoint;
    return std::min(std::max(v, r.lo), r.hi);
}

#ifdef LITESCOPE_QGEMM_VNNI
// 16 lanes of the same arithmetic as requantizeOne, in 64-bit halves (even and odd lanes). The doubling
// high multiply of both roundings is (x * M + 2^30) >> 31: gemmlowp's nudge of 1 - 2^30 for negative
// products followed by truncation toward zero comes to the same. The roundings differ only in the final
// shift's nudge for negative values, which the caller passes in `down`.
inline __m512i requantizeVector(__m512i x, __m512i m, __m512i ls, __m512i rs, __m512i up, __m512i down) {
    x = _mm512_sllv_epi32(x, ls);
    const __m512i low32 = _mm512_set1_epi64(0xFFFFFFFF), half = _mm512_set1_epi64(int64_t{1} << 30);
    auto lanes = [&](__m512i a, __m512i b, __m512i shift, __m512i nudgeUp, __m512i nudgeDown) {
        const __m512i high = _mm512_srai_epi64(_mm512_add_epi64(_mm512_mul_epi32(a, b), half), 31);
        const __mmask8 negative = _mm512_cmplt_epi64_mask(high, _mm512_setzero_si512());
        const __m512i nudge = _mm512_mask_blend_epi64(negative, nudgeUp, nudgeDown);
        return _mm512_srav_epi64(_mm512_add_epi64(high, nudge), shift);
    };
    const __m512i even =
        lanes(x, m, _mm512_and_si512(rs, low32), _mm512_and_si512(up, low32), _mm512_and_si512(down, low32));
    const __m512i odd = lanes(_mm512_srli_epi64(x, 32), _mm512_srli_epi64(m, 32), _mm512_srli_epi64(rs, 32),
                              _mm512_srli_epi64(up, 32), _mm512_srli_epi64(down, 32));
    return _mm512_mask_blend_epi32(static_cast<__mmask16>(0xAAAA), even, _mm512_slli_epi64(odd, 32));
}
#endif

}  // namespace

// GCC 12's AVX-512 headers pass an undefined vector as the merge source of unmasked operations, which its own
// -Wmaybe-uninitialized then reports once they are inlined here.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
void requantizeRow(const int32_t* acc, const int32_t* add, int32_t rowTerm, int64_t n,
                   const Requantization& r, uint8_t* out) {
    int64_t j = 0;
#ifdef LITESCOPE_QGEMM_VNNI
    const __m512i row = _mm512_set1_epi32(rowTerm), zero = _mm512_set1_epi32(r.zeroPoint);
    const __m512i lo = _mm512_set1_epi32(r.lo), hi = _mm512_set1_epi32(r.hi);
    for (; j < n; j += 16) {
        const __mmask16 k =
            n - j >= 16 ? static_cast<__mmask16>(0xFFFF) : static_cast<__mmask16>((1u << (n - j)) - 1u);
        __m512i x =
            _mm512_add_epi32(_mm512_maskz_loadu_epi32(k, acc + j), _mm512_maskz_loadu_epi32(k, add + j));
        x = _mm512_add_epi32(x, row);
        __m512i v = requantizeVector(x, _mm512_maskz_loadu_epi32(k, r.multiplier.data() + j),
                                     _mm512_maskz_loadu_epi32(k, r.leftShift.data() + j),
                                     _mm512_maskz_loadu_epi32(k, r.rightShift.data() + j),
                                     _mm512_maskz_loadu_epi32(k, r.nudgeUp.data() + j),
                                     _mm512_maskz_loadu_epi32(k, r.nudgeDown.data() + j));
        v = _mm512_min_epi32(_mm512_max_epi32(_mm512_add_epi32(v, zero), lo), hi);
        if (r.unsignedOutput)
            _mm512_mask_cvtusepi32_storeu_epi8(out + j, k, v);
        else
            _mm512_mask_cvtsepi32_storeu_epi8(out + j, k, v);
    }
#endif
    for (; j < n; ++j)
        out[j] = static_cast<uint8_t>(requantizeOne(acc[j] + add[j] + rowTerm, r, j));
}

void requantizeRows(const int32_t* acc, int64_t accStride, const int32_t* add, const int32_t* rowTerms,
                    int64_t rows, int64_t n, const Requantization& r, uint8_t* out, int64_t outStride) {
#ifdef LITESCOPE_QGEMM_VNNI
    if (n <= 64) {
        constexpr int kMax = 4;
        const int vectors = static_cast<int>((n + 15) / 16);
        __mmask16 k[kMax];
        __m512i m[kMax], ls[kMax], rs[kMax], up[kMax], down[kMax], a[kMax];
        for (int v = 0; v < vectors; ++v) {
            const int64_t j = v * 16;
            k[v] =
                n - j >= 16 ? static_cast<__mmask16>(0xFFFF) : static_cast<__mmask16>((1u << (n - j)) - 1u);
            m[v] = _mm512_maskz_loadu_epi32(k[v], r.multiplier.data() + j);
            ls[v] = _mm512_maskz_loadu_epi32(k[v], r.leftShift.data() + j);
            rs[v] = _mm512_maskz_loadu_epi32(k[v], r.rightShift.data() + j);
            up[v] = _mm512_maskz_loadu_epi32(k[v], r.nudgeUp.data() + j);
            down[v] = _mm512_maskz_loadu_epi32(k[v], r.nudgeDown.data() + j);
            a[v] = _mm512_maskz_loadu_epi32(k[v], add + j);
        }
        const __m512i zero = _mm512_set1_epi32(r.zeroPoint), lo = _mm512_set1_epi32(r.lo),
                      hi = _mm512_set1_epi32(r.hi);
        for (int64_t i = 0; i < rows; ++i) {
            const __m512i row = _mm512_set1_epi32(rowTerms ? rowTerms[i] : 0);
            const int32_t* ai = acc + i * accStride;
            uint8_t* oi = out + i * outStride;
            for (int v = 0; v < vectors; ++v) {
                const __m512i x = _mm512_add_epi32(
                    _mm512_add_epi32(_mm512_maskz_loadu_epi32(k[v], ai + v * 16), a[v]), row);
                __m512i q = requantizeVector(x, m[v], ls[v], rs[v], up[v], down[v]);
                q = _mm512_min_epi32(_mm512_max_epi32(_mm512_add_epi32(q, zero), lo), hi);
                if (r.unsignedOutput)
                    _mm512_mask_cvtusepi32_storeu_epi8(oi + v * 16, k[v], q);
                else
                    _mm512_mask_cvtsepi32_storeu_epi8(oi + v * 16, k[v], q);
            }
        }
        return;
    }
#endif
    for (int64_t i = 0; i < rows; ++i)
        requantizeRow(acc + i * accStride, add, rowTerms ? rowTerms[i] : 0, n, r, out + i * outStride);
}
#pragma GCC diagnostic pop

}  // namespace litescope::kernels::qgemm

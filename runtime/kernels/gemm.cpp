// The blocked SGEMM behind gemm.h: B packing, one register-blocked micro-kernel per instruction set, and the
// loops that block K (so a B micro-panel stays in L1) and M (so a block of A rows stays in L2).
#include "runtime/kernels/gemm.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <cstring>
#include <utility>

#if defined(__AVX2__) || defined(__AVX512F__)
#include <immintrin.h>
#endif

#include "runtime/thread_pool.h"

#if defined(__AVX512F__)
#define LS_GEMM_AVX512 1
#endif
#if defined(__AVX2__) && defined(__FMA__)
#define LS_GEMM_AVX2 1
#endif

namespace litescope::kernels::gemm {
namespace {

// Depth of one pass over B: a micro-panel of kBlockK x panelWidth floats (32 KB for AVX-512) stays in L1.
constexpr int64_t kBlockK = 256;
// Floats of A one row block covers (about 160 KB), so that it stays in L2 while every panel of B passes.
constexpr int64_t kBlockAFloats = 40 * 1024;

// Each instruction set supplies the same small vocabulary; the micro-kernel is written once over it.
// Clamps take the bound first so that a NaN result stays NaN, as std::min(std::max(x, lo), hi) keeps it.
struct ScalarOps {
    using V = float;
    static constexpr int kLanes = 1, kRows = 4, kVectors = 4;
    static V zero() { return 0.f; }
    static V set(float x) { return x; }
    static V load(const float* p) { return *p; }
    static V loadPartial(const float* p, int) { return *p; }
    static void store(float* p, V v) { *p = v; }
    static void storePartial(float* p, V v, int) { *p = v; }
    static V broadcast(const float* p) { return *p; }
    static V fma(V a, V b, V c) { return a * b + c; }
    static V add(V a, V b) { return a + b; }
    static V clamp(V v, V lo, V hi) { return std::min(std::max(v, lo), hi); }
};

#ifdef LS_GEMM_AVX2
struct Avx2Ops {
    using V = __m256;
    static constexpr int kLanes = 8, kRows = 6, kVectors = 2;
    static __m256i mask(int n) {
        return _mm256_cmpgt_epi32(_mm256_set1_epi32(n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
    }
    static V zero() { return _mm256_setzero_ps(); }
    static V set(float x) { return _mm256_set1_ps(x); }
    static V load(const float* p) { return _mm256_loadu_ps(p); }
    static V loadPartial(const float* p, int n) { return _mm256_maskload_ps(p, mask(n)); }
    static void store(float* p, V v) { _mm256_storeu_ps(p, v); }
    static void storePartial(float* p, V v, int n) { _mm256_maskstore_ps(p, mask(n), v); }
    static V broadcast(const float* p) { return _mm256_broadcast_ss(p); }
    static V fma(V a, V b, V c) { return _mm256_fmadd_ps(a, b, c); }
    static V add(V a, V b) { return _mm256_add_ps(a, b); }
    static V clamp(V v, V lo, V hi) { return _mm256_min_ps(hi, _mm256_max_ps(lo, v)); }
};
#endif

#ifdef LS_GEMM_AVX512
struct Avx512Ops {
    using V = __m512;
    static constexpr int kLanes = 16, kRows = 12, kVectors = 2;
    static __mmask16 mask(int n) { return static_cast<__mmask16>((1u << n) - 1u); }
    static V zero() { return _mm512_setzero_ps(); }
    static V set(float x) { return _mm512_set1_ps(x); }
    static V load(const float* p) { return _mm512_loadu_ps(p); }
    static V loadPartial(const float* p, int n) { return _mm512_maskz_loadu_ps(mask(n), p); }
    static void store(float* p, V v) { _mm512_storeu_ps(p, v); }
    static void storePartial(float* p, V v, int n) { _mm512_mask_storeu_ps(p, mask(n), v); }
    static V broadcast(const float* p) { return _mm512_set1_ps(*p); }
    static V fma(V a, V b, V c) { return _mm512_fmadd_ps(a, b, c); }
    static V add(V a, V b) { return _mm512_add_ps(a, b); }
    // The masked forms: GCC 12's plain _mm512_max_ps trips -Wmaybe-uninitialized on its undefined source.
    static V clamp(V v, V lo, V hi) {
        return _mm512_mask_min_ps(hi, 0xFFFF, hi, _mm512_mask_max_ps(lo, 0xFFFF, lo, v));
    }
};
#endif

// One micro-tile: R rows of A (row stride lda) times one panel of B over kc steps, into R x (NV vectors)
// of C. `first`: C is not read, the bias is added instead; `last`: the clamp is applied.
struct Tile {
    int64_t kc;
    const float* a;
    int64_t lda;
    const float* b;
    int64_t bStride;
    float* c;
    int64_t ldc;
    int lastLanes;  // valid lanes of the last vector, 1..lanes
    const float* bias;
    bool first;
    bool last;
    float lo;
    float hi;
};

template <class Ops, int R, int NV>
void microKernel(const Tile& t) {
    using V = typename Ops::V;
    constexpr int W = Ops::kLanes;
    V acc[R][NV];
#pragma GCC unroll 16
    for (int r = 0; r < R; ++r)
#pragma GCC unroll 4
        for (int v = 0; v < NV; ++v)
            acc[r][v] = Ops::zero();

    const float* a = t.a;
    const float* b = t.b;
    const int64_t lda = t.lda, bStride = t.bStride;
    for (int64_t k = 0; k < t.kc; ++k) {
        V bv[NV];
#pragma GCC unroll 4
        for (int v = 0; v < NV; ++v)
            bv[v] = Ops::load(b + v * W);
#pragma GCC unroll 16
        for (int r = 0; r < R; ++r) {
            const V av = Ops::broadcast(a + r * lda);
#pragma GCC unroll 4
            for (int v = 0; v < NV; ++v)
                acc[r][v] = Ops::fma(av, bv[v], acc[r][v]);
        }
        ++a;
        b += bStride;
    }

    const bool tail = t.lastLanes < W;
    V add[NV];
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) {
        if (t.first && t.bias)
            add[v] = (v == NV - 1 && tail) ? Ops::loadPartial(t.bias + v * W, t.lastLanes)
                                           : Ops::load(t.bias + v * W);
        else
            add[v] = Ops::zero();
    }
    const V lo = Ops::set(t.lo), hi = Ops::set(t.hi);
#pragma GCC unroll 16
    for (int r = 0; r < R; ++r) {
        float* c = t.c + r * t.ldc;
#pragma GCC unroll 4
        for (int v = 0; v < NV; ++v) {
            const bool partial = v == NV - 1 && tail;
            V x = acc[r][v];
            if (t.first)
                x = Ops::add(x, add[v]);
            else
                x = Ops::add(x, partial ? Ops::loadPartial(c + v * W, t.lastLanes) : Ops::load(c + v * W));
            if (t.last) x = Ops::clamp(x, lo, hi);
            if (partial)
                Ops::storePartial(c + v * W, x, t.lastLanes);
            else
                Ops::store(c + v * W, x);
        }
    }
}

using KernelFn = void (*)(const Tile&);

template <class Ops, size_t... I>
constexpr std::array<KernelFn, sizeof...(I)> kernelTable(std::index_sequence<I...>) {
    return {&microKernel<Ops, static_cast<int>(I) / Ops::kVectors + 1,
                         static_cast<int>(I) % Ops::kVectors + 1>...};
}

// Kernels indexed by (rows - 1) * kVectors + (vectors - 1).
template <class Ops>
constexpr auto kKernels = kernelTable<Ops>(std::make_index_sequence<Ops::kRows * Ops::kVectors>());

template <class Ops>
constexpr Geometry geometryOf() {
    return {Ops::kRows, Ops::kLanes, Ops::kVectors};
}

int64_t roundUp(int64_t x, int64_t to) {
    return (x + to - 1) / to * to;
}

template <class Ops>
void sgemmImpl(int64_t m, const float* a, int64_t lda, const PackedB& b, float* c, int64_t ldc,
               const Epilogue& ep, int64_t n0, int64_t n1) {
    constexpr int W = Ops::kLanes, MR = Ops::kRows, NV = Ops::kVectors, NR = W * NV;
    const int64_t k = b.k;
    if (k == 0) {
        // An empty sum: only the bias and the clamp remain.
        for (int64_t i = 0; i < m; ++i)
            for (int64_t j = n0; j < n1; ++j)
                c[i * ldc + j] = std::min(std::max(ep.bias ? ep.bias[j] : 0.f, ep.lo), ep.hi);
        return;
    }
    for (int64_t k0 = 0; k0 < k; k0 += kBlockK) {
        const int64_t kc = std::min(kBlockK, k - k0);
        const bool first = k0 == 0, last = k0 + kc == k;
        const int64_t blockRows = std::max<int64_t>(MR, kBlockAFloats / kc / MR * MR);
        for (int64_t m0 = 0; m0 < m; m0 += blockRows) {
            const int64_t mc = std::min(blockRows, m - m0);
            for (int64_t j0 = n0; j0 < n1; j0 += NR) {
                const int64_t cols = std::min<int64_t>(NR, n1 - j0);
                const int vectors = static_cast<int>((cols + W - 1) / W);
                const int64_t panelWidth = std::min<int64_t>(NR, roundUp(b.n - j0, W));
                Tile t;
                t.kc = kc;
                t.lda = lda;
                t.b = b.data + j0 * k + k0 * panelWidth;
                t.bStride = panelWidth;
                t.ldc = ldc;
                t.lastLanes = static_cast<int>(cols - static_cast<int64_t>(vectors - 1) * W);
                t.bias = ep.bias ? ep.bias + j0 : nullptr;
                t.first = first;
                t.last = last;
                t.lo = ep.lo;
                t.hi = ep.hi;
                for (int64_t i = 0; i < mc; i += MR) {
                    const int rows = static_cast<int>(std::min<int64_t>(MR, mc - i));
                    t.a = a + (m0 + i) * lda + k0;
                    t.c = c + (m0 + i) * ldc + j0;
                    kKernels<Ops>[static_cast<size_t>((rows - 1) * NV + (vectors - 1))](t);
                }
            }
        }
    }
}

}  // namespace

Isa nativeIsa() {
#if defined(LS_GEMM_AVX512)
    return Isa::Avx512;
#elif defined(LS_GEMM_AVX2)
    return Isa::Avx2;
#else
    return Isa::Scalar;
#endif
}

namespace {
std::atomic<int> activeOverride{-1};
}

Isa activeIsa() {
    const int v = activeOverride.load(std::memory_order_relaxed);
    return v < 0 ? nativeIsa() : static_cast<Isa>(v);
}

void setActiveIsa(Isa isa) {
    if (isaCompiled(isa)) activeOverride.store(static_cast<int>(isa), std::memory_order_relaxed);
}

bool isaCompiled(Isa isa) {
    switch (isa) {
        case Isa::Scalar:
            return true;
#ifdef LS_GEMM_AVX2
        case Isa::Avx2:
            return true;
#endif
#ifdef LS_GEMM_AVX512
        case Isa::Avx512:
            return true;
#endif
        default:
            return false;
    }
}

const char* isaName(Isa isa) {
    switch (isa) {
        case Isa::Scalar:
            return "scalar";
        case Isa::Avx2:
            return "avx2";
        case Isa::Avx512:
            return "avx512";
    }
    return "?";
}

Geometry geometry(Isa isa) {
    switch (isa) {
#ifdef LS_GEMM_AVX2
        case Isa::Avx2:
            return geometryOf<Avx2Ops>();
#endif
#ifdef LS_GEMM_AVX512
        case Isa::Avx512:
            return geometryOf<Avx512Ops>();
#endif
        default:
            return geometryOf<ScalarOps>();
    }
}

int64_t packedBSize(int64_t k, int64_t n, Isa isa) {
    return k * roundUp(n, geometry(isa).lanes);
}

PackedB packB(const float* src, int64_t k, int64_t n, int64_t rowStride, int64_t colStride, float* out,
              Isa isa) {
    const Geometry g = geometry(isa);
    const int64_t nr = g.panelWidth();
    for (int64_t j0 = 0; j0 < n; j0 += nr) {
        const int64_t width = std::min<int64_t>(nr, roundUp(n - j0, g.lanes));
        const int64_t cols = std::min<int64_t>(nr, n - j0);
        float* panel = out + j0 * k;
        for (int64_t r = 0; r < k; ++r) {
            float* dst = panel + r * width;
            const float* s = src + r * rowStride + j0 * colStride;
            if (colStride == 1) {
                std::memcpy(dst, s, static_cast<size_t>(cols) * sizeof(float));
            } else {
                for (int64_t j = 0; j < cols; ++j)
                    dst[j] = s[j * colStride];
            }
            for (int64_t j = cols; j < width; ++j)
                dst[j] = 0.f;
        }
    }
    return {out, k, n, isa};
}

void sgemm(int64_t m, const float* a, int64_t lda, const PackedB& b, float* c, int64_t ldc,
           const Epilogue& epilogue, int64_t n0, int64_t n1) {
    if (n1 < 0 || n1 > b.n) n1 = b.n;
    if (m <= 0 || n0 >= n1) return;
    switch (b.isa) {
#ifdef LS_GEMM_AVX512
        case Isa::Avx512:
            return sgemmImpl<Avx512Ops>(m, a, lda, b, c, ldc, epilogue, n0, n1);
#endif
#ifdef LS_GEMM_AVX2
        case Isa::Avx2:
            return sgemmImpl<Avx2Ops>(m, a, lda, b, c, ldc, epilogue, n0, n1);
#endif
        default:
            return sgemmImpl<ScalarOps>(m, a, lda, b, c, ldc, epilogue, n0, n1);
    }
}

void sgemmParallel(ThreadPool& threads, int64_t m, const float* a, int64_t lda, const PackedB& b, float* c,
                   int64_t ldc, const Epilogue& epilogue) {
    const int n = threads.size();
    const int64_t depth = std::max<int64_t>(b.k, 1);
    if (n <= 1 || m <= 0 || b.n <= 0 || m * b.n * depth < 2 * kMinMacsPerThread)
        return sgemm(m, a, lda, b, c, ldc, epilogue);
    const Geometry g = geometry(b.isa);
    const int64_t rowTiles = (m + g.mr - 1) / g.mr;
    const int64_t panels = (b.n + g.panelWidth() - 1) / g.panelWidth();
    // Rows when every thread gets a few micro-tiles; otherwise panels, unless there is only one.
    if (rowTiles >= 2 * n || panels < 2) {
        const int64_t minTiles = std::max<int64_t>(1, kMinMacsPerThread / (g.mr * b.n * depth));
        threads.parallelFor(
            rowTiles,
            [&](int64_t begin, int64_t end) {
                const int64_t r0 = begin * g.mr, r1 = std::min(m, end * g.mr);
                sgemm(r1 - r0, a + r0 * lda, lda, b, c + r0 * ldc, ldc, epilogue);
            },
            minTiles);
    } else {
        const int64_t minPanels = std::max<int64_t>(1, kMinMacsPerThread / (m * g.panelWidth() * depth));
        threads.parallelFor(
            panels,
            [&](int64_t begin, int64_t end) {
                sgemm(m, a, lda, b, c, ldc, epilogue, begin * g.panelWidth(),
                      std::min(b.n, end * g.panelWidth()));
            },
            minPanels);
    }
}

bool knownAtPrepare(const RuntimeTensor& t) {
    return t.isConstant() || (t.allocation == Allocation::Persistent && !t.model->isVariable);
}

Status PackedWeights::prepare(OpContext& ctx, const RuntimeTensor& weights, const WeightLayout& layout,
                              Isa isa) {
    layout_ = layout;
    isa_ = isa;
    groupSize_ = packedBSize(layout.k, layout.n, isa);
    constant_ = knownAtPrepare(weights);
    scratch_ = -1;
    if (!constant_) {
        scratch_ = ctx.requestScratch(static_cast<size_t>(std::max<int64_t>(groupSize_ * layout.groups, 1)) *
                                      sizeof(float));
        source_ = nullptr;
        return Status::ok();
    }
    const float* src = weights.as<float>();
    if (src == source_ && layout == packedLayout_ && isa == packedIsa_) return Status::ok();
    storage_.assign(static_cast<size_t>(groupSize_ * layout.groups), 0.f);
    pack(src, storage_.data());
    source_ = src;
    packedLayout_ = layout;
    packedIsa_ = isa;
    return Status::ok();
}

void PackedWeights::evalPrepare(OpContext& ctx, const RuntimeTensor& weights) {
    if (constant_) {
        data_ = storage_.data();
        return;
    }
    float* dst = reinterpret_cast<float*>(ctx.scratch(scratch_));
    pack(weights.as<float>(), dst);
    data_ = dst;
}

void PackedWeights::pack(const float* src, float* dst) const {
    for (int64_t g = 0; g < layout_.groups; ++g)
        packB(src + g * layout_.groupOffset, layout_.k, layout_.n, layout_.rowStride, layout_.colStride,
              dst + g * groupSize_, isa_);
}

}  // namespace litescope::kernels::gemm

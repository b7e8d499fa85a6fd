// The SGEMM against a naive triple loop, for every instruction set compiled in (the portable one included):
// odd sizes around the register tile and the cache blocks, both layouts of B, padded strides, column ranges,
// the fused bias and clamp, and the threaded split by rows and by panels.
#include "runtime/kernels/gemm.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "runtime/thread_pool.h"

namespace litescope::kernels::gemm {
namespace {

std::vector<Isa> compiledIsas() {
    std::vector<Isa> isas;
    for (Isa isa : {Isa::Scalar, Isa::Avx2, Isa::Avx512})
        if (isaCompiled(isa)) isas.push_back(isa);
    return isas;
}

struct Problem {
    int64_t m, n, k;
    int64_t lda, ldc;
    bool bTransposed;  // B given as n x k (weights' layout) instead of k x n
    bool bias;
    float lo, hi;
};

struct Data {
    std::vector<float> a, b, bias, c;
};

Data makeData(const Problem& p, std::mt19937& rng) {
    std::uniform_real_distribution<float> dist(-1.f, 1.f);
    Data d;
    d.a.resize(static_cast<size_t>(p.m * p.lda));
    d.b.resize(static_cast<size_t>(p.k * p.n));
    d.bias.resize(static_cast<size_t>(p.n));
    d.c.assign(static_cast<size_t>(p.m * p.ldc), 1234.f);  // sentinel outside the columns written
    for (auto* v : {&d.a, &d.b, &d.bias})
        for (float& x : *v)
            x = dist(rng);
    return d;
}

float bAt(const Problem& p, const Data& d, int64_t r, int64_t c) {
    return p.bTransposed ? d.b[static_cast<size_t>(c * p.k + r)] : d.b[static_cast<size_t>(r * p.n + c)];
}

// The obvious loop, in double.
float expected(const Problem& p, const Data& d, int64_t i, int64_t j) {
    double s = p.bias ? d.bias[static_cast<size_t>(j)] : 0.0;
    for (int64_t r = 0; r < p.k; ++r)
        s += static_cast<double>(d.a[static_cast<size_t>(i * p.lda + r)]) * bAt(p, d, r, j);
    return std::min(std::max(static_cast<float>(s), p.lo), p.hi);
}

PackedB pack(const Problem& p, const Data& d, std::vector<float>& storage, Isa isa) {
    storage.assign(static_cast<size_t>(packedBSize(p.k, p.n, isa)), std::nanf(""));
    return p.bTransposed ? packB(d.b.data(), p.k, p.n, 1, p.k, storage.data(), isa)
                         : packB(d.b.data(), p.k, p.n, p.n, 1, storage.data(), isa);
}

void check(const Problem& p, const Data& d, const std::vector<float>& c, int64_t n0, int64_t n1,
           const std::string& what) {
    for (int64_t i = 0; i < p.m; ++i) {
        for (int64_t j = 0; j < p.ldc; ++j) {
            const float got = c[static_cast<size_t>(i * p.ldc + j)];
            if (j < n0 || j >= n1) {
                ASSERT_EQ(got, 1234.f) << what << " wrote outside its columns at (" << i << "," << j << ")";
                continue;
            }
            const float want = expected(p, d, i, j);
            ASSERT_NEAR(got, want, 1e-4f * std::max(1.f, std::fabs(want)))
                << what << " m=" << p.m << " n=" << p.n << " k=" << p.k << " at (" << i << "," << j << ")";
        }
    }
}

Problem randomProblem(std::mt19937& rng, int64_t maxM, int64_t maxN, int64_t maxK) {
    Problem p;
    p.m = 1 + static_cast<int64_t>(rng() % static_cast<uint64_t>(maxM));
    p.n = 1 + static_cast<int64_t>(rng() % static_cast<uint64_t>(maxN));
    p.k = 1 + static_cast<int64_t>(rng() % static_cast<uint64_t>(maxK));
    p.lda = p.k + static_cast<int64_t>(rng() % 3);
    p.ldc = p.n + static_cast<int64_t>(rng() % 3);
    p.bTransposed = rng() % 2;
    p.bias = rng() % 2;
    switch (rng() % 3) {
        case 0:
            p.lo = -std::numeric_limits<float>::infinity(), p.hi = std::numeric_limits<float>::infinity();
            break;
        case 1:
            p.lo = 0.f, p.hi = std::numeric_limits<float>::infinity();
            break;
        default:
            p.lo = -0.5f, p.hi = 0.5f;
            break;
    }
    return p;
}

TEST(Gemm, NativeIsaIsCompiledAndScalarAlwaysIs) {
    EXPECT_TRUE(isaCompiled(Isa::Scalar));
    EXPECT_TRUE(isaCompiled(nativeIsa()));
#ifdef __AVX512F__
    EXPECT_EQ(nativeIsa(), Isa::Avx512);
#endif
}

TEST(Gemm, EveryIsaMatchesNaiveLoopOnOddSizes) {
    std::mt19937 rng(7);
    for (Isa isa : compiledIsas()) {
        // Every size 1..67 on each axis appears, with the others random.
        for (int64_t s = 1; s <= 67; ++s) {
            for (int axis = 0; axis < 3; ++axis) {
                Problem p = randomProblem(rng, 40, 40, 40);
                (axis == 0 ? p.m : axis == 1 ? p.n : p.k) = s;
                p.lda = std::max(p.lda, p.k);
                p.ldc = std::max(p.ldc, p.n);
                Data d = makeData(p, rng);
                std::vector<float> packed;
                PackedB b = pack(p, d, packed, isa);
                sgemm(p.m, d.a.data(), p.lda, b, d.c.data(), p.ldc,
                      {p.bias ? d.bias.data() : nullptr, p.lo, p.hi});
                check(p, d, d.c, 0, p.n, isaName(isa));
                if (HasFatalFailure()) return;
            }
        }
    }
}

TEST(Gemm, EveryIsaMatchesAcrossCacheBlocks) {
    // Depths past one K block (the C tile is then read back and accumulated) and row counts past one M block.
    std::mt19937 rng(11);
    for (Isa isa : compiledIsas()) {
        for (Problem p : {Problem{3, 5, 700, 700, 5, true, true, 0.f, 1e30f},
                          Problem{300, 37, 513, 515, 40, false, true, -1.f, 1.f},
                          Problem{1100, 17, 40, 40, 17, true, false, -1e30f, 1e30f},
                          Problem{77, 129, 257, 257, 129, false, false, 0.f, 6.f}}) {
            Data d = makeData(p, rng);
            std::vector<float> packed;
            PackedB b = pack(p, d, packed, isa);
            sgemm(p.m, d.a.data(), p.lda, b, d.c.data(), p.ldc,
                  {p.bias ? d.bias.data() : nullptr, p.lo, p.hi});
            check(p, d, d.c, 0, p.n, isaName(isa));
            if (HasFatalFailure()) return;
        }
    }
}

TEST(Gemm, ColumnRangesWriteOnlyTheirColumns) {
    std::mt19937 rng(3);
    for (Isa isa : compiledIsas()) {
        const int64_t nr = geometry(isa).panelWidth();
        for (int trial = 0; trial < 20; ++trial) {
            Problem p = randomProblem(rng, 30, 5 * nr, 30);
            Data d = makeData(p, rng);
            std::vector<float> packed;
            PackedB b = pack(p, d, packed, isa);
            const int64_t panels = (p.n + nr - 1) / nr;
            const int64_t n0 = static_cast<int64_t>(rng() % static_cast<uint64_t>(panels)) * nr;
            const int64_t n1 =
                std::min(p.n, n0 + 1 + static_cast<int64_t>(rng() % static_cast<uint64_t>(2 * nr)));
            sgemm(p.m, d.a.data(), p.lda, b, d.c.data(), p.ldc,
                  {p.bias ? d.bias.data() : nullptr, p.lo, p.hi}, n0, n1);
            check(p, d, d.c, n0, n1, isaName(isa));
            if (HasFatalFailure()) return;
        }
    }
}

TEST(Gemm, EmptyDepthGivesClampedBias) {
    for (Isa isa : compiledIsas()) {
        Problem p{3, 5, 0, 1, 5, false, true, -0.25f, 0.25f};
        std::mt19937 rng(1);
        Data d = makeData(p, rng);
        std::vector<float> packed;
        PackedB b = pack(p, d, packed, isa);
        sgemm(p.m, d.a.data(), p.lda, b, d.c.data(), p.ldc, {d.bias.data(), p.lo, p.hi});
        check(p, d, d.c, 0, p.n, isaName(isa));
    }
}

TEST(Gemm, ParallelSplitsByRowsAndByPanels) {
    ThreadPool pool(3);
    std::mt19937 rng(5);
    for (Isa isa : compiledIsas()) {
        // Above the work that stays on one thread (kMinMacsPerThread each): many rows (split by rows), and
        // one or a few rows with many panels (split by panels).
        for (Problem p : {Problem{6003, 45, 33, 33, 45, true, true, 0.f, 6.f},
                          Problem{1, 6001, 1500, 1500, 6001, true, true, -1e30f, 1e30f},
                          Problem{7, 1001, 1300, 1301, 1003, false, false, -1e30f, 1e30f}}) {
            ASSERT_GE(p.m * p.n * p.k, 2 * kMinMacsPerThread);
            Data d = makeData(p, rng);
            std::vector<float> packed;
            PackedB b = pack(p, d, packed, isa);
            sgemmParallel(pool, p.m, d.a.data(), p.lda, b, d.c.data(), p.ldc,
                          {p.bias ? d.bias.data() : nullptr, p.lo, p.hi});
            check(p, d, d.c, 0, p.n, isaName(isa));
            if (HasFatalFailure()) return;
        }
    }
}

TEST(Gemm, ClampKeepsNaN) {
    for (Isa isa : compiledIsas()) {
        std::vector<float> a = {std::nanf(""), 1.f}, bsrc = {1.f, 1.f}, c(4, 0.f),
                           packed(static_cast<size_t>(packedBSize(1, 2, isa)));
        PackedB b = packB(bsrc.data(), 1, 2, 2, 1, packed.data(), isa);
        sgemm(2, a.data(), 1, b, c.data(), 2, {nullptr, 0.f, 6.f});
        EXPECT_TRUE(std::isnan(c[0])) << isaName(isa);
        EXPECT_TRUE(std::isnan(c[1])) << isaName(isa);
        EXPECT_EQ(c[2], 1.f);
        EXPECT_EQ(c[3], 1.f);
    }
}

}  // namespace
}  // namespace litescope::kernels::gemm

// Single-precision matrix multiplication for the convolution and matmul kernels: B packed once into column
// panels, A read in place row by row, and a register-blocked micro-kernel per instruction set (AVX-512,
// AVX2 with FMA, and a portable one), with bias and clamp fused into the store.
#pragma once

#include <cstdint>
#include <limits>
#include <vector>

#include "runtime/op_kernel.h"

namespace litescope {
class ThreadPool;
}

namespace litescope::kernels::gemm {

enum class Isa : uint8_t { Scalar, Avx2, Avx512 };

// The widest instruction set this build was compiled for.
Isa nativeIsa();
// Whether `isa`'s micro-kernel is compiled into this build (Scalar always is).
bool isaCompiled(Isa isa);
const char* isaName(Isa isa);
// The instruction set kernels prepared from now on use: nativeIsa() unless set otherwise (tests and
// benchmarks of the portable paths). setActiveIsa ignores an instruction set that is not compiled in.
Isa activeIsa();
void setActiveIsa(Isa isa);

// The register tile of an instruction set: `mr` rows of A against column panels of `panelVectors` vectors
// of `lanes` floats.
struct Geometry {
    int mr = 1;
    int lanes = 1;
    int panelVectors = 1;
    int panelWidth() const { return lanes * panelVectors; }
};
Geometry geometry(Isa isa);

// B (k x n) in the layout the micro-kernel reads: panels of panelWidth columns (the last one rounded up to
// whole vectors and zero-filled), each stored one k row after the other.
struct PackedB {
    const float* data = nullptr;
    int64_t k = 0;
    int64_t n = 0;
    Isa isa = Isa::Scalar;
};

// Floats needed to hold a packed k x n matrix.
int64_t packedBSize(int64_t k, int64_t n, Isa isa);
// Packs B, whose element (r, c) is src[r * rowStride + c * colStride], into `out` (packedBSize floats).
PackedB packB(const float* src, int64_t k, int64_t n, int64_t rowStride, int64_t colStride, float* out,
              Isa isa);

// What is done to each result before it is stored: add bias[column] (when not null), then clamp.
struct Epilogue {
    const float* bias = nullptr;
    float lo = -std::numeric_limits<float>::infinity();
    float hi = std::numeric_limits<float>::infinity();
};

// C (m x n, row stride ldc) = A (m x b.k, row stride lda, contiguous rows) * B, then the epilogue. Only
// columns [n0, n1) are computed (n1 < 0: up to b.n); n0 must be a multiple of the panel width. A and C must
// not overlap. Single-threaded; allocates nothing.
void sgemm(int64_t m, const float* a, int64_t lda, const PackedB& b, float* c, int64_t ldc,
           const Epilogue& epilogue, int64_t n0 = 0, int64_t n1 = -1);

// Waking the pool costs microseconds, more when other processes hold the cores: work is split so that each
// thread gets at least this many multiply-accumulates (some 20-40 us of SGEMM), and smaller work stays on
// the calling thread.
constexpr int64_t kMinMacsPerThread = int64_t{1} << 22;

// sgemm split over the pool's threads: by rows of A, or by column panels when there are few rows.
void sgemmParallel(ThreadPool& threads, int64_t m, const float* a, int64_t lda, const PackedB& b, float* c,
                   int64_t ldc, const Epilogue& epilogue);

// Weights readable at prepare: constants, and outputs folded at prepare (DEQUANTIZE of constant weights).
bool knownAtPrepare(const RuntimeTensor& t);

// Where weight group g's matrix B_g (k x n) sits in a tensor: B_g(r, c) = data[g * groupOffset + r *
// rowStride + c * colStride].
struct WeightLayout {
    int64_t k = 0, n = 0, groups = 1;
    int64_t groupOffset = 0, rowStride = 0, colStride = 1;
    bool operator==(const WeightLayout&) const = default;
};

// A kernel's packed weights: packed once at prepare when known then (and kept while the same weights come
// back), otherwise packed at every eval into scratch requested at prepare.
class PackedWeights {
  public:
    Status prepare(OpContext& ctx, const RuntimeTensor& weights, const WeightLayout& layout, Isa isa);
    // Call at the start of eval; packs now when the weights were not known at prepare.
    void evalPrepare(OpContext& ctx, const RuntimeTensor& weights);
    PackedB group(int64_t g) const { return {data_ + g * groupSize_, layout_.k, layout_.n, isa_}; }

  private:
    void pack(const float* src, float* dst) const;

    WeightLayout layout_, packedLayout_;
    Isa isa_ = Isa::Scalar, packedIsa_ = Isa::Scalar;
    int64_t groupSize_ = 0;
    bool constant_ = false;
    int scratch_ = -1;
    std::vector<float> storage_;
    const float* source_ = nullptr;
    const float* data_ = nullptr;
};

}  // namespace litescope::kernels::gemm

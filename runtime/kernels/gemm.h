// Single-precision matrix multiplication for the convolution and matmul kernels: B packed once into column
// panels, A packed per block into row micro-panels, and a register-blocked micro-kernel per instruction set
// (AVX-512, AVX2 with FMA, and a portable one), with bias and clamp fused into the store.
#pragma once

#include <cstdint>
#include <limits>

namespace litescope {
class ThreadPool;
}

namespace litescope::kernels::gemm {

enum class Isa : uint8_t { Scalar, Avx2, Avx512 };

// The widest instruction set this build was compiled for; every kernel uses it unless told otherwise.
Isa nativeIsa();
// Whether `isa`'s micro-kernel is compiled into this build (Scalar always is).
bool isaCompiled(Isa isa);
const char* isaName(Isa isa);

// The register tile of an instruction set: `mr` rows of A against column panels of `panelVectors` vectors
// of `lanes` floats.
struct Geometry {
    int mr = 1;
    int lanes = 1;
    int panelVectors = 1;
    int panelWidth() const { return lanes * panelVectors; }
};
Geometry geometry(Isa isa);

// A strided matrix: element (r, c) is data[r * rowStride + c * colStride].
struct MatrixView {
    const float* data = nullptr;
    int64_t rowStride = 0;
    int64_t colStride = 1;
};

// B (k x n) in the layout the micro-kernel reads: panels of panelWidth columns (the last one rounded up to
// whole vectors and zero-filled), each stored k rows at a time.
struct PackedB {
    const float* data = nullptr;
    int64_t k = 0;
    int64_t n = 0;
    Isa isa = Isa::Scalar;
};

// Floats needed to hold a packed k x n matrix.
int64_t packedBSize(int64_t k, int64_t n, Isa isa);
// Packs `b` (k x n) into `out` (packedBSize floats) and returns the view of it.
PackedB packB(MatrixView b, int64_t k, int64_t n, float* out, Isa isa);

// What is done to each result before it is stored: add bias[column] (when not null), then clamp.
struct Epilogue {
    const float* bias = nullptr;
    float lo = -std::numeric_limits<float>::infinity();
    float hi = std::numeric_limits<float>::infinity();
};

// Floats of workspace (for packing A) one single-threaded sgemm call needs.
int64_t workspaceSize(Isa isa);

// C (m x n, row stride ldc) = A (m x b.k) * B, then the epilogue. Only columns [n0, n1) are computed (n1 < 0:
// up to b.n); n0 must be a multiple of the panel width. `workspace` holds workspaceSize floats. No allocation.
void sgemm(int64_t m, MatrixView a, const PackedB& b, float* c, int64_t ldc, const Epilogue& epilogue,
           float* workspace, int64_t n0 = 0, int64_t n1 = -1);

// sgemm split over the pool's threads, by rows of A, or by column panels when there are few rows.
// `workspace` holds threads.size() * workspaceSize floats.
void sgemmParallel(ThreadPool& threads, int64_t m, MatrixView a, const PackedB& b, float* c, int64_t ldc,
                   const Epilogue& epilogue, float* workspace);

}  // namespace litescope::kernels::gemm

// Which kernel runs which op: builtin codes and custom op names mapped to kernel factories.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "runtime/op_kernel.h"

namespace litescope {

class KernelRegistry {
  public:
    // Every kernel of this build.
    static const KernelRegistry& builtin();

    void add(fb::BuiltinOperator op, KernelFactory factory);
    void addCustom(const std::string& name, KernelFactory factory);
    // Null when no kernel exists for the op.
    KernelFactory find(const OperatorCode& code) const;
    std::vector<std::string> supportedOps() const;

  private:
    std::map<int32_t, KernelFactory> builtins_;
    std::map<std::string, KernelFactory> customs_;
};

namespace kernels {
// One function per kernel family (runtime/kernels/<family>.cpp) adds its kernels.
void registerBinaryKernels(KernelRegistry& r);  // binary.cpp: broadcasting arithmetic, comparisons
void registerUnaryKernels(KernelRegistry& r);   // unary.cpp: math, activations, casts, (de)quantize
void registerShapeKernels(KernelRegistry& r);   // shape_ops.cpp: reshape, transpose, concat, slice, pad
void registerIndexKernels(KernelRegistry& r);   // index_ops.cpp: gather, scatter, arg max, top-k, where
void registerReduceKernels(KernelRegistry& r);  // reduce.cpp: mean, sum, softmax, normalization
void registerConvKernels(KernelRegistry& r);  // conv.cpp: CONV_2D, DEPTHWISE_CONV_2D, TRANSPOSE_CONV, CONV_3D
void registerPoolingKernels(KernelRegistry& r);      // pooling.cpp: pooling and resizing
void registerMatmulKernels(KernelRegistry& r);       // fully_connected.cpp: FULLY_CONNECTED, BATCH_MATMUL
void registerControlFlowKernels(KernelRegistry& r);  // control_flow.cpp: WHILE, IF, CALL_ONCE, variables
void registerRecurrentKernels(KernelRegistry& r);    // recurrent.cpp: LSTM, SVDF
void registerMiscKernels(KernelRegistry& r);         // misc.cpp: FFT, DENSIFY, detection post-processing
}  // namespace kernels

}  // namespace litescope

// The integer and hybrid (integer weights, float activations) variants of the convolution and matmul
// kernels. The float kernels in conv.cpp and fully_connected.cpp hand a node over to these when its input or
// weights are not float; the arithmetic follows TensorFlow Lite 2.8 so that quantized outputs are identical.
#pragma once

#include <memory>

#include "runtime/op_kernel.h"

namespace litescope::kernels::qconv {

// One spatial axis of a windowed op: output size and leading padding, as TFLite's padding.h computes them.
struct Axis {
    int32_t in = 1, filter = 1, stride = 1, dilation = 1;
    int32_t out = 1, pad = 0;
};
bool computeAxis(fb::Padding padding, Axis& a);

std::unique_ptr<OpKernel> makeConv2D();
std::unique_ptr<OpKernel> makeDepthwiseConv2D();
std::unique_ptr<OpKernel> makeTransposeConv();
std::unique_ptr<OpKernel> makeFullyConnected();
std::unique_ptr<OpKernel> makeBatchMatMul();

}  // namespace litescope::kernels::qconv

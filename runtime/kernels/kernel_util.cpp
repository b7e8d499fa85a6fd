#include "runtime/kernels/kernel_util.h"

namespace litescope::kernels {

bool broadcastShapes(const Shape& a, const Shape& b, Shape& out) {
    const int rank = std::max(a.rank(), b.rank());
    out.setRank(rank);
    for (int i = 0; i < rank; ++i) {
        const int ia = a.rank() - rank + i, ib = b.rank() - rank + i;
        const int32_t da = ia >= 0 ? a[ia] : 1, db = ib >= 0 ? b[ib] : 1;
        if (da != db && da != 1 && db != 1) return false;
        out[i] = da == 1 ? db : da;
    }
    return true;
}

BroadcastIndex::BroadcastIndex(const Shape& input, const Shape& output) {
    const int rank = output.rank();
    int64_t stride = 1;
    for (int d = rank - 1; d >= 0; --d) {
        const int id = input.rank() - rank + d;
        const int32_t dim = id >= 0 ? input[id] : 1;
        strides_[static_cast<size_t>(d)] = dim == 1 ? 0 : stride;
        stride *= dim;
    }
}

ActivationRange activationRange(fb::ActivationFunctionType activation) {
    switch (activation) {
        case fb::ActivationFunctionType::RELU: return {0.f, std::numeric_limits<float>::max()};
        case fb::ActivationFunctionType::RELU_N1_TO_1: return {-1.f, 1.f};
        case fb::ActivationFunctionType::RELU6: return {0.f, 6.f};
        default: return {};
    }
}

bool isSupportedActivation(fb::ActivationFunctionType activation) {
    return activation != fb::ActivationFunctionType::SIGN_BIT;
}

}  // namespace litescope::kernels

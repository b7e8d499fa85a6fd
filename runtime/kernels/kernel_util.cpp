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
        case fb::ActivationFunctionType::RELU:
            return {0.f, std::numeric_limits<float>::max()};
        case fb::ActivationFunctionType::RELU_N1_TO_1:
            return {-1.f, 1.f};
        case fb::ActivationFunctionType::RELU6:
            return {0.f, 6.f};
        default:
            return {};
    }
}

bool isSupportedActivation(fb::ActivationFunctionType activation) {
    return activation != fb::ActivationFunctionType::SIGN_BIT;
}

bool isByteSized(TensorType type) {
    const int bits = tensorTypeBits(type);
    return bits >= 8 && bits % 8 == 0;
}

bool isQuantizedType(TensorType type) {
    return type == TensorType::Int8 || type == TensorType::UInt8 || type == TensorType::Int16;
}

bool sameQuantization(const RuntimeTensor& a, const RuntimeTensor& b) {
    const QuantizationParams& qa = a.quantization();
    const QuantizationParams& qb = b.quantization();
    if (!qa.hasAffine() || !qb.hasAffine()) return true;
    if (std::equal(qa.scale.begin(), qa.scale.end(), qb.scale.begin(), qb.scale.end()) &&
        std::equal(qa.zeroPoint.begin(), qa.zeroPoint.end(), qb.zeroPoint.begin(), qb.zeroPoint.end()))
        return true;
    return !qa.isPerChannel() && !qb.isPerChannel() && a.scale() == b.scale() &&
           a.zeroPoint() == b.zeroPoint();
}

bool valuesKnown(const OpContext& ctx, const RuntimeTensor& t) {
    return t.isConstant() || ctx.isEvaluating() || t.elementCount() == 0;
}

Status requireData(const OpContext& ctx, const RuntimeTensor& t, const char* what) {
    if (t.data == nullptr && t.elementCount() != 0) return ctx.fail(std::string(what) + " has no data");
    return Status::ok();
}

Status readAxis(const OpContext& ctx, const RuntimeTensor& t, int rank, int& axis) {
    if (t.elementCount() != 1)
        return ctx.fail("axis must hold one value, has " + std::to_string(t.elementCount()));
    if (Status s = requireData(ctx, t, "axis"); !s) return s;
    const int64_t a = readIndex(t, 0);
    if (a < -rank || a >= rank)
        return ctx.fail("axis " + std::to_string(a) + " is out of range for rank " + std::to_string(rank));
    axis = static_cast<int>(a < 0 ? a + rank : a);
    return Status::ok();
}

}  // namespace litescope::kernels

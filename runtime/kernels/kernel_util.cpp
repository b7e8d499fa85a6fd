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

Status BatchMatMulShape::prepare(OpContext& ctx) {
    const RuntimeTensor& lhs = ctx.input(0);
    const RuntimeTensor& rhs = ctx.input(1);
    const int rl = lhs.shape.rank(), rr = rhs.shape.rank();
    LS_ENSURE(ctx, rl >= 2 && rr >= 2,
              "inputs need rank 2 or more, have " + lhs.shape.toString() + " and " + rhs.shape.toString());
    const auto* o = ctx.options<fb::BatchMatMulOptions>();
    adjX = o && o->adj_x();
    adjY = o && o->adj_y();
    m = adjX ? lhs.shape[rl - 1] : lhs.shape[rl - 2];
    k = adjX ? lhs.shape[rl - 2] : lhs.shape[rl - 1];
    const int32_t rhsK = adjY ? rhs.shape[rr - 1] : rhs.shape[rr - 2];
    n = adjY ? rhs.shape[rr - 2] : rhs.shape[rr - 1];
    LS_ENSURE(ctx, k == rhsK,
              "inner dimensions differ: " + lhs.shape.toString() + (adjX ? " (adj_x)" : "") + " and " +
                  rhs.shape.toString() + (adjY ? " (adj_y)" : ""));
    lhsBatch = Shape(lhs.shape.dims().first(static_cast<size_t>(rl - 2)));
    rhsBatch = Shape(rhs.shape.dims().first(static_cast<size_t>(rr - 2)));
    LS_ENSURE(
        ctx, broadcastShapes(lhsBatch, rhsBatch, outBatch),
        "batch dimensions of " + lhs.shape.toString() + " and " + rhs.shape.toString() + " do not broadcast");
    lhsIndex = BroadcastIndex(lhsBatch, outBatch);
    rhsIndex = BroadcastIndex(rhsBatch, outBatch);
    Shape out = outBatch;
    out.push(m);
    out.push(n);
    return ctx.resizeOutput(0, out);
}

}  // namespace litescope::kernels

// Reductions over axes (MEAN, SUM, REDUCE_PROD, REDUCE_MAX, REDUCE_MIN, REDUCE_ANY, REDUCE_ALL) and the
// normalizations along the last axis (SOFTMAX, LOG_SOFTMAX, L2_NORMALIZATION, LOCAL_RESPONSE_NORMALIZATION).
// Float paths plus the int32/int64/bool reductions TFLite has; quantized variants come later.
#include <cmath>
#include <cstring>

#include "runtime/kernel_registry.h"
#include "runtime/kernels/kernel_util.h"

namespace litescope::kernels {
namespace {

enum class Reduce { Mean, Sum, Prod, Max, Min, Any, All };

// Which input dimensions the axis operand names, negative axes wrapped, repeats counted once.
struct AxisSet {
    std::array<bool, Shape::kMaxRank> reduced{};
    int distinct = 0;
};

Status resolveAxes(OpContext& ctx, const RuntimeTensor& axis, int rank, AxisSet& out) {
    out = AxisSet{};
    if (rank == 0) return Status::ok();  // a scalar reduces to itself, whatever the axes say (as TFLite)
    for (int64_t i = 0; i < axis.elementCount(); ++i) {
        const int64_t a = readIndex(axis, i);
        if (a < -rank || a >= rank)
            return ctx.fail("axis " + std::to_string(a) + " is out of range for an input of rank " +
                            std::to_string(rank));
        const size_t d = static_cast<size_t>(a < 0 ? a + rank : a);
        if (!out.reduced[d]) ++out.distinct;
        out.reduced[d] = true;
    }
    return Status::ok();
}

Shape reducedShape(const Shape& in, const AxisSet& axes, bool keepDims) {
    Shape out;
    for (int d = 0; d < in.rank(); ++d) {
        if (!axes.reduced[static_cast<size_t>(d)])
            out.push(in[d]);
        else if (keepDims)
            out.push(1);
    }
    return out;
}

// How a reduction walks the input: the kept dimensions enumerate the output elements in row-major order,
// the reduced dimensions the input elements folded into each. Dimensions of size 1 are dropped and
// neighbours of the same kind merged, so that most reductions become one or two plain loops.
struct ReductionPlan {
    int keptRank = 0, reducedRank = 0;
    std::array<int64_t, Shape::kMaxRank> keptDims{}, keptStrides{}, reducedDims{}, reducedStrides{};
    int64_t outputCount = 1, reducedCount = 1;
};

ReductionPlan makePlan(const Shape& in, const AxisSet& axes) {
    ReductionPlan p;
    std::array<int64_t, Shape::kMaxRank> strides{};
    int64_t stride = 1;
    for (int d = in.rank() - 1; d >= 0; --d) {
        strides[static_cast<size_t>(d)] = stride;
        stride *= in[d];
    }
    int lastKind = -1;  // 0 kept, 1 reduced: the kind of the group the previous dimension joined
    for (int d = 0; d < in.rank(); ++d) {
        const int64_t n = in[d];
        const bool reduced = axes.reduced[static_cast<size_t>(d)];
        (reduced ? p.reducedCount : p.outputCount) *= n;
        if (n == 1) continue;
        auto& dims = reduced ? p.reducedDims : p.keptDims;
        auto& strideOf = reduced ? p.reducedStrides : p.keptStrides;
        int& rank = reduced ? p.reducedRank : p.keptRank;
        if (lastKind == static_cast<int>(reduced)) {
            // Contiguous with the previous dimension of this group: one longer dimension.
            dims[static_cast<size_t>(rank - 1)] *= n;
            strideOf[static_cast<size_t>(rank - 1)] = strides[static_cast<size_t>(d)];
        } else {
            dims[static_cast<size_t>(rank)] = n;
            strideOf[static_cast<size_t>(rank)] = strides[static_cast<size_t>(d)];
            ++rank;
        }
        lastKind = static_cast<int>(reduced);
    }
    return p;
}

// Calls fn(offset) for each element of a (dims, strides) walk starting at `base`, the last dimension
// innermost.
template <typename Fn>
inline void walk(int rank, const std::array<int64_t, Shape::kMaxRank>& dims,
                 const std::array<int64_t, Shape::kMaxRank>& strides, int64_t base, Fn&& fn) {
    if (rank == 0) {
        fn(base);
        return;
    }
    const size_t last = static_cast<size_t>(rank - 1);
    const int64_t n = dims[last], step = strides[last];
    std::array<int64_t, Shape::kMaxRank> counter{};
    int64_t offset = base;
    for (;;) {
        for (int64_t i = 0; i < n; ++i)
            fn(offset + i * step);
        int d = rank - 2;
        for (; d >= 0; --d) {
            const size_t k = static_cast<size_t>(d);
            offset += strides[k];
            if (++counter[k] < dims[k]) break;
            offset -= strides[k] * dims[k];
            counter[k] = 0;
        }
        if (d < 0) return;
    }
}

// Integer sums and products wrap as TFLite's (two's complement) arithmetic does, without the undefined
// behaviour of signed overflow.
template <typename T>
inline T wrapAdd(T a, T b) {
    using U = std::make_unsigned_t<T>;
    return static_cast<T>(static_cast<U>(a) + static_cast<U>(b));
}
template <typename T>
inline T wrapMul(T a, T b) {
    using U = std::make_unsigned_t<T>;
    return static_cast<T>(static_cast<U>(a) * static_cast<U>(b));
}

template <Reduce Op>
class ReduceKernel : public OpKernel {
  public:
    Status prepare(OpContext& ctx) override {
        LS_ENSURE(ctx, ctx.inputCount() == 2 && ctx.hasInput(0) && ctx.hasInput(1),
                  "needs an input and an axis operand");
        LS_ENSURE(ctx, ctx.outputCount() == 1, "needs one output");
        const RuntimeTensor& in = ctx.input(0);
        const RuntimeTensor& axis = ctx.input(1);
        if constexpr (Op == Reduce::Any || Op == Reduce::All) {
            LS_ENSURE(ctx, in.type == TensorType::Bool,
                      "input must be BOOL, not " + std::string(tensorTypeName(in.type)));
        } else {
            if (in.type != TensorType::Float32 && in.type != TensorType::Int32 &&
                in.type != TensorType::Int64)
                return ctx.unsupportedType("input", in.type);
        }
        LS_ENSURE(ctx, ctx.output(0).type == in.type, "output type differs from the input's");
        LS_ENSURE(ctx, isIndexType(axis.type), "axis operand must be INT32 or INT64");
        LS_ENSURE(ctx, axis.shape.rank() <= 1, "axis operand must be a scalar or a vector");
        keepDims_ = false;
        if (auto* o = ctx.options<fb::ReducerOptions>()) keepDims_ = o->keep_dims();
        axesAtEval_ = !axis.isConstant() && !ctx.isEvaluating();
        if (axesAtEval_) {
            ctx.markOutputDynamic(0);
            return Status::ok();
        }
        LS_RETURN_IF_ERROR(resolveAxes(ctx, axis, in.shape.rank(), axes_));
        return ctx.resizeOutput(0, reducedShape(in.shape, axes_, keepDims_));
    }

    Status eval(OpContext& ctx) override {
        const RuntimeTensor& in = ctx.input(0);
        if (axesAtEval_) {
            LS_RETURN_IF_ERROR(resolveAxes(ctx, ctx.input(1), in.shape.rank(), axes_));
            LS_RETURN_IF_ERROR(ctx.resizeOutput(0, reducedShape(in.shape, axes_, keepDims_)));
        }
        RuntimeTensor& out = ctx.output(0);
        switch (in.type) {
            case TensorType::Float32:
                run<float>(in, out);
                break;
            case TensorType::Int32:
                run<int32_t>(in, out);
                break;
            case TensorType::Int64:
                run<int64_t>(in, out);
                break;
            case TensorType::Bool:
                run<uint8_t>(in, out);
                break;
            default:
                return ctx.unsupportedType("input", in.type);
        }
        return Status::ok();
    }

  private:
    template <typename T>
    void run(const RuntimeTensor& in, RuntimeTensor& out) {
        const T* x = in.as<T>();
        T* y = out.as<T>();
        const int64_t outCount = out.elementCount();
        if (in.elementCount() == 0) {
            // Nothing to fold: each output keeps the reduction's starting value (MEAN gives NaN, as TFLite).
            for (int64_t i = 0; i < outCount; ++i)
                y[i] = emptyValue<T>();
            return;
        }
        const ReductionPlan p = makePlan(in.shape, axes_);
        // TFLite seeds a reduction over every axis with the first element rather than the starting value;
        // it matters for MAX and MIN of -inf/+inf and NaN.
        const bool seedFirst = (Op == Reduce::Max || Op == Reduce::Min) &&
                               (in.shape.rank() == 0 || axes_.distinct == in.shape.rank());
        int64_t o = 0;
        walk(p.keptRank, p.keptDims, p.keptStrides, 0,
             [&](int64_t base) { y[o++] = reduceOne(x, p, base, seedFirst); });
    }

    template <typename T>
    static T emptyValue() {
        if constexpr (Op == Reduce::Mean)
            return std::numeric_limits<T>::has_quiet_NaN ? std::numeric_limits<T>::quiet_NaN() : T{0};
        if constexpr (Op == Reduce::Sum || Op == Reduce::Any) return T{0};
        if constexpr (Op == Reduce::Prod || Op == Reduce::All) return T{1};
        if constexpr (Op == Reduce::Max) return std::numeric_limits<T>::lowest();
        if constexpr (Op == Reduce::Min) return std::numeric_limits<T>::max();
        return T{0};
    }

    template <typename T>
    T reduceOne(const T* x, const ReductionPlan& p, int64_t base, bool seedFirst) const {
        if constexpr (Op == Reduce::Mean || Op == Reduce::Sum) {
            if constexpr (std::is_floating_point_v<T>) {
                double acc = 0;
                walk(p.reducedRank, p.reducedDims, p.reducedStrides, base, [&](int64_t i) { acc += x[i]; });
                if constexpr (Op == Reduce::Mean) acc /= static_cast<double>(p.reducedCount);
                return static_cast<T>(acc);
            } else {
                int64_t acc = 0;
                walk(p.reducedRank, p.reducedDims, p.reducedStrides, base,
                     [&](int64_t i) { acc = wrapAdd<int64_t>(acc, static_cast<int64_t>(x[i])); });
                if constexpr (Op == Reduce::Mean) return static_cast<T>(acc / p.reducedCount);
                return static_cast<T>(acc);  // int32 wraps the same whether summed in 32 or 64 bits
            }
        } else if constexpr (Op == Reduce::Prod) {
            if constexpr (std::is_floating_point_v<T>) {
                double acc = 1;
                walk(p.reducedRank, p.reducedDims, p.reducedStrides, base, [&](int64_t i) { acc *= x[i]; });
                return static_cast<T>(acc);
            } else {
                T acc = 1;
                walk(p.reducedRank, p.reducedDims, p.reducedStrides, base,
                     [&](int64_t i) { acc = wrapMul<T>(acc, x[i]); });
                return acc;
            }
        } else if constexpr (Op == Reduce::Max || Op == Reduce::Min) {
            T acc = seedFirst ? x[base] : emptyValue<T>();
            walk(p.reducedRank, p.reducedDims, p.reducedStrides, base, [&](int64_t i) {
                if constexpr (Op == Reduce::Max) {
                    if (x[i] > acc) acc = x[i];
                } else {
                    if (x[i] < acc) acc = x[i];
                }
            });
            return acc;
        } else {
            bool acc = Op == Reduce::All;
            walk(p.reducedRank, p.reducedDims, p.reducedStrides, base, [&](int64_t i) {
                if constexpr (Op == Reduce::Any) {
                    acc = acc || x[i] != 0;
                } else {
                    acc = acc && x[i] != 0;
                }
            });
            return static_cast<T>(acc ? 1 : 0);
        }
    }

    bool keepDims_ = false;
    bool axesAtEval_ = false;
    AxisSet axes_;
};

// Shared checks of the ops that work along the last axis: one float input, output of the same shape.
Status prepareLastAxis(OpContext& ctx, int minRank) {
    LS_ENSURE(ctx, ctx.inputCount() >= 1 && ctx.hasInput(0), "needs an input");
    LS_ENSURE(ctx, ctx.outputCount() == 1, "needs one output");
    const RuntimeTensor& in = ctx.input(0);
    if (in.type != TensorType::Float32) return ctx.unsupportedType("input", in.type);
    LS_ENSURE(ctx, ctx.output(0).type == in.type, "output type differs from the input's");
    LS_ENSURE(ctx, in.shape.rank() >= minRank,
              "input must have rank " + std::to_string(minRank) + " or more, not " + in.shape.toString());
    return ctx.resizeOutput(0, in.shape);
}

template <bool Log>
class SoftmaxKernel : public OpKernel {
  public:
    Status prepare(OpContext& ctx) override {
        LS_RETURN_IF_ERROR(prepareLastAxis(ctx, 1));
        beta_ = 1.f;
        if constexpr (!Log) {
            beta_ = 0.f;  // the format's default when the options are absent
            if (auto* o = ctx.options<fb::SoftmaxOptions>()) beta_ = o->beta();
        }
        return Status::ok();
    }

    Status eval(OpContext& ctx) override {
        const RuntimeTensor& in = ctx.input(0);
        const int64_t depth = in.shape[in.shape.rank() - 1];
        if (depth == 0) return Status::ok();
        const int64_t outer = in.elementCount() / depth;
        const float* x = in.as<float>();
        float* y = ctx.output(0).as<float>();
        for (int64_t r = 0; r < outer; ++r) {
            const float* xr = x + r * depth;
            float* yr = y + r * depth;
            float max = std::numeric_limits<float>::lowest();
            for (int64_t c = 0; c < depth; ++c)
                max = std::max(max, xr[c]);
            double sum = 0;
            if constexpr (Log) {
                for (int64_t c = 0; c < depth; ++c)
                    sum += std::exp(xr[c] - max);
                const float logSum = static_cast<float>(std::log(sum));
                for (int64_t c = 0; c < depth; ++c)
                    yr[c] = xr[c] - max - logSum;
            } else {
                for (int64_t c = 0; c < depth; ++c) {
                    yr[c] = std::exp((xr[c] - max) * beta_);
                    sum += yr[c];
                }
                for (int64_t c = 0; c < depth; ++c)
                    yr[c] = static_cast<float>(yr[c] / sum);
            }
        }
        return Status::ok();
    }

  private:
    float beta_ = 1.f;
};

class L2NormalizationKernel : public OpKernel {
  public:
    Status prepare(OpContext& ctx) override {
        LS_RETURN_IF_ERROR(prepareLastAxis(ctx, 1));
        // TFLite's kernel has no fused activation.
        if (auto* o = ctx.options<fb::L2NormOptions>())
            LS_ENSURE(ctx, o->fused_activation_function() == fb::ActivationFunctionType::NONE,
                      "a fused activation is not supported on L2_NORMALIZATION");
        return Status::ok();
    }

    Status eval(OpContext& ctx) override {
        // TFLite's fixed epsilon: a zero vector stays zero instead of dividing by zero.
        constexpr float kEpsilon = 1e-6f;
        const RuntimeTensor& in = ctx.input(0);
        const int64_t depth = in.shape[in.shape.rank() - 1];
        if (depth == 0) return Status::ok();
        const int64_t outer = in.elementCount() / depth;
        const float* x = in.as<float>();
        float* y = ctx.output(0).as<float>();
        for (int64_t r = 0; r < outer; ++r) {
            double squares = 0;
            for (int64_t c = 0; c < depth; ++c)
                squares += static_cast<double>(x[r * depth + c]) * x[r * depth + c];
            const float norm = std::max(static_cast<float>(std::sqrt(squares)), kEpsilon);
            for (int64_t c = 0; c < depth; ++c)
                y[r * depth + c] = x[r * depth + c] / norm;
        }
        return Status::ok();
    }
};

class LocalResponseNormalizationKernel : public OpKernel {
  public:
    Status prepare(OpContext& ctx) override {
        LS_RETURN_IF_ERROR(prepareLastAxis(ctx, 4));
        LS_ENSURE(ctx, ctx.input(0).shape.rank() == 4,
                  "input must have rank 4, not " + ctx.input(0).shape.toString());
        radius_ = 0;
        bias_ = alpha_ = beta_ = 0.f;
        if (auto* o = ctx.options<fb::LocalResponseNormalizationOptions>()) {
            radius_ = o->radius();
            bias_ = o->bias();
            alpha_ = o->alpha();
            beta_ = o->beta();
        }
        LS_ENSURE(ctx, radius_ >= 0, "negative radius " + std::to_string(radius_));
        return Status::ok();
    }

    Status eval(OpContext& ctx) override {
        const RuntimeTensor& in = ctx.input(0);
        const int64_t depth = in.shape[3];
        if (depth == 0) return Status::ok();
        const int64_t outer = in.elementCount() / depth;
        const float* x = in.as<float>();
        float* y = ctx.output(0).as<float>();
        // TFLite's kernel sums alpha * x^2 over the window [c - radius, c + radius] clipped to the depth.
        for (int64_t r = 0; r < outer; ++r) {
            const float* xr = x + r * depth;
            float* yr = y + r * depth;
            for (int64_t c = 0; c < depth; ++c) {
                const int64_t lo = std::max<int64_t>(0, c - radius_);
                const int64_t hi = std::min<int64_t>(depth - 1, c + radius_);
                double sum = 0;
                for (int64_t k = lo; k <= hi; ++k)
                    sum += static_cast<double>(xr[k]) * xr[k];
                const float scale = bias_ + static_cast<float>(alpha_ * sum);
                yr[c] = xr[c] * std::pow(scale, -beta_);
            }
        }
        return Status::ok();
    }

  private:
    int32_t radius_ = 0;
    float bias_ = 0.f, alpha_ = 0.f, beta_ = 0.f;
};

}  // namespace

void registerReduceKernels(KernelRegistry& r) {
    using B = fb::BuiltinOperator;
    r.add(B::MEAN, makeKernel<ReduceKernel<Reduce::Mean>>);
    r.add(B::SUM, makeKernel<ReduceKernel<Reduce::Sum>>);
    r.add(B::REDUCE_PROD, makeKernel<ReduceKernel<Reduce::Prod>>);
    r.add(B::REDUCE_MAX, makeKernel<ReduceKernel<Reduce::Max>>);
    r.add(B::REDUCE_MIN, makeKernel<ReduceKernel<Reduce::Min>>);
    r.add(B::REDUCE_ANY, makeKernel<ReduceKernel<Reduce::Any>>);
    r.add(B::REDUCE_ALL, makeKernel<ReduceKernel<Reduce::All>>);
    r.add(B::SOFTMAX, makeKernel<SoftmaxKernel<false>>);
    r.add(B::LOG_SOFTMAX, makeKernel<SoftmaxKernel<true>>);
    r.add(B::L2_NORMALIZATION, makeKernel<L2NormalizationKernel>);
    r.add(B::LOCAL_RESPONSE_NORMALIZATION, makeKernel<LocalResponseNormalizationKernel>);
}

}  // namespace litescope::kernels

// Reductions over axes (MEAN, SUM, REDUCE_PROD, REDUCE_MAX, REDUCE_MIN, REDUCE_ANY, REDUCE_ALL) and the
// normalizations along the last axis (SOFTMAX, LOG_SOFTMAX, L2_NORMALIZATION, LOCAL_RESPONSE_NORMALIZATION).
// Float paths plus the int32/int64/bool reductions TFLite has. Quantized MEAN and SUM requantize as TFLite
// 2.8 does (its dedicated kernels for 4-D height-and-width means, QuantizedMeanOrSum otherwise);
// REDUCE_MAX/MIN compare stored integers; SOFTMAX has TFLite's 8-bit and int16 kernels, L2_NORMALIZATION
// its 8-bit one.
#include <bit>
#include <cmath>
#include <cstring>

#include "runtime/kernel_registry.h"
#include "runtime/kernels/fixed_point_math.h"
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
            const bool quantized = isQuantizedType(in.type) && hasQuantizedPath();
            if (in.type != TensorType::Float32 && in.type != TensorType::Int32 &&
                in.type != TensorType::Int64 && !quantized)
                return ctx.unsupportedType("input", in.type);
        }
        LS_ENSURE(ctx, ctx.output(0).type == in.type, "output type differs from the input's");
        if ((Op == Reduce::Mean || Op == Reduce::Sum) && isQuantizedType(in.type))
            LS_ENSURE(ctx, usableScale(in.scale()) && usableScale(ctx.output(0).scale()),
                      "quantized input and output need positive scales");
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
            case TensorType::Int8:
                return runQuantized<int8_t>(ctx, in, out);
            case TensorType::UInt8:
                return runQuantized<uint8_t>(ctx, in, out);
            case TensorType::Int16:
                return runQuantized<int16_t>(ctx, in, out);
            default:
                return ctx.unsupportedType("input", in.type);
        }
        return Status::ok();
    }

  private:
    static constexpr bool hasQuantizedPath() {
        return Op == Reduce::Mean || Op == Reduce::Sum || Op == Reduce::Max || Op == Reduce::Min;
    }

    template <typename T>
    Status runQuantized(OpContext& ctx, const RuntimeTensor& in, RuntimeTensor& out) {
        if constexpr (Op == Reduce::Max || Op == Reduce::Min) {
            run<T>(in, out);
            return Status::ok();
        } else if constexpr (Op == Reduce::Mean || Op == Reduce::Sum) {
            if (in.elementCount() == 0) {
                run<T>(in, out);  // nothing to average: the starting values
                return Status::ok();
            }
            const bool sameScale = in.scale() == out.scale() && in.zeroPoint() == out.zeroPoint();
            if constexpr (Op == Reduce::Sum) {
                // Only 8-bit sums with differing quantization are rescaled; the rest add stored values in T.
                if (sameScale || sizeof(T) == 2) {
                    run<T>(in, out);
                    return Status::ok();
                }
                meanOrSum<T>(in, out, true);
                return Status::ok();
            } else {
                if (isHeightWidthMean(ctx)) {
                    if constexpr (std::is_same_v<T, uint8_t>) {
                        heightWidthMeanUint8(in, out);
                    } else {
                        heightWidthMeanInteger<T>(in, out);
                    }
                    return Status::ok();
                }
                if (sameScale) {
                    integerMean<T>(in, out);
                    return Status::ok();
                }
                meanOrSum<T>(in, out, false);
                return Status::ok();
            }
        } else {
            return ctx.unsupportedType("input", in.type);
        }
    }

    // TFLite takes its dedicated kernel only for keep_dims means over axes given literally as (1, 2) or
    // (2, 1) of a 4-D input; negative spellings of the same axes take the general path.
    bool isHeightWidthMean(OpContext& ctx) const {
        const RuntimeTensor& axis = ctx.input(1);
        if (!keepDims_ || ctx.input(0).shape.rank() != 4 || axis.elementCount() != 2) return false;
        const int64_t a0 = readIndex(axis, 0), a1 = readIndex(axis, 1);
        return (a0 == 1 && a1 == 2) || (a0 == 2 && a1 == 1);
    }

    // TFLite's uint8 mean over height and width (its optimized kernel): sum the stored values, requantize
    // by scale ratio / count, then add a bias that folds in both zero points (rounded half away from zero).
    void heightWidthMeanUint8(const RuntimeTensor& in, RuntimeTensor& out) const {
        const int32_t batches = in.shape[0], h = in.shape[1], w = in.shape[2], depth = in.shape[3];
        const float inScale = in.scale(), outScale = out.scale();
        const auto count = static_cast<float>(h * w);
        float temp = static_cast<float>(in.zeroPoint()) * inScale / outScale;
        temp = temp > 0 ? temp + 0.5f : temp - 0.5f;
        const int32_t bias = out.zeroPoint() - static_cast<int32_t>(temp);
        const float realScale = inScale / (count * outScale);
        const QuantizedMultiplier m = quantizeMultiplier(static_cast<double>(realScale));
        const uint8_t* x = in.as<uint8_t>();
        uint8_t* y = out.as<uint8_t>();
        for (int32_t b = 0; b < batches; ++b) {
            for (int32_t c = 0; c < depth; ++c) {
                int32_t acc = 0;
                for (int32_t i = 0; i < h * w; ++i)
                    acc += static_cast<int32_t>(x[(static_cast<int64_t>(b) * h * w + i) * depth + c]);
                acc = multiplyByQuantizedMultiplier(acc, m) + bias;
                y[static_cast<int64_t>(b) * depth + c] =
                    static_cast<uint8_t>(std::min(std::max(acc, 0), 255));
            }
        }
    }

    // TFLite's int8/int16 mean over height and width (reference_integer_ops, which TFLite 2.8 runs for these
    // types): the sum of centred values requantized by the scale ratio, then divided by the count with
    // rounding half away from zero.
    template <typename T>
    void heightWidthMeanInteger(const RuntimeTensor& in, RuntimeTensor& out) const {
        const int32_t batches = in.shape[0], h = in.shape[1], w = in.shape[2], depth = in.shape[3];
        const QuantizedMultiplier m =
            quantizeMultiplier(static_cast<double>(in.scale()) / static_cast<double>(out.scale()));
        const int32_t count = h * w, inZero = in.zeroPoint(), outZero = out.zeroPoint();
        const T* x = in.as<T>();
        T* y = out.as<T>();
        const int32_t lo = std::numeric_limits<T>::min(), hi = std::numeric_limits<T>::max();
        for (int32_t b = 0; b < batches; ++b) {
            for (int32_t c = 0; c < depth; ++c) {
                int32_t acc = 0;
                for (int32_t i = 0; i < count; ++i)
                    acc +=
                        static_cast<int32_t>(x[(static_cast<int64_t>(b) * count + i) * depth + c]) - inZero;
                acc = multiplyByQuantizedMultiplier(acc, m);
                acc = acc > 0 ? (acc + count / 2) / count : (acc - count / 2) / count;
                acc += outZero;
                y[static_cast<int64_t>(b) * depth + c] = static_cast<T>(std::min(std::max(acc, lo), hi));
            }
        }
    }

    // Equal quantization: the integer mean of the stored values, truncated toward zero.
    template <typename T>
    void integerMean(const RuntimeTensor& in, RuntimeTensor& out) const {
        const T* x = in.as<T>();
        T* y = out.as<T>();
        const ReductionPlan p = makePlan(in.shape, axes_);
        int64_t o = 0;
        walk(p.keptRank, p.keptDims, p.keptStrides, 0, [&](int64_t base) {
            int32_t acc = 0;
            walk(p.reducedRank, p.reducedDims, p.reducedStrides, base,
                 [&](int64_t i) { acc += static_cast<int32_t>(x[i]); });
            y[o++] = static_cast<T>(acc / static_cast<int32_t>(p.reducedCount));
        });
    }

    // TFLite's QuantizedMeanOrSum: an int32 sum, then the mean (or sum) rescaled in float.
    template <typename T>
    void meanOrSum(const RuntimeTensor& in, RuntimeTensor& out, bool sum) const {
        const T* x = in.as<T>();
        T* y = out.as<T>();
        const ReductionPlan p = makePlan(in.shape, axes_);
        const float scale = in.scale() / out.scale();
        const auto count = static_cast<float>(p.reducedCount);
        const float lo = static_cast<float>(std::numeric_limits<T>::min());
        const float hi = static_cast<float>(std::numeric_limits<T>::max());
        const int32_t outZero = out.zeroPoint();
        const float bias = sum ? static_cast<float>(-in.zeroPoint()) * scale * count
                               : static_cast<float>(-in.zeroPoint()) * scale;
        int64_t o = 0;
        walk(p.keptRank, p.keptDims, p.keptStrides, 0, [&](int64_t base) {
            int32_t acc = 0;
            walk(p.reducedRank, p.reducedDims, p.reducedStrides, base,
                 [&](int64_t i) { acc += static_cast<int32_t>(x[i]); });
            if (sum) {
                // TFLite 2.8 does not clamp a rescaled sum: it keeps the low bits, as the cast here does.
                const auto v =
                    static_cast<int32_t>(std::round(static_cast<float>(acc) * scale + bias)) + outZero;
                y[o++] = static_cast<T>(v);
            } else {
                const float mean = static_cast<float>(acc) / count;
                float v = std::min(std::round(mean * scale + bias) + static_cast<float>(outZero), hi);
                y[o++] = static_cast<T>(std::max(v, lo));
            }
        });
    }

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

// Shared checks of the ops that work along the last axis: a float input (or an 8-bit one where the op has
// such a path), output of the same shape.
Status prepareLastAxis(OpContext& ctx, int minRank, bool allow8Bit = false, bool allowInt16 = false) {
    LS_ENSURE(ctx, ctx.inputCount() >= 1 && ctx.hasInput(0), "needs an input");
    LS_ENSURE(ctx, ctx.outputCount() == 1, "needs one output");
    const RuntimeTensor& in = ctx.input(0);
    const bool is8 = in.type == TensorType::Int8 || in.type == TensorType::UInt8;
    if (in.type != TensorType::Float32 && !(allow8Bit && is8) &&
        !(allowInt16 && in.type == TensorType::Int16))
        return ctx.unsupportedType("input", in.type);
    // 8-bit SOFTMAX may widen to int16; the caller checks that case.
    const TensorType outType = ctx.output(0).type;
    LS_ENSURE(ctx, outType == in.type || (allow8Bit && is8 && outType == TensorType::Int16),
              "output type differs from the input's");
    LS_ENSURE(ctx, in.shape.rank() >= minRank,
              "input must have rank " + std::to_string(minRank) + " or more, not " + in.shape.toString());
    return ctx.resizeOutput(0, in.shape);
}

template <bool Log>
class SoftmaxKernel : public OpKernel {
  public:
    Status prepare(OpContext& ctx) override {
        LS_RETURN_IF_ERROR(prepareLastAxis(ctx, 1, !Log, !Log));
        beta_ = 1.f;
        if constexpr (!Log) {
            beta_ = 0.f;  // the format's default when the options are absent
            if (auto* o = ctx.options<fb::SoftmaxOptions>()) beta_ = o->beta();
            const RuntimeTensor& in = ctx.input(0);
            if (in.type == TensorType::Int16) return prepareInt16(ctx, in);
            if (in.type != TensorType::Float32) {
                LS_ENSURE(ctx, usableScale(in.scale()) && usableScale(ctx.output(0).scale()),
                          "quantized input and output need positive scales");
                populateSoftmaxTable(table_, in.scale(), beta_);
            }
        }
        return Status::ok();
    }

    Status eval(OpContext& ctx) override {
        const RuntimeTensor& in = ctx.input(0);
        if constexpr (!Log) {
            RuntimeTensor& out = ctx.output(0);
            if (in.type == TensorType::Int8) {
                if (out.type == TensorType::Int16)
                    return runQuantized(in.as<int8_t>(), out.as<int16_t>(), ctx);
                return runQuantized(in.as<int8_t>(), out.as<int8_t>(), ctx);
            }
            if (in.type == TensorType::Int16) {
                runInt16(in.as<int16_t>(), out.as<int16_t>(), in);
                return Status::ok();
            }
            if (in.type == TensorType::UInt8) {
                if (out.type == TensorType::Int16)
                    return runQuantized(in.as<uint8_t>(), out.as<int16_t>(), ctx);
                return runQuantized(in.as<uint8_t>(), out.as<uint8_t>(), ctx);
            }
        }
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
    // TFLite's optimized 8-bit softmax: exponentials from the table relative to the row maximum, a float
    // sum, and the output quantized in float (uint8 by adding 0.5 and truncating, as its x86 build does).
    template <typename In, typename Out>
    Status runQuantized(const In* x, Out* y, OpContext& ctx) const {
        const RuntimeTensor& in = ctx.input(0);
        const RuntimeTensor& out = ctx.output(0);
        const int64_t depth = in.shape[in.shape.rank() - 1];
        if (depth == 0) return Status::ok();
        const int64_t outer = in.elementCount() / depth;
        const float outScale = out.scale();
        const int32_t outZero = out.zeroPoint();
        const int32_t lo = std::numeric_limits<Out>::min(), hi = std::numeric_limits<Out>::max();
        for (int64_t r = 0; r < outer; ++r, x += depth, y += depth) {
            int32_t max = std::numeric_limits<In>::min();
            for (int64_t c = 0; c < depth; ++c)
                max = std::max(max, static_cast<int32_t>(x[c]));
            const float* t = table_ + 255 - max;
            float sum = 0.f;
            for (int64_t c = 0; c < depth; ++c)
                sum += t[x[c]];
            const float inverse = 1.f / (sum * outScale);
            for (int64_t c = 0; c < depth; ++c) {
                const float p = t[x[c]] * inverse;
                int32_t q;
                if constexpr (std::is_same_v<Out, uint8_t>) {
                    q = static_cast<int32_t>(p + 0.5f) + outZero;
                } else {
                    q = static_cast<int32_t>(std::round(p)) + outZero;
                }
                y[c] = static_cast<Out>(std::max(std::min(hi, q), lo));
            }
        }
        return Status::ok();
    }

    // TFLite's int16 SOFTMAX: differences from the row maximum scaled so that [-65535, 0] spans
    // [-10, 0], exp from an int16 table, the Q16.15 sum normalized and inverted through a 1/(1 + x) table,
    // and the products rounded into Q0.15.
    Status prepareInt16(OpContext& ctx, const RuntimeTensor& in) {
        const RuntimeTensor& out = ctx.output(0);
        LS_ENSURE(ctx, usableScale(in.scale()), "quantized input needs a positive scale");
        LS_ENSURE(ctx, out.zeroPoint() == 0, "int16 SOFTMAX output zero point must be 0");
        LS_ENSURE(ctx, in.shape.rank() <= 4, "int16 SOFTMAX takes at most 4 dimensions");
        generateInt16Lut([](double v) { return std::exp(v); }, -10.0, 0.0, expTable_, kLutSize);
        generateInt16Lut([](double v) { return 1.0 / (1.0 + v); }, 0.0, 1.0, reciprocalTable_, kLutSize);
        inputScaling_ = quantizeMultiplier(static_cast<double>(in.scale() * beta_) / (10.0 / 65535.0));
        return Status::ok();
    }

    void runInt16(const int16_t* x, int16_t* y, const RuntimeTensor& in) const {
        const int64_t depth = in.shape[in.shape.rank() - 1];
        if (depth == 0) return;
        const int64_t outer = in.elementCount() / depth;
        for (int64_t r = 0; r < outer; ++r, x += depth, y += depth) {
            int16_t max = std::numeric_limits<int16_t>::min();
            for (int64_t c = 0; c < depth; ++c)
                max = std::max(max, x[c]);
            // The exponentials go to the output first; each is rescaled in place below.
            int32_t sum = 0;
            for (int64_t c = 0; c < depth; ++c) {
                const int32_t scaled =
                    multiplyByQuantizedMultiplier(static_cast<int32_t>(x[c]) - max, inputScaling_) + 32767;
                const auto centred = static_cast<int16_t>(std::min(std::max(scaled, -32768), 32767));
                y[c] = int16LutLookup(centred, expTable_);
                sum += y[c];
            }
            const int headroomPlusOne = std::countl_zero(static_cast<uint32_t>(sum));
            const auto shiftedSum = static_cast<int32_t>(
                ((static_cast<int64_t>(sum) << (headroomPlusOne - 1)) + (1 << 13)) >> 14);
            // The table holds 1 / (1 + x) for x in [0, 1], centred on [-32768, 32767].
            const int32_t centredSum = shiftedSum - ((1 << 15) + (1 << 16));
            const int16_t reciprocal = int16LutLookup(
                static_cast<int16_t>(std::min(std::max(centredSum, -32768), 32767)), reciprocalTable_);
            const int rightShift = 31 - headroomPlusOne;
            const int64_t round = int64_t{1} << (rightShift - 1);
            for (int64_t c = 0; c < depth; ++c) {
                const auto v =
                    static_cast<int32_t>((static_cast<int64_t>(y[c]) * reciprocal + round) >> rightShift);
                y[c] = static_cast<int16_t>(std::min(std::max(v, 0), 32767));
            }
        }
    }

    static constexpr int kLutSize = 513;
    float beta_ = 1.f;
    float table_[256] = {};
    int16_t expTable_[kLutSize] = {};
    int16_t reciprocalTable_[kLutSize] = {};
    QuantizedMultiplier inputScaling_;
};

class L2NormalizationKernel : public OpKernel {
  public:
    Status prepare(OpContext& ctx) override {
        LS_RETURN_IF_ERROR(prepareLastAxis(ctx, 1, true));
        LS_ENSURE(ctx, ctx.output(0).type == ctx.input(0).type, "output type differs from the input's");
        if (ctx.input(0).type != TensorType::Float32) {
            // TFLite's integer kernel writes in Q0.7 around a fixed zero point.
            const RuntimeTensor& out = ctx.output(0);
            const int32_t zero = out.type == TensorType::Int8 ? 0 : 128;
            LS_ENSURE(ctx, out.scale() == 1.f / 128 && out.zeroPoint() == zero,
                      "quantized L2_NORMALIZATION output must have scale 1/128 and zero point " +
                          std::to_string(zero));
        }
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
        if (in.type == TensorType::Int8)
            return runQuantized(in.as<int8_t>(), ctx.output(0).as<int8_t>(), ctx);
        if (in.type == TensorType::UInt8)
            return runQuantized(in.as<uint8_t>(), ctx.output(0).as<uint8_t>(), ctx);
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

  private:
    // TFLite's integer L2 normalization: 1/sqrt of the sum of squared centred values as a fixed-point
    // multiplier, applied to each centred value in Q0.7.
    template <typename T>
    static Status runQuantized(const T* x, T* y, OpContext& ctx) {
        const RuntimeTensor& in = ctx.input(0);
        const int64_t depth = in.shape[in.shape.rank() - 1];
        if (depth == 0) return Status::ok();
        const int64_t outer = in.elementCount() / depth;
        const int32_t zero = in.zeroPoint();
        const int32_t outZero = std::is_same_v<T, int8_t> ? 0 : 128;
        const int32_t lo = std::numeric_limits<T>::min(), hi = std::numeric_limits<T>::max();
        for (int64_t r = 0; r < outer; ++r, x += depth, y += depth) {
            int32_t squares = 0;
            for (int64_t c = 0; c < depth; ++c) {
                const int32_t d = static_cast<int32_t>(x[c]) - zero;
                squares += d * d;
            }
            const QuantizedMultiplier inv = invSqrtQuantizedMultiplier(squares, -1);
            for (int64_t c = 0; c < depth; ++c) {
                const int32_t d = static_cast<int32_t>(x[c]) - zero;
                const int32_t v = outZero + multiplyByQuantizedMultiplierSmallerThanOneExp(128 * d, inv);
                y[c] = static_cast<T>(std::min(std::max(v, lo), hi));
            }
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

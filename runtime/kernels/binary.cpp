// Broadcasting binary ops on float and integer tensors: arithmetic (ADD, SUB, MUL, DIV, MAXIMUM, MINIMUM,
// POW, SQUARED_DIFFERENCE, FLOOR_DIV, FLOOR_MOD), comparisons and logical AND/OR.
// Quantized variants come with the quantized kernels.
#include <cmath>

#include "runtime/kernel_registry.h"
#include "runtime/kernels/kernel_util.h"

namespace litescope::kernels {
namespace {

enum class Arith { Add, Sub, Mul, Div, Max, Min, Pow, SquaredDiff, FloorDiv, FloorMod };

template <Arith Op, typename T>
inline T arith(T a, T b) {
    if constexpr (Op == Arith::Add) return a + b;
    if constexpr (Op == Arith::Sub) return a - b;
    if constexpr (Op == Arith::Mul) return a * b;
    if constexpr (Op == Arith::Div) return a / b;
    if constexpr (Op == Arith::Max) return a > b ? a : b;
    if constexpr (Op == Arith::Min) return a < b ? a : b;
    if constexpr (Op == Arith::SquaredDiff) return (a - b) * (a - b);
    if constexpr (Op == Arith::Pow) {
        if constexpr (std::is_floating_point_v<T>) {
            return std::pow(a, b);
        } else {
            T r = 1;
            for (T e = b; e > 0; --e)
                r *= a;  // TFLite's integer POW: repeated multiplication, b >= 0
            return r;
        }
    }
    if constexpr (Op == Arith::FloorDiv) {
        if constexpr (std::is_floating_point_v<T>) {
            return std::floor(a / b);
        } else {
            T q = a / b;
            return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
        }
    }
    if constexpr (Op == Arith::FloorMod) {
        if constexpr (std::is_floating_point_v<T>) {
            T r = std::fmod(a, b);
            return (r != 0 && ((r < 0) != (b < 0))) ? r + b : r;
        } else {
            T r = a % b;
            return (r != 0 && ((r < 0) != (b < 0))) ? r + b : r;
        }
    }
    return T{};
}

template <Arith Op>
constexpr bool hasFusedActivation() {
    return Op == Arith::Add || Op == Arith::Sub || Op == Arith::Mul || Op == Arith::Div;
}

template <Arith Op>
class ArithmeticKernel : public OpKernel {
  public:
    Status prepare(OpContext& ctx) override {
        LS_ENSURE(ctx, ctx.inputCount() == 2 && ctx.hasInput(0) && ctx.hasInput(1), "needs two inputs");
        const RuntimeTensor& a = ctx.input(0);
        const RuntimeTensor& b = ctx.input(1);
        LS_ENSURE(ctx, a.type == b.type,
                  "input types differ: " + std::string(tensorTypeName(a.type)) + " and " +
                      std::string(tensorTypeName(b.type)));
        if (a.type != TensorType::Float32 && a.type != TensorType::Int32 && a.type != TensorType::Int64)
            return ctx.unsupportedType("input", a.type);
        LS_ENSURE(ctx, ctx.output(0).type == a.type, "output type differs from the inputs'");
        activation_ = fb::ActivationFunctionType::NONE;
        if constexpr (Op == Arith::Add) {
            if (auto* o = ctx.options<fb::AddOptions>()) activation_ = o->fused_activation_function();
        } else if constexpr (Op == Arith::Sub) {
            if (auto* o = ctx.options<fb::SubOptions>()) activation_ = o->fused_activation_function();
        } else if constexpr (Op == Arith::Mul) {
            if (auto* o = ctx.options<fb::MulOptions>()) activation_ = o->fused_activation_function();
        } else if constexpr (Op == Arith::Div) {
            if (auto* o = ctx.options<fb::DivOptions>()) activation_ = o->fused_activation_function();
        }
        LS_ENSURE(ctx, isSupportedActivation(activation_), "unsupported fused activation");
        range_ = activationRange(activation_);
        Shape out;
        LS_ENSURE(ctx, broadcastShapes(a.shape, b.shape, out),
                  "shapes " + a.shape.toString() + " and " + b.shape.toString() + " do not broadcast");
        return ctx.resizeOutput(0, out);
    }

    Status eval(OpContext& ctx) override {
        const RuntimeTensor& a = ctx.input(0);
        const RuntimeTensor& b = ctx.input(1);
        RuntimeTensor& out = ctx.output(0);
        switch (a.type) {
            case TensorType::Float32: {
                const float* pa = a.as<float>();
                const float* pb = b.as<float>();
                float* po = out.as<float>();
                if (!hasFusedActivation<Op>()) {
                    forEachBroadcast(a.shape, b.shape, out.shape, [&](int64_t i, int64_t ia, int64_t ib) {
                        po[i] = arith<Op>(pa[ia], pb[ib]);
                    });
                } else {
                    forEachBroadcast(a.shape, b.shape, out.shape, [&](int64_t i, int64_t ia, int64_t ib) {
                        po[i] = applyActivation(arith<Op>(pa[ia], pb[ib]), activation_, range_);
                    });
                }
                return Status::ok();
            }
            case TensorType::Int32:
                return evalInt<int32_t>(ctx, a, b, out);
            case TensorType::Int64:
                return evalInt<int64_t>(ctx, a, b, out);
            default:
                return ctx.unsupportedType("input", a.type);
        }
    }

  private:
    template <typename T>
    Status evalInt(OpContext& ctx, const RuntimeTensor& a, const RuntimeTensor& b, RuntimeTensor& out) {
        const T* pa = a.as<T>();
        const T* pb = b.as<T>();
        T* po = out.as<T>();
        if constexpr (Op == Arith::Div || Op == Arith::FloorDiv || Op == Arith::FloorMod) {
            for (int64_t i = 0; i < b.elementCount(); ++i)
                if (pb[i] == 0)
                    return ctx.fail("integer division by zero (divisor element " + std::to_string(i) + ")");
        }
        if constexpr (Op == Arith::Pow) {
            for (int64_t i = 0; i < b.elementCount(); ++i)
                if (pb[i] < 0) return ctx.fail("integer POW with a negative exponent");
        }
        const T lo = activation_ == fb::ActivationFunctionType::NONE ? std::numeric_limits<T>::lowest()
                                                                     : static_cast<T>(range_.lo);
        const T hi =
            activation_ == fb::ActivationFunctionType::NONE || range_.hi == std::numeric_limits<float>::max()
                ? std::numeric_limits<T>::max()
                : static_cast<T>(range_.hi);
        forEachBroadcast(a.shape, b.shape, out.shape, [&](int64_t i, int64_t ia, int64_t ib) {
            T v = arith<Op>(pa[ia], pb[ib]);
            po[i] = v < lo ? lo : (v > hi ? hi : v);
        });
        return Status::ok();
    }

    fb::ActivationFunctionType activation_ = fb::ActivationFunctionType::NONE;
    ActivationRange range_;
};

enum class Compare { Equal, NotEqual, Less, LessEqual, Greater, GreaterEqual };

template <Compare Op, typename T>
inline bool compare(T a, T b) {
    if constexpr (Op == Compare::Equal) return a == b;
    if constexpr (Op == Compare::NotEqual) return a != b;
    if constexpr (Op == Compare::Less) return a < b;
    if constexpr (Op == Compare::LessEqual) return a <= b;
    if constexpr (Op == Compare::Greater) return a > b;
    if constexpr (Op == Compare::GreaterEqual) return a >= b;
    return false;
}

template <Compare Op>
class CompareKernel : public OpKernel {
  public:
    Status prepare(OpContext& ctx) override {
        LS_ENSURE(ctx, ctx.inputCount() == 2 && ctx.hasInput(0) && ctx.hasInput(1), "needs two inputs");
        const RuntimeTensor& a = ctx.input(0);
        const RuntimeTensor& b = ctx.input(1);
        LS_ENSURE(ctx, a.type == b.type, "input types differ");
        LS_ENSURE(ctx, ctx.output(0).type == TensorType::Bool, "output must be BOOL");
        switch (a.type) {
            case TensorType::Float32:
            case TensorType::Int32:
            case TensorType::Int64:
            case TensorType::Bool:
                break;
            case TensorType::Int8:
            case TensorType::UInt8:
                // Equal scale and zero point compare the stored integers directly.
                if (a.scale() == b.scale() && a.zeroPoint() == b.zeroPoint()) break;
                return ctx.unsupportedType("input (with differing quantization)", a.type);
            default:
                return ctx.unsupportedType("input", a.type);
        }
        Shape out;
        LS_ENSURE(ctx, broadcastShapes(a.shape, b.shape, out),
                  "shapes " + a.shape.toString() + " and " + b.shape.toString() + " do not broadcast");
        return ctx.resizeOutput(0, out);
    }

    Status eval(OpContext& ctx) override {
        const RuntimeTensor& a = ctx.input(0);
        const RuntimeTensor& b = ctx.input(1);
        RuntimeTensor& out = ctx.output(0);
        switch (a.type) {
            case TensorType::Float32:
                run<float>(a, b, out);
                break;
            case TensorType::Int32:
                run<int32_t>(a, b, out);
                break;
            case TensorType::Int64:
                run<int64_t>(a, b, out);
                break;
            case TensorType::Bool:
            case TensorType::UInt8:
                run<uint8_t>(a, b, out);
                break;
            case TensorType::Int8:
                run<int8_t>(a, b, out);
                break;
            default:
                return ctx.unsupportedType("input", a.type);
        }
        return Status::ok();
    }

  private:
    template <typename T>
    void run(const RuntimeTensor& a, const RuntimeTensor& b, RuntimeTensor& out) {
        const T* pa = a.as<T>();
        const T* pb = b.as<T>();
        bool* po = out.as<bool>();
        forEachBroadcast(a.shape, b.shape, out.shape,
                         [&](int64_t i, int64_t ia, int64_t ib) { po[i] = compare<Op>(pa[ia], pb[ib]); });
    }
};

template <bool IsAnd>
class LogicalKernel : public OpKernel {
  public:
    Status prepare(OpContext& ctx) override {
        LS_ENSURE(ctx, ctx.inputCount() == 2 && ctx.hasInput(0) && ctx.hasInput(1), "needs two inputs");
        LS_ENSURE(ctx, ctx.input(0).type == TensorType::Bool && ctx.input(1).type == TensorType::Bool,
                  "inputs must be BOOL");
        Shape out;
        LS_ENSURE(ctx, broadcastShapes(ctx.input(0).shape, ctx.input(1).shape, out),
                  "shapes do not broadcast");
        return ctx.resizeOutput(0, out);
    }
    Status eval(OpContext& ctx) override {
        const bool* pa = ctx.input(0).as<bool>();
        const bool* pb = ctx.input(1).as<bool>();
        bool* po = ctx.output(0).as<bool>();
        forEachBroadcast(ctx.input(0).shape, ctx.input(1).shape, ctx.output(0).shape,
                         [&](int64_t i, int64_t ia, int64_t ib) {
                             po[i] = IsAnd ? (pa[ia] && pb[ib]) : (pa[ia] || pb[ib]);
                         });
        return Status::ok();
    }
};

}  // namespace

void registerBinaryKernels(KernelRegistry& r) {
    using B = fb::BuiltinOperator;
    r.add(B::ADD, makeKernel<ArithmeticKernel<Arith::Add>>);
    r.add(B::SUB, makeKernel<ArithmeticKernel<Arith::Sub>>);
    r.add(B::MUL, makeKernel<ArithmeticKernel<Arith::Mul>>);
    r.add(B::DIV, makeKernel<ArithmeticKernel<Arith::Div>>);
    r.add(B::MAXIMUM, makeKernel<ArithmeticKernel<Arith::Max>>);
    r.add(B::MINIMUM, makeKernel<ArithmeticKernel<Arith::Min>>);
    r.add(B::POW, makeKernel<ArithmeticKernel<Arith::Pow>>);
    r.add(B::SQUARED_DIFFERENCE, makeKernel<ArithmeticKernel<Arith::SquaredDiff>>);
    r.add(B::FLOOR_DIV, makeKernel<ArithmeticKernel<Arith::FloorDiv>>);
    r.add(B::FLOOR_MOD, makeKernel<ArithmeticKernel<Arith::FloorMod>>);
    r.add(B::EQUAL, makeKernel<CompareKernel<Compare::Equal>>);
    r.add(B::NOT_EQUAL, makeKernel<CompareKernel<Compare::NotEqual>>);
    r.add(B::LESS, makeKernel<CompareKernel<Compare::Less>>);
    r.add(B::LESS_EQUAL, makeKernel<CompareKernel<Compare::LessEqual>>);
    r.add(B::GREATER, makeKernel<CompareKernel<Compare::Greater>>);
    r.add(B::GREATER_EQUAL, makeKernel<CompareKernel<Compare::GreaterEqual>>);
    r.add(B::LOGICAL_AND, makeKernel<LogicalKernel<true>>);
    r.add(B::LOGICAL_OR, makeKernel<LogicalKernel<false>>);
}

}  // namespace litescope::kernels

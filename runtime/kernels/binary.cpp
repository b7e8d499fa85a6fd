// Broadcasting binary ops on float and integer tensors: arithmetic (ADD, SUB, MUL, DIV, MAXIMUM, MINIMUM,
// POW, SQUARED_DIFFERENCE, FLOOR_DIV, FLOOR_MOD), comparisons and logical AND/OR.
// ADD, SUB and MUL also run on int8, uint8 and int16 with TFLite's requantizing arithmetic, and
// SQUARED_DIFFERENCE on int8; MAXIMUM and MINIMUM compare the stored integers, as TFLite does.
#include <algorithm>
#include <cmath>

#include "runtime/kernel_registry.h"
#include "runtime/kernels/fixed_point_math.h"
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
constexpr bool hasQuantizedPath() {
    return Op == Arith::Add || Op == Arith::Sub || Op == Arith::Mul || Op == Arith::Max || Op == Arith::Min ||
           Op == Arith::SquaredDiff;
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
        // TFLite's integer SQUARED_DIFFERENCE is int8 only.
        const bool quantized =
            isQuantizedType(a.type) && (Op != Arith::SquaredDiff || a.type == TensorType::Int8);
        if (a.type != TensorType::Float32 && a.type != TensorType::Int32 && a.type != TensorType::Int64 &&
            !(quantized && hasQuantizedPath<Op>()))
            return ctx.unsupportedType("input", a.type);
        // TFLite's ADD and SUB give their output the inputs' type whatever the file declares (converters
        // have left FLOAT32 on quantized intermediates).
        if constexpr (Op == Arith::Add || Op == Arith::Sub) ctx.output(0).type = b.type;
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
        if (quantized) LS_RETURN_IF_ERROR(prepareQuantized(ctx, a, b, ctx.output(0)));
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
            case TensorType::Int8:
                evalQuantized<int8_t>(a, b, out);
                return Status::ok();
            case TensorType::UInt8:
                evalQuantized<uint8_t>(a, b, out);
                return Status::ok();
            case TensorType::Int16:
                evalQuantized<int16_t>(a, b, out);
                return Status::ok();
            default:
                return ctx.unsupportedType("input", a.type);
        }
    }

  private:
    // TFLite's ADD and SUB bring both inputs to a common scale at 2^leftShift times their resolution (20 bits
    // of headroom for 8-bit data, 15 for 16-bit), add, and requantize the sum. SUB is ADD with the second
    // input's multiplier negated, which rounds differently from subtracting at ties, as TFLite does.
    // int16 with power-of-two scales and pot_scale_int16 set takes TFLite's older saturating path instead.
    Status prepareQuantized(OpContext& ctx, const RuntimeTensor& a, const RuntimeTensor& b,
                            const RuntimeTensor& out) {
        // TFLite compares the stored integers whatever the quantization says.
        if constexpr (Op == Arith::Max || Op == Arith::Min) return Status::ok();
        LS_ENSURE(ctx, usableScale(a.scale()) && usableScale(b.scale()) && usableScale(out.scale()),
                  "quantized inputs and output need positive scales");
        const TensorType type = out.type;
        const QuantizedRange full = quantizedRange(type);
        for (const RuntimeTensor* t : {&a, &b, &out})
            LS_ENSURE(ctx, t->zeroPoint() >= full.min && t->zeroPoint() <= full.max,
                      "zero point " + std::to_string(t->zeroPoint()) + " is outside the type's range");
        act_ = quantizedActivationRange(activation_, type, out.scale(), out.zeroPoint());
        offsetA_ = -a.zeroPoint();
        offsetB_ = -b.zeroPoint();
        offsetOut_ = out.zeroPoint();
        if constexpr (Op == Arith::Mul) {
            if (type == TensorType::Int16)
                LS_ENSURE(ctx, offsetA_ == 0 && offsetB_ == 0 && offsetOut_ == 0,
                          "int16 MUL needs zero points of 0");
            // A float product and quotient, as TFLite computes the ratio.
            outMul_ = quantizeMultiplier(static_cast<double>(a.scale() * b.scale() / out.scale()));
            return Status::ok();
        }
        if constexpr (Op == Arith::SquaredDiff) {
            // Both inputs at 2^7 times their resolution on a common scale, so that the squared difference
            // (at most 255^2 * 2^14) still fits 32 bits; no fused activation.
            leftShift_ = 7;
            act_ = quantizedRange(type);
            const double twiceMax = 2.0 * static_cast<double>(std::max(a.scale(), b.scale()));
            mulA_ = quantizeMultiplier(static_cast<double>(a.scale()) / twiceMax);
            mulB_ = quantizeMultiplier(static_cast<double>(b.scale()) / twiceMax);
            outMul_ = quantizeMultiplier(twiceMax * twiceMax /
                                         static_cast<double>(static_cast<float>(1 << 14) * out.scale()));
            LS_ENSURE(ctx, outMul_.shift <= 0,
                      "SQUARED_DIFFERENCE output scale is too small for the input scales");
            return Status::ok();
        }
        if (type == TensorType::Int16) {
            LS_ENSURE(ctx, offsetA_ == 0 && offsetB_ == 0 && offsetOut_ == 0,
                      "int16 ADD/SUB need zero points of 0");
            bool potOption = true;  // the format's default
            if constexpr (Op == Arith::Add) {
                if (auto* o = ctx.options<fb::AddOptions>()) potOption = o->pot_scale_int16();
            } else {
                if (auto* o = ctx.options<fb::SubOptions>()) potOption = o->pot_scale_int16();
            }
            int logA = 0, logB = 0, logOut = 0;
            potInt16_ = potOption && log2IfPowerOfTwo(a.scale(), logA) && log2IfPowerOfTwo(b.scale(), logB) &&
                        log2IfPowerOfTwo(out.scale(), logOut);
            if (potInt16_) {
                shiftA_ = logA - logOut;
                shiftB_ = logB - logOut;
                LS_ENSURE(ctx, (shiftA_ == 0 || shiftB_ == 0) && shiftA_ <= 0 && shiftB_ <= 0,
                          "int16 power-of-two ADD/SUB can rescale only one input, and only downwards");
                return Status::ok();
            }
        }
        leftShift_ = type == TensorType::Int16 ? 15 : 20;
        const double twiceMax = 2.0 * static_cast<double>(std::max(a.scale(), b.scale()));
        mulA_ = quantizeMultiplier(static_cast<double>(a.scale()) / twiceMax);
        mulB_ = quantizeMultiplier(static_cast<double>(b.scale()) / twiceMax);
        if constexpr (Op == Arith::Sub) mulB_.multiplier = -mulB_.multiplier;
        outMul_ = quantizeMultiplier(
            twiceMax / (static_cast<double>(1 << leftShift_) * static_cast<double>(out.scale())));
        return Status::ok();
    }

    // TFLite's CheckedLog2, in float as there: whether a scale is a power of two (to 1e-3 in log2), and
    // which.
    static bool log2IfPowerOfTwo(float scale, int& log2) {
        const float l = std::log(scale) * (1.f / std::log(2.f));
        const float rounded = std::round(l);
        log2 = static_cast<int>(rounded);
        return std::abs(l - rounded) < 1e-3f;
    }

    template <typename T>
    void evalQuantized(const RuntimeTensor& a, const RuntimeTensor& b, RuntimeTensor& out) const {
        const T* pa = a.as<T>();
        const T* pb = b.as<T>();
        T* po = out.as<T>();
        const int32_t lo = act_.min, hi = act_.max;
        auto clampTo = [&](int32_t v) { return static_cast<T>(std::min(std::max(v, lo), hi)); };
        if constexpr (Op == Arith::Max || Op == Arith::Min) {
            forEachBroadcast(a.shape, b.shape, out.shape,
                             [&](int64_t i, int64_t ia, int64_t ib) { po[i] = arith<Op>(pa[ia], pb[ib]); });
        } else if constexpr (Op == Arith::Mul) {
            forEachBroadcast(a.shape, b.shape, out.shape, [&](int64_t i, int64_t ia, int64_t ib) {
                const int32_t x = offsetA_ + static_cast<int32_t>(pa[ia]);
                const int32_t y = offsetB_ + static_cast<int32_t>(pb[ib]);
                po[i] = clampTo(offsetOut_ + multiplyByQuantizedMultiplier(x * y, outMul_));
            });
        } else if constexpr (Op == Arith::SquaredDiff) {
            forEachBroadcast(a.shape, b.shape, out.shape, [&](int64_t i, int64_t ia, int64_t ib) {
                const int32_t x = (offsetA_ + static_cast<int32_t>(pa[ia])) * (1 << leftShift_);
                const int32_t y = (offsetB_ + static_cast<int32_t>(pb[ib])) * (1 << leftShift_);
                const int32_t diff = multiplyByQuantizedMultiplierSmallerThanOneExp(x, mulA_) -
                                     multiplyByQuantizedMultiplierSmallerThanOneExp(y, mulB_);
                po[i] = clampTo(offsetOut_ +
                                multiplyByQuantizedMultiplierSmallerThanOneExp(diff * diff, outMul_));
            });
        } else if constexpr (Op == Arith::Add || Op == Arith::Sub) {
            if (potInt16_) {
                evalPotInt16(pa, pb, po, a, b, out);
                return;
            }
            forEachBroadcast(a.shape, b.shape, out.shape, [&](int64_t i, int64_t ia, int64_t ib) {
                const int32_t x = (offsetA_ + static_cast<int32_t>(pa[ia])) * (1 << leftShift_);
                const int32_t y = (offsetB_ + static_cast<int32_t>(pb[ib])) * (1 << leftShift_);
                const int32_t sum = multiplyByQuantizedMultiplierSmallerThanOneExp(x, mulA_) +
                                    multiplyByQuantizedMultiplierSmallerThanOneExp(y, mulB_);
                po[i] = clampTo(offsetOut_ + multiplyByQuantizedMultiplierSmallerThanOneExp(sum, outMul_));
            });
        }
    }

    // One input already at the output's scale, the other shifted right onto it, then a saturating int16 sum.
    template <typename T>
    void evalPotInt16(const T* pa, const T* pb, T* po, const RuntimeTensor& a, const RuntimeTensor& b,
                      const RuntimeTensor& out) const {
        const int32_t lo = act_.min, hi = act_.max;
        forEachBroadcast(a.shape, b.shape, out.shape, [&](int64_t i, int64_t ia, int64_t ib) {
            int32_t x = static_cast<int32_t>(pa[ia]);
            int32_t y = static_cast<int32_t>(pb[ib]);
            if (shiftA_ != 0) x = roundingDivideByPot(x, -shiftA_);
            if (shiftB_ != 0) y = roundingDivideByPot(y, -shiftB_);
            if constexpr (Op == Arith::Sub) {
                y = -y;
            }
            const int32_t sum = std::clamp<int32_t>(x + y, -32768, 32767);
            po[i] = static_cast<T>(std::min(std::max(sum, lo), hi));
        });
    }

    int32_t offsetA_ = 0, offsetB_ = 0, offsetOut_ = 0;
    int leftShift_ = 20, shiftA_ = 0, shiftB_ = 0;
    bool potInt16_ = false;
    QuantizedMultiplier mulA_, mulB_, outMul_;
    QuantizedRange act_;

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

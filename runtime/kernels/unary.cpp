// Elementwise one-input kernels and their close relatives: math functions, activations (with LEAKY_RELU,
// PRELU and GELU), LOGICAL_NOT, CAST, QUANTIZE/DEQUANTIZE, ZEROS_LIKE and SELECT/SELECT_V2.
// The activations, RSQRT, LEAKY_RELU, PRELU and QUANTIZE also run on int8/uint8, and LOGISTIC, TANH,
// LEAKY_RELU and QUANTIZE on int16, with TFLite 2.8's integer arithmetic or lookup tables; int16 RSQRT,
// newer than TFLite 2.8, follows the format's definition.
#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstring>
#include <span>
#include <type_traits>

#include "runtime/kernel_registry.h"
#include "runtime/kernels/fixed_point_math.h"
#include "runtime/kernels/kernel_util.h"
#include "runtime/kernels/quantized_lstm_util.h"

namespace litescope::kernels {
namespace {

Status needsOneInput(OpContext& ctx) {
    LS_ENSURE(ctx, ctx.inputCount() == 1 && ctx.hasInput(0), "needs one input");
    LS_ENSURE(ctx, ctx.outputCount() == 1, "needs one output");
    return Status::ok();
}

Status sameTypeOut(OpContext& ctx, TensorType type) {
    LS_ENSURE(ctx, ctx.output(0).type == type,
              "output type " + std::string(tensorTypeName(ctx.output(0).type)) +
                  " differs from the input's " + std::string(tensorTypeName(type)));
    return Status::ok();
}

// ---------------------------------------------------------------------------------------------------------
// Math functions and activations
// ---------------------------------------------------------------------------------------------------------

enum class Math {
    Abs,
    Neg,
    Exp,
    Log,
    Sqrt,
    Rsqrt,
    Sin,
    Cos,
    Square,
    Floor,
    Ceil,
    Round,
    Sign,
    Tanh,
    Logistic,
    Relu,
    Relu6,
    ReluN1To1,
    Relu0To1,
    Elu,
    HardSwish
};

// TFLite's ROUND is banker's rounding (as tf.round), done by hand rather than through the FPU mode.
inline float roundHalfToEven(float x) {
    const float below = std::floor(x);
    const float diff = x - below;
    if (diff < 0.5f) return below;
    if (diff > 0.5f) return below + 1.f;
    return std::fmod(below, 2.f) == 0.f ? below : below + 1.f;  // NaN and inf fall through unchanged
}

// Written as TFLite's kernels compare, so that NaN passes through the clamps as it does there.
inline float clampTo(float x, float lo, float hi) {
    return x > hi ? hi : (x < lo ? lo : x);
}

template <Math Op>
inline float mathFloat(float x) {
    if constexpr (Op == Math::Abs) return std::fabs(x);
    if constexpr (Op == Math::Neg) return -x;
    if constexpr (Op == Math::Exp) return std::exp(x);
    if constexpr (Op == Math::Log) return std::log(x);
    if constexpr (Op == Math::Sqrt) return std::sqrt(x);
    if constexpr (Op == Math::Rsqrt) return 1.f / std::sqrt(x);
    if constexpr (Op == Math::Sin) return std::sin(x);
    if constexpr (Op == Math::Cos) return std::cos(x);
    if constexpr (Op == Math::Square) return x * x;
    if constexpr (Op == Math::Floor) return std::floor(x);
    if constexpr (Op == Math::Ceil) return std::ceil(x);
    if constexpr (Op == Math::Round) return roundHalfToEven(x);
    if constexpr (Op == Math::Sign)
        return static_cast<float>(static_cast<int>(x > 0.f) - static_cast<int>(x < 0.f));
    if constexpr (Op == Math::Tanh) return std::tanh(x);
    if constexpr (Op == Math::Logistic) return 1.f / (1.f + std::exp(-x));
    if constexpr (Op == Math::Relu) return x < 0.f ? 0.f : x;
    if constexpr (Op == Math::Relu6) return clampTo(x, 0.f, 6.f);
    if constexpr (Op == Math::ReluN1To1) return clampTo(x, -1.f, 1.f);
    if constexpr (Op == Math::Relu0To1) return clampTo(x, 0.f, 1.f);
    if constexpr (Op == Math::Elu) return x < 0.f ? std::expm1(x) : x;
    if constexpr (Op == Math::HardSwish) return x * std::min(6.f, std::max(0.f, x + 3.f)) / 6.f;
    return x;
}

template <Math Op>
constexpr bool hasInt32() {
    return Op == Math::Abs || Op == Math::Neg || Op == Math::Sign;
}
template <Math Op>
constexpr bool hasInt64() {
    return Op == Math::Neg;
}

template <Math Op, typename T>
inline T mathInt(T x) {
    // Through the unsigned type so that the most negative value wraps (to itself) instead of overflowing.
    using U = std::make_unsigned_t<T>;
    if constexpr (Op == Math::Abs) return x < 0 ? static_cast<T>(U{0} - static_cast<U>(x)) : x;
    if constexpr (Op == Math::Neg) return static_cast<T>(U{0} - static_cast<U>(x));
    if constexpr (Op == Math::Sign) return static_cast<T>(static_cast<int>(x > 0) - static_cast<int>(x < 0));
    return x;
}

// Which ops have an int8/uint8 path, and which an int16 one.
template <Math Op>
constexpr bool hasQuantized8() {
    return Op == Math::Relu || Op == Math::Relu6 || Op == Math::ReluN1To1 || Op == Math::HardSwish ||
           Op == Math::Logistic || Op == Math::Tanh || Op == Math::Rsqrt;
}
template <Math Op>
constexpr bool hasQuantized16() {
    return Op == Math::Rsqrt || Op == Math::Logistic || Op == Math::Tanh;
}

// The fixed parameters of TFLite's integer HARD_SWISH: the input moved to a 7-bit finer "hires" scale, one
// 16-bit multiplier from there to the output and one to the 3/32768 scale of relu6(x + 3) / 6.
struct HardSwishParams {
    int16_t outputMultiplier = 0;
    int outputExponent = 0;
    int16_t reluishMultiplier = 0;
    int reluishExponent = 0;
};

// TFLite's DownScaleInt32ToInt16Multiplier: a Q0.31 multiplier rounded to Q0.15.
inline int16_t downscaleMultiplier(int32_t m) {
    constexpr int32_t kRounding = 1 << 15;
    if (m >= std::numeric_limits<int32_t>::max() - kRounding) return std::numeric_limits<int16_t>::max();
    return static_cast<int16_t>((m + kRounding) >> 16);
}

inline int32_t hardSwishQuantized(int32_t input, int32_t inputZeroPoint, int32_t outputZeroPoint,
                                  const HardSwishParams& p) {
    const auto centred = static_cast<int16_t>(input - inputZeroPoint);
    const auto hires = static_cast<int16_t>(centred * (1 << 7));
    const int16_t preshiftOutput = saturatingRoundingDoublingHighMul16(hires, p.outputMultiplier);
    int16_t reluish = hires;
    if (p.reluishExponent > 0) reluish = saturatingLeftShift16(reluish, p.reluishExponent - 1);
    reluish = saturatingRoundingDoublingHighMul16(reluish, p.reluishMultiplier);
    if (p.reluishExponent > 0) reluish = saturatingLeftShift16(reluish, 1);
    if (p.reluishExponent < 0) reluish = roundingDivideByPot16(reluish, -p.reluishExponent);
    // From [-1, 1] in Q0.15 to [0, 1]: the relu6 part of hard swish.
    reluish = static_cast<int16_t>((static_cast<int32_t>(reluish) + (1 << 15)) >> 1);
    const int16_t preshift = saturatingDoublingHighMul16(reluish, preshiftOutput);
    return roundingDivideByPot16(preshift, -p.outputExponent) + outputZeroPoint;
}

template <Math Op>
class ElementwiseKernel : public OpKernel {
  public:
    Status prepare(OpContext& ctx) override {
        LS_RETURN_IF_ERROR(needsOneInput(ctx));
        const RuntimeTensor& in = ctx.input(0);
        const bool is8 = in.type == TensorType::Int8 || in.type == TensorType::UInt8;
        const bool supported =
            in.type == TensorType::Float32 || (hasInt32<Op>() && in.type == TensorType::Int32) ||
            (hasInt64<Op>() && in.type == TensorType::Int64) || (hasQuantized8<Op>() && is8) ||
            (hasQuantized16<Op>() && in.type == TensorType::Int16);
        if (!supported) return ctx.unsupportedType("input", in.type);
        LS_RETURN_IF_ERROR(sameTypeOut(ctx, in.type));
        if (isQuantizedType(in.type)) LS_RETURN_IF_ERROR(prepareQuantized(ctx, in, ctx.output(0)));
        return ctx.resizeOutput(0, in.shape);
    }

    Status eval(OpContext& ctx) override {
        const RuntimeTensor& in = ctx.input(0);
        RuntimeTensor& out = ctx.output(0);
        const int64_t n = in.elementCount();
        switch (in.type) {
            case TensorType::Float32: {
                const float* src = in.as<float>();
                float* dst = out.as<float>();
                for (int64_t i = 0; i < n; ++i)
                    dst[i] = mathFloat<Op>(src[i]);
                return Status::ok();
            }
            case TensorType::Int32:
                return evalInt<int32_t>(in, out, n);
            case TensorType::Int64:
                return evalInt<int64_t>(in, out, n);
            case TensorType::Int8:
                return evalQuantized<int8_t>(ctx, in, out, n);
            case TensorType::UInt8:
                return evalQuantized<uint8_t>(ctx, in, out, n);
            case TensorType::Int16:
                return evalQuantized<int16_t>(ctx, in, out, n);
            default:
                return ctx.unsupportedType("input", in.type);
        }
    }

  private:
    Status prepareQuantized(OpContext& ctx, const RuntimeTensor& in, const RuntimeTensor& out) {
        const float inScale = in.scale(), outScale = out.scale();
        LS_ENSURE(ctx, usableScale(inScale) && usableScale(outScale),
                  "quantized input and output need positive scales");
        inZero_ = in.zeroPoint();
        outZero_ = out.zeroPoint();
        const QuantizedRange full = quantizedRange(in.type);
        if constexpr (Op == Math::Relu || Op == Math::Relu6 || Op == Math::ReluN1To1) {
            // The ratio in float, as TFLite computes it before widening.
            multiplier_ = quantizeMultiplier(static_cast<double>(inScale / outScale));
            // TFLite rounds the clamp bounds with roundf; RELU has no upper bound.
            const float lo = Op == Math::ReluN1To1 ? -1.f : 0.f;
            range_.min = std::max(full.min, outZero_ + static_cast<int32_t>(std::round(lo / outScale)));
            range_.max = full.max;
            if constexpr (Op != Math::Relu) {
                const float hi = Op == Math::Relu6 ? 6.f : 1.f;
                range_.max = std::min(full.max, outZero_ + static_cast<int32_t>(std::round(hi / outScale)));
            }
        } else if constexpr (Op == Math::HardSwish) {
            const float hiresScale = (1.f / 128.f) * inScale;
            const float reluishScale = 3.f / 32768.f;
            const QuantizedMultiplier o = quantizeMultiplier(static_cast<double>(hiresScale / outScale));
            const QuantizedMultiplier r = quantizeMultiplier(static_cast<double>(hiresScale / reluishScale));
            hardSwish_.outputMultiplier = downscaleMultiplier(o.multiplier);
            hardSwish_.outputExponent = o.shift;
            hardSwish_.reluishMultiplier = downscaleMultiplier(r.multiplier);
            hardSwish_.reluishExponent = r.shift;
            LS_ENSURE(ctx, o.shift <= 0, "HARD_SWISH output scale is too small for the input scale");
        } else if constexpr (Op == Math::Logistic || Op == Math::Tanh) {
            if (in.type == TensorType::Int16) return prepareInt16Activation(ctx, inScale, outScale);
            // A float table over the 256 inputs, as TFLite's default (not fixed-point) kernels build it; only
            // LOGISTIC insists on TFLite's 1/256 output scale.
            if constexpr (Op == Math::Logistic)
                LS_ENSURE(ctx, outScale == 1.f / 256, "LOGISTIC output scale must be 1/256");
            auto fn = [](float v) {
                if constexpr (Op == Math::Logistic) {
                    return 1.f / (1.f + std::exp(-v));
                } else {
                    return std::tanh(v);
                }
            };
            if (in.type == TensorType::Int8)
                populateLookupTable<int8_t>(table_, inScale, inZero_, outScale, outZero_, fn);
            else
                populateLookupTable<uint8_t>(table_, inScale, inZero_, outScale, outZero_, fn);
        } else if constexpr (Op == Math::Rsqrt) {
            const double scale = 1.0 / static_cast<double>(std::sqrt(inScale) * outScale);
            multiplier_ = quantizeMultiplier(scale);
            inScale_ = inScale;
            outScale_ = outScale;
        }
        return Status::ok();
    }

    template <typename T>
    Status evalQuantized(OpContext& ctx, const RuntimeTensor& in, RuntimeTensor& out, int64_t n) const {
        const T* src = in.as<T>();
        T* dst = out.as<T>();
        const int32_t lo = std::numeric_limits<T>::min(), hi = std::numeric_limits<T>::max();
        if constexpr (Op == Math::Relu || Op == Math::Relu6 || Op == Math::ReluN1To1) {
            for (int64_t i = 0; i < n; ++i) {
                int32_t v = outZero_ + multiplyByQuantizedMultiplier(static_cast<int32_t>(src[i]) - inZero_,
                                                                     multiplier_);
                dst[i] = static_cast<T>(std::min(std::max(v, range_.min), range_.max));
            }
        } else if constexpr (Op == Math::HardSwish) {
            for (int64_t i = 0; i < n; ++i) {
                const int32_t v = hardSwishQuantized(src[i], inZero_, outZero_, hardSwish_);
                dst[i] = static_cast<T>(std::min(std::max(v, lo), hi));
            }
        } else if constexpr (Op == Math::Logistic || Op == Math::Tanh) {
            if constexpr (sizeof(T) == 1) {
                for (int64_t i = 0; i < n; ++i)
                    dst[i] = static_cast<T>(table_[static_cast<uint8_t>(src[i])]);
            } else {
                constexpr bool kTanh = Op == Math::Tanh;
                if (!powerOfTwo16_) {
                    for (int64_t i = 0; i < n; ++i)
                        dst[i] = int16TableActivation(src[i], tableScale_, kTanh);
                } else {
                    // gemmlowp's Q3.12 -> Q0.15 functions, which TFLite runs for power-of-two scales.
                    for (int64_t i = 0; i < n; ++i) {
                        const int16_t x = potShift_ == 0 ? src[i] : q16::multiplyByPot(src[i], potShift_);
                        dst[i] = kTanh ? q16::tanh(x, 3) : q16::logistic(x, 3);
                    }
                }
            }
        } else if constexpr (Op == Math::Rsqrt) {
            for (int64_t i = 0; i < n; ++i)
                if (static_cast<int32_t>(src[i]) < inZero_)
                    return ctx.fail("RSQRT is only defined for non-negative values");
            if constexpr (std::is_same_v<T, int16_t>) {
                // Not in TFLite 2.8: the format's meaning, computed in double and rounded once.
                for (int64_t i = 0; i < n; ++i) {
                    const int32_t x = static_cast<int32_t>(src[i]) - inZero_;
                    if (x == 0) {
                        dst[i] = static_cast<T>(hi);
                        continue;
                    }
                    const double real = 1.0 / std::sqrt(static_cast<double>(inScale_) * x);
                    const double q = std::round(real / static_cast<double>(outScale_)) + outZero_;
                    dst[i] = static_cast<T>(std::clamp<double>(q, lo, hi));
                }
            } else {
                // TFLite's integer RSQRT: 1/sqrt of the centred input as a multiplier, applied to 1 with
                // 20 bits of headroom, then the scale change.
                constexpr int kShift = 20;
                for (int64_t i = 0; i < n; ++i) {
                    const int32_t x = static_cast<int32_t>(src[i]) - inZero_;
                    if (x == 0) {
                        dst[i] = static_cast<T>(hi);
                        continue;
                    }
                    QuantizedMultiplier inv = invSqrtQuantizedMultiplier(x, -1);
                    inv.shift += kShift;
                    const int32_t data = multiplyByQuantizedMultiplier(int32_t{1}, inv);
                    QuantizedMultiplier m = multiplier_;
                    m.shift -= kShift;
                    const int32_t v = multiplyByQuantizedMultiplier(data, m) + outZero_;
                    dst[i] = static_cast<T>(std::min(std::max(v, lo), hi));
                }
            }
        } else {
            return ctx.unsupportedType("input", in.type);
        }
        return Status::ok();
    }

    // TFLite 2.8's int16 LOGISTIC/TANH: symmetric, output in Q0.15; inputs at 2^-12 (TANH also 2^-13) go
    // through fixed-point functions, any other scale through the interpolated sigmoid table.
    Status prepareInt16Activation(OpContext& ctx, float inScale, float outScale) {
        LS_ENSURE(ctx, inZero_ == 0 && outZero_ == 0, "int16 LOGISTIC/TANH need zero points of 0");
        int outLog2 = 0, inLog2 = 0;
        LS_ENSURE(ctx, checkedLog2(outScale, outLog2) && outLog2 == -15,
                  "int16 LOGISTIC/TANH output scale must be 1/32768");
        const bool pot = checkedLog2(inScale, inLog2);
        potShift_ = 12 + inLog2;
        powerOfTwo16_ = pot && (potShift_ == 0 || (Op == Math::Tanh && potShift_ == 1));
        if (!powerOfTwo16_) tableScale_ = int16TableScale(inScale);
        return Status::ok();
    }

    // TFLite's CheckedLog2, in float: whether a scale is a power of two (to 1e-3 in log2), and which.
    static bool checkedLog2(float scale, int& log2) {
        const float l = std::log(scale) * (1.f / std::log(2.f));
        const float rounded = std::round(l);
        log2 = static_cast<int>(rounded);
        return std::abs(l - rounded) < 1e-3f;
    }

    bool powerOfTwo16_ = false;
    int potShift_ = 0;
    Int16TableScale tableScale_;
    int32_t inZero_ = 0, outZero_ = 0;
    float inScale_ = 0.f, outScale_ = 0.f;
    QuantizedMultiplier multiplier_;
    QuantizedRange range_;
    HardSwishParams hardSwish_;
    uint8_t table_[256] = {};

    template <typename T>
    static Status evalInt(const RuntimeTensor& in, RuntimeTensor& out, int64_t n) {
        const T* src = in.as<T>();
        T* dst = out.as<T>();
        for (int64_t i = 0; i < n; ++i)
            dst[i] = mathInt<Op>(src[i]);
        return Status::ok();
    }
};

class GeluKernel : public OpKernel {
  public:
    Status prepare(OpContext& ctx) override {
        LS_RETURN_IF_ERROR(needsOneInput(ctx));
        const RuntimeTensor& in = ctx.input(0);
        if (in.type != TensorType::Float32) return ctx.unsupportedType("input", in.type);
        LS_RETURN_IF_ERROR(sameTypeOut(ctx, in.type));
        const auto* options = ctx.options<fb::GeluOptions>();
        approximate_ = options && options->approximate();
        return ctx.resizeOutput(0, in.shape);
    }

    Status eval(OpContext& ctx) override {
        const float* src = ctx.input(0).as<float>();
        float* dst = ctx.output(0).as<float>();
        const int64_t n = ctx.input(0).elementCount();
        constexpr float kSqrt2OverPi = 0.7978845608028654f;
        constexpr float kInvSqrt2 = 0.7071067811865476f;
        if (approximate_) {
            for (int64_t i = 0; i < n; ++i) {
                const float x = src[i];
                dst[i] = 0.5f * x * (1.f + std::tanh(kSqrt2OverPi * (x + 0.044715f * x * x * x)));
            }
        } else {
            for (int64_t i = 0; i < n; ++i)
                dst[i] = 0.5f * src[i] * (1.f + std::erf(src[i] * kInvSqrt2));
        }
        return Status::ok();
    }

  private:
    bool approximate_ = false;
};

class LeakyReluKernel : public OpKernel {
  public:
    Status prepare(OpContext& ctx) override {
        LS_RETURN_IF_ERROR(needsOneInput(ctx));
        const RuntimeTensor& in = ctx.input(0);
        if (in.type != TensorType::Float32 && !isQuantizedType(in.type))
            return ctx.unsupportedType("input", in.type);
        LS_RETURN_IF_ERROR(sameTypeOut(ctx, in.type));
        const auto* options = ctx.options<fb::LeakyReluOptions>();
        alpha_ = options ? options->alpha() : 0.f;
        if (isQuantizedType(in.type)) {
            const RuntimeTensor& out = ctx.output(0);
            LS_ENSURE(ctx, usableScale(in.scale()) && usableScale(out.scale()),
                      "quantized input and output need positive scales");
            // Two requantizations: x * alpha below the zero point, x above it. The ratios are float
            // arithmetic in TFLite, which decides ties in the last bit.
            alphaMul_ = quantizeMultiplier(static_cast<double>(in.scale() * alpha_ / out.scale()));
            identityMul_ = quantizeMultiplier(static_cast<double>(in.scale() / out.scale()));
            inZero_ = in.zeroPoint();
            outZero_ = out.zeroPoint();
        }
        return ctx.resizeOutput(0, in.shape);
    }

    Status eval(OpContext& ctx) override {
        const RuntimeTensor& in = ctx.input(0);
        const int64_t n = in.elementCount();
        switch (in.type) {
            case TensorType::Float32: {
                const float* src = in.as<float>();
                float* dst = ctx.output(0).as<float>();
                // Not max(x, alpha*x): alpha may be above 1 or negative.
                for (int64_t i = 0; i < n; ++i)
                    dst[i] = src[i] > 0.f ? src[i] : src[i] * alpha_;
                return Status::ok();
            }
            case TensorType::Int8:
                runQuantized(in.as<int8_t>(), ctx.output(0).as<int8_t>(), n);
                return Status::ok();
            case TensorType::UInt8:
                runQuantized(in.as<uint8_t>(), ctx.output(0).as<uint8_t>(), n);
                return Status::ok();
            case TensorType::Int16:
                runQuantized(in.as<int16_t>(), ctx.output(0).as<int16_t>(), n);
                return Status::ok();
            default:
                return ctx.unsupportedType("input", in.type);
        }
    }

  private:
    template <typename T>
    void runQuantized(const T* src, T* dst, int64_t n) const {
        const int32_t lo = std::numeric_limits<T>::min(), hi = std::numeric_limits<T>::max();
        for (int64_t i = 0; i < n; ++i) {
            const int32_t x = static_cast<int32_t>(src[i]) - inZero_;
            const int32_t v = outZero_ + multiplyByQuantizedMultiplier(x, x >= 0 ? identityMul_ : alphaMul_);
            dst[i] = static_cast<T>(std::min(std::max(v, lo), hi));
        }
    }

    float alpha_ = 0.f;
    QuantizedMultiplier alphaMul_, identityMul_;
    int32_t inZero_ = 0, outZero_ = 0;
};

class PreluKernel : public OpKernel {
  public:
    Status prepare(OpContext& ctx) override {
        LS_ENSURE(ctx, ctx.inputCount() == 2 && ctx.hasInput(0) && ctx.hasInput(1),
                  "needs an input and an alpha");
        const RuntimeTensor& in = ctx.input(0);
        const RuntimeTensor& alpha = ctx.input(1);
        if (in.type != TensorType::Float32 && in.type != TensorType::Int8 && in.type != TensorType::UInt8)
            return ctx.unsupportedType("input", in.type);
        LS_ENSURE(ctx, alpha.type == in.type, "alpha type differs from the input's");
        LS_RETURN_IF_ERROR(sameTypeOut(ctx, in.type));
        if (in.type != TensorType::Float32) {
            const RuntimeTensor& o = ctx.output(0);
            LS_ENSURE(ctx, usableScale(in.scale()) && usableScale(alpha.scale()) && usableScale(o.scale()),
                      "quantized input, alpha and output need positive scales");
            // Float ratios, as TFLite computes them.
            const float inScale = in.scale(), alphaScale = alpha.scale(), outScale = o.scale();
            identityMul_ = quantizeMultiplier(static_cast<double>(inScale / outScale));
            alphaMul_ = quantizeMultiplier(static_cast<double>(inScale * alphaScale / outScale));
            inZero_ = in.zeroPoint();
            alphaZero_ = alpha.zeroPoint();
            outZero_ = o.zeroPoint();
        }
        Shape out;
        LS_ENSURE(ctx, broadcastShapes(in.shape, alpha.shape, out),
                  "alpha shape " + alpha.shape.toString() + " does not broadcast against input " +
                      in.shape.toString());
        return ctx.resizeOutput(0, out);
    }

    Status eval(OpContext& ctx) override {
        const RuntimeTensor& in = ctx.input(0);
        const RuntimeTensor& alpha = ctx.input(1);
        RuntimeTensor& out = ctx.output(0);
        switch (in.type) {
            case TensorType::Float32: {
                const float* pi = in.as<float>();
                const float* pa = alpha.as<float>();
                float* po = out.as<float>();
                forEachBroadcast(in.shape, alpha.shape, out.shape, [&](int64_t i, int64_t ii, int64_t ia) {
                    po[i] = pi[ii] >= 0.f ? pi[ii] : pi[ii] * pa[ia];
                });
                return Status::ok();
            }
            case TensorType::Int8:
                runQuantized<int8_t>(in, alpha, out);
                return Status::ok();
            case TensorType::UInt8:
                runQuantized<uint8_t>(in, alpha, out);
                return Status::ok();
            default:
                return ctx.unsupportedType("input", in.type);
        }
    }

  private:
    // TFLite's integer PRELU: the centred input requantized as is, or times the centred alpha.
    template <typename T>
    void runQuantized(const RuntimeTensor& in, const RuntimeTensor& alpha, RuntimeTensor& out) const {
        const T* pi = in.as<T>();
        const T* pa = alpha.as<T>();
        T* po = out.as<T>();
        const int32_t lo = std::numeric_limits<T>::min(), hi = std::numeric_limits<T>::max();
        forEachBroadcast(in.shape, alpha.shape, out.shape, [&](int64_t i, int64_t ii, int64_t ia) {
            const int32_t x = static_cast<int32_t>(pi[ii]) - inZero_;
            int32_t v;
            if (x >= 0) {
                v = multiplyByQuantizedMultiplier(x, identityMul_);
            } else {
                const int32_t a = static_cast<int32_t>(pa[ia]) - alphaZero_;
                v = multiplyByQuantizedMultiplier(x * a, alphaMul_);
            }
            po[i] = static_cast<T>(std::min(std::max(v + outZero_, lo), hi));
        });
    }

    QuantizedMultiplier identityMul_, alphaMul_;
    int32_t inZero_ = 0, alphaZero_ = 0, outZero_ = 0;
};

class LogicalNotKernel : public OpKernel {
  public:
    Status prepare(OpContext& ctx) override {
        LS_RETURN_IF_ERROR(needsOneInput(ctx));
        const RuntimeTensor& in = ctx.input(0);
        if (in.type != TensorType::Bool) return ctx.unsupportedType("input", in.type);
        LS_RETURN_IF_ERROR(sameTypeOut(ctx, in.type));
        return ctx.resizeOutput(0, in.shape);
    }

    Status eval(OpContext& ctx) override {
        // Bytes rather than bool: a stored byte other than 0 or 1 must not be undefined behaviour.
        const uint8_t* src = ctx.input(0).as<uint8_t>();
        uint8_t* dst = ctx.output(0).as<uint8_t>();
        const int64_t n = ctx.input(0).elementCount();
        for (int64_t i = 0; i < n; ++i)
            dst[i] = src[i] == 0 ? 1 : 0;
        return Status::ok();
    }
};

class ZerosLikeKernel : public OpKernel {
  public:
    Status prepare(OpContext& ctx) override {
        LS_RETURN_IF_ERROR(needsOneInput(ctx));
        const RuntimeTensor& in = ctx.input(0);
        if (in.type != TensorType::Float32 && in.type != TensorType::Int32 && in.type != TensorType::Int64)
            return ctx.unsupportedType("input", in.type);
        LS_RETURN_IF_ERROR(sameTypeOut(ctx, in.type));
        return ctx.resizeOutput(0, in.shape);
    }

    Status eval(OpContext& ctx) override {
        RuntimeTensor& out = ctx.output(0);
        // All-zero bytes are 0 and 0.0f alike.
        if (out.bytes > 0) std::memset(out.data, 0, out.bytes);
        return Status::ok();
    }
};

// ---------------------------------------------------------------------------------------------------------
// CAST
// ---------------------------------------------------------------------------------------------------------

// Bool tensors are read and written as bytes (0 or 1 out; anything non-zero in is true).
template <typename T>
using Stored = std::conditional_t<std::is_same_v<T, bool>, uint8_t, T>;

// Float to integer truncates toward zero. Values out of range (NaN included) are undefined in C++; this gives
// what TFLite's static_cast gives on x86-64: the "integer indefinite" (most negative value) of the 32-bit
// conversion, or of the 64-bit one for 64-bit and uint32 targets, then the target's low bits.
template <typename To>
inline To truncateToInteger(double v) {
    if constexpr (sizeof(To) == 8 || std::is_same_v<To, uint32_t>) {
        const bool inRange = v >= -9223372036854775808.0 && v < 9223372036854775808.0;
        return static_cast<To>(inRange ? static_cast<int64_t>(v) : std::numeric_limits<int64_t>::min());
    } else {
        const bool inRange = v > -2147483649.0 && v < 2147483648.0;
        return static_cast<To>(inRange ? static_cast<int32_t>(v) : std::numeric_limits<int32_t>::min());
    }
}

template <typename To, typename From>
inline Stored<To> convertValue(From v) {
    if constexpr (std::is_same_v<To, bool>) {
        return static_cast<uint8_t>(v != From{});
    } else if constexpr (std::is_floating_point_v<From> && std::is_integral_v<To>) {
        return truncateToInteger<To>(static_cast<double>(v));
    } else {
        return static_cast<To>(v);
    }
}

using CastFn = void (*)(const uint8_t*, uint8_t*, int64_t);

template <typename From, typename To>
void castLoop(const uint8_t* in, uint8_t* out, int64_t n) {
    const auto* src = reinterpret_cast<const Stored<From>*>(in);
    auto* dst = reinterpret_cast<Stored<To>*>(out);
    for (int64_t i = 0; i < n; ++i) {
        if constexpr (std::is_same_v<From, bool>) {
            dst[i] = convertValue<To>(src[i] != 0);
        } else {
            dst[i] = convertValue<To>(src[i]);
        }
    }
}

template <typename From>
CastFn castTo(TensorType to) {
    switch (to) {
        case TensorType::Float32:
            return &castLoop<From, float>;
        case TensorType::Float64:
            return &castLoop<From, double>;
        case TensorType::Int32:
            return &castLoop<From, int32_t>;
        case TensorType::Int64:
            return &castLoop<From, int64_t>;
        case TensorType::Bool:
            return &castLoop<From, bool>;
        case TensorType::UInt8:
            return &castLoop<From, uint8_t>;
        case TensorType::Int8:
            return &castLoop<From, int8_t>;
        case TensorType::Int16:
            return &castLoop<From, int16_t>;
        case TensorType::UInt32:
            return &castLoop<From, uint32_t>;
        default:
            return nullptr;
    }
}

CastFn castFunction(TensorType from, TensorType to) {
    switch (from) {
        case TensorType::Float32:
            return castTo<float>(to);
        case TensorType::Float64:
            return castTo<double>(to);
        case TensorType::Int32:
            return castTo<int32_t>(to);
        case TensorType::Int64:
            return castTo<int64_t>(to);
        case TensorType::Bool:
            return castTo<bool>(to);
        case TensorType::UInt8:
            return castTo<uint8_t>(to);
        case TensorType::Int8:
            return castTo<int8_t>(to);
        case TensorType::Int16:
            return castTo<int16_t>(to);
        case TensorType::UInt32:
            return castTo<uint32_t>(to);
        default:
            return nullptr;
    }
}

class CastKernel : public OpKernel {
  public:
    Status prepare(OpContext& ctx) override {
        LS_RETURN_IF_ERROR(needsOneInput(ctx));
        const RuntimeTensor& in = ctx.input(0);
        const TensorType to = ctx.output(0).type;
        cast_ = castFunction(in.type, to);
        if (cast_ == nullptr) {
            // Every supported source casts to FLOAT32: without that, the source is what is missing.
            if (castFunction(in.type, TensorType::Float32) == nullptr)
                return ctx.unsupportedType("input", in.type);
            return ctx.unsupportedType("output", to);
        }
        return ctx.resizeOutput(0, in.shape);
    }

    Status eval(OpContext& ctx) override {
        cast_(ctx.input(0).data, ctx.output(0).data, ctx.input(0).elementCount());
        return Status::ok();
    }

  private:
    CastFn cast_ = nullptr;
};

// ---------------------------------------------------------------------------------------------------------
// DEQUANTIZE and QUANTIZE
// ---------------------------------------------------------------------------------------------------------

// Affine parameters walked as [outer, channels, inner] blocks: one channel per step of the quantized
// dimension, or a single block for per-tensor quantization.
struct AffineBlocks {
    std::span<const float> scale;
    std::span<const int64_t> zeroPoint;
    int64_t outer = 1, channels = 1, inner = 1;

    Status prepare(OpContext& ctx, const QuantizationParams& q, const Shape& shape, const char* role) {
        LS_ENSURE(ctx, !q.scale.empty(), std::string(role) + " has no quantization scale");
        scale = q.scale;
        zeroPoint = q.zeroPoint;
        LS_ENSURE(ctx, zeroPoint.size() <= 1 || zeroPoint.size() == scale.size(),
                  std::string(role) + " has " + std::to_string(scale.size()) + " scales but " +
                      std::to_string(zeroPoint.size()) + " zero points");
        if (scale.size() == 1) {
            outer = channels = 1;
            inner = shape.elementCount();
            return Status::ok();
        }
        const int axis = q.quantizedDimension;
        LS_ENSURE(ctx, axis >= 0 && axis < shape.rank(),
                  std::string(role) + " quantized_dimension " + std::to_string(axis) + " is outside shape " +
                      shape.toString());
        LS_ENSURE(ctx, static_cast<int64_t>(scale.size()) == shape[axis],
                  std::string(role) + " has " + std::to_string(scale.size()) + " scales for dimension " +
                      std::to_string(axis) + " of shape " + shape.toString());
        outer = shape.flatSize(0, axis);
        channels = shape[axis];
        inner = shape.flatSize(axis + 1, shape.rank());
        return Status::ok();
    }

    int32_t zeroPointOf(int64_t channel) const {
        if (zeroPoint.empty()) return 0;
        return static_cast<int32_t>(zeroPoint[zeroPoint.size() == 1 ? 0 : static_cast<size_t>(channel)]);
    }

    // fn(flatIndex, scale, zeroPoint) for every element.
    template <typename Fn>
    void forEach(Fn&& fn) const {
        int64_t i = 0;
        for (int64_t o = 0; o < outer; ++o) {
            for (int64_t c = 0; c < channels; ++c) {
                const float s = scale[static_cast<size_t>(c)];
                const int32_t z = zeroPointOf(c);
                for (int64_t k = 0; k < inner; ++k, ++i)
                    fn(i, s, z);
            }
        }
    }
};

class DequantizeKernel : public OpKernel {
  public:
    bool foldsConstantInputs() const override { return true; }

    Status prepare(OpContext& ctx) override {
        LS_RETURN_IF_ERROR(needsOneInput(ctx));
        const RuntimeTensor& in = ctx.input(0);
        LS_ENSURE(ctx, ctx.output(0).type == TensorType::Float32,
                  "output must be FLOAT32, not " + std::string(tensorTypeName(ctx.output(0).type)));
        switch (in.type) {
            case TensorType::Float16:
                break;
            case TensorType::Int8:
            case TensorType::UInt8:
            case TensorType::Int16:
                LS_RETURN_IF_ERROR(blocks_.prepare(ctx, in.quantization(), in.shape, "input"));
                break;
            default:
                return ctx.unsupportedType("input", in.type);
        }
        return ctx.resizeOutput(0, in.shape);
    }

    Status eval(OpContext& ctx) override {
        const RuntimeTensor& in = ctx.input(0);
        float* dst = ctx.output(0).as<float>();
        switch (in.type) {
            case TensorType::Float16: {
                const uint16_t* src = in.as<uint16_t>();
                const int64_t n = in.elementCount();
                for (int64_t i = 0; i < n; ++i)
                    dst[i] = halfToFloat(src[i]);
                return Status::ok();
            }
            case TensorType::Int8:
                run(in.as<int8_t>(), dst);
                return Status::ok();
            case TensorType::UInt8:
                run(in.as<uint8_t>(), dst);
                return Status::ok();
            case TensorType::Int16:
                run(in.as<int16_t>(), dst);
                return Status::ok();
            default:
                return ctx.unsupportedType("input", in.type);
        }
    }

  private:
    template <typename T>
    void run(const T* src, float* dst) const {
        blocks_.forEach([&](int64_t i, float s, int32_t z) {
            dst[i] = s * static_cast<float>(static_cast<int32_t>(src[i]) - z);
        });
    }

    AffineBlocks blocks_;
};

// round(x / scale) + zero_point, clamped to T. The division is in double and the rounding std::round's (half
// away from zero), as TFLite's float-to-integer AffineQuantize computes; the out-of-range and NaN cases
// follow its x86 conversion (integer indefinite, then the int32 addition wraps).
template <typename T>
inline T quantizeValue(float x, double scale, int32_t zeroPoint) {
    const double r = std::round(static_cast<double>(x) / scale);
    const int32_t q =
        r > -2147483649.0 && r < 2147483648.0 ? static_cast<int32_t>(r) : std::numeric_limits<int32_t>::min();
    const int32_t shifted = static_cast<int32_t>(static_cast<uint32_t>(q) + static_cast<uint32_t>(zeroPoint));
    const int32_t lo = std::numeric_limits<T>::min(), hi = std::numeric_limits<T>::max();
    return static_cast<T>(std::min(std::max(shifted, lo), hi));
}

class QuantizeKernel : public OpKernel {
  public:
    Status prepare(OpContext& ctx) override {
        LS_RETURN_IF_ERROR(needsOneInput(ctx));
        const RuntimeTensor& in = ctx.input(0);
        const RuntimeTensor& out = ctx.output(0);
        if (in.type != TensorType::Float32 && !isQuantizedType(in.type) && in.type != TensorType::Int32)
            return ctx.unsupportedType("input", in.type);
        // INT32 outputs only come from requantizing (TFLite's int16 -> int32).
        const bool int32Out = out.type == TensorType::Int32 && in.type != TensorType::Float32;
        if (out.type != TensorType::Int8 && out.type != TensorType::UInt8 && out.type != TensorType::Int16 &&
            !int32Out)
            return ctx.unsupportedType("output", out.type);
        if (in.type != TensorType::Float32) {
            // Requantizing: one multiplier between per-tensor scales, as TFLite.
            LS_ENSURE(ctx, !in.quantization().isPerChannel() && !out.quantization().isPerChannel(),
                      "requantizing needs per-tensor quantization");
            LS_ENSURE(ctx, usableScale(in.scale()) && usableScale(out.scale()),
                      "requantizing needs positive scales");
            requantize_ =
                quantizeMultiplier(static_cast<double>(in.scale()) / static_cast<double>(out.scale()));
            inZero_ = in.zeroPoint();
            outZero_ = out.zeroPoint();
            return ctx.resizeOutput(0, in.shape);
        }
        LS_RETURN_IF_ERROR(blocks_.prepare(ctx, out.quantization(), in.shape, "output"));
        return ctx.resizeOutput(0, in.shape);
    }

    Status eval(OpContext& ctx) override {
        const RuntimeTensor& in = ctx.input(0);
        switch (in.type) {
            case TensorType::Float32:
                break;
            case TensorType::Int8:
                return requantizeTo(ctx, in.as<int8_t>());
            case TensorType::UInt8:
                return requantizeTo(ctx, in.as<uint8_t>());
            case TensorType::Int16:
                return requantizeTo(ctx, in.as<int16_t>());
            case TensorType::Int32:
                return requantizeTo(ctx, in.as<int32_t>());
            default:
                return ctx.unsupportedType("input", in.type);
        }
        const float* src = in.as<float>();
        RuntimeTensor& out = ctx.output(0);
        switch (out.type) {
            case TensorType::Int8:
                run(src, out.as<int8_t>());
                return Status::ok();
            case TensorType::UInt8:
                run(src, out.as<uint8_t>());
                return Status::ok();
            case TensorType::Int16:
                run(src, out.as<int16_t>());
                return Status::ok();
            default:
                return ctx.unsupportedType("output", out.type);
        }
    }

  private:
    template <typename T>
    void run(const float* src, T* dst) const {
        blocks_.forEach([&](int64_t i, float s, int32_t z) { dst[i] = quantizeValue<T>(src[i], s, z); });
    }

    template <typename In>
    Status requantizeTo(OpContext& ctx, const In* src) const {
        RuntimeTensor& out = ctx.output(0);
        const int64_t n = out.elementCount();
        switch (out.type) {
            case TensorType::Int8:
                requantize(src, out.as<int8_t>(), n);
                return Status::ok();
            case TensorType::UInt8:
                requantize(src, out.as<uint8_t>(), n);
                return Status::ok();
            case TensorType::Int16:
                requantize(src, out.as<int16_t>(), n);
                return Status::ok();
            case TensorType::Int32:
                requantize(src, out.as<int32_t>(), n);
                return Status::ok();
            default:
                return ctx.unsupportedType("output", out.type);
        }
    }

    // TFLite's Requantize: the centred value times the scale ratio, re-centred and clamped.
    template <typename In, typename Out>
    void requantize(const In* src, Out* dst, int64_t n) const {
        const int64_t lo = std::numeric_limits<Out>::min(), hi = std::numeric_limits<Out>::max();
        for (int64_t i = 0; i < n; ++i) {
            const auto centred =
                static_cast<int32_t>(static_cast<uint32_t>(src[i]) - static_cast<uint32_t>(inZero_));
            const int64_t v = int64_t{multiplyByQuantizedMultiplier(centred, requantize_)} + outZero_;
            dst[i] = static_cast<Out>(std::min(std::max(v, lo), hi));
        }
    }

    AffineBlocks blocks_;
    QuantizedMultiplier requantize_;
    int32_t inZero_ = 0, outZero_ = 0;
};

// ---------------------------------------------------------------------------------------------------------
// SELECT and SELECT_V2
// ---------------------------------------------------------------------------------------------------------

// fn(outIndex, aIndex, bIndex, cIndex) over an output that three inputs broadcast to.
template <typename Fn>
void forEachBroadcast3(const Shape& a, const Shape& b, const Shape& c, const Shape& out, Fn&& fn) {
    const int rank = out.rank();
    const int64_t n = out.elementCount();
    const BroadcastIndex ia(a, out), ib(b, out), ic(c, out);
    std::array<int32_t, Shape::kMaxRank> counter{};
    int64_t offA = 0, offB = 0, offC = 0;
    for (int64_t i = 0; i < n; ++i) {
        fn(i, offA, offB, offC);
        for (int d = rank - 1; d >= 0; --d) {
            offA += ia.strideOf(d);
            offB += ib.strideOf(d);
            offC += ic.strideOf(d);
            if (++counter[static_cast<size_t>(d)] < out[d]) break;
            offA -= ia.strideOf(d) * out[d];
            offB -= ib.strideOf(d) * out[d];
            offC -= ic.strideOf(d) * out[d];
            counter[static_cast<size_t>(d)] = 0;
        }
    }
}

template <bool V2>
class SelectKernel : public OpKernel {
  public:
    Status prepare(OpContext& ctx) override {
        LS_ENSURE(ctx, ctx.inputCount() == 3 && ctx.hasInput(0) && ctx.hasInput(1) && ctx.hasInput(2),
                  "needs a condition and two value inputs");
        const RuntimeTensor& cond = ctx.input(0);
        const RuntimeTensor& x = ctx.input(1);
        const RuntimeTensor& y = ctx.input(2);
        if (cond.type != TensorType::Bool) return ctx.unsupportedType("condition", cond.type);
        LS_ENSURE(ctx, x.type == y.type,
                  "value types differ: " + std::string(tensorTypeName(x.type)) + " and " +
                      std::string(tensorTypeName(y.type)));
        const int bits = tensorTypeBits(x.type);
        // Values are only moved, so any fixed-size element of 1, 2, 4 or 8 bytes will do.
        if (bits != 8 && bits != 16 && bits != 32 && bits != 64) return ctx.unsupportedType("input", x.type);
        LS_RETURN_IF_ERROR(sameTypeOut(ctx, x.type));
        const std::string shapes =
            cond.shape.toString() + ", " + x.shape.toString() + " and " + y.shape.toString();
        if (cond.shape == x.shape && x.shape == y.shape) {
            mode_ = Mode::Same;
            return ctx.resizeOutput(0, x.shape);
        }
        if constexpr (V2) {
            Shape partial, out;
            LS_ENSURE(ctx,
                      broadcastShapes(cond.shape, x.shape, partial) && broadcastShapes(partial, y.shape, out),
                      "shapes " + shapes + " do not broadcast");
            mode_ = Mode::Broadcast;
            return ctx.resizeOutput(0, out);
        } else {
            // Version 1 takes a scalar condition, or a rank-1 one that picks whole slices along dimension 0.
            LS_ENSURE(ctx, x.shape == y.shape,
                      "value shapes " + x.shape.toString() + " and " + y.shape.toString() + " differ");
            const bool scalar = cond.shape.rank() == 0;
            const bool rankOne = cond.shape.rank() == 1 && x.shape.rank() >= 1 && cond.shape[0] == x.shape[0];
            LS_ENSURE(ctx, scalar || rankOne, "condition shape does not fit: " + shapes);
            mode_ = Mode::RankOne;
            return ctx.resizeOutput(0, x.shape);
        }
    }

    Status eval(OpContext& ctx) override {
        switch (tensorTypeBits(ctx.input(1).type)) {
            case 8:
                run<uint8_t>(ctx);
                break;
            case 16:
                run<uint16_t>(ctx);
                break;
            case 32:
                run<uint32_t>(ctx);
                break;
            case 64:
                run<uint64_t>(ctx);
                break;
            default:
                return ctx.unsupportedType("input", ctx.input(1).type);
        }
        return Status::ok();
    }

  private:
    enum class Mode { Same, RankOne, Broadcast };

    template <typename T>
    void run(OpContext& ctx) const {
        const RuntimeTensor& cond = ctx.input(0);
        const RuntimeTensor& x = ctx.input(1);
        const RuntimeTensor& y = ctx.input(2);
        RuntimeTensor& out = ctx.output(0);
        const uint8_t* pc = cond.as<uint8_t>();
        const T* px = x.as<T>();
        const T* py = y.as<T>();
        T* po = out.as<T>();
        switch (mode_) {
            case Mode::Same: {
                const int64_t n = out.elementCount();
                for (int64_t i = 0; i < n; ++i)
                    po[i] = pc[i] ? px[i] : py[i];
                break;
            }
            case Mode::RankOne: {
                const int64_t slices = cond.elementCount();
                const int64_t slice = slices == 0 ? 0 : out.elementCount() / slices;
                for (int64_t s = 0; s < slices; ++s) {
                    const T* from = (pc[s] ? px : py) + s * slice;
                    std::copy(from, from + slice, po + s * slice);
                }
                break;
            }
            case Mode::Broadcast:
                forEachBroadcast3(
                    cond.shape, x.shape, y.shape, out.shape,
                    [&](int64_t i, int64_t ic, int64_t ix, int64_t iy) { po[i] = pc[ic] ? px[ix] : py[iy]; });
                break;
        }
    }

    Mode mode_ = Mode::Same;
};

}  // namespace

void registerUnaryKernels(KernelRegistry& r) {
    using B = fb::BuiltinOperator;
    r.add(B::ABS, makeKernel<ElementwiseKernel<Math::Abs>>);
    r.add(B::NEG, makeKernel<ElementwiseKernel<Math::Neg>>);
    r.add(B::EXP, makeKernel<ElementwiseKernel<Math::Exp>>);
    r.add(B::LOG, makeKernel<ElementwiseKernel<Math::Log>>);
    r.add(B::SQRT, makeKernel<ElementwiseKernel<Math::Sqrt>>);
    r.add(B::RSQRT, makeKernel<ElementwiseKernel<Math::Rsqrt>>);
    r.add(B::SIN, makeKernel<ElementwiseKernel<Math::Sin>>);
    r.add(B::COS, makeKernel<ElementwiseKernel<Math::Cos>>);
    r.add(B::SQUARE, makeKernel<ElementwiseKernel<Math::Square>>);
    r.add(B::FLOOR, makeKernel<ElementwiseKernel<Math::Floor>>);
    r.add(B::CEIL, makeKernel<ElementwiseKernel<Math::Ceil>>);
    r.add(B::ROUND, makeKernel<ElementwiseKernel<Math::Round>>);
    r.add(B::SIGN, makeKernel<ElementwiseKernel<Math::Sign>>);
    r.add(B::TANH, makeKernel<ElementwiseKernel<Math::Tanh>>);
    r.add(B::LOGISTIC, makeKernel<ElementwiseKernel<Math::Logistic>>);
    r.add(B::RELU, makeKernel<ElementwiseKernel<Math::Relu>>);
    r.add(B::RELU6, makeKernel<ElementwiseKernel<Math::Relu6>>);
    r.add(B::RELU_N1_TO_1, makeKernel<ElementwiseKernel<Math::ReluN1To1>>);
    r.add(B::RELU_0_TO_1, makeKernel<ElementwiseKernel<Math::Relu0To1>>);
    r.add(B::ELU, makeKernel<ElementwiseKernel<Math::Elu>>);
    r.add(B::HARD_SWISH, makeKernel<ElementwiseKernel<Math::HardSwish>>);
    r.add(B::GELU, makeKernel<GeluKernel>);
    r.add(B::LEAKY_RELU, makeKernel<LeakyReluKernel>);
    r.add(B::PRELU, makeKernel<PreluKernel>);
    r.add(B::LOGICAL_NOT, makeKernel<LogicalNotKernel>);
    r.add(B::ZEROS_LIKE, makeKernel<ZerosLikeKernel>);
    r.add(B::CAST, makeKernel<CastKernel>);
    r.add(B::DEQUANTIZE, makeKernel<DequantizeKernel>);
    r.add(B::QUANTIZE, makeKernel<QuantizeKernel>);
    r.add(B::SELECT, makeKernel<SelectKernel<false>>);
    r.add(B::SELECT_V2, makeKernel<SelectKernel<true>>);
}

}  // namespace litescope::kernels

// Elementwise one-input kernels and their close relatives: math functions, activations (with LEAKY_RELU,
// PRELU and GELU), LOGICAL_NOT, CAST, QUANTIZE/DEQUANTIZE, ZEROS_LIKE and SELECT/SELECT_V2.
// Quantized int8/uint8/int16 variants of the math and activation ops come with the quantized kernels.
#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstring>
#include <span>
#include <type_traits>

#include "runtime/kernel_registry.h"
#include "runtime/kernels/kernel_util.h"

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

template <Math Op>
class ElementwiseKernel : public OpKernel {
  public:
    Status prepare(OpContext& ctx) override {
        LS_RETURN_IF_ERROR(needsOneInput(ctx));
        const RuntimeTensor& in = ctx.input(0);
        const bool supported = in.type == TensorType::Float32 ||
                               (hasInt32<Op>() && in.type == TensorType::Int32) ||
                               (hasInt64<Op>() && in.type == TensorType::Int64);
        if (!supported) return ctx.unsupportedType("input", in.type);
        LS_RETURN_IF_ERROR(sameTypeOut(ctx, in.type));
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
            default:
                return ctx.unsupportedType("input", in.type);
        }
    }

  private:
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
        if (in.type != TensorType::Float32) return ctx.unsupportedType("input", in.type);
        LS_RETURN_IF_ERROR(sameTypeOut(ctx, in.type));
        const auto* options = ctx.options<fb::LeakyReluOptions>();
        alpha_ = options ? options->alpha() : 0.f;
        return ctx.resizeOutput(0, in.shape);
    }

    Status eval(OpContext& ctx) override {
        const float* src = ctx.input(0).as<float>();
        float* dst = ctx.output(0).as<float>();
        const int64_t n = ctx.input(0).elementCount();
        // Not max(x, alpha*x): alpha may be above 1 or negative.
        for (int64_t i = 0; i < n; ++i)
            dst[i] = src[i] > 0.f ? src[i] : src[i] * alpha_;
        return Status::ok();
    }

  private:
    float alpha_ = 0.f;
};

class PreluKernel : public OpKernel {
  public:
    Status prepare(OpContext& ctx) override {
        LS_ENSURE(ctx, ctx.inputCount() == 2 && ctx.hasInput(0) && ctx.hasInput(1),
                  "needs an input and an alpha");
        const RuntimeTensor& in = ctx.input(0);
        const RuntimeTensor& alpha = ctx.input(1);
        if (in.type != TensorType::Float32) return ctx.unsupportedType("input", in.type);
        LS_ENSURE(ctx, alpha.type == in.type, "alpha type differs from the input's");
        LS_RETURN_IF_ERROR(sameTypeOut(ctx, in.type));
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
        const float* pi = in.as<float>();
        const float* pa = alpha.as<float>();
        float* po = out.as<float>();
        forEachBroadcast(in.shape, alpha.shape, out.shape, [&](int64_t i, int64_t ii, int64_t ia) {
            po[i] = pi[ii] >= 0.f ? pi[ii] : pi[ii] * pa[ia];
        });
        return Status::ok();
    }
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

// IEEE binary16 to float, exactly: subnormals, infinities and NaN payloads included.
inline float halfToFloat(uint16_t h) {
    const uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
    const uint32_t exponent = (h >> 10) & 0x1fu;
    const uint32_t mantissa = h & 0x3ffu;
    if (exponent == 0) {
        const float magnitude = static_cast<float>(mantissa) * (1.f / 16777216.f);  // mantissa * 2^-24
        return sign ? -magnitude : magnitude;
    }
    const uint32_t bits = exponent == 0x1fu ? (sign | 0x7f800000u | (mantissa << 13))
                                            : (sign | ((exponent + 112u) << 23) | (mantissa << 13));
    return std::bit_cast<float>(bits);
}

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
        // Requantizing (an integer input) comes with the quantized kernels.
        if (in.type != TensorType::Float32) return ctx.unsupportedType("input", in.type);
        if (out.type != TensorType::Int8 && out.type != TensorType::UInt8 && out.type != TensorType::Int16)
            return ctx.unsupportedType("output", out.type);
        LS_RETURN_IF_ERROR(blocks_.prepare(ctx, out.quantization(), in.shape, "output"));
        return ctx.resizeOutput(0, in.shape);
    }

    Status eval(OpContext& ctx) override {
        const float* src = ctx.input(0).as<float>();
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

    AffineBlocks blocks_;
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

// Spatial pooling (AVERAGE_POOL_2D, MAX_POOL_2D, L2_POOL_2D) and resizing (RESIZE_BILINEAR,
// RESIZE_NEAREST_NEIGHBOR) of NHWC tensors, with TFLite's padding offsets and source-index rounding.
// Average and max pooling also run on int8/uint8/int16 with TFLite's integer rounding, bilinear resizing on
// int8/int16 (TFLite's 10-bit fixed-point coordinates) and uint8 (its float interpolation, rounded);
// nearest neighbour only copies elements, so it serves every 8/16-bit type.
#include <cmath>
#include <cstring>

#include "runtime/kernel_registry.h"
#include "runtime/kernels/fixed_point_math.h"
#include "runtime/kernels/kernel_util.h"

namespace litescope::kernels {
namespace {

enum class Pool { Average, Max, L2 };

// TFLite's output size for a padding mode (as TensorFlow's GetWindowedOutputSize), before any check.
int64_t windowedOutputSize(fb::Padding padding, int64_t in, int64_t filter, int64_t stride) {
    return padding == fb::Padding::SAME ? (in + stride - 1) / stride : (in + stride - filter) / stride;
}

// The padding before the first element; SAME splits the total with the smaller half first.
int64_t paddingBefore(int64_t in, int64_t filter, int64_t stride, int64_t out) {
    const int64_t total = (out - 1) * stride + filter - in;
    return total > 0 ? total / 2 : 0;
}

template <Pool P>
class PoolKernel : public OpKernel {
  public:
    Status prepare(OpContext& ctx) override {
        LS_ENSURE(ctx, ctx.inputCount() == 1 && ctx.hasInput(0), "needs one input");
        LS_ENSURE(ctx, ctx.outputCount() == 1, "needs one output");
        const RuntimeTensor& in = ctx.input(0);
        if (in.type != TensorType::Float32 && !(P != Pool::L2 && isQuantizedType(in.type)))
            return ctx.unsupportedType("input", in.type);
        LS_ENSURE(ctx, ctx.output(0).type == in.type, "output type differs from the input's");
        LS_ENSURE(ctx, in.shape.rank() == 4, "input must be 4-D (NHWC), not " + in.shape.toString());
        const auto* o = ctx.options<fb::Pool2DOptions>();
        LS_ENSURE(ctx, o != nullptr, "missing Pool2DOptions");
        strideH_ = o->stride_h();
        strideW_ = o->stride_w();
        filterH_ = o->filter_height();
        filterW_ = o->filter_width();
        LS_ENSURE(ctx, strideH_ > 0 && strideW_ > 0, "strides must be positive");
        LS_ENSURE(ctx, filterH_ > 0 && filterW_ > 0, "filter size must be positive");
        const fb::Padding padding = o->padding();
        LS_ENSURE(ctx, padding == fb::Padding::SAME || padding == fb::Padding::VALID, "unknown padding");
        const int64_t outH = windowedOutputSize(padding, in.shape[1], filterH_, strideH_);
        const int64_t outW = windowedOutputSize(padding, in.shape[2], filterW_, strideW_);
        LS_ENSURE(ctx, outH >= 0 && outW >= 0,
                  "a " + std::to_string(filterH_) + "x" + std::to_string(filterW_) +
                      " filter does not fit input " + in.shape.toString() + " with VALID padding");
        padH_ = paddingBefore(in.shape[1], filterH_, strideH_, outH);
        padW_ = paddingBefore(in.shape[2], filterW_, strideW_, outW);
        // TFLite clamps to the float range even without an activation (so +inf becomes FLT_MAX); TANH and
        // SIGN_BIT are not applied by its pooling kernels.
        const ActivationRange range = activationRange(o->fused_activation_function());
        lo_ = std::max(range.lo, std::numeric_limits<float>::lowest());
        hi_ = std::min(range.hi, std::numeric_limits<float>::max());
        if (isQuantizedType(in.type) && o->fused_activation_function() != fb::ActivationFunctionType::NONE)
            LS_ENSURE(ctx, usableScale(ctx.output(0).scale()), "a fused activation needs the output's scale");
        if (isQuantizedType(in.type))
            qrange_ = quantizedActivationRange(o->fused_activation_function(), in.type, ctx.output(0).scale(),
                                               ctx.output(0).zeroPoint());
        return ctx.resizeOutput(
            0, Shape{in.shape[0], static_cast<int32_t>(outH), static_cast<int32_t>(outW), in.shape[3]});
    }

    Status eval(OpContext& ctx) override {
        const RuntimeTensor& in = ctx.input(0);
        switch (in.type) {
            case TensorType::Float32:
                break;
            case TensorType::Int8:
                return evalQuantized<int8_t>(ctx);
            case TensorType::UInt8:
                return evalQuantized<uint8_t>(ctx);
            case TensorType::Int16:
                return evalQuantized<int16_t>(ctx);
            default:
                return ctx.unsupportedType("input", in.type);
        }
        RuntimeTensor& out = ctx.output(0);
        const int64_t batches = in.shape[0], inH = in.shape[1], inW = in.shape[2], depth = in.shape[3];
        const int64_t outH = out.shape[1], outW = out.shape[2];
        const float* x = in.as<float>();
        float* y = out.as<float>();
        for (int64_t b = 0; b < batches; ++b) {
            for (int64_t oy = 0; oy < outH; ++oy) {
                const int64_t y0 = oy * strideH_ - padH_;
                const int64_t fy0 = std::max<int64_t>(0, -y0), fy1 = std::min<int64_t>(filterH_, inH - y0);
                for (int64_t ox = 0; ox < outW; ++ox) {
                    const int64_t x0 = ox * strideW_ - padW_;
                    const int64_t fx0 = std::max<int64_t>(0, -x0),
                                  fx1 = std::min<int64_t>(filterW_, inW - x0);
                    float* acc = y + ((b * outH + oy) * outW + ox) * depth;
                    const float init = P == Pool::Max ? std::numeric_limits<float>::lowest() : 0.f;
                    for (int64_t c = 0; c < depth; ++c)
                        acc[c] = init;
                    for (int64_t fy = fy0; fy < fy1; ++fy) {
                        for (int64_t fx = fx0; fx < fx1; ++fx) {
                            const float* px = x + ((b * inH + y0 + fy) * inW + x0 + fx) * depth;
                            for (int64_t c = 0; c < depth; ++c) {
                                if constexpr (P == Pool::Average) acc[c] += px[c];
                                if constexpr (P == Pool::L2) acc[c] += px[c] * px[c];
                                if constexpr (P == Pool::Max) acc[c] = px[c] > acc[c] ? px[c] : acc[c];
                            }
                        }
                    }
                    // Only the elements inside the input count, as in TFLite.
                    const int64_t count = std::max<int64_t>(0, fy1 - fy0) * std::max<int64_t>(0, fx1 - fx0);
                    if (P != Pool::Max && count == 0)
                        return ctx.fail("a pooling window covers no input element");
                    for (int64_t c = 0; c < depth; ++c) {
                        float v = acc[c];
                        if constexpr (P == Pool::Average) v = v / static_cast<float>(count);
                        if constexpr (P == Pool::L2) v = std::sqrt(v / static_cast<float>(count));
                        acc[c] = std::min(std::max(v, lo_), hi_);
                    }
                }
            }
        }
        return Status::ok();
    }

  private:
    // TFLite's integer pooling: the average is the int32 sum divided by the in-bounds count, rounded half
    // away from zero; the maximum starts from the type's lowest value. Both clamp to the fused activation.
    template <typename T>
    Status evalQuantized(OpContext& ctx) const {
        const RuntimeTensor& in = ctx.input(0);
        RuntimeTensor& out = ctx.output(0);
        const int64_t batches = in.shape[0], inH = in.shape[1], inW = in.shape[2], depth = in.shape[3];
        const int64_t outH = out.shape[1], outW = out.shape[2];
        const T* x = in.as<T>();
        T* y = out.as<T>();
        for (int64_t b = 0; b < batches; ++b) {
            for (int64_t oy = 0; oy < outH; ++oy) {
                const int64_t y0 = oy * strideH_ - padH_;
                const int64_t fy0 = std::max<int64_t>(0, -y0), fy1 = std::min<int64_t>(filterH_, inH - y0);
                for (int64_t ox = 0; ox < outW; ++ox) {
                    const int64_t x0 = ox * strideW_ - padW_;
                    const int64_t fx0 = std::max<int64_t>(0, -x0),
                                  fx1 = std::min<int64_t>(filterW_, inW - x0);
                    const int64_t count = std::max<int64_t>(0, fy1 - fy0) * std::max<int64_t>(0, fx1 - fx0);
                    if (P == Pool::Average && count == 0)
                        return ctx.fail("a pooling window covers no input element");
                    T* py = y + ((b * outH + oy) * outW + ox) * depth;
                    for (int64_t c = 0; c < depth; ++c) {
                        int32_t acc =
                            P == Pool::Max ? static_cast<int32_t>(std::numeric_limits<T>::lowest()) : 0;
                        for (int64_t fy = fy0; fy < fy1; ++fy) {
                            for (int64_t fx = fx0; fx < fx1; ++fx) {
                                const auto v = static_cast<int32_t>(
                                    x[((b * inH + y0 + fy) * inW + x0 + fx) * depth + c]);
                                if constexpr (P == Pool::Max) {
                                    acc = std::max(acc, v);
                                } else {
                                    acc += v;
                                }
                            }
                        }
                        if constexpr (P == Pool::Average) {
                            const auto n = static_cast<int32_t>(count);
                            acc = acc > 0 ? (acc + n / 2) / n : (acc - n / 2) / n;
                        }
                        py[c] = static_cast<T>(std::min(std::max(acc, qrange_.min), qrange_.max));
                    }
                }
            }
        }
        return Status::ok();
    }

    int64_t strideH_ = 1, strideW_ = 1, filterH_ = 1, filterW_ = 1, padH_ = 0, padW_ = 0;
    float lo_ = 0.f, hi_ = 0.f;
    QuantizedRange qrange_;
};

// The size operand of the resize ops: INT32 [2] holding (height, width), both positive.
Status readResizeSize(OpContext& ctx, int32_t& height, int32_t& width) {
    const RuntimeTensor& size = ctx.input(1);
    height = size.as<int32_t>()[0];
    width = size.as<int32_t>()[1];
    LS_ENSURE(ctx, height > 0 && width > 0,
              "output size must be positive, not " + std::to_string(height) + "x" + std::to_string(width));
    return Status::ok();
}

// Shared prepare of the resize ops: checks, options, and the output shape when the size is known.
class ResizeBase : public OpKernel {
  protected:
    Status prepareResize(OpContext& ctx, bool alignCorners, bool halfPixelCenters) {
        LS_ENSURE(ctx, ctx.inputCount() == 2 && ctx.hasInput(0) && ctx.hasInput(1),
                  "needs an input and a size operand");
        LS_ENSURE(ctx, ctx.outputCount() == 1, "needs one output");
        const RuntimeTensor& in = ctx.input(0);
        const RuntimeTensor& size = ctx.input(1);
        LS_ENSURE(ctx, ctx.output(0).type == in.type, "output type differs from the input's");
        LS_ENSURE(ctx, in.shape.rank() == 4, "input must be 4-D (NHWC), not " + in.shape.toString());
        LS_ENSURE(ctx, size.type == TensorType::Int32, "size operand must be INT32");
        LS_ENSURE(ctx, size.shape.rank() == 1 && size.shape[0] == 2,
                  "size operand must have shape [2], not " + size.shape.toString());
        LS_ENSURE(ctx, !(alignCorners && halfPixelCenters),
                  "align_corners and half_pixel_centers cannot both be set");
        alignCorners_ = alignCorners;
        halfPixelCenters_ = halfPixelCenters;
        sizeAtEval_ = !size.isConstant() && !ctx.isEvaluating();
        if (sizeAtEval_) {
            ctx.markOutputDynamic(0);
            return Status::ok();
        }
        return resizeToSize(ctx);
    }

    Status resizeToSize(OpContext& ctx) {
        int32_t h = 0, w = 0;
        LS_RETURN_IF_ERROR(readResizeSize(ctx, h, w));
        const Shape& in = ctx.input(0).shape;
        return ctx.resizeOutput(0, Shape{in[0], h, w, in[3]});
    }

    bool alignCorners_ = false, halfPixelCenters_ = false, sizeAtEval_ = false;
};

class ResizeBilinearKernel : public ResizeBase {
  public:
    Status prepare(OpContext& ctx) override {
        if (ctx.inputCount() >= 1 && ctx.hasInput(0)) {
            const TensorType t = ctx.input(0).type;
            if (t != TensorType::Float32 && !isQuantizedType(t)) return ctx.unsupportedType("input", t);
        }
        const auto* o = ctx.options<fb::ResizeBilinearOptions>();
        return prepareResize(ctx, o && o->align_corners(), o && o->half_pixel_centers());
    }

    Status eval(OpContext& ctx) override {
        if (sizeAtEval_) LS_RETURN_IF_ERROR(resizeToSize(ctx));
        const RuntimeTensor& in = ctx.input(0);
        RuntimeTensor& out = ctx.output(0);
        const int32_t batches = in.shape[0], inH = in.shape[1], inW = in.shape[2], depth = in.shape[3];
        const int32_t outH = out.shape[1], outW = out.shape[2];
        if (in.elementCount() == 0 || out.elementCount() == 0) return Status::ok();
        switch (in.type) {
            case TensorType::Float32:
                break;
            case TensorType::Int8:
                runInteger<int8_t>(in, out);
                return Status::ok();
            case TensorType::Int16:
                runInteger<int16_t>(in, out);
                return Status::ok();
            case TensorType::UInt8:
                runRoundedFloat(in, out);
                return Status::ok();
            default:
                return ctx.unsupportedType("input", in.type);
        }
        // TFLite's scales and source coordinates, in float.
        float scaleH = static_cast<float>(inH) / static_cast<float>(outH);
        float scaleW = static_cast<float>(inW) / static_cast<float>(outW);
        if (alignCorners_ && outH > 1) scaleH = static_cast<float>(inH - 1) / static_cast<float>(outH - 1);
        if (alignCorners_ && outW > 1) scaleW = static_cast<float>(inW - 1) / static_cast<float>(outW - 1);
        const float* x = in.as<float>();
        float* y = out.as<float>();
        for (int32_t b = 0; b < batches; ++b) {
            for (int32_t oy = 0; oy < outH; ++oy) {
                float sy;
                int32_t y0, y1;
                source(oy, scaleH, inH, sy, y0, y1);
                const float dy = sy - static_cast<float>(y0);
                for (int32_t ox = 0; ox < outW; ++ox) {
                    float sx;
                    int32_t x0, x1;
                    source(ox, scaleW, inW, sx, x0, x1);
                    const float dx = sx - static_cast<float>(x0);
                    const float* p00 = x + ((static_cast<int64_t>(b) * inH + y0) * inW + x0) * depth;
                    const float* p10 = x + ((static_cast<int64_t>(b) * inH + y1) * inW + x0) * depth;
                    const float* p01 = x + ((static_cast<int64_t>(b) * inH + y0) * inW + x1) * depth;
                    const float* p11 = x + ((static_cast<int64_t>(b) * inH + y1) * inW + x1) * depth;
                    float* py = y + ((static_cast<int64_t>(b) * outH + oy) * outW + ox) * depth;
                    for (int32_t c = 0; c < depth; ++c)
                        py[c] = p00[c] * (1 - dy) * (1 - dx) + p10[c] * dy * (1 - dx) +
                                p01[c] * (1 - dy) * dx + p11[c] * dy * dx;
                }
            }
        }
        return Status::ok();
    }

  private:
    void scales(int32_t inH, int32_t inW, int32_t outH, int32_t outW, float& scaleH, float& scaleW) const {
        scaleH = static_cast<float>(inH) / static_cast<float>(outH);
        scaleW = static_cast<float>(inW) / static_cast<float>(outW);
        if (alignCorners_ && outH > 1) scaleH = static_cast<float>(inH - 1) / static_cast<float>(outH - 1);
        if (alignCorners_ && outW > 1) scaleW = static_cast<float>(inW - 1) / static_cast<float>(outW - 1);
    }

    // TFLite's optimized uint8 kernel: the float interpolation of the float path, plus 0.5 before the
    // truncation to uint8.
    void runRoundedFloat(const RuntimeTensor& in, RuntimeTensor& out) const {
        const int32_t batches = in.shape[0], inH = in.shape[1], inW = in.shape[2], depth = in.shape[3];
        const int32_t outH = out.shape[1], outW = out.shape[2];
        float scaleH = 0.f, scaleW = 0.f;
        scales(inH, inW, outH, outW, scaleH, scaleW);
        const uint8_t* x = in.as<uint8_t>();
        uint8_t* y = out.as<uint8_t>();
        for (int32_t b = 0; b < batches; ++b) {
            for (int32_t oy = 0; oy < outH; ++oy) {
                float sy;
                int32_t y0, y1;
                source(oy, scaleH, inH, sy, y0, y1);
                for (int32_t ox = 0; ox < outW; ++ox) {
                    float sx;
                    int32_t x0, x1;
                    source(ox, scaleW, inW, sx, x0, x1);
                    const float dy = sy - static_cast<float>(y0), dx = sx - static_cast<float>(x0);
                    const float w00 = (1 - dy) * (1 - dx), w01 = (1 - dy) * dx, w10 = dy * (1 - dx),
                                w11 = dy * dx;
                    const uint8_t* p00 = x + ((static_cast<int64_t>(b) * inH + y0) * inW + x0) * depth;
                    const uint8_t* p01 = x + ((static_cast<int64_t>(b) * inH + y0) * inW + x1) * depth;
                    const uint8_t* p10 = x + ((static_cast<int64_t>(b) * inH + y1) * inW + x0) * depth;
                    const uint8_t* p11 = x + ((static_cast<int64_t>(b) * inH + y1) * inW + x1) * depth;
                    uint8_t* py = y + ((static_cast<int64_t>(b) * outH + oy) * outW + ox) * depth;
                    for (int32_t c = 0; c < depth; ++c)
                        py[c] = static_cast<uint8_t>(
                            static_cast<float>(p00[c]) * w00 + static_cast<float>(p01[c]) * w01 +
                            static_cast<float>(p10[c]) * w10 + static_cast<float>(p11[c]) * w11 + 0.5f);
                }
            }
        }
    }

    // TFLite's ResizeBilinearInteger: scales and source positions in 1/1024ths, products in int64, rounded
    // half away from zero.
    void integerSource(int32_t index, int32_t scale10, int32_t inSize, int32_t& at, int32_t& lower,
                       int32_t& upper) const {
        at = halfPixelCenters_ ? index * scale10 + scale10 / 2 - (1 << 9) : index * scale10;
        lower = std::max(at / (1 << 10), 0);
        upper = std::min((at + (1 << 10) - 1) / (1 << 10), inSize - 1);
    }

    template <typename T>
    void runInteger(const RuntimeTensor& in, RuntimeTensor& out) const {
        const int32_t batches = in.shape[0], inH = in.shape[1], inW = in.shape[2], depth = in.shape[3];
        const int32_t outH = out.shape[1], outW = out.shape[2];
        const int32_t scaleH = alignCorners_ && outH > 1 ? (((inH - 1) << 10) + outH / 2) / (outH - 1)
                                                         : ((inH << 10) + outH / 2) / outH;
        const int32_t scaleW = alignCorners_ && outW > 1 ? (((inW - 1) << 10) + outW / 2) / (outW - 1)
                                                         : ((inW << 10) + outW / 2) / outW;
        const T* x = in.as<T>();
        T* y = out.as<T>();
        constexpr int64_t kOne = 1 << 10;
        for (int32_t b = 0; b < batches; ++b) {
            for (int32_t oy = 0; oy < outH; ++oy) {
                int32_t sy, y0, y1;
                integerSource(oy, scaleH, inH, sy, y0, y1);
                const int64_t dy = sy - kOne * y0;
                for (int32_t ox = 0; ox < outW; ++ox) {
                    int32_t sx, x0, x1;
                    integerSource(ox, scaleW, inW, sx, x0, x1);
                    const int64_t dx = sx - kOne * x0;
                    const T* p00 = x + ((static_cast<int64_t>(b) * inH + y0) * inW + x0) * depth;
                    const T* p01 = x + ((static_cast<int64_t>(b) * inH + y0) * inW + x1) * depth;
                    const T* p10 = x + ((static_cast<int64_t>(b) * inH + y1) * inW + x0) * depth;
                    const T* p11 = x + ((static_cast<int64_t>(b) * inH + y1) * inW + x1) * depth;
                    T* py = y + ((static_cast<int64_t>(b) * outH + oy) * outW + ox) * depth;
                    for (int32_t c = 0; c < depth; ++c) {
                        const int64_t v = static_cast<int64_t>(p00[c]) * (kOne - dy) * (kOne - dx) +
                                          static_cast<int64_t>(p10[c]) * dy * (kOne - dx) +
                                          static_cast<int64_t>(p01[c]) * (kOne - dy) * dx +
                                          static_cast<int64_t>(p11[c]) * dy * dx;
                        const int64_t round = v > 0 ? (1 << 19) : -(1 << 19);
                        py[c] = static_cast<T>((v + round) / (1 << 20));
                    }
                }
            }
        }
    }

    // The source coordinate of an output index and its two neighbours, clamped to the input.
    void source(int32_t index, float scale, int32_t inSize, float& at, int32_t& lower, int32_t& upper) const {
        at = halfPixelCenters_ ? (static_cast<float>(index) + 0.5f) * scale - 0.5f
                               : static_cast<float>(index) * scale;
        lower = std::max(static_cast<int32_t>(std::floor(at)), 0);
        upper = std::min(static_cast<int32_t>(std::ceil(at)), inSize - 1);
    }
};

class ResizeNearestNeighborKernel : public ResizeBase {
  public:
    Status prepare(OpContext& ctx) override {
        if (ctx.inputCount() >= 1 && ctx.hasInput(0)) {
            const TensorType t = ctx.input(0).type;
            if (t != TensorType::Float32 && t != TensorType::Int8 && t != TensorType::UInt8 &&
                t != TensorType::Int16)
                return ctx.unsupportedType("input", t);
        }
        const auto* o = ctx.options<fb::ResizeNearestNeighborOptions>();
        return prepareResize(ctx, o && o->align_corners(), o && o->half_pixel_centers());
    }

    Status eval(OpContext& ctx) override {
        if (sizeAtEval_) LS_RETURN_IF_ERROR(resizeToSize(ctx));
        const RuntimeTensor& in = ctx.input(0);
        RuntimeTensor& out = ctx.output(0);
        const int32_t batches = in.shape[0], inH = in.shape[1], inW = in.shape[2];
        const int32_t outH = out.shape[1], outW = out.shape[2];
        if (in.elementCount() == 0 || out.elementCount() == 0) return Status::ok();
        // The op only moves elements, so one byte-level copy serves every type.
        const size_t pixelBytes = static_cast<size_t>(in.shape[3]) * elementSize(in.type);
        const uint8_t* x = in.data;
        uint8_t* y = out.data;
        // TFLite's UINT8 kernel finds plain (not aligned, not half-pixel) sources in 16.16 fixed point, which
        // can pick a different source than the float rule on large images.
        const bool fixedPoint = in.type == TensorType::UInt8 && !alignCorners_ && !halfPixelCenters_;
        for (int32_t b = 0; b < batches; ++b) {
            for (int32_t oy = 0; oy < outH; ++oy) {
                const int32_t sy = fixedPoint ? nearestFixed(oy, inH, outH) : nearest(oy, inH, outH);
                for (int32_t ox = 0; ox < outW; ++ox) {
                    const int32_t sx = fixedPoint ? nearestFixed(ox, inW, outW) : nearest(ox, inW, outW);
                    std::memcpy(
                        y + static_cast<size_t>((static_cast<int64_t>(b) * outH + oy) * outW + ox) *
                                pixelBytes,
                        x + static_cast<size_t>((static_cast<int64_t>(b) * inH + sy) * inW + sx) * pixelBytes,
                        pixelBytes);
                }
            }
        }
        return Status::ok();
    }

  private:
    // TFLite's source index: floor of the scaled position, or round-half-away-from-zero with
    // align_corners, clamped to the input.
    int32_t nearest(int32_t index, int32_t inSize, int32_t outSize) const {
        const float scale = alignCorners_ && outSize > 1
                                ? static_cast<float>(inSize - 1) / static_cast<float>(outSize - 1)
                                : static_cast<float>(inSize) / static_cast<float>(outSize);
        const float offset = halfPixelCenters_ ? 0.5f : 0.f;
        const float at = (static_cast<float>(index) + offset) * scale;
        int32_t v = static_cast<int32_t>(alignCorners_ ? std::round(at) : std::floor(at));
        v = std::min(v, inSize - 1);
        return std::max(v, 0);
    }

    static int32_t nearestFixed(int32_t index, int32_t inSize, int32_t outSize) {
        const int64_t scale = (static_cast<int64_t>(inSize) << 16) / outSize + 1;
        return static_cast<int32_t>(std::min<int64_t>((index * scale) >> 16, inSize - 1));
    }
};

}  // namespace

void registerPoolingKernels(KernelRegistry& r) {
    using B = fb::BuiltinOperator;
    r.add(B::AVERAGE_POOL_2D, makeKernel<PoolKernel<Pool::Average>>);
    r.add(B::MAX_POOL_2D, makeKernel<PoolKernel<Pool::Max>>);
    r.add(B::L2_POOL_2D, makeKernel<PoolKernel<Pool::L2>>);
    r.add(B::RESIZE_BILINEAR, makeKernel<ResizeBilinearKernel>);
    r.add(B::RESIZE_NEAREST_NEIGHBOR, makeKernel<ResizeNearestNeighborKernel>);
}

}  // namespace litescope::kernels

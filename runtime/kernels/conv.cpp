// Convolutions on float tensors: CONV_2D (grouped too), DEPTHWISE_CONV_2D, TRANSPOSE_CONV and CONV_3D.
// CONV_2D and CONV_3D run as im2col (skipped for 1x1x1 stride-1 filters) into the packed SGEMM of gemm.h, in
// tiles of output pixels so the im2col buffer stays bounded; TRANSPOSE_CONV as SGEMM then col2im; depthwise
// as a loop vectorised over channels. Nodes with integer inputs or weights (quantized and hybrid) are handed
// to quantized_conv.cpp.
#include <atomic>
#include <cstring>
#include <vector>

#ifdef __AVX512F__
#include <immintrin.h>
#endif

#include "runtime/kernel_registry.h"
#include "runtime/kernels/gemm.h"
#include "runtime/kernels/kernel_util.h"
#include "runtime/kernels/quantized_conv.h"
#include "runtime/thread_pool.h"

namespace litescope::kernels {
namespace {

// TFLite's float kernels clamp for the RELU family only: CalculateActivationRange leaves every other fused
// activation (TANH, SIGN_BIT) unapplied, and so does this.
gemm::Epilogue clampFor(fb::ActivationFunctionType activation) {
    const ActivationRange r = activationRange(activation);
    return {nullptr, r.lo, r.hi};
}

// Nodes whose input or weights are not float run the quantized kernels; true when this node does.
bool routeQuantized(OpContext& ctx, int input, int weights, std::unique_ptr<OpKernel>& quantized,
                    std::unique_ptr<OpKernel> (*make)()) {
    const bool isFloat =
        !ctx.hasInput(input) || !ctx.hasInput(weights) ||
        (ctx.input(input).type == TensorType::Float32 && ctx.input(weights).type == TensorType::Float32);
    if (isFloat) {
        quantized.reset();
        return false;
    }
    if (!quantized) quantized = make();
    return true;
}

int64_t roundUp(int64_t x, int64_t to) {
    return (x + to - 1) / to * to;
}

// Window axes (output size, leading padding) are computed as TFLite's padding.h does, in one place for the
// float and quantized kernels.
using qconv::Axis;
using qconv::computeAxis;

Status checkWindowParams(OpContext& ctx, std::initializer_list<int32_t> strides,
                         std::initializer_list<int32_t> dilations) {
    for (int32_t s : strides)
        LS_ENSURE(ctx, s >= 1, "strides must be at least 1, got " + std::to_string(s));
    for (int32_t d : dilations)
        LS_ENSURE(ctx, d >= 1, "dilation factors must be at least 1, got " + std::to_string(d));
    return Status::ok();
}

Status checkFloat(OpContext& ctx, const RuntimeTensor& t, const char* role, int rank) {
    if (t.type != TensorType::Float32) return ctx.unsupportedType(role, t.type);
    if (rank >= 0)
        LS_ENSURE(ctx, t.shape.rank() == rank,
                  std::string(role) + " must have rank " + std::to_string(rank) + ", has shape " +
                      t.shape.toString());
    if (t.model && t.model->sparsity)
        return ctx.fail(std::string(role) + " is sparse; it needs DENSIFY first");
    return Status::ok();
}

Status checkBias(OpContext& ctx, int index, int64_t channels) {
    if (!ctx.hasInput(index)) return Status::ok();
    const RuntimeTensor& bias = ctx.input(index);
    if (bias.type != TensorType::Float32) return ctx.unsupportedType("bias", bias.type);
    LS_ENSURE(ctx, bias.elementCount() == channels,
              "bias has " + std::to_string(bias.elementCount()) + " elements for " +
                  std::to_string(channels) + " output channels");
    return Status::ok();
}

// im2col copies runs of one pixel's channels, often only 3 floats (RGB input layers): with AVX-512, short
// runs move in masked vectors rather than through a call to memcpy.
inline void copyRun(float* dst, const float* src, int64_t n) {
#ifdef __AVX512F__
    if (n <= 64) {
        for (int64_t i = 0; i < n; i += 16) {
            const __mmask16 m =
                n - i >= 16 ? static_cast<__mmask16>(0xFFFF) : static_cast<__mmask16>((1u << (n - i)) - 1u);
            _mm512_mask_storeu_ps(dst + i, m, _mm512_maskz_loadu_ps(m, src + i));
        }
        return;
    }
#endif
    std::memcpy(dst, src, static_cast<size_t>(n) * sizeof(float));
}
inline void zeroRun(float* dst, int64_t n) {
#ifdef __AVX512F__
    if (n <= 64) {
        for (int64_t i = 0; i < n; i += 16) {
            const __mmask16 m =
                n - i >= 16 ? static_cast<__mmask16>(0xFFFF) : static_cast<__mmask16>((1u << (n - i)) - 1u);
            _mm512_mask_storeu_ps(dst + i, m, _mm512_setzero_ps());
        }
        return;
    }
#endif
    std::memset(dst, 0, static_cast<size_t>(n) * sizeof(float));
}
inline void zeroFloats(float* dst, int64_t n) {
    std::memset(dst, 0, static_cast<size_t>(n) * sizeof(float));
}

// ---------------------------------------------------------------------------------------------------------
// im2col + SGEMM, shared by CONV_2D (depth 1) and CONV_3D
// ---------------------------------------------------------------------------------------------------------

// A convolution over NDHWC tensors (2-D ones have depth 1).
struct ConvGeometry {
    int32_t batch = 1, channels = 1, groups = 1, groupChannels = 1, outChannels = 1;
    Axis d, h, w;

    int64_t depth() const { return static_cast<int64_t>(d.filter) * h.filter * w.filter * groupChannels; }
    int64_t outPixels() const { return static_cast<int64_t>(batch) * d.out * h.out * w.out; }
    // A 1x1x1 filter with unit strides reads each input pixel as one row of A, in place.
    bool pointwise() const {
        return d.filter == 1 && h.filter == 1 && w.filter == 1 && d.stride == 1 && h.stride == 1 &&
               w.stride == 1;
    }
};

// Bounds each thread's im2col tile (in floats): 128 KB, so a tile stays in L2 while all of B passes over it.
constexpr int64_t kIm2colTileFloats = 32 * 1024;

class ConvGemm {
  public:
    Status prepare(OpContext& ctx, const ConvGeometry& geo, const RuntimeTensor& weights,
                   const gemm::WeightLayout& layout) {
        geo_ = geo;
        const gemm::Isa isa = gemm::activeIsa();
        LS_RETURN_IF_ERROR(weights_.prepare(ctx, weights, layout, isa));
        im2colScratch_ = -1;
        if (geo.pointwise() || geo.outPixels() == 0) return Status::ok();
        const int64_t k = std::max<int64_t>(geo.depth(), 1), m = geo.outPixels();
        const int64_t mr = gemm::geometry(isa).mr;
        const int threads = ctx.threads().size();
        tileRows_ = std::max(mr, kIm2colTileFloats / k / mr * mr);
        if (threads > 1) tileRows_ = std::min(tileRows_, roundUp((m + threads - 1) / threads, mr));
        tileRows_ = std::min(tileRows_, roundUp(m, mr));
        slotFloats_ = tileRows_ * k;
        im2colScratch_ = ctx.requestScratch(static_cast<size_t>(threads * slotFloats_) * sizeof(float));
        return Status::ok();
    }

    void run(OpContext& ctx, const float* input, const RuntimeTensor& weights, const float* bias,
             gemm::Epilogue clamp, float* output) {
        const int64_t m = geo_.outPixels();
        if (m == 0) return;
        weights_.evalPrepare(ctx, weights);
        const int64_t ocg = geo_.outChannels / geo_.groups, oc = geo_.outChannels;
        auto epilogue = [&](int64_t g) {
            gemm::Epilogue e = clamp;
            e.bias = bias ? bias + g * ocg : nullptr;
            return e;
        };
        ThreadPool& threads = ctx.threads();
        if (geo_.pointwise()) {
            for (int64_t g = 0; g < geo_.groups; ++g)
                gemm::sgemmParallel(threads, m, input + g * geo_.groupChannels, geo_.channels,
                                    weights_.group(g), output + g * ocg, oc, epilogue(g));
            return;
        }
        const int64_t k = geo_.depth();
        float* buffers = reinterpret_cast<float*>(ctx.scratch(im2colScratch_));
        const int64_t tiles = (m + tileRows_ - 1) / tileRows_;
        auto runTile = [&](int64_t tile, float* buffer, bool parallel) {
            const int64_t row0 = tile * tileRows_, rows = std::min(tileRows_, m - row0);
            for (int64_t g = 0; g < geo_.groups; ++g) {
                im2col(input, row0, rows, g, buffer);
                float* c = output + row0 * oc + g * ocg;
                if (parallel)
                    gemm::sgemmParallel(threads, rows, buffer, k, weights_.group(g), c, oc, epilogue(g));
                else
                    gemm::sgemm(rows, buffer, k, weights_.group(g), c, oc, epilogue(g));
            }
        };
        const int64_t tileMacs = tileRows_ * k * oc;
        if (threads.size() > 1 && tiles < threads.size()) {
            // Too few pixels to share out: the SGEMM splits its columns instead.
            for (int64_t t = 0; t < tiles; ++t)
                runTile(t, buffers, true);
            return;
        }
        std::atomic<int> slot{0};
        threads.parallelFor(
            tiles,
            [&](int64_t begin, int64_t end) {
                float* buffer = buffers + slot.fetch_add(1) * slotFloats_;
                for (int64_t t = begin; t < end; ++t)
                    runTile(t, buffer, false);
            },
            std::max<int64_t>(1, gemm::kMinMacsPerThread / std::max<int64_t>(tileMacs, 1)));
    }

  private:
    // Rows [row0, row0 + rows) of the im2col matrix for group g: one row per output pixel, its columns in the
    // filter's (kd, ky, kx, channel) order, zeros where the window hangs over the padding. Pixels are taken a
    // run of one output row at a time, filter row by filter row, so each input line is found once per run.
    void im2col(const float* input, int64_t row0, int64_t rows, int64_t g, float* dst) const {
        // Everything in locals: vector stores may alias anything, and would make the compiler reload members.
        const Axis ad = geo_.d, ah = geo_.h, aw = geo_.w;
        const int64_t c = geo_.channels, icg = geo_.groupChannels, k = geo_.depth();
        const int64_t rowFloats = static_cast<int64_t>(aw.filter) * icg;
        const int64_t lineStride = static_cast<int64_t>(aw.in) * c;
        const bool contiguousRow = aw.dilation == 1 && icg == c;
        input += g * icg;
        int64_t p = row0;
        int32_t ox = static_cast<int32_t>(p % aw.out);
        p /= aw.out;
        int32_t oy = static_cast<int32_t>(p % ah.out);
        p /= ah.out;
        int32_t od = static_cast<int32_t>(p % ad.out);
        int64_t b = p / ad.out;
        for (int64_t i = 0; i < rows;) {
            const int64_t run = std::min<int64_t>(rows - i, aw.out - ox);
            float* runDst = dst + i * k;
            for (int32_t kd = 0; kd < ad.filter; ++kd) {
                const int32_t id = od * ad.stride - ad.pad + kd * ad.dilation;
                for (int32_t ky = 0; ky < ah.filter; ++ky) {
                    const int32_t iy = oy * ah.stride - ah.pad + ky * ah.dilation;
                    float* col = runDst + (static_cast<int64_t>(kd) * ah.filter + ky) * rowFloats;
                    if (id < 0 || id >= ad.in || iy < 0 || iy >= ah.in) {
                        for (int64_t s = 0; s < run; ++s)
                            zeroRun(col + s * k, rowFloats);
                        continue;
                    }
                    const float* line = input + ((b * ad.in + id) * ah.in + iy) * lineStride;
                    int32_t ix0 = ox * aw.stride - aw.pad;
                    for (int64_t s = 0; s < run; ++s, ix0 += aw.stride) {
                        float* out = col + s * k;
                        if (contiguousRow && ix0 >= 0 && ix0 + aw.filter <= aw.in) {
                            // The whole filter row is one contiguous run of the input.
                            copyRun(out, line + ix0 * c, rowFloats);
                            continue;
                        }
                        for (int32_t kx = 0; kx < aw.filter; ++kx) {
                            const int32_t ix = ix0 + kx * aw.dilation;
                            if (ix < 0 || ix >= aw.in)
                                zeroRun(out + kx * icg, icg);
                            else
                                copyRun(out + kx * icg, line + ix * c, icg);
                        }
                    }
                }
            }
            i += run;
            ox += static_cast<int32_t>(run);
            if (ox == aw.out) {
                ox = 0;
                if (++oy == ah.out) {
                    oy = 0;
                    if (++od == ad.out) {
                        od = 0;
                        ++b;
                    }
                }
            }
        }
    }

    ConvGeometry geo_;
    gemm::PackedWeights weights_;
    int64_t tileRows_ = 0, slotFloats_ = 0;
    int im2colScratch_ = -1;
};

// ---------------------------------------------------------------------------------------------------------
// CONV_2D
// ---------------------------------------------------------------------------------------------------------

class Conv2DKernel : public OpKernel {
  public:
    Status prepare(OpContext& ctx) override {
        if (routeQuantized(ctx, 0, 1, quantized_, qconv::makeConv2D)) return quantized_->prepare(ctx);
        LS_ENSURE(ctx, (ctx.inputCount() == 2 || ctx.inputCount() == 3) && ctx.hasInput(0) && ctx.hasInput(1),
                  "needs input, filter and an optional bias");
        const RuntimeTensor& input = ctx.input(0);
        const RuntimeTensor& filter = ctx.input(1);
        LS_RETURN_IF_ERROR(checkFloat(ctx, input, "input", 4));
        LS_RETURN_IF_ERROR(checkFloat(ctx, filter, "filter", 4));
        if (ctx.output(0).type != TensorType::Float32)
            return ctx.unsupportedType("output", ctx.output(0).type);
        const auto* o = ctx.options<fb::Conv2DOptions>();
        const fb::Padding padding = o ? o->padding() : fb::Padding::SAME;
        ConvGeometry g;
        g.batch = input.shape[0];
        g.h.in = input.shape[1];
        g.w.in = input.shape[2];
        g.channels = input.shape[3];
        g.outChannels = filter.shape[0];
        g.h.filter = filter.shape[1];
        g.w.filter = filter.shape[2];
        g.groupChannels = filter.shape[3];
        g.h.stride = o ? o->stride_h() : 0;
        g.w.stride = o ? o->stride_w() : 0;
        g.h.dilation = o ? o->dilation_h_factor() : 1;
        g.w.dilation = o ? o->dilation_w_factor() : 1;
        LS_RETURN_IF_ERROR(checkWindowParams(ctx, {g.h.stride, g.w.stride}, {g.h.dilation, g.w.dilation}));
        LS_ENSURE(ctx, g.h.filter >= 1 && g.w.filter >= 1 && g.groupChannels >= 1 && g.outChannels >= 1,
                  "filter shape " + filter.shape.toString() + " is empty");
        // Input channels a multiple of the filter's: grouped convolution (TFLite 2.8 rejects it; newer ones
        // run it).
        LS_ENSURE(ctx, g.channels % g.groupChannels == 0,
                  "input has " + std::to_string(g.channels) + " channels, not a multiple of the filter's " +
                      std::to_string(g.groupChannels));
        g.groups = g.channels / g.groupChannels;
        LS_ENSURE(ctx, g.outChannels % g.groups == 0,
                  std::to_string(g.outChannels) + " output channels do not split into " +
                      std::to_string(g.groups) + " groups");
        LS_RETURN_IF_ERROR(checkBias(ctx, 2, g.outChannels));
        LS_ENSURE(ctx, computeAxis(padding, g.h) && computeAxis(padding, g.w),
                  "no valid output size for input " + input.shape.toString() + " and filter " +
                      filter.shape.toString());
        const fb::ActivationFunctionType activation =
            o ? o->fused_activation_function() : fb::ActivationFunctionType::NONE;
        clamp_ = clampFor(activation);
        LS_RETURN_IF_ERROR(ctx.resizeOutput(0, Shape{g.batch, g.h.out, g.w.out, g.outChannels}));
        // Filter [out, kh, kw, in/groups]: group g's B (k x n) is its output channels' rows, transposed.
        const int64_t k = g.depth(), ocg = g.outChannels / g.groups;
        return conv_.prepare(ctx, g, filter, {k, ocg, g.groups, ocg * k, 1, k});
    }

    Status eval(OpContext& ctx) override {
        if (quantized_) return quantized_->eval(ctx);
        const float* bias = ctx.hasInput(2) ? ctx.input(2).as<float>() : nullptr;
        conv_.run(ctx, ctx.input(0).as<float>(), ctx.input(1), bias, clamp_, ctx.output(0).as<float>());
        return Status::ok();
    }

  private:
    std::unique_ptr<OpKernel> quantized_;
    ConvGemm conv_;
    gemm::Epilogue clamp_;
};

// ---------------------------------------------------------------------------------------------------------
// CONV_3D
// ---------------------------------------------------------------------------------------------------------

class Conv3DKernel : public OpKernel {
  public:
    Status prepare(OpContext& ctx) override {
        LS_ENSURE(ctx, (ctx.inputCount() == 2 || ctx.inputCount() == 3) && ctx.hasInput(0) && ctx.hasInput(1),
                  "needs input, filter and an optional bias");
        const RuntimeTensor& input = ctx.input(0);
        const RuntimeTensor& filter = ctx.input(1);
        LS_RETURN_IF_ERROR(checkFloat(ctx, input, "input", 5));
        LS_RETURN_IF_ERROR(checkFloat(ctx, filter, "filter", 5));
        if (ctx.output(0).type != TensorType::Float32)
            return ctx.unsupportedType("output", ctx.output(0).type);
        const auto* o = ctx.options<fb::Conv3DOptions>();
        const fb::Padding padding = o ? o->padding() : fb::Padding::SAME;
        ConvGeometry g;
        g.batch = input.shape[0];
        g.d.in = input.shape[1];
        g.h.in = input.shape[2];
        g.w.in = input.shape[3];
        g.channels = input.shape[4];
        g.d.filter = filter.shape[0];
        g.h.filter = filter.shape[1];
        g.w.filter = filter.shape[2];
        g.groupChannels = filter.shape[3];
        g.outChannels = filter.shape[4];
        g.d.stride = o ? o->stride_d() : 0;
        g.h.stride = o ? o->stride_h() : 0;
        g.w.stride = o ? o->stride_w() : 0;
        g.d.dilation = o ? o->dilation_d_factor() : 1;
        g.h.dilation = o ? o->dilation_h_factor() : 1;
        g.w.dilation = o ? o->dilation_w_factor() : 1;
        LS_RETURN_IF_ERROR(checkWindowParams(ctx, {g.d.stride, g.h.stride, g.w.stride},
                                             {g.d.dilation, g.h.dilation, g.w.dilation}));
        LS_ENSURE(ctx, g.d.filter >= 1 && g.h.filter >= 1 && g.w.filter >= 1 && g.outChannels >= 1,
                  "filter shape " + filter.shape.toString() + " is empty");
        LS_ENSURE(ctx, g.channels == g.groupChannels,
                  "input has " + std::to_string(g.channels) + " channels, the filter " +
                      std::to_string(g.groupChannels));
        LS_RETURN_IF_ERROR(checkBias(ctx, 2, g.outChannels));
        LS_ENSURE(ctx, computeAxis(padding, g.d) && computeAxis(padding, g.h) && computeAxis(padding, g.w),
                  "no valid output size for input " + input.shape.toString() + " and filter " +
                      filter.shape.toString());
        clamp_ = clampFor(o ? o->fused_activation_function() : fb::ActivationFunctionType::NONE);
        LS_RETURN_IF_ERROR(ctx.resizeOutput(0, Shape{g.batch, g.d.out, g.h.out, g.w.out, g.outChannels}));
        // Filter [kd, kh, kw, in, out] is already B (k x n), row-major.
        const int64_t k = g.depth();
        return conv_.prepare(ctx, g, filter, {k, g.outChannels, 1, 0, g.outChannels, 1});
    }

    Status eval(OpContext& ctx) override {
        const float* bias = ctx.hasInput(2) ? ctx.input(2).as<float>() : nullptr;
        conv_.run(ctx, ctx.input(0).as<float>(), ctx.input(1), bias, clamp_, ctx.output(0).as<float>());
        return Status::ok();
    }

  private:
    ConvGemm conv_;
    gemm::Epilogue clamp_;
};

// ---------------------------------------------------------------------------------------------------------
// DEPTHWISE_CONV_2D
// ---------------------------------------------------------------------------------------------------------

// 16 floats in GCC's portable vector type: AVX-512 registers here, narrower or scalar code elsewhere.
typedef float Vec16 __attribute__((vector_size(64)));
constexpr int kVecLanes = 16;

inline Vec16 loadVec(const float* p) {
    Vec16 v;
    std::memcpy(&v, p, sizeof(v));
    return v;
}
inline void storeVec(float* p, Vec16 v) {
    std::memcpy(p, &v, sizeof(v));
}
inline Vec16 splat(float x) {
    return Vec16{} + x;
}
// Bound first, so that NaN stays NaN as in std::min(std::max(x, lo), hi).
inline Vec16 clampVec(Vec16 x, Vec16 lo, Vec16 hi) {
    x = x < lo ? lo : x;
    return hi < x ? hi : x;
}

struct DepthwiseParams {
    int32_t batch, channels, multiplier, outChannels;
    Axis h, w;
};

class DepthwiseConv2DKernel : public OpKernel {
  public:
    Status prepare(OpContext& ctx) override {
        if (routeQuantized(ctx, 0, 1, quantized_, qconv::makeDepthwiseConv2D))
            return quantized_->prepare(ctx);
        LS_ENSURE(ctx, (ctx.inputCount() == 2 || ctx.inputCount() == 3) && ctx.hasInput(0) && ctx.hasInput(1),
                  "needs input, filter and an optional bias");
        const RuntimeTensor& input = ctx.input(0);
        const RuntimeTensor& filter = ctx.input(1);
        LS_RETURN_IF_ERROR(checkFloat(ctx, input, "input", 4));
        LS_RETURN_IF_ERROR(checkFloat(ctx, filter, "filter", 4));
        if (ctx.output(0).type != TensorType::Float32)
            return ctx.unsupportedType("output", ctx.output(0).type);
        LS_ENSURE(ctx, filter.shape[0] == 1,
                  "filter must be [1, height, width, channels], is " + filter.shape.toString());
        const auto* o = ctx.options<fb::DepthwiseConv2DOptions>();
        const fb::Padding padding = o ? o->padding() : fb::Padding::SAME;
        DepthwiseParams& p = params_;
        p.batch = input.shape[0];
        p.h.in = input.shape[1];
        p.w.in = input.shape[2];
        p.channels = input.shape[3];
        p.h.filter = filter.shape[1];
        p.w.filter = filter.shape[2];
        p.outChannels = filter.shape[3];
        p.h.stride = o ? o->stride_h() : 0;
        p.w.stride = o ? o->stride_w() : 0;
        p.h.dilation = o ? o->dilation_h_factor() : 1;
        p.w.dilation = o ? o->dilation_w_factor() : 1;
        LS_RETURN_IF_ERROR(checkWindowParams(ctx, {p.h.stride, p.w.stride}, {p.h.dilation, p.w.dilation}));
        LS_ENSURE(ctx, p.h.filter >= 1 && p.w.filter >= 1,
                  "filter shape " + filter.shape.toString() + " is empty");
        // The multiplier option is redundant: TFLite derives it from the shapes, and so does this.
        LS_ENSURE(ctx, p.channels >= 1 && p.outChannels % p.channels == 0,
                  "filter channels " + std::to_string(p.outChannels) + " are not a multiple of the input's " +
                      std::to_string(p.channels));
        p.multiplier = p.outChannels / p.channels;
        LS_RETURN_IF_ERROR(checkBias(ctx, 2, p.outChannels));
        LS_ENSURE(ctx, computeAxis(padding, p.h) && computeAxis(padding, p.w),
                  "no valid output size for input " + input.shape.toString() + " and filter " +
                      filter.shape.toString());
        clamp_ = clampFor(o ? o->fused_activation_function() : fb::ActivationFunctionType::NONE);
#ifdef __AVX512F__
        // The common filter sizes keep all their taps in registers across a row.
        if (gemm::activeIsa() != gemm::Isa::Avx512 || p.multiplier != 1)
            rowAvx512_ = nullptr;
        else if (p.h.filter == 3 && p.w.filter == 3)
            rowAvx512_ = &DepthwiseConv2DKernel::rowAvx512<3, 3>;
        else if (p.h.filter == 5 && p.w.filter == 5)
            rowAvx512_ = &DepthwiseConv2DKernel::rowAvx512<5, 5>;
        else
            rowAvx512_ = &DepthwiseConv2DKernel::rowAvx512<0, 0>;
#endif
        return ctx.resizeOutput(0, Shape{p.batch, p.h.out, p.w.out, p.outChannels});
    }

    Status eval(OpContext& ctx) override {
        if (quantized_) return quantized_->eval(ctx);
        const float* input = ctx.input(0).as<float>();
        const float* filter = ctx.input(1).as<float>();
        const float* bias = ctx.hasInput(2) ? ctx.input(2).as<float>() : nullptr;
        float* output = ctx.output(0).as<float>();
        const int64_t rows = static_cast<int64_t>(params_.batch) * params_.h.out;
        // Depthwise runs at a fraction of the SGEMM's rate: a quarter of its work per thread takes as long.
        const int64_t rowMacs =
            std::max<int64_t>(1, static_cast<int64_t>(params_.w.out) * params_.outChannels *
                                     params_.h.filter * params_.w.filter);
        const int64_t minRows = std::max<int64_t>(1, gemm::kMinMacsPerThread / 4 / rowMacs);
        ctx.threads().parallelFor(
            rows,
            [&](int64_t begin, int64_t end) {
                for (int64_t r = begin; r < end; ++r) {
                    const int32_t b = static_cast<int32_t>(r / params_.h.out),
                                  oy = static_cast<int32_t>(r % params_.h.out);
#ifdef __AVX512F__
                    if (rowAvx512_) {
                        rowAvx512_(*this, input, filter, bias, output, b, oy);
                        continue;
                    }
#endif
                    outputRow(input, filter, bias, output, b, oy);
                }
            },
            minRows);
        return Status::ok();
    }

  private:
    std::unique_ptr<OpKernel> quantized_;
    // The filter taps of one axis whose input position lies inside the input: [lo, hi).
    static void validTaps(const Axis& a, int32_t origin, int32_t& lo, int32_t& hi) {
        lo = 0;
        while (lo < a.filter && origin + lo * a.dilation < 0)
            ++lo;
        hi = a.filter;
        while (hi > lo && origin + (hi - 1) * a.dilation >= a.in)
            --hi;
    }

    void outputRow(const float* input, const float* filter, const float* bias, float* output, int32_t b,
                   int32_t oy) const {
        const DepthwiseParams& p = params_;
        const int64_t c = p.channels, oc = p.outChannels;
        const int32_t iy0 = oy * p.h.stride - p.h.pad;
        int32_t kyLo, kyHi;
        validTaps(p.h, iy0, kyLo, kyHi);
        const float* image = input + static_cast<int64_t>(b) * p.h.in * p.w.in * c;
        float* out = output + (static_cast<int64_t>(b) * p.h.out + oy) * p.w.out * oc;
        for (int32_t ox = 0; ox < p.w.out; ++ox, out += oc) {
            const int32_t ix0 = ox * p.w.stride - p.w.pad;
            int32_t kxLo, kxHi;
            validTaps(p.w, ix0, kxLo, kxHi);
            const Window win{image, filter, iy0, ix0, kyLo, kyHi, kxLo, kxHi};
            if (p.multiplier == 1) {
                int64_t ch = 0;
                for (; ch + 4 * kVecLanes <= oc; ch += 4 * kVecLanes)
                    block<4>(win, bias, out, ch);
                for (; ch + kVecLanes <= oc; ch += kVecLanes)
                    block<1>(win, bias, out, ch);
                if (ch < oc) tail(win, bias, out, ch);
            } else {
                general(win, bias, out);
            }
        }
    }

    struct Window {
        const float* image;
        const float* filter;
        int32_t iy0, ix0, kyLo, kyHi, kxLo, kxHi;
    };

    // Channels [ch, ch + NV * 16) of one output pixel, kept in registers across the taps (multiplier 1).
    template <int NV>
    void block(const Window& win, const float* bias, float* out, int64_t ch) const {
        const DepthwiseParams& p = params_;
        Vec16 acc[NV];
        for (int v = 0; v < NV; ++v)
            acc[v] = bias ? loadVec(bias + ch + v * kVecLanes) : Vec16{};
        for (int32_t ky = win.kyLo; ky < win.kyHi; ++ky) {
            const int64_t iy = win.iy0 + ky * p.h.dilation;
            for (int32_t kx = win.kxLo; kx < win.kxHi; ++kx) {
                const int64_t ix = win.ix0 + kx * p.w.dilation;
                const float* in = win.image + (iy * p.w.in + ix) * p.channels + ch;
                const float* w =
                    win.filter + (static_cast<int64_t>(ky) * p.w.filter + kx) * p.outChannels + ch;
                for (int v = 0; v < NV; ++v)
                    acc[v] += loadVec(in + v * kVecLanes) * loadVec(w + v * kVecLanes);
            }
        }
        const Vec16 lo = splat(clamp_.lo), hi = splat(clamp_.hi);
        for (int v = 0; v < NV; ++v)
            storeVec(out + ch + v * kVecLanes, clampVec(acc[v], lo, hi));
    }

    // The last channels, fewer than one vector (multiplier 1).
    void tail(const Window& win, const float* bias, float* out, int64_t ch) const {
        const DepthwiseParams& p = params_;
        const int64_t n = p.outChannels - ch;
        float acc[kVecLanes];
        for (int64_t i = 0; i < n; ++i)
            acc[i] = bias ? bias[ch + i] : 0.f;
        for (int32_t ky = win.kyLo; ky < win.kyHi; ++ky) {
            const int64_t iy = win.iy0 + ky * p.h.dilation;
            for (int32_t kx = win.kxLo; kx < win.kxHi; ++kx) {
                const int64_t ix = win.ix0 + kx * p.w.dilation;
                const float* in = win.image + (iy * p.w.in + ix) * p.channels + ch;
                const float* w =
                    win.filter + (static_cast<int64_t>(ky) * p.w.filter + kx) * p.outChannels + ch;
                for (int64_t i = 0; i < n; ++i)
                    acc[i] += in[i] * w[i];
            }
        }
        for (int64_t i = 0; i < n; ++i)
            out[ch + i] = std::min(std::max(acc[i], clamp_.lo), clamp_.hi);
    }

    // Any depth multiplier: output channel ic * multiplier + m reads input channel ic. Accumulates in place.
    void general(const Window& win, const float* bias, float* out) const {
        const DepthwiseParams& p = params_;
        const int64_t oc = p.outChannels;
        for (int64_t i = 0; i < oc; ++i)
            out[i] = bias ? bias[i] : 0.f;
        for (int32_t ky = win.kyLo; ky < win.kyHi; ++ky) {
            const int64_t iy = win.iy0 + ky * p.h.dilation;
            for (int32_t kx = win.kxLo; kx < win.kxHi; ++kx) {
                const int64_t ix = win.ix0 + kx * p.w.dilation;
                const float* in = win.image + (iy * p.w.in + ix) * p.channels;
                const float* w = win.filter + (static_cast<int64_t>(ky) * p.w.filter + kx) * oc;
                for (int64_t ic = 0; ic < p.channels; ++ic) {
                    const float x = in[ic];
                    float* o = out + ic * p.multiplier;
                    const float* wm = w + ic * p.multiplier;
                    for (int32_t m = 0; m < p.multiplier; ++m)
                        o[m] += x * wm[m];
                }
            }
        }
        for (int64_t i = 0; i < oc; ++i)
            out[i] = std::min(std::max(out[i], clamp_.lo), clamp_.hi);
    }

#ifdef __AVX512F__
    // One output row with AVX-512 (multiplier 1): per block of 16 channels (the last one masked), the taps'
    // weights are loaded once and, for KH x KW known at compile time, stay in registers while the row's
    // interior pixels pass; pixels whose window crosses the border take the general loop.
    template <int KH, int KW>
    static void rowAvx512(const DepthwiseConv2DKernel& k, const float* input, const float* filter,
                          const float* bias, float* output, int32_t b, int32_t oy) {
        const DepthwiseParams& p = k.params_;
        const int64_t c = p.channels, inW = p.w.in, kw = p.w.filter;
        const int32_t iy0 = oy * p.h.stride - p.h.pad;
        int32_t kyLo, kyHi;
        validTaps(p.h, iy0, kyLo, kyHi);
        const bool fullRows = kyLo == 0 && kyHi == p.h.filter;
        // Output pixels whose window lies wholly inside the row: [oxLo, oxHi).
        int32_t oxLo = 0, oxHi = p.w.out;
        while (oxLo < oxHi && oxLo * p.w.stride - p.w.pad < 0)
            ++oxLo;
        while (oxHi > oxLo && (oxHi - 1) * p.w.stride - p.w.pad + (p.w.filter - 1) * p.w.dilation >= p.w.in)
            --oxHi;
        const float* image = input + static_cast<int64_t>(b) * p.h.in * inW * c;
        float* outRow = output + (static_cast<int64_t>(b) * p.h.out + oy) * p.w.out * c;
        const __m512 lo = _mm512_set1_ps(k.clamp_.lo), hi = _mm512_set1_ps(k.clamp_.hi);
        const int64_t dy = static_cast<int64_t>(p.h.dilation) * inW * c,
                      dx = static_cast<int64_t>(p.w.dilation) * c;
        for (int64_t ch = 0; ch < c; ch += 16) {
            const __mmask16 mask =
                c - ch >= 16 ? static_cast<__mmask16>(0xFFFF) : static_cast<__mmask16>((1u << (c - ch)) - 1u);
            const __m512 init = bias ? _mm512_maskz_loadu_ps(mask, bias + ch) : _mm512_setzero_ps();
            // The bound goes first (and is the masked source), so that a NaN sum stays NaN.
            auto finish = [&](float* o, __m512 acc) {
                acc = _mm512_mask_max_ps(lo, 0xFFFF, lo, acc);
                acc = _mm512_mask_min_ps(hi, 0xFFFF, hi, acc);
                _mm512_mask_storeu_ps(o + ch, mask, acc);
            };
            auto general = [&](int32_t ox) {
                const int32_t ix0 = ox * p.w.stride - p.w.pad;
                int32_t kxLo, kxHi;
                validTaps(p.w, ix0, kxLo, kxHi);
                __m512 acc = init;
                for (int32_t ky = kyLo; ky < kyHi; ++ky) {
                    const float* in =
                        image + (static_cast<int64_t>(iy0 + ky * p.h.dilation) * inW + ix0) * c + ch;
                    const float* w = filter + ky * kw * c + ch;
                    for (int32_t kx = kxLo; kx < kxHi; ++kx)
                        acc = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(mask, in + kx * dx),
                                              _mm512_maskz_loadu_ps(mask, w + kx * c), acc);
                }
                finish(outRow + ox * c, acc);
            };
            if constexpr (KH > 0) {
                if (fullRows) {
                    __m512 w[KH][KW];
                    for (int ky = 0; ky < KH; ++ky)
                        for (int kx = 0; kx < KW; ++kx)
                            w[ky][kx] = _mm512_maskz_loadu_ps(mask, filter + (ky * KW + kx) * c + ch);
                    for (int32_t ox = 0; ox < oxLo; ++ox)
                        general(ox);
                    const float* top = image + static_cast<int64_t>(iy0) * inW * c + ch;
                    for (int32_t ox = oxLo; ox < oxHi; ++ox) {
                        const float* in = top + static_cast<int64_t>(ox * p.w.stride - p.w.pad) * c;
                        __m512 acc = init;
                        for (int ky = 0; ky < KH; ++ky)
                            for (int kx = 0; kx < KW; ++kx)
                                acc = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(mask, in + ky * dy + kx * dx),
                                                      w[ky][kx], acc);
                        finish(outRow + ox * c, acc);
                    }
                    for (int32_t ox = std::max(oxHi, oxLo); ox < p.w.out; ++ox)
                        general(ox);
                    continue;
                }
            }
            for (int32_t ox = 0; ox < p.w.out; ++ox)
                general(ox);
        }
    }
    using RowFn = void (*)(const DepthwiseConv2DKernel&, const float*, const float*, const float*, float*,
                           int32_t, int32_t);
    RowFn rowAvx512_ = nullptr;
#endif

    DepthwiseParams params_{};
    gemm::Epilogue clamp_;
};

// ---------------------------------------------------------------------------------------------------------
// TRANSPOSE_CONV
// ---------------------------------------------------------------------------------------------------------

// Bounds the GEMM result held before it is scattered into the output (in floats): 1 MB.
constexpr int64_t kCol2imFloats = 256 * 1024;

class TransposeConvKernel : public OpKernel {
  public:
    Status prepare(OpContext& ctx) override {
        if (routeQuantized(ctx, 2, 1, quantized_, qconv::makeTransposeConv)) return quantized_->prepare(ctx);
        LS_ENSURE(ctx,
                  (ctx.inputCount() == 3 || ctx.inputCount() == 4) && ctx.hasInput(0) && ctx.hasInput(1) &&
                      ctx.hasInput(2),
                  "needs output shape, weights, input and an optional bias");
        const RuntimeTensor& shape = ctx.input(0);
        const RuntimeTensor& weights = ctx.input(1);
        const RuntimeTensor& input = ctx.input(2);
        LS_RETURN_IF_ERROR(checkFloat(ctx, input, "input", 4));
        LS_RETURN_IF_ERROR(checkFloat(ctx, weights, "weights", 4));
        if (ctx.output(0).type != TensorType::Float32)
            return ctx.unsupportedType("output", ctx.output(0).type);
        LS_ENSURE(ctx, shape.type == TensorType::Int32, "output shape must be INT32");
        LS_ENSURE(ctx, shape.shape.rank() == 1 && shape.elementCount() == 4,
                  "output shape must hold 4 values");
        const auto* o = ctx.options<fb::TransposeConvOptions>();
        padding_ = o ? o->padding() : fb::Padding::SAME;
        strideH_ = o ? o->stride_h() : 0;
        strideW_ = o ? o->stride_w() : 0;
        LS_RETURN_IF_ERROR(checkWindowParams(ctx, {strideH_, strideW_}, {}));
        clamp_ = clampFor(o ? o->fused_activation_function() : fb::ActivationFunctionType::NONE);
        batch_ = input.shape[0];
        inH_ = input.shape[1];
        inW_ = input.shape[2];
        inC_ = input.shape[3];
        outC_ = weights.shape[0];
        kH_ = weights.shape[1];
        kW_ = weights.shape[2];
        LS_ENSURE(ctx, weights.shape[3] == inC_,
                  "weights " + weights.shape.toString() + " do not match the input's " +
                      std::to_string(inC_) + " channels");
        LS_ENSURE(ctx, kH_ >= 1 && kW_ >= 1 && outC_ >= 1,
                  "weights shape " + weights.shape.toString() + " is empty");
        LS_RETURN_IF_ERROR(checkBias(ctx, 3, outC_));

        // One GEMM per filter tap t = (ky, kx): input pixels (m x inC) times B_t (inC x outC), B_t(ic, oc) =
        // weights[oc, ky, kx, ic], each writing its own columns of the tile's result.
        const gemm::Isa isa = gemm::activeIsa();
        const int64_t taps = static_cast<int64_t>(kH_) * kW_;
        LS_RETURN_IF_ERROR(weights_.prepare(ctx, weights, {inC_, outC_, taps, inC_, 1, taps * inC_}, isa));
        const int64_t n = taps * outC_;
        const int64_t m = static_cast<int64_t>(batch_) * inH_ * inW_;
        const int64_t mr = gemm::geometry(isa).mr;
        tileRows_ = std::min(roundUp(std::max<int64_t>(m, 1), mr), std::max(mr, kCol2imFloats / n / mr * mr));
        colScratch_ = ctx.requestScratch(static_cast<size_t>(tileRows_ * n) * sizeof(float));

        if (gemm::knownAtPrepare(shape)) return resize(ctx, shape);
        ctx.markOutputDynamic(0);
        return Status::ok();
    }

    Status eval(OpContext& ctx) override {
        if (quantized_) return quantized_->eval(ctx);
        RuntimeTensor& output = ctx.output(0);
        if (output.allocation == Allocation::Dynamic) LS_RETURN_IF_ERROR(resize(ctx, ctx.input(0)));
        const float* input = ctx.input(2).as<float>();
        const float* bias = ctx.hasInput(3) ? ctx.input(3).as<float>() : nullptr;
        float* out = output.as<float>();
        const int64_t taps = static_cast<int64_t>(kH_) * kW_, n = taps * outC_;
        weights_.evalPrepare(ctx, ctx.input(1));
        const int64_t outPixels = static_cast<int64_t>(batch_) * outH_ * outW_;
        zeroFloats(out, outPixels * outC_);
        const int64_t m = static_cast<int64_t>(batch_) * inH_ * inW_;
        float* col = reinterpret_cast<float*>(ctx.scratch(colScratch_));
        for (int64_t row0 = 0; row0 < m; row0 += tileRows_) {
            const int64_t rows = std::min(tileRows_, m - row0);
            for (int64_t t = 0; t < taps; ++t)
                gemm::sgemmParallel(ctx.threads(), rows, input + row0 * inC_, inC_, weights_.group(t),
                                    col + t * outC_, n, {});
            scatter(col, row0, rows, out);
        }
        // Bias and clamp once every contribution is in.
        const int64_t oc = outC_;
        ctx.threads().parallelFor(
            outPixels,
            [&](int64_t begin, int64_t end) {
                for (int64_t px = begin; px < end; ++px) {
                    float* o = out + px * oc;
                    for (int64_t c = 0; c < oc; ++c)
                        o[c] = std::min(std::max(o[c] + (bias ? bias[c] : 0.f), clamp_.lo), clamp_.hi);
                }
            },
            std::max<int64_t>(1, gemm::kMinMacsPerThread / oc));
        return Status::ok();
    }

  private:
    std::unique_ptr<OpKernel> quantized_;
    Status resize(OpContext& ctx, const RuntimeTensor& shape) {
        const int32_t* s = shape.as<int32_t>();
        LS_ENSURE(ctx, s[0] == batch_ && s[3] == outC_ && s[1] >= 0 && s[2] >= 0,
                  "output shape [" + std::to_string(s[0]) + "," + std::to_string(s[1]) + "," +
                      std::to_string(s[2]) + "," + std::to_string(s[3]) + "] does not match batch " +
                      std::to_string(batch_) + " and " + std::to_string(outC_) + " output channels");
        outH_ = s[1];
        outW_ = s[2];
        // TFLite pads as for a convolution from the output back to the input size it would give.
        Axis h{outH_, kH_, strideH_, 1, 0, 0}, w{outW_, kW_, strideW_, 1, 0, 0};
        LS_ENSURE(ctx, computeAxis(padding_, h) && computeAxis(padding_, w), "invalid padding");
        padH_ = h.pad;
        padW_ = w.pad;
        return ctx.resizeOutput(0, Shape{s[0], s[1], s[2], s[3]});
    }

    // Adds each input pixel's kh x kw x oc contributions into the output where they land.
    void scatter(const float* col, int64_t row0, int64_t rows, float* out) const {
        const int64_t n = static_cast<int64_t>(kH_) * kW_ * outC_;
        for (int64_t i = 0; i < rows; ++i) {
            const int64_t p = row0 + i;
            const int32_t ix = static_cast<int32_t>(p % inW_);
            const int32_t iy = static_cast<int32_t>((p / inW_) % inH_);
            const int64_t b = p / (static_cast<int64_t>(inW_) * inH_);
            const float* src = col + i * n;
            for (int32_t ky = 0; ky < kH_; ++ky) {
                const int32_t oy = iy * strideH_ - padH_ + ky;
                if (oy < 0 || oy >= outH_) continue;
                for (int32_t kx = 0; kx < kW_; ++kx) {
                    const int32_t ox = ix * strideW_ - padW_ + kx;
                    if (ox < 0 || ox >= outW_) continue;
                    float* o = out + ((b * outH_ + oy) * outW_ + ox) * outC_;
                    const float* v = src + (static_cast<int64_t>(ky) * kW_ + kx) * outC_;
                    for (int32_t c = 0; c < outC_; ++c)
                        o[c] += v[c];
                }
            }
        }
    }

    fb::Padding padding_ = fb::Padding::SAME;
    int32_t strideH_ = 1, strideW_ = 1;
    gemm::Epilogue clamp_;
    int32_t batch_ = 0, inH_ = 0, inW_ = 0, inC_ = 0, outC_ = 0, kH_ = 0, kW_ = 0;
    int32_t outH_ = 0, outW_ = 0, padH_ = 0, padW_ = 0;
    gemm::PackedWeights weights_;
    int colScratch_ = -1;
    int64_t tileRows_ = 1;
};

}  // namespace

void registerConvKernels(KernelRegistry& r) {
    using B = fb::BuiltinOperator;
    r.add(B::CONV_2D, makeKernel<Conv2DKernel>);
    r.add(B::DEPTHWISE_CONV_2D, makeKernel<DepthwiseConv2DKernel>);
    r.add(B::TRANSPOSE_CONV, makeKernel<TransposeConvKernel>);
    r.add(B::CONV_3D, makeKernel<Conv3DKernel>);
}

}  // namespace litescope::kernels

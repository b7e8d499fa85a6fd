// Quantized CONV_2D, DEPTHWISE_CONV_2D and TRANSPOSE_CONV: int8 (per-tensor or per-channel weights), the
// legacy uint8 scheme (weights with a zero point), int16 activations with int8 weights (int64 accumulators),
// and hybrid float activations with int8 weights. int8 and uint8 CONV_2D run as im2col into unsigned bytes
// and the packed integer GEMM of quantized_gemm.h; the zero points fold into per-column and per-row sums.
#include "runtime/kernels/quantized_conv.h"

#include <atomic>
#include <cstring>
#include <vector>

#ifdef __AVX512BW__
#include <immintrin.h>
#endif

#include "runtime/kernels/gemm.h"
#include "runtime/kernels/kernel_util.h"
#include "runtime/kernels/quantized_conv_util.h"
#include "runtime/kernels/quantized_gemm.h"
#include "runtime/thread_pool.h"

namespace litescope::kernels::qconv {

bool computeAxis(fb::Padding padding, Axis& a) {
    const int64_t effective = static_cast<int64_t>(a.filter - 1) * a.dilation + 1;
    int64_t out = 0;
    if (padding == fb::Padding::SAME)
        out = (static_cast<int64_t>(a.in) + a.stride - 1) / a.stride;
    else if (padding == fb::Padding::VALID)
        out = (static_cast<int64_t>(a.in) + a.stride - effective) / a.stride;
    else
        return false;
    if (out < 0 || out > std::numeric_limits<int32_t>::max()) return false;
    const int64_t total = (out - 1) * a.stride + effective - a.in;
    a.out = static_cast<int32_t>(out);
    a.pad = total > 0 ? static_cast<int32_t>(total / 2) : 0;
    return true;
}

namespace {

enum class Scheme : uint8_t { Int8, UInt8, Int16, Hybrid };

Status schemeOf(OpContext& ctx, const RuntimeTensor& input, const RuntimeTensor& filter,
                const RuntimeTensor& output, Scheme& s) {
    const TensorType in = input.type, w = filter.type, out = output.type;
    // The input type decides the scheme; the filter and output must then agree with it.
    switch (in) {
        case TensorType::Int8:
            s = Scheme::Int8;
            break;
        case TensorType::UInt8:
            s = Scheme::UInt8;
            break;
        case TensorType::Int16:
            s = Scheme::Int16;
            break;
        case TensorType::Float32:
            s = Scheme::Hybrid;
            break;
        default:
            return ctx.unsupportedType("input", in);
    }
    const TensorType wantFilter = s == Scheme::UInt8 ? TensorType::UInt8 : TensorType::Int8;
    if (w != wantFilter) return ctx.unsupportedType("filter", w);
    if (out != in) return ctx.unsupportedType("output", out);
    if (filter.model && filter.model->sparsity) return ctx.fail("filter is sparse; it needs DENSIFY first");
    LS_ENSURE(ctx, filter.quantization().hasAffine(), "quantized filter has no scale");
    if (s != Scheme::Hybrid)
        LS_ENSURE(ctx, input.scale() > 0.f && output.scale() > 0.f,
                  "quantized input and output need a scale");
    return Status::ok();
}

// Per-channel filter scales must match the channel count along the dimension TFLite expects.
Status checkChannelScales(OpContext& ctx, const RuntimeTensor& filter, int64_t channels, int dimension) {
    const QuantizationParams& q = filter.quantization();
    if (!q.isPerChannel()) return Status::ok();
    LS_ENSURE(ctx, static_cast<int64_t>(q.scale.size()) == channels,
              "filter has " + std::to_string(q.scale.size()) + " scales for " + std::to_string(channels) +
                  " output channels");
    LS_ENSURE(ctx, q.quantizedDimension == dimension,
              "filter is quantized along dimension " + std::to_string(q.quantizedDimension) + ", expected " +
                  std::to_string(dimension));
    return Status::ok();
}

Status checkBias(OpContext& ctx, int index, Scheme s, int64_t channels) {
    if (!ctx.hasInput(index)) return Status::ok();
    const RuntimeTensor& bias = ctx.input(index);
    const bool ok = s == Scheme::Hybrid  ? bias.type == TensorType::Float32
                    : s == Scheme::Int16 ? (bias.type == TensorType::Int64 || bias.type == TensorType::Int32)
                                         : bias.type == TensorType::Int32;
    if (!ok) return ctx.unsupportedType("bias", bias.type);
    LS_ENSURE(ctx, bias.elementCount() == channels,
              "bias has " + std::to_string(bias.elementCount()) + " elements for " +
                  std::to_string(channels) + " output channels");
    return Status::ok();
}

// A bias element as int64, whatever its integer type (0 without a bias).
inline int64_t biasAt(const RuntimeTensor* bias, int64_t c) {
    if (!bias) return 0;
    return bias->type == TensorType::Int64 ? bias->as<int64_t>()[c]
                                           : static_cast<int64_t>(bias->as<int32_t>()[c]);
}

std::vector<QuantizedMultiplier> multipliersFor(Scheme s, const RuntimeTensor& input,
                                                const RuntimeTensor& filter, const RuntimeTensor& output,
                                                int64_t channels) {
    if (s == Scheme::UInt8)
        return std::vector<QuantizedMultiplier>(
            static_cast<size_t>(channels), productMultiplier(input.scale(), filter.scale(), output.scale()));
    return perChannelMultipliers(input.scale(), filter.quantization().scale, output.scale(), channels);
}

// Copies n bytes, flipping their top bit (int8 to the unsigned bytes the GEMM reads) when asked. im2col runs
// are often a few dozen bytes: masked vectors beat a call to memcpy there.
inline void copyBytes(uint8_t* dst, const uint8_t* src, int64_t n, bool flip) {
#ifdef __AVX512BW__
    const __m512i bit = _mm512_set1_epi8(flip ? static_cast<char>(0x80) : 0);
    for (int64_t i = 0; i < n; i += 64) {
        const __mmask64 m = n - i >= 64 ? ~__mmask64{0} : ((__mmask64{1} << (n - i)) - 1);
        _mm512_mask_storeu_epi8(dst + i, m, _mm512_xor_si512(_mm512_maskz_loadu_epi8(m, src + i), bit));
    }
#else
    if (!flip) {
        std::memcpy(dst, src, static_cast<size_t>(n));
        return;
    }
    for (int64_t i = 0; i < n; ++i)
        dst[i] = static_cast<uint8_t>(src[i] ^ 0x80u);
#endif
}

// Hybrid kernels quantize each batch of the float input on the fly; the results live in scratch.
struct HybridInput {
    int scratch = -1;
    std::vector<RowQuantization> rows;  // one per batch, filled at eval
    bool asymmetric = true;

    void request(OpContext& ctx, int64_t elements, int64_t batches) {
        scratch = ctx.requestScratch(static_cast<size_t>(elements));
        rows.assign(static_cast<size_t>(batches), {});
    }
    const int8_t* quantize(OpContext& ctx, const float* input, int64_t batches, int64_t perBatch) {
        int8_t* q = reinterpret_cast<int8_t*>(ctx.scratch(scratch));
        for (int64_t b = 0; b < batches; ++b)
            rows[static_cast<size_t>(b)] =
                asymmetric ? quantizeAsymmetric(input + b * perBatch, perBatch, q + b * perBatch)
                           : quantizeSymmetric(input + b * perBatch, perBatch, q + b * perBatch);
        return q;
    }
};

// ---------------------------------------------------------------------------------------------------------
// CONV_2D
// ---------------------------------------------------------------------------------------------------------

// Bounds each thread's im2col tile (in bytes), so that the tile stays in L2 while all of B passes over it.
constexpr int64_t kTileBytes = 64 * 1024;

class QuantizedConv2D : public OpKernel {
  public:
    Status prepare(OpContext& ctx) override {
        LS_ENSURE(ctx, (ctx.inputCount() == 2 || ctx.inputCount() == 3) && ctx.hasInput(0) && ctx.hasInput(1),
                  "needs input, filter and an optional bias");
        const RuntimeTensor& input = ctx.input(0);
        const RuntimeTensor& filter = ctx.input(1);
        const RuntimeTensor& output = ctx.output(0);
        LS_RETURN_IF_ERROR(schemeOf(ctx, input, filter, output, scheme_));
        LS_ENSURE(ctx, input.shape.rank() == 4 && filter.shape.rank() == 4,
                  "input and filter must have rank 4, have " + input.shape.toString() + " and " +
                      filter.shape.toString());
        const auto* o = ctx.options<fb::Conv2DOptions>();
        const fb::Padding padding = o ? o->padding() : fb::Padding::SAME;
        batch_ = input.shape[0];
        h_.in = input.shape[1];
        w_.in = input.shape[2];
        channels_ = input.shape[3];
        outChannels_ = filter.shape[0];
        h_.filter = filter.shape[1];
        w_.filter = filter.shape[2];
        h_.stride = o ? o->stride_h() : 0;
        w_.stride = o ? o->stride_w() : 0;
        h_.dilation = o ? o->dilation_h_factor() : 1;
        w_.dilation = o ? o->dilation_w_factor() : 1;
        LS_ENSURE(ctx, h_.stride >= 1 && w_.stride >= 1 && h_.dilation >= 1 && w_.dilation >= 1,
                  "strides and dilations must be at least 1");
        LS_ENSURE(ctx, h_.filter >= 1 && w_.filter >= 1 && outChannels_ >= 1,
                  "filter shape " + filter.shape.toString() + " is empty");
        LS_ENSURE(ctx, filter.shape[3] == channels_,
                  "input has " + std::to_string(channels_) + " channels, the filter " +
                      std::to_string(filter.shape[3]) + " (grouped quantized convolution is not supported)");
        LS_RETURN_IF_ERROR(checkChannelScales(ctx, filter, outChannels_, 0));
        LS_RETURN_IF_ERROR(checkBias(ctx, 2, scheme_, outChannels_));
        LS_ENSURE(ctx, computeAxis(padding, h_) && computeAxis(padding, w_),
                  "no valid output size for input " + input.shape.toString() + " and filter " +
                      filter.shape.toString());
        const fb::ActivationFunctionType activation =
            o ? o->fused_activation_function() : fb::ActivationFunctionType::NONE;
        LS_RETURN_IF_ERROR(ctx.resizeOutput(0, Shape{batch_, h_.out, w_.out, outChannels_}));
        depth_ = static_cast<int64_t>(h_.filter) * w_.filter * channels_;
        rows_ = static_cast<int64_t>(batch_) * h_.out * w_.out;

        if (scheme_ == Scheme::Hybrid) {
            clamp_ = activationRange(activation);
            perChannel_ = filter.quantization().isPerChannel();
            // TFLite quantizes per-channel hybrid inputs asymmetrically, per-tensor ones symmetrically.
            hybrid_.asymmetric = perChannel_;
            hybrid_.request(ctx, input.elementCount(), batch_);
            filterScales_.resize(static_cast<size_t>(outChannels_));
            for (int64_t c = 0; c < outChannels_; ++c)
                filterScales_[static_cast<size_t>(c)] = channelScale(filter, c);
        } else {
            multipliers_ = multipliersFor(scheme_, input, filter, output, outChannels_);
            range_ = quantizedActivationRange(activation, output.type, output.scale(), output.zeroPoint());
            inputZeroPoint_ = input.zeroPoint();
            outputZeroPoint_ = output.zeroPoint();
            filterZeroPoint_ = scheme_ == Scheme::UInt8 ? filter.zeroPoint() : 0;
        }
        if (scheme_ == Scheme::Int16) return Status::ok();

        LS_ENSURE(ctx, gemm::knownAtPrepare(filter), "quantized filters must be constant");
        if (scheme_ == Scheme::UInt8)
            packed_.packRows(filter.as<uint8_t>(), depth_, outChannels_, -128);
        else
            packed_.packRows(filter.as<int8_t>(), depth_, outChannels_);
        // The GEMM multiplies unsigned bytes u by signed weights v, and the wanted sum is rebuilt from it:
        // int8:  u = x + 128, v = w:        sum (x - zx) w = dot - (128 + zx) sum(v)
        // uint8: u = x, v = w - 128:        sum (x - zx)(w - zw) = dot + (128 - zw) sum(u) - zx sum(v)
        //                                                          + K zx (zw - 128)
        // (padding holds zx, so it adds nothing). So acc = dot + colBase[c] + rowCoef * sum(u) + bias[c].
        colBase_.assign(static_cast<size_t>(outChannels_), 0);
        const int32_t* sums = packed_.columnSums();
        for (int64_t c = 0; c < outChannels_; ++c) {
            const auto sc = static_cast<size_t>(c);
            if (scheme_ == Scheme::UInt8)
                colBase_[sc] = -inputZeroPoint_ * sums[c] +
                               static_cast<int32_t>(depth_) * inputZeroPoint_ * (filterZeroPoint_ - 128);
            else if (scheme_ == Scheme::Int8)
                colBase_[sc] = -(128 + inputZeroPoint_) * sums[c];
            else
                colBase_[sc] = -128 * sums[c];  // the batch's own offset is applied at eval
        }
        rowCoef_ = scheme_ == Scheme::UInt8 ? 128 - filterZeroPoint_ : 0;
        colAdd_.assign(static_cast<size_t>(outChannels_), 0);
        if (scheme_ != Scheme::Hybrid)
            requant_.set(multipliers_, scheme_ == Scheme::Int8, scheme_ == Scheme::UInt8, outputZeroPoint_,
                         range_);

        const int64_t kp = packed_.paddedK(), np = packed_.paddedN();
        const int threads = ctx.threads().size();
        tiles_ = qgemm::TilePlan::make(rows_, kp, np, threads, kTileBytes, 512);
        scratch_ = ctx.requestScratch(tiles_.slotBytes * static_cast<size_t>(threads));
        return Status::ok();
    }

    Status eval(OpContext& ctx) override {
        if (scheme_ == Scheme::Int16) {
            evalInt16(ctx);
            return Status::ok();
        }
        const RuntimeTensor* bias = ctx.hasInput(2) ? &ctx.input(2) : nullptr;
        if (scheme_ != Scheme::Hybrid)
            for (int64_t ch = 0; ch < outChannels_; ++ch)
                colAdd_[static_cast<size_t>(ch)] =
                    colBase_[static_cast<size_t>(ch)] + static_cast<int32_t>(biasAt(bias, ch));
        const uint8_t* input = ctx.input(0).data;
        const int8_t* hybridInput = nullptr;
        if (scheme_ == Scheme::Hybrid) {
            hybridInput = hybrid_.quantize(ctx, ctx.input(0).as<float>(), batch_,
                                           static_cast<int64_t>(h_.in) * w_.in * channels_);
            input = reinterpret_cast<const uint8_t*>(hybridInput);
        }
        uint8_t* scratch = ctx.scratch(scratch_);
        const int64_t tiles = (rows_ + tiles_.tileRows - 1) / tiles_.tileRows;
        std::atomic<int> slot{0};
        const int64_t tileMacs = std::max<int64_t>(1, tiles_.tileRows * depth_ * outChannels_);
        ctx.threads().parallelFor(
            tiles,
            [&](int64_t begin, int64_t end) {
                uint8_t* mine = scratch + static_cast<size_t>(slot.fetch_add(1)) * tiles_.slotBytes;
                for (int64_t t = begin; t < end; ++t)
                    runTile(ctx, t, input, bias, mine);
            },
            std::max<int64_t>(1, gemm::kMinMacsPerThread / tileMacs));
        return Status::ok();
    }

  private:
    // Output pixels [row0, row0 + rows): im2col, GEMM, then the requantizing (or float) epilogue.
    void runTile(OpContext& ctx, int64_t tile, const uint8_t* input, const RuntimeTensor* bias,
                 uint8_t* slot) const {
        const int64_t row0 = tile * tiles_.tileRows, rows = std::min(tiles_.tileRows, rows_ - row0);
        const int64_t kp = packed_.paddedK(), np = packed_.paddedN(), oc = outChannels_;
        uint8_t* a = tiles_.a(slot);
        int32_t* c = tiles_.acc(slot);
        int32_t* rowSums = tiles_.rowSums(slot);
        im2col(input, row0, rows, a, rowSums);
        qgemm::gemmU8S8(rows, a, kp, packed_, c, np);
        const int64_t pixelsPerBatch = static_cast<int64_t>(h_.out) * w_.out;
        if (scheme_ == Scheme::Hybrid) {
            float* out = ctx.output(0).as<float>();
            const float* fbias = bias ? bias->as<float>() : nullptr;
            for (int64_t i = 0; i < rows; ++i) {
                const int64_t b = (row0 + i) / pixelsPerBatch;
                const RowQuantization& rq = hybrid_.rows[static_cast<size_t>(b)];
                const int32_t* ci = c + i * np;
                float* o = out + (row0 + i) * oc;
                const int32_t* sums = packed_.columnSums();
                for (int64_t ch = 0; ch < oc; ++ch) {
                    const int32_t acc = ci[ch] + colBase_[static_cast<size_t>(ch)] - rq.offset * sums[ch];
                    const float fs = filterScales_[static_cast<size_t>(ch)];
                    float v = perChannel_ ? static_cast<float>(acc) * fs * rq.scale
                                          : static_cast<float>(acc) * (rq.scale * fs);
                    if (fbias) v += fbias[ch];
                    o[ch] = std::min(std::max(v, clamp_.lo), clamp_.hi);
                }
            }
            return;
        }
        if (rowCoef_ != 0)
            for (int64_t i = 0; i < rows; ++i)
                rowSums[i] *= rowCoef_;
        qgemm::requantizeRows(c, np, colAdd_.data(), rowCoef_ != 0 ? rowSums : nullptr, rows, oc, requant_,
                              ctx.output(0).data + row0 * oc, oc);
    }

    // Rows of unsigned bytes: int8 values shifted by 128 (uint8 ones as they are), padding as the input's
    // zero point (so that it adds nothing once the zero point is taken off), the depth padded with zeros.
    void im2col(const uint8_t* input, int64_t row0, int64_t rows, uint8_t* dst, int32_t* rowSums) const {
        const int64_t kp = packed_.paddedK(), c = channels_;
        const bool flip = scheme_ != Scheme::UInt8;
        const int64_t pixelsPerBatch = static_cast<int64_t>(h_.out) * w_.out;
        for (int64_t i = 0; i < rows; ++i) {
            const int64_t p = row0 + i;
            const int64_t b = p / pixelsPerBatch;
            const int32_t oy = static_cast<int32_t>((p % pixelsPerBatch) / w_.out);
            const int32_t ox = static_cast<int32_t>(p % w_.out);
            int32_t zero = inputZeroPoint_;
            if (scheme_ == Scheme::Hybrid) zero = hybrid_.rows[static_cast<size_t>(b)].offset;
            const auto pad = static_cast<uint8_t>(flip ? zero + 128 : zero);
            uint8_t* row = dst + i * kp;
            const uint8_t* image = input + b * h_.in * w_.in * c;
            uint8_t* d = row;
            for (int32_t ky = 0; ky < h_.filter; ++ky) {
                const int32_t iy = oy * h_.stride - h_.pad + ky * h_.dilation;
                if (iy < 0 || iy >= h_.in) {
                    std::memset(d, pad, static_cast<size_t>(w_.filter * c));
                    d += w_.filter * c;
                    continue;
                }
                const uint8_t* line = image + static_cast<int64_t>(iy) * w_.in * c;
                const int32_t ix0 = ox * w_.stride - w_.pad;
                if (w_.dilation == 1 && ix0 >= 0 && ix0 + w_.filter <= w_.in) {
                    // The whole filter row lies inside the input: one contiguous run.
                    copyBytes(d, line + static_cast<int64_t>(ix0) * c, w_.filter * c, flip);
                    d += w_.filter * c;
                    continue;
                }
                for (int32_t kx = 0; kx < w_.filter; ++kx, d += c) {
                    const int32_t ix = ix0 + kx * w_.dilation;
                    if (ix < 0 || ix >= w_.in)
                        std::memset(d, pad, static_cast<size_t>(c));
                    else
                        copyBytes(d, line + static_cast<int64_t>(ix) * c, c, flip);
                }
            }
            if (kp > depth_) std::memset(row + depth_, 0, static_cast<size_t>(kp - depth_));
            if (rowCoef_ != 0) {
                int32_t sum = 0;
                for (int64_t j = 0; j < depth_; ++j)
                    sum += row[j];
                rowSums[i] = sum;
            } else {
                rowSums[i] = 0;
            }
        }
    }

    // int16 activations, int8 weights, int64 accumulators: TFLite runs the reference loop, and so does this.
    void evalInt16(OpContext& ctx) const {
        const int16_t* input = ctx.input(0).as<int16_t>();
        const int8_t* filter = ctx.input(1).as<int8_t>();
        const RuntimeTensor* bias = ctx.hasInput(2) ? &ctx.input(2) : nullptr;
        int16_t* out = ctx.output(0).as<int16_t>();
        const int64_t c = channels_, kw = w_.filter;
        ctx.threads().parallelFor(
            rows_,
            [&](int64_t begin, int64_t end) {
                for (int64_t p = begin; p < end; ++p) {
                    const int64_t pixelsPerBatch = static_cast<int64_t>(h_.out) * w_.out;
                    const int64_t b = p / pixelsPerBatch;
                    const int32_t oy = static_cast<int32_t>((p % pixelsPerBatch) / w_.out);
                    const int32_t ox = static_cast<int32_t>(p % w_.out);
                    for (int64_t oc = 0; oc < outChannels_; ++oc) {
                        int64_t acc = 0;
                        for (int32_t ky = 0; ky < h_.filter; ++ky) {
                            const int32_t iy = oy * h_.stride - h_.pad + ky * h_.dilation;
                            if (iy < 0 || iy >= h_.in) continue;
                            for (int32_t kx = 0; kx < w_.filter; ++kx) {
                                const int32_t ix = ox * w_.stride - w_.pad + kx * w_.dilation;
                                if (ix < 0 || ix >= w_.in) continue;
                                const int16_t* x = input + ((b * h_.in + iy) * w_.in + ix) * c;
                                const int8_t* w = filter + ((oc * h_.filter + ky) * kw + kx) * c;
                                for (int64_t j = 0; j < c; ++j)
                                    acc += static_cast<int64_t>(w[j]) * (x[j] - inputZeroPoint_);
                            }
                        }
                        acc += biasAt(bias, oc);
                        out[p * outChannels_ + oc] = static_cast<int16_t>(
                            requantize(acc, multipliers_[static_cast<size_t>(oc)], outputZeroPoint_, range_));
                    }
                }
            },
            std::max<int64_t>(1, gemm::kMinMacsPerThread / std::max<int64_t>(1, depth_ * outChannels_)));
    }

    Scheme scheme_ = Scheme::Int8;
    int32_t batch_ = 0, channels_ = 0, outChannels_ = 0;
    Axis h_, w_;
    int64_t depth_ = 0, rows_ = 0;
    std::vector<QuantizedMultiplier> multipliers_;
    QuantizedRange range_;
    int32_t inputZeroPoint_ = 0, outputZeroPoint_ = 0, filterZeroPoint_ = 0;
    qgemm::PackedInt8 packed_;
    std::vector<int32_t> colBase_;
    std::vector<int32_t> colAdd_;  // colBase_ plus the bias, refreshed at each eval
    qgemm::Requantization requant_;
    int32_t rowCoef_ = 0;
    qgemm::TilePlan tiles_;
    int scratch_ = -1;
    // Hybrid only.
    HybridInput hybrid_;
    std::vector<float> filterScales_;
    bool perChannel_ = false;
    ActivationRange clamp_;
};

// ---------------------------------------------------------------------------------------------------------
// DEPTHWISE_CONV_2D
// ---------------------------------------------------------------------------------------------------------

class QuantizedDepthwiseConv2D : public OpKernel {
  public:
    Status prepare(OpContext& ctx) override {
        LS_ENSURE(ctx, (ctx.inputCount() == 2 || ctx.inputCount() == 3) && ctx.hasInput(0) && ctx.hasInput(1),
                  "needs input, filter and an optional bias");
        const RuntimeTensor& input = ctx.input(0);
        const RuntimeTensor& filter = ctx.input(1);
        const RuntimeTensor& output = ctx.output(0);
        LS_RETURN_IF_ERROR(schemeOf(ctx, input, filter, output, scheme_));
        LS_ENSURE(ctx, input.shape.rank() == 4 && filter.shape.rank() == 4 && filter.shape[0] == 1,
                  "input must have rank 4 and the filter be [1, height, width, channels], have " +
                      input.shape.toString() + " and " + filter.shape.toString());
        const auto* o = ctx.options<fb::DepthwiseConv2DOptions>();
        const fb::Padding padding = o ? o->padding() : fb::Padding::SAME;
        batch_ = input.shape[0];
        h_.in = input.shape[1];
        w_.in = input.shape[2];
        channels_ = input.shape[3];
        h_.filter = filter.shape[1];
        w_.filter = filter.shape[2];
        outChannels_ = filter.shape[3];
        h_.stride = o ? o->stride_h() : 0;
        w_.stride = o ? o->stride_w() : 0;
        h_.dilation = o ? o->dilation_h_factor() : 1;
        w_.dilation = o ? o->dilation_w_factor() : 1;
        LS_ENSURE(ctx, h_.stride >= 1 && w_.stride >= 1 && h_.dilation >= 1 && w_.dilation >= 1,
                  "strides and dilations must be at least 1");
        LS_ENSURE(ctx, h_.filter >= 1 && w_.filter >= 1,
                  "filter shape " + filter.shape.toString() + " is empty");
        LS_ENSURE(ctx, channels_ >= 1 && outChannels_ % channels_ == 0,
                  "filter channels " + std::to_string(outChannels_) + " are not a multiple of the input's " +
                      std::to_string(channels_));
        multiplier_ = outChannels_ / channels_;
        LS_RETURN_IF_ERROR(checkChannelScales(ctx, filter, outChannels_, 3));
        LS_RETURN_IF_ERROR(checkBias(ctx, 2, scheme_, outChannels_));
        LS_ENSURE(ctx, computeAxis(padding, h_) && computeAxis(padding, w_),
                  "no valid output size for input " + input.shape.toString() + " and filter " +
                      filter.shape.toString());
        const fb::ActivationFunctionType activation =
            o ? o->fused_activation_function() : fb::ActivationFunctionType::NONE;
        LS_RETURN_IF_ERROR(ctx.resizeOutput(0, Shape{batch_, h_.out, w_.out, outChannels_}));
        LS_ENSURE(ctx, gemm::knownAtPrepare(filter), "quantized filters must be constant");

        // The filter with its zero point taken off, once.
        const int64_t taps = static_cast<int64_t>(h_.filter) * w_.filter * outChannels_;
        weights_.resize(static_cast<size_t>(taps));
        const int32_t filterZero = scheme_ == Scheme::UInt8 ? filter.zeroPoint() : 0;
        for (int64_t i = 0; i < taps; ++i)
            weights_[static_cast<size_t>(i)] =
                scheme_ == Scheme::UInt8 ? static_cast<int16_t>(filter.as<uint8_t>()[i] - filterZero)
                                         : static_cast<int16_t>(filter.as<int8_t>()[i]);
        // The vector path's weights: each int16 in the low half of an int32 lane.
        weights32_.resize(weights_.size());
        for (size_t i = 0; i < weights_.size(); ++i)
            weights32_[i] = static_cast<int32_t>(static_cast<uint16_t>(weights_[i]));
        if (scheme_ == Scheme::Hybrid) {
            clamp_ = activationRange(activation);
            hybrid_.asymmetric = true;  // TFLite's hybrid depthwise always quantizes asymmetrically
            hybrid_.request(ctx, input.elementCount(), batch_);
            filterScales_.resize(static_cast<size_t>(outChannels_));
            for (int64_t c = 0; c < outChannels_; ++c)
                filterScales_[static_cast<size_t>(c)] = channelScale(filter, c);
        } else {
            multipliers_ = multipliersFor(scheme_, input, filter, output, outChannels_);
            range_ = quantizedActivationRange(activation, output.type, output.scale(), output.zeroPoint());
            inputZeroPoint_ = input.zeroPoint();
            outputZeroPoint_ = output.zeroPoint();
            // TFLite's depthwise kernels round as multiplyByQuantizedMultiplier does.
            requant_.set(multipliers_, false, scheme_ == Scheme::UInt8, outputZeroPoint_, range_);
            colAdd_.assign(static_cast<size_t>(outChannels_), 0);
        }
        const size_t accBytes = scheme_ == Scheme::Int16 ? sizeof(int64_t) : sizeof(int32_t);
        // A whole output row of sums, so that the 8-bit schemes requantize it in one pass.
        slotBytes_ =
            qgemm::aligned(static_cast<size_t>(outChannels_) * static_cast<size_t>(w_.out) * accBytes);
        scratch_ = ctx.requestScratch(slotBytes_ * static_cast<size_t>(ctx.threads().size()));
        return Status::ok();
    }

    Status eval(OpContext& ctx) override {
        if (scheme_ == Scheme::Int8 || scheme_ == Scheme::UInt8) {
            const RuntimeTensor* bias = ctx.hasInput(2) ? &ctx.input(2) : nullptr;
            for (int64_t c = 0; c < outChannels_; ++c)
                colAdd_[static_cast<size_t>(c)] = static_cast<int32_t>(biasAt(bias, c));
        }
        switch (scheme_) {
            case Scheme::Int8:
                run<int8_t, int32_t>(ctx, ctx.input(0).as<int8_t>());
                break;
            case Scheme::UInt8:
                run<uint8_t, int32_t>(ctx, ctx.input(0).as<uint8_t>());
                break;
            case Scheme::Int16:
                run<int16_t, int64_t>(ctx, ctx.input(0).as<int16_t>());
                break;
            case Scheme::Hybrid:
                run<int8_t, int32_t>(ctx, hybrid_.quantize(ctx, ctx.input(0).as<float>(), batch_,
                                                           static_cast<int64_t>(h_.in) * w_.in * channels_));
                break;
        }
        return Status::ok();
    }

  private:
    template <typename In, typename Acc>
    void run(OpContext& ctx, const In* input) {
        const RuntimeTensor* bias = ctx.hasInput(2) ? &ctx.input(2) : nullptr;
        RuntimeTensor& output = ctx.output(0);
        uint8_t* scratch = ctx.scratch(scratch_);
        const int64_t rows = static_cast<int64_t>(batch_) * h_.out;
        const int64_t rowMacs =
            std::max<int64_t>(1, static_cast<int64_t>(w_.out) * outChannels_ * h_.filter * w_.filter);
        std::atomic<int> slot{0};
        ctx.threads().parallelFor(
            rows,
            [&](int64_t begin, int64_t end) {
                Acc* acc =
                    reinterpret_cast<Acc*>(scratch + static_cast<size_t>(slot.fetch_add(1)) * slotBytes_);
                for (int64_t r = begin; r < end; ++r)
                    row<In, Acc>(input, bias, output, acc, static_cast<int32_t>(r / h_.out),
                                 static_cast<int32_t>(r % h_.out));
            },
            std::max<int64_t>(1, gemm::kMinMacsPerThread / 4 / rowMacs));
    }

    template <typename In, typename Acc>
    void row(const In* input, const RuntimeTensor* bias, RuntimeTensor& output, Acc* acc, int32_t b,
             int32_t oy) const {
        const int64_t c = channels_, oc = outChannels_, mult = multiplier_;
        const int32_t zero =
            scheme_ == Scheme::Hybrid ? hybrid_.rows[static_cast<size_t>(b)].offset : inputZeroPoint_;
        const In* image = input + static_cast<int64_t>(b) * h_.in * w_.in * c;
        const int16_t* weights = weights_.data();
        // 8-bit outputs are requantized a row at a time; the others pixel by pixel.
        const bool wholeRow = sizeof(In) == 1 && scheme_ != Scheme::Hybrid;
        Acc* const rowAcc = acc;
        for (int32_t ox = 0; ox < w_.out; ++ox) {
            acc = wholeRow ? rowAcc + static_cast<int64_t>(ox) * oc : rowAcc;
#ifdef __AVX512BW__
            if constexpr (sizeof(In) == 1) {
                if (mult == 1) {
                    pixelVector(image, acc, zero, oy, ox);
                    if (!wholeRow) finishPixel<In, Acc>(bias, output, acc, b, oy, ox);
                    continue;
                }
            }
#endif
            for (int64_t i = 0; i < oc; ++i)
                acc[i] = 0;
            for (int32_t ky = 0; ky < h_.filter; ++ky) {
                const int32_t iy = oy * h_.stride - h_.pad + ky * h_.dilation;
                if (iy < 0 || iy >= h_.in) continue;
                for (int32_t kx = 0; kx < w_.filter; ++kx) {
                    const int32_t ix = ox * w_.stride - w_.pad + kx * w_.dilation;
                    if (ix < 0 || ix >= w_.in) continue;
                    const In* x = image + (static_cast<int64_t>(iy) * w_.in + ix) * c;
                    const int16_t* w = weights + (static_cast<int64_t>(ky) * w_.filter + kx) * oc;
                    if (mult == 1) {
                        for (int64_t i = 0; i < oc; ++i)
                            acc[i] += static_cast<Acc>(static_cast<int32_t>(x[i]) - zero) * w[i];
                    } else {
                        for (int64_t ic = 0; ic < c; ++ic) {
                            const Acc xv = static_cast<Acc>(static_cast<int32_t>(x[ic]) - zero);
                            for (int64_t m = 0; m < mult; ++m)
                                acc[ic * mult + m] += xv * w[ic * mult + m];
                        }
                    }
                }
            }
            if (!wholeRow) finishPixel<In, Acc>(bias, output, acc, b, oy, ox);
        }
        if constexpr (sizeof(In) == 1) {
            if (wholeRow)
                qgemm::requantizeRows(rowAcc, oc, colAdd_.data(), nullptr, w_.out, oc, requant_,
                                      output.data + (static_cast<int64_t>(b) * h_.out + oy) * w_.out * oc,
                                      oc);
        }
    }

    // Bias, scaling and the store of one output pixel's sums.
    template <typename In, typename Acc>
    void finishPixel(const RuntimeTensor* bias, RuntimeTensor& output, const Acc* acc, int32_t b, int32_t oy,
                     int32_t ox) const {
        const int64_t oc = outChannels_;
        const int64_t base = ((static_cast<int64_t>(b) * h_.out + oy) * w_.out + ox) * oc;
        if (scheme_ == Scheme::Hybrid) {
            const float scale = hybrid_.rows[static_cast<size_t>(b)].scale;
            const float* fbias = bias ? bias->as<float>() : nullptr;
            float* out = output.as<float>() + base;
            for (int64_t i = 0; i < oc; ++i) {
                float v = static_cast<float>(acc[i]) * (filterScales_[static_cast<size_t>(i)] * scale);
                if (fbias) v += fbias[i];
                out[i] = std::min(std::max(v, clamp_.lo), clamp_.hi);
            }
            return;
        }
        if constexpr (sizeof(In) == 1) {
            qgemm::requantizeRow(acc, colAdd_.data(), 0, oc, requant_, output.data + base);
        } else {
            for (int64_t i = 0; i < oc; ++i) {
                const Acc total = acc[i] + static_cast<Acc>(biasAt(bias, i));
                output.as<int16_t>()[base + i] = static_cast<int16_t>(
                    requantize(total, multipliers_[static_cast<size_t>(i)], outputZeroPoint_, range_));
            }
        }
    }

#ifdef __AVX512BW__
    // One output pixel's sums for byte inputs and depth multiplier 1, 64 channels at a time in registers.
    // Weights are stored as int32 lanes holding an int16 with a zero top half, so that vpmaddwd of them and
    // the input minus its zero point is an exact 32-bit product.
    void pixelVector(const void* imageBytes, int32_t* acc, int32_t zero, int32_t oy, int32_t ox) const {
        const auto* image = static_cast<const uint8_t*>(imageBytes);
        const int64_t c = channels_;
        int32_t kyLo = 0, kyHi = h_.filter, kxLo = 0, kxHi = w_.filter;
        const int32_t iy0 = oy * h_.stride - h_.pad, ix0 = ox * w_.stride - w_.pad;
        while (kyLo < kyHi && iy0 + kyLo * h_.dilation < 0)
            ++kyLo;
        while (kyHi > kyLo && iy0 + (kyHi - 1) * h_.dilation >= h_.in)
            --kyHi;
        while (kxLo < kxHi && ix0 + kxLo * w_.dilation < 0)
            ++kxLo;
        while (kxHi > kxLo && ix0 + (kxHi - 1) * w_.dilation >= w_.in)
            --kxHi;
        const bool isSigned = scheme_ != Scheme::UInt8;
        const __m512i z = _mm512_set1_epi32(zero);
        const int32_t* weights = weights32_.data();
        const Taps taps{image, weights, acc, z, iy0, ix0, kyLo, kyHi, kxLo, kxHi, isSigned};
        int64_t ch = 0;
        for (; ch + 64 <= c; ch += 64)
            channelBlock<4>(taps, ch);
        switch ((c - ch + 15) / 16) {
            case 3:
                channelBlock<3>(taps, ch);
                break;
            case 2:
                channelBlock<2>(taps, ch);
                break;
            case 1:
                channelBlock<1>(taps, ch);
                break;
            default:
                break;
        }
    }

    struct Taps {
        const uint8_t* image;
        const int32_t* weights;
        int32_t* acc;
        __m512i zero;
        int32_t iy0, ix0, kyLo, kyHi, kxLo, kxHi;
        bool isSigned;
    };

    // Channels [ch, ch + 16 NV) of one pixel (the last vector masked to the channels left).
    template <int NV>
    void channelBlock(const Taps& t, int64_t ch) const {
        const int64_t c = channels_;
        __m512i sum[NV];
        __mmask16 mask[NV];
        for (int v = 0; v < NV; ++v) {
            sum[v] = _mm512_setzero_si512();
            const int64_t left = c - ch - v * 16;
            mask[v] = left >= 16 ? static_cast<__mmask16>(0xFFFF) : static_cast<__mmask16>((1u << left) - 1u);
        }
        for (int32_t ky = t.kyLo; ky < t.kyHi; ++ky) {
            const uint8_t* line = t.image + (static_cast<int64_t>(t.iy0 + ky * h_.dilation) * w_.in) * c;
            for (int32_t kx = t.kxLo; kx < t.kxHi; ++kx) {
                const uint8_t* x = line + static_cast<int64_t>(t.ix0 + kx * w_.dilation) * c + ch;
                const int32_t* w = t.weights + (static_cast<int64_t>(ky) * w_.filter + kx) * c + ch;
                for (int v = 0; v < NV; ++v) {
                    const __m128i bytes = _mm_maskz_loadu_epi8(mask[v], x + v * 16);
                    const __m512i xv =
                        _mm512_sub_epi32(t.isSigned ? _mm512_maskz_cvtepi8_epi32(mask[v], bytes)
                                                    : _mm512_maskz_cvtepu8_epi32(mask[v], bytes),
                                         t.zero);
                    sum[v] = _mm512_add_epi32(
                        sum[v], _mm512_madd_epi16(xv, _mm512_maskz_loadu_epi32(mask[v], w + v * 16)));
                }
            }
        }
        for (int v = 0; v < NV; ++v)
            _mm512_mask_storeu_epi32(t.acc + ch + v * 16, mask[v], sum[v]);
    }
#endif

    Scheme scheme_ = Scheme::Int8;
    int32_t batch_ = 0, channels_ = 0, outChannels_ = 0, multiplier_ = 1;
    Axis h_, w_;
    std::vector<int16_t> weights_;
    std::vector<int32_t> weights32_;
    std::vector<int32_t> colAdd_;  // the bias, read at each eval
    qgemm::Requantization requant_;
    std::vector<QuantizedMultiplier> multipliers_;
    QuantizedRange range_;
    int32_t inputZeroPoint_ = 0, outputZeroPoint_ = 0;
    size_t slotBytes_ = 0;
    int scratch_ = -1;
    HybridInput hybrid_;
    std::vector<float> filterScales_;
    ActivationRange clamp_;
};

// ---------------------------------------------------------------------------------------------------------
// TRANSPOSE_CONV
// ---------------------------------------------------------------------------------------------------------

class QuantizedTransposeConv : public OpKernel {
  public:
    Status prepare(OpContext& ctx) override {
        LS_ENSURE(ctx,
                  (ctx.inputCount() == 3 || ctx.inputCount() == 4) && ctx.hasInput(0) && ctx.hasInput(1) &&
                      ctx.hasInput(2),
                  "needs output shape, weights, input and an optional bias");
        const RuntimeTensor& shape = ctx.input(0);
        const RuntimeTensor& weights = ctx.input(1);
        const RuntimeTensor& input = ctx.input(2);
        const RuntimeTensor& output = ctx.output(0);
        LS_RETURN_IF_ERROR(schemeOf(ctx, input, weights, output, scheme_));
        if (scheme_ == Scheme::Hybrid) return ctx.unsupportedType("filter", weights.type);
        LS_ENSURE(ctx, input.shape.rank() == 4 && weights.shape.rank() == 4,
                  "input and weights must have rank 4");
        LS_ENSURE(ctx, shape.type == TensorType::Int32 && shape.elementCount() == 4,
                  "output shape must be 4 INT32 values");
        const auto* o = ctx.options<fb::TransposeConvOptions>();
        padding_ = o ? o->padding() : fb::Padding::SAME;
        strideH_ = o ? o->stride_h() : 0;
        strideW_ = o ? o->stride_w() : 0;
        LS_ENSURE(ctx, strideH_ >= 1 && strideW_ >= 1, "strides must be at least 1");
        batch_ = input.shape[0];
        inH_ = input.shape[1];
        inW_ = input.shape[2];
        inC_ = input.shape[3];
        outC_ = weights.shape[0];
        kH_ = weights.shape[1];
        kW_ = weights.shape[2];
        LS_ENSURE(ctx, weights.shape[3] == inC_ && kH_ >= 1 && kW_ >= 1 && outC_ >= 1,
                  "weights " + weights.shape.toString() + " do not match the input's " +
                      std::to_string(inC_) + " channels");
        LS_RETURN_IF_ERROR(checkChannelScales(ctx, weights, outC_, 0));
        LS_RETURN_IF_ERROR(checkBias(ctx, 3, scheme_, outC_));
        multipliers_ = multipliersFor(scheme_, input, weights, output, outC_);
        const fb::ActivationFunctionType activation =
            o ? o->fused_activation_function() : fb::ActivationFunctionType::NONE;
        range_ = quantizedActivationRange(activation, output.type, output.scale(), output.zeroPoint());
        inputZeroPoint_ = input.zeroPoint();
        outputZeroPoint_ = output.zeroPoint();
        filterZeroPoint_ = scheme_ == Scheme::UInt8 ? weights.zeroPoint() : 0;
        // An output shape known only at eval gets scratch for the larger of the shape the file declares and
        // the largest one SAME or VALID padding can produce from this input.
        int64_t elements =
            std::max<int64_t>(output.model ? output.model->elementCount : 0,
                              static_cast<int64_t>(batch_) * (static_cast<int64_t>(inH_) * strideH_ + kH_) *
                                  (static_cast<int64_t>(inW_) * strideW_ + kW_) * outC_);
        if (gemm::knownAtPrepare(shape)) {
            LS_RETURN_IF_ERROR(resize(ctx, shape));
            elements = static_cast<int64_t>(batch_) * outH_ * outW_ * outC_;
        } else {
            ctx.markOutputDynamic(0);
        }
        scratchElements_ = elements;
        scratch_ = ctx.requestScratch(static_cast<size_t>(std::max<int64_t>(elements, 1)) * sizeof(int64_t));
        return Status::ok();
    }

    Status eval(OpContext& ctx) override {
        if (ctx.output(0).allocation == Allocation::Dynamic) {
            LS_RETURN_IF_ERROR(resize(ctx, ctx.input(0)));
            // TFLite takes the shape as given; an empty output has nothing to compute.
            if (ctx.output(0).elementCount() == 0) return Status::ok();
            LS_ENSURE(ctx, outputMatches_ && ctx.output(0).elementCount() <= scratchElements_,
                      "output shape " + ctx.output(0).shape.toString() + " does not fit batch " +
                          std::to_string(batch_) + ", " + std::to_string(outC_) +
                          " channels and the declared output size");
        }
        switch (scheme_) {
            case Scheme::Int8:
                run<int8_t, int8_t>(ctx);
                break;
            case Scheme::UInt8:
                run<uint8_t, uint8_t>(ctx);
                break;
            case Scheme::Int16:
                run<int16_t, int8_t>(ctx);
                break;
            case Scheme::Hybrid:
                break;
        }
        return Status::ok();
    }

  private:
    Status resize(OpContext& ctx, const RuntimeTensor& shape) {
        const int32_t* s = shape.as<int32_t>();
        outputMatches_ = s[0] == batch_ && s[3] == outC_ && s[1] >= 0 && s[2] >= 0;
        const bool empty = s[0] == 0 || s[1] == 0 || s[2] == 0 || s[3] == 0;
        if (!empty)
            LS_ENSURE(ctx, outputMatches_,
                      "output shape [" + std::to_string(s[0]) + "," + std::to_string(s[1]) + "," +
                          std::to_string(s[2]) + "," + std::to_string(s[3]) + "] does not match batch " +
                          std::to_string(batch_) + " and " + std::to_string(outC_) + " output channels");
        LS_ENSURE(ctx, s[0] >= 0 && s[1] >= 0 && s[2] >= 0 && s[3] >= 0, "output shape has a negative size");
        outH_ = s[1];
        outW_ = s[2];
        Axis h{outH_, kH_, strideH_, 1, 0, 0}, w{outW_, kW_, strideW_, 1, 0, 0};
        LS_ENSURE(ctx, computeAxis(padding_, h) && computeAxis(padding_, w), "invalid padding");
        padH_ = h.pad;
        padW_ = w.pad;
        return ctx.resizeOutput(0, Shape{s[0], s[1], s[2], s[3]});
    }

    // Scatters each input pixel's products into int64 sums (exact for every scheme), then requantizes.
    template <typename In, typename W>
    void run(OpContext& ctx) {
        const In* input = ctx.input(2).as<In>();
        const W* weights = ctx.input(1).as<W>();
        const RuntimeTensor* bias = ctx.hasInput(3) ? &ctx.input(3) : nullptr;
        auto* acc = reinterpret_cast<int64_t*>(ctx.scratch(scratch_));
        const int64_t elements = static_cast<int64_t>(batch_) * outH_ * outW_ * outC_;
        std::fill(acc, acc + elements, int64_t{0});
        const int64_t ic = inC_;
        for (int64_t b = 0; b < batch_; ++b)
            for (int32_t iy = 0; iy < inH_; ++iy)
                for (int32_t ix = 0; ix < inW_; ++ix) {
                    const In* x = input + ((b * inH_ + iy) * inW_ + ix) * ic;
                    for (int32_t ky = 0; ky < kH_; ++ky) {
                        const int32_t oy = iy * strideH_ - padH_ + ky;
                        if (oy < 0 || oy >= outH_) continue;
                        for (int32_t kx = 0; kx < kW_; ++kx) {
                            const int32_t ox = ix * strideW_ - padW_ + kx;
                            if (ox < 0 || ox >= outW_) continue;
                            int64_t* o = acc + ((b * outH_ + oy) * outW_ + ox) * outC_;
                            for (int64_t oc = 0; oc < outC_; ++oc) {
                                const W* w = weights + ((oc * kH_ + ky) * kW_ + kx) * ic;
                                int64_t sum = 0;
                                for (int64_t j = 0; j < ic; ++j)
                                    sum +=
                                        static_cast<int64_t>(static_cast<int32_t>(x[j]) - inputZeroPoint_) *
                                        (static_cast<int32_t>(w[j]) - filterZeroPoint_);
                                o[oc] += sum;
                            }
                        }
                    }
                }
        RuntimeTensor& output = ctx.output(0);
        for (int64_t i = 0; i < elements; ++i) {
            const int64_t oc = i % outC_;
            const int64_t total = acc[i] + biasAt(bias, oc);
            int32_t v;
            if constexpr (sizeof(In) == 2)
                v = requantize(total, multipliers_[static_cast<size_t>(oc)], outputZeroPoint_, range_);
            else
                v = requantize(static_cast<int32_t>(total), multipliers_[static_cast<size_t>(oc)],
                               outputZeroPoint_, range_);
            output.as<In>()[i] = static_cast<In>(v);
        }
    }

    Scheme scheme_ = Scheme::Int8;
    fb::Padding padding_ = fb::Padding::SAME;
    bool outputMatches_ = true;
    int64_t scratchElements_ = 0;
    int32_t strideH_ = 1, strideW_ = 1;
    int32_t batch_ = 0, inH_ = 0, inW_ = 0, inC_ = 0, outC_ = 0, kH_ = 0, kW_ = 0;
    int32_t outH_ = 0, outW_ = 0, padH_ = 0, padW_ = 0;
    std::vector<QuantizedMultiplier> multipliers_;
    QuantizedRange range_;
    int32_t inputZeroPoint_ = 0, outputZeroPoint_ = 0, filterZeroPoint_ = 0;
    int scratch_ = -1;
};

}  // namespace

std::unique_ptr<OpKernel> makeConv2D() {
    return std::make_unique<QuantizedConv2D>();
}
std::unique_ptr<OpKernel> makeDepthwiseConv2D() {
    return std::make_unique<QuantizedDepthwiseConv2D>();
}
std::unique_ptr<OpKernel> makeTransposeConv() {
    return std::make_unique<QuantizedTransposeConv>();
}

}  // namespace litescope::kernels::qconv

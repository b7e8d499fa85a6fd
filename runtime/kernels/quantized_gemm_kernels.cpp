// Quantized FULLY_CONNECTED and BATCH_MATMUL: int8 (INT4 weights unpacked at prepare), the legacy uint8
// scheme, int16 activations with int8 weights, and hybrid float inputs with int8 weights quantized per row
// on the fly. FULLY_CONNECTED's int8, uint8 and hybrid products run on the packed integer GEMM.
#include <atomic>
#include <cstring>
#include <vector>

#include "runtime/kernels/gemm.h"
#include "runtime/kernels/kernel_util.h"
#include "runtime/kernels/quantized_conv.h"
#include "runtime/kernels/quantized_conv_util.h"
#include "runtime/kernels/quantized_gemm.h"
#include "runtime/thread_pool.h"

namespace litescope::kernels::qconv {
namespace {

// Int16W8: int16 activations times int8 weights with an int16 result (BATCH_MATMUL of models quantized
// "a16w8"; newer than TFLite 2.8, so defined from the format: real = scale * (q - zero_point) on each side,
// weights per tensor or per output column).
enum class Scheme : uint8_t { Int8, UInt8, Int16, Int16W8, Hybrid };

// The per-tensor scale TFLite's loader exposes as the tensor's legacy parameters: 0 unless exactly one.
float legacyScale(const RuntimeTensor& t) {
    return t.quantization().scale.size() == 1 ? t.quantization().scale[0] : 0.f;
}

inline int64_t biasAt(const RuntimeTensor* bias, int64_t c) {
    if (!bias) return 0;
    return bias->type == TensorType::Int64 ? bias->as<int64_t>()[c]
                                           : static_cast<int64_t>(bias->as<int32_t>()[c]);
}

class QuantizedFullyConnected : public OpKernel {
  public:
    Status prepare(OpContext& ctx) override {
        LS_ENSURE(ctx, (ctx.inputCount() == 2 || ctx.inputCount() == 3) && ctx.hasInput(0) && ctx.hasInput(1),
                  "needs input, weights and an optional bias");
        const auto* o = ctx.options<fb::FullyConnectedOptions>();
        LS_ENSURE(ctx, !o || o->weights_format() == fb::FullyConnectedOptionsWeightsFormat::DEFAULT,
                  "only the DEFAULT weights format is supported");
        LS_ENSURE(ctx, ctx.outputCount() == 1, "DEFAULT weights format has one output");
        const RuntimeTensor& input = ctx.input(0);
        const RuntimeTensor& weights = ctx.input(1);
        const RuntimeTensor& output = ctx.output(0);
        const TensorType in = input.type, w = weights.type, out = output.type;
        const bool int8Weights = w == TensorType::Int8 || w == TensorType::Int4;
        if (in == TensorType::Int8 && int8Weights && out == TensorType::Int8)
            scheme_ = Scheme::Int8;
        else if (in == TensorType::UInt8 && w == TensorType::UInt8 && out == TensorType::UInt8)
            scheme_ = Scheme::UInt8;
        else if (in == TensorType::Int16 && int8Weights && out == TensorType::Int16)
            scheme_ = Scheme::Int16;
        else if (in == TensorType::Float32 && int8Weights && out == TensorType::Float32)
            scheme_ = Scheme::Hybrid;
        else if (!int8Weights && w != TensorType::UInt8)
            return ctx.unsupportedType("weights", w);
        else if (in != TensorType::Int8 && in != TensorType::UInt8 && in != TensorType::Int16 &&
                 in != TensorType::Float32)
            return ctx.unsupportedType("input", in);
        else
            return ctx.unsupportedType("output", out);
        LS_ENSURE(ctx, !weights.model->sparsity, "sparse weights need DENSIFY first");
        LS_ENSURE(ctx, weights.shape.rank() == 2,
                  "weights must have rank 2, have shape " + weights.shape.toString());
        LS_ENSURE(ctx, weights.quantization().hasAffine(), "quantized weights have no scale");
        if (scheme_ != Scheme::Hybrid)
            LS_ENSURE(ctx, input.scale() > 0.f && output.scale() > 0.f,
                      "quantized input and output need a scale");
        units_ = weights.shape[0];
        depth_ = weights.shape[1];
        LS_ENSURE(ctx, depth_ > 0 && units_ > 0, "weights shape " + weights.shape.toString() + " is empty");
        const QuantizationParams& wq = weights.quantization();
        if (wq.isPerChannel())
            LS_ENSURE(ctx, static_cast<int64_t>(wq.scale.size()) == units_,
                      "weights have " + std::to_string(wq.scale.size()) + " scales for " +
                          std::to_string(units_) + " units");
        batch_ = input.elementCount() / depth_;
        if (ctx.hasInput(2)) {
            const RuntimeTensor& bias = ctx.input(2);
            const bool ok = scheme_ == Scheme::Hybrid ? bias.type == TensorType::Float32
                            : scheme_ == Scheme::Int16
                                ? (bias.type == TensorType::Int64 || bias.type == TensorType::Int32)
                                : bias.type == TensorType::Int32;
            if (!ok) return ctx.unsupportedType("bias", bias.type);
            LS_ENSURE(ctx, bias.elementCount() == units_,
                      "bias has " + std::to_string(bias.elementCount()) + " elements for " +
                          std::to_string(units_) + " units");
        }
        const fb::ActivationFunctionType activation =
            o ? o->fused_activation_function() : fb::ActivationFunctionType::NONE;
        activation_ = activation;
        Shape outShape;
        if (o && o->keep_num_dims()) {
            LS_ENSURE(ctx, input.shape.rank() >= 1 && input.shape[input.shape.rank() - 1] == depth_,
                      "keep_num_dims needs the input's last dimension (" + input.shape.toString() +
                          ") to equal " + std::to_string(depth_));
            outShape = input.shape;
            outShape[outShape.rank() - 1] = units_;
        } else {
            outShape = Shape{static_cast<int32_t>(batch_), units_};
        }
        LS_RETURN_IF_ERROR(ctx.resizeOutput(0, outShape));

        if (scheme_ == Scheme::Hybrid) {
            clamp_ = activationRange(activation);
            asymmetric_ = o && o->asymmetric_quantize_inputs();
            rowQuant_.assign(static_cast<size_t>(batch_), {});
            // As for the integer schemes, TFLite 2.8 scales hybrid products by the per-tensor scale alone (0
            // for per-channel weights, which leaves the bias).
            filterScale_ = legacyScale(weights);
        } else {
            // TFLite 2.8's FULLY_CONNECTED reads only the per-tensor scale, which its loader leaves at 0 for
            // per-channel weights: the multiplier is then 0 and every output the zero point (clamped).
            multipliers_.assign(static_cast<size_t>(units_),
                                productMultiplier(input.scale(), legacyScale(weights), output.scale()));
            range_ = quantizedActivationRange(activation, output.type, output.scale(), output.zeroPoint());
            inputZeroPoint_ = input.zeroPoint();
            outputZeroPoint_ = output.zeroPoint();
            filterZeroPoint_ = scheme_ == Scheme::UInt8 ? weights.zeroPoint() : 0;
        }

        LS_ENSURE(ctx, gemm::knownAtPrepare(weights), "quantized weights must be constant");
        const int64_t count = static_cast<int64_t>(units_) * depth_;
        if (w == TensorType::Int4) {
            unpacked_ = unpackInt4(weights.data, count);
        } else if (w == TensorType::Int8) {
            unpacked_.assign(weights.as<int8_t>(), weights.as<int8_t>() + count);
        }
        if (scheme_ == Scheme::Int16) return Status::ok();
        if (scheme_ == Scheme::UInt8)
            packed_.packRows(weights.as<uint8_t>(), depth_, units_, -128);
        else
            packed_.packRows(unpacked_.data(), depth_, units_);
        unpacked_.clear();
        unpacked_.shrink_to_fit();
        colBase_.assign(static_cast<size_t>(units_), 0);
        const int32_t* sums = packed_.columnSums();
        for (int64_t c = 0; c < units_; ++c) {
            const auto sc = static_cast<size_t>(c);
            if (scheme_ == Scheme::UInt8)
                colBase_[sc] = -inputZeroPoint_ * sums[c] +
                               static_cast<int32_t>(depth_) * inputZeroPoint_ * (filterZeroPoint_ - 128);
            else if (scheme_ == Scheme::Int8)
                colBase_[sc] = -(128 + inputZeroPoint_) * sums[c];
            else
                colBase_[sc] = -128 * sums[c];
        }
        rowCoef_ = scheme_ == Scheme::UInt8 ? 128 - filterZeroPoint_ : 0;
        colAdd_.assign(static_cast<size_t>(units_), 0);
        if (scheme_ != Scheme::Hybrid)
            requant_.set(multipliers_, scheme_ == Scheme::Int8, scheme_ == Scheme::UInt8, outputZeroPoint_,
                         range_);
        const int64_t kp = packed_.paddedK(), np = packed_.paddedN();
        const int threads = ctx.threads().size();
        tiles_ = qgemm::TilePlan::make(batch_, kp, np, threads, 64 * 1024, 256);
        scratch_ = ctx.requestScratch(tiles_.slotBytes * static_cast<size_t>(threads));
        return Status::ok();
    }

    Status eval(OpContext& ctx) override {
        if (scheme_ == Scheme::Int16) {
            evalInt16(ctx);
            return Status::ok();
        }
        if (batch_ == 0) return Status::ok();
        const RuntimeTensor* bias = ctx.hasInput(2) ? &ctx.input(2) : nullptr;
        if (scheme_ != Scheme::Hybrid)
            for (int64_t u = 0; u < units_; ++u)
                colAdd_[static_cast<size_t>(u)] =
                    colBase_[static_cast<size_t>(u)] + static_cast<int32_t>(biasAt(bias, u));
        uint8_t* scratch = ctx.scratch(scratch_);
        const int64_t tiles = (batch_ + tiles_.tileRows - 1) / tiles_.tileRows;
        std::atomic<int> slot{0};
        const int64_t tileMacs = std::max<int64_t>(1, tiles_.tileRows * depth_ * units_);
        ctx.threads().parallelFor(
            tiles,
            [&](int64_t begin, int64_t end) {
                uint8_t* mine = scratch + static_cast<size_t>(slot.fetch_add(1)) * tiles_.slotBytes;
                for (int64_t t = begin; t < end; ++t)
                    runTile(ctx, t, bias, mine);
            },
            std::max<int64_t>(1, gemm::kMinMacsPerThread / tileMacs));
        return Status::ok();
    }

  private:
    void runTile(OpContext& ctx, int64_t tile, const RuntimeTensor* bias, uint8_t* slot) {
        const int64_t row0 = tile * tiles_.tileRows, rows = std::min(tiles_.tileRows, batch_ - row0);
        const int64_t kp = packed_.paddedK(), np = packed_.paddedN(), n = units_, k = depth_;
        uint8_t* a = tiles_.a(slot);
        int32_t* c = tiles_.acc(slot);
        int32_t* rowSums = tiles_.rowSums(slot);
        const RuntimeTensor& input = ctx.input(0);
        for (int64_t i = 0; i < rows; ++i) {
            uint8_t* row = a + i * kp;
            const int64_t r = row0 + i;
            if (scheme_ == Scheme::Hybrid) {
                auto* q = reinterpret_cast<int8_t*>(row);
                const float* x = input.as<float>() + r * k;
                rowQuant_[static_cast<size_t>(r)] =
                    asymmetric_ ? quantizeAsymmetric(x, k, q) : quantizeSymmetric(x, k, q);
                for (int64_t j = 0; j < k; ++j)
                    row[j] = static_cast<uint8_t>(row[j] ^ 0x80u);
            } else if (scheme_ == Scheme::Int8) {
                const uint8_t* x = input.data + r * k;
                for (int64_t j = 0; j < k; ++j)
                    row[j] = static_cast<uint8_t>(x[j] ^ 0x80u);
                rowSums[i] = 0;
            } else {
                std::memcpy(row, input.data + r * k, static_cast<size_t>(k));
                int32_t sum = 0;
                for (int64_t j = 0; j < k; ++j)
                    sum += row[j];
                rowSums[i] = sum;
            }
            if (kp > k) std::memset(row + k, 0, static_cast<size_t>(kp - k));
        }
        qgemm::gemmU8S8(rows, a, kp, packed_, c, np);
        RuntimeTensor& output = ctx.output(0);
        if (scheme_ == Scheme::Hybrid) {
            const float* fbias = bias ? bias->as<float>() : nullptr;
            const int32_t* sums = packed_.columnSums();
            for (int64_t i = 0; i < rows; ++i) {
                const RowQuantization& rq = rowQuant_[static_cast<size_t>(row0 + i)];
                const int32_t* ci = c + i * np;
                float* o = output.as<float>() + (row0 + i) * n;
                for (int64_t u = 0; u < n; ++u) {
                    const int32_t acc = ci[u] + colBase_[static_cast<size_t>(u)] - rq.offset * sums[u];
                    const float scale = rq.scale * filterScale_;
                    const float v = (fbias ? fbias[u] : 0.f) + static_cast<float>(acc) * scale;
                    o[u] = applyActivation(v, activation_, clamp_);
                }
            }
            return;
        }
        if (rowCoef_ != 0)
            for (int64_t i = 0; i < rows; ++i)
                rowSums[i] *= rowCoef_;
        qgemm::requantizeRows(c, np, colAdd_.data(), rowCoef_ != 0 ? rowSums : nullptr, rows, n, requant_,
                              output.data + row0 * n, n);
    }

    void evalInt16(OpContext& ctx) const {
        const int16_t* input = ctx.input(0).as<int16_t>();
        const RuntimeTensor* bias = ctx.hasInput(2) ? &ctx.input(2) : nullptr;
        int16_t* out = ctx.output(0).as<int16_t>();
        const int8_t* w = unpacked_.data();
        for (int64_t b = 0; b < batch_; ++b)
            for (int64_t u = 0; u < units_; ++u) {
                int64_t acc = 0;
                const int16_t* x = input + b * depth_;
                const int8_t* wu = w + u * depth_;
                for (int64_t j = 0; j < depth_; ++j)
                    acc += static_cast<int64_t>(wu[j]) * (x[j] - inputZeroPoint_);
                acc += biasAt(bias, u);
                out[b * units_ + u] = static_cast<int16_t>(
                    requantize(acc, multipliers_[static_cast<size_t>(u)], outputZeroPoint_, range_));
            }
    }

    Scheme scheme_ = Scheme::Int8;
    int64_t batch_ = 0;
    int32_t units_ = 0, depth_ = 0;
    fb::ActivationFunctionType activation_ = fb::ActivationFunctionType::NONE;
    std::vector<QuantizedMultiplier> multipliers_;
    QuantizedRange range_;
    int32_t inputZeroPoint_ = 0, outputZeroPoint_ = 0, filterZeroPoint_ = 0;
    std::vector<int8_t> unpacked_;  // int16 scheme: the weights as int8
    qgemm::PackedInt8 packed_;
    std::vector<int32_t> colBase_;
    std::vector<int32_t> colAdd_;  // colBase_ plus the bias, refreshed at each eval
    qgemm::Requantization requant_;
    int32_t rowCoef_ = 0;
    qgemm::TilePlan tiles_;
    int scratch_ = -1;
    // Hybrid only.
    bool asymmetric_ = false;
    std::vector<RowQuantization> rowQuant_;
    float filterScale_ = 0.f;
    ActivationRange clamp_;
};

// ---------------------------------------------------------------------------------------------------------
// BATCH_MATMUL
// ---------------------------------------------------------------------------------------------------------

class QuantizedBatchMatMul : public OpKernel {
  public:
    Status prepare(OpContext& ctx) override {
        LS_ENSURE(ctx, ctx.inputCount() == 2 && ctx.hasInput(0) && ctx.hasInput(1), "needs two inputs");
        const RuntimeTensor& lhs = ctx.input(0);
        const RuntimeTensor& rhs = ctx.input(1);
        const RuntimeTensor& output = ctx.output(0);
        if (lhs.type == TensorType::Int8 && rhs.type == TensorType::Int8 && output.type == TensorType::Int8)
            scheme_ = Scheme::Int8;
        else if (lhs.type == TensorType::Int16 && rhs.type == TensorType::Int16 &&
                 output.type == TensorType::Int16)
            scheme_ = Scheme::Int16;
        else if (lhs.type == TensorType::Int16 && rhs.type == TensorType::Int8 &&
                 output.type == TensorType::Int16)
            scheme_ = Scheme::Int16W8;
        else if (lhs.type == TensorType::Float32 && rhs.type == TensorType::Int8 &&
                 output.type == TensorType::Float32)
            scheme_ = Scheme::Hybrid;
        else if (lhs.type != TensorType::Int8 && lhs.type != TensorType::Int16 &&
                 lhs.type != TensorType::Float32)
            return ctx.unsupportedType("lhs", lhs.type);
        else if (rhs.type != TensorType::Int8 && rhs.type != TensorType::Int16)
            return ctx.unsupportedType("rhs", rhs.type);
        else
            return ctx.unsupportedType("output", output.type);
        LS_RETURN_IF_ERROR(dims_.prepare(ctx));
        const auto* o = ctx.options<fb::BatchMatMulOptions>();
        if (scheme_ == Scheme::Hybrid) {
            LS_ENSURE(ctx, rhs.quantization().hasAffine(), "quantized rhs has no scale");
            rhsScale_ = rhs.scale();
            asymmetric_ = o && o->asymmetric_quantize_inputs();
            scratch_ = ctx.requestScratch(static_cast<size_t>(dims_.k) * (sizeof(float) + 1));
        } else if (scheme_ == Scheme::Int16W8) {
            LS_ENSURE(ctx, lhs.scale() > 0.f && output.scale() > 0.f && rhs.quantization().hasAffine(),
                      "quantized operands need scales");
            // Weights may carry one scale per output column (the n dimension of rhs).
            const QuantizationParams& rq = rhs.quantization();
            const int32_t rr = rhs.shape.rank();
            const int32_t nDim = dims_.adjY ? rr - 2 : rr - 1;
            LS_ENSURE(ctx,
                      rq.scale.size() == 1 ||
                          (static_cast<int32_t>(rq.scale.size()) == dims_.n && rq.quantizedDimension == nDim),
                      "rhs has " + std::to_string(rq.scale.size()) + " scales along dimension " +
                          std::to_string(rq.quantizedDimension) + "; expected 1 or one per output column");
            columnMultipliers_.resize(static_cast<size_t>(dims_.n));
            for (int32_t j = 0; j < dims_.n; ++j) {
                const float ws = rq.scale[rq.scale.size() == 1 ? 0 : static_cast<size_t>(j)];
                LS_ENSURE(ctx, ws > 0.f, "rhs scales must be positive");
                columnMultipliers_[static_cast<size_t>(j)] =
                    quantizeMultiplier(static_cast<double>(lhs.scale()) * static_cast<double>(ws) /
                                       static_cast<double>(output.scale()));
            }
            range_ = quantizedRange(output.type);
            lhsZero_ = lhs.zeroPoint();
            rhsZero_ = rhs.zeroPoint();
            outZero_ = output.zeroPoint();
        } else {
            LS_ENSURE(ctx, lhs.scale() > 0.f && rhs.scale() > 0.f && output.scale() > 0.f,
                      "quantized operands need scales");
            multiplier_ = productMultiplier(lhs.scale(), rhs.scale(), output.scale());
            columnMultipliers_.clear();
            range_ = quantizedRange(output.type);
            lhsZero_ = lhs.zeroPoint();
            rhsZero_ = rhs.zeroPoint();
            outZero_ = output.zeroPoint();
        }
        return Status::ok();
    }

    Status eval(OpContext& ctx) override {
        switch (scheme_) {
            case Scheme::Int8:
                run<int8_t, int8_t, int32_t>(ctx);
                break;
            case Scheme::Int16:
                run<int16_t, int16_t, int64_t>(ctx);
                break;
            case Scheme::Int16W8:
                run<int16_t, int8_t, int64_t>(ctx);
                break;
            case Scheme::Hybrid:
                runHybrid(ctx);
                break;
            case Scheme::UInt8:
                break;
        }
        return Status::ok();
    }

  private:
    // Element (i, j) of lhs (m x k) and (j, c) of rhs (k x n) through the adjoint flags.
    int64_t lhsAt(int64_t i, int64_t j) const { return dims_.adjX ? j * dims_.m + i : i * dims_.k + j; }
    int64_t rhsAt(int64_t j, int64_t c) const { return dims_.adjY ? c * dims_.k + j : j * dims_.n + c; }

    // TL x TR -> TL with an Acc accumulator. int8 runs on TFLite's GEMM (ruy's rounding), int16 on its
    // reference loop; a16w8 weights may carry one multiplier per output column.
    template <typename TL, typename TR, typename Acc>
    void run(OpContext& ctx) const {
        const TL* lhs = ctx.input(0).as<TL>();
        const TR* rhs = ctx.input(1).as<TR>();
        TL* out = ctx.output(0).as<TL>();
        const int64_t batches = dims_.outBatch.elementCount(), m = dims_.m, k = dims_.k, n = dims_.n;
        for (int64_t bi = 0; bi < batches; ++bi) {
            int64_t li = 0, ri = 0;
            dims_.batchOffsets(bi, li, ri);
            const TL* a = lhs + li * m * k;
            const TR* b = rhs + ri * k * n;
            TL* c = out + bi * m * n;
            for (int64_t i = 0; i < m; ++i)
                for (int64_t j = 0; j < n; ++j) {
                    Acc acc = 0;
                    for (int64_t p = 0; p < k; ++p)
                        acc += static_cast<Acc>(static_cast<int32_t>(a[lhsAt(i, p)]) - lhsZero_) *
                               static_cast<Acc>(static_cast<int32_t>(b[rhsAt(p, j)]) - rhsZero_);
                    if constexpr (sizeof(TL) == 1) {
                        c[i * n + j] = static_cast<TL>(requantizeHalfUp(acc, multiplier_, outZero_, range_));
                    } else {
                        const QuantizedMultiplier mj = columnMultipliers_.empty()
                                                           ? multiplier_
                                                           : columnMultipliers_[static_cast<size_t>(j)];
                        c[i * n + j] = static_cast<TL>(requantize(acc, mj, outZero_, range_));
                    }
                }
        }
    }

    void runHybrid(OpContext& ctx) {
        const float* lhs = ctx.input(0).as<float>();
        const int8_t* rhs = ctx.input(1).as<int8_t>();
        float* out = ctx.output(0).as<float>();
        uint8_t* scratch = ctx.scratch(scratch_);
        auto* gathered = reinterpret_cast<float*>(scratch);
        auto* q = reinterpret_cast<int8_t*>(scratch + static_cast<size_t>(dims_.k) * sizeof(float));
        const int64_t batches = dims_.outBatch.elementCount(), m = dims_.m, k = dims_.k, n = dims_.n;
        for (int64_t bi = 0; bi < batches; ++bi) {
            int64_t li = 0, ri = 0;
            dims_.batchOffsets(bi, li, ri);
            const float* a = lhs + li * m * k;
            const int8_t* b = rhs + ri * k * n;
            float* c = out + bi * m * n;
            for (int64_t i = 0; i < m; ++i) {
                const float* x = a + i * k;
                if (dims_.adjX) {
                    // A row of a transposed lhs is strided: gathered first.
                    for (int64_t p = 0; p < k; ++p)
                        gathered[p] = a[p * m + i];
                    x = gathered;
                }
                const RowQuantization rq =
                    asymmetric_ ? quantizeAsymmetric(x, k, q) : quantizeSymmetric(x, k, q);
                const float scale = rq.scale * rhsScale_;
                for (int64_t j = 0; j < n; ++j) {
                    int32_t acc = 0, wsum = 0;
                    for (int64_t p = 0; p < k; ++p) {
                        const int32_t w = b[rhsAt(p, j)];
                        acc += static_cast<int32_t>(q[p]) * w;
                        wsum += w;
                    }
                    acc -= rq.offset * wsum;
                    c[i * n + j] = static_cast<float>(acc) * scale;
                }
            }
        }
    }

    Scheme scheme_ = Scheme::Int8;
    BatchMatMulShape dims_;
    bool asymmetric_ = false;
    QuantizedMultiplier multiplier_;
    std::vector<QuantizedMultiplier> columnMultipliers_;  // Int16W8
    QuantizedRange range_;
    int32_t lhsZero_ = 0, rhsZero_ = 0, outZero_ = 0;
    float rhsScale_ = 0.f;
    int scratch_ = -1;
};

}  // namespace

std::unique_ptr<OpKernel> makeFullyConnected() {
    return std::make_unique<QuantizedFullyConnected>();
}
std::unique_ptr<OpKernel> makeBatchMatMul() {
    return std::make_unique<QuantizedBatchMatMul>();
}

}  // namespace litescope::kernels::qconv

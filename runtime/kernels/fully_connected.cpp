// Matrix products on float tensors: FULLY_CONNECTED (DEFAULT weights format, optional bias, keep_num_dims)
// and BATCH_MATMUL (adj_x, adj_y, broadcast batch dimensions), both on the packed SGEMM of gemm.h. Nodes with
// integer operands (quantized and hybrid) are handed to quantized_gemm_kernels.cpp.
#include <atomic>
#include <cstring>

#include "runtime/interpreter.h"
#include "runtime/kernel_registry.h"
#include "runtime/kernels/gemm.h"
#include "runtime/kernels/kernel_util.h"
#include "runtime/kernels/quantized_conv.h"
#include "runtime/thread_pool.h"

namespace litescope::kernels {
namespace {

// Nodes whose operands are not both float run the quantized kernels; true when this node does.
bool routeQuantized(OpContext& ctx, std::unique_ptr<OpKernel>& quantized,
                    std::unique_ptr<OpKernel> (*make)()) {
    const bool isFloat =
        !ctx.hasInput(0) || !ctx.hasInput(1) ||
        (ctx.input(0).type == TensorType::Float32 && ctx.input(1).type == TensorType::Float32);
    if (isFloat) {
        quantized.reset();
        return false;
    }
    if (!quantized) quantized = make();
    return true;
}

class FullyConnectedKernel : public OpKernel {
  public:
    Status prepare(OpContext& ctx) override {
        usesDequantized_ = false;
        if (isBlockwiseWeights(ctx)) {
            LS_RETURN_IF_ERROR(dequantizeBlockwise(ctx));
            usesDequantized_ = true;
        } else if (routeQuantized(ctx, quantized_, qconv::makeFullyConnected)) {
            return quantized_->prepare(ctx);
        }
        LS_ENSURE(ctx, (ctx.inputCount() == 2 || ctx.inputCount() == 3) && ctx.hasInput(0) && ctx.hasInput(1),
                  "needs input, weights and an optional bias");
        const auto* o = ctx.options<fb::FullyConnectedOptions>();
        LS_ENSURE(
            ctx, !o || o->weights_format() == fb::FullyConnectedOptionsWeightsFormat::DEFAULT,
            "only the DEFAULT weights format is supported (shuffled formats are for quantized weights)");
        LS_ENSURE(ctx, ctx.outputCount() == 1, "DEFAULT weights format has one output");
        const RuntimeTensor& input = ctx.input(0);
        const RuntimeTensor& weights = usesDequantized_ ? dequantized_ : ctx.input(1);
        if (input.type != TensorType::Float32) return ctx.unsupportedType("input", input.type);
        if (weights.type != TensorType::Float32) return ctx.unsupportedType("weights", weights.type);
        if (ctx.output(0).type != TensorType::Float32)
            return ctx.unsupportedType("output", ctx.output(0).type);
        LS_ENSURE(ctx, !weights.model->sparsity, "sparse weights need DENSIFY first");
        LS_ENSURE(ctx, weights.shape.rank() == 2,
                  "weights must have rank 2, have shape " + weights.shape.toString());
        units_ = weights.shape[0];
        depth_ = weights.shape[1];
        LS_ENSURE(ctx, depth_ > 0, "weights have no input dimension");
        // As in TFLite, the input is read as rows of `depth_` values; any remainder is ignored.
        batch_ = input.elementCount() / depth_;
        if (ctx.hasInput(2)) {
            const RuntimeTensor& bias = ctx.input(2);
            if (bias.type != TensorType::Float32) return ctx.unsupportedType("bias", bias.type);
            LS_ENSURE(ctx, bias.elementCount() == units_,
                      "bias has " + std::to_string(bias.elementCount()) + " elements for " +
                          std::to_string(units_) + " units");
        }
        // TFLite's float kernels clamp for the RELU family only; other fused activations are left unapplied.
        const ActivationRange r =
            activationRange(o ? o->fused_activation_function() : fb::ActivationFunctionType::NONE);
        clamp_ = {nullptr, r.lo, r.hi};
        Shape out;
        if (o && o->keep_num_dims()) {
            LS_ENSURE(ctx, input.shape.rank() >= 1 && input.shape[input.shape.rank() - 1] == depth_,
                      "keep_num_dims needs the input's last dimension (" + input.shape.toString() +
                          ") to equal " + std::to_string(depth_));
            out = input.shape;
            out[out.rank() - 1] = units_;
        } else {
            out = Shape{static_cast<int32_t>(batch_), units_};
        }
        LS_RETURN_IF_ERROR(ctx.resizeOutput(0, out));
        // Weights [units, depth]: B (depth x units) is their transpose.
        return weights_.prepare(ctx, weights, {depth_, units_, 1, 0, 1, depth_}, gemm::activeIsa());
    }

    Status eval(OpContext& ctx) override {
        if (quantized_) return quantized_->eval(ctx);
        weights_.evalPrepare(ctx, usesDequantized_ ? dequantized_ : ctx.input(1));
        gemm::Epilogue e = clamp_;
        e.bias = ctx.hasInput(2) ? ctx.input(2).as<float>() : nullptr;
        gemm::sgemmParallel(ctx.threads(), batch_, ctx.input(0).as<float>(), depth_, weights_.group(0),
                            ctx.output(0).as<float>(), units_, e);
        return Status::ok();
    }

  private:
    // Blockwise-quantized weights (int4 or int8, one scale per block of `blockSize` inputs, scales and zero
    // points in their own tensors), newer than TFLite 2.8: dequantized once, by the format's definition
    // real = scale * (q - zero_point), and run as float weights.
    static bool isBlockwiseWeights(OpContext& ctx) {
        if (!ctx.hasInput(0) || !ctx.hasInput(1)) return false;
        const RuntimeTensor& w = ctx.input(1);
        return ctx.input(0).type == TensorType::Float32 &&
               (w.type == TensorType::Int4 || w.type == TensorType::Int8) &&
               w.quantization().detailsKind == "BlockwiseQuantization";
    }

    Status dequantizeBlockwise(OpContext& ctx) {
        const RuntimeTensor& w = ctx.input(1);
        const QuantizationParams& q = w.quantization();
        LS_ENSURE(ctx, w.isConstant() && w.shape.rank() == 2, "blockwise weights must be a constant matrix");
        const int64_t rows = w.shape[0], cols = w.shape[1], block = q.blockSize;
        LS_ENSURE(ctx, block > 0 && cols % block == 0,
                  "block size " + std::to_string(block) + " does not divide the " + std::to_string(cols) +
                      " weight columns");
        const int64_t blocks = cols / block;
        const Subgraph& sg = ctx.subgraph().model();
        auto side = [&](int32_t index) -> const Tensor* {
            return index >= 0 && static_cast<size_t>(index) < sg.tensors.size()
                       ? &sg.tensors[static_cast<size_t>(index)]
                       : nullptr;
        };
        const Tensor* scales = side(q.blockScalesTensor);
        const Tensor* zeros = side(q.blockZeroPointsTensor);
        LS_ENSURE(ctx, scales && scales->isConstant() && scales->elementCount == rows * blocks,
                  "blockwise weights need a constant scales tensor of " + std::to_string(rows * blocks) +
                      " elements");
        LS_ENSURE(ctx, scales->type == TensorType::Float32 || scales->type == TensorType::Float16,
                  "blockwise scales must be FLOAT32 or FLOAT16");
        LS_ENSURE(ctx,
                  !zeros || (zeros->isConstant() && zeros->elementCount == rows * blocks &&
                             (zeros->type == TensorType::Int32 || zeros->type == TensorType::Int8)),
                  "blockwise zero points must be a constant INT32 or INT8 tensor like the scales");
        auto scaleAt = [&](int64_t i) {
            if (scales->type == TensorType::Float32) {
                float v;
                std::memcpy(&v, scales->data.data() + i * 4, 4);
                return v;
            }
            uint16_t h;
            std::memcpy(&h, scales->data.data() + i * 2, 2);
            return halfToFloat(h);
        };
        auto zeroAt = [&](int64_t i) -> int32_t {
            if (!zeros) return 0;
            if (zeros->type == TensorType::Int8)
                return static_cast<int8_t>(zeros->data[static_cast<size_t>(i)]);
            int32_t v;
            std::memcpy(&v, zeros->data.data() + i * 4, 4);
            return v;
        };
        dequantizedValues_.resize(static_cast<size_t>(rows * cols));
        const uint8_t* raw = w.data;
        for (int64_t r = 0; r < rows; ++r)
            for (int64_t c = 0; c < cols; ++c) {
                const int64_t i = r * cols + c;
                int32_t v;
                if (w.type == TensorType::Int4) {
                    // Two per byte, low nibble first, sign-extended.
                    const int32_t nibble = (raw[i / 2] >> ((i % 2) * 4)) & 0xf;
                    v = nibble >= 8 ? nibble - 16 : nibble;
                } else {
                    v = static_cast<int8_t>(raw[i]);
                }
                const int64_t b = r * blocks + c / block;
                dequantizedValues_[static_cast<size_t>(i)] = scaleAt(b) * static_cast<float>(v - zeroAt(b));
            }
        dequantized_ = RuntimeTensor{};
        dequantized_.model = w.model;
        dequantized_.type = TensorType::Float32;
        dequantized_.shape = w.shape;
        dequantized_.data = reinterpret_cast<uint8_t*>(dequantizedValues_.data());
        dequantized_.bytes = dequantizedValues_.size() * sizeof(float);
        dequantized_.allocation = Allocation::Constant;
        quantized_.reset();
        return Status::ok();
    }

    bool usesDequantized_ = false;
    std::vector<float> dequantizedValues_;
    RuntimeTensor dequantized_;
    std::unique_ptr<OpKernel> quantized_;
    int64_t batch_ = 0;
    int32_t units_ = 0, depth_ = 0;
    gemm::Epilogue clamp_;
    gemm::PackedWeights weights_;
};

class BatchMatMulKernel : public OpKernel {
  public:
    Status prepare(OpContext& ctx) override {
        if (routeQuantized(ctx, quantized_, qconv::makeBatchMatMul)) return quantized_->prepare(ctx);
        LS_ENSURE(ctx, ctx.inputCount() == 2 && ctx.hasInput(0) && ctx.hasInput(1), "needs two inputs");
        const RuntimeTensor& lhs = ctx.input(0);
        const RuntimeTensor& rhs = ctx.input(1);
        if (lhs.type != TensorType::Float32) return ctx.unsupportedType("lhs", lhs.type);
        if (rhs.type != TensorType::Float32) return ctx.unsupportedType("rhs", rhs.type);
        if (ctx.output(0).type != TensorType::Float32)
            return ctx.unsupportedType("output", ctx.output(0).type);
        LS_ENSURE(ctx, !lhs.model->sparsity && !rhs.model->sparsity, "sparse operands need DENSIFY first");
        LS_RETURN_IF_ERROR(dims_.prepare(ctx));

        const gemm::Isa isa = gemm::activeIsa();
        // B for rhs batch b: (k x n), from [k, n] or, with adj_y, [n, k].
        const int64_t rhsStride = static_cast<int64_t>(dims_.k) * dims_.n;
        const int64_t rhsBatches = dims_.rhsBatch.elementCount();
        layout_ = dims_.adjY ? gemm::WeightLayout{dims_.k, dims_.n, rhsBatches, rhsStride, 1, dims_.k}
                             : gemm::WeightLayout{dims_.k, dims_.n, rhsBatches, rhsStride, dims_.n, 1};
        rhsConstant_ = gemm::knownAtPrepare(rhs);
        packedSize_ = gemm::packedBSize(dims_.k, dims_.n, isa);
        isa_ = isa;
        if (rhsConstant_) LS_RETURN_IF_ERROR(constantRhs_.prepare(ctx, rhs, layout_, isa));
        // Per thread: A transposed (adj_x) and B packed (rhs not constant), for one batch at a time.
        slotFloats_ =
            (dims_.adjX ? static_cast<int64_t>(dims_.m) * dims_.k : 0) + (rhsConstant_ ? 0 : packedSize_);
        scratch_ =
            slotFloats_ > 0
                ? ctx.requestScratch(static_cast<size_t>(slotFloats_ * ctx.threads().size()) * sizeof(float))
                : -1;
        return Status::ok();
    }

    Status eval(OpContext& ctx) override {
        if (quantized_) return quantized_->eval(ctx);
        const float* lhs = ctx.input(0).as<float>();
        const float* rhs = ctx.input(1).as<float>();
        float* out = ctx.output(0).as<float>();
        if (rhsConstant_) constantRhs_.evalPrepare(ctx, ctx.input(1));
        float* scratch = scratch_ >= 0 ? reinterpret_cast<float*>(ctx.scratch(scratch_)) : nullptr;
        const int64_t batches = dims_.outBatch.elementCount();
        ThreadPool& threads = ctx.threads();
        // Many batches: one thread per run of batches; few: each product is split over the threads.
        const int64_t batchMacs = std::max<int64_t>(1, static_cast<int64_t>(dims_.m) * dims_.k * dims_.n);
        if (threads.size() > 1 && batches >= threads.size()) {
            std::atomic<int> slot{0};
            threads.parallelFor(
                batches,
                [&](int64_t begin, int64_t end) {
                    float* mine = scratch ? scratch + slot.fetch_add(1) * slotFloats_ : nullptr;
                    for (int64_t i = begin; i < end; ++i)
                        product(ctx, i, lhs, rhs, out, mine, false);
                },
                std::max<int64_t>(1, gemm::kMinMacsPerThread / batchMacs));
        } else {
            for (int64_t i = 0; i < batches; ++i)
                product(ctx, i, lhs, rhs, out, scratch, true);
        }
        return Status::ok();
    }

  private:
    std::unique_ptr<OpKernel> quantized_;
    // Output batch `index`: finds its lhs and rhs batches through the broadcast and multiplies them.
    void product(OpContext& ctx, int64_t index, const float* lhs, const float* rhs, float* out,
                 float* scratch, bool parallel) const {
        int64_t li = 0, ri = 0;
        dims_.batchOffsets(index, li, ri);
        const int64_t m = dims_.m, k = dims_.k, n = dims_.n;
        const float* a = lhs + li * m * k;
        if (dims_.adjX) {
            // The SGEMM reads rows of A in place: transpose [k, m] into [m, k] first.
            for (int64_t i = 0; i < m; ++i)
                for (int64_t j = 0; j < k; ++j)
                    scratch[i * k + j] = a[j * m + i];
            a = scratch;
        }
        gemm::PackedB b;
        if (rhsConstant_) {
            b = constantRhs_.group(ri);
        } else {
            float* packed = scratch + (dims_.adjX ? m * k : 0);
            b = gemm::packB(rhs + ri * layout_.groupOffset, k, n, layout_.rowStride, layout_.colStride,
                            packed, isa_);
        }
        float* c = out + index * m * n;
        if (parallel)
            gemm::sgemmParallel(ctx.threads(), m, a, k, b, c, n, {});
        else
            gemm::sgemm(m, a, k, b, c, n, {});
    }

    BatchMatMulShape dims_;
    gemm::WeightLayout layout_;
    gemm::Isa isa_ = gemm::Isa::Scalar;
    bool rhsConstant_ = false;
    gemm::PackedWeights constantRhs_;
    int64_t packedSize_ = 0, slotFloats_ = 0;
    int scratch_ = -1;
};

}  // namespace

void registerMatmulKernels(KernelRegistry& r) {
    r.add(fb::BuiltinOperator::FULLY_CONNECTED, makeKernel<FullyConnectedKernel>);
    r.add(fb::BuiltinOperator::BATCH_MATMUL, makeKernel<BatchMatMulKernel>);
}

}  // namespace litescope::kernels

// Recurrent kernels: LSTM (one step), UNIDIRECTIONAL_SEQUENCE_LSTM (a sequence, time- or batch-major) and
// SVDF, with TFLite's gate order, optional CIFG, peephole, layer-norm and projection, and the state held in
// the model's variable tensors. Each comes in float, hybrid (float activations, int8 weights, the input
// quantized per row on every step) and integer form (LSTM: TFLite's 8x8_16 scheme; SVDF: int8 with an int16
// state), the integer ones bit-exact with TFLite's portable kernels.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "runtime/interpreter.h"
#include "runtime/kernel_registry.h"
#include "runtime/kernels/fixed_point.h"
#include "runtime/kernels/kernel_util.h"
#include "runtime/kernels/quantized_lstm_util.h"

namespace litescope::kernels {
namespace {

// Input positions of TFLite's LSTM operands.
enum LstmInput : int {
    kInput = 0,
    kInputToInput,
    kInputToForget,
    kInputToCell,
    kInputToOutput,
    kRecurrentToInput,
    kRecurrentToForget,
    kRecurrentToCell,
    kRecurrentToOutput,
    kCellToInput,
    kCellToForget,
    kCellToOutput,
    kInputGateBias,
    kForgetGateBias,
    kCellGateBias,
    kOutputGateBias,
    kProjectionWeights,
    kProjectionBias,
    kOutputState,
    kCellState,
    kInputLayerNorm,
    kForgetLayerNorm,
    kCellLayerNorm,
    kOutputLayerNorm,
};

float sigmoid(float x) {
    return 1.f / (1.f + std::exp(-x));
}

float activate(float x, fb::ActivationFunctionType a) {
    switch (a) {
        case fb::ActivationFunctionType::RELU:
            return std::max(x, 0.f);
        case fb::ActivationFunctionType::RELU6:
            return std::min(std::max(x, 0.f), 6.f);
        case fb::ActivationFunctionType::RELU_N1_TO_1:
            return std::min(std::max(x, -1.f), 1.f);
        case fb::ActivationFunctionType::TANH:
            return std::tanh(x);
        case fb::ActivationFunctionType::SIGN_BIT:
            return std::signbit(x) ? 1.f : 0.f;
        default:
            return x;
    }
}

// out[b][r] += sum_c m[r][c] * v[b][c]
void matVecAccumulate(const float* m, int rows, int cols, const float* v, int batch, float* out) {
    for (int b = 0; b < batch; ++b) {
        const float* vb = v + static_cast<int64_t>(b) * cols;
        float* ob = out + static_cast<int64_t>(b) * rows;
        for (int r = 0; r < rows; ++r) {
            const float* mr = m + static_cast<int64_t>(r) * cols;
            float dot = 0.f;
            for (int c = 0; c < cols; ++c)
                dot += mr[c] * vb[c];
            ob[r] += dot;
        }
    }
}

void meanStddevNormalize(float* v, int size, int batch) {
    for (int b = 0; b < batch; ++b) {
        float* x = v + static_cast<int64_t>(b) * size;
        float sum = 0.f;
        for (int i = 0; i < size; ++i)
            sum += x[i];
        const float mean = sum / static_cast<float>(size);
        float sq = 0.f;
        for (int i = 0; i < size; ++i)
            sq += (x[i] - mean) * (x[i] - mean);
        const float inv = 1.f / std::sqrt(sq / static_cast<float>(size) + 1e-8f);
        for (int i = 0; i < size; ++i)
            x[i] = (x[i] - mean) * inv;
    }
}

class LstmKernel : public OpKernel {
  public:
    explicit LstmKernel(bool sequence) : sequence_(sequence) {}

    Status prepare(OpContext& ctx) override {
        LS_ENSURE(ctx, ctx.inputCount() == 20 || ctx.inputCount() == 24,
                  "expects 20 or 24 inputs, has " + std::to_string(ctx.inputCount()));
        const RuntimeTensor& input = ctx.input(kInput);
        integer_ = input.type == TensorType::Int8;
        // Hybrid: a float input with int8 weights (matrices and peephole), quantized per row on each step.
        hybrid_ =
            !integer_ && ctx.hasInput(kInputToForget) && ctx.input(kInputToForget).type == TensorType::Int8;
        if (!integer_) {
            if (input.type != TensorType::Float32) return ctx.unsupportedType("input", input.type);
            for (int i = kInputToInput; i < ctx.inputCount(); ++i) {
                if (!ctx.hasInput(i)) continue;
                const bool weights = (i >= kInputToInput && i <= kCellToOutput) || i == kProjectionWeights;
                const TensorType want = hybrid_ && weights ? TensorType::Int8 : TensorType::Float32;
                if (ctx.input(i).type != want)
                    return ctx.unsupportedType(("input " + std::to_string(i)).c_str(), ctx.input(i).type);
            }
        }
        if (sequence_) {
            const auto* o = ctx.options<fb::UnidirectionalSequenceLSTMOptions>();
            activation_ = o ? o->fused_activation_function() : fb::ActivationFunctionType::TANH;
            cellClip_ = o ? o->cell_clip() : 0.f;
            projClip_ = o ? o->proj_clip() : 0.f;
            timeMajor_ = o ? o->time_major() : false;
            asymmetric_ = o && o->asymmetric_quantize_inputs();
            LS_ENSURE(ctx, !(o && o->diagonal_recurrent_tensors()),
                      "diagonal recurrent weights are not supported");
            LS_ENSURE(ctx, input.shape.rank() == 3, "input must be rank 3, is " + input.shape.toString());
            maxTime_ = timeMajor_ ? input.shape[0] : input.shape[1];
            batch_ = timeMajor_ ? input.shape[1] : input.shape[0];
        } else {
            const auto* o = ctx.options<fb::LSTMOptions>();
            activation_ = o ? o->fused_activation_function() : fb::ActivationFunctionType::TANH;
            cellClip_ = o ? o->cell_clip() : 0.f;
            projClip_ = o ? o->proj_clip() : 0.f;
            asymmetric_ = o && o->asymmetric_quantize_inputs();
            LS_ENSURE(ctx, !o || o->kernel_type() == fb::LSTMKernelType::FULL,
                      "the BASIC LSTM kernel is not supported");
            LS_ENSURE(ctx, input.shape.rank() == 2, "input must be rank 2, is " + input.shape.toString());
            maxTime_ = 1;
            batch_ = input.shape[0];
        }
        inputSize_ = input.shape[input.shape.rank() - 1];
        LS_ENSURE(ctx, ctx.hasInput(kInputToForget) && ctx.input(kInputToForget).shape.rank() == 2,
                  "input_to_forget_weights must be a matrix");
        cells_ = ctx.input(kInputToForget).shape[0];
        LS_ENSURE(ctx, ctx.input(kInputToForget).shape[1] == inputSize_,
                  "input_to_forget_weights do not match the input size");
        LS_ENSURE(ctx, ctx.hasInput(kRecurrentToForget) && ctx.input(kRecurrentToForget).shape.rank() == 2,
                  "recurrent_to_forget_weights must be a matrix");
        outputs_ = ctx.input(kRecurrentToForget).shape[1];
        cifg_ = !ctx.hasInput(kInputToInput);
        peephole_ = ctx.hasInput(kCellToForget);
        layerNorm_ = ctx.inputCount() == 24 && ctx.hasInput(kForgetLayerNorm);
        projection_ = ctx.hasInput(kProjectionWeights);

        // Every weight's shape, so that eval can trust it.
        auto expectShape = [&](int i, std::initializer_list<int32_t> dims, const char* name) -> Status {
            if (!ctx.hasInput(i)) return Status::ok();
            if (ctx.input(i).shape != Shape(dims))
                return ctx.fail(std::string(name) + " has shape " + ctx.input(i).shape.toString() +
                                ", expected " + Shape(dims).toString());
            return Status::ok();
        };
        const int32_t recurrentIn = outputs_;
        LS_RETURN_IF_ERROR(expectShape(kInputToInput, {cells_, inputSize_}, "input_to_input_weights"));
        LS_RETURN_IF_ERROR(expectShape(kInputToCell, {cells_, inputSize_}, "input_to_cell_weights"));
        LS_RETURN_IF_ERROR(expectShape(kInputToOutput, {cells_, inputSize_}, "input_to_output_weights"));
        LS_RETURN_IF_ERROR(
            expectShape(kRecurrentToInput, {cells_, recurrentIn}, "recurrent_to_input_weights"));
        LS_RETURN_IF_ERROR(
            expectShape(kRecurrentToForget, {cells_, recurrentIn}, "recurrent_to_forget_weights"));
        LS_RETURN_IF_ERROR(expectShape(kRecurrentToCell, {cells_, recurrentIn}, "recurrent_to_cell_weights"));
        LS_RETURN_IF_ERROR(
            expectShape(kRecurrentToOutput, {cells_, recurrentIn}, "recurrent_to_output_weights"));
        for (int i : {kCellToInput, kCellToForget, kCellToOutput})
            LS_RETURN_IF_ERROR(expectShape(i, {cells_}, "peephole weights"));
        for (int i : {kInputGateBias, kForgetGateBias, kCellGateBias, kOutputGateBias})
            LS_RETURN_IF_ERROR(expectShape(i, {cells_}, "gate bias"));
        if (projection_) {
            LS_RETURN_IF_ERROR(expectShape(kProjectionWeights, {outputs_, cells_}, "projection_weights"));
            LS_RETURN_IF_ERROR(expectShape(kProjectionBias, {outputs_}, "projection_bias"));
        } else {
            LS_ENSURE(ctx, outputs_ == cells_,
                      "without projection the output size must equal the cell count");
        }
        if (layerNorm_)
            for (int i : {kInputLayerNorm, kForgetLayerNorm, kCellLayerNorm, kOutputLayerNorm})
                LS_RETURN_IF_ERROR(expectShape(i, {cells_}, "layer norm coefficients"));
        for (int i : {kInputToCell, kInputToOutput, kRecurrentToCell, kRecurrentToOutput, kForgetGateBias,
                      kCellGateBias, kOutputGateBias})
            LS_ENSURE(ctx, ctx.hasInput(i), "input " + std::to_string(i) + " is required");
        if (!cifg_)
            LS_ENSURE(ctx, ctx.hasInput(kRecurrentToInput) && ctx.hasInput(kInputGateBias),
                      "the input gate is incomplete");
        LS_ENSURE(ctx, ctx.hasInput(kOutputState) && ctx.hasInput(kCellState),
                  "the state tensors are required");
        LS_ENSURE(ctx,
                  ctx.input(kOutputState).elementCount() == int64_t{batch_} * outputs_ &&
                      ctx.input(kCellState).elementCount() == int64_t{batch_} * cells_,
                  "the state tensors do not match batch x outputs and batch x cells");

        if (hybrid_) LS_RETURN_IF_ERROR(prepareHybrid(ctx));
        if (integer_) {
            LS_RETURN_IF_ERROR(prepareInteger(ctx));
        } else {
            scratch_ = ctx.requestScratch(sizeof(float) * static_cast<size_t>(batch_) *
                                          (5 * static_cast<size_t>(cells_)));
        }
        Shape out;
        if (sequence_)
            out = timeMajor_ ? Shape{maxTime_, batch_, outputs_} : Shape{batch_, maxTime_, outputs_};
        else
            out = Shape{batch_, outputs_};
        // Version 1 of LSTM also lists scratch, state and output tensors as outputs: the last is the output.
        outputIndex_ = ctx.outputCount() - 1;
        return ctx.resizeOutput(outputIndex_, out);
    }

    Status eval(OpContext& ctx) override {
        if (integer_) return evalInteger(ctx);
        float* scratch = reinterpret_cast<float*>(ctx.scratch(scratch_));
        const size_t gateSize = static_cast<size_t>(batch_) * static_cast<size_t>(cells_);
        float* inputGate = scratch;
        float* forgetGate = scratch + gateSize;
        float* cellGate = scratch + 2 * gateSize;
        float* outputGate = scratch + 3 * gateSize;
        float* hidden = scratch + 4 * gateSize;
        float* outputState = ctx.input(kOutputState).as<float>();
        float* cellState = ctx.input(kCellState).as<float>();
        const float* in = ctx.input(kInput).as<float>();
        float* out = ctx.output(outputIndex_).as<float>();
        auto w = [&](int i) { return ctx.hasInput(i) ? ctx.input(i).as<float>() : nullptr; };

        for (int t = 0; t < maxTime_; ++t) {
            step(ctx, in, t, inputGate, forgetGate, cellGate, outputGate, hidden, outputState, cellState, w);
            for (int b = 0; b < batch_; ++b)
                std::memcpy(out + rowOffset(t, b) * outputs_,
                            outputState + static_cast<int64_t>(b) * outputs_,
                            sizeof(float) * static_cast<size_t>(outputs_));
        }
        return Status::ok();
    }

  private:
    // ---- Hybrid LSTM (float input and state, int8 weights) ----

    Status prepareHybrid(OpContext& ctx) {
        for (auto& sums : rowSums_)
            sums.clear();
        for (int i : {kInputToInput, kInputToForget, kInputToCell, kInputToOutput, kRecurrentToInput,
                      kRecurrentToForget, kRecurrentToCell, kRecurrentToOutput, kProjectionWeights}) {
            if (!ctx.hasInput(i)) continue;
            const RuntimeTensor& t = ctx.input(i);
            const int rows = t.shape.rank() == 2 ? t.shape[0] : 0,
                      cols = t.shape.rank() == 2 ? t.shape[1] : 0;
            LS_ENSURE(ctx, t.isConstant() && t.scale() > 0,
                      "hybrid LSTM weights (input " + std::to_string(i) + ") must be constant with a scale");
            auto& sums = rowSums_[static_cast<size_t>(i)];
            sums.assign(static_cast<size_t>(rows), 0);
            for (int r = 0; r < rows; ++r)
                for (int c = 0; c < cols; ++c)
                    sums[static_cast<size_t>(r)] += t.as<int8_t>()[int64_t{r} * cols + c];
        }
        // TFLite multiplies the int8 peephole weights back to float once per step; the product is the same.
        for (int i : {kCellToInput, kCellToForget, kCellToOutput}) {
            auto& v = peepholeValues_[static_cast<size_t>(i - kCellToInput)];
            v.clear();
            if (!ctx.hasInput(i)) continue;
            const RuntimeTensor& t = ctx.input(i);
            LS_ENSURE(ctx, t.isConstant(), "hybrid LSTM peephole weights must be constant");
            for (int64_t k = 0; k < t.elementCount(); ++k)
                v.push_back(t.scale() * static_cast<float>(t.as<int8_t>()[k]));
        }
        const auto widest = static_cast<size_t>(std::max({inputSize_, outputs_, cells_}));
        quantized_.assign(static_cast<size_t>(batch_) * widest, 0);
        rowQuantization_.assign(static_cast<size_t>(batch_), {});
        return Status::ok();
    }

    // Quantizes `nb` rows of `cols` floats (`stride` apart) for the hybrid products that follow.
    void quantizeRows(const float* v, int nb, int cols, int64_t stride) {
        for (int b = 0; b < nb; ++b)
            rowQuantization_[static_cast<size_t>(b)] =
                q8::quantizeRow(v + b * stride, cols, asymmetric_,
                                quantized_.data() + static_cast<size_t>(b) * static_cast<size_t>(cols));
    }

    // out[b][r] += (sum_c w[r][c] * q[b][c] - rowsum[r] * zp[b]) * (row scale[b] * weight scale), the
    // rows quantized by the last quantizeRows.
    void hybridAccumulate(OpContext& ctx, int weights, int rows, int cols, int nb, float* out) const {
        const RuntimeTensor& t = ctx.input(weights);
        const int8_t* m = t.as<int8_t>();
        const auto& sums = rowSums_[static_cast<size_t>(weights)];
        for (int b = 0; b < nb; ++b) {
            const q8::RowQuantization& rq = rowQuantization_[static_cast<size_t>(b)];
            const float scale = rq.scale * t.scale();
            const int8_t* v = quantized_.data() + static_cast<size_t>(b) * static_cast<size_t>(cols);
            for (int r = 0; r < rows; ++r) {
                const int8_t* row = m + int64_t{r} * cols;
                int32_t dot = 0;
                for (int c = 0; c < cols; ++c)
                    dot += static_cast<int32_t>(row[c]) * static_cast<int32_t>(v[c]);
                dot -= sums[static_cast<size_t>(r)] * rq.zeroPoint;
                out[int64_t{b} * rows + r] += static_cast<float>(dot) * scale;
            }
        }
    }

    bool hybrid_ = false, asymmetric_ = false;
    std::array<std::vector<int32_t>, 24> rowSums_{};
    std::array<std::vector<float>, 3> peepholeValues_{};
    std::vector<int8_t> quantized_;
    std::vector<q8::RowQuantization> rowQuantization_;

    // ---- Integer LSTM (int8 input and weights, int16 cell state), TFLite's 8x8_16 scheme ----

    // One gate's precomputed operands: the zero points folded into per-row biases, the scales into
    // multipliers onto the gate's Q3.12.
    struct IntegerGate {
        const int8_t* inputWeights = nullptr;
        const int8_t* recurrentWeights = nullptr;
        const int16_t* peepholeWeights = nullptr;
        std::vector<int32_t> inputBias, recurrentBias;
        QuantizedMultiplier inputScale, recurrentScale, peepholeScale;
        const int16_t* layerNormWeights = nullptr;
        const int32_t* layerNormBias = nullptr;
        QuantizedMultiplier layerNormScale;
        int32_t varianceGuard = 1;
    };

    Status unsupported(OpContext& ctx, const std::string& what) const {
        return Status(ErrorCode::Unsupported, ctx.fail(what).message());
    }

    Status expectType(OpContext& ctx, int i, TensorType type, const char* name) const {
        if (!ctx.hasInput(i) || ctx.input(i).type == type) return Status::ok();
        return ctx.unsupportedType(name, ctx.input(i).type);
    }

    // Row sums of the weights times `zeroPoint`, plus the bias when given.
    static std::vector<int32_t> foldZeroPoint(const RuntimeTensor& weights, const RuntimeTensor* bias,
                                              int32_t zeroPoint) {
        const int rows = weights.shape[0], cols = weights.shape[1];
        std::vector<int32_t> out(static_cast<size_t>(rows), 0);
        const int8_t* w = weights.as<int8_t>();
        for (int r = 0; r < rows; ++r) {
            int32_t sum = 0;
            for (int c = 0; c < cols; ++c)
                sum += w[int64_t{r} * cols + c];
            out[static_cast<size_t>(r)] = (bias ? bias->as<int32_t>()[r] : 0) + sum * zeroPoint;
        }
        return out;
    }

    Status prepareInteger(OpContext& ctx) {
        for (int i = kInputToInput; i <= kRecurrentToOutput; ++i)
            LS_RETURN_IF_ERROR(expectType(ctx, i, TensorType::Int8, "weights (integer LSTM)"));
        for (int i : {kCellToInput, kCellToForget, kCellToOutput})
            LS_RETURN_IF_ERROR(expectType(ctx, i, TensorType::Int16, "peephole weights (integer LSTM)"));
        for (int i : {kInputGateBias, kForgetGateBias, kCellGateBias, kOutputGateBias, kProjectionBias})
            LS_RETURN_IF_ERROR(expectType(ctx, i, TensorType::Int32, "bias (integer LSTM)"));
        LS_RETURN_IF_ERROR(expectType(ctx, kProjectionWeights, TensorType::Int8, "projection weights"));
        LS_RETURN_IF_ERROR(expectType(ctx, kOutputState, TensorType::Int8, "output state"));
        LS_RETURN_IF_ERROR(expectType(ctx, kCellState, TensorType::Int16, "cell state"));
        const RuntimeTensor& out = ctx.output(ctx.outputCount() - 1);
        if (out.type != TensorType::Int8) return ctx.unsupportedType("output", out.type);
        for (int i : {kInputLayerNorm, kForgetLayerNorm, kCellLayerNorm, kOutputLayerNorm})
            if (layerNorm_ && i < ctx.inputCount())
                LS_RETURN_IF_ERROR(expectType(ctx, i, TensorType::Int16, "layer norm coefficients"));
        const auto& intermediates = ctx.op().intermediates;
        if (intermediates.size() != 5)
            return unsupported(ctx, "integer LSTM needs 5 intermediate tensors (the 8x8_16 scheme), has " +
                                        std::to_string(intermediates.size()));
        for (int i = kInputToInput; i <= kRecurrentToOutput; ++i)
            if (ctx.hasInput(i))
                LS_ENSURE(ctx, ctx.input(i).isConstant(), "integer LSTM weights must be constant");
        for (int i : {kInputGateBias, kForgetGateBias, kCellGateBias, kOutputGateBias, kProjectionBias,
                      kProjectionWeights})
            if (ctx.hasInput(i))
                LS_ENSURE(ctx, ctx.input(i).isConstant(), "integer LSTM operands must be constant");

        const auto& tensors = ctx.subgraph().model().tensors;
        const int32_t hiddenIndex = intermediates[4];
        LS_ENSURE(ctx, hiddenIndex >= 0 && static_cast<size_t>(hiddenIndex) < tensors.size(),
                  "the hidden intermediate tensor is missing");
        const QuantizationParams& hiddenQ = tensors[static_cast<size_t>(hiddenIndex)].quantization;
        LS_ENSURE(ctx, !hiddenQ.scale.empty(), "the hidden intermediate tensor has no quantization");
        const float hiddenScale = hiddenQ.scale[0];
        hiddenZeroPoint_ = hiddenQ.zeroPoint.empty() ? 0 : static_cast<int32_t>(hiddenQ.zeroPoint[0]);

        const RuntimeTensor& input = ctx.input(kInput);
        const RuntimeTensor& outputState = ctx.input(kOutputState);
        const RuntimeTensor& cellState = ctx.input(kCellState);
        LS_ENSURE(ctx, cellState.scale() > 0 && outputState.scale() > 0 && input.scale() > 0,
                  "input, output state and cell state need quantization scales");
        const float log2Cell = std::log(cellState.scale()) * (1.f / std::log(2.f));
        const float roundedLog2 = std::round(log2Cell);
        LS_ENSURE(ctx, std::abs(log2Cell - roundedLog2) < 1e-3f,
                  "the cell state scale must be a power of two, is " + std::to_string(cellState.scale()));
        cellScale_ = static_cast<int>(roundedLog2);
        LS_ENSURE(ctx, cellScale_ <= -9, "the cell state scale must be at most 2^-9");
        outputStateZeroPoint_ = outputState.zeroPoint();
        // TFLite resets INT8 variable tensors to their zero point (not to 0) whenever it allocates tensors,
        // so the first step sees a real zero as the previous output.
        if (outputState.data && !outputState.isConstant())
            std::memset(outputState.data, static_cast<uint8_t>(static_cast<int8_t>(outputStateZeroPoint_)),
                        outputState.bytes);

        quantizedCellClip_ = 0;
        if (cellClip_ > 0)
            quantizedCellClip_ =
                static_cast<int16_t>(std::min(std::max(cellClip_ / cellState.scale(), -32768.f), 32767.f));
        quantizedProjClip_ = 0;
        if (projClip_ > 0 && out.scale() > 0)
            quantizedProjClip_ =
                static_cast<int8_t>(std::min(std::max(projClip_ / out.scale(), -128.f), 127.f));

        // The gates' pre-activations are Q3.12 without layer normalization; with it, the first four
        // intermediate tensors give their scales and the normalization produces the Q3.12.
        const float inputScale = input.scale();
        const float stateScale = outputState.scale();
        auto makeGate = [&](int gate, int inW, int recW, int peep, int bias, int norm) -> Status {
            IntegerGate& g = gates_[static_cast<size_t>(gate)];
            auto gateScale = static_cast<float>(std::pow(2.0, -12));
            if (layerNorm_) {
                const int32_t index = intermediates[static_cast<size_t>(gate)];
                LS_ENSURE(ctx, index >= 0 && static_cast<size_t>(index) < tensors.size(),
                          "intermediate tensor " + std::to_string(gate) + " is missing");
                const QuantizationParams& q = tensors[static_cast<size_t>(index)].quantization;
                LS_ENSURE(ctx, !q.scale.empty() && q.scale[0] > 0,
                          "intermediate tensor " + std::to_string(gate) + " has no quantization");
                gateScale = q.scale[0];
            }
            const RuntimeTensor& wi = ctx.input(inW);
            const RuntimeTensor& wr = ctx.input(recW);
            const RuntimeTensor* gateBias = ctx.hasInput(bias) ? &ctx.input(bias) : nullptr;
            g.inputWeights = wi.as<int8_t>();
            g.recurrentWeights = wr.as<int8_t>();
            // With layer normalization the bias is added after normalizing, not to the products.
            g.inputBias = foldZeroPoint(wi, layerNorm_ ? nullptr : gateBias, -input.zeroPoint());
            g.recurrentBias = foldZeroPoint(wr, nullptr, -outputState.zeroPoint());
            const float effectiveInput = wi.scale() * inputScale / gateScale;
            const float effectiveRecurrent = wr.scale() * stateScale / gateScale;
            g.inputScale = quantizeMultiplier(effectiveInput);
            g.recurrentScale = quantizeMultiplier(effectiveRecurrent);
            g.peepholeWeights = nullptr;
            if (peep >= 0 && peephole_ && ctx.hasInput(peep)) {
                g.peepholeWeights = ctx.input(peep).as<int16_t>();
                // TFLite forms this one in double (std::pow(2, n) is a double).
                const auto effectivePeephole = static_cast<float>(
                    std::pow(2.0, cellScale_) * ctx.input(peep).scale() / static_cast<double>(gateScale));
                g.peepholeScale = quantizeMultiplier(effectivePeephole);
            }
            g.layerNormWeights = nullptr;
            if (layerNorm_) {
                LS_ENSURE(ctx, ctx.hasInput(norm) && gateBias,
                          "layer normalization needs coefficients and a bias for every gate");
                const RuntimeTensor& n = ctx.input(norm);
                g.layerNormWeights = n.as<int16_t>();
                g.layerNormBias = gateBias->as<int32_t>();
                g.layerNormScale = quantizeMultiplier(n.scale());
                // TFLite's guard against a zero variance, 10000 in the coefficients' units.
                g.varianceGuard = std::max(1, static_cast<int32_t>(10000 * n.scale()));
            }
            return Status::ok();
        };
        if (!cifg_)
            LS_RETURN_IF_ERROR(
                makeGate(0, kInputToInput, kRecurrentToInput, kCellToInput, kInputGateBias, kInputLayerNorm));
        LS_RETURN_IF_ERROR(makeGate(1, kInputToForget, kRecurrentToForget, kCellToForget, kForgetGateBias,
                                    kForgetLayerNorm));
        LS_RETURN_IF_ERROR(makeGate(2, kInputToCell, kRecurrentToCell, -1, kCellGateBias, kCellLayerNorm));
        LS_RETURN_IF_ERROR(makeGate(3, kInputToOutput, kRecurrentToOutput, kCellToOutput, kOutputGateBias,
                                    kOutputLayerNorm));

        const auto effectiveHidden =
            static_cast<float>(std::pow(2.0, -15) / static_cast<double>(hiddenScale) * std::pow(2.0, -15));
        hiddenScale_ = quantizeMultiplier(effectiveHidden);
        projectionBias_.clear();
        if (projection_) {
            const RuntimeTensor& pw = ctx.input(kProjectionWeights);
            const float effectiveProjection = pw.scale() * hiddenScale / stateScale;
            projectionScale_ = quantizeMultiplier(effectiveProjection);
            projectionBias_ = foldZeroPoint(
                pw, ctx.hasInput(kProjectionBias) ? &ctx.input(kProjectionBias) : nullptr, hiddenZeroPoint_);
        }
        const size_t gateSize = static_cast<size_t>(batch_) * static_cast<size_t>(cells_);
        scratch_ = ctx.requestScratch(gateSize * (5 * sizeof(int16_t) + 1));
        return Status::ok();
    }

    // rows x cols weights times each batch row of `in`, rescaled and accumulated, saturating, into `out`.
    template <typename T>
    static void matrixAccumulate(const int8_t* in, const int32_t* bias, const int8_t* weights,
                                 QuantizedMultiplier scale, int batch, int cols, int rows,
                                 int32_t outZeroPoint, T* out) {
        constexpr int32_t lo = std::numeric_limits<T>::min(), hi = std::numeric_limits<T>::max();
        for (int b = 0; b < batch; ++b) {
            const int8_t* x = in + int64_t{b} * cols;
            for (int r = 0; r < rows; ++r) {
                const int8_t* w = weights + int64_t{r} * cols;
                int32_t acc = bias[r];
                for (int c = 0; c < cols; ++c)
                    acc += static_cast<int32_t>(x[c]) * static_cast<int32_t>(w[c]);
                acc = multiplyByQuantizedMultiplier(acc, scale);
                acc += outZeroPoint;
                acc += out[int64_t{b} * rows + r];
                out[int64_t{b} * rows + r] = static_cast<T>(std::clamp(acc, lo, hi));
            }
        }
    }

    void integerGate(const IntegerGate& g, const int8_t* input, const int8_t* outputState,
                     const int16_t* cellState, int batch, bool isCell, int16_t* gate) const {
        const size_t n = static_cast<size_t>(batch) * static_cast<size_t>(cells_);
        std::fill_n(gate, n, int16_t{0});
        matrixAccumulate(input, g.inputBias.data(), g.inputWeights, g.inputScale, batch, inputSize_, cells_,
                         0, gate);
        matrixAccumulate(outputState, g.recurrentBias.data(), g.recurrentWeights, g.recurrentScale, batch,
                         outputs_, cells_, 0, gate);
        if (g.peepholeWeights) {
            // TFLite walks the peephole product over n_output values per batch row (not n_cell); kept as is.
            size_t at = 0;
            for (int b = 0; b < batch; ++b) {
                for (int v = 0; v < outputs_; ++v, ++at) {
                    int32_t prod = static_cast<int32_t>(g.peepholeWeights[v]) * cellState[at];
                    prod = multiplyByQuantizedMultiplier(prod, g.peepholeScale);
                    gate[at] = q16::saturate(prod + gate[at]);
                }
            }
        }
        if (g.layerNormWeights)
            for (int b = 0; b < batch; ++b)
                q16::layerNorm(gate + static_cast<size_t>(b) * static_cast<size_t>(cells_), cells_,
                               g.layerNormWeights, g.layerNormBias, g.layerNormScale, g.varianceGuard);
        for (size_t i = 0; i < n; ++i)
            gate[i] = isCell ? q16::tanh(gate[i], 3) : q16::logistic(gate[i], 3);
    }

    // One step over `batch` rows: the state is updated in place and the new output state written to `out`.
    void integerStep(const int8_t* input, int8_t* outputState, int16_t* cellState, int8_t* out, int batch,
                     uint8_t* scratch) const {
        const size_t n = static_cast<size_t>(batch) * static_cast<size_t>(cells_);
        const size_t full = static_cast<size_t>(batch_) * static_cast<size_t>(cells_);
        auto* inputGate = reinterpret_cast<int16_t*>(scratch);
        int16_t* forgetGate = inputGate + full;
        int16_t* cellGate = forgetGate + full;
        int16_t* outputGate = cellGate + full;
        int16_t* cellTanh = outputGate + full;
        auto* hidden = reinterpret_cast<int8_t*>(cellTanh + full);
        if (!cifg_) integerGate(gates_[0], input, outputState, cellState, batch, false, inputGate);
        integerGate(gates_[1], input, outputState, cellState, batch, false, forgetGate);
        integerGate(gates_[2], input, outputState, cellState, batch, true, cellGate);

        // c = f * c + i * g, the input gate 1 - f under CIFG; the forget gate's buffer is reused.
        const int updateShift = 30 + cellScale_;
        for (size_t i = 0; i < n; ++i) {
            cellState[i] = q16::wrap(roundingDivideByPot(int32_t{forgetGate[i]} * cellState[i], 15));
            const int16_t in = cifg_ ? q16::wrap(32767 - forgetGate[i]) : inputGate[i];
            forgetGate[i] = q16::wrap(roundingDivideByPot(int32_t{in} * cellGate[i], updateShift));
            cellState[i] = q16::saturate(int32_t{cellState[i]} + forgetGate[i]);
            if (quantizedCellClip_ > 0)
                cellState[i] = std::clamp<int16_t>(cellState[i], static_cast<int16_t>(-quantizedCellClip_),
                                                   quantizedCellClip_);
        }
        integerGate(gates_[3], input, outputState, cellState, batch, false, outputGate);

        const int cellIntegerBits = 15 + cellScale_;
        for (size_t i = 0; i < n; ++i) {
            cellTanh[i] = q16::tanh(cellState[i], cellIntegerBits);
            int32_t v = multiplyByQuantizedMultiplier(int32_t{outputGate[i]} * cellTanh[i], hiddenScale_);
            // TFLite's portable kernel subtracts the hidden zero point here.
            v -= hiddenZeroPoint_;
            hidden[i] = static_cast<int8_t>(std::clamp(v, -128, 127));
        }
        const size_t stateSize = static_cast<size_t>(batch) * static_cast<size_t>(outputs_);
        if (projection_) {
            std::fill_n(outputState, stateSize, int8_t{0});
            matrixAccumulate(hidden, projectionBias_.data(), projectionWeights_, projectionScale_, batch,
                             cells_, outputs_, outputStateZeroPoint_, outputState);
            if (quantizedProjClip_ > 0)
                for (size_t i = 0; i < stateSize; ++i)
                    outputState[i] = std::clamp<int8_t>(
                        outputState[i], static_cast<int8_t>(-quantizedProjClip_), quantizedProjClip_);
        } else {
            std::memcpy(outputState, hidden, stateSize);
        }
        std::memcpy(out, outputState, stateSize);
    }

    Status evalInteger(OpContext& ctx) {
        uint8_t* scratch = ctx.scratch(scratch_);
        LS_ENSURE(ctx, scratch != nullptr || batch_ == 0 || cells_ == 0, "no scratch memory");
        const int8_t* in = ctx.input(kInput).as<int8_t>();
        int8_t* outputState = ctx.input(kOutputState).as<int8_t>();
        int16_t* cellState = ctx.input(kCellState).as<int16_t>();
        int8_t* out = ctx.output(outputIndex_).as<int8_t>();
        projectionWeights_ = projection_ ? ctx.input(kProjectionWeights).as<int8_t>() : nullptr;
        if (!sequence_ || timeMajor_) {
            // All batch rows advance together, one step per time slice.
            for (int t = 0; t < maxTime_; ++t)
                integerStep(in + int64_t{t} * batch_ * inputSize_, outputState, cellState,
                            out + int64_t{t} * batch_ * outputs_, batch_, scratch);
            return Status::ok();
        }
        for (int b = 0; b < batch_; ++b)
            for (int t = 0; t < maxTime_; ++t)
                integerStep(in + (int64_t{b} * maxTime_ + t) * inputSize_,
                            outputState + int64_t{b} * outputs_, cellState + int64_t{b} * cells_,
                            out + (int64_t{b} * maxTime_ + t) * outputs_, 1, scratch);
        return Status::ok();
    }

    bool integer_ = false;
    std::array<IntegerGate, 4> gates_{};
    QuantizedMultiplier hiddenScale_, projectionScale_;
    std::vector<int32_t> projectionBias_;
    const int8_t* projectionWeights_ = nullptr;
    int32_t hiddenZeroPoint_ = 0, outputStateZeroPoint_ = 0;
    int cellScale_ = 0;
    int16_t quantizedCellClip_ = 0;
    int8_t quantizedProjClip_ = 0;

    // Flat row of (time t, batch b) in the input/output layout.
    int64_t rowOffset(int t, int b) const {
        if (!sequence_) return b;
        return timeMajor_ ? int64_t{t} * batch_ + b : int64_t{b} * maxTime_ + t;
    }

    template <typename W>
    void step(OpContext& ctx, const float* in, int t, float* ig, float* fg, float* cg, float* og,
              float* hidden, float* outputState, float* cellState, W&& w) {
        const int n = cells_;
        const size_t gateSize = static_cast<size_t>(batch_) * static_cast<size_t>(n);
        // Start from the bias, or from zero when layer norm applies the bias after normalising.
        auto init = [&](float* gate, int bias) {
            for (int b = 0; b < batch_; ++b)
                for (int c = 0; c < n; ++c)
                    gate[static_cast<size_t>(b) * static_cast<size_t>(n) + static_cast<size_t>(c)] =
                        layerNorm_ ? 0.f : w(bias)[c];
        };
        if (!cifg_) init(ig, kInputGateBias);
        init(fg, kForgetGateBias);
        init(cg, kCellGateBias);
        init(og, kOutputGateBias);
        // Input contributions, one batch row at a time (rows are strided in a batch-major sequence).
        for (int b = 0; b < batch_; ++b) {
            const float* x = in + rowOffset(t, b) * inputSize_;
            const size_t off = static_cast<size_t>(b) * static_cast<size_t>(n);
            if (hybrid_) {
                quantizeRows(x, 1, inputSize_, inputSize_);
                if (!cifg_) hybridAccumulate(ctx, kInputToInput, n, inputSize_, 1, ig + off);
                hybridAccumulate(ctx, kInputToForget, n, inputSize_, 1, fg + off);
                hybridAccumulate(ctx, kInputToCell, n, inputSize_, 1, cg + off);
                hybridAccumulate(ctx, kInputToOutput, n, inputSize_, 1, og + off);
                continue;
            }
            if (!cifg_) matVecAccumulate(w(kInputToInput), n, inputSize_, x, 1, ig + off);
            matVecAccumulate(w(kInputToForget), n, inputSize_, x, 1, fg + off);
            matVecAccumulate(w(kInputToCell), n, inputSize_, x, 1, cg + off);
            matVecAccumulate(w(kInputToOutput), n, inputSize_, x, 1, og + off);
        }
        if (hybrid_) {
            quantizeRows(outputState, batch_, outputs_, outputs_);
            if (!cifg_) hybridAccumulate(ctx, kRecurrentToInput, n, outputs_, batch_, ig);
            hybridAccumulate(ctx, kRecurrentToForget, n, outputs_, batch_, fg);
            hybridAccumulate(ctx, kRecurrentToCell, n, outputs_, batch_, cg);
            hybridAccumulate(ctx, kRecurrentToOutput, n, outputs_, batch_, og);
        } else {
            if (!cifg_) matVecAccumulate(w(kRecurrentToInput), n, outputs_, outputState, batch_, ig);
            matVecAccumulate(w(kRecurrentToForget), n, outputs_, outputState, batch_, fg);
            matVecAccumulate(w(kRecurrentToCell), n, outputs_, outputState, batch_, cg);
            matVecAccumulate(w(kRecurrentToOutput), n, outputs_, outputState, batch_, og);
        }

        auto finishGate = [&](float* gate, int peepholeWeights, int normCoefficients, int bias, bool isCell) {
            if (peephole_ && peepholeWeights >= 0 && ctx.hasInput(peepholeWeights)) {
                const float* p =
                    hybrid_ ? peepholeValues_[static_cast<size_t>(peepholeWeights - kCellToInput)].data()
                            : w(peepholeWeights);
                for (size_t i = 0; i < gateSize; ++i)
                    gate[i] += p[i % static_cast<size_t>(n)] * cellState[i];
            }
            if (layerNorm_) {
                meanStddevNormalize(gate, n, batch_);
                for (size_t i = 0; i < gateSize; ++i)
                    gate[i] = gate[i] * w(normCoefficients)[i % static_cast<size_t>(n)] +
                              w(bias)[i % static_cast<size_t>(n)];
            }
            for (size_t i = 0; i < gateSize; ++i)
                gate[i] = isCell ? activate(gate[i], activation_) : sigmoid(gate[i]);
        };
        if (!cifg_) finishGate(ig, kCellToInput, kInputLayerNorm, kInputGateBias, false);
        finishGate(fg, kCellToForget, kForgetLayerNorm, kForgetGateBias, false);
        finishGate(cg, -1, kCellLayerNorm, kCellGateBias, true);
        for (size_t i = 0; i < gateSize; ++i) {
            const float inputGate = cifg_ ? 1.f - fg[i] : ig[i];
            float c = fg[i] * cellState[i] + inputGate * cg[i];
            if (cellClip_ > 0) c = std::min(std::max(c, -cellClip_), cellClip_);
            cellState[i] = c;
        }
        finishGate(og, kCellToOutput, kOutputLayerNorm, kOutputGateBias, false);
        for (size_t i = 0; i < gateSize; ++i)
            hidden[i] = og[i] * activate(cellState[i], activation_);

        if (projection_) {
            for (int b = 0; b < batch_; ++b)
                for (int o = 0; o < outputs_; ++o)
                    outputState[int64_t{b} * outputs_ + o] =
                        ctx.hasInput(kProjectionBias) ? w(kProjectionBias)[o] : 0.f;
            if (hybrid_) {
                quantizeRows(hidden, batch_, n, n);
                hybridAccumulate(ctx, kProjectionWeights, outputs_, n, batch_, outputState);
            } else {
                matVecAccumulate(w(kProjectionWeights), outputs_, n, hidden, batch_, outputState);
            }
            if (projClip_ > 0)
                for (int64_t i = 0; i < int64_t{batch_} * outputs_; ++i)
                    outputState[i] = std::min(std::max(outputState[i], -projClip_), projClip_);
        } else {
            std::memcpy(outputState, hidden, sizeof(float) * gateSize);
        }
    }

    bool sequence_;
    fb::ActivationFunctionType activation_ = fb::ActivationFunctionType::TANH;
    float cellClip_ = 0, projClip_ = 0;
    bool timeMajor_ = false, cifg_ = false, peephole_ = false, layerNorm_ = false, projection_ = false;
    int32_t maxTime_ = 1, batch_ = 1, inputSize_ = 0, cells_ = 0, outputs_ = 0;
    int scratch_ = 0;
    int outputIndex_ = 0;
};

class SvdfKernel : public OpKernel {
  public:
    Status prepare(OpContext& ctx) override {
        LS_ENSURE(ctx, ctx.inputCount() == 5, "expects 5 inputs");
        const RuntimeTensor& input = ctx.input(0);
        const RuntimeTensor& feature = ctx.input(1);
        const RuntimeTensor& time = ctx.input(2);
        integer_ = input.type == TensorType::Int8;
        if (integer_) {
            LS_RETURN_IF_ERROR(prepareInteger(ctx));
        } else {
            if (input.type != TensorType::Float32) return ctx.unsupportedType("input", input.type);
            hybrid_ = feature.type == TensorType::Int8;
            if (feature.type != TensorType::Float32 && !hybrid_)
                return ctx.unsupportedType("feature weights", feature.type);
            if (time.type != TensorType::Float32 && !(hybrid_ && time.type == TensorType::Int8))
                return ctx.unsupportedType("time weights", time.type);
        }
        const auto* o = ctx.options<fb::SVDFOptions>();
        rank_ = o ? o->rank() : 1;
        activation_ = o ? o->fused_activation_function() : fb::ActivationFunctionType::NONE;
        LS_ENSURE(ctx, input.shape.rank() == 2 && feature.shape.rank() == 2 && time.shape.rank() == 2,
                  "input, feature and time weights must be matrices");
        batch_ = input.shape[0];
        inputSize_ = input.shape[1];
        filters_ = feature.shape[0];
        memory_ = time.shape[1];
        LS_ENSURE(ctx, rank_ > 0 && filters_ % rank_ == 0,
                  "filter count " + std::to_string(filters_) + " is not a multiple of rank " +
                      std::to_string(rank_));
        units_ = filters_ / rank_;
        LS_ENSURE(ctx, feature.shape[1] == inputSize_, "feature weights do not match the input size");
        LS_ENSURE(ctx, time.shape[0] == filters_, "time weights must be [filters, memory]");
        if (ctx.hasInput(3))
            LS_ENSURE(ctx, ctx.input(3).elementCount() == units_, "bias must have one value per unit");
        LS_ENSURE(ctx, ctx.hasInput(4) && ctx.input(4).elementCount() == int64_t{batch_} * filters_ * memory_,
                  "the state must hold batch x filters x memory values");
        if (hybrid_) LS_RETURN_IF_ERROR(prepareHybrid(ctx, o && o->asymmetric_quantize_inputs()));
        // Float sums, or the integer path's int32 per-filter sums followed by its per-unit sums.
        scratch_ = ctx.requestScratch(sizeof(float) * static_cast<size_t>(batch_) *
                                      (static_cast<size_t>(filters_) + static_cast<size_t>(units_)));
        return ctx.resizeOutput(0, Shape{batch_, units_});
    }

    Status eval(OpContext& ctx) override {
        if (integer_) return evalInteger(ctx);
        const float* x = ctx.input(0).as<float>();
        const float* feature = hybrid_ ? nullptr : ctx.input(1).as<float>();
        const float* time = hybridTime_.empty() ? ctx.input(2).as<float>() : hybridTime_.data();
        const float* bias = ctx.hasInput(3) ? ctx.input(3).as<float>() : nullptr;
        float* state = ctx.input(4).as<float>();  // [batch][filters][memory]
        float* out = ctx.output(0).as<float>();
        float* scratch = reinterpret_cast<float*>(ctx.scratch(scratch_));
        if (hybrid_) hybridFeatures(x, ctx.input(1).as<int8_t>());
        for (int b = 0; b < batch_; ++b) {
            for (int f = 0; f < filters_; ++f) {
                float* s = state + (int64_t{b} * filters_ + f) * memory_;
                // Shift the memory left and put this step's feature activation last.
                std::memmove(s, s + 1, sizeof(float) * static_cast<size_t>(memory_ - 1));
                float dot = 0.f;
                if (hybrid_) {
                    dot = hybridDots_[static_cast<size_t>(b) * static_cast<size_t>(filters_) +
                                      static_cast<size_t>(f)];
                } else {
                    for (int i = 0; i < inputSize_; ++i)
                        dot += feature[int64_t{f} * inputSize_ + i] * x[int64_t{b} * inputSize_ + i];
                }
                s[memory_ - 1] = dot;
                float acc = 0.f;
                for (int m = 0; m < memory_; ++m)
                    acc += s[m] * time[int64_t{f} * memory_ + m];
                scratch[int64_t{b} * filters_ + f] = acc;
            }
            for (int u = 0; u < units_; ++u) {
                float v = bias ? bias[u] : 0.f;
                for (int r = 0; r < rank_; ++r)
                    v += scratch[int64_t{b} * filters_ + int64_t{u} * rank_ + r];
                out[int64_t{b} * units_ + u] = activate(v, activation_);
            }
        }
        return Status::ok();
    }

  private:
    // Hybrid SVDF: int8 feature (and maybe time) weights with a float input, which TFLite quantizes to int8
    // per batch row on every step; the rest runs in float.
    Status prepareHybrid(OpContext& ctx, bool asymmetric) {
        const RuntimeTensor& feature = ctx.input(1);
        const RuntimeTensor& time = ctx.input(2);
        LS_ENSURE(ctx, feature.isConstant() && feature.scale() > 0,
                  "hybrid SVDF needs constant feature weights with a scale");
        asymmetric_ = asymmetric;
        hybridFeatureScale_ = feature.scale();
        const int8_t* w = feature.as<int8_t>();
        rowSums_.assign(static_cast<size_t>(filters_), 0);
        for (int f = 0; f < filters_; ++f)
            for (int i = 0; i < inputSize_; ++i)
                rowSums_[static_cast<size_t>(f)] += w[int64_t{f} * inputSize_ + i];
        hybridTime_.clear();
        if (time.type == TensorType::Int8) {
            LS_ENSURE(ctx, time.isConstant(), "hybrid SVDF needs constant time weights");
            const float scale = time.scale();
            for (int64_t i = 0; i < time.elementCount(); ++i)
                hybridTime_.push_back(static_cast<float>(time.as<int8_t>()[i]) * scale);
        }
        quantizedInput_.assign(static_cast<size_t>(batch_) * static_cast<size_t>(inputSize_), 0);
        hybridDots_.assign(static_cast<size_t>(batch_) * static_cast<size_t>(filters_), 0.f);
        return Status::ok();
    }

    void hybridFeatures(const float* x, const int8_t* w) {
        std::fill(hybridDots_.begin(), hybridDots_.end(), 0.f);
        const int64_t n = int64_t{batch_} * inputSize_;
        if (std::all_of(x, x + n, [](float v) { return v == 0.f; })) return;
        for (int b = 0; b < batch_; ++b) {
            int8_t* q = quantizedInput_.data() + static_cast<size_t>(b) * static_cast<size_t>(inputSize_);
            const q8::RowQuantization rq =
                q8::quantizeRow(x + int64_t{b} * inputSize_, inputSize_, asymmetric_, q);
            const float scale = rq.scale * hybridFeatureScale_;
            for (int f = 0; f < filters_; ++f) {
                const int8_t* row = w + int64_t{f} * inputSize_;
                int32_t dot = 0;
                for (int i = 0; i < inputSize_; ++i)
                    dot += static_cast<int32_t>(row[i]) * static_cast<int32_t>(q[i]);
                dot -= rowSums_[static_cast<size_t>(f)] * rq.zeroPoint;
                hybridDots_[static_cast<size_t>(b) * static_cast<size_t>(filters_) + static_cast<size_t>(f)] =
                    static_cast<float>(dot) * scale;
            }
        }
    }

    bool hybrid_ = false, asymmetric_ = false;
    float hybridFeatureScale_ = 1.f;
    std::vector<int32_t> rowSums_;
    std::vector<float> hybridTime_, hybridDots_;
    std::vector<int8_t> quantizedInput_;

    // TFLite's integer SVDF: int8 input and feature weights, int16 time weights and state, int32 bias.
    Status prepareInteger(OpContext& ctx) {
        const RuntimeTensor& input = ctx.input(0);
        const RuntimeTensor& feature = ctx.input(1);
        const RuntimeTensor& time = ctx.input(2);
        if (feature.type != TensorType::Int8) return ctx.unsupportedType("feature weights", feature.type);
        if (time.type != TensorType::Int16) return ctx.unsupportedType("time weights", time.type);
        if (ctx.hasInput(3) && ctx.input(3).type != TensorType::Int32)
            return ctx.unsupportedType("bias", ctx.input(3).type);
        LS_ENSURE(ctx, ctx.hasInput(4), "the state is required");
        const RuntimeTensor& state = ctx.input(4);
        if (state.type != TensorType::Int16) return ctx.unsupportedType("state", state.type);
        const RuntimeTensor& out = ctx.output(0);
        if (out.type != TensorType::Int8) return ctx.unsupportedType("output", out.type);
        LS_ENSURE(ctx,
                  input.scale() > 0 && feature.scale() > 0 && time.scale() > 0 && state.scale() > 0 &&
                      out.scale() > 0,
                  "every operand needs a quantization scale");
        // Products and quotients of the float scales, as TFLite forms them, then widened.
        const float scale1 = input.scale() * feature.scale() / state.scale();
        const float scale2 = state.scale() * time.scale() / out.scale();
        featureScale_ = quantizeMultiplier(static_cast<double>(scale1));
        outputScale_ = quantizeMultiplier(static_cast<double>(scale2));
        inputZeroPoint_ = input.zeroPoint();
        outputZeroPoint_ = out.zeroPoint();
        return Status::ok();
    }

    Status evalInteger(OpContext& ctx) {
        const int8_t* x = ctx.input(0).as<int8_t>();
        const int8_t* feature = ctx.input(1).as<int8_t>();
        const int16_t* time = ctx.input(2).as<int16_t>();
        const int32_t* bias = ctx.hasInput(3) ? ctx.input(3).as<int32_t>() : nullptr;
        int16_t* state = ctx.input(4).as<int16_t>();  // [batch][filters][memory]
        int8_t* out = ctx.output(0).as<int8_t>();
        auto* filterSums = reinterpret_cast<int32_t*>(ctx.scratch(scratch_));
        int32_t* unitSums = filterSums + int64_t{batch_} * filters_;
        const int64_t stateSize = int64_t{batch_} * filters_ * memory_;
        // The whole state moves left by one element; each filter's newest slot is then overwritten.
        if (stateSize > 1)
            std::memmove(state, state + 1, sizeof(int16_t) * static_cast<size_t>(stateSize - 1));
        for (int b = 0; b < batch_; ++b) {
            const int8_t* xb = x + int64_t{b} * inputSize_;
            for (int f = 0; f < filters_; ++f) {
                const int8_t* w = feature + int64_t{f} * inputSize_;
                int32_t dot = 0;
                for (int i = 0; i < inputSize_; ++i)
                    dot += static_cast<int32_t>(w[i]) * (static_cast<int32_t>(xb[i]) - inputZeroPoint_);
                dot = multiplyByQuantizedMultiplier(dot, featureScale_);
                state[(int64_t{b} * filters_ + f) * memory_ + memory_ - 1] =
                    static_cast<int16_t>(std::clamp(dot, -32768, 32767));
            }
        }
        for (int b = 0; b < batch_; ++b) {
            for (int f = 0; f < filters_; ++f) {
                const int16_t* s = state + (int64_t{b} * filters_ + f) * memory_;
                const int16_t* w = time + int64_t{f} * memory_;
                int32_t dot = 0;
                for (int m = 0; m < memory_; ++m)
                    dot += static_cast<int32_t>(w[m]) * static_cast<int32_t>(s[m]);
                filterSums[int64_t{b} * filters_ + f] = dot;
            }
        }
        for (int64_t i = 0; i < int64_t{batch_} * units_; ++i) {
            int32_t sum = 0;
            for (int r = 0; r < rank_; ++r)
                sum += filterSums[i * rank_ + r];
            unitSums[i] = sum + (bias ? bias[i % units_] : 0);
        }
        for (int64_t i = 0; i < int64_t{batch_} * units_; ++i) {
            const int32_t v = multiplyByQuantizedMultiplier(unitSums[i], outputScale_) + outputZeroPoint_;
            out[i] = static_cast<int8_t>(std::clamp(v, -128, 127));
        }
        return Status::ok();
    }

    bool integer_ = false;
    QuantizedMultiplier featureScale_, outputScale_;
    int32_t inputZeroPoint_ = 0, outputZeroPoint_ = 0;
    int32_t rank_ = 1, batch_ = 0, inputSize_ = 0, filters_ = 0, memory_ = 0, units_ = 0;
    fb::ActivationFunctionType activation_ = fb::ActivationFunctionType::NONE;
    int scratch_ = 0;
};

std::unique_ptr<OpKernel> makeLstm() {
    return std::make_unique<LstmKernel>(false);
}
std::unique_ptr<OpKernel> makeSequenceLstm() {
    return std::make_unique<LstmKernel>(true);
}

}  // namespace

void registerRecurrentKernels(KernelRegistry& r) {
    r.add(fb::BuiltinOperator::LSTM, makeLstm);
    r.add(fb::BuiltinOperator::UNIDIRECTIONAL_SEQUENCE_LSTM, makeSequenceLstm);
    r.add(fb::BuiltinOperator::SVDF, makeKernel<SvdfKernel>);
}

}  // namespace litescope::kernels

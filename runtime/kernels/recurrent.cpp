// Recurrent float kernels: LSTM (one step), UNIDIRECTIONAL_SEQUENCE_LSTM (a sequence, time- or batch-major)
// and SVDF, with TFLite's gate order, optional CIFG, peephole, layer-norm and projection, and the state held
// in the model's variable tensors. Hybrid and integer variants come with the quantized kernels.
#include <cmath>
#include <cstring>

#include "runtime/kernel_registry.h"
#include "runtime/kernels/kernel_util.h"

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
        if (input.type != TensorType::Float32) return ctx.unsupportedType("input", input.type);
        for (int i = kInputToInput; i < ctx.inputCount(); ++i) {
            if (!ctx.hasInput(i)) continue;
            if (ctx.input(i).type != TensorType::Float32)
                return ctx.unsupportedType(
                    ("input " + std::to_string(i) + " (hybrid or integer LSTM)").c_str(), ctx.input(i).type);
        }
        if (sequence_) {
            const auto* o = ctx.options<fb::UnidirectionalSequenceLSTMOptions>();
            activation_ = o ? o->fused_activation_function() : fb::ActivationFunctionType::TANH;
            cellClip_ = o ? o->cell_clip() : 0.f;
            projClip_ = o ? o->proj_clip() : 0.f;
            timeMajor_ = o ? o->time_major() : false;
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

        scratch_ = ctx.requestScratch(sizeof(float) * static_cast<size_t>(batch_) *
                                      (5 * static_cast<size_t>(cells_)));
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
            if (!cifg_) matVecAccumulate(w(kInputToInput), n, inputSize_, x, 1, ig + off);
            matVecAccumulate(w(kInputToForget), n, inputSize_, x, 1, fg + off);
            matVecAccumulate(w(kInputToCell), n, inputSize_, x, 1, cg + off);
            matVecAccumulate(w(kInputToOutput), n, inputSize_, x, 1, og + off);
        }
        if (!cifg_) matVecAccumulate(w(kRecurrentToInput), n, outputs_, outputState, batch_, ig);
        matVecAccumulate(w(kRecurrentToForget), n, outputs_, outputState, batch_, fg);
        matVecAccumulate(w(kRecurrentToCell), n, outputs_, outputState, batch_, cg);
        matVecAccumulate(w(kRecurrentToOutput), n, outputs_, outputState, batch_, og);

        auto finishGate = [&](float* gate, int peepholeWeights, int normCoefficients, int bias, bool isCell) {
            if (peephole_ && peepholeWeights >= 0 && ctx.hasInput(peepholeWeights))
                for (size_t i = 0; i < gateSize; ++i)
                    gate[i] += w(peepholeWeights)[i % static_cast<size_t>(n)] * cellState[i];
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
            matVecAccumulate(w(kProjectionWeights), outputs_, n, hidden, batch_, outputState);
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
        if (input.type != TensorType::Float32) return ctx.unsupportedType("input", input.type);
        if (feature.type != TensorType::Float32)
            return ctx.unsupportedType("weights (hybrid SVDF)", feature.type);
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
        LS_ENSURE(ctx, time.shape[0] == filters_ && time.type == TensorType::Float32,
                  "time weights must be [filters, memory]");
        if (ctx.hasInput(3))
            LS_ENSURE(ctx, ctx.input(3).elementCount() == units_, "bias must have one value per unit");
        LS_ENSURE(ctx, ctx.hasInput(4) && ctx.input(4).elementCount() == int64_t{batch_} * filters_ * memory_,
                  "the state must hold batch x filters x memory values");
        scratch_ =
            ctx.requestScratch(sizeof(float) * static_cast<size_t>(batch_) * static_cast<size_t>(filters_));
        return ctx.resizeOutput(0, Shape{batch_, units_});
    }

    Status eval(OpContext& ctx) override {
        const float* x = ctx.input(0).as<float>();
        const float* feature = ctx.input(1).as<float>();
        const float* time = ctx.input(2).as<float>();
        const float* bias = ctx.hasInput(3) ? ctx.input(3).as<float>() : nullptr;
        float* state = ctx.input(4).as<float>();  // [batch][filters][memory]
        float* out = ctx.output(0).as<float>();
        float* scratch = reinterpret_cast<float*>(ctx.scratch(scratch_));
        for (int b = 0; b < batch_; ++b) {
            for (int f = 0; f < filters_; ++f) {
                float* s = state + (int64_t{b} * filters_ + f) * memory_;
                // Shift the memory left and put this step's feature activation last.
                std::memmove(s, s + 1, sizeof(float) * static_cast<size_t>(memory_ - 1));
                float dot = 0.f;
                for (int i = 0; i < inputSize_; ++i)
                    dot += feature[int64_t{f} * inputSize_ + i] * x[int64_t{b} * inputSize_ + i];
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

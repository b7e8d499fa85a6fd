#include "runtime/delegates/xnnpack_ops.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <sstream>

#include "format/tflite_generated.h"
#include "runtime/interpreter.h"

namespace litescope {

namespace {

using Op = fb::BuiltinOperator;
using Act = fb::ActivationFunctionType;

// The facts every op's check and definition start from.
struct NodeView {
    SubgraphRuntime& sg;
    int32_t index;
    const Operator& op;
    const OperatorCode& code;

    RuntimeTensor& input(size_t i) { return sg.tensor(op.inputs[i]); }
    RuntimeTensor& output(size_t i) { return sg.tensor(op.outputs[i]); }
    bool hasInput(size_t i) const { return i < op.inputs.size() && op.inputs[i] >= 0; }
    Op builtin() const { return static_cast<Op>(code.builtinCode); }
    template <typename T>
    const T* options() const {
        return op.raw ? op.raw->template builtin_options_as<T>() : nullptr;
    }
};

NodeView viewOf(SubgraphRuntime& sg, int32_t node) {
    const Operator& op = sg.model().operators[static_cast<size_t>(node)];
    return {sg, node, op, sg.interpreter().model().operatorCode(op)};
}

bool isStaticTensor(const RuntimeTensor& t) {
    return t.allocation == Allocation::Constant ||
           (t.allocation == Allocation::Persistent && !t.model->isVariable);
}

std::string number(double v) {
    std::ostringstream s;
    s << v;
    return s.str();
}

std::string typeName(TensorType type) {
    return std::string(tensorTypeName(type));
}

std::string shapeText(const RuntimeTensor& t) {
    return t.shape.toString();
}

// A check's verdict: empty when the node passes it, otherwise why it does not.
using Problem = std::string;

#define LS_REFUSE_IF(expr)                                                      \
    do {                                                                        \
        if (Problem why_ = (expr); !why_.empty()) return NodeSupport::no(why_); \
    } while (0)

#define LS_XNN_VALUE(var, expr)      \
    uint32_t var = 0;                \
    do {                             \
        auto _r = (expr);            \
        if (!_r) return _r.status(); \
        var = _r.value();            \
    } while (0)

// XNNPACK's output clamp for a fused activation; false for activations it cannot fuse. TFLite's builtin
// kernels clamp even without an activation, to the finite float range, so an overflow reads FLT_MAX rather
// than inf (which a LOG or DIV further on turns into a very different value): the same bounds here.
bool clampFor(Act activation, float& lo, float& hi) {
    lo = std::numeric_limits<float>::lowest();
    hi = std::numeric_limits<float>::max();
    switch (activation) {
        case Act::NONE:
            return true;
        case Act::RELU:
            lo = 0;
            return true;
        case Act::RELU_N1_TO_1:
            lo = -1, hi = 1;
            return true;
        case Act::RELU6:
            lo = 0, hi = 6;
            return true;
        default:
            return false;
    }
}

Problem activationProblem(Act activation) {
    float lo, hi;
    if (clampFor(activation, lo, hi)) return {};
    return "fused activation " + std::string(fb::EnumNameActivationFunctionType(activation)) +
           " has no XNNPACK clamp";
}

// The element types an op's activations (inputs and outputs that are not weights) may have in this XNNPACK.
enum TypeMask : unsigned { kFloat = 1u, kQInt8 = 2u, kQUInt8 = 4u, kAnyType = 7u };

bool isQuantized8(TensorType t) {
    return t == TensorType::Int8 || t == TensorType::UInt8;
}

// Why `t` cannot be an activation of the node in XNNPACK: its type, or quantization XNNPACK cannot express.
Problem activationTypeProblem(const NodeView& v, const std::string& role, const RuntimeTensor& t,
                              unsigned allowed) {
    const std::string what = role + " is " + typeName(t.type);
    switch (t.type) {
        case TensorType::Float32:
            if (allowed & kFloat) return {};
            return what + ": this XNNPACK runs " + v.code.name + " only on quantized values";
        case TensorType::Int8:
        case TensorType::UInt8: {
            const bool s8 = t.type == TensorType::Int8;
            if (!(allowed & (s8 ? kQInt8 : kQUInt8)))
                return what + ": this XNNPACK has no " + (s8 ? "signed" : "unsigned") + " 8-bit " +
                       v.code.name;
            const QuantizationParams& q = t.quantization();
            if (!q.hasAffine()) return what + " without quantization parameters";
            if (q.isPerChannel())
                return what + " quantized per channel; XNNPACK quantizes activations per tensor";
            if (!(std::isnormal(q.scale[0]) && q.scale[0] > 0))
                return role + " has scale " + number(q.scale[0]) + "; XNNPACK needs a positive normal scale";
            const int64_t zp = q.zeroPoint.empty() ? 0 : q.zeroPoint[0];
            if (zp < (s8 ? -128 : 0) || zp > (s8 ? 127 : 255))
                return role + " has zero point " + std::to_string(zp) + ", outside the " + typeName(t.type) +
                       " range";
            return {};
        }
        case TensorType::Int16:
            return what + ": XNNPACK has no 16-bit integer type";
        case TensorType::Float16:
            return what + ": this delegate takes FLOAT16 only as the input of DEQUANTIZE";
        default:
            return what + ": XNNPACK computes only FLOAT32 and 8-bit quantized values";
    }
}

Problem sameTypeProblem(const RuntimeTensor& in, const RuntimeTensor& out) {
    if (in.type == out.type) return {};
    return "the output is " + typeName(out.type) + " but the input " + typeName(in.type) +
           ": XNNPACK keeps the type";
}

std::string quantText(const RuntimeTensor& t) {
    return "scale " + number(t.scale()) + ", zero point " + std::to_string(t.zeroPoint());
}

// For XNNPACK nodes that move quantized values without requantizing them (max pooling, pad, reshape, clamp,
// resize): input and output must share scale and zero point.
Problem sameQuantizationProblem(const NodeView& v, const RuntimeTensor& in, const RuntimeTensor& out) {
    if (!isQuantized8(in.type)) return {};
    if (in.scale() == out.scale() && in.zeroPoint() == out.zeroPoint()) return {};
    return "the output's quantization (" + quantText(out) + ") differs from the input's (" + quantText(in) +
           "): XNNPACK's " + v.code.name + " does not requantize";
}

// Operand counts, required operands present, and shapes XNNPACK can hold.
Problem operandProblem(NodeView& v, size_t minInputs, size_t maxInputs, size_t outputs) {
    if (v.op.inputs.size() < minInputs || v.op.inputs.size() > maxInputs || v.op.outputs.size() != outputs)
        return v.code.name + " with " + std::to_string(v.op.inputs.size()) + " inputs and " +
               std::to_string(v.op.outputs.size()) + " outputs is not the form XNNPACK maps";
    for (size_t i = 0; i < minInputs; ++i)
        if (v.op.inputs[i] < 0) return "input " + std::to_string(i) + " is omitted";
    for (size_t i = 0; i < outputs; ++i)
        if (v.op.outputs[i] < 0) return "output " + std::to_string(i) + " is omitted";
    auto shapeProblem = [](const std::string& role, const RuntimeTensor& t) -> Problem {
        if (t.shape.rank() > XNN_MAX_TENSOR_DIMS)
            return role + " has " + std::to_string(t.shape.rank()) + " dimensions; XNNPACK takes at most " +
                   std::to_string(XNN_MAX_TENSOR_DIMS);
        if (t.elementCount() == 0) return role + " is empty (shape " + t.shape.toString() + ")";
        return {};
    };
    for (size_t i = 0; i < v.op.inputs.size(); ++i)
        if (v.hasInput(i))
            if (Problem p = shapeProblem("input " + std::to_string(i), v.input(i)); !p.empty()) return p;
    for (size_t i = 0; i < outputs; ++i)
        if (Problem p = shapeProblem("output " + std::to_string(i), v.output(i)); !p.empty()) return p;
    return {};
}

// XNNPACK reads static values in place for the runtime's whole life: they must be constants it can read
// densely.
Problem constantProblem(NodeView& v, size_t i, const std::string& what) {
    if (!v.hasInput(i)) return what + " is missing";
    const RuntimeTensor& t = v.input(i);
    if (!isStaticTensor(t)) return what + " is not a constant";
    if (t.allocation == Allocation::Constant && t.model->sparsity) return what + " is stored sparse";
    return {};
}

// The integer values of a constant index tensor (INT32 or INT64); false for other types.
bool readIndices(const RuntimeTensor& t, std::vector<int64_t>& out) {
    out.clear();
    if (t.type == TensorType::Int32)
        for (int32_t x : t.values<int32_t>())
            out.push_back(x);
    else if (t.type == TensorType::Int64)
        for (int64_t x : t.values<int64_t>())
            out.push_back(x);
    else
        return false;
    return true;
}

std::vector<size_t> dimsOf(const RuntimeTensor& t) {
    std::vector<size_t> dims;
    for (int d = 0; d < t.shape.rank(); ++d)
        dims.push_back(static_cast<size_t>(t.shape[d]));
    return dims;
}

Status defineFailed(const NodeView& v, xnn_status status) {
    return {ErrorCode::Unsupported, "XNNPACK cannot define operator " + std::to_string(v.index) + " (" +
                                        v.code.name + "): " + xnnStatusName(status)};
}

Status checked(const NodeView& v, xnn_status status) {
    return status == xnn_status_success ? Status::ok() : defineFailed(v, status);
}

// ---------------------------------------------------------------------------------------------------------
// Weights of CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED and TRANSPOSE_CONV
// ---------------------------------------------------------------------------------------------------------

struct WeightsSpec {
    size_t input = 0, filter = 1;
    int bias = 2;            // -1: the op has no bias operand
    size_t channelDim = 0;   // where XNNPACK reads per-channel filter scales
    int64_t channels = 0;    // output channels
    bool perChannel = true;  // this XNNPACK has a per-channel (qc8) operator for the op
};

Problem zeroPointsProblem(const std::string& role, const QuantizationParams& q, int64_t expected,
                          const std::string& why) {
    for (size_t c = 0; c < q.zeroPoint.size(); ++c)
        if (q.zeroPoint[c] != expected)
            return role + "'s zero point is " + std::to_string(q.zeroPoint[c]) +
                   (q.zeroPoint.size() > 1 ? " (channel " + std::to_string(c) + ")" : std::string()) + "; " +
                   why;
    return {};
}

Problem scalesProblem(const std::string& role, const QuantizationParams& q) {
    for (float s : q.scale)
        if (!(std::isnormal(s) && s > 0))
            return role + " has scale " + number(s) + "; XNNPACK needs positive normal scales";
    return {};
}

// Why the filter and bias cannot go to XNNPACK for this input type: XNNPACK's quantized paths take signed
// weights with zero point 0, per tensor or per output channel, or unsigned weights per tensor, and int32
// biases quantized as their filter.
Problem weightsProblem(NodeView& v, const WeightsSpec& w) {
    const RuntimeTensor& in = v.input(w.input);
    const RuntimeTensor& filter = v.input(w.filter);
    const bool hasBias = w.bias >= 0 && v.hasInput(static_cast<size_t>(w.bias));
    if (Problem p = constantProblem(v, w.filter, "the filter"); !p.empty()) return p;
    if (hasBias)
        if (Problem p = constantProblem(v, static_cast<size_t>(w.bias), "the bias"); !p.empty()) return p;
    const RuntimeTensor* bias = hasBias ? &v.input(static_cast<size_t>(w.bias)) : nullptr;
    switch (in.type) {
        case TensorType::Float32:
            if (filter.type != TensorType::Float32)
                return "the filter is " + typeName(filter.type) +
                       " with a FLOAT32 input: XNNPACK has no hybrid (dynamic-range quantized) " +
                       v.code.name;
            if (bias && bias->type != TensorType::Float32)
                return "the bias is " + typeName(bias->type) + " with a FLOAT32 input";
            return {};
        case TensorType::Int8: {
            if (filter.type != TensorType::Int8)
                return "the filter is " + typeName(filter.type) +
                       " with an INT8 input: XNNPACK's signed 8-bit path takes INT8 weights";
            const QuantizationParams& q = filter.quantization();
            if (!q.hasAffine()) return "the filter has no quantization parameters";
            if (Problem p = zeroPointsProblem("the filter", q, 0,
                                              "XNNPACK takes signed 8-bit weights only "
                                              "with zero point 0");
                !p.empty())
                return p;
            if (Problem p = scalesProblem("the filter", q); !p.empty()) return p;
            if (q.isPerChannel()) {
                if (!w.perChannel)
                    return "the filter is quantized per channel: this XNNPACK has no per-channel (qc8) " +
                           v.code.name;
                if (static_cast<size_t>(q.quantizedDimension) != w.channelDim)
                    return "the filter is quantized per channel along dimension " +
                           std::to_string(q.quantizedDimension) + "; XNNPACK reads " + v.code.name +
                           " scales along dimension " + std::to_string(w.channelDim);
                if (static_cast<int64_t>(q.scale.size()) != w.channels)
                    return "the filter has " + std::to_string(q.scale.size()) + " scales for " +
                           std::to_string(w.channels) + " output channels";
            }
            if (!bias) return {};
            if (bias->type != TensorType::Int32)
                return "the bias is " + typeName(bias->type) + "; XNNPACK's 8-bit path takes INT32 biases";
            const QuantizationParams& bq = bias->quantization();
            if (!bq.hasAffine()) return "the bias has no quantization parameters";
            if (Problem p = zeroPointsProblem("the bias", bq, 0, "XNNPACK needs 0"); !p.empty()) return p;
            if (Problem p = scalesProblem("the bias", bq); !p.empty()) return p;
            if (q.isPerChannel() != bq.isPerChannel())
                return std::string("the bias is quantized per ") +
                       (bq.isPerChannel() ? "channel" : "tensor") + " but the filter per " +
                       (q.isPerChannel() ? "channel" : "tensor") + ": XNNPACK needs both alike";
            if (bq.isPerChannel() &&
                (bq.quantizedDimension != 0 || static_cast<int64_t>(bq.scale.size()) != w.channels))
                return "the bias's per-channel scales (" + std::to_string(bq.scale.size()) +
                       " along dimension " + std::to_string(bq.quantizedDimension) + ") do not match the " +
                       std::to_string(w.channels) + " output channels";
            return {};
        }
        case TensorType::UInt8: {
            if (filter.type != TensorType::UInt8)
                return "the filter is " + typeName(filter.type) +
                       " with a UINT8 input: XNNPACK's unsigned 8-bit path takes UINT8 weights";
            const QuantizationParams& q = filter.quantization();
            if (!q.hasAffine()) return "the filter has no quantization parameters";
            if (q.isPerChannel())
                return "the filter is UINT8 quantized per channel: XNNPACK has per-channel weights only for "
                       "INT8";
            if (Problem p = scalesProblem("the filter", q); !p.empty()) return p;
            if (filter.zeroPoint() < 0 || filter.zeroPoint() > 255)
                return "the filter's zero point " + std::to_string(filter.zeroPoint()) + " is not a UINT8";
            if (!bias) return {};
            if (bias->type != TensorType::Int32)
                return "the bias is " + typeName(bias->type) + "; XNNPACK's 8-bit path takes INT32 biases";
            const QuantizationParams& bq = bias->quantization();
            if (!bq.hasAffine()) return "the bias has no quantization parameters";
            if (bq.isPerChannel()) return "the bias is quantized per channel but the UINT8 filter per tensor";
            if (Problem p = zeroPointsProblem("the bias", bq, 0, "XNNPACK needs 0"); !p.empty()) return p;
            return scalesProblem("the bias", bq);
        }
        default:
            return "the input is " + typeName(in.type) + ", which this XNNPACK does not take here";
    }
}

// Checks the input and output types of an op whose activations may be of the `allowed` kinds, and that they
// agree.
Problem ioTypesProblem(NodeView& v, size_t input, unsigned allowed) {
    const RuntimeTensor& in = v.input(input);
    const RuntimeTensor& out = v.output(0);
    if (Problem p = activationTypeProblem(v, "the input", in, allowed); !p.empty()) return p;
    if (Problem p = activationTypeProblem(v, "the output", out, allowed); !p.empty()) return p;
    return sameTypeProblem(in, out);
}

Problem strideProblem(const char* what, int32_t h, int32_t w) {
    if (h >= 1 && w >= 1) return {};
    return std::string(what) + " " + std::to_string(h) + "x" + std::to_string(w) + " is not positive";
}

// ---------------------------------------------------------------------------------------------------------
// CONV_2D
// ---------------------------------------------------------------------------------------------------------

NodeSupport canRunConv2d(NodeView& v) {
    LS_REFUSE_IF(operandProblem(v, 2, 3, 1));
    LS_REFUSE_IF(ioTypesProblem(v, 0, kAnyType));
    const RuntimeTensor& in = v.input(0);
    const RuntimeTensor& filter = v.input(1);
    if (in.shape.rank() != 4) return NodeSupport::no("the input is " + shapeText(in) + ", not 4-D NHWC");
    if (filter.shape.rank() != 4) return NodeSupport::no("the filter is " + shapeText(filter) + ", not 4-D");
    LS_REFUSE_IF(weightsProblem(v, {0, 1, 2, 0, filter.shape[0], true}));
    if (filter.shape[3] != in.shape[3])
        return NodeSupport::no("grouped convolution (filter depth " + std::to_string(filter.shape[3]) +
                               ", input channels " + std::to_string(in.shape[3]) + ")");
    const auto* o = v.options<fb::Conv2DOptions>();
    if (!o) return NodeSupport::no("CONV_2D has no options");
    LS_REFUSE_IF(strideProblem("stride", o->stride_h(), o->stride_w()));
    LS_REFUSE_IF(strideProblem("dilation", o->dilation_h_factor(), o->dilation_w_factor()));
    LS_REFUSE_IF(activationProblem(o->fused_activation_function()));
    return NodeSupport::yes();
}

uint32_t biasOrNone(NodeView& v, size_t at, XnnpackValues& values, Status& status) {
    if (!v.hasInput(at)) return XNN_INVALID_VALUE_ID;
    auto r = values.value(v.op.inputs[at]);
    if (!r) {
        status = r.status();
        return XNN_INVALID_VALUE_ID;
    }
    return r.value();
}

Status defineConv2d(xnn_subgraph_t xnn, NodeView& v, XnnpackValues& values) {
    const auto* o = v.options<fb::Conv2DOptions>();
    const RuntimeTensor& filter = v.input(1);
    float lo, hi;
    clampFor(o->fused_activation_function(), lo, hi);
    LS_XNN_VALUE(input, values.value(v.op.inputs[0]));
    LS_XNN_VALUE(weights, values.value(v.op.inputs[1]));
    Status biasStatus = Status::ok();
    const uint32_t bias = biasOrNone(v, 2, values, biasStatus);
    if (!biasStatus) return biasStatus;
    LS_XNN_VALUE(output, values.value(v.op.outputs[0]));
    const bool same = o->padding() == fb::Padding::SAME;
    return checked(v, xnn_define_convolution_2d(
                          xnn, 0, 0, 0, 0, static_cast<uint32_t>(filter.shape[1]),
                          static_cast<uint32_t>(filter.shape[2]), static_cast<uint32_t>(o->stride_h()),
                          static_cast<uint32_t>(o->stride_w()), static_cast<uint32_t>(o->dilation_h_factor()),
                          static_cast<uint32_t>(o->dilation_w_factor()), 1,
                          static_cast<size_t>(filter.shape[3]), static_cast<size_t>(filter.shape[0]), lo, hi,
                          input, weights, bias, output, same ? XNN_FLAG_TENSORFLOW_SAME_PADDING : 0));
}

// ---------------------------------------------------------------------------------------------------------
// DEPTHWISE_CONV_2D: TFLite's filter [1, H, W, C * M] is XNNPACK's layout as it is.
// ---------------------------------------------------------------------------------------------------------

NodeSupport canRunDepthwise(NodeView& v) {
    LS_REFUSE_IF(operandProblem(v, 2, 3, 1));
    LS_REFUSE_IF(ioTypesProblem(v, 0, kAnyType));
    const RuntimeTensor& in = v.input(0);
    const RuntimeTensor& filter = v.input(1);
    const RuntimeTensor& out = v.output(0);
    if (in.shape.rank() != 4) return NodeSupport::no("the input is " + shapeText(in) + ", not 4-D NHWC");
    if (filter.shape.rank() != 4 || filter.shape[0] != 1)
        return NodeSupport::no("the filter is " + shapeText(filter) + ", not [1, H, W, C*M]");
    if (out.shape.rank() != 4 || out.shape[3] != filter.shape[3])
        return NodeSupport::no("the output " + shapeText(out) + " does not have the filter's " +
                               std::to_string(filter.shape[3]) + " channels");
    if (filter.shape[3] % in.shape[3] != 0)
        return NodeSupport::no("output channels " + std::to_string(filter.shape[3]) +
                               " are not a multiple of the input channels " + std::to_string(in.shape[3]));
    LS_REFUSE_IF(weightsProblem(v, {0, 1, 2, 3, filter.shape[3], true}));
    const auto* o = v.options<fb::DepthwiseConv2DOptions>();
    if (!o) return NodeSupport::no("DEPTHWISE_CONV_2D has no options");
    LS_REFUSE_IF(strideProblem("stride", o->stride_h(), o->stride_w()));
    LS_REFUSE_IF(strideProblem("dilation", o->dilation_h_factor(), o->dilation_w_factor()));
    LS_REFUSE_IF(activationProblem(o->fused_activation_function()));
    return NodeSupport::yes();
}

Status defineDepthwise(xnn_subgraph_t xnn, NodeView& v, XnnpackValues& values) {
    const auto* o = v.options<fb::DepthwiseConv2DOptions>();
    const RuntimeTensor& filter = v.input(1);
    const int32_t inChannels = v.input(0).shape[3];
    // The option can disagree with the shapes in old models; the shapes are what the kernel computes with.
    const int32_t multiplier = filter.shape[3] / inChannels;
    float lo, hi;
    clampFor(o->fused_activation_function(), lo, hi);
    LS_XNN_VALUE(input, values.value(v.op.inputs[0]));
    LS_XNN_VALUE(weights, values.value(v.op.inputs[1]));
    Status biasStatus = Status::ok();
    const uint32_t bias = biasOrNone(v, 2, values, biasStatus);
    if (!biasStatus) return biasStatus;
    LS_XNN_VALUE(output, values.value(v.op.outputs[0]));
    const bool same = o->padding() == fb::Padding::SAME;
    return checked(v, xnn_define_depthwise_convolution_2d(
                          xnn, 0, 0, 0, 0, static_cast<uint32_t>(filter.shape[1]),
                          static_cast<uint32_t>(filter.shape[2]), static_cast<uint32_t>(o->stride_h()),
                          static_cast<uint32_t>(o->stride_w()), static_cast<uint32_t>(o->dilation_h_factor()),
                          static_cast<uint32_t>(o->dilation_w_factor()), static_cast<uint32_t>(multiplier),
                          static_cast<size_t>(inChannels), lo, hi, input, weights, bias, output,
                          same ? XNN_FLAG_TENSORFLOW_SAME_PADDING : 0));
}

// ---------------------------------------------------------------------------------------------------------
// FULLY_CONNECTED: filter [units, depth], XNNPACK's layout. Without keep_num_dims TFLite flattens the input
// to [elements / depth, depth], which is XNNPACK's TENSORFLOW_RESHAPE_2D.
// ---------------------------------------------------------------------------------------------------------

NodeSupport canRunFullyConnected(NodeView& v) {
    LS_REFUSE_IF(operandProblem(v, 2, 3, 1));
    LS_REFUSE_IF(ioTypesProblem(v, 0, kAnyType));
    const RuntimeTensor& in = v.input(0);
    const RuntimeTensor& filter = v.input(1);
    const RuntimeTensor& out = v.output(0);
    if (filter.shape.rank() != 2) return NodeSupport::no("the filter is " + shapeText(filter) + ", not 2-D");
    const int32_t units = filter.shape[0], depth = filter.shape[1];
    // This XNNPACK has signed 8-bit fully connected only per tensor (no qc8 fully connected operator).
    LS_REFUSE_IF(weightsProblem(v, {0, 1, 2, 0, units, false}));
    const auto* o = v.options<fb::FullyConnectedOptions>();
    if (!o) return NodeSupport::no("FULLY_CONNECTED has no options");
    if (o->weights_format() != fb::FullyConnectedOptionsWeightsFormat::DEFAULT)
        return NodeSupport::no(std::string("weights format ") +
                               fb::EnumNameFullyConnectedOptionsWeightsFormat(o->weights_format()) +
                               " is not XNNPACK's [units, depth] layout");
    LS_REFUSE_IF(activationProblem(o->fused_activation_function()));
    if (in.shape.rank() < 1 || depth <= 0 || in.elementCount() % depth != 0)
        return NodeSupport::no("the input " + shapeText(in) + " does not split into rows of depth " +
                               std::to_string(depth));
    if (o->keep_num_dims()) {
        if (in.shape[in.shape.rank() - 1] != depth)
            return NodeSupport::no("keep_num_dims with input " + shapeText(in) +
                                   " whose last dimension is not the filter depth " + std::to_string(depth));
        if (out.shape.rank() != in.shape.rank() || out.shape[out.shape.rank() - 1] != units)
            return NodeSupport::no("keep_num_dims output " + shapeText(out) +
                                   " does not keep the input's rank");
    } else if (out.shape.rank() != 2 || out.shape[1] != units ||
               out.shape[0] != static_cast<int32_t>(in.elementCount() / depth)) {
        return NodeSupport::no("the output " + shapeText(out) + " is not [rows, units] as XNNPACK writes it");
    }
    return NodeSupport::yes();
}

Status defineFullyConnected(xnn_subgraph_t xnn, NodeView& v, XnnpackValues& values) {
    const auto* o = v.options<fb::FullyConnectedOptions>();
    float lo, hi;
    clampFor(o->fused_activation_function(), lo, hi);
    LS_XNN_VALUE(input, values.value(v.op.inputs[0]));
    LS_XNN_VALUE(weights, values.value(v.op.inputs[1]));
    Status biasStatus = Status::ok();
    const uint32_t bias = biasOrNone(v, 2, values, biasStatus);
    if (!biasStatus) return biasStatus;
    LS_XNN_VALUE(output, values.value(v.op.outputs[0]));
    return checked(v, xnn_define_fully_connected(xnn, lo, hi, input, weights, bias, output,
                                                 o->keep_num_dims() ? 0 : XNN_FLAG_TENSORFLOW_RESHAPE_2D));
}

// ---------------------------------------------------------------------------------------------------------
// TRANSPOSE_CONV: inputs (output_shape, weights [O, H, W, I], input, bias?). XNNPACK's deconvolution takes
// the padding TFLite derives from the output size, and the rows/columns past the last full stride as
// adjustment.
// ---------------------------------------------------------------------------------------------------------

struct DeconvAxis {
    int32_t padBefore = 0, padAfter = 0, adjustment = 0;
    bool valid = false;
};

DeconvAxis deconvAxis(int32_t in, int32_t out, int32_t kernel, int32_t stride, fb::Padding padding) {
    DeconvAxis a;
    // The convolution that TRANSPOSE_CONV inverts reads `out` and writes `in`: its total padding.
    const int32_t full = (in - 1) * stride + kernel;
    const int32_t total = padding == fb::Padding::SAME ? std::max(full - out, 0) : 0;
    a.padBefore = total / 2;
    a.padAfter = total - a.padBefore;
    a.adjustment = out - (full - total);
    a.valid = a.adjustment >= 0 && a.adjustment < stride;
    return a;
}

NodeSupport canRunTransposeConv(NodeView& v) {
    LS_REFUSE_IF(operandProblem(v, 3, 4, 1));
    LS_REFUSE_IF(ioTypesProblem(v, 2, kFloat));
    const RuntimeTensor& weights = v.input(1);
    const RuntimeTensor& in = v.input(2);
    const RuntimeTensor& out = v.output(0);
    LS_REFUSE_IF(constantProblem(v, 0, "the output shape"));
    if (in.shape.rank() != 4 || out.shape.rank() != 4)
        return NodeSupport::no("input " + shapeText(in) + " or output " + shapeText(out) + " is not 4-D");
    if (weights.shape.rank() != 4 || weights.shape[3] != in.shape[3] || weights.shape[0] != out.shape[3])
        return NodeSupport::no("the weights " + shapeText(weights) +
                               " are not [output channels, H, W, input channels]");
    LS_REFUSE_IF(weightsProblem(v, {2, 1, 3, 0, weights.shape[0], false}));
    const auto* o = v.options<fb::TransposeConvOptions>();
    if (!o) return NodeSupport::no("TRANSPOSE_CONV has no options");
    LS_REFUSE_IF(strideProblem("stride", o->stride_h(), o->stride_w()));
    LS_REFUSE_IF(activationProblem(o->fused_activation_function()));
    const DeconvAxis ay =
        deconvAxis(in.shape[1], out.shape[1], weights.shape[1], o->stride_h(), o->padding());
    const DeconvAxis ax =
        deconvAxis(in.shape[2], out.shape[2], weights.shape[2], o->stride_w(), o->padding());
    if (!ay.valid || !ax.valid)
        return NodeSupport::no("output " + shapeText(out) + " needs an adjustment of " +
                               std::to_string(ay.valid ? ax.adjustment : ay.adjustment) +
                               " rows/columns; XNNPACK takes 0 up to stride - 1");
    return NodeSupport::yes();
}

Status defineTransposeConv(xnn_subgraph_t xnn, NodeView& v, XnnpackValues& values) {
    const auto* o = v.options<fb::TransposeConvOptions>();
    const RuntimeTensor& weights = v.input(1);
    const RuntimeTensor& in = v.input(2);
    const RuntimeTensor& out = v.output(0);
    const DeconvAxis ay =
        deconvAxis(in.shape[1], out.shape[1], weights.shape[1], o->stride_h(), o->padding());
    const DeconvAxis ax =
        deconvAxis(in.shape[2], out.shape[2], weights.shape[2], o->stride_w(), o->padding());
    float lo, hi;
    clampFor(o->fused_activation_function(), lo, hi);
    LS_XNN_VALUE(input, values.value(v.op.inputs[2]));
    LS_XNN_VALUE(filter, values.value(v.op.inputs[1]));
    Status biasStatus = Status::ok();
    const uint32_t bias = biasOrNone(v, 3, values, biasStatus);
    if (!biasStatus) return biasStatus;
    LS_XNN_VALUE(output, values.value(v.op.outputs[0]));
    return checked(v, xnn_define_deconvolution_2d(
                          xnn, static_cast<uint32_t>(ay.padBefore), static_cast<uint32_t>(ax.padAfter),
                          static_cast<uint32_t>(ay.padAfter), static_cast<uint32_t>(ax.padBefore),
                          static_cast<uint32_t>(ay.adjustment), static_cast<uint32_t>(ax.adjustment),
                          static_cast<uint32_t>(weights.shape[1]), static_cast<uint32_t>(weights.shape[2]),
                          static_cast<uint32_t>(o->stride_h()), static_cast<uint32_t>(o->stride_w()), 1, 1, 1,
                          static_cast<size_t>(weights.shape[3]), static_cast<size_t>(weights.shape[0]), lo,
                          hi, input, filter, bias, output, 0));
}

// ---------------------------------------------------------------------------------------------------------
// Binary elementwise ops, numpy broadcasting up to 4-D (as TFLite's delegate).
// ---------------------------------------------------------------------------------------------------------

unsigned binaryTypes(Op op) {
    switch (op) {
        case Op::ADD:
        case Op::MUL:
        case Op::SUB:
            return kAnyType;
        default:
            return kFloat;
    }
}

Act binaryActivation(const NodeView& v) {
    switch (v.builtin()) {
        case Op::ADD:
            if (const auto* o = v.options<fb::AddOptions>()) return o->fused_activation_function();
            break;
        case Op::MUL:
            if (const auto* o = v.options<fb::MulOptions>()) return o->fused_activation_function();
            break;
        case Op::SUB:
            if (const auto* o = v.options<fb::SubOptions>()) return o->fused_activation_function();
            break;
        case Op::DIV:
            if (const auto* o = v.options<fb::DivOptions>()) return o->fused_activation_function();
            break;
        default:
            break;
    }
    return Act::NONE;
}

NodeSupport canRunBinary(NodeView& v) {
    LS_REFUSE_IF(operandProblem(v, 2, 2, 1));
    const unsigned allowed = binaryTypes(v.builtin());
    LS_REFUSE_IF(ioTypesProblem(v, 0, allowed));
    LS_REFUSE_IF(activationTypeProblem(v, "the second input", v.input(1), allowed));
    LS_REFUSE_IF(sameTypeProblem(v.input(1), v.output(0)));
    for (size_t i = 0; i < 2; ++i)
        if (v.input(i).shape.rank() > 4)
            return NodeSupport::no("input " + std::to_string(i) + " " + shapeText(v.input(i)) +
                                   " has more than 4 dimensions");
    LS_REFUSE_IF(activationProblem(binaryActivation(v)));
    return NodeSupport::yes();
}

Status defineBinary(xnn_subgraph_t xnn, NodeView& v, XnnpackValues& values) {
    float lo, hi;
    clampFor(binaryActivation(v), lo, hi);
    LS_XNN_VALUE(a, values.value(v.op.inputs[0]));
    LS_XNN_VALUE(b, values.value(v.op.inputs[1]));
    LS_XNN_VALUE(out, values.value(v.op.outputs[0]));
    switch (v.builtin()) {
        case Op::ADD:
            return checked(v, xnn_define_add2(xnn, lo, hi, a, b, out, 0));
        case Op::MUL:
            return checked(v, xnn_define_multiply2(xnn, lo, hi, a, b, out, 0));
        case Op::SUB:
            return checked(v, xnn_define_subtract(xnn, lo, hi, a, b, out, 0));
        case Op::DIV:
            return checked(v, xnn_define_divide(xnn, lo, hi, a, b, out, 0));
        case Op::MAXIMUM:
            return checked(v, xnn_define_maximum2(xnn, a, b, out, 0));
        case Op::MINIMUM:
            return checked(v, xnn_define_minimum2(xnn, a, b, out, 0));
        case Op::SQUARED_DIFFERENCE:
            return checked(v, xnn_define_squared_difference(xnn, a, b, out, 0));
        default:
            return {ErrorCode::Unsupported, v.code.name + " is not a binary op"};
    }
}

// ---------------------------------------------------------------------------------------------------------
// MAX_POOL_2D, AVERAGE_POOL_2D. XNNPACK rejects 1x1 windows; with stride 1 such a pooling is the identity
// (and its activation), which a clamp computes.
// ---------------------------------------------------------------------------------------------------------

NodeSupport canRunPool(NodeView& v) {
    LS_REFUSE_IF(operandProblem(v, 1, 1, 1));
    const bool isMax = v.builtin() == Op::MAX_POOL_2D;
    // This XNNPACK's subgraph defines average pooling for float only (no qs8 operator; its quint8 one is not
    // reachable from the subgraph API).
    LS_REFUSE_IF(ioTypesProblem(v, 0, isMax ? kAnyType : kFloat));
    const RuntimeTensor& in = v.input(0);
    const RuntimeTensor& out = v.output(0);
    if (in.shape.rank() != 4) return NodeSupport::no("the input is " + shapeText(in) + ", not 4-D NHWC");
    const auto* o = v.options<fb::Pool2DOptions>();
    if (!o) return NodeSupport::no(v.code.name + " has no options");
    LS_REFUSE_IF(strideProblem("stride", o->stride_h(), o->stride_w()));
    LS_REFUSE_IF(strideProblem("filter", o->filter_height(), o->filter_width()));
    LS_REFUSE_IF(activationProblem(o->fused_activation_function()));
    const bool unit = o->filter_height() == 1 && o->filter_width() == 1;
    if (unit && (o->stride_h() != 1 || o->stride_w() != 1))
        return NodeSupport::no("1x1 pooling with stride " + std::to_string(o->stride_h()) + "x" +
                               std::to_string(o->stride_w()) +
                               ": XNNPACK rejects 1x1 pooling windows and a strided one is no identity");
    if (isMax || unit) LS_REFUSE_IF(sameQuantizationProblem(v, in, out));
    return NodeSupport::yes();
}

Status definePool(xnn_subgraph_t xnn, NodeView& v, XnnpackValues& values) {
    const auto* o = v.options<fb::Pool2DOptions>();
    float lo, hi;
    clampFor(o->fused_activation_function(), lo, hi);
    LS_XNN_VALUE(input, values.value(v.op.inputs[0]));
    LS_XNN_VALUE(output, values.value(v.op.outputs[0]));
    if (o->filter_height() == 1 && o->filter_width() == 1)
        return checked(v, xnn_define_clamp(xnn, lo, hi, input, output, 0));
    const uint32_t flags = o->padding() == fb::Padding::SAME ? XNN_FLAG_TENSORFLOW_SAME_PADDING : 0;
    const auto fh = static_cast<uint32_t>(o->filter_height()), fw = static_cast<uint32_t>(o->filter_width());
    const auto sh = static_cast<uint32_t>(o->stride_h()), sw = static_cast<uint32_t>(o->stride_w());
    if (v.builtin() == Op::MAX_POOL_2D)
        return checked(v, xnn_define_max_pooling_2d(xnn, 0, 0, 0, 0, fh, fw, sh, sw, 1, 1, lo, hi, input,
                                                    output, flags));
    return checked(
        v, xnn_define_average_pooling_2d(xnn, 0, 0, 0, 0, fh, fw, sh, sw, lo, hi, input, output, flags));
}

// ---------------------------------------------------------------------------------------------------------
// MEAN over H and W of NHWC: global average pooling. XNNPACK writes [N, 1, 1, C]; without keep_dims a
// reshape to [N, C] follows.
// ---------------------------------------------------------------------------------------------------------

NodeSupport canRunMean(NodeView& v) {
    LS_REFUSE_IF(operandProblem(v, 2, 2, 1));
    LS_REFUSE_IF(ioTypesProblem(v, 0, kAnyType));
    LS_REFUSE_IF(constantProblem(v, 1, "the axes"));
    const RuntimeTensor& in = v.input(0);
    const RuntimeTensor& out = v.output(0);
    if (in.shape.rank() != 4) return NodeSupport::no("the input is " + shapeText(in) + ", not 4-D NHWC");
    std::vector<int64_t> axes;
    if (!readIndices(v.input(1), axes)) return NodeSupport::no("the axes are " + typeName(v.input(1).type));
    bool h = false, w = false;
    for (int64_t a : axes) {
        const int64_t axis = a < 0 ? a + 4 : a;
        if (axis == 1)
            h = true;
        else if (axis == 2)
            w = true;
        else
            return NodeSupport::no("MEAN over axis " + std::to_string(a) +
                                   ": XNNPACK averages only over H and W (axes 1 and 2)");
    }
    if (!h || !w) return NodeSupport::no("MEAN over one of H and W only: XNNPACK averages over both");
    const bool keepDims = out.shape.rank() == 4;
    if (keepDims ? (out.shape[1] != 1 || out.shape[2] != 1) : out.shape.rank() != 2)
        return NodeSupport::no("the output " + shapeText(out) + " is neither [N, 1, 1, C] nor [N, C]");
    return NodeSupport::yes();
}

Status defineMean(xnn_subgraph_t xnn, NodeView& v, XnnpackValues& values) {
    const RuntimeTensor& in = v.input(0);
    const RuntimeTensor& out = v.output(0);
    const float inf = std::numeric_limits<float>::infinity();
    LS_XNN_VALUE(input, values.value(v.op.inputs[0]));
    LS_XNN_VALUE(output, values.value(v.op.outputs[0]));
    if (out.shape.rank() == 4)
        return checked(v, xnn_define_global_average_pooling_2d(xnn, -inf, inf, input, output, 0));
    const std::vector<size_t> pooled = {static_cast<size_t>(in.shape[0]), 1, 1,
                                        static_cast<size_t>(in.shape[3])};
    LS_XNN_VALUE(middle, values.internalValue(v.op.outputs[0], pooled));
    if (Status s = checked(v, xnn_define_global_average_pooling_2d(xnn, -inf, inf, input, middle, 0)); !s)
        return s;
    const std::vector<size_t> dims = dimsOf(out);
    return checked(v, xnn_define_static_reshape(xnn, dims.size(), dims.data(), middle, output, 0));
}

// ---------------------------------------------------------------------------------------------------------
// PAD, PADV2 with constant paddings (and a constant pad value).
// ---------------------------------------------------------------------------------------------------------

NodeSupport canRunPad(NodeView& v) {
    const bool v2 = v.builtin() == Op::PADV2;
    LS_REFUSE_IF(operandProblem(v, 2, v2 ? 3 : 2, 1));
    LS_REFUSE_IF(ioTypesProblem(v, 0, kAnyType));
    LS_REFUSE_IF(sameQuantizationProblem(v, v.input(0), v.output(0)));
    LS_REFUSE_IF(constantProblem(v, 1, "the paddings"));
    const RuntimeTensor& in = v.input(0);
    std::vector<int64_t> pads;
    if (!readIndices(v.input(1), pads))
        return NodeSupport::no("the paddings are " + typeName(v.input(1).type));
    if (pads.size() != static_cast<size_t>(in.shape.rank()) * 2)
        return NodeSupport::no("the paddings " + shapeText(v.input(1)) + " do not match the input " +
                               shapeText(in));
    for (int64_t p : pads)
        if (p < 0) return NodeSupport::no("negative padding " + std::to_string(p) + ": XNNPACK only pads");
    if (v2 && v.hasInput(2)) {
        LS_REFUSE_IF(constantProblem(v, 2, "the pad value"));
        const RuntimeTensor& value = v.input(2);
        if (value.type != in.type)
            return NodeSupport::no("the pad value is " + typeName(value.type) + ", the input " +
                                   typeName(in.type));
        if (value.elementCount() != 1) return NodeSupport::no("the pad value is not a single value");
    }
    return NodeSupport::yes();
}

Status definePad(xnn_subgraph_t xnn, NodeView& v, XnnpackValues& values) {
    const RuntimeTensor& in = v.input(0);
    std::vector<int64_t> pads;
    readIndices(v.input(1), pads);
    std::vector<size_t> before, after;
    for (int d = 0; d < in.shape.rank(); ++d) {
        before.push_back(static_cast<size_t>(pads[static_cast<size_t>(d) * 2]));
        after.push_back(static_cast<size_t>(pads[static_cast<size_t>(d) * 2 + 1]));
    }
    // XNNPACK takes the pad value as a real number and quantizes it with the output's parameters.
    float padValue = 0;
    if (v.builtin() == Op::PADV2 && v.hasInput(2)) {
        const RuntimeTensor& value = v.input(2);
        if (value.type == TensorType::Float32)
            padValue = value.as<float>()[0];
        else if (value.type == TensorType::Int8)
            padValue = static_cast<float>(value.as<int8_t>()[0] - value.zeroPoint()) * value.scale();
        else
            padValue = static_cast<float>(value.as<uint8_t>()[0] - value.zeroPoint()) * value.scale();
    }
    LS_XNN_VALUE(input, values.value(v.op.inputs[0]));
    LS_XNN_VALUE(output, values.value(v.op.outputs[0]));
    return checked(
        v, xnn_define_static_constant_pad(xnn, before.data(), after.data(), padValue, input, output, 0));
}

// ---------------------------------------------------------------------------------------------------------
// RESHAPE (to the shape prepare resolved), RESIZE_BILINEAR, DEPTH_TO_SPACE
// ---------------------------------------------------------------------------------------------------------

NodeSupport canRunReshape(NodeView& v) {
    LS_REFUSE_IF(operandProblem(v, 1, 2, 1));
    LS_REFUSE_IF(ioTypesProblem(v, 0, kAnyType));
    LS_REFUSE_IF(sameQuantizationProblem(v, v.input(0), v.output(0)));
    // A run-time shape operand would become an INT32 input of the partition, which XNNPACK cannot hold.
    if (v.hasInput(1)) LS_REFUSE_IF(constantProblem(v, 1, "the new shape"));
    if (v.output(0).shape.rank() == 0) return NodeSupport::no("the output is a scalar");
    return NodeSupport::yes();
}

Status defineReshape(xnn_subgraph_t xnn, NodeView& v, XnnpackValues& values) {
    const std::vector<size_t> dims = dimsOf(v.output(0));
    LS_XNN_VALUE(input, values.value(v.op.inputs[0]));
    LS_XNN_VALUE(output, values.value(v.op.outputs[0]));
    return checked(v, xnn_define_static_reshape(xnn, dims.size(), dims.data(), input, output, 0));
}

NodeSupport canRunResizeBilinear(NodeView& v) {
    LS_REFUSE_IF(operandProblem(v, 2, 2, 1));
    LS_REFUSE_IF(ioTypesProblem(v, 0, kAnyType));
    LS_REFUSE_IF(sameQuantizationProblem(v, v.input(0), v.output(0)));
    LS_REFUSE_IF(constantProblem(v, 1, "the new size"));
    if (v.input(0).shape.rank() != 4 || v.output(0).shape.rank() != 4)
        return NodeSupport::no("the input " + shapeText(v.input(0)) + " is not 4-D NHWC");
    const auto* o = v.options<fb::ResizeBilinearOptions>();
    if (o && o->align_corners() && o->half_pixel_centers())
        return NodeSupport::no("align_corners and half_pixel_centers both set: XNNPACK takes one");
    return NodeSupport::yes();
}

Status defineResizeBilinear(xnn_subgraph_t xnn, NodeView& v, XnnpackValues& values) {
    const auto* o = v.options<fb::ResizeBilinearOptions>();
    const RuntimeTensor& out = v.output(0);
    // XNNPACK's default is half-pixel centres; TFLite's default (neither flag) is its legacy mode.
    uint32_t flags = XNN_FLAG_TENSORFLOW_LEGACY_MODE;
    if (o && o->align_corners())
        flags = XNN_FLAG_ALIGN_CORNERS;
    else if (o && o->half_pixel_centers())
        flags = 0;
    LS_XNN_VALUE(input, values.value(v.op.inputs[0]));
    LS_XNN_VALUE(output, values.value(v.op.outputs[0]));
    return checked(
        v, xnn_define_static_resize_bilinear_2d(xnn, static_cast<size_t>(out.shape[1]),
                                                static_cast<size_t>(out.shape[2]), input, output, flags));
}

NodeSupport canRunDepthToSpace(NodeView& v) {
    LS_REFUSE_IF(operandProblem(v, 1, 1, 1));
    // This XNNPACK has depth-to-space only for 32-bit elements.
    LS_REFUSE_IF(ioTypesProblem(v, 0, kFloat));
    if (v.input(0).shape.rank() != 4)
        return NodeSupport::no("the input is " + shapeText(v.input(0)) + ", not 4-D");
    const auto* o = v.options<fb::DepthToSpaceOptions>();
    if (!o || o->block_size() < 2)
        return NodeSupport::no("block size " + std::to_string(o ? o->block_size() : 0) +
                               ": XNNPACK needs at least 2");
    return NodeSupport::yes();
}

Status defineDepthToSpace(xnn_subgraph_t xnn, NodeView& v, XnnpackValues& values) {
    const auto* o = v.options<fb::DepthToSpaceOptions>();
    LS_XNN_VALUE(input, values.value(v.op.inputs[0]));
    LS_XNN_VALUE(output, values.value(v.op.outputs[0]));
    return checked(v,
                   xnn_define_depth_to_space(xnn, input, output, static_cast<uint32_t>(o->block_size()), 0));
}

// ---------------------------------------------------------------------------------------------------------
// Unary ops: clamps (RELU family), activations and elementwise math.
// ---------------------------------------------------------------------------------------------------------

// The element types this XNNPACK's subgraph takes for each unary op.
unsigned unaryTypes(Op op) {
    switch (op) {
        case Op::RELU:
        case Op::RELU6:
        case Op::RELU_N1_TO_1:
        case Op::RELU_0_TO_1:
        case Op::LOGISTIC:
            return kAnyType;
        default:
            return kFloat;
    }
}

bool clampBounds(Op op, float& lo, float& hi) {
    lo = 0, hi = std::numeric_limits<float>::infinity();
    switch (op) {
        case Op::RELU:
            return true;
        case Op::RELU6:
            hi = 6;
            return true;
        case Op::RELU_N1_TO_1:
            lo = -1, hi = 1;
            return true;
        case Op::RELU_0_TO_1:
            hi = 1;
            return true;
        default:
            return false;
    }
}

NodeSupport canRunUnary(NodeView& v) {
    LS_REFUSE_IF(operandProblem(v, 1, 1, 1));
    LS_REFUSE_IF(ioTypesProblem(v, 0, unaryTypes(v.builtin())));
    float lo, hi;
    // A clamp moves quantized values as they are.
    if (clampBounds(v.builtin(), lo, hi)) LS_REFUSE_IF(sameQuantizationProblem(v, v.input(0), v.output(0)));
    if (v.builtin() == Op::SOFTMAX) {
        const auto* o = v.options<fb::SoftmaxOptions>();
        if (o && o->beta() != 1.0f)
            return NodeSupport::no("SOFTMAX with beta " + number(o->beta()) +
                                   ": XNNPACK's softmax has beta 1");
        if (v.input(0).shape.rank() < 1) return NodeSupport::no("SOFTMAX of a scalar");
    }
    return NodeSupport::yes();
}

Status defineUnary(xnn_subgraph_t xnn, NodeView& v, XnnpackValues& values) {
    LS_XNN_VALUE(input, values.value(v.op.inputs[0]));
    LS_XNN_VALUE(output, values.value(v.op.outputs[0]));
    float lo, hi;
    if (clampBounds(v.builtin(), lo, hi)) return checked(v, xnn_define_clamp(xnn, lo, hi, input, output, 0));
    switch (v.builtin()) {
        case Op::LOGISTIC:
            return checked(v, xnn_define_sigmoid(xnn, input, output, 0));
        case Op::SOFTMAX:
            return checked(v, xnn_define_softmax(xnn, input, output, 0));
        case Op::ELU:
            return checked(v, xnn_define_elu(xnn, 1.0f, input, output, 0));
        case Op::HARD_SWISH:
            return checked(v, xnn_define_hardswish(xnn, input, output, 0));
        case Op::LEAKY_RELU: {
            const auto* o = v.options<fb::LeakyReluOptions>();
            return checked(v, xnn_define_leaky_relu(xnn, o ? o->alpha() : 0.2f, input, output, 0));
        }
        case Op::ABS:
            return checked(v, xnn_define_abs(xnn, input, output, 0));
        case Op::NEG:
            return checked(v, xnn_define_negate(xnn, input, output, 0));
        case Op::SQUARE:
            return checked(v, xnn_define_square(xnn, input, output, 0));
        case Op::SQRT:
            return checked(v, xnn_define_square_root(xnn, input, output, 0));
        case Op::FLOOR:
            return checked(v, xnn_define_floor(xnn, input, output, 0));
        case Op::CEIL:
            return checked(v, xnn_define_ceiling(xnn, input, output, 0));
        case Op::ROUND:
            return checked(v, xnn_define_bankers_rounding(xnn, input, output, 0));
        default:
            return {ErrorCode::Unsupported, v.code.name + " is not a unary op"};
    }
}

// ---------------------------------------------------------------------------------------------------------
// PRELU: XNNPACK takes a 4-D NHWC input and a 1-D slope of C values; TFLite's slope [1, 1, C] (any leading
// ones) holds the same values.
// ---------------------------------------------------------------------------------------------------------

NodeSupport canRunPrelu(NodeView& v) {
    LS_REFUSE_IF(operandProblem(v, 2, 2, 1));
    LS_REFUSE_IF(ioTypesProblem(v, 0, kFloat));
    LS_REFUSE_IF(constantProblem(v, 1, "the slope"));
    const RuntimeTensor& in = v.input(0);
    const RuntimeTensor& slope = v.input(1);
    if (slope.type != TensorType::Float32) return NodeSupport::no("the slope is " + typeName(slope.type));
    if (in.shape.rank() != 4) return NodeSupport::no("the input is " + shapeText(in) + ", not 4-D NHWC");
    const int32_t channels = in.shape[3];
    bool perChannel = slope.shape.rank() >= 1 && slope.shape[slope.shape.rank() - 1] == channels;
    for (int d = 0; d + 1 < slope.shape.rank(); ++d)
        perChannel = perChannel && slope.shape[d] == 1;
    if (!perChannel)
        return NodeSupport::no("the slope " + shapeText(slope) + " is not one value per channel (" +
                               std::to_string(channels) + "), the only broadcast XNNPACK's PRELU takes");
    return NodeSupport::yes();
}

Status definePrelu(xnn_subgraph_t xnn, NodeView& v, XnnpackValues& values) {
    const RuntimeTensor& slope = v.input(1);
    LS_XNN_VALUE(input, values.value(v.op.inputs[0]));
    uint32_t slopeId = XNN_INVALID_VALUE_ID;
    if (slope.shape.rank() == 1) {
        LS_XNN_VALUE(s, values.value(v.op.inputs[1]));
        slopeId = s;
    } else {
        std::vector<uint8_t> bytes(slope.data, slope.data + slope.bytes);
        LS_XNN_VALUE(s, values.staticValue(xnn_datatype_fp32, {static_cast<size_t>(slope.elementCount())},
                                           std::move(bytes)));
        slopeId = s;
    }
    LS_XNN_VALUE(output, values.value(v.op.outputs[0]));
    return checked(v, xnn_define_prelu(xnn, input, slopeId, output, 0));
}

// ---------------------------------------------------------------------------------------------------------
// QUANTIZE and DEQUANTIZE: XNNPACK's convert between float and 8-bit, and from half precision.
// ---------------------------------------------------------------------------------------------------------

NodeSupport canRunConvert(NodeView& v) {
    LS_REFUSE_IF(operandProblem(v, 1, 1, 1));
    const RuntimeTensor& in = v.input(0);
    const RuntimeTensor& out = v.output(0);
    if (v.builtin() == Op::QUANTIZE) {
        if (in.type != TensorType::Float32)
            return NodeSupport::no("QUANTIZE from " + typeName(in.type) +
                                   ": this XNNPACK converts to 8-bit only from FLOAT32 (no requantization)");
        LS_REFUSE_IF(activationTypeProblem(v, "the output", out, kQInt8 | kQUInt8));
        return NodeSupport::yes();
    }
    if (out.type != TensorType::Float32)
        return NodeSupport::no("DEQUANTIZE to " + typeName(out.type) + ": XNNPACK converts to FLOAT32 only");
    if (in.type == TensorType::Float16) return NodeSupport::yes();
    LS_REFUSE_IF(activationTypeProblem(v, "the input", in, kQInt8 | kQUInt8));
    return NodeSupport::yes();
}

Status defineConvert(xnn_subgraph_t xnn, NodeView& v, XnnpackValues& values) {
    LS_XNN_VALUE(input, values.value(v.op.inputs[0]));
    LS_XNN_VALUE(output, values.value(v.op.outputs[0]));
    return checked(v, xnn_define_convert(xnn, input, output, 0));
}

// Each op this delegate maps: what it checks and what it defines, in one place.
struct OpMapping {
    fb::BuiltinOperator op;
    NodeSupport (*canRun)(NodeView&);
    Status (*define)(xnn_subgraph_t, NodeView&, XnnpackValues&);
};

constexpr OpMapping kMappings[] = {
    {Op::CONV_2D, canRunConv2d, defineConv2d},
    {Op::DEPTHWISE_CONV_2D, canRunDepthwise, defineDepthwise},
    {Op::FULLY_CONNECTED, canRunFullyConnected, defineFullyConnected},
    {Op::TRANSPOSE_CONV, canRunTransposeConv, defineTransposeConv},
    {Op::ADD, canRunBinary, defineBinary},
    {Op::MUL, canRunBinary, defineBinary},
    {Op::SUB, canRunBinary, defineBinary},
    {Op::DIV, canRunBinary, defineBinary},
    {Op::MAXIMUM, canRunBinary, defineBinary},
    {Op::MINIMUM, canRunBinary, defineBinary},
    {Op::SQUARED_DIFFERENCE, canRunBinary, defineBinary},
    {Op::MAX_POOL_2D, canRunPool, definePool},
    {Op::AVERAGE_POOL_2D, canRunPool, definePool},
    {Op::MEAN, canRunMean, defineMean},
    {Op::PAD, canRunPad, definePad},
    {Op::PADV2, canRunPad, definePad},
    {Op::RESHAPE, canRunReshape, defineReshape},
    {Op::RESIZE_BILINEAR, canRunResizeBilinear, defineResizeBilinear},
    {Op::DEPTH_TO_SPACE, canRunDepthToSpace, defineDepthToSpace},
    {Op::RELU, canRunUnary, defineUnary},
    {Op::RELU6, canRunUnary, defineUnary},
    {Op::RELU_N1_TO_1, canRunUnary, defineUnary},
    {Op::RELU_0_TO_1, canRunUnary, defineUnary},
    {Op::LOGISTIC, canRunUnary, defineUnary},
    {Op::SOFTMAX, canRunUnary, defineUnary},
    {Op::ELU, canRunUnary, defineUnary},
    {Op::HARD_SWISH, canRunUnary, defineUnary},
    {Op::LEAKY_RELU, canRunUnary, defineUnary},
    {Op::ABS, canRunUnary, defineUnary},
    {Op::NEG, canRunUnary, defineUnary},
    {Op::SQUARE, canRunUnary, defineUnary},
    {Op::SQRT, canRunUnary, defineUnary},
    {Op::FLOOR, canRunUnary, defineUnary},
    {Op::CEIL, canRunUnary, defineUnary},
    {Op::ROUND, canRunUnary, defineUnary},
    {Op::PRELU, canRunPrelu, definePrelu},
    {Op::QUANTIZE, canRunConvert, defineConvert},
    {Op::DEQUANTIZE, canRunConvert, defineConvert},
};

const OpMapping* mappingFor(fb::BuiltinOperator op) {
    for (const OpMapping& m : kMappings)
        if (m.op == op) return &m;
    return nullptr;
}

}  // namespace

NodeSupport xnnpackCanRun(SubgraphRuntime& sg, int32_t node) {
    NodeView v = viewOf(sg, node);
    for (int32_t t : v.op.outputs)
        if (t >= 0 && sg.tensor(t).allocation == Allocation::Dynamic)
            return NodeSupport::no("its output's shape is known only at run time");
    if (const OpMapping* m = mappingFor(v.builtin())) return m->canRun(v);
    switch (v.builtin()) {
        case Op::CONCATENATION:
        case Op::TRANSPOSE:
        case Op::SPLIT:
        case Op::TANH:
        case Op::STRIDED_SLICE:
        case Op::SLICE:
            // TensorFlow Lite's later delegates map these; the XNNPACK Debian ships predates their nodes.
            return NodeSupport::no(v.code.name +
                                   ": this XNNPACK (Debian's 2022-02-16 build) has no such node");
        default:
            return NodeSupport::no(v.code.name + " has no XNNPACK equivalent in this delegate");
    }
}

Status xnnpackDefine(xnn_subgraph_t xnn, SubgraphRuntime& sg, int32_t node, XnnpackValues& values) {
    NodeView v = viewOf(sg, node);
    if (const OpMapping* m = mappingFor(v.builtin())) return m->define(xnn, v, values);
    return {ErrorCode::Unsupported, v.code.name + " has no XNNPACK definition"};
}

xnn_datatype xnnpackDatatype(SubgraphRuntime& sg, int32_t tensor, bool perChannelAllowed) {
    const RuntimeTensor& t = sg.tensor(tensor);
    const QuantizationParams& q = t.quantization();
    const bool perChannel = q.scale.size() > 1;
    switch (t.type) {
        case TensorType::Float32:
            return xnn_datatype_fp32;
        case TensorType::Float16:
            return xnn_datatype_fp16;
        case TensorType::Int8:
            if (!q.hasAffine()) return xnn_datatype_invalid;
            if (perChannel) return perChannelAllowed ? xnn_datatype_qcint8 : xnn_datatype_invalid;
            return xnn_datatype_qint8;
        case TensorType::UInt8:
            if (!q.hasAffine() || perChannel) return xnn_datatype_invalid;
            return xnn_datatype_quint8;
        case TensorType::Int32:
            if (!q.hasAffine()) return xnn_datatype_invalid;
            if (perChannel) return perChannelAllowed ? xnn_datatype_qcint32 : xnn_datatype_invalid;
            return xnn_datatype_qint32;
        default:
            return xnn_datatype_invalid;
    }
}

const char* xnnStatusName(xnn_status status) {
    switch (status) {
        case xnn_status_success:
            return "success";
        case xnn_status_uninitialized:
            return "uninitialized";
        case xnn_status_invalid_parameter:
            return "invalid parameter";
        case xnn_status_invalid_state:
            return "invalid state";
        case xnn_status_unsupported_parameter:
            return "unsupported parameter";
        case xnn_status_unsupported_hardware:
            return "unsupported hardware";
        case xnn_status_out_of_memory:
            return "out of memory";
    }
    return "unknown status";
}

}  // namespace litescope

#include "runtime/delegates/xnnpack_ops.h"

#include <cmath>
#include <limits>

#include "format/tflite_generated.h"
#include "runtime/interpreter.h"

namespace litescope {

namespace {

// The facts every op's check and definition start from.
struct NodeView {
    SubgraphRuntime& sg;
    int32_t index;
    const Operator& op;
    const OperatorCode& code;

    RuntimeTensor& input(size_t i) { return sg.tensor(op.inputs[i]); }
    RuntimeTensor& output(size_t i) { return sg.tensor(op.outputs[i]); }
    bool hasInput(size_t i) const { return i < op.inputs.size() && op.inputs[i] >= 0; }
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

// XNNPACK's output clamp for a fused activation; false for activations it cannot fuse.
bool clampFor(fb::ActivationFunctionType activation, float& lo, float& hi) {
    lo = -std::numeric_limits<float>::infinity();
    hi = std::numeric_limits<float>::infinity();
    switch (activation) {
        case fb::ActivationFunctionType::NONE:
            return true;
        case fb::ActivationFunctionType::RELU:
            lo = 0;
            return true;
        case fb::ActivationFunctionType::RELU_N1_TO_1:
            lo = -1, hi = 1;
            return true;
        case fb::ActivationFunctionType::RELU6:
            lo = 0, hi = 6;
            return true;
        default:
            return false;
    }
}

std::string typeReason(const char* role, TensorType type) {
    return std::string(role) + " is " + std::string(tensorTypeName(type)) +
           ", which this XNNPACK does not take here";
}

Status defineFailed(const NodeView& v, xnn_status status) {
    return {ErrorCode::Unsupported, "XNNPACK cannot define operator " + std::to_string(v.index) + " (" +
                                        v.code.name + "): " + xnnStatusName(status)};
}

#define LS_XNN_VALUE(var, expr)      \
    uint32_t var = 0;                \
    do {                             \
        auto _r = (expr);            \
        if (!_r) return _r.status(); \
        var = _r.value();            \
    } while (0)

// ---------------------------------------------------------------------------------------------------------
// CONV_2D
// ---------------------------------------------------------------------------------------------------------

NodeSupport canRunConv2d(NodeView& v) {
    if (v.op.inputs.size() < 2 || v.op.outputs.size() != 1)
        return NodeSupport::no("unexpected operand count");
    const RuntimeTensor& in = v.input(0);
    const RuntimeTensor& filter = v.input(1);
    if (in.type != TensorType::Float32) return NodeSupport::no(typeReason("the input", in.type));
    if (filter.type != TensorType::Float32) return NodeSupport::no(typeReason("the filter", filter.type));
    if (!isStaticTensor(filter)) return NodeSupport::no("the filter is not a constant");
    if (v.hasInput(2) && !isStaticTensor(v.input(2))) return NodeSupport::no("the bias is not a constant");
    if (in.shape.rank() != 4 || filter.shape.rank() != 4)
        return NodeSupport::no("input or filter is not 4-D");
    if (filter.shape[3] != in.shape[3])
        return NodeSupport::no("grouped convolution (filter depth differs from input channels)");
    const auto* o = v.options<fb::Conv2DOptions>();
    float lo, hi;
    if (!clampFor(o ? o->fused_activation_function() : fb::ActivationFunctionType::NONE, lo, hi))
        return NodeSupport::no(
            "fused activation " +
            std::string(fb::EnumNameActivationFunctionType(o->fused_activation_function())) +
            " has no XNNPACK clamp");
    return NodeSupport::yes();
}

Status defineConv2d(xnn_subgraph_t xnn, NodeView& v, XnnpackValues& values) {
    const auto* o = v.options<fb::Conv2DOptions>();
    const RuntimeTensor& filter = v.input(1);
    float lo, hi;
    clampFor(o ? o->fused_activation_function() : fb::ActivationFunctionType::NONE, lo, hi);
    LS_XNN_VALUE(input, values.value(v.op.inputs[0]));
    LS_XNN_VALUE(weights, values.value(v.op.inputs[1]));
    uint32_t bias = XNN_INVALID_VALUE_ID;
    if (v.hasInput(2)) {
        LS_XNN_VALUE(b, values.value(v.op.inputs[2]));
        bias = b;
    }
    LS_XNN_VALUE(output, values.value(v.op.outputs[0]));
    const uint32_t strideH = o ? static_cast<uint32_t>(o->stride_h()) : 1,
                   strideW = o ? static_cast<uint32_t>(o->stride_w()) : 1;
    const uint32_t dilationH = o ? static_cast<uint32_t>(o->dilation_h_factor()) : 1,
                   dilationW = o ? static_cast<uint32_t>(o->dilation_w_factor()) : 1;
    const bool same = !o || o->padding() == fb::Padding::SAME;
    xnn_status s = xnn_define_convolution_2d(xnn, 0, 0, 0, 0, static_cast<uint32_t>(filter.shape[1]),
                                             static_cast<uint32_t>(filter.shape[2]), strideH, strideW,
                                             dilationH, dilationW, 1, static_cast<size_t>(filter.shape[3]),
                                             static_cast<size_t>(filter.shape[0]), lo, hi, input, weights,
                                             bias, output, same ? XNN_FLAG_TENSORFLOW_SAME_PADDING : 0);
    return s == xnn_status_success ? Status::ok() : defineFailed(v, s);
}

// ---------------------------------------------------------------------------------------------------------
// ADD
// ---------------------------------------------------------------------------------------------------------

NodeSupport canRunAdd(NodeView& v) {
    if (v.op.inputs.size() != 2 || v.op.outputs.size() != 1)
        return NodeSupport::no("unexpected operand count");
    for (size_t i = 0; i < 2; ++i)
        if (v.input(i).type != TensorType::Float32)
            return NodeSupport::no(typeReason("an input", v.input(i).type));
    if (v.input(0).shape.rank() > 4 || v.input(1).shape.rank() > 4)
        return NodeSupport::no("more than 4 dimensions");
    const auto* o = v.options<fb::AddOptions>();
    float lo, hi;
    if (!clampFor(o ? o->fused_activation_function() : fb::ActivationFunctionType::NONE, lo, hi))
        return NodeSupport::no("fused activation has no XNNPACK clamp");
    return NodeSupport::yes();
}

Status defineAdd(xnn_subgraph_t xnn, NodeView& v, XnnpackValues& values) {
    const auto* o = v.options<fb::AddOptions>();
    float lo, hi;
    clampFor(o ? o->fused_activation_function() : fb::ActivationFunctionType::NONE, lo, hi);
    LS_XNN_VALUE(a, values.value(v.op.inputs[0]));
    LS_XNN_VALUE(b, values.value(v.op.inputs[1]));
    LS_XNN_VALUE(out, values.value(v.op.outputs[0]));
    xnn_status s = xnn_define_add2(xnn, lo, hi, a, b, out, 0);
    return s == xnn_status_success ? Status::ok() : defineFailed(v, s);
}

}  // namespace

NodeSupport xnnpackCanRun(SubgraphRuntime& sg, int32_t node) {
    NodeView v = viewOf(sg, node);
    for (int32_t t : v.op.outputs)
        if (t >= 0 && sg.tensor(t).allocation == Allocation::Dynamic)
            return NodeSupport::no("its output's shape is known only at run time");
    switch (static_cast<fb::BuiltinOperator>(v.code.builtinCode)) {
        case fb::BuiltinOperator::CONV_2D:
            return canRunConv2d(v);
        case fb::BuiltinOperator::ADD:
            return canRunAdd(v);
        default:
            return NodeSupport::no(v.code.name + " has no XNNPACK equivalent in this delegate");
    }
}

Status xnnpackDefine(xnn_subgraph_t xnn, SubgraphRuntime& sg, int32_t node, XnnpackValues& values) {
    NodeView v = viewOf(sg, node);
    switch (static_cast<fb::BuiltinOperator>(v.code.builtinCode)) {
        case fb::BuiltinOperator::CONV_2D:
            return defineConv2d(xnn, v, values);
        case fb::BuiltinOperator::ADD:
            return defineAdd(xnn, v, values);
        default:
            return {ErrorCode::Unsupported, v.code.name + " has no XNNPACK definition"};
    }
}

xnn_datatype xnnpackDatatype(SubgraphRuntime& sg, int32_t tensor, bool perChannelAllowed) {
    const RuntimeTensor& t = sg.tensor(tensor);
    const QuantizationParams& q = t.quantization();
    const bool perChannel = q.scale.size() > 1;
    switch (t.type) {
        case TensorType::Float32:
            return xnn_datatype_fp32;
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

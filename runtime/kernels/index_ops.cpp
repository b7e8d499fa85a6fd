// Ops driven by index values: GATHER, GATHER_ND, SCATTER_ND, EMBEDDING_LOOKUP, WHERE, ARG_MAX, ARG_MIN,
// TOPK_V2, CUMSUM and SEGMENT_SUM. Indices come from the model's data, so every one is checked before it is
// used.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <numeric>
#include <string>
#include <type_traits>

#include "runtime/kernel_registry.h"
#include "runtime/kernels/kernel_util.h"

namespace litescope::kernels {
namespace {

constexpr int kMaxRank = Shape::kMaxRank;

std::string str(int64_t v) {
    return std::to_string(v);
}
std::string typeName(TensorType t) {
    return std::string(tensorTypeName(t));
}

// ---------------------------------------------------------------------------------------------------------
// Checks shared by the kernels
// ---------------------------------------------------------------------------------------------------------

// `to` receives `from`'s elements unchanged: same type, byte-sized elements and, for quantized types, the
// same scale and zero point.
Status checkPassThrough(OpContext& ctx, const RuntimeTensor& from, const RuntimeTensor& to,
                        const std::string& role) {
    if (from.type != to.type)
        return ctx.fail(role + " type " + typeName(from.type) + " differs from the output type " +
                        typeName(to.type));
    if (!isByteSized(from.type)) return ctx.unsupportedType(role.c_str(), from.type);
    if (isQuantizedType(from.type) && !sameQuantization(from, to))
        return Status(ErrorCode::Unsupported,
                      ctx.fail(role + " quantization (scale " + std::to_string(from.scale()) +
                               ", zero point " + str(from.zeroPoint()) +
                               ") differs from the output's (scale " + std::to_string(to.scale()) +
                               ", zero point " + str(to.zeroPoint()) + "); requantizing is not supported")
                          .message());
    return Status::ok();
}

Status checkArity(OpContext& ctx, int inputs, int outputs) {
    LS_ENSURE(ctx, ctx.inputCount() == inputs,
              "expects " + str(inputs) + " inputs, has " + str(ctx.inputCount()));
    for (int i = 0; i < inputs; ++i)
        LS_ENSURE(ctx, ctx.hasInput(i), "input " + str(i) + " is missing");
    LS_ENSURE(ctx, ctx.outputCount() == outputs,
              "expects " + str(outputs) + " outputs, has " + str(ctx.outputCount()));
    for (int i = 0; i < outputs; ++i)
        LS_ENSURE(ctx, ctx.outputIndex(i) >= 0, "output " + str(i) + " is missing");
    return Status::ok();
}

Status checkIndexType(OpContext& ctx, const RuntimeTensor& t, const char* what) {
    if (!isIndexType(t.type)) return ctx.unsupportedType(what, t.type);
    return Status::ok();
}

// ARG_MAX and ARG_MIN write INT32 or INT64 indices: the output tensor's type rules, and an output_type option
// that names another index type contradicts it.
Status checkIndexOutput(OpContext& ctx, TensorType outputType, TensorType optionType) {
    if (!isIndexType(outputType)) return ctx.unsupportedType("output", outputType);
    LS_ENSURE(ctx, !isIndexType(optionType) || optionType == outputType,
              "output_type " + typeName(optionType) + " differs from the output tensor's type " +
                  typeName(outputType));
    return Status::ok();
}

void writeIndex(RuntimeTensor& t, int64_t i, int64_t v) {
    if (t.type == TensorType::Int64)
        t.as<int64_t>()[i] = v;
    else
        t.as<int32_t>()[i] = static_cast<int32_t>(v);
}

// Calls fn(typed pointer) for the element types the value-reading kernels handle (BOOL reads as uint8).
template <typename Fn>
bool dispatchNumeric(TensorType type, const uint8_t* data, Fn&& fn) {
    switch (type) {
        case TensorType::Float32:
            fn(reinterpret_cast<const float*>(data));
            return true;
        case TensorType::Float64:
            fn(reinterpret_cast<const double*>(data));
            return true;
        case TensorType::Int8:
            fn(reinterpret_cast<const int8_t*>(data));
            return true;
        case TensorType::Bool:
        case TensorType::UInt8:
            fn(reinterpret_cast<const uint8_t*>(data));
            return true;
        case TensorType::Int16:
            fn(reinterpret_cast<const int16_t*>(data));
            return true;
        case TensorType::UInt16:
            fn(reinterpret_cast<const uint16_t*>(data));
            return true;
        case TensorType::Int32:
            fn(reinterpret_cast<const int32_t*>(data));
            return true;
        case TensorType::UInt32:
            fn(reinterpret_cast<const uint32_t*>(data));
            return true;
        case TensorType::Int64:
            fn(reinterpret_cast<const int64_t*>(data));
            return true;
        case TensorType::UInt64:
            fn(reinterpret_cast<const uint64_t*>(data));
            return true;
        default:
            return false;
    }
}

bool isNumeric(TensorType type) {
    return dispatchNumeric(type, nullptr, [](const auto*) {});
}

// ---------------------------------------------------------------------------------------------------------
// GATHER, GATHER_ND, EMBEDDING_LOOKUP
// ---------------------------------------------------------------------------------------------------------

class GatherKernel : public OpKernel {
  public:
    Status prepare(OpContext& ctx) override {
        LS_RETURN_IF_ERROR(checkArity(ctx, 2, 1));
        const RuntimeTensor& params = ctx.input(0);
        const RuntimeTensor& indices = ctx.input(1);
        LS_RETURN_IF_ERROR(checkPassThrough(ctx, params, ctx.output(0), "params"));
        LS_RETURN_IF_ERROR(checkIndexType(ctx, indices, "indices"));
        const auto* o = ctx.options<fb::GatherOptions>();
        const int pr = params.shape.rank(), ir = indices.shape.rank();
        LS_ENSURE(ctx, pr >= 1, "params must have at least one dimension");
        const int64_t axis = o ? o->axis() : 0;
        LS_ENSURE(ctx, axis >= -pr && axis < pr,
                  "axis " + str(axis) + " is out of range for params rank " + str(pr));
        axis_ = static_cast<int>(axis < 0 ? axis + pr : axis);
        const int64_t batchDims = o ? o->batch_dims() : 0;
        LS_ENSURE(ctx, batchDims >= -ir && batchDims <= ir,
                  "batch_dims " + str(batchDims) + " is out of range for indices rank " + str(ir));
        batchDims_ = static_cast<int>(batchDims < 0 ? batchDims + ir : batchDims);
        LS_ENSURE(ctx, batchDims_ <= axis_, "batch_dims " + str(batchDims_) + " exceeds axis " + str(axis_));
        for (int d = 0; d < batchDims_; ++d)
            LS_ENSURE(ctx, params.shape[d] == indices.shape[d],
                      "batch dimension " + str(d) + " differs: params " + params.shape.toString() +
                          ", indices " + indices.shape.toString());
        LS_ENSURE(ctx, pr - 1 + ir - batchDims_ <= kMaxRank,
                  "output has more than " + str(kMaxRank) + " dimensions");
        Shape out;
        for (int d = 0; d < axis_; ++d)
            out.push(params.shape[d]);
        for (int d = batchDims_; d < ir; ++d)
            out.push(indices.shape[d]);
        for (int d = axis_ + 1; d < pr; ++d)
            out.push(params.shape[d]);
        return ctx.resizeOutput(0, out);
    }

    Status eval(OpContext& ctx) override {
        const RuntimeTensor& params = ctx.input(0);
        const RuntimeTensor& indices = ctx.input(1);
        RuntimeTensor& out = ctx.output(0);
        LS_RETURN_IF_ERROR(requireData(ctx, indices, "indices"));
        const Shape& ps = params.shape;
        const int64_t batch = ps.flatSize(0, batchDims_);
        const int64_t outer = ps.flatSize(batchDims_, axis_);
        const int64_t axisSize = ps[axis_];
        const auto run = static_cast<size_t>(ps.flatSize(axis_ + 1, ps.rank())) * elementSize(params.type);
        const int64_t count = indices.shape.flatSize(batchDims_, indices.shape.rank());
        for (int64_t i = 0; i < batch * count; ++i) {
            const int64_t index = readIndex(indices, i);
            LS_ENSURE(ctx, index >= 0 && index < axisSize,
                      "index " + str(index) + " (indices element " + str(i) + ") is out of range [0, " +
                          str(axisSize) + ") for dimension " + str(axis_) + " of params " + ps.toString());
        }
        if (run == 0 || out.elementCount() == 0) return Status::ok();
        LS_RETURN_IF_ERROR(requireData(ctx, params, "params"));
        uint8_t* dst = out.data;
        for (int64_t b = 0; b < batch; ++b) {
            for (int64_t o = 0; o < outer; ++o) {
                const uint8_t* src = params.data + static_cast<size_t>((b * outer + o) * axisSize) * run;
                for (int64_t k = 0; k < count; ++k) {
                    std::memcpy(dst, src + static_cast<size_t>(readIndex(indices, b * count + k)) * run, run);
                    dst += run;
                }
            }
        }
        return Status::ok();
    }

  private:
    int axis_ = 0;
    int batchDims_ = 0;
};

class GatherNdKernel : public OpKernel {
  public:
    Status prepare(OpContext& ctx) override {
        LS_RETURN_IF_ERROR(checkArity(ctx, 2, 1));
        const RuntimeTensor& params = ctx.input(0);
        const RuntimeTensor& indices = ctx.input(1);
        LS_RETURN_IF_ERROR(checkPassThrough(ctx, params, ctx.output(0), "params"));
        LS_RETURN_IF_ERROR(checkIndexType(ctx, indices, "indices"));
        const int pr = params.shape.rank(), ir = indices.shape.rank();
        LS_ENSURE(ctx, pr >= 1, "params must have at least one dimension");
        LS_ENSURE(ctx, ir >= 1, "indices must have at least one dimension");
        const int depth = indices.shape[ir - 1];
        LS_ENSURE(
            ctx, depth >= 0 && depth <= pr,
            "index depth " + str(depth) + " (last dimension of indices) exceeds the params rank " + str(pr));
        LS_ENSURE(ctx, ir - 1 + pr - depth <= kMaxRank,
                  "output has more than " + str(kMaxRank) + " dimensions");
        Shape out;
        for (int d = 0; d < ir - 1; ++d)
            out.push(indices.shape[d]);
        for (int d = depth; d < pr; ++d)
            out.push(params.shape[d]);
        return ctx.resizeOutput(0, out);
    }

    Status eval(OpContext& ctx) override {
        const RuntimeTensor& params = ctx.input(0);
        const RuntimeTensor& indices = ctx.input(1);
        RuntimeTensor& out = ctx.output(0);
        LS_RETURN_IF_ERROR(requireData(ctx, indices, "indices"));
        const Shape& ps = params.shape;
        const int depth = indices.shape[indices.shape.rank() - 1];
        const int64_t count = indices.shape.flatSize(0, indices.shape.rank() - 1);
        const int64_t slice = ps.flatSize(depth, ps.rank());
        const auto run = static_cast<size_t>(slice) * elementSize(params.type);
        if (out.elementCount() > 0) LS_RETURN_IF_ERROR(requireData(ctx, params, "params"));
        for (int64_t k = 0; k < count; ++k) {
            int64_t offset = 0;
            for (int j = 0; j < depth; ++j) {
                const int64_t index = readIndex(indices, k * depth + j);
                LS_ENSURE(ctx, index >= 0 && index < ps[j],
                          "index " + str(index) + " (indices element " + str(k * depth + j) +
                              ") is out of range [0, " + str(ps[j]) + ") for dimension " + str(j) +
                              " of params " + ps.toString());
                offset = offset * ps[j] + index;
            }
            if (run)
                std::memcpy(out.data + static_cast<size_t>(k) * run,
                            params.data + static_cast<size_t>(offset) * run, run);
        }
        return Status::ok();
    }
};

class EmbeddingLookupKernel : public OpKernel {
  public:
    Status prepare(OpContext& ctx) override {
        LS_RETURN_IF_ERROR(checkArity(ctx, 2, 1));
        const RuntimeTensor& ids = ctx.input(0);
        const RuntimeTensor& value = ctx.input(1);
        LS_RETURN_IF_ERROR(checkIndexType(ctx, ids, "ids"));
        LS_ENSURE(ctx, ids.shape.rank() == 1, "ids must be a vector, has shape " + ids.shape.toString());
        LS_ENSURE(ctx, value.shape.rank() >= 2,
                  "value must have at least 2 dimensions, has shape " + value.shape.toString());
        if (value.type != ctx.output(0).type)
            return ctx.unsupportedType("value (with a different output type, a hybrid lookup)", value.type);
        LS_RETURN_IF_ERROR(checkPassThrough(ctx, value, ctx.output(0), "value"));
        Shape out = value.shape;
        out[0] = ids.shape[0];
        return ctx.resizeOutput(0, out);
    }

    Status eval(OpContext& ctx) override {
        const RuntimeTensor& ids = ctx.input(0);
        const RuntimeTensor& value = ctx.input(1);
        RuntimeTensor& out = ctx.output(0);
        LS_RETURN_IF_ERROR(requireData(ctx, ids, "ids"));
        const int64_t rows = value.shape[0];
        const auto run =
            static_cast<size_t>(value.shape.flatSize(1, value.shape.rank())) * elementSize(value.type);
        if (out.elementCount() > 0) LS_RETURN_IF_ERROR(requireData(ctx, value, "value"));
        for (int64_t i = 0; i < ids.elementCount(); ++i) {
            const int64_t id = readIndex(ids, i);
            LS_ENSURE(
                ctx, id >= 0 && id < rows,
                "id " + str(id) + " (ids element " + str(i) + ") is out of range [0, " + str(rows) + ")");
            if (run)
                std::memcpy(out.data + static_cast<size_t>(i) * run,
                            value.data + static_cast<size_t>(id) * run, run);
        }
        return Status::ok();
    }
};

// ---------------------------------------------------------------------------------------------------------
// SCATTER_ND
// ---------------------------------------------------------------------------------------------------------

class ScatterNdKernel : public OpKernel {
  public:
    Status prepare(OpContext& ctx) override {
        LS_RETURN_IF_ERROR(checkArity(ctx, 3, 1));
        const RuntimeTensor& indices = ctx.input(0);
        const RuntimeTensor& updates = ctx.input(1);
        const RuntimeTensor& shape = ctx.input(2);
        LS_RETURN_IF_ERROR(checkIndexType(ctx, indices, "indices"));
        LS_ENSURE(ctx, shape.type == indices.type,
                  "shape type " + typeName(shape.type) + " differs from the indices type");
        LS_ENSURE(ctx, shape.shape.rank() == 1,
                  "shape must be a vector, has shape " + shape.shape.toString());
        LS_ENSURE(ctx, indices.shape.rank() >= 1, "indices must have at least one dimension");
        switch (updates.type) {
            case TensorType::Float32:
            case TensorType::Int32:
            case TensorType::Int64:
            case TensorType::Int16:
            case TensorType::Int8:
            case TensorType::UInt8:
            case TensorType::Bool:
                break;
            default:
                return ctx.unsupportedType("updates", updates.type);
        }
        LS_RETURN_IF_ERROR(checkPassThrough(ctx, updates, ctx.output(0), "updates"));
        dynamic_ = !valuesKnown(ctx, shape);
        if (dynamic_) {
            ctx.markOutputDynamic(0);
            return Status::ok();
        }
        return resize(ctx);
    }

    Status eval(OpContext& ctx) override {
        if (dynamic_) LS_RETURN_IF_ERROR(resize(ctx));
        const RuntimeTensor& indices = ctx.input(0);
        const RuntimeTensor& updates = ctx.input(1);
        RuntimeTensor& out = ctx.output(0);
        LS_RETURN_IF_ERROR(requireData(ctx, indices, "indices"));
        LS_RETURN_IF_ERROR(requireData(ctx, updates, "updates"));
        const Shape& os = out.shape;
        const int depth = indices.shape[indices.shape.rank() - 1];
        const int64_t count = indices.shape.flatSize(0, indices.shape.rank() - 1);
        const int64_t slice = os.flatSize(depth, os.rank());
        // Every index is checked before the output is touched.
        for (int64_t k = 0; k < count; ++k)
            for (int j = 0; j < depth; ++j) {
                const int64_t index = readIndex(indices, k * depth + j);
                LS_ENSURE(ctx, index >= 0 && index < os[j],
                          "index " + str(index) + " (indices element " + str(k * depth + j) +
                              ") is out of range [0, " + str(os[j]) + ") for dimension " + str(j) +
                              " of the output " + os.toString());
            }
        if (out.bytes) std::memset(out.data, 0, out.bytes);
        switch (out.type) {
            case TensorType::Float32:
                scatter<float>(indices, updates, out, depth, count, slice);
                break;
            case TensorType::Int32:
                scatter<int32_t>(indices, updates, out, depth, count, slice);
                break;
            case TensorType::Int64:
                scatter<int64_t>(indices, updates, out, depth, count, slice);
                break;
            case TensorType::Int16:
                scatter<int16_t>(indices, updates, out, depth, count, slice);
                break;
            case TensorType::Int8:
                scatter<int8_t>(indices, updates, out, depth, count, slice);
                break;
            case TensorType::UInt8:
                scatter<uint8_t>(indices, updates, out, depth, count, slice);
                break;
            case TensorType::Bool:
                scatter<bool>(indices, updates, out, depth, count, slice);
                break;
            default:
                return ctx.unsupportedType("updates", out.type);
        }
        return Status::ok();
    }

  private:
    // Repeated indices add up, as in TFLite (BOOL: any update that is true makes the element true).
    template <typename T>
    static void scatter(const RuntimeTensor& indices, const RuntimeTensor& updates, RuntimeTensor& out,
                        int depth, int64_t count, int64_t slice) {
        const T* src = updates.as<T>();
        T* dst = out.as<T>();
        for (int64_t k = 0; k < count; ++k) {
            int64_t offset = 0;
            for (int j = 0; j < depth; ++j)
                offset = offset * out.shape[j] + readIndex(indices, k * depth + j);
            T* row = dst + offset * slice;
            const T* from = src + k * slice;
            for (int64_t e = 0; e < slice; ++e) {
                if constexpr (std::is_same_v<T, bool>) {
                    row[e] = row[e] || from[e];
                } else if constexpr (std::is_integral_v<T>) {
                    using U = std::make_unsigned_t<T>;
                    row[e] = static_cast<T>(static_cast<U>(static_cast<U>(row[e]) + static_cast<U>(from[e])));
                } else {
                    row[e] += from[e];
                }
            }
        }
    }

    Status resize(OpContext& ctx) {
        const RuntimeTensor& indices = ctx.input(0);
        const RuntimeTensor& updates = ctx.input(1);
        const RuntimeTensor& shape = ctx.input(2);
        LS_RETURN_IF_ERROR(requireData(ctx, shape, "shape"));
        LS_ENSURE(ctx, shape.elementCount() <= kMaxRank,
                  "shape has more than " + str(kMaxRank) + " dimensions");
        Shape out;
        for (int64_t i = 0; i < shape.elementCount(); ++i) {
            const int64_t d = readIndex(shape, i);
            LS_ENSURE(ctx, d >= 0 && d <= std::numeric_limits<int32_t>::max(),
                      "shape has the dimension " + str(d));
            out.push(static_cast<int32_t>(d));
        }
        const int outer = indices.shape.rank() - 1;
        const int depth = indices.shape[outer];
        LS_ENSURE(ctx, depth <= out.rank(),
                  "index depth " + str(depth) + " exceeds the rank of the output shape " + out.toString());
        // updates = indices.shape[:-1] + shape[depth:]
        bool ok = updates.shape.rank() == outer + out.rank() - depth;
        for (int d = 0; ok && d < outer; ++d)
            ok = updates.shape[d] == indices.shape[d];
        for (int d = depth; ok && d < out.rank(); ++d)
            ok = updates.shape[outer + d - depth] == out[d];
        LS_ENSURE(ctx, ok,
                  "updates shape " + updates.shape.toString() + " does not match indices " +
                      indices.shape.toString() + " and output shape " + out.toString());
        return ctx.resizeOutput(0, out);
    }

    bool dynamic_ = false;
};

// ---------------------------------------------------------------------------------------------------------
// WHERE
// ---------------------------------------------------------------------------------------------------------

class WhereKernel : public OpKernel {
  public:
    Status prepare(OpContext& ctx) override {
        LS_RETURN_IF_ERROR(checkArity(ctx, 1, 1));
        const RuntimeTensor& cond = ctx.input(0);
        if (!isNumeric(cond.type) && cond.type != TensorType::Float16)
            return ctx.unsupportedType("condition", cond.type);
        if (ctx.output(0).type != TensorType::Int64)
            return ctx.unsupportedType("output (TFLite's WHERE gives INT64)", ctx.output(0).type);
        dynamic_ = !valuesKnown(ctx, cond);
        if (dynamic_) {
            ctx.markOutputDynamic(0);
            return Status::ok();
        }
        return resize(ctx);
    }

    Status eval(OpContext& ctx) override {
        if (dynamic_) LS_RETURN_IF_ERROR(resize(ctx));
        const RuntimeTensor& cond = ctx.input(0);
        int64_t* out = ctx.output(0).as<int64_t>();
        const Shape& s = cond.shape;
        const int rank = s.rank();
        int64_t row = 0;
        forEachTrue(cond, [&](int64_t i) {
            int64_t rest = i;
            for (int d = rank - 1; d >= 0; --d) {
                out[row * rank + d] = rest % s[d];
                rest /= s[d];
            }
            ++row;
        });
        return Status::ok();
    }

  private:
    template <typename Fn>
    static void forEachTrue(const RuntimeTensor& cond, Fn&& fn) {
        const int64_t n = cond.elementCount();
        if (cond.type == TensorType::Float16) {
            // Any bit outside the sign makes a half non-zero.
            const auto* p = cond.as<uint16_t>();
            for (int64_t i = 0; i < n; ++i)
                if (p[i] & 0x7fff) fn(i);
            return;
        }
        dispatchNumeric(cond.type, cond.data, [&](const auto* p) {
            for (int64_t i = 0; i < n; ++i)
                if (p[i] != 0) fn(i);
        });
    }

    Status resize(OpContext& ctx) {
        const RuntimeTensor& cond = ctx.input(0);
        LS_RETURN_IF_ERROR(requireData(ctx, cond, "condition"));
        int64_t count = 0;
        forEachTrue(cond, [&](int64_t) { ++count; });
        return ctx.resizeOutput(0, Shape{static_cast<int32_t>(count), cond.shape.rank()});
    }

    bool dynamic_ = false;
};

// ---------------------------------------------------------------------------------------------------------
// ARG_MAX, ARG_MIN
// ---------------------------------------------------------------------------------------------------------

template <bool IsMax>
class ArgMinMaxKernel : public OpKernel {
  public:
    Status prepare(OpContext& ctx) override {
        LS_RETURN_IF_ERROR(checkArity(ctx, 2, 1));
        const RuntimeTensor& in = ctx.input(0);
        if (!isNumeric(in.type)) return ctx.unsupportedType("input", in.type);
        LS_ENSURE(ctx, in.shape.rank() >= 1, "input must have at least one dimension");
        TensorType optionType = TensorType::Int32;
        if constexpr (IsMax) {
            if (auto* o = ctx.options<fb::ArgMaxOptions>())
                optionType = static_cast<TensorType>(o->output_type());
        } else {
            if (auto* o = ctx.options<fb::ArgMinOptions>())
                optionType = static_cast<TensorType>(o->output_type());
        }
        LS_RETURN_IF_ERROR(checkIndexOutput(ctx, ctx.output(0).type, optionType));
        LS_RETURN_IF_ERROR(checkIndexType(ctx, ctx.input(1), "axis"));
        dynamic_ = !valuesKnown(ctx, ctx.input(1));
        if (dynamic_) {
            ctx.markOutputDynamic(0);
            return Status::ok();
        }
        return resize(ctx);
    }

    Status eval(OpContext& ctx) override {
        if (dynamic_) LS_RETURN_IF_ERROR(resize(ctx));
        const RuntimeTensor& in = ctx.input(0);
        RuntimeTensor& out = ctx.output(0);
        LS_RETURN_IF_ERROR(requireData(ctx, in, "input"));
        const int64_t outer = in.shape.flatSize(0, axis_);
        const int64_t n = in.shape[axis_];
        const int64_t inner = in.shape.flatSize(axis_ + 1, in.shape.rank());
        dispatchNumeric(in.type, in.data, [&](const auto* p) {
            for (int64_t o = 0; o < outer; ++o) {
                for (int64_t i = 0; i < inner; ++i) {
                    const auto* base = p + o * n * inner + i;
                    auto best = base[0];
                    int64_t at = 0;
                    // Strict comparison: the first of equal extremes wins, as in TFLite.
                    for (int64_t k = 1; k < n; ++k) {
                        const auto v = base[k * inner];
                        if (IsMax ? v > best : v < best) best = v, at = k;
                    }
                    writeIndex(out, o * inner + i, at);
                }
            }
        });
        return Status::ok();
    }

  private:
    Status resize(OpContext& ctx) {
        const Shape& in = ctx.input(0).shape;
        LS_RETURN_IF_ERROR(readAxis(ctx, ctx.input(1), in.rank(), axis_));
        Shape out;
        for (int d = 0; d < in.rank(); ++d)
            if (d != axis_) out.push(in[d]);
        LS_ENSURE(ctx, in[axis_] > 0 || out.elementCount() == 0,
                  "axis " + str(axis_) + " of " + in.toString() + " is empty: there is no extreme to find");
        return ctx.resizeOutput(0, out);
    }

    int axis_ = 0;
    bool dynamic_ = false;
};

// ---------------------------------------------------------------------------------------------------------
// TOPK_V2
// ---------------------------------------------------------------------------------------------------------

class TopKKernel : public OpKernel {
  public:
    Status prepare(OpContext& ctx) override {
        LS_RETURN_IF_ERROR(checkArity(ctx, 2, 2));
        const RuntimeTensor& in = ctx.input(0);
        switch (in.type) {
            case TensorType::Float32:
            case TensorType::Int8:
            case TensorType::UInt8:
            case TensorType::Int16:
            case TensorType::Int32:
            case TensorType::Int64:
                break;
            default:
                return ctx.unsupportedType("input", in.type);
        }
        LS_RETURN_IF_ERROR(checkPassThrough(ctx, in, ctx.output(0), "input"));
        if (!isIndexType(ctx.output(1).type))
            return ctx.unsupportedType("indices output", ctx.output(1).type);
        LS_ENSURE(ctx, in.shape.rank() >= 1, "input must have at least one dimension");
        const RuntimeTensor& k = ctx.input(1);
        LS_RETURN_IF_ERROR(checkIndexType(ctx, k, "k"));
        LS_ENSURE(ctx, k.elementCount() == 1, "k must hold one value, has " + str(k.elementCount()));
        const int32_t n = in.shape[in.shape.rank() - 1];
        scratch_ = ctx.requestScratch(static_cast<size_t>(std::max(n, 1)) * sizeof(int32_t));
        dynamic_ = !valuesKnown(ctx, k);
        if (dynamic_) {
            ctx.markOutputDynamic(0);
            ctx.markOutputDynamic(1);
            return Status::ok();
        }
        return resize(ctx);
    }

    Status eval(OpContext& ctx) override {
        if (dynamic_) LS_RETURN_IF_ERROR(resize(ctx));
        const RuntimeTensor& in = ctx.input(0);
        LS_RETURN_IF_ERROR(requireData(ctx, in, "input"));
        switch (in.type) {
            case TensorType::Float32:
                run<float>(ctx);
                break;
            case TensorType::Int8:
                run<int8_t>(ctx);
                break;
            case TensorType::UInt8:
                run<uint8_t>(ctx);
                break;
            case TensorType::Int16:
                run<int16_t>(ctx);
                break;
            case TensorType::Int32:
                run<int32_t>(ctx);
                break;
            case TensorType::Int64:
                run<int64_t>(ctx);
                break;
            default:
                return ctx.unsupportedType("input", in.type);
        }
        return Status::ok();
    }

  private:
    template <typename T>
    void run(OpContext& ctx) {
        const RuntimeTensor& in = ctx.input(0);
        RuntimeTensor& values = ctx.output(0);
        RuntimeTensor& indices = ctx.output(1);
        const int64_t n = in.shape[in.shape.rank() - 1];
        const int64_t rows = in.shape.flatSize(0, in.shape.rank() - 1);
        auto* order = reinterpret_cast<int32_t*>(ctx.scratch(scratch_));
        for (int64_t r = 0; r < rows; ++r) {
            const T* v = in.as<T>() + r * n;
            std::iota(order, order + n, 0);
            // Larger first, the lower index first among equals (TFLite's order); NaNs last.
            auto before = [v](int32_t a, int32_t b) {
                if constexpr (std::is_floating_point_v<T>) {
                    const bool na = std::isnan(v[a]), nb = std::isnan(v[b]);
                    if (na || nb) return na == nb ? a < b : nb;
                }
                return v[a] != v[b] ? v[a] > v[b] : a < b;
            };
            std::partial_sort(order, order + k_, order + n, before);
            for (int64_t i = 0; i < k_; ++i) {
                values.as<T>()[r * k_ + i] = v[order[i]];
                writeIndex(indices, r * k_ + i, order[i]);
            }
        }
    }

    Status resize(OpContext& ctx) {
        const Shape& in = ctx.input(0).shape;
        const RuntimeTensor& k = ctx.input(1);
        LS_RETURN_IF_ERROR(requireData(ctx, k, "k"));
        const int64_t kv = readIndex(k, 0);
        const int32_t n = in[in.rank() - 1];
        LS_ENSURE(ctx, kv >= 0 && kv <= n,
                  "k " + str(kv) + " is out of range [0, " + str(n) + "] (the last dimension)");
        k_ = kv;
        Shape out = in;
        out[in.rank() - 1] = static_cast<int32_t>(kv);
        LS_RETURN_IF_ERROR(ctx.resizeOutput(0, out));
        return ctx.resizeOutput(1, out);
    }

    int64_t k_ = 0;
    int scratch_ = 0;
    bool dynamic_ = false;
};

// ---------------------------------------------------------------------------------------------------------
// CUMSUM, SEGMENT_SUM
// ---------------------------------------------------------------------------------------------------------

// Integer sums wrap instead of overflowing (no undefined behaviour on hostile data).
template <typename T>
T addWrapping(T a, T b) {
    if constexpr (std::is_integral_v<T>) {
        using U = std::make_unsigned_t<T>;
        return static_cast<T>(static_cast<U>(static_cast<U>(a) + static_cast<U>(b)));
    } else {
        return a + b;
    }
}

class CumsumKernel : public OpKernel {
  public:
    Status prepare(OpContext& ctx) override {
        LS_RETURN_IF_ERROR(checkArity(ctx, 2, 1));
        const RuntimeTensor& in = ctx.input(0);
        if (in.type != TensorType::Float32 && in.type != TensorType::Int32 && in.type != TensorType::Int64)
            return ctx.unsupportedType("input", in.type);
        LS_ENSURE(ctx, ctx.output(0).type == in.type, "output type differs from the input's");
        LS_ENSURE(ctx, in.shape.rank() >= 1, "input must have at least one dimension");
        LS_RETURN_IF_ERROR(checkIndexType(ctx, ctx.input(1), "axis"));
        if (auto* o = ctx.options<fb::CumsumOptions>()) {
            exclusive_ = o->exclusive();
            reverse_ = o->reverse();
        }
        if (valuesKnown(ctx, ctx.input(1)))
            LS_RETURN_IF_ERROR(readAxis(ctx, ctx.input(1), in.shape.rank(), axis_));
        return ctx.resizeOutput(0, in.shape);
    }

    Status eval(OpContext& ctx) override {
        const RuntimeTensor& in = ctx.input(0);
        LS_RETURN_IF_ERROR(readAxis(ctx, ctx.input(1), in.shape.rank(), axis_));
        LS_RETURN_IF_ERROR(requireData(ctx, in, "input"));
        switch (in.type) {
            case TensorType::Float32:
                run<float>(in, ctx.output(0));
                break;
            case TensorType::Int32:
                run<int32_t>(in, ctx.output(0));
                break;
            case TensorType::Int64:
                run<int64_t>(in, ctx.output(0));
                break;
            default:
                return ctx.unsupportedType("input", in.type);
        }
        return Status::ok();
    }

  private:
    template <typename T>
    void run(const RuntimeTensor& in, RuntimeTensor& out) const {
        const int64_t outer = in.shape.flatSize(0, axis_);
        const int64_t n = in.shape[axis_];
        const int64_t inner = in.shape.flatSize(axis_ + 1, in.shape.rank());
        const T* src = in.as<T>();
        T* dst = out.as<T>();
        for (int64_t o = 0; o < outer; ++o) {
            for (int64_t i = 0; i < inner; ++i) {
                T sum = 0;
                for (int64_t s = 0; s < n; ++s) {
                    const int64_t k = reverse_ ? n - 1 - s : s;
                    const int64_t at = (o * n + k) * inner + i;
                    const T x = src[at];
                    if (exclusive_) {
                        dst[at] = sum;
                        sum = addWrapping(sum, x);
                    } else {
                        sum = addWrapping(sum, x);
                        dst[at] = sum;
                    }
                }
            }
        }
    }

    int axis_ = 0;
    bool exclusive_ = false;
    bool reverse_ = false;
};

class SegmentSumKernel : public OpKernel {
  public:
    Status prepare(OpContext& ctx) override {
        LS_RETURN_IF_ERROR(checkArity(ctx, 2, 1));
        const RuntimeTensor& data = ctx.input(0);
        const RuntimeTensor& ids = ctx.input(1);
        if (data.type != TensorType::Float32 && data.type != TensorType::Int32 &&
            data.type != TensorType::Int64)
            return ctx.unsupportedType("data", data.type);
        LS_ENSURE(ctx, ctx.output(0).type == data.type, "output type differs from the data's");
        LS_RETURN_IF_ERROR(checkIndexType(ctx, ids, "segment_ids"));
        LS_ENSURE(ctx, data.shape.rank() >= 1, "data must have at least one dimension");
        LS_ENSURE(ctx, ids.shape.rank() == 1 && ids.shape[0] == data.shape[0],
                  "segment_ids " + ids.shape.toString() + " must hold one id per row of data " +
                      data.shape.toString());
        dynamic_ = !valuesKnown(ctx, ids);
        if (dynamic_) {
            ctx.markOutputDynamic(0);
            return Status::ok();
        }
        return resize(ctx);
    }

    Status eval(OpContext& ctx) override {
        if (dynamic_) LS_RETURN_IF_ERROR(resize(ctx));
        const RuntimeTensor& data = ctx.input(0);
        const RuntimeTensor& ids = ctx.input(1);
        RuntimeTensor& out = ctx.output(0);
        LS_RETURN_IF_ERROR(requireData(ctx, data, "data"));
        if (out.bytes) std::memset(out.data, 0, out.bytes);
        switch (data.type) {
            case TensorType::Float32:
                run<float>(data, ids, out);
                break;
            case TensorType::Int32:
                run<int32_t>(data, ids, out);
                break;
            case TensorType::Int64:
                run<int64_t>(data, ids, out);
                break;
            default:
                return ctx.unsupportedType("data", data.type);
        }
        return Status::ok();
    }

  private:
    template <typename T>
    static void run(const RuntimeTensor& data, const RuntimeTensor& ids, RuntimeTensor& out) {
        const int64_t row = data.shape.flatSize(1, data.shape.rank());
        const T* src = data.as<T>();
        T* dst = out.as<T>();
        for (int64_t r = 0; r < data.shape[0]; ++r) {
            T* to = dst + readIndex(ids, r) * row;
            for (int64_t e = 0; e < row; ++e)
                to[e] = addWrapping(to[e], src[r * row + e]);
        }
    }

    // Ids must be sorted and non-negative; the output has one row per id up to the largest (missing ids give
    // rows of zeros).
    Status resize(OpContext& ctx) {
        const RuntimeTensor& data = ctx.input(0);
        const RuntimeTensor& ids = ctx.input(1);
        LS_RETURN_IF_ERROR(requireData(ctx, ids, "segment_ids"));
        int64_t previous = 0;
        for (int64_t i = 0; i < ids.elementCount(); ++i) {
            const int64_t id = readIndex(ids, i);
            LS_ENSURE(ctx, id >= 0, "segment id " + str(id) + " (element " + str(i) + ") is negative");
            LS_ENSURE(ctx, id >= previous,
                      "segment ids are not sorted: " + str(id) + " (element " + str(i) + ") follows " +
                          str(previous));
            LS_ENSURE(ctx, id < std::numeric_limits<int32_t>::max(),
                      "segment id " + str(id) + " is too large");
            previous = id;
        }
        Shape out = data.shape;
        out[0] = ids.elementCount() ? static_cast<int32_t>(previous + 1) : 0;
        return ctx.resizeOutput(0, out);
    }

    bool dynamic_ = false;
};

}  // namespace

void registerIndexKernels(KernelRegistry& r) {
    using B = fb::BuiltinOperator;
    r.add(B::GATHER, makeKernel<GatherKernel>);
    r.add(B::GATHER_ND, makeKernel<GatherNdKernel>);
    r.add(B::SCATTER_ND, makeKernel<ScatterNdKernel>);
    r.add(B::EMBEDDING_LOOKUP, makeKernel<EmbeddingLookupKernel>);
    r.add(B::WHERE, makeKernel<WhereKernel>);
    r.add(B::ARG_MAX, makeKernel<ArgMinMaxKernel<true>>);
    r.add(B::ARG_MIN, makeKernel<ArgMinMaxKernel<false>>);
    r.add(B::TOPK_V2, makeKernel<TopKKernel>);
    r.add(B::CUMSUM, makeKernel<CumsumKernel>);
    r.add(B::SEGMENT_SUM, makeKernel<SegmentSumKernel>);
}

}  // namespace litescope::kernels

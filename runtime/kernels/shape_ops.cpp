// Ops that move elements without arithmetic, for every fixed-size element type: RESHAPE, SQUEEZE,
// EXPAND_DIMS, SHAPE, RANK, FILL, BROADCAST_TO, BROADCAST_ARGS, TRANSPOSE, CONCATENATION, SPLIT, SPLIT_V,
// PACK, UNPACK, SLICE, STRIDED_SLICE, TILE, REVERSE_V2, PAD, PADV2, MIRROR_PAD and the space/depth/batch
// rearrangements.
#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "runtime/kernel_registry.h"
#include "runtime/kernels/kernel_util.h"

namespace litescope::kernels {
namespace {

constexpr int kMaxRank = Shape::kMaxRank;
using Dims = std::array<int64_t, Shape::kMaxRank>;

std::string str(int64_t v) {
    return std::to_string(v);
}
std::string typeName(TensorType t) {
    return std::string(tensorTypeName(t));
}

// ---------------------------------------------------------------------------------------------------------
// Checks shared by the kernels
// ---------------------------------------------------------------------------------------------------------

std::string quantText(const RuntimeTensor& t) {
    return "scale " + std::to_string(t.scale()) + ", zero point " + str(t.zeroPoint());
}

// `to` receives `from`'s elements unchanged: same type, byte-sized elements and, for quantized types, the
// same scale and zero point (a rescale would be arithmetic).
Status checkPassThrough(OpContext& ctx, const RuntimeTensor& from, const RuntimeTensor& to,
                        const std::string& role) {
    if (from.type != to.type)
        return ctx.fail(role + " type " + typeName(from.type) + " differs from the output type " +
                        typeName(to.type));
    if (!isByteSized(from.type)) return ctx.unsupportedType(role.c_str(), from.type);
    if (isQuantizedType(from.type) && !sameQuantization(from, to))
        return Status(ErrorCode::Unsupported,
                      ctx.fail(role + " quantization (" + quantText(from) + ") differs from the output's (" +
                               quantText(to) + "); requantizing is not supported")
                          .message());
    return Status::ok();
}

// Input and output counts, with every required input and every output present (outputs < 0: any number).
Status checkArity(OpContext& ctx, int minInputs, int maxInputs, int outputs) {
    LS_ENSURE(ctx, ctx.inputCount() >= minInputs && ctx.inputCount() <= maxInputs,
              "expects " +
                  (minInputs == maxInputs ? str(minInputs) : str(minInputs) + " to " + str(maxInputs)) +
                  " inputs, has " + str(ctx.inputCount()));
    for (int i = 0; i < minInputs; ++i)
        LS_ENSURE(ctx, ctx.hasInput(i), "input " + str(i) + " is missing");
    if (outputs >= 0)
        LS_ENSURE(ctx, ctx.outputCount() == outputs,
                  "expects " + str(outputs) + " outputs, has " + str(ctx.outputCount()));
    else
        LS_ENSURE(ctx, ctx.outputCount() >= 1, "has no outputs");
    for (int i = 0; i < ctx.outputCount(); ++i)
        LS_ENSURE(ctx, ctx.outputIndex(i) >= 0, "output " + str(i) + " is missing");
    return Status::ok();
}

// Shape, axis, begin, multiples... operands are INT32 or INT64.
Status checkIndexOperand(OpContext& ctx, const RuntimeTensor& t, const std::string& what) {
    if (!isIndexType(t.type)) return ctx.fail(what + " must be INT32 or INT64, not " + typeName(t.type));
    return Status::ok();
}

// Reads a vector of at most kMaxRank values (a shape, begin indices, multiples...).
Status readSmallVector(OpContext& ctx, const RuntimeTensor& t, const char* what, Dims& values, int& count) {
    LS_RETURN_IF_ERROR(requireData(ctx, t, what));
    const int64_t n = t.elementCount();
    LS_ENSURE(ctx, n <= kMaxRank,
              std::string(what) + " has " + str(n) + " values; at most " + str(kMaxRank) + " are supported");
    count = static_cast<int>(n);
    for (int i = 0; i < count; ++i)
        values[static_cast<size_t>(i)] = readIndex(t, i);
    return Status::ok();
}

// A shape from int64 values, refusing negative or oversized dimensions.
Status makeShape(OpContext& ctx, const int64_t* dims, int rank, Shape& out) {
    LS_ENSURE(ctx, rank >= 0 && rank <= kMaxRank, "rank " + str(rank) + " exceeds " + str(kMaxRank));
    out.setRank(0);
    for (int i = 0; i < rank; ++i) {
        LS_ENSURE(ctx, dims[i] >= 0 && dims[i] <= std::numeric_limits<int32_t>::max(),
                  "output dimension " + str(i) + " is " + str(dims[i]));
        out.push(static_cast<int32_t>(dims[i]));
    }
    return Status::ok();
}

Dims stridesOf(const Shape& s) {
    Dims st{};
    int64_t acc = 1;
    for (int d = s.rank() - 1; d >= 0; --d) {
        st[static_cast<size_t>(d)] = acc;
        acc *= s[d];
    }
    return st;
}

// ---------------------------------------------------------------------------------------------------------
// Moving elements
// ---------------------------------------------------------------------------------------------------------

template <int64_t Es>
void copyRun(const uint8_t* src, uint8_t* dst, int64_t n, int64_t srcStride, int64_t dstStride) {
    for (int64_t i = 0; i < n; ++i)
        std::memcpy(dst + i * dstStride * Es, src + i * srcStride * Es, Es);
}

// Copies n elements of `es` bytes, src and dst advancing by their strides (in elements, src's maybe <= 0).
void copyRunAny(const uint8_t* src, uint8_t* dst, int64_t es, int64_t n, int64_t srcStride,
                int64_t dstStride) {
    if (n <= 0) return;
    if (srcStride == 1 && dstStride == 1) {
        std::memcpy(dst, src, static_cast<size_t>(n * es));
        return;
    }
    switch (es) {
        case 1:
            copyRun<1>(src, dst, n, srcStride, dstStride);
            return;
        case 2:
            copyRun<2>(src, dst, n, srcStride, dstStride);
            return;
        case 4:
            copyRun<4>(src, dst, n, srcStride, dstStride);
            return;
        case 8:
            copyRun<8>(src, dst, n, srcStride, dstStride);
            return;
        default:
            for (int64_t i = 0; i < n; ++i)
                std::memcpy(dst + i * dstStride * es, src + i * srcStride * es, static_cast<size_t>(es));
    }
}

// An N-d block of elements: element (i0..ir) moves from src + sum(i*srcStride) to dst + sum(i*dstStride).
struct Block {
    int rank = 0;
    Dims dims{}, src{}, dst{};
    void add(int64_t n, int64_t s, int64_t d) {
        const auto r = static_cast<size_t>(rank++);
        dims[r] = n, src[r] = s, dst[r] = d;
    }
};

void copyBlock(const uint8_t* src, uint8_t* dst, size_t elementSizeBytes, const Block& b) {
    const auto es = static_cast<int64_t>(elementSizeBytes);
    // Unit dimensions vanish and dimensions contiguous on both sides merge, so the inner run is as long as
    // the layouts allow (a plain memcpy when they agree).
    Block c;
    for (int d = 0; d < b.rank; ++d) {
        const auto i = static_cast<size_t>(d);
        if (b.dims[i] == 0) return;
        if (b.dims[i] == 1) continue;
        const auto last = static_cast<size_t>(c.rank - 1);
        if (c.rank > 0 && c.src[last] == b.src[i] * b.dims[i] && c.dst[last] == b.dst[i] * b.dims[i]) {
            c.dims[last] *= b.dims[i];
            c.src[last] = b.src[i];
            c.dst[last] = b.dst[i];
        } else {
            c.add(b.dims[i], b.src[i], b.dst[i]);
        }
    }
    if (c.rank == 0) {
        std::memcpy(dst, src, elementSizeBytes);
        return;
    }
    const auto inner = static_cast<size_t>(c.rank - 1);
    Dims counter{};
    int64_t so = 0, dof = 0;
    for (;;) {
        copyRunAny(src + so * es, dst + dof * es, es, c.dims[inner], c.src[inner], c.dst[inner]);
        int d = c.rank - 2;
        for (; d >= 0; --d) {
            const auto i = static_cast<size_t>(d);
            so += c.src[i];
            dof += c.dst[i];
            if (++counter[i] < c.dims[i]) break;
            so -= c.src[i] * c.dims[i];
            dof -= c.dst[i] * c.dims[i];
            counter[i] = 0;
        }
        if (d < 0) return;
    }
}

// Writes n copies of one element.
void fillElements(uint8_t* dst, int64_t n, const uint8_t* value, size_t es) {
    if (n <= 0) return;
    if (std::all_of(value, value + es, [&](uint8_t v) { return v == value[0]; })) {
        std::memset(dst, value[0], static_cast<size_t>(n) * es);
        return;
    }
    std::memcpy(dst, value, es);
    int64_t filled = 1;
    while (filled < n) {
        const int64_t chunk = std::min(filled, n - filled);
        std::memcpy(dst + filled * static_cast<int64_t>(es), dst, static_cast<size_t>(chunk) * es);
        filled += chunk;
    }
}

// Strings have no fixed size: the output owns a copy of the packed buffer (TFLite reallocates it too).
Status copyStringTensor(OpContext& ctx, const RuntimeTensor& in, RuntimeTensor& out) {
    if (!out.owned || out.capacity < in.bytes) {
        out.owned = allocateAligned(in.bytes);
        if (!out.owned) return ctx.fail("cannot allocate " + str(static_cast<int64_t>(in.bytes)) + " bytes");
        out.capacity = in.bytes;
    }
    out.data = out.owned.get();
    out.bytes = in.bytes;
    if (in.bytes) std::memcpy(out.data, in.data, in.bytes);
    return Status::ok();
}

// The reshapes keep the bytes as they are.
Status copyAllBytes(OpContext& ctx) {
    const RuntimeTensor& in = ctx.input(0);
    RuntimeTensor& out = ctx.output(0);
    if (in.type == TensorType::String) return copyStringTensor(ctx, in, out);
    LS_ENSURE(ctx, in.bytes == out.bytes,
              "input has " + str(static_cast<int64_t>(in.bytes)) + " bytes, output " +
                  str(static_cast<int64_t>(out.bytes)));
    LS_RETURN_IF_ERROR(requireData(ctx, in, "input"));
    if (in.bytes && in.data != out.data) std::memmove(out.data, in.data, in.bytes);
    return Status::ok();
}

// Products of dimensions that stay far from overflow (shapes here come from untrusted tensors).
bool mulChecked(int64_t& acc, int64_t v) {
    return !__builtin_mul_overflow(acc, v, &acc) && acc <= (int64_t{1} << 48);
}

// ---------------------------------------------------------------------------------------------------------
// RESHAPE, SQUEEZE, EXPAND_DIMS
// ---------------------------------------------------------------------------------------------------------

Status checkView(OpContext& ctx) {
    const RuntimeTensor& in = ctx.input(0);
    const RuntimeTensor& out = ctx.output(0);
    if (in.type == TensorType::String && out.type == TensorType::String) return Status::ok();
    LS_ENSURE(ctx, in.type == out.type,
              "input type " + typeName(in.type) + " differs from the output type " + typeName(out.type));
    if (!isByteSized(in.type)) return ctx.unsupportedType("input", in.type);
    return Status::ok();
}

class ReshapeKernel : public OpKernel {
  public:
    Status prepare(OpContext& ctx) override {
        LS_RETURN_IF_ERROR(checkArity(ctx, 1, 2, 1));
        LS_RETURN_IF_ERROR(checkView(ctx));
        // As TFLite: the shape input counts only when it is an integer vector; otherwise the options say.
        fromTensor_ = false;
        if (ctx.hasInput(1)) {
            const RuntimeTensor& s = ctx.input(1);
            fromTensor_ = s.shape.rank() == 1 && isIndexType(s.type);
        }
        dynamic_ = fromTensor_ && !valuesKnown(ctx, ctx.input(1));
        if (dynamic_) {
            ctx.markOutputDynamic(0);
            return Status::ok();
        }
        return resize(ctx);
    }

    Status eval(OpContext& ctx) override {
        if (dynamic_) LS_RETURN_IF_ERROR(resize(ctx));
        return copyAllBytes(ctx);
    }

  private:
    Status resize(OpContext& ctx) {
        Dims dims{};
        int rank = 0;
        if (fromTensor_) {
            LS_RETURN_IF_ERROR(readSmallVector(ctx, ctx.input(1), "shape", dims, rank));
        } else if (auto* o = ctx.options<fb::ReshapeOptions>(); o && o->new_shape()) {
            const auto* ns = o->new_shape();
            LS_ENSURE(ctx, ns->size() <= static_cast<uint32_t>(kMaxRank),
                      "new_shape has too many dimensions");
            rank = static_cast<int>(ns->size());
            for (int i = 0; i < rank; ++i)
                dims[static_cast<size_t>(i)] = ns->Get(static_cast<uint32_t>(i));
            // Old converters wrote [0] for a scalar.
            if (rank == 1 && dims[0] == 0) rank = 0;
        }
        const int64_t count = ctx.input(0).elementCount();
        int64_t known = 1;
        int stretch = -1;
        for (int i = 0; i < rank; ++i) {
            const int64_t v = dims[static_cast<size_t>(i)];
            if (v == -1) {
                LS_ENSURE(ctx, stretch < 0, "the new shape has more than one -1");
                stretch = i;
                continue;
            }
            LS_ENSURE(ctx, v >= 0, "the new shape has the dimension " + str(v));
            LS_ENSURE(ctx, mulChecked(known, v), "the new shape is too large");
        }
        if (stretch >= 0) dims[static_cast<size_t>(stretch)] = known == 0 ? 0 : count / known;
        Shape shape;
        LS_RETURN_IF_ERROR(makeShape(ctx, dims.data(), rank, shape));
        LS_ENSURE(ctx, shape.elementCount() == count,
                  "cannot reshape " + ctx.input(0).shape.toString() + " (" + str(count) + " elements) to " +
                      shape.toString());
        return ctx.resizeOutput(0, shape);
    }

    bool fromTensor_ = false;
    bool dynamic_ = false;
};

class SqueezeKernel : public OpKernel {
  public:
    Status prepare(OpContext& ctx) override {
        LS_RETURN_IF_ERROR(checkArity(ctx, 1, 1, 1));
        LS_RETURN_IF_ERROR(checkView(ctx));
        const Shape& in = ctx.input(0).shape;
        std::array<bool, kMaxRank> drop{};
        const auto* o = ctx.options<fb::SqueezeOptions>();
        if (o && o->squeeze_dims() && o->squeeze_dims()->size() > 0) {
            for (int32_t d : *o->squeeze_dims()) {
                LS_ENSURE(ctx, d >= -in.rank() && d < in.rank(),
                          "squeeze dimension " + str(d) + " is out of range for rank " + str(in.rank()));
                const int a = d < 0 ? d + in.rank() : d;
                LS_ENSURE(ctx, in[a] == 1,
                          "cannot squeeze dimension " + str(a) + " of " + in.toString() + ": it is not 1");
                drop[static_cast<size_t>(a)] = true;
            }
        } else {
            for (int d = 0; d < in.rank(); ++d)
                drop[static_cast<size_t>(d)] = in[d] == 1;
        }
        Shape out;
        for (int d = 0; d < in.rank(); ++d)
            if (!drop[static_cast<size_t>(d)]) out.push(in[d]);
        return ctx.resizeOutput(0, out);
    }
    Status eval(OpContext& ctx) override { return copyAllBytes(ctx); }
};

class ExpandDimsKernel : public OpKernel {
  public:
    Status prepare(OpContext& ctx) override {
        LS_RETURN_IF_ERROR(checkArity(ctx, 2, 2, 1));
        LS_RETURN_IF_ERROR(checkView(ctx));
        LS_RETURN_IF_ERROR(checkIndexOperand(ctx, ctx.input(1), "axis"));
        LS_ENSURE(ctx, ctx.input(0).shape.rank() < kMaxRank, "input rank is already " + str(kMaxRank));
        dynamic_ = !valuesKnown(ctx, ctx.input(1));
        if (dynamic_) {
            ctx.markOutputDynamic(0);
            return Status::ok();
        }
        return resize(ctx);
    }
    Status eval(OpContext& ctx) override {
        if (dynamic_) LS_RETURN_IF_ERROR(resize(ctx));
        return copyAllBytes(ctx);
    }

  private:
    Status resize(OpContext& ctx) {
        const Shape& in = ctx.input(0).shape;
        int axis = 0;
        LS_RETURN_IF_ERROR(readAxis(ctx, ctx.input(1), in.rank() + 1, axis));
        Shape out;
        for (int d = 0; d < axis; ++d)
            out.push(in[d]);
        out.push(1);
        for (int d = axis; d < in.rank(); ++d)
            out.push(in[d]);
        return ctx.resizeOutput(0, out);
    }
    bool dynamic_ = false;
};

// ---------------------------------------------------------------------------------------------------------
// SHAPE, RANK, BROADCAST_ARGS, FILL, BROADCAST_TO
// ---------------------------------------------------------------------------------------------------------

class ShapeKernel : public OpKernel {
  public:
    Status prepare(OpContext& ctx) override {
        LS_RETURN_IF_ERROR(checkArity(ctx, 1, 1, 1));
        const TensorType type = ctx.output(0).type;
        if (!isIndexType(type)) return ctx.unsupportedType("output", type);
        if (auto* o = ctx.options<fb::ShapeOptions>()) {
            const auto want = static_cast<TensorType>(o->out_type());
            LS_ENSURE(ctx, !isIndexType(want) || want == type,
                      "out_type " + typeName(want) + " differs from the output type " + typeName(type));
        }
        return ctx.resizeOutput(0, Shape{ctx.input(0).shape.rank()});
    }
    Status eval(OpContext& ctx) override {
        const Shape& in = ctx.input(0).shape;
        RuntimeTensor& out = ctx.output(0);
        for (int d = 0; d < in.rank(); ++d) {
            if (out.type == TensorType::Int64)
                out.as<int64_t>()[d] = in[d];
            else
                out.as<int32_t>()[d] = in[d];
        }
        return Status::ok();
    }
};

class RankKernel : public OpKernel {
  public:
    Status prepare(OpContext& ctx) override {
        LS_RETURN_IF_ERROR(checkArity(ctx, 1, 1, 1));
        const TensorType type = ctx.output(0).type;
        if (!isIndexType(type)) return ctx.unsupportedType("output", type);
        return ctx.resizeOutput(0, Shape{});
    }
    Status eval(OpContext& ctx) override {
        RuntimeTensor& out = ctx.output(0);
        const int rank = ctx.input(0).shape.rank();
        if (out.type == TensorType::Int64)
            out.as<int64_t>()[0] = rank;
        else
            out.as<int32_t>()[0] = rank;
        return Status::ok();
    }
};

class BroadcastArgsKernel : public OpKernel {
  public:
    Status prepare(OpContext& ctx) override {
        LS_RETURN_IF_ERROR(checkArity(ctx, 2, 2, 1));
        const RuntimeTensor& a = ctx.input(0);
        const RuntimeTensor& b = ctx.input(1);
        LS_RETURN_IF_ERROR(checkIndexOperand(ctx, a, "shape 0"));
        LS_ENSURE(ctx, b.type == a.type && ctx.output(0).type == a.type,
                  "inputs and output must share one type");
        LS_ENSURE(ctx, a.shape.rank() == 1 && b.shape.rank() == 1, "inputs must be vectors");
        return ctx.resizeOutput(0, Shape{std::max(a.shape[0], b.shape[0])});
    }
    Status eval(OpContext& ctx) override {
        const RuntimeTensor& a = ctx.input(0);
        const RuntimeTensor& b = ctx.input(1);
        RuntimeTensor& out = ctx.output(0);
        LS_RETURN_IF_ERROR(requireData(ctx, a, "shape 0"));
        LS_RETURN_IF_ERROR(requireData(ctx, b, "shape 1"));
        const int64_t na = a.elementCount(), nb = b.elementCount(), n = std::max(na, nb);
        for (int64_t i = 0; i < n; ++i) {
            const int64_t ia = i - (n - na), ib = i - (n - nb);
            const int64_t da = ia >= 0 ? readIndex(a, ia) : 1, db = ib >= 0 ? readIndex(b, ib) : 1;
            LS_ENSURE(ctx, da == db || da == 1 || db == 1,
                      "shapes do not broadcast: dimension " + str(i) + " is " + str(da) + " and " + str(db));
            const int64_t v = da == 1 ? db : da;
            if (out.type == TensorType::Int64)
                out.as<int64_t>()[i] = v;
            else
                out.as<int32_t>()[i] = static_cast<int32_t>(v);
        }
        return Status::ok();
    }
};

class FillKernel : public OpKernel {
  public:
    Status prepare(OpContext& ctx) override {
        LS_RETURN_IF_ERROR(checkArity(ctx, 2, 2, 1));
        const RuntimeTensor& dims = ctx.input(0);
        const RuntimeTensor& value = ctx.input(1);
        LS_RETURN_IF_ERROR(checkIndexOperand(ctx, dims, "dims"));
        LS_ENSURE(ctx, dims.shape.rank() == 1, "dims must be a vector, has shape " + dims.shape.toString());
        LS_ENSURE(ctx, value.elementCount() == 1 && value.shape.rank() <= 1,
                  "value must be a scalar, has shape " + value.shape.toString());
        LS_RETURN_IF_ERROR(checkPassThrough(ctx, value, ctx.output(0), "value"));
        dynamic_ = !valuesKnown(ctx, dims);
        if (dynamic_) {
            ctx.markOutputDynamic(0);
            return Status::ok();
        }
        return resize(ctx);
    }
    Status eval(OpContext& ctx) override {
        if (dynamic_) LS_RETURN_IF_ERROR(resize(ctx));
        const RuntimeTensor& value = ctx.input(1);
        RuntimeTensor& out = ctx.output(0);
        LS_RETURN_IF_ERROR(requireData(ctx, value, "value"));
        fillElements(out.data, out.elementCount(), value.data, elementSize(out.type));
        return Status::ok();
    }

  private:
    Status resize(OpContext& ctx) {
        Dims dims{};
        int rank = 0;
        LS_RETURN_IF_ERROR(readSmallVector(ctx, ctx.input(0), "dims", dims, rank));
        Shape shape;
        LS_RETURN_IF_ERROR(makeShape(ctx, dims.data(), rank, shape));
        return ctx.resizeOutput(0, shape);
    }
    bool dynamic_ = false;
};

class BroadcastToKernel : public OpKernel {
  public:
    Status prepare(OpContext& ctx) override {
        LS_RETURN_IF_ERROR(checkArity(ctx, 2, 2, 1));
        LS_RETURN_IF_ERROR(checkPassThrough(ctx, ctx.input(0), ctx.output(0), "input"));
        const RuntimeTensor& shape = ctx.input(1);
        LS_RETURN_IF_ERROR(checkIndexOperand(ctx, shape, "shape"));
        LS_ENSURE(ctx, shape.shape.rank() == 1,
                  "shape must be a vector, has shape " + shape.shape.toString());
        dynamic_ = !valuesKnown(ctx, shape);
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
        const int rank = out.shape.rank(), shift = rank - in.shape.rank();
        const Dims inStrides = stridesOf(in.shape), outStrides = stridesOf(out.shape);
        Block b;
        for (int d = 0; d < rank; ++d) {
            const int id = d - shift;
            const bool repeated = id < 0 || in.shape[id] == 1;
            b.add(out.shape[d], repeated ? 0 : inStrides[static_cast<size_t>(id)],
                  outStrides[static_cast<size_t>(d)]);
        }
        copyBlock(in.data, out.data, elementSize(in.type), b);
        return Status::ok();
    }

  private:
    Status resize(OpContext& ctx) {
        const Shape& in = ctx.input(0).shape;
        Dims dims{};
        int rank = 0;
        LS_RETURN_IF_ERROR(readSmallVector(ctx, ctx.input(1), "shape", dims, rank));
        LS_ENSURE(ctx, rank >= in.rank(),
                  "cannot broadcast " + in.toString() + " to fewer dimensions (" + str(rank) + ")");
        Shape out;
        LS_RETURN_IF_ERROR(makeShape(ctx, dims.data(), rank, out));
        for (int d = 0; d < in.rank(); ++d) {
            const int od = d + rank - in.rank();
            LS_ENSURE(ctx, in[d] == 1 || in[d] == out[od],
                      "cannot broadcast " + in.toString() + " to " + out.toString());
        }
        return ctx.resizeOutput(0, out);
    }
    bool dynamic_ = false;
};

// ---------------------------------------------------------------------------------------------------------
// TRANSPOSE
// ---------------------------------------------------------------------------------------------------------

class TransposeKernel : public OpKernel {
  public:
    Status prepare(OpContext& ctx) override {
        LS_RETURN_IF_ERROR(checkArity(ctx, 2, 2, 1));
        LS_RETURN_IF_ERROR(checkPassThrough(ctx, ctx.input(0), ctx.output(0), "input"));
        const RuntimeTensor& perm = ctx.input(1);
        LS_RETURN_IF_ERROR(checkIndexOperand(ctx, perm, "perm"));
        LS_ENSURE(ctx, perm.shape.rank() == 1 && perm.shape[0] == ctx.input(0).shape.rank(),
                  "perm " + perm.shape.toString() + " does not match the input rank " +
                      str(ctx.input(0).shape.rank()));
        dynamic_ = !valuesKnown(ctx, perm);
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
        const Dims inStrides = stridesOf(in.shape), outStrides = stridesOf(out.shape);
        Block b;
        for (int d = 0; d < out.shape.rank(); ++d)
            b.add(out.shape[d], inStrides[static_cast<size_t>(perm_[static_cast<size_t>(d)])],
                  outStrides[static_cast<size_t>(d)]);
        copyBlock(in.data, out.data, elementSize(in.type), b);
        return Status::ok();
    }

  private:
    Status resize(OpContext& ctx) {
        const Shape& in = ctx.input(0).shape;
        int rank = 0;
        LS_RETURN_IF_ERROR(readSmallVector(ctx, ctx.input(1), "perm", perm_, rank));
        std::array<bool, kMaxRank> seen{};
        Shape out;
        for (int d = 0; d < rank; ++d) {
            const int64_t p = perm_[static_cast<size_t>(d)];
            LS_ENSURE(ctx, p >= 0 && p < rank && !seen[static_cast<size_t>(p)],
                      "perm is not a permutation of 0.." + str(rank - 1) + " (value " + str(p) + " at " +
                          str(d) + ")");
            seen[static_cast<size_t>(p)] = true;
            out.push(in[static_cast<int>(p)]);
        }
        return ctx.resizeOutput(0, out);
    }
    Dims perm_{};
    bool dynamic_ = false;
};

// ---------------------------------------------------------------------------------------------------------
// CONCATENATION, PACK
// ---------------------------------------------------------------------------------------------------------

class ConcatenationKernel : public OpKernel {
  public:
    Status prepare(OpContext& ctx) override {
        LS_RETURN_IF_ERROR(checkArity(ctx, 1, 1 << 20, 1));
        const auto* o = ctx.options<fb::ConcatenationOptions>();
        activation_ = o ? o->fused_activation_function() : fb::ActivationFunctionType::NONE;
        const RuntimeTensor& out = ctx.output(0);
        const Shape& first = ctx.input(0).shape;
        const int rank = first.rank();
        const int64_t axis = o ? o->axis() : 0;
        LS_ENSURE(ctx, axis >= -rank && axis < rank,
                  "axis " + str(axis) + " is out of range for rank " + str(rank));
        axis_ = static_cast<int>(axis < 0 ? axis + rank : axis);
        if (activation_ != fb::ActivationFunctionType::NONE) {
            LS_ENSURE(ctx, out.type == TensorType::Float32, "a fused activation needs FLOAT32 tensors");
            LS_ENSURE(ctx, isSupportedActivation(activation_), "unsupported fused activation");
        }
        range_ = activationRange(activation_);
        rescale_.assign(static_cast<size_t>(ctx.inputCount()), Rescale{});
        Shape shape = first;
        int64_t total = 0;
        for (int i = 0; i < ctx.inputCount(); ++i) {
            LS_ENSURE(ctx, ctx.hasInput(i), "input " + str(i) + " is missing");
            const RuntimeTensor& t = ctx.input(i);
            LS_RETURN_IF_ERROR(checkInput(ctx, i, t, out));
            LS_ENSURE(ctx, t.shape.rank() == rank,
                      "input " + str(i) + " has rank " + str(t.shape.rank()) + ", input 0 " + str(rank));
            for (int d = 0; d < rank; ++d)
                LS_ENSURE(ctx, d == axis_ || t.shape[d] == first[d],
                          "input " + str(i) + " shape " + t.shape.toString() + " does not match " +
                              first.toString() + " outside axis " + str(axis_));
            total += t.shape[axis_];
        }
        LS_ENSURE(ctx, total <= std::numeric_limits<int32_t>::max(), "output is too large");
        shape[axis_] = static_cast<int32_t>(total);
        return ctx.resizeOutput(0, shape);
    }

    Status eval(OpContext& ctx) override {
        RuntimeTensor& out = ctx.output(0);
        const size_t es = elementSize(out.type);
        const int64_t outer = out.shape.flatSize(0, axis_);
        const int64_t inner = out.shape.flatSize(axis_ + 1, out.shape.rank());
        uint8_t* dst = out.data;
        for (int64_t o = 0; o < outer; ++o) {
            for (int i = 0; i < ctx.inputCount(); ++i) {
                const RuntimeTensor& t = ctx.input(i);
                const size_t run = static_cast<size_t>(t.shape[axis_] * inner) * es;
                if (run == 0) continue;
                if (!t.data) return ctx.fail("input " + str(i) + " has no data");
                const uint8_t* src = t.data + static_cast<size_t>(o) * run;
                const Rescale& r = rescale_[static_cast<size_t>(i)];
                if (r.active) {
                    // TFLite's uint8 rescale, in float and in this order.
                    for (size_t j = 0; j < run; ++j) {
                        const int32_t v =
                            static_cast<int32_t>(std::round(src[j] * r.scale + r.bias)) + r.zeroPoint;
                        dst[j] = static_cast<uint8_t>(std::clamp(v, 0, 255));
                    }
                } else {
                    std::memcpy(dst, src, run);
                }
                dst += run;
            }
        }
        if (activation_ != fb::ActivationFunctionType::NONE) {
            float* p = out.as<float>();
            for (int64_t i = 0; i < out.elementCount(); ++i)
                p[i] = applyActivation(p[i], activation_, range_);
        }
        return Status::ok();
    }

  private:
    // UINT8 inputs quantized differently from the output are requantized, as TFLite does (INT8 and INT16
    // must match, as TFLite requires).
    Status checkInput(OpContext& ctx, int i, const RuntimeTensor& t, const RuntimeTensor& out) {
        if (t.type == TensorType::UInt8 && out.type == TensorType::UInt8 && !sameQuantization(t, out) &&
            !t.quantization().isPerChannel() && !out.quantization().isPerChannel()) {
            LS_ENSURE(ctx, out.scale() > 0,
                      "output scale " + std::to_string(out.scale()) + " must be positive");
            Rescale& r = rescale_[static_cast<size_t>(i)];
            r.active = true;
            r.scale = t.scale() * (1.f / out.scale());
            r.bias = -static_cast<float>(t.zeroPoint()) * r.scale;
            r.zeroPoint = out.zeroPoint();
            return Status::ok();
        }
        return checkPassThrough(ctx, t, out, "input " + str(i));
    }

    struct Rescale {
        bool active = false;
        float scale = 1.f, bias = 0.f;
        int32_t zeroPoint = 0;
    };

    int axis_ = 0;
    fb::ActivationFunctionType activation_ = fb::ActivationFunctionType::NONE;
    ActivationRange range_;
    std::vector<Rescale> rescale_;
};

class PackKernel : public OpKernel {
  public:
    Status prepare(OpContext& ctx) override {
        LS_RETURN_IF_ERROR(checkArity(ctx, 1, 1 << 20, 1));
        const auto* o = ctx.options<fb::PackOptions>();
        const int n = ctx.inputCount();
        if (o)
            LS_ENSURE(ctx, o->values_count() == n,
                      "values_count " + str(o->values_count()) + " differs from the " + str(n) + " inputs");
        const Shape& first = ctx.input(0).shape;
        LS_ENSURE(ctx, first.rank() < kMaxRank, "input rank is already " + str(kMaxRank));
        const int rank = first.rank() + 1;
        const int64_t axis = o ? o->axis() : 0;
        LS_ENSURE(ctx, axis >= -rank && axis < rank,
                  "axis " + str(axis) + " is out of range for output rank " + str(rank));
        axis_ = static_cast<int>(axis < 0 ? axis + rank : axis);
        for (int i = 0; i < n; ++i) {
            LS_ENSURE(ctx, ctx.hasInput(i), "input " + str(i) + " is missing");
            LS_RETURN_IF_ERROR(checkPassThrough(ctx, ctx.input(i), ctx.output(0), "input " + str(i)));
            LS_ENSURE(ctx, ctx.input(i).shape == first,
                      "input " + str(i) + " shape " + ctx.input(i).shape.toString() + " differs from " +
                          first.toString());
        }
        Shape out;
        for (int d = 0; d < axis_; ++d)
            out.push(first[d]);
        out.push(n);
        for (int d = axis_; d < first.rank(); ++d)
            out.push(first[d]);
        return ctx.resizeOutput(0, out);
    }
    Status eval(OpContext& ctx) override {
        RuntimeTensor& out = ctx.output(0);
        const Shape& in = ctx.input(0).shape;
        const size_t es = elementSize(out.type);
        const int64_t outer = in.flatSize(0, axis_);
        const size_t run = static_cast<size_t>(in.flatSize(axis_, in.rank())) * es;
        if (run == 0) return Status::ok();
        const int n = ctx.inputCount();
        for (int i = 0; i < n; ++i) {
            const RuntimeTensor& t = ctx.input(i);
            if (!t.data) return ctx.fail("input " + str(i) + " has no data");
            for (int64_t o = 0; o < outer; ++o)
                std::memcpy(
                    out.data +
                        (static_cast<size_t>(o) * static_cast<size_t>(n) + static_cast<size_t>(i)) * run,
                    t.data + static_cast<size_t>(o) * run, run);
        }
        return Status::ok();
    }

  private:
    int axis_ = 0;
};

// ---------------------------------------------------------------------------------------------------------
// SPLIT, SPLIT_V, UNPACK
// ---------------------------------------------------------------------------------------------------------

template <bool IsV>
class SplitKernel : public OpKernel {
  public:
    Status prepare(OpContext& ctx) override {
        LS_RETURN_IF_ERROR(checkArity(ctx, IsV ? 3 : 2, IsV ? 3 : 2, -1));
        const RuntimeTensor& in = input(ctx);
        for (int i = 0; i < ctx.outputCount(); ++i)
            LS_RETURN_IF_ERROR(checkPassThrough(ctx, in, ctx.output(i), "input"));
        LS_RETURN_IF_ERROR(checkIndexOperand(ctx, axisTensor(ctx), "axis"));
        if constexpr (IsV) {
            const RuntimeTensor& sizes = ctx.input(1);
            LS_RETURN_IF_ERROR(checkIndexOperand(ctx, sizes, "size_splits"));
            LS_ENSURE(ctx, sizes.shape.rank() == 1 && sizes.shape[0] == ctx.outputCount(),
                      "size_splits " + sizes.shape.toString() + " must hold one size per output (" +
                          str(ctx.outputCount()) + ")");
            if (auto* o = ctx.options<fb::SplitVOptions>())
                LS_ENSURE(ctx, o->num_splits() == ctx.outputCount(),
                          "num_splits " + str(o->num_splits()) + " differs from the " +
                              str(ctx.outputCount()) + " outputs");
        } else {
            if (auto* o = ctx.options<fb::SplitOptions>())
                LS_ENSURE(ctx, o->num_splits() == ctx.outputCount(),
                          "num_splits " + str(o->num_splits()) + " differs from the " +
                              str(ctx.outputCount()) + " outputs");
        }
        sizes_.assign(static_cast<size_t>(ctx.outputCount()), 0);
        dynamic_ = !valuesKnown(ctx, axisTensor(ctx)) || (IsV && !valuesKnown(ctx, ctx.input(1)));
        if (dynamic_) {
            for (int i = 0; i < ctx.outputCount(); ++i)
                ctx.markOutputDynamic(i);
            return Status::ok();
        }
        return resize(ctx);
    }

    Status eval(OpContext& ctx) override {
        if (dynamic_) LS_RETURN_IF_ERROR(resize(ctx));
        const RuntimeTensor& in = input(ctx);
        LS_RETURN_IF_ERROR(requireData(ctx, in, "input"));
        const size_t es = elementSize(in.type);
        const int64_t outer = in.shape.flatSize(0, axis_);
        const int64_t inner = in.shape.flatSize(axis_ + 1, in.shape.rank());
        const uint8_t* src = in.data;
        for (int64_t o = 0; o < outer; ++o) {
            for (size_t i = 0; i < sizes_.size(); ++i) {
                const size_t run = static_cast<size_t>(sizes_[i] * inner) * es;
                if (run == 0) continue;
                std::memcpy(ctx.output(static_cast<int>(i)).data + static_cast<size_t>(o) * run, src, run);
                src += run;
            }
        }
        return Status::ok();
    }

  private:
    static const RuntimeTensor& input(OpContext& ctx) { return ctx.input(IsV ? 0 : 1); }
    static const RuntimeTensor& axisTensor(OpContext& ctx) { return ctx.input(IsV ? 2 : 0); }

    Status resize(OpContext& ctx) {
        const Shape& in = input(ctx).shape;
        LS_ENSURE(ctx, in.rank() >= 1, "cannot split a scalar");
        LS_RETURN_IF_ERROR(readAxis(ctx, axisTensor(ctx), in.rank(), axis_));
        const int64_t dim = in[axis_];
        const auto n = static_cast<int64_t>(sizes_.size());
        if constexpr (IsV) {
            const RuntimeTensor& sizes = ctx.input(1);
            LS_RETURN_IF_ERROR(requireData(ctx, sizes, "size_splits"));
            int64_t known = 0;
            int stretch = -1;
            for (int64_t i = 0; i < n; ++i) {
                const int64_t s = readIndex(sizes, i);
                if (s == -1) {
                    LS_ENSURE(ctx, stretch < 0, "size_splits has more than one -1");
                    stretch = static_cast<int>(i);
                } else {
                    LS_ENSURE(ctx, s >= 0 && s <= dim, "size_splits has the size " + str(s));
                    known += s;
                }
                sizes_[static_cast<size_t>(i)] = s;
            }
            if (stretch >= 0) {
                LS_ENSURE(ctx, known <= dim,
                          "size_splits add up to " + str(known) + ", more than the dimension " + str(dim));
                sizes_[static_cast<size_t>(stretch)] = dim - known;
                known = dim;
            }
            LS_ENSURE(ctx, known == dim,
                      "size_splits add up to " + str(known) + ", not to the dimension " + str(dim) +
                          " of axis " + str(axis_));
        } else {
            LS_ENSURE(ctx, dim % n == 0,
                      "dimension " + str(dim) + " of axis " + str(axis_) + " does not split into " + str(n) +
                          " parts");
            std::fill(sizes_.begin(), sizes_.end(), dim / n);
        }
        for (int i = 0; i < static_cast<int>(n); ++i) {
            Shape s = in;
            s[axis_] = static_cast<int32_t>(sizes_[static_cast<size_t>(i)]);
            LS_RETURN_IF_ERROR(ctx.resizeOutput(i, s));
        }
        return Status::ok();
    }

    std::vector<int64_t> sizes_;
    int axis_ = 0;
    bool dynamic_ = false;
};

class UnpackKernel : public OpKernel {
  public:
    Status prepare(OpContext& ctx) override {
        LS_RETURN_IF_ERROR(checkArity(ctx, 1, 1, -1));
        const RuntimeTensor& in = ctx.input(0);
        const auto* o = ctx.options<fb::UnpackOptions>();
        const int rank = in.shape.rank();
        LS_ENSURE(ctx, rank >= 1, "cannot unpack a scalar");
        const int64_t axis = o ? o->axis() : 0;
        LS_ENSURE(ctx, axis >= -rank && axis < rank,
                  "axis " + str(axis) + " is out of range for rank " + str(rank));
        axis_ = static_cast<int>(axis < 0 ? axis + rank : axis);
        const int n = ctx.outputCount();
        if (o)
            LS_ENSURE(ctx, o->num() == n,
                      "num " + str(o->num()) + " differs from the " + str(n) + " outputs");
        LS_ENSURE(ctx, in.shape[axis_] == n,
                  "dimension " + str(in.shape[axis_]) + " of axis " + str(axis_) + " differs from the " +
                      str(n) + " outputs");
        Shape s;
        for (int d = 0; d < rank; ++d)
            if (d != axis_) s.push(in.shape[d]);
        for (int i = 0; i < n; ++i) {
            LS_RETURN_IF_ERROR(checkPassThrough(ctx, in, ctx.output(i), "input"));
            LS_RETURN_IF_ERROR(ctx.resizeOutput(i, s));
        }
        return Status::ok();
    }
    Status eval(OpContext& ctx) override {
        const RuntimeTensor& in = ctx.input(0);
        LS_RETURN_IF_ERROR(requireData(ctx, in, "input"));
        const size_t es = elementSize(in.type);
        const int64_t outer = in.shape.flatSize(0, axis_);
        const size_t run = static_cast<size_t>(in.shape.flatSize(axis_ + 1, in.shape.rank())) * es;
        if (run == 0) return Status::ok();
        const auto n = static_cast<size_t>(ctx.outputCount());
        for (size_t i = 0; i < n; ++i) {
            uint8_t* dst = ctx.output(static_cast<int>(i)).data;
            for (int64_t o = 0; o < outer; ++o)
                std::memcpy(dst + static_cast<size_t>(o) * run,
                            in.data + (static_cast<size_t>(o) * n + i) * run, run);
        }
        return Status::ok();
    }

  private:
    int axis_ = 0;
};

// ---------------------------------------------------------------------------------------------------------
// SLICE, STRIDED_SLICE, REVERSE_V2
// ---------------------------------------------------------------------------------------------------------

// A strided window of the input: per dimension a start, a step and a count (the kernels' common eval).
struct Window {
    int rank = 0;
    Shape inShape;  // the input's shape, with any axes STRIDED_SLICE inserts
    Dims start{}, step{}, count{};

    void copy(const RuntimeTensor& in, RuntimeTensor& out) const {
        const Dims inStrides = stridesOf(inShape);
        Dims outStrides{};
        int64_t acc = 1;
        for (int d = rank - 1; d >= 0; --d) {
            outStrides[static_cast<size_t>(d)] = acc;
            acc *= count[static_cast<size_t>(d)];
        }
        Block b;
        int64_t offset = 0;
        for (int d = 0; d < rank; ++d) {
            const auto i = static_cast<size_t>(d);
            offset += start[i] * inStrides[i];
            b.add(count[i], step[i] * inStrides[i], outStrides[i]);
        }
        const auto es = static_cast<int64_t>(elementSize(in.type));
        copyBlock(in.data + offset * es, out.data, static_cast<size_t>(es), b);
    }
};

class SliceKernel : public OpKernel {
  public:
    Status prepare(OpContext& ctx) override {
        LS_RETURN_IF_ERROR(checkArity(ctx, 3, 3, 1));
        LS_RETURN_IF_ERROR(checkPassThrough(ctx, ctx.input(0), ctx.output(0), "input"));
        const int rank = ctx.input(0).shape.rank();
        for (int i : {1, 2}) {
            const RuntimeTensor& t = ctx.input(i);
            const std::string what = i == 1 ? "begin" : "size";
            LS_RETURN_IF_ERROR(checkIndexOperand(ctx, t, what));
            LS_ENSURE(ctx, t.shape.rank() == 1 && t.shape[0] == rank,
                      what + " " + t.shape.toString() + " must hold one value per input dimension (" +
                          str(rank) + ")");
        }
        LS_ENSURE(ctx, ctx.input(1).type == ctx.input(2).type, "begin and size types differ");
        dynamic_ = !valuesKnown(ctx, ctx.input(1)) || !valuesKnown(ctx, ctx.input(2));
        if (dynamic_) {
            ctx.markOutputDynamic(0);
            return Status::ok();
        }
        return resize(ctx);
    }
    Status eval(OpContext& ctx) override {
        if (dynamic_) LS_RETURN_IF_ERROR(resize(ctx));
        LS_RETURN_IF_ERROR(requireData(ctx, ctx.input(0), "input"));
        window_.copy(ctx.input(0), ctx.output(0));
        return Status::ok();
    }

  private:
    Status resize(OpContext& ctx) {
        const Shape& in = ctx.input(0).shape;
        Dims begin{}, size{};
        int nb = 0, ns = 0;
        LS_RETURN_IF_ERROR(readSmallVector(ctx, ctx.input(1), "begin", begin, nb));
        LS_RETURN_IF_ERROR(readSmallVector(ctx, ctx.input(2), "size", size, ns));
        window_ = Window{};
        window_.rank = in.rank();
        window_.inShape = in;
        Shape out;
        for (int d = 0; d < in.rank(); ++d) {
            const auto i = static_cast<size_t>(d);
            const int64_t b = begin[i], s = size[i] == -1 ? in[d] - begin[i] : size[i];
            LS_ENSURE(ctx, b >= 0 && s >= 0 && b + s <= in[d],
                      "invalid begin " + str(begin[i]) + " and size " + str(size[i]) + " for dimension " +
                          str(d) + " of size " + str(in[d]));
            window_.start[i] = b;
            window_.step[i] = 1;
            window_.count[i] = s;
            out.push(static_cast<int32_t>(s));
        }
        return ctx.resizeOutput(0, out);
    }
    Window window_;
    bool dynamic_ = false;
};

int64_t ceilDiv(int64_t a, int64_t b) {
    // b != 0; the number of steps of size b from 0 that stay short of a (0 when a and b differ in sign).
    if (b > 0) return a > 0 ? (a + b - 1) / b : 0;
    return a < 0 ? (-a + -b - 1) / -b : 0;
}

class StridedSliceKernel : public OpKernel {
  public:
    Status prepare(OpContext& ctx) override {
        LS_RETURN_IF_ERROR(checkArity(ctx, 4, 4, 1));
        LS_RETURN_IF_ERROR(checkPassThrough(ctx, ctx.input(0), ctx.output(0), "input"));
        for (int i : {1, 2, 3}) {
            const RuntimeTensor& t = ctx.input(i);
            const std::string what = i == 1 ? "begin" : i == 2 ? "end" : "strides";
            LS_RETURN_IF_ERROR(checkIndexOperand(ctx, t, what));
            LS_ENSURE(ctx, t.shape.rank() == 1, what + " must be a vector, has shape " + t.shape.toString());
            LS_ENSURE(ctx, t.shape[0] == ctx.input(1).shape[0], what + " and begin have different lengths");
        }
        const auto* o = ctx.options<fb::StridedSliceOptions>();
        if (o) {
            beginMask_ = static_cast<uint32_t>(o->begin_mask());
            endMask_ = static_cast<uint32_t>(o->end_mask());
            ellipsisMask_ = static_cast<uint32_t>(o->ellipsis_mask());
            newAxisMask_ = static_cast<uint32_t>(o->new_axis_mask());
            shrinkMask_ = static_cast<uint32_t>(o->shrink_axis_mask());
            offset_ = o->offset();
        }
        LS_ENSURE(ctx, std::popcount(ellipsisMask_) <= 1, "ellipsis_mask has more than one bit set");
        dynamic_ = !valuesKnown(ctx, ctx.input(1)) || !valuesKnown(ctx, ctx.input(2)) ||
                   !valuesKnown(ctx, ctx.input(3));
        if (dynamic_) {
            ctx.markOutputDynamic(0);
            return Status::ok();
        }
        return resize(ctx);
    }

    Status eval(OpContext& ctx) override {
        if (dynamic_) LS_RETURN_IF_ERROR(resize(ctx));
        LS_RETURN_IF_ERROR(requireData(ctx, ctx.input(0), "input"));
        window_.copy(ctx.input(0), ctx.output(0));
        return Status::ok();
    }

  private:
    bool bit(uint32_t mask, int i) const { return i >= 0 && i < 32 && ((mask >> i) & 1u); }

    // TFLite's rules: the ellipsis expands to the dimensions the spec leaves out, new axes are inserted as
    // dimensions of size 1, and indices are clamped to the dimension (after adding its size when negative).
    Status resize(OpContext& ctx) {
        const Shape& in = ctx.input(0).shape;
        const RuntimeTensor& beginT = ctx.input(1);
        const RuntimeTensor& endT = ctx.input(2);
        const RuntimeTensor& stridesT = ctx.input(3);
        for (const RuntimeTensor* t : {&beginT, &endT, &stridesT})
            LS_RETURN_IF_ERROR(requireData(ctx, *t, "an index input"));
        const int specCount = static_cast<int>(beginT.elementCount());
        const int inRank = in.rank();
        int addedAxes = 0;
        for (int i = 0; i < specCount; ++i)
            if (!bit(ellipsisMask_, i) && bit(newAxisMask_, i)) ++addedAxes;
        const int rank = inRank + addedAxes;
        LS_ENSURE(ctx, rank <= kMaxRank, "the slice has more than " + str(kMaxRank) + " dimensions");

        // Which effective dimensions the ellipsis covers, and where new axes go.
        uint32_t ellipsis = 0, newAxis = 0;
        int ellipsisStart = rank, expanded = 0;
        for (int i = 0; i < rank;) {
            if (bit(ellipsisMask_, i)) {
                ellipsisStart = i;
                const int end = std::max(i + 1, std::min(i + 1 + addedAxes + inRank - specCount, rank));
                expanded = end - ellipsisStart - 1;
                for (; i < end; ++i)
                    ellipsis |= 1u << i;
                continue;
            }
            if (i - expanded < specCount && bit(newAxisMask_, i - expanded)) newAxis |= 1u << i;
            ++i;
        }

        window_ = Window{};
        window_.rank = rank;
        Shape out;
        int inserted = 0, skipped = 0;
        for (int i = 0; i < rank; ++i) {
            const auto k = static_cast<size_t>(i);
            if (bit(newAxis, i)) {
                window_.inShape.push(1);
                window_.start[k] = 0, window_.step[k] = 1, window_.count[k] = 1;
                out.push(1);
                ++inserted;
                continue;
            }
            const int inDim = i - inserted;
            LS_ENSURE(ctx, inDim < inRank, "the masks describe more dimensions than the input has");
            const int64_t n = in[inDim];
            window_.inShape.push(in[inDim]);
            if (bit(ellipsis, i)) skipped = i - ellipsisStart;
            const int spec = i - skipped;
            if (bit(ellipsis, i) || spec >= specCount || i >= specCount + expanded) {
                window_.start[k] = 0, window_.step[k] = 1, window_.count[k] = n;
                out.push(static_cast<int32_t>(n));
                continue;
            }
            const int64_t stride = readIndex(stridesT, spec);
            LS_ENSURE(ctx, stride != 0, "stride " + str(spec) + " is 0");
            int64_t begin = readIndex(beginT, spec);
            if (begin < 0) begin += n;
            begin = stride > 0 ? std::clamp<int64_t>(begin, 0, n) : std::clamp<int64_t>(begin, -1, n - 1);
            if (bit(beginMask_, spec)) begin = stride > 0 ? 0 : n - 1;
            if (bit(shrinkMask_, spec)) {
                // One element, which must exist; the dimension disappears from the output.
                const int64_t raw = readIndex(beginT, spec);
                const int64_t at = bit(beginMask_, spec) ? begin : (raw < 0 ? raw + n : raw);
                LS_ENSURE(ctx, at >= 0 && at < n,
                          "index " + str(raw) + " of the shrunk dimension " + str(inDim) +
                              " is out of range for size " + str(n));
                window_.start[k] = at, window_.step[k] = 1, window_.count[k] = 1;
                continue;
            }
            int64_t end = readIndex(endT, spec);
            if (offset_) end += begin;
            if (end < 0) end += n;
            end = stride > 0 ? std::clamp<int64_t>(end, 0, n) : std::clamp<int64_t>(end, -1, n - 1);
            if (bit(endMask_, spec)) end = stride > 0 ? n : -1;
            const int64_t count = ceilDiv(end - begin, stride);
            window_.start[k] = count > 0 ? begin : 0;
            window_.step[k] = stride;
            window_.count[k] = count;
            out.push(static_cast<int32_t>(count));
        }
        return ctx.resizeOutput(0, out);
    }

    uint32_t beginMask_ = 0, endMask_ = 0, ellipsisMask_ = 0, newAxisMask_ = 0, shrinkMask_ = 0;
    bool offset_ = false;
    bool dynamic_ = false;
    Window window_;
};

class ReverseKernel : public OpKernel {
  public:
    Status prepare(OpContext& ctx) override {
        LS_RETURN_IF_ERROR(checkArity(ctx, 2, 2, 1));
        LS_RETURN_IF_ERROR(checkPassThrough(ctx, ctx.input(0), ctx.output(0), "input"));
        const RuntimeTensor& axes = ctx.input(1);
        LS_RETURN_IF_ERROR(checkIndexOperand(ctx, axes, "axis"));
        LS_ENSURE(ctx, axes.shape.rank() <= 1, "axis must be a vector, has shape " + axes.shape.toString());
        if (valuesKnown(ctx, axes)) LS_RETURN_IF_ERROR(readAxes(ctx));
        return ctx.resizeOutput(0, ctx.input(0).shape);
    }
    Status eval(OpContext& ctx) override {
        LS_RETURN_IF_ERROR(readAxes(ctx));
        const RuntimeTensor& in = ctx.input(0);
        RuntimeTensor& out = ctx.output(0);
        LS_RETURN_IF_ERROR(requireData(ctx, in, "input"));
        if (in.elementCount() == 0) return Status::ok();
        const Dims strides = stridesOf(in.shape);
        Block b;
        int64_t offset = 0;
        for (int d = 0; d < in.shape.rank(); ++d) {
            const auto i = static_cast<size_t>(d);
            offset += reversed_[i] ? (in.shape[d] - 1) * strides[i] : 0;
            b.add(in.shape[d], reversed_[i] ? -strides[i] : strides[i], strides[i]);
        }
        const auto es = static_cast<int64_t>(elementSize(in.type));
        copyBlock(in.data + offset * es, out.data, static_cast<size_t>(es), b);
        return Status::ok();
    }

  private:
    Status readAxes(OpContext& ctx) {
        const RuntimeTensor& axes = ctx.input(1);
        const int rank = ctx.input(0).shape.rank();
        Dims values{};
        int n = 0;
        LS_RETURN_IF_ERROR(readSmallVector(ctx, axes, "axis", values, n));
        reversed_ = {};
        for (int i = 0; i < n; ++i) {
            const int64_t a = values[static_cast<size_t>(i)];
            LS_ENSURE(ctx, a >= -rank && a < rank,
                      "axis " + str(a) + " is out of range for rank " + str(rank));
            const auto d = static_cast<size_t>(a < 0 ? a + rank : a);
            LS_ENSURE(ctx, !reversed_[d], "axis " + str(a) + " is given twice");
            reversed_[d] = true;
        }
        return Status::ok();
    }
    std::array<bool, kMaxRank> reversed_{};
};

// ---------------------------------------------------------------------------------------------------------
// TILE
// ---------------------------------------------------------------------------------------------------------

class TileKernel : public OpKernel {
  public:
    Status prepare(OpContext& ctx) override {
        LS_RETURN_IF_ERROR(checkArity(ctx, 2, 2, 1));
        LS_RETURN_IF_ERROR(checkPassThrough(ctx, ctx.input(0), ctx.output(0), "input"));
        const RuntimeTensor& m = ctx.input(1);
        LS_RETURN_IF_ERROR(checkIndexOperand(ctx, m, "multiples"));
        LS_ENSURE(ctx, m.shape.rank() == 1 && m.shape[0] == ctx.input(0).shape.rank(),
                  "multiples " + m.shape.toString() + " must hold one value per input dimension");
        dynamic_ = !valuesKnown(ctx, m);
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
        if (out.elementCount() == 0) return Status::ok();
        LS_RETURN_IF_ERROR(requireData(ctx, in, "input"));
        es_ = elementSize(in.type);
        shape_ = in.shape;
        strides_ = stridesOf(in.shape);
        if (in.shape.rank() == 0) {
            std::memcpy(out.data, in.data, es_);
            return Status::ok();
        }
        tile(in.data, out.data, 0);
        return Status::ok();
    }

  private:
    // Tiles the block of dimensions d.. into dst and returns how many elements it wrote: the inner
    // dimensions first, then whole copies of the result.
    int64_t tile(const uint8_t* src, uint8_t* dst, int d) {
        const auto i = static_cast<size_t>(d);
        const auto es = static_cast<int64_t>(es_);
        int64_t written = 0;
        if (d == shape_.rank() - 1) {
            written = shape_[d];
            std::memcpy(dst, src, static_cast<size_t>(written * es));
        } else {
            for (int64_t k = 0; k < shape_[d]; ++k)
                written += tile(src + k * strides_[i] * es, dst + written * es, d + 1);
        }
        for (int64_t m = 1; m < multiples_[i]; ++m)
            std::memcpy(dst + m * written * es, dst, static_cast<size_t>(written * es));
        return written * multiples_[i];
    }

    Status resize(OpContext& ctx) {
        const Shape& in = ctx.input(0).shape;
        int n = 0;
        LS_RETURN_IF_ERROR(readSmallVector(ctx, ctx.input(1), "multiples", multiples_, n));
        Dims dims{};
        for (int d = 0; d < in.rank(); ++d) {
            const int64_t m = multiples_[static_cast<size_t>(d)];
            LS_ENSURE(ctx, m >= 0, "multiple " + str(m) + " for dimension " + str(d) + " is negative");
            dims[static_cast<size_t>(d)] = m * in[d];
        }
        Shape out;
        LS_RETURN_IF_ERROR(makeShape(ctx, dims.data(), in.rank(), out));
        return ctx.resizeOutput(0, out);
    }

    Dims multiples_{}, strides_{};
    Shape shape_;
    size_t es_ = 1;
    bool dynamic_ = false;
};

// ---------------------------------------------------------------------------------------------------------
// PAD, PADV2, MIRROR_PAD
// ---------------------------------------------------------------------------------------------------------

// Reads paddings [rank, 2] into before/after, refusing negative values.
Status readPaddings(OpContext& ctx, const RuntimeTensor& p, int rank, Dims& before, Dims& after) {
    LS_RETURN_IF_ERROR(requireData(ctx, p, "paddings"));
    for (int d = 0; d < rank; ++d) {
        const auto i = static_cast<size_t>(d);
        before[i] = readIndex(p, 2 * d);
        after[i] = readIndex(p, 2 * d + 1);
        LS_ENSURE(
            ctx, before[i] >= 0 && after[i] >= 0,
            "padding " + str(before[i]) + ", " + str(after[i]) + " of dimension " + str(d) + " is negative");
    }
    return Status::ok();
}

Status checkPaddingsOperand(OpContext& ctx, const RuntimeTensor& p, int rank) {
    LS_RETURN_IF_ERROR(checkIndexOperand(ctx, p, "paddings"));
    LS_ENSURE(ctx, p.shape.rank() == 2 && p.shape[0] == rank && p.shape[1] == 2,
              "paddings " + p.shape.toString() + " must be [" + str(rank) + ",2]");
    return Status::ok();
}

class PadKernel : public OpKernel {
  public:
    Status prepare(OpContext& ctx) override {
        LS_RETURN_IF_ERROR(checkArity(ctx, 2, 3, 1));
        const RuntimeTensor& in = ctx.input(0);
        const RuntimeTensor& out = ctx.output(0);
        LS_RETURN_IF_ERROR(checkPassThrough(ctx, in, out, "input"));
        LS_RETURN_IF_ERROR(checkPaddingsOperand(ctx, ctx.input(1), in.shape.rank()));
        hasValue_ = ctx.hasInput(2);
        value_ = {};
        if (hasValue_) {
            const RuntimeTensor& v = ctx.input(2);
            LS_ENSURE(ctx, v.elementCount() == 1,
                      "the constant value must be a scalar, has shape " + v.shape.toString());
            LS_RETURN_IF_ERROR(checkPassThrough(ctx, v, out, "constant value"));
        } else if (isQuantizedType(out.type)) {
            // Quantized zero is the zero point, which must be representable.
            const int64_t zp = out.zeroPoint();
            const int64_t lo = out.type == TensorType::UInt8  ? 0
                               : out.type == TensorType::Int8 ? -128
                                                              : -32768;
            const int64_t hi = out.type == TensorType::UInt8  ? 255
                               : out.type == TensorType::Int8 ? 127
                                                              : 32767;
            LS_ENSURE(ctx, zp >= lo && zp <= hi, "output zero point " + str(zp) + " is out of range");
            if (out.type == TensorType::Int16) {
                const auto v = static_cast<int16_t>(zp);
                std::memcpy(value_.data(), &v, sizeof v);
            } else {
                value_[0] = static_cast<uint8_t>(zp);
            }
        }
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
        const size_t es = elementSize(out.type);
        const uint8_t* value = value_.data();
        if (hasValue_) {
            LS_RETURN_IF_ERROR(requireData(ctx, ctx.input(2), "constant value"));
            value = ctx.input(2).data;
        }
        fillElements(out.data, out.elementCount(), value, es);
        if (in.elementCount() == 0) return Status::ok();
        LS_RETURN_IF_ERROR(requireData(ctx, in, "input"));
        const Dims inStrides = stridesOf(in.shape), outStrides = stridesOf(out.shape);
        Block b;
        int64_t offset = 0;
        for (int d = 0; d < in.shape.rank(); ++d) {
            const auto i = static_cast<size_t>(d);
            offset += before_[i] * outStrides[i];
            b.add(in.shape[d], inStrides[i], outStrides[i]);
        }
        copyBlock(in.data, out.data + offset * static_cast<int64_t>(es), es, b);
        return Status::ok();
    }

  private:
    Status resize(OpContext& ctx) {
        const Shape& in = ctx.input(0).shape;
        LS_RETURN_IF_ERROR(readPaddings(ctx, ctx.input(1), in.rank(), before_, after_));
        Dims dims{};
        for (int d = 0; d < in.rank(); ++d) {
            const auto i = static_cast<size_t>(d);
            dims[i] = in[d] + before_[i] + after_[i];
        }
        Shape out;
        LS_RETURN_IF_ERROR(makeShape(ctx, dims.data(), in.rank(), out));
        return ctx.resizeOutput(0, out);
    }

    Dims before_{}, after_{};
    std::array<uint8_t, 16> value_{};
    bool hasValue_ = false;
    bool dynamic_ = false;
};

class MirrorPadKernel : public OpKernel {
  public:
    Status prepare(OpContext& ctx) override {
        LS_RETURN_IF_ERROR(checkArity(ctx, 2, 2, 1));
        const RuntimeTensor& in = ctx.input(0);
        LS_RETURN_IF_ERROR(checkPassThrough(ctx, in, ctx.output(0), "input"));
        LS_RETURN_IF_ERROR(checkPaddingsOperand(ctx, ctx.input(1), in.shape.rank()));
        const auto* o = ctx.options<fb::MirrorPadOptions>();
        // REFLECT leaves the edge out of the mirror image, SYMMETRIC repeats it.
        edge_ = o && o->mode() == fb::MirrorPadMode::SYMMETRIC ? 0 : 1;
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
        if (out.elementCount() == 0) return Status::ok();
        LS_RETURN_IF_ERROR(requireData(ctx, in, "input"));
        const auto es = static_cast<int64_t>(elementSize(in.type));
        const int rank = in.shape.rank();
        if (rank == 0) {
            std::memcpy(out.data, in.data, static_cast<size_t>(es));
            return Status::ok();
        }
        const Dims inStrides = stridesOf(in.shape);
        const int last = rank - 1;
        const int64_t n = in.shape[last], lo = before_[static_cast<size_t>(last)];
        const int64_t width = out.shape[last];
        const int64_t rows = out.shape.flatSize(0, last);
        Dims counter{};
        uint8_t* dst = out.data;
        for (int64_t r = 0; r < rows; ++r) {
            int64_t rowOffset = 0;
            for (int d = 0; d < last; ++d) {
                const auto i = static_cast<size_t>(d);
                rowOffset += mirror(counter[i], before_[i], in.shape[d]) * inStrides[i];
            }
            const uint8_t* src = in.data + rowOffset * es;
            for (int64_t x = 0; x < lo; ++x)
                std::memcpy(dst + x * es, src + mirror(x, lo, n) * es, static_cast<size_t>(es));
            std::memcpy(dst + lo * es, src, static_cast<size_t>(n * es));
            for (int64_t x = lo + n; x < width; ++x)
                std::memcpy(dst + x * es, src + mirror(x, lo, n) * es, static_cast<size_t>(es));
            dst += width * es;
            for (int d = last - 1; d >= 0; --d) {
                const auto i = static_cast<size_t>(d);
                if (++counter[i] < out.shape[d]) break;
                counter[i] = 0;
            }
        }
        return Status::ok();
    }

  private:
    // The input index that output index o (in a dimension of size n padded by `lo` before) mirrors.
    int64_t mirror(int64_t o, int64_t lo, int64_t n) const {
        const int64_t i = o - lo;
        if (i < 0) return -i - 1 + edge_;
        if (i >= n) return 2 * n - i - 1 - edge_;
        return i;
    }

    Status resize(OpContext& ctx) {
        const Shape& in = ctx.input(0).shape;
        LS_RETURN_IF_ERROR(readPaddings(ctx, ctx.input(1), in.rank(), before_, after_));
        Dims dims{};
        for (int d = 0; d < in.rank(); ++d) {
            const auto i = static_cast<size_t>(d);
            const int64_t limit = std::max<int64_t>(in[d] - edge_, 0);
            LS_ENSURE(ctx, before_[i] <= limit && after_[i] <= limit,
                      "padding " + str(before_[i]) + ", " + str(after_[i]) + " of dimension " + str(d) +
                          " (size " + str(in[d]) + ") exceeds " + str(limit) + " for " +
                          (edge_ ? "REFLECT" : "SYMMETRIC") + " mode");
            dims[i] = in[d] + before_[i] + after_[i];
        }
        Shape out;
        LS_RETURN_IF_ERROR(makeShape(ctx, dims.data(), in.rank(), out));
        return ctx.resizeOutput(0, out);
    }

    Dims before_{}, after_{};
    int edge_ = 1;
    bool dynamic_ = false;
};

// ---------------------------------------------------------------------------------------------------------
// SPACE_TO_DEPTH, DEPTH_TO_SPACE, SPACE_TO_BATCH_ND, BATCH_TO_SPACE_ND
// ---------------------------------------------------------------------------------------------------------

// Both are transposes of a 6-d view of NHWC tensors: [N, H/b, b, W/b, b, C] against [N, H/b, W/b, b, b, C]
// (SPACE_TO_DEPTH), and DEPTH_TO_SPACE's inverse with TFLite's DCR channel order.
template <bool ToDepth>
class SpaceDepthKernel : public OpKernel {
  public:
    Status prepare(OpContext& ctx) override {
        LS_RETURN_IF_ERROR(checkArity(ctx, 1, 1, 1));
        const RuntimeTensor& in = ctx.input(0);
        LS_RETURN_IF_ERROR(checkPassThrough(ctx, in, ctx.output(0), "input"));
        LS_ENSURE(ctx, in.shape.rank() == 4, "input must be 4-d NHWC, has shape " + in.shape.toString());
        if constexpr (ToDepth) {
            const auto* o = ctx.options<fb::SpaceToDepthOptions>();
            block_ = o ? o->block_size() : 0;
        } else {
            const auto* o = ctx.options<fb::DepthToSpaceOptions>();
            block_ = o ? o->block_size() : 0;
        }
        LS_ENSURE(ctx, block_ >= 1, "block_size " + str(block_) + " must be positive");
        const Shape& s = in.shape;
        const int64_t b = block_;
        Dims dims{};
        if constexpr (ToDepth) {
            LS_ENSURE(
                ctx, s[1] % b == 0 && s[2] % b == 0,
                "height and width of " + s.toString() + " must be multiples of the block size " + str(b));
            dims = {s[0], s[1] / b, s[2] / b, s[3] * b * b};
        } else {
            LS_ENSURE(
                ctx, s[3] % (b * b) == 0,
                "depth of " + s.toString() + " must be a multiple of the block size squared " + str(b * b));
            dims = {s[0], s[1] * b, s[2] * b, s[3] / (b * b)};
        }
        Shape out;
        LS_RETURN_IF_ERROR(makeShape(ctx, dims.data(), 4, out));
        return ctx.resizeOutput(0, out);
    }

    Status eval(OpContext& ctx) override {
        const RuntimeTensor& in = ctx.input(0);
        RuntimeTensor& out = ctx.output(0);
        if (out.elementCount() == 0) return Status::ok();
        LS_RETURN_IF_ERROR(requireData(ctx, in, "input"));
        const int64_t b = block_;
        const Shape& s = in.shape;
        Block blk;
        if constexpr (ToDepth) {
            const int64_t h = s[1], w = s[2], c = s[3];
            // Output order [n, oh, ow, bh, bw, c]; input element (n, oh*b+bh, ow*b+bw, c).
            blk.add(s[0], h * w * c, 0);
            blk.add(h / b, b * w * c, 0);
            blk.add(w / b, b * c, 0);
            blk.add(b, w * c, 0);
            blk.add(b, c, 0);
            blk.add(c, 1, 0);
        } else {
            const int64_t h = s[1], w = s[2], c = s[3], oc = c / (b * b);
            // Output order [n, h, bh, w, bw, oc]; input element (n, h, w, (bh*b+bw)*oc + c).
            blk.add(s[0], h * w * c, 0);
            blk.add(h, w * c, 0);
            blk.add(b, b * oc, 0);
            blk.add(w, c, 0);
            blk.add(b, oc, 0);
            blk.add(oc, 1, 0);
        }
        int64_t acc = 1;
        for (int d = 5; d >= 0; --d) {
            blk.dst[static_cast<size_t>(d)] = acc;
            acc *= blk.dims[static_cast<size_t>(d)];
        }
        copyBlock(in.data, out.data, elementSize(in.type), blk);
        return Status::ok();
    }

  private:
    int block_ = 1;
};

// SPACE_TO_BATCH_ND pads the M spatial dimensions and moves the block offsets into the batch;
// BATCH_TO_SPACE_ND undoes it and crops. Batch index = offset * batch + b, the offsets row-major over the
// block dimensions.
template <bool ToBatch>
class SpaceBatchKernel : public OpKernel {
  public:
    Status prepare(OpContext& ctx) override {
        LS_RETURN_IF_ERROR(checkArity(ctx, 3, 3, 1));
        const RuntimeTensor& in = ctx.input(0);
        const RuntimeTensor& out = ctx.output(0);
        LS_RETURN_IF_ERROR(checkPassThrough(ctx, in, out, "input"));
        const RuntimeTensor& block = ctx.input(1);
        LS_RETURN_IF_ERROR(checkIndexOperand(ctx, block, "block_shape"));
        LS_ENSURE(ctx, block.shape.rank() == 1,
                  "block_shape must be a vector, has shape " + block.shape.toString());
        spatial_ = block.shape[0];
        LS_ENSURE(ctx, spatial_ >= 1 && spatial_ < in.shape.rank(),
                  "block_shape " + block.shape.toString() + " does not fit the input " + in.shape.toString());
        const RuntimeTensor& pads = ctx.input(2);
        LS_RETURN_IF_ERROR(checkIndexOperand(ctx, pads, ToBatch ? "paddings" : "crops"));
        LS_ENSURE(ctx, pads.shape.rank() == 2 && pads.shape[0] == spatial_ && pads.shape[1] == 2,
                  std::string(ToBatch ? "paddings " : "crops ") + pads.shape.toString() + " must be [" +
                      str(spatial_) + ",2]");
        padValue_ = {};
        if (ToBatch && isQuantizedType(out.type)) {
            const int64_t zp = out.zeroPoint();
            if (out.type == TensorType::Int16) {
                const auto v = static_cast<int16_t>(zp);
                std::memcpy(padValue_.data(), &v, sizeof v);
            } else {
                padValue_[0] = static_cast<uint8_t>(zp);
            }
        }
        dynamic_ = !valuesKnown(ctx, block) || !valuesKnown(ctx, pads);
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
        const size_t es = elementSize(in.type);
        if (ToBatch) fillElements(out.data, out.elementCount(), padValue_.data(), es);
        if (in.elementCount() == 0 || out.elementCount() == 0) return Status::ok();
        LS_RETURN_IF_ERROR(requireData(ctx, in, "input"));
        // The batched side's spatial grid is walked; each point maps to one point of the other side or to
        // none.
        const RuntimeTensor& batched = ToBatch ? out : in;
        const RuntimeTensor& spaced = ToBatch ? in : out;
        const int m = spatial_;
        const int64_t batch = spaced.shape[0];
        const int64_t depth = batched.shape.flatSize(1 + m, batched.shape.rank());
        const size_t run = static_cast<size_t>(depth) * es;
        const Dims spacedStrides = stridesOf(spaced.shape);
        const int64_t points = batched.shape.flatSize(1, 1 + m);
        for (int64_t bb = 0; bb < batched.shape[0]; ++bb) {
            const int64_t b = bb % batch;
            // This batch's offsets within the block, last block dimension fastest.
            Dims shift{};
            int64_t rest = bb / batch;
            for (int d = m - 1; d >= 0; --d) {
                const auto i = static_cast<size_t>(d);
                shift[i] = rest % block_[i];
                rest /= block_[i];
            }
            Dims counter{};
            for (int64_t p = 0; p < points; ++p) {
                int64_t spacedOffset = b * spacedStrides[0];
                bool inside = true;
                for (int d = 0; d < m && inside; ++d) {
                    const auto i = static_cast<size_t>(d);
                    const int64_t x = counter[i] * block_[i] + shift[i] - before_[i];
                    inside = x >= 0 && x < spaced.shape[d + 1];
                    spacedOffset += x * spacedStrides[i + 1];
                }
                if (inside) {
                    const uint8_t* src = ToBatch ? in.data + static_cast<size_t>(spacedOffset) * es
                                                 : in.data + static_cast<size_t>(bb * points + p) * run;
                    uint8_t* dst = ToBatch ? out.data + static_cast<size_t>(bb * points + p) * run
                                           : out.data + static_cast<size_t>(spacedOffset) * es;
                    std::memcpy(dst, src, run);
                }
                for (int d = m - 1; d >= 0; --d) {
                    const auto i = static_cast<size_t>(d);
                    if (++counter[i] < batched.shape[d + 1]) break;
                    counter[i] = 0;
                }
            }
        }
        return Status::ok();
    }

  private:
    Status resize(OpContext& ctx) {
        const Shape& in = ctx.input(0).shape;
        int n = 0;
        LS_RETURN_IF_ERROR(readSmallVector(ctx, ctx.input(1), "block_shape", block_, n));
        LS_RETURN_IF_ERROR(readPaddings(ctx, ctx.input(2), spatial_, before_, after_));
        Dims dims{};
        int64_t blocks = 1;
        for (int d = 0; d < spatial_; ++d) {
            const auto i = static_cast<size_t>(d);
            LS_ENSURE(ctx, block_[i] >= 1, "block_shape value " + str(block_[i]) + " must be positive");
            LS_ENSURE(ctx, mulChecked(blocks, block_[i]), "block_shape is too large");
            if constexpr (ToBatch) {
                const int64_t padded = in[d + 1] + before_[i] + after_[i];
                LS_ENSURE(ctx, padded % block_[i] == 0,
                          "padded dimension " + str(d + 1) + " (" + str(padded) +
                              ") is not a multiple of the block size " + str(block_[i]));
                dims[i + 1] = padded / block_[i];
            } else {
                const int64_t size = in[d + 1] * block_[i] - before_[i] - after_[i];
                LS_ENSURE(ctx, size >= 0, "crops of dimension " + str(d + 1) + " exceed its size");
                dims[i + 1] = size;
            }
        }
        if constexpr (ToBatch) {
            dims[0] = in[0] * blocks;
        } else {
            LS_ENSURE(ctx, in[0] % blocks == 0,
                      "batch " + str(in[0]) + " is not a multiple of the block count " + str(blocks));
            dims[0] = in[0] / blocks;
        }
        for (int d = 1 + spatial_; d < in.rank(); ++d)
            dims[static_cast<size_t>(d)] = in[d];
        Shape out;
        LS_RETURN_IF_ERROR(makeShape(ctx, dims.data(), in.rank(), out));
        return ctx.resizeOutput(0, out);
    }

    Dims block_{}, before_{}, after_{};
    std::array<uint8_t, 16> padValue_{};
    int spatial_ = 0;
    bool dynamic_ = false;
};

}  // namespace

void registerShapeKernels(KernelRegistry& r) {
    using B = fb::BuiltinOperator;
    r.add(B::RESHAPE, makeKernel<ReshapeKernel>);
    r.add(B::SQUEEZE, makeKernel<SqueezeKernel>);
    r.add(B::EXPAND_DIMS, makeKernel<ExpandDimsKernel>);
    r.add(B::SHAPE, makeKernel<ShapeKernel>);
    r.add(B::RANK, makeKernel<RankKernel>);
    r.add(B::BROADCAST_ARGS, makeKernel<BroadcastArgsKernel>);
    r.add(B::FILL, makeKernel<FillKernel>);
    r.add(B::BROADCAST_TO, makeKernel<BroadcastToKernel>);
    r.add(B::TRANSPOSE, makeKernel<TransposeKernel>);
    r.add(B::CONCATENATION, makeKernel<ConcatenationKernel>);
    r.add(B::PACK, makeKernel<PackKernel>);
    r.add(B::SPLIT, makeKernel<SplitKernel<false>>);
    r.add(B::SPLIT_V, makeKernel<SplitKernel<true>>);
    r.add(B::UNPACK, makeKernel<UnpackKernel>);
    r.add(B::SLICE, makeKernel<SliceKernel>);
    r.add(B::STRIDED_SLICE, makeKernel<StridedSliceKernel>);
    r.add(B::REVERSE_V2, makeKernel<ReverseKernel>);
    r.add(B::TILE, makeKernel<TileKernel>);
    r.add(B::PAD, makeKernel<PadKernel>);
    r.add(B::PADV2, makeKernel<PadKernel>);
    r.add(B::MIRROR_PAD, makeKernel<MirrorPadKernel>);
    r.add(B::SPACE_TO_DEPTH, makeKernel<SpaceDepthKernel<true>>);
    r.add(B::DEPTH_TO_SPACE, makeKernel<SpaceDepthKernel<false>>);
    r.add(B::SPACE_TO_BATCH_ND, makeKernel<SpaceBatchKernel<true>>);
    r.add(B::BATCH_TO_SPACE_ND, makeKernel<SpaceBatchKernel<false>>);
}

}  // namespace litescope::kernels

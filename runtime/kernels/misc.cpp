// Ops that fit no other family: the 2-D real FFT and complex parts (RFFT2D, COMPLEX_ABS, REAL, IMAG),
// DENSIFY of sparse constant weights, and the TFLite_Detection_PostProcess custom op (box decoding and
// non-maximum suppression), whose UINT8 and INT8 inputs are dequantized to float first, as TFLite does.

// FlexBuffers is used header-only: its locale-independent number parsing lives in libflatbuffers, which
// the runtime does not link. Must come before the first flatbuffers header.
#include <flatbuffers/flexbuffers.h>

#include <algorithm>
#include <cmath>
#include <complex>
#include <cstring>
#include <numbers>

#include "runtime/interpreter.h"
#include "runtime/kernel_registry.h"
#include "runtime/kernels/kernel_util.h"

namespace litescope::kernels {
namespace {

// ---------------------------------------------------------------------------------------------------------
// RFFT2D
// ---------------------------------------------------------------------------------------------------------

using Complex = std::complex<double>;

bool isPowerOfTwo(int64_t v) {
    return v > 0 && (v & (v - 1)) == 0;
}

// In-place iterative radix-2 FFT of length n (a power of two). `twiddles` holds exp(-2 pi i k / maxN) for
// k < maxN / 2, where maxN is a multiple of n.
void fft(Complex* a, int64_t n, const Complex* twiddles, int64_t maxN) {
    for (int64_t i = 1, j = 0; i < n; ++i) {
        int64_t bit = n >> 1;
        for (; j & bit; bit >>= 1)
            j ^= bit;
        j ^= bit;
        if (i < j) std::swap(a[i], a[j]);
    }
    for (int64_t len = 2; len <= n; len <<= 1) {
        const int64_t half = len / 2, step = maxN / len;
        for (int64_t start = 0; start < n; start += len) {
            for (int64_t k = 0; k < half; ++k) {
                const Complex t = a[start + k + half] * twiddles[k * step];
                a[start + k + half] = a[start + k] - t;
                a[start + k] += t;
            }
        }
    }
}

class Rfft2dKernel : public OpKernel {
  public:
    Status prepare(OpContext& ctx) override {
        LS_ENSURE(ctx, ctx.inputCount() == 2 && ctx.hasInput(0) && ctx.hasInput(1),
                  "needs an input and fft_length");
        LS_ENSURE(ctx, ctx.outputCount() == 1, "needs one output");
        const RuntimeTensor& in = ctx.input(0);
        const RuntimeTensor& length = ctx.input(1);
        if (in.type != TensorType::Float32) return ctx.unsupportedType("input", in.type);
        LS_ENSURE(ctx, in.shape.rank() >= 2, "input must have rank 2 or more, not " + in.shape.toString());
        LS_ENSURE(ctx, length.type == TensorType::Int32, "fft_length must be INT32");
        LS_ENSURE(ctx, length.shape.rank() == 1 && length.shape[0] == 2, "fft_length must have shape [2]");
        LS_ENSURE(ctx, ctx.output(0).type == TensorType::Complex64, "output must be COMPLEX64");
        lengthAtEval_ = !length.isConstant() && !ctx.isEvaluating();
        if (lengthAtEval_) {
            ctx.markOutputDynamic(0);
            return Status::ok();
        }
        return configure(ctx);
    }

    Status eval(OpContext& ctx) override {
        if (lengthAtEval_) LS_RETURN_IF_ERROR(configure(ctx));  // a rare dynamic length: scratch on the heap
        const RuntimeTensor& in = ctx.input(0);
        const int rank = in.shape.rank();
        const int64_t inH = in.shape[rank - 2], inW = in.shape[rank - 1];
        const int64_t outW = fftW_ / 2 + 1;
        const int64_t slices = in.shape.flatSize(0, rank - 2);
        const int64_t maxN = std::max(fftH_, fftW_);
        auto* scratch = reinterpret_cast<Complex*>(ctx.scratch(scratch_));
        Complex* grid = scratch;              // fftH x outW: the row transforms
        Complex* line = grid + fftH_ * outW;  // one row or column being transformed
        Complex* twiddles = line + maxN;      // maxN / 2 roots of unity
        for (int64_t k = 0; k < maxN / 2; ++k)
            twiddles[k] =
                std::polar(1.0, -2.0 * std::numbers::pi * static_cast<double>(k) / static_cast<double>(maxN));
        const float* x = in.as<float>();
        auto* y = ctx.output(0).as<std::complex<float>>();
        // The input is cropped or zero-padded to fft_length, as TFLite does.
        const int64_t validH = std::min(inH, fftH_), validW = std::min(inW, fftW_);
        for (int64_t s = 0; s < slices; ++s) {
            const float* xs = x + s * inH * inW;
            for (int64_t r = 0; r < fftH_; ++r) {
                Complex* row = grid + r * outW;
                if (r >= validH) {
                    std::fill(row, row + outW, Complex{});
                    continue;
                }
                for (int64_t c = 0; c < fftW_; ++c)
                    line[c] = c < validW ? Complex(xs[r * inW + c], 0.0) : Complex{};
                fft(line, fftW_, twiddles, maxN);
                std::copy(line, line + outW, row);
            }
            std::complex<float>* ys = y + s * fftH_ * outW;
            for (int64_t c = 0; c < outW; ++c) {
                for (int64_t r = 0; r < fftH_; ++r)
                    line[r] = grid[r * outW + c];
                fft(line, fftH_, twiddles, maxN);
                for (int64_t r = 0; r < fftH_; ++r)
                    ys[r * outW + c] = {static_cast<float>(line[r].real()),
                                        static_cast<float>(line[r].imag())};
            }
        }
        return Status::ok();
    }

  private:
    Status configure(OpContext& ctx) {
        const RuntimeTensor& in = ctx.input(0);
        const int32_t* length = ctx.input(1).as<int32_t>();
        fftH_ = length[0];
        fftW_ = length[1];
        LS_ENSURE(ctx, isPowerOfTwo(fftH_) && isPowerOfTwo(fftW_) && fftH_ <= (1 << 24) && fftW_ <= (1 << 24),
                  "fft_length must hold powers of two, not " + std::to_string(fftH_) + " and " +
                      std::to_string(fftW_));
        Shape out = in.shape;
        out[out.rank() - 2] = static_cast<int32_t>(fftH_);
        out[out.rank() - 1] = static_cast<int32_t>(fftW_ / 2 + 1);
        LS_RETURN_IF_ERROR(ctx.resizeOutput(0, out));
        const int64_t maxN = std::max(fftH_, fftW_);
        const int64_t complexes = fftH_ * (fftW_ / 2 + 1) + maxN + maxN / 2;
        scratch_ = ctx.requestScratch(static_cast<size_t>(complexes) * sizeof(Complex));
        if (ctx.isEvaluating())
            LS_ENSURE(ctx, ctx.scratch(scratch_) != nullptr, "cannot allocate the FFT's scratch memory");
        return Status::ok();
    }

    int64_t fftH_ = 1, fftW_ = 1;
    int scratch_ = -1;
    bool lengthAtEval_ = false;
};

// ---------------------------------------------------------------------------------------------------------
// COMPLEX_ABS, REAL, IMAG
// ---------------------------------------------------------------------------------------------------------

enum class ComplexPart { Abs, Real, Imag };

template <ComplexPart Part>
class ComplexPartKernel : public OpKernel {
  public:
    Status prepare(OpContext& ctx) override {
        LS_ENSURE(ctx, ctx.inputCount() == 1 && ctx.hasInput(0), "needs one input");
        LS_ENSURE(ctx, ctx.outputCount() == 1, "needs one output");
        const RuntimeTensor& in = ctx.input(0);
        const TensorType want = in.type == TensorType::Complex64    ? TensorType::Float32
                                : in.type == TensorType::Complex128 ? TensorType::Float64
                                                                    : in.type;
        if (want == in.type) return ctx.unsupportedType("input", in.type);
        LS_ENSURE(ctx, ctx.output(0).type == want, "output must be " + std::string(tensorTypeName(want)));
        return ctx.resizeOutput(0, in.shape);
    }

    Status eval(OpContext& ctx) override {
        const RuntimeTensor& in = ctx.input(0);
        if (in.type == TensorType::Complex64)
            run<float>(in, ctx.output(0));
        else
            run<double>(in, ctx.output(0));
        return Status::ok();
    }

  private:
    template <typename T>
    static void run(const RuntimeTensor& in, RuntimeTensor& out) {
        const auto* x = in.as<std::complex<T>>();
        T* y = out.as<T>();
        for (int64_t i = 0; i < in.elementCount(); ++i) {
            if constexpr (Part == ComplexPart::Abs) y[i] = std::abs(x[i]);
            if constexpr (Part == ComplexPart::Real) y[i] = x[i].real();
            if constexpr (Part == ComplexPart::Imag) y[i] = x[i].imag();
        }
    }
};

// ---------------------------------------------------------------------------------------------------------
// DENSIFY
// ---------------------------------------------------------------------------------------------------------

// One of the format's segment or index vectors (INT32, UINT16 or UINT8), read in place.
struct IndexVector {
    fb::SparseIndexVector type = fb::SparseIndexVector::NONE;
    const void* table = nullptr;
    int64_t size = 0;

    bool set(fb::SparseIndexVector t, const void* v) {
        type = t;
        table = v;
        switch (t) {
            case fb::SparseIndexVector::Int32Vector: {
                auto* values = static_cast<const fb::Int32Vector*>(v)->values();
                size = values ? values->size() : 0;
                return true;
            }
            case fb::SparseIndexVector::Uint16Vector: {
                auto* values = static_cast<const fb::Uint16Vector*>(v)->values();
                size = values ? values->size() : 0;
                return true;
            }
            case fb::SparseIndexVector::Uint8Vector: {
                auto* values = static_cast<const fb::Uint8Vector*>(v)->values();
                size = values ? values->size() : 0;
                return true;
            }
            default:
                return false;
        }
    }
    // Callers keep i < size.
    int64_t at(int64_t i) const {
        const auto k = static_cast<flatbuffers::uoffset_t>(i);
        switch (type) {
            case fb::SparseIndexVector::Int32Vector:
                return static_cast<const fb::Int32Vector*>(table)->values()->Get(k);
            case fb::SparseIndexVector::Uint16Vector:
                return static_cast<const fb::Uint16Vector*>(table)->values()->Get(k);
            case fb::SparseIndexVector::Uint8Vector:
                return static_cast<const fb::Uint8Vector*>(table)->values()->Get(k);
            default:
                return -1;
        }
    }
};

// Expands block-sparse constant weights to a dense tensor, following the tensor's SparsityParameters: a
// traversal of the n original dimensions (each divided into blocks) and the k block dimensions, each level
// either DENSE (every index) or SPARSE_CSR (a segment range into an index vector, per parent position).
// Every segment and index is checked against the sizes the dense shape implies.
class DensifyKernel : public OpKernel {
  public:
    bool foldsConstantInputs() const override { return true; }

    Status prepare(OpContext& ctx) override {
        LS_ENSURE(ctx, ctx.inputCount() == 1 && ctx.hasInput(0), "needs one input");
        LS_ENSURE(ctx, ctx.outputCount() == 1, "needs one output");
        const RuntimeTensor& in = ctx.input(0);
        if (in.type != TensorType::Float32 && in.type != TensorType::Float16 && in.type != TensorType::Int8)
            return ctx.unsupportedType("input", in.type);
        LS_ENSURE(ctx, ctx.output(0).type == in.type, "output type differs from the input's");
        LS_ENSURE(ctx, in.isConstant(), "input must be a constant tensor");
        LS_ENSURE(ctx, in.model->sparsity != nullptr, "input has no sparsity parameters");
        const fb::Model* root = ctx.subgraph().interpreter().model().flatbuffer();
        const fb::Tensor* raw = root->subgraphs()
                                    ->Get(static_cast<flatbuffers::uoffset_t>(ctx.subgraph().index()))
                                    ->tensors()
                                    ->Get(static_cast<flatbuffers::uoffset_t>(ctx.inputIndex(0)));
        LS_ENSURE(ctx, raw->sparsity() != nullptr, "input has no sparsity parameters");
        LS_RETURN_IF_ERROR(describe(ctx, *raw->sparsity(), in.shape));
        return ctx.resizeOutput(0, in.shape);
    }

    Status eval(OpContext& ctx) override {
        const RuntimeTensor& in = ctx.input(0);
        RuntimeTensor& out = ctx.output(0);
        elementBytes_ = elementSize(in.type);
        values_ = in.data;
        valueCount_ = static_cast<int64_t>(in.bytes / elementBytes_);
        nextValue_ = 0;
        dense_ = out.data;
        std::memset(out.data, 0, out.bytes);
        std::array<int64_t, kMaxLevels> coords{};
        return visit(ctx, 0, 0, coords);
    }

  private:
    static constexpr int kMaxLevels = 2 * Shape::kMaxRank;

    struct Level {
        bool sparse = false;
        int dim = 0;         // the expanded dimension it traverses: < rank original, >= rank a block
        int64_t extent = 0;  // that dimension's size
        IndexVector segments, indices;
    };

    Status describe(OpContext& ctx, const fb::SparsityParameters& sp, const Shape& shape) {
        const int rank = shape.rank();
        const int blocks = sp.block_map() ? static_cast<int>(sp.block_map()->size()) : 0;
        levels_ = sp.traversal_order() ? static_cast<int>(sp.traversal_order()->size()) : 0;
        LS_ENSURE(ctx, blocks <= rank && levels_ == rank + blocks,
                  "traversal order has " + std::to_string(levels_) + " entries for rank " +
                      std::to_string(rank) + " and " + std::to_string(blocks) + " block dimensions");
        LS_ENSURE(ctx, sp.dim_metadata() && static_cast<int>(sp.dim_metadata()->size()) == levels_,
                  "dimension metadata does not match the traversal order");
        rank_ = rank;
        std::array<bool, kMaxLevels> seen{};
        std::array<int, kMaxLevels> levelOfDim{};
        for (int l = 0; l < levels_; ++l) {
            const int d = sp.traversal_order()->Get(static_cast<flatbuffers::uoffset_t>(l));
            LS_ENSURE(
                ctx, d >= 0 && d < levels_ && !seen[static_cast<size_t>(d)],
                "traversal order is not a permutation of the " + std::to_string(levels_) + " dimensions");
            seen[static_cast<size_t>(d)] = true;
            levelOfDim[static_cast<size_t>(d)] = l;
        }
        // Block b splits original dimension blockMap[b] into blocks of its dense size.
        blockOf_.fill(-1);
        for (int b = 0; b < blocks; ++b) {
            const int d = sp.block_map()->Get(static_cast<flatbuffers::uoffset_t>(b));
            LS_ENSURE(ctx, d >= 0 && d < rank && blockOf_[static_cast<size_t>(d)] < 0,
                      "block map names dimension " + std::to_string(d) + " twice or out of range");
            blockOf_[static_cast<size_t>(d)] = b;
            const auto* meta = sp.dim_metadata()->Get(
                static_cast<flatbuffers::uoffset_t>(levelOfDim[static_cast<size_t>(rank + b)]));
            const int64_t size = meta->dense_size();
            LS_ENSURE(ctx, meta->format() == fb::DimensionType::DENSE && size > 0 && shape[d] % size == 0,
                      "block dimension " + std::to_string(b) + " must be dense with a size dividing " +
                          std::to_string(shape[d]));
            blockSize_[static_cast<size_t>(b)] = size;
        }
        std::array<int64_t, kMaxLevels> extentOfDim{};
        for (int d = 0; d < rank; ++d) {
            const int b = blockOf_[static_cast<size_t>(d)];
            extentOfDim[static_cast<size_t>(d)] =
                b < 0 ? shape[d] : shape[d] / blockSize_[static_cast<size_t>(b)];
        }
        for (int b = 0; b < blocks; ++b)
            extentOfDim[static_cast<size_t>(rank + b)] = blockSize_[static_cast<size_t>(b)];
        for (int l = 0; l < levels_; ++l) {
            const auto* meta = sp.dim_metadata()->Get(static_cast<flatbuffers::uoffset_t>(l));
            Level& level = level_[static_cast<size_t>(l)];
            level = Level{};
            level.dim = sp.traversal_order()->Get(static_cast<flatbuffers::uoffset_t>(l));
            level.extent = extentOfDim[static_cast<size_t>(level.dim)];
            level.sparse = meta->format() == fb::DimensionType::SPARSE_CSR;
            if (!level.sparse) {
                LS_ENSURE(ctx, meta->dense_size() == level.extent,
                          "dense level " + std::to_string(l) + " has size " +
                              std::to_string(meta->dense_size()) + ", but the shape gives " +
                              std::to_string(level.extent));
                continue;
            }
            LS_ENSURE(ctx,
                      meta->array_segments() &&
                          level.segments.set(meta->array_segments_type(), meta->array_segments()),
                      "sparse level " + std::to_string(l) + " has no segment vector");
            LS_ENSURE(
                ctx,
                meta->array_indices() && level.indices.set(meta->array_indices_type(), meta->array_indices()),
                "sparse level " + std::to_string(l) + " has no index vector");
        }
        return Status::ok();
    }

    // Depth-first walk of the traversal, one element value per complete path, as TFLite's converter reads
    // the value buffer. `position` is the parent's position, which selects a sparse level's segment.
    Status visit(OpContext& ctx, int l, int64_t position, std::array<int64_t, kMaxLevels>& coords) {
        if (l == levels_) return place(ctx, coords);
        const Level& level = level_[static_cast<size_t>(l)];
        if (!level.sparse) {
            LS_ENSURE(ctx,
                      position <= (std::numeric_limits<int64_t>::max() - level.extent) /
                                      std::max<int64_t>(level.extent, 1),
                      "sparse structure too large");
            for (int64_t i = 0; i < level.extent; ++i) {
                coords[static_cast<size_t>(l)] = i;
                LS_RETURN_IF_ERROR(visit(ctx, l + 1, position * level.extent + i, coords));
            }
            return Status::ok();
        }
        LS_ENSURE(ctx, position >= 0 && position + 1 < level.segments.size,
                  "level " + std::to_string(l) + " has " + std::to_string(level.segments.size) +
                      " segment entries, position " + std::to_string(position) + " needs more");
        const int64_t begin = level.segments.at(position), end = level.segments.at(position + 1);
        LS_ENSURE(ctx, begin >= 0 && begin <= end && end <= level.indices.size,
                  "level " + std::to_string(l) + " segment [" + std::to_string(begin) + ", " +
                      std::to_string(end) + ") is outside its " + std::to_string(level.indices.size) +
                      " indices");
        for (int64_t i = begin; i < end; ++i) {
            const int64_t index = level.indices.at(i);
            LS_ENSURE(ctx, index >= 0 && index < level.extent,
                      "level " + std::to_string(l) + " index " + std::to_string(index) +
                          " is outside its dimension of " + std::to_string(level.extent));
            coords[static_cast<size_t>(l)] = index;
            LS_RETURN_IF_ERROR(visit(ctx, l + 1, i, coords));
        }
        return Status::ok();
    }

    Status place(OpContext& ctx, const std::array<int64_t, kMaxLevels>& coords) {
        LS_ENSURE(
            ctx, nextValue_ < valueCount_,
            "the sparsity structure needs more than the " + std::to_string(valueCount_) + " stored values");
        std::array<int64_t, kMaxLevels> expanded{};
        for (int l = 0; l < levels_; ++l)
            expanded[static_cast<size_t>(level_[static_cast<size_t>(l)].dim)] =
                coords[static_cast<size_t>(l)];
        const Shape& shape = ctx.output(0).shape;
        int64_t flat = 0;
        for (int d = 0; d < rank_; ++d) {
            const int b = blockOf_[static_cast<size_t>(d)];
            const int64_t index =
                b < 0 ? expanded[static_cast<size_t>(d)]
                      : expanded[static_cast<size_t>(d)] * blockSize_[static_cast<size_t>(b)] +
                            expanded[static_cast<size_t>(rank_ + b)];
            flat = flat * shape[d] + index;
        }
        std::memcpy(dense_ + flat * static_cast<int64_t>(elementBytes_),
                    values_ + nextValue_ * static_cast<int64_t>(elementBytes_), elementBytes_);
        ++nextValue_;
        return Status::ok();
    }

    int rank_ = 0, levels_ = 0;
    std::array<Level, kMaxLevels> level_{};
    std::array<int, Shape::kMaxRank> blockOf_{};
    std::array<int64_t, Shape::kMaxRank> blockSize_{};
    size_t elementBytes_ = 1;
    const uint8_t* values_ = nullptr;
    uint8_t* dense_ = nullptr;
    int64_t valueCount_ = 0, nextValue_ = 0;
};

// ---------------------------------------------------------------------------------------------------------
// TFLite_Detection_PostProcess
// ---------------------------------------------------------------------------------------------------------

struct Box {
    float ymin, xmin, ymax, xmax;
};

// TFLite's intersection over union; boxes with no area overlap nothing.
float intersectionOverUnion(const Box& a, const Box& b) {
    const float areaA = (a.ymax - a.ymin) * (a.xmax - a.xmin);
    const float areaB = (b.ymax - b.ymin) * (b.xmax - b.xmin);
    if (areaA <= 0 || areaB <= 0) return 0.f;
    const float h = std::max(std::min(a.ymax, b.ymax) - std::max(a.ymin, b.ymin), 0.f);
    const float w = std::max(std::min(a.xmax, b.xmax) - std::max(a.xmin, b.xmin), 0.f);
    const float intersection = h * w;
    return intersection / (areaA + areaB - intersection);
}

// Orders by decreasing score, ties by increasing index (TFLite's stable order); NaN sorts last.
struct ByScore {
    const float* scores;
    bool operator()(int32_t i, int32_t j) const {
        const float a = std::isnan(scores[i]) ? -std::numeric_limits<float>::infinity() : scores[i];
        const float b = std::isnan(scores[j]) ? -std::numeric_limits<float>::infinity() : scores[j];
        return a > b || (a == b && i < j);
    }
};

class DetectionPostProcessKernel : public OpKernel {
  public:
    Status prepare(OpContext& ctx) override {
        LS_ENSURE(ctx, ctx.inputCount() == 3 && ctx.hasInput(0) && ctx.hasInput(1) && ctx.hasInput(2),
                  "needs box encodings, class predictions and anchors");
        LS_ENSURE(ctx, ctx.outputCount() == 4, "needs four outputs (boxes, classes, scores, count)");
        LS_RETURN_IF_ERROR(parseOptions(ctx));
        const RuntimeTensor& boxes = ctx.input(0);
        const RuntimeTensor& classes = ctx.input(1);
        const RuntimeTensor& anchors = ctx.input(2);
        // Quantized operands are dequantized to float first, as TFLite does, and the float path runs on.
        for (int i = 0; i < 3; ++i) {
            const TensorType t = ctx.input(i).type;
            if (t != TensorType::Float32 && t != TensorType::UInt8 && t != TensorType::Int8)
                return ctx.unsupportedType(i == 0   ? "box encodings"
                                           : i == 1 ? "class predictions"
                                                    : "anchors",
                                           t);
            if (t != TensorType::Float32)
                LS_ENSURE(ctx, !ctx.input(i).quantization().scale.empty(),
                          std::string(i == 0   ? "box encodings"
                                      : i == 1 ? "class predictions"
                                               : "anchors") +
                              " have no quantization scale");
        }
        LS_ENSURE(ctx, boxes.shape.rank() == 3 && boxes.shape[0] == 1 && boxes.shape[2] >= 4,
                  "box encodings must have shape [1, boxes, 4 or more], not " + boxes.shape.toString());
        numBoxes_ = boxes.shape[1];
        LS_ENSURE(ctx, classes.shape.rank() == 3 && classes.shape[0] == 1 && classes.shape[1] == numBoxes_,
                  "class predictions must have shape [1, " + std::to_string(numBoxes_) + ", classes], not " +
                      classes.shape.toString());
        LS_ENSURE(ctx, anchors.shape.rank() == 2 && anchors.shape[0] >= numBoxes_ && anchors.shape[1] == 4,
                  "anchors must have shape [" + std::to_string(numBoxes_) + ", 4], not " +
                      anchors.shape.toString());
        classesWithBackground_ = classes.shape[2];
        labelOffset_ = classesWithBackground_ - numClasses_;
        LS_ENSURE(ctx, labelOffset_ == 0 || labelOffset_ == 1,
                  "class predictions have " + std::to_string(classesWithBackground_) +
                      " columns for num_classes " + std::to_string(numClasses_));
        for (int i = 0; i < 4; ++i)
            LS_ENSURE(ctx, ctx.output(i).type == TensorType::Float32, "outputs must be FLOAT32");
        const int64_t detected = static_cast<int64_t>(maxDetections_) * maxClassesPerDetection_;
        LS_ENSURE(ctx, detected <= std::numeric_limits<int32_t>::max(), "too many detections");
        const auto n = static_cast<int32_t>(detected);
        LS_RETURN_IF_ERROR(ctx.resizeOutput(0, Shape{1, n, 4}));
        LS_RETURN_IF_ERROR(ctx.resizeOutput(1, Shape{1, n}));
        LS_RETURN_IF_ERROR(ctx.resizeOutput(2, Shape{1, n}));
        LS_RETURN_IF_ERROR(ctx.resizeOutput(3, Shape{1}));
        // One scratch block for everything eval needs, so that it allocates nothing.
        const int64_t boxes64 = numBoxes_, merged = numBoxes_ + static_cast<int64_t>(maxDetections_);
        layout_ = {};
        int64_t at = 0;
        auto carve = [&](int64_t& offset, int64_t bytes) {
            offset = at;
            at += (bytes + 63) / 64 * 64;
        };
        carve(layout_.decoded, boxes64 * static_cast<int64_t>(sizeof(Box)));
        carve(layout_.scores, boxes64 * 4);
        carve(layout_.keepScores, boxes64 * 4);
        carve(layout_.keepIndices, boxes64 * 4);
        carve(layout_.order, std::max(merged, static_cast<int64_t>(numClasses_)) * 4);
        carve(layout_.active, boxes64);
        carve(layout_.selected,
              (std::max<int64_t>(std::max(maxDetections_, detectionsPerClass_), 0) + 1) * 4);
        carve(layout_.mergedIndices, merged * 4);
        carve(layout_.mergedScores, merged * 4);
        carve(layout_.sortedValues, merged * 4);
        layout_.boxValues = layout_.predictionValues = layout_.anchorValues = -1;
        if (boxes.type != TensorType::Float32) carve(layout_.boxValues, boxes.elementCount() * 4);
        if (classes.type != TensorType::Float32) carve(layout_.predictionValues, classes.elementCount() * 4);
        if (anchors.type != TensorType::Float32) carve(layout_.anchorValues, anchors.elementCount() * 4);
        scratch_ = ctx.requestScratch(static_cast<size_t>(at));
        return Status::ok();
    }

    Status eval(OpContext& ctx) override {
        uint8_t* base = ctx.scratch(scratch_);
        LS_ENSURE(ctx, base != nullptr, "no scratch memory");
        auto* decoded = reinterpret_cast<Box*>(base + layout_.decoded);
        const float* encodings = floatValues(ctx.input(0), base, layout_.boxValues);
        predictions_ = floatValues(ctx.input(1), base, layout_.predictionValues);
        const float* anchors = floatValues(ctx.input(2), base, layout_.anchorValues);
        decode(ctx, encodings, anchors, decoded);
        for (int i = 0; i < 3; ++i)
            std::memset(ctx.output(i).data, 0, ctx.output(i).bytes);
        if (useRegularNms_) return regularNms(ctx, base, decoded);
        return fastNms(ctx, base, decoded);
    }

  private:
    struct Layout {
        int64_t decoded, scores, keepScores, keepIndices, order, active, selected, mergedIndices,
            mergedScores, sortedValues, boxValues, predictionValues, anchorValues;
    };

    // The tensor's values as float: its own data, or its dequantization into scratch with TFLite's
    // (q - zero_point) * scale, both operands float.
    static const float* floatValues(const RuntimeTensor& t, uint8_t* base, int64_t offset) {
        if (t.type == TensorType::Float32) return t.as<float>();
        auto* out = reinterpret_cast<float*>(base + offset);
        const auto zeroPoint = static_cast<float>(t.zeroPoint());
        const float scale = t.scale();
        const int64_t n = t.elementCount();
        if (t.type == TensorType::UInt8) {
            const uint8_t* q = t.as<uint8_t>();
            for (int64_t i = 0; i < n; ++i)
                out[i] = (static_cast<float>(q[i]) - zeroPoint) * scale;
        } else {
            const int8_t* q = t.as<int8_t>();
            for (int64_t i = 0; i < n; ++i)
                out[i] = (static_cast<float>(q[i]) - zeroPoint) * scale;
        }
        return out;
    }

    Status parseOptions(OpContext& ctx) {
        const auto bytes = ctx.op().customOptions;
        LS_ENSURE(ctx, !bytes.empty() && flexbuffers::VerifyBuffer(bytes.data(), bytes.size()),
                  "custom options are not a valid FlexBuffer");
        const auto root = flexbuffers::GetRoot(bytes.data(), bytes.size());
        LS_ENSURE(ctx, root.IsMap(), "custom options are not a FlexBuffer map");
        const flexbuffers::Map m = root.AsMap();
        maxDetections_ = m["max_detections"].AsInt32();
        maxClassesPerDetection_ = m["max_classes_per_detection"].AsInt32();
        detectionsPerClass_ = m["detections_per_class"].IsNull() ? 100 : m["detections_per_class"].AsInt32();
        useRegularNms_ = m["use_regular_nms"].IsNull() ? false : m["use_regular_nms"].AsBool();
        scoreThreshold_ = m["nms_score_threshold"].AsFloat();
        iouThreshold_ = m["nms_iou_threshold"].AsFloat();
        numClasses_ = m["num_classes"].AsInt32();
        yScale_ = m["y_scale"].AsFloat();
        xScale_ = m["x_scale"].AsFloat();
        hScale_ = m["h_scale"].AsFloat();
        wScale_ = m["w_scale"].AsFloat();
        LS_ENSURE(ctx, maxDetections_ >= 0, "max_detections must not be negative");
        LS_ENSURE(ctx, numClasses_ > 0, "num_classes must be positive");
        LS_ENSURE(ctx, iouThreshold_ > 0.f && iouThreshold_ <= 1.f, "nms_iou_threshold must be in (0, 1]");
        if (useRegularNms_) {
            LS_ENSURE(ctx, detectionsPerClass_ > 0, "detections_per_class must be positive");
            LS_ENSURE(ctx, maxClassesPerDetection_ >= 0, "max_classes_per_detection must not be negative");
        } else {
            LS_ENSURE(ctx, maxClassesPerDetection_ > 0, "max_classes_per_detection must be positive");
        }
        return Status::ok();
    }

    // Center-size encodings relative to the anchors, to corners; in double, as TFLite.
    void decode(OpContext& ctx, const float* enc, const float* anchors, Box* decoded) const {
        const int64_t stride = ctx.input(0).shape[2];
        for (int64_t i = 0; i < numBoxes_; ++i) {
            const float* e = enc + i * stride;
            const float* a = anchors + i * 4;  // y, x, h, w
            const auto yc = static_cast<float>(static_cast<double>(e[0]) / yScale_ * a[2] + a[0]);
            const auto xc = static_cast<float>(static_cast<double>(e[1]) / xScale_ * a[3] + a[1]);
            const auto halfH = static_cast<float>(0.5 * std::exp(static_cast<double>(e[2]) / hScale_) * a[2]);
            const auto halfW = static_cast<float>(0.5 * std::exp(static_cast<double>(e[3]) / wScale_) * a[3]);
            decoded[i] = {yc - halfH, xc - halfW, yc + halfH, xc + halfW};
        }
    }

    // Greedy non-maximum suppression over one score per box: boxes at or above the score threshold in
    // decreasing score order, each dropping the later ones it overlaps by more than the IoU threshold.
    Status suppress(OpContext& ctx, uint8_t* base, const Box* decoded, const float* scores, int32_t limit,
                    int32_t& count) const {
        for (int64_t i = 0; i < numBoxes_; ++i)
            LS_ENSURE(ctx, decoded[i].ymin <= decoded[i].ymax && decoded[i].xmin <= decoded[i].xmax,
                      "decoded box " + std::to_string(i) + " has negative size");
        auto* keepScores = reinterpret_cast<float*>(base + layout_.keepScores);
        auto* keepIndices = reinterpret_cast<int32_t*>(base + layout_.keepIndices);
        auto* order = reinterpret_cast<int32_t*>(base + layout_.order);
        auto* active = base + layout_.active;
        auto* selected = reinterpret_cast<int32_t*>(base + layout_.selected);
        int32_t kept = 0;
        for (int32_t i = 0; i < numBoxes_; ++i) {
            if (scores[i] >= scoreThreshold_) {
                keepScores[kept] = scores[i];
                keepIndices[kept++] = i;
            }
        }
        for (int32_t i = 0; i < kept; ++i)
            order[i] = i;
        std::sort(order, order + kept, ByScore{keepScores});
        const int32_t outputSize = std::min(kept, limit);
        std::memset(active, 1, static_cast<size_t>(kept));
        int32_t activeCount = kept;
        count = 0;
        for (int32_t i = 0; i < kept; ++i) {
            if (activeCount == 0 || count >= outputSize) break;
            if (!active[i]) continue;
            const int32_t box = keepIndices[order[i]];
            selected[count++] = box;
            active[i] = 0;
            --activeCount;
            for (int32_t j = i + 1; j < kept; ++j) {
                if (active[j] &&
                    intersectionOverUnion(decoded[box], decoded[keepIndices[order[j]]]) > iouThreshold_) {
                    active[j] = 0;
                    --activeCount;
                }
            }
        }
        return Status::ok();
    }

    // Class-agnostic NMS on each box's best class score; a kept box reports its top classes.
    Status fastNms(OpContext& ctx, uint8_t* base, const Box* decoded) const {
        const float* predictions = predictions_;
        auto* best = reinterpret_cast<float*>(base + layout_.scores);
        for (int64_t i = 0; i < numBoxes_; ++i) {
            const float* row = predictions + i * classesWithBackground_ + labelOffset_;
            float top = row[0];
            for (int32_t c = 1; c < numClasses_; ++c)
                if (row[c] > top) top = row[c];
            best[i] = top;
        }
        int32_t count = 0;
        LS_RETURN_IF_ERROR(suppress(ctx, base, decoded, best, maxDetections_, count));
        const auto* selected = reinterpret_cast<const int32_t*>(base + layout_.selected);
        auto* classOrder = reinterpret_cast<int32_t*>(base + layout_.order);
        const int32_t perBox = std::min(maxClassesPerDetection_, numClasses_);
        auto* outBoxes = ctx.output(0).as<Box>();
        float* outClasses = ctx.output(1).as<float>();
        float* outScores = ctx.output(2).as<float>();
        for (int32_t k = 0; k < count; ++k) {
            const int32_t box = selected[k];
            const float* row =
                predictions + static_cast<int64_t>(box) * classesWithBackground_ + labelOffset_;
            for (int32_t c = 0; c < numClasses_; ++c)
                classOrder[c] = c;
            std::partial_sort(classOrder, classOrder + perBox, classOrder + numClasses_, ByScore{row});
            for (int32_t c = 0; c < perBox; ++c) {
                const int64_t at = static_cast<int64_t>(maxClassesPerDetection_) * k + c;
                outBoxes[at] = decoded[box];
                outClasses[at] = static_cast<float>(classOrder[c]);
                outScores[at] = row[classOrder[c]];
            }
        }
        ctx.output(3).as<float>()[0] = static_cast<float>(count);
        return Status::ok();
    }

    // NMS per class, keeping the best max_detections of all classes' survivors.
    Status regularNms(OpContext& ctx, uint8_t* base, const Box* decoded) const {
        const float* predictions = predictions_;
        auto* classScores = reinterpret_cast<float*>(base + layout_.scores);
        const auto* selected = reinterpret_cast<const int32_t*>(base + layout_.selected);
        auto* mergedIndices = reinterpret_cast<int32_t*>(base + layout_.mergedIndices);
        auto* mergedScores = reinterpret_cast<float*>(base + layout_.mergedScores);
        auto* order = reinterpret_cast<int32_t*>(base + layout_.order);
        auto* sortedValues = reinterpret_cast<float*>(base + layout_.sortedValues);
        int32_t kept = 0;
        for (int32_t c = 0; c < numClasses_; ++c) {
            for (int64_t i = 0; i < numBoxes_; ++i)
                classScores[i] = predictions[i * classesWithBackground_ + c + labelOffset_];
            int32_t count = 0;
            LS_RETURN_IF_ERROR(suppress(ctx, base, decoded, classScores, detectionsPerClass_, count));
            int32_t total = kept;
            for (int32_t k = 0; k < count; ++k) {
                mergedIndices[total] = selected[k] * classesWithBackground_ + c + labelOffset_;
                mergedScores[total++] = classScores[selected[k]];
            }
            const int32_t top = std::min(total, maxDetections_);
            for (int32_t k = 0; k < total; ++k)
                order[k] = k;
            std::partial_sort(order, order + top, order + total, ByScore{mergedScores});
            // Reorder in place through the order: indices into order[], values into sortedValues[].
            for (int32_t k = 0; k < top; ++k)
                sortedValues[k] = mergedScores[order[k]];
            for (int32_t k = 0; k < top; ++k)
                order[k] = mergedIndices[order[k]];
            for (int32_t k = 0; k < top; ++k) {
                mergedIndices[k] = order[k];
                mergedScores[k] = sortedValues[k];
            }
            kept = top;
        }
        auto* outBoxes = ctx.output(0).as<Box>();
        float* outClasses = ctx.output(1).as<float>();
        float* outScores = ctx.output(2).as<float>();
        for (int32_t k = 0; k < kept; ++k) {
            const int32_t anchor = mergedIndices[k] / classesWithBackground_;
            outBoxes[k] = decoded[anchor];
            outClasses[k] =
                static_cast<float>(mergedIndices[k] - anchor * classesWithBackground_ - labelOffset_);
            outScores[k] = mergedScores[k];
        }
        ctx.output(3).as<float>()[0] = static_cast<float>(kept);
        return Status::ok();
    }

    int32_t maxDetections_ = 0, maxClassesPerDetection_ = 0, detectionsPerClass_ = 100, numClasses_ = 0;
    bool useRegularNms_ = false;
    float scoreThreshold_ = 0.f, iouThreshold_ = 0.f, yScale_ = 0.f, xScale_ = 0.f, hScale_ = 0.f,
          wScale_ = 0.f;
    int32_t numBoxes_ = 0, classesWithBackground_ = 0, labelOffset_ = 0;
    const float* predictions_ = nullptr;
    Layout layout_{};
    int scratch_ = -1;
};

}  // namespace

void registerMiscKernels(KernelRegistry& r) {
    using B = fb::BuiltinOperator;
    r.add(B::RFFT2D, makeKernel<Rfft2dKernel>);
    r.add(B::COMPLEX_ABS, makeKernel<ComplexPartKernel<ComplexPart::Abs>>);
    r.add(B::REAL, makeKernel<ComplexPartKernel<ComplexPart::Real>>);
    r.add(B::IMAG, makeKernel<ComplexPartKernel<ComplexPart::Imag>>);
    r.add(B::DENSIFY, makeKernel<DensifyKernel>);
    r.addCustom("TFLite_Detection_PostProcess", makeKernel<DetectionPostProcessKernel>);
}

}  // namespace litescope::kernels

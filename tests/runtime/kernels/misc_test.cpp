// Misc kernels against plain loops: RFFT2D against a direct DFT, the complex parts, DENSIFY against a
// reference sparse encoder (CSR, CSC, block-sparse, 3-D, each index width) with corrupt encodings failing
// cleanly, and TFLite_Detection_PostProcess (fast and regular NMS) against a straightforward greedy NMS.

// The FlexBuffers builder is used header-only, as in the kernel (see misc.cpp).
#include <flatbuffers/flexbuffers.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <complex>
#include <numbers>
#include <random>

#include "tests/support/single_op_model.h"
#include "tests/support/test_values.h"

namespace litescope::test {
namespace {

using B = fb::BuiltinOperator;

// ---------------------------------------------------------------------------------------------------------
// RFFT2D and the complex parts
// ---------------------------------------------------------------------------------------------------------

// The 2-D DFT of each [h, w] slice, cropped or zero-padded to (fh, fw), keeping fw / 2 + 1 columns.
std::vector<std::complex<double>> referenceRfft2d(const std::vector<float>& x,
                                                  const std::vector<int32_t>& shape, int fh, int fw) {
    const int rank = static_cast<int>(shape.size());
    const int h = shape[static_cast<size_t>(rank - 2)], w = shape[static_cast<size_t>(rank - 1)];
    const int64_t slices = elementCount(shape) / (static_cast<int64_t>(h) * w);
    const int ow = fw / 2 + 1;
    std::vector<std::complex<double>> y;
    for (int64_t s = 0; s < slices; ++s)
        for (int k = 0; k < fh; ++k)
            for (int l = 0; l < ow; ++l) {
                std::complex<double> sum = 0;
                for (int m = 0; m < std::min(h, fh); ++m)
                    for (int n = 0; n < std::min(w, fw); ++n) {
                        const double angle =
                            -2 * std::numbers::pi *
                            (static_cast<double>(k) * m / fh + static_cast<double>(l) * n / fw);
                        sum += static_cast<double>(x[static_cast<size_t>((s * h + m) * w + n)]) *
                               std::polar(1.0, angle);
                    }
                y.push_back(sum);
            }
    return y;
}

TEST(MiscKernels, Rfft2dMatchesADirectDft) {
    std::mt19937 rng(41);
    std::uniform_real_distribution<float> dist(-1, 1);
    for (int trial = 0; trial < 24; ++trial) {
        std::vector<int32_t> shape;
        if (trial % 3) shape.push_back(1 + static_cast<int32_t>(rng() % 3));
        shape.push_back(1 + static_cast<int32_t>(rng() % 9));
        shape.push_back(1 + static_cast<int32_t>(rng() % 9));
        const int fh = 1 << (rng() % 5),
                  fw = 1 << (rng() % 5);  // smaller or larger than the input: crop or pad
        std::vector<float> x(static_cast<size_t>(elementCount(shape)));
        for (auto& v : x)
            v = dist(rng);
        SingleOpModel m(B::RFFT2D);
        m.addInput(fb::TensorType::FLOAT32, shape);
        if (trial % 4 == 0)
            m.addInput(fb::TensorType::INT32, {2});  // a run-time fft_length: the output shape comes at eval
        else
            m.addConstInput<int32_t>(fb::TensorType::INT32, {2}, {fh, fw});
        m.addOutput(fb::TensorType::COMPLEX64);
        ASSERT_TRUE(m.build().isOk());
        m.setInput(0, x);
        if (trial % 4 == 0) m.setInput<int32_t>(1, {fh, fw});
        Status s = m.invoke();
        ASSERT_TRUE(s.isOk()) << s.message();
        std::vector<int32_t> wantShape = shape;
        wantShape[wantShape.size() - 2] = fh;
        wantShape[wantShape.size() - 1] = fw / 2 + 1;
        EXPECT_EQ(m.outputShape(0), wantShape);
        const auto want = referenceRfft2d(x, shape, fh, fw);
        const auto got = m.output<std::complex<float>>(0);
        ASSERT_EQ(got.size(), want.size());
        double scale = 1;
        for (const auto& v : want)
            scale = std::max({scale, std::fabs(v.real()), std::fabs(v.imag())});
        for (size_t i = 0; i < got.size(); ++i) {
            ASSERT_NEAR(got[i].real(), want[i].real(), 1e-5 * scale) << "trial " << trial << " element " << i;
            ASSERT_NEAR(got[i].imag(), want[i].imag(), 1e-5 * scale) << "trial " << trial << " element " << i;
        }
    }
}

TEST(MiscKernels, Rfft2dRejectsLengthsThatAreNotPowersOfTwo) {
    SingleOpModel m(B::RFFT2D);
    m.addInput(fb::TensorType::FLOAT32, {4, 4});
    m.addConstInput<int32_t>(fb::TensorType::INT32, {2}, {4, 6});
    m.addOutput(fb::TensorType::COMPLEX64);
    Status s = m.build();
    ASSERT_FALSE(s.isOk());
    EXPECT_NE(s.message().find("powers of two"), std::string::npos) << s.message();
}

TEST(MiscKernels, ComplexParts) {
    std::mt19937 rng(42);
    std::uniform_real_distribution<float> dist(-3, 3);
    std::vector<std::complex<float>> x(12);
    for (auto& v : x)
        v = {dist(rng), dist(rng)};
    for (B op : {B::COMPLEX_ABS, B::REAL, B::IMAG}) {
        SingleOpModel m(op);
        m.addInput(fb::TensorType::COMPLEX64, {3, 4});
        m.addOutput(fb::TensorType::FLOAT32);
        ASSERT_TRUE(m.build().isOk());
        m.setInput(0, x);
        ASSERT_TRUE(m.invoke().isOk());
        EXPECT_EQ(m.outputShape(0), (std::vector<int32_t>{3, 4}));
        const auto got = m.output<float>(0);
        ASSERT_EQ(got.size(), x.size());
        for (size_t i = 0; i < x.size(); ++i) {
            const double want = op == B::REAL   ? x[i].real()
                                : op == B::IMAG ? x[i].imag()
                                                : std::hypot(static_cast<double>(x[i].real()),
                                                             static_cast<double>(x[i].imag()));
            ASSERT_NEAR(got[i], want, 1e-6 * std::max(1.0, std::fabs(want)))
                << builtinOperatorName(static_cast<int32_t>(op));
        }
    }
    SingleOpModel bad(B::REAL);
    bad.addInput(fb::TensorType::FLOAT32, {2});
    bad.addOutput(fb::TensorType::FLOAT32);
    EXPECT_EQ(bad.build().code(), ErrorCode::Unsupported);
}

// ---------------------------------------------------------------------------------------------------------
// DENSIFY
// ---------------------------------------------------------------------------------------------------------

struct SparseDim {
    bool sparse = false;
    int32_t denseSize = 0;
    std::vector<int32_t> segments, indices;
};

struct SparseTensor {
    std::vector<int32_t> shape, traversal, blockMap;
    std::vector<SparseDim> dims;
    std::vector<float> values;
};

// The reference encoder, TFLite's DenseToSparse written as a recursion: levels follow `traversal` over the
// expanded dimensions (the original ones divided into blocks, then the block dimensions); a sparse level
// keeps the indices whose subtree holds a non-zero, a dense level keeps all.
SparseTensor encodeSparse(const std::vector<float>& dense, const std::vector<int32_t>& shape,
                          const std::vector<int32_t>& traversal, const std::vector<int32_t>& blockMap,
                          const std::vector<int32_t>& blockSizes, const std::vector<bool>& sparse) {
    SparseTensor t{shape, traversal, blockMap, {}, {}};
    const int rank = static_cast<int>(shape.size()), levels = static_cast<int>(traversal.size());
    std::vector<int32_t> extent(static_cast<size_t>(levels));
    for (int d = 0; d < rank; ++d)
        extent[static_cast<size_t>(d)] = shape[static_cast<size_t>(d)];
    for (size_t b = 0; b < blockMap.size(); ++b) {
        extent[static_cast<size_t>(blockMap[b])] /= blockSizes[b];
        extent[static_cast<size_t>(rank) + b] = blockSizes[b];
    }
    t.dims.resize(static_cast<size_t>(levels));
    for (int l = 0; l < levels; ++l) {
        SparseDim& d = t.dims[static_cast<size_t>(l)];
        d.sparse = sparse[static_cast<size_t>(l)];
        d.denseSize = d.sparse ? 0 : extent[static_cast<size_t>(traversal[static_cast<size_t>(l)])];
        if (d.sparse) d.segments = {0};
    }
    auto valueAt = [&](const std::vector<int32_t>& coord) {  // coord over expanded dimensions
        int64_t flat = 0;
        for (int d = 0; d < rank; ++d) {
            int64_t index = coord[static_cast<size_t>(d)];
            for (size_t b = 0; b < blockMap.size(); ++b)
                if (blockMap[b] == d) index = index * blockSizes[b] + coord[static_cast<size_t>(rank) + b];
            flat = flat * shape[static_cast<size_t>(d)] + index;
        }
        return dense[static_cast<size_t>(flat)];
    };
    std::vector<int32_t> coord(static_cast<size_t>(levels), 0);
    std::function<bool(int)> anyNonZero = [&](int l) -> bool {
        if (l == levels) return valueAt(coord) != 0.f;
        const size_t dim = static_cast<size_t>(traversal[static_cast<size_t>(l)]);
        for (int32_t i = 0; i < extent[dim]; ++i) {
            coord[dim] = i;
            if (anyNonZero(l + 1)) return true;
        }
        return false;
    };
    std::function<void(int)> visit = [&](int l) {
        if (l == levels) {
            t.values.push_back(valueAt(coord));
            return;
        }
        const size_t dim = static_cast<size_t>(traversal[static_cast<size_t>(l)]);
        SparseDim& d = t.dims[static_cast<size_t>(l)];
        for (int32_t i = 0; i < extent[dim]; ++i) {
            coord[dim] = i;
            if (d.sparse) {
                if (!anyNonZero(l + 1)) continue;
                coord[dim] = i;
                d.indices.push_back(i);
            }
            visit(l + 1);
        }
        if (d.sparse) d.segments.push_back(static_cast<int32_t>(d.indices.size()));
    };
    visit(0);
    return t;
}

// A one-op model, built with the generated API so that each sparse level can use any index width:
// constant sparse input tensor 0 -> DENSIFY -> output tensor 1.
std::vector<uint8_t> densifyModel(const SparseTensor& t, fb::TensorType type,
                                  const std::vector<uint8_t>& values, fb::SparseIndexVector width) {
    flatbuffers::FlatBufferBuilder fbb;
    auto vec = [&](const std::vector<int32_t>& v) -> flatbuffers::Offset<void> {
        switch (width) {
            case fb::SparseIndexVector::Uint16Vector:
                return fb::CreateUint16Vector(fbb,
                                              fbb.CreateVector(std::vector<uint16_t>(v.begin(), v.end())))
                    .Union();
            case fb::SparseIndexVector::Uint8Vector:
                return fb::CreateUint8Vector(fbb, fbb.CreateVector(std::vector<uint8_t>(v.begin(), v.end())))
                    .Union();
            default:
                return fb::CreateInt32Vector(fbb, fbb.CreateVector(v)).Union();
        }
    };
    std::vector<flatbuffers::Offset<fb::DimensionMetadata>> dims;
    for (const auto& d : t.dims) {
        if (d.sparse)
            dims.push_back(fb::CreateDimensionMetadata(fbb, fb::DimensionType::SPARSE_CSR, 0, width,
                                                       vec(d.segments), width, vec(d.indices)));
        else
            dims.push_back(fb::CreateDimensionMetadata(fbb, fb::DimensionType::DENSE, d.denseSize));
    }
    auto sparsity = fb::CreateSparsityParameters(fbb, fbb.CreateVector(t.traversal),
                                                 t.blockMap.empty() ? 0 : fbb.CreateVector(t.blockMap),
                                                 fbb.CreateVector(dims));
    std::vector<flatbuffers::Offset<fb::Tensor>> tensors = {
        fb::CreateTensor(fbb, fbb.CreateVector(t.shape), type, 1, fbb.CreateString("sparse"), 0, false,
                         sparsity),
        fb::CreateTensor(fbb, fbb.CreateVector(t.shape), type, 0, fbb.CreateString("dense"))};
    std::vector<flatbuffers::Offset<fb::Operator>> ops = {fb::CreateOperator(
        fbb, 0, fbb.CreateVector(std::vector<int32_t>{0}), fbb.CreateVector(std::vector<int32_t>{1}))};
    auto subgraph =
        fb::CreateSubGraph(fbb, fbb.CreateVector(tensors), fbb.CreateVector(std::vector<int32_t>{}),
                           fbb.CreateVector(std::vector<int32_t>{1}), fbb.CreateVector(ops));
    std::vector<flatbuffers::Offset<fb::Buffer>> buffers = {fb::CreateBuffer(fbb),
                                                            fb::CreateBuffer(fbb, fbb.CreateVector(values))};
    std::vector<flatbuffers::Offset<fb::OperatorCode>> codes = {
        fb::CreateOperatorCode(fbb, static_cast<int8_t>(B::DENSIFY), 0, 1, B::DENSIFY)};
    auto model = fb::CreateModel(fbb, 3, fbb.CreateVector(codes), fbb.CreateVector(std::vector{subgraph}),
                                 fbb.CreateString("densify"), fbb.CreateVector(buffers));
    fbb.Finish(model, fb::ModelIdentifier());
    return {fbb.GetBufferPointer(), fbb.GetBufferPointer() + fbb.GetSize()};
}

// Loads and prepares the model (DENSIFY runs once, at prepare) and returns the dense output bytes.
Status runDensify(const std::vector<uint8_t>& bytes, std::vector<uint8_t>& out) {
    auto model = Model::fromBytes(bytes, "densify model");
    if (!model) return model.status();
    auto interpreter = Interpreter::create(*model);
    if (!interpreter) return interpreter.status();
    if (Status s = (*interpreter)->prepare(); !s) return s;
    if (Status s = (*interpreter)->invoke(); !s) return s;
    const RuntimeTensor& t = (*interpreter)->output(0);
    out.assign(t.data, t.data + t.bytes);
    return Status::ok();
}

std::vector<float> sparseMatrix(std::mt19937& rng, int64_t n, int zeroPercent) {
    std::vector<float> v(static_cast<size_t>(n));
    std::uniform_real_distribution<float> dist(0.5f, 2.f);
    for (auto& x : v)
        x = static_cast<int>(rng() % 100) < zeroPercent ? 0.f : (rng() % 2 ? dist(rng) : -dist(rng));
    return v;
}

struct DensifyCase {
    std::vector<int32_t> shape, traversal, blockMap, blockSizes;
    std::vector<bool> sparse;
};

TEST(MiscKernels, DensifyExpandsEveryLayout) {
    std::mt19937 rng(43);
    const std::vector<DensifyCase> cases = {
        {{5, 7}, {0, 1}, {}, {}, {false, true}},                              // CSR
        {{5, 7}, {1, 0}, {}, {}, {false, true}},                              // CSC
        {{6, 4}, {0, 1}, {}, {}, {true, true}},                               // both levels sparse
        {{4, 6}, {0, 1, 2, 3}, {0, 1}, {2, 3}, {false, true, false, false}},  // 2x3 blocks
        {{8, 4}, {0, 1, 2}, {1}, {4}, {false, true, false}},                  // 1x4 blocks along columns
        {{2, 3, 4}, {0, 1, 2}, {}, {}, {false, true, false}},                 // 3-D, sparse middle
        {{2, 3, 4}, {2, 0, 1}, {}, {}, {true, false, true}},                  // 3-D, permuted
    };
    const fb::SparseIndexVector widths[] = {fb::SparseIndexVector::Int32Vector,
                                            fb::SparseIndexVector::Uint16Vector,
                                            fb::SparseIndexVector::Uint8Vector};
    for (size_t k = 0; k < cases.size(); ++k) {
        for (int trial = 0; trial < 6; ++trial) {
            const auto& c = cases[k];
            // Trial 0 is almost empty: one non-zero (an all-zero tensor stores no values, hence no constant
            // data).
            auto dense = sparseMatrix(rng, elementCount(c.shape), trial == 0 ? 100 : 60);
            if (trial == 0) dense[rng() % dense.size()] = 1.5f;
            const SparseTensor t =
                encodeSparse(dense, c.shape, c.traversal, c.blockMap, c.blockSizes, c.sparse);
            const auto width = widths[static_cast<size_t>(trial) % 3];
            std::vector<uint8_t> out;
            if (trial % 2) {
                // int8 weights: the same structure over small integers.
                std::vector<int8_t> values(t.values.size());
                for (size_t i = 0; i < values.size(); ++i)
                    values[i] = static_cast<int8_t>(t.values[i] * 40);
                Status s = runDensify(densifyModel(t, fb::TensorType::INT8, toBytes(values), width), out);
                ASSERT_TRUE(s.isOk()) << "case " << k << ": " << s.message();
                ASSERT_EQ(out.size(), dense.size());
                for (size_t i = 0; i < dense.size(); ++i)
                    ASSERT_EQ(static_cast<int8_t>(out[i]), static_cast<int8_t>(dense[i] * 40))
                        << "case " << k << " element " << i;
            } else {
                Status s =
                    runDensify(densifyModel(t, fb::TensorType::FLOAT32, toBytes(t.values), width), out);
                ASSERT_TRUE(s.isOk()) << "case " << k << ": " << s.message();
                std::vector<float> got(dense.size());
                ASSERT_EQ(out.size(), got.size() * sizeof(float));
                std::memcpy(got.data(), out.data(), out.size());
                ASSERT_EQ(got, dense) << "case " << k;
            }
        }
    }
}

TEST(MiscKernels, DensifyRejectsCorruptEncodings) {
    std::mt19937 rng(44);
    const auto dense = sparseMatrix(rng, 5 * 7, 50);
    const SparseTensor good = encodeSparse(dense, {5, 7}, {0, 1}, {}, {}, {false, true});
    ASSERT_FALSE(good.dims[1].indices.empty());
    auto fails = [&](const SparseTensor& t, std::vector<float> values, const std::string& what) {
        std::vector<uint8_t> out;
        Status s = runDensify(
            densifyModel(t, fb::TensorType::FLOAT32, toBytes(values), fb::SparseIndexVector::Int32Vector),
            out);
        EXPECT_FALSE(s.isOk()) << what;
        if (!s) {
            EXPECT_NE(s.message().find("DENSIFY"), std::string::npos) << s.message();
        }
    };
    SparseTensor t = good;
    t.dims[1].indices[0] = 7;  // past the 7 columns
    fails(t, good.values, "index out of range");
    t = good;
    t.dims[1].segments.back() = static_cast<int32_t>(t.dims[1].indices.size()) + 1;  // past the index vector
    fails(t, good.values, "segment past the indices");
    t = good;
    t.dims[1].segments.pop_back();  // one row without its segment end
    fails(t, good.values, "segments too short");
    t = good;
    t.dims[1].segments[1] = -1;
    fails(t, good.values, "negative segment");
    t = good;
    t.dims[0].denseSize = 6;  // disagrees with the shape
    fails(t, good.values, "dense size");
    std::vector<float> fewer(good.values.begin(), good.values.end() - 1);
    fails(good, fewer, "too few values");
}

// ---------------------------------------------------------------------------------------------------------
// TFLite_Detection_PostProcess
// ---------------------------------------------------------------------------------------------------------

struct DetectionOptions {
    int maxDetections = 5, maxClassesPerDetection = 1, detectionsPerClass = 100, numClasses = 3;
    bool regular = false;
    float scoreThreshold = 0.3f, iouThreshold = 0.5f;
    float yScale = 10, xScale = 10, hScale = 5, wScale = 5;
};

std::vector<uint8_t> flexOptions(const DetectionOptions& o) {
    flexbuffers::Builder fbb;
    fbb.Map([&] {
        fbb.Int("max_detections", o.maxDetections);
        fbb.Int("max_classes_per_detection", o.maxClassesPerDetection);
        fbb.Int("detections_per_class", o.detectionsPerClass);
        fbb.Bool("use_regular_nms", o.regular);
        fbb.Float("nms_score_threshold", o.scoreThreshold);
        fbb.Float("nms_iou_threshold", o.iouThreshold);
        fbb.Int("num_classes", o.numClasses);
        fbb.Float("y_scale", o.yScale);
        fbb.Float("x_scale", o.xScale);
        fbb.Float("h_scale", o.hScale);
        fbb.Float("w_scale", o.wScale);
    });
    fbb.Finish();
    return fbb.GetBuffer();
}

struct Corners {
    double ymin, xmin, ymax, xmax;
};

double iou(const Corners& a, const Corners& b) {
    const double areaA = (a.ymax - a.ymin) * (a.xmax - a.xmin), areaB = (b.ymax - b.ymin) * (b.xmax - b.xmin);
    if (areaA <= 0 || areaB <= 0) return 0;
    const double h = std::max(0.0, std::min(a.ymax, b.ymax) - std::max(a.ymin, b.ymin));
    const double w = std::max(0.0, std::min(a.xmax, b.xmax) - std::max(a.xmin, b.xmin));
    return h * w / (areaA + areaB - h * w);
}

// Greedy NMS: in decreasing score order, keep a box unless it overlaps a kept one by more than the threshold.
std::vector<int> greedyNms(const std::vector<Corners>& boxes, const std::vector<float>& scores,
                           const DetectionOptions& o, int limit) {
    std::vector<int> order;
    for (int i = 0; i < static_cast<int>(scores.size()); ++i)
        if (scores[static_cast<size_t>(i)] >= o.scoreThreshold) order.push_back(i);
    std::stable_sort(order.begin(), order.end(), [&](int a, int b) {
        return scores[static_cast<size_t>(a)] > scores[static_cast<size_t>(b)];
    });
    std::vector<int> kept;
    for (int i : order) {
        if (static_cast<int>(kept.size()) >= limit) break;
        bool overlaps = false;
        for (int k : kept)
            overlaps |= iou(boxes[static_cast<size_t>(i)], boxes[static_cast<size_t>(k)]) > o.iouThreshold;
        if (!overlaps) kept.push_back(i);
    }
    return kept;
}

struct Detections {
    std::vector<float> boxes, classes, scores;
    float count = 0;
};

Detections referenceDetections(const std::vector<float>& enc, const std::vector<float>& scores,
                               const std::vector<float>& anchors, int numBoxes, int columns,
                               const DetectionOptions& o) {
    std::vector<Corners> boxes;
    for (int i = 0; i < numBoxes; ++i) {
        const float* e = &enc[static_cast<size_t>(i) * 4];
        const float* a = &anchors[static_cast<size_t>(i) * 4];
        const double yc = static_cast<double>(e[0]) / o.yScale * a[2] + a[0];
        const double xc = static_cast<double>(e[1]) / o.xScale * a[3] + a[1];
        const double hh = 0.5 * std::exp(static_cast<double>(e[2]) / o.hScale) * a[2];
        const double hw = 0.5 * std::exp(static_cast<double>(e[3]) / o.wScale) * a[3];
        boxes.push_back({yc - hh, xc - hw, yc + hh, xc + hw});
    }
    const int offset = columns - o.numClasses;
    auto score = [&](int box, int cls) { return scores[static_cast<size_t>(box * columns + cls + offset)]; };
    const int slots = o.maxDetections * o.maxClassesPerDetection;
    Detections d{std::vector<float>(static_cast<size_t>(slots) * 4, 0.f),
                 std::vector<float>(static_cast<size_t>(slots), 0.f),
                 std::vector<float>(static_cast<size_t>(slots), 0.f), 0};
    auto put = [&](int slot, int box, int cls, float s) {
        const Corners& c = boxes[static_cast<size_t>(box)];
        const double v[4] = {c.ymin, c.xmin, c.ymax, c.xmax};
        for (int j = 0; j < 4; ++j)
            d.boxes[static_cast<size_t>(slot) * 4 + static_cast<size_t>(j)] = static_cast<float>(v[j]);
        d.classes[static_cast<size_t>(slot)] = static_cast<float>(cls);
        d.scores[static_cast<size_t>(slot)] = s;
    };
    if (!o.regular) {
        std::vector<float> best(static_cast<size_t>(numBoxes));
        for (int i = 0; i < numBoxes; ++i) {
            best[static_cast<size_t>(i)] = score(i, 0);
            for (int c = 1; c < o.numClasses; ++c)
                best[static_cast<size_t>(i)] = std::max(best[static_cast<size_t>(i)], score(i, c));
        }
        const auto kept = greedyNms(boxes, best, o, o.maxDetections);
        for (size_t k = 0; k < kept.size(); ++k) {
            std::vector<int> classes(static_cast<size_t>(o.numClasses));
            for (int c = 0; c < o.numClasses; ++c)
                classes[static_cast<size_t>(c)] = c;
            std::stable_sort(classes.begin(), classes.end(),
                             [&](int a, int b) { return score(kept[k], a) > score(kept[k], b); });
            for (int c = 0; c < std::min(o.maxClassesPerDetection, o.numClasses); ++c)
                put(static_cast<int>(k) * o.maxClassesPerDetection + c, kept[k],
                    classes[static_cast<size_t>(c)], score(kept[k], classes[static_cast<size_t>(c)]));
        }
        d.count = static_cast<float>(kept.size());
    } else {
        struct Hit {
            float score;
            int box, cls;
        };
        std::vector<Hit> hits;
        for (int c = 0; c < o.numClasses; ++c) {
            std::vector<float> s(static_cast<size_t>(numBoxes));
            for (int i = 0; i < numBoxes; ++i)
                s[static_cast<size_t>(i)] = score(i, c);
            for (int i : greedyNms(boxes, s, o, o.detectionsPerClass))
                hits.push_back({s[static_cast<size_t>(i)], i, c});
        }
        std::stable_sort(hits.begin(), hits.end(),
                         [](const Hit& a, const Hit& b) { return a.score > b.score; });
        const int n = std::min(static_cast<int>(hits.size()), o.maxDetections);
        for (int k = 0; k < n; ++k)
            put(k, hits[static_cast<size_t>(k)].box, hits[static_cast<size_t>(k)].cls,
                hits[static_cast<size_t>(k)].score);
        d.count = static_cast<float>(n);
    }
    return d;
}

Status runDetection(const std::vector<float>& enc, const std::vector<float>& scores,
                    const std::vector<float>& anchors, int numBoxes, int columns,
                    const std::vector<uint8_t>& options, Detections& d) {
    SingleOpModel m(std::string("TFLite_Detection_PostProcess"));
    m.addInput(fb::TensorType::FLOAT32, {1, numBoxes, 4});
    m.addInput(fb::TensorType::FLOAT32, {1, numBoxes, columns});
    m.addConstInput<float>(fb::TensorType::FLOAT32, {numBoxes, 4}, anchors);
    for (int i = 0; i < 4; ++i)
        m.addOutput(fb::TensorType::FLOAT32);
    m.setCustomOptions(options);
    if (Status s = m.build(); !s) return s;
    m.setInput(0, enc);
    m.setInput(1, scores);
    if (Status s = m.invoke(); !s) return s;
    d.boxes = m.output<float>(0);
    d.classes = m.output<float>(1);
    d.scores = m.output<float>(2);
    d.count = m.output<float>(3).at(0);
    return Status::ok();
}

void expectDetections(const Detections& got, const Detections& want, const std::string& what) {
    EXPECT_EQ(got.count, want.count) << what;
    EXPECT_EQ(got.classes, want.classes) << what;
    EXPECT_EQ(got.scores, want.scores) << what;
    ASSERT_EQ(got.boxes.size(), want.boxes.size()) << what;
    for (size_t i = 0; i < got.boxes.size(); ++i)
        EXPECT_NEAR(got.boxes[i], want.boxes[i], 1e-5) << what << " box value " << i;
}

TEST(MiscKernels, DetectionPostProcessKeepsTheBestNonOverlappingBoxes) {
    // Three unit-scale anchors with zero encodings decode to the anchors themselves: A and B overlap
    // heavily (IoU 0.9), C stands apart; B loses to A.
    const std::vector<float> anchors = {0.5f, 0.5f, 0.2f, 0.2f, 0.51f, 0.5f,
                                        0.2f, 0.2f, 0.1f, 0.1f, 0.1f,  0.1f};
    const std::vector<float> enc(12, 0.f);
    const std::vector<float> scores = {0.0f, 0.9f, 0.1f, 0.0f, 0.8f,
                                       0.2f, 0.0f, 0.1f, 0.7f};  // background + 2 classes
    DetectionOptions o;
    o.numClasses = 2;
    o.maxDetections = 3;
    Detections d;
    Status s = runDetection(enc, scores, anchors, 3, 3, flexOptions(o), d);
    ASSERT_TRUE(s.isOk()) << s.message();
    EXPECT_EQ(d.count, 2.f);
    EXPECT_EQ(d.classes, (std::vector<float>{0, 1, 0}));
    EXPECT_EQ(d.scores, (std::vector<float>{0.9f, 0.7f, 0}));
    const std::vector<float> boxes = {0.4f, 0.4f, 0.6f, 0.6f, 0.05f, 0.05f, 0.15f, 0.15f, 0, 0, 0, 0};
    for (size_t i = 0; i < boxes.size(); ++i)
        EXPECT_NEAR(d.boxes[i], boxes[i], 1e-6) << i;
}

TEST(MiscKernels, DetectionPostProcessMatchesGreedyNms) {
    std::mt19937 rng(45);
    std::uniform_real_distribution<float> unit(0, 1), small(-1, 1);
    for (int trial = 0; trial < 40; ++trial) {
        const int numBoxes = 4 + static_cast<int>(rng() % 30);
        DetectionOptions o;
        o.numClasses = 1 + static_cast<int>(rng() % 5);
        o.regular = trial % 2 == 1;
        o.maxDetections = 1 + static_cast<int>(rng() % 8);
        o.maxClassesPerDetection = o.regular ? 1 : 1 + static_cast<int>(rng() % 3);
        o.detectionsPerClass = 1 + static_cast<int>(rng() % 6);
        o.scoreThreshold = 0.2f + 0.4f * unit(rng);
        o.iouThreshold = 0.2f + 0.6f * unit(rng);
        const int columns =
            o.numClasses + static_cast<int>(rng() % 2);  // with or without a background column
        std::vector<float> anchors, enc, scores;
        for (int i = 0; i < numBoxes; ++i) {
            anchors.insert(anchors.end(),
                           {unit(rng), unit(rng), 0.1f + 0.3f * unit(rng), 0.1f + 0.3f * unit(rng)});
            enc.insert(enc.end(), {small(rng), small(rng), small(rng), small(rng)});
            for (int c = 0; c < columns; ++c)
                scores.push_back(unit(rng));
        }
        const Detections want = referenceDetections(enc, scores, anchors, numBoxes, columns, o);
        Detections got;
        Status s = runDetection(enc, scores, anchors, numBoxes, columns, flexOptions(o), got);
        ASSERT_TRUE(s.isOk()) << s.message();
        expectDetections(got, want,
                         "trial " + std::to_string(trial) + (o.regular ? " (regular)" : " (fast)"));
    }
}

TEST(MiscKernels, DetectionPostProcessRejectsBadOptionsAndInt16Inputs) {
    const std::vector<float> anchors = {0.5f, 0.5f, 0.2f, 0.2f};
    Detections d;
    Status s = runDetection({0, 0, 0, 0}, {0.5f, 0.5f}, anchors, 1, 2, {1, 2, 3}, d);
    ASSERT_FALSE(s.isOk());
    EXPECT_NE(s.message().find("FlexBuffer"), std::string::npos) << s.message();
    DetectionOptions o;
    o.numClasses = 1;
    o.iouThreshold = 1.5f;
    s = runDetection({0, 0, 0, 0}, {0.5f, 0.5f}, anchors, 1, 2, flexOptions(o), d);
    ASSERT_FALSE(s.isOk());
    EXPECT_NE(s.message().find("nms_iou_threshold"), std::string::npos) << s.message();
    o.iouThreshold = 0.5f;
    o.numClasses = 3;  // more than the two score columns
    EXPECT_FALSE(runDetection({0, 0, 0, 0}, {0.5f, 0.5f}, anchors, 1, 2, flexOptions(o), d).isOk());

    SingleOpModel m(std::string("TFLite_Detection_PostProcess"));
    QuantSpec q;
    q.scale = {0.1f};
    q.zeroPoint = {0};
    // UINT8 and INT8 inputs are dequantized as TFLite does; 16-bit ones are not a scheme any converter writes.
    m.addInput(fb::TensorType::INT16, {1, 1, 4}, q);
    m.addInput(fb::TensorType::INT16, {1, 1, 2}, q);
    m.addConstInput<int16_t>(fb::TensorType::INT16, {1, 4}, {5, 5, 2, 2}, q);
    for (int i = 0; i < 4; ++i)
        m.addOutput(fb::TensorType::FLOAT32);
    o.numClasses = 1;
    m.setCustomOptions(flexOptions(o));
    EXPECT_EQ(m.build().code(), ErrorCode::Unsupported);
}

}  // namespace
}  // namespace litescope::test

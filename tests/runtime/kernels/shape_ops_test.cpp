// Data-movement kernels against plain index loops: every op over random shapes and element sizes (1, 2, 4 and
// 8 bytes), shape inputs both constant (sized at prepare) and fed at run time (dynamic outputs), TFLite's
// special shape rules, STRIDED_SLICE masks against a NumPy-style reference, and the errors bad values must
// give.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <numeric>
#include <random>

#include "tests/support/byte_op_harness.h"
#include "tests/support/test_values.h"

namespace litescope::test {
namespace {

// ---------------------------------------------------------------------------------------------------------
// Operands and element types of these tests (the harness is tests/support/byte_op_harness.h)
// ---------------------------------------------------------------------------------------------------------

In ints(const std::vector<int32_t>& v, bool constant = true) {
    return values(fb::TensorType::INT32, {static_cast<int32_t>(v.size())}, v, constant);
}
In longs(const std::vector<int64_t>& v, bool constant = true) {
    return values(fb::TensorType::INT64, {static_cast<int32_t>(v.size())}, v, constant);
}
In scalar(int32_t v, bool constant = true) {
    return values(fb::TensorType::INT32, {}, std::vector<int32_t>{v}, constant);
}

// Element types by size: data moves as bytes, so these cover every fixed-size type.
const Elem kElems[] = {{fb::TensorType::INT8, 1},  {fb::TensorType::INT16, 2}, {fb::TensorType::FLOAT32, 4},
                       {fb::TensorType::INT64, 8}, {fb::TensorType::BOOL, 1},  {fb::TensorType::FLOAT16, 2}};

Elem randomElem(std::mt19937& rng) {
    return kElems[rng() % std::size(kElems)];
}

// ---------------------------------------------------------------------------------------------------------
// RESHAPE, SQUEEZE, EXPAND_DIMS
// ---------------------------------------------------------------------------------------------------------

OptionsFn reshapeOptions(Dims shape) {
    return [shape](flatbuffers::FlatBufferBuilder& f) {
        return fb::CreateReshapeOptionsDirect(f, &shape).Union();
    };
}

TEST(ShapeKernels, ReshapeKeepsBytesAndInfersOneDimension) {
    std::mt19937 rng(1);
    for (int trial = 0; trial < 40; ++trial) {
        const Elem e = randomElem(rng);
        const Dims in = randomShape(rng, 0, 4, 4);
        const int64_t n = elementCount(in);
        // A random factorisation of n into up to 4 dimensions.
        Dims target;
        int64_t rest = n;
        while (rest > 1 && target.size() < 3) {
            std::vector<int32_t> divisors;
            for (int32_t d = 1; d <= rest; ++d)
                if (rest % d == 0) divisors.push_back(d);
            const int32_t d = divisors[rng() % divisors.size()];
            target.push_back(d);
            rest /= d;
        }
        target.push_back(static_cast<int32_t>(rest));
        Dims spec = target;
        if (rng() % 2) spec[rng() % spec.size()] = -1;
        const Bytes data = randomBytes(rng, e, n);
        const int source = trial % 3;  // constant shape tensor, run-time shape tensor, options
        std::vector<In> ins = {{e.type, in, data, false, std::nullopt, false}};
        if (source < 2) ins.push_back(ints(spec, source == 0));
        Result r = run(B::RESHAPE, ins, {{e.type}}, fb::BuiltinOptions::ReshapeOptions,
                       source == 2 ? reshapeOptions(spec) : OptionsFn());
        EXPECT_OK(r);
        EXPECT_EQ(r.shapes[0], target) << "source " << source;
        EXPECT_EQ(r.data[0], data);
    }
}

TEST(ShapeKernels, ReshapeScalarAndEmptyShapeRules) {
    const Bytes one = toBytes(std::vector<float>{7});
    const In scalarIn{fb::TensorType::FLOAT32, {1, 1}, one, false, std::nullopt, false};
    // An empty shape vector gives a scalar, constant or not.
    for (bool constant : {true, false}) {
        Result r =
            run(B::RESHAPE, {scalarIn, values(fb::TensorType::INT32, {0}, std::vector<int32_t>{}, constant)},
                {{fb::TensorType::FLOAT32}});
        EXPECT_OK(r);
        EXPECT_EQ(r.shapes[0], Dims{});
        EXPECT_EQ(r.data[0], one);
    }
    // Old converters wrote new_shape [0] for a scalar.
    Result legacy = run(B::RESHAPE, {scalarIn}, {{fb::TensorType::FLOAT32}},
                        fb::BuiltinOptions::ReshapeOptions, reshapeOptions({0}));
    EXPECT_OK(legacy);
    EXPECT_EQ(legacy.shapes[0], Dims{});
    // A shape input that is not a vector is ignored in favour of the options, as in TFLite.
    const In six{fb::TensorType::FLOAT32,
                 {6},
                 toBytes(std::vector<float>{1, 2, 3, 4, 5, 6}),
                 false,
                 std::nullopt,
                 false};
    Result fallback = run(B::RESHAPE, {six, scalar(6)}, {{fb::TensorType::FLOAT32}},
                          fb::BuiltinOptions::ReshapeOptions, reshapeOptions({2, 3}));
    EXPECT_OK(fallback);
    EXPECT_EQ(fallback.shapes[0], (Dims{2, 3}));
    // int64 shape vectors are read too.
    Result wide = run(B::RESHAPE, {six, longs({3, -1})}, {{fb::TensorType::FLOAT32}});
    EXPECT_OK(wide);
    EXPECT_EQ(wide.shapes[0], (Dims{3, 2}));
    // Zero-element tensors: -1 next to a 0 dimension becomes 0.
    Result empty =
        run(B::RESHAPE, {{fb::TensorType::FLOAT32, {0, 4}, {}, false, std::nullopt, false}, ints({-1, 0})},
            {{fb::TensorType::FLOAT32}});
    EXPECT_OK(empty);
    EXPECT_EQ(empty.shapes[0], (Dims{0, 0}));
}

TEST(ShapeKernels, ReshapeRejectsBadShapes) {
    const In six{fb::TensorType::FLOAT32, {6}, Bytes(24), false, std::nullopt, false};
    EXPECT_ERROR(run(B::RESHAPE, {six, ints({-1, -1})}, {{fb::TensorType::FLOAT32}}), "more than one -1");
    EXPECT_ERROR(run(B::RESHAPE, {six, ints({4, 2})}, {{fb::TensorType::FLOAT32}}), "cannot reshape [6]");
    EXPECT_ERROR(run(B::RESHAPE, {six, ints({4, -1})}, {{fb::TensorType::FLOAT32}}), "cannot reshape");
    EXPECT_ERROR(run(B::RESHAPE, {six, ints({-2, -3})}, {{fb::TensorType::FLOAT32}}), "dimension -2");
    // The same errors when the shape arrives at run time.
    EXPECT_ERROR(run(B::RESHAPE, {six, ints({5}, false)}, {{fb::TensorType::FLOAT32}}), "cannot reshape");
}

TEST(ShapeKernels, SqueezeAndExpandDims) {
    std::mt19937 rng(2);
    for (int trial = 0; trial < 30; ++trial) {
        const Elem e = randomElem(rng);
        Dims in = randomShape(rng, 1, 5, 3);
        const Bytes data = randomBytes(rng, e, elementCount(in));
        const In input{e.type, in, data, false, std::nullopt, false};
        // SQUEEZE of every unit dimension, and of a chosen one by a negative index.
        Dims all;
        for (int32_t d : in)
            if (d != 1) all.push_back(d);
        Result r = run(B::SQUEEZE, {input}, {{e.type}});
        EXPECT_OK(r);
        EXPECT_EQ(r.shapes[0], all);
        EXPECT_EQ(r.data[0], data);
        for (int d = 0; d < static_cast<int>(in.size()); ++d) {
            if (in[static_cast<size_t>(d)] != 1) continue;
            const std::vector<int32_t> dims = {d - static_cast<int32_t>(in.size())};
            Result one = run(B::SQUEEZE, {input}, {{e.type}}, fb::BuiltinOptions::SqueezeOptions,
                             [dims](flatbuffers::FlatBufferBuilder& f) {
                                 return fb::CreateSqueezeOptionsDirect(f, &dims).Union();
                             });
            Dims expected = in;
            expected.erase(expected.begin() + d);
            EXPECT_OK(one);
            EXPECT_EQ(one.shapes[0], expected);
            break;
        }
        // EXPAND_DIMS at every position, negative axes counting from rank + 1.
        const int rank = static_cast<int>(in.size());
        const int axis = static_cast<int>(rng() % static_cast<unsigned>(2 * rank + 2)) - (rank + 1);
        const int at = axis < 0 ? axis + rank + 1 : axis;
        Dims expected = in;
        expected.insert(expected.begin() + at, 1);
        for (bool constant : {true, false}) {
            Result x = run(B::EXPAND_DIMS, {input, scalar(axis, constant)}, {{e.type}});
            EXPECT_OK(x);
            EXPECT_EQ(x.shapes[0], expected) << "axis " << axis;
            EXPECT_EQ(x.data[0], data);
        }
    }
    const In in23{fb::TensorType::FLOAT32, {2, 3}, Bytes(24), false, std::nullopt, false};
    const std::vector<int32_t> bad = {0};
    EXPECT_ERROR(run(B::SQUEEZE, {in23}, {{fb::TensorType::FLOAT32}}, fb::BuiltinOptions::SqueezeOptions,
                     [bad](flatbuffers::FlatBufferBuilder& f) {
                         return fb::CreateSqueezeOptionsDirect(f, &bad).Union();
                     }),
                 "not 1");
    EXPECT_ERROR(run(B::EXPAND_DIMS, {in23, scalar(3)}, {{fb::TensorType::FLOAT32}}), "out of range");
    EXPECT_ERROR(run(B::EXPAND_DIMS, {in23, scalar(-4, false)}, {{fb::TensorType::FLOAT32}}), "out of range");
}

// ---------------------------------------------------------------------------------------------------------
// SHAPE, RANK, BROADCAST_ARGS, FILL, BROADCAST_TO
// ---------------------------------------------------------------------------------------------------------

TEST(ShapeKernels, ShapeAndRank) {
    const In in{fb::TensorType::FLOAT32, {2, 5, 1, 3}, Bytes(120), false, std::nullopt, false};
    Result s32 = run(B::SHAPE, {in}, {{fb::TensorType::INT32}});
    EXPECT_OK(s32);
    EXPECT_EQ(s32.shapes[0], Dims{4});
    EXPECT_EQ(as<int32_t>(s32.data[0]), (std::vector<int32_t>{2, 5, 1, 3}));
    Result s64 = run(B::SHAPE, {in}, {{fb::TensorType::INT64}}, fb::BuiltinOptions::ShapeOptions,
                     [](flatbuffers::FlatBufferBuilder& f) {
                         return fb::CreateShapeOptions(f, fb::TensorType::INT64).Union();
                     });
    EXPECT_OK(s64);
    EXPECT_EQ(as<int64_t>(s64.data[0]), (std::vector<int64_t>{2, 5, 1, 3}));
    EXPECT_ERROR(run(B::SHAPE, {in}, {{fb::TensorType::INT32}}, fb::BuiltinOptions::ShapeOptions,
                     [](flatbuffers::FlatBufferBuilder& f) {
                         return fb::CreateShapeOptions(f, fb::TensorType::INT64).Union();
                     }),
                 "out_type");
    Result rank = run(B::RANK, {in}, {{fb::TensorType::INT32}});
    EXPECT_OK(rank);
    EXPECT_EQ(rank.shapes[0], Dims{});
    EXPECT_EQ(as<int32_t>(rank.data[0]), std::vector<int32_t>{4});
}

TEST(ShapeKernels, BroadcastArgs) {
    Result r =
        run(B::BROADCAST_ARGS, {ints({2, 1, 3}, false), ints({4, 1}, false)}, {{fb::TensorType::INT32}});
    EXPECT_OK(r);
    EXPECT_EQ(as<int32_t>(r.data[0]), (std::vector<int32_t>{2, 4, 3}));
    Result wide = run(B::BROADCAST_ARGS, {longs({5}), longs({3, 1, 1})}, {{fb::TensorType::INT64}});
    EXPECT_OK(wide);
    EXPECT_EQ(as<int64_t>(wide.data[0]), (std::vector<int64_t>{3, 1, 5}));
    EXPECT_ERROR(run(B::BROADCAST_ARGS, {ints({2, 3}, false), ints({4}, false)}, {{fb::TensorType::INT32}}),
                 "do not broadcast");
}

TEST(ShapeKernels, FillEveryElementType) {
    std::mt19937 rng(3);
    for (int trial = 0; trial < 20; ++trial) {
        const Elem e = randomElem(rng);
        const Dims shape = randomShape(rng, 0, 4, 4, 0);
        const Bytes value = randomBytes(rng, e, 1);
        for (bool constant : {true, false}) {
            std::vector<In> ins = {trial % 2
                                       ? longs(std::vector<int64_t>(shape.begin(), shape.end()), constant)
                                       : ints(shape, constant),
                                   {e.type, {}, value, false, std::nullopt, false}};
            Result r = run(B::FILL, ins, {{e.type}});
            EXPECT_OK(r);
            EXPECT_EQ(r.shapes[0], shape);
            EXPECT_EQ(r.data[0], gather(value, e.size, elementCount(shape), [](int64_t) { return 0; }));
        }
    }
    EXPECT_ERROR(
        run(B::FILL, {ints({2, -1}), values(fb::TensorType::FLOAT32, {}, std::vector<float>{1}, false)},
            {{fb::TensorType::FLOAT32}}),
        "dimension 1 is -1");
}

TEST(ShapeKernels, BroadcastToRepeatsUnitDimensions) {
    std::mt19937 rng(4);
    for (int trial = 0; trial < 30; ++trial) {
        const Elem e = randomElem(rng);
        const Dims out = randomShape(rng, 1, 5, 3);
        Dims in(out.begin() + static_cast<long>(rng() % out.size()), out.end());
        for (auto& d : in)
            if (rng() % 2) d = 1;
        const Bytes data = randomBytes(rng, e, elementCount(in));
        const size_t shift = out.size() - in.size();
        auto source = [&](int64_t i) {
            std::vector<int64_t> idx = unravel(i, out),
                                 from(idx.begin() + static_cast<long>(shift), idx.end());
            for (size_t d = 0; d < in.size(); ++d)
                if (in[d] == 1) from[d] = 0;
            return ravel(from, in);
        };
        Result r =
            run(B::BROADCAST_TO, {{e.type, in, data, false, std::nullopt, false}, ints(out, trial % 2 == 0)},
                {{e.type}});
        EXPECT_OK(r);
        EXPECT_EQ(r.shapes[0], out);
        EXPECT_EQ(r.data[0], gather(data, e.size, elementCount(out), source));
    }
    EXPECT_ERROR(run(B::BROADCAST_TO,
                     {{fb::TensorType::FLOAT32, {2, 3}, Bytes(24), false, std::nullopt, false}, ints({4, 3})},
                     {{fb::TensorType::FLOAT32}}),
                 "cannot broadcast");
}

// ---------------------------------------------------------------------------------------------------------
// TRANSPOSE
// ---------------------------------------------------------------------------------------------------------

TEST(ShapeKernels, TransposeAnyPermutationUpToRank6) {
    std::mt19937 rng(5);
    for (int trial = 0; trial < 60; ++trial) {
        const Elem e = randomElem(rng);
        const Dims in = randomShape(rng, 1, 6, 4);
        std::vector<int32_t> perm(in.size());
        std::iota(perm.begin(), perm.end(), 0);
        std::shuffle(perm.begin(), perm.end(), rng);
        Dims out(in.size());
        for (size_t d = 0; d < in.size(); ++d)
            out[d] = in[static_cast<size_t>(perm[d])];
        const Bytes data = randomBytes(rng, e, elementCount(in));
        auto source = [&](int64_t i) {
            const std::vector<int64_t> idx = unravel(i, out);
            std::vector<int64_t> from(in.size());
            for (size_t d = 0; d < in.size(); ++d)
                from[static_cast<size_t>(perm[d])] = idx[d];
            return ravel(from, in);
        };
        Result r =
            run(B::TRANSPOSE, {{e.type, in, data, false, std::nullopt, false}, ints(perm, trial % 3 != 0)},
                {{e.type}});
        EXPECT_OK(r);
        EXPECT_EQ(r.shapes[0], out);
        EXPECT_EQ(r.data[0], gather(data, e.size, elementCount(out), source)) << "trial " << trial;
    }
    const In in{fb::TensorType::FLOAT32, {2, 3}, Bytes(24), false, std::nullopt, false};
    EXPECT_ERROR(run(B::TRANSPOSE, {in, ints({0, 0})}, {{fb::TensorType::FLOAT32}}), "not a permutation");
    EXPECT_ERROR(run(B::TRANSPOSE, {in, ints({0, 2}, false)}, {{fb::TensorType::FLOAT32}}),
                 "not a permutation");
    EXPECT_ERROR(run(B::TRANSPOSE, {in, ints({1, 0, 2})}, {{fb::TensorType::FLOAT32}}),
                 "does not match the input rank");
}

// ---------------------------------------------------------------------------------------------------------
// CONCATENATION, PACK, SPLIT, SPLIT_V, UNPACK
// ---------------------------------------------------------------------------------------------------------

TEST(ShapeKernels, ConcatenationAlongAnyAxis) {
    std::mt19937 rng(6);
    for (int trial = 0; trial < 40; ++trial) {
        const Elem e = randomElem(rng);
        const Dims base = randomShape(rng, 1, 4, 3);
        const int rank = static_cast<int>(base.size());
        const int axis = static_cast<int>(rng() % static_cast<unsigned>(rank));
        const int n = 1 + static_cast<int>(rng() % 4);
        std::vector<Dims> shapes;
        std::vector<Bytes> datas;
        std::vector<In> ins;
        Dims out = base;
        out[static_cast<size_t>(axis)] = 0;
        for (int i = 0; i < n; ++i) {
            Dims s = base;
            s[static_cast<size_t>(axis)] = static_cast<int32_t>(rng() % 4);  // zero-sized inputs too
            out[static_cast<size_t>(axis)] += s[static_cast<size_t>(axis)];
            shapes.push_back(s);
            datas.push_back(randomBytes(rng, e, elementCount(s)));
            ins.push_back({e.type, s, datas.back(), i % 2 == 1, std::nullopt, false});
        }
        // Reference: walk the output, find the input that owns each position along the axis.
        Bytes expected;
        for (int64_t i = 0; i < elementCount(out); ++i) {
            std::vector<int64_t> idx = unravel(i, out);
            int k = 0;
            while (idx[static_cast<size_t>(axis)] >=
                   shapes[static_cast<size_t>(k)][static_cast<size_t>(axis)])
                idx[static_cast<size_t>(axis)] -= shapes[static_cast<size_t>(k++)][static_cast<size_t>(axis)];
            const int64_t at = ravel(idx, shapes[static_cast<size_t>(k)]);
            const uint8_t* p = datas[static_cast<size_t>(k)].data() + static_cast<size_t>(at) * e.size;
            expected.insert(expected.end(), p, p + e.size);
        }
        const int32_t optionAxis = rng() % 2 ? axis - rank : axis;
        Result r = run(B::CONCATENATION, ins, {{e.type}}, fb::BuiltinOptions::ConcatenationOptions,
                       [optionAxis](flatbuffers::FlatBufferBuilder& f) {
                           return fb::CreateConcatenationOptions(f, optionAxis).Union();
                       });
        EXPECT_OK(r);
        EXPECT_EQ(r.shapes[0], out);
        EXPECT_EQ(r.data[0], expected) << "trial " << trial;
    }
}

TEST(ShapeKernels, ConcatenationFusedActivationAndShapeErrors) {
    const In a = values(fb::TensorType::FLOAT32, {2, 1}, std::vector<float>{-3, 7}, false);
    const In b = values(fb::TensorType::FLOAT32, {2, 2}, std::vector<float>{0.5f, 9, -1, 2}, true);
    Result r =
        run(B::CONCATENATION, {a, b}, {{fb::TensorType::FLOAT32}}, fb::BuiltinOptions::ConcatenationOptions,
            [](flatbuffers::FlatBufferBuilder& f) {
                return fb::CreateConcatenationOptions(f, -1, fb::ActivationFunctionType::RELU6).Union();
            });
    EXPECT_OK(r);
    EXPECT_EQ(as<float>(r.data[0]), (std::vector<float>{0, 0.5f, 6, 6, 0, 2}));
    EXPECT_ERROR(
        run(B::CONCATENATION, {a, b}, {{fb::TensorType::FLOAT32}}, fb::BuiltinOptions::ConcatenationOptions,
            [](flatbuffers::FlatBufferBuilder& f) { return fb::CreateConcatenationOptions(f, 0).Union(); }),
        "does not match");
    EXPECT_ERROR(
        run(B::CONCATENATION, {a, b}, {{fb::TensorType::FLOAT32}}, fb::BuiltinOptions::ConcatenationOptions,
            [](flatbuffers::FlatBufferBuilder& f) { return fb::CreateConcatenationOptions(f, 2).Union(); }),
        "out of range");
}

TEST(ShapeKernels, PackAndUnpack) {
    std::mt19937 rng(7);
    for (int trial = 0; trial < 30; ++trial) {
        const Elem e = randomElem(rng);
        const Dims s = randomShape(rng, 0, 4, 3);
        const int n = 1 + static_cast<int>(rng() % 4);
        const int outRank = static_cast<int>(s.size()) + 1;
        const int axis = static_cast<int>(rng() % static_cast<unsigned>(outRank));
        Dims out = s;
        out.insert(out.begin() + axis, n);
        std::vector<Bytes> parts;
        std::vector<In> ins;
        for (int i = 0; i < n; ++i) {
            parts.push_back(randomBytes(rng, e, elementCount(s)));
            ins.push_back({e.type, s, parts.back(), false, std::nullopt, false});
        }
        Bytes packed;
        for (int64_t i = 0; i < elementCount(out); ++i) {
            std::vector<int64_t> idx = unravel(i, out);
            const int64_t k = idx[static_cast<size_t>(axis)];
            idx.erase(idx.begin() + axis);
            const uint8_t* p =
                parts[static_cast<size_t>(k)].data() + static_cast<size_t>(ravel(idx, s)) * e.size;
            packed.insert(packed.end(), p, p + e.size);
        }
        const int32_t optionAxis = rng() % 2 ? axis - outRank : axis;
        Result r = run(B::PACK, ins, {{e.type}}, fb::BuiltinOptions::PackOptions,
                       [n, optionAxis](flatbuffers::FlatBufferBuilder& f) {
                           return fb::CreatePackOptions(f, n, optionAxis).Union();
                       });
        EXPECT_OK(r);
        EXPECT_EQ(r.shapes[0], out);
        EXPECT_EQ(r.data[0], packed);
        // UNPACK takes it apart again.
        std::vector<Out> outs(static_cast<size_t>(n), Out{e.type, std::nullopt});
        Result u = run(B::UNPACK, {{e.type, out, packed, false, std::nullopt, false}}, outs,
                       fb::BuiltinOptions::UnpackOptions, [n, optionAxis](flatbuffers::FlatBufferBuilder& f) {
                           return fb::CreateUnpackOptions(f, n, optionAxis).Union();
                       });
        EXPECT_OK(u);
        for (int i = 0; i < n; ++i) {
            EXPECT_EQ(u.shapes[static_cast<size_t>(i)], s);
            EXPECT_EQ(u.data[static_cast<size_t>(i)], parts[static_cast<size_t>(i)]);
        }
    }
    const In a{fb::TensorType::FLOAT32, {2}, Bytes(8), false, std::nullopt, false};
    const In b{fb::TensorType::FLOAT32, {3}, Bytes(12), false, std::nullopt, false};
    EXPECT_ERROR(
        run(B::PACK, {a, b}, {{fb::TensorType::FLOAT32}}, fb::BuiltinOptions::PackOptions,
            [](flatbuffers::FlatBufferBuilder& f) { return fb::CreatePackOptions(f, 2, 0).Union(); }),
        "differs");
    EXPECT_ERROR(
        run(B::UNPACK, {b}, {{fb::TensorType::FLOAT32}, {fb::TensorType::FLOAT32}},
            fb::BuiltinOptions::UnpackOptions,
            [](flatbuffers::FlatBufferBuilder& f) { return fb::CreateUnpackOptions(f, 2, 0).Union(); }),
        "differs from the 2 outputs");
}

// Splits `data` of shape `in` along `axis` into parts of the given sizes: the reference for SPLIT and
// SPLIT_V.
std::vector<Bytes> referenceSplit(const Bytes& data, size_t es, const Dims& in, int axis,
                                  const std::vector<int32_t>& sizes) {
    std::vector<Bytes> parts;
    int64_t start = 0;
    for (int32_t size : sizes) {
        Dims s = in;
        s[static_cast<size_t>(axis)] = size;
        parts.push_back(gather(data, es, elementCount(s), [&](int64_t i) {
            std::vector<int64_t> idx = unravel(i, s);
            idx[static_cast<size_t>(axis)] += start;
            return ravel(idx, in);
        }));
        start += size;
    }
    return parts;
}

TEST(ShapeKernels, SplitAndSplitV) {
    std::mt19937 rng(8);
    for (int trial = 0; trial < 40; ++trial) {
        const Elem e = randomElem(rng);
        Dims in = randomShape(rng, 1, 4, 4);
        const int rank = static_cast<int>(in.size());
        const int axis = static_cast<int>(rng() % static_cast<unsigned>(rank));
        const int n = 1 + static_cast<int>(rng() % 3);
        const bool constant = trial % 2 == 0;
        const int32_t axisValue = rng() % 2 ? axis - rank : axis;
        // SPLIT: equal parts.
        Dims even = in;
        even[static_cast<size_t>(axis)] = n * (1 + static_cast<int32_t>(rng() % 3));
        const Bytes evenData = randomBytes(rng, e, elementCount(even));
        const std::vector<int32_t> equal(static_cast<size_t>(n), even[static_cast<size_t>(axis)] / n);
        std::vector<Out> outs(static_cast<size_t>(n), Out{e.type, std::nullopt});
        Result r =
            run(B::SPLIT, {scalar(axisValue, constant), {e.type, even, evenData, false, std::nullopt, false}},
                outs, fb::BuiltinOptions::SplitOptions,
                [n](flatbuffers::FlatBufferBuilder& f) { return fb::CreateSplitOptions(f, n).Union(); });
        EXPECT_OK(r);
        const auto expected = referenceSplit(evenData, e.size, even, axis, equal);
        for (int i = 0; i < n; ++i)
            EXPECT_EQ(r.data[static_cast<size_t>(i)], expected[static_cast<size_t>(i)]);
        // SPLIT_V: arbitrary sizes, one of them maybe -1.
        std::vector<int32_t> sizes(static_cast<size_t>(n));
        int32_t total = 0;
        for (auto& s : sizes)
            total += s = static_cast<int32_t>(rng() % 3);
        in[static_cast<size_t>(axis)] = total;
        const Bytes data = randomBytes(rng, e, elementCount(in));
        std::vector<int32_t> spec = sizes;
        if (rng() % 2) spec[rng() % spec.size()] = -1;
        Result v = run(B::SPLIT_V,
                       {{e.type, in, data, false, std::nullopt, false},
                        ints(spec, constant),
                        scalar(axisValue, constant)},
                       outs, fb::BuiltinOptions::SplitVOptions, [n](flatbuffers::FlatBufferBuilder& f) {
                           return fb::CreateSplitVOptions(f, n).Union();
                       });
        EXPECT_OK(v);
        const auto parts = referenceSplit(data, e.size, in, axis, sizes);
        for (int i = 0; i < n; ++i) {
            Dims s = in;
            s[static_cast<size_t>(axis)] = sizes[static_cast<size_t>(i)];
            EXPECT_EQ(v.shapes[static_cast<size_t>(i)], s);
            EXPECT_EQ(v.data[static_cast<size_t>(i)], parts[static_cast<size_t>(i)]);
        }
    }
    const In six{fb::TensorType::FLOAT32, {6}, Bytes(24), false, std::nullopt, false};
    const std::vector<Out> two(2, Out{fb::TensorType::FLOAT32, std::nullopt});
    const std::vector<Out> four(4, Out{fb::TensorType::FLOAT32, std::nullopt});
    EXPECT_ERROR(run(B::SPLIT, {scalar(0), six}, four, fb::BuiltinOptions::SplitOptions,
                     [](flatbuffers::FlatBufferBuilder& f) { return fb::CreateSplitOptions(f, 4).Union(); }),
                 "does not split into 4");
    EXPECT_ERROR(
        run(B::SPLIT_V, {six, ints({2, 5}, false), scalar(0)}, two, fb::BuiltinOptions::SplitVOptions,
            [](flatbuffers::FlatBufferBuilder& f) { return fb::CreateSplitVOptions(f, 2).Union(); }),
        "add up to 7");
    EXPECT_ERROR(run(B::SPLIT_V, {six, ints({-1, -1}), scalar(0)}, two, fb::BuiltinOptions::SplitVOptions,
                     [](flatbuffers::FlatBufferBuilder& f) { return fb::CreateSplitVOptions(f, 2).Union(); }),
                 "more than one -1");
}

// ---------------------------------------------------------------------------------------------------------
// SLICE, STRIDED_SLICE
// ---------------------------------------------------------------------------------------------------------

TEST(ShapeKernels, SliceWithInt32AndInt64Operands) {
    std::mt19937 rng(9);
    for (int trial = 0; trial < 40; ++trial) {
        const Elem e = randomElem(rng);
        const Dims in = randomShape(rng, 1, 5, 5);
        std::vector<int64_t> begin(in.size()), size(in.size());
        Dims out(in.size());
        for (size_t d = 0; d < in.size(); ++d) {
            begin[d] = static_cast<int64_t>(rng() % static_cast<unsigned>(in[d] + 1));
            out[d] = static_cast<int32_t>(rng() % static_cast<unsigned>(in[d] - begin[d] + 1));
            size[d] = (out[d] == in[d] - begin[d] && rng() % 2) ? -1 : out[d];
        }
        const Bytes data = randomBytes(rng, e, elementCount(in));
        const bool constant = trial % 3 != 0;
        std::vector<In> ins = {{e.type, in, data, false, std::nullopt, false}};
        if (trial % 2) {
            ins.push_back(longs(begin, constant));
            ins.push_back(longs(size, constant));
        } else {
            ins.push_back(ints(std::vector<int32_t>(begin.begin(), begin.end()), constant));
            ins.push_back(ints(std::vector<int32_t>(size.begin(), size.end()), constant));
        }
        Result r = run(B::SLICE, ins, {{e.type}});
        EXPECT_OK(r);
        EXPECT_EQ(r.shapes[0], out);
        EXPECT_EQ(r.data[0], gather(data, e.size, elementCount(out), [&](int64_t i) {
                      std::vector<int64_t> idx = unravel(i, out);
                      for (size_t d = 0; d < idx.size(); ++d)
                          idx[d] += begin[d];
                      return ravel(idx, in);
                  }));
    }
    const In in{fb::TensorType::FLOAT32, {4, 4}, Bytes(64), false, std::nullopt, false};
    EXPECT_ERROR(run(B::SLICE, {in, ints({1, 3}), ints({2, 2})}, {{fb::TensorType::FLOAT32}}),
                 "invalid begin 3 and size 2");
    EXPECT_ERROR(run(B::SLICE, {in, ints({-1, 0}, false), ints({1, 1}, false)}, {{fb::TensorType::FLOAT32}}),
                 "invalid begin -1");
    EXPECT_ERROR(run(B::SLICE, {in, ints({0, 0}), ints({1, -2})}, {{fb::TensorType::FLOAT32}}),
                 "invalid begin");
}

struct SliceSpec {
    std::vector<int32_t> begin, end, strides;
    int32_t beginMask = 0, endMask = 0, ellipsisMask = 0, newAxisMask = 0, shrinkMask = 0;
};

// NumPy basic slicing: the ellipsis stands for the dimensions the other entries leave, new axes add unit
// dimensions, shrunk entries pick one index, the rest are Python slices. Returns the output shape and, per
// output element, the input element it reads.
std::pair<Dims, std::vector<int64_t>> numpySlice(const Dims& in, const SliceSpec& s) {
    const int n = static_cast<int>(s.begin.size());
    int consuming = 0;
    for (int i = 0; i < n; ++i)
        if (!(s.ellipsisMask >> i & 1) && !(s.newAxisMask >> i & 1)) ++consuming;
    struct Axis {
        bool inserted = false, kept = true;
        std::vector<int64_t> picks;  // input indices along one input dimension
    };
    std::vector<Axis> axes;
    int dim = 0;
    auto full = [&](int d) {
        Axis a;
        for (int64_t k = 0; k < in[static_cast<size_t>(d)]; ++k)
            a.picks.push_back(k);
        return a;
    };
    for (int i = 0; i < n; ++i) {
        if (s.ellipsisMask >> i & 1) {
            for (int k = 0; k < static_cast<int>(in.size()) - consuming; ++k)
                axes.push_back(full(dim++));
        } else if (s.newAxisMask >> i & 1) {
            Axis a;
            a.inserted = true;
            a.picks = {0};
            axes.push_back(a);
        } else {
            const int64_t size = in[static_cast<size_t>(dim++)];
            const int64_t stride = s.strides[static_cast<size_t>(i)];
            Axis a;
            if (s.shrinkMask >> i & 1) {
                const int64_t b = s.begin[static_cast<size_t>(i)];
                a.picks = {b < 0 ? b + size : b};
                a.kept = false;
            } else {
                auto norm = [&](int64_t v, bool masked, bool isBegin) -> int64_t {
                    if (masked) return stride > 0 ? (isBegin ? 0 : size) : (isBegin ? size - 1 : -1);
                    if (v < 0) v += size;
                    return stride > 0 ? std::clamp<int64_t>(v, 0, size)
                                      : std::clamp<int64_t>(v, -1, size - 1);
                };
                const int64_t b = norm(s.begin[static_cast<size_t>(i)], s.beginMask >> i & 1, true);
                const int64_t e = norm(s.end[static_cast<size_t>(i)], s.endMask >> i & 1, false);
                for (int64_t k = b; stride > 0 ? k < e : k > e; k += stride)
                    a.picks.push_back(k);
            }
            axes.push_back(a);
        }
    }
    while (dim < static_cast<int>(in.size()))
        axes.push_back(full(dim++));
    Dims out, grid;
    for (const Axis& a : axes) {
        grid.push_back(static_cast<int32_t>(a.picks.size()));
        if (a.kept) out.push_back(static_cast<int32_t>(a.picks.size()));
    }
    std::vector<int64_t> sources;
    for (int64_t i = 0; i < elementCount(grid); ++i) {
        const std::vector<int64_t> g = unravel(i, grid);
        std::vector<int64_t> idx;
        for (size_t k = 0; k < axes.size(); ++k)
            if (!axes[k].inserted) idx.push_back(axes[k].picks[static_cast<size_t>(g[k])]);
        sources.push_back(ravel(idx, in));
    }
    return {out, sources};
}

OptionsFn sliceOptions(const SliceSpec& s, bool offset = false) {
    return [s, offset](flatbuffers::FlatBufferBuilder& f) {
        return fb::CreateStridedSliceOptions(f, s.beginMask, s.endMask, s.ellipsisMask, s.newAxisMask,
                                             s.shrinkMask, offset)
            .Union();
    };
}

TEST(ShapeKernels, StridedSliceMatchesNumpySlicing) {
    std::mt19937 rng(10);
    for (int trial = 0; trial < 300; ++trial) {
        const Elem e = randomElem(rng);
        const Dims in = randomShape(rng, 1, 4, 5);
        const int rank = static_cast<int>(in.size());
        // The entries: some consume input dimensions, up to two add axes, at most one ellipsis (which must
        // stand for at least one dimension, as TFLite requires).
        const bool ellipsis = rank >= 2 && rng() % 3 == 0;
        const int consuming = static_cast<int>(rng() % static_cast<unsigned>(rank - (ellipsis ? 1 : 0) + 1));
        const int added = static_cast<int>(rng() % 3);
        std::vector<char> kinds(static_cast<size_t>(consuming), 'c');
        kinds.insert(kinds.end(), static_cast<size_t>(added), 'n');
        if (ellipsis) kinds.push_back('e');
        if (kinds.empty()) kinds.push_back('c');
        std::shuffle(kinds.begin(), kinds.end(), rng);
        SliceSpec s;
        int dim = 0;
        const int before = static_cast<int>(std::count(kinds.begin(), kinds.end(), 'c'));
        for (size_t i = 0; i < kinds.size(); ++i) {
            const int bit = 1 << i;
            int32_t b = 0, en = 0, st = 1;
            if (kinds[i] == 'e') {
                s.ellipsisMask |= bit;
                dim += rank - before;
            } else if (kinds[i] == 'n') {
                s.newAxisMask |= bit;
            } else {
                const int32_t size = in[static_cast<size_t>(dim++)];
                if (rng() % 5 == 0) {
                    s.shrinkMask |= bit;
                    b = static_cast<int32_t>(rng() % static_cast<unsigned>(2 * size)) - size;
                    en = b + 1;
                } else {
                    do
                        st = static_cast<int32_t>(rng() % 7) - 3;
                    while (st == 0);
                    b = static_cast<int32_t>(rng() % static_cast<unsigned>(2 * size + 5)) - size - 2;
                    en = static_cast<int32_t>(rng() % static_cast<unsigned>(2 * size + 5)) - size - 2;
                    if (rng() % 4 == 0) s.beginMask |= bit;
                    if (rng() % 4 == 0) s.endMask |= bit;
                }
            }
            s.begin.push_back(b);
            s.end.push_back(en);
            s.strides.push_back(st);
        }
        const auto [out, sources] = numpySlice(in, s);
        const Bytes data = randomBytes(rng, e, elementCount(in));
        const bool constant = trial % 4 != 0;
        Result r = run(B::STRIDED_SLICE,
                       {{e.type, in, data, false, std::nullopt, false},
                        ints(s.begin, constant),
                        ints(s.end, constant),
                        ints(s.strides, constant)},
                       {{e.type}}, fb::BuiltinOptions::StridedSliceOptions, sliceOptions(s));
        EXPECT_OK(r);
        EXPECT_EQ(r.shapes[0], out) << "trial " << trial;
        EXPECT_EQ(r.data[0], gather(data, e.size, elementCount(out),
                                    [&](int64_t i) { return sources[static_cast<size_t>(i)]; }))
            << "trial " << trial;
    }
}

TEST(ShapeKernels, StridedSliceFixedCases) {
    // [3,4] holding 0..11.
    std::vector<float> v(12);
    std::iota(v.begin(), v.end(), 0.f);
    const In in = values(fb::TensorType::FLOAT32, {3, 4}, v, false);
    auto slice = [&](SliceSpec s, bool offset = false) {
        return run(B::STRIDED_SLICE, {in, ints(s.begin), ints(s.end), ints(s.strides)},
                   {{fb::TensorType::FLOAT32}}, fb::BuiltinOptions::StridedSliceOptions,
                   sliceOptions(s, offset));
    };
    // x[::-1, ::-2]
    Result rev = slice({{0, 0}, {0, 0}, {-1, -2}, 3, 3, 0, 0, 0});
    EXPECT_OK(rev);
    EXPECT_EQ(rev.shapes[0], (Dims{3, 2}));
    EXPECT_EQ(as<float>(rev.data[0]), (std::vector<float>{11, 9, 7, 5, 3, 1}));
    // x[-1] (shrink) and x[..., 2] (ellipsis + shrink)
    Result last = slice({{-1}, {0}, {1}, 0, 0, 0, 0, 1});
    EXPECT_OK(last);
    EXPECT_EQ(last.shapes[0], Dims{4});
    EXPECT_EQ(as<float>(last.data[0]), (std::vector<float>{8, 9, 10, 11}));
    Result column = slice({{0, 2}, {0, 3}, {1, 1}, 0, 0, 1, 0, 2});
    EXPECT_OK(column);
    EXPECT_EQ(column.shapes[0], Dims{3});
    EXPECT_EQ(as<float>(column.data[0]), (std::vector<float>{2, 6, 10}));
    // x[1:, None, 1:3]
    Result axis = slice({{1, 0, 1}, {3, 0, 3}, {1, 1, 1}, 0, 0, 0, 2, 0});
    EXPECT_OK(axis);
    EXPECT_EQ(axis.shapes[0], (Dims{2, 1, 2}));
    EXPECT_EQ(as<float>(axis.data[0]), (std::vector<float>{5, 6, 9, 10}));
    // With offset, end is a length from begin: rows 1..2, columns 1..3.
    Result offset = slice({{1, 1}, {2, 3}, {1, 1}, 0, 0, 0, 0, 0}, true);
    EXPECT_OK(offset);
    EXPECT_EQ(offset.shapes[0], (Dims{2, 3}));
    EXPECT_EQ(as<float>(offset.data[0]), (std::vector<float>{5, 6, 7, 9, 10, 11}));
    // Out-of-range ends clamp; a shrunk index out of range and a zero stride are errors.
    Result clamp = slice({{-10, 2}, {10, 100}, {1, 1}, 0, 0, 0, 0, 0});
    EXPECT_OK(clamp);
    EXPECT_EQ(clamp.shapes[0], (Dims{3, 2}));
    EXPECT_ERROR(slice({{3}, {4}, {1}, 0, 0, 0, 0, 1}), "out of range");
    EXPECT_ERROR(slice({{0}, {1}, {0}, 0, 0, 0, 0, 0}), "stride 0 is 0");
}

// ---------------------------------------------------------------------------------------------------------
// TILE, REVERSE_V2
// ---------------------------------------------------------------------------------------------------------

TEST(ShapeKernels, TileRepeatsTheInput) {
    std::mt19937 rng(11);
    for (int trial = 0; trial < 40; ++trial) {
        const Elem e = randomElem(rng);
        const Dims in = randomShape(rng, 1, 4, 3);
        std::vector<int32_t> multiples(in.size());
        Dims out(in.size());
        for (size_t d = 0; d < in.size(); ++d)
            out[d] = in[d] * (multiples[d] = static_cast<int32_t>(rng() % 4));
        if (trial % 5 != 0)
            for (size_t d = 0; d < in.size(); ++d)
                out[d] = in[d] * (multiples[d] = std::max(multiples[d], 1));
        const Bytes data = randomBytes(rng, e, elementCount(in));
        Result r =
            run(B::TILE, {{e.type, in, data, false, std::nullopt, false}, ints(multiples, trial % 2 == 0)},
                {{e.type}});
        EXPECT_OK(r);
        EXPECT_EQ(r.shapes[0], out);
        EXPECT_EQ(r.data[0], gather(data, e.size, elementCount(out), [&](int64_t i) {
                      std::vector<int64_t> idx = unravel(i, out);
                      for (size_t d = 0; d < idx.size(); ++d)
                          idx[d] %= in[d];
                      return ravel(idx, in);
                  }));
    }
    EXPECT_ERROR(
        run(B::TILE, {{fb::TensorType::FLOAT32, {2}, Bytes(8), false, std::nullopt, false}, ints({-1})},
            {{fb::TensorType::FLOAT32}}),
        "negative");
}

TEST(ShapeKernels, ReverseAlongAxes) {
    std::mt19937 rng(12);
    for (int trial = 0; trial < 40; ++trial) {
        const Elem e = randomElem(rng);
        const Dims in = randomShape(rng, 1, 5, 4);
        const int rank = static_cast<int>(in.size());
        std::vector<int32_t> axes;
        std::vector<bool> flip(in.size());
        for (int d = 0; d < rank; ++d)
            if (rng() % 2) {
                axes.push_back(rng() % 2 ? d - rank : d);
                flip[static_cast<size_t>(d)] = true;
            }
        const Bytes data = randomBytes(rng, e, elementCount(in));
        Result r =
            run(B::REVERSE_V2, {{e.type, in, data, false, std::nullopt, false}, ints(axes, trial % 2 == 0)},
                {{e.type}});
        EXPECT_OK(r);
        EXPECT_EQ(r.shapes[0], in);
        EXPECT_EQ(r.data[0], gather(data, e.size, elementCount(in), [&](int64_t i) {
                      std::vector<int64_t> idx = unravel(i, in);
                      for (size_t d = 0; d < idx.size(); ++d)
                          if (flip[d]) idx[d] = in[d] - 1 - idx[d];
                      return ravel(idx, in);
                  }));
    }
    EXPECT_ERROR(run(B::REVERSE_V2,
                     {{fb::TensorType::FLOAT32, {2}, Bytes(8), false, std::nullopt, false}, ints({1}, false)},
                     {{fb::TensorType::FLOAT32}}),
                 "out of range");
}

// ---------------------------------------------------------------------------------------------------------
// PAD, PADV2, MIRROR_PAD
// ---------------------------------------------------------------------------------------------------------

TEST(ShapeKernels, PadAndPadV2) {
    std::mt19937 rng(13);
    for (int trial = 0; trial < 40; ++trial) {
        const Elem e = randomElem(rng);
        const Dims in = randomShape(rng, 0, 5, 3, 0);
        std::vector<int32_t> pads;
        Dims out(in.size());
        for (size_t d = 0; d < in.size(); ++d) {
            const auto lo = static_cast<int32_t>(rng() % 3), hi = static_cast<int32_t>(rng() % 3);
            pads.push_back(lo);
            pads.push_back(hi);
            out[d] = in[d] + lo + hi;
        }
        const Bytes data = randomBytes(rng, e, elementCount(in));
        const bool v2 = trial % 2 == 1;
        const Bytes value = v2 ? randomBytes(rng, e, 1) : Bytes(e.size, 0);
        const bool constant = trial % 3 != 0;
        std::vector<In> ins = {
            {e.type, in, data, false, std::nullopt, false},
            values(fb::TensorType::INT32, {static_cast<int32_t>(in.size()), 2}, pads, constant)};
        if (v2) ins.push_back({e.type, {}, value, trial % 4 == 1, std::nullopt, false});
        Result r = run(v2 ? B::PADV2 : B::PAD, ins, {{e.type}});
        EXPECT_OK(r);
        EXPECT_EQ(r.shapes[0], out);
        EXPECT_EQ(r.data[0], gather(
                                 data, e.size, elementCount(out),
                                 [&](int64_t i) -> int64_t {
                                     std::vector<int64_t> idx = unravel(i, out);
                                     for (size_t d = 0; d < idx.size(); ++d) {
                                         idx[d] -= pads[2 * d];
                                         if (idx[d] < 0 || idx[d] >= in[d]) return -1;
                                     }
                                     return ravel(idx, in);
                                 },
                                 value))
            << "trial " << trial;
    }
}

TEST(ShapeKernels, QuantizedPadUsesTheZeroPoint) {
    QuantSpec q;
    q.scale = {0.5f};
    q.zeroPoint = {-3};
    In in = values(fb::TensorType::INT8, {2}, std::vector<int8_t>{10, 20}, false);
    in.quant = q;
    Result r = run(B::PAD, {in, values(fb::TensorType::INT64, {1, 2}, std::vector<int64_t>{1, 2}, true)},
                   {{fb::TensorType::INT8, q}});
    EXPECT_OK(r);
    EXPECT_EQ(as<int8_t>(r.data[0]), (std::vector<int8_t>{-3, 10, 20, -3, -3}));
    QuantSpec other = q;
    other.zeroPoint = {0};
    EXPECT_ERROR(run(B::PAD, {in, values(fb::TensorType::INT32, {1, 2}, std::vector<int32_t>{1, 1}, true)},
                     {{fb::TensorType::INT8, other}}),
                 "quantization");
    EXPECT_ERROR(run(B::PAD,
                     {values(fb::TensorType::FLOAT32, {2}, std::vector<float>{1, 2}, false),
                      values(fb::TensorType::INT32, {1, 2}, std::vector<int32_t>{-1, 1}, false)},
                     {{fb::TensorType::FLOAT32}}),
                 "negative");
}

TEST(ShapeKernels, MirrorPadReflectAndSymmetric) {
    std::mt19937 rng(14);
    for (int trial = 0; trial < 40; ++trial) {
        const Elem e = randomElem(rng);
        const Dims in = randomShape(rng, 1, 4, 4);
        const bool symmetric = trial % 2 == 1;
        std::vector<int32_t> pads;
        Dims out(in.size());
        for (size_t d = 0; d < in.size(); ++d) {
            const int32_t limit = symmetric ? in[d] : in[d] - 1;
            const auto lo = static_cast<int32_t>(rng() % static_cast<unsigned>(limit + 1));
            const auto hi = static_cast<int32_t>(rng() % static_cast<unsigned>(limit + 1));
            pads.push_back(lo);
            pads.push_back(hi);
            out[d] = in[d] + lo + hi;
        }
        // Per dimension, the input index behind each output index, listed outright.
        std::vector<std::vector<int64_t>> picks(in.size());
        for (size_t d = 0; d < in.size(); ++d) {
            const int64_t n = in[d], lo = pads[2 * d], hi = pads[2 * d + 1];
            for (int64_t k = lo; k >= 1; --k)
                picks[d].push_back(symmetric ? k - 1 : k);
            for (int64_t k = 0; k < n; ++k)
                picks[d].push_back(k);
            for (int64_t k = 1; k <= hi; ++k)
                picks[d].push_back(symmetric ? n - k : n - 1 - k);
        }
        const Bytes data = randomBytes(rng, e, elementCount(in));
        Result r = run(
            B::MIRROR_PAD,
            {{e.type, in, data, false, std::nullopt, false},
             values(fb::TensorType::INT32, {static_cast<int32_t>(in.size()), 2}, pads, trial % 3 != 0)},
            {{e.type}}, fb::BuiltinOptions::MirrorPadOptions, [symmetric](flatbuffers::FlatBufferBuilder& f) {
                return fb::CreateMirrorPadOptions(
                           f, symmetric ? fb::MirrorPadMode::SYMMETRIC : fb::MirrorPadMode::REFLECT)
                    .Union();
            });
        EXPECT_OK(r);
        EXPECT_EQ(r.shapes[0], out);
        EXPECT_EQ(r.data[0], gather(data, e.size, elementCount(out),
                                    [&](int64_t i) {
                                        std::vector<int64_t> idx = unravel(i, out);
                                        for (size_t d = 0; d < idx.size(); ++d)
                                            idx[d] = picks[d][static_cast<size_t>(idx[d])];
                                        return ravel(idx, in);
                                    }))
            << "trial " << trial;
    }
    EXPECT_ERROR(run(B::MIRROR_PAD,
                     {values(fb::TensorType::FLOAT32, {3}, std::vector<float>{1, 2, 3}, false),
                      values(fb::TensorType::INT32, {1, 2}, std::vector<int32_t>{3, 0}, true)},
                     {{fb::TensorType::FLOAT32}}),
                 "exceeds 2 for REFLECT");
}

// ---------------------------------------------------------------------------------------------------------
// SPACE_TO_DEPTH, DEPTH_TO_SPACE, SPACE_TO_BATCH_ND, BATCH_TO_SPACE_ND
// ---------------------------------------------------------------------------------------------------------

OptionsFn blockOptions(B op, int32_t block) {
    if (op == B::SPACE_TO_DEPTH)
        return [block](flatbuffers::FlatBufferBuilder& f) {
            return fb::CreateSpaceToDepthOptions(f, block).Union();
        };
    return [block](flatbuffers::FlatBufferBuilder& f) {
        return fb::CreateDepthToSpaceOptions(f, block).Union();
    };
}

TEST(ShapeKernels, SpaceToDepthAndDepthToSpace) {
    std::mt19937 rng(15);
    for (int trial = 0; trial < 30; ++trial) {
        const Elem e = randomElem(rng);
        const int32_t b = 1 + static_cast<int32_t>(rng() % 3);
        const int32_t n = 1 + static_cast<int32_t>(rng() % 2), oh = 1 + static_cast<int32_t>(rng() % 3),
                      ow = 1 + static_cast<int32_t>(rng() % 3), c = 1 + static_cast<int32_t>(rng() % 3);
        const Dims space = {n, oh * b, ow * b, c}, depth = {n, oh, ow, c * b * b};
        const Bytes data = randomBytes(rng, e, elementCount(space));
        // out[n, y, x, (by*b + bx)*c + k] = in[n, y*b + by, x*b + bx, k]
        auto depthSource = [&](int64_t i) {
            const auto idx = unravel(i, depth);
            const int64_t k = idx[3] % c, bx = idx[3] / c % b, by = idx[3] / c / b;
            return ravel({idx[0], idx[1] * b + by, idx[2] * b + bx, k}, space);
        };
        Result s2d = run(B::SPACE_TO_DEPTH, {{e.type, space, data, false, std::nullopt, false}}, {{e.type}},
                         fb::BuiltinOptions::SpaceToDepthOptions, blockOptions(B::SPACE_TO_DEPTH, b));
        EXPECT_OK(s2d);
        EXPECT_EQ(s2d.shapes[0], depth);
        const Bytes expected = gather(data, e.size, elementCount(depth), depthSource);
        EXPECT_EQ(s2d.data[0], expected);
        // DEPTH_TO_SPACE (DCR order) undoes it.
        Result d2s =
            run(B::DEPTH_TO_SPACE, {{e.type, depth, expected, false, std::nullopt, false}}, {{e.type}},
                fb::BuiltinOptions::DepthToSpaceOptions, blockOptions(B::DEPTH_TO_SPACE, b));
        EXPECT_OK(d2s);
        EXPECT_EQ(d2s.shapes[0], space);
        EXPECT_EQ(d2s.data[0], data);
    }
    const In odd{fb::TensorType::FLOAT32, {1, 3, 4, 1}, Bytes(48), false, std::nullopt, false};
    EXPECT_ERROR(run(B::SPACE_TO_DEPTH, {odd}, {{fb::TensorType::FLOAT32}},
                     fb::BuiltinOptions::SpaceToDepthOptions, blockOptions(B::SPACE_TO_DEPTH, 2)),
                 "multiples of the block size");
    EXPECT_ERROR(run(B::DEPTH_TO_SPACE, {odd}, {{fb::TensorType::FLOAT32}},
                     fb::BuiltinOptions::DepthToSpaceOptions, blockOptions(B::DEPTH_TO_SPACE, 2)),
                 "multiple of the block size squared");
}

TEST(ShapeKernels, SpaceToBatchAndBatchToSpace) {
    std::mt19937 rng(16);
    for (int trial = 0; trial < 40; ++trial) {
        const Elem e = randomElem(rng);
        const bool rank3 = trial % 4 == 3;  // [batch, width, depth] with one spatial dimension
        const int m = rank3 ? 1 : 2;
        const int32_t batch = 1 + static_cast<int32_t>(rng() % 2),
                      depth = 1 + static_cast<int32_t>(rng() % 3);
        std::vector<int32_t> block(static_cast<size_t>(m)), pads, spatial(static_cast<size_t>(m)),
            padded(static_cast<size_t>(m));
        for (size_t d = 0; d < block.size(); ++d) {
            block[d] = 1 + static_cast<int32_t>(rng() % 3);
            padded[d] = block[d] * (1 + static_cast<int32_t>(rng() % 3));
            const auto lo = static_cast<int32_t>(rng() % static_cast<unsigned>(padded[d]));
            const auto hi = static_cast<int32_t>(rng() % static_cast<unsigned>(padded[d] - lo));
            pads.push_back(lo);
            pads.push_back(hi);
            spatial[d] = padded[d] - lo - hi;
        }
        int32_t blocks = 1;
        for (int32_t b : block)
            blocks *= b;
        Dims in = {batch}, out = {batch * blocks};
        for (size_t d = 0; d < block.size(); ++d) {
            in.push_back(spatial[d]);
            out.push_back(padded[d] / block[d]);
        }
        in.push_back(depth);
        out.push_back(depth);
        const Bytes data = randomBytes(rng, e, elementCount(in));
        const Bytes zero(e.size, 0);
        // out[ob, y.., k] = in[ob % batch, y*block + offset - pad.., k], the offset row-major in ob / batch.
        auto source = [&](int64_t i) -> int64_t {
            const auto idx = unravel(i, out);
            int64_t rest = idx[0] / batch;
            std::vector<int64_t> from(in.size());
            from[0] = idx[0] % batch;
            from.back() = idx.back();
            for (int d = m - 1; d >= 0; --d) {
                const auto k = static_cast<size_t>(d);
                const int64_t offset = rest % block[k];
                rest /= block[k];
                from[k + 1] = idx[k + 1] * block[k] + offset - pads[2 * k];
                if (from[k + 1] < 0 || from[k + 1] >= spatial[k]) return -1;
            }
            return ravel(from, in);
        };
        const bool constant = trial % 2 == 0;
        const In blockIn = ints(block, constant);
        const In padsIn = values(fb::TensorType::INT32, {m, 2}, pads, constant);
        Result s2b = run(B::SPACE_TO_BATCH_ND,
                         {{e.type, in, data, false, std::nullopt, false}, blockIn, padsIn}, {{e.type}});
        EXPECT_OK(s2b);
        EXPECT_EQ(s2b.shapes[0], out);
        const Bytes expected = gather(data, e.size, elementCount(out), source, zero);
        EXPECT_EQ(s2b.data[0], expected) << "trial " << trial;
        // BATCH_TO_SPACE_ND with the paddings as crops gives the input back.
        Result b2s = run(B::BATCH_TO_SPACE_ND,
                         {{e.type, out, expected, false, std::nullopt, false}, blockIn, padsIn}, {{e.type}});
        EXPECT_OK(b2s);
        EXPECT_EQ(b2s.shapes[0], in);
        EXPECT_EQ(b2s.data[0], data) << "trial " << trial;
    }
    const In in{fb::TensorType::FLOAT32, {1, 3, 3, 1}, Bytes(36), false, std::nullopt, false};
    EXPECT_ERROR(
        run(B::SPACE_TO_BATCH_ND,
            {in, ints({2, 2}), values(fb::TensorType::INT32, {2, 2}, std::vector<int32_t>{0, 0, 0, 0}, true)},
            {{fb::TensorType::FLOAT32}}),
        "not a multiple of the block size");
    EXPECT_ERROR(
        run(B::BATCH_TO_SPACE_ND,
            {in, ints({2, 2}), values(fb::TensorType::INT32, {2, 2}, std::vector<int32_t>{0, 0, 0, 0}, true)},
            {{fb::TensorType::FLOAT32}}),
        "not a multiple of the block count");
}

// ---------------------------------------------------------------------------------------------------------
// Quantized tensors and unsupported types
// ---------------------------------------------------------------------------------------------------------

TEST(ShapeKernels, QuantizedTensorsPassOnlyWithEqualQuantization) {
    QuantSpec q;
    q.scale = {0.1f};
    q.zeroPoint = {5};
    In in = values(fb::TensorType::UINT8, {2, 3}, std::vector<uint8_t>{1, 2, 3, 4, 5, 6}, false);
    in.quant = q;
    Result same = run(B::TRANSPOSE, {in, ints({1, 0})}, {{fb::TensorType::UINT8, q}});
    EXPECT_OK(same);
    EXPECT_EQ(as<uint8_t>(same.data[0]), (std::vector<uint8_t>{1, 4, 2, 5, 3, 6}));
    QuantSpec other = q;
    other.scale = {0.2f};
    Result differs = run(B::TRANSPOSE, {in, ints({1, 0})}, {{fb::TensorType::UINT8, other}});
    EXPECT_ERROR(differs, "requantizing is not supported");
    EXPECT_EQ(differs.status.code(), ErrorCode::Unsupported);
    EXPECT_ERROR(
        run(B::PACK, {in, in}, {{fb::TensorType::UINT8, other}}, fb::BuiltinOptions::PackOptions,
            [](flatbuffers::FlatBufferBuilder& f) { return fb::CreatePackOptions(f, 2, 0).Union(); }),
        "requantizing");
    // An output without quantization parameters takes the bytes as they are.
    Result plain = run(B::SLICE, {in, ints({0, 1}), ints({1, 2})}, {{fb::TensorType::UINT8}});
    EXPECT_OK(plain);
    EXPECT_EQ(as<uint8_t>(plain.data[0]), (std::vector<uint8_t>{2, 3}));
    // Mismatched types and sub-byte types are refused.
    EXPECT_ERROR(run(B::TRANSPOSE, {in, ints({1, 0})}, {{fb::TensorType::INT8}}),
                 "differs from the output type");
    Result int4 = run(B::TILE, {{fb::TensorType::INT4, {2}, Bytes(1), false, std::nullopt, false}, ints({2})},
                      {{fb::TensorType::INT4}});
    EXPECT_EQ(int4.status.code(), ErrorCode::Unsupported) << int4.status.message();
}

TEST(ShapeKernels, Uint8ConcatenationRequantizesLikeTflite) {
    // TFLite rescales UINT8 inputs whose quantization differs from the output's: round(q * s + b) + zp_out
    // with s = scale_in / scale_out and b = -zp_in * s, in float, clamped to [0, 255].
    QuantSpec qa, qb, qo;
    qa.scale = {0.0314568f}, qa.zeroPoint = {138};
    qb.scale = {0.0790279f}, qb.zeroPoint = {191};  // same as the output: copied as is
    qo.scale = {0.0790279f}, qo.zeroPoint = {191};
    std::vector<uint8_t> a(256), b = {0, 7, 255};
    std::iota(a.begin(), a.end(), 0);
    In ina = values(fb::TensorType::UINT8, {256, 1}, a, false);
    ina.quant = qa;
    In inb = values(fb::TensorType::UINT8, {3, 1}, b, true);
    inb.quant = qb;
    Result r = run(B::CONCATENATION, {ina, inb}, {{fb::TensorType::UINT8, qo}});
    EXPECT_OK(r);
    std::vector<uint8_t> expected;
    const float s = qa.scale[0] * (1.f / qo.scale[0]);
    const float bias = -138 * s;
    for (uint8_t q : a) {
        const int v = static_cast<int>(std::round(q * s + bias)) + 191;
        expected.push_back(static_cast<uint8_t>(std::min(255, std::max(0, v))));
    }
    expected.insert(expected.end(), b.begin(), b.end());
    EXPECT_EQ(as<uint8_t>(r.data[0]), expected);
    EXPECT_EQ(expected[0], 136);    // real -4.34 -> 191 - 55
    EXPECT_EQ(expected[255], 238);  // real 3.68 -> 191 + 47
    // INT8 must match, as in TFLite.
    In i8 = values(fb::TensorType::INT8, {1}, std::vector<int8_t>{1}, false);
    i8.quant = qa;
    EXPECT_ERROR(run(B::CONCATENATION, {i8, i8}, {{fb::TensorType::INT8, qo}}), "requantizing");
}

TEST(ShapeKernels, ReshapeOfStringsCopiesThePackedBuffer) {
    // TFLite's packed layout: count, count + 1 offsets, then the characters ("ab", "c").
    std::vector<int32_t> header = {2, 16, 18, 19};
    Bytes packed = toBytes(header);
    packed.insert(packed.end(), {'a', 'b', 'c'});
    SingleOpModel m(B::RESHAPE);
    m.addInput(fb::TensorType::STRING, {2});
    m.addConstInput<int32_t>(fb::TensorType::INT32, {2}, {1, 2});
    m.addOutput(fb::TensorType::STRING);
    ASSERT_TRUE(m.build().isOk());
    RuntimeTensor& in = m.inputTensor(0);
    in.data = packed.data();  // strings are set by the caller
    in.bytes = packed.size();
    Status s = m.invoke();
    ASSERT_TRUE(s.isOk()) << s.message();
    EXPECT_EQ(m.outputShape(0), (Dims{1, 2}));
    EXPECT_EQ(m.output<uint8_t>(0), packed);
}

}  // namespace
}  // namespace litescope::test

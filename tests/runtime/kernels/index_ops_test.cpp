// Index-driven kernels against plain loops over random shapes: GATHER (axis, batch_dims, int32/int64
// indices), GATHER_ND, SCATTER_ND, EMBEDDING_LOOKUP, WHERE, ARG_MAX/ARG_MIN, TOPK_V2 (ties), CUMSUM and
// SEGMENT_SUM, plus the clean errors that out-of-range indices and unsorted segment ids must give (a fuzzing
// model included).
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <numeric>
#include <random>

#include "tests/support/byte_op_harness.h"
#include "tests/support/shared_data.h"
#include "tests/support/test_values.h"

namespace litescope::test {
namespace {

// ---------------------------------------------------------------------------------------------------------
// Operands and element types of these tests (the harness is tests/support/byte_op_harness.h)
// ---------------------------------------------------------------------------------------------------------

In floats(Dims shape, const std::vector<float>& v, bool constant = false) {
    return values(fb::TensorType::FLOAT32, std::move(shape), v, constant);
}
In ints(Dims shape, const std::vector<int32_t>& v, bool constant = false) {
    return values(fb::TensorType::INT32, std::move(shape), v, constant);
}
In scalar(int32_t v, bool constant = true) {
    return ints({}, {v}, constant);
}

const Elem kElems[] = {{fb::TensorType::INT8, 1},
                       {fb::TensorType::INT16, 2},
                       {fb::TensorType::FLOAT32, 4},
                       {fb::TensorType::INT64, 8},
                       {fb::TensorType::BOOL, 1}};

// Index operands as INT32 or INT64.
In indexTensor(bool wide, Dims shape, const std::vector<int64_t>& v, bool constant = false) {
    if (wide) return values(fb::TensorType::INT64, std::move(shape), v, constant);
    return values(fb::TensorType::INT32, std::move(shape), std::vector<int32_t>(v.begin(), v.end()),
                  constant);
}

// ---------------------------------------------------------------------------------------------------------
// GATHER, GATHER_ND, EMBEDDING_LOOKUP
// ---------------------------------------------------------------------------------------------------------

OptionsFn gatherOptions(int32_t axis, int32_t batchDims) {
    return [=](flatbuffers::FlatBufferBuilder& f) {
        return fb::CreateGatherOptions(f, axis, batchDims).Union();
    };
}

TEST(IndexKernels, GatherMatchesReferenceWithAxisAndBatchDims) {
    std::mt19937 rng(21);
    for (int trial = 0; trial < 80; ++trial) {
        const Elem e = kElems[rng() % std::size(kElems)];
        const Dims params = randomShape(rng, 1, 4, 4);
        const int pr = static_cast<int>(params.size());
        const int axis = static_cast<int>(rng() % static_cast<unsigned>(pr));
        const int batchDims = static_cast<int>(rng() % static_cast<unsigned>(axis + 1));
        // indices: the batch dimensions of params, then up to two more.
        Dims indices(params.begin(), params.begin() + batchDims);
        for (int k = static_cast<int>(rng() % 3); k > 0; --k)
            indices.push_back(1 + static_cast<int32_t>(rng() % 3));
        std::vector<int64_t> idx(static_cast<size_t>(elementCount(indices)));
        for (auto& v : idx)
            v = static_cast<int64_t>(rng() % static_cast<unsigned>(params[static_cast<size_t>(axis)]));
        Dims out(params.begin(), params.begin() + axis);
        out.insert(out.end(), indices.begin() + batchDims, indices.end());
        out.insert(out.end(), params.begin() + axis + 1, params.end());
        const Bytes data = randomBytes(rng, e, elementCount(params));
        // out[batch.., outer.., i.., inner..] = params[batch.., outer.., indices[batch.., i..], inner..]
        auto source = [&](int64_t i) {
            const auto o = unravel(i, out);
            const int ni = static_cast<int>(indices.size()) - batchDims;
            std::vector<int64_t> at(o.begin(), o.begin() + batchDims);
            at.insert(at.end(), o.begin() + axis, o.begin() + axis + ni);
            std::vector<int64_t> p(o.begin(), o.begin() + axis);
            p.push_back(idx[static_cast<size_t>(ravel(at, indices))]);
            p.insert(p.end(), o.begin() + axis + ni, o.end());
            return ravel(p, params);
        };
        // Negative axis and batch_dims count from the end of params and indices.
        const int32_t axisOption = rng() % 2 ? axis - pr : axis;
        const auto ir = static_cast<int32_t>(indices.size());
        const int32_t batchOption = batchDims < ir && rng() % 2 ? batchDims - ir : batchDims;
        Result r = run(
            B::GATHER,
            {In(e.type, params, data, trial % 3 == 0), indexTensor(trial % 2, indices, idx, trial % 4 == 0)},
            {Out(e.type)}, fb::BuiltinOptions::GatherOptions, gatherOptions(axisOption, batchOption));
        EXPECT_OK(r);
        EXPECT_EQ(r.shapes[0], out);
        EXPECT_EQ(r.data[0], gather(data, e.size, elementCount(out), source)) << "trial " << trial;
    }
}

TEST(IndexKernels, GatherOutOfRangeIndexIsAnEvalError) {
    const In params = floats({3, 2}, {1, 2, 3, 4, 5, 6});
    for (bool wide : {false, true}) {
        for (int64_t bad : {3, -1}) {
            Result r =
                run(B::GATHER, {params, indexTensor(wide, {2}, {0, bad})}, {Out(fb::TensorType::FLOAT32)});
            EXPECT_ERROR(r, "index " + std::to_string(bad) + " (indices element 1) is out of range [0, 3)");
        }
    }
    // Constant indices fail the same way, at invoke.
    EXPECT_ERROR(run(B::GATHER, {params, indexTensor(false, {1}, {7}, true)}, {Out(fb::TensorType::FLOAT32)}),
                 "index 7");
    EXPECT_ERROR(run(B::GATHER, {params, indexTensor(false, {1}, {0})}, {Out(fb::TensorType::FLOAT32)},
                     fb::BuiltinOptions::GatherOptions, gatherOptions(2, 0)),
                 "axis 2 is out of range");
    EXPECT_ERROR(run(B::GATHER, {params, indexTensor(false, {3, 1}, {0, 1, 2})},
                     {Out(fb::TensorType::FLOAT32)}, fb::BuiltinOptions::GatherOptions, gatherOptions(0, 1)),
                 "batch_dims 1 exceeds axis 0");
}

TEST(IndexKernels, MaliciousGatherModelFailsCleanly) {
    // TFLite's reference interpreter crashes on this fuzzing seed: a constant index of 100000 into [3,4]
    // params.
    auto model =
        Model::fromFile(modelPath("tflite-micro/testing/fuzzing/seed_corpus/malicious_gather.tflite"));
    ASSERT_TRUE(model.isOk()) << model.message();
    auto interpreter = Interpreter::create(*model, {});
    ASSERT_TRUE(interpreter.isOk()) << interpreter.message();
    Interpreter& ip = **interpreter;
    ASSERT_TRUE(ip.prepare().isOk());
    std::memset(ip.input(0).data, 0, ip.input(0).bytes);
    Status s = ip.invoke();
    ASSERT_FALSE(s.isOk());
    EXPECT_EQ(s.code(), ErrorCode::Runtime);
    EXPECT_NE(s.message().find("(GATHER): index 100000"), std::string::npos) << s.message();
    EXPECT_NE(s.message().find("[0, 3)"), std::string::npos) << s.message();
}

TEST(IndexKernels, GatherNdMatchesReference) {
    std::mt19937 rng(22);
    for (int trial = 0; trial < 60; ++trial) {
        const Elem e = kElems[rng() % std::size(kElems)];
        const Dims params = randomShape(rng, 1, 4, 4);
        const int depth = 1 + static_cast<int>(rng() % params.size());
        Dims indices = randomShape(rng, 0, 2, 3);
        const int64_t lookups = elementCount(indices);
        indices.push_back(depth);
        std::vector<int64_t> idx;
        for (int64_t k = 0; k < lookups; ++k)
            for (int j = 0; j < depth; ++j)
                idx.push_back(
                    static_cast<int64_t>(rng() % static_cast<unsigned>(params[static_cast<size_t>(j)])));
        Dims out(indices.begin(), indices.end() - 1);
        out.insert(out.end(), params.begin() + depth, params.end());
        const Dims slice(params.begin() + depth, params.end());
        const Bytes data = randomBytes(rng, e, elementCount(params));
        auto source = [&](int64_t i) {
            const int64_t k = i / elementCount(slice);
            std::vector<int64_t> p(idx.begin() + k * depth, idx.begin() + (k + 1) * depth);
            const auto rest = unravel(i % elementCount(slice), slice);
            p.insert(p.end(), rest.begin(), rest.end());
            return ravel(p, params);
        };
        Result r = run(B::GATHER_ND,
                       {In(e.type, params, data), indexTensor(trial % 2, indices, idx, trial % 3 == 0)},
                       {Out(e.type)});
        EXPECT_OK(r);
        EXPECT_EQ(r.shapes[0], out);
        EXPECT_EQ(r.data[0], gather(data, e.size, elementCount(out), source)) << "trial " << trial;
    }
    EXPECT_ERROR(
        run(B::GATHER_ND, {floats({2, 4}, std::vector<float>(8)), indexTensor(false, {1, 2}, {1, 4})},
            {Out(fb::TensorType::FLOAT32)}),
        "index 4 (indices element 1) is out of range [0, 4) for dimension 1");
    EXPECT_ERROR(
        run(B::GATHER_ND, {floats({2, 4}, std::vector<float>(8)), indexTensor(false, {1, 3}, {0, 0, 0})},
            {Out(fb::TensorType::FLOAT32)}),
        "exceeds the params rank");
}

TEST(IndexKernels, EmbeddingLookupCopiesRows) {
    std::mt19937 rng(23);
    for (int trial = 0; trial < 20; ++trial) {
        const Elem e = kElems[rng() % std::size(kElems)];
        Dims value = randomShape(rng, 2, 4, 4);
        std::vector<int64_t> ids(1 + rng() % 5);
        for (auto& id : ids)
            id = static_cast<int64_t>(rng() % static_cast<unsigned>(value[0]));
        const Bytes data = randomBytes(rng, e, elementCount(value));
        Dims out = value;
        out[0] = static_cast<int32_t>(ids.size());
        const int64_t row = elementCount(value) / value[0];
        Result r = run(B::EMBEDDING_LOOKUP,
                       {indexTensor(false, {out[0]}, ids), In(e.type, value, data, true)}, {Out(e.type)});
        EXPECT_OK(r);
        EXPECT_EQ(r.shapes[0], out);
        EXPECT_EQ(r.data[0], gather(data, e.size, elementCount(out), [&](int64_t i) {
                      return ids[static_cast<size_t>(i / row)] * row + i % row;
                  }));
    }
    EXPECT_ERROR(
        run(B::EMBEDDING_LOOKUP, {indexTensor(false, {2}, {0, 3}), floats({3, 2}, std::vector<float>(6))},
            {Out(fb::TensorType::FLOAT32)}),
        "id 3 (ids element 1) is out of range [0, 3)");
}

// ---------------------------------------------------------------------------------------------------------
// SCATTER_ND
// ---------------------------------------------------------------------------------------------------------

TEST(IndexKernels, ScatterNdAddsUpdatesAndSumsDuplicates) {
    std::mt19937 rng(24);
    for (int trial = 0; trial < 40; ++trial) {
        const Dims shape = randomShape(rng, 1, 4, 4);
        const int depth = 1 + static_cast<int>(rng() % shape.size());
        Dims indices = randomShape(rng, 0, 2, 4);
        const int64_t lookups = elementCount(indices);
        indices.push_back(depth);
        std::vector<int64_t> idx;
        for (int64_t k = 0; k < lookups; ++k)
            for (int j = 0; j < depth; ++j)
                idx.push_back(
                    static_cast<int64_t>(rng() % static_cast<unsigned>(shape[static_cast<size_t>(j)])));
        Dims updates(indices.begin(), indices.end() - 1);
        updates.insert(updates.end(), shape.begin() + depth, shape.end());
        const int64_t slice = elementCount(shape) / elementCount(Dims(shape.begin(), shape.begin() + depth));
        std::vector<float> upd(static_cast<size_t>(elementCount(updates)));
        std::vector<int32_t> updInt(upd.size());
        for (size_t i = 0; i < upd.size(); ++i)
            upd[i] = static_cast<float>(updInt[i] = static_cast<int32_t>(rng() % 100) - 50);
        // Plain loop: start from zeros and add every update slice where its index points.
        std::vector<float> expected(static_cast<size_t>(elementCount(shape)));
        for (int64_t k = 0; k < lookups; ++k) {
            std::vector<int64_t> at(idx.begin() + k * depth, idx.begin() + (k + 1) * depth);
            at.resize(shape.size(), 0);
            const int64_t base = ravel(at, shape);
            for (int64_t j = 0; j < slice; ++j)
                expected[static_cast<size_t>(base + j)] += upd[static_cast<size_t>(k * slice + j)];
        }
        const bool wide = trial % 2 == 1;
        std::vector<int64_t> shapeValues(shape.begin(), shape.end());
        const In shapeIn =
            indexTensor(wide, {static_cast<int32_t>(shape.size())}, shapeValues, trial % 3 != 0);
        Result r = run(B::SCATTER_ND, {indexTensor(wide, indices, idx), floats(updates, upd), shapeIn},
                       {Out(fb::TensorType::FLOAT32)});
        EXPECT_OK(r);
        EXPECT_EQ(r.shapes[0], shape);
        EXPECT_EQ(as<float>(r.data[0]), expected) << "trial " << trial;
        Result ri = run(B::SCATTER_ND, {indexTensor(wide, indices, idx), ints(updates, updInt), shapeIn},
                        {Out(fb::TensorType::INT32)});
        EXPECT_OK(ri);
        std::vector<int32_t> expectedInt(expected.begin(), expected.end());
        EXPECT_EQ(as<int32_t>(ri.data[0]), expectedInt);
    }
    EXPECT_ERROR(run(B::SCATTER_ND,
                     {indexTensor(false, {2, 1}, {1, 5}), floats({2}, {1, 2}), indexTensor(false, {1}, {5})},
                     {Out(fb::TensorType::FLOAT32)}),
                 "index 5 (indices element 1) is out of range [0, 5)");
    EXPECT_ERROR(
        run(B::SCATTER_ND,
            {indexTensor(false, {2, 1}, {1, 2}), floats({3}, {1, 2, 3}), indexTensor(false, {1}, {5})},
            {Out(fb::TensorType::FLOAT32)}),
        "does not match");
}

// ---------------------------------------------------------------------------------------------------------
// WHERE
// ---------------------------------------------------------------------------------------------------------

TEST(IndexKernels, WhereListsCoordinatesOfTrueElements) {
    std::mt19937 rng(25);
    for (int trial = 0; trial < 30; ++trial) {
        const Dims shape = randomShape(rng, 0, 4, 4);
        const int64_t n = elementCount(shape);
        std::vector<uint8_t> cond(static_cast<size_t>(n));
        std::vector<float> condF(cond.size());
        for (size_t i = 0; i < cond.size(); ++i) {
            cond[i] = rng() % 3 == 0;
            condF[i] = cond[i] ? static_cast<float>(rng() % 5) - 2.5f : (rng() % 2 ? 0.f : -0.f);
        }
        std::vector<int64_t> expected;
        for (int64_t i = 0; i < n; ++i)
            if (cond[static_cast<size_t>(i)]) {
                const auto idx = unravel(i, shape);
                expected.insert(expected.end(), idx.begin(), idx.end());
            }
        const Dims expectedShape = {static_cast<int32_t>(std::count(cond.begin(), cond.end(), 1)),
                                    static_cast<int32_t>(shape.size())};
        const bool constant = trial % 3 == 0;
        for (const In& in :
             {values(fb::TensorType::BOOL, shape, cond, constant), floats(shape, condF, constant)}) {
            Result r = run(B::WHERE, {in}, {Out(fb::TensorType::INT64)});
            EXPECT_OK(r);
            EXPECT_EQ(r.shapes[0], expectedShape);
            EXPECT_EQ(as<int64_t>(r.data[0]), expected);
        }
    }
    EXPECT_EQ(run(B::WHERE, {values(fb::TensorType::BOOL, {2}, std::vector<uint8_t>{1, 0})},
                  {Out(fb::TensorType::INT32)})
                  .status.code(),
              ErrorCode::Unsupported);
}

// ---------------------------------------------------------------------------------------------------------
// ARG_MAX, ARG_MIN
// ---------------------------------------------------------------------------------------------------------

TEST(IndexKernels, ArgMaxAndArgMinPickTheFirstExtreme) {
    std::mt19937 rng(26);
    for (int trial = 0; trial < 60; ++trial) {
        const Dims shape = randomShape(rng, 1, 4, 5);
        const int rank = static_cast<int>(shape.size());
        const int axis = static_cast<int>(rng() % static_cast<unsigned>(rank));
        // Few distinct values, so ties are common.
        std::vector<int32_t> v(static_cast<size_t>(elementCount(shape)));
        for (auto& x : v)
            x = static_cast<int32_t>(rng() % 4);
        Dims out = shape;
        out.erase(out.begin() + axis);
        const bool isMax = trial % 2 == 0;
        std::vector<int64_t> expected(static_cast<size_t>(elementCount(out)));
        for (int64_t i = 0; i < elementCount(out); ++i) {
            auto idx = unravel(i, out);
            idx.insert(idx.begin() + axis, 0);
            int64_t best = 0;
            for (int64_t k = 1; k < shape[static_cast<size_t>(axis)]; ++k) {
                auto cur = idx, top = idx;
                cur[static_cast<size_t>(axis)] = k;
                top[static_cast<size_t>(axis)] = best;
                const int32_t a = v[static_cast<size_t>(ravel(cur, shape))],
                              b = v[static_cast<size_t>(ravel(top, shape))];
                if (isMax ? a > b : a < b) best = k;
            }
            expected[static_cast<size_t>(i)] = best;
        }
        const bool wideOut = trial % 3 == 0;
        const fb::TensorType outType = wideOut ? fb::TensorType::INT64 : fb::TensorType::INT32;
        OptionsFn options = isMax ? OptionsFn([outType](flatbuffers::FlatBufferBuilder& f) {
            return fb::CreateArgMaxOptions(f, outType).Union();
        })
                                  : OptionsFn([outType](flatbuffers::FlatBufferBuilder& f) {
                                        return fb::CreateArgMinOptions(f, outType).Union();
                                    });
        const int32_t axisValue = rng() % 2 ? axis - rank : axis;
        // The same values as float, int32 and uint8.
        std::vector<float> vf(v.begin(), v.end());
        std::vector<uint8_t> vu(v.begin(), v.end());
        for (const In& in : {ints(shape, v), floats(shape, vf), values(fb::TensorType::UINT8, shape, vu)}) {
            Result r =
                run(isMax ? B::ARG_MAX : B::ARG_MIN, {in, scalar(axisValue, trial % 4 != 0)}, {Out(outType)},
                    isMax ? fb::BuiltinOptions::ArgMaxOptions : fb::BuiltinOptions::ArgMinOptions, options);
            EXPECT_OK(r);
            EXPECT_EQ(r.shapes[0], out);
            if (wideOut)
                EXPECT_EQ(as<int64_t>(r.data[0]), expected) << "trial " << trial;
            else
                EXPECT_EQ(as<int32_t>(r.data[0]), std::vector<int32_t>(expected.begin(), expected.end()))
                    << "trial " << trial;
        }
    }
    EXPECT_ERROR(
        run(B::ARG_MAX, {floats({2, 3}, std::vector<float>(6)), scalar(2)}, {Out(fb::TensorType::INT32)}),
        "out of range");
}

// ---------------------------------------------------------------------------------------------------------
// TOPK_V2
// ---------------------------------------------------------------------------------------------------------

TEST(IndexKernels, TopKSortsDescendingWithLowerIndexFirstOnTies) {
    std::mt19937 rng(27);
    for (int trial = 0; trial < 40; ++trial) {
        Dims shape = randomShape(rng, 1, 3, 6);
        const int64_t n = shape.back(), rows = elementCount(shape) / n;
        const int32_t k = static_cast<int32_t>(rng() % static_cast<unsigned>(n + 1));
        std::vector<float> v(static_cast<size_t>(elementCount(shape)));
        for (auto& x : v)
            x = static_cast<float>(rng() % 5);
        std::vector<float> topValues;
        std::vector<int32_t> indices;
        for (int64_t r = 0; r < rows; ++r) {
            // Selection by repeated scans: the largest value not taken yet, the first such index.
            std::vector<bool> taken(static_cast<size_t>(n));
            for (int32_t i = 0; i < k; ++i) {
                int64_t best = -1;
                for (int64_t j = 0; j < n; ++j)
                    if (!taken[static_cast<size_t>(j)] &&
                        (best < 0 ||
                         v[static_cast<size_t>(r * n + j)] > v[static_cast<size_t>(r * n + best)]))
                        best = j;
                taken[static_cast<size_t>(best)] = true;
                topValues.push_back(v[static_cast<size_t>(r * n + best)]);
                indices.push_back(static_cast<int32_t>(best));
            }
        }
        Dims out = shape;
        out.back() = k;
        Result r = run(B::TOPK_V2, {floats(shape, v), scalar(k, trial % 2 == 0)},
                       {Out(fb::TensorType::FLOAT32), Out(fb::TensorType::INT32)});
        EXPECT_OK(r);
        EXPECT_EQ(r.shapes[0], out);
        EXPECT_EQ(r.shapes[1], out);
        EXPECT_EQ(as<float>(r.data[0]), topValues) << "trial " << trial;
        EXPECT_EQ(as<int32_t>(r.data[1]), indices) << "trial " << trial;
        // Integer inputs, int64 indices.
        std::vector<int64_t> vl(v.begin(), v.end());
        Result rl = run(B::TOPK_V2, {values(fb::TensorType::INT64, shape, vl), scalar(k)},
                        {Out(fb::TensorType::INT64), Out(fb::TensorType::INT64)});
        EXPECT_OK(rl);
        EXPECT_EQ(as<int64_t>(rl.data[0]), std::vector<int64_t>(topValues.begin(), topValues.end()));
        EXPECT_EQ(as<int64_t>(rl.data[1]), std::vector<int64_t>(indices.begin(), indices.end()));
    }
    EXPECT_ERROR(run(B::TOPK_V2, {floats({2, 3}, std::vector<float>(6)), scalar(4, false)},
                     {Out(fb::TensorType::FLOAT32), Out(fb::TensorType::INT32)}),
                 "k 4 is out of range [0, 3]");
}

// ---------------------------------------------------------------------------------------------------------
// CUMSUM, SEGMENT_SUM
// ---------------------------------------------------------------------------------------------------------

TEST(IndexKernels, CumsumWithExclusiveAndReverse) {
    std::mt19937 rng(28);
    for (int trial = 0; trial < 40; ++trial) {
        const Dims shape = randomShape(rng, 1, 4, 5);
        const int rank = static_cast<int>(shape.size());
        const int axis = static_cast<int>(rng() % static_cast<unsigned>(rank));
        const bool exclusive = trial % 2 == 1, reverse = trial / 2 % 2 == 1;
        std::vector<int32_t> v(static_cast<size_t>(elementCount(shape)));
        for (auto& x : v)
            x = static_cast<int32_t>(rng() % 21) - 10;
        std::vector<int32_t> expected(v.size());
        for (int64_t i = 0; i < elementCount(shape); ++i) {
            // Sum of the elements before (or after, reversed) along the axis, this one included unless
            // exclusive.
            auto idx = unravel(i, shape);
            const int64_t at = idx[static_cast<size_t>(axis)];
            int32_t sum = 0;
            for (int64_t k = 0; k < shape[static_cast<size_t>(axis)]; ++k) {
                const bool counted =
                    reverse ? (exclusive ? k > at : k >= at) : (exclusive ? k < at : k <= at);
                if (!counted) continue;
                idx[static_cast<size_t>(axis)] = k;
                sum += v[static_cast<size_t>(ravel(idx, shape))];
            }
            expected[static_cast<size_t>(i)] = sum;
        }
        OptionsFn options = [exclusive, reverse](flatbuffers::FlatBufferBuilder& f) {
            return fb::CreateCumsumOptions(f, exclusive, reverse).Union();
        };
        const int32_t axisValue = rng() % 2 ? axis - rank : axis;
        Result r = run(B::CUMSUM, {ints(shape, v), scalar(axisValue, trial % 3 != 0)},
                       {Out(fb::TensorType::INT32)}, fb::BuiltinOptions::CumsumOptions, options);
        EXPECT_OK(r);
        EXPECT_EQ(r.shapes[0], shape);
        EXPECT_EQ(as<int32_t>(r.data[0]), expected) << "trial " << trial;
        std::vector<float> vf(v.begin(), v.end());
        Result rf = run(B::CUMSUM, {floats(shape, vf), scalar(axisValue)}, {Out(fb::TensorType::FLOAT32)},
                        fb::BuiltinOptions::CumsumOptions, options);
        EXPECT_OK(rf);
        EXPECT_EQ(as<float>(rf.data[0]), std::vector<float>(expected.begin(), expected.end()));
    }
}

TEST(IndexKernels, SegmentSumOverSortedIds) {
    std::mt19937 rng(29);
    for (int trial = 0; trial < 30; ++trial) {
        Dims shape = randomShape(rng, 1, 3, 4);
        std::vector<int32_t> ids(static_cast<size_t>(shape[0]));
        int32_t id = static_cast<int32_t>(rng() % 2);
        for (auto& x : ids)
            x = id += static_cast<int32_t>(rng() % 3);  // repeats and gaps
        const int64_t row = elementCount(shape) / shape[0];
        std::vector<float> v(static_cast<size_t>(elementCount(shape)));
        for (auto& x : v)
            x = static_cast<float>(rng() % 9) - 4;
        Dims out = shape;
        out[0] = ids.back() + 1;
        std::vector<float> expected(static_cast<size_t>(elementCount(out)));
        for (size_t r = 0; r < ids.size(); ++r)
            for (int64_t e = 0; e < row; ++e)
                expected[static_cast<size_t>(ids[r] * row + e)] +=
                    v[static_cast<size_t>(static_cast<int64_t>(r) * row + e)];
        Result res = run(B::SEGMENT_SUM, {floats(shape, v), ints({shape[0]}, ids, trial % 2 == 0)},
                         {Out(fb::TensorType::FLOAT32)});
        EXPECT_OK(res);
        EXPECT_EQ(res.shapes[0], out);
        EXPECT_EQ(as<float>(res.data[0]), expected) << "trial " << trial;
    }
    const In data = floats({3}, {1, 2, 3});
    EXPECT_ERROR(run(B::SEGMENT_SUM, {data, ints({3}, {0, 2, 1})}, {Out(fb::TensorType::FLOAT32)}),
                 "not sorted: 1 (element 2) follows 2");
    EXPECT_ERROR(run(B::SEGMENT_SUM, {data, ints({3}, {-1, 0, 0})}, {Out(fb::TensorType::FLOAT32)}),
                 "segment id -1");
    EXPECT_ERROR(run(B::SEGMENT_SUM, {data, ints({2}, {0, 0})}, {Out(fb::TensorType::FLOAT32)}),
                 "one id per row");
}

}  // namespace
}  // namespace litescope::test

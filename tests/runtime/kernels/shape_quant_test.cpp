// Data-movement kernels on quantized tensors (INT8, UINT8, INT16): every op moves the same elements it moves
// for INT32, padding takes the output's zero point (or PADV2's constant), and UINT8 concatenation rescales
// inputs quantized differently from its output as TFLite does, within one quantum of the float maths.
#include <gtest/gtest.h>

#include <cmath>
#include <numeric>

#include "tests/support/byte_op_harness.h"

namespace litescope::test {
namespace {

QuantSpec quant(float scale, int64_t zeroPoint) {
    QuantSpec q;
    q.scale = {scale};
    q.zeroPoint = {zeroPoint};
    return q;
}

In ints(const std::vector<int32_t>& v) {
    return values(fb::TensorType::INT32, {static_cast<int32_t>(v.size())}, v, true);
}

// The first operand as `type` with `q`, holding small values that fit every type.
template <typename T>
In quantizedOperand(fb::TensorType type, const Dims& shape, const std::vector<int32_t>& v,
                    const QuantSpec& q) {
    std::vector<T> t(v.begin(), v.end());
    In in = values(type, shape, t);
    in.quant = q;
    return in;
}

struct Case {
    const char* name;
    B op;
    Dims shape;
    std::vector<In> rest;  // operands after the first
    int outputs = 1;
    fb::BuiltinOptions optionsType = fb::BuiltinOptions::NONE;
    OptionsFn options = nullptr;
};

template <typename T>
void expectSameMovesAsInt32(fb::TensorType type, const QuantSpec& q, const Case& c) {
    int64_t n = 1;
    for (int32_t d : c.shape)
        n *= d;
    std::vector<int32_t> v(static_cast<size_t>(n));
    std::iota(v.begin(), v.end(), -static_cast<int32_t>(n / 2));
    std::vector<In> plain{values(fb::TensorType::INT32, c.shape, v)};
    std::vector<In> quantized{quantizedOperand<T>(type, c.shape, v, q)};
    for (const In& r : c.rest) {
        plain.push_back(r);
        quantized.push_back(r);
    }
    std::vector<Out> plainOuts, quantOuts;
    for (int i = 0; i < c.outputs; ++i) {
        plainOuts.emplace_back(fb::TensorType::INT32);
        quantOuts.emplace_back(type, q);
    }
    Result want = run(c.op, plain, plainOuts, c.optionsType, c.options);
    Result got = run(c.op, quantized, quantOuts, c.optionsType, c.options);
    ASSERT_TRUE(want.status.isOk()) << c.name << ": " << want.status.message();
    ASSERT_TRUE(got.status.isOk()) << c.name << ": " << got.status.message();
    ASSERT_EQ(got.data.size(), want.data.size()) << c.name;
    for (size_t i = 0; i < got.data.size(); ++i) {
        EXPECT_EQ(got.shapes[i], want.shapes[i]) << c.name;
        const auto w = as<int32_t>(want.data[i]);
        const auto g = as<T>(got.data[i]);
        EXPECT_EQ(std::vector<int32_t>(g.begin(), g.end()), w) << c.name << " output " << i;
    }
}

std::vector<Case> cases() {
    std::vector<Case> c;
    c.push_back({"RESHAPE", B::RESHAPE, {2, 3, 4}, {ints({4, 6})}});
    c.push_back({"SQUEEZE", B::SQUEEZE, {1, 6, 1}, {}});
    c.push_back({"EXPAND_DIMS", B::EXPAND_DIMS, {2, 3}, {ints({1})}});
    c.push_back({"TRANSPOSE", B::TRANSPOSE, {2, 3, 4}, {ints({2, 0, 1})}});
    c.push_back({"SLICE", B::SLICE, {3, 4, 2}, {ints({1, 1, 0}), ints({2, 2, 2})}});
    c.push_back({"STRIDED_SLICE", B::STRIDED_SLICE, {4, 6}, {ints({0, 5}), ints({4, 0}), ints({2, -2})}});
    c.push_back({"TILE", B::TILE, {2, 3}, {ints({2, 2})}});
    c.push_back({"REVERSE_V2", B::REVERSE_V2, {2, 3}, {ints({1})}});
    c.push_back({"GATHER", B::GATHER, {4, 3}, {ints({3, 0, 3})}});
    c.push_back({"GATHER_ND",
                 B::GATHER_ND,
                 {4, 3},
                 {values(fb::TensorType::INT32, {2, 2}, std::vector<int32_t>{1, 2, 3, 0}, true)}});
    c.push_back({"UNPACK",
                 B::UNPACK,
                 {3, 4},
                 {},
                 3,
                 fb::BuiltinOptions::UnpackOptions,
                 [](flatbuffers::FlatBufferBuilder& f) { return fb::CreateUnpackOptions(f, 3, 0).Union(); }});
    c.push_back(
        {"DEPTH_TO_SPACE",
         B::DEPTH_TO_SPACE,
         {1, 2, 2, 8},
         {},
         1,
         fb::BuiltinOptions::DepthToSpaceOptions,
         [](flatbuffers::FlatBufferBuilder& f) { return fb::CreateDepthToSpaceOptions(f, 2).Union(); }});
    c.push_back(
        {"SPACE_TO_DEPTH",
         B::SPACE_TO_DEPTH,
         {1, 4, 4, 2},
         {},
         1,
         fb::BuiltinOptions::SpaceToDepthOptions,
         [](flatbuffers::FlatBufferBuilder& f) { return fb::CreateSpaceToDepthOptions(f, 2).Union(); }});
    c.push_back(
        {"BATCH_TO_SPACE_ND",
         B::BATCH_TO_SPACE_ND,
         {4, 2, 2, 1},
         {ints({2, 2}), values(fb::TensorType::INT32, {2, 2}, std::vector<int32_t>{0, 1, 1, 0}, true)}});
    c.push_back({"MIRROR_PAD",
                 B::MIRROR_PAD,
                 {2, 3},
                 {values(fb::TensorType::INT32, {2, 2}, std::vector<int32_t>{1, 1, 2, 2}, true)},
                 1,
                 fb::BuiltinOptions::MirrorPadOptions,
                 [](flatbuffers::FlatBufferBuilder& f) {
                     return fb::CreateMirrorPadOptions(f, fb::MirrorPadMode::REFLECT).Union();
                 }});
    return c;
}

TEST(ShapeQuantKernels, Int8Uint8AndInt16TensorsMoveLikeInt32) {
    for (const Case& c : cases()) {
        expectSameMovesAsInt32<int8_t>(fb::TensorType::INT8, quant(0.5f, -3), c);
        expectSameMovesAsInt32<int16_t>(fb::TensorType::INT16, quant(0.25f, 0), c);
    }
    // UINT8 with values shifted to be non-negative.
    for (const Case& c : cases()) {
        int64_t n = 1;
        for (int32_t d : c.shape)
            n *= d;
        std::vector<int32_t> v(static_cast<size_t>(n));
        std::iota(v.begin(), v.end(), 100);
        std::vector<In> plain{values(fb::TensorType::INT32, c.shape, v)};
        std::vector<In> quantized{
            quantizedOperand<uint8_t>(fb::TensorType::UINT8, c.shape, v, quant(0.1f, 128))};
        for (const In& r : c.rest) {
            plain.push_back(r);
            quantized.push_back(r);
        }
        std::vector<Out> po, qo;
        for (int i = 0; i < c.outputs; ++i) {
            po.emplace_back(fb::TensorType::INT32);
            qo.emplace_back(fb::TensorType::UINT8, quant(0.1f, 128));
        }
        Result want = run(c.op, plain, po, c.optionsType, c.options);
        Result got = run(c.op, quantized, qo, c.optionsType, c.options);
        ASSERT_TRUE(got.status.isOk()) << c.name << ": " << got.status.message();
        for (size_t i = 0; i < got.data.size(); ++i) {
            const auto w = as<int32_t>(want.data[i]);
            const auto g = as<uint8_t>(got.data[i]);
            EXPECT_EQ(std::vector<int32_t>(g.begin(), g.end()), w) << c.name;
        }
    }
}

TEST(ShapeQuantKernels, SplitAndPackMoveQuantizedElements) {
    QuantSpec q = quant(0.5f, 1);
    In data = quantizedOperand<int8_t>(fb::TensorType::INT8, {2, 4}, {-4, -3, -2, -1, 0, 1, 2, 3}, q);
    Result split = run(B::SPLIT, {ints({1}), data}, {{fb::TensorType::INT8, q}, {fb::TensorType::INT8, q}},
                       fb::BuiltinOptions::SplitOptions, [](flatbuffers::FlatBufferBuilder& f) {
                           return fb::CreateSplitOptions(f, 2).Union();
                       });
    ASSERT_TRUE(split.status.isOk()) << split.status.message();
    EXPECT_EQ(as<int8_t>(split.data[0]), (std::vector<int8_t>{-4, -3, 0, 1}));
    EXPECT_EQ(as<int8_t>(split.data[1]), (std::vector<int8_t>{-2, -1, 2, 3}));
    Result pack =
        run(B::PACK, {data, data}, {{fb::TensorType::INT8, q}}, fb::BuiltinOptions::PackOptions,
            [](flatbuffers::FlatBufferBuilder& f) { return fb::CreatePackOptions(f, 2, 1).Union(); });
    ASSERT_TRUE(pack.status.isOk()) << pack.status.message();
    EXPECT_EQ(as<int8_t>(pack.data[0]),
              (std::vector<int8_t>{-4, -3, -2, -1, -4, -3, -2, -1, 0, 1, 2, 3, 0, 1, 2, 3}));
}

TEST(ShapeQuantKernels, PaddingTakesTheOutputZeroPointOrTheConstant) {
    QuantSpec q = quant(0.5f, -7);
    In data = quantizedOperand<int8_t>(fb::TensorType::INT8, {1, 2}, {10, 20}, q);
    In pads = values(fb::TensorType::INT32, {2, 2}, std::vector<int32_t>{0, 0, 1, 1}, true);
    Result pad = run(B::PAD, {data, pads}, {{fb::TensorType::INT8, q}});
    ASSERT_TRUE(pad.status.isOk()) << pad.status.message();
    EXPECT_EQ(as<int8_t>(pad.data[0]), (std::vector<int8_t>{-7, 10, 20, -7}));

    In value = values(fb::TensorType::INT8, {1}, std::vector<int8_t>{42}, true);
    value.quant = q;
    Result padv2 = run(B::PADV2, {data, pads, value}, {{fb::TensorType::INT8, q}});
    ASSERT_TRUE(padv2.status.isOk()) << padv2.status.message();
    EXPECT_EQ(as<int8_t>(padv2.data[0]), (std::vector<int8_t>{42, 10, 20, 42}));

    QuantSpec q16 = quant(0.25f, 0);
    In data16 = quantizedOperand<int16_t>(fb::TensorType::INT16, {1, 2}, {-300, 300}, q16);
    Result pad16 = run(B::PAD, {data16, pads}, {{fb::TensorType::INT16, q16}});
    ASSERT_TRUE(pad16.status.isOk()) << pad16.status.message();
    EXPECT_EQ(as<int16_t>(pad16.data[0]), (std::vector<int16_t>{0, -300, 300, 0}));

    QuantSpec qu = quant(0.1f, 128);
    In datau = quantizedOperand<uint8_t>(fb::TensorType::UINT8, {1, 2, 2, 1}, {1, 2, 3, 4}, qu);
    Result s2b = run(
        B::SPACE_TO_BATCH_ND,
        {datau, ints({2, 2}), values(fb::TensorType::INT32, {2, 2}, std::vector<int32_t>{0, 0, 1, 1}, true)},
        {{fb::TensorType::UINT8, qu}});
    ASSERT_TRUE(s2b.status.isOk()) << s2b.status.message();
    // Padded to [[p, 1, 2, p], [p, 3, 4, p]], then one batch per offset in the 2x2 block.
    EXPECT_EQ(as<uint8_t>(s2b.data[0]), (std::vector<uint8_t>{128, 2, 1, 128, 128, 4, 3, 128}));
}

TEST(ShapeQuantKernels, Uint8ConcatenationRescalesWithinAQuantumOfTheFloatMaths) {
    const QuantSpec a = quant(0.1f, 100), b = quant(0.037f, 3), out = quant(0.05f, 120);
    std::vector<int32_t> va(256), vb(256);
    std::iota(va.begin(), va.end(), 0);
    std::iota(vb.begin(), vb.end(), 0);
    In ia = quantizedOperand<uint8_t>(fb::TensorType::UINT8, {1, 256}, va, a);
    In ib = quantizedOperand<uint8_t>(fb::TensorType::UINT8, {1, 256}, vb, b);
    Result r = run(
        B::CONCATENATION, {ia, ib}, {{fb::TensorType::UINT8, out}}, fb::BuiltinOptions::ConcatenationOptions,
        [](flatbuffers::FlatBufferBuilder& f) { return fb::CreateConcatenationOptions(f, 0).Union(); });
    ASSERT_TRUE(r.status.isOk()) << r.status.message();
    const auto got = as<uint8_t>(r.data[0]);
    ASSERT_EQ(got.size(), 512u);
    for (int i = 0; i < 512; ++i) {
        const QuantSpec& q = i < 256 ? a : b;
        const double real = (i % 256 - q.zeroPoint[0]) * static_cast<double>(q.scale[0]);
        const double want = std::clamp(std::round(real / out.scale[0]) + out.zeroPoint[0], 0.0, 255.0);
        EXPECT_NEAR(got[static_cast<size_t>(i)], want, 1.0) << i;
    }
    // Same quantization on both sides: the bytes pass unchanged.
    Result same = run(
        B::CONCATENATION, {ia, ia}, {{fb::TensorType::UINT8, a}}, fb::BuiltinOptions::ConcatenationOptions,
        [](flatbuffers::FlatBufferBuilder& f) { return fb::CreateConcatenationOptions(f, 1).Union(); });
    ASSERT_TRUE(same.status.isOk()) << same.status.message();
    const auto s = as<uint8_t>(same.data[0]);
    for (int i = 0; i < 512; ++i)
        EXPECT_EQ(s[static_cast<size_t>(i)], i % 256);
}

TEST(ShapeQuantKernels, ArgMaxAndTopKReadQuantizedValues) {
    QuantSpec q = quant(0.1f, 0);
    In data = quantizedOperand<int8_t>(fb::TensorType::INT8, {2, 3}, {-5, 7, 7, 100, -128, 3}, q);
    Result argmax = run(B::ARG_MAX, {data, ints({1})}, {{fb::TensorType::INT32}},
                        fb::BuiltinOptions::ArgMaxOptions, [](flatbuffers::FlatBufferBuilder& f) {
                            return fb::CreateArgMaxOptions(f, fb::TensorType::INT32).Union();
                        });
    ASSERT_TRUE(argmax.status.isOk()) << argmax.status.message();
    EXPECT_EQ(as<int32_t>(argmax.data[0]), (std::vector<int32_t>{1, 0}));
    In datau = quantizedOperand<uint8_t>(fb::TensorType::UINT8, {4}, {9, 250, 3, 17}, quant(0.1f, 128));
    Result argmin = run(B::ARG_MIN, {datau, ints({0})}, {{fb::TensorType::INT64}},
                        fb::BuiltinOptions::ArgMinOptions, [](flatbuffers::FlatBufferBuilder& f) {
                            return fb::CreateArgMinOptions(f, fb::TensorType::INT64).Union();
                        });
    ASSERT_TRUE(argmin.status.isOk()) << argmin.status.message();
    EXPECT_EQ(as<int64_t>(argmin.data[0]), (std::vector<int64_t>{2}));
    Result topk = run(B::TOPK_V2, {datau, values(fb::TensorType::INT32, {}, std::vector<int32_t>{2}, true)},
                      {{fb::TensorType::UINT8, quant(0.1f, 128)}, {fb::TensorType::INT32}});
    ASSERT_TRUE(topk.status.isOk()) << topk.status.message();
    EXPECT_EQ(as<uint8_t>(topk.data[0]), (std::vector<uint8_t>{250, 17}));
    EXPECT_EQ(as<int32_t>(topk.data[1]), (std::vector<int32_t>{1, 3}));
}

}  // namespace
}  // namespace litescope::test

// Weight statistics against hand-computed values: float, float16, int8 per-tensor and per-channel (stored
// and dequantized), packed int4, sparse tensors, and the distinct-value cap.
#include "profiler/weight_stats.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "tests/support/model_builder.h"

namespace litescope::test {
namespace {

const Tensor& onlyTensor(const std::shared_ptr<const Model>& m, int index) {
    return m->subgraphs()[0].tensors[index];
}

std::shared_ptr<const Model> load(const ModelBuilder& b) {
    auto m = Model::fromBytes(b.build());
    EXPECT_TRUE(m.isOk()) << m.message();
    return m.isOk() ? *m : nullptr;
}

TEST(WeightStats, FloatValues) {
    ModelBuilder b;
    b.addConstant("w", {2, 3}, {0.f, -1.5f, 2.f, 0.f, 0.f, 2.f});
    auto m = load(b);
    auto s = computeWeightStats(onlyTensor(m, 0));
    ASSERT_TRUE(s);
    EXPECT_EQ(s->stored.count, 6);
    EXPECT_DOUBLE_EQ(s->stored.min, -1.5);
    EXPECT_DOUBLE_EQ(s->stored.max, 2.0);
    EXPECT_DOUBLE_EQ(s->stored.mean, 2.5 / 6);
    EXPECT_DOUBLE_EQ(s->stored.zeroFraction, 0.5);
    EXPECT_EQ(s->stored.distinctValues, 3);
    EXPECT_FALSE(s->real.has_value());  // not quantized
}

TEST(WeightStats, Float16IsDecoded) {
    ModelBuilder b;
    // 1.0 = 0x3c00, -2.0 = 0xc000, 0.5 = 0x3800, smallest subnormal 0x0001 = 2^-24
    b.addConstantBytes("h", fb::TensorType::FLOAT16, {4},
                       toBytes(std::vector<uint16_t>{0x3c00, 0xc000, 0x3800, 0x0001}));
    auto s = computeWeightStats(onlyTensor(load(b), 0));
    ASSERT_TRUE(s);
    EXPECT_DOUBLE_EQ(s->stored.min, -2.0);
    EXPECT_DOUBLE_EQ(s->stored.max, 1.0);
    EXPECT_DOUBLE_EQ(s->stored.mean, (1.0 - 2.0 + 0.5 + std::ldexp(1.0, -24)) / 4);
}

TEST(WeightStats, Int8PerTensorDequantizes) {
    ModelBuilder b;
    TensorSpec t;
    t.name = "q";
    t.type = fb::TensorType::INT8;
    t.shape = {4};
    t.buffer = b.addBuffer(toBytes(std::vector<int8_t>{-128, 0, 10, 127}));
    t.quant = QuantSpec{{0.5f}, {10}, {}, {}, 0};
    b.addTensor(t);
    auto s = computeWeightStats(onlyTensor(load(b), 0));
    ASSERT_TRUE(s && s->real);
    EXPECT_DOUBLE_EQ(s->stored.min, -128);
    EXPECT_DOUBLE_EQ(s->stored.max, 127);
    EXPECT_DOUBLE_EQ(s->stored.zeroFraction, 0.25);  // the stored 0
    EXPECT_DOUBLE_EQ(s->real->min, 0.5 * (-128 - 10));
    EXPECT_DOUBLE_EQ(s->real->max, 0.5 * (127 - 10));
    EXPECT_DOUBLE_EQ(s->real->zeroFraction, 0.25);  // q == zero point
    EXPECT_EQ(s->stored.distinctValues, 4);
}

TEST(WeightStats, Int8PerChannelUsesEachChannelsScale) {
    ModelBuilder b;
    TensorSpec t;
    t.name = "w";
    t.type = fb::TensorType::INT8;
    t.shape = {2, 3};  // channels along dimension 0
    t.buffer = b.addBuffer(toBytes(std::vector<int8_t>{1, 2, 3, 1, 2, 3}));
    t.quant = QuantSpec{{1.f, 10.f}, {0, 0}, {}, {}, 0};
    b.addTensor(t);
    auto s = computeWeightStats(onlyTensor(load(b), 0));
    ASSERT_TRUE(s && s->real);
    EXPECT_DOUBLE_EQ(s->real->min, 1.0);
    EXPECT_DOUBLE_EQ(s->real->max, 30.0);
    EXPECT_DOUBLE_EQ(s->real->mean, (6.0 + 60.0) / 6);
}

TEST(WeightStats, PerChannelAlongTheLastDimension) {
    ModelBuilder b;
    TensorSpec t;
    t.name = "dw";
    t.type = fb::TensorType::INT8;
    t.shape = {1, 2, 2};  // channels along dimension 2: elements alternate channel 0, 1
    t.buffer = b.addBuffer(toBytes(std::vector<int8_t>{1, 1, 2, 2}));
    t.quant = QuantSpec{{1.f, 100.f}, {0, 0}, {}, {}, 2};
    b.addTensor(t);
    auto s = computeWeightStats(onlyTensor(load(b), 0));
    ASSERT_TRUE(s && s->real);
    EXPECT_DOUBLE_EQ(s->real->min, 1.0);
    EXPECT_DOUBLE_EQ(s->real->max, 200.0);
}

TEST(WeightStats, PackedInt4LowNibbleFirst) {
    ModelBuilder b;
    // values 1, -1, 7, -8, 0 packed two per byte, low nibble first: 0xF1, 0x87, 0x00
    b.addConstantBytes("i4", fb::TensorType::INT4, {5}, {0xF1, 0x87, 0x00});
    auto s = computeWeightStats(onlyTensor(load(b), 0));
    ASSERT_TRUE(s);
    EXPECT_EQ(s->stored.count, 5);
    EXPECT_DOUBLE_EQ(s->stored.min, -8);
    EXPECT_DOUBLE_EQ(s->stored.max, 7);
    EXPECT_DOUBLE_EQ(s->stored.mean, (1 - 1 + 7 - 8 + 0) / 5.0);
    EXPECT_EQ(s->stored.distinctValues, 5);
}

TEST(WeightStats, SparseTensorCountsOmittedValuesAsZeros) {
    ModelBuilder b;
    TensorSpec t;
    t.name = "sparse";
    t.shape = {2, 3};
    t.buffer = b.addBuffer(toBytes(std::vector<float>{4.f, 8.f}));
    SparsitySpec sp;
    sp.traversalOrder = {0, 1};
    sp.dims = {{false, 2, {}, {}, false}, {true, 0, {0, 1, 2}, {1, 2}, false}};
    t.sparsity = sp;
    b.addTensor(t);
    auto s = computeWeightStats(onlyTensor(load(b), 0));
    ASSERT_TRUE(s);
    EXPECT_EQ(s->stored.count, 2);
    EXPECT_DOUBLE_EQ(s->stored.mean, 6.0);
    EXPECT_DOUBLE_EQ(s->stored.zeroFraction, 4.0 / 6.0);
}

TEST(WeightStats, DistinctValuesAreCappedForWideTypes) {
    ModelBuilder b;
    std::vector<float> many(1000), few(1000);
    for (int i = 0; i < 1000; ++i) {
        many[i] = static_cast<float>(i);
        few[i] = static_cast<float>(i % 16);  // a clustered weight: 16 centroids
    }
    b.addConstant("many", {1000}, many);
    b.addConstant("few", {1000}, few);
    auto m = load(b);
    EXPECT_FALSE(computeWeightStats(onlyTensor(m, 0))->stored.distinctValues.has_value());
    EXPECT_EQ(computeWeightStats(onlyTensor(m, 1))->stored.distinctValues, 16);
}

TEST(WeightStats, NonFiniteValuesAreCountedApart) {
    ModelBuilder b;
    b.addConstant("nan", {3},
                  {1.f, std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity()});
    auto s = computeWeightStats(onlyTensor(load(b), 0));
    ASSERT_TRUE(s);
    EXPECT_EQ(s->stored.nonFinite, 2);
    EXPECT_DOUBLE_EQ(s->stored.max, 1.0);
}

TEST(WeightStats, NoStatsWithoutConstantData) {
    ModelBuilder b;
    b.addTensor("activation", fb::TensorType::FLOAT32, {4});
    b.addConstantBytes("text", fb::TensorType::STRING, {1}, {1, 0, 0, 0, 12, 0, 0, 0, 13, 0, 0, 0, 'x'});
    auto m = load(b);
    EXPECT_FALSE(computeWeightStats(onlyTensor(m, 0)).has_value());
    EXPECT_FALSE(computeWeightStats(onlyTensor(m, 1)).has_value());
}

}  // namespace
}  // namespace litescope::test

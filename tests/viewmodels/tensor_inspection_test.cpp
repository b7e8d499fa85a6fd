// The inspector's plain data on real tensors: per-channel ranges, histograms that account for every value,
// statistics that agree with computeWeightStats, sparse and float tensors, operators with omitted inputs.
#include "viewmodels/tensor_inspection.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <map>

#include "profiler/weight_stats.h"
#include "tests/support/shared_data.h"

// Readable QString values in failure messages.
static void PrintTo(const QString& s, std::ostream* os) {
    *os << '"' << s.toStdString() << '"';
}

namespace litescope {
namespace {

constexpr const char* kVww =
    "mlcommons-tiny/v0.1/training/visual_wake_words/trained_models/vww_96_int8.tflite";
constexpr const char* kFaceFloat =
    "mediapipe/mediapipe/modules/face_detection/face_detection_full_range.tflite";
constexpr const char* kFaceSparse =
    "mediapipe/mediapipe/modules/face_detection/face_detection_full_range_sparse.tflite";
constexpr const char* kWhile = "litert/tflite/testdata/multi_subgraphs_while.bin";
constexpr const char* kLstm = "tflite-micro/tensorflow/lite/micro/examples/mnist_lstm/trained_lstm.tflite";
constexpr const char* kMobilenetV2Ptq = "coral-test_data/tf2_mobilenet_v2_1.0_224_ptq.tflite";

std::shared_ptr<const Model> load(const char* relative) {
    auto model = Model::fromFile(test::modelPath(relative));
    EXPECT_TRUE(model.isOk()) << relative << ": " << model.message();
    return model.isOk() ? model.value() : nullptr;
}

const PropertyRow* property(const std::vector<PropertyRow>& rows, const QString& name) {
    for (const PropertyRow& row : rows)
        if (row.name == name) return &row;
    return nullptr;
}

TEST(TensorInspection, PerChannelConvolutionWeights) {
    auto model = load(kVww);
    ASSERT_TRUE(model);
    // Tensor 44: the first CONV_2D's [8,3,3,3] int8 weights, one scale per output channel (dimension 0).
    const Tensor& t = model->subgraphs()[0].tensors[44];
    const TensorInspection r = inspectTensor(*model, 0, 44);
    ASSERT_TRUE(r.valid);
    EXPECT_EQ(r.typeName, "INT8");
    EXPECT_EQ(r.kind, TensorKind::Constant);
    EXPECT_TRUE(r.perChannel);
    EXPECT_EQ(r.quantizedDimension, 0);
    ASSERT_TRUE(r.range);
    EXPECT_EQ(r.range->min, -128);
    EXPECT_EQ(r.range->max, 127);
    ASSERT_EQ(r.channels.size(), 8u);
    for (size_t c = 0; c < r.channels.size(); ++c) {
        const ChannelQuantization& ch = r.channels[c];
        EXPECT_EQ(ch.channel, static_cast<int64_t>(c));
        EXPECT_EQ(ch.scale, static_cast<double>(t.quantization.scale[c]));
        EXPECT_EQ(ch.zeroPoint, t.quantization.zeroPoint[c]);
        EXPECT_DOUBLE_EQ(ch.realMin, ch.scale * (-128.0 - static_cast<double>(ch.zeroPoint)));
        EXPECT_DOUBLE_EQ(ch.realMax, ch.scale * (127.0 - static_cast<double>(ch.zeroPoint)));
        // The weights of channel c are elements [c*27, (c+1)*27).
        double lo = INFINITY, hi = -INFINITY;
        for (int i = 0; i < 27; ++i) {
            const double v = static_cast<int8_t>(t.data[c * 27 + static_cast<size_t>(i)]);
            lo = std::min(lo, ch.scale * (v - static_cast<double>(ch.zeroPoint)));
            hi = std::max(hi, ch.scale * (v - static_cast<double>(ch.zeroPoint)));
        }
        EXPECT_DOUBLE_EQ(ch.usedMin, lo) << "channel " << c;
        EXPECT_DOUBLE_EQ(ch.usedMax, hi) << "channel " << c;
        EXPECT_GE(ch.usedMin, ch.realMin);
        EXPECT_LE(ch.usedMax, ch.realMax);
    }
    EXPECT_EQ(r.fileOffset, std::optional<uint64_t>(197024));
    EXPECT_EQ(r.storedBytes, 216);

    const auto stats = computeWeightStats(t);
    ASSERT_TRUE(stats && stats->real);
    EXPECT_DOUBLE_EQ(r.zeroFraction, stats->real->zeroFraction);
    ASSERT_TRUE(r.distinctValues);
    EXPECT_EQ(*r.distinctValues, 127);  // `litescope inspect` says 127 too

    // Stored integers: one bin per value from the smallest to the largest used.
    ASSERT_TRUE(r.storedHistogram);
    const Histogram& stored = *r.storedHistogram;
    EXPECT_TRUE(stored.integerBins);
    EXPECT_EQ(stored.total(), t.elementCount);
    EXPECT_EQ(stored.firstValue, stats->stored.min);
    EXPECT_EQ(static_cast<double>(stored.counts.size()), stats->stored.max - stats->stored.min + 1);
    std::map<int, int64_t> expected;
    for (uint8_t byte : t.data)
        ++expected[static_cast<int8_t>(byte)];
    for (size_t k = 0; k < stored.counts.size(); ++k) {
        const int value = static_cast<int>(stored.firstValue) + static_cast<int>(k);
        EXPECT_EQ(stored.counts[k], expected.count(value) ? expected[value] : 0) << "value " << value;
    }
    // Real values, dequantized channel by channel: equal-width bins from the smallest to the largest.
    ASSERT_TRUE(r.realHistogram);
    EXPECT_FALSE(r.realHistogram->integerBins);
    EXPECT_EQ(r.realHistogram->counts.size(), static_cast<size_t>(kHistogramBins));
    EXPECT_EQ(r.realHistogram->total(), t.elementCount);
    EXPECT_DOUBLE_EQ(r.realHistogram->lowerBound, stats->real->min);
    EXPECT_NEAR(r.realHistogram->upperBound(), stats->real->max, 1e-12);

    ASSERT_TRUE(property(r.properties, "Quantized dimension"));
    EXPECT_EQ(property(r.properties, "Quantization")->value, "per-channel: 8 scales, dim 0");
    EXPECT_EQ(property(r.properties, "Distinct values")->value, "127");
}

TEST(TensorInspection, PerChannelAlongTheLastDimension) {
    auto model = load(kVww);
    ASSERT_TRUE(model);
    // Tensor 5: depthwise weights [1,3,3,8] quantized along dimension 3, so channels interleave.
    const Tensor& t = model->subgraphs()[0].tensors[5];
    const TensorInspection r = inspectTensor(*model, 0, 5);
    ASSERT_EQ(r.channels.size(), 8u);
    EXPECT_EQ(r.quantizedDimension, 3);
    for (size_t c = 0; c < 8; ++c) {
        double hi = -INFINITY;
        for (size_t i = c; i < t.data.size(); i += 8)
            hi = std::max(hi, r.channels[c].scale * static_cast<int8_t>(t.data[i]));
        EXPECT_DOUBLE_EQ(r.channels[c].usedMax, hi) << "channel " << c;
    }
    const auto stats = computeWeightStats(t);
    ASSERT_TRUE(stats && stats->real);
    EXPECT_DOUBLE_EQ(r.realHistogram->lowerBound, stats->real->min);
}

TEST(TensorInspection, PerTensorQuantizationMapsIntegerBinsToReals) {
    auto model = load(kVww);
    ASSERT_TRUE(model);
    // Tensor 43: the FULLY_CONNECTED's [2,256] weights with one scale.
    const Tensor& t = model->subgraphs()[0].tensors[43];
    const TensorInspection r = inspectTensor(*model, 0, 43);
    ASSERT_FALSE(r.perChannel);
    EXPECT_TRUE(r.channels.empty());
    EXPECT_EQ(r.scale, static_cast<double>(t.quantization.scale[0]));
    EXPECT_DOUBLE_EQ(r.realMin, r.scale * -128.0);
    EXPECT_DOUBLE_EQ(r.realMax, r.scale * 127.0);
    ASSERT_TRUE(r.storedHistogram && r.realHistogram);
    EXPECT_EQ(r.realHistogram->counts, r.storedHistogram->counts);
    EXPECT_TRUE(r.realHistogram->integerBins);
    EXPECT_DOUBLE_EQ(r.realHistogram->binWidth, r.scale);
    EXPECT_DOUBLE_EQ(r.realHistogram->firstValue, r.scale * r.storedHistogram->firstValue);
    const auto stats = computeWeightStats(t);
    ASSERT_TRUE(stats);
    EXPECT_DOUBLE_EQ(r.zeroFraction, stats->real->zeroFraction);
    EXPECT_DOUBLE_EQ(r.zeroFraction, 0.02734375);
    EXPECT_EQ(r.storedHistogram->total(), 512);
    ASSERT_TRUE(property(r.properties, "Real range"));
}

TEST(TensorInspection, WideIntegersGetEqualWidthBins) {
    auto model = load(kVww);
    ASSERT_TRUE(model);
    // Tensor 6: an int32 bias spanning about +-1e9.
    const TensorInspection r = inspectTensor(*model, 0, 6);
    ASSERT_TRUE(r.storedHistogram);
    EXPECT_FALSE(r.storedHistogram->integerBins);
    EXPECT_EQ(r.storedHistogram->counts.size(), static_cast<size_t>(kHistogramBins));
    EXPECT_EQ(r.storedHistogram->total(), 64);
    const auto stats = computeWeightStats(model->subgraphs()[0].tensors[6]);
    EXPECT_EQ(r.distinctValues, stats->stored.distinctValues);
}

TEST(TensorInspection, FloatAndHalfWeights) {
    auto model = load(kFaceFloat);
    ASSERT_TRUE(model);
    const Subgraph& sg = model->subgraphs()[0];
    int checked = 0;
    for (const Tensor& t : sg.tensors) {
        if (!t.isConstant() || !isFloatType(t.type) || t.elementCount < 100) continue;
        const TensorInspection r = inspectTensor(*model, 0, t.index);
        const auto stats = computeWeightStats(t);
        ASSERT_TRUE(stats);
        ASSERT_TRUE(r.storedHistogram) << t.index;
        EXPECT_FALSE(r.realHistogram);  // float values are already real
        EXPECT_EQ(r.storedHistogram->counts.size(), static_cast<size_t>(kHistogramBins));
        EXPECT_EQ(r.storedHistogram->total(), t.elementCount - stats->stored.nonFinite) << t.index;
        EXPECT_DOUBLE_EQ(r.storedHistogram->lowerBound, stats->stored.min);
        EXPECT_DOUBLE_EQ(r.zeroFraction, stats->stored.zeroFraction);
        EXPECT_EQ(r.distinctValues, stats->stored.distinctValues);
        if (++checked == 5) break;
    }
    EXPECT_EQ(checked, 5);
}

TEST(TensorInspection, SparseTensorsShowStoredValuesOnly) {
    auto model = load(kFaceSparse);
    ASSERT_TRUE(model);
    const Tensor& t = model->subgraphs()[0].tensors[14];  // read by DENSIFY
    ASSERT_TRUE(t.sparsity);
    const TensorInspection r = inspectTensor(*model, 0, 14);
    EXPECT_TRUE(r.sparse);
    EXPECT_EQ(r.storageNote, "sparse (stored values only)");
    ASSERT_TRUE(r.storedHistogram);
    const int64_t storedValues = static_cast<int64_t>(t.data.size() * 8) / tensorTypeBits(t.type);
    EXPECT_EQ(r.storedHistogram->total(), storedValues);
    EXPECT_LT(storedValues, t.elementCount);
    EXPECT_FALSE(r.realHistogram);
    ASSERT_TRUE(property(r.properties, "Storage"));
    EXPECT_EQ(property(r.properties, "Storage")->value, "sparse (stored values only)");
}

TEST(TensorInspection, LargestWeightOfAPerChannelMobileNet) {
    auto model = load(kMobilenetV2Ptq);
    ASSERT_TRUE(model);
    const Subgraph& sg = model->subgraphs()[0];
    const Tensor* largest = nullptr;
    for (const Tensor& t : sg.tensors)
        if (t.isConstant() && t.quantization.isPerChannel() &&
            (!largest || t.elementCount > largest->elementCount))
            largest = &t;
    ASSERT_TRUE(largest);
    const TensorInspection r = inspectTensor(*model, 0, largest->index);
    EXPECT_EQ(static_cast<int64_t>(r.channels.size()),
              largest->shape[largest->quantization.quantizedDimension]);
    EXPECT_EQ(r.storedHistogram->total(), largest->elementCount);
    EXPECT_EQ(r.realHistogram->total(), largest->elementCount);
}

TEST(TensorInspection, ActivationsAndBadIndices) {
    auto model = load(kVww);
    ASSERT_TRUE(model);
    const TensorInspection input = inspectTensor(*model, 0, 0);
    ASSERT_TRUE(input.valid);
    EXPECT_EQ(input.kind, TensorKind::Input);
    EXPECT_FALSE(input.storedHistogram);
    EXPECT_FALSE(input.fileOffset);
    EXPECT_EQ(input.shapeSignature, (std::vector<int32_t>{-1, 96, 96, 3}));
    EXPECT_TRUE(input.dynamic);
    EXPECT_EQ(input.consumers, std::vector<int32_t>{0});
    EXPECT_EQ(input.producer, -1);
    EXPECT_EQ(property(input.properties, "Shape signature")->value, "[-1,96,96,3]");
    EXPECT_EQ(property(input.properties, "Real range")->value, "0 .. 1");

    const TensorInspection activation = inspectTensor(*model, 0, 58);
    EXPECT_EQ(activation.producer, 0);
    EXPECT_EQ(activation.producerName, "0 CONV_2D");

    EXPECT_FALSE(inspectTensor(*model, 0, 89).valid);
    EXPECT_FALSE(inspectTensor(*model, 0, -1).valid);
    EXPECT_FALSE(inspectTensor(*model, 1, 0).valid);
    EXPECT_FALSE(inspectOperator(*model, 0, 31).valid);
    EXPECT_FALSE(inspectOperator(*model, -1, 0).valid);
}

TEST(OperatorInspection, ConvolutionAndControlFlow) {
    auto model = load(kVww);
    ASSERT_TRUE(model);
    const OperatorInspection conv = inspectOperator(*model, 0, 0);
    ASSERT_TRUE(conv.valid);
    EXPECT_EQ(conv.op, "CONV_2D");
    EXPECT_EQ(conv.version, 3);
    EXPECT_EQ(conv.optionsType, "Conv2DOptions");
    ASSERT_EQ(conv.tensors.size(), 4u);
    EXPECT_EQ(conv.tensors[0].role, "input 0");
    EXPECT_EQ(conv.tensors[0].tensor, 0);
    EXPECT_EQ(conv.tensors[0].shape, "1x96x96x3");
    EXPECT_EQ(conv.tensors[1].tensor, 44);
    EXPECT_TRUE(conv.tensors[1].constant);
    EXPECT_EQ(conv.tensors[1].quantization, "per-channel: 8 scales, dim 0");
    EXPECT_EQ(conv.tensors[3].role, "output 0");
    EXPECT_EQ(conv.tensors[3].tensor, 58);

    auto whileModel = load(kWhile);
    ASSERT_TRUE(whileModel);
    const OperatorInspection loop = inspectOperator(*whileModel, 0, 0);
    EXPECT_EQ(loop.op, "WHILE");
    EXPECT_EQ(loop.calledSubgraphs, (std::vector<int32_t>{1, 2}));
    ASSERT_TRUE(property(loop.properties, "Calls subgraphs"));
    EXPECT_EQ(property(loop.properties, "Calls subgraphs")->value, "1 (while_cond), 2 (while_body)");
}

TEST(OperatorInspection, OmittedOptionalInputs) {
    auto model = load(kLstm);
    ASSERT_TRUE(model);
    const Operator& lstm = model->subgraphs()[0].operators[0];
    const OperatorInspection r = inspectOperator(*model, 0, 0);
    ASSERT_EQ(r.tensors.size(), lstm.inputs.size() + lstm.outputs.size() + lstm.intermediates.size());
    int omitted = 0;
    for (size_t k = 0; k < lstm.inputs.size(); ++k) {
        if (lstm.inputs[k] >= 0) continue;
        ++omitted;
        EXPECT_EQ(r.tensors[k].tensor, -1);
        EXPECT_EQ(r.tensors[k].name, "(omitted optional input)");
    }
    EXPECT_GT(omitted, 0);
}

TEST(QuantizedRange, FromTheType) {
    EXPECT_EQ(quantizedRange(TensorType::Int4)->min, -8);
    EXPECT_EQ(quantizedRange(TensorType::Int4)->max, 7);
    EXPECT_EQ(quantizedRange(TensorType::UInt8)->max, 255);
    EXPECT_EQ(quantizedRange(TensorType::Int16)->min, -32768);
    EXPECT_EQ(quantizedRange(TensorType::Int32)->max, 2147483647);
    EXPECT_FALSE(quantizedRange(TensorType::Float32));
}

}  // namespace
}  // namespace litescope

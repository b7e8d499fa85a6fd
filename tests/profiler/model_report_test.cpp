// The model report: op histogram, weight bytes per type (a shared buffer counted once), deployment notes,
// and reports of real models from ../shared/models checked against facts stated in their catalogue.
#include "profiler/model_report.h"

#include <gtest/gtest.h>

#include "tests/support/model_builder.h"
#include "tests/support/shared_data.h"

namespace litescope::test {
namespace {

TEST(ModelReport, HistogramAndWeightBytesOfABuiltModel) {
    ModelBuilder b = ModelBuilder::smallFloatModel();
    // A second FC sharing the first one's weight buffer: the bytes count once, the tensor twice.
    TensorSpec shared;
    shared.name = "weights_again";
    shared.shape = {3, 4};
    shared.buffer = b.subgraphs[0].tensors[1].buffer;
    int32_t w2 = b.addTensor(shared);
    int32_t out2 = b.addTensor("fc2", fb::TensorType::FLOAT32, {1, 3});
    b.addOperator(fb::BuiltinOperator::FULLY_CONNECTED, {0, w2, -1}, {out2});
    b.subgraphs[0].outputs.push_back(out2);
    auto m = Model::fromBytes(b.build());
    ASSERT_TRUE(m.isOk()) << m.message();
    ModelReport r = buildModelReport(**m);
    ASSERT_EQ(r.opHistogram.size(), 2u);
    EXPECT_EQ(r.opHistogram[0].op, "FULLY_CONNECTED");
    EXPECT_EQ(r.opHistogram[0].count, 2);
    EXPECT_EQ(r.opHistogram[1].op, "RELU");
    ASSERT_EQ(r.weightBytes.size(), 1u);
    EXPECT_EQ(r.weightBytes[0].type, TensorType::Float32);
    EXPECT_EQ(r.weightBytes[0].tensors, 3);
    EXPECT_EQ(r.totalWeightBytes, (12 + 3) * 4);
    EXPECT_EQ(r.totalParameters, 15);
    EXPECT_EQ(r.constantStats.size(), 3u);
    EXPECT_NE(r.statsFor(0, w2), nullptr);
    EXPECT_EQ(r.statsFor(0, 0), nullptr);  // the input has no data
    EXPECT_TRUE(r.deploymentNotes.empty());
}

TEST(ModelReport, CustomOpsGetDeploymentNotes) {
    EXPECT_EQ(describeCustomOp("FlexConv2D").kind, "flex");
    EXPECT_EQ(describeCustomOp("edgetpu-custom-op").kind, "accelerator");
    EXPECT_EQ(describeCustomOp("DISPATCH_OP").kind, "accelerator");
    EXPECT_EQ(describeCustomOp("ethos-u").kind, "accelerator");
    EXPECT_EQ(describeCustomOp("TFLite_Detection_PostProcess").kind, "bundled-custom");
    EXPECT_EQ(describeCustomOp("Convolution2DTransposeBias").kind, "custom");
    EXPECT_NE(describeCustomOp("MyOp").meaning.find("register"), std::string::npos);
}

TEST(ModelReport, EdgeTpuModelIsFlaggedAsAccelerator) {
    auto m = Model::fromFile(modelPath("coral-test_data/mobilenet_v1_0.5_160_quant_edgetpu.tflite"));
    ASSERT_TRUE(m.isOk()) << m.message();
    ModelReport r = buildModelReport(**m);
    ASSERT_EQ(r.deploymentNotes.size(), 1u);
    EXPECT_EQ(r.deploymentNotes[0].op, "edgetpu-custom-op");
    EXPECT_EQ(r.deploymentNotes[0].kind, "accelerator");
}

TEST(ModelReport, Float16ModelWeighsInFloat16) {
    // The catalogue lists BlazeFace full-range as an fp16 model: its weights are stored as FLOAT16.
    auto m = Model::fromFile(
        modelPath("mediapipe/mediapipe/modules/face_detection/face_detection_full_range.tflite"));
    ASSERT_TRUE(m.isOk()) << m.message();
    ModelReport r = buildModelReport(**m);
    ASSERT_FALSE(r.weightBytes.empty());
    EXPECT_EQ(r.weightBytes[0].type, TensorType::Float16);
    bool dequantize = false;
    for (const auto& e : r.opHistogram)
        dequantize |= e.op == "DEQUANTIZE";
    EXPECT_TRUE(dequantize);
}

TEST(ModelReport, MetadataAndPackedLabels) {
    auto m =
        Model::fromFile(modelPath("tflite-support/tensorflow_lite_support/cc/test/testdata/task/vision/"
                                  "mobilenet_v1_0.25_224_quant.tflite"));
    ASSERT_TRUE(m.isOk()) << m.message();
    ModelReport r = buildModelReport(**m);
    ASSERT_TRUE(r.metadata.has_value()) << r.metadataError;
    EXPECT_FALSE(r.metadata->name.empty());
    ASSERT_FALSE(r.metadata->subgraphs.empty());
    ASSERT_FALSE(r.metadata->subgraphs[0].inputs.empty());
    EXPECT_EQ(r.metadata->subgraphs[0].inputs[0].mean, std::vector<float>{127.5f});
    EXPECT_EQ(r.metadata->subgraphs[0].inputs[0].std, std::vector<float>{127.5f});
    ASSERT_EQ(r.packedFiles.size(), 1u);
    EXPECT_EQ(r.packedFiles[0].name, "labels.txt");
    bool named = false;
    for (const auto& f : r.metadata->allAssociatedFiles())
        named |= f.name == "labels.txt";
    EXPECT_TRUE(named);
}

}  // namespace
}  // namespace litescope::test

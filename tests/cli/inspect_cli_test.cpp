// `litescope inspect` end to end: exit codes, one-line errors for files that are not models, the text
// report's sections, and the JSON fields other tools rely on.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <random>

#include "tests/cli/cli_runner.h"
#include "tests/support/model_builder.h"
#include "tests/support/shared_data.h"

namespace litescope::test {
namespace {

using nlohmann::json;

const char* kQuantModel =
    "tflite-support/tensorflow_lite_support/cc/test/testdata/task/vision/mobilenet_v1_0.25_224_quant.tflite";
const char* kPerChannelModel =
    "mlcommons-tiny/v0.1/training/visual_wake_words/trained_models/vww_96_int8.tflite";
const char* kMetadataModel =
    "tflite-support/tensorflow_lite_support/cc/test/testdata/task/vision/mobilenet_v1_0.25_224_quant.tflite";
const char* kFloatModel = "mediapipe/mediapipe/modules/face_detection/face_detection_short_range.tflite";

void expectOneLineError(const CliResult& r, int code, const std::string& word) {
    EXPECT_EQ(r.exitCode, code) << r.err;
    EXPECT_TRUE(r.out.empty()) << r.out;
    EXPECT_NE(r.err.find(word), std::string::npos) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
}

// With no sub-command the executable starts the GUI, so only --help is checked here.
TEST(InspectCli, HelpListsSubcommandsAndGuiOptions) {
    CliResult r = runLitescope({"--help"});
    EXPECT_EQ(r.exitCode, 0);
    EXPECT_NE(r.out.find("inspect"), std::string::npos);
    EXPECT_NE(r.out.find("run"), std::string::npos);
    EXPECT_NE(r.out.find("--screenshot"), std::string::npos);
}

TEST(InspectCli, UnknownOptionFails) {
    CliResult r = runLitescope({"inspect", "--no-such-option", modelPath(kFloatModel)});
    EXPECT_EQ(r.exitCode, 1);
}

TEST(InspectCli, MissingFileIsExitOne) {
    CliResult r = runLitescope({"inspect", "/nonexistent/model.tflite"});
    expectOneLineError(r, 1, "/nonexistent/model.tflite");
}

TEST(InspectCli, EmptyFileIsNotAModel) {
    CliResult r = runLitescope({"inspect", writeTempFile({}, "empty.tflite")});
    expectOneLineError(r, 2, "empty");
}

TEST(InspectCli, TextFileIsNotAModel) {
    std::string text = "This is a README, not a model.\nSecond line.\n";
    CliResult r = runLitescope(
        {"inspect", writeTempFile(std::vector<uint8_t>(text.begin(), text.end()), "readme.tflite")});
    expectOneLineError(r, 2, "text file");
}

TEST(InspectCli, RandomBytesAreNotAModel) {
    std::mt19937 rng(7);
    std::vector<uint8_t> bytes(4096);
    for (auto& b : bytes)
        b = static_cast<uint8_t>(rng());
    bytes[4] = 0x01;  // no printable identifier
    CliResult r = runLitescope({"inspect", writeTempFile(bytes, "random.tflite")});
    expectOneLineError(r, 2, "not a TFLite model");
}

TEST(InspectCli, AnotherFlatBufferIsNamedAsSuch) {
    flatbuffers::FlatBufferBuilder other;
    auto start = other.StartTable();
    other.AddElement<int32_t>(4, 42, 0);
    auto root = other.EndTable(start);
    other.Finish(flatbuffers::Offset<flatbuffers::Table>(root), "ABCD");
    std::vector<uint8_t> bytes(other.GetBufferPointer(), other.GetBufferPointer() + other.GetSize());
    CliResult r = runLitescope({"inspect", writeTempFile(bytes, "other.fb")});
    expectOneLineError(r, 2, "'ABCD'");
}

TEST(InspectCli, TruncatedModelSaysSo) {
    std::string data = readText(modelPath(kFloatModel));
    std::vector<uint8_t> bytes(data.begin(), data.begin() + static_cast<long>(data.size() / 2));
    CliResult r = runLitescope({"inspect", writeTempFile(bytes, "truncated.tflite")});
    expectOneLineError(r, 2, "truncated");
}

TEST(InspectCli, TextReportHasTheSections) {
    CliResult r = runLitescope({"inspect", modelPath(kQuantModel)});
    ASSERT_EQ(r.exitCode, 0) << r.err;
    for (const char* section : {"Model", "Inputs", "Outputs", "Operators by type", "Weights",
                                "Constant tensors", "DEPTHWISE_CONV_2D", "UINT8", "scale", "zero_point"})
        EXPECT_NE(r.out.find(section), std::string::npos) << section;
}

TEST(InspectCli, JsonHasTheDocumentedFields) {
    CliResult r = runLitescope({"inspect", "--json", modelPath(kPerChannelModel)});
    ASSERT_EQ(r.exitCode, 0) << r.err;
    json j = json::parse(r.out);
    ASSERT_EQ(j["subgraphs"].size(), 1u);
    const json& sg = j["subgraphs"][0];
    for (const char* key : {"name", "inputs", "outputs", "tensors", "operators"})
        EXPECT_TRUE(sg.contains(key)) << key;
    bool sawPerChannel = false;
    for (const json& t : sg["tensors"]) {
        for (const char* key :
             {"index", "name", "type", "shape", "shape_signature", "buffer_bytes", "quantization"})
            ASSERT_TRUE(t.contains(key)) << key;
        const json& q = t["quantization"];
        ASSERT_TRUE(q.contains("scale") && q.contains("zero_point") && q.contains("quantized_dimension"));
        EXPECT_EQ(q["scale"].size(), q["zero_point"].size());
        if (q["scale"].size() > 1) {
            sawPerChannel = true;
            const int dim = q["quantized_dimension"];
            EXPECT_EQ(q["scale"].size(), t["shape"][dim].get<size_t>());
        }
    }
    EXPECT_TRUE(sawPerChannel);
    for (const json& op : sg["operators"])
        for (const char* key : {"index", "op", "version", "inputs", "outputs"})
            ASSERT_TRUE(op.contains(key)) << key;
    EXPECT_EQ(sg["operators"][0]["op"], "CONV_2D");
    EXPECT_EQ(j["inputs"][0]["type"], "INT8");
}

TEST(InspectCli, MetadataShowsNormalizationAndLabels) {
    CliResult r = runLitescope({"inspect", "--json", modelPath(kMetadataModel)});
    ASSERT_EQ(r.exitCode, 0) << r.err;
    json j = json::parse(r.out);
    ASSERT_TRUE(j.contains("metadata")) << r.out.substr(0, 2000);
    const json& in = j["metadata"]["subgraphs"][0]["inputs"][0];
    ASSERT_TRUE(in.contains("normalization"));
    EXPECT_FALSE(in["normalization"]["mean"].empty());
    bool labels = false;
    for (const json& out : j["metadata"]["subgraphs"][0]["outputs"])
        for (const json& f : out["associated_files"])
            labels |= f["type"] == "TENSOR_AXIS_LABELS";
    EXPECT_TRUE(labels);
    EXPECT_FALSE(j["packed_files"].empty());
}

TEST(InspectCli, FlexAndCustomOpsAreFlagged) {
    ModelBuilder b = ModelBuilder::smallFloatModel();
    uint32_t flex = b.addCustomCode("FlexAddV2");
    int32_t extra = b.addTensor("extra", fb::TensorType::FLOAT32, {1, 3});
    OperatorSpec op;
    op.opcodeIndex = flex;
    op.inputs = {b.subgraphs[0].outputs[0], b.subgraphs[0].outputs[0]};
    op.outputs = {extra};
    b.addOperator(op);
    b.subgraphs[0].outputs = {extra};
    CliResult r = runLitescope({"inspect", "--json", writeTempFile(b.build(), "flex.tflite")});
    ASSERT_EQ(r.exitCode, 0) << r.err;
    json j = json::parse(r.out);
    ASSERT_EQ(j["deployment_notes"].size(), 1u);
    EXPECT_EQ(j["deployment_notes"][0]["kind"], "flex");
    EXPECT_EQ(j["deployment_notes"][0]["op"], "FlexAddV2");

    CliResult text = runLitescope({"inspect", writeTempFile(b.build(), "flex2.tflite")});
    EXPECT_NE(text.out.find("Flex delegate"), std::string::npos);
}

TEST(InspectCli, WeightStatisticsAreComputed) {
    CliResult r = runLitescope(
        {"inspect", "--json", writeTempFile(ModelBuilder::smallFloatModel().build(), "small.tflite")});
    ASSERT_EQ(r.exitCode, 0) << r.err;
    json j = json::parse(r.out);
    const json& weights = j["subgraphs"][0]["tensors"][1];
    ASSERT_EQ(weights["name"], "weights");
    // weights {1,0,0,0, 0,2,0,0, 0,0,-3,0.5}: 8 zeros of 12, values {-3,0,0.5,1,2}
    EXPECT_DOUBLE_EQ(weights["stats"]["min"].get<double>(), -3.0);
    EXPECT_DOUBLE_EQ(weights["stats"]["max"].get<double>(), 2.0);
    EXPECT_DOUBLE_EQ(weights["stats"]["mean"].get<double>(), 0.5 / 12.0);
    EXPECT_DOUBLE_EQ(weights["stats"]["zero_fraction"].get<double>(), 8.0 / 12.0);
    EXPECT_EQ(weights["stats"]["distinct_values"], 5);
    EXPECT_EQ(j["total_weight_bytes"], 15 * 4);
    EXPECT_EQ(j["signatures"][0]["key"], "serving_default");
}

}  // namespace
}  // namespace litescope::test

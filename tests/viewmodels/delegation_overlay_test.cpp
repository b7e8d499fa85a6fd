// The XNNPACK overlay: per-operator partitions and reasons on a real model, folded nodes reported as
// computed at prepare, errors instead of throws for models that cannot be prepared, the badge and
// inspector wording, and the load job carrying it all.
#include "viewmodels/delegation_overlay.h"

#include <gtest/gtest.h>

#include <QString>

#include "tests/support/shared_data.h"
#include "viewmodels/model_document.h"

namespace litescope {
namespace {

const char* const kFaceDetection =
    "mediapipe/mediapipe/modules/face_detection/face_detection_short_range.tflite";
const char* const kEdgeTpu = "coral-test_data/mobilenet_v1_0.5_160_quant_edgetpu.tflite";
const char* const kWhile = "litert/tflite/testdata/multi_subgraphs_while.bin";

std::shared_ptr<const Model> loadShared(const char* relative) {
    auto model = Model::fromFile(test::modelPath(relative));
    if (!model) {
        ADD_FAILURE() << relative << ": " << model.message();
        return nullptr;
    }
    return model.value();
}

std::string opName(const Model& model, int32_t subgraph, int32_t op) {
    return model
        .operatorCode(model.subgraphs()[static_cast<size_t>(subgraph)].operators[static_cast<size_t>(op)])
        .name;
}

TEST(DelegationOverlay, FaceDetectionPartitionsFallbacksAndFoldedNodes) {
    auto model = loadShared(kFaceDetection);
    ASSERT_TRUE(model);
    const DelegationOverlay overlay = computeDelegationOverlay(model);
    ASSERT_TRUE(overlay.error.empty()) << overlay.error;
    EXPECT_EQ(overlay.delegate, "XNNPACK");
    ASSERT_EQ(overlay.subgraphs.size(), model->subgraphs().size());
    const auto& operators = model->subgraphs()[0].operators;
    ASSERT_EQ(overlay.subgraphs[0].size(), operators.size());
    EXPECT_TRUE(overlay.hasNodes());

    int delegated = 0, concatenations = 0, dequantizes = 0;
    std::vector<int32_t> sizes;
    for (int32_t op = 0; op < static_cast<int32_t>(operators.size()); ++op) {
        const NodeDelegation* node = overlay.node(0, op);
        ASSERT_NE(node, nullptr) << op;
        EXPECT_EQ(node->node, op);
        const std::string name = opName(*model, 0, op);
        if (node->partition >= 0) {
            ++delegated;
            if (sizes.size() <= static_cast<size_t>(node->partition)) sizes.resize(node->partition + 1);
            ++sizes[static_cast<size_t>(node->partition)];
        }
        if (name == "CONCATENATION") {
            ++concatenations;
            EXPECT_EQ(delegationFate(node), DelegationFate::Builtin) << op;
            EXPECT_FALSE(node->reason.empty()) << op;
            EXPECT_EQ(delegationBadge(overlay, 0, op), "builtin");
            const QString text = delegationText(overlay, 0, op);
            EXPECT_TRUE(text.startsWith("XNNPACK: on the builtin kernels — ")) << text.toStdString();
            EXPECT_TRUE(text.endsWith(QString::fromStdString(node->reason))) << text.toStdString();
        }
        if (name == "DEQUANTIZE") {
            // Their inputs are constant fp16 weights: evaluated once at prepare, nothing left to delegate.
            ++dequantizes;
            EXPECT_EQ(delegationFate(node), DelegationFate::ComputedAtPrepare) << op;
            EXPECT_TRUE(node->reason.starts_with("computed once at prepare")) << node->reason;
            EXPECT_EQ(delegationBadge(overlay, 0, op), "prepare");
            EXPECT_TRUE(delegationText(overlay, 0, op).startsWith("XNNPACK: computed once at prepare"));
        }
    }
    EXPECT_GT(delegated, 50);
    EXPECT_EQ(concatenations, 2);
    EXPECT_GT(dequantizes, 50);
    ASSERT_FALSE(sizes.empty());
    ASSERT_EQ(overlay.partitionSizes[0].size(), sizes.size());
    for (size_t p = 0; p < sizes.size(); ++p)
        EXPECT_EQ(overlay.partitionSize(0, static_cast<int32_t>(p)), sizes[p]);

    // The first delegated operator reads as the inspector shows it.
    for (int32_t op = 0; op < static_cast<int32_t>(operators.size()); ++op) {
        if (overlay.node(0, op)->partition != 0) continue;
        EXPECT_EQ(delegationBadge(overlay, 0, op), "XNNPACK p0");
        EXPECT_EQ(delegationText(overlay, 0, op),
                  QString("XNNPACK: partition 0 (%1 operators)").arg(sizes[0]));
        break;
    }
    EXPECT_EQ(overlay.summary.rfind("XNNPACK: ", 0), 0u) << overlay.summary;
    EXPECT_NE(overlay.summary.find("of " + std::to_string(operators.size()) + " operators"),
              std::string::npos)
        << overlay.summary;

    // Out of range: nothing, never a crash.
    EXPECT_EQ(overlay.node(0, -1), nullptr);
    EXPECT_EQ(overlay.node(0, static_cast<int32_t>(operators.size())), nullptr);
    EXPECT_EQ(overlay.node(7, 0), nullptr);
    EXPECT_EQ(delegationFate(nullptr), DelegationFate::Unknown);
    EXPECT_TRUE(delegationBadge(overlay, 3, 0).isEmpty());
    EXPECT_EQ(overlay.partitionSize(0, 99), 0);
}

TEST(DelegationOverlay, AModelThatCannotBePreparedFillsError) {
    // Edge TPU-compiled: the edgetpu-custom-op has no CPU kernel anywhere.
    auto model = loadShared(kEdgeTpu);
    ASSERT_TRUE(model);
    const DelegationOverlay overlay = computeDelegationOverlay(model);
    EXPECT_NE(overlay.error.find("edgetpu-custom-op"), std::string::npos) << overlay.error;
    EXPECT_FALSE(overlay.hasNodes());
    EXPECT_TRUE(overlay.summary.empty());
    EXPECT_EQ(overlay.node(0, 0), nullptr);
    const QString text = delegationText(overlay, 0, 0);
    EXPECT_TRUE(text.startsWith("XNNPACK: ")) << text.toStdString();
    EXPECT_TRUE(text.contains("edgetpu-custom-op")) << text.toStdString();
    EXPECT_TRUE(delegationBadge(overlay, 0, 0).isEmpty());
}

TEST(DelegationOverlay, UnknownDelegateAndNoModelAreErrors) {
    auto model = loadShared(kFaceDetection);
    ASSERT_TRUE(model);
    const DelegationOverlay unknown = computeDelegationOverlay(model, "warp-drive");
    EXPECT_NE(unknown.error.find("xnnpack"), std::string::npos) << unknown.error;  // lists the names
    EXPECT_FALSE(unknown.hasNodes());
    EXPECT_FALSE(computeDelegationOverlay(nullptr).error.empty());
    EXPECT_FALSE(computeDelegationOverlay(model, "none").error.empty());
}

TEST(DelegationOverlay, PreparedControlFlowBodiesAppearOthersSaySo) {
    auto model = loadShared(kWhile);
    ASSERT_TRUE(model);
    ASSERT_GT(model->subgraphs().size(), 1u);
    const DelegationOverlay overlay = computeDelegationOverlay(model);
    ASSERT_TRUE(overlay.error.empty()) << overlay.error;
    ASSERT_EQ(overlay.subgraphs.size(), model->subgraphs().size());
    EXPECT_EQ(overlay.subgraphs[0].size(), model->subgraphs()[0].operators.size());
    // WHILE prepares its condition and body with it (static shapes), so the body's MUL is there.
    ASSERT_EQ(overlay.subgraphs[2].size(), model->subgraphs()[2].operators.size());
    EXPECT_EQ(delegationFate(overlay.node(0, 0)), DelegationFate::Builtin);  // the WHILE itself
    EXPECT_EQ(delegationBadge(overlay, 2, 1), "XNNPACK p0");

    // A subgraph nothing prepared says so instead of showing nothing.
    DelegationOverlay partial = overlay;
    partial.subgraphs[1].clear();
    const QString text = delegationText(partial, 1, 0);
    EXPECT_TRUE(text.contains("prepared only when")) << text.toStdString();
    EXPECT_TRUE(delegationBadge(partial, 1, 0).isEmpty());
}

TEST(DelegationOverlay, QuantizedOperatorsStayOnTheBuiltinKernelsWithAReason) {
    auto model = Model::fromFile(LITESCOPE_DEMO_DIR "/demo_cnn_int8.tflite");
    ASSERT_TRUE(model) << model.message();
    const DelegationOverlay overlay = computeDelegationOverlay(model.value());
    ASSERT_TRUE(overlay.error.empty()) << overlay.error;
    const auto& operators = model.value()->subgraphs()[0].operators;
    int builtin = 0;
    for (int32_t op = 0; op < static_cast<int32_t>(operators.size()); ++op) {
        const NodeDelegation* node = overlay.node(0, op);
        ASSERT_NE(node, nullptr);
        if (opName(*model.value(), 0, op) != "CONV_2D") continue;
        EXPECT_EQ(delegationFate(node), DelegationFate::Builtin) << op;
        EXPECT_NE(node->reason.find("quantized"), std::string::npos) << node->reason;
        ++builtin;
    }
    EXPECT_GT(builtin, 0);
}

TEST(DelegationOverlay, TheLoadJobCarriesItAndTheOverviewShowsTheSummary) {
    auto loaded =
        ModelLoadJob::load(ModelSource::file(QString::fromStdString(test::modelPath(kFaceDetection))));
    ASSERT_TRUE(loaded.isOk()) << loaded.message();
    const LoadedModel& m = *loaded.value();
    EXPECT_TRUE(m.xnnpack.error.empty()) << m.xnnpack.error;
    EXPECT_TRUE(m.xnnpack.hasNodes());
    const OverviewRow* modelSection = m.overview.section(OverviewSection::Model);
    ASSERT_NE(modelSection, nullptr);
    bool shown = false;
    for (const OverviewRow& row : modelSection->children)
        shown |= row.property == "Delegation" && row.value == QString::fromStdString(m.xnnpack.summary);
    EXPECT_TRUE(shown);

    // A model the runtime cannot prepare is not tried again with the delegate: the overlay says why.
    auto edgeTpu = ModelLoadJob::load(ModelSource::file(QString::fromStdString(test::modelPath(kEdgeTpu))));
    ASSERT_TRUE(edgeTpu.isOk()) << edgeTpu.message();
    EXPECT_FALSE(edgeTpu.value()->xnnpack.error.empty());
    EXPECT_NE(edgeTpu.value()->xnnpack.error.find("edgetpu-custom-op"), std::string::npos);
    EXPECT_FALSE(edgeTpu.value()->xnnpack.hasNodes());
}

}  // namespace
}  // namespace litescope

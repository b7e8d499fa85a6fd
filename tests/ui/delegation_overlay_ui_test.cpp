// View > Show XNNPACK Partitions end to end on the offscreen platform: the action toggles the graph's
// badges and outlines and the inspector's line, is remembered, says why when there is nothing to show, and
// the zoomed-out drawing keeps the partition colour.
#include <gtest/gtest.h>

#include <QAction>
#include <QApplication>
#include <QImage>
#include <QSettings>
#include <QStatusBar>
#include <QTest>
#include <QTreeView>

#include "tests/support/shared_data.h"
#include "ui/document_view.h"
#include "ui/graph_view.h"
#include "ui/main_window.h"
#include "ui/overview_panel.h"
#include "ui/tensor_inspector.h"
#include "ui/theme.h"

namespace litescope::ui {
namespace {

const char* const kFaceDetection =
    "models/mediapipe/mediapipe/modules/face_detection/face_detection_short_range.tflite";
const char* const kEdgeTpu = "models/coral-test_data/mobilenet_v1_0.5_160_quant_edgetpu.tflite";

QString shared(const char* relative) {
    return QString::fromStdString(test::sharedDir() + "/" + relative);
}

bool waitLoaded(DocumentView* view) {
    return QTest::qWaitFor([view] { return !view->isLoading(); }, 60'000) && view->loaded() != nullptr;
}

// The graph node of the first operator of subgraph 0 with that op name, or -1.
int nodeOfFirst(const DocumentView& view, const std::string& opName) {
    const Model& model = *view.loaded()->model;
    const auto& operators = model.subgraphs()[0].operators;
    for (size_t op = 0; op < operators.size(); ++op)
        if (model.operatorCode(operators[op]).name == opName)
            return view.graphView()->graph()->nodeForOperator(static_cast<int32_t>(op));
    return -1;
}

int firstDelegatedOperator(const DocumentView& view) {
    const DelegationOverlay& overlay = view.loaded()->xnnpack;
    for (int32_t op = 0; op < static_cast<int32_t>(overlay.subgraphs[0].size()); ++op)
        if (overlay.node(0, op)->partition == 0) return op;
    return -1;
}

class DelegationOverlayUiTest : public ::testing::Test {
  protected:
    void SetUp() override { QSettings().clear(); }
};

TEST_F(DelegationOverlayUiTest, TheActionTogglesTheGraphAndTheInspector) {
    MainWindow window;
    QAction* action = window.delegationAction();
    ASSERT_NE(action, nullptr);
    EXPECT_TRUE(action->isCheckable());
    EXPECT_FALSE(action->isChecked());
    EXPECT_EQ(action->shortcut(), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_D));

    DocumentView* view = window.openFile(shared(kFaceDetection));
    ASSERT_TRUE(waitLoaded(view)) << view->errorMessage().toStdString();
    GraphView* graph = view->graphView();
    const int concatenation = nodeOfFirst(*view, "CONCATENATION");
    const int dequantize = nodeOfFirst(*view, "DEQUANTIZE");
    const int delegatedOp = firstDelegatedOperator(*view);
    ASSERT_GE(concatenation, 0);
    ASSERT_GE(dequantize, 0);
    ASSERT_GE(delegatedOp, 0);
    const int delegated = graph->graph()->nodeForOperator(delegatedOp);

    // Off: no badges, no inspector line; the overview has the summary all the same.
    EXPECT_EQ(graph->delegationOverlay(), nullptr);
    EXPECT_TRUE(graph->delegationBadgeText(delegated).isEmpty());
    view->selection()->select(SelectionTarget::op(0, delegatedOp));
    EXPECT_FALSE(window.inspector()->summaryText().contains("XNNPACK"))
        << window.inspector()->summaryText().toStdString();
    const QString summary = QString::fromStdString(view->loaded()->xnnpack.summary);
    ASSERT_FALSE(summary.isEmpty());
    EXPECT_FALSE(window.overview()
                     ->model()
                     ->match(window.overview()->model()->index(1, 1), Qt::DisplayRole, summary, 1,
                             Qt::MatchRecursive | Qt::MatchExactly)
                     .isEmpty());

    action->trigger();
    EXPECT_TRUE(window.showsDelegation());
    EXPECT_TRUE(QSettings().value("graph/showDelegation").toBool());
    ASSERT_NE(graph->delegationOverlay(), nullptr);
    EXPECT_EQ(graph->delegationBadgeText(delegated), "XNNPACK p0");
    EXPECT_EQ(graph->delegationBadgeText(concatenation), "builtin");
    EXPECT_EQ(graph->delegationBadgeText(dequantize), "prepare");
    EXPECT_TRUE(graph->delegationBadgeText(0).isEmpty());  // the input pill
    EXPECT_TRUE(graph->nodeToolTip(concatenation).contains("on the builtin kernels"))
        << graph->nodeToolTip(concatenation).toStdString();
    EXPECT_TRUE(graph->nodeToolTip(delegated).contains("XNNPACK: partition 0"));

    // The inspector follows at once, for the operator already shown and for the next one.
    const QString shown = window.inspector()->summaryText();
    EXPECT_TRUE(shown.contains(
        QString("XNNPACK: partition 0 (%1 operators)").arg(view->loaded()->xnnpack.partitionSize(0, 0))))
        << shown.toStdString();
    view->selection()->select(SelectionTarget::op(0, graph->graph()->nodes[concatenation].index));
    EXPECT_TRUE(window.inspector()->summaryText().contains("XNNPACK: on the builtin kernels — CONCATENATION"))
        << window.inspector()->summaryText().toStdString();

    // The shortcut turns it off again.
    action->trigger();
    EXPECT_FALSE(window.showsDelegation());
    EXPECT_EQ(graph->delegationOverlay(), nullptr);
    EXPECT_TRUE(graph->delegationBadgeText(concatenation).isEmpty());
    EXPECT_FALSE(window.inspector()->summaryText().contains("XNNPACK"));
    EXPECT_FALSE(QSettings().value("graph/showDelegation").toBool());
}

TEST_F(DelegationOverlayUiTest, RememberedAndAppliedToModelsOpenedLater) {
    QSettings().setValue("graph/showDelegation", true);
    MainWindow window;
    EXPECT_TRUE(window.showsDelegation());
    DocumentView* view = window.openFile(shared(kFaceDetection));
    ASSERT_TRUE(waitLoaded(view));
    ASSERT_NE(view->graphView()->delegationOverlay(), nullptr);
    EXPECT_EQ(view->graphView()->delegationBadgeText(nodeOfFirst(*view, "CONCATENATION")), "builtin");
}

TEST_F(DelegationOverlayUiTest, SaysWhyNothingIsShownForAModelThatCannotBePrepared) {
    MainWindow window;
    DocumentView* view = window.openFile(shared(kEdgeTpu));
    ASSERT_TRUE(waitLoaded(view));
    window.delegationAction()->trigger();
    EXPECT_TRUE(window.showsDelegation());  // it still toggles
    EXPECT_EQ(view->graphView()->delegationOverlay(), nullptr);
    const QString message = window.statusBar()->currentMessage();
    EXPECT_TRUE(message.contains("No XNNPACK partitions")) << message.toStdString();
    EXPECT_TRUE(message.contains("edgetpu-custom-op")) << message.toStdString();
}

TEST_F(DelegationOverlayUiTest, ZoomedOutTheOutlinesKeepThePartitionColour) {
    MainWindow window;
    window.resize(1200, 800);
    window.show();
    ASSERT_TRUE(QTest::qWaitForWindowExposed(&window));
    DocumentView* view = window.openFile(shared(kFaceDetection));
    ASSERT_TRUE(waitLoaded(view));
    window.setShowDelegation(true);
    GraphView* graph = view->graphView();
    graph->zoomToFit();
    while (graph->zoom() >= 0.25)
        graph->zoomOut();  // the far level of detail, whatever the fit
    QApplication::processEvents();
    const QImage image = graph->viewport()->grab().toImage();
    const QRgb wanted = partitionColor(0, isDarkTheme()).rgb();
    int hits = 0;
    for (int y = 0; y < image.height(); ++y)
        for (int x = 0; x < image.width(); ++x)
            hits += (image.pixel(x, y) & 0xffffff) == (wanted & 0xffffff);
    EXPECT_GT(hits, 50);
}

}  // namespace
}  // namespace litescope::ui

// The main window end to end on the offscreen platform: open real models, search, switch subgraphs, follow
// the selection into the inspector, broken files, Cancel, recent files and reload on change.
#include "ui/main_window.h"

#include <gtest/gtest.h>

#include <QApplication>
#include <QDir>
#include <QDragEnterEvent>
#include <QMimeData>
#include <QUrl>
#include <QFile>
#include <QLineEdit>
#include <QSettings>
#include <QTemporaryDir>
#include <QTest>

#include "tests/support/shared_data.h"
#include "ui/document_view.h"
#include "ui/graph_view.h"
#include "ui/overview_panel.h"
#include "ui/tensor_inspector.h"

namespace litescope::ui {
namespace {

const char* const kVww =
    "models/mlcommons-tiny/v0.1/training/visual_wake_words/trained_models/vww_96_int8.tflite";
const char* const kWhile = "models/litert/tflite/testdata/multi_subgraphs_while.bin";

QString shared(const char* relative) {
    return QString::fromStdString(test::sharedDir() + "/" + relative);
}

bool waitLoaded(DocumentView* view) {
    return QTest::qWaitFor([view] { return !view->isLoading(); }, 60'000) && view->loaded() != nullptr;
}

class MainWindowTest : public ::testing::Test {
  protected:
    void SetUp() override { QSettings().clear(); }
    MainWindow window;
};

TEST_F(MainWindowTest, OpensARealModelAndShowsItsFirstInput) {
    DocumentView* view = window.openFile(shared(kVww));
    ASSERT_TRUE(waitLoaded(view)) << view->errorMessage().toStdString();
    EXPECT_EQ(window.documentCount(), 1);
    EXPECT_EQ(view->loaded()->model->subgraphs()[0].operators.size(), 31u);
    EXPECT_EQ(view->graphView()->graph()->nodes.size(), 31u + 1 + 1);  // ops, one input, one output

    // Selecting the input shows its type and quantization in the inspector.
    view->selection()->select(SelectionTarget::tensor(0, 0));
    const QString shown = window.inspector()->summaryText();
    EXPECT_TRUE(shown.contains("INT8")) << shown.toStdString();
    EXPECT_TRUE(shown.contains("-128")) << shown.toStdString();
    EXPECT_TRUE(shown.contains("0.0039")) << shown.toStdString();
    EXPECT_TRUE(window.windowTitle().contains("vww_96_int8.tflite"));
}

TEST_F(MainWindowTest, FindSelectsMatchingOperators) {
    DocumentView* view = window.openFile(shared(kVww));
    ASSERT_TRUE(waitLoaded(view));
    view->showFindBar();
    view->findEdit()->setText("DEPTHWISE_CONV_2D");
    ASSERT_GT(view->findMatchCount(), 0);
    const SelectionTarget first = view->selection()->current();
    ASSERT_EQ(first.kind, SelectionTarget::Kind::Operator);
    const auto& sg = view->loaded()->model->subgraphs()[0];
    EXPECT_EQ(view->loaded()->model->operatorCode(sg.operators[first.index]).name, "DEPTHWISE_CONV_2D");
    view->findNext();
    EXPECT_NE(view->selection()->current(), first);

    view->findEdit()->setText("no such thing anywhere");
    EXPECT_EQ(view->findMatchCount(), 0);
}

TEST_F(MainWindowTest, SwitchesToAControlFlowBody) {
    DocumentView* view = window.openFile(shared(kWhile));
    ASSERT_TRUE(waitLoaded(view));
    ASSERT_GE(view->loaded()->model->subgraphs().size(), 2u);
    view->setSubgraph(1);
    EXPECT_EQ(view->currentSubgraph(), 1);
    EXPECT_EQ(view->graphView()->graph()->subgraph, 1);
    EXPECT_EQ(view->graphView()->graph()->nodes.size(), view->loaded()->graphs[1]->nodes.size());
}

TEST_F(MainWindowTest, TableSelectionIsShared) {
    DocumentView* view = window.openFile(shared(kVww));
    ASSERT_TRUE(waitLoaded(view));
    view->selection()->select(SelectionTarget::op(0, 5));
    view->showPage(DocumentView::Page::Operators);
    EXPECT_EQ(view->currentPage(), DocumentView::Page::Operators);
    EXPECT_TRUE(window.inspector()->summaryText().contains("Operator 5"))
        << window.inspector()->summaryText().toStdString();
}

TEST_F(MainWindowTest, BrokenFileShowsTheLoadersMessage) {
    DocumentView* view = window.openFile(shared("models/litert/tflite/testdata/0_subgraphs.bin"));
    EXPECT_FALSE(waitLoaded(view));
    EXPECT_FALSE(view->errorMessage().isEmpty());
    EXPECT_TRUE(view->errorMessage().contains("subgraph")) << view->errorMessage().toStdString();

    DocumentView* missing = window.openFile("/nonexistent/model.tflite");
    EXPECT_FALSE(waitLoaded(missing));
    EXPECT_TRUE(missing->errorMessage().contains("model.tflite")) << missing->errorMessage().toStdString();
    EXPECT_EQ(window.documentCount(), 2);
}

TEST_F(MainWindowTest, CancelStopsLoading) {
    DocumentView* view =
        window.openFile(shared("models/tflite-support/tensorflow_lite_support/cc/test/testdata/task/vision/"
                               "coco_ssd_mobilenet_v1_1.0_quant_2018_06_29.tflite"));
    view->cancelLoading();
    EXPECT_FALSE(waitLoaded(view));
    EXPECT_TRUE(view->errorMessage().contains("cancelled")) << view->errorMessage().toStdString();
    view->reload();
    EXPECT_TRUE(waitLoaded(view)) << view->errorMessage().toStdString();
}

TEST_F(MainWindowTest, OpensTheDemoModelsAndRemembersRecentFiles) {
    DocumentView* demo = window.openDemo(false);
    ASSERT_TRUE(waitLoaded(demo)) << demo->errorMessage().toStdString();
    DocumentView* demoInt8 = window.openDemo(true);
    ASSERT_TRUE(waitLoaded(demoInt8)) << demoInt8->errorMessage().toStdString();
    EXPECT_EQ(window.documentCount(), 2);

    DocumentView* view = window.openFile(shared(kVww));
    ASSERT_TRUE(waitLoaded(view));
    ASSERT_FALSE(window.recentFiles().isEmpty());
    EXPECT_TRUE(window.recentFiles().front().endsWith("vww_96_int8.tflite"));
    // Opening it again switches to its tab instead of opening a second copy.
    EXPECT_EQ(window.openFile(shared(kVww)), view);
    EXPECT_EQ(window.documentCount(), 3);
}

TEST_F(MainWindowTest, OpensDroppedFiles) {
    QMimeData mime;
    mime.setUrls({QUrl::fromLocalFile(shared(kVww)), QUrl::fromLocalFile(shared(kWhile))});
    QDragEnterEvent enter(QPoint(10, 10), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(&window, &enter);
    EXPECT_TRUE(enter.isAccepted());
    QDropEvent drop(QPointF(10, 10), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(&window, &drop);
    ASSERT_EQ(window.documentCount(), 2);
    EXPECT_TRUE(waitLoaded(window.document(0)));
    EXPECT_TRUE(waitLoaded(window.document(1)));
    EXPECT_EQ(window.currentDocument(), window.document(1));
}

TEST_F(MainWindowTest, OffersToReloadWhenTheFileChanges) {
    QTemporaryDir dir;
    const QString path = dir.filePath("copy.tflite");
    ASSERT_TRUE(QFile::copy(shared(kVww), path));
    DocumentView* view = window.openFile(path);
    ASSERT_TRUE(waitLoaded(view));
    QTest::qWait(50);
    {
        QFile file(path);
        ASSERT_TRUE(file.open(QIODevice::Append));
        file.write("\0", 1);
    }
    EXPECT_TRUE(QTest::qWaitFor([view] { return view->isFileChangedBarVisible(); }, 5000));
    view->reload();
    EXPECT_TRUE(waitLoaded(view));
    EXPECT_FALSE(view->isFileChangedBarVisible());
}

}  // namespace
}  // namespace litescope::ui

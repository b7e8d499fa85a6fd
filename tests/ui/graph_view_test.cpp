// The graph view on the offscreen platform: clicks and keys drive the shared selection, outside selections
// are highlighted and scrolled to, zoom, export, control-flow links, and a 10,000-node graph's cost.
#include "ui/graph_view.h"

#include <gtest/gtest.h>

#include <QDir>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QGraphicsItem>
#include <QImage>
#include <QPainter>
#include <QScrollBar>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QToolTip>
#include <QWheelEvent>
#include <iomanip>
#include <iostream>
#include <set>

#include "tests/support/model_builder.h"
#include "tests/support/shared_data.h"

namespace litescope::ui {
namespace {

const char* const kVww = "mlcommons-tiny/v0.1/training/visual_wake_words/trained_models/vww_96_int8.tflite";
const char* const kWhile = "litert/tflite/testdata/multi_subgraphs_while.bin";

std::shared_ptr<const Model> load(const std::string& relative) {
    auto model = Model::fromFile(test::modelPath(relative));
    if (!model) {
        ADD_FAILURE() << relative << ": " << model.message();
        return nullptr;
    }
    return *model;
}

QPoint toViewport(const GraphView& view, const QPointF& scenePoint) {
    return view.mapFromScene(scenePoint);
}

class GraphViewTest : public ::testing::Test {
  protected:
    void SetUp() override {
        model = load(kVww);
        ASSERT_TRUE(model);
        graph = std::make_shared<OpGraph>(buildOpGraph(*model, 0));
        view.setSelectionModel(&selection);
        view.resize(900, 700);
        view.show();
        ASSERT_TRUE(QTest::qWaitForWindowExposed(&view));
        view.setGraph(model, graph);
    }

    // Shows `node` at 100% in the middle of the view.
    void showNode(int node) {
        view.resetZoom();
        view.centerOn(view.nodeSceneRect(node).center());
    }

    // A point inside the node's box, away from its "+N const" marker on the right.
    QPoint insideNode(int node) {
        const QRectF rect = view.nodeSceneRect(node);
        return toViewport(view, QPointF(rect.left() + 14, rect.center().y()));
    }

    QRectF visibleScene() const { return view.mapToScene(view.viewport()->rect()).boundingRect(); }

    std::shared_ptr<const Model> model;
    std::shared_ptr<OpGraph> graph;
    SelectionModel selection;
    GraphView view;
};

TEST_F(GraphViewTest, ShowsTheGraph) {
    ASSERT_EQ(view.graph(), graph);
    EXPECT_EQ(view.graph()->nodes.size(), 31u + 1 + 1);
    view.resetZoom();  // far out the view draws an overview instead of the item scene
    EXPECT_EQ(view.scene()->items().size(), graph->nodes.size() + graph->edges.size());
}

TEST_F(GraphViewTest, ClickingSelectsOperatorsTensorsAndEdges) {
    const int op3 = graph->nodeForOperator(3);
    showNode(op3);
    QTest::mouseClick(view.viewport(), Qt::LeftButton, {}, insideNode(op3));
    EXPECT_EQ(selection.current(), SelectionTarget::op(0, 3));
    EXPECT_TRUE(view.isNodeHighlighted(op3));

    // The input node selects its tensor.
    showNode(0);
    QTest::mouseClick(view.viewport(), Qt::LeftButton, {}, toViewport(view, view.nodeSceneRect(0).center()));
    EXPECT_EQ(selection.current(), SelectionTarget::tensor(0, graph->nodes[0].index));

    // An edge selects the tensor it carries: this chain's edges run straight down between the boxes.
    const int edge = graph->incomingEdges(op3)[0];
    const auto& path = graph->edges[edge].path;
    const QPointF middle((path.front().x + path.back().x) / 2, (path.front().y + path.back().y) / 2);
    showNode(op3);
    QTest::mouseClick(view.viewport(), Qt::LeftButton, {}, toViewport(view, middle));
    EXPECT_EQ(selection.current(), SelectionTarget::tensor(0, graph->edges[edge].tensor));
    EXPECT_TRUE(view.isEdgeHighlighted(edge));

    // Empty space clears it.
    const QRectF rect = view.nodeSceneRect(op3);
    QTest::mouseClick(view.viewport(), Qt::LeftButton, {},
                      toViewport(view, QPointF(rect.right() + 200, rect.center().y())));
    EXPECT_TRUE(selection.current().isNone());
    EXPECT_FALSE(view.isEdgeHighlighted(edge));
}

TEST_F(GraphViewTest, OutsideSelectionIsHighlightedAndScrolledIntoView) {
    view.showOverviewOfTop();
    const int far = graph->nodeForOperator(27);
    ASSERT_FALSE(visibleScene().contains(view.nodeSceneRect(far)));
    selection.select(SelectionTarget::op(0, 27));
    EXPECT_TRUE(view.isNodeHighlighted(far));
    EXPECT_TRUE(visibleScene().contains(view.nodeSceneRect(far)));

    // A tensor lights up its edges and no longer the operator.
    const int32_t tensor = model->subgraphs()[0].operators[5].outputs[0];
    selection.select(SelectionTarget::tensor(0, tensor));
    EXPECT_FALSE(view.isNodeHighlighted(far));
    const auto edges = graph->edgesForTensor(tensor);
    ASSERT_FALSE(edges.empty());
    for (int32_t e : edges)
        EXPECT_TRUE(view.isEdgeHighlighted(e));

    // A folded constant highlights the node it is folded into.
    const int op7 = graph->nodeForOperator(7);
    selection.select(SelectionTarget::tensor(0, graph->nodes[op7].foldedConstants[0]));
    EXPECT_TRUE(view.isNodeHighlighted(op7));
    EXPECT_TRUE(visibleScene().contains(view.nodeSceneRect(op7)));

    // Another subgraph's selection is not ours.
    selection.select(SelectionTarget::op(1, 3));
    EXPECT_FALSE(view.isNodeHighlighted(graph->nodeForOperator(3)));
}

TEST_F(GraphViewTest, ZoomToFitShowsTheWholeGraph) {
    view.resetZoom();
    view.zoomIn();
    view.zoomIn();
    EXPECT_GT(view.zoom(), 1.4);
    view.zoomToFit();
    const QRectF visible = visibleScene();
    EXPECT_TRUE(visible.contains(QRectF(0, 0, graph->width, graph->height)))
        << visible.x() << "," << visible.y() << " " << visible.width() << "x" << visible.height();
    const double fit = view.zoom();
    EXPECT_LE(fit, 1.0);
    view.zoomOut();
    EXPECT_LT(view.zoom(), fit);
    view.resetZoom();
    EXPECT_DOUBLE_EQ(view.zoom(), 1.0);
}

TEST_F(GraphViewTest, WheelZoomsAroundTheCursor) {
    showNode(graph->nodeForOperator(10));
    const QPoint cursor(200, 150);
    const QPointF before = view.mapToScene(cursor);
    const double zoom = view.zoom();
    QWheelEvent wheel(QPointF(cursor), QPointF(view.viewport()->mapToGlobal(cursor)), QPoint(),
                      QPoint(0, 120), Qt::NoButton, Qt::NoModifier, Qt::NoScrollPhase, false);
    QApplication::sendEvent(view.viewport(), &wheel);
    EXPECT_GT(view.zoom(), zoom * 1.1);
    const QPointF after = view.mapToScene(cursor);
    EXPECT_NEAR(after.x(), before.x(), 2.0);
    EXPECT_NEAR(after.y(), before.y(), 2.0);
}

TEST_F(GraphViewTest, KeyboardMovesTheSelectionAlongTheGraph) {
    selection.select(SelectionTarget::op(0, 3));
    view.setFocus();
    QTest::keyClick(&view, Qt::Key_Down);
    // In this chain op 3's output is read by op 4.
    EXPECT_EQ(selection.current(), SelectionTarget::op(0, 4));
    QTest::keyClick(&view, Qt::Key_Up);
    EXPECT_EQ(selection.current(), SelectionTarget::op(0, 3));
    QTest::keyClick(&view, Qt::Key_Left);  // nothing beside it in this chain
    EXPECT_EQ(selection.current(), SelectionTarget::op(0, 3));
    QTest::keyClick(&view, Qt::Key_Home);
    EXPECT_EQ(selection.current(), SelectionTarget::tensor(0, model->subgraphs()[0].inputs[0]));
    QTest::keyClick(&view, Qt::Key_Down);
    EXPECT_EQ(selection.current(), SelectionTarget::op(0, 0));

    const double zoom = view.zoom();
    QTest::keyClick(&view, Qt::Key_Plus);
    EXPECT_GT(view.zoom(), zoom);
    QTest::keyClick(&view, Qt::Key_Minus);
    QTest::keyClick(&view, Qt::Key_Minus);
    EXPECT_LT(view.zoom(), zoom);

    // Space lists the selected operator's folded constants.
    const int op0 = graph->nodeForOperator(0);
    EXPECT_FALSE(view.isNodeExpanded(op0));
    QTest::keyClick(&view, Qt::Key_Space);
    EXPECT_TRUE(view.isNodeExpanded(op0));
    QTest::keyClick(&view, Qt::Key_Space);
    EXPECT_FALSE(view.isNodeExpanded(op0));

    QSignalSpy find(&view, &GraphView::findRequested);
    QTest::keyClick(&view, Qt::Key_F, Qt::ControlModifier);
    EXPECT_EQ(find.count(), 1);
}

TEST_F(GraphViewTest, ClickingTheConstMarkerExpandsTheNode) {
    const int op2 = graph->nodeForOperator(2);
    showNode(op2);
    const QRectF rect = view.nodeSceneRect(op2);
    const QPoint marker = toViewport(view, QPointF(rect.right() - 20, rect.top() + 31));
    QTest::mouseClick(view.viewport(), Qt::LeftButton, {}, marker);
    EXPECT_TRUE(view.isNodeExpanded(op2));
    EXPECT_EQ(selection.current(), SelectionTarget::op(0, 2));
    QTest::mouseClick(view.viewport(), Qt::LeftButton, {}, marker);
    EXPECT_FALSE(view.isNodeExpanded(op2));
}

TEST_F(GraphViewTest, SearchFocusCentresTheMatch) {
    auto matches = findInGraph(*model, *graph, "SOFTMAX");
    ASSERT_EQ(matches.size(), 1u);
    view.showOverviewOfTop();
    view.setSearchMatches(matches);
    view.focusMatch(0);
    EXPECT_TRUE(visibleScene().contains(view.nodeSceneRect(matches[0].node)));
    EXPECT_GE(view.zoom(), 0.7);
    view.setSearchMatches({});
    view.focusMatch(0);  // no matches left: nothing happens
}

TEST_F(GraphViewTest, TooltipsDescribeNodesAndEdges) {
    const int op3 = graph->nodeForOperator(3);
    showNode(op3);
    const QPoint pos = insideNode(op3);
    QHelpEvent help(QEvent::ToolTip, pos, view.viewport()->mapToGlobal(pos));
    QApplication::sendEvent(view.viewport(), &help);
    const QString text = QToolTip::text();
    EXPECT_TRUE(text.contains("DEPTHWISE_CONV_2D")) << text.toStdString();
    EXPECT_TRUE(text.contains("#3")) << text.toStdString();
    EXPECT_TRUE(text.contains("INT8")) << text.toStdString();
    QToolTip::hideText();
}

// Not a blank canvas: the background and at least two other colours (a zoomed-out graph may be a single
// pixel wide, so every pixel is looked at).
bool hasSeveralColours(const QImage& image) {
    std::set<QRgb> colours;
    for (int y = 0; y < image.height() && colours.size() < 3; ++y)
        for (int x = 0; x < image.width() && colours.size() < 3; ++x)
            colours.insert(image.pixel(x, y));
    return colours.size() >= 3;
}

TEST_F(GraphViewTest, ExportsPngAndSvg) {
    QTemporaryDir dir;
    ASSERT_TRUE(dir.isValid());
    const QString png = dir.filePath("graph.png");
    ASSERT_TRUE(view.exportImage(png)) << view.errorString().toStdString();
    EXPECT_GT(QFileInfo(png).size(), 1000);
    const QImage image(png);
    ASSERT_FALSE(image.isNull());
    // The whole graph, at least at 1:1.
    EXPECT_GE(image.height(), static_cast<int>(graph->height));
    EXPECT_TRUE(hasSeveralColours(image));

    const QString svg = dir.filePath("graph.svg");
    ASSERT_TRUE(view.exportImage(svg)) << view.errorString().toStdString();
    EXPECT_GT(QFileInfo(svg).size(), 1000);
    QFile file(svg);
    ASSERT_TRUE(file.open(QIODevice::ReadOnly));
    const QByteArray content = file.readAll();
    EXPECT_TRUE(content.contains("<svg"));
    EXPECT_TRUE(content.contains("DEPTHWISE_CONV_2D"));

    EXPECT_FALSE(view.exportImage(dir.filePath("graph.bmpx")));
    EXPECT_TRUE(view.errorString().contains("bmpx")) << view.errorString().toStdString();
    EXPECT_FALSE(view.exportImage("/nonexistent-dir/graph.png"));
    EXPECT_FALSE(view.errorString().isEmpty());
    EXPECT_FALSE(view.exportImage("/nonexistent-dir/graph.svg"));
    EXPECT_FALSE(view.errorString().isEmpty());
}

TEST(GraphViewControlFlowTest, DoubleClickingALoopOpensItsBody) {
    auto model = load(kWhile);
    ASSERT_TRUE(model);
    auto graph = std::make_shared<OpGraph>(buildOpGraph(*model, 0));
    GraphView view;
    view.resize(800, 600);
    view.show();
    ASSERT_TRUE(QTest::qWaitForWindowExposed(&view));
    view.setGraph(model, graph);
    int loop = -1;
    for (size_t n = 0; n < graph->nodes.size(); ++n)
        if (graph->nodes[n].title == "WHILE") loop = static_cast<int>(n);
    ASSERT_GE(loop, 0);
    QSignalSpy spy(&view, &GraphView::subgraphLinkActivated);
    const QRectF rect = view.nodeSceneRect(loop);
    QTest::mouseDClick(view.viewport(), Qt::LeftButton, {},
                       view.mapFromScene(rect.left() + 12, rect.top() + 10));
    ASSERT_EQ(spy.count(), 1);
    EXPECT_EQ(spy.at(0).at(0).toInt(), graph->nodes[loop].calledSubgraphs[1]);  // the body, not the condition

    // Enter on the selected loop does the same.
    view.selectionModel()->select(SelectionTarget::op(0, graph->nodes[loop].index));
    QTest::keyClick(&view, Qt::Key_Return);
    ASSERT_EQ(spy.count(), 2);
    EXPECT_EQ(spy.at(1).at(0).toInt(), graph->nodes[loop].calledSubgraphs[1]);
}

TEST(GraphViewEmptyTest, NoGraphIsHarmless) {
    GraphView view;
    view.setGraph(nullptr, nullptr);
    view.zoomToFit();
    view.zoomIn();
    view.showOverviewOfTop();
    view.setSearchMatches({GraphMatch{0, -1, "x"}});
    view.focusMatch(0);
    EXPECT_FALSE(view.exportImage(QDir::temp().filePath("litescope-empty-graph.png")));
    EXPECT_FALSE(view.errorString().isEmpty());
    QTest::keyClick(&view, Qt::Key_Down);
    EXPECT_EQ(view.nodeAt(QPoint(10, 10)), -1);
}

// A chain of 10,000 operators with a residual ADD every few ops and folded weights, like a very deep
// ResNet: how long the view takes to build its scene and to paint one frame, zoomed out and at 100%.
std::shared_ptr<const Model> deepChainModel(int operators) {
    test::ModelBuilder b;
    const uint32_t relu = b.addOperatorCode(fb::BuiltinOperator::RELU);
    const uint32_t add = b.addOperatorCode(fb::BuiltinOperator::ADD);
    const uint32_t mul = b.addOperatorCode(fb::BuiltinOperator::MUL);
    int32_t tail = b.addTensor("input", fb::TensorType::FLOAT32, {1, 56, 56, 64});
    b.subgraphs[0].inputs = {tail};
    int32_t blockStart = tail;
    const int32_t scale = b.addConstant("scale", {1}, {0.5f});
    for (int i = 0; i < operators; ++i) {
        const int32_t out = b.addTensor("t" + std::to_string(i), fb::TensorType::FLOAT32, {1, 56, 56, 64});
        test::OperatorSpec op;
        if (i % 4 == 3) {
            op.opcodeIndex = add;
            op.inputs = {tail, blockStart};
            blockStart = out;
        } else if (i % 4 == 1) {
            op.opcodeIndex = mul;
            op.inputs = {tail, scale};
        } else {
            op.opcodeIndex = relu;
            op.inputs = {tail};
        }
        op.outputs = {out};
        b.addOperator(std::move(op));
        tail = out;
    }
    b.subgraphs[0].outputs = {tail};
    auto model = Model::fromBytes(b.build(), "deep-chain");
    if (!model) {
        ADD_FAILURE() << model.message();
        return nullptr;
    }
    return *model;
}

TEST(GraphViewScaleTest, TenThousandNodesBuildAndRender) {
    auto model = deepChainModel(10'000);
    ASSERT_TRUE(model);
    QElapsedTimer timer;
    timer.start();
    auto graph = std::make_shared<OpGraph>(buildOpGraph(*model, 0));
    const qint64 buildMs = timer.restart();
    ASSERT_EQ(graph->nodes.size(), 10'002u);

    GraphView view;
    view.resize(1200, 800);
    view.show();
    ASSERT_TRUE(QTest::qWaitForWindowExposed(&view));
    timer.restart();
    view.setGraph(model, graph);
    const qint64 sceneMs = timer.restart();

    QImage frame(view.viewport()->size(), QImage::Format_RGB32);
    auto paintFrame = [&] {
        timer.restart();
        QPainter painter(&frame);
        view.render(&painter, QRectF(frame.rect()), view.viewport()->rect());
        painter.end();
        return static_cast<double>(timer.nsecsElapsed()) / 1e6;
    };
    auto zoomTo = [&](double scale, int node) {
        while (view.zoom() < scale)
            view.zoomIn();
        view.centerOn(view.nodeSceneRect(node).center());
    };
    view.zoomToFit();
    const double fitZoom = view.zoom();
    const double fitMs = paintFrame();  // every box and edge at once
    EXPECT_TRUE(hasSeveralColours(frame));
    zoomTo(0.1, 5000);
    const double tenthMs = paintFrame();
    EXPECT_TRUE(hasSeveralColours(frame));
    zoomTo(0.35, 5000);  // items, titles only; the first item frame also builds the scene's index
    const double firstItemsMs = paintFrame();
    const double mediumMs = paintFrame();
    EXPECT_TRUE(hasSeveralColours(frame));
    view.resetZoom();
    view.centerOn(view.nodeSceneRect(7000).center());
    const double closeMs = paintFrame();
    EXPECT_TRUE(hasSeveralColours(frame));
    view.verticalScrollBar()->setValue(view.verticalScrollBar()->value() + 800);  // a screen further down
    const double panMs = paintFrame();

    std::cout << std::fixed << std::setprecision(1) << "[ timing ] 10k-node graph: buildOpGraph " << buildMs
              << " ms, setGraph (scene of " << graph->nodes.size() + graph->edges.size() << " items) "
              << sceneMs << " ms; one frame " << view.viewport()->width() << "x" << view.viewport()->height()
              << ": at fit (zoom " << std::setprecision(5) << fitZoom << std::setprecision(1) << ") " << fitMs
              << " ms, at 10% " << tenthMs << " ms, first at 35% " << firstItemsMs << " ms, at 35% "
              << mediumMs << " ms, at 100% " << closeMs << " ms, after a pan " << panMs << " ms\n";
    ::testing::Test::RecordProperty("build_ms", static_cast<int>(buildMs));
    ::testing::Test::RecordProperty("scene_ms", static_cast<int>(sceneMs));
    ::testing::Test::RecordProperty("fit_frame_ms", static_cast<int>(fitMs));
    ::testing::Test::RecordProperty("medium_frame_ms", static_cast<int>(mediumMs));
    ::testing::Test::RecordProperty("close_frame_ms", static_cast<int>(closeMs));
}

}  // namespace
}  // namespace litescope::ui

// The inspector and overview widgets on real models: per-channel tables, histogram charts, operator rows
// that lead to tensors, and Copy actions that put tab-separated text on the clipboard.
#include "ui/tensor_inspector.h"

#include <gtest/gtest.h>

#include <QAction>
#include <QAreaSeries>
#include <QChart>
#include <QChartView>
#include <QClipboard>
#include <QCoreApplication>
#include <QGuiApplication>
#include <QLabel>
#include <QLineSeries>
#include <QSignalSpy>
#include <QStackedWidget>
#include <QTabWidget>
#include <QTableWidget>
#include <QTest>
#include <QTreeView>

#include "profiler/model_report.h"
#include "tests/support/shared_data.h"
#include "ui/overview_panel.h"
#include "ui/theme.h"

namespace litescope::ui {
namespace {

constexpr const char* kVww =
    "mlcommons-tiny/v0.1/training/visual_wake_words/trained_models/vww_96_int8.tflite";

std::shared_ptr<const Model> loadVww() {
    auto model = Model::fromFile(test::modelPath(kVww));
    EXPECT_TRUE(model.isOk()) << model.message();
    return model.isOk() ? model.value() : nullptr;
}

QAction* actionNamed(QWidget* widget, const QString& name) {
    for (QAction* action : widget->actions())
        if (action->objectName() == name) return action;
    return nullptr;
}

const QWidget* currentPage(const TensorInspector& inspector) {
    auto* stack = inspector.findChild<QStackedWidget*>();
    return stack ? stack->currentWidget() : nullptr;
}

TEST(TensorInspector, PlaceholderUntilSomethingIsSelected) {
    TensorInspector inspector;
    auto* placeholder = inspector.findChild<QLabel*>("placeholder");
    ASSERT_TRUE(placeholder);
    EXPECT_EQ(currentPage(inspector), placeholder);
    EXPECT_EQ(placeholder->text(), "Select an operator or tensor in the graph or tables");
    inspector.showSelection(SelectionTarget::tensor(0, 44));  // no model yet
    EXPECT_EQ(currentPage(inspector), placeholder);

    inspector.setModel(loadVww());
    inspector.showSelection(SelectionTarget::tensor(0, 500));
    EXPECT_EQ(currentPage(inspector), placeholder);
    EXPECT_TRUE(placeholder->text().contains("500"));
    inspector.showSelection({});
    EXPECT_EQ(placeholder->text(), "Select an operator or tensor in the graph or tables");
}

TEST(TensorInspector, PerChannelTensorShowsChannelsChartsAndCopies) {
    auto model = loadVww();
    ASSERT_TRUE(model);
    TensorInspector inspector;
    inspector.resize(420, 800);
    inspector.setModel(model);
    inspector.show();
    inspector.activateWindow();
    ASSERT_TRUE(QTest::qWaitForWindowActive(&inspector));  // shortcuts fire only in the active window
    // Tensor 44: the first convolution's [8,3,3,3] int8 weights, quantized per output channel.
    inspector.showSelection(SelectionTarget::tensor(0, 44));

    auto* channels = inspector.findChild<QTableWidget*>("perChannelTable");
    ASSERT_TRUE(channels);
    EXPECT_TRUE(channels->isVisibleTo(&inspector));
    EXPECT_EQ(channels->rowCount(), 8);
    const Tensor& t = model->subgraphs()[0].tensors[44];
    EXPECT_EQ(channels->item(3, 1)->text(), numberText(t.quantization.scale[3]));
    EXPECT_EQ(channels->item(3, 3)->text(), numberText(t.quantization.scale[3] * -128.0));

    auto* properties = inspector.findChild<QTableWidget*>("tensorProperties");
    ASSERT_TRUE(properties);
    EXPECT_GT(properties->rowCount(), 10);

    for (const char* name : {"storedHistogram", "realHistogram"}) {
        SCOPED_TRACE(name);
        auto* view = inspector.findChild<QChartView*>(name);
        ASSERT_TRUE(view);
        ASSERT_EQ(view->chart()->series().size(), 1);
        auto* area = qobject_cast<QAreaSeries*>(view->chart()->series().front());
        ASSERT_TRUE(area);
        ASSERT_TRUE(area->upperSeries());
        EXPECT_FALSE(area->upperSeries()->points().isEmpty());
        EXPECT_EQ(view->chart()->axes(Qt::Horizontal).size(), 1);
        EXPECT_EQ(view->chart()->axes(Qt::Vertical).size(), 1);
    }
    auto* tabs = inspector.findChild<QTabWidget*>("histogramTabs");
    ASSERT_TRUE(tabs);
    EXPECT_TRUE(tabs->isTabVisible(1));
    auto* summary = inspector.findChild<QLabel*>("valueSummary");
    ASSERT_TRUE(summary);
    EXPECT_TRUE(summary->text().contains("127 distinct values")) << summary->text().toStdString();
    EXPECT_TRUE(summary->text().contains("Zeros 0.0%")) << summary->text().toStdString();

    QGuiApplication::clipboard()->clear();
    QAction* copy = actionNamed(channels, "copyAction");
    ASSERT_TRUE(copy);
    EXPECT_EQ(copy->shortcut(), QKeySequence(QKeySequence::Copy));
    copy->trigger();
    const QStringList lines = QGuiApplication::clipboard()->text().split('\n', Qt::SkipEmptyParts);
    ASSERT_EQ(lines.size(), 1 + 8);
    EXPECT_TRUE(lines[0].startsWith("Channel\tScale\tZero point\tReal min\tReal max"));
    EXPECT_TRUE(lines[4].startsWith("3\t" + numberText(t.quantization.scale[3]) + "\t0\t"));

    // With rows selected, Copy takes only those; Ctrl+C does the same.
    channels->selectRow(2);
    channels->setFocus();
    QTest::keyClick(channels, Qt::Key_C, Qt::ControlModifier);
    const QStringList selected = QGuiApplication::clipboard()->text().split('\n', Qt::SkipEmptyParts);
    ASSERT_EQ(selected.size(), 2);
    EXPECT_TRUE(selected[1].startsWith("2\t"));

    QAction* copyProperties = actionNamed(properties, "copyAction");
    ASSERT_TRUE(copyProperties);
    copyProperties->trigger();
    EXPECT_TRUE(QGuiApplication::clipboard()->text().startsWith("Property\tValue\nName\t"));
}

TEST(TensorInspector, FloatAndActivationTensors) {
    auto model = loadVww();
    ASSERT_TRUE(model);
    TensorInspector inspector;
    inspector.setModel(model);
    inspector.showSelection(SelectionTarget::tensor(0, 43));  // per-tensor FULLY_CONNECTED weights
    auto* channels = inspector.findChild<QTableWidget*>("perChannelTable");
    EXPECT_EQ(channels->rowCount(), 0);
    EXPECT_FALSE(channels->isVisibleTo(&inspector));
    auto* tabs = inspector.findChild<QTabWidget*>("histogramTabs");
    EXPECT_TRUE(tabs->isTabVisible(1));

    inspector.showSelection(SelectionTarget::tensor(0, 58));  // an activation: no stored values
    EXPECT_FALSE(tabs->isVisibleTo(&inspector));
    EXPECT_TRUE(inspector.findChild<QLabel*>("valueSummary")->text().contains("filled when the model runs"));
}

TEST(TensorInspector, OperatorRowsActivateTensors) {
    auto model = loadVww();
    ASSERT_TRUE(model);
    TensorInspector inspector;
    inspector.resize(420, 700);
    inspector.setModel(model);
    inspector.show();
    ASSERT_TRUE(QTest::qWaitForWindowExposed(&inspector));
    inspector.showSelection(SelectionTarget::op(0, 0));

    auto* tensors = inspector.findChild<QTableWidget*>("operatorTensors");
    ASSERT_TRUE(tensors);
    EXPECT_EQ(currentPage(inspector), tensors->parentWidget()->parentWidget());
    ASSERT_EQ(tensors->rowCount(), 4);  // CONV_2D: input, weights, bias, output
    EXPECT_EQ(tensors->item(1, 1)->text(), "44");

    QSignalSpy spy(&inspector, &TensorInspector::tensorActivated);
    const QRect rect = tensors->visualItemRect(tensors->item(1, 2));
    QTest::mouseClick(tensors->viewport(), Qt::LeftButton, {}, rect.center());
    ASSERT_EQ(spy.count(), 1);
    EXPECT_EQ(spy.at(0).at(0).toInt(), 0);
    EXPECT_EQ(spy.at(0).at(1).toInt(), 44);

    auto* properties = inspector.findChild<QTableWidget*>("operatorProperties");
    ASSERT_TRUE(properties);
    ASSERT_TRUE(actionNamed(properties, "copyAction"));
    actionNamed(properties, "copyAllAction")->trigger();
    EXPECT_TRUE(QGuiApplication::clipboard()->text().contains("Op\tCONV_2D"));
}

TEST(TensorInspector, ChartsFollowTheTheme) {
    auto model = loadVww();
    ASSERT_TRUE(model);
    TensorInspector inspector;
    inspector.setModel(model);
    inspector.showSelection(SelectionTarget::tensor(0, 44));
    auto* view = inspector.findChild<QChartView*>("storedHistogram");
    ASSERT_TRUE(view);
    for (ThemeChoice theme : {ThemeChoice::Dark, ThemeChoice::Light}) {
        applyTheme(theme);
        QCoreApplication::processEvents();
        EXPECT_EQ(view->chart()->backgroundBrush().color(), inspector.palette().color(QPalette::Base));
        EXPECT_EQ(view->chart()->axes(Qt::Horizontal).front()->labelsBrush().color(),
                  inspector.palette().color(QPalette::Text));
    }
    applyTheme(ThemeChoice::System);
}

TEST(OverviewPanel, ShowsExpandedSectionsAndCopies) {
    auto model = loadVww();
    ASSERT_TRUE(model);
    const ModelReport report = buildModelReport(*model);
    OverviewPanel panel;
    panel.setOverview(
        buildOverview(QString::fromStdString(test::modelPath(kVww)), report.fileSize, *model, report));
    ASSERT_EQ(panel.model()->rowCount(), 10);
    const QModelIndex inputs = panel.model()->index(static_cast<int>(OverviewSection::Inputs), 0);
    EXPECT_TRUE(panel.view()->isExpanded(inputs));
    EXPECT_FALSE(panel.view()->isExpanded(panel.model()->index(0, 0, inputs)));

    QAction* copy = actionNamed(panel.view(), "copyAction");
    ASSERT_TRUE(copy);
    copy->trigger();
    const QString text = QGuiApplication::clipboard()->text();
    EXPECT_TRUE(text.startsWith("Property\tValue\nFile\tvww_96_int8.tflite\n"));
    EXPECT_TRUE(text.contains("  input_1_int8\t[1,96,96,3] INT8 scale 0.0039216 zp -128\n"));

    panel.clear();
    EXPECT_EQ(panel.model()->rowCount(), 0);
    panel.setLoadedModel(nullptr);
    EXPECT_EQ(panel.model()->rowCount(), 0);
}

}  // namespace
}  // namespace litescope::ui

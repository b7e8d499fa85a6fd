#include "ui/tensor_inspector.h"

#include <QAction>
#include <QAreaSeries>
#include <QChart>
#include <QChartView>
#include <QClipboard>
#include <QEvent>
#include <QGuiApplication>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLabel>
#include <QLineSeries>
#include <QSplitter>
#include <QStackedWidget>
#include <QTabWidget>
#include <QTableWidget>
#include <QTextDocument>
#include <QVBoxLayout>
#include <QValueAxis>
#include <cmath>

#include "ui/theme.h"

namespace litescope::ui {

namespace {

const char* const kPlaceholder = "Select an operator or tensor in the graph or tables";

QTableWidget* makeTable(const QStringList& headers, const QString& objectName, QWidget* parent) {
    auto* table = new QTableWidget(0, static_cast<int>(headers.size()), parent);
    table->setObjectName(objectName);
    table->setHorizontalHeaderLabels(headers);
    table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    table->setSelectionBehavior(QAbstractItemView::SelectRows);
    table->setSelectionMode(QAbstractItemView::ExtendedSelection);
    table->setAlternatingRowColors(true);
    table->setWordWrap(false);
    table->verticalHeader()->hide();
    table->verticalHeader()->setDefaultSectionSize(table->fontMetrics().height() + 6);
    table->horizontalHeader()->setStretchLastSection(true);
    table->horizontalHeader()->setHighlightSections(false);
    installCopyActions(table);
    return table;
}

QTableWidgetItem* item(const QString& text, const QString& toolTip = {}, bool number = false) {
    auto* it = new QTableWidgetItem(text);
    it->setToolTip(toolTip.isEmpty() ? text : toolTip);
    if (number) it->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
    return it;
}

void fillProperties(QTableWidget* table, const std::vector<PropertyRow>& rows) {
    table->clearContents();
    table->setRowCount(static_cast<int>(rows.size()));
    for (int r = 0; r < static_cast<int>(rows.size()); ++r) {
        const PropertyRow& row = rows[static_cast<size_t>(r)];
        table->setItem(r, 0, item(row.name));
        table->setItem(r, 1,
                       item(row.value, row.toolTip.isEmpty() ? row.value : row.value + "\n" + row.toolTip));
    }
    table->resizeColumnToContents(0);
}

QString percentText(double fraction) {
    return QString::number(100.0 * fraction, 'f', fraction > 0 && fraction < 0.001 ? 3 : 1) + "%";
}

QChartView* makeChartView(const QString& objectName, QWidget* parent) {
    auto* chart = new QChart;
    chart->legend()->hide();
    chart->setMargins(QMargins(2, 2, 2, 2));
    chart->setBackgroundRoundness(0);
    auto* view = new QChartView(chart, parent);
    view->setObjectName(objectName);
    view->setRenderHint(QPainter::Antialiasing);
    view->setMinimumHeight(160);
    return view;
}

double countStep(double raw) {
    if (raw <= 1) return 1;
    const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
    const double f = raw / magnitude;
    return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * magnitude;
}

// A histogram as a stepped area: flat at each bin's count across the bin's width.
void setHistogram(QChart* chart, const Histogram& h, const QString& title, bool integerValues) {
    chart->removeAllSeries();
    for (QAbstractAxis* axis : chart->axes()) {
        chart->removeAxis(axis);
        delete axis;
    }
    auto* area = new QAreaSeries;
    auto* upper = new QLineSeries(area);  // QAreaSeries does not own its line series
    QList<QPointF> points;
    points.reserve(static_cast<qsizetype>(2 * h.counts.size()));
    for (size_t k = 0; k < h.counts.size(); ++k) {
        const double count = static_cast<double>(h.counts[k]);
        points << QPointF(h.binStart(k), count) << QPointF(h.binStart(k) + h.binWidth, count);
    }
    upper->replace(points);
    area->setUpperSeries(upper);
    area->setName(title);
    chart->addSeries(area);

    auto* x = new QValueAxis;
    x->setRange(h.lowerBound, h.upperBound());
    x->setTitleText(title);
    x->setTickCount(5);
    if (integerValues) {
        x->setLabelFormat("%.0f");
    } else {
        x->setLabelFormat("%.3g");
        x->applyNiceNumbers();
    }
    // Counts are whole numbers: ticks on a 1-2-5 step of at least 1, so no label reads "2" at 2.5.
    const double maxCount = static_cast<double>(std::max<int64_t>(1, h.maxCount()));
    const double step = countStep(maxCount / 4);
    const double ticks = std::ceil(maxCount / step);
    auto* y = new QValueAxis;
    y->setRange(0, ticks * step);
    y->setTickCount(static_cast<int>(ticks) + 1);
    y->setLabelFormat("%.0f");
    y->setTitleText("count");
    chart->addAxis(x, Qt::AlignBottom);
    chart->addAxis(y, Qt::AlignLeft);
    area->attachAxis(x);
    area->attachAxis(y);
}

void clearChart(QChart* chart) {
    chart->removeAllSeries();
    for (QAbstractAxis* axis : chart->axes()) {
        chart->removeAxis(axis);
        delete axis;
    }
}

// Charts draw with their own theme; this makes them follow the application's palette instead.
void styleChart(QChart* chart, const QPalette& palette) {
    chart->setTheme(isDarkTheme() ? QChart::ChartThemeDark : QChart::ChartThemeLight);
    chart->setBackgroundBrush(palette.color(QPalette::Base));
    chart->setBackgroundPen(Qt::NoPen);
    chart->setPlotAreaBackgroundVisible(false);
    chart->setTitleBrush(palette.color(QPalette::Text));
    QColor grid = palette.color(QPalette::Text);
    grid.setAlpha(40);
    for (QAbstractAxis* axis : chart->axes()) {
        axis->setLabelsBrush(palette.color(QPalette::Text));
        axis->setTitleBrush(palette.color(QPalette::Text));
        axis->setLinePenColor(palette.color(QPalette::Mid));
        axis->setGridLineColor(grid);
        QFont font = axis->labelsFont();
        font.setPointSizeF(std::max(7.0, QGuiApplication::font().pointSizeF() - 1));
        axis->setLabelsFont(font);
        axis->setTitleFont(font);
    }
    const QColor accent = graphHighlight();
    QColor fill = accent;
    fill.setAlpha(150);
    for (QAbstractSeries* series : chart->series()) {
        if (auto* area = qobject_cast<QAreaSeries*>(series)) {
            area->setBrush(fill);
            area->setPen(QPen(accent, 1));
        }
    }
}

void copyToClipboard(QAbstractItemView* view, bool all) {
    const QAbstractItemModel* model = view->model();
    if (!model) return;
    const QModelIndexList selected =
        view->selectionModel() ? view->selectionModel()->selectedIndexes() : QModelIndexList();
    QGuiApplication::clipboard()->setText(all || selected.isEmpty() ? tableToTsv(*model)
                                                                    : rowsToTsv(*model, selected));
}

}  // namespace

void installCopyActions(QAbstractItemView* view) {
    auto* copy = new QAction(QObject::tr("Copy"), view);
    copy->setObjectName("copyAction");
    copy->setShortcut(QKeySequence::Copy);
    copy->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    copy->setToolTip(QObject::tr("Copy the selected rows (or the whole table) as tab-separated text"));
    QObject::connect(copy, &QAction::triggered, view, [view] { copyToClipboard(view, false); });
    auto* copyAll = new QAction(QObject::tr("Copy All"), view);
    copyAll->setObjectName("copyAllAction");
    QObject::connect(copyAll, &QAction::triggered, view, [view] { copyToClipboard(view, true); });
    view->addAction(copy);
    view->addAction(copyAll);
    view->setContextMenuPolicy(Qt::ActionsContextMenu);
}

TensorInspector::TensorInspector(QWidget* parent) : QWidget(parent) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    stack_ = new QStackedWidget(this);
    layout->addWidget(stack_);

    placeholder_ = new QLabel(tr(kPlaceholder), this);
    placeholder_->setObjectName("placeholder");
    placeholder_->setAlignment(Qt::AlignCenter);
    placeholder_->setWordWrap(true);
    placeholder_->setForegroundRole(QPalette::PlaceholderText);
    placeholder_->setMargin(12);
    stack_->addWidget(placeholder_);

    buildTensorPage();
    buildOperatorPage();
    styleCharts();
    stack_->setCurrentWidget(placeholder_);
}

void TensorInspector::buildTensorPage() {
    tensorPage_ = new QWidget(this);
    auto* layout = new QVBoxLayout(tensorPage_);
    layout->setContentsMargins(4, 4, 4, 4);
    tensorTitle_ = new QLabel(tensorPage_);
    tensorTitle_->setObjectName("tensorTitle");
    tensorTitle_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    // Converter-made names run to hundreds of characters; they must not widen the dock.
    tensorTitle_->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
    layout->addWidget(tensorTitle_);

    auto* splitter = new QSplitter(Qt::Vertical, tensorPage_);
    splitter->setChildrenCollapsible(false);
    tensorProperties_ = makeTable({tr("Property"), tr("Value")}, "tensorProperties", splitter);
    splitter->addWidget(tensorProperties_);

    channelsBox_ = new QWidget(splitter);
    auto* channelsLayout = new QVBoxLayout(channelsBox_);
    channelsLayout->setContentsMargins(0, 0, 0, 0);
    channelsTitle_ = new QLabel(channelsBox_);
    channelsLayout->addWidget(channelsTitle_);
    channels_ = makeTable({tr("Channel"), tr("Scale"), tr("Zero point"), tr("Real min"), tr("Real max"),
                           tr("Used min"), tr("Used max"), tr("Range used")},
                          "perChannelTable", channelsBox_);
    channels_->horizontalHeaderItem(3)->setToolTip(
        tr("scale * (qmin - zero_point): the smallest real value"));
    channels_->horizontalHeaderItem(4)->setToolTip(tr("scale * (qmax - zero_point): the largest real value"));
    channels_->horizontalHeaderItem(7)->setToolTip(
        tr("How much of the representable range the channel's weights span: a small share wastes precision"));
    channelsLayout->addWidget(channels_);
    splitter->addWidget(channelsBox_);

    valuesBox_ = new QWidget(splitter);
    auto* valuesLayout = new QVBoxLayout(valuesBox_);
    valuesLayout->setContentsMargins(0, 0, 0, 0);
    histogramTabs_ = new QTabWidget(valuesBox_);
    histogramTabs_->setObjectName("histogramTabs");
    histogramTabs_->setDocumentMode(true);
    storedView_ = makeChartView("storedHistogram", histogramTabs_);
    realView_ = makeChartView("realHistogram", histogramTabs_);
    histogramTabs_->addTab(storedView_, tr("Stored values"));
    histogramTabs_->addTab(realView_, tr("Real values"));
    valuesLayout->addWidget(histogramTabs_, 1);
    valueSummary_ = new QLabel(valuesBox_);
    valueSummary_->setObjectName("valueSummary");
    valueSummary_->setWordWrap(true);
    valuesLayout->addWidget(valueSummary_);
    splitter->addWidget(valuesBox_);
    splitter->setStretchFactor(0, 2);
    splitter->setStretchFactor(1, 1);
    splitter->setStretchFactor(2, 2);
    layout->addWidget(splitter, 1);
    stack_->addWidget(tensorPage_);
}

void TensorInspector::buildOperatorPage() {
    operatorPage_ = new QWidget(this);
    auto* layout = new QVBoxLayout(operatorPage_);
    layout->setContentsMargins(4, 4, 4, 4);
    operatorTitle_ = new QLabel(operatorPage_);
    operatorTitle_->setObjectName("operatorTitle");
    operatorTitle_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    operatorTitle_->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
    layout->addWidget(operatorTitle_);
    delegationLine_ = new QLabel(operatorPage_);
    delegationLine_->setObjectName("delegationLine");
    delegationLine_->setTextFormat(Qt::PlainText);
    delegationLine_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    delegationLine_->setWordWrap(true);  // a fallback's reason can be a sentence
    delegationLine_->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
    delegationLine_->hide();
    layout->addWidget(delegationLine_);
    auto* splitter = new QSplitter(Qt::Vertical, operatorPage_);
    splitter->setChildrenCollapsible(false);
    operatorProperties_ = makeTable({tr("Property"), tr("Value")}, "operatorProperties", splitter);
    splitter->addWidget(operatorProperties_);
    // Converter-made names are long: the name goes last, where it can take the rest of the width.
    operatorTensors_ =
        makeTable({tr("Role"), tr("Tensor"), tr("Shape"), tr("Type"), tr("Quantization"), tr("Name")},
                  "operatorTensors", splitter);
    operatorTensors_->setToolTip(tr("Click a tensor to inspect it"));
    operatorTensors_->setSelectionMode(QAbstractItemView::SingleSelection);
    connect(operatorTensors_, &QTableWidget::cellClicked, this,
            [this](int row, int) { activateOperatorRow(row); });
    connect(operatorTensors_, &QTableWidget::cellActivated, this,
            [this](int row, int) { activateOperatorRow(row); });
    splitter->addWidget(operatorTensors_);
    layout->addWidget(splitter, 1);
    stack_->addWidget(operatorPage_);
}

void TensorInspector::setModel(std::shared_ptr<const Model> model) {
    model_ = std::move(model);
    shown_ = {};
    showPlaceholder(tr(kPlaceholder));
}

void TensorInspector::showSelection(const SelectionTarget& target) {
    shown_ = target;
    if (!model_ || target.isNone()) {
        showPlaceholder(tr(kPlaceholder));
        return;
    }
    if (target.kind == SelectionTarget::Kind::Tensor) {
        const TensorInspection inspection = inspectTensor(*model_, target.subgraph, target.index);
        if (!inspection.valid) {
            showPlaceholder(
                tr("Tensor %1 of subgraph %2 is not in this model").arg(target.index).arg(target.subgraph));
            return;
        }
        showTensor(inspection);
    } else {
        const OperatorInspection inspection = inspectOperator(*model_, target.subgraph, target.index);
        if (!inspection.valid) {
            showPlaceholder(
                tr("Operator %1 of subgraph %2 is not in this model").arg(target.index).arg(target.subgraph));
            return;
        }
        showOperator(inspection);
    }
}

void TensorInspector::setDelegationOverlay(std::shared_ptr<const DelegationOverlay> overlay) {
    if (overlay == delegation_) return;
    delegation_ = std::move(overlay);
    if (shown_.kind == SelectionTarget::Kind::Operator) showSelection(shown_);
}

QString TensorInspector::summaryText() const {
    auto tableText = [](const QTableWidget* table) {
        QStringList lines;
        for (int row = 0; row < table->rowCount(); ++row) {
            QStringList cells;
            for (int column = 0; column < table->columnCount(); ++column) {
                const QTableWidgetItem* cell = table->item(row, column);
                cells << (cell ? cell->text() : QString());
            }
            lines << cells.join('\t');
        }
        return lines.join('\n');
    };
    auto plain = [](const QLabel* label) {
        QTextDocument doc;
        doc.setHtml(label->text());
        return doc.toPlainText();
    };
    if (stack_->currentWidget() == tensorPage_) {
        QString text = plain(tensorTitle_) + '\n' + tableText(tensorProperties_);
        if (channelsBox_->isVisibleTo(tensorPage_)) text += '\n' + channelsTitle_->text();
        return text;
    }
    if (stack_->currentWidget() == operatorPage_) {
        QString text = plain(operatorTitle_) + '\n';
        if (delegationLine_->isVisibleTo(operatorPage_)) text += delegationLine_->text() + '\n';
        return text + tableText(operatorProperties_) + '\n' + tableText(operatorTensors_);
    }
    return placeholder_->text();
}

void TensorInspector::showPlaceholder(const QString& text) {
    placeholder_->setText(text);
    stack_->setCurrentWidget(placeholder_);
}

void TensorInspector::showTensor(const TensorInspection& r) {
    const QString name = r.name.isEmpty() ? tr("(unnamed)") : r.name;
    tensorTitle_->setText(tr("<b>Tensor %1</b> &nbsp;%2").arg(r.index).arg(name.toHtmlEscaped()));
    tensorTitle_->setToolTip(name);
    fillProperties(tensorProperties_, r.properties);

    channelsBox_->setVisible(r.perChannel);
    channels_->clearContents();
    channels_->setRowCount(0);
    if (r.perChannel) {
        channelsTitle_->setText(tr("Per-channel quantization: %1 channels along dimension %2")
                                    .arg(r.channels.size())
                                    .arg(r.quantizedDimension));
        channels_->setRowCount(static_cast<int>(r.channels.size()));
        for (int row = 0; row < static_cast<int>(r.channels.size()); ++row) {
            const ChannelQuantization& ch = r.channels[static_cast<size_t>(row)];
            const bool used = !std::isnan(ch.usedMin);
            const double span = ch.realMax - ch.realMin;
            channels_->setItem(row, 0, item(QString::number(ch.channel), {}, true));
            channels_->setItem(row, 1, item(numberText(ch.scale), QString::number(ch.scale, 'g', 9), true));
            channels_->setItem(row, 2, item(QString::number(ch.zeroPoint), {}, true));
            channels_->setItem(row, 3, item(numberText(ch.realMin), {}, true));
            channels_->setItem(row, 4, item(numberText(ch.realMax), {}, true));
            channels_->setItem(row, 5, item(used ? numberText(ch.usedMin) : QString(), {}, true));
            channels_->setItem(row, 6, item(used ? numberText(ch.usedMax) : QString(), {}, true));
            channels_->setItem(
                row, 7,
                item(used && span > 0 ? percentText((ch.usedMax - ch.usedMin) / span) : QString(), {}, true));
        }
        channels_->resizeColumnsToContents();
    }

    const bool integer = !isFloatType(r.type);
    if (r.storedHistogram) {
        setHistogram(storedView_->chart(), *r.storedHistogram,
                     r.realHistogram ? tr("stored integer") : tr("value"), integer);
        histogramTabs_->setTabText(0, r.realHistogram ? tr("Stored values") : tr("Values"));
    } else {
        clearChart(storedView_->chart());
    }
    if (r.realHistogram) {
        setHistogram(realView_->chart(), *r.realHistogram,
                     r.perChannel ? tr("real value (per-channel scales)") : tr("real value"), false);
    } else {
        clearChart(realView_->chart());
    }
    histogramTabs_->setTabVisible(1, r.realHistogram.has_value());
    histogramTabs_->setVisible(r.storedHistogram.has_value());
    styleCharts();

    QStringList summary;
    if (r.stats) {
        const int64_t values = r.stats->stored.count;
        summary << tr("Zeros %1").arg(percentText(r.zeroFraction));
        summary << (r.distinctValues ? tr("%1 distinct values").arg(*r.distinctValues)
                                     : tr("more than %1 distinct values").arg(kMaxDistinctCounted));
        summary << tr("%1 values").arg(values);
        if (r.nonFinite) summary << tr("%1 non-finite (not in the histogram)").arg(r.nonFinite);
        if (r.sparse) summary << r.storageNote;
    } else if (r.kind == TensorKind::Constant) {
        summary << tr("No numeric values to show for a %1 constant").arg(r.typeName);
    } else {
        summary << tr("No stored values: this %1 tensor is filled when the model runs")
                       .arg(tensorKindName(r.kind));
    }
    valueSummary_->setText(summary.join(QStringLiteral("  ·  ")));
    stack_->setCurrentWidget(tensorPage_);
}

void TensorInspector::showOperator(const OperatorInspection& r) {
    operatorTitle_->setText(
        tr("<b>Operator %1</b> &nbsp;%2 v%3").arg(r.index).arg(r.op.toHtmlEscaped()).arg(r.version));
    fillProperties(operatorProperties_, r.properties);
    const QString delegation =
        delegation_ ? delegationText(*delegation_, shown_.subgraph, static_cast<int32_t>(r.index))
                    : QString();
    delegationLine_->setText(delegation);
    delegationLine_->setToolTip(delegation);
    delegationLine_->setVisible(!delegation.isEmpty());
    operatorTensors_->clearContents();
    operatorTensors_->setRowCount(static_cast<int>(r.tensors.size()));
    for (int row = 0; row < static_cast<int>(r.tensors.size()); ++row) {
        const OperatorTensorRow& t = r.tensors[static_cast<size_t>(row)];
        auto* role = item(t.role);
        role->setData(Qt::UserRole, t.tensor);
        operatorTensors_->setItem(row, 0, role);
        operatorTensors_->setItem(row, 1,
                                  item(t.tensor >= 0 ? QString::number(t.tensor) : QString("-"),
                                       t.constant ? tr("constant") : QString(), true));
        operatorTensors_->setItem(row, 2, item(t.shape));
        operatorTensors_->setItem(row, 3, item(t.type));
        operatorTensors_->setItem(row, 4, item(t.quantization));
        operatorTensors_->setItem(row, 5, item(t.name));
    }
    for (int column = 0; column < 5; ++column)
        operatorTensors_->resizeColumnToContents(column);
    stack_->setCurrentWidget(operatorPage_);
}

void TensorInspector::activateOperatorRow(int row) {
    const QTableWidgetItem* role = operatorTensors_->item(row, 0);
    if (!role) return;
    const int tensor = role->data(Qt::UserRole).toInt();
    if (tensor >= 0) emit tensorActivated(shown_.subgraph, tensor);
}

void TensorInspector::styleCharts() {
    for (QChartView* view : {storedView_, realView_}) {
        styleChart(view->chart(), palette());
        view->setBackgroundBrush(palette().color(QPalette::Base));
    }
}

void TensorInspector::changeEvent(QEvent* event) {
    QWidget::changeEvent(event);
    if (event->type() == QEvent::PaletteChange || event->type() == QEvent::StyleChange) styleCharts();
}

}  // namespace litescope::ui

// The inspector dock's content: the selected tensor's properties, per-channel quantization and value
// histograms (stored integers and real values), or the selected operator's properties and tensors.
#pragma once

#include <QWidget>
#include <memory>

#include "runtime/model.h"
#include "viewmodels/delegation_overlay.h"
#include "viewmodels/selection.h"
#include "viewmodels/tensor_inspection.h"

QT_FORWARD_DECLARE_CLASS(QAbstractItemView)
QT_FORWARD_DECLARE_CLASS(QChartView)
QT_FORWARD_DECLARE_CLASS(QLabel)
QT_FORWARD_DECLARE_CLASS(QStackedWidget)
QT_FORWARD_DECLARE_CLASS(QTabWidget)
QT_FORWARD_DECLARE_CLASS(QTableWidget)

namespace litescope::ui {

// Gives a table or tree "Copy" (Ctrl+C: the selected rows, or everything when nothing is selected) and
// "Copy All" in its context menu, both as tab-separated text with a header row, which spreadsheets paste
// into cells.
void installCopyActions(QAbstractItemView* view);

class TensorInspector : public QWidget {
    Q_OBJECT

  public:
    explicit TensorInspector(QWidget* parent = nullptr);

    // The model selections refer to; null (or a new model) shows the placeholder until the next selection.
    void setModel(std::shared_ptr<const Model> model);
    void showSelection(const SelectionTarget& target);
    // For an operator, a line saying what the delegate does with it; null leaves the line out.
    void setDelegationOverlay(std::shared_ptr<const DelegationOverlay> overlay);
    // What is shown, as plain text (title, then one "property<TAB>value" line per row), for tests and
    // for pasting into a bug report.
    QString summaryText() const;

  signals:
    // A tensor row of the operator view was clicked or activated (never for an omitted optional input).
    void tensorActivated(int subgraph, int tensor);

  protected:
    void changeEvent(QEvent* event) override;

  private:
    void buildTensorPage();
    void buildOperatorPage();
    void showPlaceholder(const QString& text);
    void showTensor(const TensorInspection& inspection);
    void showOperator(const OperatorInspection& inspection);
    void activateOperatorRow(int row);
    void styleCharts();

    std::shared_ptr<const Model> model_;
    SelectionTarget shown_;

    QStackedWidget* stack_ = nullptr;
    QLabel* placeholder_ = nullptr;

    QWidget* tensorPage_ = nullptr;
    QLabel* tensorTitle_ = nullptr;
    QTableWidget* tensorProperties_ = nullptr;
    QWidget* channelsBox_ = nullptr;
    QLabel* channelsTitle_ = nullptr;
    QTableWidget* channels_ = nullptr;
    QWidget* valuesBox_ = nullptr;
    QTabWidget* histogramTabs_ = nullptr;
    QChartView* storedView_ = nullptr;
    QChartView* realView_ = nullptr;
    QLabel* valueSummary_ = nullptr;

    QWidget* operatorPage_ = nullptr;
    QLabel* operatorTitle_ = nullptr;
    QLabel* delegationLine_ = nullptr;
    std::shared_ptr<const DelegationOverlay> delegation_;
    QTableWidget* operatorProperties_ = nullptr;
    QTableWidget* operatorTensors_ = nullptr;
};

}  // namespace litescope::ui

// The operators of one subgraph as a table (index, op, input/weight/output shapes, quantization, parameter
// bytes, called subgraphs), for a sortable, filterable view behind a QSortFilterProxyModel.
#pragma once

#include <QAbstractTableModel>
#include <QString>
#include <memory>
#include <vector>

#include "runtime/model.h"

namespace litescope {

class OperatorTableModel : public QAbstractTableModel {
    Q_OBJECT

  public:
    enum Column {
        IndexColumn,
        OpColumn,
        InputsColumn,   // non-constant inputs: "1x112x112x32 INT8, ..."
        WeightsColumn,  // constant inputs' shapes
        OutputsColumn,
        QuantizationColumn,  // the first output's parameters; "per-channel" when an input is per channel
        ParamBytesColumn,    // bytes of the constant inputs as stored in the file
        CalledSubgraphsColumn,
        ColumnCount
    };

    enum Role {
        // What a QSortFilterProxyModel should sort by (proxy.setSortRole(SortRole)): numeric columns give
        // qlonglong so that 9 sorts before 10, text columns their display text. Operators without a value
        // in a numeric column give -1.
        SortRole = Qt::UserRole + 1,
        IndexRole,  // the operator's index in its subgraph (int), the same for every column of a row
    };

    explicit OperatorTableModel(std::shared_ptr<const Model> model, QObject* parent = nullptr);

    // Shows another model (a reload, another document) at the same subgraph index; null empties the table.
    void setModel(std::shared_ptr<const Model> model);
    // Shows subgraph `subgraph`; an index out of range (or no model) gives an empty table.
    void setSubgraph(int subgraph);
    int subgraph() const { return subgraph_; }
    const std::shared_ptr<const Model>& model() const { return model_; }

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

  private:
    struct Row {
        int32_t index = 0;
        QString cells[ColumnCount];
        QString toolTips[ColumnCount];
        qlonglong paramBytes = 0;
    };

    void rebuild();

    std::shared_ptr<const Model> model_;
    int subgraph_ = 0;
    std::vector<Row> rows_;
};

}  // namespace litescope

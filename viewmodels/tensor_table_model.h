// The tensors of one subgraph as a table (index, name, kind, type, shape, quantization, bytes, producer,
// consumers), for a sortable, filterable view behind a QSortFilterProxyModel.
#pragma once

#include <QAbstractTableModel>
#include <QString>
#include <memory>
#include <vector>

#include "runtime/model.h"

namespace litescope {

class TensorTableModel : public QAbstractTableModel {
    Q_OBJECT

  public:
    enum Column {
        IndexColumn,
        NameColumn,
        KindColumn,  // input / output / constant / variable / activation
        TypeColumn,  // as TFLite spells it: FLOAT32, INT8, ...
        ShapeColumn,
        ShapeSignatureColumn,  // only when it differs from the shape (dynamic dimensions)
        QuantizationColumn,
        BytesColumn,  // dense size of the tensor (for a sparse constant: the bytes it stores)
        ProducerColumn,
        ConsumersColumn,
        ColumnCount
    };

    enum Role {
        // What a QSortFilterProxyModel should sort by (proxy.setSortRole(SortRole)): numeric columns
        // (index, bytes, producer, consumers) give qlonglong so that they sort as numbers, the shape columns
        // their element count, text columns their display text. A missing number (no producer, no fixed
        // size) gives -1.
        SortRole = Qt::UserRole + 1,
        IndexRole,  // the tensor's index in its subgraph (int), the same for every column of a row
    };

    explicit TensorTableModel(std::shared_ptr<const Model> model, QObject* parent = nullptr);

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
        qlonglong bytes = -1;
        qlonglong elements = 0;
        qlonglong producer = -1;
        qlonglong consumers = 0;
    };

    void rebuild();

    std::shared_ptr<const Model> model_;
    int subgraph_ = 0;
    std::vector<Row> rows_;
};

}  // namespace litescope

// What the operator and tensor tables share: one row per item of a subgraph, precomputed cells, tooltips and
// sort keys, and the roles a QSortFilterProxyModel sorts and filters by.
#pragma once

#include <QAbstractTableModel>
#include <QString>
#include <QVariant>
#include <memory>
#include <vector>

#include "runtime/model.h"

namespace litescope {

class SubgraphTableModel : public QAbstractTableModel {
    Q_OBJECT

  public:
    enum Role {
        // What a QSortFilterProxyModel should sort by (proxy.setSortRole(SortRole)): numeric columns give
        // qlonglong so that 9 sorts before 10 (-1 where there is no number), text columns their text.
        SortRole = Qt::UserRole + 1,
        IndexRole,  // the operator's or tensor's index in its subgraph (int), the same for every column
    };

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

  protected:
    struct ColumnSpec {
        const char* title;
        const char* toolTip;
        bool numeric = false;  // right-aligned
    };
    struct Row {
        explicit Row(int32_t itemIndex, size_t columns)
            : index(itemIndex), cells(columns), toolTips(columns), sortKeys(columns) {}
        int32_t index = 0;
        std::vector<QString> cells;
        std::vector<QString> toolTips;
        std::vector<QVariant> sortKeys;  // invalid: sort by the cell's text
    };

    SubgraphTableModel(std::vector<ColumnSpec> columns, std::shared_ptr<const Model> model, QObject* parent);
    // Derived constructors call this once their own state exists (a base constructor cannot call down).
    void rebuild();
    virtual std::vector<Row> buildRows(const Model& model, const Subgraph& subgraph) const = 0;
    Row makeRow(int32_t index) const { return Row(index, columns_.size()); }

  private:
    std::vector<ColumnSpec> columns_;
    std::shared_ptr<const Model> model_;
    int subgraph_ = 0;
    std::vector<Row> rows_;
};

}  // namespace litescope

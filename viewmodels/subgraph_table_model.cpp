#include "viewmodels/subgraph_table_model.h"

namespace litescope {

SubgraphTableModel::SubgraphTableModel(std::vector<ColumnSpec> columns, std::shared_ptr<const Model> model,
                                       QObject* parent)
    : QAbstractTableModel(parent), columns_(std::move(columns)), model_(std::move(model)) {}

void SubgraphTableModel::setModel(std::shared_ptr<const Model> model) {
    beginResetModel();
    model_ = std::move(model);
    rebuild();
    endResetModel();
}

void SubgraphTableModel::setSubgraph(int subgraph) {
    beginResetModel();
    subgraph_ = subgraph;
    rebuild();
    endResetModel();
}

void SubgraphTableModel::rebuild() {
    rows_.clear();
    if (!model_ || subgraph_ < 0 || static_cast<size_t>(subgraph_) >= model_->subgraphs().size()) return;
    rows_ = buildRows(*model_, model_->subgraphs()[static_cast<size_t>(subgraph_)]);
}

int SubgraphTableModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : static_cast<int>(rows_.size());
}

int SubgraphTableModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : static_cast<int>(columns_.size());
}

QVariant SubgraphTableModel::data(const QModelIndex& index, int role) const {
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid)) return {};
    const Row& row = rows_[static_cast<size_t>(index.row())];
    const auto column = static_cast<size_t>(index.column());
    switch (role) {
        case Qt::DisplayRole:
            return row.cells[column];
        case Qt::ToolTipRole:
            return row.toolTips[column].isEmpty() ? QVariant() : QVariant(row.toolTips[column]);
        case Qt::TextAlignmentRole:
            if (columns_[column].numeric)
                return QVariant::fromValue(Qt::Alignment(Qt::AlignRight | Qt::AlignVCenter));
            return {};
        case SortRole:
            return row.sortKeys[column].isValid() ? row.sortKeys[column] : QVariant(row.cells[column]);
        case IndexRole:
            return row.index;
        default:
            return {};
    }
}

QVariant SubgraphTableModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || section < 0 || section >= static_cast<int>(columns_.size()))
        return {};
    if (role == Qt::DisplayRole) return QString(columns_[static_cast<size_t>(section)].title);
    if (role == Qt::ToolTipRole) return QString(columns_[static_cast<size_t>(section)].toolTip);
    return {};
}

}  // namespace litescope

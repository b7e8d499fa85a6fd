// The tensors of one subgraph as a table (index, name, kind, type, shape, quantization, bytes, producer,
// consumers), for a sortable, filterable view behind a QSortFilterProxyModel.
#pragma once

#include <memory>

#include "viewmodels/subgraph_table_model.h"

namespace litescope {

class TensorTableModel : public SubgraphTableModel {
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

    explicit TensorTableModel(std::shared_ptr<const Model> model, QObject* parent = nullptr);

  private:
    std::vector<Row> buildRows(const Model& model, const Subgraph& subgraph) const override;
};

}  // namespace litescope

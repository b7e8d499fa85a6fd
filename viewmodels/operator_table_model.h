// The operators of one subgraph as a table (index, op, input/weight/output shapes, quantization, parameter
// bytes, called subgraphs), for a sortable, filterable view behind a QSortFilterProxyModel.
#pragma once

#include <memory>

#include "viewmodels/subgraph_table_model.h"

namespace litescope {

class OperatorTableModel : public SubgraphTableModel {
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

    explicit OperatorTableModel(std::shared_ptr<const Model> model, QObject* parent = nullptr);

  private:
    std::vector<Row> buildRows(const Model& model, const Subgraph& subgraph) const override;
};

}  // namespace litescope

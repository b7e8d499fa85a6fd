#include "viewmodels/tensor_table_model.h"

#include <QStringList>
#include <algorithm>

#include "profiler/inspect_report.h"
#include "viewmodels/tensor_inspection.h"

namespace litescope {

namespace {

QString qstr(std::string_view s) {
    return QString::fromUtf8(s.data(), static_cast<qsizetype>(s.size()));
}

bool sameShape(std::span<const int32_t> a, std::span<const int32_t> b) {
    return std::equal(a.begin(), a.end(), b.begin(), b.end());
}

}  // namespace

TensorTableModel::TensorTableModel(std::shared_ptr<const Model> model, QObject* parent)
    : SubgraphTableModel(
          {
              {"Index", "The tensor's index in its subgraph", true},
              {"Name", "The tensor's name as the converter wrote it", false},
              {"Kind", "Subgraph input or output, constant (weights), variable (state) or activation", false},
              {"Type", "Element type as TFLite spells it", false},
              {"Shape", "Shape as stored", false},
              {"Signature", "Shape signature, shown when it differs from the shape (-1: dynamic dimension)",
               false},
              {"Quantization", "Affine quantization: per tensor (scale, zero point) or per channel", false},
              {"Bytes", "Size in bytes (stored bytes for sparse constants)", true},
              {"Producer", "The operator that writes the tensor", false},
              {"Consumers", "How many operators read the tensor", true},
          },
          std::move(model), parent) {
    rebuild();
}

std::vector<SubgraphTableModel::Row> TensorTableModel::buildRows(const Model& model,
                                                                 const Subgraph& sg) const {
    std::vector<Row> rows;

    // One pass over the operators finds every tensor's producer and readers.
    std::vector<int32_t> producer(sg.tensors.size(), -1);
    std::vector<std::vector<int32_t>> consumers(sg.tensors.size());
    for (const Operator& op : sg.operators) {
        for (int32_t out : op.outputs)
            if (out >= 0 && static_cast<size_t>(out) < producer.size())
                producer[static_cast<size_t>(out)] = op.index;
        for (int32_t in : op.inputs) {
            if (in < 0 || static_cast<size_t>(in) >= consumers.size()) continue;
            auto& readers = consumers[static_cast<size_t>(in)];
            if (readers.empty() || readers.back() != op.index) readers.push_back(op.index);
        }
    }
    auto opLabel = [&](int32_t op) {
        return QString("%1 %2").arg(op).arg(
            QString::fromStdString(model.operatorCode(sg.operators[static_cast<size_t>(op)]).name));
    };

    rows.reserve(sg.tensors.size());
    for (const Tensor& t : sg.tensors) {
        Row row = makeRow(t.index);
        row.sortKeys[IndexColumn] = qlonglong{t.index};
        row.cells[IndexColumn] = QString::number(t.index);
        row.cells[NameColumn] = qstr(t.name);
        row.toolTips[NameColumn] = qstr(t.name);
        const TensorKind kind = tensorKind(sg, t);
        row.cells[KindColumn] = tensorKindName(kind);
        if (t.isConstant() && kind != TensorKind::Constant) row.toolTips[KindColumn] = "also constant";
        row.cells[TypeColumn] = tensorTypeString(t.type);
        row.cells[ShapeColumn] = tensorShapeText(t);
        row.toolTips[ShapeColumn] = QString("%1 elements").arg(t.elementCount);
        row.sortKeys[ShapeColumn] = qlonglong{t.elementCount};
        if (!t.shapeSignature.empty() && !sameShape(t.shape, t.shapeSignature)) {
            row.cells[ShapeSignatureColumn] = shapeText(t.shapeSignature);
            row.toolTips[ShapeSignatureColumn] = "-1 marks a dimension fixed only when the model is run";
        }
        row.cells[QuantizationColumn] = quantizationSummary(t);

        // A sparse constant stores fewer bytes than its dense shape needs; show what the file holds.
        qlonglong bytes = t.sparsity ? static_cast<qlonglong>(t.data.size()) : t.byteSize;
        if (bytes < 0 && t.isConstant()) bytes = static_cast<qlonglong>(t.data.size());
        row.sortKeys[BytesColumn] = bytes;
        if (bytes >= 0) {
            row.cells[BytesColumn] = QString::fromStdString(formatBytes(static_cast<uint64_t>(bytes)));
            row.toolTips[BytesColumn] =
                QString("%1 bytes%2")
                    .arg(bytes)
                    .arg(t.sparsity ? QString(" stored (sparse; %1 dense)").arg(t.byteSize) : QString());
        } else {
            row.toolTips[BytesColumn] = "no fixed size (string or resource tensor)";
        }

        const int32_t producedBy = producer[static_cast<size_t>(t.index)];
        row.sortKeys[ProducerColumn] = qlonglong{producedBy};
        if (producedBy >= 0) row.cells[ProducerColumn] = opLabel(producedBy);
        const auto& readers = consumers[static_cast<size_t>(t.index)];
        row.sortKeys[ConsumersColumn] = static_cast<qlonglong>(readers.size());
        row.cells[ConsumersColumn] = QString::number(readers.size());
        QStringList readerLabels;
        for (int32_t op : readers)
            readerLabels << opLabel(op);
        row.toolTips[ConsumersColumn] = readerLabels.join('\n');
        rows.push_back(std::move(row));
    }
    return rows;
}

}  // namespace litescope

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
    : QAbstractTableModel(parent), model_(std::move(model)) {
    rebuild();
}

void TensorTableModel::setModel(std::shared_ptr<const Model> model) {
    beginResetModel();
    model_ = std::move(model);
    rebuild();
    endResetModel();
}

void TensorTableModel::setSubgraph(int subgraph) {
    beginResetModel();
    subgraph_ = subgraph;
    rebuild();
    endResetModel();
}

void TensorTableModel::rebuild() {
    rows_.clear();
    if (!model_ || subgraph_ < 0 || static_cast<size_t>(subgraph_) >= model_->subgraphs().size()) return;
    const Model& model = *model_;
    const Subgraph& sg = model.subgraphs()[static_cast<size_t>(subgraph_)];

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

    rows_.reserve(sg.tensors.size());
    for (const Tensor& t : sg.tensors) {
        Row row;
        row.index = t.index;
        row.cells[IndexColumn] = QString::number(t.index);
        row.cells[NameColumn] = qstr(t.name);
        row.toolTips[NameColumn] = qstr(t.name);
        const TensorKind kind = tensorKind(sg, t);
        row.cells[KindColumn] = tensorKindName(kind);
        if (t.isConstant() && kind != TensorKind::Constant) row.toolTips[KindColumn] = "also constant";
        row.cells[TypeColumn] = tensorTypeString(t.type);
        row.cells[ShapeColumn] = tensorShapeText(t);
        row.toolTips[ShapeColumn] = QString("%1 elements").arg(t.elementCount);
        row.elements = t.elementCount;
        if (!t.shapeSignature.empty() && !sameShape(t.shape, t.shapeSignature)) {
            row.cells[ShapeSignatureColumn] = shapeText(t.shapeSignature);
            row.toolTips[ShapeSignatureColumn] = "-1 marks a dimension fixed only when the model is run";
        }
        row.cells[QuantizationColumn] = quantizationSummary(t);

        // A sparse constant stores fewer bytes than its dense shape needs; show what the file holds.
        row.bytes = t.sparsity ? static_cast<qlonglong>(t.data.size()) : t.byteSize;
        if (row.bytes < 0 && t.isConstant()) row.bytes = static_cast<qlonglong>(t.data.size());
        if (row.bytes >= 0) {
            row.cells[BytesColumn] = QString::fromStdString(formatBytes(static_cast<uint64_t>(row.bytes)));
            row.toolTips[BytesColumn] =
                QString("%1 bytes%2")
                    .arg(row.bytes)
                    .arg(t.sparsity ? QString(" stored (sparse; %1 dense)").arg(t.byteSize) : QString());
        } else {
            row.toolTips[BytesColumn] = "no fixed size (string or resource tensor)";
        }

        row.producer = producer[static_cast<size_t>(t.index)];
        if (row.producer >= 0) row.cells[ProducerColumn] = opLabel(static_cast<int32_t>(row.producer));
        const auto& readers = consumers[static_cast<size_t>(t.index)];
        row.consumers = static_cast<qlonglong>(readers.size());
        row.cells[ConsumersColumn] = QString::number(readers.size());
        QStringList readerLabels;
        for (int32_t op : readers)
            readerLabels << opLabel(op);
        row.toolTips[ConsumersColumn] = readerLabels.join('\n');
        rows_.push_back(std::move(row));
    }
}

int TensorTableModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : static_cast<int>(rows_.size());
}

int TensorTableModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant TensorTableModel::data(const QModelIndex& index, int role) const {
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid)) return {};
    const Row& row = rows_[static_cast<size_t>(index.row())];
    const int column = index.column();
    switch (role) {
        case Qt::DisplayRole:
            return row.cells[column];
        case Qt::ToolTipRole:
            return row.toolTips[column].isEmpty() ? QVariant() : QVariant(row.toolTips[column]);
        case Qt::TextAlignmentRole:
            if (column == IndexColumn || column == BytesColumn || column == ConsumersColumn)
                return QVariant::fromValue(Qt::Alignment(Qt::AlignRight | Qt::AlignVCenter));
            return {};
        case SortRole:
            switch (column) {
                case IndexColumn:
                    return qlonglong{row.index};
                case BytesColumn:
                    return row.bytes;
                case ProducerColumn:
                    return row.producer;
                case ConsumersColumn:
                    return row.consumers;
                case ShapeColumn:
                    return row.elements;
                default:
                    return row.cells[column];
            }
        case IndexRole:
            return row.index;
        default:
            return {};
    }
}

QVariant TensorTableModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || section < 0 || section >= ColumnCount) return {};
    static const char* const kTitles[ColumnCount] = {"Index",    "Name",      "Kind",         "Type",
                                                     "Shape",    "Signature", "Quantization", "Bytes",
                                                     "Producer", "Consumers"};
    static const char* const kToolTips[ColumnCount] = {
        "The tensor's index in its subgraph",
        "The tensor's name as the converter wrote it",
        "Subgraph input or output, constant (weights), variable (state) or activation",
        "Element type as TFLite spells it",
        "Shape as stored",
        "Shape signature, shown when it differs from the shape (-1: dynamic dimension)",
        "Affine quantization: per tensor (scale, zero point) or per channel",
        "Size in bytes (stored bytes for sparse constants)",
        "The operator that writes the tensor",
        "How many operators read the tensor"};
    if (role == Qt::DisplayRole) return QString(kTitles[section]);
    if (role == Qt::ToolTipRole) return QString(kToolTips[section]);
    return {};
}

}  // namespace litescope

#include "viewmodels/operator_table_model.h"

#include <QStringList>

#include "profiler/inspect_report.h"
#include "viewmodels/tensor_inspection.h"

namespace litescope {

namespace {

QString qstr(std::string_view s) {
    return QString::fromUtf8(s.data(), static_cast<qsizetype>(s.size()));
}

const Tensor* tensorAt(const Subgraph& sg, int32_t index) {
    if (index < 0 || static_cast<size_t>(index) >= sg.tensors.size()) return nullptr;
    return &sg.tensors[static_cast<size_t>(index)];
}

QString tensorLine(const QString& role, const Tensor& t) {
    QString line = QString("%1: tensor %2").arg(role).arg(t.index);
    if (!t.name.empty()) line += " '" + qstr(t.name) + "'";
    line += " " + tensorShapeText(t) + " " + tensorTypeString(t.type);
    const QString q = quantizationSummary(t);
    if (q != "none") line += ", " + q;
    return line;
}

QString subgraphLabel(const Model& model, int32_t s) {
    QString label = QString::number(s);
    if (s >= 0 && static_cast<size_t>(s) < model.subgraphs().size()) {
        const Subgraph& called = model.subgraphs()[static_cast<size_t>(s)];
        if (!called.name.empty()) label += " (" + qstr(called.name) + ")";
    }
    return label;
}

}  // namespace

OperatorTableModel::OperatorTableModel(std::shared_ptr<const Model> model, QObject* parent)
    : SubgraphTableModel(
          {
              {"Index", "The operator's index in its subgraph (execution order)", true},
              {"Op", "Builtin op name or custom code, with the op version", false},
              {"Inputs", "Shapes and types of the non-constant inputs", false},
              {"Weights", "Shapes of the constant inputs (weights, biases, tables)", false},
              {"Outputs", "Shapes and types of the outputs", false},
              {"Quantization",
               "Quantization of the first output; 'per-channel' when an input is quantized per channel",
               false},
              {"Param bytes", "Bytes of the constant inputs as stored in the file", true},
              {"Subgraphs called", "Subgraphs run by control-flow ops (WHILE, IF, CALL_ONCE, ...)", false},
          },
          std::move(model), parent) {
    rebuild();
}

std::vector<SubgraphTableModel::Row> OperatorTableModel::buildRows(const Model& model,
                                                                   const Subgraph& sg) const {
    std::vector<Row> rows;
    rows.reserve(sg.operators.size());
    for (const Operator& op : sg.operators) {
        const OperatorCode& code = model.operatorCode(op);
        Row row = makeRow(op.index);
        qlonglong paramBytes = 0;
        row.cells[IndexColumn] = QString::number(op.index);
        row.cells[OpColumn] = QString("%1 v%2").arg(QString::fromStdString(code.name)).arg(code.version);
        row.toolTips[OpColumn] =
            code.isCustom()
                ? QString("custom op '%1', version %2").arg(qstr(code.customCode)).arg(code.version)
                : QString("builtin op %1 (code %2), version %3")
                      .arg(QString::fromStdString(code.name))
                      .arg(code.builtinCode)
                      .arg(code.version);

        QStringList inputs, inputTips, weights, weightTips;
        bool perChannelInput = false;
        for (size_t k = 0; k < op.inputs.size(); ++k) {
            const QString role = QString("input %1").arg(k);
            const Tensor* t = tensorAt(sg, op.inputs[k]);
            if (!t) {
                inputTips << role + ": omitted (optional)";
                continue;
            }
            perChannelInput = perChannelInput || t->quantization.isPerChannel();
            if (t->isConstant()) {
                weights << tensorShapeText(*t);
                weightTips << tensorLine(role, *t) + ", " +
                                  QString::fromStdString(formatBytes(t->data.size()));
                paramBytes += static_cast<qlonglong>(t->data.size());
            } else {
                inputs << tensorShapeText(*t) + " " + tensorTypeString(t->type);
                inputTips << tensorLine(role, *t);
            }
        }
        row.cells[InputsColumn] = inputs.join(", ");
        row.toolTips[InputsColumn] = inputTips.join('\n');
        row.cells[WeightsColumn] = weights.join(", ");
        row.toolTips[WeightsColumn] = weightTips.join('\n');

        QStringList outputs, outputTips;
        for (size_t k = 0; k < op.outputs.size(); ++k) {
            const Tensor* t = tensorAt(sg, op.outputs[k]);
            if (!t) continue;
            outputs << tensorShapeText(*t) + " " + tensorTypeString(t->type);
            outputTips << tensorLine(QString("output %1").arg(k), *t);
        }
        row.cells[OutputsColumn] = outputs.join(", ");
        row.toolTips[OutputsColumn] = outputTips.join('\n');

        QString outputQuantization = "none";
        if (const Tensor* out = op.outputs.empty() ? nullptr : tensorAt(sg, op.outputs[0]))
            outputQuantization = quantizationSummary(*out);
        QString quantization = outputQuantization == "none" ? QString() : outputQuantization;
        if (perChannelInput) quantization += quantization.isEmpty() ? "per-channel" : "; per-channel";
        row.cells[QuantizationColumn] = quantization;
        row.toolTips[QuantizationColumn] =
            QString("first output: %1").arg(outputQuantization) +
            (perChannelInput ? QString("\nan input (weights) is quantized per channel") : QString());

        if (paramBytes > 0) {
            row.cells[ParamBytesColumn] =
                QString::fromStdString(formatBytes(static_cast<uint64_t>(paramBytes)));
            row.toolTips[ParamBytesColumn] = QString("%1 bytes of constant inputs").arg(paramBytes);
        }

        QStringList called;
        for (int32_t s : op.calledSubgraphs)
            called << subgraphLabel(model, s);
        row.cells[CalledSubgraphsColumn] = called.join(", ");
        row.sortKeys[IndexColumn] = qlonglong{op.index};
        row.sortKeys[ParamBytesColumn] = paramBytes;
        rows.push_back(std::move(row));
    }
    return rows;
}

}  // namespace litescope

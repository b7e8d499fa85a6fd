#include "viewmodels/tensor_inspection.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <map>

#include "format/tflite_generated.h"
#include "profiler/inspect_report.h"
#include "profiler/stored_values.h"

namespace litescope {

namespace {

QString qstr(std::string_view s) {
    return QString::fromUtf8(s.data(), static_cast<qsizetype>(s.size()));
}

Histogram equalWidthHistogram(double min, double max) {
    Histogram h;
    if (max > min) {
        h.lowerBound = min;
        h.binWidth = (max - min) / kHistogramBins;
        h.counts.assign(kHistogramBins, 0);
    } else {
        // A single value still gets a bar of visible width around it.
        h.binWidth = min != 0 ? std::fabs(min) * 0.02 : 1.0;
        h.lowerBound = min - h.binWidth / 2;
        h.counts.assign(1, 0);
    }
    h.firstValue = min;
    return h;
}

Histogram integerHistogram(double min, double max) {
    Histogram h;
    h.integerBins = true;
    h.firstValue = min;
    h.lowerBound = min - 0.5;
    h.binWidth = 1;
    h.counts.assign(static_cast<size_t>(max - min) + 1, 0);
    return h;
}

size_t binOf(const Histogram& h, double v) {
    const double k = std::floor((v - h.lowerBound) / h.binWidth);
    if (!(k > 0)) return 0;  // also catches NaN from a degenerate width
    return std::min(static_cast<size_t>(k), h.counts.size() - 1);
}

QString percentText(double fraction) {
    return QString::number(100.0 * fraction, 'f', fraction > 0 && fraction < 0.001 ? 3 : 1) + "%";
}

QString bytesText(int64_t bytes) {
    if (bytes < 0) return "variable (no fixed element size)";
    QString s = QString::fromStdString(formatBytes(static_cast<uint64_t>(bytes)));
    if (bytes >= 1024) s += QString(" (%1 bytes)").arg(bytes);
    return s;
}

QString opLabel(const Model& model, const Subgraph& sg, int32_t op) {
    if (op < 0 || static_cast<size_t>(op) >= sg.operators.size()) return {};
    return QString("%1 %2").arg(op).arg(QString::fromStdString(model.operatorCode(sg.operators[op]).name));
}

void addStatsRows(std::vector<PropertyRow>& rows, const QString& label, const ValueStats& s) {
    rows.push_back({label + " min / max", numberText(s.min) + " / " + numberText(s.max), {}});
    rows.push_back({label + " mean / stddev", numberText(s.mean) + " / " + numberText(s.stddev), {}});
}

}  // namespace

TensorKind tensorKind(const Subgraph& sg, const Tensor& t) {
    if (std::find(sg.inputs.begin(), sg.inputs.end(), t.index) != sg.inputs.end()) return TensorKind::Input;
    if (std::find(sg.outputs.begin(), sg.outputs.end(), t.index) != sg.outputs.end())
        return TensorKind::Output;
    if (t.isVariable) return TensorKind::Variable;
    if (t.isConstant()) return TensorKind::Constant;
    return TensorKind::Activation;
}

QString tensorKindName(TensorKind kind) {
    switch (kind) {
        case TensorKind::Input:
            return "input";
        case TensorKind::Output:
            return "output";
        case TensorKind::Constant:
            return "constant";
        case TensorKind::Variable:
            return "variable";
        case TensorKind::Activation:
            break;
    }
    return "activation";
}

QString tensorTypeString(TensorType type) {
    const std::string_view name = tensorTypeName(type);
    if (name.empty()) return QString("UNKNOWN(%1)").arg(static_cast<int>(type));
    return qstr(name);
}

QString shapeText(std::span<const int32_t> shape) {
    if (shape.empty()) return "scalar";
    QString s;
    for (size_t i = 0; i < shape.size(); ++i) {
        if (i) s += 'x';
        s += QString::number(shape[i]);
    }
    return s;
}

QString shapeList(std::span<const int32_t> shape) {
    return QString::fromStdString(formatShape(shape));
}

QString tensorShapeText(const Tensor& t) {
    return t.hasRank ? shapeText(t.shape) : QString("unranked");
}

QString numberText(double v) {
    if (v == 0) return "0";
    if (!std::isfinite(v)) return std::isnan(v) ? "nan" : (v > 0 ? "inf" : "-inf");
    // printf's rounding, so that the GUI shows the digits `litescope inspect` prints (0.0039062, not
    // 0.0039063).
    const double a = std::fabs(v);
    char text[32];
    std::snprintf(text, sizeof text, a >= 1e5 || a < 1e-3 ? "%.4g" : "%.5g", v);
    return QString::fromLatin1(text);
}

QString quantizationSummary(const Tensor& t) {
    const QuantizationParams& q = t.quantization;
    if (q.isPerChannel())
        return QString("per-channel: %1 scales, dim %2").arg(q.scale.size()).arg(q.quantizedDimension);
    if (q.hasAffine()) {
        const int64_t zp = q.zeroPoint.empty() ? 0 : q.zeroPoint[0];
        return QString("scale %1 zp %2").arg(numberText(q.scale[0])).arg(zp);
    }
    if (q.blockSize > 0) return QString("%1 (block %2)").arg(qstr(q.detailsKind)).arg(q.blockSize);
    if (!q.detailsKind.empty()) return qstr(q.detailsKind);
    if (!q.min.empty() && !q.max.empty())
        return QString("calibrated [%1, %2]").arg(numberText(q.min[0]), numberText(q.max[0]));
    return "none";
}

std::optional<QuantizedRange> quantizedRange(TensorType type) {
    switch (type) {
        case TensorType::Int8:
            return QuantizedRange{-128, 127};
        case TensorType::UInt8:
            return QuantizedRange{0, 255};
        case TensorType::Int16:
            return QuantizedRange{-32768, 32767};
        case TensorType::UInt16:
            return QuantizedRange{0, 65535};
        case TensorType::Int4:
            return QuantizedRange{-8, 7};
        case TensorType::UInt4:
            return QuantizedRange{0, 15};
        case TensorType::Int2:
            return QuantizedRange{-2, 1};
        case TensorType::Int32:
            return QuantizedRange{std::numeric_limits<int32_t>::min(), std::numeric_limits<int32_t>::max()};
        case TensorType::UInt32:
            return QuantizedRange{0, std::numeric_limits<uint32_t>::max()};
        case TensorType::Int64:
            return QuantizedRange{std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max()};
        default:
            return std::nullopt;
    }
}

int64_t Histogram::total() const {
    int64_t n = 0;
    for (int64_t c : counts)
        n += c;
    return n;
}

int64_t Histogram::maxCount() const {
    int64_t n = 0;
    for (int64_t c : counts)
        n = std::max(n, c);
    return n;
}

TensorInspection inspectTensor(const Model& model, int subgraph, int tensor) {
    TensorInspection r;
    if (subgraph < 0 || static_cast<size_t>(subgraph) >= model.subgraphs().size()) return r;
    const Subgraph& sg = model.subgraphs()[static_cast<size_t>(subgraph)];
    if (tensor < 0 || static_cast<size_t>(tensor) >= sg.tensors.size()) return r;
    const Tensor& t = sg.tensors[static_cast<size_t>(tensor)];
    const QuantizationParams& q = t.quantization;

    r.valid = true;
    r.subgraph = subgraph;
    r.index = tensor;
    r.name = qstr(t.name);
    r.type = t.type;
    r.typeName = tensorTypeString(t.type);
    r.shape.assign(t.shape.begin(), t.shape.end());
    r.shapeSignature.assign(t.shapeSignature.begin(), t.shapeSignature.end());
    r.hasRank = t.hasRank;
    r.dynamic = t.isDynamic();
    r.kind = tensorKind(sg, t);
    r.buffer = t.buffer;
    r.elementCount = t.elementCount;
    r.byteSize = t.byteSize;
    r.storedBytes = static_cast<int64_t>(t.data.size());
    if (t.isConstant()) r.fileOffset = t.dataOffset;
    r.sparse = t.sparsity != nullptr;
    if (r.sparse) r.storageNote = "sparse (stored values only)";

    r.quantizationText = quantizationSummary(t);
    r.quantized = q.hasAffine();
    r.perChannel = q.isPerChannel();
    r.quantizedDimension = q.quantizedDimension;
    if (!isFloatType(t.type)) r.range = quantizedRange(t.type);
    auto zeroPointOf = [&](size_t c) -> int64_t {
        if (q.zeroPoint.empty()) return 0;
        return q.zeroPoint[std::min(c, q.zeroPoint.size() - 1)];
    };
    if (r.quantized && !r.perChannel) {
        r.scale = q.scale[0];
        r.zeroPoint = zeroPointOf(0);
        if (r.range) {
            r.realMin = r.scale * (static_cast<double>(r.range->min) - static_cast<double>(r.zeroPoint));
            r.realMax = r.scale * (static_cast<double>(r.range->max) - static_cast<double>(r.zeroPoint));
        }
    }
    constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
    if (r.perChannel) {
        r.channels.reserve(q.scale.size());
        for (size_t c = 0; c < q.scale.size(); ++c) {
            ChannelQuantization ch;
            ch.channel = static_cast<int64_t>(c);
            ch.scale = q.scale[c];
            ch.zeroPoint = zeroPointOf(c);
            const double zp = static_cast<double>(ch.zeroPoint);
            ch.realMin = r.range ? ch.scale * (static_cast<double>(r.range->min) - zp) : kNaN;
            ch.realMax = r.range ? ch.scale * (static_cast<double>(r.range->max) - zp) : kNaN;
            ch.usedMin = ch.usedMax = kNaN;
            r.channels.push_back(ch);
        }
    }

    for (const Operator& op : sg.operators) {
        if (std::find(op.outputs.begin(), op.outputs.end(), tensor) != op.outputs.end())
            r.producer = op.index;
        if (std::find(op.inputs.begin(), op.inputs.end(), tensor) != op.inputs.end())
            r.consumers.push_back(op.index);
    }
    r.producerName = opLabel(model, sg, r.producer);

    r.stats = computeWeightStats(t);
    const int bits = tensorTypeBits(t.type);
    if (r.stats && bits > 0) {
        const ValueStats& stored = r.stats->stored;
        const ValueStats* real = r.stats->real ? &*r.stats->real : nullptr;
        r.zeroFraction = real ? real->zeroFraction : stored.zeroFraction;
        r.distinctValues = stored.distinctValues;
        r.nonFinite = stored.nonFinite;

        // The same values computeWeightStats looked at: all of them, or only the stored ones when sparse.
        const int64_t available = static_cast<int64_t>(t.data.size() * 8 / static_cast<size_t>(bits));
        const int64_t count = r.sparse ? available : std::min(t.elementCount, available);
        const int64_t finite = stored.count - stored.nonFinite;
        if (count > 0 && finite > 0) {
            const bool integer = !isFloatType(t.type);
            const bool narrow =
                integer && stored.max - stored.min + 1 <= static_cast<double>(kMaxIntegerBins);
            Histogram sh = narrow ? integerHistogram(stored.min, stored.max)
                                  : equalWidthHistogram(stored.min, stored.max);

            // Per-tensor quantization maps integer bins one to one onto real values; per-channel scales
            // do not, so their real values get equal-width bins of their own.
            const bool dequantize = real && r.quantized && !r.sparse;
            const bool mapBins = dequantize && !r.perChannel && narrow && r.scale > 0;
            std::optional<Histogram> rh;
            if (dequantize && !mapBins) rh = equalWidthHistogram(real->min, real->max);

            const int64_t channelCount = static_cast<int64_t>(r.channels.size());
            int64_t inner = 1;
            if (r.perChannel && q.quantizedDimension >= 0)
                for (size_t d = static_cast<size_t>(q.quantizedDimension) + 1; d < t.shape.size(); ++d)
                    inner *= t.shape[d];
            std::vector<double> usedMin(r.channels.size(), std::numeric_limits<double>::infinity());
            std::vector<double> usedMax(r.channels.size(), -std::numeric_limits<double>::infinity());
            const double tensorZp = static_cast<double>(r.zeroPoint);

            forEachStoredValue(t, count, [&](int64_t i, double v, uint64_t) {
                if (!std::isfinite(v)) return;
                ++sh.counts[binOf(sh, v)];
                if (!dequantize) return;
                double realValue;
                if (channelCount > 1) {
                    const size_t c = static_cast<size_t>((i / inner) % channelCount);
                    const ChannelQuantization& ch = r.channels[c];
                    realValue = ch.scale * (v - static_cast<double>(ch.zeroPoint));
                    usedMin[c] = std::min(usedMin[c], realValue);
                    usedMax[c] = std::max(usedMax[c], realValue);
                } else {
                    realValue = r.scale * (v - tensorZp);
                }
                if (rh && std::isfinite(realValue)) ++rh->counts[binOf(*rh, realValue)];
            });

            for (size_t c = 0; c < r.channels.size(); ++c) {
                if (usedMin[c] > usedMax[c]) continue;
                r.channels[c].usedMin = usedMin[c];
                r.channels[c].usedMax = usedMax[c];
            }
            if (mapBins) {
                Histogram mapped = sh;
                mapped.binWidth = r.scale;
                mapped.firstValue = r.scale * (sh.firstValue - tensorZp);
                mapped.lowerBound = mapped.firstValue - r.scale / 2;
                rh = std::move(mapped);
            }
            if (sh.integerBins) {
                // One bin per value makes the distinct count exact even past computeWeightStats' limit.
                r.distinctValues = static_cast<int64_t>(
                    std::count_if(sh.counts.begin(), sh.counts.end(), [](int64_t c) { return c > 0; }));
            }
            r.storedHistogram = std::move(sh);
            r.realHistogram = std::move(rh);
        }
    }

    // The properties table, in the order an engineer reads them.
    auto& p = r.properties;
    p.push_back({"Name", r.name.isEmpty() ? QString("(unnamed)") : r.name, r.name});
    p.push_back({"Tensor", QString("%1 in subgraph %2").arg(tensor).arg(subgraph), {}});
    p.push_back({"Kind", tensorKindName(r.kind), {}});
    p.push_back({"Type", r.typeName, {}});
    p.push_back({"Shape", t.hasRank ? shapeList(t.shape) : QString("unranked"), {}});
    if (!t.shapeSignature.empty())
        p.push_back(
            {"Shape signature", shapeList(t.shapeSignature),
             r.dynamic ? QString("-1 marks a dimension fixed only when the model is run") : QString()});
    p.push_back({"Elements", QString::number(t.elementCount), {}});
    p.push_back({"Byte size", bytesText(t.byteSize), {}});
    if (t.buffer != 0) {
        const bool external = t.buffer < model.buffers().size() && model.buffers()[t.buffer].external;
        p.push_back({"Buffer",
                     QString("%1%2").arg(t.buffer).arg(external ? " (stored after the flatbuffer)" : ""),
                     {}});
    }
    if (r.fileOffset) {
        p.push_back({"Stored bytes", bytesText(r.storedBytes), {}});
        p.push_back({"File offset", QString("%1 (0x%2)").arg(*r.fileOffset).arg(*r.fileOffset, 0, 16), {}});
    }
    if (r.sparse) {
        const SparsityParams& s = *t.sparsity;
        QStringList dims;
        for (const DimensionMetadata& d : s.dimensions)
            dims << (d.format == DimensionFormat::Dense
                         ? QString("dense %1").arg(d.denseSize)
                         : QString("CSR (%1 segments, %2 indices)").arg(d.segmentsCount).arg(d.indicesCount));
        p.push_back({"Storage", r.storageNote, dims.join("; ")});
    }
    if (t.isVariable) p.push_back({"Variable", "yes (state kept between invocations)", {}});

    p.push_back({"Quantization", r.quantizationText, {}});
    if (r.quantized && !r.perChannel && r.range)
        p.push_back(
            {"Real range", numberText(r.realMin) + " .. " + numberText(r.realMax),
             QString("scale * (q - zero_point) for q in %1..%2").arg(r.range->min).arg(r.range->max)});
    if (r.perChannel) {
        p.push_back({"Quantized dimension", QString::number(r.quantizedDimension), {}});
        double lo = r.channels.front().scale, hi = lo;
        for (const auto& ch : r.channels)
            lo = std::min(lo, ch.scale), hi = std::max(hi, ch.scale);
        p.push_back({"Scales", numberText(lo) + " .. " + numberText(hi), {}});
    }
    if (!q.min.empty() && !q.max.empty())
        p.push_back({"Calibration range",
                     q.min.size() == 1 ? numberText(q.min[0]) + " .. " + numberText(q.max[0])
                                       : QString("%1 per-channel ranges").arg(q.min.size()),
                     {}});
    if (q.blockSize > 0) {
        auto tensorName = [&](int32_t i) {
            if (i < 0 || static_cast<size_t>(i) >= sg.tensors.size()) return QString("none");
            return QString("%1 %2").arg(i).arg(qstr(sg.tensors[static_cast<size_t>(i)].name));
        };
        p.push_back({"Block size", QString::number(q.blockSize), {}});
        p.push_back({"Block scales", tensorName(q.blockScalesTensor), {}});
        p.push_back({"Block zero points", tensorName(q.blockZeroPointsTensor), {}});
    }
    if (!q.customDetails.empty())
        p.push_back({"Custom quantization", QString("%1 bytes").arg(q.customDetails.size()), {}});

    p.push_back({"Producer", r.producer >= 0 ? r.producerName : QString("none"), {}});
    QStringList consumerLabels;
    for (int32_t c : r.consumers)
        consumerLabels << opLabel(model, sg, c);
    p.push_back({"Consumers", r.consumers.empty() ? QString("none") : QString::number(r.consumers.size()),
                 consumerLabels.join("\n")});

    if (r.stats) {
        const ValueStats& s = r.stats->stored;
        addStatsRows(p, r.stats->real ? QString("Stored") : QString("Values"), s);
        if (r.stats->real) addStatsRows(p, "Real", *r.stats->real);
        QString zeros = percentText(r.zeroFraction);
        if (r.stats->real && r.stats->real->zeroFraction != s.zeroFraction)
            zeros += QString(" of real values (stored zeros %1)").arg(percentText(s.zeroFraction));
        p.push_back(
            {"Zeros", zeros, r.sparse ? QString("values a sparse tensor omits count as zeros") : QString()});
        p.push_back({"Distinct values",
                     r.distinctValues ? QString::number(*r.distinctValues)
                                      : QString("more than %1").arg(kMaxDistinctCounted),
                     {}});
        if (r.nonFinite) p.push_back({"Non-finite values", QString::number(r.nonFinite), {}});
    }
    return r;
}

OperatorInspection inspectOperator(const Model& model, int subgraph, int op) {
    OperatorInspection r;
    if (subgraph < 0 || static_cast<size_t>(subgraph) >= model.subgraphs().size()) return r;
    const Subgraph& sg = model.subgraphs()[static_cast<size_t>(subgraph)];
    if (op < 0 || static_cast<size_t>(op) >= sg.operators.size()) return r;
    const Operator& o = sg.operators[static_cast<size_t>(op)];
    const OperatorCode& code = model.operatorCode(o);

    r.valid = true;
    r.subgraph = subgraph;
    r.index = op;
    r.op = QString::fromStdString(code.name);
    r.version = code.version;
    r.builtinCode = code.builtinCode;
    r.custom = code.isCustom();
    r.optionsType = QString::fromLatin1(
        fb::EnumNameBuiltinOptions(static_cast<fb::BuiltinOptions>(o.builtinOptionsType)));
    if (r.optionsType == "NONE") r.optionsType.clear();
    const QString options2 = QString::fromLatin1(
        fb::EnumNameBuiltinOptions2(static_cast<fb::BuiltinOptions2>(o.builtinOptions2Type)));
    if (!options2.isEmpty() && options2 != "NONE")
        r.optionsType = r.optionsType.isEmpty() ? options2 : r.optionsType + ", " + options2;
    r.calledSubgraphs = o.calledSubgraphs;

    auto addRows = [&](const char* role, std::span<const int32_t> indices) {
        for (size_t k = 0; k < indices.size(); ++k) {
            OperatorTensorRow row;
            row.role = QString("%1 %2").arg(role).arg(k);
            row.tensor = indices[k];
            if (row.tensor < 0 || static_cast<size_t>(row.tensor) >= sg.tensors.size()) {
                row.tensor = -1;
                row.name = "(omitted optional input)";
            } else {
                const Tensor& t = sg.tensors[static_cast<size_t>(row.tensor)];
                row.name = qstr(t.name);
                row.shape = tensorShapeText(t);
                row.type = tensorTypeString(t.type);
                row.quantization = quantizationSummary(t);
                row.constant = t.isConstant();
            }
            r.tensors.push_back(std::move(row));
        }
    };
    addRows("input", o.inputs);
    addRows("output", o.outputs);
    addRows("intermediate", o.intermediates);

    auto& p = r.properties;
    p.push_back({"Operator", QString("%1 in subgraph %2").arg(op).arg(subgraph), {}});
    p.push_back(
        {"Op", r.op, r.custom ? QString("custom op") : QString("builtin code %1").arg(r.builtinCode)});
    p.push_back({"Version", QString::number(r.version), {}});
    if (!r.optionsType.isEmpty()) p.push_back({"Options", r.optionsType, {}});
    if (!o.customOptions.empty())
        p.push_back({"Custom options", QString("%1 bytes").arg(o.customOptions.size()), {}});
    p.push_back({"Inputs", QString::number(o.inputs.size()), {}});
    p.push_back({"Outputs", QString::number(o.outputs.size()), {}});
    int64_t paramBytes = 0;
    for (int32_t i : o.inputs)
        if (i >= 0 && static_cast<size_t>(i) < sg.tensors.size() &&
            sg.tensors[static_cast<size_t>(i)].isConstant())
            paramBytes += static_cast<int64_t>(sg.tensors[static_cast<size_t>(i)].data.size());
    if (paramBytes) p.push_back({"Parameter bytes", bytesText(paramBytes), {}});
    if (!r.calledSubgraphs.empty()) {
        QStringList called;
        for (int32_t s : r.calledSubgraphs) {
            QString label = QString::number(s);
            if (s >= 0 && static_cast<size_t>(s) < model.subgraphs().size() &&
                !model.subgraphs()[static_cast<size_t>(s)].name.empty())
                label += " (" + qstr(model.subgraphs()[static_cast<size_t>(s)].name) + ")";
            called << label;
        }
        p.push_back({"Calls subgraphs", called.join(", "), {}});
    }
    return r;
}

namespace {

QString tsvCell(QString text) {
    // Cells must not break the row and column structure the clipboard's readers rely on.
    text.replace('\t', ' ');
    text.replace('\n', ' ');
    text.replace('\r', ' ');
    return text;
}

QString headerRow(const QAbstractItemModel& model) {
    QStringList cells;
    for (int c = 0; c < model.columnCount(); ++c)
        cells << tsvCell(model.headerData(c, Qt::Horizontal, Qt::DisplayRole).toString());
    return cells.join('\t') + '\n';
}

QString rowText(const QAbstractItemModel& model, int row, const QModelIndex& parent, int depth) {
    QStringList cells;
    for (int c = 0; c < model.columnCount(parent); ++c) {
        QString cell = tsvCell(model.index(row, c, parent).data(Qt::DisplayRole).toString());
        if (c == 0 && depth > 0) cell.prepend(QString(2 * depth, ' '));
        cells << cell;
    }
    return cells.join('\t') + '\n';
}

void appendRows(const QAbstractItemModel& model, const QModelIndex& parent, int depth, QString& out) {
    for (int row = 0; row < model.rowCount(parent); ++row) {
        out += rowText(model, row, parent, depth);
        const QModelIndex child = model.index(row, 0, parent);
        if (model.hasChildren(child)) appendRows(model, child, depth + 1, out);
    }
}

}  // namespace

QString tableToTsv(const QAbstractItemModel& model) {
    QString out = headerRow(model);
    appendRows(model, {}, 0, out);
    return out;
}

QString rowsToTsv(const QAbstractItemModel& model, const QModelIndexList& indexes) {
    // Rows keyed by their path from the root so that the output follows the model's order.
    std::map<std::vector<int>, QModelIndex> rows;
    for (const QModelIndex& index : indexes) {
        if (!index.isValid() || index.model() != &model) continue;
        std::vector<int> path;
        for (QModelIndex i = index; i.isValid(); i = i.parent())
            path.insert(path.begin(), i.row());
        rows.emplace(std::move(path), index.siblingAtColumn(0));
    }
    QString out = headerRow(model);
    for (const auto& [path, index] : rows)
        out += rowText(model, index.row(), index.parent(), static_cast<int>(path.size()) - 1);
    return out;
}

}  // namespace litescope

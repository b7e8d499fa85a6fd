#include "viewmodels/overview_model.h"

#include <QFileInfo>
#include <QStringList>
#include <map>

#include "profiler/inspect_report.h"
#include "runtime/kernel_registry.h"
#include "viewmodels/tensor_inspection.h"

namespace litescope {

namespace {

QString qstr(std::string_view s) {
    return QString::fromUtf8(s.data(), static_cast<qsizetype>(s.size()));
}

QString bytesText(uint64_t bytes) {
    QString s = QString::fromStdString(formatBytes(bytes));
    if (bytes >= 1024) s += QString(" (%1 bytes)").arg(bytes);
    return s;
}

QString countText(int64_t n) {
    if (n >= 10'000'000) return QString::number(static_cast<double>(n) / 1e6, 'f', 1) + "M";
    if (n >= 10'000) return QString::number(static_cast<double>(n) / 1e3, 'f', 1) + "k";
    return QString::number(n);
}

QString plural(qsizetype n, const char* one, const char* many) {
    return QString("%1 %2").arg(n).arg(n == 1 ? one : many);
}

OverviewRow leaf(QString property, QString value, QString toolTip = {}) {
    OverviewRow r;
    r.property = std::move(property);
    r.value = std::move(value);
    r.toolTip = std::move(toolTip);
    return r;
}

QString floatList(const std::vector<float>& values) {
    QStringList parts;
    for (float v : values)
        parts << numberText(v);
    return "[" + parts.join(", ") + "]";
}

// One input or output as TFLite's get_input_details() lists it, with what else is known about it below.
OverviewRow ioRow(const Subgraph& sg, int32_t index, const TensorMetadataInfo* metadata) {
    if (index < 0 || static_cast<size_t>(index) >= sg.tensors.size())
        return leaf(QString("tensor %1").arg(index), "out of range");
    const Tensor& t = sg.tensors[static_cast<size_t>(index)];
    const QuantizationParams& q = t.quantization;
    QString value = (t.hasRank ? shapeList(t.shape) : QString("unranked")) + " " + tensorTypeString(t.type);
    if (q.hasAffine()) value += " " + quantizationSummary(t);
    OverviewRow row = leaf(t.name.empty() ? QString("(unnamed)") : qstr(t.name), value);
    row.children.push_back(leaf("Tensor index", QString::number(t.index)));
    if (!t.shapeSignature.empty())
        row.children.push_back(
            leaf("Shape signature", shapeList(t.shapeSignature),
                 t.isDynamic() ? "-1 marks a dimension chosen when the model is run" : ""));
    if (q.isPerChannel()) {
        float lo = q.scale[0], hi = q.scale[0];
        for (float s : q.scale)
            lo = std::min(lo, s), hi = std::max(hi, s);
        row.children.push_back(leaf("Per-channel", QString("%1 scales along dimension %2, %3 .. %4")
                                                       .arg(q.scale.size())
                                                       .arg(q.quantizedDimension)
                                                       .arg(numberText(lo), numberText(hi))));
    } else if (q.hasAffine()) {
        const int64_t zp = q.zeroPoint.empty() ? 0 : q.zeroPoint[0];
        if (auto range = isFloatType(t.type) ? std::nullopt : quantizedRange(t.type)) {
            const double lo = q.scale[0] * static_cast<double>(range->min - zp);
            const double hi = q.scale[0] * static_cast<double>(range->max - zp);
            row.children.push_back(leaf("Real range", numberText(lo) + " .. " + numberText(hi),
                                        "real = scale * (q - zero_point)"));
        }
    } else if (!q.detailsKind.empty()) {
        row.children.push_back(leaf("Quantization", quantizationSummary(t)));
    }
    if (metadata) {
        if (!metadata->content.empty())
            row.children.push_back(leaf("Content", QString::fromStdString(metadata->content)));
        if (!metadata->mean.empty() || !metadata->std.empty())
            row.children.push_back(leaf(
                "Normalization", "mean " + floatList(metadata->mean) + " std " + floatList(metadata->std),
                "the app feeds (x - mean) / std"));
        if (!metadata->description.empty())
            row.children.push_back(leaf("Description", QString::fromStdString(metadata->description)));
    }
    return row;
}

void addWarnings(OverviewRow& section, const Model& model, const ModelReport& report) {
    for (const std::string& w : model.warnings())
        section.children.push_back(leaf("Model file", QString::fromStdString(w)));
    for (const DeploymentNote& n : report.deploymentNotes)
        section.children.push_back(leaf(QString("%1 x%2").arg(QString::fromStdString(n.op)).arg(n.count),
                                        QString::fromStdString(n.kind + ": " + n.meaning)));

    // Ops with no kernel in Litescope's own runtime: Run and Profile will refuse the model.
    const KernelRegistry& kernels = KernelRegistry::builtin();
    std::map<std::string, int64_t> missing;
    for (const Subgraph& sg : model.subgraphs())
        for (const Operator& op : sg.operators) {
            const OperatorCode& code = model.operatorCode(op);
            if (!kernels.find(code)) ++missing[code.name];
        }
    for (const auto& [op, count] : missing)
        section.children.push_back(
            leaf(QString("%1 x%2").arg(QString::fromStdString(op)).arg(count),
                 "not supported yet: Litescope's runtime has no kernel for this op, so the model cannot be "
                 "run or profiled here"));

    // Accelerator delegates (NNAPI, GPU, Edge TPU) reject 64-bit integer and string tensors, so every op that
    // touches one stays on the CPU and splits the delegated graph.
    for (TensorType type : {TensorType::Int64, TensorType::String}) {
        int64_t count = 0;
        QStringList examples;
        for (const Subgraph& sg : model.subgraphs()) {
            std::vector<bool> used(sg.tensors.size(), false);
            for (const Operator& op : sg.operators) {
                for (int32_t i : op.inputs)
                    if (i >= 0 && static_cast<size_t>(i) < used.size()) used[static_cast<size_t>(i)] = true;
                for (int32_t i : op.outputs)
                    if (i >= 0 && static_cast<size_t>(i) < used.size()) used[static_cast<size_t>(i)] = true;
            }
            for (const Tensor& t : sg.tensors) {
                if (t.type != type || !used[static_cast<size_t>(t.index)]) continue;
                ++count;
                if (examples.size() < 3) examples << "'" + qstr(t.name) + "'";
            }
        }
        if (count == 0) continue;
        const QString typeName = tensorTypeString(type);
        section.children.push_back(leaf(
            QString("%1 tensors").arg(typeName),
            QString(
                "%1 used by ops (%2%3): NNAPI, GPU and Edge TPU delegates reject %4 tensors, so those ops "
                "stay on the CPU")
                .arg(count)
                .arg(examples.join(", "))
                .arg(count > examples.size() ? ", ..." : "")
                .arg(typeName)));
    }
}

}  // namespace

const OverviewRow* Overview::section(OverviewSection which) const {
    for (const OverviewRow& row : sections)
        if (row.section == which) return &row;
    return nullptr;
}

Overview buildOverview(const QString& filePath, uint64_t fileSize, const Model& model,
                       const ModelReport& report, const std::string& runtimeProblem,
                       const std::string& delegationSummary) {
    Overview overview;
    auto addSection = [&](OverviewSection which, const char* title) -> OverviewRow& {
        OverviewRow row;
        row.property = title;
        row.section = which;
        row.isSection = true;
        overview.sections.push_back(std::move(row));
        return overview.sections.back();
    };

    {
        OverviewRow& s = addSection(OverviewSection::File, "File");
        s.value = QFileInfo(filePath).fileName();
        s.children.push_back(leaf("Path", filePath));
        s.children.push_back(leaf("Size", bytesText(fileSize)));
        for (const AssociatedFileEntry& f : report.packedFiles)
            s.children.push_back(
                leaf("Packed file", QString::fromStdString(f.name) + ", " +
                                        QString::fromStdString(formatBytes(f.uncompressedSize))));
    }
    {
        OverviewRow& s = addSection(OverviewSection::Model, "Model");
        s.value = QString("schema version %1").arg(model.version());
        s.children.push_back(leaf("Schema version", QString::number(model.version())));
        if (!model.description().empty())
            s.children.push_back(leaf("Description", qstr(model.description())));
        if (!report.minRuntimeVersion.empty())
            s.children.push_back(
                leaf("Min runtime", "TFLite " + QString::fromStdString(report.minRuntimeVersion)));
        s.children.push_back(leaf("Operators", QString::number(report.operatorCount)));
        s.children.push_back(leaf("Tensors", QString::number(report.tensorCount)));
        s.children.push_back(leaf("Parameters", countText(report.totalParameters),
                                  QString("%1 constant values").arg(report.totalParameters)));
        s.children.push_back(leaf("Weights", bytesText(static_cast<uint64_t>(report.totalWeightBytes))));
        if (!delegationSummary.empty())
            s.children.push_back(leaf("Delegation", QString::fromStdString(delegationSummary),
                                      "What `--delegate xnnpack` would run where (subgraph 0 and what it "
                                      "prepares); View > Show XNNPACK Partitions draws it on the graph"));
    }
    {
        OverviewRow& s = addSection(OverviewSection::Subgraphs, "Subgraphs");
        s.value = QString::number(model.subgraphs().size());
        for (const Subgraph& sg : model.subgraphs()) {
            OverviewRow row =
                leaf(QString("%1%2").arg(sg.index).arg(sg.name.empty() ? "" : " " + qstr(sg.name)),
                     plural(static_cast<qsizetype>(sg.operators.size()), "operator", "operators") + ", " +
                         plural(static_cast<qsizetype>(sg.tensors.size()), "tensor", "tensors") + ", " +
                         plural(static_cast<qsizetype>(sg.inputs.size()), "input", "inputs") + ", " +
                         plural(static_cast<qsizetype>(sg.outputs.size()), "output", "outputs"));
            s.children.push_back(std::move(row));
        }
    }
    {
        OverviewRow& s = addSection(OverviewSection::Signatures, "Signatures");
        s.value = model.signatures().empty() ? QString("none") : QString::number(model.signatures().size());
        for (const SignatureDef& sd : model.signatures()) {
            OverviewRow row =
                leaf(sd.key.empty() ? QString("(no key)") : qstr(sd.key),
                     QString("subgraph %1, %2, %3")
                         .arg(sd.subgraphIndex)
                         .arg(plural(static_cast<qsizetype>(sd.inputs.size()), "input", "inputs"),
                              plural(static_cast<qsizetype>(sd.outputs.size()), "output", "outputs")));
            const Subgraph* sg =
                sd.subgraphIndex < model.subgraphs().size() ? &model.subgraphs()[sd.subgraphIndex] : nullptr;
            auto describe = [&](const TensorMap& m) {
                QString text = QString("tensor %1").arg(m.tensorIndex);
                if (sg && m.tensorIndex < sg->tensors.size()) {
                    const Tensor& t = sg->tensors[m.tensorIndex];
                    text += " " + tensorTypeString(t.type) + " " + shapeList(t.shape);
                }
                return text;
            };
            for (const TensorMap& m : sd.inputs)
                row.children.push_back(leaf("input " + qstr(m.name), describe(m)));
            for (const TensorMap& m : sd.outputs)
                row.children.push_back(leaf("output " + qstr(m.name), describe(m)));
            s.children.push_back(std::move(row));
        }
    }
    {
        // The interpreter's inputs and outputs are subgraph 0's, whatever the signatures say.
        const Subgraph* main = model.subgraphs().empty() ? nullptr : &model.subgraphs().front();
        const SubgraphMetadataInfo* md = report.metadata && !report.metadata->subgraphs.empty()
                                             ? &report.metadata->subgraphs.front()
                                             : nullptr;
        OverviewRow& in = addSection(OverviewSection::Inputs, "Inputs");
        if (main) {
            in.value = QString::number(main->inputs.size());
            for (size_t k = 0; k < main->inputs.size(); ++k)
                in.children.push_back(
                    ioRow(*main, main->inputs[k], md && k < md->inputs.size() ? &md->inputs[k] : nullptr));
        }
        OverviewRow& out = addSection(OverviewSection::Outputs, "Outputs");
        if (main) {
            out.value = QString::number(main->outputs.size());
            for (size_t k = 0; k < main->outputs.size(); ++k)
                out.children.push_back(
                    ioRow(*main, main->outputs[k], md && k < md->outputs.size() ? &md->outputs[k] : nullptr));
        }
    }
    {
        OverviewRow& s = addSection(OverviewSection::OpHistogram, "Op histogram");
        s.value = QString("%1 in %2")
                      .arg(plural(static_cast<qsizetype>(report.operatorCount), "operator", "operators"),
                           plural(static_cast<qsizetype>(report.opHistogram.size()), "kind", "kinds"));
        for (const OpHistogramEntry& e : report.opHistogram)
            s.children.push_back(
                leaf(QString::fromStdString(e.op), QString::number(e.count) + (e.custom ? " (custom)" : "")));
    }
    {
        OverviewRow& s = addSection(OverviewSection::WeightsByType, "Weights by type");
        s.value = QString::fromStdString(formatBytes(static_cast<uint64_t>(report.totalWeightBytes)));
        for (const TypeBytes& tb : report.weightBytes) {
            const double share = report.totalWeightBytes ? 100.0 * static_cast<double>(tb.bytes) /
                                                               static_cast<double>(report.totalWeightBytes)
                                                         : 0.0;
            s.children.push_back(
                leaf(tensorTypeString(tb.type),
                     QString("%1 (%2%), %3, %4 parameters")
                         .arg(QString::fromStdString(formatBytes(static_cast<uint64_t>(tb.bytes))))
                         .arg(share, 0, 'f', 1)
                         .arg(plural(static_cast<qsizetype>(tb.tensors), "tensor", "tensors"),
                              countText(tb.elements)),
                     QString("%1 bytes").arg(tb.bytes)));
        }
    }
    {
        OverviewRow& s = addSection(OverviewSection::Metadata, "Metadata");
        if (report.metadata) {
            const ModelMetadataInfo& md = *report.metadata;
            s.value = md.name.empty() ? QString("TFLITE_METADATA") : QString::fromStdString(md.name);
            auto add = [&](const char* key, const std::string& v) {
                if (!v.empty()) s.children.push_back(leaf(key, QString::fromStdString(v)));
            };
            add("Name", md.name);
            add("Description", md.description);
            add("Version", md.version);
            add("Author", md.author);
            add("License", md.license);
            add("Min parser version", md.minParserVersion);
            for (const AssociatedFileInfo& f : md.allAssociatedFiles())
                s.children.push_back(leaf("Associated file",
                                          QString::fromStdString(f.name + " (" + f.type + ")"),
                                          QString::fromStdString(f.description)));
        } else if (!report.metadataError.empty()) {
            s.value = "unreadable TFLITE_METADATA";
            s.children.push_back(leaf("Error", QString::fromStdString(report.metadataError)));
        } else {
            s.value = model.metadata().empty()
                          ? QString("none")
                          : plural(static_cast<qsizetype>(model.metadata().size()), "entry", "entries");
        }
        for (const MetadataEntry& m : model.metadata())
            s.children.push_back(leaf(m.name.empty() ? QString("(unnamed entry)") : qstr(m.name),
                                      QString("buffer %1, %2")
                                          .arg(m.buffer)
                                          .arg(QString::fromStdString(formatBytes(m.data.size())))));
    }
    {
        OverviewRow& s = addSection(OverviewSection::Warnings, "Warnings");
        addWarnings(s, model, report);
        if (!runtimeProblem.empty()) {
            s.children.push_back(leaf(
                "Litescope runtime", "cannot run this model yet: " + QString::fromStdString(runtimeProblem)));
        }
        s.value = s.children.empty() ? QString("none") : QString::number(s.children.size());
    }

    // Children inherit their section, so any row can say where it belongs.
    auto mark = [](auto& self, OverviewRow& row, OverviewSection which) -> void {
        row.section = which;
        for (OverviewRow& child : row.children)
            self(self, child, which);
    };
    for (OverviewRow& s : overview.sections)
        mark(mark, s, s.section);
    return overview;
}

OverviewModel::OverviewModel(QObject* parent) : QAbstractItemModel(parent) {}

void OverviewModel::setOverview(Overview overview) {
    beginResetModel();
    overview_ = std::move(overview);
    nodes_.clear();
    topLevel_.clear();
    addNodes(overview_.sections, -1);
    endResetModel();
}

void OverviewModel::addNodes(const std::vector<OverviewRow>& rows, int parent) {
    for (size_t k = 0; k < rows.size(); ++k) {
        const int id = static_cast<int>(nodes_.size());
        nodes_.push_back({&rows[k], parent, static_cast<int>(k), {}});
        if (parent < 0)
            topLevel_.push_back(id);
        else
            nodes_[static_cast<size_t>(parent)].children.push_back(id);
        addNodes(rows[k].children, id);
    }
}

const OverviewModel::Node* OverviewModel::nodeOf(const QModelIndex& index) const {
    if (!index.isValid() || index.model() != this) return nullptr;
    const quintptr id = index.internalId();
    return id < nodes_.size() ? &nodes_[id] : nullptr;
}

QModelIndex OverviewModel::index(int row, int column, const QModelIndex& parent) const {
    if (row < 0 || column < 0 || column >= ColumnCount) return {};
    const std::vector<int>* siblings = &topLevel_;
    if (parent.isValid()) {
        if (parent.column() != 0) return {};
        const Node* p = nodeOf(parent);
        if (!p) return {};
        siblings = &p->children;
    }
    if (static_cast<size_t>(row) >= siblings->size()) return {};
    return createIndex(row, column, static_cast<quintptr>((*siblings)[static_cast<size_t>(row)]));
}

QModelIndex OverviewModel::parent(const QModelIndex& child) const {
    const Node* node = nodeOf(child);
    if (!node || node->parent < 0) return {};
    const Node& p = nodes_[static_cast<size_t>(node->parent)];
    return createIndex(p.rowInParent, 0, static_cast<quintptr>(node->parent));
}

int OverviewModel::rowCount(const QModelIndex& parent) const {
    if (!parent.isValid()) return static_cast<int>(topLevel_.size());
    if (parent.column() != 0) return 0;
    const Node* node = nodeOf(parent);
    return node ? static_cast<int>(node->children.size()) : 0;
}

int OverviewModel::columnCount(const QModelIndex&) const {
    return ColumnCount;
}

QVariant OverviewModel::data(const QModelIndex& index, int role) const {
    const Node* node = nodeOf(index);
    if (!node) return {};
    const OverviewRow& row = *node->row;
    switch (role) {
        case Qt::DisplayRole:
            return index.column() == PropertyColumn ? row.property : row.value;
        case Qt::ToolTipRole: {
            const QString& tip = row.toolTip.isEmpty() ? row.value : row.toolTip;
            return tip.isEmpty() ? QVariant() : QVariant(tip);
        }
        case SectionRole:
            return row.isSection;
        case SectionIdRole:
            return static_cast<int>(row.section);
        default:
            return {};
    }
}

QVariant OverviewModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return {};
    if (section == PropertyColumn) return QString("Property");
    if (section == ValueColumn) return QString("Value");
    return {};
}

}  // namespace litescope

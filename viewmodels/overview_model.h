// The model overview (file, structure, inputs and outputs as get_input_details() gives them, op histogram,
// weights, metadata, warnings) as plain rows built in any thread, and the two-column tree model on them.
#pragma once

#include <QAbstractItemModel>
#include <QString>
#include <cstdint>
#include <vector>

#include "profiler/model_report.h"
#include "runtime/model.h"

namespace litescope {

enum class OverviewSection {
    File,
    Model,
    Subgraphs,
    Signatures,
    Inputs,
    Outputs,
    OpHistogram,
    WeightsByType,
    Metadata,
    Warnings,
};

struct OverviewRow {
    QString property;
    QString value;
    QString toolTip;                                  // empty: the value itself is the tooltip
    OverviewSection section = OverviewSection::File;  // the section the row belongs to
    bool isSection = false;                           // a top-level section row
    std::vector<OverviewRow> children;
};

struct Overview {
    std::vector<OverviewRow> sections;  // one per OverviewSection, in enum order

    const OverviewRow* section(OverviewSection which) const;
};

// Plain data only (no QObject), so it may run in any thread.
// `runtimeProblem`: why Litescope's runtime could not prepare the model (empty when it can), shown under
// Warnings because an op can have a kernel and still not support the model's types (int8 before the
// quantized kernels, for one).
// `delegationSummary`: what XNNPACK would take ("XNNPACK: 88 of 164 operators in 1 partition; ..."), shown
// under Model when not empty.
Overview buildOverview(const QString& filePath, uint64_t fileSize, const Model& model,
                       const ModelReport& report, const std::string& runtimeProblem = {},
                       const std::string& delegationSummary = {});

class OverviewModel : public QAbstractItemModel {
    Q_OBJECT

  public:
    enum Column { PropertyColumn, ValueColumn, ColumnCount };
    enum Role {
        SectionRole = Qt::UserRole + 1,  // bool: true for the top-level section rows only
        SectionIdRole,                   // int (OverviewSection) of the section every row belongs to
    };

    explicit OverviewModel(QObject* parent = nullptr);

    void setOverview(Overview overview);
    void clear() { setOverview({}); }
    const Overview& overview() const { return overview_; }

    QModelIndex index(int row, int column, const QModelIndex& parent = {}) const override;
    QModelIndex parent(const QModelIndex& child) const override;
    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

  private:
    // The tree flattened so that an index's internal id names its node and every node knows its parent.
    struct Node {
        const OverviewRow* row = nullptr;
        int parent = -1;  // node id, -1 for a section
        int rowInParent = 0;
        std::vector<int> children;
    };

    void addNodes(const std::vector<OverviewRow>& rows, int parent);
    const Node* nodeOf(const QModelIndex& index) const;

    Overview overview_;
    std::vector<Node> nodes_;
    std::vector<int> topLevel_;
};

}  // namespace litescope

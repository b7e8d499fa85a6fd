#include "viewmodels/delegation_overlay.h"

#include <QObject>
#include <algorithm>
#include <cctype>

#include "profiler/delegation_text.h"
#include "runtime/delegates/registry.h"
#include "runtime/interpreter.h"

namespace litescope {
namespace {

QString qs(const std::string& text) {
    return QString::fromStdString(text);
}

std::string upper(std::string text) {
    std::transform(text.begin(), text.end(), text.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    return text;
}

}  // namespace

const NodeDelegation* DelegationOverlay::node(int32_t subgraph, int32_t op) const {
    if (subgraph < 0 || static_cast<size_t>(subgraph) >= subgraphs.size()) return nullptr;
    const auto& nodes = subgraphs[static_cast<size_t>(subgraph)];
    if (op < 0 || static_cast<size_t>(op) >= nodes.size()) return nullptr;
    return &nodes[static_cast<size_t>(op)];
}

int32_t DelegationOverlay::partitionSize(int32_t subgraph, int32_t partition) const {
    if (subgraph < 0 || static_cast<size_t>(subgraph) >= partitionSizes.size()) return 0;
    const auto& sizes = partitionSizes[static_cast<size_t>(subgraph)];
    if (partition < 0 || static_cast<size_t>(partition) >= sizes.size()) return 0;
    return sizes[static_cast<size_t>(partition)];
}

bool DelegationOverlay::hasNodes() const {
    return std::any_of(subgraphs.begin(), subgraphs.end(), [](const auto& nodes) { return !nodes.empty(); });
}

DelegationFate delegationFate(const NodeDelegation* node) {
    if (node == nullptr) return DelegationFate::Unknown;
    if (node->partition >= 0) return DelegationFate::Delegated;
    if (node->computedAtPrepare) return DelegationFate::ComputedAtPrepare;
    return DelegationFate::Builtin;
}

DelegationOverlay computeDelegationOverlay(const std::shared_ptr<const Model>& model,
                                           const std::string& delegateName) {
    DelegationOverlay overlay;
    overlay.delegate = upper(delegateName);
    if (!model) {
        overlay.error = "no model";
        return overlay;
    }
    auto delegate = makeDelegate(delegateName, 1);
    if (!delegate) {
        overlay.error = delegate.message();
        return overlay;
    }
    if (!delegate.value()) {
        overlay.error = "\"" + delegateName + "\" is no delegate";
        return overlay;
    }
    overlay.delegate = std::string(delegate.value()->name());
    InterpreterOptions options;
    options.delegate = delegate.value();
    auto interpreter = Interpreter::create(model, options);
    if (!interpreter) {
        overlay.error = interpreter.message();
        return overlay;
    }
    Interpreter& runtime = *interpreter.value();
    if (Status prepared = runtime.prepare(); !prepared) {
        overlay.error = prepared.message();
        return overlay;
    }
    overlay.subgraphs.resize(runtime.subgraphCount());
    overlay.partitionSizes.resize(runtime.subgraphCount());
    for (size_t i = 0; i < runtime.subgraphCount(); ++i) {
        SubgraphRuntime& sg = runtime.subgraph(i);
        const DelegationReport* report = sg.delegation();
        if (!sg.isPrepared() || report == nullptr) continue;
        overlay.subgraphs[i] = report->nodes;
        for (const Partition& partition : report->partitions)
            overlay.partitionSizes[i].push_back(static_cast<int32_t>(partition.nodes.size()));
    }
    overlay.summary = delegationSummary(runtime);
    return overlay;
}

QString delegationBadge(const DelegationOverlay& overlay, int32_t subgraph, int32_t op) {
    const NodeDelegation* node = overlay.node(subgraph, op);
    switch (delegationFate(node)) {
        case DelegationFate::Delegated:
            return QStringLiteral("%1 p%2").arg(qs(overlay.delegate)).arg(node->partition);
        case DelegationFate::Builtin:
            return QObject::tr("builtin");
        case DelegationFate::ComputedAtPrepare:
            return QObject::tr("prepare");
        case DelegationFate::Unknown:
            break;
    }
    return {};
}

QString delegationText(const DelegationOverlay& overlay, int32_t subgraph, int32_t op) {
    const QString name = qs(overlay.delegate);
    if (!overlay.error.empty()) return QObject::tr("%1: not shown — %2").arg(name, qs(overlay.error));
    const NodeDelegation* node = overlay.node(subgraph, op);
    switch (delegationFate(node)) {
        case DelegationFate::Delegated: {
            const int32_t size = overlay.partitionSize(subgraph, node->partition);
            return QObject::tr("%1: partition %2 (%3 operator%4)")
                .arg(name)
                .arg(node->partition)
                .arg(size)
                .arg(size == 1 ? "" : "s");
        }
        case DelegationFate::Builtin:
            return QObject::tr("%1: on the builtin kernels — %2").arg(name, qs(node->reason));
        case DelegationFate::ComputedAtPrepare:
            return QObject::tr("%1: %2").arg(name, qs(node->reason));
        case DelegationFate::Unknown:
            break;
    }
    if (subgraph > 0 && static_cast<size_t>(subgraph) < overlay.subgraphs.size() &&
        overlay.subgraphs[static_cast<size_t>(subgraph)].empty())
        return QObject::tr("%1: subgraph %2 is prepared only when a control-flow op first runs it")
            .arg(name)
            .arg(subgraph);
    return {};
}

}  // namespace litescope

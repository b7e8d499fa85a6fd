#include "profiler/delegation_text.h"

#include <cinttypes>
#include <cstdio>
#include <map>

namespace litescope {

namespace {

std::string tensorList(SubgraphRuntime& sg, const std::vector<int32_t>& tensors) {
    std::string text;
    for (int32_t t : tensors) {
        if (!text.empty()) text += ", ";
        const std::string_view name = sg.model().tensors[static_cast<size_t>(t)].name;
        text += std::to_string(t) + (name.empty() ? "" : " (" + std::string(name) + ")");
    }
    return text.empty() ? "none" : text;
}

struct Counts {
    int64_t operators = 0, delegated = 0, folded = 0, partitions = 0;
};

Counts countsOf(SubgraphRuntime& sg) {
    Counts c;
    const DelegationReport* report = sg.delegation();
    if (!report) return c;
    c.partitions = static_cast<int64_t>(report->partitions.size());
    for (const NodeDelegation& d : report->nodes) {
        ++c.operators;
        if (d.partition >= 0)
            ++c.delegated;
        else if (d.computedAtPrepare)
            ++c.folded;
    }
    return c;
}

}  // namespace

std::string delegationSummary(Interpreter& interpreter) {
    Counts total;
    std::string delegate;
    for (size_t i = 0; i < interpreter.subgraphCount(); ++i) {
        SubgraphRuntime& sg = interpreter.subgraph(i);
        if (!sg.isPrepared() || !sg.delegation()) continue;
        delegate = sg.delegation()->delegate;
        const Counts c = countsOf(sg);
        total.operators += c.operators, total.delegated += c.delegated, total.folded += c.folded,
            total.partitions += c.partitions;
    }
    if (delegate.empty()) return {};
    char text[256];
    std::snprintf(text, sizeof text,
                  "%s: %" PRId64 " of %" PRId64 " operators in %" PRId64 " partition%s; %" PRId64
                  " on the builtin kernels%s",
                  delegate.c_str(), total.delegated, total.operators, total.partitions,
                  total.partitions == 1 ? "" : "s", total.operators - total.delegated - total.folded,
                  total.folded ? (", " + std::to_string(total.folded) + " computed at prepare").c_str() : "");
    return text;
}

std::string formatDelegation(Interpreter& interpreter) {
    std::string out;
    for (size_t i = 0; i < interpreter.subgraphCount(); ++i) {
        SubgraphRuntime& sg = interpreter.subgraph(i);
        const DelegationReport* report = sg.delegation();
        if (!sg.isPrepared() || !report) continue;
        const Counts c = countsOf(sg);
        char line[256];
        std::snprintf(line, sizeof line,
                      "Subgraph %zu%s: %" PRId64 " of %" PRId64 " operators delegated to %s in %" PRId64
                      " partition%s (prepared in %.1f ms)\n",
                      i, sg.model().name.empty() ? "" : (" '" + std::string(sg.model().name) + "'").c_str(),
                      c.delegated, c.operators, report->delegate.c_str(), c.partitions,
                      c.partitions == 1 ? "" : "s", report->prepareMicroseconds / 1000.0);
        out += line;
        for (size_t p = 0; p < report->partitions.size(); ++p) {
            const Partition& part = report->partitions[p];
            std::map<std::string, int> ops;
            for (int32_t n : part.nodes)
                ++ops[std::string(sg.opName(n))];
            std::string opText;
            for (const auto& [op, count] : ops)
                opText += (opText.empty() ? "" : ", ") + op + " x" + std::to_string(count);
            std::string nodes;
            for (size_t k = 0; k < part.nodes.size(); ++k) {
                if (k == 12) {
                    nodes += ", ...";
                    break;
                }
                nodes += (k ? ", " : "") + std::to_string(part.nodes[k]);
            }
            out += "  partition " + std::to_string(p) + ": " + std::to_string(part.nodes.size()) +
                   " operators (" + opText + ")\n";
            out += "    operators " + nodes + "\n";
            out += "    inputs  " + tensorList(sg, part.inputs) + "\n";
            out += "    outputs " + tensorList(sg, part.outputs) + "\n";
        }
        bool header = false;
        // Nodes computed at prepare are one line: a model with fp16 weights has dozens of them.
        std::map<std::string, int> folded;
        for (const NodeDelegation& d : report->nodes)
            if (d.computedAtPrepare) ++folded[std::string(sg.opName(d.node))];
        if (!folded.empty()) {
            std::string ops;
            int total = 0;
            for (const auto& [op, count] : folded)
                ops += (ops.empty() ? "" : ", ") + op + " x" + std::to_string(count), total += count;
            out += "  computed once at prepare from constant inputs, nothing to run at invoke: " +
                   std::to_string(total) + " operators (" + ops + ")\n";
        }
        for (const NodeDelegation& d : report->nodes) {
            if (d.partition >= 0 || d.computedAtPrepare) continue;
            if (!header) {
                out += "  on the builtin kernels:\n";
                header = true;
            }
            out += "    operator " + std::to_string(d.node) + " (" + std::string(sg.opName(d.node)) +
                   "): " + d.reason + "\n";
        }
    }
    return out;
}

}  // namespace litescope

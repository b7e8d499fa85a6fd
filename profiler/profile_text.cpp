#include "profiler/profile_text.h"

#include <algorithm>
#include <cinttypes>
#include <cmath>
#include <cstdarg>
#include <cstdio>
#include <map>
#include <numeric>

namespace litescope {

namespace {

void appendf(std::string& out, const char* format, ...) __attribute__((format(printf, 2, 3)));
void appendf(std::string& out, const char* format, ...) {
    char buffer[1024];
    va_list args;
    va_start(args, format);
    const int n = std::vsnprintf(buffer, sizeof buffer, format, args);
    va_end(args);
    if (n < 0) return;
    if (static_cast<size_t>(n) < sizeof buffer) {
        out.append(buffer, static_cast<size_t>(n));
        return;
    }
    std::string big(static_cast<size_t>(n) + 1, '\0');
    va_start(args, format);
    std::vsnprintf(big.data(), big.size(), format, args);
    va_end(args);
    big.resize(static_cast<size_t>(n));
    out += big;
}

std::string mib(int64_t bytes) {
    char text[32];
    std::snprintf(text, sizeof text, "%.2f MiB", static_cast<double>(bytes) / (1024.0 * 1024.0));
    return text;
}

void banner(std::string& out, const char* title) {
    appendf(out, "============================== %s ==============================\n", title);
}

// benchmark_model's columns: a tab before each field, right-aligned, 3 decimals.
void nodeHeader(std::string& out, const char* title) {
    banner(out, title);
    appendf(out, "\t%24s\t%9s\t%9s\t%8s\t%8s\t%10s\t%9s\t%s\n", "[node type]", "[first]", "[avg ms]", "[%]",
            "[cdf%]", "[mem KB]", "[times called]", "[Name]");
}

// A node's mean time per counted run (0 in the runs it did not run in, such as an untaken IF branch).
double meanPerRunUs(const NodeProfile& n, int64_t runs) {
    return runs > 0 ? n.us.mean * static_cast<double>(n.us.count) / static_cast<double>(runs) : 0.0;
}

void nodeRow(std::string& out, const NodeProfile& n, int64_t runs, double percent, double cdf) {
    appendf(out, "\t%24s\t%9.3f\t%9.3f\t%7.3f%%\t%7.3f%%\t%10.3f\t%9.0f\t%s\n", n.op.c_str(),
            n.us.first / 1000.0, meanPerRunUs(n, runs) / 1000.0, percent, cdf, 0.0, n.callsPerRun,
            nodeLabel(n).c_str());
}

std::string inputsText(const ProfileSettings& s) {
    if (s.inputs.empty()) return "random (seed " + std::to_string(s.seed) + ")";
    std::string text;
    for (const InputSource& in : s.inputs)
        text += (text.empty() ? "" : ", ") + (in.name.empty() ? std::string() : in.name + "=") + in.path;
    return text + "; the rest random (seed " + std::to_string(s.seed) + ")";
}

}  // namespace

std::string nodeLabel(const NodeProfile& node) {
    // "~" marks a node run inside a delegate's partition: its time is an estimate (see the report's header).
    return "[" + node.name + "]:" + std::to_string(node.index) + (node.estimated ? " ~" : "");
}

std::string formatProfileReport(const Profile& p, const TextReportOptions& options) {
    std::string out;
    const ProfileSettings& s = p.settings;
    appendf(out, "Model      %s  (%.2f MiB, sha256 %.12s)\n", p.modelFileName.c_str(),
            static_cast<double>(p.modelBytes) / (1024.0 * 1024.0), p.modelSha256.c_str());
    if (!s.signature.empty()) appendf(out, "Signature  %s\n", s.signature.c_str());
    appendf(out,
            "Settings   threads %d, delegate %s, warm-up %d run(s) / %.2g s, counted %d run(s) / %.3g s min"
            " (%.3g s max)%s, inputs %s\n",
            s.threads, s.delegate.c_str(), s.warmupRuns, s.warmupMinSeconds, s.runs, s.minSeconds,
            s.maxSeconds,
            s.delaySeconds > 0 ? (", " + std::to_string(s.delaySeconds) + " s between runs").c_str() : "",
            inputsText(s).c_str());
    appendf(out, "Machine    %s, %s, %d logical cores, %s\n", p.machine.hostname.c_str(),
            p.machine.cpu.c_str(), p.machine.logicalCores, p.machine.os.c_str());
    out += "\n";

    // benchmark_model's summary lines.
    const double warmAvg = p.warmupUs.empty() ? 0.0
                                              : std::accumulate(p.warmupUs.begin(), p.warmupUs.end(), 0.0) /
                                                    static_cast<double>(p.warmupUs.size());
    appendf(out,
            "Inference timings in us: Init: %.0f, First inference: %.0f, Warmup (avg): %.1f, Inference "
            "(avg): %.1f\n",
            p.initUs, p.warmupUs.empty() ? p.runs.first : p.warmupUs.front(), warmAvg, p.runs.mean);
    appendf(out, "  Init = load %.0f + kernels %.0f + delegate %.0f + prepare %.0f us; inputs %.0f us\n",
            p.loadUs, p.createUs, p.delegateUs, p.prepareUs, p.inputUs);
    appendf(out, "Memory: arena %s; peak resident %s (after init %s, at start %s)\n",
            mib(p.arenaBytes).c_str(), mib(p.memory.peakRssBytes).c_str(),
            mib(p.memory.peakRssAfterInitBytes).c_str(), mib(p.memory.rssStartBytes).c_str());
    if (p.overhead.pairs > 0)
        appendf(out,
                "Profiling overhead: %+.2f %% (median invoke %.1f us recorded vs %.1f us not, %" PRId64
                " interleaved pairs)\n",
                p.overhead.percent, p.overhead.profiledMedianUs, p.overhead.unprofiledMedianUs,
                p.overhead.pairs);
    else
        out += "Profiling overhead: not measured\n";
    if (!p.delegateSummary.empty()) {
        appendf(out, "Delegate: %s; applied in %.1f ms\n", p.delegateSummary.c_str(), p.delegateUs / 1000.0);
        if (!p.partitions.empty()) {
            appendf(
                out,
                "  Inside partitions (rows marked ~), each run's partition time is split among its nodes in "
                "proportion to their times alone: %s.\n",
                p.breakdownMethod.c_str());
            for (const PartitionProfile& part : p.partitions) {
                double alone = 0;
                for (double us : part.standaloneUs)
                    alone += us;
                appendf(
                    out,
                    "  partition %d of subgraph %d: %zu nodes, %.1f us per run; the nodes alone take %.1f "
                    "us%s\n",
                    part.index, part.subgraph, part.nodes.size(), part.meanUs, alone,
                    part.meanUs > 0
                        ? (" (" + std::to_string(static_cast<int>(std::lround(alone / part.meanUs * 100))) +
                           " %)")
                              .c_str()
                        : "");
            }
        }
    }
    for (const std::string& note : p.notes)
        appendf(out, "Note: %s\n", note.c_str());
    out += "\n";

    out += "Operator-wise Profiling Info for Regular Benchmark Runs:\n";
    // Run order, one table per subgraph that ran: shares are of that subgraph's time.
    std::map<int32_t, std::vector<const NodeProfile*>> bySubgraph;
    for (const NodeProfile& n : p.nodes)
        bySubgraph[n.subgraph].push_back(&n);
    if (options.runOrder) {
        for (auto& [subgraph, nodes] : bySubgraph) {
            if (bySubgraph.size() > 1) {
                const std::string name = static_cast<size_t>(subgraph) < p.subgraphNames.size()
                                             ? p.subgraphNames[static_cast<size_t>(subgraph)]
                                             : std::to_string(subgraph);
                appendf(out, "%s (index: %d, name: %s)\n",
                        nodes.front()->depth == 0 ? "Primary graph" : "Subgraph", subgraph, name.c_str());
            }
            std::stable_sort(nodes.begin(), nodes.end(), [](const NodeProfile* a, const NodeProfile* b) {
                return a->firstRunOrder < b->firstRunOrder;
            });
            nodeHeader(out, "Run Order");
            // Cumulative share in the order shown.
            double cdf = 0;
            for (const NodeProfile* n : nodes) {
                if (!n->estimated) cdf += n->share.percent;
                nodeRow(out, *n, p.runs.count, n->share.percent, std::min(cdf, 100.0));
            }
            out += "\n";
        }
    }

    // Top by time, over every node of every subgraph, on self time: a control-flow node counts without
    // the nodes of its body (they are ranked themselves), so the shares add up to 100 % of the invoke's
    // node time instead of counting a body twice. Without control flow self time is the node's time.
    std::vector<const NodeProfile*> top;
    for (const NodeProfile& n : p.nodes)
        top.push_back(&n);
    std::stable_sort(top.begin(), top.end(), [](const NodeProfile* a, const NodeProfile* b) {
        return a->selfMeanUs > b->selfMeanUs;
    });
    std::vector<double> selfTimes;
    for (const NodeProfile* n : top)
        selfTimes.push_back(n->selfMeanUs);
    const std::vector<Share> topShares = sharesOf(selfTimes);
    const bool nested =
        std::any_of(p.nodes.begin(), p.nodes.end(), [](const NodeProfile& n) { return n.depth > 0; });
    if (options.top >= 0 && top.size() > static_cast<size_t>(options.top))
        top.resize(static_cast<size_t>(options.top));
    nodeHeader(out, "Top by Computation Time");
    for (size_t i = 0; i < top.size(); ++i) {
        NodeProfile shown = *top[i];
        if (nested)
            shown.us.mean = shown.selfMeanUs * static_cast<double>(p.runs.count) /
                            static_cast<double>(std::max<int64_t>(shown.us.count, 1));
        nodeRow(out, shown, p.runs.count, topShares[i].percent, topShares[i].cumulativePercent);
    }
    if (nested)
        out +=
            "(self time: a control-flow node without the nodes of its body, which are listed themselves)\n";
    out += "\n";

    appendf(out, "Number of nodes executed: %zu\n", p.nodes.size());
    banner(out, "Summary by node type");
    appendf(out, "\t%24s\t%9s\t%10s\t%11s\t%11s\t%10s\t%9s\n", "[Node type]", "[count]", "[avg ms]",
            "[avg %]", "[cdf %]", "[mem KB]", "[times called]");
    for (const OpTypeProfile& t : p.opTypes)
        appendf(out, "\t%24s\t%9" PRId64 "\t%10.3f\t%10.3f%%\t%10.3f%%\t%10.3f\t%9.0f\n", t.op.c_str(),
                t.nodes, t.us.mean / 1000.0, t.share.percent, t.share.cumulativePercent, 0.0, t.callsPerRun);
    out += "\n";
    appendf(out,
            "Timings (microseconds): count=%" PRId64
            " first=%.0f curr=%.0f min=%.0f max=%.0f avg=%.1f std=%.0f\n",
            p.runs.count, p.runs.first, p.runUs.empty() ? 0.0 : p.runUs.back(), p.runs.min, p.runs.max,
            p.runs.mean, p.runs.stddev);
    out += "Memory (bytes): count=0\n";
    appendf(out, "%zu nodes observed\n\n", p.nodes.size());

    // What benchmark_model does not show.
    out += "Run statistics (microseconds per invoke, counted runs):\n";
    appendf(out,
            "  count %" PRId64
            "  mean %.1f  median %.1f (95%% CI %.1f to %.1f)  p90 %.1f  p99 %.1f  min %.1f  "
            "max %.1f  std %.1f  first %.1f\n",
            p.runs.count, p.runs.mean, p.runs.median, p.runs.medianCiLow, p.runs.medianCiHigh, p.runs.p90,
            p.runs.p99, p.runs.min, p.runs.max, p.runs.stddev, p.runs.first);
    double nodeSum = 0;
    for (const NodeProfile& n : p.nodes)
        if (n.depth == 0) nodeSum += meanPerRunUs(n, p.runs.count);
    if (p.runs.mean > 0)
        appendf(
            out,
            "  the nodes account for %.1f %% of the mean invoke; the rest is the interpreter's own loop\n",
            nodeSum / p.runs.mean * 100.0);
    out += "\n";

    appendf(out, "Spread and throughput of the top %zu nodes:\n", top.size());
    appendf(out, "\t%24s\t%9s\t%9s\t%9s\t%9s\t%9s\t%9s\t%10s\t%s\n", "[node type]", "[median]", "[p90]",
            "[p99]", "[std]", "[self ms]", "[MMAC]", "[GFLOP/s]", "[Name]");
    for (const NodeProfile* n : top)
        appendf(out, "\t%24s\t%9.3f\t%9.3f\t%9.3f\t%9.3f\t%9.3f\t%9.2f\t%10.2f\t%s\n", n->op.c_str(),
                n->us.median / 1000.0, n->us.p90 / 1000.0, n->us.p99 / 1000.0, n->us.stddev / 1000.0,
                n->selfMeanUs / 1000.0, n->cost.macs * n->callsPerRun / 1e6, n->gflops,
                nodeLabel(*n).c_str());
    out +=
        "  (ms per run; GFLOP/s counts a MAC as 2 operations, and one per output element for ops without "
        "MACs)\n";
    return out;
}

}  // namespace litescope

namespace litescope {

std::string formatComparison(const DelegateComparison& c, const TextReportOptions& options) {
    const Profile& a = c.baseline;
    const Profile& b = c.delegated;
    std::string out;
    appendf(out, "Model      %s  (sha256 %.12s)\n", a.modelFileName.c_str(), a.modelSha256.c_str());
    appendf(out,
            "Compared   builtin kernels against %s, %d thread(s), %" PRId64
            " runs each, alternating (the order swapped every pair)\n",
            b.delegateName.empty() ? b.settings.delegate.c_str() : b.delegateName.c_str(), a.settings.threads,
            a.runs.count);
    appendf(out, "Machine    %s, %s, %d logical cores\n", a.machine.hostname.c_str(), a.machine.cpu.c_str(),
            a.machine.logicalCores);
    if (!b.delegateSummary.empty()) appendf(out, "Delegate   %s\n", b.delegateSummary.c_str());
    if (!b.breakdownMethod.empty())
        appendf(out,
                "Inside partitions (rows marked ~), each run's partition time is split among its nodes in "
                "proportion to their times alone: %s.\n",
                b.breakdownMethod.c_str());
    for (const std::string& note : b.notes)
        appendf(out, "Note: %s\n", note.c_str());
    out += "\n";
    appendf(out, "%-22s %12s %12s %12s %12s %12s %12s\n", "[microseconds]", "[median]", "[95% CI low]",
            "[high]", "[mean]", "[p90]", "[init]");
    for (const Profile* p : {&a, &b})
        appendf(
            out, "%-22s %12.1f %12.1f %12.1f %12.1f %12.1f %12.1f\n",
            p == &a ? "builtin kernels" : (p->delegateName.empty() ? "delegate" : p->delegateName.c_str()),
            p->runs.median, p->runs.medianCiLow, p->runs.medianCiHigh, p->runs.mean, p->runs.p90, p->initUs);
    if (b.runs.median > 0)
        appendf(out, "Speed-up of the median invoke: %.2fx (%s)\n\n", a.runs.median / b.runs.median,
                a.runs.median >= b.runs.median ? "the delegate is faster" : "the delegate is slower");

    // Per node of the model: the builtin time against the delegated one (measured when the node stayed on
    // the builtin kernels, estimated inside a partition).
    std::map<std::pair<int32_t, int32_t>, const NodeProfile*> delegatedNodes;
    for (const NodeProfile& n : b.nodes)
        if (!n.delegateStep) delegatedNodes[{n.subgraph, n.index}] = &n;
    struct Row {
        const NodeProfile* plain;
        const NodeProfile* delegated;
        double plainUs, delegatedUs;
    };
    std::vector<Row> rows;
    const double runsA = std::max<double>(1, static_cast<double>(a.runs.count));
    const double runsB = std::max<double>(1, static_cast<double>(b.runs.count));
    for (const NodeProfile& n : a.nodes) {
        auto it = delegatedNodes.find({n.subgraph, n.index});
        const NodeProfile* d = it == delegatedNodes.end() ? nullptr : it->second;
        rows.push_back({&n, d, n.us.mean * static_cast<double>(n.us.count) / runsA,
                        d ? d->us.mean * static_cast<double>(d->us.count) / runsB : 0.0});
    }
    std::stable_sort(rows.begin(), rows.end(),
                     [](const Row& x, const Row& y) { return x.plainUs > y.plainUs; });
    const size_t shown =
        options.top > 0 ? std::min(rows.size(), static_cast<size_t>(options.top)) : rows.size();
    appendf(out, "Per node, slowest on the builtin kernels first (%zu of %zu):\n", shown, rows.size());
    appendf(out, "\t%24s\t%12s\t%12s\t%9s\t%-14s\t%s\n", "[node type]", "[builtin ms]", "[delegate ms]",
            "[speed-up]", "[ran on]", "[Name]");
    for (size_t i = 0; i < shown; ++i) {
        const Row& r = rows[i];
        std::string where = "builtin";
        if (r.delegated && r.delegated->partition >= 0)
            where = (b.delegateName.empty() ? "delegate" : b.delegateName) + " p" +
                    std::to_string(r.delegated->partition) + " ~";
        else if (!r.delegated)
            where = "-";
        const double speedUp = r.delegatedUs > 0 ? r.plainUs / r.delegatedUs : 0.0;
        appendf(out, "\t%24s\t%12.3f\t%12.3f\t%8.2fx\t%-14s\t%s\n", r.plain->op.c_str(), r.plainUs / 1000.0,
                r.delegatedUs / 1000.0, speedUp, where.c_str(), nodeLabel(*r.plain).c_str());
    }
    out += "  (~: inside a partition, the delegated time is an estimate; see above)\n";

    // Where the delegate loses: nodes slower delegated than on the builtin kernels.
    std::string slower;
    for (const Row& r : rows)
        if (r.delegated && r.delegated->partition >= 0 && r.delegatedUs > r.plainUs * 1.1 &&
            r.delegatedUs - r.plainUs > 1.0) {
            char line[256];
            std::snprintf(line, sizeof line, "  %s %s: %.3f ms builtin, %.3f ms delegated\n",
                          r.plain->op.c_str(), nodeLabel(*r.plain).c_str(), r.plainUs / 1000.0,
                          r.delegatedUs / 1000.0);
            slower += line;
        }
    if (!slower.empty())
        out +=
            "\nSlower with the delegate (over 10 %; --delegate-exclude can keep them on the builtin "
            "kernels):\n" +
            slower;
    // Op types that lose as a whole, ready to be left on the builtin kernels.
    std::map<std::string, std::pair<double, double>> byType;  // builtin, delegated
    for (const Row& r : rows)
        if (r.delegated && r.delegated->partition >= 0) {
            byType[r.plain->op].first += r.plainUs;
            byType[r.plain->op].second += r.delegatedUs;
        }
    std::string exclude;
    for (const auto& [op, t] : byType)
        if (t.second > t.first * 1.05 && t.second - t.first > 2.0)
            exclude += (exclude.empty() ? "" : ",") + op;
    if (!exclude.empty())
        out += "\nThese op types are slower delegated, all their nodes together: try --delegate-exclude " +
               exclude + " (estimates inside partitions; check with a second --compare-delegates)\n";
    return out;
}

}  // namespace litescope

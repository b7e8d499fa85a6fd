#include "runtime/delegate.h"

#include <algorithm>
#include <set>
#include <unordered_map>

namespace litescope {

std::vector<NodeSubset> partitionNodes(std::span<const NodeDependencies> nodes,
                                       std::span<const char> claimed) {
    const size_t n = nodes.size();
    std::vector<NodeSubset> subsets;
    if (n == 0) return subsets;

    // Which node writes each tensor; tensors nobody writes are there from the start.
    std::unordered_map<int32_t, int32_t> producer;
    for (size_t i = 0; i < n; ++i)
        for (int32_t t : nodes[i].outputs)
            if (t >= 0) producer.emplace(t, static_cast<int32_t>(i));

    // The distinct nodes each node waits for, and who waits for each node.
    std::vector<int32_t> waitingFor(n, 0);
    std::vector<std::vector<int32_t>> dependents(n);
    for (size_t i = 0; i < n; ++i) {
        std::set<int32_t> from;
        for (int32_t t : nodes[i].inputs) {
            if (t < 0) continue;
            auto it = producer.find(t);
            if (it != producer.end() && it->second != static_cast<int32_t>(i)) from.insert(it->second);
        }
        waitingFor[i] = static_cast<int32_t>(from.size());
        for (int32_t p : from)
            dependents[static_cast<size_t>(p)].push_back(static_cast<int32_t>(i));
    }

    auto kindOf = [&](size_t i) { return i < claimed.size() && claimed[i] != 0; };
    // Ready nodes of each kind, lowest index first so that each subset keeps the given order.
    std::set<int32_t> ready[2];
    for (size_t i = 0; i < n; ++i)
        if (waitingFor[i] == 0) ready[kindOf(i)].insert(static_cast<int32_t>(i));

    size_t placed = 0;
    bool kind = kindOf(0);
    if (ready[kind].empty()) kind = !kind;
    while (placed < n) {
        if (ready[kind].empty()) kind = !kind;
        if (ready[kind].empty()) break;  // a cycle: the given order was not an execution order
        NodeSubset subset;
        subset.delegated = kind;
        while (!ready[kind].empty()) {
            const int32_t i = *ready[kind].begin();
            ready[kind].erase(ready[kind].begin());
            subset.nodes.push_back(i);
            ++placed;
            for (int32_t d : dependents[static_cast<size_t>(i)])
                if (--waitingFor[static_cast<size_t>(d)] == 0)
                    ready[kindOf(static_cast<size_t>(d))].insert(d);
        }
        subsets.push_back(std::move(subset));
        kind = !kind;
    }
    // Whatever a cycle left behind runs last, in the given order, on the builtin kernels.
    if (placed < n) {
        std::vector<char> done(n, 0);
        for (const NodeSubset& s : subsets)
            for (int32_t i : s.nodes)
                done[static_cast<size_t>(i)] = 1;
        NodeSubset rest;
        for (size_t i = 0; i < n; ++i)
            if (!done[i]) rest.nodes.push_back(static_cast<int32_t>(i));
        subsets.push_back(std::move(rest));
    }
    return subsets;
}

}  // namespace litescope

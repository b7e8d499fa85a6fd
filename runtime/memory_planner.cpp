#include "runtime/memory_planner.h"

#include <algorithm>
#include <map>
#include <numeric>

namespace litescope {

namespace {
size_t alignUp(size_t n) { return (n + kTensorAlignment - 1) / kTensorAlignment * kTensorAlignment; }
}  // namespace

ArenaPlan planArena(const std::vector<ArenaRequest>& requests, bool noReuse) {
    ArenaPlan plan;
    plan.offsets.assign(requests.size(), 0);

    // Lower bound: sweep the steps, summing the sizes of the buffers alive at each.
    std::map<int32_t, int64_t> delta;
    for (const ArenaRequest& r : requests) {
        if (r.bytes == 0) continue;
        delta[r.first] += static_cast<int64_t>(r.bytes);
        delta[r.last + 1] -= static_cast<int64_t>(r.bytes);
    }
    int64_t live = 0;
    for (const auto& [step, change] : delta) {
        live += change;
        plan.lowerBoundBytes = std::max(plan.lowerBoundBytes, static_cast<size_t>(std::max<int64_t>(live, 0)));
    }

    if (noReuse) {
        size_t offset = 0;
        for (size_t i = 0; i < requests.size(); ++i) {
            plan.offsets[i] = offset;
            offset += alignUp(requests[i].bytes);
        }
        plan.arenaBytes = offset;
        return plan;
    }

    std::vector<size_t> order(requests.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
        if (requests[a].bytes != requests[b].bytes) return requests[a].bytes > requests[b].bytes;
        return requests[a].first < requests[b].first;
    });

    struct Placed {
        size_t offset, end;
        int32_t first, last;
    };
    std::vector<Placed> placed;  // kept sorted by offset
    placed.reserve(requests.size());
    for (size_t idx : order) {
        const ArenaRequest& r = requests[idx];
        if (r.bytes == 0) continue;
        const size_t need = r.bytes;
        // Best fit among the gaps between buffers alive at the same time; offsets aligned, sizes exact.
        size_t current = 0;
        size_t bestOffset = SIZE_MAX;
        size_t bestGap = SIZE_MAX;
        for (const Placed& p : placed) {
            if (p.last < r.first || p.first > r.last) continue;  // never alive together
            const size_t aligned = alignUp(current);
            if (aligned + need <= p.offset && p.offset - aligned < bestGap) {
                bestGap = p.offset - aligned;
                bestOffset = aligned;
            }
            current = std::max(current, p.end);
        }
        if (bestOffset == SIZE_MAX) bestOffset = alignUp(current);
        plan.offsets[idx] = bestOffset;
        Placed entry{bestOffset, bestOffset + need, r.first, r.last};
        placed.insert(std::upper_bound(placed.begin(), placed.end(), entry,
                                       [](const Placed& a, const Placed& b) { return a.offset < b.offset; }),
                      entry);
        plan.arenaBytes = std::max(plan.arenaBytes, entry.end);
    }
    return plan;
}

}  // namespace litescope

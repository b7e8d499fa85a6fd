#include "runtime/memory_planner.h"

#include <algorithm>
#include <functional>
#include <map>
#include <numeric>

namespace litescope {

namespace {
size_t alignUp(size_t n) {
    return (n + kTensorAlignment - 1) / kTensorAlignment * kTensorAlignment;
}

// Places buffers one by one in the order `less` gives, each at the best-fitting gap among the buffers
// already placed that are alive at the same time. Returns the arena size.
size_t placeInOrder(const std::vector<ArenaRequest>& requests,
                    const std::function<bool(size_t, size_t)>& less, std::vector<size_t>& offsets) {
    offsets.assign(requests.size(), 0);
    std::vector<size_t> order(requests.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), less);
    struct Placed {
        size_t offset, end;
        int32_t first, last;
    };
    std::vector<Placed> placed;  // kept sorted by offset
    placed.reserve(requests.size());
    size_t arena = 0;
    for (size_t idx : order) {
        const ArenaRequest& r = requests[idx];
        if (r.bytes == 0) continue;
        const size_t need = r.bytes;
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
        offsets[idx] = bestOffset;
        Placed entry{bestOffset, bestOffset + need, r.first, r.last};
        placed.insert(std::upper_bound(placed.begin(), placed.end(), entry,
                                       [](const Placed& a, const Placed& b) { return a.offset < b.offset; }),
                      entry);
        arena = std::max(arena, entry.end);
    }
    return arena;
}
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
        plan.lowerBoundBytes =
            std::max(plan.lowerBoundBytes, static_cast<size_t>(std::max<int64_t>(live, 0)));
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

    // Greedy placement depends on the order buffers are placed in. TFLite's order (largest first) comes
    // first; a few other orders sometimes pack tighter, and the smallest arena wins, so the plan is never
    // bigger than TFLite's.
    auto lifetime = [&](size_t i) { return requests[i].last - requests[i].first; };
    std::vector<std::function<bool(size_t, size_t)>> orders = {
        [&](size_t a, size_t b) {
            if (requests[a].bytes != requests[b].bytes) return requests[a].bytes > requests[b].bytes;
            return requests[a].first < requests[b].first;
        },
        [&](size_t a, size_t b) {
            if (requests[a].bytes != requests[b].bytes) return requests[a].bytes > requests[b].bytes;
            return lifetime(a) > lifetime(b);
        },
        [&](size_t a, size_t b) {
            const double wa = static_cast<double>(requests[a].bytes) * (lifetime(a) + 1);
            const double wb = static_cast<double>(requests[b].bytes) * (lifetime(b) + 1);
            return wa > wb;
        },
        [&](size_t a, size_t b) {
            if (requests[a].first != requests[b].first) return requests[a].first < requests[b].first;
            return requests[a].bytes > requests[b].bytes;
        },
    };
    bool first = true;
    for (const auto& less : orders) {
        std::vector<size_t> offsets;
        const size_t bytes = placeInOrder(requests, less, offsets);
        if (first || bytes < plan.arenaBytes) {
            plan.arenaBytes = bytes;
            plan.offsets = std::move(offsets);
            first = false;
        }
    }
    return plan;
}

}  // namespace litescope

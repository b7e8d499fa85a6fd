// Places the arena's buffers: each has a size and a lifetime [first, last] in execution steps, and gets the
// lowest offset where it overlaps no buffer alive at the same time, largest first (TFLite's "greedy by size"
// arena planning, so the arena is no bigger than TFLite's for the same model).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace litescope {

struct ArenaRequest {
    size_t bytes = 0;
    int32_t first = 0;  // first step it is alive
    int32_t last = 0;   // last step it is alive (inclusive)
};

struct ArenaPlan {
    std::vector<size_t> offsets;  // per request
    size_t arenaBytes = 0;        // the planned arena
    size_t lowerBoundBytes = 0;   // the largest sum of live sizes at any step: no plan can beat it
};

inline constexpr size_t kTensorAlignment = 64;

// With `noReuse`, every buffer gets its own bytes (for inspecting every intermediate tensor after invoke).
ArenaPlan planArena(const std::vector<ArenaRequest>& requests, bool noReuse = false);

}  // namespace litescope

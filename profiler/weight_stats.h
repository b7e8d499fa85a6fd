// Statistics of a constant tensor's values (weights, biases, lookup tables): what a pruned, clustered or
// badly quantized weight looks like at a glance.
#pragma once

#include <cstdint>
#include <optional>

#include "runtime/model.h"

namespace litescope {

struct ValueStats {
    int64_t count = 0;  // values looked at (the stored non-zeros for a sparse tensor)
    double min = 0;
    double max = 0;
    double mean = 0;
    double stddev = 0;
    double zeroFraction = 0;  // of the dense tensor: a sparse tensor's omitted values count as zeros
    std::optional<int64_t> distinctValues;  // set when there are at most kMaxDistinctCounted
    int64_t nonFinite = 0;                  // NaN or infinite values (float types)
};

struct WeightStats {
    ValueStats stored;               // the values as stored (integers for quantized tensors)
    std::optional<ValueStats> real;  // dequantized with the tensor's scale(s) and zero point(s)
};

inline constexpr int64_t kMaxDistinctCounted = 256;

// Nullopt for tensors without constant data or whose type has no numeric value (STRING, RESOURCE, ...).
std::optional<WeightStats> computeWeightStats(const Tensor& tensor);

}  // namespace litescope

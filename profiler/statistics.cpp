#include "profiler/statistics.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "format/tflite_generated.h"

namespace litescope {

namespace {

// A strict weak order even with NaN present (std::sort with plain < on NaN is undefined): NaN last.
bool lessNanLast(double a, double b) {
    return a < b || (!std::isnan(a) && std::isnan(b));
}

// P(B <= i) for B ~ Binomial(n, 1/2) is the running sum of C(n, i) / 2^n; the pmf is stepped by its ratio
// (n - i) / (i + 1) from 2^-n, which stays a normal double for n <= kMedianCiExactLimit.
int64_t exactLowRank(int64_t n) {
    double pmf = std::ldexp(1.0, -static_cast<int>(n));
    double cdf = 0;
    int64_t j = 0;
    for (int64_t i = 0; i <= n / 2; ++i) {
        cdf += pmf;
        if (cdf > 0.025) break;
        j = i + 1;  // P(B <= j - 1) <= 0.025
        pmf *= static_cast<double>(n - i) / static_cast<double>(i + 1);
    }
    return j;
}

}  // namespace

RankInterval medianCiRanks(int64_t n) {
    if (n <= 0) return {};
    if (n < 6) return {1, n};
    int64_t j = 0;
    if (n <= kMedianCiExactLimit) {
        j = exactLowRank(n);
    } else {
        constexpr double kZ975 = 1.959963984540054;  // the standard normal's 97.5 % quantile
        const double half = static_cast<double>(n) / 2;
        j = static_cast<int64_t>(std::floor(half + 0.5 - kZ975 * std::sqrt(static_cast<double>(n)) / 2));
    }
    j = std::clamp<int64_t>(j, 1, n);
    return {j, n - j + 1};
}

double percentileOfSorted(std::span<const double> sorted, double p) {
    if (sorted.empty()) return 0;
    const double clamped = std::isnan(p) ? 50.0 : std::clamp(p, 0.0, 100.0);
    const double h = static_cast<double>(sorted.size() - 1) * clamped / 100;
    const auto lo = static_cast<size_t>(std::floor(h));
    if (lo + 1 >= sorted.size()) return sorted.back();
    const double frac = h - static_cast<double>(lo);
    // Equal neighbours return the value itself rather than x + 0 * (x - x), which is NaN for infinities.
    if (frac == 0 || sorted[lo] == sorted[lo + 1]) return sorted[lo];
    return sorted[lo] + frac * (sorted[lo + 1] - sorted[lo]);
}

SampleStats summarize(std::span<const double> samples) {
    SampleStats s;
    if (samples.empty()) return s;
    const auto n = static_cast<int64_t>(samples.size());
    s.count = n;
    s.first = samples.front();

    // Two passes: the mean first, then squared deviations from it, which keeps the variance accurate when
    // the spread is small against the mean (timings of a steady op).
    const double sum = std::accumulate(samples.begin(), samples.end(), 0.0);
    s.mean = sum / static_cast<double>(n);
    if (n > 1) {
        double squares = 0;
        for (double x : samples)
            squares += (x - s.mean) * (x - s.mean);
        s.stddev = std::sqrt(squares / static_cast<double>(n - 1));
    }

    std::vector<double> sorted(samples.begin(), samples.end());
    std::sort(sorted.begin(), sorted.end(), lessNanLast);
    s.min = sorted.front();
    s.max = sorted.back();
    s.median = percentileOfSorted(sorted, 50);
    s.p90 = percentileOfSorted(sorted, 90);
    s.p99 = percentileOfSorted(sorted, 99);
    const RankInterval ranks = medianCiRanks(n);
    s.medianCiLow = sorted[static_cast<size_t>(ranks.low - 1)];
    s.medianCiHigh = sorted[static_cast<size_t>(ranks.high - 1)];
    return s;
}

std::vector<Share> sharesOf(std::span<const double> totals) {
    constexpr int64_t kWhole = 10000;  // 100 % in hundredths of a percent
    std::vector<Share> shares(totals.size());
    if (totals.empty()) return shares;

    std::vector<double> values(totals.size());
    std::transform(totals.begin(), totals.end(), values.begin(),
                   [](double t) { return std::isfinite(t) && t > 0 ? t : 0.0; });
    const double sum = std::accumulate(values.begin(), values.end(), 0.0);
    if (!(sum > 0) || !std::isfinite(sum)) return shares;

    std::vector<int64_t> units(values.size());
    std::vector<double> remainders(values.size());
    int64_t given = 0;
    for (size_t i = 0; i < values.size(); ++i) {
        const double exact = values[i] / sum * static_cast<double>(kWhole);
        const double whole = std::floor(exact);
        units[i] = static_cast<int64_t>(whole);
        remainders[i] = exact - whole;
        given += units[i];
    }
    // Rounding in the division can push the floors' sum a unit past the whole, or leave more missing
    // than there are items; settle either case on the items with the largest (or smallest) remainders.
    std::vector<size_t> order(values.size());
    std::iota(order.begin(), order.end(), size_t{0});
    std::stable_sort(order.begin(), order.end(),
                     [&](size_t a, size_t b) { return remainders[a] > remainders[b]; });
    for (size_t i = 0; given < kWhole; i = (i + 1) % order.size()) {
        ++units[order[i]];
        ++given;
    }
    for (size_t i = order.size(); given > kWhole;) {
        i = (i == 0 ? order.size() : i) - 1;
        if (units[order[i]] > 0) {
            --units[order[i]];
            --given;
        }
    }

    int64_t cumulative = 0;
    for (size_t i = 0; i < shares.size(); ++i) {
        cumulative += units[i];
        shares[i].percent = static_cast<double>(units[i]) / 100;
        shares[i].cumulativePercent = static_cast<double>(cumulative) / 100;
    }
    return shares;
}

namespace {

// Element count of a shape; 0 for one with a negative (unresolved) dimension.
double elementsOf(std::span<const int32_t> dims) {
    double n = 1;
    for (int32_t d : dims) {
        if (d < 0) return 0;
        n *= static_cast<double>(d);
    }
    return n;
}

class ShapeLookup {
  public:
    ShapeLookup(const Subgraph& subgraph, std::span<const Shape> resolved)
        : subgraph_(subgraph), resolved_(resolved) {}

    // Empty for an omitted optional operand (-1) or an index outside the subgraph.
    std::span<const int32_t> dims(int32_t tensor) const {
        if (tensor < 0) return {};
        const auto i = static_cast<size_t>(tensor);
        if (i < resolved_.size()) return resolved_[i].dims();
        if (i < subgraph_.tensors.size()) return subgraph_.tensors[i].shape;
        return {};
    }
    bool known(int32_t tensor) const {
        if (tensor < 0) return false;
        const auto i = static_cast<size_t>(tensor);
        if (i < resolved_.size()) return true;
        return i < subgraph_.tensors.size() && subgraph_.tensors[i].hasRank;
    }

  private:
    const Subgraph& subgraph_;
    std::span<const Shape> resolved_;
};

int32_t operandAt(const Operator& op, size_t i) {
    return i < op.inputs.size() ? op.inputs[i] : -1;
}

double product(std::span<const int32_t> dims, size_t from, size_t to) {
    return elementsOf(dims.subspan(from, to - from));
}

}  // namespace

OpCost estimateOpCost(const Model& model, const Subgraph& subgraph, const Operator& op,
                      std::span<const Shape> tensorShapes) {
    const ShapeLookup shapes(subgraph, tensorShapes);
    OpCost cost;
    for (int32_t out : op.outputs)
        if (shapes.known(out)) cost.elements += elementsOf(shapes.dims(out));

    using fb::BuiltinOperator;
    const auto code = static_cast<BuiltinOperator>(model.operatorCode(op).builtinCode);
    const auto input = [&](size_t i) { return shapes.dims(operandAt(op, i)); };
    switch (code) {
        case BuiltinOperator::CONV_2D: {
            const auto filter = input(1);  // [out_channels, kh, kw, in_channels / groups]
            if (filter.size() == 4) cost.macs = cost.elements * product(filter, 1, 4);
            break;
        }
        case BuiltinOperator::DEPTHWISE_CONV_2D: {
            const auto filter = input(1);  // [1, kh, kw, out_channels]
            if (filter.size() == 4) cost.macs = cost.elements * product(filter, 1, 3);
            break;
        }
        case BuiltinOperator::CONV_3D: {
            const auto filter = input(1);  // [kd, kh, kw, in_channels, out_channels]
            if (filter.size() == 5) cost.macs = cost.elements * product(filter, 0, 4);
            break;
        }
        case BuiltinOperator::TRANSPOSE_CONV: {
            // Inputs: output shape, filter [out_channels, kh, kw, in_channels], input, optional bias.
            const auto filter = input(1);
            const auto in = input(2);
            if (filter.size() == 4 && in.size() == 4) cost.macs = elementsOf(in) * product(filter, 0, 3);
            break;
        }
        case BuiltinOperator::CONV_3D_TRANSPOSE: {
            // Inputs: output shape, filter [kd, kh, kw, out_channels, in_channels], input, optional bias.
            const auto filter = input(1);
            const auto in = input(2);
            if (filter.size() == 5 && in.size() == 5) cost.macs = elementsOf(in) * product(filter, 0, 4);
            break;
        }
        case BuiltinOperator::FULLY_CONNECTED: {
            const auto weights = input(1);  // [units, depth]
            if (weights.size() == 2) cost.macs = cost.elements * static_cast<double>(std::max(weights[1], 0));
            break;
        }
        case BuiltinOperator::BATCH_MATMUL: {
            const auto lhs = input(0);  // [..., m, k], or [..., k, m] with adj_x
            if (lhs.size() < 2) break;
            const auto* options = op.raw ? op.raw->builtin_options_as<fb::BatchMatMulOptions>() : nullptr;
            const bool adjX = options && options->adj_x();
            const int32_t k = adjX ? lhs[lhs.size() - 2] : lhs[lhs.size() - 1];
            cost.macs = cost.elements * static_cast<double>(std::max(k, 0));
            break;
        }
        default:
            break;
    }
    return cost;
}

double gflopsOf(const OpCost& cost, double microseconds) {
    if (!(microseconds > 0)) return 0;
    const double operations = cost.macs > 0 ? 2 * cost.macs : cost.elements;
    // operations / (microseconds * 1e-6 s) / 1e9
    return operations / (microseconds * 1e3);
}

}  // namespace litescope

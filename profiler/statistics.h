// Statistics for `litescope profile`: summaries of repeated timings (with a confidence interval for the
// median), per-op shares that add up to 100 %, and a per-op cost model (MACs, elements) for throughput
// figures.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "runtime/model.h"
#include "runtime/shape.h"

namespace litescope {

// A summary of repeated measurements of one quantity (an op's or a whole run's time, in any unit).
//
// Percentiles (median, p90, p99) use linear interpolation between closest ranks, the definition of NumPy's
// default `percentile` (method "linear", Hyndman & Fan type 7): for p in [0, 100] over the sorted samples
// x[0..n-1], h = (n - 1) * p / 100 and the value is x[floor(h)] + (h - floor(h)) * (x[floor(h) + 1] -
// x[floor(h)]).
//
// `stddev` is the sample standard deviation (divisor n - 1), 0 for a single sample.
//
// [medianCiLow, medianCiHigh] is a distribution-free 95 % confidence interval of the median: the order
// statistics x(j) and x(k) (1-based ranks, k = n - j + 1) where j is the largest rank with
// P(B <= j - 1) <= 0.025 for B ~ Binomial(n, 1/2), so that the interval covers the median with probability
// P(j <= B <= k - 1) >= 95 % whatever the distribution of the samples. The binomial tail is summed exactly
// for n <= kMedianCiExactLimit; above it the normal approximation with continuity correction gives j =
// floor(n/2 + 1/2 - 1.959964 * sqrt(n)/2), which agrees with the exact rank or is one rank wider (more
// conservative). For n < 6 no pair of ranks reaches 95 % (the widest, min to max, covers 1 - 2^(1-n), 93.75 %
// at n = 5): the interval is then [min, max] and covers less than 95 %.
//
// NaN samples sort after every number; they make mean and stddev NaN and are reported as max.
struct SampleStats {
    int64_t count = 0;
    // samples[0]: the first (cold) run, shown apart because caches and lazy setup inflate it.
    double first = 0;
    double mean = 0;
    double median = 0;
    double p90 = 0;
    double p99 = 0;
    double min = 0;
    double max = 0;
    double stddev = 0;
    double medianCiLow = 0;
    double medianCiHigh = 0;
};

inline constexpr int64_t kMedianCiExactLimit = 1000;

// Samples in the order measured (they need not be sorted). Empty input: count 0 and every field 0.
SampleStats summarize(std::span<const double> samples);

// The 1-based ranks (j, k) of the median's 95 % confidence interval for n samples, as described above;
// (1, n) for n < 6, (0, 0) for n <= 0. Exposed so that reports can state which runs bound the interval.
struct RankInterval {
    int64_t low = 0;
    int64_t high = 0;
};
RankInterval medianCiRanks(int64_t n);

// NumPy-style linear percentile of already sorted values, p in [0, 100] (clamped); 0 for empty input.
double percentileOfSorted(std::span<const double> sorted, double p);

// One item's part of a total (an op's share of a run's time).
struct Share {
    double percent = 0;
    double cumulativePercent = 0;  // this item and all before it, in the order given
};

// Percentages of `totals` rounded to 0.01 % by the largest-remainder method, so that they add up to exactly
// 100 % (10000 hundredths) rather than drifting by rounding: each item gets the floor of its exact share in
// hundredths, and the hundredths still missing go one each to the items with the largest remainders (ties to
// the earlier item). `percent` and `cumulativePercent` are those integer hundredths divided by 100, so the
// last cumulative value is exactly 100. Negative or non-finite totals count as 0; when nothing is left to
// share (empty input, all zero) every share is 0.
std::vector<Share> sharesOf(std::span<const double> totals);

// The arithmetic an op does, for throughput figures. `macs` (multiply-accumulates) is set for the ops
// dominated by dot products: CONV_2D, DEPTHWISE_CONV_2D, TRANSPOSE_CONV, CONV_3D, CONV_3D_TRANSPOSE,
// FULLY_CONNECTED and BATCH_MATMUL; it is 0 for every other op. `elements` is the number of output elements
// the op writes (all outputs together), for every op.
struct OpCost {
    double macs = 0;
    double elements = 0;
};

// Estimates `op`'s cost from tensor shapes. `tensorShapes`, when given, holds the shapes the interpreter
// resolved, indexed by tensor index in `subgraph` (a model with dynamic shapes stores placeholders); any
// tensor it does not cover, or all of them when it is empty, is taken with the shape stored in the model.
// Bias additions, activations and padding are not counted; a MAC op whose operands do not have the expected
// ranks gets macs 0. The counts:
//   CONV_2D             output elements x kh x kw x filter input channels (in_channels / groups)
//   DEPTHWISE_CONV_2D   output elements x kh x kw
//   CONV_3D             output elements x kd x kh x kw x filter input channels
//   TRANSPOSE_CONV      input elements x kh x kw x output channels (each input element is scattered)
//   CONV_3D_TRANSPOSE   input elements x kd x kh x kw x output channels
//   FULLY_CONNECTED     output elements (batch x units) x depth
//   BATCH_MATMUL        output elements (batches x m x n) x k, k read with adj_x
OpCost estimateOpCost(const Model& model, const Subgraph& subgraph, const Operator& op,
                      std::span<const Shape> tensorShapes = {});

// Throughput in GFLOP/s for a time in microseconds: a MAC counts as two floating-point operations (a
// multiply and an add), and an op without MACs counts one operation per output element. That keeps the
// figure comparable across ops, but for element-wise ops it is an element rate, not a measured FLOP count.
// 0 when the time is not positive.
double gflopsOf(const OpCost& cost, double microseconds);

}  // namespace litescope

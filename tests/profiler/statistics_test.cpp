// Profiling statistics against hand-computed values: summaries (NumPy's linear percentiles, sample stddev),
// the median's confidence ranks checked against binomial tails computed independently, shares that add up
// to 100 %, and op costs of built models and of a real model's first convolution.
#include "profiler/statistics.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <numeric>
#include <random>
#include <vector>

#include "tests/support/model_builder.h"
#include "tests/support/shared_data.h"

namespace litescope::test {
namespace {

// P(B <= i) for B ~ Binomial(n, 1/2), by log-gamma: a different route from the implementation's pmf steps.
double binomialCdf(int64_t n, int64_t i) {
    double sum = 0;
    for (int64_t x = 0; x <= i; ++x)
        sum += std::exp(std::lgamma(double(n + 1)) - std::lgamma(double(x + 1)) -
                        std::lgamma(double(n - x + 1)) - double(n) * std::log(2.0));
    return sum;
}

// Probability that order statistics j..k (1-based) cover the median: P(j <= B <= k - 1).
double coverage(int64_t n, int64_t j, int64_t k) {
    return binomialCdf(n, k - 1) - binomialCdf(n, j - 1);
}

TEST(Summarize, OneToTen) {
    const std::vector<double> x = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
    SampleStats s = summarize(x);
    EXPECT_EQ(s.count, 10);
    EXPECT_DOUBLE_EQ(s.first, 1);
    EXPECT_DOUBLE_EQ(s.mean, 5.5);
    EXPECT_DOUBLE_EQ(s.median, 5.5);
    EXPECT_DOUBLE_EQ(s.p90, 9.1);   // h = 9 * 0.9 = 8.1: x[8] + 0.1 * (x[9] - x[8])
    EXPECT_DOUBLE_EQ(s.p99, 9.91);  // h = 8.91
    EXPECT_DOUBLE_EQ(s.min, 1);
    EXPECT_DOUBLE_EQ(s.max, 10);
    EXPECT_DOUBLE_EQ(s.stddev, std::sqrt(82.5 / 9));  // sum of squared deviations 82.5, n - 1 = 9
    EXPECT_NEAR(s.stddev, 3.0277, 1e-4);
    // n = 10: P(B <= 1) = 11/1024 <= 0.025 < P(B <= 2) = 56/1024, so ranks 2 and 9.
    EXPECT_DOUBLE_EQ(s.medianCiLow, 2);
    EXPECT_DOUBLE_EQ(s.medianCiHigh, 9);
}

TEST(Summarize, UnsortedInputGivesTheSameOrderStatistics) {
    const std::vector<double> x = {7, 3, 10, 1, 9, 2, 8, 5, 4, 6};
    SampleStats s = summarize(x);
    EXPECT_DOUBLE_EQ(s.first, 7);  // the first run as measured, not the smallest
    EXPECT_DOUBLE_EQ(s.mean, 5.5);
    EXPECT_DOUBLE_EQ(s.median, 5.5);
    EXPECT_DOUBLE_EQ(s.p90, 9.1);
    EXPECT_DOUBLE_EQ(s.min, 1);
    EXPECT_DOUBLE_EQ(s.max, 10);
    EXPECT_DOUBLE_EQ(s.stddev, std::sqrt(82.5 / 9));
    EXPECT_DOUBLE_EQ(s.medianCiLow, 2);
    EXPECT_DOUBLE_EQ(s.medianCiHigh, 9);
}

TEST(Summarize, OddCountAndInterpolation) {
    // Sorted {1, 2, 4, 8, 16}: median x[2] = 4; p90 h = 3.6: 8 + 0.6 * 8 = 12.8; p99 h = 3.96: 8 + 0.96 * 8.
    SampleStats s = summarize(std::vector<double>{16, 1, 8, 2, 4});
    EXPECT_DOUBLE_EQ(s.median, 4);
    EXPECT_DOUBLE_EQ(s.p90, 12.8);
    EXPECT_DOUBLE_EQ(s.p99, 15.68);
    EXPECT_DOUBLE_EQ(s.mean, 31.0 / 5);
    // n = 5 has no 95 % interval: min and max.
    EXPECT_DOUBLE_EQ(s.medianCiLow, 1);
    EXPECT_DOUBLE_EQ(s.medianCiHigh, 16);
}

TEST(Summarize, SingleSample) {
    SampleStats s = summarize(std::vector<double>{42.5});
    EXPECT_EQ(s.count, 1);
    EXPECT_DOUBLE_EQ(s.first, 42.5);
    EXPECT_DOUBLE_EQ(s.mean, 42.5);
    EXPECT_DOUBLE_EQ(s.median, 42.5);
    EXPECT_DOUBLE_EQ(s.p90, 42.5);
    EXPECT_DOUBLE_EQ(s.p99, 42.5);
    EXPECT_DOUBLE_EQ(s.min, 42.5);
    EXPECT_DOUBLE_EQ(s.max, 42.5);
    EXPECT_DOUBLE_EQ(s.stddev, 0);
    EXPECT_DOUBLE_EQ(s.medianCiLow, 42.5);
    EXPECT_DOUBLE_EQ(s.medianCiHigh, 42.5);
}

TEST(Summarize, EmptyInputIsAllZero) {
    SampleStats s = summarize({});
    EXPECT_EQ(s.count, 0);
    for (double v :
         {s.first, s.mean, s.median, s.p90, s.p99, s.min, s.max, s.stddev, s.medianCiLow, s.medianCiHigh})
        EXPECT_EQ(v, 0);
}

TEST(Summarize, NanDoesNotBreakTheSort) {
    const double nan = std::numeric_limits<double>::quiet_NaN();
    std::vector<double> x;
    for (int i = 0; i < 64; ++i)
        x.push_back(i % 7 == 0 ? nan : double(i));
    SampleStats s = summarize(x);
    EXPECT_EQ(s.count, 64);
    EXPECT_DOUBLE_EQ(s.min, 1);
    EXPECT_TRUE(std::isnan(s.max));
    EXPECT_TRUE(std::isnan(s.mean));
}

TEST(Percentile, EndsAndClamping) {
    const std::vector<double> sorted = {10, 20};
    EXPECT_DOUBLE_EQ(percentileOfSorted(sorted, 0), 10);
    EXPECT_DOUBLE_EQ(percentileOfSorted(sorted, 100), 20);
    EXPECT_DOUBLE_EQ(percentileOfSorted(sorted, 25), 12.5);
    EXPECT_DOUBLE_EQ(percentileOfSorted(sorted, -5), 10);
    EXPECT_DOUBLE_EQ(percentileOfSorted(sorted, 150), 20);
    EXPECT_DOUBLE_EQ(percentileOfSorted({}, 50), 0);
}

TEST(MedianCi, HundredSamplesUseRanks40And61) {
    // Binomial(100, 1/2): P(B <= 39) = 0.0176 <= 0.025 < P(B <= 40) = 0.0284, so j = 40 and k = 101 - 40
    // = 61, the classical pair; they cover 96.5 %, and the next narrower pair (41, 60) only 94.3 %.
    EXPECT_NEAR(binomialCdf(100, 39), 0.0176, 1e-4);
    EXPECT_NEAR(binomialCdf(100, 40), 0.0284, 1e-4);
    EXPECT_NEAR(coverage(100, 40, 61), 0.9648, 1e-4);
    EXPECT_LT(coverage(100, 41, 60), 0.95);

    RankInterval r = medianCiRanks(100);
    EXPECT_EQ(r.low, 40);
    EXPECT_EQ(r.high, 61);

    // Samples 1..100 given in reverse: the order statistics are their own ranks.
    std::vector<double> x(100);
    std::iota(x.rbegin(), x.rend(), 1.0);
    SampleStats s = summarize(x);
    EXPECT_DOUBLE_EQ(s.first, 100);
    EXPECT_DOUBLE_EQ(s.median, 50.5);
    EXPECT_DOUBLE_EQ(s.medianCiLow, 40);
    EXPECT_DOUBLE_EQ(s.medianCiHigh, 61);
}

TEST(MedianCi, SmallCounts) {
    EXPECT_EQ(medianCiRanks(0).low, 0);
    for (int64_t n = 1; n < 6; ++n) {
        EXPECT_EQ(medianCiRanks(n).low, 1) << n;
        EXPECT_EQ(medianCiRanks(n).high, n) << n;
    }
    // n = 5: even min..max covers only 1 - 2/32 = 93.75 %; n = 6 reaches 1 - 2/64 = 96.9 %.
    EXPECT_LT(coverage(5, 1, 5), 0.95);
    EXPECT_GE(coverage(6, 1, 6), 0.95);
    EXPECT_EQ(medianCiRanks(6).low, 1);
    EXPECT_EQ(medianCiRanks(6).high, 6);
    // n = 9: P(B <= 1) = 10/512 = 0.0195 <= 0.025 < P(B <= 2) = 46/512.
    EXPECT_EQ(medianCiRanks(9).low, 2);
    EXPECT_EQ(medianCiRanks(9).high, 8);
}

TEST(MedianCi, ExactRanksAreTheNarrowestThatCover95Percent) {
    for (int64_t n = 6; n <= kMedianCiExactLimit; n += (n < 60 ? 1 : 37)) {
        RankInterval r = medianCiRanks(n);
        ASSERT_EQ(r.high, n - r.low + 1) << n;
        EXPECT_GE(coverage(n, r.low, r.high), 0.95) << n;
        if (r.low + 1 <= r.high - 1) {
            EXPECT_LT(coverage(n, r.low + 1, r.high - 1), 0.95) << n;
        }
    }
}

TEST(MedianCi, NormalApproximationAboveTheExactLimit) {
    // n = 1001: floor(500.5 + 0.5 - 1.959964 * sqrt(1001) / 2) = floor(469.99) = 469, one rank wider than
    // the exact 470 (P(B <= 469) = 0.02499, just under 0.025), so still at least 95 %.
    RankInterval r = medianCiRanks(1001);
    EXPECT_EQ(r.low, 469);
    EXPECT_EQ(r.high, 533);
    EXPECT_NEAR(binomialCdf(1001, 469), 0.02499, 1e-5);
    EXPECT_GE(coverage(1001, r.low, r.high), 0.95);
    for (int64_t n : {2000, 5000, 12345}) {
        RankInterval big = medianCiRanks(n);
        EXPECT_GE(coverage(n, big.low, big.high), 0.95) << n;
        EXPECT_LT(coverage(n, big.low + 2, big.high - 2), 0.95) << n;  // at most one rank too wide
    }
}

int64_t hundredths(const Share& s) {
    return std::llround(s.percent * 100);
}

TEST(Shares, ThirdsAddUpToExactly100) {
    const double third = 1.0 / 3;
    std::vector<Share> s = sharesOf(std::vector<double>{third, third, third});
    ASSERT_EQ(s.size(), 3u);
    // 3333.33... hundredths each: floors give 9999, the missing one goes to the first (ties to the earlier).
    EXPECT_DOUBLE_EQ(s[0].percent, 33.34);
    EXPECT_DOUBLE_EQ(s[1].percent, 33.33);
    EXPECT_DOUBLE_EQ(s[2].percent, 33.33);
    EXPECT_DOUBLE_EQ(s[0].cumulativePercent, 33.34);
    EXPECT_DOUBLE_EQ(s[1].cumulativePercent, 66.67);
    EXPECT_EQ(s[2].cumulativePercent, 100.0);
    EXPECT_EQ(hundredths(s[0]) + hundredths(s[1]) + hundredths(s[2]), 10000);
}

TEST(Shares, LargestRemaindersGetTheMissingHundredths) {
    // Of 7: 1/7 = 1428.57 hundredths, 6/7 = 8571.43; floors 1428 + 8571 = 9999, 1/7 has the larger remainder.
    std::vector<Share> s = sharesOf(std::vector<double>{1, 6});
    EXPECT_DOUBLE_EQ(s[0].percent, 14.29);
    EXPECT_DOUBLE_EQ(s[1].percent, 85.71);
    EXPECT_EQ(s[1].cumulativePercent, 100.0);
}

TEST(Shares, DegenerateInputs) {
    EXPECT_TRUE(sharesOf({}).empty());
    for (const Share& s : sharesOf(std::vector<double>{0, 0}))
        EXPECT_EQ(s.percent, 0);
    // Negative and NaN totals count as nothing.
    std::vector<Share> s = sharesOf(std::vector<double>{-5, std::nan(""), 2, 2});
    EXPECT_EQ(s[0].percent, 0);
    EXPECT_EQ(s[1].percent, 0);
    EXPECT_DOUBLE_EQ(s[2].percent, 50);
    EXPECT_EQ(s[3].cumulativePercent, 100.0);
}

TEST(Shares, RandomTotalsAlwaysAddUpTo100) {
    std::mt19937_64 rng(7);
    std::lognormal_distribution<double> time(0.0, 3.0);
    std::uniform_int_distribution<int> count(1, 300);
    for (int trial = 0; trial < 500; ++trial) {
        std::vector<double> totals(static_cast<size_t>(count(rng)));
        for (double& t : totals)
            t = time(rng);
        const double sum = std::accumulate(totals.begin(), totals.end(), 0.0);
        std::vector<Share> s = sharesOf(totals);
        int64_t units = 0;
        for (size_t i = 0; i < s.size(); ++i) {
            units += hundredths(s[i]);
            EXPECT_LT(std::abs(s[i].percent - 100 * totals[i] / sum), 0.01 + 1e-9);
            EXPECT_EQ(std::llround(s[i].cumulativePercent * 100), units);
        }
        EXPECT_EQ(units, 10000);
        EXPECT_EQ(s.back().cumulativePercent, 100.0);
    }
}

std::shared_ptr<const Model> load(const ModelBuilder& b) {
    auto m = Model::fromBytes(b.build());
    EXPECT_TRUE(m.isOk()) << m.message();
    return m.isOk() ? *m : nullptr;
}

TEST(OpCost, BuiltOps) {
    ModelBuilder b;
    const auto f32 = fb::TensorType::FLOAT32;
    int32_t in = b.addTensor("in", f32, {1, 8, 8, 4});
    int32_t convFilter = b.addTensor("conv_filter", f32, {6, 3, 3, 2});  // groups = 2: 2 input channels each
    int32_t convOut = b.addTensor("conv_out", f32, {1, 8, 8, 6});
    int32_t dwFilter = b.addTensor("dw_filter", f32, {1, 5, 5, 6});
    int32_t dwOut = b.addTensor("dw_out", f32, {1, 4, 4, 6});
    int32_t tcShape = b.addTensor("tc_shape", fb::TensorType::INT32, {4});
    int32_t tcFilter = b.addTensor("tc_filter", f32, {3, 2, 2, 6});
    int32_t tcOut = b.addTensor("tc_out", f32, {1, 8, 8, 3});
    int32_t fcWeights = b.addTensor("fc_weights", f32, {10, 192});
    int32_t fcOut = b.addTensor("fc_out", f32, {1, 10});
    int32_t lhs = b.addTensor("lhs", f32, {2, 7, 5});  // adj_x: [batch, k, m], k = 7, m = 5
    int32_t rhs = b.addTensor("rhs", f32, {2, 7, 3});
    int32_t bmmOut = b.addTensor("bmm_out", f32, {2, 5, 3});
    int32_t addOut = b.addTensor("add_out", f32, {2, 5, 3});
    b.addOperator(fb::BuiltinOperator::CONV_2D, {in, convFilter, -1}, {convOut});
    b.addOperator(fb::BuiltinOperator::DEPTHWISE_CONV_2D, {convOut, dwFilter, -1}, {dwOut});
    b.addOperator(fb::BuiltinOperator::TRANSPOSE_CONV, {tcShape, tcFilter, dwOut}, {tcOut});
    b.addOperator(fb::BuiltinOperator::FULLY_CONNECTED, {tcOut, fcWeights, -1}, {fcOut});
    OperatorSpec bmm;
    bmm.opcodeIndex = b.addOperatorCode(fb::BuiltinOperator::BATCH_MATMUL);
    bmm.inputs = {lhs, rhs};
    bmm.outputs = {bmmOut};
    bmm.optionsType = fb::BuiltinOptions::BatchMatMulOptions;
    bmm.options = [](flatbuffers::FlatBufferBuilder& f) {
        return fb::CreateBatchMatMulOptions(f, true).Union();
    };
    b.addOperator(bmm);
    b.addOperator(fb::BuiltinOperator::ADD, {bmmOut, bmmOut}, {addOut});
    b.subgraphs[0].inputs = {in, lhs, rhs};
    b.subgraphs[0].outputs = {fcOut, addOut};
    auto m = load(b);
    ASSERT_TRUE(m);
    const Subgraph& g = m->subgraphs()[0];
    ASSERT_EQ(g.operators.size(), 6u);
    auto cost = [&](size_t i) { return estimateOpCost(*m, g, g.operators[i]); };

    EXPECT_DOUBLE_EQ(cost(0).elements, 8 * 8 * 6);
    EXPECT_DOUBLE_EQ(cost(0).macs, 8 * 8 * 6 * 3 * 3 * 2);
    EXPECT_DOUBLE_EQ(cost(1).macs, 4 * 4 * 6 * 5 * 5);
    EXPECT_DOUBLE_EQ(cost(2).macs, 4 * 4 * 6 * 2 * 2 * 3);  // input elements x kh x kw x out channels
    EXPECT_DOUBLE_EQ(cost(2).elements, 8 * 8 * 3);
    EXPECT_DOUBLE_EQ(cost(3).macs, 10 * 192);
    EXPECT_DOUBLE_EQ(cost(4).macs, 2 * 5 * 3 * 7);
    EXPECT_DOUBLE_EQ(cost(5).macs, 0);
    EXPECT_DOUBLE_EQ(cost(5).elements, 2 * 5 * 3);

    // Resolved shapes replace the stored ones: a batch of 4 quadruples the convolution.
    std::vector<Shape> resolved;
    for (const Tensor& t : g.tensors)
        resolved.emplace_back(t.shape);
    resolved[static_cast<size_t>(convOut)] = Shape{4, 8, 8, 6};
    OpCost batched = estimateOpCost(*m, g, g.operators[0], resolved);
    EXPECT_DOUBLE_EQ(batched.macs, 4 * cost(0).macs);
}

TEST(OpCost, FirstConvolutionOfVisualWakeWords) {
    auto m = Model::fromFile(
        modelPath("mlcommons-tiny/v0.1/training/visual_wake_words/trained_models/vww_96_float.tflite"));
    ASSERT_TRUE(m.isOk()) << m.message();
    const Subgraph& g = (*m)->subgraphs()[0];
    const Operator* conv = nullptr;
    for (const Operator& op : g.operators) {
        if ((*m)->operatorCode(op).name == "CONV_2D") {
            conv = &op;
            break;
        }
    }
    ASSERT_NE(conv, nullptr);
    const auto& filter = g.tensors[static_cast<size_t>(conv->inputs[1])].shape;
    const auto& out = g.tensors[static_cast<size_t>(conv->outputs[0])].shape;
    ASSERT_EQ(filter.size(), 4u);
    ASSERT_EQ(out.size(), 4u);
    // MobileNet v1 (alpha 0.25) on 96x96 RGB: 3x3 stride-2 convolution to 48x48x8.
    EXPECT_EQ(std::vector<int32_t>(filter.begin(), filter.end()), (std::vector<int32_t>{8, 3, 3, 3}));
    EXPECT_EQ(std::vector<int32_t>(out.begin(), out.end()), (std::vector<int32_t>{1, 48, 48, 8}));
    const double byHand = 1.0 * 48 * 48 * 8 * (3 * 3 * 3);  // 497,664 MACs
    OpCost c = estimateOpCost(**m, g, *conv);
    EXPECT_DOUBLE_EQ(c.macs, byHand);
    EXPECT_DOUBLE_EQ(c.elements, 48 * 48 * 8);
}

TEST(Gflops, MacsCountTwiceElementsOnce) {
    EXPECT_DOUBLE_EQ(gflopsOf({1e6, 5e3}, 1000), 2.0);  // 2e6 FLOP in 1 ms
    EXPECT_DOUBLE_EQ(gflopsOf({0, 1e6}, 1000), 1.0);
    EXPECT_DOUBLE_EQ(gflopsOf({1e6, 5e3}, 0), 0);
    EXPECT_DOUBLE_EQ(gflopsOf({1e6, 5e3}, -1), 0);
}

}  // namespace
}  // namespace litescope::test

// Reduction and normalization kernels against plain loops: every reduction over random shapes with random
// (negative, repeated, empty, constant or run-time) axes and keep_dims, integer and bool variants, TFLite's
// edge cases (empty inputs, -inf in MAX), and SOFTMAX, LOG_SOFTMAX, L2_NORMALIZATION and
// LOCAL_RESPONSE_NORMALIZATION along the last axis.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <set>

#include "tests/support/single_op_model.h"
#include "tests/support/test_values.h"

namespace litescope::test {
namespace {

using B = fb::BuiltinOperator;

QuantSpec quant(float scale) {
    QuantSpec q;
    q.scale = {scale};
    q.zeroPoint = {0};
    return q;
}

std::vector<int32_t> randomShape(std::mt19937& rng, int maxRank, int maxDim) {
    std::vector<int32_t> shape(rng() % static_cast<unsigned>(maxRank + 1));
    for (auto& d : shape)
        d = 1 + static_cast<int32_t>(rng() % static_cast<unsigned>(maxDim));
    return shape;
}

template <typename T>
std::vector<T> randomValues(std::mt19937& rng, int64_t n, double lo, double hi) {
    std::vector<T> v(static_cast<size_t>(n));
    std::uniform_real_distribution<double> dist(lo, hi);
    for (auto& x : v)
        x = static_cast<T>(dist(rng));
    return v;
}

// The reference: walks every input element by multi-index and folds it into the output element whose
// index is the input's with the reduced axes dropped.
template <typename T, typename Acc, typename Fold, typename Finish>
std::vector<T> referenceReduce(const std::vector<T>& x, const std::vector<int32_t>& shape,
                               const std::set<int>& axes, Acc init, Fold fold, Finish finish,
                               std::vector<int32_t>& outShape, bool keepDims) {
    outShape.clear();
    std::vector<int32_t> kept;
    for (int d = 0; d < static_cast<int>(shape.size()); ++d) {
        if (!axes.count(d)) {
            outShape.push_back(shape[static_cast<size_t>(d)]);
            kept.push_back(shape[static_cast<size_t>(d)]);
        } else if (keepDims) {
            outShape.push_back(1);
        }
    }
    std::vector<Acc> acc(static_cast<size_t>(elementCount(kept)), init);
    std::vector<int64_t> counts(acc.size(), 0);
    const int64_t n = elementCount(shape);
    for (int64_t i = 0; i < n; ++i) {
        int64_t rem = i, out = 0, scale = 1;
        for (int d = static_cast<int>(shape.size()) - 1; d >= 0; --d) {
            const int64_t idx = rem % shape[static_cast<size_t>(d)];
            rem /= shape[static_cast<size_t>(d)];
            if (!axes.count(d)) {
                out += idx * scale;
                scale *= shape[static_cast<size_t>(d)];
            }
        }
        acc[static_cast<size_t>(out)] = fold(acc[static_cast<size_t>(out)], x[static_cast<size_t>(i)]);
        ++counts[static_cast<size_t>(out)];
    }
    std::vector<T> result(acc.size());
    for (size_t k = 0; k < acc.size(); ++k)
        result[k] = finish(acc[k], counts[k]);
    return result;
}

struct AxisCase {
    std::vector<int32_t> values;  // as written in the model: negative and repeated entries allowed
    std::set<int> resolved;
};

AxisCase randomAxes(std::mt19937& rng, int rank) {
    AxisCase c;
    if (rank == 0) return c;
    const int n = static_cast<int>(rng() % static_cast<unsigned>(rank + 2));  // may repeat an axis
    for (int i = 0; i < n; ++i) {
        int a = static_cast<int>(rng() % static_cast<unsigned>(rank));
        c.resolved.insert(a);
        if (rng() % 2) a -= rank;
        c.values.push_back(a);
    }
    return c;
}

// Builds and runs one reduction; the axes are a constant INT32 operand or, when `runtimeAxes`, an INT64
// graph input (the output shape is then found at eval).
template <typename T>
Status runReduce(B op, fb::TensorType type, const std::vector<int32_t>& shape, const std::vector<T>& x,
                 const AxisCase& axes, bool keepDims, bool runtimeAxes, std::vector<T>& out,
                 std::vector<int32_t>& outShape) {
    SingleOpModel m(op);
    m.addInput(type, shape);
    const int32_t naxes = static_cast<int32_t>(axes.values.size());
    if (runtimeAxes)
        m.addInput(fb::TensorType::INT64, {naxes});
    else
        m.addConstInput<int32_t>(fb::TensorType::INT32, {naxes}, axes.values);
    m.addOutput(type);
    m.setOptions(fb::BuiltinOptions::ReducerOptions, [=](flatbuffers::FlatBufferBuilder& fbb) {
        return fb::CreateReducerOptions(fbb, keepDims).Union();
    });
    if (Status s = m.build(); !s) return s;
    m.setInput(0, x);
    if (runtimeAxes) m.setInput(1, std::vector<int64_t>(axes.values.begin(), axes.values.end()));
    if (Status s = m.invoke(); !s) return s;
    out = m.output<T>(0);
    outShape = m.outputShape(0);
    return Status::ok();
}

struct FloatReduction {
    B op;
    double init;
    std::function<double(double, double)> fold;
    bool mean;
};

TEST(ReduceKernels, FloatReductionsMatchReference) {
    std::mt19937 rng(7);
    const double lowest = std::numeric_limits<float>::lowest(), highest = std::numeric_limits<float>::max();
    const std::vector<FloatReduction> cases = {
        {B::MEAN, 0.0, [](double a, double x) { return a + x; }, true},
        {B::SUM, 0.0, [](double a, double x) { return a + x; }, false},
        {B::REDUCE_PROD, 1.0, [](double a, double x) { return a * x; }, false},
        {B::REDUCE_MAX, lowest, [](double a, double x) { return std::max(a, x); }, false},
        {B::REDUCE_MIN, highest, [](double a, double x) { return std::min(a, x); }, false},
    };
    for (const auto& c : cases) {
        for (int trial = 0; trial < 40; ++trial) {
            const auto shape = randomShape(rng, 4, 4);
            const AxisCase axes = randomAxes(rng, static_cast<int>(shape.size()));
            const bool keepDims = rng() % 2, runtimeAxes = trial % 3 == 0;
            const auto x = c.op == B::REDUCE_PROD ? randomValues<float>(rng, elementCount(shape), 0.5, 1.5)
                                                  : randomValues<float>(rng, elementCount(shape), -5, 5);
            std::vector<int32_t> wantShape;
            auto want = referenceReduce<float, double>(
                x, shape, axes.resolved, c.init, c.fold,
                [&](double a, int64_t n) {
                    return static_cast<float>(c.mean ? a / static_cast<double>(n) : a);
                },
                wantShape, keepDims);
            std::vector<float> got;
            std::vector<int32_t> gotShape;
            Status s = runReduce(c.op, fb::TensorType::FLOAT32, shape, x, axes, keepDims, runtimeAxes, got,
                                 gotShape);
            ASSERT_TRUE(s.isOk()) << s.message();
            ASSERT_EQ(gotShape, wantShape) << builtinOperatorName(static_cast<int32_t>(c.op));
            ASSERT_EQ(got.size(), want.size());
            for (size_t i = 0; i < got.size(); ++i)
                ASSERT_NEAR(got[i], want[i], 1e-5 * std::max(1.f, std::fabs(want[i])))
                    << builtinOperatorName(static_cast<int32_t>(c.op)) << " element " << i;
        }
    }
}

template <typename T>
void checkIntegerReductions(fb::TensorType type, uint32_t seed) {
    std::mt19937 rng(seed);
    struct Case {
        B op;
        T init;
        std::function<T(T, T)> fold;
        bool mean;
    };
    using U = std::make_unsigned_t<T>;
    const std::vector<Case> cases = {
        {B::SUM, 0, [](T a, T x) { return static_cast<T>(static_cast<U>(a) + static_cast<U>(x)); }, false},
        {B::REDUCE_PROD, 1, [](T a, T x) { return static_cast<T>(static_cast<U>(a) * static_cast<U>(x)); },
         false},
        {B::REDUCE_MAX, std::numeric_limits<T>::lowest(), [](T a, T x) { return std::max(a, x); }, false},
        {B::REDUCE_MIN, std::numeric_limits<T>::max(), [](T a, T x) { return std::min(a, x); }, false},
        {B::MEAN, 0, [](T a, T x) { return static_cast<T>(a + x); }, true},
    };
    for (const auto& c : cases) {
        for (int trial = 0; trial < 25; ++trial) {
            const auto shape = randomShape(rng, 4, 4);
            const AxisCase axes = randomAxes(rng, static_cast<int>(shape.size()));
            const bool keepDims = rng() % 2;
            std::vector<T> x(static_cast<size_t>(elementCount(shape)));
            for (auto& v : x)
                v = static_cast<T>(static_cast<int>(rng() % 19) - 9);
            std::vector<int32_t> wantShape;
            auto want = referenceReduce<T, T>(
                x, shape, axes.resolved, c.init, c.fold,
                [&](T a, int64_t n) { return c.mean ? static_cast<T>(a / static_cast<T>(n)) : a; }, wantShape,
                keepDims);
            std::vector<T> got;
            std::vector<int32_t> gotShape;
            Status s = runReduce(c.op, type, shape, x, axes, keepDims, trial % 2 == 0, got, gotShape);
            ASSERT_TRUE(s.isOk()) << s.message();
            ASSERT_EQ(gotShape, wantShape);
            ASSERT_EQ(got, want) << builtinOperatorName(static_cast<int32_t>(c.op));
        }
    }
}

TEST(ReduceKernels, Int32ReductionsMatchReference) {
    checkIntegerReductions<int32_t>(fb::TensorType::INT32, 11);
}
TEST(ReduceKernels, Int64ReductionsMatchReference) {
    checkIntegerReductions<int64_t>(fb::TensorType::INT64, 12);
}

TEST(ReduceKernels, Int32SumWrapsAsTwosComplement) {
    std::vector<int32_t> got, shape;
    AxisCase axes{{0}, {0}};
    const int32_t big = std::numeric_limits<int32_t>::max();
    ASSERT_TRUE(
        runReduce<int32_t>(B::SUM, fb::TensorType::INT32, {3}, {big, big, 3}, axes, false, false, got, shape)
            .isOk());
    EXPECT_EQ(got, (std::vector<int32_t>{static_cast<int32_t>(static_cast<uint32_t>(big) * 2u + 3u)}));
}

TEST(ReduceKernels, AnyAndAllOnBools) {
    std::mt19937 rng(21);
    for (B op : {B::REDUCE_ANY, B::REDUCE_ALL}) {
        for (int trial = 0; trial < 30; ++trial) {
            const auto shape = randomShape(rng, 4, 4);
            const AxisCase axes = randomAxes(rng, static_cast<int>(shape.size()));
            const bool keepDims = rng() % 2;
            std::vector<uint8_t> x(static_cast<size_t>(elementCount(shape)));
            // Mostly true for ALL and mostly false for ANY, so both results occur.
            for (auto& v : x)
                v = (rng() % 5 == 0) != (op == B::REDUCE_ALL);
            const bool any = op == B::REDUCE_ANY;
            std::vector<int32_t> wantShape;
            auto want = referenceReduce<uint8_t, bool>(
                x, shape, axes.resolved, !any, [&](bool a, uint8_t v) { return any ? (a || v) : (a && v); },
                [](bool a, int64_t) { return static_cast<uint8_t>(a); }, wantShape, keepDims);
            std::vector<uint8_t> got;
            std::vector<int32_t> gotShape;
            Status s = runReduce(op, fb::TensorType::BOOL, shape, x, axes, keepDims, false, got, gotShape);
            ASSERT_TRUE(s.isOk()) << s.message();
            ASSERT_EQ(gotShape, wantShape);
            ASSERT_EQ(got, want);
        }
    }
}

TEST(ReduceKernels, EmptyAxesCopyTheInput) {
    std::vector<float> got;
    std::vector<int32_t> shape;
    const std::vector<float> x = {1, -2, 3, 4, 5, 6};
    for (B op : {B::MEAN, B::SUM, B::REDUCE_MAX, B::REDUCE_MIN, B::REDUCE_PROD}) {
        for (bool keep : {false, true}) {
            ASSERT_TRUE(
                runReduce<float>(op, fb::TensorType::FLOAT32, {2, 3}, x, AxisCase{}, keep, false, got, shape)
                    .isOk());
            EXPECT_EQ(shape, (std::vector<int32_t>{2, 3}));
            EXPECT_EQ(got, x);
        }
    }
}

TEST(ReduceKernels, EmptyInputGivesTheStartingValue) {
    std::vector<float> got;
    std::vector<int32_t> shape;
    AxisCase axes{{1}, {1}};
    ASSERT_TRUE(
        runReduce<float>(B::SUM, fb::TensorType::FLOAT32, {2, 0}, {}, axes, false, false, got, shape).isOk());
    EXPECT_EQ(shape, (std::vector<int32_t>{2}));
    EXPECT_EQ(got, (std::vector<float>{0, 0}));
    ASSERT_TRUE(
        runReduce<float>(B::REDUCE_MAX, fb::TensorType::FLOAT32, {2, 0}, {}, axes, false, false, got, shape)
            .isOk());
    EXPECT_EQ(got, (std::vector<float>(2, std::numeric_limits<float>::lowest())));
    // TFLite's MEAN of nothing is NaN.
    ASSERT_TRUE(
        runReduce<float>(B::MEAN, fb::TensorType::FLOAT32, {2, 0}, {}, axes, true, false, got, shape).isOk());
    EXPECT_EQ(shape, (std::vector<int32_t>{2, 1}));
    ASSERT_EQ(got.size(), 2u);
    EXPECT_TRUE(std::isnan(got[0]) && std::isnan(got[1]));
}

TEST(ReduceKernels, MaxOfMinusInfinityFollowsTflite) {
    // Reducing every axis starts from the first element; a partial reduction starts from FLT_LOWEST.
    const float inf = std::numeric_limits<float>::infinity();
    std::vector<float> got;
    std::vector<int32_t> shape;
    ASSERT_TRUE(runReduce<float>(B::REDUCE_MAX, fb::TensorType::FLOAT32, {2, 1}, {-inf, -inf},
                                 AxisCase{{0, 1}, {0, 1}}, false, false, got, shape)
                    .isOk());
    EXPECT_EQ(got, (std::vector<float>{-inf}));
    ASSERT_TRUE(runReduce<float>(B::REDUCE_MAX, fb::TensorType::FLOAT32, {2, 1}, {-inf, -inf},
                                 AxisCase{{1}, {1}}, false, false, got, shape)
                    .isOk());
    EXPECT_EQ(got, (std::vector<float>(2, std::numeric_limits<float>::lowest())));
}

TEST(ReduceKernels, RuntimeAxesMayChangeBetweenInvokes) {
    SingleOpModel m(B::SUM);
    m.addInput(fb::TensorType::FLOAT32, {2, 3});
    m.addInput(fb::TensorType::INT32, {1});
    m.addOutput(fb::TensorType::FLOAT32);
    ASSERT_TRUE(m.build().isOk());
    m.setInput<float>(0, {1, 2, 3, 4, 5, 6});
    m.setInput<int32_t>(1, {0});
    ASSERT_TRUE(m.invoke().isOk());
    EXPECT_EQ(m.outputShape(0), (std::vector<int32_t>{3}));
    EXPECT_EQ(m.output<float>(0), (std::vector<float>{5, 7, 9}));
    m.setInput<int32_t>(1, {-1});
    ASSERT_TRUE(m.invoke().isOk());
    EXPECT_EQ(m.outputShape(0), (std::vector<int32_t>{2}));
    EXPECT_EQ(m.output<float>(0), (std::vector<float>{6, 15}));
    m.setInput<int32_t>(1, {2});
    Status s = m.invoke();
    ASSERT_FALSE(s.isOk());
    EXPECT_NE(s.message().find("axis 2 is out of range"), std::string::npos) << s.message();
}

TEST(ReduceKernels, ConstantAxisOutOfRangeFailsAtPrepare) {
    std::vector<float> got;
    std::vector<int32_t> shape;
    Status s = runReduce<float>(B::MEAN, fb::TensorType::FLOAT32, {2, 3}, {1, 2, 3, 4, 5, 6},
                                AxisCase{{-3}, {}}, false, false, got, shape);
    ASSERT_FALSE(s.isOk());
    EXPECT_NE(s.message().find("operator 0 (MEAN)"), std::string::npos) << s.message();
}

// REDUCE_PROD has no quantized kernel here.
TEST(ReduceKernels, QuantizedProductIsUnsupported) {
    SingleOpModel m(B::REDUCE_PROD);
    m.addInput(fb::TensorType::INT8, {2, 3}, quant(0.5f));
    m.addConstInput<int32_t>(fb::TensorType::INT32, {1}, {1});
    m.addOutput(fb::TensorType::INT8, {}, quant(0.5f));
    Status s = m.build();
    ASSERT_FALSE(s.isOk());
    EXPECT_EQ(s.code(), ErrorCode::Unsupported) << s.message();
}

// ---------------------------------------------------------------------------------------------------------

// Runs a one-input op over `x` and returns its output.
std::vector<float> runUnary(SingleOpModel& m, fb::TensorType type, const std::vector<int32_t>& shape,
                            const std::vector<float>& x) {
    m.addInput(type, shape);
    m.addOutput(type);
    Status s = m.build();
    EXPECT_TRUE(s.isOk()) << s.message();
    if (!s) return {};
    m.setInput(0, x);
    s = m.invoke();
    EXPECT_TRUE(s.isOk()) << s.message();
    EXPECT_EQ(m.outputShape(0), shape);
    return m.output<float>(0);
}

void expectClose(const std::vector<float>& got, const std::vector<double>& want, double tolerance,
                 const std::string& what) {
    ASSERT_EQ(got.size(), want.size()) << what;
    for (size_t i = 0; i < got.size(); ++i)
        ASSERT_NEAR(got[i], want[i], tolerance * std::max(1.0, std::fabs(want[i])))
            << what << " element " << i;
}

TEST(ReduceKernels, SoftmaxAlongTheLastAxis) {
    std::mt19937 rng(31);
    for (int trial = 0; trial < 30; ++trial) {
        auto shape = randomShape(rng, 3, 5);
        shape.push_back(1 + static_cast<int32_t>(rng() % 8));
        const float beta = trial % 3 == 0 ? 1.f : 0.2f + static_cast<float>(rng() % 20) / 10.f;
        const auto x = randomValues<float>(rng, elementCount(shape), -20, 20);
        SingleOpModel m(B::SOFTMAX);
        m.setOptions(fb::BuiltinOptions::SoftmaxOptions, [=](flatbuffers::FlatBufferBuilder& fbb) {
            return fb::CreateSoftmaxOptions(fbb, beta).Union();
        });
        const auto got = runUnary(m, fb::TensorType::FLOAT32, shape, x);
        const int64_t depth = shape.back();
        std::vector<double> want(x.size());
        for (size_t r = 0; r < x.size() / static_cast<size_t>(depth); ++r) {
            double sum = 0;
            for (int64_t c = 0; c < depth; ++c)
                sum += std::exp(beta * static_cast<double>(x[r * depth + c]));
            for (int64_t c = 0; c < depth; ++c)
                want[r * depth + c] = std::exp(beta * static_cast<double>(x[r * depth + c])) / sum;
        }
        expectClose(got, want, 1e-5, "SOFTMAX");
    }
}

TEST(ReduceKernels, SoftmaxSubtractsTheMaximum) {
    // exp(1000) overflows; subtracting the row maximum first keeps the result exact.
    SingleOpModel m(B::SOFTMAX);
    m.setOptions(fb::BuiltinOptions::SoftmaxOptions, [](flatbuffers::FlatBufferBuilder& fbb) {
        return fb::CreateSoftmaxOptions(fbb, 1.f).Union();
    });
    const auto got = runUnary(m, fb::TensorType::FLOAT32, {1, 2}, {1000.f, 1000.f});
    EXPECT_EQ(got, (std::vector<float>{0.5f, 0.5f}));
}

TEST(ReduceKernels, LogSoftmaxAlongTheLastAxis) {
    std::mt19937 rng(32);
    for (int trial = 0; trial < 30; ++trial) {
        auto shape = randomShape(rng, 3, 5);
        shape.push_back(1 + static_cast<int32_t>(rng() % 8));
        const auto x = randomValues<float>(rng, elementCount(shape), -50, 50);
        SingleOpModel m(B::LOG_SOFTMAX);
        const auto got = runUnary(m, fb::TensorType::FLOAT32, shape, x);
        const int64_t depth = shape.back();
        std::vector<double> want(x.size());
        for (size_t r = 0; r < x.size() / static_cast<size_t>(depth); ++r) {
            double max = -1e300, sum = 0;
            for (int64_t c = 0; c < depth; ++c)
                max = std::max(max, static_cast<double>(x[r * depth + c]));
            for (int64_t c = 0; c < depth; ++c)
                sum += std::exp(x[r * depth + c] - max);
            for (int64_t c = 0; c < depth; ++c)
                want[r * depth + c] = x[r * depth + c] - max - std::log(sum);
        }
        expectClose(got, want, 1e-5, "LOG_SOFTMAX");
    }
}

TEST(ReduceKernels, L2NormalizationAlongTheLastAxis) {
    std::mt19937 rng(33);
    for (int trial = 0; trial < 30; ++trial) {
        auto shape = randomShape(rng, 3, 4);
        shape.push_back(1 + static_cast<int32_t>(rng() % 8));
        auto x = randomValues<float>(rng, elementCount(shape), -3, 3);
        const int64_t depth = shape.back();
        if (trial % 4 == 0) std::fill(x.begin(), x.begin() + depth, 0.f);  // a zero row stays zero (epsilon)
        SingleOpModel m(B::L2_NORMALIZATION);
        const auto got = runUnary(m, fb::TensorType::FLOAT32, shape, x);
        std::vector<double> want(x.size());
        for (size_t r = 0; r < x.size() / static_cast<size_t>(depth); ++r) {
            double sq = 0;
            for (int64_t c = 0; c < depth; ++c)
                sq += static_cast<double>(x[r * depth + c]) * x[r * depth + c];
            const double norm = std::max(std::sqrt(sq), 1e-6);
            for (int64_t c = 0; c < depth; ++c)
                want[r * depth + c] = x[r * depth + c] / norm;
        }
        expectClose(got, want, 1e-5, "L2_NORMALIZATION");
    }
}

TEST(ReduceKernels, L2NormalizationEpsilonBoundsTinyNorms) {
    SingleOpModel m(B::L2_NORMALIZATION);
    const auto got =
        runUnary(m, fb::TensorType::FLOAT32, {1, 2}, {3e-7f, 4e-7f});  // norm 5e-7 < epsilon 1e-6
    ASSERT_EQ(got.size(), 2u);
    EXPECT_NEAR(got[0], 0.3f, 1e-6);
    EXPECT_NEAR(got[1], 0.4f, 1e-6);
}

TEST(ReduceKernels, LocalResponseNormalizationWindowIsInclusive) {
    std::mt19937 rng(34);
    for (int trial = 0; trial < 20; ++trial) {
        const std::vector<int32_t> shape = {
            1 + static_cast<int32_t>(rng() % 2), 1 + static_cast<int32_t>(rng() % 3),
            1 + static_cast<int32_t>(rng() % 3), 1 + static_cast<int32_t>(rng() % 9)};
        const int32_t radius = static_cast<int32_t>(rng() % 4);
        const float bias = 0.5f + static_cast<float>(rng() % 10) / 10.f,
                    alpha = 0.1f + static_cast<float>(rng() % 5) / 10.f;
        const float beta = trial % 3 == 0 ? 0.5f : trial % 3 == 1 ? 1.f : 0.75f;
        const auto x = randomValues<float>(rng, elementCount(shape), -2, 2);
        SingleOpModel m(B::LOCAL_RESPONSE_NORMALIZATION);
        m.setOptions(
            fb::BuiltinOptions::LocalResponseNormalizationOptions, [=](flatbuffers::FlatBufferBuilder& fbb) {
                return fb::CreateLocalResponseNormalizationOptions(fbb, radius, bias, alpha, beta).Union();
            });
        const auto got = runUnary(m, fb::TensorType::FLOAT32, shape, x);
        const int64_t depth = shape[3];
        std::vector<double> want(x.size());
        for (size_t r = 0; r < x.size() / static_cast<size_t>(depth); ++r) {
            for (int64_t c = 0; c < depth; ++c) {
                double sum = 0;
                for (int64_t k = c - radius; k <= c + radius; ++k)
                    if (k >= 0 && k < depth) sum += static_cast<double>(x[r * depth + k]) * x[r * depth + k];
                want[r * depth + c] =
                    x[r * depth + c] * std::pow(bias + alpha * sum, -static_cast<double>(beta));
            }
        }
        expectClose(got, want, 1e-5, "LOCAL_RESPONSE_NORMALIZATION");
    }
}

TEST(ReduceKernels, NormalizationChecksFailAtPrepare) {
    {
        SingleOpModel m(B::LOCAL_RESPONSE_NORMALIZATION);
        m.addInput(fb::TensorType::FLOAT32, {2, 3});
        m.addOutput(fb::TensorType::FLOAT32);
        EXPECT_FALSE(m.build().isOk());
    }
    {
        SingleOpModel m(B::L2_NORMALIZATION);
        m.addInput(fb::TensorType::FLOAT32, {2, 3});
        m.addOutput(fb::TensorType::FLOAT32);
        m.setOptions(fb::BuiltinOptions::L2NormOptions, [](flatbuffers::FlatBufferBuilder& fbb) {
            return fb::CreateL2NormOptions(fbb, fb::ActivationFunctionType::RELU).Union();
        });
        Status s = m.build();
        ASSERT_FALSE(s.isOk());
        EXPECT_NE(s.message().find("fused activation"), std::string::npos) << s.message();
    }
    {
        SingleOpModel m(B::LOG_SOFTMAX);
        m.addInput(fb::TensorType::UINT8, {2, 3}, quant(0.1f));
        m.addOutput(fb::TensorType::UINT8, {}, quant(16.f / 256));
        Status s = m.build();
        ASSERT_FALSE(s.isOk());
        EXPECT_EQ(s.code(), ErrorCode::Unsupported) << s.message();
    }
}

}  // namespace
}  // namespace litescope::test

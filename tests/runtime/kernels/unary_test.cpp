// Unary-family kernels against plain loops: math functions and activations over random shapes, integer
// ABS/NEG/SIGN, GELU, LEAKY_RELU, PRELU broadcasting, LOGICAL_NOT, ZEROS_LIKE, every CAST pair,
// DEQUANTIZE (per tensor, per channel, every float16 bit pattern, folded constants), QUANTIZE rounding and
// clamping, and SELECT/SELECT_V2 shape rules.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <functional>
#include <limits>
#include <numbers>
#include <random>

#include "tests/support/single_op_model.h"
#include "tests/support/test_values.h"

namespace litescope::test {
namespace {

using B = fb::BuiltinOperator;
using TT = fb::TensorType;

std::vector<int32_t> randomShape(std::mt19937& rng, int minRank = 0, int maxRank = 4) {
    const int rank = minRank + static_cast<int>(rng() % static_cast<unsigned>(maxRank - minRank + 1));
    std::vector<int32_t> shape;
    for (int d = 0; d < rank; ++d)
        shape.push_back(1 + static_cast<int32_t>(rng() % 5));
    return shape;
}

// Uniform values, with a third of them replaced by multiples of 0.5 (ties for the rounding ops) and zeros.
std::vector<float> randomFloats(std::mt19937& rng, int64_t n, double lo, double hi) {
    std::uniform_real_distribution<double> dist(lo, hi);
    std::vector<float> v(static_cast<size_t>(n));
    for (auto& x : v) {
        x = static_cast<float>(dist(rng));
        if (rng() % 3 == 0)
            x = std::clamp(std::round(x * 2.f) / 2.f, static_cast<float>(lo), static_cast<float>(hi));
        if (rng() % 10 == 0 && lo <= 0 && hi >= 0) x = 0.f;
    }
    return v;
}

void expectClose(const std::vector<float>& got, const std::vector<double>& expected, double tolerance,
                 const std::string& what) {
    ASSERT_EQ(got.size(), expected.size()) << what;
    for (size_t i = 0; i < got.size(); ++i) {
        if (std::isnan(expected[i])) {
            EXPECT_TRUE(std::isnan(got[i])) << what << " element " << i;
            continue;
        }
        ASSERT_NEAR(got[i], expected[i], tolerance * std::max(1.0, std::fabs(expected[i])))
            << what << " element " << i;
    }
}

// ---------------------------------------------------------------------------------------------------------
// Math and activations
// ---------------------------------------------------------------------------------------------------------

struct FloatCase {
    B op;
    std::function<double(double)> fn;
    double lo, hi;
};

TEST(UnaryKernels, FloatMathAndActivationsMatchReference) {
    std::mt19937 rng(7);
    const std::vector<FloatCase> cases = {
        {B::ABS, [](double x) { return x < 0 ? -x : x; }, -5, 5},
        {B::NEG, [](double x) { return -x; }, -5, 5},
        {B::EXP, [](double x) { return std::exp(x); }, -5, 5},
        {B::LOG, [](double x) { return std::log(x); }, 0.01, 20},
        {B::SQRT, [](double x) { return std::sqrt(x); }, 0, 20},
        {B::RSQRT, [](double x) { return 1 / std::sqrt(x); }, 0.01, 20},
        {B::SIN, [](double x) { return std::sin(x); }, -10, 10},
        {B::COS, [](double x) { return std::cos(x); }, -10, 10},
        {B::SQUARE, [](double x) { return x * x; }, -5, 5},
        {B::FLOOR, [](double x) { return std::floor(x); }, -5, 5},
        {B::CEIL, [](double x) { return std::ceil(x); }, -5, 5},
        {B::ROUND, [](double x) { return std::nearbyint(x); }, -5, 5},  // default mode: ties to even
        {B::SIGN, [](double x) { return x > 0 ? 1.0 : (x < 0 ? -1.0 : 0.0); }, -3, 3},
        {B::TANH, [](double x) { return std::tanh(x); }, -6, 6},
        {B::LOGISTIC, [](double x) { return 1 / (1 + std::exp(-x)); }, -20, 20},
        {B::RELU, [](double x) { return x > 0 ? x : 0; }, -5, 5},
        {B::RELU6, [](double x) { return std::min(6.0, std::max(0.0, x)); }, -10, 10},
        {B::RELU_N1_TO_1, [](double x) { return std::min(1.0, std::max(-1.0, x)); }, -3, 3},
        {B::RELU_0_TO_1, [](double x) { return std::min(1.0, std::max(0.0, x)); }, -3, 3},
        {B::ELU, [](double x) { return x < 0 ? std::exp(x) - 1 : x; }, -6, 6},
        {B::HARD_SWISH, [](double x) { return x * std::min(6.0, std::max(0.0, x + 3)) / 6; }, -8, 8},
    };
    for (const FloatCase& c : cases) {
        const std::string name = builtinOperatorName(static_cast<int32_t>(c.op));
        for (int trial = 0; trial < 8; ++trial) {
            const auto shape = randomShape(rng);
            SingleOpModel m(c.op);
            m.addInput(TT::FLOAT32, shape);
            m.addOutput(TT::FLOAT32);
            ASSERT_TRUE(m.build().isOk()) << name;
            const auto in = randomFloats(rng, elementCount(shape), c.lo, c.hi);
            m.setInput(0, in);
            ASSERT_TRUE(m.invoke().isOk()) << name;
            EXPECT_EQ(m.outputShape(0), shape) << name;
            std::vector<double> expected;
            for (float x : in)
                expected.push_back(c.fn(x));
            expectClose(m.output<float>(0), expected, 1e-5, name);
        }
    }
}

std::vector<float> runFloatOp(B op, const std::vector<float>& in) {
    SingleOpModel m(op);
    m.addInput(TT::FLOAT32, {static_cast<int32_t>(in.size())});
    m.addOutput(TT::FLOAT32);
    EXPECT_TRUE(m.build().isOk());
    m.setInput(0, in);
    EXPECT_TRUE(m.invoke().isOk());
    return m.output<float>(0);
}

TEST(UnaryKernels, RoundTiesGoToEven) {
    EXPECT_EQ(runFloatOp(B::ROUND, {-2.5f, -1.5f, -0.5f, 0.5f, 1.5f, 2.5f, 3.5f, 2.4f, -2.6f, 1e9f}),
              (std::vector<float>{-2, -2, 0, 0, 2, 2, 4, 2, -3, 1e9f}));
}

TEST(UnaryKernels, ClampsAndSignKeepTfliteEdgeValues) {
    const float nan = std::numeric_limits<float>::quiet_NaN();
    const float inf = std::numeric_limits<float>::infinity();
    auto relu6 = runFloatOp(B::RELU6, {-inf, inf, nan, 6.5f});
    EXPECT_EQ(relu6[0], 0.f);
    EXPECT_EQ(relu6[1], 6.f);
    EXPECT_TRUE(std::isnan(relu6[2]));
    EXPECT_EQ(relu6[3], 6.f);
    EXPECT_EQ(runFloatOp(B::SIGN, {-0.f, 0.f, -1e-30f, 7.f}), (std::vector<float>{0, 0, -1, 1}));
    auto logistic = runFloatOp(B::LOGISTIC, {-200.f, 200.f, 0.f});
    EXPECT_NEAR(logistic[0], 0.f, 1e-30);
    EXPECT_EQ(logistic[1], 1.f);
    EXPECT_EQ(logistic[2], 0.5f);
}

template <typename T>
std::vector<T> runIntOp(B op, TT type, const std::vector<T>& in) {
    SingleOpModel m(op);
    m.addInput(type, {static_cast<int32_t>(in.size())});
    m.addOutput(type);
    EXPECT_TRUE(m.build().isOk()) << builtinOperatorName(static_cast<int32_t>(op));
    m.setInput(0, in);
    EXPECT_TRUE(m.invoke().isOk());
    return m.output<T>(0);
}

TEST(UnaryKernels, IntegerAbsNegSign) {
    std::mt19937 rng(3);
    std::vector<int32_t> in = {0, 1, -1, std::numeric_limits<int32_t>::max(),
                               std::numeric_limits<int32_t>::min()};
    for (int i = 0; i < 50; ++i)
        in.push_back(static_cast<int32_t>(rng()));
    std::vector<int32_t> absRef, negRef, signRef;
    for (int32_t x : in) {
        // Wider arithmetic, then the two's-complement wrap back to 32 bits.
        absRef.push_back(static_cast<int32_t>(static_cast<uint32_t>(std::llabs(x))));
        negRef.push_back(static_cast<int32_t>(static_cast<uint32_t>(-static_cast<int64_t>(x))));
        signRef.push_back(x > 0 ? 1 : (x < 0 ? -1 : 0));
    }
    EXPECT_EQ(runIntOp<int32_t>(B::ABS, TT::INT32, in), absRef);
    EXPECT_EQ(runIntOp<int32_t>(B::NEG, TT::INT32, in), negRef);
    EXPECT_EQ(runIntOp<int32_t>(B::SIGN, TT::INT32, in), signRef);

    std::vector<int64_t> in64 = {0,
                                 5,
                                 -5,
                                 int64_t{1} << 40,
                                 -(int64_t{1} << 50),
                                 std::numeric_limits<int64_t>::max(),
                                 std::numeric_limits<int64_t>::min()};
    EXPECT_EQ(
        runIntOp<int64_t>(B::NEG, TT::INT64, in64),
        (std::vector<int64_t>{0, -5, 5, -(int64_t{1} << 40), int64_t{1} << 50,
                              std::numeric_limits<int64_t>::min() + 1, std::numeric_limits<int64_t>::min()}));
}

Status buildUnary(B op, TT in, TT out) {
    SingleOpModel m(op);
    m.addInput(in, {3});
    m.addOutput(out);
    return m.build();
}

TEST(UnaryKernels, UnsupportedTypesFailAtPrepare) {
    // Ops without a quantized kernel must say so, never compute.
    Status s = buildUnary(B::EXP, TT::INT8, TT::INT8);
    ASSERT_FALSE(s.isOk());
    EXPECT_EQ(s.code(), ErrorCode::Unsupported) << s.message();
    EXPECT_NE(s.message().find("operator 0 (EXP)"), std::string::npos) << s.message();
    EXPECT_EQ(buildUnary(B::ABS, TT::INT64, TT::INT64).code(), ErrorCode::Unsupported);
    EXPECT_EQ(buildUnary(B::SIGN, TT::INT64, TT::INT64).code(), ErrorCode::Unsupported);
    EXPECT_EQ(buildUnary(B::ELU, TT::UINT8, TT::UINT8).code(), ErrorCode::Unsupported);
    EXPECT_EQ(buildUnary(B::LOGICAL_NOT, TT::FLOAT32, TT::FLOAT32).code(), ErrorCode::Unsupported);
    Status mismatch = buildUnary(B::EXP, TT::FLOAT32, TT::INT32);
    ASSERT_FALSE(mismatch.isOk());
    EXPECT_NE(mismatch.message().find("output type"), std::string::npos) << mismatch.message();
    EXPECT_TRUE(buildUnary(B::NEG, TT::INT64, TT::INT64).isOk());
}

TEST(UnaryKernels, GeluBothForms) {
    std::mt19937 rng(11);
    for (int mode = 0; mode < 3; ++mode) {  // no options, erf, tanh approximation
        const bool approximate = mode == 2;
        const auto shape = randomShape(rng, 1);
        SingleOpModel m(B::GELU);
        m.addInput(TT::FLOAT32, shape);
        m.addOutput(TT::FLOAT32);
        if (mode > 0)
            m.setOptions(fb::BuiltinOptions::GeluOptions, [approximate](flatbuffers::FlatBufferBuilder& fbb) {
                return fb::CreateGeluOptions(fbb, approximate).Union();
            });
        ASSERT_TRUE(m.build().isOk());
        const auto in = randomFloats(rng, elementCount(shape), -6, 6);
        m.setInput(0, in);
        ASSERT_TRUE(m.invoke().isOk());
        std::vector<double> expected;
        for (double x : in) {
            expected.push_back(
                approximate
                    ? 0.5 * x * (1 + std::tanh(std::sqrt(2 / std::numbers::pi) * (x + 0.044715 * x * x * x)))
                    : 0.5 * x * (1 + std::erf(x / std::sqrt(2.0))));
        }
        expectClose(m.output<float>(0), expected, 1e-5, "GELU mode " + std::to_string(mode));
    }
    // The two forms differ by more than the tolerance somewhere in [-6, 6]: the test tells them apart.
    EXPECT_GT(std::fabs(0.5 * -3 * (1 + std::tanh(std::sqrt(2 / std::numbers::pi) * (-3 + 0.044715 * -27))) -
                        0.5 * -3 * (1 + std::erf(-3 / std::sqrt(2.0)))),
              1e-4);
}

TEST(UnaryKernels, LeakyReluUsesAlphaAndDefaultsToZero) {
    std::mt19937 rng(5);
    for (float alpha : {0.2f, -0.5f, 1.5f}) {
        const auto shape = randomShape(rng, 1);
        SingleOpModel m(B::LEAKY_RELU);
        m.addInput(TT::FLOAT32, shape);
        m.addOutput(TT::FLOAT32);
        m.setOptions(fb::BuiltinOptions::LeakyReluOptions, [alpha](flatbuffers::FlatBufferBuilder& fbb) {
            return fb::CreateLeakyReluOptions(fbb, alpha).Union();
        });
        ASSERT_TRUE(m.build().isOk());
        const auto in = randomFloats(rng, elementCount(shape), -5, 5);
        m.setInput(0, in);
        ASSERT_TRUE(m.invoke().isOk());
        std::vector<double> expected;
        for (double x : in)
            expected.push_back(x > 0 ? x : alpha * x);
        expectClose(m.output<float>(0), expected, 1e-6, "alpha " + std::to_string(alpha));
    }
    EXPECT_EQ(runFloatOp(B::LEAKY_RELU, {-2.f, 3.f}), (std::vector<float>{0.f, 3.f}));
}

TEST(UnaryKernels, PreluBroadcastsAlpha) {
    std::mt19937 rng(13);
    for (int trial = 0; trial < 30; ++trial) {
        auto shape = randomShape(rng, 1, 4);
        // Alpha: a suffix of the input shape with some dimensions set to 1, as converters write it
        // ([C], [1,1,C], the full shape); or, now and then, the input given as the smaller side.
        std::vector<int32_t> alphaShape(shape.begin() + static_cast<long>(rng() % shape.size()), shape.end());
        for (auto& d : alphaShape)
            if (rng() % 3 == 0) d = 1;
        if (rng() % 5 == 0) alphaShape.insert(alphaShape.begin(), 1);
        if (trial % 7 == 0) std::swap(shape, alphaShape);
        SingleOpModel m(B::PRELU);
        m.addInput(TT::FLOAT32, shape);
        m.addInput(TT::FLOAT32, alphaShape);
        m.addOutput(TT::FLOAT32);
        ASSERT_TRUE(m.build().isOk());
        const auto in = randomFloats(rng, elementCount(shape), -5, 5);
        const auto alpha = randomFloats(rng, elementCount(alphaShape), -1, 1);
        m.setInput(0, in);
        m.setInput(1, alpha);
        ASSERT_TRUE(m.invoke().isOk());

        // Reference: full multi-index walk of the broadcast output.
        std::vector<int32_t> a = shape, b = alphaShape;
        while (a.size() < b.size())
            a.insert(a.begin(), 1);
        while (b.size() < a.size())
            b.insert(b.begin(), 1);
        std::vector<int32_t> out(a.size());
        for (size_t d = 0; d < a.size(); ++d)
            out[d] = std::max(a[d], b[d]);
        EXPECT_EQ(m.outputShape(0), out);
        std::vector<double> expected;
        for (int64_t i = 0; i < elementCount(out); ++i) {
            int64_t rem = i, ia = 0, ib = 0, sa = 1, sb = 1;
            for (int d = static_cast<int>(out.size()) - 1; d >= 0; --d) {
                const int64_t idx = rem % out[static_cast<size_t>(d)];
                rem /= out[static_cast<size_t>(d)];
                ia += (a[static_cast<size_t>(d)] == 1 ? 0 : idx) * sa;
                ib += (b[static_cast<size_t>(d)] == 1 ? 0 : idx) * sb;
                sa *= a[static_cast<size_t>(d)];
                sb *= b[static_cast<size_t>(d)];
            }
            const double x = in[static_cast<size_t>(ia)];
            expected.push_back(x >= 0 ? x : x * alpha[static_cast<size_t>(ib)]);
        }
        expectClose(m.output<float>(0), expected, 1e-6, "PRELU trial " + std::to_string(trial));
    }
    SingleOpModel bad(B::PRELU);
    bad.addInput(TT::FLOAT32, {2, 3});
    bad.addInput(TT::FLOAT32, {2});
    bad.addOutput(TT::FLOAT32);
    Status s = bad.build();
    ASSERT_FALSE(s.isOk());
    EXPECT_NE(s.message().find("does not broadcast"), std::string::npos) << s.message();
}

TEST(UnaryKernels, LogicalNotAndZerosLike) {
    std::mt19937 rng(17);
    std::vector<uint8_t> bools(37);
    for (auto& b : bools)
        b = static_cast<uint8_t>(rng() % 2);
    std::vector<uint8_t> negated;
    for (uint8_t b : bools)
        negated.push_back(b ? 0 : 1);
    EXPECT_EQ(runIntOp<uint8_t>(B::LOGICAL_NOT, TT::BOOL, bools), negated);

    for (TT type : {TT::FLOAT32, TT::INT32, TT::INT64}) {
        SingleOpModel m(B::ZEROS_LIKE);
        m.addInput(type, {2, 3});
        m.addOutput(type);
        ASSERT_TRUE(m.build().isOk());
        m.setInput<int64_t>(0, {1, 2, 3, 4, 5, 6});
        ASSERT_TRUE(m.invoke().isOk());
        // Dirty the output so that a kernel that writes nothing cannot pass.
        RuntimeTensor& out = m.outputTensor(0);
        std::memset(out.data, 0xAB, out.bytes);
        ASSERT_TRUE(m.invoke().isOk());
        EXPECT_EQ(m.outputShape(0), (std::vector<int32_t>{2, 3}));
        const auto bytes = m.output<uint8_t>(0);
        EXPECT_EQ(bytes.size(), type == TT::INT64 ? 48u : 24u);
        for (uint8_t b : bytes)
            ASSERT_EQ(b, 0);
    }
    EXPECT_EQ(buildUnary(B::ZEROS_LIKE, TT::INT8, TT::INT8).code(), ErrorCode::Unsupported);
}

// ---------------------------------------------------------------------------------------------------------
// CAST
// ---------------------------------------------------------------------------------------------------------

struct CastType {
    TT type;
    int bytes;
    bool isFloat, isBool;
    double lo, hi;  // values every test element of this type stays within
};

const std::vector<CastType>& castTypes() {
    static const std::vector<CastType> types = {
        {TT::FLOAT32, 4, true, false, -1000, 1000}, {TT::FLOAT64, 8, true, false, -1000, 1000},
        {TT::INT32, 4, false, false, -1000, 1000},  {TT::INT64, 8, false, false, -1000, 1000},
        {TT::BOOL, 1, false, true, 0, 1},           {TT::UINT8, 1, false, false, 0, 255},
        {TT::INT8, 1, false, false, -128, 127},     {TT::INT16, 2, false, false, -1000, 1000},
        {TT::UINT32, 4, false, false, 0, 1000},
    };
    return types;
}

template <typename T>
void put(uint8_t* p, double v) {
    const T x = static_cast<T>(v);
    std::memcpy(p, &x, sizeof(T));
}

void storeAs(const CastType& t, double v, uint8_t* p) {
    switch (t.type) {
        case TT::FLOAT32:
            put<float>(p, v);
            break;
        case TT::FLOAT64:
            put<double>(p, v);
            break;
        case TT::INT32:
            put<int32_t>(p, v);
            break;
        case TT::INT64:
            put<int64_t>(p, v);
            break;
        case TT::BOOL:
            put<uint8_t>(p, v != 0 ? 1 : 0);
            break;
        case TT::UINT8:
            put<uint8_t>(p, v);
            break;
        case TT::INT8:
            put<int8_t>(p, v);
            break;
        case TT::INT16:
            put<int16_t>(p, v);
            break;
        case TT::UINT32:
            put<uint32_t>(p, v);
            break;
        default:
            FAIL();
    }
}

TEST(UnaryKernels, CastEveryPairMatchesPlainConversion) {
    std::mt19937 rng(19);
    for (const CastType& from : castTypes()) {
        for (const CastType& to : castTypes()) {
            const std::string what = std::to_string(static_cast<int>(from.type)) + "->" +
                                     std::to_string(static_cast<int>(to.type));
            // Values that fit both types once truncated (any value fits a bool), fractional for floats.
            const double lo = to.isBool ? from.lo : std::max(from.lo, to.lo);
            const double hi = to.isBool ? from.hi : std::min(from.hi, to.hi);
            const int n = 40;
            std::vector<double> values;
            std::uniform_real_distribution<double> dist(lo, hi);
            for (int i = 0; i < n; ++i) {
                // Eighths for float sources: fractions that truncate, exact in both float widths.
                double v = from.isFloat ? std::round(dist(rng) * 8) / 8 : std::round(dist(rng));
                if (i % 9 == 0) v = 0;
                values.push_back(from.isBool ? static_cast<double>(rng() % 2) : v);
            }
            std::vector<uint8_t> input(static_cast<size_t>(n * from.bytes)),
                expected(static_cast<size_t>(n * to.bytes));
            for (int i = 0; i < n; ++i) {
                const double v = values[static_cast<size_t>(i)];
                storeAs(from, v, &input[static_cast<size_t>(i * from.bytes)]);
                const double stored =
                    from.type == TT::FLOAT32 ? static_cast<double>(static_cast<float>(v)) : v;
                const double converted =
                    to.isBool ? (stored != 0) : (to.isFloat ? stored : std::trunc(stored));
                storeAs(to, converted, &expected[static_cast<size_t>(i * to.bytes)]);
            }
            SingleOpModel m(B::CAST);
            m.addInput(from.type, {n});
            m.addOutput(to.type);
            ASSERT_TRUE(m.build().isOk()) << what;
            m.setInput(0, input);
            ASSERT_TRUE(m.invoke().isOk()) << what;
            EXPECT_EQ(m.outputShape(0), std::vector<int32_t>{n}) << what;
            EXPECT_EQ(m.output<uint8_t>(0), expected) << what;
        }
    }
}

template <typename From, typename To>
std::vector<To> runCast(TT from, TT to, const std::vector<From>& in) {
    SingleOpModel m(B::CAST);
    m.addInput(from, {static_cast<int32_t>(in.size())});
    m.addOutput(to);
    EXPECT_TRUE(m.build().isOk());
    m.setInput(0, in);
    EXPECT_TRUE(m.invoke().isOk());
    return m.output<To>(0);
}

TEST(UnaryKernels, CastEdgeCases) {
    const float nan = std::numeric_limits<float>::quiet_NaN();
    // Truncation toward zero.
    EXPECT_EQ((runCast<float, int32_t>(TT::FLOAT32, TT::INT32, {-1.7f, 1.7f, -0.5f, 2.9999f, -1000.99f})),
              (std::vector<int32_t>{-1, 1, 0, 2, -1000}));
    // Anything non-zero is true; -0 is zero and NaN is not.
    EXPECT_EQ((runCast<float, uint8_t>(TT::FLOAT32, TT::BOOL, {0.f, -0.f, 0.1f, -3.f, nan})),
              (std::vector<uint8_t>{0, 0, 1, 1, 1}));
    EXPECT_EQ((runCast<int64_t, uint8_t>(TT::INT64, TT::BOOL, {0, int64_t{1} << 40, -1})),
              (std::vector<uint8_t>{0, 1, 1}));
    // Narrowing integer casts keep the low bits.
    EXPECT_EQ((runCast<int64_t, int32_t>(TT::INT64, TT::INT32, {(int64_t{1} << 32) + 5, -1})),
              (std::vector<int32_t>{5, -1}));
    EXPECT_EQ((runCast<int32_t, uint8_t>(TT::INT32, TT::UINT8, {263, -1})), (std::vector<uint8_t>{7, 255}));
    EXPECT_EQ((runCast<int32_t, uint32_t>(TT::INT32, TT::UINT32, {-1})),
              (std::vector<uint32_t>{0xFFFFFFFFu}));
    // Out of range: what x86's conversion gives TFLite, never undefined behaviour here.
    EXPECT_EQ((runCast<float, int32_t>(TT::FLOAT32, TT::INT32, {3e9f, nan, -3e9f})),
              (std::vector<int32_t>(3, std::numeric_limits<int32_t>::min())));
    // uint32 goes through the 64-bit conversion, so the upper half of its range survives.
    EXPECT_EQ((runCast<float, uint32_t>(TT::FLOAT32, TT::UINT32, {3e9f, 7.9f})),
              (std::vector<uint32_t>{3000000000u, 7u}));
    EXPECT_EQ((runCast<double, uint32_t>(TT::FLOAT64, TT::UINT32, {4e9})),
              (std::vector<uint32_t>{4000000000u}));
    EXPECT_EQ((runCast<double, float>(TT::FLOAT64, TT::FLOAT32, {0.1, 1e300})),
              (std::vector<float>{0.1f, std::numeric_limits<float>::infinity()}));
    EXPECT_EQ((runCast<uint8_t, float>(TT::BOOL, TT::FLOAT32, {1, 0})), (std::vector<float>{1.f, 0.f}));

    EXPECT_EQ(buildUnary(B::CAST, TT::FLOAT32, TT::FLOAT16).code(), ErrorCode::Unsupported);
    EXPECT_EQ(buildUnary(B::CAST, TT::UINT64, TT::FLOAT32).code(), ErrorCode::Unsupported);
}

// ---------------------------------------------------------------------------------------------------------
// DEQUANTIZE and QUANTIZE
// ---------------------------------------------------------------------------------------------------------

QuantSpec quant(std::vector<float> scale, std::vector<int64_t> zeroPoint, int32_t dimension = 0) {
    QuantSpec q;
    q.scale = std::move(scale);
    q.zeroPoint = std::move(zeroPoint);
    q.quantizedDimension = dimension;
    return q;
}

template <typename T>
std::vector<T> randomInts(std::mt19937& rng, int64_t n) {
    std::uniform_int_distribution<int32_t> dist(std::numeric_limits<T>::min(), std::numeric_limits<T>::max());
    std::vector<T> v(static_cast<size_t>(n));
    for (auto& x : v)
        x = static_cast<T>(dist(rng));
    return v;
}

template <typename T>
void checkPerTensorDequantize(std::mt19937& rng, TT type, float scale, int64_t zeroPoint) {
    const auto shape = randomShape(rng);
    SingleOpModel m(B::DEQUANTIZE);
    m.addInput(type, shape, quant({scale}, {zeroPoint}));
    m.addOutput(TT::FLOAT32);
    ASSERT_TRUE(m.build().isOk());
    const auto in = randomInts<T>(rng, elementCount(shape));
    m.setInput(0, in);
    ASSERT_TRUE(m.invoke().isOk());
    EXPECT_EQ(m.outputShape(0), shape);
    std::vector<double> expected;
    for (T q : in)
        expected.push_back(static_cast<double>(scale) *
                           (static_cast<double>(q) - static_cast<double>(zeroPoint)));
    expectClose(m.output<float>(0), expected, 1e-6, "per-tensor dequantize");
}

TEST(UnaryKernels, DequantizePerTensor) {
    std::mt19937 rng(23);
    for (int trial = 0; trial < 5; ++trial) {
        checkPerTensorDequantize<int8_t>(rng, TT::INT8, 0.05f, -3);
        checkPerTensorDequantize<uint8_t>(rng, TT::UINT8, 0.0125f, 128);
        checkPerTensorDequantize<int16_t>(rng, TT::INT16, 0.001f, 0);
        checkPerTensorDequantize<int8_t>(rng, TT::INT8, 2.5f, 0);
    }
}

TEST(UnaryKernels, DequantizePerChannelAlongAnyDimension) {
    std::mt19937 rng(29);
    for (int trial = 0; trial < 20; ++trial) {
        const auto shape = randomShape(rng, 1, 4);
        const int axis = static_cast<int>(rng() % shape.size());
        const int32_t channels = shape[static_cast<size_t>(axis)];
        std::vector<float> scales;
        std::vector<int64_t> zeroPoints;
        for (int32_t c = 0; c < channels; ++c) {
            scales.push_back(0.01f * static_cast<float>(1 + rng() % 50));
            zeroPoints.push_back(static_cast<int64_t>(rng() % 11) - 5);
        }
        if (channels == 1) continue;  // one scale is per-tensor
        const bool isInt16 = trial % 4 == 3;
        SingleOpModel m(B::DEQUANTIZE);
        m.addInput(isInt16 ? TT::INT16 : TT::INT8, shape, quant(scales, zeroPoints, axis));
        m.addOutput(TT::FLOAT32);
        ASSERT_TRUE(m.build().isOk());
        const int64_t n = elementCount(shape);
        std::vector<double> raw;
        if (isInt16) {
            const auto in = randomInts<int16_t>(rng, n);
            m.setInput(0, in);
            raw.assign(in.begin(), in.end());
        } else {
            const auto in = randomInts<int8_t>(rng, n);
            m.setInput(0, in);
            raw.assign(in.begin(), in.end());
        }
        ASSERT_TRUE(m.invoke().isOk());
        int64_t innerSize = 1;
        for (size_t d = static_cast<size_t>(axis) + 1; d < shape.size(); ++d)
            innerSize *= shape[d];
        std::vector<double> expected;
        for (int64_t i = 0; i < n; ++i) {
            const size_t c = static_cast<size_t>((i / innerSize) % channels);
            expected.push_back(static_cast<double>(scales[c]) *
                               (raw[static_cast<size_t>(i)] - static_cast<double>(zeroPoints[c])));
        }
        expectClose(m.output<float>(0), expected, 1e-6, "per-channel axis " + std::to_string(axis));
    }
}

// The half's value from its fields: (-1)^s * 2^(e-15) * (1 + m/1024), or 2^-14 * m/1024 when e == 0.
double halfValue(uint16_t h) {
    const int sign = h >> 15, e = (h >> 10) & 31, mant = h & 1023;
    double v;
    if (e == 31)
        v = mant ? std::numeric_limits<double>::quiet_NaN() : std::numeric_limits<double>::infinity();
    else if (e == 0)
        v = std::ldexp(mant / 1024.0, -14);
    else
        v = std::ldexp(1 + mant / 1024.0, e - 15);
    return sign ? -v : v;
}

TEST(UnaryKernels, DequantizeEveryFloat16BitPattern) {
    std::vector<uint16_t> all(65536);
    for (size_t i = 0; i < all.size(); ++i)
        all[i] = static_cast<uint16_t>(i);
    SingleOpModel m(B::DEQUANTIZE);
    m.addInput(TT::FLOAT16, {256, 256});
    m.addOutput(TT::FLOAT32);
    ASSERT_TRUE(m.build().isOk());
    m.setInput(0, all);
    ASSERT_TRUE(m.invoke().isOk());
    const auto got = m.output<float>(0);
    ASSERT_EQ(got.size(), all.size());
    for (size_t i = 0; i < all.size(); ++i) {
        const double expected = halfValue(all[i]);
        if (std::isnan(expected)) {
            ASSERT_TRUE(std::isnan(got[i])) << std::hex << i;
        } else {
            ASSERT_EQ(static_cast<double>(got[i]), expected)
                << std::hex << i;  // every half is exact in float
            ASSERT_EQ(std::signbit(got[i]), std::signbit(expected)) << std::hex << i;
        }
    }
    EXPECT_EQ(got[0x0001], std::ldexp(1.f, -24));
    EXPECT_EQ(got[0x7bff], 65504.f);
    EXPECT_EQ(got[0xfc00], -std::numeric_limits<float>::infinity());
}

TEST(UnaryKernels, DequantizeOfConstantIsFoldedAtPrepare) {
    SingleOpModel m(B::DEQUANTIZE);
    m.addConstInput<int8_t>(TT::INT8, {2, 2}, {-128, -1, 0, 127}, quant({0.5f}, {-1}));
    m.addOutput(TT::FLOAT32);
    ASSERT_TRUE(m.build().isOk());
    EXPECT_EQ(m.outputTensor(0).allocation, Allocation::Persistent);
    const std::vector<float> expected = {-63.5f, 0.f, 0.5f, 64.f};
    EXPECT_EQ(m.output<float>(0), expected);  // before any invoke
    ASSERT_TRUE(m.invoke().isOk());
    EXPECT_EQ(m.output<float>(0), expected);

    std::vector<uint16_t> halves = {0x3c00, 0xc000, 0x0000, 0x3555};
    SingleOpModel h(B::DEQUANTIZE);
    h.addConstInput<uint16_t>(TT::FLOAT16, {4}, halves);
    h.addOutput(TT::FLOAT32);
    ASSERT_TRUE(h.build().isOk());
    ASSERT_TRUE(h.invoke().isOk());
    EXPECT_EQ(h.output<float>(0), (std::vector<float>{1.f, -2.f, 0.f, 0.333251953125f}));
}

TEST(UnaryKernels, DequantizeRejectsBadQuantization) {
    SingleOpModel noScale(B::DEQUANTIZE);
    noScale.addInput(TT::INT8, {4});
    noScale.addOutput(TT::FLOAT32);
    Status s = noScale.build();
    ASSERT_FALSE(s.isOk());
    EXPECT_NE(s.message().find("no quantization scale"), std::string::npos) << s.message();

    SingleOpModel wrongCount(B::DEQUANTIZE);
    wrongCount.addInput(TT::INT8, {2, 3}, quant({0.1f, 0.2f}, {0, 0}, 1));
    wrongCount.addOutput(TT::FLOAT32);
    s = wrongCount.build();
    ASSERT_FALSE(s.isOk());
    EXPECT_NE(s.message().find("scales"), std::string::npos) << s.message();

    EXPECT_EQ(buildUnary(B::DEQUANTIZE, TT::INT32, TT::FLOAT32).code(), ErrorCode::Unsupported);
}

template <typename T>
T referenceQuantize(float x, float scale, int64_t zeroPoint) {
    const double q =
        std::round(static_cast<double>(x) / static_cast<double>(scale)) + static_cast<double>(zeroPoint);
    return static_cast<T>(std::clamp(q, static_cast<double>(std::numeric_limits<T>::min()),
                                     static_cast<double>(std::numeric_limits<T>::max())));
}

template <typename T>
void checkQuantize(std::mt19937& rng, TT type, float scale, int64_t zeroPoint, double range) {
    const auto shape = randomShape(rng);
    SingleOpModel m(B::QUANTIZE);
    m.addInput(TT::FLOAT32, shape);
    m.addOutput(type, {}, quant({scale}, {zeroPoint}));
    ASSERT_TRUE(m.build().isOk());
    const auto in = randomFloats(rng, elementCount(shape), -range, range);
    m.setInput(0, in);
    ASSERT_TRUE(m.invoke().isOk());
    EXPECT_EQ(m.outputShape(0), shape);
    std::vector<T> expected;
    for (float x : in)
        expected.push_back(referenceQuantize<T>(x, scale, zeroPoint));
    EXPECT_EQ(m.output<T>(0), expected);
}

TEST(UnaryKernels, QuantizePerTensorRoundsAndClamps) {
    std::mt19937 rng(31);
    for (int trial = 0; trial < 5; ++trial) {
        checkQuantize<int8_t>(rng, TT::INT8, 0.05f, -3, 10);  // beyond the range on both sides
        checkQuantize<uint8_t>(rng, TT::UINT8, 0.02f, 128, 3);
        checkQuantize<int16_t>(rng, TT::INT16, 0.001f, 0, 40);
        checkQuantize<int8_t>(rng, TT::INT8, 0.5f, 0, 40);  // many exact ties
    }
}

TEST(UnaryKernels, QuantizeTiesRoundAwayFromZero) {
    SingleOpModel m(B::QUANTIZE);
    m.addInput(TT::FLOAT32, {7});
    m.addOutput(TT::INT8, {}, quant({0.5f}, {1}));
    ASSERT_TRUE(m.build().isOk());
    const float nan = std::numeric_limits<float>::quiet_NaN();
    m.setInput<float>(0, {0.25f, -0.25f, 0.75f, -0.75f, 1.25f, 1000.f, nan});
    ASSERT_TRUE(m.invoke().isOk());
    // x / 0.5 = 0.5, -0.5, 1.5, -1.5, 2.5: away from zero, then + 1; out of range clamps; NaN (undefined in
    // C++) gives x86's integer indefinite, clamped to the minimum.
    EXPECT_EQ(m.output<int8_t>(0), (std::vector<int8_t>{2, 0, 3, -1, 4, 127, -128}));
}

TEST(UnaryKernels, QuantizePerChannel) {
    SingleOpModel m(B::QUANTIZE);
    m.addInput(TT::FLOAT32, {2, 3});
    m.addOutput(TT::INT8, {2, 3}, quant({0.1f, 1.f, 10.f}, {0, 2, -3}, 1));
    Status s = m.build();
    ASSERT_TRUE(s.isOk()) << s.message();
    m.setInput<float>(0, {1.f, 1.f, 1.f, -25.f, 3.5f, 1500.f});
    ASSERT_TRUE(m.invoke().isOk());
    EXPECT_EQ(m.output<int8_t>(0), (std::vector<int8_t>{10, 3, -3, -128, 6, 127}));
}

// Float to INT32 is no quantization scheme; a quantized output needs a scale.
TEST(UnaryKernels, QuantizeRejectsWideOutputsAndMissingScales) {
    SingleOpModel wide(B::QUANTIZE);
    wide.addInput(TT::FLOAT32, {4});
    wide.addOutput(TT::INT32, {}, quant({0.2f}, {0}));
    EXPECT_EQ(wide.build().code(), ErrorCode::Unsupported);

    SingleOpModel noScale(B::QUANTIZE);
    noScale.addInput(TT::FLOAT32, {4});
    noScale.addOutput(TT::INT8);
    EXPECT_FALSE(noScale.build().isOk());
}

// ---------------------------------------------------------------------------------------------------------
// SELECT and SELECT_V2
// ---------------------------------------------------------------------------------------------------------

// Flat index into `shape` (right-aligned against `out`, size-1 dimensions repeating) for output element i.
int64_t broadcastIndex(const std::vector<int32_t>& shape, const std::vector<int32_t>& out, int64_t i) {
    int64_t index = 0, stride = 1;
    for (int d = static_cast<int>(out.size()) - 1; d >= 0; --d) {
        const int64_t idx = i % out[static_cast<size_t>(d)];
        i /= out[static_cast<size_t>(d)];
        const int sd = d - static_cast<int>(out.size() - shape.size());
        if (sd < 0) continue;
        const int32_t dim = shape[static_cast<size_t>(sd)];
        index += (dim == 1 ? 0 : idx) * stride;
        stride *= dim;
    }
    return index;
}

template <typename T>
void checkSelect(std::mt19937& rng, B op, TT type, const std::vector<int32_t>& condShape,
                 const std::vector<int32_t>& xShape, const std::vector<int32_t>& yShape,
                 const std::vector<int32_t>& outShape, bool rankOne) {
    SingleOpModel m(op);
    m.addInput(TT::BOOL, condShape);
    m.addInput(type, xShape);
    m.addInput(type, yShape);
    m.addOutput(type);
    ASSERT_TRUE(m.build().isOk());
    std::vector<uint8_t> cond(static_cast<size_t>(elementCount(condShape)));
    for (auto& c : cond)
        c = static_cast<uint8_t>(rng() % 2);
    std::vector<T> x(static_cast<size_t>(elementCount(xShape))), y(static_cast<size_t>(elementCount(yShape)));
    for (auto& v : x)
        v = static_cast<T>(rng() % 100);
    for (auto& v : y)
        v = static_cast<T>(100 + rng() % 100);  // x and y never equal
    m.setInput(0, cond);
    m.setInput(1, x);
    m.setInput(2, y);
    ASSERT_TRUE(m.invoke().isOk());
    EXPECT_EQ(m.outputShape(0), outShape);
    std::vector<T> expected;
    const int64_t n = elementCount(outShape);
    for (int64_t i = 0; i < n; ++i) {
        // Version 1's rank-1 condition picks along the first dimension, not the last as broadcasting would.
        const int64_t ic = rankOne ? (condShape.empty() ? 0 : i / (n / condShape[0]))
                                   : broadcastIndex(condShape, outShape, i);
        const bool pick = cond[static_cast<size_t>(ic)] != 0;
        expected.push_back(pick ? x[static_cast<size_t>(broadcastIndex(xShape, outShape, i))]
                                : y[static_cast<size_t>(broadcastIndex(yShape, outShape, i))]);
    }
    EXPECT_EQ(m.output<T>(0), expected);
}

TEST(UnaryKernels, SelectSameShapeRankOneAndScalarConditions) {
    std::mt19937 rng(37);
    for (int trial = 0; trial < 10; ++trial) {
        const auto shape = randomShape(rng, 0, 4);
        checkSelect<float>(rng, B::SELECT, TT::FLOAT32, shape, shape, shape, shape, false);
        checkSelect<int8_t>(rng, B::SELECT_V2, TT::INT8, shape, shape, shape, shape, false);
        checkSelect<int16_t>(rng, B::SELECT, TT::INT16, shape, shape, shape, shape, false);
        checkSelect<int64_t>(rng, B::SELECT, TT::INT64, shape, shape, shape, shape, false);
        checkSelect<uint8_t>(rng, B::SELECT, TT::BOOL, shape, shape, shape, shape, false);
    }
    for (int trial = 0; trial < 10; ++trial) {
        auto shape = randomShape(rng, 2, 4);
        shape[0] = 2 + static_cast<int32_t>(rng() % 3);
        checkSelect<float>(rng, B::SELECT, TT::FLOAT32, {shape[0]}, shape, shape, shape, true);
        checkSelect<int32_t>(rng, B::SELECT, TT::INT32, {}, shape, shape, shape, true);
    }
    SingleOpModel bad(B::SELECT);
    bad.addInput(TT::BOOL, {3});
    bad.addInput(TT::FLOAT32, {2, 3});
    bad.addInput(TT::FLOAT32, {2, 3});
    bad.addOutput(TT::FLOAT32);
    Status s = bad.build();
    ASSERT_FALSE(s.isOk());  // version 1 does not broadcast along the last dimension
    EXPECT_NE(s.message().find("condition shape"), std::string::npos) << s.message();

    SingleOpModel mixed(B::SELECT_V2);
    mixed.addInput(TT::BOOL, {2});
    mixed.addInput(TT::FLOAT32, {2});
    mixed.addInput(TT::INT32, {2});
    mixed.addOutput(TT::FLOAT32);
    EXPECT_FALSE(mixed.build().isOk());
}

TEST(UnaryKernels, SelectV2BroadcastsAllThreeInputs) {
    std::mt19937 rng(41);
    for (int trial = 0; trial < 40; ++trial) {
        const int rank = 1 + static_cast<int>(rng() % 4);
        std::vector<int32_t> shapes[3];
        for (int d = 0; d < rank; ++d) {
            const int32_t n = 1 + static_cast<int32_t>(rng() % 4);
            for (auto& s : shapes)
                s.push_back(rng() % 2 ? n : 1);
        }
        for (auto& s : shapes)
            if (rng() % 3 == 0) s.erase(s.begin(), s.begin() + static_cast<long>(rng() % (s.size() + 1)));
        // The output is the broadcast of the three, smaller than the drawn dimensions where all three are 1.
        size_t outRank = 0;
        for (auto& s : shapes)
            outRank = std::max(outRank, s.size());
        std::vector<int32_t> expectedOut(outRank, 1);
        for (auto& s : shapes)
            for (size_t d = 0; d < s.size(); ++d) {
                auto& o = expectedOut[outRank - s.size() + d];
                o = std::max(o, s[d]);
            }
        if (trial % 2)
            checkSelect<float>(rng, B::SELECT_V2, TT::FLOAT32, shapes[0], shapes[1], shapes[2], expectedOut,
                               false);
        else
            checkSelect<int16_t>(rng, B::SELECT_V2, TT::INT16, shapes[0], shapes[1], shapes[2], expectedOut,
                                 false);
    }
    SingleOpModel bad(B::SELECT_V2);
    bad.addInput(TT::BOOL, {3});
    bad.addInput(TT::FLOAT32, {2, 4});
    bad.addInput(TT::FLOAT32, {1});
    bad.addOutput(TT::FLOAT32);
    Status s = bad.build();
    ASSERT_FALSE(s.isOk());
    EXPECT_NE(s.message().find("do not broadcast"), std::string::npos) << s.message();
}

}  // namespace
}  // namespace litescope::test

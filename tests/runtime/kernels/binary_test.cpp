// Broadcasting binary kernels against plain loops: every arithmetic op on float and int32 over random
// broadcast-compatible shapes, fused activations, comparisons, and integer division by zero as an error.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "tests/support/single_op_model.h"

namespace litescope::test {
namespace {

using B = fb::BuiltinOperator;

// Random shape pairs that broadcast: each dimension equal, or 1 on one side, ranks up to 5.
std::pair<std::vector<int32_t>, std::vector<int32_t>> broadcastPair(std::mt19937& rng) {
    const int rank = 1 + static_cast<int>(rng() % 5);
    std::vector<int32_t> a, b;
    for (int d = 0; d < rank; ++d) {
        const int32_t n = 1 + static_cast<int32_t>(rng() % 4);
        switch (rng() % 3) {
            case 0:
                a.push_back(n), b.push_back(n);
                break;
            case 1:
                a.push_back(n), b.push_back(1);
                break;
            default:
                a.push_back(1), b.push_back(n);
                break;
        }
    }
    if (rng() % 3 == 0) b.erase(b.begin(), b.begin() + static_cast<long>(rng() % b.size()));  // lower rank
    return {a, b};
}

std::vector<int32_t> broadcastOut(std::vector<int32_t> a, std::vector<int32_t> b) {
    while (b.size() < a.size())
        b.insert(b.begin(), 1);
    while (a.size() < b.size())
        a.insert(a.begin(), 1);
    std::vector<int32_t> out(a.size());
    for (size_t i = 0; i < a.size(); ++i)
        out[i] = std::max(a[i], b[i]);
    return out;
}

// The obviously-correct reference: full multi-index arithmetic.
template <typename T, typename Fn>
std::vector<T> reference(const std::vector<T>& va, std::vector<int32_t> a, const std::vector<T>& vb,
                         std::vector<int32_t> b, Fn fn) {
    std::vector<int32_t> out = broadcastOut(a, b);
    while (a.size() < out.size())
        a.insert(a.begin(), 1);
    while (b.size() < out.size())
        b.insert(b.begin(), 1);
    int64_t n = 1;
    for (int32_t d : out)
        n *= d;
    std::vector<T> result(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) {
        int64_t rem = i, ia = 0, ib = 0, sa = 1, sb = 1;
        for (int d = static_cast<int>(out.size()) - 1; d >= 0; --d) {
            const int64_t idx = rem % out[d];
            rem /= out[d];
            ia += (a[d] == 1 ? 0 : idx) * sa;
            ib += (b[d] == 1 ? 0 : idx) * sb;
            sa *= a[d];
            sb *= b[d];
        }
        result[static_cast<size_t>(i)] = fn(va[static_cast<size_t>(ia)], vb[static_cast<size_t>(ib)]);
    }
    return result;
}

template <typename T>
std::vector<T> randomValues(std::mt19937& rng, const std::vector<int32_t>& shape, double lo, double hi) {
    int64_t n = 1;
    for (int32_t d : shape)
        n *= d;
    std::vector<T> v(static_cast<size_t>(n));
    std::uniform_real_distribution<double> dist(lo, hi);
    for (auto& x : v)
        x = static_cast<T>(dist(rng));
    return v;
}

struct FloatCase {
    B op;
    std::function<float(float, float)> fn;
    double lo, hi;
};

TEST(BinaryKernels, FloatOpsMatchReferenceUnderBroadcasting) {
    std::mt19937 rng(42);
    const std::vector<FloatCase> cases = {
        {B::ADD, [](float a, float b) { return a + b; }, -5, 5},
        {B::SUB, [](float a, float b) { return a - b; }, -5, 5},
        {B::MUL, [](float a, float b) { return a * b; }, -5, 5},
        {B::DIV, [](float a, float b) { return a / b; }, 0.5, 5},
        {B::MAXIMUM, [](float a, float b) { return std::max(a, b); }, -5, 5},
        {B::MINIMUM, [](float a, float b) { return std::min(a, b); }, -5, 5},
        {B::POW, [](float a, float b) { return std::pow(a, b); }, 0.5, 3},
        {B::SQUARED_DIFFERENCE, [](float a, float b) { return (a - b) * (a - b); }, -5, 5},
        {B::FLOOR_DIV, [](float a, float b) { return std::floor(a / b); }, 0.5, 5},
    };
    for (const FloatCase& c : cases) {
        for (int trial = 0; trial < 20; ++trial) {
            auto [sa, sb] = broadcastPair(rng);
            SingleOpModel m(c.op);
            m.addInput(fb::TensorType::FLOAT32, sa);
            m.addInput(fb::TensorType::FLOAT32, sb);
            m.addOutput(fb::TensorType::FLOAT32);
            ASSERT_TRUE(m.build().isOk()) << builtinOperatorName(static_cast<int32_t>(c.op));
            auto va = randomValues<float>(rng, sa, c.lo, c.hi);
            auto vb = randomValues<float>(rng, sb, c.lo, c.hi);
            m.setInput(0, va);
            m.setInput(1, vb);
            ASSERT_TRUE(m.invoke().isOk());
            auto expected = reference(va, sa, vb, sb, c.fn);
            EXPECT_EQ(m.outputShape(0), broadcastOut(sa, sb));
            auto got = m.output<float>(0);
            ASSERT_EQ(got.size(), expected.size());
            for (size_t i = 0; i < got.size(); ++i)
                ASSERT_NEAR(got[i], expected[i], 1e-5 * std::max(1.f, std::fabs(expected[i])))
                    << builtinOperatorName(static_cast<int32_t>(c.op)) << " element " << i;
        }
    }
}

TEST(BinaryKernels, FusedRelu6OnAdd) {
    SingleOpModel m(B::ADD);
    m.addInput(fb::TensorType::FLOAT32, {4});
    m.addInput(fb::TensorType::FLOAT32, {4});
    m.addOutput(fb::TensorType::FLOAT32);
    m.setOptions(fb::BuiltinOptions::AddOptions, [](flatbuffers::FlatBufferBuilder& fbb) {
        return fb::CreateAddOptions(fbb, fb::ActivationFunctionType::RELU6).Union();
    });
    ASSERT_TRUE(m.build().isOk());
    m.setInput<float>(0, {-3, 1, 5, 2});
    m.setInput<float>(1, {1, 1, 5, 0.5f});
    ASSERT_TRUE(m.invoke().isOk());
    EXPECT_EQ(m.output<float>(0), (std::vector<float>{0, 2, 6, 2.5f}));
}

TEST(BinaryKernels, IntegerFloorDivAndModRoundTowardsMinusInfinity) {
    SingleOpModel div(B::FLOOR_DIV), mod(B::FLOOR_MOD);
    for (SingleOpModel* m : {&div, &mod}) {
        m->addInput(fb::TensorType::INT32, {4});
        m->addInput(fb::TensorType::INT32, {4});
        m->addOutput(fb::TensorType::INT32);
        ASSERT_TRUE(m->build().isOk());
        m->setInput<int32_t>(0, {7, -7, 7, -7});
        m->setInput<int32_t>(1, {2, 2, -2, -2});
        ASSERT_TRUE(m->invoke().isOk());
    }
    EXPECT_EQ(div.output<int32_t>(0), (std::vector<int32_t>{3, -4, -4, 3}));
    EXPECT_EQ(mod.output<int32_t>(0), (std::vector<int32_t>{1, 1, -1, -1}));
}

TEST(BinaryKernels, IntegerDivisionByZeroIsAnInvokeError) {
    SingleOpModel m(B::FLOOR_DIV);
    m.addInput(fb::TensorType::INT32, {2});
    m.addInput(fb::TensorType::INT32, {2});
    m.addOutput(fb::TensorType::INT32);
    ASSERT_TRUE(m.build().isOk());
    m.setInput<int32_t>(0, {1, 2});
    m.setInput<int32_t>(1, {1, 0});
    Status s = m.invoke();
    ASSERT_FALSE(s.isOk());
    EXPECT_NE(s.message().find("operator 0 (FLOOR_DIV)"), std::string::npos) << s.message();
    EXPECT_NE(s.message().find("division by zero"), std::string::npos) << s.message();
}

TEST(BinaryKernels, ComparisonsGiveBools) {
    SingleOpModel m(B::GREATER_EQUAL);
    m.addInput(fb::TensorType::FLOAT32, {2, 2});
    m.addInput(fb::TensorType::FLOAT32, {2});
    m.addOutput(fb::TensorType::BOOL);
    ASSERT_TRUE(m.build().isOk());
    m.setInput<float>(0, {1, 2, 3, 4});
    m.setInput<float>(1, {2, 2});
    ASSERT_TRUE(m.invoke().isOk());
    EXPECT_EQ(m.output<uint8_t>(0), (std::vector<uint8_t>{0, 1, 1, 1}));
}

TEST(BinaryKernels, IncompatibleShapesFailAtPrepare) {
    SingleOpModel m(B::ADD);
    m.addInput(fb::TensorType::FLOAT32, {2, 3});
    m.addInput(fb::TensorType::FLOAT32, {4});
    m.addOutput(fb::TensorType::FLOAT32);
    Status s = m.build();
    ASSERT_FALSE(s.isOk());
    EXPECT_NE(s.message().find("do not broadcast"), std::string::npos) << s.message();
}

}  // namespace
}  // namespace litescope::test

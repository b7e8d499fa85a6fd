// Quantized MEAN, SUM, REDUCE_MAX/MIN, SOFTMAX and L2_NORMALIZATION against float maths (within one output
// quantum), covering TFLite's separate paths: the 4-D height/width mean, equal quantization, rescaling.
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <random>

#include "tests/support/single_op_model.h"

namespace litescope::test {
namespace {

using B = fb::BuiltinOperator;
using TT = fb::TensorType;

QuantSpec quant(float scale, int64_t zeroPoint) {
    QuantSpec q;
    q.scale = {scale};
    q.zeroPoint = {zeroPoint};
    return q;
}

template <typename T>
std::vector<T> randomQuantized(std::mt19937& rng, size_t n) {
    std::uniform_int_distribution<int32_t> dist(std::numeric_limits<T>::min(), std::numeric_limits<T>::max());
    std::vector<T> v(n);
    for (auto& x : v)
        x = static_cast<T>(dist(rng));
    return v;
}

// Reduces a [2, 3, 4, 5] tensor over `axes` and checks against the float mean or sum.
template <typename T>
void checkMeanOrSum(B op, TT type, std::vector<int32_t> axes, bool keepDims, QuantSpec in, QuantSpec out,
                    std::mt19937& rng) {
    const std::vector<int32_t> shape = {2, 3, 4, 5};
    SingleOpModel m(op);
    m.addInput(type, shape, in);
    m.addConstInput<int32_t>(TT::INT32, {static_cast<int32_t>(axes.size())}, axes);
    m.addOutput(type, {}, out);
    m.setOptions(fb::BuiltinOptions::ReducerOptions, [keepDims](flatbuffers::FlatBufferBuilder& f) {
        return fb::CreateReducerOptions(f, keepDims).Union();
    });
    Status s = m.build();
    ASSERT_TRUE(s.isOk()) << s.message();
    const std::vector<T> x = randomQuantized<T>(rng, 120);
    m.setInput(0, x);
    ASSERT_TRUE(m.invoke().isOk());
    const std::vector<T> y = m.output<T>(0);
    bool reduced[4] = {};
    for (int32_t a : axes)
        reduced[a < 0 ? a + 4 : a] = true;
    // Expected values, output elements in row-major order of the kept dimensions.
    std::vector<double> sums, counts;
    std::vector<int32_t> strides = {60, 20, 5, 1};
    std::map<int64_t, size_t> slot;
    for (int64_t i = 0; i < 120; ++i) {
        int64_t key = 0;
        for (int d = 0; d < 4; ++d)
            if (!reduced[d])
                key = key * shape[static_cast<size_t>(d)] +
                      (i / strides[static_cast<size_t>(d)]) % shape[static_cast<size_t>(d)];
        if (!slot.count(key)) {
            slot[key] = sums.size();
            sums.push_back(0);
            counts.push_back(0);
        }
        sums[slot[key]] += in.scale[0] * (static_cast<double>(x[static_cast<size_t>(i)]) - in.zeroPoint[0]);
        counts[slot[key]] += 1;
    }
    ASSERT_EQ(y.size(), sums.size());
    for (const auto& [key, k] : slot) {
        const double real = op == B::MEAN ? sums[k] / counts[k] : sums[k];
        const double q = std::clamp(std::round(real / out.scale[0]) + static_cast<double>(out.zeroPoint[0]),
                                    static_cast<double>(std::numeric_limits<T>::min()),
                                    static_cast<double>(std::numeric_limits<T>::max()));
        ASSERT_NEAR(static_cast<double>(y[static_cast<size_t>(key)]), q, 1.0) << "output " << key;
    }
}

TEST(ReduceQuant, MeanEveryPath) {
    std::mt19937 rng(11);
    // The 4-D height/width mean (TFLite's dedicated kernel).
    checkMeanOrSum<int8_t>(B::MEAN, TT::INT8, {1, 2}, true, quant(0.05f, 3), quant(0.02f, -4), rng);
    checkMeanOrSum<uint8_t>(B::MEAN, TT::UINT8, {2, 1}, true, quant(0.05f, 128), quant(0.03f, 100), rng);
    checkMeanOrSum<int16_t>(B::MEAN, TT::INT16, {1, 2}, true, quant(1.f / 4096, 0), quant(1.f / 8192, 0),
                            rng);
    // Rescaling through float.
    checkMeanOrSum<int8_t>(B::MEAN, TT::INT8, {3}, false, quant(0.05f, 3), quant(0.02f, -4), rng);
    checkMeanOrSum<uint8_t>(B::MEAN, TT::UINT8, {0, -1}, false, quant(0.05f, 128), quant(0.01f, 130), rng);
    checkMeanOrSum<int16_t>(B::MEAN, TT::INT16, {1}, false, quant(1.f / 4096, 0), quant(1.f / 8192, 0), rng);
}

TEST(ReduceQuant, MeanWithEqualQuantizationTruncates) {
    SingleOpModel m(B::MEAN);
    m.addInput(TT::INT8, {2, 3}, quant(0.1f, 0));
    m.addConstInput<int32_t>(TT::INT32, {1}, {1});
    m.addOutput(TT::INT8, {}, quant(0.1f, 0));
    ASSERT_TRUE(m.build().isOk());
    m.setInput<int8_t>(0, {1, 2, 2, -1, -2, -2});
    ASSERT_TRUE(m.invoke().isOk());
    // 5/3 and -5/3 truncate toward zero.
    EXPECT_EQ(m.output<int8_t>(0), (std::vector<int8_t>{1, -1}));
}

TEST(ReduceQuant, SumRescales) {
    std::mt19937 rng(12);
    checkMeanOrSum<int8_t>(B::SUM, TT::INT8, {1}, false, quant(0.01f, 3), quant(0.05f, -4), rng);
    checkMeanOrSum<uint8_t>(B::SUM, TT::UINT8, {2, 3}, true, quant(0.01f, 128), quant(0.25f, 128), rng);
}

TEST(ReduceQuant, MaxAndMinCompareStoredValues) {
    for (B op : {B::REDUCE_MAX, B::REDUCE_MIN}) {
        SingleOpModel m(op);
        m.addInput(TT::INT8, {2, 3}, quant(0.1f, 5));
        m.addConstInput<int32_t>(TT::INT32, {1}, {1});
        m.addOutput(TT::INT8, {}, quant(0.1f, 5));
        ASSERT_TRUE(m.build().isOk());
        m.setInput<int8_t>(0, {-128, 5, 100, 7, -3, 127});
        ASSERT_TRUE(m.invoke().isOk());
        const std::vector<int8_t> expected =
            op == B::REDUCE_MAX ? std::vector<int8_t>{100, 127} : std::vector<int8_t>{-128, -3};
        EXPECT_EQ(m.output<int8_t>(0), expected);
    }
}

template <typename In, typename Out>
void checkSoftmax(TT inType, TT outType, QuantSpec in, QuantSpec out, float beta, std::mt19937& rng) {
    SingleOpModel m(B::SOFTMAX);
    m.addInput(inType, {3, 10}, in);
    m.addOutput(outType, {}, out);
    m.setOptions(fb::BuiltinOptions::SoftmaxOptions, [beta](flatbuffers::FlatBufferBuilder& f) {
        return fb::CreateSoftmaxOptions(f, beta).Union();
    });
    ASSERT_TRUE(m.build().isOk());
    const std::vector<In> x = randomQuantized<In>(rng, 30);
    m.setInput(0, x);
    ASSERT_TRUE(m.invoke().isOk());
    const std::vector<Out> y = m.output<Out>(0);
    for (int r = 0; r < 3; ++r) {
        double sum = 0, e[10];
        double max = -1e30;
        for (int c = 0; c < 10; ++c)
            max = std::max(max, in.scale[0] * (static_cast<double>(x[static_cast<size_t>(r * 10 + c)]) -
                                               in.zeroPoint[0]));
        for (int c = 0; c < 10; ++c) {
            const double v =
                in.scale[0] * (static_cast<double>(x[static_cast<size_t>(r * 10 + c)]) - in.zeroPoint[0]);
            e[c] = std::exp(beta * (v - max));
            sum += e[c];
        }
        for (int c = 0; c < 10; ++c) {
            const double q =
                std::clamp(std::round(e[c] / sum / out.scale[0]) + static_cast<double>(out.zeroPoint[0]),
                           static_cast<double>(std::numeric_limits<Out>::min()),
                           static_cast<double>(std::numeric_limits<Out>::max()));
            ASSERT_NEAR(static_cast<double>(y[static_cast<size_t>(r * 10 + c)]), q, 1.0) << r << "," << c;
        }
    }
}

TEST(ReduceQuant, SoftmaxFromTable) {
    std::mt19937 rng(13);
    checkSoftmax<int8_t, int8_t>(TT::INT8, TT::INT8, quant(0.05f, 0), quant(1.f / 256, -128), 1.f, rng);
    checkSoftmax<uint8_t, uint8_t>(TT::UINT8, TT::UINT8, quant(0.1f, 128), quant(1.f / 256, 0), 0.7f, rng);
    checkSoftmax<int8_t, int16_t>(TT::INT8, TT::INT16, quant(0.05f, 0), quant(1.f / 32768, 0), 1.f, rng);
}

TEST(ReduceQuant, SoftmaxInt16UsesInt16Tables) {
    std::mt19937 rng(15);
    for (float beta : {1.f, 0.5f}) {
        SingleOpModel m(B::SOFTMAX);
        m.addInput(TT::INT16, {4, 12}, quant(1.f / 4096, 0));
        m.addOutput(TT::INT16, {}, quant(1.f / 32768, 0));
        m.setOptions(fb::BuiltinOptions::SoftmaxOptions, [beta](flatbuffers::FlatBufferBuilder& f) {
            return fb::CreateSoftmaxOptions(f, beta).Union();
        });
        ASSERT_TRUE(m.build().isOk());
        // Inputs within [-4, 4], so that no exponential falls below the table's exp(-10).
        std::vector<int16_t> x(48);
        for (auto& v : x)
            v = static_cast<int16_t>(static_cast<int32_t>(rng() % 32768) - 16384);
        m.setInput(0, x);
        ASSERT_TRUE(m.invoke().isOk());
        const std::vector<int16_t> y = m.output<int16_t>(0);
        for (int r = 0; r < 4; ++r) {
            double max = -1e30, sum = 0;
            for (int c = 0; c < 12; ++c)
                max = std::max(max, x[static_cast<size_t>(r * 12 + c)] / 4096.0);
            for (int c = 0; c < 12; ++c)
                sum += std::exp(beta * (x[static_cast<size_t>(r * 12 + c)] / 4096.0 - max));
            for (int c = 0; c < 12; ++c) {
                const double p = std::exp(beta * (x[static_cast<size_t>(r * 12 + c)] / 4096.0 - max)) / sum;
                ASSERT_NEAR(y[static_cast<size_t>(r * 12 + c)], std::min(std::round(p * 32768), 32767.0), 1.0)
                    << r << "," << c;
            }
        }
    }
}

TEST(ReduceQuant, L2NormalizationInQ07) {
    std::mt19937 rng(14);
    for (bool isUint8 : {false, true}) {
        SingleOpModel m(B::L2_NORMALIZATION);
        const TT type = isUint8 ? TT::UINT8 : TT::INT8;
        const int64_t zero = isUint8 ? 128 : 0;
        m.addInput(type, {4, 6}, quant(0.1f, isUint8 ? 120 : -3));
        m.addOutput(type, {}, quant(1.f / 128, zero));
        ASSERT_TRUE(m.build().isOk());
        std::vector<int32_t> x(24);
        for (auto& v : x)
            v = isUint8 ? static_cast<int32_t>(rng() % 256) : static_cast<int32_t>(rng() % 256) - 128;
        if (isUint8)
            m.setInput(0, std::vector<uint8_t>(x.begin(), x.end()));
        else
            m.setInput(0, std::vector<int8_t>(x.begin(), x.end()));
        ASSERT_TRUE(m.invoke().isOk());
        const int32_t inZero = isUint8 ? 120 : -3;
        for (int r = 0; r < 4; ++r) {
            double norm = 0;
            for (int c = 0; c < 6; ++c)
                norm += std::pow(x[static_cast<size_t>(r * 6 + c)] - inZero, 2.0);
            norm = std::sqrt(norm);
            for (int c = 0; c < 6; ++c) {
                const size_t i = static_cast<size_t>(r * 6 + c);
                const double q =
                    std::clamp(std::round((x[i] - inZero) / norm * 128) + static_cast<double>(zero),
                               isUint8 ? 0.0 : -128.0, isUint8 ? 255.0 : 127.0);
                const double got = isUint8 ? m.output<uint8_t>(0)[i] : m.output<int8_t>(0)[i];
                ASSERT_NEAR(got, q, 1.0) << r << "," << c;
            }
        }
    }
}

}  // namespace
}  // namespace litescope::test

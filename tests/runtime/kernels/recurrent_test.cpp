// Recurrent kernels: an LSTM with hand-computable gates over two steps (the state carries over), and SVDF
// against a plain loop over several invokes.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "tests/support/single_op_model.h"

namespace litescope::test {
namespace {

using B = fb::BuiltinOperator;

TEST(RecurrentKernels, SequenceLstmWithBiasOnlyGatesFollowsTheCellEquations) {
    // One cell, one input, zero weights: i = f = o = sigmoid(0) = 0.5, g = tanh(bias_c).
    const float biasC = 1.f;
    SingleOpModel m(B::UNIDIRECTIONAL_SEQUENCE_LSTM);
    m.addInput(fb::TensorType::FLOAT32, {1, 2, 1});  // batch 1, time 2, input 1
    auto zeros = [](int n) { return std::vector<float>(static_cast<size_t>(n), 0.f); };
    for (int i = 0; i < 4; ++i)
        m.addConstInput(fb::TensorType::FLOAT32, {1, 1}, zeros(1));  // input weights
    for (int i = 0; i < 4; ++i)
        m.addConstInput(fb::TensorType::FLOAT32, {1, 1}, zeros(1));  // recurrent weights
    for (int i = 0; i < 3; ++i)
        m.addOmittedInput();  // no peephole
    m.addConstInput(fb::TensorType::FLOAT32, {1}, zeros(1));
    m.addConstInput(fb::TensorType::FLOAT32, {1}, zeros(1));
    m.addConstInput(fb::TensorType::FLOAT32, {1}, std::vector<float>{biasC});
    m.addConstInput(fb::TensorType::FLOAT32, {1}, zeros(1));
    m.addOmittedInput();                                  // projection weights
    m.addOmittedInput();                                  // projection bias
    m.addVariableInput(fb::TensorType::FLOAT32, {1, 1});  // output state
    m.addVariableInput(fb::TensorType::FLOAT32, {1, 1});  // cell state
    m.addOutput(fb::TensorType::FLOAT32, {1, 2, 1});
    m.setOptions(
        fb::BuiltinOptions::UnidirectionalSequenceLSTMOptions, [](flatbuffers::FlatBufferBuilder& f) {
            return fb::CreateUnidirectionalSequenceLSTMOptions(f, fb::ActivationFunctionType::TANH).Union();
        });
    ASSERT_TRUE(m.build().isOk());
    m.setInput<float>(0, {0.3f, -0.7f});
    ASSERT_TRUE(m.invoke().isOk());
    const float g = std::tanh(biasC);
    const float c1 = 0.5f * g;
    const float h1 = 0.5f * std::tanh(c1);
    const float c2 = 0.5f * c1 + 0.5f * g;
    const float h2 = 0.5f * std::tanh(c2);
    auto out = m.output<float>(0);
    ASSERT_EQ(out.size(), 2u);
    EXPECT_NEAR(out[0], h1, 1e-6);
    EXPECT_NEAR(out[1], h2, 1e-6);
}

TEST(RecurrentKernels, SvdfMatchesAPlainLoopAcrossInvokes) {
    std::mt19937 rng(3);
    std::uniform_real_distribution<float> d(-1, 1);
    const int batch = 2, input = 3, filters = 4, memory = 5, rank = 2, units = filters / rank;
    auto rnd = [&](int n) {
        std::vector<float> v(static_cast<size_t>(n));
        for (auto& x : v)
            x = d(rng);
        return v;
    };
    auto feature = rnd(filters * input), time = rnd(filters * memory), bias = rnd(units);
    SingleOpModel m(B::SVDF);
    m.addInput(fb::TensorType::FLOAT32, {batch, input});
    m.addConstInput(fb::TensorType::FLOAT32, {filters, input}, feature);
    m.addConstInput(fb::TensorType::FLOAT32, {filters, memory}, time);
    m.addConstInput(fb::TensorType::FLOAT32, {units}, bias);
    m.addVariableInput(fb::TensorType::FLOAT32, {batch, filters * memory});
    m.addOutput(fb::TensorType::FLOAT32, {batch, units});
    m.setOptions(fb::BuiltinOptions::SVDFOptions, [](flatbuffers::FlatBufferBuilder& f) {
        return fb::CreateSVDFOptions(f, rank, fb::ActivationFunctionType::RELU).Union();
    });
    ASSERT_TRUE(m.build().isOk());

    std::vector<float> refState(static_cast<size_t>(batch * filters * memory), 0.f);
    for (int step = 0; step < 4; ++step) {
        auto x = rnd(batch * input);
        m.setInput(0, x);
        ASSERT_TRUE(m.invoke().isOk());
        auto out = m.output<float>(0);
        for (int b = 0; b < batch; ++b) {
            std::vector<float> perFilter(static_cast<size_t>(filters));
            for (int f = 0; f < filters; ++f) {
                float* s = &refState[static_cast<size_t>((b * filters + f) * memory)];
                for (int k = 0; k + 1 < memory; ++k)
                    s[k] = s[k + 1];
                float dot = 0;
                for (int i = 0; i < input; ++i)
                    dot +=
                        feature[static_cast<size_t>(f * input + i)] * x[static_cast<size_t>(b * input + i)];
                s[memory - 1] = dot;
                float acc = 0;
                for (int k = 0; k < memory; ++k)
                    acc += s[k] * time[static_cast<size_t>(f * memory + k)];
                perFilter[static_cast<size_t>(f)] = acc;
            }
            for (int u = 0; u < units; ++u) {
                float v = bias[static_cast<size_t>(u)];
                for (int r = 0; r < rank; ++r)
                    v += perFilter[static_cast<size_t>(u * rank + r)];
                EXPECT_NEAR(out[static_cast<size_t>(b * units + u)], std::max(v, 0.f), 1e-5)
                    << "step " << step;
            }
        }
    }
}

}  // namespace
}  // namespace litescope::test

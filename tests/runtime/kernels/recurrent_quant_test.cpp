// Integer recurrent kernels: the 16-bit fixed-point sigmoid and tanh of the integer LSTM against float within
// a few units of the last place, the integer UNIDIRECTIONAL_SEQUENCE_LSTM against a float LSTM on the
// dequantized operands, and the integer SVDF against a float loop quantized the same way.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "runtime/kernels/quantized_lstm_util.h"
#include "tests/support/single_op_model.h"

namespace litescope::test {
namespace {

using B = fb::BuiltinOperator;
using Dims = std::vector<int32_t>;

QuantSpec quant(float scale, int64_t zeroPoint = 0) {
    QuantSpec q;
    q.scale = {scale};
    q.zeroPoint = {zeroPoint};
    return q;
}

TEST(RecurrentQuantKernels, FixedPointSigmoidAndTanhFollowTheFloatFunctions) {
    int worstSigmoid = 0, worstTanh3 = 0, worstTanh4 = 0;
    for (int raw = -32768; raw <= 32767; ++raw) {
        const auto x = static_cast<int16_t>(raw);
        const double s = 1.0 / (1.0 + std::exp(-raw / 4096.0)) * 32768.0;
        const int sigmoid = kernels::q16::logistic(x, 3);
        worstSigmoid = std::max(worstSigmoid, static_cast<int>(std::abs(sigmoid - std::min(s, 32767.0))));
        const int tanh3 = kernels::q16::tanh(x, 3);
        worstTanh3 = std::max(worstTanh3,
                              static_cast<int>(std::abs(
                                  tanh3 - std::clamp(std::tanh(raw / 4096.0) * 32768.0, -32768.0, 32767.0))));
        const int tanh4 = kernels::q16::tanh(x, 4);
        worstTanh4 = std::max(worstTanh4,
                              static_cast<int>(std::abs(
                                  tanh4 - std::clamp(std::tanh(raw / 2048.0) * 32768.0, -32768.0, 32767.0))));
    }
    EXPECT_LE(worstSigmoid, 8);
    EXPECT_LE(worstTanh3, 16);
    EXPECT_LE(worstTanh4, 16);
    EXPECT_EQ(kernels::q16::logistic(0, 3), 16384);
    EXPECT_EQ(kernels::q16::tanh(0, 3), 0);
    // Odd and complementary symmetry hold exactly, as gemmlowp computes the negative side from the positive.
    for (int raw : {1, 100, 4096, 20000, 32767}) {
        const auto x = static_cast<int16_t>(raw), nx = static_cast<int16_t>(-raw);
        EXPECT_EQ(kernels::q16::tanh(nx, 3), -kernels::q16::tanh(x, 3)) << raw;
        EXPECT_EQ(kernels::q16::logistic(nx, 3), 32767 - kernels::q16::logistic(x, 3)) << raw;
    }
}

// ---------------------------------------------------------------------------------------------------------
// Integer LSTM
// ---------------------------------------------------------------------------------------------------------

struct LstmCase {
    int batch = 2, time = 3, input = 5, cells = 4;
    float inputScale = 0.02f, weightScale = 0.01f, stateScale = 1.f / 128, hiddenScale = 1.f / 128;
    int64_t inputZp = 3, stateZp = 0, hiddenZp = 0;
    int cellScaleLog2 = -11;
    bool cifg = false, timeMajor = false;
};

// Float LSTM (no peephole, projection or CIFG) over the dequantized operands, batch-major.
std::vector<float> floatLstm(const LstmCase& c, const std::vector<int8_t>& x,
                             const std::vector<std::vector<int8_t>>& w,
                             const std::vector<std::vector<int32_t>>& b) {
    auto sig = [](double v) { return 1.0 / (1.0 + std::exp(-v)); };
    std::vector<float> out;
    out.resize(static_cast<size_t>(c.batch * c.time * c.cells));
    for (int bt = 0; bt < c.batch; ++bt) {
        std::vector<double> h(static_cast<size_t>(c.cells), 0.0), cell(static_cast<size_t>(c.cells), 0.0);
        for (int t = 0; t < c.time; ++t) {
            std::vector<double> gates(static_cast<size_t>(4 * c.cells));
            for (int g = 0; g < 4; ++g) {
                for (int r = 0; r < c.cells; ++r) {
                    double acc = b[static_cast<size_t>(g)][static_cast<size_t>(r)] *
                                 static_cast<double>(c.inputScale * c.weightScale);
                    for (int i = 0; i < c.input; ++i)
                        acc += (x[static_cast<size_t>((bt * c.time + t) * c.input + i)] - c.inputZp) *
                               static_cast<double>(c.inputScale) *
                               w[static_cast<size_t>(g)][static_cast<size_t>(r * c.input + i)] *
                               c.weightScale;
                    for (int i = 0; i < c.cells; ++i)
                        acc += h[static_cast<size_t>(i)] *
                               w[static_cast<size_t>(4 + g)][static_cast<size_t>(r * c.cells + i)] *
                               c.weightScale;
                    gates[static_cast<size_t>(g * c.cells + r)] = acc;
                }
            }
            for (int r = 0; r < c.cells; ++r) {
                const double fg = sig(gates[static_cast<size_t>(c.cells + r)]);
                const double ig = c.cifg ? 1.0 - fg : sig(gates[static_cast<size_t>(r)]);
                const double cg = std::tanh(gates[static_cast<size_t>(2 * c.cells + r)]);
                const double og = sig(gates[static_cast<size_t>(3 * c.cells + r)]);
                cell[static_cast<size_t>(r)] = fg * cell[static_cast<size_t>(r)] + ig * cg;
                const double hv = og * std::tanh(cell[static_cast<size_t>(r)]);
                // The state the next step reads is the quantized output.
                const double q = std::clamp(std::round(hv / c.stateScale) + c.stateZp, -128.0, 127.0);
                h[static_cast<size_t>(r)] = (q - c.stateZp) * c.stateScale;
                out[static_cast<size_t>((bt * c.time + t) * c.cells + r)] = static_cast<float>(q);
            }
        }
    }
    return out;
}

void expectIntegerLstmFollowsTheFloatCell(const LstmCase& c) {
    std::mt19937 rng(5);
    std::uniform_int_distribution<int> d8(-128, 127), dw(-60, 60), db(-2000, 2000);
    std::vector<int8_t> x(static_cast<size_t>(c.batch * c.time * c.input));
    for (auto& v : x)
        v = static_cast<int8_t>(d8(rng));
    std::vector<std::vector<int8_t>> w(8);
    for (int g = 0; g < 8; ++g) {
        w[static_cast<size_t>(g)].resize(static_cast<size_t>(c.cells * (g < 4 ? c.input : c.cells)));
        for (auto& v : w[static_cast<size_t>(g)])
            v = static_cast<int8_t>(dw(rng));
    }
    std::vector<std::vector<int32_t>> b(4, std::vector<int32_t>(static_cast<size_t>(c.cells)));
    for (auto& g : b)
        for (auto& v : g)
            v = db(rng);

    SingleOpModel m(B::UNIDIRECTIONAL_SEQUENCE_LSTM);
    const Dims inputShape = c.timeMajor ? Dims{c.time, c.batch, c.input} : Dims{c.batch, c.time, c.input};
    m.addInput(fb::TensorType::INT8, inputShape, quant(c.inputScale, c.inputZp));
    for (int g = 0; g < 8; ++g) {
        if (c.cifg && g % 4 == 0) {
            m.addOmittedInput();
            continue;
        }
        m.addConstInput(fb::TensorType::INT8, {c.cells, g < 4 ? c.input : c.cells}, w[static_cast<size_t>(g)],
                        quant(c.weightScale));
    }
    for (int i = 0; i < 3; ++i)
        m.addOmittedInput();
    // Biases are in units of input scale x weight scale.
    for (int g = 0; g < 4; ++g) {
        if (c.cifg && g == 0) {
            m.addOmittedInput();
            continue;
        }
        m.addConstInput(fb::TensorType::INT32, {c.cells}, b[static_cast<size_t>(g)],
                        quant(c.inputScale * c.weightScale));
    }
    m.addOmittedInput();
    m.addOmittedInput();
    m.addVariableInput(fb::TensorType::INT8, {c.batch, c.cells});
    m.builder().subgraphs[0].tensors.back().quant = quant(c.stateScale, c.stateZp);
    m.addVariableInput(fb::TensorType::INT16, {c.batch, c.cells});
    m.builder().subgraphs[0].tensors.back().quant = quant(std::ldexp(1.f, c.cellScaleLog2));
    const Dims outputShape = c.timeMajor ? Dims{c.time, c.batch, c.cells} : Dims{c.batch, c.time, c.cells};
    m.addOutput(fb::TensorType::INT8, outputShape, quant(c.stateScale, c.stateZp));
    m.setOptions(fb::BuiltinOptions::UnidirectionalSequenceLSTMOptions,
                 [&](flatbuffers::FlatBufferBuilder& f) {
                     return fb::CreateUnidirectionalSequenceLSTMOptions(f, fb::ActivationFunctionType::TANH,
                                                                        0.f, 0.f, c.timeMajor)
                         .Union();
                 });
    // Without the five intermediate tensors the 8x8_16 scheme has no hidden scale: refused.
    Status first = m.build();
    ASSERT_FALSE(first.isOk());
    EXPECT_EQ(first.code(), ErrorCode::Unsupported) << first.message();

    // Add them to the operator and build the model by hand.
    ModelBuilder& mb = m.builder();
    OperatorSpec op = mb.subgraphs[0].operators.at(0);
    for (int i = 0; i < 5; ++i) {
        TensorSpec t;
        t.name = "intermediate" + std::to_string(i);
        t.type = fb::TensorType::INT16;
        t.quant = i == 4 ? quant(c.hiddenScale, c.hiddenZp) : quant(1.f / 4096);
        if (i == 4) t.type = fb::TensorType::INT8;
        op.intermediates.push_back(mb.addTensor(std::move(t)));
    }
    mb.subgraphs[0].operators = {op};
    auto model = Model::fromBytes(mb.build(), "integer lstm");
    ASSERT_TRUE(model.isOk()) << model.status().message();
    auto interpreter = Interpreter::create(*model, InterpreterOptions{});
    ASSERT_TRUE(interpreter.isOk()) << interpreter.status().message();
    Interpreter& in = **interpreter;
    Status prepared = in.prepare();
    ASSERT_TRUE(prepared.isOk()) << prepared.message();
    // x is batch-major; a time-major model reads it transposed.
    auto at = [&](int bt, int t, int size) {
        return c.timeMajor ? (int64_t{t} * c.batch + bt) * size : (int64_t{bt} * c.time + t) * size;
    };
    RuntimeTensor& input = in.main().tensor(op.inputs[0]);
    for (int bt = 0; bt < c.batch; ++bt)
        for (int t = 0; t < c.time; ++t)
            std::memcpy(input.data + at(bt, t, c.input), &x[static_cast<size_t>((bt * c.time + t) * c.input)],
                        static_cast<size_t>(c.input));
    Status invoked = in.invoke();
    ASSERT_TRUE(invoked.isOk()) << invoked.message();
    const RuntimeTensor& out = in.main().tensor(op.outputs[0]);
    const auto want = floatLstm(c, x, w, b);
    ASSERT_EQ(out.bytes, want.size());
    int worst = 0;
    for (int bt = 0; bt < c.batch; ++bt)
        for (int t = 0; t < c.time; ++t)
            for (int r = 0; r < c.cells; ++r) {
                const int got = out.as<int8_t>()[at(bt, t, c.cells) + r];
                const float expected = want[static_cast<size_t>((bt * c.time + t) * c.cells + r)];
                worst = std::max(worst, static_cast<int>(std::abs(got - expected)));
            }
    EXPECT_LE(worst, 1);
}

TEST(RecurrentQuantKernels, IntegerSequenceLstmFollowsTheFloatCellWithinAQuantum) {
    expectIntegerLstmFollowsTheFloatCell(LstmCase{});
}

TEST(RecurrentQuantKernels, IntegerSequenceLstmWithCoupledGatesAndTimeMajorInput) {
    LstmCase cifg;
    cifg.cifg = true;
    expectIntegerLstmFollowsTheFloatCell(cifg);
    LstmCase timeMajor;
    timeMajor.timeMajor = true;
    expectIntegerLstmFollowsTheFloatCell(timeMajor);
}

// ---------------------------------------------------------------------------------------------------------
// Integer SVDF
// ---------------------------------------------------------------------------------------------------------

TEST(RecurrentQuantKernels, IntegerSvdfFollowsTheFloatLoopWithinAQuantum) {
    const int batch = 2, input = 6, filters = 6, memory = 4, rank = 2, units = filters / rank;
    const float inputScale = 0.05f, featureScale = 0.02f, timeScale = 1.f / 4096, stateScale = 1.f / 512,
                outputScale = 0.03f;
    const int64_t inputZp = -4, outputZp = 7;
    std::mt19937 rng(9);
    std::uniform_int_distribution<int> d8(-128, 127), dt(-3000, 3000), db(-3000, 3000);
    std::vector<int8_t> feature(static_cast<size_t>(filters * input));
    for (auto& v : feature)
        v = static_cast<int8_t>(d8(rng));
    std::vector<int16_t> time(static_cast<size_t>(filters * memory));
    for (auto& v : time)
        v = static_cast<int16_t>(dt(rng));
    std::vector<int32_t> bias(static_cast<size_t>(units));
    for (auto& v : bias)
        v = db(rng);

    SingleOpModel m(B::SVDF);
    m.addInput(fb::TensorType::INT8, {batch, input}, quant(inputScale, inputZp));
    m.addConstInput(fb::TensorType::INT8, {filters, input}, feature, quant(featureScale));
    m.addConstInput(fb::TensorType::INT16, {filters, memory}, time, quant(timeScale));
    m.addConstInput(fb::TensorType::INT32, {units}, bias, quant(stateScale * timeScale));
    m.addVariableInput(fb::TensorType::INT16, {batch, filters * memory});
    m.builder().subgraphs[0].tensors.back().quant = quant(stateScale);
    m.addOutput(fb::TensorType::INT8, {batch, units}, quant(outputScale, outputZp));
    m.setOptions(fb::BuiltinOptions::SVDFOptions, [&](flatbuffers::FlatBufferBuilder& f) {
        return fb::CreateSVDFOptions(f, rank, fb::ActivationFunctionType::NONE).Union();
    });
    Status s = m.build();
    ASSERT_TRUE(s.isOk()) << s.message();

    // The float reference keeps its state quantized the same way, so only rounding differs.
    std::vector<double> state(static_cast<size_t>(batch * filters * memory), 0.0);
    for (int step = 0; step < 5; ++step) {
        std::vector<int8_t> x(static_cast<size_t>(batch * input));
        for (auto& v : x)
            v = static_cast<int8_t>(d8(rng));
        m.setInput(0, x);
        s = m.invoke();
        ASSERT_TRUE(s.isOk()) << s.message();
        for (size_t i = 0; i + 1 < state.size(); ++i)
            state[i] = state[i + 1];
        for (int b = 0; b < batch; ++b) {
            for (int f = 0; f < filters; ++f) {
                double dot = 0;
                for (int i = 0; i < input; ++i)
                    dot += feature[static_cast<size_t>(f * input + i)] * static_cast<double>(featureScale) *
                           (x[static_cast<size_t>(b * input + i)] - inputZp) * inputScale;
                state[static_cast<size_t>((b * filters + f) * memory + memory - 1)] =
                    std::clamp(std::round(dot / stateScale), -32768.0, 32767.0) * stateScale;
            }
        }
        const auto out = m.output<int8_t>(0);
        for (int b = 0; b < batch; ++b) {
            for (int u = 0; u < units; ++u) {
                double v = bias[static_cast<size_t>(u)] * static_cast<double>(stateScale) * timeScale;
                for (int r = 0; r < rank; ++r) {
                    const int f = u * rank + r;
                    for (int k = 0; k < memory; ++k)
                        v += state[static_cast<size_t>((b * filters + f) * memory + k)] *
                             time[static_cast<size_t>(f * memory + k)] * timeScale;
                }
                const double q = std::clamp(std::round(v / outputScale) + outputZp, -128.0, 127.0);
                EXPECT_NEAR(out[static_cast<size_t>(b * units + u)], q, 1.0) << "step " << step;
            }
        }
    }
}

}  // namespace
}  // namespace litescope::test

namespace litescope::test {
namespace {

// Hybrid SVDF: int8 feature and time weights with a float input that is quantized per row on every step; the
// result is the float SVDF on the dequantized weights and the quantized input.
TEST(RecurrentQuantKernels, HybridSvdfFollowsTheFloatSvdfOnDequantizedWeights) {
    const int batch = 2, input = 8, filters = 4, memory = 3, rank = 2, units = filters / rank;
    const float featureScale = 0.02f, timeScale = 0.03f;
    std::mt19937 rng(17);
    std::uniform_int_distribution<int> d8(-127, 127);
    std::uniform_real_distribution<float> dx(-1.f, 1.f);
    std::vector<int8_t> feature(static_cast<size_t>(filters * input)),
        time(static_cast<size_t>(filters * memory));
    for (auto& v : feature)
        v = static_cast<int8_t>(d8(rng));
    for (auto& v : time)
        v = static_cast<int8_t>(d8(rng));
    const std::vector<float> bias{0.1f, -0.2f};
    for (bool asymmetric : {false, true}) {
        SingleOpModel m(B::SVDF);
        m.addInput(fb::TensorType::FLOAT32, {batch, input});
        m.addConstInput(fb::TensorType::INT8, {filters, input}, feature, quant(featureScale));
        m.addConstInput(fb::TensorType::INT8, {filters, memory}, time, quant(timeScale));
        m.addConstInput(fb::TensorType::FLOAT32, {units}, bias);
        m.addVariableInput(fb::TensorType::FLOAT32, {batch, filters * memory});
        m.addOutput(fb::TensorType::FLOAT32, {batch, units});
        m.setOptions(fb::BuiltinOptions::SVDFOptions, [&](flatbuffers::FlatBufferBuilder& f) {
            return fb::CreateSVDFOptions(f, rank, fb::ActivationFunctionType::NONE, asymmetric).Union();
        });
        Status s = m.build();
        ASSERT_TRUE(s.isOk()) << s.message();
        std::vector<double> state(static_cast<size_t>(batch * filters * memory), 0.0);
        for (int step = 0; step < 4; ++step) {
            std::vector<float> x(static_cast<size_t>(batch * input));
            for (auto& v : x)
                v = dx(rng);
            m.setInput(0, x);
            s = m.invoke();
            ASSERT_TRUE(s.isOk()) << s.message();
            for (size_t i = 0; i + 1 < state.size(); ++i)
                state[i] = state[i + 1];
            for (int b = 0; b < batch; ++b) {
                // The input row as TFLite quantizes it: symmetric by the largest magnitude, or asymmetric
                // over [min(0, lo), max(0, hi)].
                const float* row = &x[static_cast<size_t>(b * input)];
                const auto [lo, hi] = std::minmax_element(row, row + input);
                std::vector<double> xq(static_cast<size_t>(input));
                if (!asymmetric) {
                    const float range = std::max(std::abs(*lo), std::abs(*hi));
                    for (int i = 0; i < input; ++i)
                        xq[static_cast<size_t>(i)] =
                            std::round(row[i] * (127 / range)) * static_cast<double>(range / 127);
                } else {
                    const double rmin = std::min(0.f, *lo), rmax = std::max(0.f, *hi);
                    const double scale = (rmax - rmin) / 255;
                    const double zmin = -128 - rmin / scale, zmax = 127 - rmax / scale;
                    const bool fromMin = 128 + std::abs(rmin / scale) < 127 + std::abs(rmax / scale);
                    const double z = std::clamp(std::round(fromMin ? zmin : zmax), -128.0, 127.0);
                    const auto fs = static_cast<float>(scale);
                    for (int i = 0; i < input; ++i) {
                        const double q = std::clamp<double>(
                            std::round(static_cast<float>(z) + row[i] * (1.f / fs)), -128, 127);
                        xq[static_cast<size_t>(i)] = (q - z) * static_cast<double>(fs);
                    }
                }
                for (int f = 0; f < filters; ++f) {
                    double dot = 0;
                    for (int i = 0; i < input; ++i)
                        dot += feature[static_cast<size_t>(f * input + i)] *
                               static_cast<double>(featureScale) * xq[static_cast<size_t>(i)];
                    state[static_cast<size_t>((b * filters + f) * memory + memory - 1)] = dot;
                }
            }
            const auto out = m.output<float>(0);
            for (int b = 0; b < batch; ++b)
                for (int u = 0; u < units; ++u) {
                    double v = bias[static_cast<size_t>(u)];
                    for (int r = 0; r < rank; ++r)
                        for (int k = 0; k < memory; ++k) {
                            const int f = u * rank + r;
                            v += state[static_cast<size_t>((b * filters + f) * memory + k)] *
                                 time[static_cast<size_t>(f * memory + k)] * timeScale;
                        }
                    EXPECT_NEAR(out[static_cast<size_t>(b * units + u)], v, 1e-4 * std::max(1.0, std::abs(v)))
                        << "asymmetric " << asymmetric << " step " << step;
                }
        }
    }
}

}  // namespace
}  // namespace litescope::test

namespace litescope::test {
namespace {

// Hybrid LSTM: float input and state, int8 gate weights. Each step quantizes the input rows and the previous
// output rows (symmetric or asymmetric) before the products; the reference does the same with the shared
// row quantizer (checked against its own reference in the hybrid SVDF test) and the float cell in double.
TEST(RecurrentQuantKernels, HybridSequenceLstmFollowsTheFloatCellOnQuantizedOperands) {
    const int batch = 2, time = 3, input = 5, cells = 4;
    const float weightScale = 0.02f;
    std::mt19937 rng(23);
    std::uniform_int_distribution<int> dw(-127, 127);
    std::uniform_real_distribution<float> dx(-1.f, 1.f);
    std::vector<std::vector<int8_t>> w(8);
    for (int g = 0; g < 8; ++g) {
        w[static_cast<size_t>(g)].resize(static_cast<size_t>(cells * (g < 4 ? input : cells)));
        for (auto& v : w[static_cast<size_t>(g)])
            v = static_cast<int8_t>(dw(rng));
    }
    std::vector<std::vector<float>> bias(4, std::vector<float>(static_cast<size_t>(cells)));
    for (auto& g : bias)
        for (auto& v : g)
            v = dx(rng) * 0.5f;
    std::vector<float> x(static_cast<size_t>(batch * time * input));
    for (auto& v : x)
        v = dx(rng);
    for (bool asymmetric : {false, true}) {
        SingleOpModel m(B::UNIDIRECTIONAL_SEQUENCE_LSTM);
        m.addInput(fb::TensorType::FLOAT32, {batch, time, input});
        for (int g = 0; g < 8; ++g)
            m.addConstInput(fb::TensorType::INT8, {cells, g < 4 ? input : cells}, w[static_cast<size_t>(g)],
                            quant(weightScale));
        for (int i = 0; i < 3; ++i)
            m.addOmittedInput();
        for (int g = 0; g < 4; ++g)
            m.addConstInput(fb::TensorType::FLOAT32, {cells}, bias[static_cast<size_t>(g)]);
        m.addOmittedInput();
        m.addOmittedInput();
        m.addVariableInput(fb::TensorType::FLOAT32, {batch, cells});
        m.addVariableInput(fb::TensorType::FLOAT32, {batch, cells});
        m.addOutput(fb::TensorType::FLOAT32, {batch, time, cells});
        m.setOptions(fb::BuiltinOptions::UnidirectionalSequenceLSTMOptions,
                     [&](flatbuffers::FlatBufferBuilder& f) {
                         return fb::CreateUnidirectionalSequenceLSTMOptions(
                                    f, fb::ActivationFunctionType::TANH, 0.f, 0.f, false, asymmetric)
                             .Union();
                     });
        Status s = m.build();
        ASSERT_TRUE(s.isOk()) << s.message();
        m.setInput(0, x);
        s = m.invoke();
        ASSERT_TRUE(s.isOk()) << s.message();
        const auto out = m.output<float>(0);

        // Quantized product of gate weights g with a float row.
        auto product = [&](int g, const float* v, int cols, std::vector<double>& acc) {
            std::vector<int8_t> q(static_cast<size_t>(cols));
            const auto rq = kernels::q8::quantizeRow(v, cols, asymmetric, q.data());
            for (int r = 0; r < cells; ++r) {
                int32_t dot = 0, sum = 0;
                for (int c = 0; c < cols; ++c) {
                    dot += w[static_cast<size_t>(g)][static_cast<size_t>(r * cols + c)] *
                           q[static_cast<size_t>(c)];
                    sum += w[static_cast<size_t>(g)][static_cast<size_t>(r * cols + c)];
                }
                acc[static_cast<size_t>(r)] += static_cast<double>(dot - sum * rq.zeroPoint) *
                                               static_cast<double>(rq.scale * weightScale);
            }
        };
        auto sig = [](double v) { return 1.0 / (1.0 + std::exp(-v)); };
        for (int b = 0; b < batch; ++b) {
            std::vector<float> h(static_cast<size_t>(cells), 0.f);
            std::vector<double> c(static_cast<size_t>(cells), 0.0);
            for (int t = 0; t < time; ++t) {
                std::vector<std::vector<double>> gates(4, std::vector<double>(static_cast<size_t>(cells)));
                for (int g = 0; g < 4; ++g) {
                    for (int r = 0; r < cells; ++r)
                        gates[static_cast<size_t>(g)][static_cast<size_t>(r)] =
                            bias[static_cast<size_t>(g)][static_cast<size_t>(r)];
                    product(g, &x[static_cast<size_t>((b * time + t) * input)], input,
                            gates[static_cast<size_t>(g)]);
                    product(4 + g, h.data(), cells, gates[static_cast<size_t>(g)]);
                }
                for (int r = 0; r < cells; ++r) {
                    const auto i = static_cast<size_t>(r);
                    c[i] = sig(gates[1][i]) * c[i] + sig(gates[0][i]) * std::tanh(gates[2][i]);
                    h[i] = static_cast<float>(sig(gates[3][i]) * std::tanh(c[i]));
                    EXPECT_NEAR(out[static_cast<size_t>((b * time + t) * cells + r)], h[i], 1e-4)
                        << "asymmetric " << asymmetric << " b " << b << " t " << t;
                }
            }
        }
    }
}

}  // namespace
}  // namespace litescope::test

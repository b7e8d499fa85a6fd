// FULLY_CONNECTED and BATCH_MATMUL against plain loops written here: random shapes, keep_num_dims, bias
// modes, fused activations, weights as constants or as graph inputs, adj_x / adj_y, broadcast batch
// dimensions, several threads; and the cases that must fail cleanly (hybrid weights, shuffled formats).
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "runtime/kernels/gemm.h"
#include "tests/support/single_op_model.h"
#include "tests/support/test_values.h"

namespace litescope::test {
namespace {

using B = fb::BuiltinOperator;
using Act = fb::ActivationFunctionType;

void expectClose(const std::vector<float>& got, const std::vector<float>& want, const std::string& what) {
    ASSERT_EQ(got.size(), want.size()) << what;
    float scale = 1.f;
    for (float w : want)
        scale = std::max(scale, std::fabs(w));
    for (size_t i = 0; i < got.size(); ++i)
        ASSERT_NEAR(got[i], want[i], 1e-4f * scale) << what << " element " << i;
}

// ---------------------------------------------------------------------------------------------------------
// FULLY_CONNECTED
// ---------------------------------------------------------------------------------------------------------

enum class BiasMode { Absent, Omitted, Present };

struct FcCase {
    std::vector<int32_t> inShape;
    int32_t units;
    bool keepDims;
    Act act;
    BiasMode bias;
    bool constWeights;
    int threads;
};

void runFullyConnected(const FcCase& p, std::mt19937& rng) {
    const int32_t depth = p.inShape.back();
    const int64_t rows = elementCount(p.inShape) / depth;
    auto in = randomFloats(rng, elementCount(p.inShape));
    auto weights = randomFloats(rng, int64_t{p.units} * depth);
    auto bias = randomFloats(rng, p.units);
    SingleOpModel m(B::FULLY_CONNECTED);
    m.addInput(fb::TensorType::FLOAT32, p.inShape);
    if (p.constWeights)
        m.addConstInput(fb::TensorType::FLOAT32, {p.units, depth}, weights);
    else
        m.addInput(fb::TensorType::FLOAT32, {p.units, depth});
    if (p.bias == BiasMode::Omitted) m.addOmittedInput();
    if (p.bias == BiasMode::Present) m.addConstInput(fb::TensorType::FLOAT32, {p.units}, bias);
    m.addOutput(fb::TensorType::FLOAT32);
    m.setOptions(fb::BuiltinOptions::FullyConnectedOptions, [p](flatbuffers::FlatBufferBuilder& f) {
        return fb::CreateFullyConnectedOptions(f, p.act, fb::FullyConnectedOptionsWeightsFormat::DEFAULT,
                                               p.keepDims)
            .Union();
    });
    std::string what = "rows " + std::to_string(rows) + " depth " + std::to_string(depth) + " units " +
                       std::to_string(p.units) + " threads " + std::to_string(p.threads);
    Status s = m.build(p.threads);
    ASSERT_TRUE(s.isOk()) << what << ": " << s.message();
    m.setInput(0, in);
    if (!p.constWeights) m.setInput(1, weights);
    s = m.invoke();
    ASSERT_TRUE(s.isOk()) << what << ": " << s.message();
    std::vector<float> want(static_cast<size_t>(rows * p.units));
    for (int64_t r = 0; r < rows; ++r)
        for (int32_t u = 0; u < p.units; ++u) {
            double sum = p.bias == BiasMode::Present ? bias[static_cast<size_t>(u)] : 0.0;
            for (int32_t k = 0; k < depth; ++k)
                sum += static_cast<double>(in[static_cast<size_t>(r * depth + k)]) *
                       weights[static_cast<size_t>(u * depth + k)];
            want[static_cast<size_t>(r * p.units + u)] = referenceActivation(sum, p.act);
        }
    std::vector<int32_t> outShape = {static_cast<int32_t>(rows), p.units};
    if (p.keepDims) {
        outShape = p.inShape;
        outShape.back() = p.units;
    }
    ASSERT_EQ(m.outputShape(0), outShape) << what;
    expectClose(m.output<float>(0), want, what);
}

TEST(FullyConnected, MatchesPlainLoopOnRandomShapes) {
    std::mt19937 rng(501);
    const Act acts[] = {Act::NONE, Act::RELU, Act::RELU6, Act::RELU_N1_TO_1};
    for (int trial = 0; trial < 200; ++trial) {
        FcCase p;
        const int rank = pick(rng, 1, 4);
        for (int d = 0; d < rank - 1; ++d)
            p.inShape.push_back(pick(rng, 1, 4));
        p.inShape.push_back(pick(rng, 1, 70));
        p.units = pick(rng, 1, 70);
        p.keepDims = rng() % 2;
        p.act = acts[rng() % 4];
        p.bias = static_cast<BiasMode>(rng() % 3);
        p.constWeights = rng() % 4 != 0;
        p.threads = pick(rng, 1, 3);
        runFullyConnected(p, rng);
        if (HasFatalFailure()) return;
    }
}

TEST(FullyConnected, LargeLayers) {
    // One row over many units (split by panels when threaded), and many rows past the SGEMM's K block.
    std::mt19937 rng(502);
    for (int threads : {1, 2}) {
        runFullyConnected({{1, 1024}, 1001, false, Act::NONE, BiasMode::Present, true, threads}, rng);
        runFullyConnected({{2, 2048}, 2100, false, Act::NONE, BiasMode::Present, true, threads}, rng);
        runFullyConnected({{3, 45, 300}, 130, true, Act::RELU, BiasMode::Present, true, threads}, rng);
        runFullyConnected({{64, 1024}, 160, false, Act::RELU, BiasMode::Present, true, threads}, rng);
        runFullyConnected({{70, 257}, 33, false, Act::RELU6, BiasMode::Absent, false, threads}, rng);
        if (HasFatalFailure()) return;
    }
}

TEST(FullyConnected, FlattensInputsWhoseLastDimensionIsNotTheDepth) {
    // [2, 3, 4] against weights [5, 6]: TFLite reads it as 4 rows of 6.
    std::mt19937 rng(503);
    auto in = randomFloats(rng, 24);
    auto weights = randomFloats(rng, 30);
    SingleOpModel m(B::FULLY_CONNECTED);
    m.addInput(fb::TensorType::FLOAT32, {2, 3, 4});
    m.addConstInput(fb::TensorType::FLOAT32, {5, 6}, weights);
    m.addOmittedInput();
    m.addOutput(fb::TensorType::FLOAT32);
    ASSERT_TRUE(m.build().isOk());
    m.setInput(0, in);
    ASSERT_TRUE(m.invoke().isOk());
    EXPECT_EQ(m.outputShape(0), (std::vector<int32_t>{4, 5}));
    std::vector<float> want(20);
    for (int r = 0; r < 4; ++r)
        for (int u = 0; u < 5; ++u) {
            double s = 0;
            for (int k = 0; k < 6; ++k)
                s += static_cast<double>(in[static_cast<size_t>(r * 6 + k)]) *
                     weights[static_cast<size_t>(u * 6 + k)];
            want[static_cast<size_t>(r * 5 + u)] = static_cast<float>(s);
        }
    expectClose(m.output<float>(0), want, "flattened");
}

TEST(FullyConnected, HybridWeightsRunAndShuffledFormatsDoNot) {
    {
        SingleOpModel m(B::FULLY_CONNECTED);
        m.addInput(fb::TensorType::FLOAT32, {1, 4});
        QuantSpec q;
        q.scale = {0.1f};
        q.zeroPoint = {0};
        m.addConstBytes(fb::TensorType::INT8, {3, 4}, std::vector<uint8_t>(12), q);
        m.addOutput(fb::TensorType::FLOAT32);
        Status s = m.build();  // hybrid: fully_connected_quant_test.cpp
        EXPECT_TRUE(s.isOk()) << s.message();
    }
    {
        SingleOpModel m(B::FULLY_CONNECTED);
        m.addInput(fb::TensorType::FLOAT32, {1, 4});
        m.addConstInput(fb::TensorType::FLOAT32, {3, 4}, std::vector<float>(12));
        m.addOutput(fb::TensorType::FLOAT32);
        m.setOptions(fb::BuiltinOptions::FullyConnectedOptions, [](flatbuffers::FlatBufferBuilder& f) {
            return fb::CreateFullyConnectedOptions(f, Act::NONE,
                                                   fb::FullyConnectedOptionsWeightsFormat::SHUFFLED4x16INT8)
                .Union();
        });
        Status s = m.build();
        EXPECT_FALSE(s.isOk());
        EXPECT_NE(s.message().find("DEFAULT"), std::string::npos) << s.message();
    }
    {
        SingleOpModel m(B::FULLY_CONNECTED);
        m.addInput(fb::TensorType::FLOAT32, {2, 4});
        m.addConstInput(fb::TensorType::FLOAT32, {3, 5}, std::vector<float>(15));
        m.addOutput(fb::TensorType::FLOAT32);
        m.setOptions(fb::BuiltinOptions::FullyConnectedOptions, [](flatbuffers::FlatBufferBuilder& f) {
            return fb::CreateFullyConnectedOptions(f, Act::NONE,
                                                   fb::FullyConnectedOptionsWeightsFormat::DEFAULT, true)
                .Union();
        });
        Status s = m.build();
        EXPECT_FALSE(s.isOk());
        EXPECT_NE(s.message().find("keep_num_dims"), std::string::npos) << s.message();
    }
}

// ---------------------------------------------------------------------------------------------------------
// BATCH_MATMUL
// ---------------------------------------------------------------------------------------------------------

struct MatmulCase {
    std::vector<int32_t> lhsBatch, rhsBatch;
    int32_t m, k, n;
    bool adjX, adjY, constRhs;
    int threads;
};

void runBatchMatmul(const MatmulCase& p, std::mt19937& rng) {
    std::vector<int32_t> lhsShape = p.lhsBatch, rhsShape = p.rhsBatch;
    lhsShape.push_back(p.adjX ? p.k : p.m);
    lhsShape.push_back(p.adjX ? p.m : p.k);
    rhsShape.push_back(p.adjY ? p.n : p.k);
    rhsShape.push_back(p.adjY ? p.k : p.n);
    auto lhs = randomFloats(rng, elementCount(lhsShape));
    auto rhs = randomFloats(rng, elementCount(rhsShape));
    SingleOpModel m(B::BATCH_MATMUL);
    m.addInput(fb::TensorType::FLOAT32, lhsShape);
    if (p.constRhs)
        m.addConstInput(fb::TensorType::FLOAT32, rhsShape, rhs);
    else
        m.addInput(fb::TensorType::FLOAT32, rhsShape);
    m.addOutput(fb::TensorType::FLOAT32);
    m.setOptions(fb::BuiltinOptions::BatchMatMulOptions, [p](flatbuffers::FlatBufferBuilder& f) {
        return fb::CreateBatchMatMulOptions(f, p.adjX, p.adjY).Union();
    });
    std::string what = "m " + std::to_string(p.m) + " k " + std::to_string(p.k) + " n " +
                       std::to_string(p.n) + (p.adjX ? " adj_x" : "") + (p.adjY ? " adj_y" : "") +
                       " threads " + std::to_string(p.threads);
    Status s = m.build(p.threads);
    ASSERT_TRUE(s.isOk()) << what << ": " << s.message();
    m.setInput(0, lhs);
    if (!p.constRhs) m.setInput(1, rhs);
    s = m.invoke();
    ASSERT_TRUE(s.isOk()) << what << ": " << s.message();

    // Batch dimensions broadcast NumPy-style, right-aligned.
    const size_t rank = std::max(p.lhsBatch.size(), p.rhsBatch.size());
    std::vector<int32_t> lb(rank, 1), rb(rank, 1), ob(rank);
    std::copy(p.lhsBatch.begin(), p.lhsBatch.end(), lb.begin() + static_cast<long>(rank - p.lhsBatch.size()));
    std::copy(p.rhsBatch.begin(), p.rhsBatch.end(), rb.begin() + static_cast<long>(rank - p.rhsBatch.size()));
    for (size_t d = 0; d < rank; ++d)
        ob[d] = std::max(lb[d], rb[d]);
    const int64_t batches = elementCount(ob);
    std::vector<float> want;
    for (int64_t bi = 0; bi < batches; ++bi) {
        int64_t rem = bi, li = 0, ri = 0, ls = 1, rs = 1;
        for (size_t d = rank; d-- > 0;) {
            const int64_t c = rem % ob[d];
            rem /= ob[d];
            li += (lb[d] == 1 ? 0 : c) * ls;
            ri += (rb[d] == 1 ? 0 : c) * rs;
            ls *= lb[d];
            rs *= rb[d];
        }
        const float* a = lhs.data() + li * p.m * p.k;
        const float* b = rhs.data() + ri * p.k * p.n;
        for (int32_t i = 0; i < p.m; ++i)
            for (int32_t j = 0; j < p.n; ++j) {
                double sum = 0;
                for (int32_t t = 0; t < p.k; ++t) {
                    const float x = p.adjX ? a[t * p.m + i] : a[i * p.k + t];
                    const float y = p.adjY ? b[j * p.k + t] : b[t * p.n + j];
                    sum += static_cast<double>(x) * y;
                }
                want.push_back(static_cast<float>(sum));
            }
    }
    std::vector<int32_t> outShape = ob;
    outShape.push_back(p.m);
    outShape.push_back(p.n);
    ASSERT_EQ(m.outputShape(0), outShape) << what;
    expectClose(m.output<float>(0), want, what);
}

TEST(BatchMatMul, MatchesPlainLoopWithBroadcastAndAdjoints) {
    std::mt19937 rng(601);
    for (int trial = 0; trial < 200; ++trial) {
        MatmulCase p;
        const int rank = pick(rng, 0, 3);
        for (int d = 0; d < rank; ++d) {
            const int32_t n = pick(rng, 1, 3);
            switch (rng() % 3) {
                case 0:
                    p.lhsBatch.push_back(n), p.rhsBatch.push_back(n);
                    break;
                case 1:
                    p.lhsBatch.push_back(n), p.rhsBatch.push_back(1);
                    break;
                default:
                    p.lhsBatch.push_back(1), p.rhsBatch.push_back(n);
                    break;
            }
        }
        // Lower ranks on either side broadcast too.
        if (!p.lhsBatch.empty() && rng() % 3 == 0)
            p.lhsBatch.erase(p.lhsBatch.begin());
        else if (!p.rhsBatch.empty() && rng() % 3 == 0)
            p.rhsBatch.erase(p.rhsBatch.begin());
        p.m = pick(rng, 1, 40);
        p.k = pick(rng, 1, 40);
        p.n = pick(rng, 1, 40);
        p.adjX = rng() % 2;
        p.adjY = rng() % 2;
        p.constRhs = rng() % 2;
        p.threads = pick(rng, 1, 3);
        runBatchMatmul(p, rng);
        if (HasFatalFailure()) return;
    }
}

TEST(BatchMatMul, LargerProducts) {
    std::mt19937 rng(602);
    for (int threads : {1, 3}) {
        runBatchMatmul({{8}, {8}, 64, 64, 64, false, false, false, threads}, rng);
        runBatchMatmul({{8}, {8}, 128, 128, 128, true, true, false, threads}, rng);
        runBatchMatmul({{2}, {}, 400, 400, 60, true, false, true, threads}, rng);
        runBatchMatmul({{}, {}, 3, 70, 200, false, true, false, threads}, rng);
        if (HasFatalFailure()) return;
    }
}

TEST(BatchMatMul, RejectsMismatchedDepthsAndQuantizedInputs) {
    {
        SingleOpModel m(B::BATCH_MATMUL);
        m.addInput(fb::TensorType::FLOAT32, {2, 3, 4});
        m.addInput(fb::TensorType::FLOAT32, {2, 5, 6});
        m.addOutput(fb::TensorType::FLOAT32);
        Status s = m.build();
        EXPECT_FALSE(s.isOk());
        EXPECT_NE(s.message().find("inner dimensions"), std::string::npos) << s.message();
    }
    {
        SingleOpModel m(B::BATCH_MATMUL);
        m.addInput(fb::TensorType::FLOAT32, {2, 3, 4});
        m.addInput(fb::TensorType::FLOAT32, {3, 4, 6});
        m.addOutput(fb::TensorType::FLOAT32);
        Status s = m.build();
        EXPECT_FALSE(s.isOk());
        EXPECT_NE(s.message().find("broadcast"), std::string::npos) << s.message();
    }
    {
        QuantSpec q;
        q.scale = {0.1f};
        q.zeroPoint = {0};
        SingleOpModel m(B::BATCH_MATMUL);
        m.addInput(fb::TensorType::INT8, {3, 4}, q);
        m.addInput(fb::TensorType::UINT8, {4, 6}, q);
        m.addOutput(fb::TensorType::INT8, {}, q);
        Status s = m.build();  // int8 runs (fully_connected_quant_test.cpp); mixed types do not
        EXPECT_EQ(s.code(), ErrorCode::Unsupported) << s.message();
    }
}

TEST(MatmulPortablePaths, EveryCompiledIsaMatchesPlainLoops) {
    using kernels::gemm::Isa;
    std::mt19937 rng(701);
    for (Isa isa : {Isa::Scalar, Isa::Avx2}) {
        if (!kernels::gemm::isaCompiled(isa)) continue;
        kernels::gemm::setActiveIsa(isa);
        for (int trial = 0; trial < 40 && !HasFatalFailure(); ++trial) {
            runFullyConnected({{pick(rng, 1, 9), pick(rng, 1, 80)},
                               pick(rng, 1, 80),
                               false,
                               Act::RELU,
                               BiasMode::Present,
                               rng() % 2 == 0,
                               pick(rng, 1, 2)},
                              rng);
            runBatchMatmul({{2},
                            {1},
                            pick(rng, 1, 30),
                            pick(rng, 1, 30),
                            pick(rng, 1, 30),
                            rng() % 2 == 0,
                            rng() % 2 == 0,
                            rng() % 2 == 0,
                            pick(rng, 1, 2)},
                           rng);
        }
        kernels::gemm::setActiveIsa(kernels::gemm::nativeIsa());
        if (HasFatalFailure()) return;
    }
}

}  // namespace
}  // namespace litescope::test

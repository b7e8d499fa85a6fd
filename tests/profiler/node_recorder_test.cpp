// The node recorder on real models: one sample per node per run, nested control-flow bodies inside their
// node, per-node times that account for the run's time, and a full buffer that drops instead of growing.
#include "profiler/node_recorder.h"

#include <gtest/gtest.h>

#include <map>

#include "profiler/tensor_io.h"
#include "runtime/interpreter.h"
#include "tests/support/shared_data.h"

namespace litescope {
namespace {

std::unique_ptr<Interpreter> prepared(const std::string& relative) {
    auto model = Model::fromFile(test::modelPath(relative));
    EXPECT_TRUE(model.isOk()) << model.message();
    if (!model) return nullptr;
    auto interpreter = Interpreter::create(model.value());
    EXPECT_TRUE(interpreter.isOk()) << interpreter.message();
    if (!interpreter) return nullptr;
    EXPECT_TRUE(interpreter.value()->prepare().isOk());
    for (size_t i = 0; i < interpreter.value()->inputCount(); ++i)
        EXPECT_TRUE(fillDeterministic(interpreter.value()->input(i), static_cast<int>(i)).isOk());
    return std::move(interpreter.value());
}

TEST(NodeRecorder, OneSamplePerNodePerRunAccountingForTheRun) {
    auto in = prepared("mlcommons-tiny/v0.1/training/visual_wake_words/trained_models/vww_96_int8.tflite");
    ASSERT_TRUE(in);
    const size_t nodes = in->model().subgraphs()[0].operators.size();
    constexpr int kRuns = 20;
    NodeRecorder recorder(nodes * kRuns);
    in->setObserver(&recorder);
    for (int r = 0; r < kRuns; ++r) {
        recorder.beginRun();
        ASSERT_TRUE(in->invoke().isOk());
        recorder.endRun();
    }
    ASSERT_EQ(recorder.samples().size(), nodes * kRuns);
    ASSERT_EQ(recorder.runDurationsNs().size(), static_cast<size_t>(kRuns));
    EXPECT_EQ(recorder.dropped(), 0);
    int64_t nodeTotal = 0, runTotal = 0;
    for (size_t i = 0; i < recorder.samples().size(); ++i) {
        const NodeSample& s = recorder.samples()[i];
        EXPECT_EQ(s.run, static_cast<int32_t>(i / nodes));
        EXPECT_EQ(s.node, static_cast<int32_t>(i % nodes));  // execution order
        EXPECT_GE(s.startNs, 0);
        EXPECT_GE(s.durationNs, 0);
        EXPECT_LE(s.startNs + s.durationNs, recorder.runDurationsNs()[static_cast<size_t>(s.run)]);
        nodeTotal += s.durationNs;
    }
    for (int64_t d : recorder.runDurationsNs())
        runTotal += d;
    // What is not inside a node is the interpreter's own loop: a few percent at most on a real model.
    EXPECT_GT(static_cast<double>(nodeTotal), 0.85 * static_cast<double>(runTotal));
}

TEST(NodeRecorder, ControlFlowBodiesNestInsideTheirNode) {
    auto in = prepared("litert/tflite/testdata/multi_subgraphs_while.bin");
    ASSERT_TRUE(in);
    NodeRecorder recorder(10'000);
    in->setObserver(&recorder);
    recorder.beginRun();
    ASSERT_TRUE(in->invoke().isOk());
    recorder.endRun();
    const NodeSample* loop = nullptr;
    int inner = 0;
    for (const NodeSample& s : recorder.samples()) {
        if (s.depth == 0) loop = &s;
        inner += s.depth > 0;
    }
    ASSERT_NE(loop, nullptr);
    EXPECT_GT(inner, 0);
    for (const NodeSample& s : recorder.samples()) {
        if (s.depth == 0) continue;
        EXPECT_NE(s.subgraph, 0);
        EXPECT_GE(s.startNs, loop->startNs);
        EXPECT_LE(s.startNs + s.durationNs, loop->startNs + loop->durationNs);
    }
}

TEST(NodeRecorder, AFullBufferDropsAndCounts) {
    auto in = prepared("mlcommons-tiny/v0.1/training/visual_wake_words/trained_models/vww_96_int8.tflite");
    ASSERT_TRUE(in);
    NodeRecorder recorder(5);
    in->setObserver(&recorder);
    recorder.beginRun();
    ASSERT_TRUE(in->invoke().isOk());
    recorder.endRun();
    EXPECT_EQ(recorder.samples().size(), 5u);
    EXPECT_EQ(recorder.samples().capacity(), 5u);
    EXPECT_EQ(recorder.dropped(), static_cast<int64_t>(in->model().subgraphs()[0].operators.size()) - 5);
    // Outside a run nothing is recorded.
    ASSERT_TRUE(in->invoke().isOk());
    EXPECT_EQ(recorder.samples().size(), 5u);
}

}  // namespace
}  // namespace litescope

// The interpreter on models built in the test: invoke without allocation, the observer, keeping every
// tensor, resizing a dynamic batch, running a signature by name, control flow and resource variables, and
// clear errors for an op without a kernel or a loop that never ends.
#include "runtime/interpreter.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>

#include "profiler/tensor_io.h"
#include "tests/support/model_builder.h"
#include "tests/support/shared_data.h"

// Counts heap allocations (malloc underlies operator new; aligned_alloc serves the runtime's buffers)
// while a test asks for it, to show that invoke allocates nothing.
namespace {
std::atomic<bool> countAllocations{false};
std::atomic<long> allocations{0};
}  // namespace

extern "C" {
void* __libc_malloc(size_t);
void* __libc_memalign(size_t, size_t);
void* malloc(size_t n) {
    if (countAllocations.load(std::memory_order_relaxed)) allocations.fetch_add(1, std::memory_order_relaxed);
    return __libc_malloc(n);
}
void* aligned_alloc(size_t alignment, size_t n) {
    if (countAllocations.load(std::memory_order_relaxed)) allocations.fetch_add(1, std::memory_order_relaxed);
    return __libc_memalign(alignment, n);
}
}

namespace litescope::test {
namespace {

using B = fb::BuiltinOperator;

// input [batch,4] -> ADD(const) -> MUL(self) -> SUB(const) -> output, with a dynamic batch dimension.
ModelBuilder chainModel() {
    ModelBuilder b;
    TensorSpec in;
    in.name = "x";
    in.shape = {1, 4};
    in.shapeSignature = std::vector<int32_t>{-1, 4};
    int32_t x = b.addTensor(in);
    int32_t c = b.addConstant("c", {4}, {1, 2, 3, 4});
    int32_t a = b.addTensor("a", fb::TensorType::FLOAT32, {1, 4});
    int32_t m = b.addTensor("m", fb::TensorType::FLOAT32, {1, 4});
    int32_t y = b.addTensor("y", fb::TensorType::FLOAT32, {1, 4});
    b.addOperator(B::ADD, {x, c}, {a});
    b.addOperator(B::MUL, {a, a}, {m});
    b.addOperator(B::SUB, {m, c}, {y});
    b.subgraphs[0].inputs = {x};
    b.subgraphs[0].outputs = {y};
    b.signatures.push_back(
        {"serving", 0, {{"in", static_cast<uint32_t>(x)}}, {{"out", static_cast<uint32_t>(y)}}});
    return b;
}

std::unique_ptr<Interpreter> create(const ModelBuilder& b, InterpreterOptions options = {}) {
    auto model = Model::fromBytes(b.build());
    EXPECT_TRUE(model.isOk()) << model.message();
    auto interpreter = Interpreter::create(*model, options);
    EXPECT_TRUE(interpreter.isOk()) << interpreter.message();
    return interpreter.isOk() ? std::move(interpreter).value() : nullptr;
}

float expectedChain(float x, float c) {
    return (x + c) * (x + c) - c;
}

TEST(Interpreter, InvokesAChainWithoutAllocating) {
    auto it = create(chainModel());
    ASSERT_TRUE(it);
    ASSERT_TRUE(it->prepare().isOk());
    float* in = it->input(0).as<float>();
    for (int i = 0; i < 4; ++i)
        in[i] = static_cast<float>(i) - 1.5f;
    allocations = 0;
    countAllocations = true;
    Status s1 = it->invoke();
    Status s2 = it->invoke();
    countAllocations = false;
    ASSERT_TRUE(s1.isOk() && s2.isOk());
    EXPECT_EQ(allocations.load(), 0) << "invoke allocated";
    const float c[] = {1, 2, 3, 4};
    for (int i = 0; i < 4; ++i)
        EXPECT_FLOAT_EQ(it->output(0).as<float>()[i], expectedChain(in[i], c[i]));
    // Three [1,4] float tensors are alive at most at once (x, a or m, and the next); the arena holds them.
    EXPECT_GE(it->main().plan().arenaBytes, it->main().plan().lowerBoundBytes);
    EXPECT_EQ(it->main().plan().lowerBoundBytes, 3u * 16u);
    // The counter itself works: a prepare (which plans and allocates the arena) is seen.
    ASSERT_TRUE(it->resizeInput(0, Shape{2, 4}).isOk());
    countAllocations = true;
    ASSERT_TRUE(it->prepare().isOk());
    countAllocations = false;
    EXPECT_GT(allocations.load(), 0);
    ASSERT_TRUE(it->resizeInput(0, Shape{1, 4}).isOk());
    ASSERT_TRUE(it->prepare().isOk());
}

// Real models, one and two threads: after prepare, invoke allocates nothing.
TEST(Interpreter, RealModelsInvokeWithoutAllocating) {
    const char* models[] = {
        "mediapipe/mediapipe/modules/face_detection/face_detection_short_range.tflite",
        "mlcommons-tiny/v0.1/training/visual_wake_words/trained_models/vww_96_float.tflite",
        "litert/tflite/testdata/lstm.bin",
        "litert/tflite/testdata/nested_while.bin",
    };
    for (const char* rel : models) {
        for (int threads : {1, 2}) {
            auto model = Model::fromFile(modelPath(rel));
            ASSERT_TRUE(model.isOk()) << rel << ": " << model.message();
            InterpreterOptions o;
            o.threads = threads;
            auto created = Interpreter::create(*model, o);
            ASSERT_TRUE(created.isOk()) << rel << ": " << created.message();
            Interpreter& it = **created;
            ASSERT_TRUE(it.prepare().isOk()) << rel;
            for (size_t k = 0; k < it.inputCount(); ++k)
                ASSERT_TRUE(fillDeterministic(it.input(k), static_cast<int>(k)).isOk());
            ASSERT_TRUE(it.invoke().isOk()) << rel;  // the first invoke may size dynamic tensors
            allocations = 0;
            countAllocations = true;
            Status s = it.invoke();
            countAllocations = false;
            ASSERT_TRUE(s.isOk()) << rel << ": " << s.message();
            EXPECT_EQ(allocations.load(), 0) << rel << " with " << threads << " threads";
        }
    }
}

class RecordingObserver : public InvokeObserver {
  public:
    void onNodeBegin(const NodeEvent& e) override { events.push_back("begin " + std::string(e.op)); }
    void onNodeEnd(const NodeEvent& e) override { events.push_back("end " + std::string(e.op)); }
    bool wantsTensors() const override { return true; }
    void onTensorWritten(const NodeEvent&, int32_t index, const RuntimeTensor& t) override {
        written.push_back(index);
        firstValues.push_back(t.as<float>()[0]);
    }
    std::vector<std::string> events;
    std::vector<int32_t> written;
    std::vector<float> firstValues;
};

TEST(Interpreter, ObserverSeesEveryNodeAndTensor) {
    auto it = create(chainModel());
    ASSERT_TRUE(it && it->prepare().isOk());
    RecordingObserver obs;
    it->setObserver(&obs);
    for (int i = 0; i < 4; ++i)
        it->input(0).as<float>()[i] = 1;
    ASSERT_TRUE(it->invoke().isOk());
    EXPECT_EQ(obs.events, (std::vector<std::string>{"begin ADD", "end ADD", "begin MUL", "end MUL",
                                                    "begin SUB", "end SUB"}));
    EXPECT_EQ(obs.written, (std::vector<int32_t>{2, 3, 4}));
    EXPECT_EQ(obs.firstValues, (std::vector<float>{2, 4, 3}));
}

TEST(Interpreter, KeepAllTensorsLeavesIntermediatesReadable) {
    InterpreterOptions o;
    o.keepAllTensors = true;
    auto it = create(chainModel(), o);
    ASSERT_TRUE(it && it->prepare().isOk());
    for (int i = 0; i < 4; ++i)
        it->input(0).as<float>()[i] = 2;
    ASSERT_TRUE(it->invoke().isOk());
    EXPECT_FLOAT_EQ(it->main().tensor(2).as<float>()[0], 3);  // a = x + c
    EXPECT_FLOAT_EQ(it->main().tensor(3).as<float>()[0], 9);  // m = a * a
    EXPECT_FLOAT_EQ(it->main().tensor(4).as<float>()[0], 8);  // y = m - c
}

TEST(Interpreter, ResizingTheDynamicBatchPropagates) {
    auto it = create(chainModel());
    ASSERT_TRUE(it);
    ASSERT_TRUE(it->resizeInput(0, Shape{3, 4}).isOk());
    ASSERT_TRUE(it->prepare().isOk());
    EXPECT_EQ(it->output(0).shape, (Shape{3, 4}));
    for (int i = 0; i < 12; ++i)
        it->input(0).as<float>()[i] = static_cast<float>(i);
    ASSERT_TRUE(it->invoke().isOk());
    EXPECT_FLOAT_EQ(it->output(0).as<float>()[11], expectedChain(11, 4));
    // The fixed dimension cannot change.
    Status s = it->resizeInput(0, Shape{3, 5});
    ASSERT_FALSE(s.isOk());
    EXPECT_NE(s.message().find("fixed at 4"), std::string::npos) << s.message();
}

TEST(Interpreter, RunsASignatureByName) {
    auto it = create(chainModel());
    ASSERT_TRUE(it);
    const SignatureDef* sig = it->findSignature("serving");
    ASSERT_NE(sig, nullptr);
    EXPECT_EQ(it->findSignature("missing"), nullptr);
    ASSERT_TRUE(it->prepareSignature(*sig).isOk());
    SubgraphRuntime& sg = it->subgraph(sig->subgraphIndex);
    for (int i = 0; i < 4; ++i)
        sg.tensor(static_cast<int32_t>(sig->inputs[0].tensorIndex)).as<float>()[i] = 0;
    ASSERT_TRUE(it->invokeSignature(*sig).isOk());
    EXPECT_FLOAT_EQ(sg.tensor(static_cast<int32_t>(sig->outputs[0].tensorIndex)).as<float>()[3], 12);
}

TEST(Interpreter, OpWithoutKernelIsNamed) {
    ModelBuilder b = chainModel();
    uint32_t custom = b.addCustomCode("MyFancyOp");
    b.subgraphs[0].operators[1].opcodeIndex = custom;
    auto model = Model::fromBytes(b.build());
    ASSERT_TRUE(model.isOk());
    auto it = Interpreter::create(*model);
    ASSERT_FALSE(it.isOk());
    EXPECT_EQ(it.code(), ErrorCode::Unsupported);
    EXPECT_NE(it.message().find("subgraph 0, operator 1 (MyFancyOp)"), std::string::npos) << it.message();
    EXPECT_NE(it.message().find("no kernel for custom op 'MyFancyOp'"), std::string::npos) << it.message();
}

// Subgraph 0: WHILE(i=0) with cond: i < limit, body: i + step. Returns the final i.
ModelBuilder countingLoop(float limit, float step) {
    ModelBuilder b;
    int32_t i0 = b.addTensor("i", fb::TensorType::FLOAT32, {1});
    int32_t out = b.addTensor("result", fb::TensorType::FLOAT32, {1});
    uint32_t cond = b.addSubgraph("cond"), body = b.addSubgraph("body");
    OperatorSpec loop;
    loop.opcodeIndex = b.addOperatorCode(B::WHILE);
    loop.inputs = {i0};
    loop.outputs = {out};
    loop.optionsType = fb::BuiltinOptions::WhileOptions;
    loop.options = [cond, body](flatbuffers::FlatBufferBuilder& f) {
        return fb::CreateWhileOptions(f, static_cast<int32_t>(cond), static_cast<int32_t>(body)).Union();
    };
    b.addOperator(loop);
    b.subgraphs[0].inputs = {i0};
    b.subgraphs[0].outputs = {out};

    int32_t ci = b.addTensor("ci", fb::TensorType::FLOAT32, {1}, cond);
    int32_t cl = b.addConstant("limit", {1}, {limit}, cond);
    int32_t cr = b.addTensor("less", fb::TensorType::BOOL, {1}, cond);
    b.addOperator(B::LESS, {ci, cl}, {cr}, cond);
    b.subgraphs[cond].inputs = {ci};
    b.subgraphs[cond].outputs = {cr};

    int32_t bi = b.addTensor("bi", fb::TensorType::FLOAT32, {1}, body);
    int32_t bs = b.addConstant("step", {1}, {step}, body);
    int32_t bo = b.addTensor("next", fb::TensorType::FLOAT32, {1}, body);
    b.addOperator(B::ADD, {bi, bs}, {bo}, body);
    b.subgraphs[body].inputs = {bi};
    b.subgraphs[body].outputs = {bo};
    return b;
}

TEST(Interpreter, WhileLoopRunsItsBodyUntilTheConditionFails) {
    auto it = create(countingLoop(10, 3));
    ASSERT_TRUE(it && it->prepare().isOk());
    it->input(0).as<float>()[0] = 0;
    RecordingObserver obs;
    ASSERT_TRUE(it->invoke().isOk());
    EXPECT_FLOAT_EQ(it->output(0).as<float>()[0], 12);  // 0, 3, 6, 9, 12
}

TEST(Interpreter, EndlessWhileLoopIsStoppedWithAnError) {
    InterpreterOptions o;
    o.maxWhileIterations = 1000;
    auto it = create(countingLoop(10, 0), o);  // a step of 0 never reaches the limit
    ASSERT_TRUE(it && it->prepare().isOk());
    it->input(0).as<float>()[0] = 0;
    Status s = it->invoke();
    ASSERT_FALSE(s.isOk());
    EXPECT_NE(s.message().find("operator 0 (WHILE)"), std::string::npos) << s.message();
    EXPECT_NE(s.message().find("1000 iterations"), std::string::npos) << s.message();
}

TEST(Interpreter, ResourceVariablesKeepStateAcrossInvokes) {
    // x -> ASSIGN_VARIABLE(v, READ_VARIABLE(v) + x) after CALL_ONCE initialises v to 0; output = new value.
    ModelBuilder b;
    uint32_t init = b.addSubgraph("init");
    auto handleOptions = [](flatbuffers::FlatBufferBuilder& f) {
        return fb::CreateVarHandleOptions(f, f.CreateString(""), f.CreateString("acc")).Union();
    };
    auto addHandle = [&](uint32_t sg) {
        TensorSpec h;
        h.name = "handle";
        h.type = fb::TensorType::RESOURCE;
        int32_t t = b.addTensor(h, sg);
        OperatorSpec op;
        op.opcodeIndex = b.addOperatorCode(B::VAR_HANDLE);
        op.outputs = {t};
        op.optionsType = fb::BuiltinOptions::VarHandleOptions;
        op.options = handleOptions;
        b.addOperator(op, sg);
        return t;
    };
    int32_t ih = addHandle(init);
    int32_t zero = b.addConstant("zero", {1}, {0}, init);
    b.addOperator(B::ASSIGN_VARIABLE, {ih, zero}, {}, init);

    OperatorSpec once;
    once.opcodeIndex = b.addOperatorCode(B::CALL_ONCE);
    once.optionsType = fb::BuiltinOptions::CallOnceOptions;
    once.options = [init](flatbuffers::FlatBufferBuilder& f) {
        return fb::CreateCallOnceOptions(f, static_cast<int32_t>(init)).Union();
    };
    b.addOperator(once);
    int32_t x = b.addTensor("x", fb::TensorType::FLOAT32, {1});
    int32_t h = addHandle(0);
    int32_t current = b.addTensor("current", fb::TensorType::FLOAT32, {1});
    int32_t sum = b.addTensor("sum", fb::TensorType::FLOAT32, {1});
    b.addOperator(B::READ_VARIABLE, {h}, {current});
    b.addOperator(B::ADD, {current, x}, {sum});
    b.addOperator(B::ASSIGN_VARIABLE, {h, sum}, {});
    b.subgraphs[0].inputs = {x};
    b.subgraphs[0].outputs = {sum};

    auto it = create(b);
    ASSERT_TRUE(it && it->prepare().isOk());
    const float steps[] = {1.5f, 2.f, -0.5f};
    float total = 0;
    for (float step : steps) {
        it->input(0).as<float>()[0] = step;
        ASSERT_TRUE(it->invoke().isOk());
        total += step;
        EXPECT_FLOAT_EQ(it->output(0).as<float>()[0], total);
    }
}

}  // namespace
}  // namespace litescope::test

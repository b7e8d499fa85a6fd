// The kernel interface: one OpKernel instance per node, with a prepare step (check types, compute output
// shapes, precompute parameters, ask for scratch memory) run once per plan, and an eval step that must not
// allocate. Kernels see their node's tensors through OpContext, which also words their errors with the
// subgraph, the node and the op.
#pragma once

#include <memory>
#include <string>

#include "format/tflite_generated.h"
#include "runtime/runtime_tensor.h"
#include "runtime/status.h"

namespace litescope {

class SubgraphRuntime;
class InvokeObserver;
class ThreadPool;
class ResourceVariables;

class OpContext {
  public:
    OpContext(SubgraphRuntime& subgraph, int32_t node, bool evaluating)
        : subgraph_(subgraph), node_(node), evaluating_(evaluating) {}

    int inputCount() const;
    int outputCount() const;
    // False for an omitted optional input (index -1) or past the end.
    bool hasInput(int i) const;
    RuntimeTensor& input(int i);
    RuntimeTensor& output(int i);
    int32_t inputIndex(int i) const;
    int32_t outputIndex(int i) const;

    const Operator& op() const;
    const OperatorCode& opCode() const;
    // The node's typed builtin options, or null when absent or of another type.
    template <typename T>
    const T* options() const {
        return op().raw ? op().raw->template builtin_options_as<T>() : nullptr;
    }
    template <typename T>
    const T* options2() const {
        return op().raw ? op().raw->template builtin_options_2_as<T>() : nullptr;
    }

    // Sets an output's shape. In prepare this feeds the memory plan; during eval (outputs marked dynamic)
    // it (re)allocates the output's buffer when it grows.
    Status resizeOutput(int i, const Shape& shape);
    // The output's shape depends on input values: it is allocated at eval, on the heap.
    void markOutputDynamic(int i);
    bool isEvaluating() const { return evaluating_; }

    // Scratch memory for eval, planned with the arena (live during this node only). Call in prepare; the
    // returned id gives the pointer during eval.
    int requestScratch(size_t bytes);
    uint8_t* scratch(int id);

    ThreadPool& threads();
    ResourceVariables& resources();
    SubgraphRuntime& subgraph() { return subgraph_; }
    SubgraphRuntime& otherSubgraph(int index);
    // For control-flow kernels that invoke other subgraphs: who watches, and how deep the calls are.
    InvokeObserver* observer() const;
    int32_t depth() const;
    void resetHeapScratch() { heapCursor_ = 0; }

    // An error naming the subgraph, the node and the op.
    Status fail(const std::string& message) const;
    Status unsupportedType(const char* role, TensorType type) const;

  private:
    SubgraphRuntime& subgraph_;
    int32_t node_;
    bool evaluating_;
    int heapCursor_ = 0;
};

class OpKernel {
  public:
    virtual ~OpKernel() = default;
    virtual Status prepare(OpContext& ctx) = 0;
    virtual Status eval(OpContext& ctx) = 0;
    // Whether eval with constant inputs may run once at prepare (TFLite does so for DEQUANTIZE, DENSIFY).
    virtual bool foldsConstantInputs() const { return false; }
};

using KernelFactory = std::unique_ptr<OpKernel> (*)();

template <typename K>
std::unique_ptr<OpKernel> makeKernel() {
    return std::make_unique<K>();
}

// Checks used by every kernel's prepare.
#define LS_RETURN_IF_ERROR(expr)         \
    do {                                 \
        ::litescope::Status _s = (expr); \
        if (!_s.isOk()) return _s;       \
    } while (0)

#define LS_ENSURE(ctx, cond, message)            \
    do {                                         \
        if (!(cond)) return (ctx).fail(message); \
    } while (0)

}  // namespace litescope

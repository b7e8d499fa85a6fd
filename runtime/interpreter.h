// Runs a loaded Model: prepare() once (a kernel per node, shape propagation, kernel preparation, arena
// planning), then invoke() as often as needed without allocating. All subgraphs are runnable: control-flow
// ops call them, and SignatureDefs can be run by name.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/delegate.h"
#include "runtime/memory_planner.h"
#include "runtime/model.h"
#include "runtime/observer.h"
#include "runtime/op_kernel.h"
#include "runtime/runtime_tensor.h"
#include "runtime/thread_pool.h"

namespace litescope {

class Interpreter;
class KernelRegistry;

// Resource variables (VAR_HANDLE / READ_VARIABLE / ASSIGN_VARIABLE), shared by all subgraphs.
class ResourceVariables {
  public:
    int32_t handleFor(std::string_view container, std::string_view sharedName);
    struct Variable {
        TensorType type = TensorType::Float32;
        Shape shape;
        AlignedBytes data;
        size_t bytes = 0;
        size_t capacity = 0;
        bool assigned = false;
    };
    // Null when the handle was never created.
    Variable* find(int32_t handle);

  private:
    std::map<std::string, int32_t> handles_;
    std::vector<Variable> variables_;
};

struct InterpreterOptions {
    int threads = 1;
    // Give every tensor its own memory, so that all intermediate tensors can be read after invoke.
    bool keepAllTensors = false;
    const KernelRegistry* kernels = nullptr;  // default: KernelRegistry::builtin()
    // A WHILE loop still running after this many iterations is stopped with an error: a condition that
    // never turns false is a broken model, and the tool must not hang on it.
    int64_t maxWhileIterations = 100'000'000;
    // Applied to every subgraph at prepare: the nodes it claims run as partitions, the rest on the builtin
    // kernels. Shared so that one delegate (and its thread pool) can serve several interpreters.
    std::shared_ptr<Delegate> delegate;
    DelegateOptions delegateOptions;
};

class SubgraphRuntime {
  public:
    SubgraphRuntime(Interpreter& owner, const Subgraph& subgraph);

    Status createKernels();
    Status prepare();
    Status invoke(InvokeObserver* observer, int32_t depth);

    const Subgraph& model() const { return model_; }
    int32_t index() const { return model_.index; }
    RuntimeTensor& tensor(int32_t i) { return tensors_[static_cast<size_t>(i)]; }
    size_t tensorCount() const { return tensors_.size(); }
    size_t inputCount() const { return model_.inputs.size(); }
    size_t outputCount() const { return model_.outputs.size(); }
    RuntimeTensor& input(size_t i) { return tensor(model_.inputs[i]); }
    RuntimeTensor& output(size_t i) { return tensor(model_.outputs[i]); }
    // Changes an input's shape; the next prepare() propagates it. Only dimensions the shape signature
    // leaves open may change.
    Status resizeInput(size_t i, const Shape& shape);
    // For control-flow ops feeding a body: any shape, no signature check; re-prepares only on a change.
    void setInputShape(size_t i, const Shape& shape);
    bool isPrepared() const { return prepared_; }
    const ArenaPlan& plan() const { return plan_; }
    Interpreter& interpreter() { return owner_; }
    // Node indices past the model's operators name the steps that run partitions: node
    // operatorCount() + p runs partition p (as TFLite appends a delegate's nodes to the graph).
    std::string_view opName(int32_t node) const;
    size_t operatorCount() const { return nodes_.size(); }
    // What the delegate took and why it left the rest; null without a delegate (or before prepare).
    const DelegationReport* delegation() const { return delegation_ ? &*delegation_ : nullptr; }
    DelegateKernel* partitionKernel(size_t p) {
        return p < partitionKernels_.size() ? partitionKernels_[p].get() : nullptr;
    }

  private:
    friend class OpContext;
    struct Node {
        const Operator* op = nullptr;
        const OperatorCode* code = nullptr;
        std::unique_ptr<OpKernel> kernel;
        std::vector<size_t> scratch;  // ids into scratchRequests_
        bool folded = false;          // evaluated once at prepare (constant inputs)
        bool deferred = false;        // inputs are dynamic: prepared again at each eval
        std::vector<AlignedBytes> heapScratch;
        std::vector<size_t> heapScratchBytes;
    };
    Status allocateOwned(RuntimeTensor& t, size_t bytes);
    Status evalNode(size_t n, InvokeObserver* observer, int32_t depth);
    Status evalPartition(size_t p, InvokeObserver* observer, int32_t depth);
    // Asks the delegate about every node, partitions, builds the partitions and sets steps_.
    Status applyDelegate();

    // What invoke runs, in order: a node (partition -1) or a partition.
    struct Step {
        int32_t node = -1;
        int32_t partition = -1;
    };

    Interpreter& owner_;
    const Subgraph& model_;
    std::vector<RuntimeTensor> tensors_;
    std::vector<Node> nodes_;
    std::vector<Shape> inputShapes_;  // set by resizeInput, else the model's
    std::vector<bool> inputResized_;
    struct ScratchRequest {
        size_t bytes;
        int32_t node;
        uint8_t* data;
    };
    std::vector<ScratchRequest> scratchRequests_;
    std::vector<Step> steps_;
    std::optional<DelegationReport> delegation_;
    std::vector<std::unique_ptr<DelegateKernel>> partitionKernels_;
    ArenaPlan plan_;
    AlignedBytes arena_;
    size_t arenaCapacity_ = 0;
    bool prepared_ = false;
    int32_t preparingNode_ = -1;
    InvokeObserver* observer_ = nullptr;  // of the invoke under way
    int32_t depth_ = 0;
};

class Interpreter {
  public:
    // Creates a kernel for every node of every subgraph; an op without a kernel is an error naming it.
    static Result<std::unique_ptr<Interpreter>> create(std::shared_ptr<const Model> model,
                                                       const InterpreterOptions& options = {});

    Status prepare();  // subgraph 0 (other subgraphs are prepared by the ops that call them)
    Status invoke();   // subgraph 0

    const Model& model() const { return *model_; }
    SubgraphRuntime& subgraph(size_t i) { return *subgraphs_[i]; }
    size_t subgraphCount() const { return subgraphs_.size(); }
    SubgraphRuntime& main() { return *subgraphs_[0]; }
    size_t inputCount() const { return subgraphs_[0]->inputCount(); }
    size_t outputCount() const { return subgraphs_[0]->outputCount(); }
    RuntimeTensor& input(size_t i) { return subgraphs_[0]->input(i); }
    RuntimeTensor& output(size_t i) { return subgraphs_[0]->output(i); }
    // -1 when no input/output has that name.
    int findInput(std::string_view name) const;
    int findOutput(std::string_view name) const;
    Status resizeInput(size_t i, const Shape& shape) { return subgraphs_[0]->resizeInput(i, shape); }

    // Runs a SignatureDef by key: its subgraph, with inputs and outputs addressed by the signature's names.
    const SignatureDef* findSignature(std::string_view key) const;
    Status prepareSignature(const SignatureDef& signature);
    Status invokeSignature(const SignatureDef& signature);

    void setObserver(InvokeObserver* observer) { observer_ = observer; }
    InvokeObserver* observer() const { return observer_; }
    ThreadPool& threads() { return threads_; }
    ResourceVariables& resources() { return resources_; }
    const InterpreterOptions& options() const { return options_; }

  private:
    Interpreter(std::shared_ptr<const Model> model, const InterpreterOptions& options);

    std::shared_ptr<const Model> model_;
    InterpreterOptions options_;
    ThreadPool threads_;
    ResourceVariables resources_;
    std::vector<std::unique_ptr<SubgraphRuntime>> subgraphs_;
    InvokeObserver* observer_ = nullptr;
};

}  // namespace litescope

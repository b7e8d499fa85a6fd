#include "runtime/interpreter.h"

#include <algorithm>
#include <chrono>
#include <cstring>

#include "runtime/kernel_registry.h"

namespace litescope {

// ---------------------------------------------------------------------------------------------------------
// Tensors
// ---------------------------------------------------------------------------------------------------------

AlignedBytes allocateAligned(size_t bytes) {
    // One alignment unit more than asked: vectorised kernels (XNNPACK's read up to 16 bytes past a buffer)
    // may read past the last tensor of a block without leaving it.
    const size_t rounded =
        (std::max<size_t>(bytes, 1) + kTensorAlignment - 1) / kTensorAlignment * kTensorAlignment +
        kTensorAlignment;
    return AlignedBytes(static_cast<uint8_t*>(std::aligned_alloc(kTensorAlignment, rounded)));
}

int64_t tensorBytes(TensorType type, const Shape& shape) {
    // A resource tensor holds int32 handles into the interpreter's resource variables.
    const int bits = type == TensorType::Resource ? 32 : tensorTypeBits(type);
    if (bits == 0) return -1;
    int64_t n = 1;
    for (int i = 0; i < shape.rank(); ++i) {
        if (shape[i] < 0 || __builtin_mul_overflow(n, static_cast<int64_t>(shape[i]), &n)) return -1;
    }
    int64_t totalBits = 0;
    if (__builtin_mul_overflow(n, static_cast<int64_t>(bits), &totalBits)) return -1;
    return totalBits / 8 + (totalBits % 8 != 0);
}

// ---------------------------------------------------------------------------------------------------------
// Resource variables
// ---------------------------------------------------------------------------------------------------------

int32_t ResourceVariables::handleFor(std::string_view container, std::string_view sharedName) {
    std::string key = std::string(container) + '\0' + std::string(sharedName);
    auto [it, inserted] = handles_.try_emplace(key, static_cast<int32_t>(variables_.size()));
    if (inserted) variables_.emplace_back();
    return it->second;
}

ResourceVariables::Variable* ResourceVariables::find(int32_t handle) {
    if (handle < 0 || static_cast<size_t>(handle) >= variables_.size()) return nullptr;
    return &variables_[static_cast<size_t>(handle)];
}

// ---------------------------------------------------------------------------------------------------------
// OpContext
// ---------------------------------------------------------------------------------------------------------

namespace {
constexpr int kHeapScratchFlag = 1 << 30;
}

const Operator& OpContext::op() const {
    return *subgraph_.nodes_[static_cast<size_t>(node_)].op;
}
const OperatorCode& OpContext::opCode() const {
    return *subgraph_.nodes_[static_cast<size_t>(node_)].code;
}
int OpContext::inputCount() const {
    return static_cast<int>(op().inputs.size());
}
int OpContext::outputCount() const {
    return static_cast<int>(op().outputs.size());
}
bool OpContext::hasInput(int i) const {
    return i >= 0 && i < inputCount() && op().inputs[static_cast<size_t>(i)] >= 0;
}
int32_t OpContext::inputIndex(int i) const {
    return op().inputs[static_cast<size_t>(i)];
}
int32_t OpContext::outputIndex(int i) const {
    return op().outputs[static_cast<size_t>(i)];
}
RuntimeTensor& OpContext::input(int i) {
    return subgraph_.tensor(inputIndex(i));
}
RuntimeTensor& OpContext::output(int i) {
    return subgraph_.tensor(outputIndex(i));
}
ThreadPool& OpContext::threads() {
    return subgraph_.interpreter().threads();
}
ResourceVariables& OpContext::resources() {
    return subgraph_.interpreter().resources();
}
SubgraphRuntime& OpContext::otherSubgraph(int index) {
    return subgraph_.interpreter().subgraph(static_cast<size_t>(index));
}

Status OpContext::fail(const std::string& message) const {
    return {ErrorCode::Runtime, "subgraph " + std::to_string(subgraph_.index()) + ", operator " +
                                    std::to_string(node_) + " (" + opCode().name + "): " + message};
}

Status OpContext::unsupportedType(const char* role, TensorType type) const {
    Status s = fail(std::string(role) + " type " + std::string(tensorTypeName(type)) +
                    " is not supported by this kernel");
    return {ErrorCode::Unsupported, s.message()};
}

void OpContext::markOutputDynamic(int i) {
    output(i).allocation = Allocation::Dynamic;
}

Status OpContext::resizeOutput(int i, const Shape& shape) {
    RuntimeTensor& t = output(i);
    const int64_t bytes = tensorBytes(t.type, shape);
    if (bytes < 0 && t.type != TensorType::String && t.type != TensorType::Resource &&
        t.type != TensorType::Variant)
        return fail("output " + std::to_string(i) + " shape " + shape.toString() + " is too large");
    if (t.allocation == Allocation::Constant)
        return fail("output " + std::to_string(i) + " is a constant tensor");
    if (t.allocation == Allocation::Dynamic || (evaluating_ && t.allocation != Allocation::Arena)) {
        t.shape = shape;
        if (bytes >= 0) {
            if (static_cast<size_t>(bytes) > t.capacity) {
                t.owned = allocateAligned(static_cast<size_t>(bytes));
                if (!t.owned)
                    return fail("cannot allocate " + std::to_string(bytes) + " bytes for output " +
                                std::to_string(i));
                t.capacity = static_cast<size_t>(bytes);
            }
            t.data = t.owned.get();
            t.bytes = static_cast<size_t>(bytes);
        }
        return Status::ok();
    }
    if (evaluating_) {
        if (shape != t.shape)
            return fail("output " + std::to_string(i) + " changed shape during eval from " +
                        t.shape.toString() + " to " + shape.toString() + " without being marked dynamic");
        return Status::ok();
    }
    t.shape = shape;
    t.bytes = bytes < 0 ? 0 : static_cast<size_t>(bytes);
    if (bytes < 0) t.allocation = Allocation::Dynamic;  // strings and other variable-size types
    return Status::ok();
}

int OpContext::requestScratch(size_t bytes) {
    auto& node = subgraph_.nodes_[static_cast<size_t>(node_)];
    if (evaluating_) {
        // A node prepared during eval (dynamic inputs) keeps its own scratch, grown when needed.
        const size_t slot =
            node.heapScratch.size() > 0 && node.heapScratchBytes.size() > static_cast<size_t>(heapCursor_)
                ? static_cast<size_t>(heapCursor_)
                : node.heapScratch.size();
        if (slot == node.heapScratch.size()) {
            node.heapScratch.emplace_back();
            node.heapScratchBytes.push_back(0);
        }
        if (node.heapScratchBytes[slot] < bytes) {
            node.heapScratch[slot] = allocateAligned(bytes);
            node.heapScratchBytes[slot] = node.heapScratch[slot] ? bytes : 0;
        }
        ++heapCursor_;
        return kHeapScratchFlag | static_cast<int>(slot);
    }
    subgraph_.scratchRequests_.push_back({bytes, node_, nullptr});
    node.scratch.push_back(subgraph_.scratchRequests_.size() - 1);
    return static_cast<int>(subgraph_.scratchRequests_.size() - 1);
}

uint8_t* OpContext::scratch(int id) {
    if (id & kHeapScratchFlag)
        return subgraph_.nodes_[static_cast<size_t>(node_)]
            .heapScratch[static_cast<size_t>(id & ~kHeapScratchFlag)]
            .get();
    return subgraph_.scratchRequests_[static_cast<size_t>(id)].data;
}

InvokeObserver* OpContext::observer() const {
    return subgraph_.observer_;
}
int32_t OpContext::depth() const {
    return subgraph_.depth_;
}

// ---------------------------------------------------------------------------------------------------------
// SubgraphRuntime
// ---------------------------------------------------------------------------------------------------------

SubgraphRuntime::SubgraphRuntime(Interpreter& owner, const Subgraph& subgraph)
    : owner_(owner), model_(subgraph), tensors_(subgraph.tensors.size()) {
    for (size_t i = 0; i < tensors_.size(); ++i) {
        const Tensor& m = subgraph.tensors[i];
        RuntimeTensor& t = tensors_[i];
        t.model = &m;
        t.type = m.type;
        t.shape.assign(m.shape);
    }
    inputShapes_.resize(subgraph.inputs.size());
    inputResized_.assign(subgraph.inputs.size(), false);
}

Status SubgraphRuntime::createKernels() {
    const KernelRegistry& registry =
        owner_.options().kernels ? *owner_.options().kernels : KernelRegistry::builtin();
    const Model& model = owner_.model();
    nodes_.resize(model_.operators.size());
    for (size_t n = 0; n < nodes_.size(); ++n) {
        Node& node = nodes_[n];
        node.op = &model_.operators[n];
        node.code = &model.operatorCode(*node.op);
        KernelFactory factory = registry.find(*node.code);
        if (!factory) {
            std::string what =
                node.code->isCustom() ? "custom op '" + node.code->name + "'" : "op " + node.code->name;
            return {ErrorCode::Unsupported, "subgraph " + std::to_string(model_.index) + ", operator " +
                                                std::to_string(n) + " (" + node.code->name +
                                                "): Litescope's runtime has no kernel for " + what};
        }
        node.kernel = factory();
    }
    for (const Tensor& t : model_.tensors)
        if (t.shape.size() > static_cast<size_t>(Shape::kMaxRank))
            return {ErrorCode::Unsupported,
                    "subgraph " + std::to_string(model_.index) + ", tensor " + std::to_string(t.index) +
                        " has rank " + std::to_string(t.shape.size()) + "; the runtime handles up to " +
                        std::to_string(Shape::kMaxRank)};
    return Status::ok();
}

Status SubgraphRuntime::resizeInput(size_t i, const Shape& shape) {
    if (i >= inputCount())
        return {ErrorCode::InvalidArgument, "input " + std::to_string(i) + " does not exist"};
    const Tensor& m = *input(i).model;
    // Only dimensions the shape signature leaves open (-1) may change, as in TFLite's
    // ResizeInputTensorStrict; without a signature any shape of the same rank is accepted.
    if (shape.rank() != static_cast<int>(m.shape.size()))
        return {ErrorCode::InvalidArgument, "input " + std::to_string(i) + " (" + std::string(m.name) +
                                                ") has rank " + std::to_string(m.shape.size()) + ", not " +
                                                std::to_string(shape.rank())};
    for (int d = 0; d < shape.rank(); ++d) {
        if (shape[d] < 0) return {ErrorCode::InvalidArgument, "negative dimension in " + shape.toString()};
        if (!m.shapeSignature.empty() && m.shapeSignature[static_cast<size_t>(d)] != -1 &&
            m.shapeSignature[static_cast<size_t>(d)] != shape[d])
            return {ErrorCode::InvalidArgument, "input " + std::to_string(i) + " (" + std::string(m.name) +
                                                    "): dimension " + std::to_string(d) + " is fixed at " +
                                                    std::to_string(m.shapeSignature[static_cast<size_t>(d)]) +
                                                    " by its shape signature"};
    }
    inputShapes_[i] = shape;
    inputResized_[i] = true;
    prepared_ = false;
    return Status::ok();
}

void SubgraphRuntime::setInputShape(size_t i, const Shape& shape) {
    if (inputResized_[i] && inputShapes_[i] == shape) return;
    if (!inputResized_[i] && shape == Shape(input(i).model->shape)) return;
    inputShapes_[i] = shape;
    inputResized_[i] = true;
    prepared_ = false;
}

Status SubgraphRuntime::allocateOwned(RuntimeTensor& t, size_t bytes) {
    if (bytes > t.capacity || !t.owned) {
        t.owned = allocateAligned(bytes);
        if (!t.owned)
            return {ErrorCode::Runtime, "cannot allocate " + std::to_string(bytes) + " bytes for tensor " +
                                            std::string(t.model->name)};
        t.capacity = bytes;
    }
    t.data = t.owned.get();
    t.bytes = bytes;
    return Status::ok();
}

Status SubgraphRuntime::prepare() {
    prepared_ = false;
    scratchRequests_.clear();
    // Reset every tensor to the model's description (inputs keep a requested resize).
    for (size_t i = 0; i < tensors_.size(); ++i) {
        RuntimeTensor& t = tensors_[i];
        const Tensor& m = *t.model;
        t.type = m.type;
        t.shape.assign(m.shape);
        if (m.isConstant() && !m.isVariable) {
            t.allocation = Allocation::Constant;
            t.data = const_cast<uint8_t*>(m.data.data());  // read-only mapping: kernels never write inputs
            t.bytes = m.data.size();
        } else if (m.isVariable) {
            t.allocation = Allocation::Persistent;
            if (!t.owned) {
                const int64_t bytes = tensorBytes(t.type, t.shape);
                if (bytes < 0)
                    return {ErrorCode::InvalidModel,
                            "variable tensor " + std::string(m.name) + " has no fixed size"};
                if (Status s = allocateOwned(t, static_cast<size_t>(bytes)); !s) return s;
                // As TFLite's ResetVariableTensor: int8 state starts at its zero point (the real value 0),
                // every other type at zero bytes.
                const int fill = t.type == TensorType::Int8 ? static_cast<int>(t.zeroPoint()) : 0;
                std::memset(t.data, fill, t.bytes);
                if (m.data.size() == t.bytes) std::memcpy(t.data, m.data.data(), t.bytes);
            }
        } else {
            t.allocation = Allocation::None;
            t.data = nullptr;
            t.bytes = 0;
        }
    }
    for (size_t i = 0; i < inputCount(); ++i) {
        RuntimeTensor& t = input(i);
        if (t.allocation == Allocation::Constant || t.allocation == Allocation::Persistent) continue;
        if (inputResized_[i]) t.shape = inputShapes_[i];
        t.allocation = Allocation::Arena;
        const int64_t bytes = tensorBytes(t.type, t.shape);
        if (bytes < 0) {
            t.allocation = Allocation::Dynamic;  // strings: set by the caller
        } else {
            t.bytes = static_cast<size_t>(bytes);
        }
    }
    // Outputs of every node start as arena tensors; kernels may mark them dynamic.
    for (Node& node : nodes_) {
        node.scratch.clear();
        node.folded = false;
        node.deferred = false;
        for (int32_t o : node.op->outputs)
            if (o >= 0 && tensors_[static_cast<size_t>(o)].allocation == Allocation::None)
                tensors_[static_cast<size_t>(o)].allocation = Allocation::Arena;
        for (int32_t o : node.op->intermediates)
            if (tensors_[static_cast<size_t>(o)].allocation == Allocation::None)
                tensors_[static_cast<size_t>(o)].allocation = Allocation::Arena;
    }

    for (size_t n = 0; n < nodes_.size(); ++n) {
        Node& node = nodes_[n];
        bool dynamicInput = false, allConstant = true;
        for (int32_t in : node.op->inputs) {
            if (in < 0) continue;
            const RuntimeTensor& t = tensors_[static_cast<size_t>(in)];
            dynamicInput |= t.allocation == Allocation::Dynamic;
            allConstant &= t.allocation == Allocation::Constant ||
                           (t.allocation == Allocation::Persistent && !t.model->isVariable);
        }
        for (int32_t in : node.op->inputs) {
            if (in >= 0 && tensors_[static_cast<size_t>(in)].allocation == Allocation::None) {
                RuntimeTensor& t = tensors_[static_cast<size_t>(in)];
                const Tensor& m = *t.model;
                if (t.elementCount() == 0) {
                    // An empty operand (RESHAPE's empty shape, FILL's scalar dims) has nothing to read.
                    t.allocation = Allocation::Constant;
                    t.data = nullptr;
                    t.bytes = 0;
                    continue;
                }
                return {ErrorCode::InvalidModel,
                        "subgraph " + std::to_string(model_.index) + ", operator " + std::to_string(n) +
                            " (" + node.code->name + ") reads tensor " + std::to_string(in) +
                            (m.name.empty() ? "" : " (" + std::string(m.name) + ")") +
                            ", which is not an input, a constant or a variable, and no earlier "
                            "operator writes it"};
            }
        }
        if (dynamicInput) {
            // Shapes are known only when the inputs are computed: prepare this node at eval.
            node.deferred = true;
            for (int32_t o : node.op->outputs)
                if (o >= 0 && tensors_[static_cast<size_t>(o)].allocation == Allocation::Arena)
                    tensors_[static_cast<size_t>(o)].allocation = Allocation::Dynamic;
            continue;
        }
        OpContext ctx(*this, static_cast<int32_t>(n), false);
        preparingNode_ = static_cast<int32_t>(n);
        Status s = node.kernel->prepare(ctx);
        preparingNode_ = -1;
        if (!s) return s;
        for (int32_t o : node.op->outputs)
            if (o >= 0 && tensors_[static_cast<size_t>(o)].allocation == Allocation::Arena &&
                tensorBytes(tensors_[static_cast<size_t>(o)].type, tensors_[static_cast<size_t>(o)].shape) <
                    0)
                tensors_[static_cast<size_t>(o)].allocation = Allocation::Dynamic;
        if (allConstant && node.kernel->foldsConstantInputs() && node.scratch.empty() &&
            !node.op->inputs.empty()) {
            // Evaluate once now and keep the result, as TFLite does for DEQUANTIZE and DENSIFY of weights.
            for (int32_t o : node.op->outputs) {
                if (o < 0) continue;
                RuntimeTensor& t = tensors_[static_cast<size_t>(o)];
                if (t.allocation != Allocation::Arena) continue;
                t.allocation = Allocation::Persistent;
                if (Status a = allocateOwned(t, static_cast<size_t>(tensorBytes(t.type, t.shape))); !a)
                    return a;
            }
            OpContext evalCtx(*this, static_cast<int32_t>(n), true);
            if (Status e = node.kernel->eval(evalCtx); !e) return e;
            node.folded = true;
        }
    }

    if (Status s = applyDelegate(); !s) return s;

    // Lifetimes in steps: step k is steps_[k], a node or a whole partition (whose inner tensors live in the
    // delegate and get no arena space); inputs live from step 0, outputs to the end.
    const int32_t end = static_cast<int32_t>(steps_.size());
    std::vector<int32_t> first(tensors_.size(), -1), last(tensors_.size(), -1);
    auto touch = [&](int32_t t, int32_t step) {
        if (t < 0) return;
        if (first[static_cast<size_t>(t)] < 0 || step < first[static_cast<size_t>(t)])
            first[static_cast<size_t>(t)] = step;
        last[static_cast<size_t>(t)] = std::max(last[static_cast<size_t>(t)], step);
    };
    for (int32_t i : model_.inputs)
        touch(i, 0), touch(i, end);
    for (int32_t o : model_.outputs)
        touch(o, end);
    std::vector<int32_t> stepOfNode(nodes_.size(), -1);
    for (int32_t k = 0; k < end; ++k) {
        const Step& step = steps_[static_cast<size_t>(k)];
        if (step.partition >= 0) {
            const Partition& p = delegation_->partitions[static_cast<size_t>(step.partition)];
            for (int32_t t : p.inputs)
                touch(t, k);
            for (int32_t t : p.outputs)
                touch(t, k);
            continue;
        }
        const Node& node = nodes_[static_cast<size_t>(step.node)];
        stepOfNode[static_cast<size_t>(step.node)] = k;
        for (int32_t t : node.op->inputs)
            touch(t, k);
        for (int32_t t : node.op->outputs)
            touch(t, k);
        for (int32_t t : node.op->intermediates)
            touch(t, k);
    }
    std::vector<ArenaRequest> requests;
    std::vector<int32_t> requestTensor;
    for (size_t i = 0; i < tensors_.size(); ++i) {
        RuntimeTensor& t = tensors_[i];
        if (t.allocation != Allocation::Arena) continue;
        if (first[i] < 0) {
            t.allocation = Allocation::None;
            continue;
        }
        requests.push_back({t.bytes, first[i], last[i]});
        requestTensor.push_back(static_cast<int32_t>(i));
    }
    // Scratch of nodes a partition runs is never used: it gets no space (and stays null).
    std::vector<size_t> scratchPlanned;
    for (size_t i = 0; i < scratchRequests_.size(); ++i) {
        ScratchRequest& s = scratchRequests_[i];
        s.data = nullptr;
        const int32_t step = stepOfNode[static_cast<size_t>(s.node)];
        if (step < 0) continue;
        requests.push_back({s.bytes, step, step});
        requestTensor.push_back(-1);
        scratchPlanned.push_back(i);
    }
    plan_ = planArena(requests, owner_.options().keepAllTensors);
    if (plan_.arenaBytes > arenaCapacity_ || !arena_) {
        arena_ = allocateAligned(plan_.arenaBytes);
        if (!arena_)
            return {ErrorCode::Runtime,
                    "cannot allocate the " + std::to_string(plan_.arenaBytes) + "-byte arena"};
        arenaCapacity_ = plan_.arenaBytes;
    }
    size_t scratchIndex = 0;
    for (size_t r = 0; r < requests.size(); ++r) {
        uint8_t* p = arena_.get() + plan_.offsets[r];
        if (requestTensor[r] >= 0)
            tensors_[static_cast<size_t>(requestTensor[r])].data = p;
        else
            scratchRequests_[scratchPlanned[scratchIndex++]].data = p;
    }
    prepared_ = true;
    return Status::ok();
}

Status SubgraphRuntime::evalNode(size_t n, InvokeObserver* observer, int32_t depth) {
    Node& node = nodes_[n];
    NodeEvent event{model_.index, static_cast<int32_t>(n), node.code->name, depth};
    if (observer) observer->onNodeBegin(event);
    OpContext ctx(*this, static_cast<int32_t>(n), true);
    if (node.deferred) {
        ctx.resetHeapScratch();
        if (Status s = node.kernel->prepare(ctx); !s) return s;
        ctx.resetHeapScratch();
    }
    Status s = node.kernel->eval(ctx);
    if (observer) {
        observer->onNodeEnd(event);
        if (s && observer->wantsTensors())
            for (int32_t o : node.op->outputs)
                if (o >= 0) observer->onTensorWritten(event, o, tensors_[static_cast<size_t>(o)]);
    }
    return s;
}

Status SubgraphRuntime::invoke(InvokeObserver* observer, int32_t depth) {
    if (!prepared_) {
        if (Status s = prepare(); !s) return s;
    }
    observer_ = observer;
    depth_ = depth;
    for (const Step& step : steps_) {
        Status s = step.partition >= 0 ? evalPartition(static_cast<size_t>(step.partition), observer, depth)
                                       : evalNode(static_cast<size_t>(step.node), observer, depth);
        if (!s) return s;
    }
    return Status::ok();
}

Status SubgraphRuntime::evalPartition(size_t p, InvokeObserver* observer, int32_t depth) {
    NodeEvent event{model_.index, static_cast<int32_t>(nodes_.size() + p), delegation_->delegate, depth};
    if (observer) observer->onNodeBegin(event);
    Status s = partitionKernels_[p]->invoke(*this);
    if (observer) {
        observer->onNodeEnd(event);
        if (s && observer->wantsTensors())
            for (int32_t o : delegation_->partitions[p].outputs)
                observer->onTensorWritten(event, o, tensors_[static_cast<size_t>(o)]);
    }
    if (!s)
        return {s.code(), "subgraph " + std::to_string(model_.index) + ", " + delegation_->delegate +
                              " partition " + std::to_string(p) + ": " + s.message()};
    return s;
}

std::string_view SubgraphRuntime::opName(int32_t node) const {
    if (node >= 0 && static_cast<size_t>(node) < nodes_.size())
        return nodes_[static_cast<size_t>(node)].code->name;
    if (delegation_ && node >= 0 &&
        static_cast<size_t>(node) - nodes_.size() < delegation_->partitions.size())
        return delegation_->delegate;
    return {};
}

Status SubgraphRuntime::applyDelegate() {
    steps_.clear();
    partitionKernels_.clear();
    delegation_.reset();
    Delegate* delegate = owner_.options().delegate.get();
    if (!delegate) {
        for (size_t n = 0; n < nodes_.size(); ++n)
            if (!nodes_[n].folded) steps_.push_back({static_cast<int32_t>(n), -1});
        return Status::ok();
    }
    const auto started = std::chrono::steady_clock::now();
    const DelegateOptions& options = owner_.options().delegateOptions;
    DelegationReport report;
    report.delegate = std::string(delegate->name());
    report.nodes.resize(nodes_.size());

    // Ask about every node that will run; the others say why they are not asked.
    std::vector<int32_t> running;  // node indices, in execution order
    std::vector<char> claimed;
    for (size_t n = 0; n < nodes_.size(); ++n) {
        NodeDelegation& d = report.nodes[n];
        d.node = static_cast<int32_t>(n);
        const Node& node = nodes_[n];
        if (node.folded) {
            d.reason = "computed once at prepare from constant inputs; nothing runs at invoke";
            d.computedAtPrepare = true;
            continue;
        }
        running.push_back(static_cast<int32_t>(n));
        if (node.deferred) {
            d.reason = "its input shapes are known only at run time";
        } else if (std::find(options.excludedOps.begin(), options.excludedOps.end(), node.code->name) !=
                   options.excludedOps.end()) {
            d.reason = node.code->name + " is excluded by the delegate options";
        } else {
            NodeSupport support = delegate->supports(*this, static_cast<int32_t>(n));
            if (!support.supported) d.reason = support.reason.empty() ? "not supported" : support.reason;
        }
        claimed.push_back(d.reason.empty());
    }

    std::vector<NodeDependencies> deps;
    deps.reserve(running.size());
    for (int32_t n : running) {
        const Operator& op = *nodes_[static_cast<size_t>(n)].op;
        deps.push_back({std::vector<int32_t>(op.inputs.begin(), op.inputs.end()),
                        std::vector<int32_t>(op.outputs.begin(), op.outputs.end())});
    }
    std::vector<NodeSubset> subsets = partitionNodes(deps, claimed);
    for (NodeSubset& subset : subsets)
        for (int32_t& i : subset.nodes)
            i = running[static_cast<size_t>(i)];

    // Keep the largest partitions when their number is limited (ties: the earlier).
    if (options.maxPartitions > 0) {
        std::vector<size_t> delegated;
        for (size_t i = 0; i < subsets.size(); ++i)
            if (subsets[i].delegated) delegated.push_back(i);
        std::stable_sort(delegated.begin(), delegated.end(), [&](size_t a, size_t b) {
            return subsets[a].nodes.size() > subsets[b].nodes.size();
        });
        for (size_t k = static_cast<size_t>(options.maxPartitions); k < delegated.size(); ++k) {
            subsets[delegated[k]].delegated = false;
            for (int32_t n : subsets[delegated[k]].nodes)
                report.nodes[static_cast<size_t>(n)].reason =
                    "its partition is not among the " + std::to_string(options.maxPartitions) +
                    " largest (at most " + std::to_string(options.maxPartitions) + " partitions)";
        }
    }

    // Which node reads each tensor, to find what leaves a partition.
    std::vector<std::vector<int32_t>> readers(tensors_.size());
    for (int32_t n : running)
        for (int32_t t : nodes_[static_cast<size_t>(n)].op->inputs)
            if (t >= 0) readers[static_cast<size_t>(t)].push_back(n);
    std::vector<char> isSubgraphOutput(tensors_.size(), 0);
    for (int32_t o : model_.outputs)
        if (o >= 0) isSubgraphOutput[static_cast<size_t>(o)] = 1;

    for (const NodeSubset& subset : subsets) {
        if (!subset.delegated) {
            for (int32_t n : subset.nodes)
                steps_.push_back({n, -1});
            continue;
        }
        Partition partition;
        partition.subgraph = model_.index;
        partition.nodes = subset.nodes;
        std::vector<char> inside(nodes_.size(), 0), written(tensors_.size(), 0), listed(tensors_.size(), 0);
        for (int32_t n : subset.nodes)
            inside[static_cast<size_t>(n)] = 1;
        for (int32_t n : subset.nodes) {
            const Operator& op = *nodes_[static_cast<size_t>(n)].op;
            for (int32_t t : op.inputs) {
                if (t < 0 || written[static_cast<size_t>(t)] || listed[static_cast<size_t>(t)]) continue;
                const Allocation a = tensors_[static_cast<size_t>(t)].allocation;
                if (a == Allocation::Constant ||
                    (a == Allocation::Persistent && !tensors_[static_cast<size_t>(t)].model->isVariable))
                    continue;
                partition.inputs.push_back(t);
                listed[static_cast<size_t>(t)] = 1;
            }
            for (int32_t t : op.outputs)
                if (t >= 0) written[static_cast<size_t>(t)] = 1;
        }
        for (int32_t n : subset.nodes)
            for (int32_t t : nodes_[static_cast<size_t>(n)].op->outputs) {
                if (t < 0) continue;
                bool leaves = isSubgraphOutput[static_cast<size_t>(t)] != 0;
                for (int32_t r : readers[static_cast<size_t>(t)])
                    leaves |= !inside[static_cast<size_t>(r)];
                if (leaves) partition.outputs.push_back(t);
            }
        auto kernel = delegate->prepare(*this, partition);
        if (!kernel) {
            for (int32_t n : subset.nodes) {
                report.nodes[static_cast<size_t>(n)].reason =
                    report.delegate + " could not build its partition: " + kernel.message();
                steps_.push_back({n, -1});
            }
            continue;
        }
        const auto index = static_cast<int32_t>(report.partitions.size());
        for (int32_t n : subset.nodes)
            report.nodes[static_cast<size_t>(n)].partition = index;
        steps_.push_back({-1, index});
        report.partitions.push_back(std::move(partition));
        partitionKernels_.push_back(std::move(kernel).value());
    }
    report.prepareMicroseconds =
        std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - started).count();

    if (options.requireFullDelegation) {
        std::string left;
        int count = 0;
        for (const NodeDelegation& d : report.nodes) {
            if (d.partition >= 0 || nodes_[static_cast<size_t>(d.node)].folded) continue;
            if (++count <= 3)
                left += (left.empty() ? "" : "; ") + std::string("operator ") + std::to_string(d.node) +
                        " (" + nodes_[static_cast<size_t>(d.node)].code->name + "): " + d.reason;
        }
        if (count > 0)
            return {ErrorCode::Unsupported,
                    "subgraph " + std::to_string(model_.index) + ": full delegation to " + report.delegate +
                        " was required, but " + std::to_string(count) +
                        " operator(s) stay on the builtin kernels: " + left + (count > 3 ? "; ..." : "")};
    }
    delegation_ = std::move(report);
    return Status::ok();
}

// ---------------------------------------------------------------------------------------------------------
// Interpreter
// ---------------------------------------------------------------------------------------------------------

Interpreter::Interpreter(std::shared_ptr<const Model> model, const InterpreterOptions& options)
    : model_(std::move(model)), options_(options), threads_(options.threads) {}

Result<std::unique_ptr<Interpreter>> Interpreter::create(std::shared_ptr<const Model> model,
                                                         const InterpreterOptions& options) {
    std::unique_ptr<Interpreter> interpreter(new Interpreter(std::move(model), options));
    for (const Subgraph& sg : interpreter->model_->subgraphs())
        interpreter->subgraphs_.push_back(std::make_unique<SubgraphRuntime>(*interpreter, sg));
    for (auto& sg : interpreter->subgraphs_)
        if (Status s = sg->createKernels(); !s) return s;
    return interpreter;
}

Status Interpreter::prepare() {
    return main().prepare();
}

Status Interpreter::invoke() {
    return main().invoke(observer_, 0);
}

int Interpreter::findInput(std::string_view name) const {
    const Subgraph& sg = model_->subgraphs()[0];
    for (size_t i = 0; i < sg.inputs.size(); ++i)
        if (sg.tensors[static_cast<size_t>(sg.inputs[i])].name == name) return static_cast<int>(i);
    return -1;
}

int Interpreter::findOutput(std::string_view name) const {
    const Subgraph& sg = model_->subgraphs()[0];
    for (size_t i = 0; i < sg.outputs.size(); ++i)
        if (sg.tensors[static_cast<size_t>(sg.outputs[i])].name == name) return static_cast<int>(i);
    return -1;
}

const SignatureDef* Interpreter::findSignature(std::string_view key) const {
    for (const SignatureDef& s : model_->signatures())
        if (s.key == key) return &s;
    return nullptr;
}

Status Interpreter::prepareSignature(const SignatureDef& signature) {
    return subgraph(signature.subgraphIndex).prepare();
}

Status Interpreter::invokeSignature(const SignatureDef& signature) {
    return subgraph(signature.subgraphIndex).invoke(observer_, 0);
}

}  // namespace litescope

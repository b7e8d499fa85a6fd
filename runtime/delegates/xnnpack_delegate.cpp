#include "runtime/delegates/xnnpack_delegate.h"

#include <pthreadpool.h>
#include <xnnpack.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <mutex>
#include <unordered_map>

#include "runtime/delegates/xnnpack_ops.h"
#include "runtime/interpreter.h"

namespace litescope {

namespace {

struct SubgraphDeleter {
    void operator()(xnn_subgraph_t s) const { xnn_delete_subgraph(s); }
};
struct RuntimeDeleter {
    void operator()(xnn_runtime_t r) const { xnn_delete_runtime(r); }
};
struct PoolDeleter {
    void operator()(pthreadpool_t p) const { pthreadpool_destroy(p); }
};
using XnnSubgraph = std::unique_ptr<xnn_subgraph, SubgraphDeleter>;
using XnnRuntime = std::unique_ptr<xnn_runtime, RuntimeDeleter>;
using ThreadPoolHandle = std::unique_ptr<pthreadpool, PoolDeleter>;

Status xnnFailure(const std::string& what, xnn_status status) {
    return {ErrorCode::Unsupported, what + " (" + xnnStatusName(status) + ")"};
}

bool isStatic(const RuntimeTensor& t) {
    return t.allocation == Allocation::Constant ||
           (t.allocation == Allocation::Persistent && !t.model->isVariable);
}

// Static data the XNNPACK subgraph points to that is not in the model file (converted weights).
using KeptBytes = std::vector<std::unique_ptr<std::vector<uint8_t>>>;

class ValueMap : public XnnpackValues {
  public:
    // `external`: the tensors that cross the subgraph's boundary, in the order of their external ids.
    ValueMap(xnn_subgraph_t xnn, SubgraphRuntime& sg, const std::vector<int32_t>& external, KeptBytes& kept)
        : xnn_(xnn), sg_(sg), kept_(kept) {
        for (size_t i = 0; i < external.size(); ++i)
            external_[external[i]] = static_cast<uint32_t>(i);
    }

    Result<uint32_t> value(int32_t tensor) override {
        if (auto it = ids_.find(tensor); it != ids_.end()) return it->second;
        if (tensor < 0 || static_cast<size_t>(tensor) >= sg_.tensorCount())
            return Status{ErrorCode::InvalidModel, "tensor " + std::to_string(tensor) + " out of range"};
        RuntimeTensor& t = sg_.tensor(tensor);
        const xnn_datatype type = xnnpackDatatype(sg_, tensor, true);
        if (type == xnn_datatype_invalid)
            return Status{ErrorCode::Unsupported,
                          "tensor " + std::to_string(tensor) + " has a type XNNPACK lacks"};
        std::vector<size_t> dims;
        for (int d = 0; d < t.shape.rank(); ++d)
            dims.push_back(static_cast<size_t>(t.shape[d]));
        const void* data = isStatic(t) ? t.data : nullptr;
        // XNNPACK may read up to XNN_EXTRA_BYTES past an operand it reads at run time. Constants are read in
        // place from the mapped file; one that ends too close to the end of the file gets a padded copy.
        if (data && t.allocation == Allocation::Constant) {
            const std::span<const uint8_t> file = sg_.interpreter().model().bytes();
            const auto* begin = static_cast<const uint8_t*>(data);
            if (begin + t.bytes + XNN_EXTRA_BYTES > file.data() + file.size()) {
                std::vector<uint8_t> copy(t.bytes + XNN_EXTRA_BYTES, 0);
                std::memcpy(copy.data(), begin, t.bytes);
                kept_.push_back(std::make_unique<std::vector<uint8_t>>(std::move(copy)));
                data = kept_.back()->data();
            }
        }
        uint32_t externalId = XNN_INVALID_VALUE_ID, flags = 0;
        if (auto it = external_.find(tensor); it != external_.end() && !data) {
            externalId = it->second;
            flags = externalFlags_.count(tensor) ? externalFlags_[tensor] : 0;
        }
        uint32_t id = XNN_INVALID_VALUE_ID;
        const QuantizationParams& q = t.quantization();
        xnn_status status;
        if (type == xnn_datatype_qcint8 || type == xnn_datatype_qcint32) {
            status = xnn_define_channelwise_quantized_tensor_value(xnn_, type, q.scale.data(), dims.size(),
                                                                   static_cast<size_t>(q.quantizedDimension),
                                                                   dims.data(), data, externalId, flags, &id);
        } else if (type == xnn_datatype_qint8 || type == xnn_datatype_quint8 || type == xnn_datatype_qint32) {
            status = xnn_define_quantized_tensor_value(xnn_, type, t.zeroPoint(), t.scale(), dims.size(),
                                                       dims.data(), data, externalId, flags, &id);
        } else {
            status =
                xnn_define_tensor_value(xnn_, type, dims.size(), dims.data(), data, externalId, flags, &id);
        }
        if (status != xnn_status_success)
            return xnnFailure("XNNPACK cannot define tensor " + std::to_string(tensor) + " (" +
                                  std::string(t.model->name) + ")",
                              status);
        ids_[tensor] = id;
        return id;
    }

    Result<uint32_t> internalValue(int32_t like, const std::vector<size_t>& dims) override {
        RuntimeTensor& t = sg_.tensor(like);
        const xnn_datatype type = xnnpackDatatype(sg_, like, false);
        uint32_t id = XNN_INVALID_VALUE_ID;
        xnn_status status =
            type == xnn_datatype_fp32
                ? xnn_define_tensor_value(xnn_, type, dims.size(), dims.data(), nullptr, XNN_INVALID_VALUE_ID,
                                          0, &id)
                : xnn_define_quantized_tensor_value(xnn_, type, t.zeroPoint(), t.scale(), dims.size(),
                                                    dims.data(), nullptr, XNN_INVALID_VALUE_ID, 0, &id);
        if (status != xnn_status_success)
            return xnnFailure("XNNPACK cannot define an intermediate value", status);
        return id;
    }

    Result<uint32_t> staticValue(xnn_datatype type, const std::vector<size_t>& dims,
                                 std::vector<uint8_t> bytes, float scale, int32_t zeroPoint) override {
        bytes.resize(bytes.size() + XNN_EXTRA_BYTES);
        kept_.push_back(std::make_unique<std::vector<uint8_t>>(std::move(bytes)));
        const void* data = kept_.back()->data();
        uint32_t id = XNN_INVALID_VALUE_ID;
        xnn_status status =
            type == xnn_datatype_fp32
                ? xnn_define_tensor_value(xnn_, type, dims.size(), dims.data(), data, XNN_INVALID_VALUE_ID, 0,
                                          &id)
                : xnn_define_quantized_tensor_value(xnn_, type, zeroPoint, scale, dims.size(), dims.data(),
                                                    data, XNN_INVALID_VALUE_ID, 0, &id);
        if (status != xnn_status_success) return xnnFailure("XNNPACK cannot define a static value", status);
        return id;
    }

    void setFlags(int32_t tensor, uint32_t flags) { externalFlags_[tensor] |= flags; }

  private:
    xnn_subgraph_t xnn_;
    SubgraphRuntime& sg_;
    KeptBytes& kept_;
    std::unordered_map<int32_t, uint32_t> external_;
    std::unordered_map<int32_t, uint32_t> externalFlags_;
    std::unordered_map<int32_t, uint32_t> ids_;
};

// An XNNPACK subgraph for `nodes` of `sg`, whose boundary tensors are `inputs` then `outputs` (external ids
// in that order).
struct BuiltSubgraph {
    XnnSubgraph subgraph;
    std::vector<int32_t> external;  // tensor of each external id
    size_t inputCount = 0;
};

Result<BuiltSubgraph> buildSubgraph(SubgraphRuntime& sg, const std::vector<int32_t>& nodes,
                                    const std::vector<int32_t>& inputs, const std::vector<int32_t>& outputs,
                                    KeptBytes& kept) {
    BuiltSubgraph built;
    built.external = inputs;
    built.external.insert(built.external.end(), outputs.begin(), outputs.end());
    built.inputCount = inputs.size();
    xnn_subgraph_t raw = nullptr;
    if (xnn_status s = xnn_create_subgraph(static_cast<uint32_t>(built.external.size()), 0, &raw);
        s != xnn_status_success)
        return xnnFailure("XNNPACK cannot create a subgraph", s);
    built.subgraph.reset(raw);
    ValueMap values(raw, sg, built.external, kept);
    for (int32_t t : inputs)
        values.setFlags(t, XNN_VALUE_FLAG_EXTERNAL_INPUT);
    for (int32_t t : outputs)
        values.setFlags(t, XNN_VALUE_FLAG_EXTERNAL_OUTPUT);
    // Define the boundary first so that every external id exists even if a node reads it late.
    for (int32_t t : built.external)
        if (auto v = values.value(t); !v) return v.status();
    for (int32_t n : nodes)
        if (Status s = xnnpackDefine(raw, sg, n, values); !s) return s;
    return built;
}

// Boundary tensors of a set of nodes: what they read that none of them writes (constants aside), and what
// they write (all of it: a probe or a calibration run has no later readers to judge by).
void boundaryOf(SubgraphRuntime& sg, const std::vector<int32_t>& nodes, std::vector<int32_t>& inputs,
                std::vector<int32_t>& outputs) {
    std::vector<char> written(sg.tensorCount(), 0), listed(sg.tensorCount(), 0);
    for (int32_t n : nodes) {
        const Operator& op = sg.model().operators[static_cast<size_t>(n)];
        for (int32_t t : op.inputs) {
            if (t < 0 || written[static_cast<size_t>(t)] || listed[static_cast<size_t>(t)] ||
                isStatic(sg.tensor(t)))
                continue;
            inputs.push_back(t);
            listed[static_cast<size_t>(t)] = 1;
        }
        for (int32_t t : op.outputs)
            if (t >= 0 && !written[static_cast<size_t>(t)]) {
                written[static_cast<size_t>(t)] = 1;
                outputs.push_back(t);
            }
    }
}

class XnnpackKernel : public DelegateKernel {
  public:
    XnnpackKernel(BuiltSubgraph built, XnnRuntime runtime, KeptBytes kept, std::vector<int32_t> nodes,
                  pthreadpool_t pool)
        : built_(std::move(built)),
          runtime_(std::move(runtime)),
          kept_(std::move(kept)),
          nodes_(std::move(nodes)),
          pool_(pool) {
        externals_.resize(built_.external.size());
    }

    Status invoke(SubgraphRuntime& sg) override {
        // Setting up is cheap but not free: only when a tensor moved (a new arena after a resize).
        bool moved = !setUp_;
        for (size_t i = 0; i < built_.external.size(); ++i) {
            void* data = sg.tensor(built_.external[i]).data;
            if (externals_[i].data != data) moved = true;
            externals_[i] = {static_cast<uint32_t>(i), data};
        }
        if (moved) {
            if (xnn_status s = xnn_setup_runtime(runtime_.get(), externals_.size(), externals_.data());
                s != xnn_status_success)
                return xnnFailure("XNNPACK cannot set up the partition", s);
            setUp_ = true;
        }
        if (xnn_status s = xnn_invoke_runtime(runtime_.get()); s != xnn_status_success)
            return xnnFailure("XNNPACK failed to run the partition", s);
        return Status::ok();
    }

    Result<Breakdown> measureNodes(SubgraphRuntime& sg, int repetitions) override {
        Breakdown breakdown;
        breakdown.method =
            "each node of the partition built as its own XNNPACK runtime and timed alone (median of " +
            std::to_string(repetitions) + " runs on this thread pool), after the counted runs";
        for (int32_t n : nodes_) {
            std::vector<int32_t> inputs, outputs;
            boundaryOf(sg, {n}, inputs, outputs);
            KeptBytes kept;
            auto built = buildSubgraph(sg, {n}, inputs, outputs, kept);
            if (!built) return built.status();
            xnn_runtime_t raw = nullptr;
            if (xnn_status s = xnn_create_runtime_v2(built->subgraph.get(), pool_, 0, &raw);
                s != xnn_status_success)
                return xnnFailure("XNNPACK cannot build node " + std::to_string(n) + " alone", s);
            XnnRuntime runtime(raw);
            // Buffers of their own, filled with a harmless value: no denormals, no NaN.
            std::vector<std::vector<uint8_t>> buffers;
            std::vector<xnn_external_value> externals;
            for (size_t i = 0; i < built->external.size(); ++i) {
                RuntimeTensor& t = sg.tensor(built->external[i]);
                const int64_t bytes = tensorBytes(t.type, t.shape);
                std::vector<uint8_t> buffer(static_cast<size_t>(std::max<int64_t>(bytes, 0)) +
                                            XNN_EXTRA_BYTES);
                if (t.type == TensorType::Float32) {
                    const float half = 0.5f;
                    for (size_t b = 0; b + sizeof(float) <= buffer.size(); b += sizeof(float))
                        std::memcpy(buffer.data() + b, &half, sizeof half);
                } else {
                    std::fill(buffer.begin(), buffer.end(), static_cast<uint8_t>(t.zeroPoint()));
                }
                buffers.push_back(std::move(buffer));
                externals.push_back({static_cast<uint32_t>(i), buffers.back().data()});
            }
            if (xnn_status s = xnn_setup_runtime(runtime.get(), externals.size(), externals.data());
                s != xnn_status_success)
                return xnnFailure("XNNPACK cannot set up node " + std::to_string(n) + " alone", s);
            std::vector<double> times;
            xnn_invoke_runtime(runtime.get());  // warm
            for (int r = 0; r < std::max(repetitions, 1); ++r) {
                const auto start = std::chrono::steady_clock::now();
                xnn_invoke_runtime(runtime.get());
                times.push_back(
                    std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start)
                        .count());
            }
            std::nth_element(times.begin(), times.begin() + static_cast<std::ptrdiff_t>(times.size() / 2),
                             times.end());
            breakdown.nodes.push_back({n, times[times.size() / 2]});
        }
        return breakdown;
    }

  private:
    BuiltSubgraph built_;
    XnnRuntime runtime_;
    KeptBytes kept_;
    std::vector<int32_t> nodes_;
    pthreadpool_t pool_;
    std::vector<xnn_external_value> externals_;
    bool setUp_ = false;
};

class XnnpackDelegate : public Delegate {
  public:
    XnnpackDelegate(const XnnpackOptions& options, ThreadPoolHandle pool)
        : options_(options), pool_(std::move(pool)) {}

    std::string_view name() const override { return "XNNPACK"; }

    NodeSupport supports(SubgraphRuntime& sg, int32_t node) override {
        if (!options_.quantized) {
            const Operator& op = sg.model().operators[static_cast<size_t>(node)];
            for (auto tensors : {op.inputs, op.outputs})
                for (int32_t t : tensors) {
                    if (t < 0) continue;
                    const TensorType type = sg.tensor(t).type;
                    if ((type == TensorType::Int8 || type == TensorType::UInt8) &&
                        sg.tensor(t).quantization().hasAffine())
                        return NodeSupport::no("quantized " + std::string(tensorTypeName(type)) +
                                               " nodes are delegated only when asked (--delegate-quantized), "
                                               "as in TensorFlow Lite "
                                               "2.8: XNNPACK rounds quantized arithmetic differently");
                }
        }
        NodeSupport support = xnnpackCanRun(sg, node);
        if (!support.supported || !options_.probeNodes) return support;
        // Ask XNNPACK itself: build the node alone and create a runtime for it.
        std::vector<int32_t> inputs, outputs;
        boundaryOf(sg, {node}, inputs, outputs);
        KeptBytes kept;
        auto built = buildSubgraph(sg, {node}, inputs, outputs, kept);
        if (!built) return NodeSupport::no("this XNNPACK rejects it: " + built.message());
        xnn_runtime_t raw = nullptr;
        if (xnn_status s = xnn_create_runtime_v2(built->subgraph.get(), nullptr, 0, &raw);
            s != xnn_status_success)
            return NodeSupport::no(std::string("this XNNPACK rejects it when building its operator (") +
                                   xnnStatusName(s) + ")");
        xnn_delete_runtime(raw);
        return support;
    }

    Result<std::unique_ptr<DelegateKernel>> prepare(SubgraphRuntime& sg,
                                                    const Partition& partition) override {
        KeptBytes kept;
        auto built = buildSubgraph(sg, partition.nodes, partition.inputs, partition.outputs, kept);
        if (!built) return built.status();
        xnn_runtime_t raw = nullptr;
        if (xnn_status s = xnn_create_runtime_v2(built->subgraph.get(), pool_.get(), 0, &raw);
            s != xnn_status_success)
            return xnnFailure("XNNPACK cannot create the partition's runtime", s);
        XnnRuntime runtime(raw);
        // The subgraph is no longer needed once the runtime exists; the weights it packed are in the runtime.
        built->subgraph.reset();
        return std::unique_ptr<DelegateKernel>(std::make_unique<XnnpackKernel>(
            std::move(built).value(), std::move(runtime), std::move(kept), partition.nodes, pool_.get()));
    }

  private:
    XnnpackOptions options_;
    ThreadPoolHandle pool_;
};

}  // namespace

Result<std::shared_ptr<Delegate>> makeXnnpackDelegate(const XnnpackOptions& options) {
    static std::once_flag once;
    static xnn_status initialized = xnn_status_uninitialized;
    std::call_once(once, [] { initialized = xnn_initialize(nullptr); });
    if (initialized != xnn_status_success)
        return Status{ErrorCode::Unsupported, std::string("XNNPACK cannot initialise on this CPU (") +
                                                  xnnStatusName(initialized) + ")"};
    ThreadPoolHandle pool;
    if (options.threads > 1) {
        pool.reset(pthreadpool_create(static_cast<size_t>(options.threads)));
        if (!pool) return Status{ErrorCode::Runtime, "cannot create XNNPACK's thread pool"};
    }
    return std::shared_ptr<Delegate>(std::make_shared<XnnpackDelegate>(options, std::move(pool)));
}

}  // namespace litescope

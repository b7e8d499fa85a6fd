// Control flow and resource variables: IF, WHILE and CALL_ONCE run other subgraphs of the model;
// VAR_HANDLE, READ_VARIABLE and ASSIGN_VARIABLE keep state across invokes.
#include <cstring>

#include "runtime/interpreter.h"
#include "runtime/kernel_registry.h"
#include "runtime/kernels/kernel_util.h"

namespace litescope::kernels {
namespace {

// Copies a tensor's bytes into another, resizing a dynamic destination.
Status copyInto(RuntimeTensor& dst, const RuntimeTensor& src, const char* what, OpContext& ctx) {
    if (dst.type != src.type)
        return ctx.fail(std::string(what) + ": type " + std::string(tensorTypeName(src.type)) +
                        " does not match " + std::string(tensorTypeName(dst.type)));
    if (dst.shape != src.shape || dst.bytes != src.bytes) {
        if (dst.allocation != Allocation::Dynamic)
            return ctx.fail(std::string(what) + ": shape " + src.shape.toString() + " does not fit " +
                            dst.shape.toString());
        if (src.bytes > dst.capacity) {
            dst.owned = allocateAligned(src.bytes);
            if (!dst.owned) return ctx.fail("out of memory");
            dst.capacity = src.bytes;
        }
        dst.data = dst.owned.get();
        dst.shape = src.shape;
        dst.bytes = src.bytes;
    }
    if (src.bytes) std::memcpy(dst.data, src.data, src.bytes);
    return Status::ok();
}

bool allStatic(SubgraphRuntime& sg, bool outputs) {
    const size_t n = outputs ? sg.outputCount() : sg.inputCount();
    for (size_t i = 0; i < n; ++i) {
        const RuntimeTensor& t = outputs ? sg.output(i) : sg.input(i);
        if (t.allocation == Allocation::Dynamic) return false;
    }
    return true;
}

// Feeds `sg` the shapes of `count` tensors starting at our input `first`, and prepares it.
Status prepareCallee(OpContext& ctx, SubgraphRuntime& sg, int first, const char* role) {
    const int count = ctx.inputCount() - first;
    if (static_cast<int>(sg.inputCount()) != count)
        return ctx.fail(std::string(role) + " subgraph " + std::to_string(sg.index()) + " takes " +
                        std::to_string(sg.inputCount()) + " inputs, the op passes " + std::to_string(count));
    for (int i = 0; i < count; ++i) {
        const RuntimeTensor& in = ctx.input(first + i);
        if (sg.input(static_cast<size_t>(i)).type != in.type)
            return ctx.fail(std::string(role) + " subgraph input " + std::to_string(i) + " is " +
                            std::string(tensorTypeName(sg.input(static_cast<size_t>(i)).type)) +
                            ", the op passes " + std::string(tensorTypeName(in.type)));
        sg.setInputShape(static_cast<size_t>(i), in.shape);
    }
    if (Status s = sg.prepare(); !s) return s;
    return Status::ok();
}

Status feedInputs(OpContext& ctx, SubgraphRuntime& sg, int first, const char* role) {
    for (size_t i = 0; i < sg.inputCount(); ++i) {
        if (Status s = copyInto(sg.input(i), ctx.input(first + static_cast<int>(i)), role, ctx); !s) return s;
    }
    return Status::ok();
}

class IfKernel : public OpKernel {
  public:
    Status prepare(OpContext& ctx) override {
        const auto* o = ctx.options<fb::IfOptions>();
        LS_ENSURE(ctx, o != nullptr, "has no IfOptions");
        LS_ENSURE(ctx,
                  ctx.inputCount() >= 1 && ctx.input(0).type == TensorType::Bool &&
                      ctx.input(0).elementCount() == 1,
                  "the condition must be a single BOOL");
        branches_[0] = o->then_subgraph_index();
        branches_[1] = o->else_subgraph_index();
        bool same = true;
        for (int b = 0; b < 2; ++b) {
            SubgraphRuntime& sg = ctx.otherSubgraph(branches_[b]);
            LS_RETURN_IF_ERROR(prepareCallee(ctx, sg, 1, b == 0 ? "then" : "else"));
            LS_ENSURE(ctx, static_cast<int>(sg.outputCount()) == ctx.outputCount(),
                      "a branch returns " + std::to_string(sg.outputCount()) + " outputs, the op has " +
                          std::to_string(ctx.outputCount()));
            same &= allStatic(sg, true);
        }
        SubgraphRuntime& a = ctx.otherSubgraph(branches_[0]);
        SubgraphRuntime& b = ctx.otherSubgraph(branches_[1]);
        for (int i = 0; i < ctx.outputCount(); ++i) {
            if (same && a.output(static_cast<size_t>(i)).shape == b.output(static_cast<size_t>(i)).shape) {
                LS_RETURN_IF_ERROR(ctx.resizeOutput(i, a.output(static_cast<size_t>(i)).shape));
            } else {
                ctx.markOutputDynamic(i);
            }
        }
        return Status::ok();
    }

    Status eval(OpContext& ctx) override {
        const bool condition = ctx.input(0).as<bool>()[0];
        SubgraphRuntime& sg = ctx.otherSubgraph(branches_[condition ? 0 : 1]);
        LS_RETURN_IF_ERROR(feedInputs(ctx, sg, 1, "branch input"));
        LS_RETURN_IF_ERROR(sg.invoke(ctx.observer(), ctx.depth() + 1));
        for (int i = 0; i < ctx.outputCount(); ++i)
            LS_RETURN_IF_ERROR(
                copyInto(ctx.output(i), sg.output(static_cast<size_t>(i)), "branch output", ctx));
        return Status::ok();
    }

  private:
    int branches_[2] = {0, 0};
};

class WhileKernel : public OpKernel {
  public:
    Status prepare(OpContext& ctx) override {
        const auto* o = ctx.options<fb::WhileOptions>();
        LS_ENSURE(ctx, o != nullptr, "has no WhileOptions");
        cond_ = o->cond_subgraph_index();
        body_ = o->body_subgraph_index();
        LS_ENSURE(ctx, ctx.inputCount() == ctx.outputCount(), "needs as many outputs as inputs");
        SubgraphRuntime& cond = ctx.otherSubgraph(cond_);
        SubgraphRuntime& body = ctx.otherSubgraph(body_);
        LS_RETURN_IF_ERROR(prepareCallee(ctx, cond, 0, "condition"));
        LS_ENSURE(ctx, cond.outputCount() == 1 && cond.output(0).type == TensorType::Bool,
                  "the condition subgraph must return one BOOL");
        LS_RETURN_IF_ERROR(prepareCallee(ctx, body, 0, "body"));
        LS_ENSURE(ctx, static_cast<int>(body.outputCount()) == ctx.outputCount(),
                  "the body must return every loop variable");
        // The loop state has a fixed shape when the body gives back what it was given.
        staticShapes_ = allStatic(body, true);
        for (int i = 0; i < ctx.outputCount() && staticShapes_; ++i)
            staticShapes_ = body.output(static_cast<size_t>(i)).shape == ctx.input(i).shape;
        for (int i = 0; i < ctx.outputCount(); ++i) {
            if (staticShapes_)
                LS_RETURN_IF_ERROR(ctx.resizeOutput(i, ctx.input(i).shape));
            else
                ctx.markOutputDynamic(i);
        }
        return Status::ok();
    }

    Status eval(OpContext& ctx) override {
        SubgraphRuntime& cond = ctx.otherSubgraph(cond_);
        SubgraphRuntime& body = ctx.otherSubgraph(body_);
        // The outputs hold the loop state.
        for (int i = 0; i < ctx.outputCount(); ++i)
            LS_RETURN_IF_ERROR(copyInto(ctx.output(i), ctx.input(i), "loop variable", ctx));
        const int64_t maxIterations = ctx.subgraph().interpreter().options().maxWhileIterations;
        for (int64_t iteration = 0;; ++iteration) {
            if (iteration >= maxIterations)
                return ctx.fail("the loop ran " + std::to_string(maxIterations) +
                                " iterations without its condition turning false");
            if (!staticShapes_) LS_RETURN_IF_ERROR(reshapeCallee(ctx, cond));
            for (size_t i = 0; i < cond.inputCount(); ++i)
                LS_RETURN_IF_ERROR(
                    copyInto(cond.input(i), ctx.output(static_cast<int>(i)), "condition input", ctx));
            LS_RETURN_IF_ERROR(cond.invoke(ctx.observer(), ctx.depth() + 1));
            if (!cond.output(0).as<bool>()[0]) break;
            if (!staticShapes_) LS_RETURN_IF_ERROR(reshapeCallee(ctx, body));
            for (size_t i = 0; i < body.inputCount(); ++i)
                LS_RETURN_IF_ERROR(
                    copyInto(body.input(i), ctx.output(static_cast<int>(i)), "body input", ctx));
            LS_RETURN_IF_ERROR(body.invoke(ctx.observer(), ctx.depth() + 1));
            for (int i = 0; i < ctx.outputCount(); ++i)
                LS_RETURN_IF_ERROR(
                    copyInto(ctx.output(i), body.output(static_cast<size_t>(i)), "loop variable", ctx));
        }
        return Status::ok();
    }

  private:
    // With changing shapes, the callee is prepared again for the current loop state.
    Status reshapeCallee(OpContext& ctx, SubgraphRuntime& sg) {
        for (size_t i = 0; i < sg.inputCount(); ++i)
            sg.setInputShape(i, ctx.output(static_cast<int>(i)).shape);
        if (!sg.isPrepared()) return sg.prepare();
        return Status::ok();
    }

    int cond_ = 0, body_ = 0;
    bool staticShapes_ = true;
};

class CallOnceKernel : public OpKernel {
  public:
    Status prepare(OpContext& ctx) override {
        const auto* o = ctx.options<fb::CallOnceOptions>();
        LS_ENSURE(ctx, o != nullptr, "has no CallOnceOptions");
        init_ = o->init_subgraph_index();
        SubgraphRuntime& sg = ctx.otherSubgraph(init_);
        LS_ENSURE(ctx, sg.inputCount() == 0 && sg.outputCount() == 0,
                  "the init subgraph must take and return nothing");
        return sg.prepare();
    }
    Status eval(OpContext& ctx) override {
        if (done_) return Status::ok();
        LS_RETURN_IF_ERROR(ctx.otherSubgraph(init_).invoke(ctx.observer(), ctx.depth() + 1));
        done_ = true;
        return Status::ok();
    }

  private:
    int init_ = 0;
    bool done_ = false;
};

class VarHandleKernel : public OpKernel {
  public:
    Status prepare(OpContext& ctx) override {
        LS_ENSURE(ctx, ctx.output(0).type == TensorType::Resource, "output must be a RESOURCE tensor");
        const auto* o = ctx.options<fb::VarHandleOptions>();
        auto text = [](const flatbuffers::String* s) {
            return s ? std::string_view(s->c_str(), s->size()) : std::string_view();
        };
        handle_ = ctx.resources().handleFor(o ? text(o->container()) : "", o ? text(o->shared_name()) : "");
        return ctx.resizeOutput(0, Shape{});
    }
    Status eval(OpContext& ctx) override {
        ctx.output(0).as<int32_t>()[0] = handle_;
        return Status::ok();
    }

  private:
    int32_t handle_ = 0;
};

Result<ResourceVariables::Variable*> variableOf(OpContext& ctx, const RuntimeTensor& handle) {
    if (handle.type != TensorType::Resource || handle.data == nullptr)
        return Status(ErrorCode::Runtime, ctx.fail("input 0 is not a resource handle").message());
    ResourceVariables::Variable* v = ctx.resources().find(handle.as<int32_t>()[0]);
    if (!v) return Status(ErrorCode::Runtime, ctx.fail("unknown resource handle").message());
    return v;
}

class ReadVariableKernel : public OpKernel {
  public:
    Status prepare(OpContext& ctx) override {
        ctx.markOutputDynamic(0);  // the variable's shape is known once it is assigned
        return Status::ok();
    }
    Status eval(OpContext& ctx) override {
        auto v = variableOf(ctx, ctx.input(0));
        if (!v) return v.status();
        ResourceVariables::Variable& var = **v;
        if (!var.assigned) return ctx.fail("reads a resource variable before any ASSIGN_VARIABLE wrote it");
        LS_ENSURE(ctx, ctx.output(0).type == var.type,
                  "the variable holds " + std::string(tensorTypeName(var.type)));
        LS_RETURN_IF_ERROR(ctx.resizeOutput(0, var.shape));
        if (var.bytes) std::memcpy(ctx.output(0).data, var.data.get(), var.bytes);
        return Status::ok();
    }
};

class AssignVariableKernel : public OpKernel {
  public:
    Status prepare(OpContext& ctx) override {
        LS_ENSURE(ctx, ctx.inputCount() == 2, "needs a handle and a value");
        return Status::ok();
    }
    Status eval(OpContext& ctx) override {
        auto v = variableOf(ctx, ctx.input(0));
        if (!v) return v.status();
        ResourceVariables::Variable& var = **v;
        const RuntimeTensor& value = ctx.input(1);
        if (var.assigned && var.type != value.type)
            return ctx.fail("assigns " + std::string(tensorTypeName(value.type)) + " to a variable holding " +
                            std::string(tensorTypeName(var.type)));
        if (value.bytes > var.capacity) {
            var.data = allocateAligned(value.bytes);
            if (!var.data) return ctx.fail("out of memory");
            var.capacity = value.bytes;
        }
        var.type = value.type;
        var.shape = value.shape;
        var.bytes = value.bytes;
        if (value.bytes) std::memcpy(var.data.get(), value.data, value.bytes);
        var.assigned = true;
        return Status::ok();
    }
};

}  // namespace

void registerControlFlowKernels(KernelRegistry& r) {
    using B = fb::BuiltinOperator;
    r.add(B::IF, makeKernel<IfKernel>);
    r.add(B::WHILE, makeKernel<WhileKernel>);
    r.add(B::CALL_ONCE, makeKernel<CallOnceKernel>);
    r.add(B::VAR_HANDLE, makeKernel<VarHandleKernel>);
    r.add(B::READ_VARIABLE, makeKernel<ReadVariableKernel>);
    r.add(B::ASSIGN_VARIABLE, makeKernel<AssignVariableKernel>);
}

}  // namespace litescope::kernels

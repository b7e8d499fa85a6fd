#include "runtime/kernel_registry.h"

namespace litescope {

const KernelRegistry& KernelRegistry::builtin() {
    static const KernelRegistry registry = [] {
        KernelRegistry r;
        kernels::registerBinaryKernels(r);
        kernels::registerUnaryKernels(r);
        kernels::registerShapeKernels(r);
        kernels::registerIndexKernels(r);
        kernels::registerReduceKernels(r);
        kernels::registerConvKernels(r);
        kernels::registerPoolingKernels(r);
        kernels::registerMatmulKernels(r);
        kernels::registerControlFlowKernels(r);
        kernels::registerRecurrentKernels(r);
        kernels::registerMiscKernels(r);
        return r;
    }();
    return registry;
}

void KernelRegistry::add(fb::BuiltinOperator op, KernelFactory factory) {
    builtins_[static_cast<int32_t>(op)] = factory;
}

void KernelRegistry::addCustom(const std::string& name, KernelFactory factory) {
    customs_[name] = factory;
}

KernelFactory KernelRegistry::find(const OperatorCode& code) const {
    if (code.isCustom()) {
        auto it = customs_.find(std::string(code.customCode));
        return it == customs_.end() ? nullptr : it->second;
    }
    auto it = builtins_.find(code.builtinCode);
    return it == builtins_.end() ? nullptr : it->second;
}

std::vector<std::string> KernelRegistry::supportedOps() const {
    std::vector<std::string> out;
    for (const auto& [code, f] : builtins_)
        out.push_back(builtinOperatorName(code));
    for (const auto& [name, f] : customs_)
        out.push_back(name);
    return out;
}

}  // namespace litescope
